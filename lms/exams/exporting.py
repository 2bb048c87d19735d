"""Exporting questions: to GIFT (for Moodle) and to the Word format teachers print and edit
(“Câu 1.”, options with the right one underlined, an answer table at the end) — the same format
the importer reads, so an exported file comes back unchanged."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass

from lms.core.storage import Area

GIFT_SPECIAL = "\\~=#{}:"
IMAGE = re.compile(r"!\[[^\]]*\]\(/question-images/([^)]+)\)")


@dataclass
class ExportItem:
    """A question as exported: what it said (one version) and where it sits."""
    name: str
    qtype: str
    text: str
    data: dict
    general_feedback: str
    category: str


def _esc(text: str) -> str:
    return "".join("\\" + ch if ch in GIFT_SPECIAL else ch for ch in (text or "")).replace("\n", "\\n")


def to_gift(items: list[ExportItem]) -> str:
    """GIFT text, each question written by its type (a four-statement true/false cluster, not a
    GIFT kind, becomes four true/false questions named “… a)” to “… d)”)."""
    from lms.exams.qtypes import TYPES

    out: list[str] = []
    category = None
    for item in items:
        if item.category != category:
            category = item.category
            out.append(f"$CATEGORY: {category}\n")
        out.extend(TYPES[item.qtype].gift(_esc(item.name), _esc(item.text), item.data, _esc(item.general_feedback),
                                          _esc))
    return "\n".join(out)


def to_docx(items: list[ExportItem], title: str, image_folder: Area) -> bytes:
    """A Word document in the import format: sections per category, the right option underlined,
    four statements a)–d), “Đáp án:” for short answers, and the answer table at the end."""
    from docx import Document
    from docx.shared import Cm, Pt

    from lms.exams.qtypes import TYPES

    document = Document()
    style = document.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(13)
    document.add_heading(title, level=1)
    key: list[str] = []
    category = None
    for number, item in enumerate(items, start=1):
        if item.category != category and item.category:
            category = item.category
            document.add_paragraph().add_run(f"Chủ đề: {category}").bold = True
        paragraph = document.add_paragraph()
        paragraph.add_run(f"Câu {number}. ").bold = True
        _text_with_images(document, paragraph, item.text, image_folder, Cm(8))
        TYPES[item.qtype].write_docx(document, item.data, number, key)
        if item.general_feedback:
            document.add_paragraph(f"Lời giải: {item.general_feedback}")
    if key:
        document.add_paragraph().add_run("ĐÁP ÁN").bold = True
        document.add_paragraph("   ".join(key))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _text_with_images(document, paragraph, text: str, folder: Area, width) -> None:
    """The question's text, its pictures from the question-image store placed where they stand."""
    position = 0
    for match in IMAGE.finditer(text):
        if match.start() > position:
            paragraph.add_run(text[position:match.start()])
        try:
            picture = io.BytesIO((folder / match.group(1)).read_bytes())
            paragraph.add_run().add_picture(picture, width=width)
        except Exception:  # a missing or unreadable picture: keep its address as text
            paragraph.add_run(match.group(0))
        position = match.end()
    paragraph.add_run(text[position:])


# ---------------------------------------------------------------- what to export

def items_of_category(session, category) -> list[ExportItem]:
    """The category's questions and those of its sub-categories (current versions), in bank order."""
    from sqlalchemy import select

    from lms.exams.bank import category_path, descendants
    from lms.exams.models import Question, QuestionCategory

    ids = descendants(session, category)
    names = {c.id: category_path(c) for c in session.scalars(select(QuestionCategory).where(QuestionCategory.id.in_(ids)))}
    questions = session.scalars(select(Question).where(Question.category_id.in_(ids), Question.status != "retired")
                                .order_by(Question.category_id, Question.id))
    return [_item(q, q.current, names[q.category_id]) for q in questions if q.current is not None]


def items_of_exam(session, exam) -> list[ExportItem]:
    """A fixed-list exam's questions in order; for a blueprint, one draw of it (the same every time)."""
    from random import Random

    from lms.exams.bank import category_path
    from lms.exams.drawing import draw

    chosen = [q for q, _mark, _rule in draw(session, exam, Random(exam.id))]
    return [_item(q, q.current, category_path(q.category)) for q in chosen if q.current is not None]


def _item(question, version, category: str) -> ExportItem:
    return ExportItem(question.given_name, question.qtype, version.text, version.data, version.general_feedback or "",
                      category)
