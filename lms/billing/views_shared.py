"""What the billing views share on the Flask side: the once-only key of money-moving forms."""
from __future__ import annotations

from flask import current_app, flash, g, redirect, request
from flask_login import current_user
from markupsafe import Markup

from lms.billing import once
from lms.extensions import db
from lms.i18n import gettext as _


def form_key(action: str) -> str:
    """The key a money-moving form of `action` carries (a template global)."""
    return once.new_key(current_app.config["SECRET_KEY"], current_user.id, action)


def once_field(action: str) -> Markup:
    """The hidden input carrying the key (a template global)."""
    return Markup('<input type="hidden" name="key" value="%s" data-once="%s">') % (form_key(action), action)


def first_time(action: str):
    """Claim this submission's key. None: go ahead (then `done`). Otherwise the response that
    replays the first submission of the same form. A missing, forged or reused-for-other-values key
    raises the DomainError the view shows."""
    school = getattr(getattr(g, "ctx", None), "school", None)
    earlier = once.begin(db.session, secret=current_app.config["SECRET_KEY"], school_id=school.id if school else None,
                         user_id=current_user.id, action=action, key=request.form.get("key"),
                         asked=once.digest(request.path, request.form))
    if earlier is None:
        return None
    # Nothing was written for this submission (its key is the earlier one's): the caller's
    # `committing` block ends without a change.
    flash(_("Biểu mẫu này đã được gửi và xử lý; lần gửi lại không ghi thêm gì."), "info")
    return redirect(earlier.outcome or request.path)


def done(url: str) -> str:
    """Remember where the first submission sent the user; returns `url`."""
    once.finish(db.session, request.form.get("key") or "", url)
    return url
