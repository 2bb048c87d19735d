"""What every request brings, bounded once here so that no route answers bad input with a 500.

- `<int:…>` in every route is `IdConverter`: an id an INTEGER column cannot hold (25 digits; 2^31
  and over, which PostgreSQL refuses with an error) matches no route, so it is a 404 like any
  unknown id — instead of a database error in whichever of the routes it reached.
- `request.args`, `request.form` and `request.values`' `get(…, type=int)` give the default for
  such a number, as they do for text that is not a number; so does `?page=` for `db.paginate`.
- A form's `IntegerField` refuses it with a message on the field (lms.core.forms).
- URL-encoded form bodies are held to the same part count as multipart ones (`MAX_FORM_PARTS`:
  1,001 fields are a 413) and to `MAX_URLENCODED_SIZE` bytes; Werkzeug bounds neither (only the
  whole body, by `MAX_CONTENT_LENGTH`, which is sized for video uploads).
- NUL characters are dropped from query, form and JSON values (PostgreSQL refuses them in text).
- Dates: `arg_date`, `arg_month`, `arg_datetime` read a date from the query string (one given
  but unreadable is flashed to the reader, the page showing its default), and `Form`
  refuses a date field, outside `DATE_MIN`–`DATE_MAX` (1900–2100): 9999-12-31 parses, but a
  page's "next month" or a week's end after it overflows (an HTTP 500), and a due time in year 1
  or 9999 is never meant.
- `json_object()`: a JSON body that must be an object (`{…}`); anything else is a 400 in JSON.
  Forms posted as JSON (Flask-WTF reads them) take only an object of plain values (lms.core.forms).
"""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, Request, abort, jsonify, make_response, request
from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict, MultiDict
from werkzeug.utils import cached_property
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.routing import IntegerConverter

INT_MIN, INT_MAX = -(2 ** 31), 2 ** 31 - 1
MAX_PAGE = 1_000_000


def in_range(value: int) -> bool:
    return INT_MIN <= value <= INT_MAX


from lms.core.timeutil import DATE_MAX, DATE_MIN  # noqa: E402  (the one range; re-exported here)


def date_in_range(value: date | datetime | None) -> bool:
    """True for None and for a date (or time) between DATE_MIN and DATE_MAX."""
    if value is None:
        return True
    day = value.date() if isinstance(value, datetime) else value
    return DATE_MIN <= day <= DATE_MAX


def _arg(name: str, fmt: str) -> datetime | None:
    """The query's `name` read with `fmt`; a value given but unreadable (?day=abc, ?month=2026-13)
    is said to the reader — flashed in their language, naming the value and the form expected —
    so a page showing its default instead (today, this month) is not taken for the one asked."""
    raw = (request.args.get(name) or "").strip()
    try:
        value = datetime.strptime(raw, fmt)
    except ValueError:
        value = None
    if value is not None and date_in_range(value):
        return value
    if raw:
        _say_unread(raw, fmt)
    return None


def _say_unread(raw: str, fmt: str) -> None:
    from flask import flash

    from lms.i18n import gettext as _

    shown = raw[:40]
    if fmt == "%Y-%m":
        flash(_("Không đọc được tháng “%(v)s” trong địa chỉ trang (cần dạng năm-tháng, ví dụ 2026-12): "
                "trang hiện tháng mặc định.", v=shown), "warning")
    elif fmt == "%Y-%m-%d":
        flash(_("Không đọc được ngày “%(v)s” trong địa chỉ trang (cần dạng năm-tháng-ngày, ví dụ 2026-12-08): "
                "trang hiện ngày mặc định.", v=shown), "warning")
    else:
        flash(_("Không đọc được thời điểm “%(v)s” trong địa chỉ trang: trang hiện thời điểm mặc định.", v=shown),
              "warning")


def arg_date(name: str) -> date | None:
    """?name=YYYY-MM-DD as a date; None when absent, unreadable or out of range."""
    value = _arg(name, "%Y-%m-%d")
    return value.date() if value else None


def arg_month(name: str) -> date | None:
    """?name=YYYY-MM as the month's first day; None when absent, unreadable or out of range."""
    value = _arg(name, "%Y-%m")
    return value.date() if value else None


def arg_datetime(name: str, fmt: str = "%Y-%m-%dT%H:%M") -> datetime | None:
    """?name=YYYY-MM-DDTHH:MM (a datetime-local field's value); None when absent, unreadable or
    out of range."""
    return _arg(name, fmt)


class IdConverter(IntegerConverter):
    """Werkzeug's `int` with the INTEGER column's bounds (ids are never negative)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", INT_MAX)
        super().__init__(url_map, *args, **kwargs)


def _no_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_no_nul(v) for v in value]
    if isinstance(value, dict):
        return {_no_nul(k): _no_nul(v) for k, v in value.items()}
    return value


class BoundedMultiDict(ImmutableMultiDict):
    """Query and form values: `get(key, type=int)` is the default for a number out of range, and
    NUL characters are dropped (PostgreSQL refuses them in text: a search or a message with one
    was an HTTP 500; they are never meant)."""

    def __init__(self, mapping=None):
        if isinstance(mapping, MultiDict):
            mapping = [(_no_nul(k), _no_nul(v)) for k, v in mapping.items(multi=True)]
        elif isinstance(mapping, dict):
            mapping = {_no_nul(k): _no_nul(v) for k, v in mapping.items()}
        elif mapping is not None:
            mapping = [(_no_nul(k), _no_nul(v)) for k, v in mapping]
        super().__init__(mapping)

    def get(self, key, default=None, type=None):  # noqa: A002 - Werkzeug's signature
        value = super().get(key, default=default, type=type)
        if type is int and isinstance(value, int) and value is not default and not in_range(value):
            return default
        return value


class BoundedCombinedMultiDict(CombinedMultiDict):
    """`request.values` (query and form together), bounded the same way."""

    def get(self, key, default=None, type=None):  # noqa: A002 - Werkzeug's signature
        value = super().get(key, default=default, type=type)
        if type is int and isinstance(value, int) and value is not default and not in_range(value):
            return default
        return value


class BoundedFormParser(FormDataParser):
    urlencoded_limit: int | None = None

    def _parse_urlencoded(self, stream, mimetype, content_length, options):
        limit = self.urlencoded_limit
        if limit is not None and content_length is not None and content_length > limit:
            raise RequestEntityTooLarge()
        body = stream.read(limit + 1 if limit is not None else -1)
        if limit is not None and len(body) > limit:
            raise RequestEntityTooLarge()
        if self.max_form_parts is not None and body.count(b"&") + 1 > self.max_form_parts:
            raise RequestEntityTooLarge()
        from io import BytesIO

        return super()._parse_urlencoded(BytesIO(body), mimetype, len(body), options)


class BoundedRequest(Request):
    parameter_storage_class = BoundedMultiDict
    form_data_parser_class = BoundedFormParser

    @cached_property
    def args(self) -> BoundedMultiDict:
        """The query string; a page number that is not one from 1 to `MAX_PAGE` (Flask-SQLAlchemy's
        `paginate` multiplies it into an OFFSET) is left out, and kept in `refused_paging` for the
        list page's message (lms.core.paging)."""
        args = super().args
        bad = {k: v for k in ("page", "per_page") for v in args.getlist(k)
               if not (v.isascii() and v.isdigit() and 0 < int(v) <= MAX_PAGE)}
        if not bad:
            return args
        self.refused_paging = bad   # what was typed: lms.core.paging tells the user
        return self.parameter_storage_class([(k, v) for k, v in args.items(multi=True) if k not in bad])

    @cached_property
    def values(self) -> CombinedMultiDict:
        return BoundedCombinedMultiDict(super().values.dicts)

    def make_form_data_parser(self) -> FormDataParser:
        from flask import current_app

        parser = super().make_form_data_parser()
        parser.urlencoded_limit = current_app.config.get("MAX_URLENCODED_SIZE")
        return parser


def json_object() -> dict:
    """The request's JSON body, which must be an object; otherwise answer 400 in JSON."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        from lms.i18n import gettext as _

        abort(make_response(jsonify({"status": "invalid", "message": _("Yêu cầu không hợp lệ.")}), 400))
    return _no_nul(body)


def install_inputs(app: Flask) -> None:
    """Before any blueprint is registered: rules compile their converters when they are added."""
    app.url_map.converters["int"] = IdConverter
    app.request_class = BoundedRequest
    app.config.setdefault("MAX_URLENCODED_SIZE", 4 * 1024 * 1024)
