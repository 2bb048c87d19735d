"""Translation helpers usable from services without importing Flask at module level.

Flask-Babel's lazy strings are resolved when rendered, inside a request; outside one (CLI,
jobs, unit tests) they fall back to the Vietnamese source text.
"""
from __future__ import annotations


def lazy_gettext(message: str, **variables):
    from flask_babel import lazy_gettext as _lazy

    return _lazy(message, **variables)


def gettext(message: str, **variables):
    from flask_babel import gettext as _g

    return _g(message, **variables)


def ngettext(singular: str, plural: str, num, **variables):
    """A message that counts something: English chooses "1 point" or "2 points" by `num`
    (Vietnamese, which has no plural forms, writes the same text twice). `num` may be a mark with
    decimals; see plural_count."""
    from flask_babel import ngettext as _n

    return _n(singular, plural, plural_count(num), **variables)


def current_locale() -> str:
    """The reader's language code ("vi", "en"): the request's, or the one a job renders in
    (force_locale); "vi" outside the app."""
    from flask import has_app_context
    from flask_babel import get_locale

    return str(get_locale() or "vi") if has_app_context() else "vi"


def plural_count(value) -> int:
    """The count that chooses a message's plural form: 1 for exactly one (1, 1.0, Decimal("1")),
    otherwise 2 — "0.5 points", "1.5 points", "0 points" (gettext's plural rules take whole numbers
    only)."""
    return 1 if value == 1 else 2


def source_text(value) -> str:
    """A message in the source language (Vietnamese) whatever the reader's: for text stored once
    and shown later to readers of either language, translated when shown."""
    from flask import has_request_context
    from flask_babel import force_locale

    if not has_request_context():
        return str(value)
    with force_locale("vi"):
        return str(value)
