"""True/false (`true_false`) and the national format's four-statement cluster (`tf_cluster`,
"đúng/sai"): a stem and statements a)–d), marked by how many are judged right through a step
table kept on the item (unconfirmed values, so data, not code)."""
from __future__ import annotations

import re
from decimal import Decimal

from markupsafe import Markup, escape

from lms.core.errors import Collector, ValidationError
from lms.core.text import nfc_text
from lms.exams.qtypes.base import (ONE, ZERO, QuestionType, ResponseError, dec, fmt, inline, new_id, numbered_rows,
                                   row_field, shown, typed_rows)
from lms.i18n import lazy_gettext as _l

DEFAULT_STEPS = ("0", "0.1", "0.25", "0.5", "1")   # statements right → fraction (unconfirmed)


def _truth(raw) -> bool:
    return raw in (True, "true")


class TrueFalse(QuestionType):
    code = "true_false"
    label = _l("Đúng / Sai")

    @classmethod
    def parse_editor(cls, form):
        answer = form.get("tf_answer")
        if answer not in ("true", "false"):
            raise ValidationError(_l("Chọn đáp án Đúng hoặc Sai."), field="tf_answer")
        return {"answer": answer == "true", "feedback_true": nfc_text(form.get("feedback_true")),
                "feedback_false": nfc_text(form.get("feedback_false"))}

    @classmethod
    def check(cls, data):
        if not isinstance(data.get("answer"), bool):
            raise ValidationError(_l("Chọn đáp án Đúng hoặc Sai."), field="tf_answer")

    @classmethod
    def editor_rows(cls, data, typed, extra):
        if typed is not None:
            return {"answer": typed.get("tf_answer", ""), "feedback_true": typed.get("feedback_true", ""),
                    "feedback_false": typed.get("feedback_false", "")}
        return {"answer": ("true" if (data or {}).get("answer") else "false") if data else "",
                "feedback_true": (data or {}).get("feedback_true", ""),
                "feedback_false": (data or {}).get("feedback_false", "")}

    @classmethod
    def normalize(cls, data, layout, raw):
        if raw in (None, ""):
            return None
        if raw not in (True, False, "true", "false"):
            raise ResponseError(_l("Chỉ chọn Đúng hoặc Sai."))
        return _truth(raw)

    @classmethod
    def answered(cls, response):
        return response is not None

    @classmethod
    def grade(cls, data, response):
        return ONE if response is not None and response == data.get("answer") else ZERO

    @classmethod
    def right(cls, data):
        return data.get("answer")

    @classmethod
    def right_html(cls, data, public):
        return escape(_l("Đúng") if data.get("answer") else _l("Sai"))

    @classmethod
    def key_text(cls, data, public):
        return "Đ" if data.get("answer") else "S"

    @classmethod
    def response_text(cls, data, public, response):
        return "" if response is None else str(_l("Đúng") if response else _l("Sai"))

    @classmethod
    def feedback(cls, data, response):
        if response is None:
            return []
        text = data.get("feedback_true" if response else "feedback_false")
        return [text] if text else []

    @classmethod
    def from_imported(cls, question):
        right = next(a for a in question.answers if a.fraction >= 1)
        wrong = next(a for a in question.answers if a is not right)
        return {"answer": right.text == "true",
                "feedback_true": (right if right.text == "true" else wrong).feedback or "",
                "feedback_false": (right if right.text == "false" else wrong).feedback or ""}

    @classmethod
    def gift_body(cls, data, esc):
        wrong = data.get("feedback_false" if data.get("answer") else "feedback_true", "")
        return ("T" if data.get("answer") else "F") + (f" #{esc(wrong)}" if wrong else "")

    @classmethod
    def write_docx(cls, document, data, number, key):
        document.add_paragraph("A. Đúng").runs[0].underline = bool(data.get("answer"))
        document.add_paragraph("B. Sai").runs[0].underline = not data.get("answer")
        key.append(f"{number}-{'A' if data.get('answer') else 'B'}")

    @classmethod
    def printed(cls, data, public, html):
        return [], []    # the booklet gives it a box for Đúng and one for Sai


def steps_of(text: str | None) -> list[str]:
    parts = [p for p in re.split(r"[;\s]+", (text or "").strip()) if p] or list(DEFAULT_STEPS)
    values = [dec(p, str(_l("Bảng điểm theo số ý đúng")), "steps") for p in parts]
    if len(values) != 5 or any(not ZERO <= v <= ONE for v in values) or values != sorted(values) or values[-1] != ONE:
        raise ValidationError(_l("Bảng điểm cần 5 giá trị tăng dần từ 0 đến 1 (cho 0, 1, 2, 3, 4 ý đúng), "
                                 "ví dụ 0; 0,1; 0,25; 0,5; 1."), field="steps")
    return [fmt(v) for v in values]


class TfCluster(QuestionType):
    code = "tf_cluster"
    label = _l("Đúng / Sai bốn ý")

    @classmethod
    def parse_editor(cls, form):
        statements = []
        found = Collector()     # every statement's mistake at once, each naming its statement
        for n, (sid, text, answer) in numbered_rows(form, "st_id", "st_text", "st_answer", content=(1, 2)):
            if answer not in ("true", "false"):
                found.add(_l("Ý %(n)s: chọn Đúng hoặc Sai.", n="abcd"[n - 1] if n <= 4 else n),
                          row_field("st_answer", n))
            statements.append({"id": sid or new_id(), "text": nfc_text(text), "answer": answer == "true"})
        steps = list(DEFAULT_STEPS)
        with found:
            steps = steps_of(form.get("steps"))
        data = {"statements": statements, "steps": steps}
        with found:
            cls.check(data)
        found.done()
        return data

    @classmethod
    def check(cls, data):
        statements = data.get("statements") or []
        if len(statements) != 4 or any(not s["text"].strip() for s in statements):
            raise ValidationError(_l("Câu đúng/sai nhiều ý cần đúng bốn ý a), b), c), d) có nội dung."),
                                  field="statements")
        if len(data.get("steps") or []) != 5:
            raise ValidationError(_l("Bảng điểm cần 5 giá trị."), field="steps")

    @classmethod
    def editor_rows(cls, data, typed, extra):
        if typed is not None:
            found, steps = typed_rows(typed, "st_id", "st_text", "st_answer"), typed.get("steps", "")
        else:
            found = [{"id": s["id"], "text": s["text"], "answer": "true" if s["answer"] else "false"}
                     for s in (data or {}).get("statements", [])]
            steps = "; ".join(shown(x) for x in (data or {}).get("steps", DEFAULT_STEPS))
        found += [{"id": new_id(), "text": "", "answer": ""} for _ in range(4 - len(found))]
        return {"rows": found[:4], "steps": steps}

    @classmethod
    def public(cls, data, layout):
        return {"statements": [{"id": s["id"], "text": s["text"]} for s in data.get("statements", [])]}

    @classmethod
    def normalize(cls, data, layout, raw):
        if raw in (None, ""):
            return {}
        ids = {s["id"] for s in data.get("statements", [])}
        if not isinstance(raw, dict) or not all(k in ids and v in (True, False, "true", "false") for k, v in raw.items()):
            raise ResponseError(_l("Mỗi ý chỉ chọn Đúng hoặc Sai."))
        return {k: _truth(v) for k, v in sorted(raw.items())}

    @classmethod
    def grade(cls, data, response):
        right = sum(1 for s in data.get("statements", []) if (response or {}).get(s["id"]) is s["answer"])
        return Decimal(data.get("steps", DEFAULT_STEPS)[right])

    @classmethod
    def right(cls, data):
        return {s["id"]: s["answer"] for s in data.get("statements", [])}

    @classmethod
    def right_html(cls, data, public):
        right = cls.right(data)
        return Markup("; ").join(Markup("{}) {}").format("abcd"[i], _l("Đúng") if right.get(s["id"]) else _l("Sai"))
                                 for i, s in enumerate(public.get("statements", [])))

    @classmethod
    def response_text(cls, data, public, response):
        return "; ".join(f"{'abcd'[i]}) {_l('Đúng') if (response or {})[s['id']] else _l('Sai')}"
                         for i, s in enumerate(public.get("statements", [])) if s["id"] in (response or {}))

    @classmethod
    def key_text(cls, data, public):
        right = cls.right(data)
        return "".join("Đ" if right.get(s["id"]) else "S" for s in public.get("statements", []))

    @classmethod
    def from_imported(cls, question):
        return {"statements": [{"id": new_id(), "text": a.text, "answer": a.fraction >= 1} for a in question.answers],
                "steps": list(DEFAULT_STEPS)}

    @classmethod
    def gift(cls, name, text, data, general, esc):
        """Not a GIFT kind: four true/false questions named “… a)” to “… d)”."""
        return [f"::{name or 'Câu'} {letter})::{text}\\n{letter}) {esc(s['text'])} {{{'T' if s['answer'] else 'F'}}}\n"
                for letter, s in zip("abcd", data["statements"])]

    @classmethod
    def write_docx(cls, document, data, number, key):
        for letter, statement in zip("abcd", data["statements"]):
            document.add_paragraph(f"{letter}) {statement['text']}")
        key.append(f"{number}-{''.join('Đ' if s['answer'] else 'S' for s in data['statements'])}")

    @classmethod
    def printed(cls, data, public, html):
        return [], [html(s["text"]) for s in public.get("statements", [])]


__all__ = ["TrueFalse", "TfCluster", "DEFAULT_STEPS", "inline"]
