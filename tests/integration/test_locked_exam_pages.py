"""An exam that pupils have taken is locked: its question list and blueprint show their controls
disabled, yet each table's scroll box stays reachable by keyboard on a phone — the disabled
fieldsets sit inside the boxes, never around them (axe found the locked blueprint's box
unfocusable at 390 px: scrollable-region-focusable)."""
from __future__ import annotations

from tests.factories import make_bank, make_exam
from tests.integration.test_exams import _start
from tests.markup import broken_references


def test_a_locked_exam_s_tables_keep_their_scroll_boxes_focusable(world, client, make_client, dbs):
    with dbs() as s:
        bank = make_bank(s, world.a)
        exam = make_exam(s, world.a, bank.questions[:3])
        s.commit()
        exam_id = exam.id
    pupil = make_client()
    pupil.login("hsa001")
    _start(pupil, exam_id)
    client.login("gv.a")
    for url in (f"/exams/{exam_id}/questions", f"/exams/{exam_id}/blueprint"):
        page = client.get(url)
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and 'id="content-locked"' in html, url
        assert "disabled" in html
        assert not broken_references(html), url
