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


def crawl(app, username: str, password: str, *, per_route: int = PER_ROUTE, language: str | None = None,
          on_page: Callable[[str | None, str, str], None] | None = None) -> tuple[dict[str, int], list[str]]:
    """Sign in and visit every reachable page in every role of the account: {url: status} and the
    failures (5xx, with the role) found on the way. `language` chooses the pages' language for this
    session only; `on_page(role key, url, html)` is called with each HTML page that answered 200
    (the wording checks read it, the browser tests visit it again)."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    home = client.post("/login", data={"identifier": username, "password": password, "csrf_token": token})
    assert home.status_code == 302, f"{username} could not sign in"
    if language:
        with client.session_transaction() as session:
            session["lang"] = language
    route_of = _routes(app)
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
            if route is None or visits[route] >= per_route:
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


# The roles whose crawl is long run as several tests, one account each (the first of a role, which
# visits three pages a route, in the first part), so that pytest-xdist spreads them over the workers.
PARTS = {"admin": 3, "teacher": 3}


@pytest.mark.parametrize("role,part", [(role, part) for role in ["admin", "teacher", "accountant", "student",
                                                                  "parent", "department"]
                                       for part in range(PARTS.get(role, 1))],
                         ids=lambda v: v if isinstance(v, str) else f"part{v + 1}")
def test_every_page_of_the_demo_answers_without_a_server_error(demo, role, part):
    app = create_app(demo.config())
    logins = demo.by_role()[role]
    # Every school's admin and accountant, a teacher and a pupil of each level, every kind of parent.
    chosen = logins if role in ("admin", "accountant", "department") else logins[:3]
    parts = PARTS.get(role, 1)
    assert len(chosen) >= parts, f"the demo has {len(chosen)} {role} accounts, fewer than this test's {parts} parts"
    pages, failures = 0, []
    for n, login in list(enumerate(chosen))[part::parts]:
        seen, failed = crawl(app, login.username, "hoc-tap-vui-ve-2026", per_route=PER_ROUTE if n == 0 else 1)
        pages += len(seen)
        failures += failed
    with app.app_context():
        from lms.extensions import db

        db.engine.dispose()
    assert not failures, "\n".join(failures)
    assert pages >= 10 * len(chosen[part::parts])
