"""Printed versions of an exam (đề in, mã đề): N versions drawn from the exam's fixed list or
blueprint, questions and options shuffled per version as the exam's settings say, each with its
test code; a PDF with one booklet per version, an answer sheet, and the answer key per code.

The versions are stored (`ExamPaper`), composed by the attempts' own composer, so printing again
gives the same papers and an exam can be sat online on the same versions (each attempt then gets
one of them).
"""
from __future__ import annotations

import base64
import functools
import html
import re
from dataclasses import dataclass
from random import Random

from sqlalchemy.orm import Session

from lms.core.errors import Conflict, ValidationError
from lms.core.markdown import MATH, render_markdown
from lms.exams import qtypes
from lms.exams.qtypes.base import as_written
from lms.exams.models import Exam, ExamPaper, ExamPaperItem
from lms.i18n import lazy_gettext as _l

MAX_VERSIONS = 24


@dataclass
class PrintedQuestion:
    number: int
    qtype: str
    text_html: str
    options: list[str]          # HTML of each option, in this version's order
    statements: list[str]       # tf_cluster
    key: str                    # HTML: "B", "AC", "ĐSĐĐ", "3,75", "—" (essay), a matching's pairs with math
    mark_e4: int
    part: str | None = None     # the heading of the part this question opens ("PHẦN II. …")


@dataclass
class Version:
    code: str
    questions: list[PrintedQuestion]

    @property
    def numbered(self) -> list[PrintedQuestion]:
        return [q for q in self.questions if q.qtype != "description"]

    @property
    def parts(self) -> list[tuple[str | None, list[PrintedQuestion]]]:
        """The numbered questions by part, each with its heading (one untitled part when the paper
        has no parts): the answer sheet follows the booklet's parts."""
        out: list[tuple[str | None, list[PrintedQuestion]]] = []
        for q in self.questions:
            if q.part or not out:
                out.append((q.part, []))
            if q.qtype != "description":
                out[-1][1].append(q)
        return [(title, questions) for title, questions in out if questions]


def seed_of(exam: Exam, code: str) -> int:
    """The random seed of a version: the exam and the code decide it."""
    import hashlib

    return int.from_bytes(hashlib.sha256(f"{exam.id}:{code}".encode()).digest()[:4], "big") & 0x7FFFFFFF


LAST_CODE = 999


def code_problems(count: str, first_code: str) -> list[ValidationError]:
    """Every mistake in how many versions to make and the first code, each on its field, at once:
    a count of 0 and a first code of "abc" are said together. The codes run from the first one
    up, so the last (first + count - 1) may not pass 999: with 3 versions the first is at most 997."""
    problems = []
    count, first_code = count.strip(), first_code.strip()
    number = int(count) if count.isdigit() and len(count) < 6 else None
    if number is None or not 1 <= number <= MAX_VERSIONS:
        problems.append(ValidationError(_l("Nhập số mã đề cần tạo: từ 1 đến %(n)s (đã nhập “%(v)s”).",
                                           n=MAX_VERSIONS, v=count[:12]), field="count"))
    first = int(first_code) if first_code.isdigit() and len(first_code) < 6 else None
    if not first_code:
        problems.append(ValidationError(_l("Nhập mã đề đầu tiên: một số từ 1 đến %(n)s, ví dụ 101.", n=LAST_CODE),
                                        field="first_code"))
    elif first is None or not 1 <= first <= LAST_CODE:
        problems.append(ValidationError(_l("Mã đề đầu tiên là số từ 1 đến %(n)s (đã nhập “%(v)s”).",
                                           n=LAST_CODE, v=first_code[:12]), field="first_code"))
    elif number is not None and 1 <= number <= MAX_VERSIONS and first + number - 1 > LAST_CODE:
        problems.append(ValidationError(_l("Với %(c)s mã đề, mã đề đầu tiên từ 1 đến %(m)s: các mã đề %(a)s–%(b)s "
                                           "vượt quá %(n)s.", c=number, m=LAST_CODE - number + 1, a=first,
                                           b=first + number - 1, n=LAST_CODE), field="first_code"))
    return problems


def make_papers(session: Session, actor, role: str, exam: Exam, count: int, first_code: int) -> list[ExamPaper]:
    """(Re)make the exam's printed versions, frozen: the question versions they show are marked
    used, so a later edit of a question makes a new version and the papers stay as printed."""
    from sqlalchemy import func, select

    from lms.core import audit
    from lms.exams.attempts import freeze_versions
    from lms.exams.drawing import compose
    from lms.exams.models import Attempt
    from lms.exams.permissions import require_exam

    require_exam(actor, role, exam)
    problems = code_problems(str(count), str(first_code))
    if problems:
        raise problems[0]
    if session.scalar(select(func.count()).select_from(Attempt).where(Attempt.exam_id == exam.id,
                                                                     Attempt.paper_id.is_not(None))):
        raise Conflict(_l("Học sinh đã làm bài trực tuyến theo các mã đề này: không tạo lại được."))
    for old in papers_of(session, exam):
        session.delete(old)
    session.flush()
    made, shown = [], set()
    for i in range(count):
        code = f"{first_code + i:03d}"
        paper = ExamPaper(exam_id=exam.id, code=code)
        for position, (question, mark, rule, version, layout) in enumerate(
                compose(session, exam, Random(seed_of(exam, code))), start=1):
            paper.items.append(ExamPaperItem(position=position, question_id=question.id, version_id=version.id,
                                             mark_e4=mark if question.qtype != "description" else 0, layout=layout,
                                             rule_position=rule))
            shown.add(version.id)
        session.add(paper)
        made.append(paper)
    freeze_versions(session, sorted(shown))
    session.flush()
    audit.record(session, "exam_papers_made", actor_id=actor.id, school_id=exam.school_id, subject_type="exam",
                 subject_id=exam.id, detail=f"{count} from {made[0].code}")
    return made


def papers_of(session: Session, exam: Exam) -> list[ExamPaper]:
    from sqlalchemy import select

    return list(session.scalars(select(ExamPaper).where(ExamPaper.exam_id == exam.id).order_by(ExamPaper.code)))


def set_online(session: Session, actor, role: str, exam: Exam, on: bool) -> None:
    """Whether pupils sitting the exam online get the printed versions."""
    from lms.exams.permissions import require_exam

    require_exam(actor, role, exam)
    if on and not papers_of(session, exam):
        raise ValidationError(_l("Tạo các mã đề trước."))
    exam.use_papers = on
    session.flush()


# The languages a paper prints in: the school's, or English for an English test.
PAPER_LANGUAGES = {"vi": _l("Tiếng Việt"), "en": _l("Tiếng Anh")}


def set_paper_language(session: Session, actor, role: str, exam: Exam, language: str) -> None:
    """The language of the exam's printed papers (their fixed texts), whoever downloads them."""
    from lms.exams.permissions import require_exam

    require_exam(actor, role, exam)
    if language not in PAPER_LANGUAGES:
        raise ValidationError(_l("Chọn ngôn ngữ của đề in: Tiếng Việt hoặc Tiếng Anh."), field="paper_language")
    exam.paper_language = language
    session.flush()


def printed(exam: Exam, papers: list[ExamPaper], image_folder=None) -> list[Version]:
    """The stored papers as they are printed: questions numbered (passages are not), each part
    under its heading as on the pupil's screen."""
    from lms.exams.drawing import part_titles

    out = []
    for paper in papers:
        questions, number = [], 0
        titles = part_titles(exam, [(item.question, item.rule_position) for item in paper.items])
        for item, title in zip(paper.items, titles):
            if item.question.qtype != "description":
                number += 1
            questions.append(_printed(number, item, image_folder))
            questions[-1].part = title
        out.append(Version(paper.code, questions))
    return out


def _printed(number: int, item: ExamPaperItem, folder) -> PrintedQuestion:
    question, version = item.question, item.version
    qt = qtypes.TYPES[question.qtype]
    public = qt.public(version.data, item.layout)
    options, statements = qt.printed(version.data, public, print_html)
    return PrintedQuestion(number, question.qtype, print_html(version.text, folder), options, statements,
                           print_html(qt.key_text(version.data, public)), item.mark_e4)


FORMULA_PX = 20   # the size ziamath draws at; the picture is then sized in em, so it follows the text


@functools.lru_cache(maxsize=2048)
def formula_svg(latex: str, display: bool) -> str:
    """A formula drawn by ziamath as an inline SVG image (PDFs cannot show MathML): the same
    LaTeX → MathML reading as the pages (latex2mathml, chemical formulas upright), so systems,
    matrices and vectors print too; one it cannot draw is printed as readable text, never as its
    LaTeX source. The picture is sized in em from the drawing's own box and its baseline put on
    the line's (ziamath draws the baseline at y = 0), so a formula is as large as the words
    around it and sits on their baseline."""
    import ziamath

    from lms.core.markdown import latex_to_mathml

    try:
        # Drawn in display style even inline, as printed Vietnamese papers set fractions: a
        # fraction in script size is too small to read on paper.
        svg = ziamath.Math(latex_to_mathml(latex, True), size=FORMULA_PX).svg()
    except Exception:  # ziamath and latex2mathml raise several kinds on malformed input
        from lms.exams.mathtext import latex_plain

        return html.escape(latex_plain(latex))
    box = re.search(r'viewBox="([-\d.eE]+) ([-\d.eE]+) ([-\d.eE]+) ([-\d.eE]+)"', svg)
    _x, top, width, height = (float(v) for v in box.groups())
    size = f"width:{width / FORMULA_PX:.3f}em;height:{height / FORMULA_PX:.3f}em"
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    css = f"display:block;margin:4pt auto;{size}" if display else \
        f"vertical-align:{-(height + top) / FORMULA_PX:.3f}em;{size}"
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

    rendered = render_markdown(MATH.sub(stash, as_written(text)), math=False)
    for key, svg in formulas.items():
        rendered = rendered.replace(key, svg)
    if folder is not None:
        rendered = re.sub(r'src="/question-images/([^"]+)"', lambda m: f'src="{_inline(folder, m.group(1))}"', rendered)
    if rendered.startswith("<p>") and rendered.rstrip().endswith("</p>") and rendered.count("<p>") == 1:
        rendered = rendered.strip()[3:-4]
    return rendered


def _inline(folder, name: str) -> str:
    from lms.core.storage import Missing

    try:
        data = (folder / name).read_bytes()
    except (Missing, OSError, ValidationError):
        return ""
    ext = name.rsplit(".", 1)[-1]
    return f"data:image/{'jpeg' if ext == 'jpg' else ext};base64,{base64.b64encode(data).decode('ascii')}"


def booklet_pdf(school, exam: Exam, items: list[Version], render) -> bytes:
    """One PDF: a booklet per version (each numbered on its own: "Mã đề 101 · Trang 1/3"), an
    answer sheet per version, then the key of every code. `render(template, **context)` renders
    the HTML (the caller's Jinja environment)."""
    from lms.core.pdf import render_pdf_many

    longest = max((len(v.numbered) for v in items), default=0)
    htmls = [render("exams/print/booklet.html", school=school, exam=exam, v=v) for v in items]
    htmls += [render("exams/print/sheet.html", school=school, exam=exam, v=v) for v in items]
    htmls.append(render("exams/print/key.html", school=school, exam=exam, versions=items, longest=longest))
    return render_pdf_many(htmls)
