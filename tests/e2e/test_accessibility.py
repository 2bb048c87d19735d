"""WCAG 2.2 AA, measured: axe-core (tests/e2e/axe, installed by `npm ci`, never fetched at test
time) runs on every page each demo role reaches — the pages tests/integration/test_demo_pages.py
crawls, one page per route (a route another role has shown already is not scanned again, each
role's home page always is) — in Vietnamese at desktop width and on a 390 px phone, in English on
the phone (WIDTHS_OF says why); and every such page fits a 320 px screen without scrolling sideways
in either language.

A failure names the role, the page, the language, the width and the rule.
"""
from __future__ import annotations

import time
import zlib
from urllib.parse import urlsplit

import pytest

from tests.e2e.helpers import PASSWORD, axe_source, axe_violations, sign_in_as
from tests.integration.test_demo_pages import crawl

pytestmark = pytest.mark.e2e

WIDTHS = (1280, 390)
# What English changes on a page is its text: the length of its words (which matters where space is
# short, on the phone) and its `lang`, which axe checks at any width. Colour, names, roles, targets
# and structure come from the template, the same in both languages. So English is scanned on the
# phone only, Vietnamese at both widths, and both for sideways scrolling at 320 px (a quarter fewer
# axe runs, each about a second).
WIDTHS_OF = {"vi": WIDTHS, "en": (390,)}
# One page of each route: the pages of a route share their template, and the rules axe applies
# are about the template, not the row (tests/integration/test_demo_pages.py visits three).
PER_ROUTE = 1
# One account per role, and a primary-school teacher, whose grade book and report cards differ.
ACCOUNTS = {"admin": ["admin.thcs"], "teacher": ["gv1.thcs", "gv1.th"], "accountant": ["ketoan.thcs"],
            "student": [0], "parent": [0], "department": [0]}
# A role with many pages is scanned in parts, each its own test, so that pytest-xdist spreads them
# over the workers (the admin's 90-odd routes were one test of two minutes and more). A route
# belongs to one part by its endpoint's name, whatever order the crawl found it in.
PARTS = {"admin": 3, "teacher": 2}
SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def accounts(live_server, role: str) -> list[str]:
    logins = live_server.logins[role]
    return [name if isinstance(name, str) else logins[name].username for name in ACCOUNTS[role]
            if isinstance(name, str) or name < len(logins)]


# Routes already scanned in this test process: a page another role has shown is not scanned again
# (its template is the same); each role's home page always is (the top bar differs by role).
SCANNED: set[str] = set()


def unscanned(app, pages: list[tuple[str | None, str]], part: int = 0, parts: int = 1) -> list[tuple[str | None, str]]:
    """The pages of part `part` (of `parts`) not scanned yet in this process."""
    adapter = app.url_map.bind("localhost")
    left = []
    for key, url in pages:
        endpoint = adapter.match(urlsplit(url).path, method="GET")[0]
        if zlib.crc32(endpoint.encode()) % parts != part:
            continue
        if endpoint not in SCANNED or urlsplit(url).path == "/":
            SCANNED.add(endpoint)
            left.append((key, url))
    return left


def switch_role(page, key: str) -> None:
    with page.expect_navigation():
        page.evaluate("""key => {
            const input = [...document.querySelectorAll('input[name=key]')].find(e => e.value === key);
            input.form.submit();
        }""", key)


def scan(page, base: str, pages: list[tuple[str | None, str]], label: str,
         languages: tuple[str, ...] = ("vi", "en")) -> tuple[list[str], int]:
    """Every page in both languages (Vietnamese at both widths, English on the phone: WIDTHS_OF);
    the violations found and the page views."""
    problems: list[str] = []
    views = 0
    for language in languages:
        page.goto(f"{base}/language/{language}?next=/")
        current = None
        for key, url in pages:
            if key and key != current:
                page.goto(base + "/")
                switch_role(page, key)
                current = key
            page.set_viewport_size({"width": WIDTHS_OF[language][0], "height": 900})
            response = page.goto(base + url)
            assert response is not None and response.ok, f"{label} {url} answered {response and response.status}"
            for width in WIDTHS_OF[language]:
                page.set_viewport_size({"width": width, "height": 900})
                views += 1
                for v in axe_violations(page):
                    problems.append(f"{label} [{key}] {language} {width}px {url}: {v['id']} — {v['help']} "
                                    f"({v['count']} elements, e.g. {v['target']}: {v['html']})")
            page.set_viewport_size({"width": 320, "height": 700})
            if (overflow := page.evaluate(SIDEWAYS)) > 1:
                problems.append(f"{label} [{key}] {language} 320px {url}: the page scrolls sideways by {overflow} px")
    page.goto(f"{base}/language/vi?next=/")  # the account's language as the other tests expect it
    return problems, views


@pytest.mark.parametrize("role,part", [(role, part) for role in ACCOUNTS for part in range(PARTS.get(role, 1))],
                         ids=lambda v: v if isinstance(v, str) else f"part{v + 1}")
def test_every_page_of_every_role_passes_axe_in_both_languages_and_widths(role, part, live_server, browser, capsys):
    started = time.monotonic()
    source = axe_source()
    problems: list[str] = []
    views = 0
    parts = PARTS.get(role, 1)
    for username in accounts(live_server, role):
        found_pages: list[tuple[str | None, str]] = []
        crawl(live_server.app, username, PASSWORD, per_route=PER_ROUTE,
              on_page=lambda key, url, _html, found=found_pages: found.append((key, url)))
        pages = unscanned(live_server.app, found_pages, part, parts)
        context = browser.new_context()
        context.add_init_script(script=source)
        page = sign_in_as(context.new_page(), live_server.url, username)
        found, seen = scan(page, live_server.url, pages, f"{role} {username}")
        problems += found
        views += seen
        context.close()
    with capsys.disabled():
        print(f"\naxe {role} part {part + 1}/{parts}: {views} page views, {len(problems)} violations, {time.monotonic() - started:.0f} s")
    assert not problems, f"{len(problems)} violations:\n" + "\n".join(problems)
