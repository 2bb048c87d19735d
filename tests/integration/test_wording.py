"""Every page every demo role reaches reads right (docs/glossary.md): in Vietnamese, the
glossary's terms and no doubled words, abbreviations with their full form, no English status
codes; in English, none of our Vietnamese sentences left untranslated. No page shows a link its
reader cannot open (a 403 behind a link), and every id a page refers to — a label's `for`, an
input's aria-describedby and aria-labelledby, a cell's `headers` — is on that page once
(tests/markup.py), in both languages: a reference to a missing id is dropped by the browser and the
field loses its name or its hint for a screen-reader user, which axe does not report."""
from __future__ import annotations

import pytest

from lms import create_app
from tests.integration.test_demo_pages import crawl
from tests.markup import broken_references
from tests.wording import PageWording

PASSWORD = "hoc-tap-vui-ve-2026"
ROLES = ["admin", "teacher", "accountant", "student", "parent", "department"]


# One account of each kind whose pages differ: a secondary and a primary school's admin and
# teacher, an accountant, a pupil and a parent of each level, the department. One page per route:
# the words are the templates', not the rows'.
ACCOUNTS = {"admin": ["admin.thcs", "admin.th"], "teacher": ["gv1.thcs", "gv1.th"], "accountant": ["ketoan.thcs"],
            "student": [0, 2], "parent": [0, 2], "department": [0]}


def _accounts(demo, role):
    logins = demo.by_role()[role]
    return [login for login in logins if login.username in ACCOUNTS[role]] + \
        [logins[i] for i in ACCOUNTS[role] if isinstance(i, int) and i < len(logins)]


# Each language its own test: pytest-xdist spreads them over the workers (the admin's were one
# test of four minutes on a loaded machine).
@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("role", ROLES)
def test_every_page_reads_right_in_both_languages_and_links_only_where_the_reader_may_go(demo_sqlite, role, language):
    app = create_app(demo_sqlite.config())
    wording = PageWording()
    forbidden, references = [], []

    def read(page: str, html: str, check) -> None:
        check(page, html)
        references.extend(f"{page}: {problem}" for problem in broken_references(html))

    check = wording.check_vietnamese if language == "vi" else wording.check_english
    for login in _accounts(demo_sqlite, role):
        seen, _ = crawl(app, login.username, PASSWORD, language=language, per_route=1,
                        on_page=lambda key, url, html, who=login.username: read(f"{who} [{key}] {language} {url}",
                                                                                 html, check))
        forbidden += [f"{login.username} {page}" for page, status in seen.items() if status == 403]
    with app.app_context():
        from lms.extensions import db

        db.engine.dispose()
    problems = sorted(set(wording.problems))
    assert not problems, f"{len(problems)} wording problems:\n" + "\n".join(problems)
    assert not references, f"{len(references)} references to ids the page lacks or repeats:\n" + "\n".join(references)
    assert not forbidden, "links that answer 403 (never show a link its reader cannot open):\n" + "\n".join(forbidden)
