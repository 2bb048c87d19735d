"""Every import takes the file as the school has it — the layouts an outside tester brought: a
programme distribution with the school's own period numbers saved as Excel's "Unicode Text", and the
previews' wording of what is skipped, computed or already there."""
import io
import re
from pathlib import Path

from sqlalchemy import select

FILES = Path(__file__).resolve().parents[1] / "files"


def data(name: str) -> bytes:
    return (FILES / name).read_bytes()


# ---------------------------------------------------------------- teaching plan: the school's numbering

def test_a_programme_distribution_keeps_its_own_period_numbers(app):
    from lms.courses import plans

    with app.test_request_context():
        result = plans.read_plan("ppct.txt", data("phan-phoi-chuong-trinh-toan6.txt"))
        assert result.issues == []
        assert result.numbers == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        assert [(line, week) for line, week, _t, _m in result.rows] == [
            (10, 1), (11, 1), (12, 1), (13, 2), (13, 2), (14, 2), (15, 3), (16, 3), (19, 19), (20, 19)]
        assert result.rows[8][2] == "§23. Mở rộng phân số. Phân số bằng nhau"   # the line break in its cell
        assert "Ghi chú (E)" in result.table.unknown


def test_a_period_typed_twice_is_named_with_the_one_it_leaves_out(app):
    from lms.courses import plans

    with app.test_request_context():
        result = plans.read_plan("ppct.txt", data("phan-phoi-chuong-trinh-toan6-loi.txt"))
        assert [(i.line, i.column) for i in result.issues] == [(16, "Tiết (B)"), (19, "Tiết (B)")]
        assert "dòng 15" in result.issues[0].message           # where tiết 7 already is
        assert "tiết 8" in result.issues[1].message            # the period the plan leaves out


def test_a_plan_numbered_from_elsewhere_or_out_of_range_is_refused_on_its_line(app):
    from lms.courses import plans

    def read(text: str):
        return plans.read_plan("ppct.txt", b"\xff\xfe" + text.encode("utf-16-le"))

    with app.test_request_context():
        result = read("Tuần\tTiết\tTên bài dạy\r\n1\t3\tBài 1\r\n1\t4-5\tBài 2\r\n")
        assert [i.line for i in result.issues] == [2] and "tiết 1–2" in result.issues[0].message
        result = read("Tuần\tTiết\tTên bài dạy\r\n1\t1\tBài 1\r\n2\tmột\tBài 2\r\n2\t5-4\tBài 3\r\n"
                      "3\t401\tBài 4\r\n")
        assert [(i.line, i.column) for i in result.issues] == [(3, "Tiết (B)"), (4, "Tiết (B)"), (5, "Tiết (B)")]


def test_the_plan_uploaded_as_unicode_text_is_saved_with_its_numbers(world, make_client, dbs):
    from lms.courses.models import PlanPeriod

    client = make_client()
    client.login("gv.a")
    course_id = world.a.course.id
    page = client.get(f"/courses/{course_id}/plan").get_data(as_text=True)
    assert ".txt" in re.search(r'accept="([^"]*)"', page).group(1)
    preview = client.post(f"/courses/{course_id}/plan/import",
                          {"file": (io.BytesIO(data("phan-phoi-chuong-trinh-toan6.txt")), "PPCT Toan 6.txt")},
                          content_type="multipart/form-data")
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200, body
    assert "10 tiết" in body and "giữ số tiết theo cột “Tiết (B)” của tệp" in body
    assert re.search(r'id="blank-lines">Dòng trống \(bỏ qua, không tính là dòng trình bày\): 3, 6, 21\.<', body)
    token = re.search(r'name="token" value="([a-f0-9]+)"', body).group(1)
    assert client.post(f"/courses/{course_id}/plan/import", {"token": token, "confirm": "1"}).status_code == 302
    with dbs() as s:
        periods = s.scalars(select(PlanPeriod).where(PlanPeriod.course_id == course_id)
                            .order_by(PlanPeriod.number)).all()
        assert [(p.number, p.week) for p in periods] == [(1, 1), (2, 1), (3, 1), (4, 2), (5, 2), (6, 2), (7, 3),
                                                         (8, 3), (9, 19), (10, 19)]
        assert periods[4].topic == "§4. Phép cộng và phép trừ số tự nhiên"
    bad = client.post(f"/courses/{course_id}/plan/import",
                      {"file": (io.BytesIO(data("phan-phoi-chuong-trinh-toan6-loi.txt")), "PPCT Toan 6.txt")},
                      content_type="multipart/form-data")
    assert bad.status_code == 422 and 'data-line="16"' in bad.get_data(as_text=True)


# ---------------------------------------------------------------- bank statements and card settlements

def test_the_card_terminals_time_column_is_read_with_its_date(world, client):
    """The terminal's report gives the date and the time of day in two columns ("Ngày giao dịch |
    Giờ giao dịch"): each line's moment is both, shown in the preview, not midnight."""
    from lms.billing import settlements

    with client.app.test_request_context():
        table = settlements.read_settlement("pos.xlsx", data("pos-settlement.xlsx"))
        plan = settlements.plan_settlement(table, table.mapping, "Asia/Ho_Chi_Minh")
        assert [x.when.strftime("%d/%m %H:%M:%S") for x in plan.lines] == [   # UTC: 7 hours before the school's
            "15/09 02:12:01", "15/09 03:40:55", "15/09 07:02:13"]
        assert not any(u.startswith("Giờ giao dịch") for u in table.unknown)
    client.login("kt.a")
    body = client.post("/billing/settlements", {"file": (io.BytesIO(data("pos-settlement.xlsx")), "pos.xlsx")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "15/09/2025 09:12" in body and "15/09/2025 14:02" in body


def test_the_statement_preview_names_the_debit_lines_it_leaves_out(world, client):
    client.login("kt.a")
    body = client.post("/billing/statements", {"file": (io.BytesIO(data("vietcombank-sao-ke.xlsx")), "VCB.xlsx")},
                       content_type="multipart/form-data").get_data(as_text=True)
    debits = re.search(r'id="statement-debits">([^<]*)<', body).group(1)
    assert debits == "Dòng ghi nợ (tiền ra, không nhập): 12."


# ---------------------------------------------------------------- grade book: the columns the book computes

def test_the_grade_books_averages_are_named_as_computed_by_the_app(world, make_client):
    """The school system's ĐTBmhk and a teacher's TBM are the book's own averages: the preview
    names them as not imported because the application computes them, not as unknown columns."""
    teacher = make_client()
    teacher.login("gv.a")
    url = f"/courses/{world.a.course.id}/grades/import?term=1"
    # …and a hand-typed sheet's "TB" (second outside import tester, N8).
    for name, computed in (("so-diem-toan-6a1.xlsx", "ĐTBmhk (K)"), ("so-diem-giao-vien-6a1.xlsx", "TBM (K)"),
                           ("bang-diem-go-tay-6a1.xlsx", "TB (J)")):
        body = teacher.post(url, {"file": (io.BytesIO(data(name)), name)},
                            content_type="multipart/form-data").get_data(as_text=True)
        found = re.search(r'id="computed-columns"><strong>Cột không nhập \(ứng dụng tự tính\):</strong> ([^<]*)<', body)
        assert found and found.group(1) == computed, name
        unknown = re.search(r'id="unknown-columns">(.*?)</p>', body, re.S)
        assert unknown is None or computed.split(" ")[0] not in unknown.group(1)


# ---------------------------------------------------------------- student lists: phones that say not whose

def upload_students(client, name: str):
    return client.post("/school/import/students", {"file": (io.BytesIO(data(name)), name)},
                       content_type="multipart/form-data")


def test_two_phone_columns_that_say_not_whose_are_read_by_one_rule_said_in_the_preview(world, client, dbs):
    """"Điện thoại" among the pupil's columns and "SĐT" after "Họ tên phụ huynh": the one after the
    parent's name is the parent's, the one before it the pupil's contact number — and the preview
    says so, naming both columns, before anything is saved."""
    from lms.people.models import Student

    client.login("admin.a")
    preview = upload_students(client, "danh-sach-lien-lac-6a1.xlsx")
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200, body
    note = re.search(r'<p class="alert alert-info py-2 import-note">([^<]*Điện thoại[^<]*)</p>', body).group(1)
    assert "“SĐT (I)”: số điện thoại của phụ huynh (“Họ tên phụ huynh (G)”)" in note
    assert "“Điện thoại (F)”: số điện thoại liên hệ của học sinh" in note
    assert "Điện thoại (F)" not in (re.search(r'id="unknown-columns">(.*?)</p>', body, re.S) or [""])[0]
    token = re.search(r'name="token"[^>]*value="([a-f0-9]+)"', body).group(1)
    assert client.post("/school/import/students/confirm", {"token": token}).status_code == 302
    with client.app.app_context():     # the parents are invited (accounts.add_person); here they accept
        from lms.extensions import db
        from lms.people import accounts

        accounts.everyone_joined(db.session, world.a.school.id)
        db.session.commit()
    with dbs() as s:
        khoi, ngan = s.scalars(select(Student).where(Student.student_code.in_(["8910000511", "8910000512"]))
                               .order_by(Student.student_code)).all()
        assert khoi.phone == "02963841511" and ngan.phone is None
        assert [g.guardian.phone for g in khoi.guardianships] == ["0909511511"]
        assert [g.guardian.phone for g in ngan.guardianships] == ["0919512512"]
    bad = upload_students(client, "danh-sach-lien-lac-6a1-loi.xlsx").get_data(as_text=True)
    assert re.search(r'data-line="6"><td>6</td><td>SĐT \(I\)</td>', bad)


# ---------------------------------------------------------------- a pupil who left: which class, from when to when

def test_a_pupil_who_left_keeps_the_class_and_its_dates_on_their_page(world, client):
    """Khôi joins 6A1 from the homeroom teacher's list; the sector database's export says he moved
    out of the province, with the day the status was entered: he leaves the class, and his page still says which class he
    was in, until when and why. A pupil the school had before the record began shows the end alone."""
    from lms.core.timeutil import utc_to_local, utcnow
    from tests.factories import csv_bytes

    client.login("admin.a")
    preview = upload_students(client, "danh-sach-lien-lac-6a1.xlsx")
    token = re.search(r'name="token"[^>]*value="([a-f0-9]+)"', preview.get_data(as_text=True)).group(1)
    assert client.post("/school/import/students/confirm", {"token": token}).status_code == 302
    headers = ["Mã học sinh", "Họ và tên", "Lớp", "Trạng thái HS", "Ngày nhập trạng thái"]
    today = utc_to_local(utcnow(), "Asia/Ho_Chi_Minh").strftime("%d/%m/%Y")   # the school's day
    rows = [["8910000511", "Phan Minh Khôi", "6A1", "Chuyển đi ngoài tỉnh", today],
            ["HSA003", "Trần Minh Châu", "6A1", "Thôi học", "01/12/2026"]]
    preview = client.post("/school/import/students", {"file": (io.BytesIO(csv_bytes(rows, headers=headers)),
                                                                "C1-HocSinh.csv")}, content_type="multipart/form-data")
    token = re.search(r'name="token"[^>]*value="([a-f0-9]+)"', preview.get_data(as_text=True)).group(1)
    assert client.post("/school/import/students/confirm", {"token": token}).status_code == 302
    with client.app.app_context():
        from lms.extensions import db
        from lms.people.models import Student

        khoi = db.session.scalars(select(Student).where(Student.student_code == "8910000511")).one().id
    page = client.get(f"/school/students/{khoi}").get_data(as_text=True)
    history = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.search(r'id="class-history">(.*?)</ul>', page, re.S).group(1)))
    assert f"lớp 6A1, từ {today} đến {today} — Chuyển đi ngoài tỉnh" in history
    page = client.get(f"/school/students/{world.a.students['HSA003'].id}").get_data(as_text=True)
    assert re.search(r'class="class-spell-ended">[^<]*lớp 6A1, đến 01/12/2026 — Thôi học<', page)


def test_two_phone_columns_with_no_parent_name_are_the_parents_first_and_second(world, client, dbs):
    from tests.factories import csv_bytes

    client.login("admin.a")
    headers = ["Mã học sinh", "Họ và tên", "Lớp", "Điện thoại", "SĐT"]
    rows = [["8910000611", "Lâm Gia Hân", "6A1", "0909 611 611", "0919 611 611"]]
    body = client.post("/school/import/students", {"file": (io.BytesIO(csv_bytes(rows, headers=headers)), "ds.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    note = re.search(r'<p class="alert alert-info py-2 import-note">([^<]*)</p>', body).group(1)
    assert "“Điện thoại (D)”: số điện thoại của phụ huynh; “SĐT (E)”: số điện thoại thứ hai của phụ huynh" in note


def test_the_cv5512_forms_time_cell_is_read_by_its_week_and_a_month_is_refused_saying_so(app):
    # A teacher's own Phụ lục III (second outside import tester, N5): “Thời điểm (3)” holds the week
    # with its days echoed on a second line, “Tuần 1⏎(07/9 - 12/9)”, or a month, “Tháng 9”.
    from lms.courses import plans

    with app.test_request_context():
        result = plans.read_plan("kh.xlsx", data("ke-hoach-phu-luc-III-thoi-diem.xlsx"))
        assert [(i.line, i.column) for i in result.issues] == [(15, "Thời điểm (3) (D)")], result.issues
        assert "không ghi tháng" in result.issues[0].message and "Tháng 9" in result.issues[0].message
        weeks = {line: week for line, week, _t, _m in result.rows}
        assert weeks[13] == 1 and weeks[14] == 1 and weeks[16] == 2
        backwards = plans.read_plan("kh.csv", "Tuần,Tên bài học\nTuần 6-5,Bài 1\n".encode())
        assert "Tuần đầu phải trước tuần cuối" in backwards.issues[0].message


def test_a_workbook_with_a_class_per_sheet_says_aloud_which_sheets_it_does_not_import(world, client):
    # Second outside import tester, N1: a school's list with one class per sheet imported its first
    # sheet and said "valid", naming the other class only among the sheets "not read".
    client.login("admin.a")
    body = upload_students(client, "ds-hoc-sinh-moi-lop-mot-trang.xlsx").get_data(as_text=True)
    warning = re.search(r'id="twin-sheets"[^>]*>(.*?)</div>', body, re.S)
    assert warning is not None, body
    assert "“6A2”" in warning.group(1) and "KHÔNG được nhập" in warning.group(1) and "“6A1”" in warning.group(1)
    assert "Các trang khác không đọc" not in body
