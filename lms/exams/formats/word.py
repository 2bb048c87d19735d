"""The plain-text and Word (.docx) format Vietnamese teachers write tests in:

    PHẦN I. TRẮC NGHIỆM                 ← a section (becomes a sub-category)
    Câu 1. Tập hợp nào có 3 phần tử?    ← a question, over one or more lines
    A. {1; 2}   B. {1; 2; 3}            ← options, one per line or several on a line
    C. ∅        D. {0}
    Lời giải: …                         ← the explanation (optional)
    Câu 2. … a) … b) … c) … d) …        ← four statements: a true/false cluster
    Câu 3. Tính 2,5 + 1,25.             ← no options: short answer (with “Đáp án: 3,75”) or essay
    ĐÁP ÁN
    1-B 2-ĐSĐĐ 3-3,75                   ← the answer table (or a Word table: Câu | 1 | 2 …)

The right option may instead be marked in the text: `*B.` in plain text; in Word the option
underlined, in red, or in bold (when only some options are bold). Images in Word are kept as
`![](image:N)` placeholders for the caller to store; Word equations and superscript/subscript runs
become LaTeX (`wordmath`). A line `HẾT` ends the questions. Every problem is reported with its line
(paragraph) number — an equation that cannot be read too; nothing is half-understood or dropped.
"""
from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field

from lms.exams.formats import ImportedAnswer, ImportedQuestion, wordmath
from lms.exams.qtypes.base import fmt
from lms.exams.qtypes.text import parse_number
from lms.i18n import gettext as _

# A question's marks as teachers write them by its number: "Câu 3 (0,5 điểm)", "Câu 3. (1đ)",
# "Bài 2 [2 điểm]:" — or at the end of its first line ("… bằng bao nhiêu? (0,25 đ)").
_MARK = r"[(\[]\s*(\d{1,3}(?:[.,]\d{1,4})?)\s*(?:điểm|diem|đ)\s*[)\]]"
QUESTION = re.compile(r"^\s*(?:câu|cau|bài|bai)\s*(\d{1,4})\s*(?:[.:)\-–]|(?=" + _MARK + r"))\s*", re.IGNORECASE)
MARK_FIRST = re.compile(r"^\s*" + _MARK + r"\s*[.:\-–]?\s*", re.IGNORECASE)
MARK_LAST = re.compile(r"\s*" + _MARK + r"\s*[.:]?\s*$", re.IGNORECASE)
GUIDE = re.compile(r"^\s*(?:hướng\s*dẫn\s*chấm|huong\s*dan\s*cham|biểu\s*điểm|thang\s*điểm)\s*[:.]\s*(.*)$",
                   re.IGNORECASE)
SECTION = re.compile(r"^\s*(?:phần|phan)\s+([IVXLC]+|\d+)\b[.:\-–]?\s*(.*)$", re.IGNORECASE)
# "I. TRẮC NGHIỆM (3,0 điểm)", "II. TỰ LUẬN": a part headed by its Roman numeral alone, in capitals.
ROMAN_SECTION = re.compile(r"^\s*([IVX]{1,4})\s*[.)]\s+(?=[^\W\d_]{2})(?=[^a-zđ]*(?:$|[\s(.:]))(.+)$")
NAMED_SECTION = re.compile(r"^\s*(?:phần|phan|chủ\s*đề|chu\s*de)\s*:\s*(.+)$", re.IGNORECASE)
KEY_HEADING = re.compile(r"^\s*(?:bảng\s+)?(?:đáp\s*án|dap\s*an)\s*[:.]?\s*$", re.IGNORECASE)
# The answer section at the end of a teacher's file, however it is headed: "ĐÁP ÁN", "ĐÁP ÁN VÀ
# HƯỚNG DẪN CHẤM", "HƯỚNG DẪN CHẤM", "III. ĐÁP ÁN – BIỂU ĐIỂM", "C. HƯỚNG DẪN CHẤM ĐỀ KIỂM TRA GIỮA KÌ I"
# (in capitals, with the exam's name after it if any), or such words alone on their line ("Đáp án
# và hướng dẫn chấm"). Never "ĐÁP ÁN: B" (a question's own answer).
_KEY_WORDS = (r"(?:bảng\s+)?(?:đáp\s*án|dap\s*an|hướng\s*dẫn\s*chấm|huong\s*dan\s*cham|biểu\s*điểm|"
              r"bieu\s*diem|thang\s*điểm|thang\s*diem)")
_KEY_LABEL = r"^\s*(?:(?:[IVX]{1,4}|[A-E])\s*[.)]\s*)?"
KEY_SECTION = re.compile(_KEY_LABEL + _KEY_WORDS + r"(?:\s*[:.]?\s*$|\s+(?=[^\s:])|\s*[-–—,&/]\s*)", re.IGNORECASE)
KEY_ONLY = re.compile(_KEY_LABEL + _KEY_WORDS + r"(?:\s*(?:và|va|[-–—,&/])\s*" + _KEY_WORDS + r")*\s*[:.]?\s*$",
                      re.IGNORECASE)
END = re.compile(r"^[\s\-–—_.*]*(?:HẾT|HET)[\s\-–—_.*]*$")
INLINE_ANSWER = re.compile(r"^\s*(?:đáp\s*án|dap\s*an|đ/a)\s*[:.]\s*(.+)$", re.IGNORECASE)
# A worked solution under a question — "Lời giải: …", "Hướng dẫn giải." or the words alone on their
# line with the solution below ("Lời giải", "HƯỚNG DẪN GIẢI", "Giải") — is its explanation.
FEEDBACK = re.compile(r"^\s*(?:lời\s*giải(?:\s*chi\s*tiết)?|loi\s*giai|hướng\s*dẫn(?:\s*giải)?|huong\s*dan\s*giai|giải)"
                      r"\s*(?:[:.]\s*(.*)|[:.]?\s*$)", re.IGNORECASE)
OPTION = re.compile(r"(?:(?<=\s)|^)(\*?)([A-F])[.)]\s+")
STATEMENT = re.compile(r"(?:(?<=\s)|^)(\*?)([a-d])\)\s+")
# A key's value runs to a space, or to a comma that is followed by a space or by the next entry
# ("1-A,2-B"): a decimal comma ("3-3,75"), and a mistyped number ("3-6,,0"), stay whole.
KEY_TOKEN = re.compile(r"(\d{1,4})\s*[-.:)]\s*([^\s,;]+(?:[.,]+(?!\d{1,4}\s*[-:)])[^\s,;]+)*"
                       r"(?:\s*[,;]\s*[a-dA-D]?\s*[ĐSđs])*)")
KEY_LINE = re.compile(r"(?:\s*" + KEY_TOKEN.pattern + r"[,;]?)+\s*")   # a line of keys only: "1-A 2-C 3-ĐSĐĐ"
TRUTH = {"đ": True, "d": True, "s": False}
TRUTH_KEY = re.compile(r"(?:\s*[,;]?\s*(?:[a-dA-D]\s*[).:\-]?\s*)?[ĐSđsDd])+\s*")
# A part of written answers ("PHẦN II. TỰ LUẬN"): its "a) … b) …" are parts of a question's text,
# and what the answer section says of its questions is their marking guide.
# In the answer section: "A. TRẮC NGHIỆM (3,0 điểm)" heads a part; a sentence without an entry
# ("Mỗi câu đúng được 0,25 điểm.", "Học sinh làm cách khác đúng vẫn cho điểm tối đa.") is a note.
LETTER_SECTION = re.compile(r"^\s*[A-E]\s*[.)]\s+(?=[^a-zđ]*$)[^\W\d_]{2}")
NOTE = re.compile(r"^\s*[^\W\d_][^\s]*(?:\s+\S+){2,}")
# A written-answers part headed by the words alone: "TỰ LUẬN", "Tự luận:", "B. TỰ LUẬN", "PHẦN TỰ LUẬN".
ESSAY_HEADING = re.compile(r"^\s*(?:(?:phần|phan)\s*(?:[IVX]{1,4}\b|\d{1,2})?\s*[.:\-–]?\s*|[A-E]\s*[.)]\s*)?"
                           r"(?:tự\s*luận|tu\s*luan)\s*[:.]?\s*$", re.IGNORECASE)
ESSAY_PART = re.compile(r"tự\s*luận|tu\s*luan", re.IGNORECASE)
# A part of short answers ("PHẦN III. TRẢ LỜI NGẮN"): a question there is a short answer, with its key or without.
SHORT_PART = re.compile(r"trả\s*lời\s*ngắn|tra\s*loi\s*ngan", re.IGNORECASE)
MARK_ORDER = ("red", "u", "b")   # which formatting says "right answer", strongest first
# A worked-solutions section after the questions: "HƯỚNG DẪN GIẢI", "LỜI GIẢI CHI TIẾT", "ĐÁP ÁN VÀ
# LỜI GIẢI", "III. HƯỚNG DẪN GIẢI CHI TIẾT"… alone on its line, then "Câu 1. …" for a question the
# file already has: each entry is that question's explanation. (The same words under one question,
# followed by its solution, are that question's own — see FEEDBACK.)
SOLUTIONS = re.compile(r"^\s*(?:(?:[IVX]{1,4}|[A-E])\s*[.)]\s*)?(?:(?:bảng\s+)?(?:đáp\s*án|dap\s*an)\s*(?:và|va|[-–—,&/])?\s*)?"
                       r"(?:lời\s*giải|loi\s*giai|hướng\s*dẫn\s*giải|huong\s*dan\s*giai|đáp\s*án\s*chi\s*tiết|"
                       r"giải\s*chi\s*tiết)(?:\s*chi\s*tiết)?\s*[:.]?\s*$", re.IGNORECASE)
# A solution's first words that give the right answer: "Chọn B.", "Đáp án: C", "Chọn đáp án A".
SOLUTION_KEY = re.compile(r"^\s*(?:chọn|chon|đáp\s*án|dap\s*an)(?:\s*(?:đáp\s*án|phương\s*án))?\s*[:.]?\s*"
                          r"((?-i:[A-F])|[ĐSđs]{4})\b", re.IGNORECASE)


@dataclass
class Run:
    text: str
    flags: frozenset = frozenset()     # "u" underline, "b" bold, "red"
    image: int | None = None           # index into Parsed.images
    math: bool = False                 # `text` is a formula, `$…$`


@dataclass
class Block:
    number: int                        # line (text) or paragraph (Word) number, from 1
    runs: list[Run]
    problems: list[str] = field(default_factory=list)   # what in it could not be read (Word math)

    @property
    def text(self) -> str:
        return "".join(r.text if r.image is None else f"![](image:{r.image})" for r in self.runs)


@dataclass
class WordQuestion:
    number: int                        # "Câu N": where it is in the file (a question's name comes from its text)
    line: int
    question: ImportedQuestion | None  # None: not read, see the errors it owns
    category: str | None = None
    text: str | None = None            # a question not read: its lines as written, shown with its errors


@dataclass
class Parsed:
    questions: list[WordQuestion] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)   # (line, reason), in Vietnamese
    owners: dict[tuple[int, str], int] = field(default_factory=dict)  # an error → the line of the question it is about
    failed: list[WordQuestion] = field(default_factory=list)      # questions not read (question None), for their errors
    images: list[tuple[str, bytes]] = field(default_factory=list)  # (content type, bytes)
    # The lines skipped, each (where, line, text): "start" above the first question (the school,
    # the title, "Họ tên: …"), "end" the HẾT line and what follows it, "key" the notes to the
    # marker in the answer section ("Mỗi câu đúng được 0,25 điểm.").
    skipped: list[tuple[str, int, str]] = field(default_factory=list)
    unit: str = "dòng"   # what the numbers count, in messages that name another place: "dòng" or "đoạn" (Word)

    @property
    def header(self) -> list[str]:
        """Every line skipped, as text, wherever it stood."""
        return [text for _where, _line, text in self.skipped]


# ---------------------------------------------------------------- reading files

def blocks_of_text(text: str) -> list[Block]:
    if text.startswith("\ufeff"):
        text = text[1:]
    text = unicodedata.normalize("NFC", text)
    return [Block(n, [Run(line)]) for n, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1)]


def blocks_of_docx(data: bytes, images: list[tuple[str, bytes]]) -> list[Block]:
    """Paragraphs and table rows of the document in order, with run formatting, images and math
    (Word equations and superscript/subscript runs as `$…$`, see `wordmath`)."""
    from docx import Document

    document = Document(io.BytesIO(data))
    reader = _DocxReader(document, images)
    raw: list[tuple[int, list[list[tuple]]]] = []   # (paragraph number, logical lines of items)
    number = 0
    for element in document.element.body.iterchildren():
        if element.tag == _W + "p":
            number += 1
            raw.append((number, reader.lines(element)))
        elif element.tag == _W + "tbl":
            for row in element.iter(_W + "tr"):
                number += 1
                cells = []
                for cell in row.iter(_W + "tc"):
                    items: list[tuple] = []
                    for paragraph in cell.iter(_W + "p"):
                        for line in reader.lines(paragraph):
                            if items:
                                items.append(("text", " ", frozenset(), None))
                            items.extend(line)
                    cells.append(items)
                joined: list[tuple] = []
                for i, items in enumerate(cells):
                    if i:
                        joined.append(("text", "\t", frozenset(), None))
                    joined.extend(items)
                raw.append((number, [joined]))
    latex = wordmath.omml_to_latex(reader.equations)
    blocks = []
    for number, lines in raw:
        for items in lines:
            blocks.append(_block(number, items, latex))
    return blocks


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
_SKIPPED = {_W + "del", _W + "moveFrom", _W + "pPr", _W + "rPr"}


def _ole() -> str:
    return _("tệp có công thức MathType/Equation dạng đối tượng (OLE) không đọc được: trong Word chọn công thức "
             "rồi chuyển thành phương trình Word (MathType: Convert Equations → Word equation), hoặc gõ lại bằng "
             "Chèn → Phương trình")


def _unit(unit: str) -> str:
    """What a file's numbers count, in the reader's language: "đoạn" (Word) or "dòng"."""
    return _("đoạn") if unit == "đoạn" else _("dòng")


def _label(number: int) -> str:
    return _("Câu %(n)s", n=number)


def _of_part(part: int) -> str:
    return _(" của phần %(p)s", p=_ROMAN_NUMERALS[part - 1]) if part else ""


class _DocxReader:
    """A paragraph's content in reading order as items: ("text", text, flags, "sup"|"sub"|None),
    ("math", equation index, flags), ("image", index), ("problem", reason); a manual line break
    starts a new logical line. Equations are collected to be converted in one go."""

    def __init__(self, document, images):
        self.document, self.images = document, images
        self.equations: list = []
        self.numbering = _Numbering(document)

    def lines(self, paragraph) -> list[list[tuple]]:
        lines: list[list[tuple]] = [[]]
        label = self.numbering.label(paragraph)
        if label and "".join(paragraph.itertext()).strip():   # Word's automatic numbering: the number the teacher sees ("1.", "a)", "Câu 3.")
            lines[0].append(("text", label + " ", frozenset(), None))
        self._walk(paragraph, lines)
        return lines

    def _walk(self, element, lines) -> None:
        for child in element:
            tag = child.tag
            if tag == _W + "r":
                self._run(child, lines)
            elif tag in (_M + "oMath", _M + "oMathPara"):
                self.equations.append(child)
                lines[-1].append(("math", len(self.equations) - 1, _math_flags(child)))
            elif tag not in _SKIPPED and isinstance(tag, str):
                self._walk(child, lines)   # hyperlinks, insertions, content controls, fields, smart tags

    def _run(self, run, lines) -> None:
        props = run.find(_W + "rPr")
        flags, vert = _flags(props), None
        if props is not None:
            align = props.find(_W + "vertAlign")
            value = align.get(_W + "val") if align is not None else None
            vert = {"superscript": "sup", "subscript": "sub"}.get(value or "")
        for child in run:
            tag = child.tag
            if tag == _W + "t":
                lines[-1].append(("text", unicodedata.normalize("NFC", child.text or ""), flags, vert))
            elif tag == _W + "tab":
                lines[-1].append(("text", "\t", frozenset(), None))
            elif tag in (_W + "br", _W + "cr"):
                lines.append([])
            elif tag == _W + "sym":
                char = wordmath.symbol_char(child.get(_W + "font") or "", child.get(_W + "char") or "")
                lines[-1].append(("text", char, flags, vert) if char is not None else
                                 ("problem", _("ký tự phông %(font)s mã %(code)s không đọc được; hãy gõ lại bằng "
                                               "Unicode", font=child.get(_W + "font"), code=child.get(_W + "char"))))
            elif tag == _W + "object":
                lines[-1].append(("problem", _ole()))
            elif tag in (_W + "drawing", _W + "pict") or tag.endswith("}AlternateContent"):
                self._pictures(child, lines)

    def _pictures(self, element, lines) -> None:
        wanted = [blip.get(_R + "embed") for blip in element.iter("{http://schemas.openxmlformats.org/drawingml/2006/main}blip")]
        wanted += [image.get(_R + "id") for image in element.iter("{urn:schemas-microsoft-com:vml}imagedata")]
        for rid in dict.fromkeys(r for r in wanted if r):
            part = self.document.part.related_parts.get(rid)
            if part is not None:
                self.images.append((part.content_type, part.blob))
                lines[-1].append(("image", len(self.images) - 1))
            if len(wanted) and part is None:
                lines[-1].append(("problem", _("có hình không đọc được trong tệp")))


_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


class _Numbering:
    """Word's automatic numbering (`w:numPr` on a paragraph or its style) as the text Word shows:
    "1.", "2)", "a)", "Câu 3.", "II." — counted in document order as Word counts them: lists of
    one definition (`w:abstractNum`) count on together, a level's count starts again under a new
    item of the level above, and a list "restarted at 1" (`w:startOverride`) starts again where it
    is first used. A bullet reads "•"."""

    def __init__(self, document):
        self.levels: dict[str, dict[int, tuple[int, str, str]]] = {}   # numId → level → (start, format, text)
        self.abstract: dict[str, str] = {}                              # numId → its definition
        self.restarts: dict[str, set[int]] = {}                         # numId → levels it restarts
        self.counts: dict[str, dict[int, int]] = {}                     # definition → level → count
        self.styles: dict[str, tuple[str | None, int | None, str | None]] = {}   # style → (numId, level, basedOn)
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            numbering = None
        if numbering is not None:
            abstract = {a.get(_W + "abstractNumId"): self._levels(a) for a in numbering.findall(_W + "abstractNum")}
            for num in numbering.findall(_W + "num"):
                ref = num.find(_W + "abstractNumId")
                source = ref.get(_W + "val") if ref is not None else None
                levels = dict(abstract.get(source, {}))
                num_id = num.get(_W + "numId")
                self.abstract[num_id], self.restarts[num_id] = source or num_id, set()
                for override in num.findall(_W + "lvlOverride"):
                    level = int(override.get(_W + "ilvl") or 0)
                    replaced = override.find(_W + "lvl")
                    if replaced is not None:
                        levels.update(self._levels(override))
                    start = override.find(_W + "startOverride")
                    if start is not None and level in levels:
                        levels[level] = (int(start.get(_W + "val") or 1), *levels[level][1:])
                        self.restarts[num_id].add(level)
                self.levels[num_id] = levels
        for style in document.styles.element.findall(_W + "style"):
            num = style.find(f"{_W}pPr/{_W}numPr")
            based = style.find(_W + "basedOn")
            self.styles[style.get(_W + "styleId")] = (
                *self._num_pr(num), based.get(_W + "val") if based is not None else None)

    @staticmethod
    def _levels(element) -> dict[int, tuple[int, str, str]]:
        levels = {}
        for lvl in element.findall(_W + "lvl"):
            levels[int(lvl.get(_W + "ilvl") or 0)] = (int(_val(lvl, "start", "1")), _val(lvl, "numFmt", "decimal"),
                                                      _val(lvl, "lvlText", ""))
        return levels

    @staticmethod
    def _num_pr(num) -> tuple[str | None, int | None]:
        if num is None:
            return None, None
        num_id, level = num.find(_W + "numId"), num.find(_W + "ilvl")
        return (num_id.get(_W + "val") if num_id is not None else None,
                int(level.get(_W + "val") or 0) if level is not None else None)

    def label(self, paragraph) -> str:
        num_id, level = self._num_pr(paragraph.find(f"{_W}pPr/{_W}numPr"))
        style = paragraph.find(f"{_W}pPr/{_W}pStyle")
        name, seen = (style.get(_W + "val") if style is not None else None), set()
        while (num_id is None or level is None) and name and name not in seen:   # numbering from the style
            seen.add(name)
            style_num, style_level, name = self.styles.get(name, (None, None, None))
            num_id = num_id if num_id is not None else style_num
            level = level if level is not None else style_level
        level = level or 0
        levels = self.levels.get(num_id or "0")
        if not levels or level not in levels:
            return ""   # numId 0: numbering switched off
        counts = self.counts.setdefault(self.abstract.get(num_id, num_id), {})
        if level in self.restarts.get(num_id, ()):   # "Restart at 1": from where this list is first used
            self.restarts[num_id].discard(level)
            counts.pop(level, None)
        counts[level] = counts[level] + 1 if level in counts else levels[level][0]
        for deeper in [k for k in counts if k > level]:
            del counts[deeper]
        _start, kind, text = levels[level]
        if kind == "bullet":
            return "•"
        if kind == "none":
            return re.sub(r"%\d", "", text).strip()

        def number(match: re.Match) -> str:
            at = int(match.group(1)) - 1
            if at not in levels:
                return ""
            return _number_text(counts.get(at, levels[at][0]), levels[at][1])
        return re.sub(r"%(\d)", number, text).strip()


def _val(element, tag: str, default: str) -> str:
    found = element.find(_W + tag)
    value = found.get(_W + "val") if found is not None else None
    return default if value is None else value


def _number_text(value: int, kind: str) -> str:
    if kind in ("lowerLetter", "upperLetter"):
        letters = ""
        while value > 0:
            value, rest = divmod(value - 1, 26)
            letters = chr(ord("a") + rest) + letters
        return letters.upper() if kind == "upperLetter" else letters
    if kind in ("lowerRoman", "upperRoman"):
        roman = ""
        for amount, digits in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                               (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
            while value >= amount:
                roman, value = roman + digits, value - amount
        return roman.lower() if kind == "lowerRoman" else roman
    if kind == "decimalZero":
        return f"{value:02d}"
    return str(value)


def _flags(props) -> frozenset:
    flags = set()
    if props is not None:
        u = props.find(_W + "u")
        if u is not None and u.get(_W + "val") != "none":
            flags.add("u")
        b = props.find(_W + "b")
        if b is not None and b.get(_W + "val") not in ("0", "false"):
            flags.add("b")
        color = props.find(_W + "color")
        if color is not None and _is_red(color.get(_W + "val") or ""):
            flags.add("red")
        if props.find(_W + "highlight") is not None:
            flags.add("red")
    return frozenset(flags)


def _math_flags(equation) -> frozenset:
    """An equation's marking: that of its runs (a teacher underlines or colours it with the option)."""
    found = [_flags(run.find(_W + "rPr")) for run in equation.iter(_M + "r")]
    return frozenset().union(*found) if found else frozenset()


def _block(number: int, items: list[tuple], latex: list) -> Block:
    """A logical line's runs: equations as `$…$`, superscript and subscript runs joined to the
    word they follow as a formula, adjacent formulas in one `$…$`."""
    runs: list[Run] = []
    problems: list[str] = []

    def add_math(formula: str, flags: frozenset) -> None:
        if runs and runs[-1].math:
            last = runs[-1]
            runs[-1] = Run(f"${last.text[1:-1]} {formula}$", last.flags | flags, math=True)
        else:
            runs.append(Run(f"${formula}$", flags, math=True))

    merged: list[tuple] = []
    for item in items:   # Word splits "10" into "1" and "0" runs at will: scripts are merged first
        if item[0] == "text" and item[3] and merged and merged[-1][0] == "text" and merged[-1][3] == item[3]:
            prev = merged[-1]
            merged[-1] = ("text", prev[1] + item[1], prev[2] | item[2], item[3])
        else:
            merged.append(item)
    for item in merged:
        kind = item[0]
        if kind == "text":
            _kind, text, flags, vert = item
            if not vert or not text.strip():
                runs.append(Run(text, flags))
                continue
            if runs and runs[-1].math:
                last = runs.pop()
                base = last.text[1:-1]
                mark = "^" if vert == "sup" else "_"
                runs.append(Run(f"${{{base}}}{mark}{{{wordmath.latex_text(text.strip())}}}$", last.flags | flags,
                                math=True))
                continue
            before = runs.pop().text if runs and runs[-1].image is None and not runs[-1].math else ""
            head, formula = wordmath.script_math(before, text, vert)
            if head:
                runs.append(Run(head, flags))
            add_math(formula, flags)
        elif kind == "math":
            result = latex[item[1]]
            if isinstance(result, wordmath.MathError):
                problems.append(str(result))
                runs.append(Run("[?]", item[2]))
            elif result:
                add_math(result, item[2])
        elif kind == "image":
            runs.append(Run("", image=item[1]))
        else:
            problems.append(item[1])
            runs.append(Run("[?]"))   # where it stood, so the question still reads in the preview
    return Block(number, _whole_chemical_formulas(runs), problems)


_SYMBOLS_AFTER = re.compile(r"^((?:[A-Z][a-z]?)+)(?![A-Za-z])")


def _whole_chemical_formulas(runs: list[Run]) -> list[Run]:
    """H₂O is typed as "H", a subscript "2" and "O": the symbols after a chemical formula's last
    index belong to it ("$\\mathrm{H}_{2}\\mathrm{O}$", not "$\\mathrm{H}_{2}$O" half in the text)."""
    from lms.core.markdown import ELEMENTS

    out: list[Run] = []
    for run in runs:
        last = out[-1] if out else None
        found = _SYMBOLS_AFTER.match(run.text) if run.image is None and not run.math else None
        if last is not None and last.math and found and re.search(r"\\mathrm\{[A-Za-z]+\}[_^]\{[^{}]*\}\$$", last.text) \
                and all(symbol in ELEMENTS for symbol in re.findall(r"[A-Z][a-z]?", found.group(1))):
            out[-1] = Run(f"{last.text[:-1]}\\mathrm{{{found.group(1)}}}$", last.flags | run.flags, math=True)
            rest = run.text[found.end():]
            if rest:
                out.append(Run(rest, run.flags))
            continue
        out.append(run)
    return out


def _is_red(value: str) -> bool:
    if value.lower() in ("red", "ff0000", "c00000", "e60000", "ee0000", "cc0000", "ff0000ff"):
        return True
    if re.fullmatch(r"[0-9A-Fa-f]{6}", value):
        r, g, b = int(value[:2], 16), int(value[2:4], 16), int(value[4:], 16)
        return r >= 0xB0 and g <= 0x50 and b <= 0x50
    return False


# ---------------------------------------------------------------- parsing

@dataclass
class _Draft:
    number: int
    line: int
    category: str | None
    part: int = 0          # how many part headings came before it: numbering may start again in each part
    stem: list[Block] = field(default_factory=list)
    options: list[tuple[str, str, frozenset, bool, int]] = field(default_factory=list)  # letter, text, flags, star, line
    statements: list[tuple[str, str, frozenset, bool, int]] = field(default_factory=list)
    body: list[Block] = field(default_factory=list)   # the stem's and the statements' lines, as written
    answer: str | None = None
    answer_line: int | None = None
    feedback: list[str] = field(default_factory=list)
    in_feedback: bool = False
    guide: list[str] = field(default_factory=list)    # "Hướng dẫn chấm: …" under the question
    in_guide: bool = False
    mark: str | None = None   # the marks written by its number, as written ("0,5")
    short_part: bool = False  # under a part heading of short answers ("PHẦN III. TRẢ LỜI NGẮN"), not a topic's name


def parse_blocks(blocks: list[Block], images: list[tuple[str, bytes]] | None = None, unit: str = "dòng") -> Parsed:
    """The questions of a file's lines (text) or paragraphs (Word: `unit` "đoạn", the paragraph
    number Word's own counter would give, table rows counted as paragraphs)."""
    parsed = Parsed(images=images or [], unit=unit)
    drafts: list[_Draft] = []
    category: str | None = None
    part = 0
    short_part = False
    current: _Draft | None = None
    key_lines: list[Block] = []
    in_key = ended = False
    # The worked-solutions section: entries (part, number) → (line, lines), in the file's order.
    solutions: dict[tuple[int, int], tuple[int, list[str]]] | None = None
    solution: tuple[int, int] | None = None
    solution_part = 0
    headings: dict[int, int] = {}   # the answer section's parts → the line of their first heading
    for index, block in enumerate(blocks):
        text = block.text.strip()
        if block.problems:   # reported on the question it belongs to; never dropped in silence
            started = QUESTION.match(text) if not in_key else None
            owner = int(started.group(1)) if started else (current.number if current and not in_key else None)
            for problem in block.problems:
                parsed.errors.append((block.number, f"{_label(owner)}: {problem}" if owner else problem))
                if owner:
                    parsed.owners[parsed.errors[-1]] = block.number if started else current.line
        if not text:
            continue
        if solutions is None and SOLUTIONS.match(text) and _solutions_follow(blocks, index, drafts):
            solutions, current = {}, None
            continue
        if solutions is not None:
            solution, solution_part = _solution_line(block, text, solutions, solution, solution_part,
                                                      key_lines, parsed, headings)
            continue
        if in_key:
            key_lines.append(block)
            continue
        if END.match(text):   # “----- HẾT -----”: the questions are over; a key may follow
            current = None
            ended = True
            parsed.skipped.append(("end", block.number, text))
            continue
        heading = _answer_heading(text, current)
        if heading or re.match(r"^\s*(?:câu|cau)\s*\t", text, re.IGNORECASE):
            in_key = True
            if not heading:
                key_lines.append(block)
            continue
        named = NAMED_SECTION.match(text)
        if named or (SECTION.match(text) or _roman_section(text) or ESSAY_HEADING.match(text)) \
                and not QUESTION.match(text):
            category = (named.group(1) if named else _roman_section(text) or text).strip().rstrip(" .:")[:200]
            short_part = not named and bool(SHORT_PART.search(text))
            part = _question_part(text, part)
            current = None
            continue
        question = QUESTION.match(text)
        if question:
            current = _Draft(int(question.group(1)), block.number, category, part, short_part=short_part)
            drafts.append(current)
            rest = _strip_prefix(block, question.end())
            rest = _take_mark(current, rest)
            if rest.text.strip():
                _absorb(current, rest, parsed)
            continue
        if current is None:
            if ended:
                parsed.skipped.append(("end", block.number, text))   # “Giám thị không giải thích gì thêm”
            elif drafts:
                parsed.errors.append((block.number, _("%(unit)s “%(text)s” nằm ngoài câu hỏi nào (câu hỏi bắt đầu bằng "
                                                        "“Câu 1.”)", unit=_unit(unit), text=text[:60])))
            else:
                parsed.skipped.append(("start", block.number, text))   # the title, school, “Họ tên: …”
            continue
        _absorb(current, block, parsed)
    notes: dict[tuple[int, int], tuple[int, str, bool, bool]] = {}
    key = _read_key(key_lines, parsed, notes, headings)
    # A number may come again in a later part ("Câu 1" of PHẦN II, "Bài 1" of II. TỰ LUẬN), never
    # twice in one. The key's entries go to the part of the key they are under (its own “PHẦN II”
    # lines), or, in a key without parts, to the first question of that number. Both number their
    # parts by the numeral the file writes (PHẦN I then PHẦN III: parts 1 and 3); questions before
    # any heading are in part 1.
    seen: dict[tuple[int, int], int] = {}
    used: set[tuple[int, int]] = set()
    used_notes: set[tuple[int, int]] = set()
    solved: set[tuple[int, int]] = set()
    for draft in drafts:
        before = len(parsed.errors)
        if (draft.part, draft.number) in seen:
            parsed.errors.append((draft.line, _("Câu %(n)s đã có ở %(unit)s %(at)s", n=draft.number, unit=_unit(unit),
                                                 at=seen[(draft.part, draft.number)])))
            parsed.owners[parsed.errors[-1]] = draft.line
            parsed.failed.append(WordQuestion(draft.number, draft.line, None, draft.category, _as_written(draft)))
            continue
        seen[(draft.part, draft.number)] = draft.line
        place = draft.part or 1
        entry = (place, draft.number) if (place, draft.number) in key else (0, draft.number)
        if entry[0] == 0 and entry in used:
            entry = None
        if entry is not None and entry in key:
            used.add(entry)
        why = None
        noted = (place, draft.number) if (place, draft.number) in notes else (0, draft.number)
        if noted in notes and noted not in used_notes:
            used_notes.add(noted)
            keyed = entry is not None and entry in key
            note = notes[noted]
            essay = bool(draft.category and ESSAY_PART.search(draft.category)) or note[3]
            cluster = bool(draft.statements) and not essay and not draft.options and \
                (len(draft.statements) >= 4 or bool(TRUTH_KEY.fullmatch(note[1].split("\n", 1)[0])))
            if draft.options or cluster or draft.answer is not None or keyed:
                # A worked solution ("Câu 1. Ta có … Vậy chọn B."): the question's explanation, never
                # its key; only a key written as one ("Câu 1. B", "Câu 2. Chọn C. …") answers it.
                given, rest = _note_key(note[1], draft)
                if rest:
                    draft.feedback.append(rest)
                if not keyed and given is not None:
                    entry = (-1, draft.number)
                    key[entry] = (note[0], given, False, False)
                    used.add(entry)
                elif not keyed and draft.answer is None:
                    example = f"{draft.number}-ĐSĐĐ" if draft.statements else f"{draft.number}-B"
                    why = _("phần đáp án (%(unit)s %(at)s) chỉ có lời giải của câu này, không nói đáp án (viết bảng "
                            "đáp án như %(example)s, hoặc bắt đầu lời giải bằng “Chọn %(key)s.”)", unit=_unit(unit),
                            at=note[0], example=example, key=example[-1 if draft.options else -4:])
            elif not keyed:
                entry = (-2, draft.number)   # a written question: its answer or its marking guide
                key[entry] = note
                used.add(entry)
        written = _solution_of(draft, place, solutions or {}, solved)
        if written is not None:
            if written[0]:
                draft.feedback.append(written[0])
            if (entry is None or entry not in key) and written[1] and (draft.options or draft.statements):
                entry = (-1, draft.number)   # the solution's “Chọn B.” is the key
                key[entry] = (written[2], written[1], False, False)
                used.add(entry)
        question = _finish(draft, key.get(entry) if entry else None, parsed, why)
        if question is not None:
            question.mark = draft.mark
        for error in parsed.errors[before:]:
            parsed.owners[error] = draft.line
        if question is not None:
            parsed.questions.append(WordQuestion(draft.number, draft.line, question))
        else:
            parsed.failed.append(WordQuestion(draft.number, draft.line, None, draft.category, _as_written(draft)))
    # A part the answer section names and the exam has not: one message on its heading's line.
    places = {draft.part or 1 for draft in drafts}
    missing: dict[int, int] = {}
    left = [(entry, line, _("bảng đáp án có câu %(n)s%(part)s nhưng đề không có câu này", n=entry[1],
                            part=_of_part(entry[0])))
            for entries, taken in ((key, used), (notes, used_notes)) for entry, (line, *_rest) in entries.items()
            if entry not in taken]
    left += [(entry, line, _("phần lời giải có câu %(n)s%(part)s nhưng đề không có câu này", n=entry[1],
                             part=_of_part(entry[0])))
             for entry, (line, _lines) in (solutions or {}).items() if entry not in solved]
    for entry, line, message in left:
        if entry[0] > 0 and drafts and entry[0] not in places:
            missing[entry[0]] = min(missing.get(entry[0], line), headings.get(entry[0], line))
        else:
            parsed.errors.append((line, message))
    for number, line in missing.items():
        parsed.errors.append((line, _("phần đáp án có PHẦN %(p)s nhưng đề không có phần này (đề có phần %(have)s): "
                                      "ghi đáp án dưới đúng số phần của đề", p=_roman(number),
                                      have=", ".join(_roman(p) for p in sorted(places)))))
    if not drafts and not parsed.errors:
        parsed.errors.append((1, _("không tìm thấy câu hỏi nào (mỗi câu bắt đầu bằng “Câu 1.”, “Câu 2.”…)")))
    parsed.errors.sort()
    return parsed


def _solutions_follow(blocks: list[Block], index: int, drafts: list[_Draft]) -> bool:
    """Whether the heading at `index` begins a worked-solutions section: the next line — after an
    answer table, if any — names, as "Câu N.", a question the file already has (under a question,
    "Lời giải" followed by its solution is that question's own)."""
    numbers = {draft.number for draft in drafts}
    for block in blocks[index + 1:]:
        text = block.text.strip()
        if not text or "\t" in text or SECTION.match(text) or _roman_section(text) or \
                KEY_LINE.fullmatch(text):
            continue   # the answer table before the solutions
        found = QUESTION.match(text)
        return bool(found) and int(found.group(1)) in numbers
    return False


def _solution_line(block: Block, text: str, solutions: dict, solution: tuple[int, int] | None, part: int,
                   key_lines: list[Block], parsed: Parsed,
                   headings: dict[int, int]) -> tuple[tuple[int, int] | None, int]:
    """One line of the worked-solutions section: a part heading, a "Câu N." entry, a line of the
    entry above, the HẾT mark, or — before any entry — an answer table (read with the key)."""
    if END.match(text):
        parsed.skipped.append(("end", block.number, text))
        return None, part
    if (SECTION.match(text) or _roman_section(text)) and not QUESTION.match(text):
        part = _heading_part(text, part)
        headings.setdefault(part, block.number)
        return None, part
    found = QUESTION.match(text)
    if found:
        entry = (part, int(found.group(1)))
        if entry in solutions:
            parsed.errors.append((block.number, _("phần lời giải có câu %(n)s hai lần (%(unit)s %(first)s và %(unit)s "
                                                  "%(second)s)", n=entry[1], unit=_unit(parsed.unit),
                                                  first=solutions[entry][0], second=block.number)))
            return None, part
        rest = text[found.end():].strip()
        solutions[entry] = (block.number, [rest] if rest else [])
        return entry, part
    if solution is not None:
        solutions[solution][1].append(text)
        return solution, part
    key_lines.append(block)
    return None, part


def _solution_of(draft: _Draft, place: int, solutions: dict, solved: set) -> tuple[str, str | None, int] | None:
    """The worked solution the solutions section gives a question — (its text, the answer its first
    words give ("Chọn B."), its line) — by the question's part, or by its number in a section
    without parts."""
    for entry in ((place, draft.number), (0, draft.number)):
        if entry in solutions and entry not in solved:
            solved.add(entry)
            line, lines = solutions[entry]
            text = "\n".join(lines).strip()
            chosen = SOLUTION_KEY.match(text)
            return text, chosen.group(1).upper() if chosen else None, line
    return None


def _take_mark(draft: _Draft, block: Block) -> Block:
    """The question's first line without the marks written by its number or at its end, which
    become the question's marks."""
    text = block.text
    first = MARK_FIRST.match(text)
    if first:
        draft.mark = first.group(1)
        return _strip_prefix(block, first.end())
    last = MARK_LAST.search(text)
    if last and text[:last.start()].strip():
        draft.mark = last.group(1)
        return _strip_suffix(block, len(text) - last.start())
    return block


def _strip_suffix(block: Block, length: int) -> Block:
    runs: list[Run] = []
    left = length
    for run in reversed(block.runs):
        size = len(run.text) if run.image is None else len(f"![](image:{run.image})")
        if left <= 0:
            runs.append(run)
        elif run.image is None and left < size:
            runs.append(Run(run.text[:size - left], run.flags, math=run.math))
        left -= size
    return Block(block.number, list(reversed(runs)))


def _strip_prefix(block: Block, offset: int) -> Block:
    runs, skipped = [], 0
    for run in block.runs:
        if run.image is not None:
            runs.append(run)
            continue
        if skipped + len(run.text) <= offset:
            skipped += len(run.text)
            continue
        cut = max(0, offset - skipped)
        runs.append(Run(run.text[cut:], run.flags, math=run.math))
        skipped += len(run.text)
    return Block(block.number, runs)


def _chars(block: Block) -> tuple[str, list[frozenset]]:
    text, flags = [], []
    for run in block.runs:
        piece = run.text if run.image is None else f"![](image:{run.image})"
        text.append(piece)
        flags.extend([run.flags] * len(piece))
    return "".join(text), flags


def _absorb(draft: _Draft, block: Block, parsed: Parsed) -> None:
    text, flags = _chars(block)
    stripped = text.strip()
    guide = GUIDE.match(stripped)
    if guide:
        draft.in_guide, draft.in_feedback = True, False
        if guide.group(1).strip():
            draft.guide.append(guide.group(1).strip())
        return
    feedback = FEEDBACK.match(stripped)
    if feedback:
        draft.in_feedback, draft.in_guide = True, False
        if (feedback.group(1) or "").strip():
            draft.feedback.append(feedback.group(1).strip())
        return
    if draft.in_feedback:
        draft.feedback.append(stripped)
        return
    if draft.in_guide:
        draft.guide.append(stripped)
        return
    answer = INLINE_ANSWER.match(stripped)
    if answer:
        draft.answer, draft.answer_line = answer.group(1).strip(), block.number
        return
    for pattern, target in ((OPTION, draft.options), (STATEMENT, draft.statements)):
        found = _labelled(text.strip(), flags[len(text) - len(text.lstrip()):], pattern, block.number)
        if found:
            target.extend(found)
            if target is draft.statements:
                draft.body.append(block)
            return
    if draft.options or draft.statements:
        # A line after the options continues the last one (a long option over two lines).
        target = draft.options or draft.statements
        if not draft.options:
            draft.body.append(block)
        letter, value, f, star, line = target[-1]
        target[-1] = (letter, f"{value} {stripped}", f, star, line)
        return
    draft.stem.append(block)
    draft.body.append(block)


def _labelled(text: str, flags: list[frozenset], pattern: re.Pattern, line: int) -> list:
    """Options (or statements) on this line: it must start with a label, and further labels
    count only in order (A. … B. …); anything else — “B. ” inside a sentence — stays text."""
    matches = list(pattern.finditer(text))
    if not matches or text[:matches[0].start()].strip():
        return []
    chosen = [matches[0]]
    for m in matches[1:]:
        if ord(m.group(2)) == ord(chosen[-1].group(2)) + 1:
            chosen.append(m)
    out = []
    for i, m in enumerate(chosen):
        end = chosen[i + 1].start() if i + 1 < len(chosen) else len(text)
        value = text[m.end():end].strip()
        span = [f for ch, f in zip(text[m.start():end], flags[m.start():end]) if not ch.isspace()]
        marked = frozenset().union(*span) if span else frozenset()
        out.append((m.group(2), value, marked, bool(m.group(1)), line))
    return out


_ROMAN_NUMERALS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def _answer_heading(text: str, current: _Draft | None) -> bool:
    """Whether a line heads the answer section (see KEY_SECTION): what follows it is the key and
    the marking guide, never questions. "Hướng dẫn chấm:" in ordinary case under a question is that
    question's own guide."""
    if KEY_ONLY.match(text):
        return not (current is not None and GUIDE.match(text) and any(ch.islower() for ch in text))
    return bool(KEY_SECTION.match(text)) and not any(ch.islower() for ch in text)


def _roman_section(text: str) -> str | None:
    """A part headed "II. TỰ LUẬN (7,0 điểm)" as the category "Phần II. TỰ LUẬN (7,0 điểm)"."""
    found = ROMAN_SECTION.match(text)
    return f"Phần {found.group(1)}. {found.group(2)}" if found else None


_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def _numeral(text: str) -> int | None:
    """The number of a Roman numeral ("III" → 3, "IV" → 4) or of digits ("2"); None otherwise."""
    text = text.strip().upper()
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _ROMAN for ch in text):
        return None
    total = 0
    for ch, after in zip(text, text[1:] + " "):
        value = _ROMAN[ch]
        total += -value if _ROMAN.get(after, 0) > value else value
    return total if total > 0 else None


def _roman(number: int) -> str:
    return _ROMAN_NUMERALS[number - 1] if 0 < number <= len(_ROMAN_NUMERALS) else str(number)


def _question_part(text: str, part: int) -> int:
    """The part a heading among the questions starts: the numeral it writes (PHẦN I then PHẦN III
    are parts 1 and 3, as the answer section names them), or the next part when it writes none or
    one not after the part before it — parts of the questions never merge."""
    number = _heading_part(text, part)
    return number if number > part else part + 1


def _heading_part(text: str, part: int) -> int:
    """The part a heading in the answer section names by its numeral ("PHẦN III" → 3, "II. TỰ LUẬN"
    → 2), whatever came before it; a heading without one ("A. TRẮC NGHIỆM") is the next part."""
    found = SECTION.match(text) or ROMAN_SECTION.match(text)
    number = _numeral(found.group(1)) if found else None
    return number if number and number < 100 else part + 1


def _read_key(blocks: list[Block], parsed: Parsed, notes: dict[tuple[int, int], tuple[int, str, bool, bool]],
              headings: dict[int, int]) -> dict[tuple[int, int], tuple[int, str, bool, bool]]:
    """The answer table: tokens `1-A`, `2.ĐSĐĐ`, `3: 3,75`; or a Word table whose rows are
    `Câu | 1 | 2 …` and `Đáp án | A | C …` (or one row per question); or a line “Câu 2. …” of its
    own, read whole with the lines under it (an essay's marking guide, never cut to its first word).
    Keyed by (part, number): part 0 for a key without parts, else 1, 2… for the key's own
    "PHẦN I", "PHẦN II"… lines (each part's first heading line goes to `headings`). Each entry is (line, text, written whole, under a TỰ LUẬN heading).
    The "Câu N. …" lines go to `notes`, not to the key: what they are — a written question's answer
    or marking guide, or a worked solution of a question the key table answers — depends on the
    question (see `_note_for`)."""
    key: dict[tuple[int, int], tuple[int, str, bool, bool]] = {}
    rows = [(b.number, b.text.split("\t")) for b in blocks]
    part = 0
    essay = False
    guide: tuple[int, int] | None = None   # the whole-line entry that lines without an entry continue
    mark_column: int | None = None         # a marking-guide table's "Điểm" column, once its heading row is read
    last: tuple[int, int] | None = None    # the table row's entry that rows with an empty first cell continue
    i = 0
    while i < len(rows):
        line, cells = rows[i]
        cells = [c.strip() for c in cells]
        if not any(cells):
            i += 1
            continue
        heading = SECTION.match(cells[0]) or _roman_section(cells[0]) or \
            (len(cells) == 1 and LETTER_SECTION.match(cells[0]))
        if heading and not KEY_TOKEN.match(cells[0].split(".", 1)[-1].split(":", 1)[-1].strip()):
            part = _heading_part(cells[0], part)
            headings.setdefault(part, line)
            essay = bool(ESSAY_PART.search(cells[0]))
            guide = None
            i += 1
            continue
        whole = QUESTION.match(cells[0]) if len(cells) == 1 else None
        if whole and not re.search(r"(?i)\b(?:câu|cau)\s*\d", cells[0][whole.end():]) and cells[0][whole.end():].strip():
            guide = (part, int(whole.group(1)))
            notes[guide] = (line, cells[0][whole.end():].strip(), True, essay)
            i += 1
            continue
        if guide is not None and len(cells) == 1 and not QUESTION.match(cells[0]) \
                and not KEY_LINE.fullmatch(cells[0]):   # a solution's "1. 2x = 4" is not a key line
            first, value, _whole, in_essay = notes[guide]
            notes[guide] = (first, f"{value}\n{cells[0].strip()}", True, in_essay)
            i += 1
            continue
        guide = None
        if heading:   # "PHẦN I: 1-B 2-C …" on one line
            part = _heading_part(cells[0], part)
            headings.setdefault(part, line)
            essay = bool(ESSAY_PART.search(cells[0]))
            cells = [re.sub(r"^\s*(?:phần|phan)?\s*[IVXLC\d]+\s*[.:\-–)]\s*", "", cells[0], flags=re.IGNORECASE),
                     *cells[1:]]
        if len(cells) >= 2 and re.match(r"(?i)^\s*câu\s*$", cells[0]) and i + 1 < len(rows):
            numbers = cells[1:]
            if not any(n.isdigit() for n in numbers):   # "Câu | Nội dung | Điểm": a marking guide's columns
                mark_column = next((j for j, c in enumerate(cells) if _MARK_HEADING.match(c)), None)
                i += 1
                continue
            values = rows[i + 1][1][1:]
            for n, v in zip(numbers, values):
                if n.strip().isdigit() and v.strip():
                    key[(part, int(n))] = (line, v.strip(), False, essay)
            i += 2
            continue
        numbered = re.match(r"(?i)^(?:(?:câu|cau|bài|bai)\s*)?(\d{1,4})\b", cells[0]) if len(cells) >= 2 else None
        if numbered or (len(cells) >= 2 and not cells[0] and last is not None):
            # A row of the answer table ("1 | B") or of a marking guide ("Câu 2 | a) x = 1 | 0,5", and
            # rows under it whose first cell is empty): the guide is kept whole with its marks.
            if mark_column is not None and 0 < mark_column < len(cells):
                # The guide's own "Điểm" column: what it holds must read as marks ("0,5", "0,5đ").
                written = cells[mark_column]
                body = [c for j, c in enumerate(cells) if j and j != mark_column and c]
                mark = _guide_mark(written) if written else None
                if written and mark is None:
                    where = _("câu %(n)s", n=numbered.group(1)) if numbered else _("dòng tiếp theo của câu trên")
                    parsed.errors.append((line, _("cột Điểm của hướng dẫn chấm (%(where)s) có “%(written)s”, không phải "
                                                  "số điểm (viết như 0,5 hoặc 0,25đ)", where=where,
                                                  written=written[:20])))
            else:
                body = [c for c in cells[1:] if c]
                mark = body.pop() if len(body) >= 2 and _guide_mark(body[-1]) is not None else None
                mark = _guide_mark(mark) if mark else None
            value = " ".join(body)
            if numbered:
                last = (part, int(numbered.group(1)))
                if not value:
                    i += 1
                    continue
                if " " not in value and mark is None:
                    key[last] = (line, value, False, essay)
                else:
                    key[last] = (line, value + (f" ({mark} điểm)" if mark else ""), True, essay)
            elif value:
                first, before, _whole, in_essay = key.get(last, (line, "", True, essay))
                key[last] = (first, "\n".join(x for x in (before, value + (f" ({mark} điểm)" if mark else "")) if x),
                             True, in_essay)
            i += 1
            continue
        last = None
        text = " ".join(c for c in cells if c)
        tokens = list(KEY_TOKEN.finditer(text))
        if not tokens and NOTE.match(text) and sum(any(ch.islower() for ch in w) for w in text.split()) >= 2:
            parsed.skipped.append(("key", line, text))   # “Mỗi câu đúng được 0,25 điểm.”: to the marker
            i += 1
            continue
        if not tokens:
            parsed.errors.append((line, _("không đọc được %(unit)s đáp án “%(text)s” (viết như 1-A 2-C 3-ĐSĐĐ)",
                                          unit=_unit(parsed.unit), text=text[:60])))
        for t in tokens:
            key[(part, int(t.group(1)))] = (line, t.group(2), False, essay)
        i += 1
    if part and any(entry[0] == 0 for entry in (*key, *notes)):
        # A key table with no heading above it, then "PHẦN II", "PHẦN III": the table is part I.
        for found in (key, notes):
            for entry in [e for e in found if e[0] == 0]:
                if (1, entry[1]) not in found:
                    found[(1, entry[1])] = found.pop(entry)
    return key


_MARK_HEADING = re.compile(r"(?i)^\s*(?:điểm|diem|thang\s*điểm|biểu\s*điểm|điểm\s*số)\s*$")


def _guide_mark(text: str) -> str | None:
    """Marks as a marking guide writes them ("0,5", "0.25", "1 đ", "0,5 điểm"), as written without
    the unit; None when they do not read as a number."""
    value = re.sub(r"(?i)\s*(?:điểm|diem|đ)\s*$", "", text.strip())
    return value if value and parse_number(value) is not None else None


def _chosen_by_format(items: list[tuple]) -> set[int] | None:
    """Which options the formatting marks right: the strongest kind that marks some, not all."""
    for kind in MARK_ORDER:
        marked = {i for i, item in enumerate(items) if kind in item[2]}
        if marked and len(marked) < len(items):
            return marked
    return None


# An answer made only of digits, signs and separators is meant as a number: it must read as one.
_NUMERIC_LOOKING = re.compile(r"[-+−]?[\d\s.,]*\d[\d\s.,]*")


def _is_guide(text: str) -> bool:
    """Whether an answer-section text written whole is a marking guide, not a short answer: a
    sentence (more than five words, or over several lines), one that gives marks (“1,0 điểm”), or a
    worked step ("2,5 + 1,25 = 3,75", an equation): never taken for the answer itself."""
    return len(text.split()) > 5 or "\n" in text or bool(re.search(r"(?i)\bđiểm\b", text)) or "=" in text or "$" in text


# A "Câu N. …" line of the answer section that is a key, not a solution: "B", "A, C", "ĐSĐĐ", or
# a letter with its reason after it ("B. Vì …").
_NOTE_LETTERS = re.compile(r"^\s*((?-i:[A-F])(?:\s*[,;]?\s*(?-i:[A-F]))*)\s*(?:[.:)]\s*(.*))?$", re.DOTALL)


def _note_key(text: str, draft: _Draft) -> tuple[str | None, str]:
    """A choice or true/false question's "Câu N. …" line of the answer section as (the key it
    writes, or None; what it says besides, the explanation). Only a key written as one counts —
    "B", "B. Vì …", "ĐSĐĐ", "Chọn C. …", "Đáp án: A" — never a letter found in a worked solution."""
    if draft.statements and not draft.options and TRUTH_KEY.fullmatch(text.split("\n", 1)[0]):
        head, _sep, rest = text.partition("\n")
        return head.strip(), rest.strip()
    if draft.options:
        letters = _NOTE_LETTERS.match(text)
        if letters and (letters.group(2) is not None or "\n" not in text):
            return letters.group(1), (letters.group(2) or "").strip()
    chosen = SOLUTION_KEY.match(text)
    return (chosen.group(1).upper() if chosen else None), text.strip()


def _as_written(draft: _Draft) -> str | None:
    """A question's lines as the file has them — its text, statements and options (formulas as
    $…$) — so a question that could not be read shows what its errors are about."""
    lines = [b.text.strip() for b in (draft.body or draft.stem)]
    lines += [f"{letter}. {text.strip()}" for letter, text, *_rest in draft.options]
    return "\n".join(line for line in lines if line) or None


def _finish(draft: _Draft, key: tuple[int, str, bool, bool] | None, parsed: Parsed,
            why: str | None = None) -> ImportedQuestion | None:
    where = draft.line
    label = _label(draft.number)
    given = key[1] if key else draft.answer
    essay = bool(draft.category and ESSAY_PART.search(draft.category)) or bool(key and key[3])
    if draft.statements and (essay or draft.options or
                             len(draft.statements) < 4 and not (given and TRUTH_KEY.fullmatch(given))):
        # "a) x² − 9; b) x³ − 2x² + x": the parts of a written answer, or the claims a choice
        # question asks about ("Số khẳng định đúng là" A. 1 B. 2…), not a true/false cluster.
        draft.stem, draft.statements = draft.body, []
    stem = "\n".join(b.text.strip() for b in draft.stem).strip()
    if not stem:
        parsed.errors.append((where, f"{label}: {_('thiếu nội dung câu hỏi')}"))
        return None
    feedback = "\n".join(draft.feedback).strip() or None
    written = "\n".join(draft.guide).strip()   # "Hướng dẫn chấm:" under the question
    short = not essay and draft.short_part and not draft.options \
        and not draft.statements and not written
    guided = not draft.options and key and (essay or key[2] and _is_guide(key[1]))
    if short and (not given or guided):
        # A short answer without a key stays one, with no answers: what to make of it (the key
        # added, or kept as an essay) is the teacher's choice at the import (importing.plan_import),
        # never decided here. A worked line of the answer section is its explanation.
        worked = key[1].strip() if guided else ""
        feedback = "\n".join(part for part in (feedback, worked) if part) or None
        return ImportedQuestion("short_answer", None, stem, [], feedback, draft.category)
    if written and not guided and (draft.options or draft.statements or given):
        parsed.errors.append((where, f"{label}: " + _("“Hướng dẫn chấm” chỉ dành cho câu tự luận; câu này có đáp án "
                                                      "nên được chấm tự động — bỏ dòng hướng dẫn chấm hoặc bỏ đáp án")))
        return None
    if guided:
        # Under the answer section, what is written for a written question is how to mark it.
        guide = "\n".join(part for part in (written, key[1]) if part)
        return ImportedQuestion("essay", None, stem, [], feedback, draft.category, guide=guide)
    if written:
        return ImportedQuestion("essay", None, stem, [], feedback, draft.category, guide=written)
    if draft.options:
        letters = [o[0] for o in draft.options]
        if letters != list("ABCDEF"[:len(letters)]):
            wrong = next(o for o, want in zip(draft.options, "ABCDEF") if o[0] != want)
            parsed.errors.append((wrong[4], f"{label}: " + _("các phương án phải theo thứ tự A, B, C… (thấy %(seen)s)", seen=", ".join(letters))))
            return None
        if len(letters) < 2:
            parsed.errors.append((where, f"{label}: " + _("cần ít nhất hai phương án")))
            return None
        empty = next((o for o in draft.options if not o[1]), None)
        if empty:
            parsed.errors.append((empty[4], f"{label}: " + _("phương án %(letter)s để trống", letter=empty[0])))
            return None
        if given:
            wanted = [ch for ch in given.upper() if ch.isalpha()]
            if not wanted or any(ch not in letters for ch in wanted):
                parsed.errors.append((key[0] if key else where, f"{label}: " + _("đáp án “%(given)s” không phải phương án đã có", given=given)))
                return None
            right = {letters.index(ch) for ch in wanted}
        else:
            starred = {i for i, o in enumerate(draft.options) if o[3]}
            right = starred or _chosen_by_format(draft.options)
        if not right:
            parsed.errors.append((where, f"{label}: " + (_("chưa có đáp án — %(why)s", why=why) if why else
                                  _("chưa có đáp án — đánh dấu phương án đúng (gạch chân, tô đỏ, in đậm hoặc dấu * "
                                    "trước chữ cái) hoặc thêm bảng đáp án ở cuối tệp"))))
            return None
        kind = "single_choice" if len(right) == 1 else "multiple_choice"
        share = 1.0 / len(right)
        answers = [ImportedAnswer(o[1], (1.0 if kind == "single_choice" else share) if i in right else
                                  (0.0 if kind == "single_choice" else -share)) for i, o in enumerate(draft.options)]
        return ImportedQuestion(kind, None, stem, answers, feedback, draft.category)
    if draft.statements:
        letters = [s[0] for s in draft.statements]
        if letters != list("abcd"):
            parsed.errors.append((draft.statements[0][4], f"{label}: " + _("câu đúng/sai cần đúng bốn ý a), b), c), d) (thấy %(seen)s)", seen=", ".join(letters))))
            return None
        if given:
            truths = [TRUTH.get(ch) for ch in given.lower() if ch in "đds"]
            if len(truths) != 4:
                parsed.errors.append((key[0] if key else where, f"{label}: " + _("đáp án “%(given)s” cần bốn chữ Đ/S, ví dụ ĐSĐĐ", given=given)))
                return None
        else:
            marked = {i for i, s in enumerate(draft.statements) if s[3]} or _chosen_by_format(draft.statements)
            if not marked:
                parsed.errors.append((where, f"{label}: " + (_("chưa có đáp án Đ/S cho bốn ý — %(why)s", why=why) if why
                                      else _("chưa có đáp án Đ/S cho bốn ý (thêm vào bảng đáp án, ví dụ %(n)s-ĐSĐĐ)",
                                             n=draft.number))))
                return None
            truths = [i in marked for i in range(4)]
        answers = [ImportedAnswer(s[1], 1.0 if t else 0.0) for s, t in zip(draft.statements, truths)]
        return ImportedQuestion("tf_cluster", None, stem, answers, feedback, draft.category)
    if given:
        number = parse_number(given.replace("−", "-"))
        if number is not None:
            return ImportedQuestion("numerical", None, stem, [ImportedAnswer(fmt(number), 1.0, tolerance=0.0)],
                                    feedback, draft.category)
        accepted = [a.strip() for a in re.split(r"\s*(?:;|\bhoặc\b)\s*", given) if a.strip()]
        malformed = next((a for a in accepted if _NUMERIC_LOOKING.fullmatch(a) and parse_number(a.replace("−", "-"))
                          is None), None)
        if malformed is not None:
            parsed.errors.append((key[0] if key else draft.answer_line or where,
                                  f"{label}: " + _("đáp án “%(given)s” không phải là một số (viết như 3,75 hoặc -2,5, "
                                                   "không dùng dấu phân cách hàng nghìn; các đáp án được chấp nhận cách "
                                                   "nhau bằng dấu ;)", given=malformed)))
            return None
        return ImportedQuestion("short_answer", None, stem, [ImportedAnswer(a, 1.0) for a in accepted], feedback,
                                draft.category)
    return ImportedQuestion("essay", None, stem, [], feedback, draft.category)


def parse_text(text: str) -> Parsed:
    return parse_blocks(blocks_of_text(text))


def parse_docx(data: bytes) -> Parsed:
    images: list[tuple[str, bytes]] = []
    try:
        blocks = blocks_of_docx(data, images)
    except Exception:  # python-docx raises many kinds for a damaged file
        parsed = Parsed()
        parsed.errors.append((1, _("không mở được tệp Word (.docx); hãy lưu lại bằng Word rồi tải lên")))
        return parsed
    return parse_blocks(blocks, images, unit="đoạn")
