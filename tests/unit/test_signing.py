"""The school's signing key: loaded from configuration, signatures verify, tampering does not."""
from __future__ import annotations

import base64
import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from lms.core.signing import SigningKeyError, canonical_json, signer_from_config

SEED = base64.b64encode(bytes(range(32))).decode()


def _signer(**config):
    return signer_from_config({"ENV_NAME": "development", "INSTANCE_DIR": "/nonexistent", **config})


def test_the_same_key_from_base64_urlsafe_base64_pem_and_file(tmp_path):
    a = _signer(SIGNING_KEY=SEED)
    b = _signer(SIGNING_KEY=base64.urlsafe_b64encode(bytes(range(32))).decode().rstrip("="))
    pem = Ed25519PrivateKey.from_private_bytes(bytes(range(32))).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    c = _signer(SIGNING_KEY=pem.decode())
    (tmp_path / "k.pem").write_bytes(pem)
    d = _signer(SIGNING_KEY_FILE=str(tmp_path / "k.pem"))
    assert a.key_id == b.key_id == c.key_id == d.key_id and len(a.key_id) == 16


@pytest.mark.parametrize("bad", ["short", base64.b64encode(b"x" * 31).decode(), "not base64 !!"])
def test_a_bad_key_is_refused(bad):
    with pytest.raises(SigningKeyError):
        _signer(SIGNING_KEY=bad)


def test_production_needs_a_configured_key(tmp_path):
    with pytest.raises(SigningKeyError):
        signer_from_config({"ENV_NAME": "production", "INSTANCE_DIR": str(tmp_path)})


def test_development_generates_one_key_and_keeps_it(tmp_path):
    first = signer_from_config({"ENV_NAME": "development", "INSTANCE_DIR": str(tmp_path)})
    again = signer_from_config({"ENV_NAME": "development", "INSTANCE_DIR": str(tmp_path)})
    assert first.key_id == again.key_id
    assert oct((tmp_path / "signing-key.pem").stat().st_mode & 0o777) == "0o600"


def test_retired_keys_still_verify_and_unknown_keys_do_not():
    old = _signer(SIGNING_KEY=SEED)
    signature = old.sign(b"hoc ba")
    new = _signer(SIGNING_KEY=base64.b64encode(os.urandom(32)).decode(), SIGNING_RETIRED_KEYS=old.public_b64)
    assert new.verify(b"hoc ba", signature, old.key_id)
    stranger = _signer(SIGNING_KEY=base64.b64encode(os.urandom(32)).decode())
    assert not stranger.verify(b"hoc ba", signature, old.key_id)


@given(st.binary(min_size=1, max_size=200), st.integers(min_value=0), st.integers(min_value=0, max_value=7))
def test_any_changed_bit_of_the_message_or_signature_fails(message, where, bit):
    signer = _signer(SIGNING_KEY=SEED)
    signature = signer.sign(message)
    assert signer.verify(message, signature, signer.key_id)
    changed = bytearray(message)
    changed[where % len(changed)] ^= 1 << bit
    assert not signer.verify(bytes(changed), signature, signer.key_id)
    raw = bytearray(base64.b64decode(signature))
    raw[where % len(raw)] ^= 1 << bit
    assert not signer.verify(message, base64.b64encode(bytes(raw)).decode(), signer.key_id)
    assert not signer.verify(message, "not base64", signer.key_id)


def test_canonical_json_is_one_text():
    assert canonical_json({"b": 1, "a": "Tốt"}) == canonical_json({"a": "Tốt", "b": 1}) == '{"a":"Tốt","b":1}'
