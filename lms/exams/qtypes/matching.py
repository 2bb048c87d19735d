"""Matching (`matching`): each left item is paired with a right-hand answer from one list that
also holds distractors. Two prompts may share their answer (2⁴ → 16, 4² → 16): the list shows
each answer once, and a pair is right when the chosen answer's text is the pair's."""
from __future__ import annotations

from decimal import Decimal
from random import Random

from markupsafe import Markup

from lms.core.errors import Collector
from lms.core.text import nfc, nfc_text
from lms.exams.mathtext import plain
from lms.exams.qtypes.base import ZERO, QuestionType, ResponseError, inline, new_id, numbered_rows, row_field, typed_rows
from lms.i18n import lazy_gettext as _l


def _key(text: str) -> str:
    return " ".join(nfc(text).split())


class Matching(QuestionType):
    code = "matching"
    label = _l("Ghép đôi")

    @classmethod
    def parse_editor(cls, form):
        pairs = [{"id": pid or new_id(), "left": nfc_text(left), "right": nfc_text(right), "row": n}
                 for n, (pid, left, right) in numbered_rows(form, "pair_id", "pair_left", "pair_right", content=(1, 2))]
        distractors = [{"id": new_id(), "right": nfc(line)} for line in (form.get("distractors") or "").splitlines()
                       if nfc(line)]
        data = {"pairs": pairs, "distractors": distractors}
        cls.check(data)
        for pair in pairs:
            del pair["row"]
        return data

    @classmethod
    def check(cls, data):
        """Every pair short of a side is named by its row (its place on the editor's page)."""
        pairs = data.get("pairs") or []
        found = Collector()
        for n, pair in enumerate(pairs, start=1):
            row = pair.get("row", n)
            if not pair["left"]:
                found.add(_l("Cặp %(n)s: thiếu vế trái (ý cần ghép).", n=row), row_field("pair_left", row))
            if not pair["right"]:
                found.add(_l("Cặp %(n)s: thiếu vế phải (đáp án).", n=row), row_field("pair_right", row))
        if len(pairs) < 2:
            found.add(_l("Câu ghép đôi cần ít nhất hai cặp, mỗi cặp đủ hai vế."), "pairs")
        found.done()

    @classmethod
    def editor_rows(cls, data, typed, extra):
        found = typed_rows(typed, "pair_id", "pair_left", "pair_right") if typed is not None else [
            {"id": p["id"], "left": p["left"], "right": p["right"]} for p in (data or {}).get("pairs", [])]
        found += [{"id": new_id(), "left": "", "right": ""} for _ in range(max(4 - len(found), 0) + extra)]
        distractors = typed.get("distractors", "") if typed is not None else "\n".join(
            d["right"] for d in (data or {}).get("distractors", []))
        return {"rows": found, "distractors": distractors}

    @classmethod
    def _texts(cls, data: dict) -> dict[str, str]:
        """Every right-hand answer's text by its id (pairs and distractors)."""
        return {**{p["id"]: p["right"] for p in data.get("pairs", [])},
                **{d["id"]: d["right"] for d in data.get("distractors", [])}}

    @classmethod
    def _choices(cls, data: dict) -> dict[str, str]:
        """The right-hand list: one id per distinct answer text (the first one that has it)."""
        seen: dict[str, str] = {}
        for answer_id, text in cls._texts(data).items():
            seen.setdefault(_key(text), answer_id)
        return {answer_id: text for answer_id, text in cls._texts(data).items() if seen[_key(text)] == answer_id}

    @classmethod
    def layout(cls, data: dict, rng: Random, shuffle: bool) -> dict:
        lefts = [p["id"] for p in data.get("pairs", [])]
        rights = list(cls._choices(data))
        if shuffle:
            rng.shuffle(lefts)
        rng.shuffle(rights)  # the right-hand list is always mixed: otherwise the order gives the answer away
        return {"order": lefts, "rights": rights}

    @classmethod
    def public(cls, data, layout):
        pairs = {p["id"]: p for p in data.get("pairs", [])}
        choices = cls._choices(data)
        # An attempt laid out before answers were merged may list a duplicate's id: shown once.
        return {"lefts": [{"id": i, "text": pairs[i]["left"]} for i in layout.get("order", pairs) if i in pairs],
                "rights": [{"id": i, "text": choices[i]} for i in layout.get("rights", choices) if i in choices]}

    @classmethod
    def normalize(cls, data, layout, raw):
        if raw in (None, ""):
            return {}
        lefts = {p["id"] for p in data.get("pairs", [])}
        answers = set(cls._texts(data))
        if not isinstance(raw, dict) or not all(k in lefts and (v in answers or v in (None, "")) for k, v in raw.items()):
            raise ResponseError(_l("Cặp ghép không có trong câu hỏi."))
        return {k: v for k, v in sorted(raw.items()) if v}

    @classmethod
    def grade(cls, data, response):
        pairs = data.get("pairs", [])
        texts = cls._texts(data)
        right = sum(1 for p in pairs if (response or {}).get(p["id"]) in texts and
                    _key(texts[(response or {})[p["id"]]]) == _key(p["right"]))
        return Decimal(right) / Decimal(len(pairs)) if pairs else ZERO

    @classmethod
    def right(cls, data):
        choices = cls._choices(data)
        by_text = {_key(text): answer_id for answer_id, text in choices.items()}
        return {p["id"]: by_text[_key(p["right"])] for p in data.get("pairs", [])}

    @classmethod
    def right_html(cls, data, public):
        return Markup("; ").join(Markup("{} → {}").format(inline(left["text"]), inline(
            next((p["right"] for p in data.get("pairs", []) if p["id"] == left["id"]), "?")))
            for left in public.get("lefts", []))

    @classmethod
    def response_text(cls, data, public, response):
        rights = cls._texts(data)
        return "; ".join(f"{plain(left['text'])} → {plain(rights.get(response[left['id']], '?'))}"
                         for left in public.get("lefts", []) if (response or {}).get(left["id"]))

    @classmethod
    def key_text(cls, data, public):
        """The printed key of a version: each prompt's letter by the answer's letter in that
        version's order ("a–B; b–A"), as the pupil writes it on the paper."""
        right = cls.right(data)
        letters = {r["id"]: "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i] for i, r in enumerate(public.get("rights", [])[:26])}
        return "; ".join(f"{'abcdefghijklmnopqrstuvwxyz'[i]}–{letters.get(right.get(left['id']), '?')}"
                         for i, left in enumerate(public.get("lefts", [])[:26]))

    @classmethod
    def from_imported(cls, question):
        return {"pairs": [{"id": new_id(), "left": a.text, "right": a.match} for a in question.answers if a.text],
                "distractors": [{"id": new_id(), "right": a.match} for a in question.answers if not a.text]}

    @classmethod
    def gift_body(cls, data, esc):
        pairs = [f"={esc(p['left'])} -> {esc(p['right'])}" for p in data["pairs"]]
        pairs += [f"= -> {esc(d['right'])}" for d in data.get("distractors", [])]
        return " ".join(pairs)

    @classmethod
    def write_docx(cls, document, data, number, key):
        for p in data["pairs"]:
            document.add_paragraph(f"{p['left']} → {p['right']}")

    @classmethod
    def printed(cls, data, public, html):
        """The answers A., B., … (distractors among them) as options, the prompts a), b), … as
        statements, in the version's order: on paper the pupil writes a letter by each prompt."""
        return [html(r["text"]) for r in public.get("rights", [])], [html(left["text"]) for left in public.get("lefts", [])]


__all__ = ["Matching"]
