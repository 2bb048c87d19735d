"""Bad input is never a 500: every route of `app.url_map`, on both databases, as the role that may
use it, with ids no column can hold, a query string of junk, and bodies of the wrong type.

Before: ids of 25 digits (and from 2^31 on PostgreSQL) reached the database from 76 routes, and a
JSON body that was not an object reached `.get()` in the exam's save, events and submit routes.
Each is now bounded once: `<int:…>` (lms.core.inputs.IdConverter), `type=int` query and form
values, `IntegerField`s, URL-encoded form size, and `json_object()` for JSON routes.

The objects in the paths are school B's (tests/integration/test_tenancy.py's `b_card` world), used
by school B's own people, so each request reaches the code behind the 404 checks.
"""
import re
import zlib

import pytest
from werkzeug.datastructures import ImmutableMultiDict

from lms.core.tenancy import DEPARTMENT
from tests.integration.test_tenancy import b_card, foreign_ids  # noqa: F401  (b_card is a fixture)

CLIENTS = {"admin": "admin.b", "teacher": "gv.b", "accountant": "kt.b", "student": "hsb002", "parent": "0912000003",
           DEPARTMENT: "so.a"}
HUGE = [2 ** 31, 2 ** 63, 10 ** 25]
TEXT_PARAMS = {"kind": "students", "token": "x", "qtype": "essay", "channel": "sepay", "school_code": "B",
               "code": "vi", "filename": "css/app.css", "name": "x.png", "order_code": "1"}
JUNK_QUERY = {name: "99999999999999999999999" for name in (
    "class_id", "year", "term", "period", "level", "lesson", "course", "category", "subject", "grade", "regrade",
    "page", "rows", "per_page", "student", "exam", "question", "month")}
JUNK_QUERY.update(q="\x00%'", checkpoint="zz", status="zz", kind="zz", format="zz", sample="x", download="x",
                  metric="x", method="x", show="x", next="//evil.example", t="x", ref="x", code="x", minutes="x")
WEIRD_VALUES = ["99999999999999999999999", "-2147483649", "x" * 300, "", "1e999", "NaN", "0,5.5", "\x00"]
# Changing these would sign the caller out or lock the accounts the rest of the sweep uses.
SKIP_BODY = {"auth.logout", "auth.switch_context", "auth.language", "people.user_toggle_active",
             "people.user_end_sessions", "people.user_reset_two_factor", "auth.change_password",
             "auth.reset_password"}
INPUT_NAME = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')


def _role_for(app, rule) -> str | None:
    roles = getattr(app.view_functions[rule.endpoint], "required_roles", None)
    if roles is None:
        return "admin"
    return next((r for r in roles if r in CLIENTS), None)


def _url(rule, ids: dict, override: dict | None = None) -> str:
    """The rule's path with school B's ids and plausible text, `override` put in as is (building
    through Werkzeug would refuse an id out of range)."""
    def value(match):
        converter, name = match.group(1) or "", match.group(2)
        if name in (override or {}):
            return str(override[name])
        return str(ids.get(name, [1])[0]) if converter == "int" else TEXT_PARAMS.get(name, "x")

    return re.sub(r"<(?:([^:<>]+):)?(\w+)>", value, rule.rule)


# Known 500s owned elsewhere, by endpoint and issue (none today). Strict: once one answers 4xx, this
# test fails until its entry is removed.
KNOWN: dict[str, str] = {}


class Failures(list):
    def __init__(self):
        super().__init__()
        self.known_seen: set[str] = set()

    def check(self, response, what, endpoint: str | None = None) -> None:
        if response.status_code == 503 and response.request.path == "/readyz":
            return  # "not ready" is the readiness probe's answer (the tests' schema has no migration stamp)
        if response.status_code >= 500:
            if endpoint in KNOWN:
                self.known_seen.add(endpoint)
            else:
                self.append((what, response.status_code))


@pytest.fixture
def sweep(app, world, b_card, make_client):  # noqa: F811 - the fixture imported above
    clients = {}
    for role, login in CLIENTS.items():
        clients[role] = make_client()
        assert clients[role].login(login).status_code == 302, role
    anonymous = make_client()
    ids = foreign_ids(world, "admin", b_card)
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in ("static", "bootstrap.static")]
    return clients, anonymous, ids, rules


# The two longest sweeps run in parts, each its own test (pytest-xdist spreads them over the
# workers); a route belongs to a part by its endpoint's name. Each part starts from a fresh world.
PARTS = 2


def _part_of(endpoint: str) -> int:
    return zlib.crc32(endpoint.encode()) % PARTS


def test_every_int_converter_bounds_ids(app):
    from lms.core.inputs import IdConverter

    kinds = {type(c) for r in app.url_map.iter_rules() for c in r._converters.values()}
    from werkzeug.routing import IntegerConverter

    assert not {k for k in kinds if issubclass(k, IntegerConverter) and k is not IdConverter}


def test_ids_out_of_range_are_404_on_every_route(app, sweep):
    clients, anonymous, ids, rules = sweep
    failures, checked = Failures(), 0
    for rule in rules:
        int_params = [n for n, c in rule._converters.items() if type(c).__name__ == "IdConverter"]
        if not int_params:
            continue
        role = _role_for(app, rule)
        client = clients.get(role) if role else anonymous
        for name in int_params:
            for huge in HUGE:
                path = _url(rule, ids, {name: huge})
                response = client.get(path) if "GET" in rule.methods else client.post(path, {})
                failures.check(response, (role, path))
                expected = {404, 401} if getattr(app.view_functions[rule.endpoint], "cookieless", False) else {404}
                assert response.status_code in expected, (role, path, response.status_code)
                checked += 1
    assert not failures, failures
    assert checked > 300


def test_junk_query_strings_are_never_a_500(app, sweep):
    clients, anonymous, ids, rules = sweep
    failures, checked = Failures(), 0
    for rule in rules:
        if "GET" not in rule.methods or rule.endpoint in SKIP_BODY:
            continue
        role = _role_for(app, rule)
        client = clients.get(role) if role else anonymous
        response = client.get(_url(rule, ids), query_string=JUNK_QUERY)
        failures.check(response, (role, rule.rule))
        checked += 1
    assert not failures, failures
    assert checked > 80


# sqlmap-style pairs (security.md #41): where a value reached SQL as text, the first would widen
# the result to every row and the second empty it; bound as a parameter, both are just text that
# matches nothing, so the two pages are the same page. Time-based payloads must not fail either.
INJECTIONS = [("x%' OR '1'='1' --", "x%' AND '1'='2' --"), ('1) OR (1=1', '1) AND (1=2')]
TIMED = ["x'; SELECT pg_sleep(5); --", "1 UNION SELECT password_hash FROM users --"]
FILTERS = ("q", "search", "status", "kind", "sort", "order", "method", "channel", "state")


def _page(response, payload: str) -> str:
    from html import escape
    from urllib.parse import quote, quote_plus

    if response.mimetype != "text/html":
        return response.mimetype  # files (xlsx, pdf…): the status and type are compared
    body = response.get_data(as_text=True)
    for form in {payload, escape(payload), escape(payload, quote=False), quote(payload), quote_plus(payload),
                 quote(payload, safe="")}:
        body = body.replace(form, "PAYLOAD")
    return re.sub(r'(nonce|value|href|action|src)="[^"]*"', "", body)  # links echo the query


class _Recording(ImmutableMultiDict):
    """Query and form values that note which names the view read ("*": all of them, by iterating)."""
    read: set[str] = set()

    def __getitem__(self, key):
        _Recording.read.add(key)
        return super().__getitem__(key)

    def getlist(self, key, type=None):
        _Recording.read.add(key)
        return super().getlist(key, type)

    def __contains__(self, key):
        _Recording.read.add(key)
        return super().__contains__(key)

    def _all(self, name, *args, **kw):
        _Recording.read.add("*")
        return getattr(super(), name)(*args, **kw)

    def __iter__(self):
        return self._all("__iter__")

    def __len__(self):
        return self._all("__len__")

    def keys(self):
        return self._all("keys")

    def values(self):
        return self._all("values")

    def items(self, multi=False):
        return self._all("items", multi)

    def lists(self):
        return self._all("lists")

    def to_dict(self, flat=True):
        return self._all("to_dict", flat)

    def copy(self):
        return self._all("copy")


@pytest.mark.parametrize("part", range(PARTS), ids=lambda v: f"part{v + 1}")
def test_injection_in_search_and_filter_parameters_changes_nothing(app, sweep, monkeypatch, part):
    """Each GET route is first visited with every filter name set; the pairs are then sent only to
    the routes that read one of them (a route that never reads `q` cannot be injected through it),
    which keeps the sweep to the routes where it can find something."""
    clients, anonymous, ids, rules = sweep
    monkeypatch.setattr(app.request_class, "parameter_storage_class", _Recording)
    failures, differ, checked, unread = Failures(), [], 0, 0
    for rule in rules:
        if "GET" not in rule.methods or rule.endpoint in SKIP_BODY or _part_of(rule.endpoint) != part:
            continue
        role = _role_for(app, rule)
        client = clients.get(role) if role else anonymous
        url = _url(rule, ids)
        _Recording.read = set()
        client.get(url, query_string={name: "x" for name in FILTERS})  # a first visit may differ (a new secret…)
        if not _Recording.read & {*FILTERS, "*"}:
            unread += 1
            continue
        for wide, narrow in INJECTIONS:
            pages = []
            for payload in (wide, narrow):
                response = client.get(url, query_string={name: payload for name in FILTERS})
                failures.check(response, (role, url, payload))
                pages.append((response.status_code, _page(response, payload)))
            if pages[0] != pages[1] and response.mimetype == "text/html":
                differ.append((role, url, wide))
        for payload in TIMED:
            failures.check(client.get(url, query_string={name: payload for name in FILTERS}), (role, url, payload))
        checked += 1
    assert not failures, failures
    assert not differ, f"a boolean payload changed the page (SQL built from text?): {differ}"
    assert checked > 5 and checked + unread > 80 // PARTS, (checked, unread)   # 20 of 212 read a filter


def test_injection_in_the_sign_in_form_signs_no_one_in(world, make_client):
    for identifier in ("admin.b' --", "admin.b' OR '1'='1", "' OR 1=1 --", "admin.b\' OR 1=1 #", "admin.b'/*"):
        response = make_client().login(identifier, "' OR '1'='1")
        assert response.status_code == 200 and "Sai tên đăng nhập hoặc mật khẩu" in response.get_data(as_text=True)


JSON_BODIES = ("[1, 2]", '"text"', "12", "null", "{\"a\": [}", '{"position": 1e999, "seq": "x", "events": 5}',
               '{"position": 99999999999999999999999, "seq": 99999999999999999999999, "finals": 7}',
               "[" * 1000 + "]" * 1000, '{"position": 1, "seq": 1, "value": ' + "[" * 1000 + "]" * 1000 + "}")


@pytest.mark.parametrize("part", range(PARTS), ids=lambda v: f"part{v + 1}")
def test_wrong_bodies_are_never_a_500(app, sweep, monkeypatch, part):
    """JSON that is not an object (or nests a thousand deep: a payment callback answered 500), and
    every field of the route's own form filled with nonsense. The first JSON body goes to every
    POST route; the others only to the routes that read the body (`get_json`/`get_data`, or the
    exam's autosave, read before Flask on PostgreSQL). A route without a form of its own gets one
    post of form data, not one per value (they would all be the same post)."""
    from lms.exams.autosave import PATH as AUTOSAVE

    clients, anonymous, ids, rules = sweep
    reads = []
    for name in ("get_json", "get_data"):
        original = getattr(app.request_class, name)

        def recording(self, *args, _original=original, **kw):
            reads.append(True)
            return _original(self, *args, **kw)
        monkeypatch.setattr(app.request_class, name, recording)
    failures, checked, read_body = Failures(), 0, 0
    for rule in rules:
        if "POST" not in rule.methods or rule.endpoint in SKIP_BODY or _part_of(rule.endpoint) != part:
            continue
        role = _role_for(app, rule)
        client = clients.get(role) if role else anonymous
        url = _url(rule, ids)
        token = client.token() if client.logged_in() else anonymous.token()
        headers = {"X-CSRFToken": token, "Accept": "application/json"}
        reads.clear()
        for number, body in enumerate(JSON_BODIES):
            if number == 1 and not reads and not AUTOSAVE.fullmatch(url):
                break
            failures.check(client.http.post(url, data=body, content_type="application/json", headers=headers),
                           (role, url, body), rule.endpoint)
        read_body += bool(reads)
        names = set()
        if "GET" in rule.methods:
            names = set(INPUT_NAME.findall(client.get(url).get_data(as_text=True))) - {"csrf_token"}
        for value in WEIRD_VALUES if names else WEIRD_VALUES[:1]:
            data = {name: value for name in names} | {"csrf_token": token}
            failures.check(client.http.post(url, data=data), (role, url, value), rule.endpoint)
        checked += 1
    assert not failures, failures
    known = {endpoint for endpoint in KNOWN if _part_of(endpoint) == part}
    assert failures.known_seen == known, f"fixed, remove from KNOWN: {known - failures.known_seen}"
    assert checked > 80 // PARTS and read_body > 10 // PARTS, (checked, read_body)


def test_a_form_of_too_many_fields_is_413_and_a_normal_one_is_not(app, world, client):
    client.login("admin.a")
    token = client.token()
    fields = {f"f{i}": "1" for i in range(app.config["MAX_FORM_PARTS"])}
    assert client.http.post("/school/staff", data={**fields, "csrf_token": token}).status_code == 413
    fields.pop("f0")
    assert client.http.post("/school/staff", data={**fields, "csrf_token": token}).status_code != 413
    body = b"csrf_token=" + token.encode() + b"&full_name=" + b"a" * (app.config["MAX_URLENCODED_SIZE"] + 1)
    response = client.http.post("/school/staff", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


FILE_INPUT = re.compile(r'<input[^>]*type="file"[^>]*name="([^"]+)"|<input[^>]*name="([^"]+)"[^>]*type="file"')


def _broken_files() -> list[tuple[str, bytes]]:
    import io
    import zipfile

    def archive(parts: dict[str, bytes]) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in parts.items():
                z.writestr(name, data)
        return buffer.getvalue()

    workbook = archive({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook><sheets>",
                        "xl/worksheets/sheet1.xml": b"\x00\xff not xml"})
    return [("danh-sach.xlsx", b"PK\x03\x04" + b"\x00" * 40),               # a ZIP cut short
            ("danh-sach.xlsx", workbook),                                   # parts that are not XML
            ("danh-sach.xlsx", archive({"a.txt": b"0" * 10_000_000})),      # no workbook, 10 MB inside
            ("danh-sach.xlsx", b"\xd0\xcf\x11\xe0" + b"\x00" * 600),        # an old .xls header, nothing more
            ("de-thi.docx", workbook), ("anh.jpg", b"\xff\xd8\xff\xe0 no picture"),
            ("tep.csv", "Họ tên;Lớp\n\"không đóng ngoặc;6A1\n\x00".encode()), ("tep.xml", b"<!DOCTYPE x [<!ENTITY a SYSTEM 'file:///etc/passwd'>]><x>&a;</x>")]


def test_broken_files_on_every_upload_form_are_never_a_500(app, sweep):
    """Every page with a file field, as its role: truncated, hollow and oversized-inside workbooks,
    a Word file that is a workbook, a picture that is not one, a CSV with an open quote, XML with an
    external entity. Before: a malformed .xlsx was a 500 on six import routes."""
    clients, anonymous, ids, rules = sweep
    failures, forms = Failures(), 0
    for rule in rules:
        if not {"GET", "POST"} <= rule.methods or rule.endpoint in SKIP_BODY:
            continue
        role = _role_for(app, rule)
        client = clients.get(role) if role else None
        if client is None:
            continue
        url = _url(rule, ids)
        page = client.get(url).get_data(as_text=True)
        fields = {a or b for a, b in FILE_INPUT.findall(page)}
        if not fields:
            continue
        token = client.token()
        others = {name: "1" for name in set(INPUT_NAME.findall(page)) - fields - {"csrf_token"}}
        import io

        for filename, data in _broken_files():
            body = {**others, "csrf_token": token, **{f: (io.BytesIO(data), filename) for f in fields}}
            failures.check(client.http.post(url, data=body, content_type="multipart/form-data"),
                           (role, url, filename), rule.endpoint)
        forms += 1
    assert not failures, failures
    assert forms >= 6


COOKIE_PAYLOADS = ("1' AND SLEEP(5)-- -", "1' OR '1'='1", "1) UNION ALL SELECT NULL,NULL-- -", "1;SELECT pg_sleep(5)",
                   "\" OR \"\"=\"")


def test_injection_in_every_cookie_the_app_reads_changes_nothing(world, make_client, app):
    """What sqlmap's level 2 adds to level 1: the Cookie header as an injection point. Each cookie
    the app reads (the session, the sign-in device, the exam device; the language lives in the
    session) carries each payload: never a 5xx, and a page the same as for no cookie at all."""
    from lms.auth.views_devices import COOKIE
    from lms.exams.saving import DEVICE_COOKIE

    names = {app.config["SESSION_COOKIE_NAME"], COOKIE, DEVICE_COOKIE, "lang"}
    for path in ("/", "/login", "/exams", "/school/students", "/fees"):
        baseline = make_client().get(path)
        for name in names:
            for payload in COOKIE_PAYLOADS:
                client = make_client()
                client.http.set_cookie(name, payload)
                answer = client.get(path)
                assert answer.status_code < 500 and answer.status_code == baseline.status_code, (path, name, payload)
                assert answer.headers.get("Location") == baseline.headers.get("Location"), (path, name, payload)
    # Signed in, a poisoned device cookie beside a genuine session changes nothing either.
    admin = make_client()
    admin.login("admin.a")
    for payload in COOKIE_PAYLOADS:
        admin.http.set_cookie(DEVICE_COOKIE, payload)
        assert admin.get("/school/students").status_code == 200
