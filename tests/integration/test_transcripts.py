"""The national transcript through the app: a class goes from drafted to issued with the SmartCA
sandbox's remote signing (one phone confirmation per signer for the whole class); pupils without a
valid personal ID are listed and never signed; the signed PDF and XML verify on the public page;
the exports validate against our schemas; a correction makes a superseding version and keeps both;
every step, view, download and extract is logged."""
from __future__ import annotations

import io
import json
import time

from sqlalchemy import func, select

from lms.core.models import Job
from lms.gradebook.transcript import exports, verify
from lms.gradebook.transcript.models import SandboxTransaction, State, Transcript, TranscriptEvent
from lms.gradebook.transcript.pki import SandboxCA
from lms.gradebook.transcript.trust import Trust
from tests.factories import fill_year, lock_year

PIDS = {"HSA001": "001214000001", "HSA002": "001314000002", "HSA003": "001314000003"}
TEACHER_CCCD, SCHOOL_MST = "001085000123", "0301234567"


def _ready(dbs, world):
    with dbs() as s:
        fill_year(s, world.a)
        lock_year(s, world.a)
        # The school's one place for its "…, ngày … tháng … năm" lines (School details).
        s.get(type(world.a.school), world.a.school.id).place_name = "Long Xuyên"
        s.commit()


def _states(dbs, world) -> dict[str, tuple[str, int]]:
    with dbs() as s:
        rows = s.scalars(select(Transcript).where(Transcript.class_id == world.a.school_class.id)
                         .order_by(Transcript.version))
        return {t.student.student_code: (t.state, t.version) for t in rows}


def _class_url(world, tail=""):
    return f"/classes/{world.a.school_class.id}/transcripts{tail}"


def _set_codes(client):
    assert client.post("/school/transcripts/settings", {"what": "codes", "moet_school_code": "89001501",
                                                         "department_code": "89"}).status_code == 302


def _set_up_signers(client, world):
    _set_codes(client)
    for holder, account in (("school", SCHOOL_MST), (f"user:{world.a.teacher.id}", TEACHER_CCCD)):
        client.post("/school/transcripts/settings", {"what": "account", "holder": holder, "provider": "smartca",
                                                     "account_id": account})
        page = client.post("/school/transcripts/settings", {"what": "enrol", "holder": holder},
                           follow_redirects=True).get_data(as_text=True)
        assert f"Đã tạo thuê bao thử nghiệm {account}" in page


def _await_transaction(dbs, user_id: str) -> str:
    """The signing request waiting on the subscriber's phone (read from the sandbox's table, not
    by rendering the page in a loop, which would starve the job thread preparing the documents)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        with dbs() as s:
            found = s.scalars(select(SandboxTransaction.transaction_id).where(
                SandboxTransaction.user_id == user_id, SandboxTransaction.status == "waiting")).first()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError("no signing request reached the sandbox")


def _answer(phone, user_id: str, transaction: str, answer: str) -> None:
    page = phone.get(f"/sandbox/smartca/app?user_id={user_id}").get_data(as_text=True)
    assert f'data-transaction="{transaction}"' in page     # the phone shows it, with the documents
    if answer == "approve":   # a wrong PIN is refused, as the provider's app refuses it, and the request still waits
        refused = phone.post("/sandbox/smartca/app", {"user_id": user_id, "transaction_id": transaction,
                                                      "answer": answer, "pin": "654321"}, follow_redirects=True)
        refused_page = refused.get_data(as_text=True)
        assert "Mã PIN không đúng: chưa ký." in refused_page and f'data-transaction="{transaction}"' in refused_page
    assert phone.post("/sandbox/smartca/app", {"user_id": user_id, "transaction_id": transaction,
                                               "answer": answer, "pin": "123456"}).status_code == 302


def _sign_round(app, client, phone, world, signer: str, user_id: str, dbs) -> dict:
    """Start a round, confirm it once on the sandbox phone, wait for the job."""
    response = client.post(_class_url(world, "/sign"), {"signer": signer})
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"], response.get_data(as_text=True)
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    _answer(phone, user_id, _await_transaction(dbs, user_id), "approve")
    app.extensions["lms_jobs"].wait(timeout=180)
    status = client.get(f"/jobs/{job_id}.json").get_json()
    assert status["status"] == "done", status
    assert "Ký số học bạ số cả lớp" in client.get(f"/jobs/{job_id}").get_data(as_text=True)   # named, not its code
    return status


def _issue_class(app, client, teacher, phone, world, dbs):
    assert client.post(_class_url(world, "/draft")).status_code == 302
    assert teacher.post(_class_url(world, "/step"), {"action": "check"}).status_code == 302
    assert client.post(_class_url(world, "/step"), {"action": "confirm"}).status_code == 302
    _sign_round(app, teacher, phone, world, "teacher", TEACHER_CCCD, dbs)
    _sign_round(app, client, phone, world, "school", SCHOOL_MST, dbs)
    assert client.post(_class_url(world, "/issue")).status_code == 302


def _identity(teacher, world, dbs, pids=PIDS, codes=None):
    data = {f"pid-{world.a.students[code].id}": pid for code, pid in pids.items()}
    data.update({f"code-{world.a.students[code].id}": value for code, value in (codes or {}).items()})
    return teacher.post(_class_url(world, "/identity"), data, follow_redirects=True)


def test_pupils_without_a_valid_personal_id_are_listed_and_never_signed(world, client, make_client, dbs):
    _ready(dbs, world)
    client.login("admin.a")
    teacher = make_client()
    teacher.login("gv.a")
    _set_codes(client)
    assert client.post(_class_url(world, "/draft")).status_code == 302
    page = teacher.get(_class_url(world)).get_data(as_text=True)
    assert page.count("chưa có số định danh cá nhân") == 3
    refused = teacher.post(_class_url(world, "/step"), {"action": "check"}, follow_redirects=True).get_data(as_text=True)
    assert "Chưa làm được cho Nguyễn Văn An: chưa có số định danh cá nhân" in refused
    assert {s for s, _v in _states(dbs, world).values()} == {State.DRAFTED}
    # A number that contradicts the profile (a girl's ID for a boy, another birth year) is refused too.
    bad = _identity(teacher, world, dbs, {"HSA001": "001313000001", "HSA002": "12345"}).get_data(as_text=True)
    assert "phải gồm đúng 12 chữ số" in bad and "Chưa lưu" in bad
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(type(world.a.students["HSA001"]))
                        .where(type(world.a.students["HSA001"]).personal_id.is_not(None))) == 0
    # Well-formed but contradicting the profile: refused on its line when saved, nothing saved.
    contradicts = _identity(teacher, world, dbs, {"HSA001": "001313000001"}).get_data(as_text=True)
    assert "ghi giới tính nữ, hồ sơ ghi nam" in contradicts and "ghi năm sinh 2013, hồ sơ ghi 2014" in contradicts
    assert "Chưa lưu" in contradicts
    with dbs() as s:
        assert s.get(type(world.a.students["HSA001"]), world.a.students["HSA001"].id).personal_id is None
    # Its first three digits are the code of the province where the birth was registered: "000" is none.
    nowhere = _identity(teacher, world, dbs, {"HSA001": "000214000001"}).get_data(as_text=True)
    assert "Ba chữ số đầu của số định danh cá nhân (000) không phải mã tỉnh" in nowhere and "Chưa lưu" in nowhere
    duplicate = _identity(teacher, world, dbs, {"HSA001": PIDS["HSA001"], "HSA002": PIDS["HSA001"]})
    assert "đã ghi cho" in duplicate.get_data(as_text=True)
    _identity(teacher, world, dbs, {"HSA001": PIDS["HSA001"], "HSA002": PIDS["HSA002"], "HSA003": ""})
    teacher.post(_class_url(world, "/step"), {"action": "check"})
    states = _states(dbs, world)
    assert states["HSA001"][0] == states["HSA002"][0] == State.CHECKED and states["HSA003"][0] == State.DRAFTED
    parent = make_client()        # nothing of a transcript not yet issued reaches the family's pages
    parent.login("0912000001")
    assert 'id="pupil-transcripts"' not in parent.get(f"/children/{world.a.students['HSA001'].id}/grades").get_data(as_text=True)


def test_a_class_from_drafted_to_issued_with_remote_signing(app, world, client, make_client, dbs, monkeypatch):
    _ready(dbs, world)
    # The QR code and the address printed under it lead to the public page at the deployment's
    # address (LMS_PUBLIC_BASE_URL), whatever host the signing was started from.
    from lms.gradebook import reportcards

    app.config["PUBLIC_BASE_URL"] = "https://hocba.thcs-thu-a.edu.vn/"
    encoded, qr_data_url = [], reportcards.qr_data_url
    monkeypatch.setattr(reportcards, "qr_data_url", lambda text: encoded.append(text) or qr_data_url(text))
    client.login("admin.a")
    teacher, phone, stranger = make_client(), make_client(), make_client()
    teacher.login("gv.a")
    _identity(teacher, world, dbs, codes={"HSA001": "HS-89.2014.000123"})
    _set_up_signers(client, world)
    with dbs() as s:   # a deputy signs for the principal (the school's page): KT. HIỆU TRƯỞNG
        s.get(type(world.a.school), world.a.school.id).deputy_signer_name = "Trần Thị Phó"
        s.commit()
    # The teacher's personal signature is the teacher's: the principal cannot give it.
    assert "GVCN" not in client.get(_class_url(world)).get_data(as_text=True).split('id="act-sign-teacher"')[0][-5:]
    _issue_class(app, client, teacher, phone, world, dbs)
    assert {v for v in _states(dbs, world).values()} == {(State.ISSUED, 1)}
    with dbs() as s:
        # One confirmation per signer for the whole class: two sandbox transactions of six documents.
        txs = s.scalars(select(SandboxTransaction)).all()
        assert len(txs) == 2 and all(len(t.files) == 6 for t in txs)
        t = s.scalars(select(Transcript).where(Transcript.student_id == world.a.students["HSA001"].id)).one()
        token, tid = t.token, t.id
        actions = [e.action for e in s.scalars(select(TranscriptEvent).where(TranscriptEvent.transcript_id == tid)
                                               .order_by(TranscriptEvent.id))]
    assert actions == ["drafted", "checked", "confirmed", "teacher_signed", "school_signed", "issued"]
    pdf = client.get(f"/transcripts/{tid}.pdf").data
    xml = client.get(f"/transcripts/{tid}.xml").data
    assert pdf[:5] == b"%PDF-" and exports.xml_errors(xml) == []
    from tests.pdftext import pages

    text = " ".join(" ".join(pages(pdf)).split())
    # Dated at the school's one place (School details), as the record says (diadanhphathanh).
    assert "Long Xuyên, ngày" in text and b"<diadanhphathanh>Long Xuy" in xml
    # The lifelong identifiers are printed on the form, as the record carries them.
    assert "Số định danh cá nhân: 001214000001" in pages(pdf)[0] and "Mã hồ sơ học tập: HS-89.2014.000123" in pages(pdf)[0]
    assert b"<mahosohoctap>HS-89.2014.000123<" in xml and b"<sodinhdanhcanhan>001214000001<" in xml
    # One signer for the school, printed on the PDF and written in the record alike.
    assert "KT. HIỆU TRƯỞNG PHÓ HIỆU TRƯỞNG" in text and "Trần Thị Phó" in text
    assert "<chucvugiamhieu>Phó hiệu trưởng<".encode() in xml
    assert "<hotengiamhieu>Trần Thị Phó<".encode() in xml
    assert xml.count(b"EncapsulatedTimeStamp>") == 4      # XAdES-T: both XML signatures time-stamped
    trust = Trust(sandbox=SandboxCA(app.config["INSTANCE_DIR"] / "signing-sandbox"))
    pdf_checks, xml_checks = verify.check_pdf(pdf, trust), verify.check_xml(xml, trust)
    assert [c.name for c in pdf_checks] == ["GVCN", "NhaTruong"] and all(c.ok for c in pdf_checks), pdf_checks
    assert [c.signer for c in pdf_checks] == ["Giáo Viên A", "Trường THCS Thử A"]
    assert len(xml_checks) == 2 and all(c.ok for c in xml_checks), xml_checks
    # The public page, for anyone holding the QR code.
    page = stranger.get(f"/hocba/{token}").get_data(as_text=True)
    assert 'data-state="valid"' in page and page.count('class="sig-row" data-ok="1"') == 4
    # Signed in the sandbox: said on every signature and above them, never passing for a real one.
    assert page.count("sandbox-signature") == 4 and 'id="sandbox-warning"' in page
    assert all("SANDBOX" in c.subject for c in pdf_checks + xml_checks), pdf_checks + xml_checks
    # The XML's signatures are named by the document they sign, not by their internal ids.
    named = f"Học bạ của Nguyễn Văn An, lớp {world.a.school_class.name}, năm học {world.a.year.name}"
    assert [c.document for c in xml_checks] == [named] * 2 and page.count(named) == 2
    address = f"https://hocba.thcs-thu-a.edu.vn/hocba/{token}"
    assert address in encoded and address in "".join(text.split())
    assert stranger.get(address.removeprefix("https://hocba.thcs-thu-a.edu.vn")).status_code == 200
    # A result code is shown with its meaning, never a bare "K".
    with dbs() as s:
        year_result = json.loads(s.get(Transcript, tid).record)["record"]["canam"]
    meaning = {"T": "Tốt", "K": "Khá", "Đ": "Đạt", "CĐ": "Chưa đạt"}[year_result]
    assert f'id="year-result">{year_result} ({meaning})</dd>' in page
    assert f"{year_result} <span class=\"text-muted\">({meaning})</span>" in client.get(f"/transcripts/{tid}").get_data(as_text=True)
    english = make_client()
    english.get("/language/en?next=/")
    english_page = english.get(f"/hocba/{token}").get_data(as_text=True)
    assert ">Check the file</button>" in english_page and ">Test<" not in english_page
    same = stranger.post(f"/hocba/{token}", {"file": (io.BytesIO(pdf), "hb.pdf")}, content_type="multipart/form-data")
    assert 'data-same="1"' in same.get_data(as_text=True)
    # An empty file, or one that is neither PDF nor XML, is refused saying which (422).
    for data, name, said in ((b"", "trong.pdf", "Tệp “trong.pdf” trống (0 byte)"),
                             (b"PK\x03\x04word/document.xml", "hoc-ba.docx", "Tệp “hoc-ba.docx” không phải tệp PDF hay XML")):
        refused = stranger.post(f"/hocba/{token}", {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
        assert refused.status_code == 422 and said in refused.get_data(as_text=True)
        assert 'id="upload-check"' not in refused.get_data(as_text=True)
    tampered = pdf.replace(b"WeasyPrint", b"WeasyPrinT", 1)
    changed = stranger.post(f"/hocba/{token}", {"file": (io.BytesIO(tampered), "hb.pdf")},
                            content_type="multipart/form-data").get_data(as_text=True)
    assert 'data-same="0"' in changed and 'data-ok="0"' in changed
    # Said as what it is: changed after signing; its certificate is not blamed.
    assert changed.count('data-causes="tampered"') == 2 and "Tài liệu đã bị sửa sau khi ký" in changed
    assert "Chứng thư số không do" not in changed
    # Exports of the class validate against our schemas.
    doc = json.loads(client.get(_class_url(world, ".json")).data)
    assert exports.json_errors(doc) == [] and len(doc["thongtinsohocbasothcsthpt"]) == 3
    assert exports.xml_errors(client.get(_class_url(world, ".xml")).data) == []
    with dbs() as s:
        logged = {e.action for e in s.scalars(select(TranscriptEvent).where(TranscriptEvent.transcript_id == tid))}
    assert {"download", "extract", "verify"} <= logged
    # A parent reaches the child's issued transcript from the page where they see the report cards.
    parent = make_client()
    parent.login("0912000001")
    grades = parent.get(f"/children/{world.a.students['HSA001'].id}/grades").get_data(as_text=True)
    assert 'id="pupil-transcripts"' in grades and f'href="/transcripts/{tid}"' in grades
    assert 'id="download-pdf"' in parent.get(f"/transcripts/{tid}").get_data(as_text=True)
    # ... and downloads it, signed as issued; and no other family's child's record, by any address.
    own = parent.get(f"/transcripts/{tid}.pdf")
    assert own.status_code == 200 and own.data == pdf and own.mimetype == "application/pdf"
    assert parent.get(f"/transcripts/{tid}.xml").status_code == 200
    with dbs() as s:
        other = s.scalars(select(Transcript).where(Transcript.student_id == world.a.students["HSA003"].id)).one().id
    father = make_client()   # HSA003's father, not An's
    father.login("0912000002")
    assert father.get(f"/transcripts/{other}").status_code == 200
    for who, transcript in ((parent, other), (father, tid)):
        for suffix in ("", ".pdf", ".xml", ".json"):
            refused = who.get(f"/transcripts/{transcript}{suffix}")
            assert refused.status_code == 404 and b"%PDF" not in refused.data, (transcript, suffix)
    # A personal ID changed after issuing: said when saved, and on the class page until corrected.
    changed_id = _identity(teacher, world, dbs, {**PIDS, "HSA003": "001314000033"}).get_data(as_text=True)
    assert "Học bạ số đã phát hành của Trần Minh Châu vẫn mang số định danh cũ 001314000003" in changed_id
    assert "Học bạ số đã phát hành của Nguyễn Văn An" not in changed_id       # unchanged numbers: no warning
    class_page = client.get(_class_url(world)).get_data(as_text=True)
    assert class_page.count("issued-old-id") == 1
    assert "mang số định danh cũ 001314000003, hồ sơ nay ghi 001314000033: cần đính chính" in class_page


def test_a_correction_supersedes_and_both_stay_verifiable(app, world, client, make_client, dbs):
    _ready(dbs, world)
    client.login("admin.a")
    teacher, phone = make_client(), make_client()
    teacher.login("gv.a")
    _identity(teacher, world, dbs)
    _set_up_signers(client, world)
    _issue_class(app, client, teacher, phone, world, dbs)
    with dbs() as s:
        first = s.scalars(select(Transcript).where(Transcript.student_id == world.a.students["HSA002"].id)).one()
        first_id, first_token = first.id, first.token
    for empty in (" ", "-", "..."):    # a signed record is corrected only with a reason one can act on
        assert "Ghi lý do đính chính" in client.post(f"/transcripts/{first_id}/correct", {"reason": empty},
                                                     follow_redirects=True).get_data(as_text=True)
    assert client.post(f"/transcripts/{first_id}/correct", {"reason": "Sai điểm Toán HK II"}).status_code == 302
    assert client.post(f"/transcripts/{first_id}/correct", {"reason": "lần nữa"},
                       follow_redirects=True).status_code == 200      # refused: a correction is already open
    assert "Bản điều chỉnh — lý do: Sai điểm Toán HK II" in client.get(_class_url(world)).get_data(as_text=True)
    with dbs() as s:    # a correction whose reason went missing (written before it was required) is not checked
        s.scalars(select(Transcript).where(Transcript.supersedes_id == first_id)).one().correction_reason = ""
        s.commit()
    skipped = teacher.post(_class_url(world, "/step"), {"action": "check"}, follow_redirects=True)
    assert "bản đính chính chưa ghi lý do điều chỉnh" in skipped.get_data(as_text=True)
    assert _states(dbs, world)["HSA002"] == (State.DRAFTED, 2)
    with dbs() as s:
        s.scalars(select(Transcript).where(Transcript.supersedes_id == first_id)).one().correction_reason = \
            "Sai điểm Toán HK II"
        s.commit()
    teacher.post(_class_url(world, "/step"), {"action": "check"})
    client.post(_class_url(world, "/step"), {"action": "confirm"})
    _sign_round(app, teacher, phone, world, "teacher", TEACHER_CCCD, dbs)
    _sign_round(app, client, phone, world, "school", SCHOOL_MST, dbs)
    client.post(_class_url(world, "/issue"))
    with dbs() as s:
        versions = {t.version: t for t in s.scalars(select(Transcript).where(
            Transcript.student_id == world.a.students["HSA002"].id))}
        assert versions[1].state == State.SUPERSEDED and versions[2].state == State.ISSUED
        assert versions[2].supersedes_id == first_id and versions[2].correction_reason == "Sai điểm Toán HK II"
        new_token, new_id = versions[2].token, versions[2].id
        signed_v1 = s.scalars(select(TranscriptEvent.at).where(TranscriptEvent.transcript_id == first_id,
                                                               TranscriptEvent.action == "school_signed")).one()
    # The corrected PDF says what it replaces, when that was signed, and why.
    from lms.core.timeutil import school_tz, utc_to_local
    from tests.pdftext import pages

    text = " ".join(" ".join(pages(client.get(f"/transcripts/{new_id}.pdf").data)).split())
    day = utc_to_local(signed_v1, school_tz()).strftime("%d/%m/%Y")
    assert f"Bản điều chỉnh, thay thế bản ký ngày {day} (phiên bản 1). Lý do điều chỉnh: Sai điểm Toán HK II" in text
    assert "Bản điều chỉnh" not in " ".join(pages(client.get(f"/transcripts/{first_id}.pdf").data))
    # So does its signed record: which issued version it replaces, and why.
    new_xml = client.get(f"/transcripts/{new_id}.xml").data
    old_xml = client.get(f"/transcripts/{first_id}.xml").data
    assert exports.xml_errors(new_xml) == [] and exports.xml_errors(old_xml) == []
    old_record_id = old_xml.split(b"<madinhdanhhocba>")[1].split(b"<")[0]
    assert b"<thaythehocba>" + old_record_id + b"</thaythehocba>" in new_xml
    assert "<lydodieuchinh>Sai điểm Toán HK II</lydodieuchinh>".encode() in new_xml
    assert b"<thaythehocba></thaythehocba>" in old_xml or b"<thaythehocba/>" in old_xml
    old_page = make_client().get(f"/hocba/{first_token}").get_data(as_text=True)
    assert 'data-state="superseded"' in old_page and new_token in old_page
    new_page = make_client().get(f"/hocba/{new_token}").get_data(as_text=True)
    assert 'data-state="valid"' in new_page
    # The correction's public page says which version it replaces (signed when, why) and links to it;
    # the replaced version's page says by which version it was replaced, and when.
    with dbs() as s:
        replaced_at = s.get(Transcript, first_id).superseded_at
    assert 'id="lineage-replaces" data-version="1"' in new_page and first_token in new_page
    assert f"thay thế phiên bản 1, nhà trường ký ngày {day}." in new_page and "Sai điểm Toán HK II" in new_page
    replaced_day = utc_to_local(replaced_at, school_tz()).strftime("%d/%m/%Y")
    assert 'id="lineage-replaced" data-version="2"' in old_page
    assert f"thay thế bằng phiên bản 2 (bản đính chính) ngày {replaced_day}" in old_page
    # The earlier version's PDF, uploaded on the correction's page, is recognised as version 1 of
    # the same record (replaced by version 2), not as a foreign file.
    v1_pdf = client.get(f"/transcripts/{first_id}.pdf").data
    held = make_client().post(f"/hocba/{new_token}", {"file": (io.BytesIO(v1_pdf), "hb-v1.pdf")},
                              content_type="multipart/form-data").get_data(as_text=True)
    assert 'data-same="0" data-version="1"' in held and "trùng khớp từng byte với phiên bản 1 của cùng học bạ này" in held
    assert 'id="upload-lineage-replaced" data-version="2"' in held
    history = client.get(f"/transcripts/{first_id}").get_data(as_text=True)
    assert "Sai điểm Toán HK II" in history and "bị thay thế" in history
    # The replaced version's own page names the version that replaced it, when, and links to it.
    replaced = history.split('id="replaced-by"', 1)[1].split("</div>", 1)[0]
    assert 'data-version="2"' in replaced and f"thay thế bằng phiên bản 2 (bản đính chính) ngày {replaced_day}" in replaced
    assert f'href="/transcripts/{new_id}" id="replaced-by-link"' in replaced
    assert 'id="replaced-by"' not in client.get(f"/transcripts/{new_id}").get_data(as_text=True)
    register = client.get("/school/transcripts/register").get_data(as_text=True)    # the school's register
    assert "Sai điểm Toán HK II" in register and 'data-action="correction"' in register
    assert register.count('data-action="issued"') == 4 and 'data-action="superseded"' in register


def test_a_rejected_round_changes_nothing(app, world, client, make_client, dbs):
    _ready(dbs, world)
    client.login("admin.a")
    teacher, phone = make_client(), make_client()
    teacher.login("gv.a")
    _identity(teacher, world, dbs)
    _set_up_signers(client, world)
    client.post(_class_url(world, "/draft"))
    teacher.post(_class_url(world, "/step"), {"action": "check"})
    client.post(_class_url(world, "/step"), {"action": "confirm"})
    response = teacher.post(_class_url(world, "/sign"), {"signer": "teacher"})
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    _answer(phone, TEACHER_CCCD, _await_transaction(dbs, TEACHER_CCCD), "reject")
    app.extensions["lms_jobs"].wait(timeout=180)
    status = teacher.get(f"/jobs/{job_id}.json").get_json()
    assert status["status"] == "failed" and "không thành công" in status["message"]
    assert {s for s, _v in _states(dbs, world).values()} == {State.CONFIRMED}
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(Job).where(Job.status == "failed")) == 1


def test_sandbox_api_speaks_smartca(app, client):
    base = "/sandbox/smartca/sca/sp769"
    assert client.http.post(f"{base}/v1/signatures/sign", json={}).get_json()["status_code"] == 401
    ca = SandboxCA(app.config["INSTANCE_DIR"] / "signing-sandbox")
    ca.enrol("079200001234", "Nguyễn Văn Thử")
    creds = {"sp_id": "lms-sandbox", "sp_password": "lms-sandbox-secret", "user_id": "079200001234"}
    cert = client.http.post(f"{base}/v1/credentials/get_certificate", json={**creds, "transaction_id": "t0"}).get_json()
    assert cert["status_code"] == 200 and cert["data"]["user_certificates"][0]["chain_data"]["root_cert"]
    bad = client.http.post(f"{base}/v1/signatures/sign", json={**creds, "transaction_id": "t1", "sign_files": [
        {"data_to_be_signed": "zz", "doc_id": "a", "file_type": "pdf", "sign_type": "hash"}]}).get_json()
    assert bad["status_code"] == 400
    ok = client.http.post(f"{base}/v1/signatures/sign", json={**creds, "transaction_id": "t2", "sign_files": [
        {"data_to_be_signed": "ab" * 32, "doc_id": "a", "file_type": "pdf", "sign_type": "hash"}]}).get_json()
    assert ok["message"] == "sig_wait_for_user_confirm" and ok["data"]["tran_code"]
    pending = client.http.post(f"{base}/v1/signatures/sign/t2/status", json={}).get_json()
    assert pending["message"] == "PENDING" and pending["data"]["signatures"] is None


def test_nothing_carries_our_own_school_code_and_the_school_export_is_for_the_chosen_year(world, client, make_client,
                                                                                          dbs):
    """The records and the school's export carry the school's code in the sector database (mã trường,
    mã Sở), never ours: without them nothing is checked or exported, and the page says where to fill
    them. The school-wide export is of exactly the school year chosen."""
    from datetime import date

    from lms.auth.models import User
    from lms.people import services
    from lms.people.models import School

    _ready(dbs, world)
    with dbs() as s:    # our own code for the school, as the tester's school had it
        s.get(School, world.a.school.id).code = "THPT-LX"
        s.commit()
    client.login("admin.a")
    teacher = make_client()
    teacher.login("gv.a")
    _identity(teacher, world, dbs)
    assert client.post(_class_url(world, "/draft")).status_code == 302
    refused = teacher.post(_class_url(world, "/step"), {"action": "check"}, follow_redirects=True).get_data(as_text=True)
    assert "Chưa ghi mã trường, mã Sở GD&amp;ĐT trên CSDL ngành" in refused and "Cài đặt học bạ số" in refused
    assert {state for state, _v in _states(dbs, world).values()} == {State.DRAFTED}
    export = client.get("/school/transcripts.json", follow_redirects=True).get_data(as_text=True)
    assert "Chưa ghi mã trường, mã Sở GD&amp;ĐT trên CSDL ngành" in export
    # Our own code, or anything that is not of the Ministry's form, is refused where its code is asked.
    codes = {"what": "codes", "moet_school_code": "89001501", "department_code": "89"}
    for key, typed, said in (("moet_school_code", "THPT-LX", "“THPT-LX” là mã nội bộ của trường"),
                             ("moet_school_code", "thpt-lx", "“thpt-lx” là mã nội bộ của trường"),
                             ("moet_school_code", "LX-01", "“LX-01” không phải mã trên CSDL ngành"),
                             ("department_code", "AG", "“AG” không phải mã trên CSDL ngành"),
                             ("department_code", "00", "“00” không phải mã tỉnh, thành phố nào")):
        refused = client.post("/school/transcripts/settings", {**codes, key: typed})
        assert refused.status_code == 422 and said in refused.get_data(as_text=True), typed
        assert f'id="{key}-error"' in refused.get_data(as_text=True)
    # The banner names the code that is missing, never one that is set.
    client.post("/school/transcripts/settings", {**codes, "department_code": ""})
    banner = teacher.get(_class_url(world)).get_data(as_text=True).split('id="codes-note">', 1)[1].split("</div>")[0]
    assert "Chưa ghi mã Sở GD&amp;ĐT trên CSDL ngành" in banner and "mã trường" not in banner.split("CSDL")[0]
    _set_codes(client)
    assert 'id="codes-note"' not in teacher.get(_class_url(world)).get_data(as_text=True)
    teacher.post(_class_url(world, "/step"), {"action": "check"})
    with dbs() as s:
        school = s.get(School, world.a.school.id)
        other = services.create_school_year(s, s.get(User, world.a.admin.id), school, name="2027-2028",
                                            term1=(date(2027, 9, 5), date(2028, 1, 15)),
                                            term2=(date(2028, 1, 16), date(2028, 5, 31)))
        s.commit()
        other_id, our_code = other.id, school.code
    settings = client.get("/school/transcripts/settings").get_data(as_text=True)
    assert 'id="export-year"' in settings and "2027-2028" in settings and world.a.year.name in settings
    doc = json.loads(client.get(f"/school/transcripts.json?year={world.a.year.id}").data)
    assert doc["phamvi"] == {"loai": "truong", "ma": "89001501"} and exports.json_errors(doc) == []
    records = doc["thongtinsohocbasothcsthpt"]
    assert len(records) == 3 and {r["matruong"] for r in records} == {"89001501"}
    assert {r["masogd"] for r in records} == {"89"} and our_code == "THPT-LX" and our_code not in json.dumps(doc)
    assert {h["matruong"] for r in records for h in r["thongtinsohocbasothcsthpt_quatrinhhoctap"]} == {"89001501"}
    empty = json.loads(client.get(f"/school/transcripts.json?year={other_id}").data)
    assert empty["thongtinsohocbasothcsthpt"] == [] and empty["thongtinsohocbasotieuhoc"] == []
    xml = client.get(f"/school/transcripts.xml?year={world.a.year.id}")
    assert exports.xml_errors(xml.data) == [] and "89001501" in xml.headers["Content-Disposition"]
