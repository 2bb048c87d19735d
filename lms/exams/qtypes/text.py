"""Typed answers: a word or phrase (`short_answer`, `*` matches any run of characters) and a number
(`numerical`, with a tolerance; `,` or `.` as the decimal mark)."""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from markupsafe import escape

from lms.core.errors import Collector, ValidationError
from lms.core.text import fold, nfc, nfc_text
from lms.exams.qtypes.base import (MAX_TEXT, ZERO, QuestionType, ResponseError, dec, fmt, gift_percent, inline,
                                   numbered_rows, pct, percent, row_field, shown, typed_rows)
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext



def normalize_text(data: dict, raw, limit: int | None = None) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise ResponseError(_l("Câu trả lời phải là chữ."))
    value = nfc_text(raw)
    limit = limit or int(data.get("max_length") or MAX_TEXT)
    if len(value) > limit:
        raise ResponseError(ngettext("Câu trả lời dài quá %(n)s ký tự.", "Câu trả lời dài quá %(n)s ký tự.", limit, n=limit))
    return value


def _simplify(text: str, case_sensitive: bool, ignore_accents: bool) -> str:
    value = " ".join(unicodedata.normalize("NFC", text).split())
    if ignore_accents:
        value = fold(value) if not case_sensitive else "".join(
            ch for ch in unicodedata.normalize("NFD", value) if not unicodedata.combining(ch)).replace(
            "đ", "d").replace("Đ", "D")
    elif not case_sensitive:
        value = value.lower()
    return value


def matches(pattern: str, response: str, case_sensitive: bool, ignore_accents: bool) -> bool:
    left = _simplify(pattern, case_sensitive, ignore_accents)
    right = _simplify(response, case_sensitive, ignore_accents)
    if "*" not in left:
        return left == right
    regex = ".*".join(re.escape(part) for part in left.split("*"))
    return re.fullmatch(regex, right, flags=re.S) is not None


# How long a short answer may be: one limit for every short answer, kept by the server and told on
# the pupil's page (the page cut answers at 200 characters without a word, whatever the server took).
SHORT_MAX = 1000


class ShortAnswer(QuestionType):
    code = "short_answer"
    label = _l("Trả lời ngắn")

    @classmethod
    def parse_editor(cls, form):
        answers = []
        found = Collector()     # every row's mistake at once, each naming its row
        for n, (_, text, fraction, feedback) in numbered_rows(form, "ans_id", "ans_text", "ans_fraction",
                                                              "ans_feedback"):
            label = str(_l("Đáp án %(n)s", n=n))
            with found:
                if len(nfc(text)) > SHORT_MAX:
                    raise ValidationError(_l("%(w)s: dài %(l)s ký tự, tối đa %(n)s ký tự.", w=label,
                                             l=len(nfc(text)), n=SHORT_MAX), field=row_field("ans_text", n))
                answers.append({"text": nfc(text), "fraction": fmt(percent(fraction or "100", label,
                                                                            row_field("ans_fraction", n))),
                                "feedback": nfc_text(feedback)})
        data = {"answers": answers, "case_sensitive": form.get("case_sensitive") == "1",
                "ignore_accents": form.get("ignore_accents") == "1"}
        if not found.problems:
            with found:
                cls.check(data)
        found.done()
        return data

    @classmethod
    def check(cls, data):
        answers = data.get("answers") or []
        if not answers or any(not a["text"] for a in answers):
            raise ValidationError(_l("Cần ít nhất một đáp án được chấp nhận."), field="answers")
        found = Collector()
        for n, a in enumerate(answers, start=1):
            # A pupil may type at most SHORT_MAX characters: a longer accepted answer could never be given.
            if len(a["text"]) > SHORT_MAX:
                found.add(_l("%(w)s: dài %(l)s ký tự, tối đa %(n)s ký tự.", w=_l("Đáp án %(n)s", n=n),
                             l=len(a["text"]), n=SHORT_MAX), "answers")
        if max(Decimal(a["fraction"]) for a in answers) <= 0:
            found.add(_l("Cần ít nhất một đáp án được điểm."), "answers")
        found.done()

    @classmethod
    def editor_rows(cls, data, typed, extra):
        found = typed_rows(typed, "ans_id", "ans_text", "ans_fraction", "ans_feedback") if typed is not None else [
            {"text": a["text"], "fraction": pct(a["fraction"]), "feedback": a.get("feedback", "")}
            for a in (data or {}).get("answers", [])]
        found += [{"text": "", "fraction": "100", "feedback": ""} for _ in range(max(3 - len(found), 0) + extra)]
        if typed is not None:
            flags = {k: typed.get(k) == "1" for k in ("case_sensitive", "ignore_accents")}
        else:
            flags = {k: (data or {}).get(k, False) for k in ("case_sensitive", "ignore_accents")}
        return {"rows": found, **flags}

    @classmethod
    def public(cls, data, layout):
        return {"max_length": SHORT_MAX}

    @classmethod
    def normalize(cls, data, layout, raw):
        return normalize_text(data, raw, SHORT_MAX)

    @classmethod
    def grade(cls, data, response):
        if not response:
            return ZERO
        best = ZERO
        for a in data.get("answers", []):
            if matches(a["text"], response, bool(data.get("case_sensitive")), bool(data.get("ignore_accents"))):
                best = max(best, Decimal(a["fraction"]))
        return best

    @classmethod
    def right(cls, data):
        return max(data.get("answers", []), key=lambda a: Decimal(a["fraction"]))["text"]

    @classmethod
    def key_text(cls, data, public):
        return next((a["text"] for a in data["answers"] if a["fraction"] == "1"), cls.right(data))

    @classmethod
    def feedback(cls, data, response):
        for a in data.get("answers", []):
            if a.get("feedback") and response and matches(a["text"], response, bool(data.get("case_sensitive")),
                                                          bool(data.get("ignore_accents"))):
                return [a["feedback"]]
        return []

    @classmethod
    def from_imported(cls, question):
        return {"answers": [{"text": a.text, "fraction": fmt(Decimal(repr(a.fraction))), "feedback": a.feedback or ""}
                            for a in question.answers], "case_sensitive": False, "ignore_accents": False}

    @classmethod
    def gift_body(cls, data, esc):
        return " ".join(("=" if a["fraction"] == "1" else f"=%{gift_percent(a['fraction'])}%") + esc(a["text"])
                        + (f" #{esc(a['feedback'])}" if a.get("feedback") else "") for a in data["answers"])

    @classmethod
    def write_docx(cls, document, data, number, key):
        document.add_paragraph("Đáp án: " + "; ".join(a["text"] for a in data["answers"] if a["fraction"] == "1"))


_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def parse_number(text: str) -> Decimal | None:
    """A number as a pupil types it: "2,5", "2.5", " -3 ", ",5", "1e3"; no thousands separators."""
    value = (text or "").strip().replace(" ", "")
    if not value or not _NUMBER.match(value):
        return None
    return Decimal(value.replace(",", "."))


class Numerical(QuestionType):
    code = "numerical"
    label = _l("Trả lời số")

    @classmethod
    def parse_editor(cls, form):
        answers = []
        found = Collector()     # every row's mistake at once, each naming its row
        for n, (_, value, tolerance, fraction, feedback) in numbered_rows(
                form, "num_id", "num_value", "num_tolerance", "num_fraction", "num_feedback"):
            label = str(_l("Đáp án %(n)s", n=n))
            number = parse_number(value)
            if number is None:
                found.add(_l("%(w)s: “%(v)s” không phải là số.", w=label, v=value), row_field("num_value", n))
            tol = ZERO
            with found:
                tol = dec(tolerance or "0", label, row_field("num_tolerance", n))
            if tol < 0:
                found.add(_l("%(w)s: sai số không được âm.", w=label), row_field("num_tolerance", n))
            fraction_value = ZERO
            with found:
                fraction_value = percent(fraction or "100", label, row_field("num_fraction", n))
            if number is not None:
                answers.append({"value": fmt(number), "tolerance": fmt(tol), "fraction": fmt(fraction_value),
                                "feedback": nfc_text(feedback)})
        data = {"answers": answers, "max_length": 20}
        if not found.problems:
            with found:
                cls.check(data)
        found.done()
        return data

    @classmethod
    def check(cls, data):
        answers = data.get("answers") or []
        if not answers or max(Decimal(a["fraction"]) for a in answers) <= 0:
            raise ValidationError(_l("Cần ít nhất một đáp án số được điểm."), field="answers")

    @classmethod
    def editor_rows(cls, data, typed, extra):
        found = typed_rows(typed, "num_id", "num_value", "num_tolerance", "num_fraction", "num_feedback") \
            if typed is not None else [{"value": shown(a["value"]), "tolerance": shown(a["tolerance"]),
                                        "fraction": pct(a["fraction"]), "feedback": a.get("feedback", "")}
                                       for a in (data or {}).get("answers", [])]
        found += [{"value": "", "tolerance": "0", "fraction": "100", "feedback": ""}
                  for _ in range(max(2 - len(found), 0) + extra)]
        return {"rows": found}

    @classmethod
    def normalize(cls, data, layout, raw):
        value = normalize_text(data, raw, limit=int(data.get("max_length") or 20))
        if value and parse_number(value) is None:
            raise ResponseError(_l("“%(v)s” không phải là số (dùng dấu phẩy hoặc dấu chấm thập phân).", v=value))
        return value

    @classmethod
    def _hits(cls, answer: dict, number: Decimal) -> bool:
        return answer["value"] == "*" or abs(number - Decimal(answer["value"])) <= Decimal(answer.get("tolerance") or "0")

    @classmethod
    def grade(cls, data, response):
        number = parse_number(response or "")
        if number is None:
            return ZERO
        return max((Decimal(a["fraction"]) for a in data.get("answers", []) if cls._hits(a, number)), default=ZERO)

    @classmethod
    def right(cls, data):
        best = max(data.get("answers", []), key=lambda a: Decimal(a["fraction"]))
        return shown(best["value"])

    @classmethod
    def right_html(cls, data, public):
        return escape(cls.right(data))

    @classmethod
    def key_text(cls, data, public):
        return shown(data["answers"][0]["value"])

    @classmethod
    def feedback(cls, data, response):
        number = parse_number(response or "")
        if number is None:
            return []
        return next(([a["feedback"]] for a in data.get("answers", []) if a.get("feedback") and cls._hits(a, number)), [])

    @classmethod
    def from_imported(cls, question):
        return {"answers": [{"value": a.text, "tolerance": fmt(Decimal(repr(a.tolerance or 0.0))),
                             "fraction": fmt(Decimal(repr(a.fraction))), "feedback": a.feedback or ""}
                            for a in question.answers], "max_length": 20}

    @classmethod
    def gift_body(cls, data, esc):
        return "#" + " ".join(("=" if len(data["answers"]) > 1 else "")
                              + ("" if a["fraction"] == "1" else f"%{gift_percent(a['fraction'])}%")
                              + f"{a['value']}:{a['tolerance']}" + (f" #{esc(a['feedback'])}" if a.get("feedback") else "")
                              for a in data["answers"])

    @classmethod
    def write_docx(cls, document, data, number, key):
        document.add_paragraph(f"Đáp án: {data['answers'][0]['value'].replace('.', ',')}")


__all__ = ["ShortAnswer", "Numerical", "parse_number", "inline"]
