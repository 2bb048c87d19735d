"""Printed versions of an exam (đề in, mã đề): N versions drawn from the exam's fixed list or
blueprint, questions and options shuffled per version as the exam's settings say, each with its
test code; a PDF with one booklet per version, an answer sheet, and the answer key per code.

A version is decided by the exam and its code alone (the random generator is seeded with both),
so printing again gives the same papers.
"""
from __future__ import annotations

import base64
import functools
import html
import io
import re
from dataclasses import dataclass
from random import Random

from sqlalchemy.orm import Session

from lms.core.errors import ValidationError
from lms.core.markdown import render_markdown
from lms.exams import grading
from lms.exams.models import Exam
from lms.i18n import lazy_gettext as _l

MAX_VERSIONS = 24
MATH = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$|(?<![\\$])\$(?![\s$])(.+?)(?<![\s\\])\$(?!\$)", re.S)


@dataclass
class PrintedQuestion:
    number: int
    qtype: str
    text_html: str
    options: list[str]          # HTML of each option, in this version's order
    statements: list[str]       # tf_cluster
    key: str                    # "B", "AC", "ĐSĐĐ", "3,75", "—" (essay)
    mark_e4: int


@dataclass
class Version:
    code: str
    questions: list[PrintedQuestion]


def versions(session: Session, exam: Exam, count: int, first_code: int, image_folder=None) -> list[Version]:
    from lms.exams.services import draw

    if not 1 <= count <= MAX_VERSIONS:
        raise ValidationError(_l("Số mã đề từ 1 đến %(n)s.", n=MAX_VERSIONS), field="count")
    if not 1 <= first_code <= 9999 - count:
        raise ValidationError(_l("Mã đề đầu tiên là số từ 1 đến 9999."), field="first_code")
    out = []
    for i in range(count):
        code = f"{first_code + i:03d}"
        rng = Random(f"{exam.id}:{code}")
        chosen = draw(session, exam, rng)
        if exam.shuffle_questions:
            rng.shuffle(chosen)
        questions = [_printed(n, question, mark, rng, exam.shuffle_options, image_folder)
                     for n, (question, mark, _rule) in enumerate(
                         [c for c in chosen if c[0].qtype != "description"], start=1)]
        out.append(Version(code, questions))
    return out


def _printed(number: int, question, mark_e4: int, rng: Random, shuffle: bool, folder) -> PrintedQuestion:
    version = question.current
    qt = grading.TYPES[question.qtype]
    layout = qt.layout(version.data, rng, shuffle)
    public = qt.public(version.data, layout)
    right = qt.right(version.data)
    options, statements, key = [], [], "—"
    if question.qtype in ("single_choice", "multiple_choice"):
        shown = public.get("options", [])
        options = [print_html(o["text"]) for o in shown]
        wanted = {right} if isinstance(right, str) else set(right or [])
        key = "".join("ABCDEFGH"[i] for i, o in enumerate(shown) if o["id"] in wanted)
    elif question.qtype == "true_false":
        options = ["Đúng", "Sai"]
        key = "A" if right else "B"
    elif question.qtype == "tf_cluster":
        statements = [print_html(s["text"]) for s in public.get("statements", [])]
        key = "".join("Đ" if right.get(s["id"]) else "S" for s in public.get("statements", []))
    elif question.qtype == "numerical":
        key = version.data["answers"][0]["value"].replace(".", ",")
    elif question.qtype == "short_answer":
        key = next((a["text"] for a in version.data["answers"] if a["fraction"] == "1"), "")
    elif question.qtype == "matching":
        statements = [print_html(f"{p['left']} → ……") for p in version.data.get("pairs", [])]
        key = "; ".join(f"{p['left']} → {p['right']}" for p in version.data.get("pairs", []))
    return PrintedQuestion(number, question.qtype, print_html(version.text, folder), options, statements, key, mark_e4)


@functools.lru_cache(maxsize=2048)
def formula_svg(latex: str, display: bool) -> str:
    """A formula drawn by matplotlib's mathtext as an inline SVG image (PDFs cannot show MathML);
    one it cannot draw is printed as its source."""
    from matplotlib import mathtext, rc_context
    from matplotlib.font_manager import FontProperties

    buffer = io.BytesIO()
    try:
        with rc_context({"mathtext.fontset": "dejavuserif", "svg.fonttype": "path"}):
            mathtext.math_to_image(f"${latex}$", buffer, format="svg", dpi=72, prop=FontProperties(size=13))
    except Exception:  # mathtext raises ValueError and parser errors of several kinds
        return f"<code>{html.escape(latex)}</code>"
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    css = "display:block;margin:4pt auto" if display else "vertical-align:middle"
    return f'<img class="formula" style="{css}" src="data:image/svg+xml;base64,{data}" alt="{html.escape(latex)}">'


def print_html(text: str, folder=None) -> str:
    """Markdown for print: formulas as pictures, the bank's own pictures inlined (the PDF renderer
    fetches nothing), the rest as on screen; without the paragraph around a single line."""
    formulas: dict[str, str] = {}

    def stash(match: re.Match) -> str:
        key = f"FORMULA{len(formulas)}X"
        display = match.group(1) is not None
        formulas[key] = formula_svg((match.group(1) or match.group(2)).strip(), display)
        return key

    rendered = render_markdown(MATH.sub(stash, text or ""), math=False)
    for key, svg in formulas.items():
        rendered = rendered.replace(key, svg)
    if folder is not None:
        rendered = re.sub(r'src="/question-images/([^"]+)"', lambda m: f'src="{_inline(folder, m.group(1))}"', rendered)
    if rendered.startswith("<p>") and rendered.rstrip().endswith("</p>") and rendered.count("<p>") == 1:
        rendered = rendered.strip()[3:-4]
    return rendered


def _inline(folder, name: str) -> str:
    from lms.core.uploads import stored_path

    try:
        data = stored_path(folder, name).read_bytes()
    except (OSError, ValidationError):
        return ""
    ext = name.rsplit(".", 1)[-1]
    return f"data:image/{'jpeg' if ext == 'jpg' else ext};base64,{base64.b64encode(data).decode('ascii')}"


def booklet_pdf(school, exam: Exam, items: list[Version], render) -> bytes:
    """One PDF: a booklet per version, an answer sheet per version, then the key of every code.
    `render(template, **context)` renders the HTML (the caller's Jinja environment)."""
    from lms.core.pdf import render_pdf

    longest = max((len(v.questions) for v in items), default=0)
    return render_pdf(render("exams/print_pdf.html", school=school, exam=exam, versions=items, longest=longest))
