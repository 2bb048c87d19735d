"""Every page every demo role reaches reads right (docs/glossary.md): in Vietnamese, the
glossary's terms and no doubled words, abbreviations with their full form, no English status
codes; in English, none of our Vietnamese sentences left untranslated. No page shows a link its
reader cannot open (a 403 behind a link), and every id a page refers to — a label's `for`, an
input's aria-describedby and aria-labelledby, a cell's `headers` — is on that page once
(tests/markup.py), in both languages: a reference to a missing id is dropped by the browser and the
field loses its name or its hint for a screen-reader user, which axe does not report.

The Vietnamese pages are read by the page crawl of tests/integration/test_demo_pages.py on the
SQLite demo (the same accounts, tests/wording.py's DEMO_ACCOUNTS), which visits them anyway: a
crawl of its own here was the same requests again. This file reads the English pages."""
from __future__ import annotations

import pytest

from lms import create_app
from tests.integration.test_demo_pages import crawl
from tests.wording import DemoReading, demo_accounts

PASSWORD = "hoc-tap-vui-ve-2026"
ROLES = ["admin", "teacher", "accountant", "student", "parent", "department"]


def _proper_names(app) -> frozenset[str]:
    """People's and schools' names, which any language reads as names (3.1.2 exempts them)."""
    from sqlalchemy import select

    from lms.auth.models import User
    from lms.extensions import db
    from lms.people.models import Department, School, Student

    with app.app_context():
        columns = (User.full_name, Student.full_name, School.name, School.place_name, School.principal_name,
                   Department.name, Department.place_name)
        return frozenset(name for column in columns for name in db.session.scalars(select(column)) if name)


# Each role its own test: pytest-xdist spreads them over the workers (the admin's were one test of
# four minutes on a loaded machine).
@pytest.mark.parametrize("role", ROLES)
def test_every_english_page_reads_right_and_links_only_where_the_reader_may_go(demo_sqlite, role):
    app = create_app(demo_sqlite.config())
    # WCAG 3.1.2 on the pages of those who read what others wrote: every text people wrote in
    # Vietnamese (a question, a lesson, a remark, a subject's or a class's name) is marked lang="vi".
    reading = DemoReading("en", _proper_names(app) if role in ("student", "parent", "teacher") else None)
    for login in demo_accounts(demo_sqlite, role):
        # The files its pages link to are fetched, their statuses checked, by the SQLite page crawl of
        # the same accounts (test_demo_pages.py); here only the pages are read.
        seen, _ = crawl(app, login.username, PASSWORD, language="en", per_route=1,
                        on_page=reading.on_page(login.username), downloads=False)
        reading.saw(login.username, seen)
    with app.app_context():
        from lms.extensions import db

        db.engine.dispose()
    reading.check()
