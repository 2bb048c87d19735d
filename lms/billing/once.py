"""Every form that moves money is done once, whatever the browser does.

The server puts a key in the page (`new_key`: random, signed for the user and the kind of form,
so a key cannot be made up or carried to another account); a submission without a genuine key
is refused. The first submission with a key writes a row for it — before the work, in the same
transaction — so a second submission of the same form (a double click, the back button, a
retried request) waits for the first, then finds its row and is sent where the first was; the
same key with other values is refused (409). A submission the service refused rolls back with
its row, so the corrected form can be sent again. Keys are kept, so a replay works days later.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.billing.models import FormSubmission
from lms.core.errors import Conflict, ValidationError
from lms.core.timeutil import utcnow
from lms.i18n import lazy_gettext as _l

IGNORED_FIELDS = ("csrf_token", "key", "submit")


def _mac(secret: str, user_id: int, action: str, nonce: str) -> str:
    return hmac.new(secret.encode(), f"{user_id}|{action}|{nonce}".encode(), hashlib.sha256).hexdigest()[:20]


def new_key(secret: str, user_id: int, action: str) -> str:
    """A key for one form of `action` shown to this user."""
    nonce = secrets.token_urlsafe(15)
    return f"{nonce}.{_mac(secret, user_id, action, nonce)}"


def genuine(secret: str, user_id: int, action: str, key: str | None) -> bool:
    nonce, _, mac = (key or "").partition(".")
    return bool(nonce) and len(key or "") <= 64 and hmac.compare_digest(mac, _mac(secret, user_id, action, nonce))


def digest(path: str, form: Mapping[str, object]) -> str:
    """What was asked: the address and every value but the token, key and button."""
    values = {k: (form.getlist(k) if hasattr(form, "getlist") else form[k]) for k in sorted(form)
              if k not in IGNORED_FIELDS}
    return hashlib.sha256(json.dumps([path, values], ensure_ascii=False, default=str).encode()).hexdigest()


def begin(session: Session, *, secret: str, school_id: int | None, user_id: int, action: str, key: str | None,
          asked: str) -> FormSubmission | None:
    """Claim the form's key for this submission. Returns the earlier submission to replay (its
    `outcome` is where it sent the user), or None when this one is the first: go ahead, then
    `finish`. A missing or forged key is refused; the same key with other values is a conflict."""
    if not genuine(secret, user_id, action, key):
        raise ValidationError(_l("Biểu mẫu này đã cũ hoặc không đầy đủ. Hãy tải lại trang rồi làm lại."))
    earlier = _earlier(session, key, user_id, action, asked)
    if earlier is not None:
        return earlier
    row = FormSubmission(key=key, school_id=school_id, user_id=user_id, action=action, digest=asked,
                         created_at=utcnow())
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:        # sent twice at once: the other one committed first
        earlier = _earlier(session, key, user_id, action, asked)
        if earlier is None:
            raise
        return earlier
    return None


def _earlier(session: Session, key: str, user_id: int, action: str, asked: str) -> FormSubmission | None:
    row = session.scalars(select(FormSubmission).where(FormSubmission.key == key)).first()
    if row is None:
        return None
    if row.user_id != user_id or row.action != action or row.digest != asked:
        raise Conflict(_l("Biểu mẫu này đã được gửi với nội dung khác. Hãy tải lại trang để làm một yêu cầu mới."))
    return row


def finish(session: Session, key: str, outcome: str) -> None:
    """Where the first submission sent the user; a replay is sent there too."""
    row = session.scalars(select(FormSubmission).where(FormSubmission.key == key)).first()
    if row is not None:
        row.outcome = outcome
        session.flush()
