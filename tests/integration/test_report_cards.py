"""Report cards: issued as a background job, signed, verified by their QR link; any altered byte
fails verification; re-issuing supersedes; pupils and parents download their own."""
from __future__ import annotations

import io
import re

from sqlalchemy import func, select, update

from lms.core.models import Job
from lms.gradebook.models import ReportCard
from tests.factories import fill_year, lock_year


def _ready(dbs, world, lock=True):
    with dbs() as s:
        fill_year(s, world.a)
        if lock:
            lock_year(s, world.a)
        s.commit()


def _issue_class(app, client, world) -> int:
    response = client.post(f"/classes/{world.a.school_class.id}/report-cards", {})
    assert response.status_code == 302, response.get_data(as_text=True)
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    app.extensions["lms_jobs"].wait()
    return job_id


def test_cards_need_locked_terms_and_the_admin(world, client, make_client, dbs):
    _ready(dbs, world, lock=False)
    client.login("admin.a")
    refused = client.post(f"/classes/{world.a.school_class.id}/report-cards", {}, follow_redirects=True)
    assert "Cần khoá sổ cả hai học kỳ" in refused.get_data(as_text=True)
    with dbs() as s:
        lock_year(s, world.a)
        s.commit()
    teacher = make_client()
    teacher.login("gv.a")  # the homeroom teacher previews but does not issue
    page = teacher.get(f"/classes/{world.a.school_class.id}/report-cards").get_data(as_text=True)
    assert "Xem trước" in page and 'id="issue-all"' not in page
    # The results are complete; the profile's blank identity is said, not called complete.
    # Every line the card prints "—" is listed (one list, reportcards.IDENTITY_LINES): the
    # nationality and a missing father or mother too.
    blanks = re.findall(r"Hồ sơ còn trống: ([^<]*)", page)
    assert blanks[0] == ("nơi sinh, dân tộc, quốc tịch, số định danh cá nhân, số đăng bộ, nơi ở hiện nay, họ tên cha, "
                         "nghề nghiệp của cha, nghề nghiệp của mẹ")
    assert "họ tên mẹ" in blanks[2] and "họ tên cha" not in blanks[2]
    no = teacher.post(f"/classes/{world.a.school_class.id}/report-cards", {}, follow_redirects=True)
    assert "Chỉ hiệu trưởng" in no.get_data(as_text=True)
    preview = teacher.get(f"/classes/{world.a.school_class.id}/report-cards/{world.a.students['HSA001'].id}/preview.pdf")
    assert preview.status_code == 200 and preview.data[:5] == b"%PDF-"
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(ReportCard)) == 0


def test_an_incomplete_class_is_refused_with_who_misses_what(world, client, dbs):
    with dbs() as s:
        fill_year(s, world.a)
        from lms.gradebook.models import GradeEntry

        s.execute(GradeEntry.__table__.delete().where(GradeEntry.student_id == world.a.students["HSA003"].id,
                                                      GradeEntry.course_id == world.a.course.id))
        lock_year(s, world.a)
        s.commit()
    client.login("admin.a")
    body = client.post(f"/classes/{world.a.school_class.id}/report-cards", {}, follow_redirects=True).get_data(as_text=True)
    assert "1 học sinh còn thiếu dữ liệu" in body and "Trần Minh Châu (môn Toán)" in body
    # Its preview is refused with a refusal status (was 302 to a 200 page, a PDF link answering HTML),
    # on the class's page saying what is missing; no redirect to follow.
    refused = client.get(f"/classes/{world.a.school_class.id}/report-cards/{world.a.students['HSA003'].id}/preview.pdf")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 409 and refused.mimetype == "text/html"
    assert "Chưa xem trước được học bạ của Trần Minh Châu: thiếu" in text and "Toán" in text.split("thiếu", 1)[1]


def test_issue_a_class_verify_by_qr_and_tampering_fails(app, world, client, make_client, dbs, tmp_path):
    _ready(dbs, world)
    client.login("admin.a")
    job_id = _issue_class(app, client, world)
    status = client.get(f"/jobs/{job_id}.json").get_json()
    assert status["status"] == "done" and status["done"] == status["total"] == 3 and status["result"]
    assert client.get(f"/jobs/{job_id}").status_code == 200
    archive = client.get(status["result"])
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(archive.data)).namelist()
    assert len(names) == 3 and any("Nguyễn Văn An" in n for n in names)
    with dbs() as s:
        card = s.scalars(select(ReportCard).where(ReportCard.student_id == world.a.students["HSA001"].id)).one()
        token, card_id, pdf_name = card.token, card.id, card.pdf_name
    pdf = client.get(f"/report-cards/{card_id}.pdf").data
    assert pdf[:5] == b"%PDF-"
    # The QR code carries the verification address; its text is printed beside it too.
    text = _pdf_text(pdf, tmp_path)
    assert f"/verify/{token}" in text.replace("\n", "") and "NGUYỄN VĂN AN" in text and "Lên lớp" in text

    anyone = make_client()  # the public page needs no account
    ok = anyone.get(f"/verify/{token}").get_data(as_text=True)
    assert 'data-state="valid"' in ok and "Học bạ xác thực" in ok and "Nguyễn Văn An" in ok
    same = anyone.post(f"/verify/{token}", {"file": (io.BytesIO(pdf), "hoc-ba.pdf")}, content_type="multipart/form-data")
    assert 'data-match="1"' in same.get_data(as_text=True)
    altered = bytearray(pdf)
    altered[len(altered) // 2] ^= 0x01
    forged = anyone.post(f"/verify/{token}", {"file": (io.BytesIO(bytes(altered)), "hoc-ba.pdf")},
                         content_type="multipart/form-data")
    assert 'data-match="0"' in forged.get_data(as_text=True)
    # An empty file or a photo is said to be one, not reported as a copy that does not match.
    for data, said in ((b"", "rỗng (0 byte)"), (b"\xff\xd8\xff\xe0JFIF", "không phải tệp PDF")):
        refused = anyone.post(f"/verify/{token}", {"file": (io.BytesIO(data), "hoc-ba.pdf")},
                              content_type="multipart/form-data")
        body = refused.get_data(as_text=True)
        assert refused.status_code == 422 and said in body and "data-match" not in body, said

    # One byte of the stored snapshot changed: verification fails, and the figures are not shown.
    with dbs() as s:
        original = s.get(ReportCard, card_id).snapshot
        s.execute(update(ReportCard).where(ReportCard.id == card_id)
                  .values(snapshot=original.replace('"Lên lớp"', '"Lên lớq"')))
        s.commit()
    bad = anyone.get(f"/verify/{token}").get_data(as_text=True)
    assert 'data-state="invalid"' in bad and "không còn khớp" in bad and "Lên lớq" not in bad
    with dbs() as s:
        s.execute(update(ReportCard).where(ReportCard.id == card_id).values(snapshot=original))
        s.commit()
    # …and one byte of the stored PDF.
    path = app.config["UPLOAD_DIR"] / "report-cards" / pdf_name
    path.write_bytes(bytes(altered))
    assert 'data-state="invalid"' in anyone.get(f"/verify/{token}").get_data(as_text=True)
    path.write_bytes(pdf)
    assert 'data-state="valid"' in anyone.get(f"/verify/{token}").get_data(as_text=True)
    # A forged signature (another key) fails as well.
    with dbs() as s:
        s.execute(update(ReportCard).where(ReportCard.id == card_id).values(signature="A" * 88))
        s.commit()
    assert "Chữ ký số của nhà trường không hợp lệ" in anyone.get(f"/verify/{token}").get_data(as_text=True)
    assert anyone.get("/verify/not-a-token").status_code == 404


def test_reissue_supersedes_and_keeps_the_history(app, world, client, dbs):
    _ready(dbs, world)
    client.login("admin.a")
    _issue_class(app, client, world)
    again = _issue_class(app, client, world)  # without "re-issue" nothing new is made
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(ReportCard)) == 3
        assert s.get(Job, again).status == "done"
    sid = world.a.students["HSA001"].id
    with dbs() as s:
        first_id = s.scalars(select(ReportCard.id).where(ReportCard.student_id == sid)).one()
    first_pdf = client.get(f"/report-cards/{first_id}.pdf").data
    assert client.post(f"/classes/{world.a.school_class.id}/report-cards/{sid}", {}).status_code == 302
    with dbs() as s:
        cards = s.scalars(select(ReportCard).where(ReportCard.student_id == sid).order_by(ReportCard.version)).all()
        assert [(c.version, c.status) for c in cards] == [(1, "superseded"), (2, "valid")]
        old, new = cards[0].token, cards[1].token
    page = client.get(f"/verify/{old}").get_data(as_text=True)
    assert "đã được thay thế bằng phiên bản 2" in page
    assert 'data-state="valid"' in client.get(f"/verify/{new}").get_data(as_text=True)
    # The authentic version-1 file checked on version 2's page is said to be version 1, replaced —
    # not "KHÔNG khớp … đã bị sửa".
    checked = client.post(f"/verify/{new}", {"file": (io.BytesIO(first_pdf), "hoc-ba-v1.pdf")},
                          content_type="multipart/form-data").get_data(as_text=True)
    assert 'data-match="earlier"' in checked and "Đây là bản 1 của học bạ này, đã được thay bằng bản 2 ngày" in checked


def test_pupils_and_parents_see_grades_and_download_their_own_cards(app, world, client, make_client, dbs):
    _ready(dbs, world)
    client.login("admin.a")
    _issue_class(app, client, world)
    with dbs() as s:
        cards = {c.student_id: c.id for c in s.scalars(select(ReportCard))}
    an, chau = world.a.students["HSA001"].id, world.a.students["HSA003"].id
    pupil = make_client()
    pupil.login("hsa001")
    page = pupil.get("/grades").get_data(as_text=True)
    assert "Kết quả học tập" in page and "8,0" in page and "Tải PDF" in page
    assert pupil.get(f"/report-cards/{cards[an]}.pdf").status_code == 200
    assert pupil.get(f"/report-cards/{cards[chau]}.pdf").status_code == 404
    mother = make_client()
    mother.login("0912000001")  # An and Bình's mother
    assert "Toán" in mother.get(f"/children/{an}/grades").get_data(as_text=True)
    assert mother.get(f"/report-cards/{cards[an]}.pdf").status_code == 200
    assert mother.get(f"/children/{chau}/grades").status_code == 404
    assert mother.get(f"/report-cards/{cards[chau]}.pdf").status_code == 404


def test_a_job_is_shown_only_to_whoever_started_it(app, world, client, make_client, dbs):
    _ready(dbs, world)
    client.login("admin.a")
    job_id = _issue_class(app, client, world)
    teacher = make_client()
    teacher.login("gv.a")
    for url in (f"/jobs/{job_id}", f"/jobs/{job_id}.json", f"/jobs/{job_id}/result"):
        assert teacher.get(url).status_code == 404
    # The starter's page says whom it was for, what it counts and what came of it.
    page = re.sub(r"\s+", " ", client.get(f"/jobs/{job_id}").get_data(as_text=True))
    with dbs() as s:
        n = s.scalar(select(func.count()).select_from(ReportCard).where(ReportCard.class_id == world.a.school_class.id))
    assert "Phát hành học bạ cả lớp" in page and "Lớp 6A1 · năm học 2026-2027" in page
    assert f">{n}/{n} học sinh<" in page and "Đã xong." in page
    assert f"Đã phát hành học bạ cho {n} học sinh lớp 6A1." in page and "Tải kết quả (Học bạ 6A1 2026-2027.zip)" in page


def _pdf_text(pdf: bytes, tmp_path) -> str:
    import subprocess

    path = tmp_path / "card.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return re.sub(r"[ \t]+", " ", out.stdout.decode())


def test_the_card_has_the_ministry_forms_identity_and_history_and_says_exactly_what_is_missing(world, client, dbs):
    from lms.gradebook import reportcards
    from lms.gradebook.models import TermRecord
    from lms.people.models import SchoolClass, Student
    from tests.pdftext import text

    with dbs() as s:
        fill_year(s, world.a)
        an = s.get(Student, world.a.students["HSA001"].id)
        an.place_of_birth, an.ethnicity, an.nationality = "Long Xuyên, An Giang", "Kinh", "Việt Nam"
        an.personal_id, an.registration_number, an.policy_status = "089214000123", "127/2026", "Con thương binh"
        from lms.people.models import Guardianship

        mother = s.scalars(select(Guardianship).where(Guardianship.student_id == an.id)).one()
        mother.relation, mother.occupation = "mẹ", "Giáo viên"   # the family list's own spelling
        # Châu's term II conduct is missing, and only that.
        s.execute(TermRecord.__table__.update().where(TermRecord.student_id == world.a.students["HSA003"].id,
                                                      TermRecord.term == 2).values(conduct=None))
        s.commit()
        data = reportcards.class_data(s, s.get(SchoolClass, world.a.school_class.id))
        assert data.missing(world.a.students["HSA003"].id) == ["rèn luyện học kỳ II"]
        snap = data.snapshot(an, s.get(type(world.a.admin), world.a.admin.id))
        assert snap["student"]["parents"]["mother"] == "Nguyễn Thị Lan"
        assert snap["student"]["occupations"]["mother"] == "Giáo viên"
        assert (snap["student"]["personal_id"], snap["student"]["registration_number"],
                snap["student"]["policy_status"]) == ("089214000123", "127/2026", "Con thương binh")
        assert snap["student"]["history"] == [{"year": "2026-2027", "class": "6A1", "grade": 6,
                                               "school": "Trường THCS Thử A"}]
    client.login("gv.a")
    pdf = text(client.get(f"/classes/{world.a.school_class.id}/report-cards/{world.a.students['HSA001'].id}"
                          "/preview.pdf").data)
    for part in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Nơi sinh: Long Xuyên, An Giang", "Dân tộc: Kinh",
                 "Quốc tịch: Việt Nam", "Họ tên mẹ: Nguyễn Thị Lan Nghề nghiệp: Giáo viên",
                 "Số định danh cá nhân: 089214000123", "Số đăng bộ: 127/2026", "Đối tượng chính sách: Con thương binh",
                 "Quá trình học tập", "6A1 Trường THCS Thử A",
                 "HIỆU TRƯỞNG", "GIÁO VIÊN CHỦ NHIỆM", "ngày … tháng … năm …"):
        assert part in pdf, part


def test_the_verification_page_shows_every_subject_on_any_host(app, world, client, make_client, dbs):
    with dbs() as s:
        fill_year(s, world.a, marks={("HSA001", "toan"): "9,5"})
        lock_year(s, world.a)
        s.commit()
    client.login("admin.a")
    _issue_class(app, client, world)
    with dbs() as s:
        token = s.scalars(select(ReportCard.token).where(ReportCard.student_id == world.a.students["HSA001"].id)).one()
    # The school moved to a new address: a card printed with the old one still verifies by its token.
    page = make_client().get(f"/verify/{token}", base_url="https://hoc-ba.truong-moi.example").get_data(as_text=True)
    table = page.split('id="verify-subjects"')[1].split("</table>")[0]
    assert 'data-state="valid"' in page
    assert "Toán" in table and ">9,5<" in table and "Ngữ văn" in table and "Giáo dục thể chất" in table
    assert table.count("<tr>") == 1 + 12   # the header and the 12 subjects of grade 6


def test_the_verification_page_shows_re_tests_and_summer_training_as_the_card(app, world, client, make_client, dbs):
    """Bình re-tests Toán and Ngữ văn (3,0 each) and passes (6,0 and 5,5: Khá); Châu's conduct is
    Chưa đạt in term II and Đạt after summer training: the public page shows the re-test marks
    and both results after them, as the card prints them."""
    from lms.people.models import Course, Subject
    from tests.pdftext import text

    with dbs() as s:
        fill_year(s, world.a, marks={("HSA002", "toan"): "3", ("HSA002", "ngu_van"): "3"})
        s.commit()
        van = s.scalars(select(Course.id).join(Subject).where(Course.class_id == world.a.school_class.id,
                                                              Subject.code == "ngu_van")).one()
    ids = {c: world.a.students[c].id for c in ("HSA001", "HSA002", "HSA003")}
    teacher = make_client()
    teacher.login("gv.a")
    class_id = world.a.school_class.id
    assert teacher.post(f"/classes/{class_id}/conduct?term=2", {
        f"k-{ids['HSA003']}": "CĐ", f"p-{ids['HSA003']}": "0", f"u-{ids['HSA003']}": "0"}).status_code == 302
    assert teacher.post(f"/classes/{class_id}/year-records", {f"h-{ids['HSA003']}": "Đ"}).status_code == 302
    assert teacher.post(f"/courses/{world.a.course.id}/grades?term=2", {f"c-{ids['HSA002']}-kl1": "6"}).status_code == 302
    client.login("admin.a")
    assert client.post(f"/courses/{van}/grades?term=2", {f"c-{ids['HSA002']}-kl1": "5,5"}).status_code == 302
    with dbs() as s:
        lock_year(s, world.a)
        s.commit()
    _issue_class(app, client, world)
    with dbs() as s:
        tokens = {code: s.scalars(select(ReportCard.token).where(ReportCard.student_id == ids[code])).one()
                  for code in ("HSA002", "HSA003")}
        card_ids = {code: s.scalars(select(ReportCard.id).where(ReportCard.student_id == ids[code])).one()
                    for code in ("HSA002", "HSA003")}
    public = make_client()

    def squash(html):
        return re.sub(r"\s+", " ", html)

    binh = squash(public.get(f"/verify/{tokens['HSA002']}").get_data(as_text=True))
    subjects = binh.split('id="verify-subjects"')[1].split("</table>")[0]
    assert re.search(r"<td>Toán</td>(<td[^>]*>[^<]*(<strong>[^<]*</strong>)?</td>){3}<td[^>]*>6,0</td>", subjects)
    assert re.search(r"<td>Ngữ văn</td>(<td[^>]*>[^<]*(<strong>[^<]*</strong>)?</td>){3}<td[^>]*>5,5</td>", subjects)
    results = binh.split('id="verify-results"')[1].split("</table>")[0]
    assert re.search(r'data-after="learning">Khá<', results)
    chau = squash(public.get(f"/verify/{tokens['HSA003']}").get_data(as_text=True))
    results = chau.split('id="verify-results"')[1].split("</table>")[0]
    assert re.search(r'data-row="conduct"><td>Kết quả rèn luyện</td><td[^>]*>Tốt</td><td[^>]*>Chưa đạt</td>', results)
    assert re.search(r'data-after="conduct">Đạt<', results)
    # The card prints the same.
    card = text(client.get(f"/report-cards/{card_ids['HSA002']}.pdf").data)
    assert "Toán 3,0 3,0 3,0 6,0" in card and "Ngữ văn 3,0 3,0 3,0 5,5" in card


def test_a_card_is_flagged_when_the_record_is_corrected_after_issue_until_reissued(app, world, client, make_client,
                                                                                  dbs):
    """An admin corrects a locked term after the cards are issued: the class's card page, the
    card's row, its public verification and the pupil's and parents' own card lists say the card
    no longer shows the record (it is still the authentic signed copy), and re-issuing as a new
    version clears it."""
    from lms.gradebook.models import GradeEntry

    _ready(dbs, world)
    client.login("admin.a")
    _issue_class(app, client, world)
    url = f"/classes/{world.a.school_class.id}/report-cards"
    page = client.get(url).get_data(as_text=True)
    assert 'id="cards-changed"' not in page and "card-changed" not in page
    sid = world.a.students["HSA001"].id
    pupil, mother = make_client(), make_client()
    pupil.login("hsa001")
    mother.login("0912000001")            # the mother of HSA001 and HSA002
    own = {"pupil": lambda: pupil.get("/grades"), "mother": lambda: mother.get(f"/children/{sid}/grades"),
           "sister": lambda: mother.get(f"/children/{world.a.students['HSA002'].id}/grades")}

    def flagged(who: str) -> int:
        response = own[who]()
        assert response.status_code == 200, who
        cards = response.get_data(as_text=True).split('id="pupil-cards"')[1].split("</ul>")[0]
        return cards.count("card-changed")

    assert [flagged(who) for who in own] == [0, 0, 0]
    with dbs() as s:
        token = s.scalars(select(ReportCard.token).where(ReportCard.student_id == sid)).one()
        assert 'data-state="valid"' in client.get(f"/verify/{token}").get_data(as_text=True)
        entry = s.scalars(select(GradeEntry).where(GradeEntry.course_id == world.a.course.id,
                                                   GradeEntry.student_id == sid, GradeEntry.term == 2)).first()
        s.execute(update(GradeEntry).where(GradeEntry.id == entry.id).values(score10=20))   # the correction
        s.commit()
    page = re.sub(r"\s+", " ", client.get(url).get_data(as_text=True))
    assert "1 học bạ đã có sửa đổi sau khi phát hành" in page
    assert page.count("Đã có sửa đổi sau khi phát hành") == 1 and "Phát hành lại (phiên bản mới)" in page
    verify = re.sub(r"\s+", " ", client.get(f"/verify/{token}").get_data(as_text=True))
    assert 'data-state="changed"' in verify and "học bạ này đã có sửa đổi sau khi phát hành" in verify
    assert "Học bạ xác thực" in verify   # still the authentic signed copy of what was issued
    # The pupil and the parents read the same flag on their own list; the sister's card is not flagged.
    assert [flagged(who) for who in own] == [1, 1, 0]
    assert "bản này không còn khớp với hồ sơ hiện tại" in re.sub(r"\s+", " ", own["pupil"]().get_data(as_text=True))
    assert client.post(f"{url}/{sid}", {}).status_code == 302   # re-issued: version 2
    page = client.get(url).get_data(as_text=True)
    assert 'id="cards-changed"' not in page and "card-changed" not in page
    assert [flagged(who) for who in own] == [0, 0, 0]   # version 1 superseded, version 2 shows the record
    with dbs() as s:
        new = s.scalars(select(ReportCard.token).where(ReportCard.student_id == sid, ReportCard.version == 2)).one()
    assert 'data-state="valid"' in client.get(f"/verify/{new}").get_data(as_text=True)
    assert "đã được thay thế bằng phiên bản 2" in client.get(f"/verify/{token}").get_data(as_text=True)
