"""The question-type registry (domain/exams.md §1). Each type is one entry: how its editor form
becomes data, how an attempt lays it out, what the pupil's page may see, how a response is read
and graded, and what the right answer is for the review.

Pure: no Flask, no database. Fractions are `Decimal` (data keeps them as strings); a response is a
JSON value, by option id — never by displayed letter.
"""
from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from random import Random

from lms.core.errors import ValidationError
from lms.core.text import fold, nfc, nfc_text
from lms.i18n import lazy_gettext as _l

ONE, ZERO = Decimal(1), Decimal(0)
DEFAULT_STEPS = ("0", "0.1", "0.25", "0.5", "1")   # tf_cluster: statements right → fraction (unconfirmed)
MAX_OPTIONS = 12
MAX_TEXT = 20_000


class ResponseError(ValueError):
    """A response the question cannot take (wrong shape, unknown option, too long)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def new_id() -> str:
    return "o" + secrets.token_hex(4)


def _dec(value, what, field: str | None = None) -> Decimal:
    try:
        result = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationError(_l("%(w)s: “%(v)s” không phải là số.", w=what, v=value), field=field) from None
    if not result.is_finite():
        raise ValidationError(_l("%(w)s: “%(v)s” không phải là số.", w=what, v=value), field=field)
    return result


def _percent(value, what) -> Decimal:
    """A percentage typed by a teacher (100, 50, -25, 33,333) as a fraction."""
    text = str(value or "0").strip() or "0"
    fraction = _dec(text, what, "options") / 100
    if not -ONE <= fraction <= ONE:
        raise ValidationError(_l("%(w)s: tỉ lệ điểm phải từ -100 đến 100.", w=what), field="options")
    return fraction


def _rows(form, *names: str, content: tuple[int, ...] = (1,)) -> list[tuple[str, ...]]:
    """The editor's repeated rows (lists of the same length). A row whose content columns are all
    blank is dropped, whatever defaults its other columns carry."""
    lists = [form.getlist(n) for n in names]
    width = max((len(x) for x in lists), default=0)
    rows = []
    for i in range(width):
        row = tuple((lst[i] if i < len(lst) else "") for lst in lists)
        if any(nfc(row[c]) for c in content):
            rows.append(row)
    return rows


def _fmt(d: Decimal) -> str:
    return format(d.normalize(), "f") if d != 0 else "0"


# ---------------------------------------------------------------- choice (single and multiple)

def _parse_choice(form, multiple: bool) -> dict:
    """Rows of opt_id / opt_text / opt_fraction (percent) / opt_feedback; `opt_pin` lists pinned ids;
    for single choice, the radio `opt_correct` (an id) marks the full-credit option."""
    options = []
    pinned = set(form.getlist("opt_pin"))
    correct = form.get("opt_correct") or ""
    for i, (oid, text, fraction, feedback) in enumerate(_rows(form, "opt_id", "opt_text", "opt_fraction",
                                                               "opt_feedback")):
        value = _percent(fraction, str(_l("Phương án %(n)s", n=i + 1)))
        if not multiple and correct:
            # The radio decides the right option; the others may keep partial credit below 100 %.
            value = ONE if oid == correct else (value if value < ONE else ZERO)
        options.append({"id": oid or new_id(), "text": nfc_text(text), "fraction": _fmt(value),
                        "feedback": nfc_text(feedback), "pinned": oid in pinned})
    data = {"options": options, "shuffle": form.get("shuffle", "1") == "1"}
    (_check_multiple if multiple else _check_single)(data)
    return data


def _check_options(data: dict) -> list[dict]:
    options = data.get("options") or []
    if len(options) < 2:
        raise ValidationError(_l("Cần ít nhất hai phương án."), field="options")
    if len(options) > MAX_OPTIONS:
        raise ValidationError(_l("Tối đa %(n)s phương án.", n=MAX_OPTIONS), field="options")
    if any(not o["text"].strip() for o in options):
        raise ValidationError(_l("Có phương án để trống."), field="options")
    if len({o["id"] for o in options}) != len(options):
        raise ValidationError(_l("Mã phương án bị trùng; hãy tải lại trang."), field="options")
    return options


def _check_single(data: dict) -> None:
    options = _check_options(data)
    if max(Decimal(o["fraction"]) for o in options) != ONE:
        raise ValidationError(_l("Câu một lựa chọn cần đúng một phương án được 100 %."), field="options")


def _check_multiple(data: dict) -> None:
    options = _check_options(data)
    positive = sum((Decimal(o["fraction"]) for o in options if Decimal(o["fraction"]) > 0), ZERO)
    if abs(positive - ONE) > Decimal("0.005"):
        raise ValidationError(_l("Câu nhiều lựa chọn: tổng tỉ lệ các phương án đúng phải bằng 100 %% (đang là "
                                 "%(p)s %%).", p=_fmt(positive * 100)), field="options")


def _layout_options(data: dict, rng: Random, shuffle: bool) -> dict:
    options = data.get("options", [])
    order = [o["id"] for o in options]
    if shuffle and data.get("shuffle", True):
        free = [o["id"] for o in options if not o.get("pinned")]
        rng.shuffle(free)
        it = iter(free)
        order = [o["id"] if o.get("pinned") else next(it) for o in options]  # pinned options keep their place
    return {"order": order}


def _public_options(data: dict, layout: dict) -> dict:
    by_id = {o["id"]: o for o in data.get("options", [])}
    return {"options": [{"id": oid, "text": by_id[oid]["text"]} for oid in layout.get("order", by_id) if oid in by_id]}


def _normalize_single(data: dict, layout: dict, raw):
    if raw in (None, ""):
        return None
    if not isinstance(raw, str) or raw not in {o["id"] for o in data.get("options", [])}:
        raise ResponseError(_l("Phương án không có trong câu hỏi."))
    return raw


def _normalize_multiple(data: dict, layout: dict, raw):
    if raw in (None, ""):
        return []
    ids = {o["id"] for o in data.get("options", [])}
    if not isinstance(raw, list) or not all(isinstance(x, str) and x in ids for x in raw):
        raise ResponseError(_l("Phương án không có trong câu hỏi."))
    return sorted(set(raw))


def _grade_single(data: dict, response) -> Decimal:
    by_id = {o["id"]: Decimal(o["fraction"]) for o in data.get("options", [])}
    return max(by_id.get(response, ZERO), ZERO) if response else ZERO


def _grade_multiple(data: dict, response) -> Decimal:
    by_id = {o["id"]: Decimal(o["fraction"]) for o in data.get("options", [])}
    total = sum((by_id.get(x, ZERO) for x in response or []), ZERO)
    return min(max(total, ZERO), ONE)


def _right_single(data: dict):
    return max(data.get("options", []), key=lambda o: Decimal(o["fraction"]))["id"]


def _right_multiple(data: dict):
    return sorted(o["id"] for o in data.get("options", []) if Decimal(o["fraction"]) > 0)


# ---------------------------------------------------------------- true / false

def _parse_tf(form) -> dict:
    answer = form.get("tf_answer")
    if answer not in ("true", "false"):
        raise ValidationError(_l("Chọn đáp án Đúng hoặc Sai."), field="tf_answer")
    return {"answer": answer == "true", "feedback_true": nfc_text(form.get("feedback_true")),
            "feedback_false": nfc_text(form.get("feedback_false"))}


def _check_tf(data: dict) -> None:
    if not isinstance(data.get("answer"), bool):
        raise ValidationError(_l("Chọn đáp án Đúng hoặc Sai."), field="tf_answer")


def _normalize_bool(data: dict, layout: dict, raw):
    if raw in (None, ""):
        return None
    if raw not in (True, False, "true", "false"):
        raise ResponseError(_l("Chỉ chọn Đúng hoặc Sai."))
    return raw in (True, "true")


def _grade_tf(data: dict, response) -> Decimal:
    return ONE if response is not None and response == data.get("answer") else ZERO


# ---------------------------------------------------------------- the four-statement true/false cluster

def _steps(text: str | None) -> list[str]:
    parts = [p for p in re.split(r"[;\s]+", (text or "").strip()) if p] or list(DEFAULT_STEPS)
    values = [_dec(p, str(_l("Bảng điểm theo số ý đúng")), "steps") for p in parts]
    if len(values) != 5 or any(not ZERO <= v <= ONE for v in values) or values != sorted(values) or values[-1] != ONE:
        raise ValidationError(_l("Bảng điểm cần 5 giá trị tăng dần từ 0 đến 1 (cho 0, 1, 2, 3, 4 ý đúng), "
                                 "ví dụ 0; 0,1; 0,25; 0,5; 1."), field="steps")
    return [_fmt(v) for v in values]


def _parse_cluster(form) -> dict:
    statements = []
    for i, (sid, text, answer) in enumerate(_rows(form, "st_id", "st_text", "st_answer", content=(1, 2))):
        if answer not in ("true", "false"):
            raise ValidationError(_l("Ý %(n)s: chọn Đúng hoặc Sai.", n="abcd"[i] if i < 4 else i + 1), field="statements")
        statements.append({"id": sid or new_id(), "text": nfc_text(text), "answer": answer == "true"})
    data = {"statements": statements, "steps": _steps(form.get("steps"))}
    _check_cluster(data)
    return data


def _check_cluster(data: dict) -> None:
    statements = data.get("statements") or []
    if len(statements) != 4 or any(not s["text"].strip() for s in statements):
        raise ValidationError(_l("Câu đúng/sai nhiều ý cần đúng bốn ý a), b), c), d) có nội dung."), field="statements")
    if len(data.get("steps") or []) != 5:
        raise ValidationError(_l("Bảng điểm cần 5 giá trị."), field="steps")


def _public_cluster(data: dict, layout: dict) -> dict:
    return {"statements": [{"id": s["id"], "text": s["text"]} for s in data.get("statements", [])]}


def _normalize_cluster(data: dict, layout: dict, raw):
    if raw in (None, ""):
        return {}
    ids = {s["id"] for s in data.get("statements", [])}
    if not isinstance(raw, dict) or not all(k in ids and v in (True, False, "true", "false") for k, v in raw.items()):
        raise ResponseError(_l("Mỗi ý chỉ chọn Đúng hoặc Sai."))
    return {k: v in (True, "true") for k, v in sorted(raw.items())}


def _grade_cluster(data: dict, response) -> Decimal:
    right = sum(1 for s in data.get("statements", []) if (response or {}).get(s["id"]) is s["answer"])
    return Decimal(data.get("steps", DEFAULT_STEPS)[right])


# ---------------------------------------------------------------- short answer

def _parse_short(form) -> dict:
    answers = []
    for i, (_, text, fraction, feedback) in enumerate(_rows(form, "ans_id", "ans_text", "ans_fraction", "ans_feedback")):
        answers.append({"text": nfc(text), "fraction": _fmt(_percent(fraction or "100", str(_l("Đáp án %(n)s", n=i + 1)))),
                        "feedback": nfc_text(feedback)})
    data = {"answers": answers, "case_sensitive": form.get("case_sensitive") == "1",
            "ignore_accents": form.get("ignore_accents") == "1", "max_length": 200}
    _check_short(data)
    return data


def _check_short(data: dict) -> None:
    answers = data.get("answers") or []
    if not answers or any(not a["text"] for a in answers):
        raise ValidationError(_l("Cần ít nhất một đáp án được chấp nhận."), field="answers")
    if max(Decimal(a["fraction"]) for a in answers) <= 0:
        raise ValidationError(_l("Cần ít nhất một đáp án được điểm."), field="answers")


def _simplify(text: str, case_sensitive: bool, ignore_accents: bool) -> str:
    value = " ".join(unicodedata.normalize("NFC", text).split())
    if ignore_accents:
        value = fold(value) if not case_sensitive else "".join(
            ch for ch in unicodedata.normalize("NFD", value) if not unicodedata.combining(ch)).replace(
            "đ", "d").replace("Đ", "D")
    elif not case_sensitive:
        value = value.lower()
    return value


def _matches(pattern: str, response: str, case_sensitive: bool, ignore_accents: bool) -> bool:
    left = _simplify(pattern, case_sensitive, ignore_accents)
    right = _simplify(response, case_sensitive, ignore_accents)
    if "*" not in left:
        return left == right
    regex = ".*".join(re.escape(part) for part in left.split("*"))
    return re.fullmatch(regex, right, flags=re.S) is not None


def _normalize_text(data: dict, layout: dict, raw, limit: int | None = None):
    if raw in (None,):
        return ""
    if not isinstance(raw, str):
        raise ResponseError(_l("Câu trả lời phải là chữ."))
    value = nfc_text(raw)
    limit = limit or int(data.get("max_length") or MAX_TEXT)
    if len(value) > limit:
        raise ResponseError(_l("Câu trả lời dài quá %(n)s ký tự.", n=limit))
    return value


def _grade_short(data: dict, response) -> Decimal:
    if not response:
        return ZERO
    best = ZERO
    for a in data.get("answers", []):
        if _matches(a["text"], response, bool(data.get("case_sensitive")), bool(data.get("ignore_accents"))):
            best = max(best, Decimal(a["fraction"]))
    return best


def _right_short(data: dict):
    return max(data.get("answers", []), key=lambda a: Decimal(a["fraction"]))["text"]


# ---------------------------------------------------------------- numerical

_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def parse_number(text: str) -> Decimal | None:
    """A number as a pupil types it: "2,5", "2.5", " -3 ", ",5", "1e3"; no thousands separators."""
    value = (text or "").strip().replace(" ", "")
    if not value or not _NUMBER.match(value):
        return None
    return Decimal(value.replace(",", "."))


def _parse_numerical(form) -> dict:
    answers = []
    for i, (_, value, tolerance, fraction, feedback) in enumerate(
            _rows(form, "num_id", "num_value", "num_tolerance", "num_fraction", "num_feedback")):
        label = str(_l("Đáp án %(n)s", n=i + 1))
        number = parse_number(value)
        if number is None:
            raise ValidationError(_l("%(w)s: “%(v)s” không phải là số.", w=label, v=value), field="answers")
        tol = _dec(tolerance or "0", label, "answers")
        if tol < 0:
            raise ValidationError(_l("%(w)s: sai số không được âm.", w=label), field="answers")
        answers.append({"value": _fmt(number), "tolerance": _fmt(tol),
                        "fraction": _fmt(_percent(fraction or "100", label)), "feedback": nfc_text(feedback)})
    data = {"answers": answers, "max_length": 20}
    _check_numerical(data)
    return data


def _check_numerical(data: dict) -> None:
    answers = data.get("answers") or []
    if not answers or max(Decimal(a["fraction"]) for a in answers) <= 0:
        raise ValidationError(_l("Cần ít nhất một đáp án số được điểm."), field="answers")


def _normalize_number(data: dict, layout: dict, raw):
    value = _normalize_text(data, layout, raw, limit=int(data.get("max_length") or 20))
    if value and parse_number(value) is None:
        raise ResponseError(_l("“%(v)s” không phải là số (dùng dấu phẩy hoặc dấu chấm thập phân).", v=value))
    return value


def _grade_numerical(data: dict, response) -> Decimal:
    number = parse_number(response or "")
    if number is None:
        return ZERO
    best = ZERO
    for a in data.get("answers", []):
        if a["value"] == "*" or abs(number - Decimal(a["value"])) <= Decimal(a.get("tolerance") or "0"):
            best = max(best, Decimal(a["fraction"]))
    return best


def _right_numerical(data: dict):
    best = max(data.get("answers", []), key=lambda a: Decimal(a["fraction"]))
    return best["value"].replace(".", ",")


# ---------------------------------------------------------------- matching

def _parse_matching(form) -> dict:
    pairs = []
    for pid, left, right in _rows(form, "pair_id", "pair_left", "pair_right", content=(1, 2)):
        pairs.append({"id": pid or new_id(), "left": nfc_text(left), "right": nfc_text(right)})
    distractors = [{"id": new_id(), "right": nfc(line)} for line in (form.get("distractors") or "").splitlines()
                   if nfc(line)]
    data = {"pairs": pairs, "distractors": distractors}
    _check_matching(data)
    return data


def _check_matching(data: dict) -> None:
    pairs = data.get("pairs") or []
    if len(pairs) < 2 or any(not p["left"] or not p["right"] for p in pairs):
        raise ValidationError(_l("Câu ghép đôi cần ít nhất hai cặp, mỗi cặp đủ hai vế."), field="pairs")


def _layout_matching(data: dict, rng: Random, shuffle: bool) -> dict:
    lefts = [p["id"] for p in data.get("pairs", [])]
    rights = lefts + [d["id"] for d in data.get("distractors", [])]
    if shuffle:
        rng.shuffle(lefts)
    rng.shuffle(rights)  # the right-hand list is always mixed: otherwise the order gives the answer away
    return {"order": lefts, "rights": rights}


def _public_matching(data: dict, layout: dict) -> dict:
    pairs = {p["id"]: p for p in data.get("pairs", [])}
    texts = {**{p["id"]: p["right"] for p in data.get("pairs", [])}, **{d["id"]: d["right"] for d in data.get("distractors", [])}}
    return {"lefts": [{"id": i, "text": pairs[i]["left"]} for i in layout.get("order", pairs) if i in pairs],
            "rights": [{"id": i, "text": texts[i]} for i in layout.get("rights", texts) if i in texts]}


def _normalize_matching(data: dict, layout: dict, raw):
    if raw in (None, ""):
        return {}
    lefts = {p["id"] for p in data.get("pairs", [])}
    rights = lefts | {d["id"] for d in data.get("distractors", [])}
    if not isinstance(raw, dict) or not all(k in lefts and (v in rights or v in (None, "")) for k, v in raw.items()):
        raise ResponseError(_l("Cặp ghép không có trong câu hỏi."))
    return {k: v for k, v in sorted(raw.items()) if v}


def _grade_matching(data: dict, response) -> Decimal:
    pairs = data.get("pairs", [])
    right = sum(1 for p in pairs if (response or {}).get(p["id"]) == p["id"])
    return Decimal(right) / Decimal(len(pairs)) if pairs else ZERO


# ---------------------------------------------------------------- essay and description

def _parse_essay(form) -> dict:
    try:
        lines = max(3, min(40, int(form.get("response_lines") or 10)))
    except ValueError:
        lines = 10
    return {"response_lines": lines, "guide": nfc_text(form.get("guide")), "max_length": MAX_TEXT}


def _nothing(*_args) -> dict:
    return {}


def _no_check(_data: dict) -> None:
    return None


def _no_layout(_data: dict, _rng: Random, _shuffle: bool) -> dict:
    return {}


def _public_essay(data: dict, layout: dict) -> dict:
    return {"response_lines": data.get("response_lines", 10)}


def _none(*_args):
    return None


# ---------------------------------------------------------------- the registry

@dataclass(frozen=True)
class QType:
    code: str
    label: object
    auto: bool                                        # graded at submit
    parse_editor: Callable[[object], dict]             # the editor form → data (raises ValidationError)
    check: Callable[[dict], None]                      # data is complete (imports, edits)
    layout: Callable[[dict, Random, bool], dict]       # this attempt's order of options
    public: Callable[[dict, dict], dict]               # all the pupil's page may know
    normalize: Callable[[dict, dict, object], object]  # a saved response, checked and canonical
    grade: Callable[[dict, object], Decimal | None]    # fraction 0…1, None for a teacher to mark
    right: Callable[[dict], object]                    # the right response, for the review
    answered: Callable[[object], bool]


def _filled(response) -> bool:
    return response not in (None, "", [], {})


TYPES: dict[str, QType] = {t.code: t for t in (
    QType("single_choice", _l("Một lựa chọn"), True, lambda f: _parse_choice(f, False), _check_single,
          _layout_options, _public_options, _normalize_single, _grade_single, _right_single, _filled),
    QType("multiple_choice", _l("Nhiều lựa chọn"), True, lambda f: _parse_choice(f, True), _check_multiple,
          _layout_options, _public_options, _normalize_multiple, _grade_multiple, _right_multiple, _filled),
    QType("true_false", _l("Đúng / Sai"), True, _parse_tf, _check_tf, _no_layout, _nothing, _normalize_bool,
          _grade_tf, lambda d: d.get("answer"), lambda r: r is not None),
    QType("tf_cluster", _l("Đúng / Sai bốn ý"), True, _parse_cluster, _check_cluster, _no_layout, _public_cluster,
          _normalize_cluster, _grade_cluster, lambda d: {s["id"]: s["answer"] for s in d.get("statements", [])},
          _filled),
    QType("short_answer", _l("Trả lời ngắn"), True, _parse_short, _check_short, _no_layout, _nothing,
          _normalize_text, _grade_short, _right_short, _filled),
    QType("numerical", _l("Trả lời số"), True, _parse_numerical, _check_numerical, _no_layout, _nothing,
          _normalize_number, _grade_numerical, _right_numerical, _filled),
    QType("matching", _l("Ghép đôi"), True, _parse_matching, _check_matching, _layout_matching, _public_matching,
          _normalize_matching, _grade_matching, lambda d: {p["id"]: p["id"] for p in d.get("pairs", [])}, _filled),
    QType("essay", _l("Tự luận"), False, _parse_essay, _no_check, _no_layout, _public_essay, _normalize_text,
          _none, _none, _filled),
    QType("description", _l("Đoạn dẫn (không tính điểm)"), True, _nothing, _no_check, _no_layout, _nothing,
          lambda d, lay, raw: None, lambda d, r: ZERO, _none, lambda r: True),
)}
LEVELS = {1: _l("Nhận biết"), 2: _l("Thông hiểu"), 3: _l("Vận dụng"), 4: _l("Vận dụng cao")}


def qtype(code: str) -> QType:
    if code not in TYPES:
        raise ValidationError(_l("Loại câu hỏi không hợp lệ."), field="qtype")
    return TYPES[code]


def grade(code: str, data: Mapping, response) -> Decimal | None:
    """The fraction earned, or None when a teacher must mark it."""
    return TYPES[code].grade(dict(data), response)


def mark_e4(fraction: Decimal, max_e4: int) -> int:
    """A slot's mark in ten-thousandths, rounded half up."""
    from decimal import ROUND_HALF_UP

    return int((fraction * max_e4).quantize(ONE, rounding=ROUND_HALF_UP))


def from_imported(question) -> tuple[str, dict, str, str]:
    """(qtype, data, text, general feedback) of an `ImportedQuestion` (GIFT, Aiken, Word)."""
    kind = question.qtype
    answers = question.answers
    if kind in ("single_choice", "multiple_choice"):
        data = {"options": [{"id": new_id(), "text": a.text, "fraction": _fmt(Decimal(repr(a.fraction))),
                             "feedback": a.feedback or "", "pinned": False} for a in answers], "shuffle": True}
    elif kind == "true_false":
        right = next(a for a in answers if a.fraction >= 1)
        wrong = next(a for a in answers if a is not right)
        data = {"answer": right.text == "true",
                "feedback_true": (right if right.text == "true" else wrong).feedback or "",
                "feedback_false": (right if right.text == "false" else wrong).feedback or ""}
    elif kind == "short_answer":
        data = {"answers": [{"text": a.text, "fraction": _fmt(Decimal(repr(a.fraction))), "feedback": a.feedback or ""}
                            for a in answers], "case_sensitive": False, "ignore_accents": False, "max_length": 200}
    elif kind == "numerical":
        data = {"answers": [{"value": a.text, "tolerance": _fmt(Decimal(repr(a.tolerance or 0.0))),
                             "fraction": _fmt(Decimal(repr(a.fraction))), "feedback": a.feedback or ""}
                            for a in answers], "max_length": 20}
    elif kind == "matching":
        data = {"pairs": [{"id": new_id(), "left": a.text, "right": a.match} for a in answers if a.text],
                "distractors": [{"id": new_id(), "right": a.match} for a in answers if not a.text]}
    elif kind == "essay":
        data = {"response_lines": 10, "guide": "", "max_length": MAX_TEXT}
    else:
        data = {}
    TYPES[kind].check(data)
    return kind, data, question.text, question.general_feedback or ""
