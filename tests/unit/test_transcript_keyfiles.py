"""A signer's key file refused in the user's words: a PKCS#12 file opened with the wrong password
is told apart from a file that is not PKCS#12 at all, and no library's English reaches the page."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from lms.gradebook.transcript import pki


def _p12(password: bytes) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Nguyễn Văn Ký")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256()))
    return pkcs12.serialize_key_and_certificates(b"ky-so", key, cert, None,
                                                 serialization.BestAvailableEncryption(password))


def test_a_wrong_password_and_a_file_that_is_not_pkcs12_are_each_said_in_vietnamese():
    data = _p12(b"mat-khau-dung")
    assert pki.load_pkcs12(data, "mat-khau-dung").cert is not None
    with pytest.raises(pki.KeyFileError) as wrong:
        pki.load_pkcs12(data, "mat-khau-sai")
    assert str(wrong.value.message) == "sai mật khẩu của tệp chứng thư số: nhập lại mật khẩu được cấp cùng tệp"
    for junk in (b"%PDF-1.7 not a key file", b"", b"\x30\x03\x02\x01\x03"):
        with pytest.raises(pki.KeyFileError) as other:
            pki.load_pkcs12(junk, "mat-khau-dung")
        assert str(other.value.message) == "tệp không phải chứng thư số PKCS#12 (.p12 hoặc .pfx)"
    with pytest.raises(pki.KeyFileError) as certificate:
        pki.load_certificates(b"not a certificate")
    assert "tệp không phải chứng thư số" in str(certificate.value.message)
