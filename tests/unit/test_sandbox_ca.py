"""The sandbox CA reads each key file once per process (reading a 2,048-bit RSA key checks it:
about 50 ms), yet reads a file written again."""
from __future__ import annotations

import os

from cryptography.hazmat.primitives import serialization

from lms.gradebook.transcript import pki


def _count_key_reads(monkeypatch) -> list:
    reads: list = []
    real = serialization.load_pem_private_key

    def counting(data, password=None, **kw):
        reads.append(data)
        return real(data, password=password, **kw)

    monkeypatch.setattr(serialization, "load_pem_private_key", counting)
    return reads


def test_the_root_and_a_subscriber_read_no_key_again(tmp_path, monkeypatch):
    ca = pki.SandboxCA(tmp_path / "sandbox")
    pair = ca.enrol("001085000123", "Phạm Thu Hà")
    reads = _count_key_reads(monkeypatch)
    for _ in range(5):
        assert ca.root == pair.chain[1]
    assert reads == []          # the root's certificate needs no key at all
    for _ in range(5):
        again = pki.SandboxCA(tmp_path / "sandbox").subscriber("001085000123")
        assert again.cert == pair.cert and again.chain == pair.chain
        assert again.key.private_numbers() == pair.key.private_numbers()
    assert len(reads) == 1      # the subscriber's key, once; the issuing CA's key not at all
    assert ca.issuing[1] == ca.issuing[1] == pair.chain[0]
    assert len(reads) == 1      # read when it issued the subscriber's certificate, not again


def test_a_key_file_written_again_is_read_again(tmp_path, monkeypatch):
    ca = pki.SandboxCA(tmp_path / "sandbox")
    first = ca.enrol("001085000123", "Phạm Thu Hà")
    assert ca.subscriber("001085000123").cert == first.cert
    for name in ("sub-001085000123.key.pem", "sub-001085000123.crt"):
        os.remove(tmp_path / "sandbox" / name)
    second = ca.enrol("001085000123", "Phạm Thu Hà")
    assert second.cert != first.cert
    reads = _count_key_reads(monkeypatch)
    found = ca.subscriber("001085000123")
    assert found.cert == second.cert and found.key.private_numbers() == second.key.private_numbers()
    assert len(reads) == 1
