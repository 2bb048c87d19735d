"""The Aiken format (domain/exams.md §15.2): one-line questions, lettered choices, ANSWER: X."""
from __future__ import annotations

import re

from lms.exams.formats import FormatError, ImportedAnswer, ImportedQuestion, numbered_lines
from lms.i18n import gettext as _

CHOICE = re.compile(r"^([A-Z])[.)][ \t]*(.*)$")
ANSWER = re.compile(r"^answer:(.*)$", re.IGNORECASE)


def parse(text: str) -> list[ImportedQuestion]:
    questions: list[ImportedQuestion] = []
    open_question: tuple[int, str] | None = None
    choices: list[str] = []

    for number, raw in numbered_lines(text):
        line = raw.strip()
        if not line:
            continue
        choice = CHOICE.match(line)
        answer = ANSWER.match(line)
        if choice:
            if open_question is None:
                raise FormatError(number, _("phương án không thuộc câu hỏi nào"))
            letter, value = choice.group(1), choice.group(2).strip()
            if ord(letter) - ord("A") != len(choices):
                raise FormatError(number, _("phương án %(letter)s sai thứ tự (cần %(want)s)", letter=letter, want=chr(ord("A") + len(choices))))
            if not value:
                raise FormatError(number, _("phương án %(letter)s để trống", letter=letter))
            choices.append(value)
        elif answer:
            if open_question is None:
                raise FormatError(number, _("ANSWER: không thuộc câu hỏi nào"))
            if len(choices) < 2:
                raise FormatError(number, _("câu hỏi cần ít nhất hai phương án trước ANSWER:"))
            key = answer.group(1).strip().upper()
            if len(key) != 1 or not "A" <= key <= "Z" or ord(key) - ord("A") >= len(choices):
                raise FormatError(number, _("đáp án “%(given)s” không phải là một phương án đã có", given=answer.group(1).strip()))
            index = ord(key) - ord("A")
            questions.append(ImportedQuestion("single_choice", None, open_question[1], [
                ImportedAnswer(value, 1.0 if i == index else 0.0) for i, value in enumerate(choices)]))
            open_question, choices = None, []
        else:
            if open_question is not None:
                raise FormatError(number, _("câu hỏi trước chưa có dòng ANSWER:"))
            open_question, choices = (number, line), []
    if open_question is not None:
        raise FormatError(open_question[0], _("câu hỏi chưa có dòng ANSWER:"))
    return questions
