"""Browsers an identifier has signed in on, remembered by a signed cookie, so that a stranger's
wrong guesses cannot keep the account's owner out (web layer: it reads and sets the cookie).

A successful sign-in adds what was typed — its normal form (`services.sign_in_key`), as a keyed
digest, so the cookie shows no phone number or e-mail on a shared computer — to the browser's
device cookie (a random device id and the identifiers that signed in on it: a school lab's
computer holds many pupils). A later sign-in with one of those identifiers from that browser is
judged on the device's own counter (`d:<device>:<key>`, which locks after `lock_after` failures:
only this browser's guesses count there) and not on the address's delay nor on either ceiling
(see services.authenticate). The cookie names what was typed, never the account it resolved to:
judging an identifier by whether its account had signed in here told a lab's pupil that another
pupil's phone named that pupil (issue #22). It is signed with the app's secret key, so an attacker
cannot name an identifier in it without having signed in with it.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "lms_known_device"   # not the exam's device token (`lms.exams.saving.DEVICE_COOKIE`)
MAX_IDENTIFIERS = 60   # a lab computer used by two classes
DAYS = 365


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="lms-known-device")


def cookie_name() -> str:
    # `__Host-` where the session cookie has it (production: Secure, Path=/, no Domain).
    return ("__Host-" + COOKIE) if current_app.config.get("SESSION_COOKIE_SECURE") else COOKIE


def digest(key: str) -> str:
    """A sign-in key as the cookie holds it."""
    secret = current_app.secret_key
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, b"lms-known-device:" + key.encode(), hashlib.sha256).hexdigest()[:20]


def read(cookies) -> tuple[str, list[str]] | None:
    """(device id, digests of the identifiers signed in on it, most recent last), or None without
    a valid cookie."""
    raw = cookies.get(cookie_name())
    if not raw:
        return None
    try:
        value = _serializer().loads(raw)
    except BadSignature:
        return None
    if (not isinstance(value, dict) or not isinstance(value.get("d"), str)
            or not isinstance(value.get("k"), list) or not all(isinstance(i, str) for i in value["k"])):
        return None
    return value["d"], value["k"]


def known(cookies, key: str) -> str | None:
    """This browser's device id when the identifier `key` signed in on it before, else None."""
    device = read(cookies)
    return device[0] if device is not None and digest(key) in device[1] else None


def remember(response, cookies, key: str) -> None:
    """Add the identifier that just signed in (its sign-in key) to this browser's device cookie."""
    device = read(cookies)
    device_id, keys = device if device else (secrets.token_urlsafe(16), [])
    mine = digest(key)
    keys = [k for k in keys if k != mine][-(MAX_IDENTIFIERS - 1):] + [mine]
    response.set_cookie(cookie_name(), _serializer().dumps({"d": device_id, "k": keys}), max_age=DAYS * 86400,
                        path="/", secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")), httponly=True,
                        samesite="Lax")
