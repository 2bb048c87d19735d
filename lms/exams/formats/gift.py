"""Moodle's GIFT format, as domain/exams.md §15.1 fixes it."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from lms.exams.formats import FormatError, ImportedAnswer, ImportedQuestion, numbered_lines
from lms.i18n import gettext as _

# Escaped characters become private-use placeholders, so that no scan mistakes them for syntax.
_ESCAPABLE = "\\:#={}~n"
_PLACEHOLDER = {ch: chr(0xE000 + i) for i, ch in enumerate(_ESCAPABLE)}
_RESTORE = {v: ("\n" if k == "n" else k) for k, v in _PLACEHOLDER.items()}
_MARKERS = ("[html]", "[moodle]", "[plain]", "[markdown]")
_WEIGHT = re.compile(r"^\s*%(-?\d+(?:[.,]\d+)?)%")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$")
_TAG = re.compile(r"\[tag:([^\]]*)\]")


def _encode(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPABLE:
            out.append(_PLACEHOLDER[text[i + 1]])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _restore(text: str) -> str:
    return "".join(_RESTORE.get(ch, ch) for ch in text)


def _part(text: str) -> str:
    """A text part: trimmed, a leading format marker removed, escapes resolved."""
    text = text.strip()
    for marker in _MARKERS:
        if text.startswith(marker):
            text = text[len(marker):].strip()
            break
    return _restore(text).strip()


def _optional(text: str | None) -> str | None:
    if text is None:
        return None
    value = _part(text)
    return value or None


def _weight(text: str, line: int) -> tuple[float | None, str]:
    """(fraction or None, the rest) for an answer that may start with %w%."""
    match = _WEIGHT.match(text)
    if match is None:
        if text.lstrip().startswith("%"):
            raise FormatError(line, _("trọng số không hợp lệ trong “%(text)s” (viết %%50%%)", text=_restore(text.strip())[:30]))
        return None, text
    weight = float(match.group(1).replace(",", "."))
    if not -100 <= weight <= 100:
        raise FormatError(line, _("trọng số %(w)s%% nằm ngoài khoảng −100…100", w=match.group(1)))
    return weight / 100, text[match.end():]


def _split_feedback(text: str) -> tuple[str, str | None]:
    head, sep, tail = text.partition("#")
    return head, (tail if sep else None)


def _cut(text: str, markers: str, line: int, *, allow_leading: bool) -> list[tuple[str, str]]:
    """(marker, content) for each part cut before every marker character."""
    pieces = re.split(f"([{re.escape(markers)}])", text)
    parts = []
    if pieces[0].strip():
        if not allow_leading:
            raise FormatError(line, _("có chữ trước đáp án đầu tiên: “%(text)s”", text=_restore(pieces[0].strip())[:30]))
        parts.append(("=", pieces[0]))
    parts += [(pieces[i], pieces[i + 1]) for i in range(1, len(pieces), 2)]
    return parts


def _answer(content: str, line: int) -> tuple[float | None, str, str | None]:
    """(weight, text, feedback) of one choice or short answer; an empty text is an error."""
    weight, rest = _weight(content, line)
    text, feedback = _split_feedback(rest)
    value = _part(text)
    if not value:
        raise FormatError(line, _("có một đáp án để trống"))
    return weight, value, feedback


def _choice(answer_text: str, line: int) -> tuple[str, list[ImportedAnswer]]:
    qtype = "single_choice" if "=" in answer_text else "multiple_choice"
    answers = []
    for marker, content in _cut(answer_text, "~=", line, allow_leading=False):
        weight, value, feedback = _answer(content, line)
        fraction = weight if weight is not None else (1.0 if marker == "=" else 0.0)
        answers.append(ImportedAnswer(value, fraction, _optional(feedback)))
    if len(answers) < 2:
        raise FormatError(line, _("câu trắc nghiệm cần ít nhất hai phương án"))
    if qtype == "single_choice":
        if abs(max(a.fraction for a in answers) - 1.0) > 1e-9:
            raise FormatError(line, _("câu một đáp án đúng cần một phương án được 100%"))
    elif abs(sum(a.fraction for a in answers if a.fraction > 0) - 1.0) > 0.005:
        raise FormatError(line, _("các phương án đúng của câu nhiều đáp án phải cộng lại 100%"))
    return qtype, answers


def _short_answer(answer_text: str, line: int) -> list[ImportedAnswer]:
    answers = []
    for _marker, content in _cut(answer_text, "=", line, allow_leading=True):
        weight, value, feedback = _answer(content, line)
        answers.append(ImportedAnswer(value, 1.0 if weight is None else weight, _optional(feedback)))
    if not answers:
        raise FormatError(line, _("câu trả lời ngắn cần ít nhất một đáp án"))
    return answers


def _true_false(answer_text: str) -> list[ImportedAnswer]:
    parts = answer_text.split("#", 2)
    key = parts[0].strip().upper() in ("T", "TRUE")
    wrong = _optional(parts[1]) if len(parts) > 1 else None
    right = _optional(parts[2]) if len(parts) > 2 else None
    return [ImportedAnswer("true", 1.0 if key else 0.0, right if key else wrong),
            ImportedAnswer("false", 0.0 if key else 1.0, wrong if key else right)]


def _number(text: str, line: int) -> Decimal:
    text = text.strip()
    if not _NUMBER.match(text):
        raise FormatError(line, _("“%(text)s” không phải là một số", text=_restore(text)[:30]))
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only numbers
        raise FormatError(line, _("“%(text)s” không phải là một số", text=_restore(text)[:30])) from exc


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _numerical(answer_text: str, line: int) -> list[ImportedAnswer]:
    body = answer_text[1:]
    catch_all = None
    if "~" in body:
        body, _sep, tail = body.partition("~")
        tail = tail.strip()
        if tail and not tail.startswith("#"):
            raise FormatError(line, _("sau dấu ~ của câu số chỉ được có #phản hồi"))
        catch_all = ImportedAnswer("*", 0.0, _optional(tail[1:]) if tail else None, None)
    answers = []
    for _marker, content in _cut(body, "=", line, allow_leading=True):
        weight, rest = _weight(content, line)
        value_text, feedback = _split_feedback(rest)
        value_text = _restore(value_text).strip()
        fraction = 1.0 if weight is None else weight
        if value_text == "*":
            answers.append(ImportedAnswer("*", fraction, _optional(feedback), None))
            continue
        if ".." in value_text:
            low_text, _sep, high_text = value_text.partition("..")
            low, high = _number(low_text, line), _number(high_text, line)
            if low > high:
                raise FormatError(line, _("khoảng giá trị có đầu dưới lớn hơn đầu trên"))
            value = (low + high) / 2
            tolerance = high - value
        elif ":" in value_text:
            value_part, _sep, tolerance_part = value_text.partition(":")
            value, tolerance = _number(value_part, line), _number(tolerance_part, line)
            if tolerance < 0:
                raise FormatError(line, _("sai số không được âm"))
        else:
            value, tolerance = _number(value_text, line), Decimal(0)
        answers.append(ImportedAnswer(_plain(value), fraction, _optional(feedback), float(tolerance)))
    if not answers:
        raise FormatError(line, _("câu số cần ít nhất một đáp án"))
    if catch_all is not None:
        answers.append(catch_all)
    return answers


def _matching(answer_text: str, line: int) -> list[ImportedAnswer]:
    answers = []
    for _marker, content in _cut(answer_text, "=", line, allow_leading=False):
        left, arrow, right = content.partition("->")
        if not arrow:
            raise FormatError(line, _("mỗi cặp ghép cần dấu ->"))
        match = _part(right)
        if not match:
            raise FormatError(line, _("vế phải của một cặp ghép để trống"))
        text = _part(left)
        answers.append(ImportedAnswer(text, 1.0 if text else 0.0, None, None, match))
    if sum(1 for a in answers if a.text) < 2:
        raise FormatError(line, _("câu ghép cần ít nhất hai cặp"))
    return answers


def _question(raw: str, line: int, category: str | None, tags: list[str]) -> ImportedQuestion:
    text = _encode(raw).strip()
    name = None
    if text.startswith("::"):
        end = text.find("::", 2)
        if end < 0:
            raise FormatError(line, _("tên câu hỏi mở bằng :: nhưng không đóng bằng ::"))
        name = _restore(text[2:end]).strip() or None
        text = text[end + 2:].strip()
    opens, closes = text.count("{"), text.count("}")
    answer_text, general = "", None
    if opens == 0 and closes == 0:
        qtype, question_text, answers = "description", text, []
    else:
        start, end = text.find("{"), text.find("}")
        if opens != 1 or closes != 1 or end < start:
            raise FormatError(line, _("cần đúng một cặp { } (viết \\{ \\} cho ngoặc thường)"))
        inner = text[start + 1:end]
        if text.endswith("}"):
            question_text = text[:start]
        else:
            question_text = text[:start] + "_____" + text[end + 1:]
        if "####" in inner:
            cut = inner.rfind("####")
            inner, general = inner[:cut], inner[cut + 4:]
        answer_text = inner.strip()
        if not answer_text:
            qtype, answers = "essay", []
        elif answer_text.startswith("#"):
            qtype, answers = "numerical", _numerical(answer_text, line)
        elif "~" in answer_text:
            qtype, answers = _choice(answer_text, line)
        elif "=" in answer_text and "->" in answer_text:
            qtype, answers = "matching", _matching(answer_text, line)
        elif answer_text.split("#", 1)[0].strip().upper() in ("T", "TRUE", "F", "FALSE"):
            qtype, answers = "true_false", _true_false(answer_text)
        else:
            qtype, answers = "short_answer", _short_answer(answer_text, line)
    question_text = _part(question_text)
    if not question_text:
        raise FormatError(line, _("nội dung câu hỏi để trống"))
    return ImportedQuestion(qtype, name, question_text, answers, _optional(general), category, list(tags))


def parse(text: str) -> list[ImportedQuestion]:
    """Every question of a GIFT file, or FormatError naming the line of the first error."""
    questions: list[ImportedQuestion] = []
    category: str | None = None
    block: list[tuple[int, str]] = []
    tags: list[str] = []

    def flush() -> None:
        nonlocal category, block, tags
        lines = block
        if lines and lines[0][1].startswith("$CATEGORY:"):
            category = lines[0][1][len("$CATEGORY:"):].strip() or None
            lines = lines[1:]
        if lines:
            questions.append(_question("\n".join(t for _, t in lines), lines[0][0], category, tags))
        block, tags = [], []

    for number, raw in numbered_lines(text) + [(0, "")]:
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("//"):
            for tag in _TAG.findall(line):
                tag = tag.strip()
                if tag and tag not in tags:
                    tags.append(tag)
        else:
            block.append((number, line))
    return questions
