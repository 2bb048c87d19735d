"""Payment channels. The signing functions here are pure and fixed by CONTRACTS.md."""
import hashlib
import hmac


def hmac_hex(algorithm, key: str, message: str) -> str:
    return hmac.new(key.encode("utf-8"), message.encode("utf-8"), algorithm).hexdigest()


def same_hex(expected: str, given: object) -> bool:
    """Constant-time, case-insensitive comparison of hex digests."""
    return isinstance(given, str) and hmac.compare_digest(expected.lower().encode(), given.strip().lower().encode())


SHA256, SHA512 = hashlib.sha256, hashlib.sha512
