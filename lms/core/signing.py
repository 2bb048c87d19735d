"""The school documents' signing key (Ed25519, with `cryptography`).

The private key comes from configuration: `LMS_SIGNING_KEY` (base64 of the 32-byte seed, or a
PEM) or `LMS_SIGNING_KEY_FILE` (a PEM or raw-seed file). Outside production, when neither is
set, a key is generated once into the instance folder so the embedded default works. Retired
public keys (`LMS_SIGNING_RETIRED_KEYS`, base64, comma-separated) still verify what they signed.
A signature names its key by `key_id`, the first 16 hex digits of SHA-256 of the public key.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class SigningKeyError(ValueError):
    """The configured key cannot be read."""


def canonical_json(data: object) -> str:
    """The one byte-exact text of a JSON document: keys sorted, no spaces, UTF-8 kept."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(key: Ed25519PublicKey) -> str:
    return sha256_hex(_raw_public(key))[:16]


def _load_private(material: bytes) -> Ed25519PrivateKey:
    text = material.strip()
    if text.startswith(b"-----BEGIN"):
        key = serialization.load_pem_private_key(text, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyError("the PEM key is not an Ed25519 key")
        return key
    if len(text) == 32:
        return Ed25519PrivateKey.from_private_bytes(text)
    try:
        standard = text.replace(b"-", b"+").replace(b"_", b"/")
        seed = base64.b64decode(standard + b"=" * (-len(standard) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SigningKeyError("LMS_SIGNING_KEY is neither a PEM nor base64 of a 32-byte seed") from exc
    if len(seed) != 32:
        raise SigningKeyError("LMS_SIGNING_KEY must be base64 of exactly 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(seed)


def _load_public(text: str) -> Ed25519PublicKey:
    raw = base64.b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    if len(raw) != 32:
        raise SigningKeyError("a retired public key must be base64 of 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


@dataclass
class Signer:
    private: Ed25519PrivateKey
    retired: tuple[Ed25519PublicKey, ...] = ()

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def key_id(self) -> str:
        return key_id_of(self.public)

    @property
    def public_b64(self) -> str:
        return base64.b64encode(_raw_public(self.public)).decode()

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.private.sign(message)).decode()

    def verify(self, message: bytes, signature_b64: str, key_id: str) -> bool:
        """True only for a valid signature by the current key or a retired key with that id."""
        keys = {key_id_of(k): k for k in (self.public, *self.retired)}
        key = keys.get(key_id)
        if key is None:
            return False
        try:
            key.verify(base64.b64decode(signature_b64, validate=True), message)
        except (InvalidSignature, binascii.Error, ValueError):
            return False
        return True


def signer_from_config(config) -> Signer:
    """The signer the app uses; generates the development key file when allowed."""
    material = config.get("SIGNING_KEY")
    path = config.get("SIGNING_KEY_FILE")
    if material:
        private = _load_private(material.encode() if isinstance(material, str) else material)
    elif path:
        private = _load_private(Path(path).read_bytes())
    elif config.get("ENV_NAME") == "production":
        raise SigningKeyError("LMS_SIGNING_KEY or LMS_SIGNING_KEY_FILE must be set in production")
    else:
        private = _development_key(Path(config["INSTANCE_DIR"]) / "signing-key.pem")
    retired = tuple(_load_public(t) for t in (config.get("SIGNING_RETIRED_KEYS") or "").split(",") if t.strip())
    return Signer(private, retired)


def _development_key(path: Path) -> Ed25519PrivateKey:
    if path.exists():
        return _load_private(path.read_bytes())
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    try:
        os.link(tmp, path)  # atomic, and refuses to replace a key another process made first
    except FileExistsError:
        return _load_private(path.read_bytes())
    finally:
        tmp.unlink()
    return key
