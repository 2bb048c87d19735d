"""Importing questions into the bank from GIFT, Aiken, and the Word / plain-text format of
Vietnamese teachers (“Câu 1.” … “A.” … with an answer table or marked options).

A file is first *planned*: read, every question converted to the registry's data and checked,
every problem listed with its line — nothing is stored. Only a plan without errors is *applied*,
in one go, into the chosen category (sections and GIFT `$CATEGORY:` lines become sub-categories).
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core import audit
from lms.core.errors import DomainError, ValidationError, problems_of
from lms.core.text import nfc, nfc_text
from lms.core.storage import Area
from lms.core.uploads import check_upload, without_metadata
from lms.exams import bank, qtypes
from lms.exams.formats import FormatError, ImportedQuestion, aiken, gift, word
from lms.exams.mathtext import title_of
from lms.exams.models import QuestionCategory
from lms.exams.permissions import require_category
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.people.models import School

FORMATS = {"auto": _l("Tự nhận biết theo tệp"), "word": _l("Word / văn bản (Câu 1. … A. B. C. D.)"),
           "gift": _l("GIFT (Moodle)"), "aiken": _l("Aiken")}
MAX_BYTES = 10 * 1024 * 1024
MAX_QUESTIONS = 500
# The types answered against a key: one imported without any answer is a short answer without a key.
KEYED_TYPES = ("short_answer", "numerical")
IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


@dataclass
class PlannedQuestion:
    position: int                # 1, 2, … in the file
    line: int | None             # where it starts, when the format tells
    label: str                   # where it is in the file: "Câu 3" (Word), the GIFT name, "Câu thứ 3"
    qtype: str
    text: str                    # Markdown, images as image:N until applied
    data: dict
    general_feedback: str
    category: str | None         # the sub-category path as shown ("Toán 6 / Số tự nhiên")
    path: tuple[str, ...] = ()   # its names, outermost first
    name: str = ""               # its name in the bank: the file's own, or the first words of its text
    mark_e4: int | None = None   # the marks the file gives it ("Câu 3 (0,5 điểm)"); None: the import's default

    @property
    def guide(self) -> str:
        """Its marking guide, for the teacher (an essay's "Hướng dẫn chấm" or answer-section text)."""
        return self.data.get("guide") or ""


@dataclass
class ImportPlan:
    fmt: str
    questions: list[PlannedQuestion] = field(default_factory=list)
    errors: list[tuple[int | None, str]] = field(default_factory=list)
    images: list[tuple[str, bytes]] = field(default_factory=list)
    skipped: list[tuple[str, int, str]] = field(default_factory=list)   # (where, line, text): see word.Parsed
    unit: str = "line"                                  # what error numbers count: "line" or "paragraph" (Word)
    owners: dict[tuple[int | None, str], int] = field(default_factory=dict)   # an error → its question's line
    # Questions not read: line, label, part, and their text as written (shown with their errors).
    failed: list[tuple[int, str, str | None, str | None]] = field(default_factory=list)
    kept_as_essay: list[tuple[int | None, str]] = field(default_factory=list)  # keyless short answers the teacher keeps as essays

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.questions)

    def placed_errors(self) -> tuple[dict[int, list[tuple[int | None, str]]], list[tuple[int | None, str]]]:
        """The errors of each question (keyed by the line it starts on: a number such as "Câu 1"
        may come again in a later part), for the preview to show on its card; and the others."""
        inside: dict[int, list[tuple[int | None, str]]] = {}
        loose = []
        for error in self.errors:
            owner = self.owners.get(error)
            if owner is None:
                loose.append(error)
            else:
                inside.setdefault(owner, []).append(error)
        return inside, loose

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for q in self.questions:
            out[q.qtype] = out.get(q.qtype, 0) + 1
        return out


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with a BOM (Notepad's “Unicode”); NFC."""
    import unicodedata

    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(_l("Tệp không phải văn bản UTF-8. Trong Notepad chọn Lưu thành → Mã hóa UTF-8 rồi "
                                     "tải lên lại (hoặc dùng tệp Word .docx)."), field="file") from None
    return unicodedata.normalize("NFC", text)


_ZIP, _OLE2 = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _word_file(filename: str, data: bytes) -> bool:
    """Whether the upload is a Word document (.docx, a zip). A file named as a Word document that
    is not one, and Word 97–2003's .doc, are refused with what to do, never read as text."""
    name = (filename or "").lower()
    if data[:8] == _OLE2 or name.endswith(".doc"):
        raise ValidationError(_l("Tệp là tài liệu Word 97–2003 (.doc), chưa đọc được: trong Word chọn Lưu thành → "
                                 "Tài liệu Word (.docx) rồi tải lên lại."), field="file")
    if data[:4] == _ZIP:
        return True
    if name.endswith(".docx"):
        raise ValidationError(_l("Tệp “%(name)s” không phải là tài liệu Word (.docx), có thể đã hỏng hoặc bị đổi "
                                 "tên: mở bằng Word, chọn Lưu thành → Tài liệu Word (.docx) rồi tải lên lại.",
                                 name=filename), field="file")
    return False


def detect(filename: str, text: str | None) -> str:
    name = (filename or "").lower()
    if name.endswith(".docx"):
        return "word"
    if name.endswith(".gift"):
        return "gift"
    sample = text or ""
    if re.search(r"(?im)^\s*(câu|cau)\s*\d+\s*[.:)]", sample):
        return "word"
    if re.search(r"(?im)^answer:\s*[a-z]\s*$", sample):
        return "aiken"
    return "gift"


def plan_import(filename: str, data: bytes, fmt: str = "auto", *, keyless_as_essay: bool = False) -> ImportPlan:
    """Read the file and check every question; stores nothing. A question's type is the file's: a
    short answer without a key is refused on its card, unless the teacher chose to keep such
    questions as essays (`keyless_as_essay`, marked by hand), each then listed in `kept_as_essay`."""
    if not data:
        raise ValidationError(_l("Tệp rỗng."), field="file")
    if len(data) > MAX_BYTES:
        raise ValidationError(_l("Tệp lớn quá 10 MB."), field="file")
    if fmt not in FORMATS:
        raise ValidationError(_l("Chọn định dạng tệp."), field="fmt")
    is_docx = _word_file(filename, data)
    text = None if is_docx else decode(data)
    if fmt == "auto":
        fmt = "word" if is_docx else detect(filename, text)
    if is_docx and fmt != "word":
        raise ValidationError(_l("Tệp Word chỉ nhập theo định dạng “Câu 1. … A. B. C. D.”."), field="fmt")
    plan = ImportPlan(fmt)
    if fmt == "word":
        plan.unit = "paragraph" if is_docx else "line"
        parsed = word.parse_docx(data) if is_docx else word.parse_text(text)
        plan.errors.extend(parsed.errors)
        plan.owners = dict(parsed.owners)
        plan.failed = [(q.line, str(_l("Câu %(n)s", n=q.number)), q.category, q.text) for q in parsed.failed]
        plan.images, plan.skipped = parsed.images, parsed.skipped
        found = [(q.line, str(_l("Câu %(n)s", n=q.number)), q.question) for q in parsed.questions]
    else:
        try:
            found = [(None, q.name, q) for q in (gift.parse(text) if fmt == "gift" else aiken.parse(text))]
        except FormatError as exc:
            plan.errors.append((exc.line, exc.reason))
            return plan
    if len(found) > MAX_QUESTIONS:
        plan.errors.append((None, str(ngettext("Tệp có %(n)s câu; mỗi lần nhập tối đa %(m)s câu.", "Tệp có %(n)s câu; mỗi lần nhập tối đa %(m)s câu.", len(found), n=len(found), m=MAX_QUESTIONS))))
        return plan
    for position, (line, label, imported) in enumerate(found, start=1):
        label = label or str(_l("Câu thứ %(n)s", n=position))
        if imported.qtype in KEYED_TYPES and not imported.answers:
            if not keyless_as_essay:
                plan.errors.append((line, f"{label}: " + str(_l(
                    "câu trả lời ngắn chưa có đáp án — ghi đáp án của câu vào bảng đáp án (ví dụ 1-3,75), hoặc "
                    "đánh dấu “Giữ câu trả lời ngắn chưa có đáp án thành câu tự luận” rồi xem trước lại"))))
                if line is not None:
                    plan.owners[plan.errors[-1]] = line
                    plan.failed.append((line, label, imported.category, _as_written(imported)))
                continue
            imported = dataclasses.replace(imported, qtype="essay")   # the teacher's choice, said in the preview
            plan.kept_as_essay.append((line, label))
        try:
            qtype, data_, text_, feedback = _convert(imported)
            mark_e4 = bank.to_e4(imported.mark) if getattr(imported, "mark", None) else None
        except DomainError as exc:
            for problem in problems_of(exc):     # each of the question's mistakes on its own line
                plan.errors.append((line, f"{label}: {problem.message}"))
                if line is not None:
                    plan.owners[plan.errors[-1]] = line
            if line is not None:
                plan.failed.append((line, label, imported.category, _as_written(imported)))
            continue
        # A GIFT category is a path; a Word section is one name (“Phần II. Đúng/Sai” has a slash).
        path = category_path(imported.category) if fmt == "gift" else \
            ((nfc(imported.category)[:200],) if nfc(imported.category) else ())
        plan.questions.append(PlannedQuestion(position, line, label, qtype, nfc_text(text_), data_,
                                              nfc_text(feedback), " / ".join(path) or None, path,
                                              nfc(imported.name) or title_of(text_), mark_e4))
    return plan


def _as_written(imported) -> str:
    """A question that could not be saved, as the file writes it: its text and its options."""
    options = [f"{'ABCDEFGH'[i]}. {a.text}" for i, a in enumerate(imported.answers[:8])] \
        if imported.qtype in ("single_choice", "multiple_choice") else []
    return "\n".join([imported.text, *options])


# Moodle writes a category as a path from its context: "$course$/top/Toán 6/Số tự nhiên" ("//" is a
# slash inside a name). The context and its "top" are Moodle's, not the teacher's categories.
_CONTEXT = re.compile(r"^\$[a-z0-9]+\$$", re.IGNORECASE)


def category_path(text: str | None) -> tuple[str, ...]:
    """A `$CATEGORY:` or section line as the names of nested sub-categories, without Moodle's
    context (`$course$`, `$system$`, `$module$`, `$cat1$`…) and its `top`."""
    parts = [nfc(p.replace("\x00", "/"))[:200] for p in (text or "").replace("//", "\x00").split("/")]
    parts = [p for p in parts if p]
    if parts and _CONTEXT.match(parts[0]):
        parts = parts[1:]
        if parts and parts[0].lower() == "top":
            parts = parts[1:]
    elif parts and parts[0].lower() == "top" and len(parts) > 1:
        parts = parts[1:]
    return tuple(parts)


def _convert(imported: ImportedQuestion) -> tuple[str, dict, str, str]:
    if not (imported.text or "").strip():
        raise ValidationError(_l("thiếu nội dung câu hỏi"))
    return qtypes.from_imported(imported)


@dataclass
class ApplyResult:
    created: int
    categories: int


def apply_import(session: Session, actor: User, role: str, school: School, category: QuestionCategory,
                 plan: ImportPlan, *, now: datetime, image_folder: Area, level: int = 1, topic: str = "",
                 mark: str = "1") -> ApplyResult:
    """Save every planned question (only a plan without errors) into `category`, sections as
    sub-categories; images go to the question-image store."""
    if not plan.ok:
        raise ValidationError(_l("Tệp còn lỗi: sửa rồi tải lên lại; chưa có câu nào được lưu."))
    require_category(session, actor, role, category, edit=True)
    urls = store_images(plan.images, image_folder)
    made = 0
    known: dict[tuple[int, str], QuestionCategory] = {}

    def child(parent: QuestionCategory, name: str) -> QuestionCategory:
        nonlocal made
        if (parent.id, name) not in known:
            found = session.scalars(select(QuestionCategory).where(QuestionCategory.parent_id == parent.id,
                                                                   QuestionCategory.name == name)).first()
            if found is None:
                found = bank.save_category(session, actor, role, school, subject_id=category.subject_id, name=name,
                                           parent_id=parent.id)
                made += 1
            known[(parent.id, name)] = found
        return known[(parent.id, name)]

    for q in plan.questions:
        target = category
        for name in q.path:
            target = child(target, name)
        bank.save_question(session, actor, role, school, bank.QuestionInput(
            category_id=target.id, qtype=q.qtype, text=with_images(q.text, urls), data=q.data,
            general_feedback=q.general_feedback, name=q.name[:200], topic=topic, level=level,
            default_mark=bank.e4_text(q.mark_e4) if q.mark_e4 else mark),
            now=now)
    audit.record(session, "questions_imported", actor_id=actor.id, school_id=school.id,
                 subject_type="question_category", subject_id=category.id,
                 detail=f"{plan.fmt}: {len(plan.questions)} questions")
    return ApplyResult(len(plan.questions), made)


def with_images(text: str, urls: list[str]) -> str:
    """The question's Markdown with each `image:N` placeholder pointing at its stored picture."""
    return re.sub(r"!\[\]\(image:(\d+)\)", lambda m: f"![]({urls[int(m.group(1))]})"
                  if int(m.group(1)) < len(urls) and urls[int(m.group(1))] else "", text)


def store_images(images: list[tuple[str, bytes]], folder: Area) -> list[str]:
    """Each image checked by content, stripped of metadata and stored under its hash; the
    addresses are unguessable and served only to signed-in users."""
    urls = []
    for content_type, blob in images:
        ext = IMAGE_TYPES.get(content_type)
        if ext is None:
            urls.append("")
            continue
        checked, clean = without_metadata(check_upload(f"anh.{ext}", blob, {"image": 10, "document": 0, "audio": 0,
                                                                             "video": 0}), blob)
        urls.append("/question-images/" + folder.save(checked, clean))
    return urls
