"""The one way a list page reads which page of the list to show.

    page = paging.paginate(services.students_query(school, year), per_page=PAGE_SIZE)

The query string's `page` is read once for every list: a number from 1 to the list's last page
is shown; anything else — `page=abc`, `page=-1`, `page=0`, a number of thirty digits, a page past
the end — shows the nearest page that exists (the first, or the last) with a message saying what
was asked and what is shown, never an empty list without a word and never a 500. The request
parser (lms.core.inputs.BoundedRequest) has already set such a value apart, so nothing else in the
request multiplies it into an OFFSET.
"""
from __future__ import annotations

from flask import flash, request

from lms.extensions import db
from lms.i18n import gettext as _
from lms.i18n import ngettext


def requested_page() -> tuple[int, str | None]:
    """The page number asked for, and the text typed when it was not a page number (then 1)."""
    number = request.args.get("page", 1, type=int) or 1     # reading the args sets refused_paging
    bad = getattr(request, "refused_paging", {}).get("page")
    return (1, bad) if bad is not None else (number, None)


def paginate(select, *, per_page: int, **kwargs):
    """A Flask-SQLAlchemy `Pagination` of `select` at the page the query string asks for (see the
    module's doc); `kwargs` go to `db.paginate` (e.g. `count=False`)."""
    number, bad = requested_page()
    page = db.paginate(select, page=number, per_page=per_page, error_out=False, **kwargs)
    if bad is not None:
        flash(_("“%(v)s” không phải số trang: đang hiện trang 1.", v=bad[:30]), "warning")
    elif number > 1 and page.pages and number > page.pages:
        last = page.pages
        flash(ngettext("Danh sách chỉ có %(n)s trang: đang hiện trang %(n)s.",
                       "Danh sách chỉ có %(n)s trang: đang hiện trang %(n)s.", last, n=last), "warning")
        page = db.paginate(select, page=last, per_page=per_page, error_out=False, **kwargs)
    return page
