"""WCAG 2.2 AA, measured: axe-core (tests/e2e/axe, installed by `npm ci`, never fetched at test
time) runs on every page each demo role reaches — the pages tests/integration/test_demo_pages.py
crawls, one page per route, each route scanned as the first account in ACCOUNTS' order that reaches
it (each role's home page always; every route of the primary school's teacher) — in Vietnamese and
in English, each at desktop width (1280 px) and on a 390 px phone; and every such page fits a
320 px screen without scrolling sideways in either language.

A failure names the role, the page, the language, the width and the rule.

What a page view costs, and how little of it is repeated: axe is added once per browser context
(`add_init_script`) and runs only the WCAG A and AA rules (`runOnly`, tests/e2e/helpers.py); each
part signs in once per account and keeps one page; each page is loaded once per language and then
resized through the three widths rather than loaded again (a resize re-lays the page, the CSS media
queries apply, and the page's own width-dependent scripts — the top bar's fit on `resize`, the
table boxes' ResizeObserver — run before each check, two frames later); the widths run from
whichever the page was loaded at, so no page is laid out at a width it is not checked at. Each
account's pages are crawled once per test run, whichever worker first needs them, and shared
through the run's folder.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from filelock import FileLock

from tests.demo import run_folder
from tests.e2e.helpers import PASSWORD, axe_source, axe_violations, sign_in_as
from tests.integration.test_demo_pages import crawl

pytestmark = pytest.mark.e2e

LANGUAGES = ("vi", "en")
WIDTHS = (1280, 390)          # axe at each, in each language
NARROWEST = 320               # no page scrolls sideways at this width, in each language
HEIGHT = {1280: 900, 390: 900, NARROWEST: 700}
# One page of each route: the pages of a route share their template, and the rules axe applies
# are about the template, not the row (tests/integration/test_demo_pages.py visits three).
PER_ROUTE = 1
# One account per role, and a primary-school teacher, whose grade book and report cards differ.
# The order is the order in which routes are claimed: a route the admin (who also teaches, in the
# demo) has shown is not scanned again as a teacher's; each account's home page always is (the top
# bar differs by role).
ACCOUNTS = {"admin": ["admin.thcs"], "teacher": ["gv1.thcs", "gv1.th"], "accountant": ["ketoan.thcs"],
            "student": [0], "parent": [0], "department": [0]}
# Accounts whose every route is scanned, whoever else has shown it: the primary school's teacher,
# whose grade book, conduct, report cards and transcripts follow TT27 on the same routes as TT22's.
OWN_ROUTES = {"gv1.th"}
# A role with many pages is scanned in parts, each its own test, so that pytest-xdist spreads them
# over the workers: the admin's ~105 pages in four parts, the teachers' ~45 in two, each about the
# size of the other roles' pages together. A role's pages are dealt to its parts in turn, in the
# crawl's order (each part then switches role and language as seldom as the whole would).
PARTS = {"admin": 4, "teacher": 2}
SIDEWAYS = """async () => {
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  return document.documentElement.scrollWidth - document.documentElement.clientWidth;
}"""


def accounts(live_server, role: str) -> list[str]:
    logins = live_server.logins[role]
    return [name if isinstance(name, str) else logins[name].username for name in ACCOUNTS[role]
            if isinstance(name, str) or name < len(logins)]


def crawled(live_server, folder: Path, username: str) -> list[tuple[str | None, str, str]]:
    """The HTML pages `username` reaches, in the crawl's order: (role key, url, endpoint). Crawled
    once per test run by whichever worker first needs them (the workers serve copies of one seeded
    demo, so the same pages), kept in the run's shared folder for the others."""
    file = folder / f"axe-pages-{username}.json"
    with FileLock(f"{file}.lock"):
        if not file.exists():
            adapter = live_server.app.url_map.bind("localhost")
            found: list[tuple[str | None, str, str]] = []
            # Only pages are scanned: the files they link to are not fetched (the page crawl of
            # tests/integration/test_demo_pages.py fetches them on the same demo).
            crawl(live_server.app, username, PASSWORD, per_route=PER_ROUTE, downloads=False,
                  on_page=lambda key, url, _html: found.append(
                      (key, url, adapter.match(urlsplit(url).path, method="GET")[0])))
            file.write_text(json.dumps(found), encoding="utf-8")
        return [tuple(row) for row in json.loads(file.read_text(encoding="utf-8"))]


def pages_of(live_server, folder: Path, role: str, part: int) -> list[tuple[str, str | None, str]]:
    """The pages part `part` of `role` scans: (account, role key, url). A route belongs to the first
    account in ACCOUNTS' order that reaches it, whichever worker runs which part."""
    claimed: set[str] = set()
    mine: list[tuple[str, str | None, str]] = []
    for other in ACCOUNTS:
        for username in accounts(live_server, other):
            claims = set() if username in OWN_ROUTES else claimed
            for key, url, endpoint in crawled(live_server, folder, username):
                if endpoint not in claims or urlsplit(url).path == "/":
                    claims.add(endpoint)
                    if other == role:
                        mine.append((username, key, url))
        if other == role:
            break
    return mine[part::PARTS.get(role, 1)]


def switch_role(page, key: str) -> None:
    with page.expect_navigation():
        page.evaluate("""key => {
            const input = [...document.querySelectorAll('input[name=key]')].find(e => e.value === key);
            input.form.submit();
        }""", key)


def scan(page, base: str, pages: list[tuple[str | None, str]], label: str) -> tuple[list[str], int]:
    """Every page in both languages, axe at both widths and the sideways check at 320 px: the
    violations found and the page views axe scanned."""
    problems: list[str] = []
    views = 0
    width = page.viewport_size["width"]
    for language in LANGUAGES:
        page.goto(f"{base}/language/{language}?next=/")
        current = None
        for key, url in pages:
            if key and key != current:
                page.goto(base + "/")
                switch_role(page, key)
                current = key
            response = page.goto(base + url)
            assert response is not None and response.ok, f"{label} {url} answered {response and response.status}"
            steps = (*WIDTHS, NARROWEST)
            for step in steps if width != NARROWEST else steps[::-1]:
                if step != width:
                    page.set_viewport_size({"width": step, "height": HEIGHT[step]})
                    width = step
                where = f"{label} [{key}] {language} {step}px {url}"
                if step == NARROWEST:
                    if (overflow := page.evaluate(SIDEWAYS)) > 1:
                        problems.append(f"{where}: the page scrolls sideways by {overflow} px")
                    continue
                views += 1
                for v in axe_violations(page):
                    problems.append(f"{where}: {v['id']} — {v['help']} "
                                    f"({v['count']} elements, e.g. {v['target']}: {v['html']})")
    page.goto(f"{base}/language/vi?next=/")  # the account's language as the other tests expect it
    return problems, views


@pytest.mark.parametrize("role,part", [(role, part) for role in ACCOUNTS for part in range(PARTS.get(role, 1))],
                         ids=lambda v: v if isinstance(v, str) else f"part{v + 1}")
def test_every_page_of_every_role_passes_axe_in_both_languages_and_widths(role, part, live_server, browser,
                                                                          tmp_path_factory, capsys):
    started = time.monotonic()
    pages = pages_of(live_server, run_folder(tmp_path_factory.getbasetemp()), role, part)
    assert pages, f"{role} part {part + 1} has no page to scan"
    source = axe_source()
    problems: list[str] = []
    views = 0
    for username in dict.fromkeys(username for username, _key, _url in pages):
        context = browser.new_context(viewport={"width": WIDTHS[0], "height": HEIGHT[WIDTHS[0]]})
        context.add_init_script(script=source)
        page = sign_in_as(context.new_page(), live_server.url, username)
        found, seen = scan(page, live_server.url, [(key, url) for who, key, url in pages if who == username],
                           f"{role} {username}")
        problems += found
        views += seen
        context.close()
    with capsys.disabled():
        print(f"\naxe {role} part {part + 1}/{PARTS.get(role, 1)}: {len(pages)} pages, {views} page views, "
              f"{len(problems)} violations, {time.monotonic() - started:.0f} s")
    assert not problems, f"{len(problems)} violations:\n" + "\n".join(problems)
