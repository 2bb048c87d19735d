"""What every question type is (`QuestionType`) and the helpers the types share.

A type is a class with class methods only (its data lives in the question version's JSON, never
on the class): the registry in `qtypes/__init__.py` maps a code to the class. Pure: no Flask, no
database. Fractions are `Decimal` (data keeps them as strings); a response is a JSON value, by
option id — never by displayed letter.
"""
from __future__ import annotations

import re
import secrets
from decimal import Decimal, InvalidOperation
from random import Random

from markupsafe import Markup, escape

from lms.core.errors import ValidationError
from lms.core.markdown import render_markdown
from lms.core.text import nfc
from lms.i18n import lazy_gettext as _l

ONE, ZERO = Decimal(1), Decimal(0)
MAX_OPTIONS = 12
MAX_TEXT = 20_000
LETTERS = "ABCDEFGHIJKL"


class ResponseError(ValueError):
    """A response the question cannot take (wrong shape, unknown option, too long)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def new_id() -> str:
    return "o" + secrets.token_hex(4)


def dec(value, what, field: str | None = None) -> Decimal:
    try:
        result = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationError(_l("%(w)s: “%(v)s” không phải là số.", w=what, v=value), field=field) from None
    if not result.is_finite():
        raise ValidationError(_l("%(w)s: “%(v)s” không phải là số.", w=what, v=value), field=field)
    return result


def row_field(name: str, row: int) -> str:
    """The field of a refusal about one input of an editor's row — its name and its row on the
    page ("opt_fraction@2") — so the page marks that very input and says why beside it."""
    return f"{name}@{row}"


def percent(value, what, field: str = "options") -> Decimal:
    """A percentage typed by a teacher (100, 50, -25, 33,333) as a fraction."""
    text = str(value or "0").strip() or "0"
    fraction = dec(text, what, field) / 100
    if not -ONE <= fraction <= ONE:
        raise ValidationError(_l("%(w)s: tỷ lệ điểm phải từ -100 đến 100.", w=what), field=field)
    return fraction


def fmt(d: Decimal) -> str:
    return format(d.normalize(), "f") if d != 0 else "0"


def gift_percent(fraction: str) -> str:
    """A stored fraction as the percentage GIFT writes ("0.125" → "12.5")."""
    return format((Decimal(fraction) * 100).normalize(), "f")


def shown(number: str) -> str:
    """A number stored with a point ("3.14") as its reader writes it: "3,14" in Vietnamese, "3.14"
    in English (a printed paper: in the paper's language). Anything else ("*") as it is."""
    from lms.core.numbers import local_decimal

    try:
        return local_decimal(Decimal(number)) if Decimal(number).is_finite() else number
    except (InvalidOperation, ValueError):
        return number


def pct(fraction: str) -> str:
    """A stored fraction as the percentage the editor shows, in its reader's language ("0.125" →
    "12,5"; "12.5" in English)."""
    return shown(gift_percent(fraction))


def numbered_rows(form, *names: str, content: tuple[int, ...] = (1,)) -> list[tuple[int, tuple[str, ...]]]:
    """The editor's repeated rows (lists of the same length), each with its number on the page
    (from 1, blank rows counted: a message names the row the teacher sees). A row whose content
    columns are all blank is dropped, whatever defaults its other columns carry."""
    lists = [form.getlist(n) for n in names]
    width = max((len(x) for x in lists), default=0)
    out = []
    for i in range(width):
        row = tuple((lst[i] if i < len(lst) else "") for lst in lists)
        if any(nfc(row[c]) for c in content):
            out.append((i + 1, row))
    return out


def rows(form, *names: str, content: tuple[int, ...] = (1,)) -> list[tuple[str, ...]]:
    """The editor's repeated rows without their numbers (see `numbered_rows`)."""
    return [row for _n, row in numbered_rows(form, *names, content=content)]


def typed_rows(form, *names: str) -> list[dict]:
    """The editor's rows as typed (after an error or "more rows"), by the part after the prefix."""
    lists = [form.getlist(n) for n in names]
    width = max((len(x) for x in lists), default=0)
    return [{n.split("_", 1)[1]: (lst[i] if i < len(lst) else "") for n, lst in zip(names, lists)}
            for i in range(width)]


def checked(form, name: str) -> bool:
    """A checkbox with a hidden "0" before it: the form sends `name=0` and, when ticked, also
    `name=1`; ticked is whether a "1" is among them (the first value is always the "0")."""
    return "1" in form.getlist(name)


# What Markdown reads as the start of a block: "5." or "2)" (a numbered list), "-", "+", "*" (a
# bulleted one), "#" (a heading), ">" (a quotation).
_BLOCK_START = re.compile(r"^(\s{0,3})(?:(\d{1,9})([.)])(?=\s|$)|([-+*]|#{1,6})(?=\s|$)|(>))")


def one_line(text: str | None) -> str:
    """A one-line text (an option "5.", an answer "- 2") kept as the words it is: Markdown would
    make "A. 5." a numbered list starting at 5 with nothing in it. Texts of several lines keep
    their lists and headings."""
    text = text or ""
    if "\n" in text.strip():
        return text

    def escaped(match: re.Match) -> str:
        if match.group(2):
            return f"{match.group(1)}{match.group(2)}\\{match.group(3)}"
        return f"{match.group(1)}\\{match.group(4) or match.group(5)}"

    return _BLOCK_START.sub(escaped, text, count=1)


_SOFT_BREAK = re.compile(r"(?<=\S)[ \t]*\n(?=[ \t]*\S)")


# A line that starts with a number the teacher typed ("1. …", "2) …"): Markdown would make it a
# numbered list, drawn with numbers of its own — "1)" became "1.", a list after a sentence could
# start again at 1, and where lists cannot be drawn (plain text, a spreadsheet) the numbers went.
_TYPED_NUMBER = re.compile(r"^([ \t]{0,3})(\d{1,9})([.)])(?=[ \t]|$)", re.M)


def as_written(text: str | None) -> str:
    """A question's text as Markdown that keeps the teacher's lines: "Giải phương trình:", "a) …",
    "b) …" each on its own line (Markdown joins the lines of a paragraph into one, so an essay's
    parts ran together on screen and on paper), and **the numbers the teacher typed or Word
    numbered** ("1. …", "2) …") as written, never a Markdown list that numbers its own way. A
    one-line text is kept as the words it is (see `one_line`); blank lines still separate
    paragraphs, and bullets, tables and formulas are unchanged."""
    text = text or ""
    if "\n" not in text.strip():
        return one_line(text)
    return _SOFT_BREAK.sub("  \n", _TYPED_NUMBER.sub(r"\1\2\\\3", text))


def text_html(text: str | None) -> str:
    """A question's text, a marking guide or a feedback as HTML, its lines as written."""
    return render_markdown(as_written(text))


def inline(text: str | None) -> Markup:
    """A question's or option's text as HTML (Markdown and $math$), without the paragraph around
    a single line: how a text is shown wherever it appears, never as raw `$…$`."""
    html = render_markdown(as_written(text))
    if html.startswith("<p>") and html.rstrip().endswith("</p>") and html.count("<p>") == 1:
        html = html.strip()[3:-4]
    # Safe to mark: render_markdown's output, sanitised by nh3 with an allowlist.
    return Markup(html)  # nosec B704


def filled(response) -> bool:
    return response not in (None, "", [], {})


class QuestionType:
    """One kind of question. Subclasses set `code`, `label`, `auto` and override what differs."""

    code: str = ""
    label = ""
    auto: bool = True        # graded at submit (False: a teacher marks it)
    scored: bool = True      # False: a passage, worth nothing
    editor: str = ""         # the editor template under exams/editors/ ("" → the code)

    # ------------------------------------------------------------ authoring

    @classmethod
    def parse_editor(cls, form) -> dict:
        """The editor form → data (raises ValidationError naming the field)."""
        return {}

    @classmethod
    def check(cls, data: dict) -> None:
        """Data is complete and consistent (after an edit or an import)."""

    @classmethod
    def editor_rows(cls, data: dict | None, typed, extra: int) -> dict:
        """What the editor shows: the saved data, or the form as typed (`typed`, after an error or
        "more rows"), plus `extra` blank rows to fill."""
        return {}

    # ------------------------------------------------------------ sitting it

    @classmethod
    def layout(cls, data: dict, rng: Random, shuffle: bool) -> dict:
        """This attempt's (or printed version's) order of options, drawn once and stored."""
        return {}

    @classmethod
    def public(cls, data: dict, layout: dict) -> dict:
        """All the pupil's page may know: texts and ids in display order, never a key."""
        return {}

    @classmethod
    def normalize(cls, data: dict, layout: dict, raw):
        """A saved response, checked and canonical (raises ResponseError)."""
        return None

    @classmethod
    def answered(cls, response) -> bool:
        return filled(response)

    # ------------------------------------------------------------ marking and review

    @classmethod
    def grade(cls, data: dict, response) -> Decimal | None:
        """The fraction 0…1 earned; None for a teacher to mark."""
        return ZERO

    @classmethod
    def right(cls, data: dict):
        """The right response, in the shape of a response (None: there is none)."""
        return None

    @classmethod
    def right_html(cls, data: dict, public: dict) -> Markup:
        """The right answer in words for the review, the preview and the teacher's view."""
        right = cls.right(data)
        return inline(str(right)) if right is not None else Markup("")

    @classmethod
    def guide(cls, data: dict) -> str:
        """How a marker marks an answer (Markdown), beside the pupil's answer where it is graded by
        hand; "" for a type marked by its key."""
        return ""

    @classmethod
    def key_text(cls, data: dict, public: dict) -> str:
        """The right answer as printed in a version's answer key ("B", "ĐSĐĐ", "3,75"; "—")."""
        return "—"

    @classmethod
    def feedback(cls, data: dict, response) -> list[str]:
        """The feedback texts (Markdown) that this response earns."""
        return []

    @classmethod
    def response_text(cls, data: dict, public: dict, response) -> str:
        """A saved response as one line of plain text, as the pupil saw it (their letters, the
        texts they picked): a save in the history of a pupil's paper. "" when nothing is chosen."""
        if not cls.answered(response):
            return ""
        return response if isinstance(response, str) else str(response)

    # ------------------------------------------------------------ files

    @classmethod
    def from_imported(cls, question) -> dict:
        """Data of an `ImportedQuestion` (GIFT, Aiken, Word)."""
        return {}

    @classmethod
    def gift_body(cls, data: dict, esc) -> str:
        """The GIFT answer block's content."""
        return ""

    @classmethod
    def gift(cls, name: str, text: str, data: dict, general: str, esc) -> list[str]:
        """The question in GIFT (`name`, `text` and `general` feedback already escaped)."""
        head = f"::{name}:: " if name else ""
        tail = f"####{general}" if general else ""
        return [f"{head}{text} {{{cls.gift_body(data, esc)}{tail}}}\n"]

    @classmethod
    def write_docx(cls, document, data: dict, number: int, key: list[str]) -> None:
        """The question's options (or answer line) in the Word export; the answer table's entry
        goes into `key`."""

    # ------------------------------------------------------------ printing

    @classmethod
    def printed(cls, data: dict, public: dict, html) -> tuple[list[str], list[str]]:
        """(options, statements) of a printed question, each as HTML made by `html(text)`."""
        return [], []

    @classmethod
    def plain_right(cls, data: dict, public: dict) -> str:
        """The right answer as plain text (spreadsheets)."""
        return str(escape(cls.key_text(data, public)))
