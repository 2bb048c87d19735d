"""Payment-channel secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) with
a key from the environment (`LMS_SECRETS_KEY`, urlsafe base64 of 32 bytes). Outside production a
key is generated once into the instance folder. The database alone never reveals a secret."""
from __future__ import annotations

import json
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken


class SecretsKeyError(ValueError):
    """The configured key is missing or unreadable."""


def box_from_config(config) -> Fernet:
    key = config.get("SECRETS_KEY")
    if key:
        try:
            return Fernet(key.encode() if isinstance(key, str) else key)
        except (ValueError, TypeError) as exc:
            raise SecretsKeyError("LMS_SECRETS_KEY must be urlsafe base64 of 32 bytes") from exc
    if config.get("ENV_NAME") == "production":
        raise SecretsKeyError("LMS_SECRETS_KEY must be set in production")
    path = Path(config["INSTANCE_DIR"]) / "secrets-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(Fernet.generate_key())
    return Fernet(path.read_bytes().strip())


def seal(box: Fernet, values: dict[str, str]) -> str:
    return box.encrypt(json.dumps(values, ensure_ascii=False, sort_keys=True).encode()).decode() if values else ""


def unseal(box: Fernet, token: str) -> dict[str, str]:
    if not token:
        return {}
    try:
        return json.loads(box.decrypt(token.encode()))
    except (InvalidToken, ValueError) as exc:
        raise SecretsKeyError("a channel secret cannot be decrypted with the configured key") from exc
