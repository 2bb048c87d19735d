"""Certificates and keys for signing: reading PKCS#12 files and trust roots, converting between
`cryptography` (signxml) and `asn1crypto` (pyHanko) objects, and the sandbox's own small CA
(a root, an issuing CA, a time-stamping unit and one certificate per sandbox subscriber), kept in
the instance folder. The sandbox CA is for the demo and the tests only: its root is trusted only
while LMS_SIGNING_SANDBOX is on, and every name it issues says SANDBOX."""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from asn1crypto import keys as akeys
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from lms.i18n import lazy_gettext as _l


class KeyFileError(ValueError):
    """A PKCS#12 file or a certificate file cannot be read; its message says why, in the user's
    language (never the library's English)."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


def _is_pkcs12(data: bytes) -> bool:
    """Whether the bytes are a PKCS#12 structure at all (then a refusal to open is the password's)."""
    from asn1crypto import pkcs12 as apkcs12

    try:
        pfx = apkcs12.Pfx.load(data)
        return pfx["version"].native == "v3" and pfx["auth_safe"]["content_type"].native in ("data", "signed_data")
    except (ValueError, TypeError, KeyError):
        return False


def to_asn1(cert: x509.Certificate) -> ax509.Certificate:
    return ax509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def from_der(der: bytes) -> x509.Certificate:
    return x509.load_der_x509_certificate(der)


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def subject_text(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string()


def common_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else subject_text(cert)


def sign_digest(key: rsa.RSAPrivateKey, digest: bytes) -> bytes:
    """RSASSA-PKCS1-v1_5 over a SHA-256 digest already computed: what a remote signer does with
    the hash it receives (moet.md §3.1)."""
    return key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))


@dataclass
class KeyPair:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    chain: list[x509.Certificate]      # issuing CA(s) up to the root, nearest first


def load_pkcs12(data: bytes, password: str) -> KeyPair:
    """The key, its certificate and chain from a .p12/.pfx file, or KeyFileError saying why not."""
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, password.encode() if password else None)
    except ValueError as exc:
        if _is_pkcs12(data):
            raise KeyFileError(_l("sai mật khẩu của tệp chứng thư số: nhập lại mật khẩu được cấp cùng tệp")) from exc
        raise KeyFileError(_l("tệp không phải chứng thư số PKCS#12 (.p12 hoặc .pfx)")) from exc
    if key is None or cert is None:
        raise KeyFileError(_l("tệp không có khoá bí mật kèm chứng thư số"))
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyFileError(_l("chỉ dùng được chứng thư số khoá RSA"))
    return KeyPair(key, cert, list(extra or []))


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate of a PEM bundle, a PKCS#7 bundle (.p7b, PEM or DER) or one DER certificate."""
    from cryptography.hazmat.primitives.serialization import pkcs7

    try:
        if b"-----BEGIN PKCS7" in data:
            return pkcs7.load_pem_pkcs7_certificates(data)
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        try:
            return [x509.load_der_x509_certificate(data)]
        except ValueError:
            return pkcs7.load_der_pkcs7_certificates(data)
    except ValueError as exc:
        raise KeyFileError(_l("tệp không phải chứng thư số (PEM, DER hoặc PKCS#7 .p7b)")) from exc


def signer_and_chain(certs: list[x509.Certificate]) -> tuple[x509.Certificate, list[x509.Certificate]]:
    """A bundle's signer's certificate (the one that is not a CA) and the others, its chain."""
    def is_ca(cert: x509.Certificate) -> bool:
        try:
            return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            return False

    leaves = [c for c in certs if not is_ca(c)]
    if len(leaves) != 1:
        raise KeyFileError(_l("tệp phải có đúng một chứng thư số của người ký (kèm các chứng thư của CA)"))
    return leaves[0], [c for c in certs if c is not leaves[0]]


def pem(certs: list[x509.Certificate]) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in certs)


def trust_roots_from_paths(paths: str | None) -> list[x509.Certificate]:
    """LMS_TRUST_ROOTS: comma-separated files or folders of root certificates (PEM or DER)."""
    out: list[x509.Certificate] = []
    for part in (paths or "").split(","):
        part = part.strip()
        if not part:
            continue
        path = Path(part)
        files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
        for f in files:
            out.extend(load_certificates(f.read_bytes()))
    return out


# ---------------------------------------------------------------- the sandbox's CA

SANDBOX_UNIT = "SANDBOX - chứng thư thử nghiệm - không có giá trị pháp lý"


def _name(cn: str, org: str = "lms SANDBOX", **extra: str) -> x509.Name:
    """A sandbox name: every one says SANDBOX in its subject (a school's certificate carries the
    school's name as its organisation, so the unit says it), so that no reader can take a
    sandbox-signed document for a real one."""
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)]
    if "SANDBOX" not in org.upper():
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, SANDBOX_UNIT))
    if extra.get("uid"):
        attrs.append(x509.NameAttribute(NameOID.USER_ID, extra["uid"]))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def _issue(subject: x509.Name, key, issuer: x509.Name, issuer_key, *, ca: bool, days: int,
           eku: list | None = None, now: datetime | None = None) -> x509.Certificate:
    now = now or datetime.now(timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=not ca, content_commitment=not ca and not eku,
                                            key_encipherment=False, data_encipherment=False, key_agreement=False,
                                            key_cert_sign=ca, crl_sign=ca, encipher_only=False, decipher_only=False),
                              critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                              critical=False))
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


# A subscriber's number (a CCCD has 12 digits, a tax code 10 or 14 with its dash): the sandbox's
# table keeps it in 40 characters and its key file is named after it.
SUBSCRIBER_ID_MAX = 40


def is_subscriber_id(value: str) -> bool:
    return 0 < len(value) <= SUBSCRIBER_ID_MAX and any(ch.isalnum() for ch in value)


# The sandbox's keys and certificates as last read, by file and the file's identity (inode, size,
# modification and change times), so that a file written again is read again. Reading a 2,048-bit
# RSA key checks it, its primes included: about 50 ms of CPU. Every verification asked for the root
# (which read all three CA keys to find the root's certificate) and every signature for the
# issuing CA's: half of a transcript test's CPU. A key is still checked, once, when first read.
_LOADED: dict[tuple[str, str], tuple[tuple[int, ...], object]] = {}
_LOADED_MAX = 256


def _load_cached(path: Path, kind: str, load):
    stat = path.stat()
    identity = (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
    key = (str(path.resolve()), kind)
    found = _LOADED.get(key)
    if found is not None and found[0] == identity:
        return found[1]
    value = load(path.read_bytes())
    if len(_LOADED) >= _LOADED_MAX:
        _LOADED.clear()
    _LOADED[key] = (identity, value)
    return value


def _load_key(path: Path) -> rsa.RSAPrivateKey:
    return _load_cached(path, "key", lambda data: serialization.load_pem_private_key(data, password=None))


def _load_cert(path: Path) -> x509.Certificate:
    return _load_cached(path, "cert", x509.load_pem_x509_certificate)


class SandboxCA:
    """The sandbox's CA in a folder: made on first use, then reused (the demo's signatures stay
    verifiable across restarts)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _pair(self, name: str) -> tuple[rsa.RSAPrivateKey, x509.Certificate] | None:
        key_path, cert_path = self.folder / f"{name}.key.pem", self.folder / f"{name}.crt"
        if not (key_path.exists() and cert_path.exists()):
            return None
        return _load_key(key_path), _load_cert(cert_path)

    def _has(self, name: str) -> bool:
        return (self.folder / f"{name}.key.pem").exists() and (self.folder / f"{name}.crt").exists()

    def _save(self, name: str, key, cert: x509.Certificate) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        _write_private(self.folder / f"{name}.key.pem", key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        (self.folder / f"{name}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))

    def _ensure_cas(self) -> None:
        if self._has("root") and self._has("issuing") and self._has("tsa"):
            return
        root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        root_name = _name("lms SANDBOX Root CA")
        root = _issue(root_name, root_key, root_name, root_key, ca=True, days=3650)
        issuing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        issuing_name = _name("lms SANDBOX SmartCA")
        issuing = _issue(issuing_name, issuing_key, root_name, root_key, ca=True, days=3650)
        tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        tsa = _issue(_name("lms SANDBOX Time-Stamping Authority"), tsa_key, root_name, root_key, ca=False,
                     days=3650, eku=[ExtendedKeyUsageOID.TIME_STAMPING])
        self._save("root", root_key, root)
        self._save("issuing", issuing_key, issuing)
        self._save("tsa", tsa_key, tsa)

    @property
    def root(self) -> x509.Certificate:
        self._ensure_cas()
        return _load_cert(self.folder / "root.crt")

    @property
    def issuing(self) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
        self._ensure_cas()
        return self._pair("issuing")

    @property
    def tsa(self) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
        self._ensure_cas()
        return self._pair("tsa")

    def timestamper(self):
        """An RFC 3161 time-stamping unit answering in process (pyHanko's own)."""
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        key, cert = self.tsa
        info = akeys.PrivateKeyInfo.load(key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption()))
        return DummyTimeStamper(tsa_cert=to_asn1(cert), tsa_key=info,
                                certs_to_embed=SimpleCertificateStore.from_certs([to_asn1(self.root)]))

    @staticmethod
    def _subscriber_file(user_id: str) -> str:
        return "sub-" + "".join(ch for ch in user_id if ch.isalnum())

    def enrol(self, user_id: str, name: str, *, organisation: bool = False) -> KeyPair:
        """A key and certificate for a subscriber (a person by ID number, or a school by tax code),
        issued once and kept."""
        if not is_subscriber_id(user_id):
            raise ValueError(f"not a subscriber number: {user_id[:SUBSCRIBER_ID_MAX]!r}")
        existing = self.subscriber(user_id)
        if existing is not None and "SANDBOX" in existing.cert.subject.rfc4514_string().upper():
            return existing     # (one issued before every subject said SANDBOX is issued again)
        issuing_key, issuing = self.issuing
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        uid = f"MST:{user_id}" if organisation else f"CCCD:{user_id}"
        cert = _issue(_name(name, org=name if organisation else "lms SANDBOX", uid=uid), key, issuing.subject,
                      issuing_key, ca=False, days=730)
        self._save(self._subscriber_file(user_id), key, cert)
        return KeyPair(key, cert, [issuing, self.root])

    def subscriber(self, user_id: str) -> KeyPair | None:
        """The subscriber by ID number or tax code; None for one never enrolled, and for anything
        that cannot be a subscriber's number (longer than SUBSCRIBER_ID_MAX, or without a digit
        or letter), so no caller's input reaches the file system unbounded."""
        if not is_subscriber_id(user_id):
            return None
        pair = self._pair(self._subscriber_file(user_id))
        if pair is None:
            return None
        self._ensure_cas()
        return KeyPair(pair[0], pair[1], [_load_cert(self.folder / "issuing.crt"), self.root])
