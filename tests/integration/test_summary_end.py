"""The class summary's signatures never stand alone on a last page: the last rows of its last list
go with the counting rule and the signatures (the demo's 8A1 year summary put them alone on page
3). Read back from the PDF of the demo's classes at the year and each term."""
from __future__ import annotations

import re

from sqlalchemy import select

from lms import create_app
from tests.pdftext import pages

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def test_the_signatures_keep_the_last_rows_with_them(demo_sqlite):
    from lms.extensions import db
    from lms.gradebook import homeroom
    from lms.people.models import SchoolClass, SchoolYear

    app = create_app(demo_sqlite.config())
    client = app.test_client()
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"identifier": "admin.thcs", "password": "hoc-tap-vui-ve-2026",
                                       "csrf_token": token}).status_code == 302
    with app.app_context():
        klass = db.session.scalars(select(SchoolClass).join(SchoolYear).where(
            SchoolClass.name == "8A1", SchoolYear.is_current.is_(False))).first() or \
            db.session.scalars(select(SchoolClass).where(SchoolClass.name == "8A1")).first()
        class_id = klass.id
        lists = homeroom.build_summary(db.session, klass, 0).list_entries()
        db.engine.dispose()
    for period in (0, 1, 2):
        texts = pages(client.get(f"/classes/{class_id}/summary.pdf?period={period}").data)
        last = re.sub(r"\s+", " ", texts[-1])
        assert "GIÁO VIÊN CHỦ NHIỆM" in last and "HIỆU TRƯỞNG" in last
        before = last.split(" theo Điều 9")[0]   # what the page holds above the counting rule
        if period == 0:   # the last list's last pupil is on the signatures' page
            _key, _title, entries = lists[-1]
            assert (entries[-1][0] if entries else "Không có") in before, (len(texts), last[:600])
        else:             # the counts go with them
            assert "Thống kê" in before and "Chưa đủ điểm" in before, (len(texts), last[:600])
