"""Written answers a teacher marks (`essay`) and passages that open a part of the exam and earn
nothing (`description`)."""
from __future__ import annotations

from lms.core.text import nfc_text
from lms.exams.qtypes.base import MAX_TEXT, ZERO, QuestionType
from lms.exams.qtypes.text import normalize_text
from lms.i18n import lazy_gettext as _l


class Essay(QuestionType):
    code = "essay"
    label = _l("Tự luận")
    auto = False

    @classmethod
    def parse_editor(cls, form):
        try:
            lines = max(3, min(40, int(form.get("response_lines") or 10)))
        except ValueError:
            lines = 10
        return {"response_lines": lines, "guide": nfc_text(form.get("guide")), "max_length": MAX_TEXT}

    @classmethod
    def editor_rows(cls, data, typed, extra):
        source = typed if typed is not None else (data or {})
        return {"response_lines": source.get("response_lines") or 10, "guide": source.get("guide") or ""}

    @classmethod
    def public(cls, data, layout):
        return {"response_lines": data.get("response_lines", 10)}

    @classmethod
    def normalize(cls, data, layout, raw):
        return normalize_text(data, raw)

    @classmethod
    def grade(cls, data, response):
        return None

    @classmethod
    def guide(cls, data):
        return (data or {}).get("guide") or ""

    @classmethod
    def from_imported(cls, question):
        return {"response_lines": 10, "guide": nfc_text(getattr(question, "guide", None) or ""), "max_length": MAX_TEXT}


class Description(QuestionType):
    code = "description"
    label = _l("Đoạn dẫn (không tính điểm)")
    scored = False

    @classmethod
    def answered(cls, response):
        return True

    @classmethod
    def grade(cls, data, response):
        return ZERO

    @classmethod
    def key_text(cls, data, public):
        return ""

    @classmethod
    def gift(cls, name, text, data, general, esc):
        return [f"{'::' + name + ':: ' if name else ''}{text}\n"]


__all__ = ["Essay", "Description"]
