"""Devices an account has signed in on, remembered by a signed cookie, so that a stranger's wrong
guesses cannot keep the account's owner out (web layer: it reads and sets the cookie).

A successful sign-in adds the account to the browser's device cookie (a random device id and the
accounts that signed in on it: a school lab's computer holds many pupils). A later sign-in of one
of those accounts from that browser is judged on the device's own counter (`d:<device>:<account>`,
which locks after `lock_after` failures: only this browser's guesses count there) and not on the
account's (`u:<account>`, which only slows: see services.authenticate), nor on the address's
ceiling. The cookie is signed with the app's secret key, so an attacker cannot name an account in
it without having signed in as that account.
"""
from __future__ import annotations

import secrets

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "lms_known_device"   # not the exam's device token (`lms.exams.saving.DEVICE_COOKIE`)
MAX_ACCOUNTS = 60      # a lab computer used by two classes
DAYS = 365


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="lms-known-device")


def cookie_name() -> str:
    # `__Host-` where the session cookie has it (production: Secure, Path=/, no Domain).
    return ("__Host-" + COOKIE) if current_app.config.get("SESSION_COOKIE_SECURE") else COOKIE


def read(cookies) -> tuple[str, list[int]] | None:
    """(device id, accounts signed in on it, most recent last), or None without a valid cookie."""
    raw = cookies.get(cookie_name())
    if not raw:
        return None
    try:
        value = _serializer().loads(raw)
    except BadSignature:
        return None
    if (not isinstance(value, dict) or not isinstance(value.get("d"), str)
            or not isinstance(value.get("u"), list) or not all(isinstance(i, int) for i in value["u"])):
        return None
    return value["d"], value["u"]


def remember(response, cookies, user_id: int) -> None:
    """Add the account that just signed in to this browser's device cookie."""
    device = read(cookies)
    device_id, ids = device if device else (secrets.token_urlsafe(16), [])
    ids = [i for i in ids if i != user_id][-(MAX_ACCOUNTS - 1):] + [user_id]
    response.set_cookie(cookie_name(), _serializer().dumps({"d": device_id, "u": ids}), max_age=DAYS * 86400,
                        path="/", secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")), httponly=True,
                        samesite="Lax")
