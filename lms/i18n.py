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
