"""The school's register of transcripts (sổ theo dõi): every issue, correction, extract, download,
view and public verification, filtered by kind, school-local dates and class, a page at a time or
as a spreadsheet; another school's lines never shown."""
from __future__ import annotations

import io
import secrets
from datetime import datetime, timezone

from openpyxl import load_workbook

from lms.gradebook.transcript import workflow
from lms.gradebook.transcript.models import Transcript, TranscriptEvent


def _transcript(s, school, code: str) -> Transcript:
    t = Transcript(school_id=school.school.id, student_id=school.students[code].id, school_year_id=school.year.id,
                   class_id=school.school_class.id, version=1, state="issued", token=secrets.token_urlsafe(32))
    s.add(t)
    s.flush()
    return t


def _event(s, t, action, actor_id, at, reason=""):
    s.add(TranscriptEvent(school_id=t.school_id, transcript_id=t.id, action=action, actor_id=actor_id, at=at,
                          reason=reason))


def _seed(dbs, world):
    with dbs() as s:
        an, binh = _transcript(s, world.a, "HSA001"), _transcript(s, world.a, "HSA002")
        other = _transcript(s, world.b, next(iter(world.b.students)))
        admin = world.a.admin.id
        _event(s, an, "issued", admin, datetime(2026, 6, 1, 2, 0, tzinfo=timezone.utc))
        # 17:30 UTC on 1 June is 00:30 on 2 June in Việt Nam: a line of the 2nd.
        _event(s, binh, "correction", admin, datetime(2026, 6, 1, 17, 30, tzinfo=timezone.utc), "Sai điểm Toán HK II")
        _event(s, an, "extract", admin, datetime(2026, 6, 3, 8, 0, tzinfo=timezone.utc))
        _event(s, an, "download", world.a.teacher.id, datetime(2026, 6, 4, 8, 0, tzinfo=timezone.utc), "pdf")
        _event(s, an, "verify", None, datetime(2026, 6, 5, 8, 0, tzinfo=timezone.utc))
        _event(s, other, "issued", world.b.admin.id, datetime(2026, 6, 2, 8, 0, tzinfo=timezone.utc))
        s.commit()


def _rows(body: str) -> list[str]:
    table = body.split('id="register"', 1)[1].split("</table>", 1)[0]
    return [chunk.split('"', 1)[0] for chunk in table.split('data-action="')[1:]]


def test_the_register_by_kind_date_and_class(world, client, dbs):
    _seed(dbs, world)
    client.login("admin.a")
    page = client.get("/school/transcripts/register").get_data(as_text=True)
    assert _rows(page) == ["correction", "issued"]          # issues and corrections by default, newest first
    assert "Sai điểm Toán HK II" in page and "Nguyễn Thị Bình" in page
    assert _rows(client.get("/school/transcripts/register?group=extract").get_data(as_text=True)) == \
        ["download", "extract"]
    everything = client.get("/school/transcripts/register?group=").get_data(as_text=True)
    assert _rows(everything) == ["verify", "download", "extract", "correction", "issued"]
    assert "khách (không đăng nhập)" in everything          # a public verification has no account
    # Dates are the school's own days.
    day2 = client.get("/school/transcripts/register?group=&start=2026-06-02&end=2026-06-02").get_data(as_text=True)
    assert _rows(day2) == ["correction"]
    assert _rows(client.get("/school/transcripts/register?group=&end=2026-06-01").get_data(as_text=True)) == ["issued"]
    # A filter that is not one is said (422), never silently dropped to show every line.
    for args, said in ((f"class_id={world.b.school_class.id}", f"Lớp “{world.b.school_class.id}” không có trong sổ"),
                       ("class_id=8A1", "Lớp “8A1” không có trong sổ"), ("page=9", "Trang 9 không có: sổ theo bộ lọc này có 1 trang"),
                       ("group=nonsense", "Loại “nonsense” không có trong sổ")):
        refused = client.get(f"/school/transcripts/register?{args}")
        assert refused.status_code == 422 and said in refused.get_data(as_text=True), args
        assert _rows(refused.get_data(as_text=True)) == []


def test_the_register_as_a_spreadsheet_and_bad_input(world, client, dbs):
    _seed(dbs, world)
    client.login("admin.a")
    data = client.get("/school/transcripts/register.xlsx?group=").data
    ws = load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("Thời điểm", "Việc", "Học sinh") and len(rows) == 6
    assert rows[4][0] == "02/06/2026 00:30" and rows[4][1] == "đính chính" and rows[4][-1] == "Sai điểm Toán HK II"
    bad = client.get("/school/transcripts/register?start=2026-13-01")
    assert bad.status_code == 422 and "Ngày “2026-13-01” không hợp lệ" in bad.get_data(as_text=True)
    backwards = client.get("/school/transcripts/register?start=2026-06-05&end=2026-06-01")
    assert backwards.status_code == 422 and "Ngày bắt đầu phải trước ngày kết thúc" in backwards.get_data(as_text=True)
    assert client.get("/school/transcripts/register?group=nonsense").status_code == 422


def test_only_the_principal_reads_the_register(world, client, make_client, dbs):
    _seed(dbs, world)
    teacher = make_client()
    teacher.login("gv.a")
    assert teacher.get("/school/transcripts/register").status_code in (403, 404)
    client.login("admin.b")
    assert _rows(client.get("/school/transcripts/register").get_data(as_text=True)) == ["issued"]


def test_pages_of_the_register(world, client, dbs, monkeypatch):
    _seed(dbs, world)
    monkeypatch.setattr(workflow, "REGISTER_PAGE", 2)
    client.login("admin.a")
    first = client.get("/school/transcripts/register?group=").get_data(as_text=True)
    third = client.get("/school/transcripts/register?group=&page=3").get_data(as_text=True)
    assert _rows(first) == ["verify", "download"] and _rows(third) == ["issued"] and "Trang 3/3" in third


def test_refusals_in_this_area_say_what_is_missing(world, client, make_client, dbs):
    """The app's error page, with what is missing, never a page saying only "404"."""
    _seed(dbs, world)
    with dbs() as s:
        other = s.query(Transcript).filter_by(school_id=world.b.school.id).one().id
    unknown = make_client().get("/hocba/khong-co-ma-nay")
    assert unknown.status_code == 404 and "Không có học bạ số nào mang mã xác minh này." in unknown.get_data(as_text=True)
    client.login("admin.a")
    for url, said in ((f"/transcripts/{other}", "Không có học bạ số này, hoặc bạn không được xem nó."),
                      (f"/transcripts/{other}.pdf", "Không có học bạ số này, hoặc bạn không được xem nó.")):
        page = client.get(url)
        assert page.status_code == 404 and said in page.get_data(as_text=True) and 'id="error-page"' in page.get_data(as_text=True)
    with dbs() as s:
        mine = s.query(Transcript).filter_by(school_id=world.a.school.id).first().id
    missing_pdf = client.get(f"/transcripts/{mine}.pdf")     # seeded without files: nothing signed yet
    assert missing_pdf.status_code == 404 and "Phiên bản này chưa có tệp PDF" in missing_pdf.get_data(as_text=True)
    teacher = make_client()
    teacher.login("gv.b")
    page = teacher.get(f"/classes/{world.a.school_class.id}/transcripts")
    assert page.status_code == 404 or "Bạn không giữ học bạ số của lớp này" in page.get_data(as_text=True)
