"""Exporting questions: to GIFT (for Moodle) and to the Word format teachers print and edit
(“Câu 1.”, options with the right one underlined, an answer table at the end) — the same format
the importer reads, so an exported file comes back unchanged."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from lms.core.uploads import stored_path

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


def _percent(fraction: str) -> str:
    value = (Decimal(fraction) * 100).normalize()
    return format(value, "f")


def _feedback(text: str) -> str:
    return f" #{_esc(text)}" if text else ""


def to_gift(items: list[ExportItem]) -> str:
    """GIFT text; a four-statement true/false cluster (not a GIFT kind) becomes four true/false
    questions named “… a)” to “… d)”."""
    out: list[str] = []
    category = None
    for item in items:
        if item.category != category:
            category = item.category
            out.append(f"$CATEGORY: {category}\n")
        head = f"::{_esc(item.name)}:: " if item.name else ""
        text, data = _esc(item.text), item.data
        general = f"####{_esc(item.general_feedback)}" if item.general_feedback else ""
        if item.qtype == "single_choice":
            body = " ".join(("=" if o["fraction"] == "1" else "~" if o["fraction"] == "0" else f"~%{_percent(o['fraction'])}%")
                            + _esc(o["text"]) + _feedback(o.get("feedback", "")) for o in data["options"])
        elif item.qtype == "multiple_choice":
            body = " ".join(f"~%{_percent(o['fraction'])}%{_esc(o['text'])}{_feedback(o.get('feedback', ''))}"
                            for o in data["options"])
        elif item.qtype == "true_false":
            body = ("T" if data.get("answer") else "F") + _feedback(data.get("feedback_false" if data.get("answer")
                                                                            else "feedback_true", ""))
        elif item.qtype == "short_answer":
            body = " ".join(("=" if a["fraction"] == "1" else f"=%{_percent(a['fraction'])}%") + _esc(a["text"])
                            + _feedback(a.get("feedback", "")) for a in data["answers"])
        elif item.qtype == "numerical":
            body = "#" + " ".join(("=" if len(data["answers"]) > 1 else "")
                                  + ("" if a["fraction"] == "1" else f"%{_percent(a['fraction'])}%")
                                  + f"{a['value']}:{a['tolerance']}" + _feedback(a.get("feedback", ""))
                                  for a in data["answers"])
        elif item.qtype == "matching":
            pairs = [f"={_esc(p['left'])} -> {_esc(p['right'])}" for p in data["pairs"]]
            pairs += [f"= -> {_esc(d['right'])}" for d in data.get("distractors", [])]
            body = " ".join(pairs)
        elif item.qtype == "essay":
            body = ""
        elif item.qtype == "tf_cluster":
            for letter, statement in zip("abcd", data["statements"]):
                out.append(f"::{_esc(item.name or 'Câu')} {letter})::{text}\\n{letter}) {_esc(statement['text'])} "
                           f"{{{'T' if statement['answer'] else 'F'}}}\n")
            continue
        else:  # description
            out.append(f"{head}{text}\n")
            continue
        out.append(f"{head}{text} {{{body}{general}}}\n")
    return "\n".join(out)


def to_docx(items: list[ExportItem], title: str, image_folder: Path) -> bytes:
    """A Word document in the import format: sections per category, the right option underlined,
    four statements a)–d), “Đáp án:” for short answers, and the answer table at the end."""
    from docx import Document
    from docx.shared import Cm, Pt

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
        data = item.data
        if item.qtype in ("single_choice", "multiple_choice"):
            right = []
            for letter, option in zip("ABCDEF", data["options"]):
                line = document.add_paragraph()
                run = line.add_run(f"{letter}. {option['text']}")
                if Decimal(option["fraction"]) > 0:
                    run.underline = True
                    right.append(letter)
            key.append(f"{number}-{''.join(right)}")
        elif item.qtype == "tf_cluster":
            for letter, statement in zip("abcd", data["statements"]):
                document.add_paragraph(f"{letter}) {statement['text']}")
            key.append(f"{number}-{''.join('Đ' if s['answer'] else 'S' for s in data['statements'])}")
        elif item.qtype == "true_false":
            document.add_paragraph("A. Đúng").runs[0].underline = bool(data.get("answer"))
            document.add_paragraph("B. Sai").runs[0].underline = not data.get("answer")
            key.append(f"{number}-{'A' if data.get('answer') else 'B'}")
        elif item.qtype == "numerical":
            document.add_paragraph(f"Đáp án: {data['answers'][0]['value'].replace('.', ',')}")
        elif item.qtype == "short_answer":
            document.add_paragraph("Đáp án: " + "; ".join(a["text"] for a in data["answers"] if a["fraction"] == "1"))
        elif item.qtype == "matching":
            for p in data["pairs"]:
                document.add_paragraph(f"{p['left']} → {p['right']}")
        if item.general_feedback:
            document.add_paragraph(f"Lời giải: {item.general_feedback}")
    if key:
        document.add_paragraph().add_run("ĐÁP ÁN").bold = True
        document.add_paragraph("   ".join(key))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _text_with_images(document, paragraph, text: str, folder: Path, width) -> None:
    """The question's text, its pictures from the question-image store placed where they stand."""
    position = 0
    for match in IMAGE.finditer(text):
        if match.start() > position:
            paragraph.add_run(text[position:match.start()])
        try:
            path = stored_path(folder, match.group(1))
            paragraph.add_run().add_picture(str(path), width=width)
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
    from lms.exams.services import draw

    chosen = [q for q, _mark, _rule in draw(session, exam, Random(exam.id))]
    return [_item(q, q.current, category_path(q.category)) for q in chosen if q.current is not None]


def _item(question, version, category: str) -> ExportItem:
    return ExportItem(question.name or "", question.qtype, version.text, version.data, version.general_feedback or "",
                      category)
