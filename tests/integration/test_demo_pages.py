"""Every page every role can reach in the demo answers without a server error, on SQLite and on
PostgreSQL (the production database: a query that only PostgreSQL refuses is found here).

Each demo login signs in, takes each of its roles in turn (the user menu's switch), and follows
every link of every page it is shown, as a person clicking through would. Pages of one route are
visited a few times with different ids, not thousands of times: the first account of a role visits up
to three pages of each route; the role's other accounts (other schools and levels, whose pages differ
by their rows, not their routes) one page of each. Measured on the admins: a third less time, and
the second and third school's admins each reach one route fewer than at three pages a route.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

import pytest

from lms import create_app
from tests.conftest import CSRF_RE
from tests.wording import DemoReading, demo_accounts

LINK_RE = re.compile(r'href="([^"#]+)"')
PER_ROUTE = 3
SKIP = ("/logout", "/static/", "/language", "/account/sessions/end")  # leave the session as it is


def _routes(app):
    adapter = app.url_map.bind("localhost")

    def route_of(path):
        try:
            return adapter.match(path, method="GET")[0]
        except Exception:  # noqa: BLE001 - not a page of ours: the crawl does not follow it
            return None

    return route_of


FILE_SUFFIXES = {"pdf", "xlsx", "zip", "docx", "gift", "ics", "svg", "csv"}


def file_routes(app) -> set[str]:
    """The endpoints whose address names a file (`/report-cards/<id>.pdf`, `….xlsx`, `….zip`…): they
    answer a download, never a page with links."""
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if rule.rule.rsplit("/", 1)[-1].rpartition(".")[2] in FILE_SUFFIXES}


def crawl(app, username: str, password: str, *, per_route: int = PER_ROUTE, language: str | None = None,
          on_page: Callable[[str | None, str, str], None] | None = None,
          downloads: bool = True) -> tuple[dict[str, int], list[str]]:
    """Sign in and visit every reachable page in every role of the account: {url: status} and the
    failures (5xx, with the role) found on the way. `language` chooses the pages' language for this
    session only; `on_page(role key, url, html)` is called with each HTML page that answered 200
    (the wording checks read it, the browser tests visit it again). With `downloads=False` the
    links to files (`file_routes`: PDFs, spreadsheets, archives — about half a crawl's CPU, WeasyPrint
    rendering each PDF) are not fetched: for a crawl that reads only pages, when the crawl of
    test_every_page_of_the_demo_answers_without_a_server_error fetches them for the same account."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    home = client.post("/login", data={"identifier": username, "password": password, "csrf_token": token})
    assert home.status_code == 302, f"{username} could not sign in"
    if language:
        with client.session_transaction() as session:
            session["lang"] = language
    route_of = _routes(app)
    skipped = set() if downloads else file_routes(app)
    first = client.get("/").get_data(as_text=True)
    contexts = sorted(set(re.findall(r'name="key" value="([^"]+)"', first))) or [None]
    seen: dict[str, int] = {}
    failures: list[str] = []
    for context in contexts:
        if context:
            token = CSRF_RE.search(client.get("/").get_data(as_text=True)).group(1)
            client.post("/context", data={"key": context, "csrf_token": token})
        visits: Counter = Counter()
        queue = ["/"]
        while queue:
            url = queue.pop(0)
            key = f"{context}|{url}"
            if key in seen or any(url.startswith(s) for s in SKIP):
                continue
            route = route_of(urlsplit(url).path)
            if route is None or route in skipped or visits[route] >= per_route:
                continue
            visits[route] += 1
            response = client.get(url)
            seen[key] = response.status_code
            if response.status_code >= 500:
                failures.append(f"{username} [{context}] {url} → {response.status_code}")
            if response.mimetype == "text/html" and response.status_code == 200:
                html = response.get_data(as_text=True)
                if on_page is not None:
                    on_page(context, url, html)
                for href in LINK_RE.findall(html):
                    target = urljoin(url, href.replace("&amp;", "&"))
                    if target.startswith("/") and not target.startswith("//") and f"{context}|{target}" not in seen:
                        queue.append(target)
    return seen, failures


def _first_of_route(app, on_page):
    """`on_page` called with the first page of each route in each role, as a crawl of one page a
    route would read them (the words are the templates', not the rows')."""
    route_of, read = _routes(app), set()

    def first(key, url, html):
        route = (key, route_of(urlsplit(url).path))
        if route not in read:
            read.add(route)
            on_page(key, url, html)

    return first


def _first_of_routes(app, seen: dict[str, int]) -> dict[str, int]:
    """The crawl's {role|url: status} kept for the first url of each route in each role."""
    route_of, kept, out = _routes(app), set(), {}
    for page, status in seen.items():
        key, _, url = page.partition("|")
        route = (key, route_of(urlsplit(url).path))
        if route not in kept:
            kept.add(route)
            out[page] = status
    return out


# The roles whose crawl is long run as several tests, one account each (the first of a role, which
# visits three pages a route, in the first part), so that pytest-xdist spreads them over the workers.
PARTS = {"admin": 3, "teacher": 3}


@pytest.mark.parametrize("role,part", [(role, part) for role in ["admin", "teacher", "accountant", "student",
                                                                  "parent", "department"]
                                       for part in range(PARTS.get(role, 1))],
                         ids=lambda v: v if isinstance(v, str) else f"part{v + 1}")
def test_every_page_of_the_demo_answers_without_a_server_error(demo, backend, role, part):
    """On SQLite the crawl also reads the Vietnamese pages of tests/wording.py's accounts as
    tests/integration/test_wording.py reads the English ones (wording, id references, no link to a
    403): one crawl for both, where there were two of the same pages."""
    app = create_app(demo.config())
    logins = demo.by_role()[role]
    # Every school's admin and accountant, a teacher and a pupil of each level, every kind of parent.
    chosen = logins if role in ("admin", "accountant", "department") else logins[:3]
    parts = PARTS.get(role, 1)
    assert len(chosen) >= parts, f"the demo has {len(chosen)} {role} accounts, fewer than this test's {parts} parts"
    readers = {login.username for login in demo_accounts(demo, role)} if backend == "sqlite" else set()
    assert readers <= {login.username for login in chosen}, "every account whose wording is read is crawled"
    reading = DemoReading("vi")
    pages, failures = 0, []
    for n, login in list(enumerate(chosen))[part::parts]:
        read = login.username in readers
        seen, failed = crawl(app, login.username, "hoc-tap-vui-ve-2026", per_route=PER_ROUTE if n == 0 else 1,
                             language="vi" if read else None,
                             on_page=_first_of_route(app, reading.on_page(login.username)) if read else None)
        if read:
            reading.saw(login.username, _first_of_routes(app, seen))
        pages += len(seen)
        failures += failed
    with app.app_context():
        from lms.extensions import db

        db.engine.dispose()
    assert not failures, "\n".join(failures)
    assert pages >= 10 * len(chosen[part::parts])
    reading.check()
