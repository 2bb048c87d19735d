"""Report cards (học bạ): a frozen snapshot of the pupil's year, the PDF made from it, and the
school's Ed25519 signature over both hashes; verification by a QR link; re-issuing supersedes;
a whole class at once as a background job.

What is signed is the text `lms-hocba/1 \\n token \\n version \\n SHA-256(snapshot) \\n SHA-256(PDF)`,
so changing any byte of the stored snapshot or of the PDF makes verification fail.
"""
from __future__ import annotations

import io
import secrets
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core import audit, jobs
from lms.core.errors import NotFound, ValidationError
from lms.core.pdf import render_pdf
from lms.core.qr import qr_data_url
from lms.core.signing import Signer, canonical_json, sha256_hex, signer_from_config
from lms.core.storage import Area, Missing, area
from lms.core.timeutil import utcnow
from lms.gradebook import results, tt22, tt27
from lms.gradebook.book import locks_of, mark_text
from lms.gradebook.homeroom import PrimarySummary, Summary, build_summary, is_primary, primary_summary
from lms.gradebook.models import CardStatus, GradeRemark, ReportCard
from lms.gradebook.permissions import require_class
from lms.gradebook.labels import QUALITY_NAMES
from lms.gradebook.primary import QUALITY_CODES
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.people.models import School, SchoolClass, SchoolYear, Student

FORMAT = "lms-hocba/1"
MAX_CHECK_BYTES = 20 * 1024 * 1024  # a file uploaded for comparison is read up to this size
Render = Callable[..., str]  # (template, context, locale) → HTML
CARD_TEMPLATE = "gradebook/report_card_pdf.html"


def signed_message(card: ReportCard) -> bytes:
    return f"{FORMAT}\n{card.token}\n{card.version}\n{card.snapshot_sha256}\n{card.pdf_sha256}".encode()


def verify_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/verify/{token}"


# ---------------------------------------------------------------- snapshots

def _text(value: results.Mark) -> str:
    """Marks in the document as the paper book writes them: 8,5 / Đ / CĐ."""
    if isinstance(value, bool):
        return "Đ" if value else "CĐ"
    return mark_text(value, ",")


def _guardian_slot(relation: str) -> str:
    """Where a guardian goes on the identity page: the father's line, the mother's, or the guardian's
    (the family lists write "Bố", "Cha", "bố", "Mẹ", "Má"…)."""
    from lms.core.text import fold

    return {"bo": "father", "cha": "father", "me": "mother", "ma": "mother"}.get(
        fold(relation or "").strip(), "guardian")


def identities(session: Session, school: School, year: SchoolYear, students: list[Student]) -> dict[int, dict]:
    """The identity page of the Ministry's form for each pupil, in two queries: birth place,
    ethnicity, nationality, personal ID, registration number, policy status, parents or guardian
    with their occupations, and the study history (every year the pupil was enrolled at this
    school, up to this one)."""
    from lms.people.models import Enrollment, Guardianship

    ids = [st.id for st in students] or [0]
    parents: dict[int, dict[str, str]] = {st.id: {"father": "", "mother": "", "guardian": ""} for st in students}
    jobs_of: dict[int, dict[str, str]] = {st.id: {"father": "", "mother": "", "guardian": ""} for st in students}
    for g in session.scalars(select(Guardianship).where(Guardianship.student_id.in_(ids)).order_by(Guardianship.id)):
        slot = _guardian_slot(g.relation)
        if not parents[g.student_id][slot]:
            parents[g.student_id][slot] = g.guardian.full_name
            jobs_of[g.student_id][slot] = g.occupation or ""
    history: dict[int, list[dict]] = {st.id: [] for st in students}
    for enrollment, past in session.execute(
            select(Enrollment, SchoolYear).join(SchoolYear, SchoolYear.id == Enrollment.school_year_id)
            .where(Enrollment.student_id.in_(ids), SchoolYear.school_id == school.id,
                   SchoolYear.start_date <= year.start_date).order_by(SchoolYear.start_date)):
        history[enrollment.student_id].append({"year": past.name, "class": enrollment.school_class.name,
                                               "grade": enrollment.school_class.grade, "school": school.name})
    return {st.id: {"birth_place": st.place_of_birth or "", "ethnicity": st.ethnicity or "",
                    "nationality": st.nationality or "", "moet_code": st.moet_code or "",
                    "personal_id": st.personal_id or "", "record_code": st.record_code or "",
                    "registration_number": st.registration_number or "", "policy_status": st.policy_status or "",
                    "parents": parents[st.id], "occupations": jobs_of[st.id], "history": history[st.id]}
            for st in students}


def student_fields(student: Student, identity: dict) -> dict:
    """The pupil's identity as the card prints it (the snapshot's "student")."""
    return {"code": student.student_code, "name": student.full_name,
            "birth_date": student.birth_date.strftime("%d/%m/%Y") if student.birth_date else "",
            "gender": {"nam": "Nam", "nu": "Nữ"}.get(student.gender or "", ""),
            "address": student.address or "", **identity}


# Every identity line the card prints, by where its value is in the snapshot's "student"; a blank
# one prints "—" on the card, and the class's card page lists it ("Hồ sơ còn trống") — one list.
IDENTITY_LINES = ((("gender",), _l("giới tính")), (("birth_date",), _l("ngày sinh")),
                  (("birth_place",), _l("nơi sinh")), (("ethnicity",), _l("dân tộc")),
                  (("nationality",), _l("quốc tịch")), (("personal_id",), _l("số định danh cá nhân")),
                  (("registration_number",), _l("số đăng bộ")), (("address",), _l("nơi ở hiện nay")),
                  (("parents", "father"), _l("họ tên cha")), (("occupations", "father"), _l("nghề nghiệp của cha")),
                  (("parents", "mother"), _l("họ tên mẹ")), (("occupations", "mother"), _l("nghề nghiệp của mẹ")))


def blank_identity(fields: dict) -> list[str]:
    """The identity lines the card prints empty ("—") for this pupil, named; the guardian's line
    counts when the card prints it (no father nor mother recorded)."""
    def value(path):
        out = fields
        for key in path:
            out = (out or {}).get(key) if isinstance(out, dict) else None
        return out

    lines = list(IDENTITY_LINES)
    parents = fields.get("parents") or {}
    if parents.get("guardian") or not (parents.get("father") or parents.get("mother")):
        lines += [(("parents", "guardian"), _l("người giám hộ")), (("occupations", "guardian"),
                                                                  _l("nghề nghiệp của người giám hộ"))]
    return [str(label) for path, label in lines if not value(path)]


def _base(school: School, year: SchoolYear, school_class: SchoolClass, student: Student, issuer: User | None,
          identity: dict) -> dict:
    from lms.core.official import school_place, school_signer

    over, title, name = school_signer(school)

    return {
        "format": FORMAT,
        "school": {"code": school.code, "name": school.name, "address": school.address or "",
                   "department": school.department.name if school.department else "",
                   "place": school_place(school) or ""},
        "year": year.name, "class": school_class.name, "grade": school_class.grade,
        "homeroom_teacher": school_class.homeroom_teacher.full_name if school_class.homeroom_teacher else "",
        "principal": name or (issuer.full_name if issuer else ""),
        "signer_over": over or "", "signer_title": title,
        "student": student_fields(student, identity),
    }


def secondary_snapshot(base: dict, summary: Summary, student_id: int, remarks: dict[tuple[int, int], str]) -> dict:
    row = next(r for r in summary.rows if r.student.id == student_id)
    o = row.outcome
    subjects = []
    for c in summary.courses:
        data = row.subject_marks[c.id]
        subjects.append({"name": c.subject.name, "assessment": c.subject.assessment,
                         "hk1": _text(data.semester(1)), "hk2": _text(data.semester(2)), "year": _text(data.year()),
                         "retest": _text(data.retest) if c.subject.name in o.retest_subjects else "",
                         "remark": remarks.get((c.id, student_id), ""),
                         "teacher": c.teacher.full_name if c.teacher else ""})
    terms = {}
    for period in (1, 2):
        marks = {c.subject.name: row.subject_marks[c.id].semester(period) for c in summary.courses}
        lr = results.learning(marks, {c.subject.name: c.subject.assessment == "comment" for c in summary.courses})
        terms[period] = lr.level if lr else ""
    record = row.record
    return {**base, "kind": "tt22", "rules": tt22.CURRENT.basis, "subjects": subjects,
            "learning": {"hk1": terms[1], "hk2": terms[2], "year": o.learning.level, "year_base": o.learning.base,
                         "culprit": o.learning.culprit or "",
                         "after_retest": o.learning_after.level if o.learning_after else ""},
            "conduct": {"hk1": row.conduct_terms.get(1) or "", "hk2": row.conduct_terms.get(2) or "",
                        "year": o.conduct, "after_training": o.conduct_after or ""},
            "absences": {"excused": row.excused, "unexcused": row.unexcused},
            "decision": o.final or o.decision, "award": o.award or "",
            "homeroom_comment": record.homeroom_comment if record else ""}


def primary_snapshot(base: dict, summary: PrimarySummary, student_id: int) -> dict:
    row = next(r for r in summary.rows if r.student.id == student_id)
    subjects = []
    for c in summary.courses:
        rec = row.records[c.id]
        subjects.append({"name": c.subject.name,
                         "level": results.SUBJECT_CODES[rec.level] if rec and rec.level else "",
                         "test": rec.test_score if rec and summary.tests[c.id] else None,
                         "comment": rec.comment if rec else "", "teacher": c.teacher.full_name if c.teacher else ""})
    qualities = [{"code": q, "level": results.QUALITY_CODES[row.qualities[q]]} for q in QUALITY_CODES]
    return {**base, "kind": "tt27", "rules": tt27.CURRENT.basis, "subjects": subjects,
            "qualities": qualities[:len(tt27.QUALITIES)], "competences": qualities[len(tt27.QUALITIES):],
            # The form's "Năng lực cốt lõi" in its two parts.
            "general_competences": [q for q in qualities if q["code"] in tt27.GENERAL_COMPETENCES],
            "specific_competences": [q for q in qualities if q["code"] in tt27.SPECIFIC_COMPETENCES],
            "result": row.result, "award": row.award or "",
            # The form's closing lines (Điều 9, TT27), as codes the template words:
            # completion "lop" (this grade's programme), "tieu_hoc" (grade 5: primary school) or
            # "chua" (not completed: the principal decides after further support); promoted_to the
            # next grade when the pupil goes up.
            **primary_decision(base["grade"], row.result),
            "absences": {"excused": row.excused, "unexcused": row.unexcused},
            "homeroom_comment": row.record.homeroom_comment if row.record else ""}


def primary_decision(grade: int | None, result: str | None) -> dict:
    """The primary card's "Hoàn thành chương trình lớp học / chương trình tiểu học" and "Lên lớp"
    lines from the year result (Điều 9, Thông tư 27): HTXS, HTT and HT complete the grade (grade 5:
    the primary programme) and go up; Chưa hoàn thành waits for the principal's decision."""
    if not result or not grade:
        return {"completion": "", "promoted_to": None}
    if result == tt27.CHT:
        return {"completion": "chua", "promoted_to": None}
    if grade >= 5:
        return {"completion": "tieu_hoc", "promoted_to": None}
    return {"completion": "lop", "promoted_to": grade + 1}


# ---------------------------------------------------------------- issuing

@dataclass
class IssueSettings:
    signer: Signer
    folder: Area          # where the PDFs are kept (the storage's report-cards area)
    base_url: str         # for the verification link in the QR code
    render: Render        # (template, context) → HTML


def settings_from_config(config, render: Render, signer: Signer | None = None) -> IssueSettings:
    return IssueSettings(signer or signer_from_config(config), area(config, "report-cards"),
                         config["PUBLIC_BASE_URL"], render)


@dataclass
class ClassData:
    """Everything a class's report cards are made of, loaded once."""
    school: School
    year: SchoolYear
    school_class: SchoolClass
    summary: Summary | PrimarySummary
    remarks: dict[tuple[int, int], str] = field(default_factory=dict)
    identities: dict[int, dict] = field(default_factory=dict)

    @property
    def primary(self) -> bool:
        return isinstance(self.summary, PrimarySummary)

    def blank(self, student: Student) -> list[str]:
        """What the pupil's card will print empty (blank_identity of what it prints)."""
        return blank_identity(student_fields(student, self.identities.get(student.id, {})))

    def missing(self, student_id: int) -> list[str]:
        """What still stops this pupil's report card, in words for the page."""
        if self.primary:
            row = next(r for r in self.summary.rows if r.student.id == student_id)
            if row.result:
                return []
            out = []
            for c in self.summary.courses:
                rec = row.records.get(c.id)
                if rec is None or not rec.level:
                    out.append(str(_l("mức cuối năm môn %(s)s", s=c.subject.name)))
                if self.summary.tests.get(c.id) and (rec is None or not rec.test_score):
                    out.append(str(_l("điểm kiểm tra cuối năm môn %(s)s", s=c.subject.name)))
            lacking = [q for q in QUALITY_CODES if not row.qualities.get(q)]
            if lacking:
                out.append(str(_l("%(n)s phẩm chất, năng lực cuối năm (%(q)s)", n=len(lacking),
                                  q=", ".join(str(QUALITY_NAMES[q]) for q in lacking))))
            return out
        row = next(r for r in self.summary.rows if r.student.id == student_id)
        out = [str(_l("môn %(s)s", s=name)) for name in row.missing]
        lacking = [term for term in (1, 2) if not row.conduct_terms.get(term)]
        if lacking == [1, 2]:
            out.append(str(_l("rèn luyện học kỳ I và học kỳ II")))
        elif lacking:
            out.append(str(_l("rèn luyện học kỳ %(t)s", t="I" if lacking == [1] else "II")))
        return out

    def snapshot(self, student: Student, issuer: User | None) -> dict:
        base = _base(self.school, self.year, self.school_class, student, issuer, self.identities.get(student.id, {}))
        if self.primary:
            return primary_snapshot(base, self.summary, student.id)
        return secondary_snapshot(base, self.summary, student.id, self.remarks)


def class_data(session: Session, school_class: SchoolClass) -> ClassData:
    school = session.get(School, school_class.school_id)
    if is_primary(school_class):
        summary = primary_summary(session, school_class, "cn")
    else:
        summary = build_summary(session, school_class, 0)
    remarks = {(r.course_id, r.student_id): r.text for r in session.scalars(select(GradeRemark).where(
        GradeRemark.course_id.in_([c.id for c in summary.courses] or [0]), GradeRemark.term == 2))}
    return ClassData(school, school_class.school_year, school_class, summary, remarks,
                     identities(session, school, school_class.school_year, [r.student for r in summary.rows]))


def require_year_locked(session: Session, year: SchoolYear) -> None:
    locks = locks_of(session, year)
    if 1 not in locks or 2 not in locks:
        raise ValidationError(_l("Cần khoá sổ cả hai học kỳ của năm học %(y)s trước khi phát hành học bạ.", y=year.name))


def current_card(session: Session, student_id: int, year_id: int) -> ReportCard | None:
    return session.scalars(select(ReportCard).where(ReportCard.student_id == student_id,
                                                    ReportCard.school_year_id == year_id,
                                                    ReportCard.status == CardStatus.VALID)).first()


def cards_of_class(session: Session, school_class: SchoolClass) -> dict[int, ReportCard]:
    """The valid card of each pupil of the class (for its school year)."""
    return {c.student_id: c for c in session.scalars(select(ReportCard).where(
        ReportCard.class_id == school_class.id, ReportCard.status == CardStatus.VALID))}


# What a snapshot holds about the act of issuing, not about the pupil's record: left out when a
# card is compared with the record as it is now.
ISSUE_KEYS = frozenset({"format", "token", "version", "issued_at", "principal", "signer_over", "signer_title"})


def changed_since_issue(card: ReportCard, current: dict) -> bool:
    """Whether the pupil's record as it is now (`current`, the snapshot a re-issue would sign)
    differs from what the card printed — an admin corrected a locked term after issuing. Only what
    the card holds is compared (a card issued before a field existed is not "changed" by it)."""
    import json

    printed = json.loads(card.snapshot)
    now = json.loads(canonical_json(current))
    return any(key in now and printed[key] != now[key] for key in printed if key not in ISSUE_KEYS)


def changed_cards(data: ClassData, cards: dict[int, ReportCard]) -> set[int]:
    """The pupils of the class whose valid card no longer shows their record as it is now (a
    record now incomplete has changed too: something the card prints is gone)."""
    rows = {r.student.id: r.student for r in data.summary.rows}
    return {sid for sid, card in cards.items()
            if sid in rows and (data.missing(sid) or changed_since_issue(card, data.snapshot(rows[sid], card.issuer)))}


def changed_of_student(session: Session, cards: list[ReportCard]) -> set[int]:
    """The ids of the valid cards among a pupil's `cards` whose record changed after issue — the
    flag of the class's card list (changed_cards), for the pupil's and parents' own list and the
    card's public verification: one class's data per card (a pupil has one valid card a year)."""
    return {card.id for card in cards if card.status == CardStatus.VALID
            and card.student_id in changed_cards(class_data(session, card.school_class), {card.student_id: card})}


def render_card(snapshot: dict, settings: IssueSettings, *, preview: bool = False, url: str | None = None,
                scheme: str = "ed25519") -> bytes:
    """The card's PDF. The national transcript passes its own verification `url` and the scheme
    "pades" (the signatures are then in the PDF itself)."""
    url = url or verify_url(settings.base_url, snapshot.get("token", ""))
    html = settings.render(CARD_TEMPLATE, {"s": snapshot, "qr": None if preview else qr_data_url(url), "url": url,
                                           "key_id": settings.signer.key_id, "preview": preview,
                                           "scheme": scheme}, "vi")
    return render_pdf(html)


def issue_card(session: Session, actor: User, data: ClassData, student: Student, settings: IssueSettings, *,
               now: datetime, reissue: bool = False, snapshot: dict | None = None) -> ReportCard:
    """Issue (or, with `reissue`, replace) one pupil's report card. Issuing again without
    `reissue` returns the card already issued."""
    current = current_card(session, student.id, data.year.id)
    if current is not None and not reissue:
        return current
    missing = data.missing(student.id)
    if missing:
        raise ValidationError(_l("Chưa đủ dữ liệu để phát hành học bạ của %(n)s: thiếu %(m)s.", n=student.full_name,
                                 m=", ".join(missing)))
    version = (session.scalar(select(func.max(ReportCard.version)).where(
        ReportCard.student_id == student.id, ReportCard.school_year_id == data.year.id)) or 0) + 1
    token = secrets.token_urlsafe(32)
    content = dict(snapshot or data.snapshot(student, actor))
    content.update({"token": token, "version": version, "issued_at": now.isoformat(timespec="seconds")})
    text = canonical_json(content)
    pdf = render_card(content, settings)
    name = f"{token}.pdf"
    (settings.folder / name).write_bytes(pdf, "application/pdf")
    card = ReportCard(school_id=data.school.id, student_id=student.id, school_year_id=data.year.id,
                      class_id=data.school_class.id, version=version, status=CardStatus.VALID, token=token,
                      snapshot=text, snapshot_sha256=sha256_hex(text.encode()), pdf_name=name,
                      pdf_sha256=sha256_hex(pdf), key_id=settings.signer.key_id, signature="", issued_at=now,
                      issued_by=actor.id)
    card.signature = settings.signer.sign(signed_message(card))
    if current is not None:
        current.status, current.superseded_at = CardStatus.SUPERSEDED, now
        session.flush()
    session.add(card)
    session.flush()
    audit.record(session, "report_card_reissued" if current else "report_card_issued", actor_id=actor.id,
                 school_id=data.school.id, subject_type="student", subject_id=student.id,
                 detail=f"{data.year.name} v{version}")
    return card


def check_can_issue(session: Session, actor: User, role: str, school_class: SchoolClass) -> ClassData:
    require_class(actor, role, school_class)
    if role != "admin":
        raise ValidationError(_l("Chỉ hiệu trưởng (quản trị trường) phát hành học bạ."))
    require_year_locked(session, school_class.school_year)
    return class_data(session, school_class)


def start_class_issue(session: Session, actor: User, role: str, school_class: SchoolClass, *, reissue: bool,
                      locale: str) -> jobs.Job:
    """Check that every pupil's year is complete, then issue the class in the background."""
    data = check_can_issue(session, actor, role, school_class)
    problems = [(r.student.full_name, data.missing(r.student.id)) for r in data.summary.rows]
    problems = [(name, missing) for name, missing in problems if missing]
    if problems:
        shown = "; ".join(f"{name} ({', '.join(missing)})" for name, missing in problems[:5])
        raise ValidationError(ngettext("Chưa phát hành: %(n)s học sinh còn thiếu dữ liệu — %(s)s%(more)s.", "Chưa phát hành: %(n)s học sinh còn thiếu dữ liệu — %(s)s%(more)s.", len(problems), n=len(problems), s=shown, more="…" if len(problems) > 5 else ""))
    return jobs.enqueue(session, actor.id, "report_cards", {"class_id": school_class.id, "reissue": reissue},
                        school_id=school_class.school_id, total=len(data.summary.rows), locale=locale)


@jobs.handler("report_cards")
def _issue_class(session: Session, ctx: jobs.JobContext) -> None:
    school_class = session.get(SchoolClass, ctx.params["class_id"])
    actor = session.get(User, ctx.job.user_id)
    settings = settings_from_config(ctx.config, ctx.render)
    data = class_data(session, school_class)
    # Snapshots are built before anything commits: committing expires loaded rows.
    work = [(row.student, data.snapshot(row.student, actor)) for row in data.summary.rows]
    label, year_name = school_class.name, data.year.name
    ctx.progress(0, len(work))
    for done, (student, snapshot) in enumerate(work, start=1):
        issue_card(session, actor, data, student, settings, now=utcnow(), reissue=bool(ctx.params.get("reissue")),
                   snapshot=snapshot)
        ctx.progress(done, message=str(_l("Vừa phát hành học bạ của %(n)s.", n=student.full_name)))
    archive = cards_zip(session, session.get(SchoolClass, ctx.params["class_id"]), settings.folder)
    ctx.progress(len(work), message=ngettext(
        "Đã phát hành học bạ cho %(n)s học sinh lớp %(c)s. Tải tệp nén để lưu hoặc in; từng học sinh và phụ huynh "
        "tải học bạ của mình ở trang Kết quả học tập.",
        "Đã phát hành học bạ cho %(n)s học sinh lớp %(c)s. Tải tệp nén để lưu hoặc in; từng học sinh và phụ huynh "
        "tải học bạ của mình ở trang Kết quả học tập.", len(work), n=len(work), c=label))
    ctx.save_result(archive, "zip", f"Học bạ {label} {year_name}.zip")


def card_filename(card: ReportCard) -> str:
    return f"Học bạ {card.student.student_code} {card.student.full_name} v{card.version}.pdf"


def cards_zip(session: Session, school_class: SchoolClass, folder: Area) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for card in sorted(cards_of_class(session, school_class).values(), key=lambda c: c.student.sort_name):
            zf.writestr(card_filename(card), (folder / card.pdf_name).read_bytes())
    return buf.getvalue()


# ---------------------------------------------------------------- verification

@dataclass
class Verification:
    card: ReportCard
    authentic: bool
    problems: list[str]
    snapshot: dict | None
    newer: ReportCard | None
    changed: bool = False     # the record was corrected after this card was issued


def verify_card(session: Session, token: str, folder: Area, signer: Signer) -> Verification:
    """Check the stored snapshot and PDF against the signature, for the public page."""
    import json

    card = session.scalars(select(ReportCard).where(ReportCard.token == token)).first()
    if card is None:
        raise NotFound(_l("Không có học bạ nào mang mã xác minh này."))
    problems = []
    if sha256_hex(card.snapshot.encode()) != card.snapshot_sha256:
        problems.append(str(_l("Dữ liệu học bạ lưu trên hệ thống không còn khớp với bản đã ký.")))
    try:
        stored = (folder / card.pdf_name).read_bytes()
    except Missing:
        stored = None
    if stored is None or sha256_hex(stored) != card.pdf_sha256:
        problems.append(str(_l("Tệp PDF lưu trên hệ thống không còn khớp với bản đã ký.")))
    if not signer.verify(signed_message(card), card.signature, card.key_id):
        problems.append(str(_l("Chữ ký số của nhà trường không hợp lệ.")))
    try:
        snapshot = json.loads(card.snapshot)
    except ValueError:
        snapshot = None
    newer = None
    if card.status == CardStatus.SUPERSEDED:
        newer = current_card(session, card.student_id, card.school_year_id)
    changed = not problems and card.id in changed_of_student(session, [card])
    return Verification(card, not problems, problems, snapshot if not problems else None, newer, changed)


def file_matches(verification: Verification, data: bytes) -> bool:
    """Whether an uploaded file is, byte for byte, the PDF that was signed."""
    return verification.authentic and sha256_hex(data) == verification.card.pdf_sha256


def earlier_match(session: Session, verification: Verification, data: bytes) -> ReportCard | None:
    """The earlier, superseded version of the same card that an uploaded file is, byte for byte —
    an authentic copy of a version since replaced, not a forgery."""
    digest = sha256_hex(data)
    card = verification.card
    return session.scalars(select(ReportCard).where(
        ReportCard.student_id == card.student_id, ReportCard.school_year_id == card.school_year_id,
        ReportCard.version < card.version, ReportCard.pdf_sha256 == digest)).first()


def issued_counts(session: Session, class_ids: list[int]) -> dict[int, int]:
    """Valid report cards per class, in one query."""
    if not class_ids:
        return {}
    return dict(session.execute(select(ReportCard.class_id, func.count()).where(
        ReportCard.class_id.in_(class_ids), ReportCard.status == CardStatus.VALID).group_by(ReportCard.class_id)).all())


def cards_of_student(session: Session, student: Student) -> list[ReportCard]:
    return list(session.scalars(select(ReportCard).where(ReportCard.student_id == student.id)
                                .order_by(ReportCard.school_year_id.desc(), ReportCard.version.desc())))
