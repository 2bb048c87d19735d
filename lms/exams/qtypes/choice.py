"""Choice questions: one right option (`single_choice`) or several (`multiple_choice`), options
shuffled per attempt when both the exam and the question allow it, pinned options in place."""
from __future__ import annotations

from decimal import Decimal
from random import Random

from markupsafe import Markup

from lms.core.errors import Collector, ValidationError
from lms.core.text import nfc_text
from lms.exams.qtypes.base import (LETTERS, MAX_OPTIONS, ONE, ZERO, QuestionType, ResponseError, checked, fmt,
                                   gift_percent, inline, new_id, numbered_rows, pct, percent, row_field, typed_rows)
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext


class _Choice(QuestionType):
    multiple = False
    editor = "choice"

    @classmethod
    def parse_editor(cls, form) -> dict:
        """Rows of opt_id / opt_text / opt_fraction (percent) / opt_feedback; `opt_pin` lists pinned
        ids; for single choice, the radio `opt_correct` (an id) marks the full-credit option."""
        options = []
        pinned = set(form.getlist("opt_pin"))
        correct = form.get("opt_correct") or ""
        found = Collector()     # every row's mistake at once, each naming its row
        for n, (oid, text, fraction, feedback) in numbered_rows(form, "opt_id", "opt_text", "opt_fraction",
                                                                "opt_feedback"):
            value = ZERO
            with found:
                value = percent(fraction, str(_l("Phương án %(n)s", n=n)), row_field("opt_fraction", n))
            if not cls.multiple and correct:
                # The radio decides the right option; the others may keep partial credit below 100 %.
                value = ONE if oid == correct else (value if value < ONE else ZERO)
            options.append({"id": oid or new_id(), "text": nfc_text(text), "fraction": fmt(value),
                            "feedback": nfc_text(feedback), "pinned": oid in pinned})
        data = {"options": options, "shuffle": checked(form, "shuffle")}
        if not found.problems:
            with found:
                cls.check(data)
        found.done()
        return data

    @classmethod
    def editor_rows(cls, data, typed, extra) -> dict:
        if typed is not None:
            found = typed_rows(typed, "opt_id", "opt_text", "opt_fraction", "opt_feedback")
            pinned, correct = set(typed.getlist("opt_pin")), typed.get("opt_correct")
            for r in found:
                r["pinned"], r["correct"] = r["id"] in pinned, r["id"] == correct
        else:
            found = [{"id": o["id"], "text": o["text"], "fraction": pct(o["fraction"]),
                      "feedback": o.get("feedback", ""), "pinned": o.get("pinned", False),
                      "correct": o["fraction"] == "1"} for o in (data or {}).get("options", [])]
        found += [{"id": new_id(), "text": "", "fraction": "0", "feedback": "", "pinned": False, "correct": False}
                  for _ in range(max(4 - len(found), 0) + extra)]
        shuffle = checked(typed, "shuffle") if typed is not None else (data or {}).get("shuffle", True)
        return {"rows": found, "shuffle": shuffle}

    @classmethod
    def _options(cls, data: dict) -> list[dict]:
        options = data.get("options") or []
        if len(options) < 2:
            raise ValidationError(_l("Cần ít nhất hai phương án."), field="options")
        if len(options) > MAX_OPTIONS:
            raise ValidationError(ngettext("Tối đa %(n)s phương án.", "Tối đa %(n)s phương án.", MAX_OPTIONS, n=MAX_OPTIONS), field="options")
        found = Collector()
        for n, o in enumerate(options, start=1):
            if not o["text"].strip():
                found.add(_l("Phương án %(n)s để trống.", n=n), "options")
        found.done()
        if len({o["id"] for o in options}) != len(options):
            raise ValidationError(_l("Mã phương án bị trùng; hãy tải lại trang."), field="options")
        return options

    @classmethod
    def layout(cls, data: dict, rng: Random, shuffle: bool) -> dict:
        options = data.get("options", [])
        order = [o["id"] for o in options]
        if shuffle and data.get("shuffle", True):
            free = [o["id"] for o in options if not o.get("pinned")]
            rng.shuffle(free)
            it = iter(free)
            order = [o["id"] if o.get("pinned") else next(it) for o in options]  # pinned options keep their place
        return {"order": order}

    @classmethod
    def public(cls, data: dict, layout: dict) -> dict:
        by_id = {o["id"]: o for o in data.get("options", [])}
        return {"options": [{"id": oid, "text": by_id[oid]["text"]} for oid in layout.get("order", by_id)
                            if oid in by_id]}

    @classmethod
    def _wanted(cls, data: dict) -> set[str]:
        right = cls.right(data)
        return {right} if isinstance(right, str) else set(right or [])

    @classmethod
    def _letters(cls, data: dict, public: dict) -> str:
        wanted = cls._wanted(data)
        return "".join(LETTERS[i] for i, o in enumerate(public.get("options", [])) if o["id"] in wanted)

    @classmethod
    def right_html(cls, data, public) -> Markup:
        return Markup(", ").join(cls._letters(data, public)) if cls._letters(data, public) else Markup("?")

    @classmethod
    def key_text(cls, data, public) -> str:
        return cls._letters(data, public)

    @classmethod
    def response_text(cls, data, public, response) -> str:
        chosen = {response} if isinstance(response, str) else set(response or [])
        return ", ".join(LETTERS[i] for i, o in enumerate(public.get("options", [])) if o["id"] in chosen)

    @classmethod
    def feedback(cls, data, response) -> list[str]:
        chosen = {response} if isinstance(response, str) else set(response or [])
        return [o["feedback"] for o in data.get("options", []) if o["id"] in chosen and o.get("feedback")]

    @classmethod
    def from_imported(cls, question) -> dict:
        return {"options": [{"id": new_id(), "text": a.text, "fraction": fmt(Decimal(repr(a.fraction))),
                             "feedback": a.feedback or "", "pinned": False} for a in question.answers], "shuffle": True}

    @classmethod
    def write_docx(cls, document, data, number, key) -> None:
        right = []
        for letter, option in zip(LETTERS, data["options"]):
            run = document.add_paragraph().add_run(f"{letter}. {option['text']}")
            if Decimal(option["fraction"]) > 0:
                run.underline = True
                right.append(letter)
        key.append(f"{number}-{''.join(right)}")

    @classmethod
    def printed(cls, data, public, html):
        return [html(o["text"]) for o in public.get("options", [])], []



def _gift_feedback(text: str, esc) -> str:
    return f" #{esc(text)}" if text else ""


class SingleChoice(_Choice):
    code = "single_choice"
    label = _l("Một lựa chọn")

    @classmethod
    def check(cls, data):
        options = cls._options(data)
        if max(Decimal(o["fraction"]) for o in options) != ONE:
            raise ValidationError(_l("Câu một lựa chọn cần đúng một phương án được 100 %."), field="options")

    @classmethod
    def normalize(cls, data, layout, raw):
        if raw in (None, ""):
            return None
        if not isinstance(raw, str) or raw not in {o["id"] for o in data.get("options", [])}:
            raise ResponseError(_l("Phương án không có trong câu hỏi."))
        return raw

    @classmethod
    def grade(cls, data, response):
        by_id = {o["id"]: Decimal(o["fraction"]) for o in data.get("options", [])}
        return max(by_id.get(response, ZERO), ZERO) if response else ZERO

    @classmethod
    def right(cls, data):
        return max(data.get("options", []), key=lambda o: Decimal(o["fraction"]))["id"]

    @classmethod
    def gift_body(cls, data, esc):
        return " ".join(("=" if o["fraction"] == "1" else "~" if o["fraction"] == "0" else
                         f"~%{gift_percent(o['fraction'])}%") + esc(o["text"]) +
                        _gift_feedback(o.get("feedback", ""), esc) for o in data["options"])


class MultipleChoice(_Choice):
    code = "multiple_choice"
    label = _l("Nhiều lựa chọn")
    multiple = True

    @classmethod
    def check(cls, data):
        options = cls._options(data)
        positive = sum((Decimal(o["fraction"]) for o in options if Decimal(o["fraction"]) > 0), ZERO)
        if abs(positive - ONE) > Decimal("0.005"):
            raise ValidationError(_l("Câu nhiều lựa chọn: tổng tỷ lệ các phương án đúng phải bằng 100 %% (đang là "
                                     "%(p)s %%).", p=fmt(positive * 100)), field="options")

    @classmethod
    def normalize(cls, data, layout, raw):
        if raw in (None, ""):
            return []
        ids = {o["id"] for o in data.get("options", [])}
        if not isinstance(raw, list) or not all(isinstance(x, str) and x in ids for x in raw):
            raise ResponseError(_l("Phương án không có trong câu hỏi."))
        return sorted(set(raw))

    @classmethod
    def grade(cls, data, response):
        by_id = {o["id"]: Decimal(o["fraction"]) for o in data.get("options", [])}
        total = sum((by_id.get(x, ZERO) for x in response or []), ZERO)
        return min(max(total, ZERO), ONE)

    @classmethod
    def right(cls, data):
        return sorted(o["id"] for o in data.get("options", []) if Decimal(o["fraction"]) > 0)

    @classmethod
    def gift_body(cls, data, esc):
        return " ".join(f"~%{gift_percent(o['fraction'])}%{esc(o['text'])}{_gift_feedback(o.get('feedback', ''), esc)}"
                        for o in data["options"])


__all__ = ["SingleChoice", "MultipleChoice", "inline"]
