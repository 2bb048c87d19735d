"""Drawing an exam's questions: a fixed list, or a blueprint (ma trận đề) whose rows each draw
their count from a category and its sub-categories, least used first, in random order within the
same usage; then the paper as shown — parts in order, questions shuffled within a part, option
orders laid out by each question's type. Attempts and printed versions use this one composer."""
from __future__ import annotations

import re
from random import Random

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.core.errors import ValidationError
from lms.exams import qtypes
from lms.exams.bank import descendants, narrow
from lms.exams.models import Exam, ExamRule, Question, QuestionStatus, QuestionVersion
from lms.i18n import lazy_gettext as _l


def candidates(session: Session, rule: ExamRule):
    """The query of the ready questions a blueprint row may draw."""
    stmt = select(Question).where(Question.category_id.in_(descendants(session, rule.category)),
                                  Question.status == QuestionStatus.READY, Question.current_version_id.is_not(None))
    return narrow(stmt, topic=rule.topic, level=rule.level, qtype=rule.qtype)



def draw(session: Session, exam: Exam, rng: Random) -> list[tuple[Question, int, int | None]]:
    """The questions of one attempt: (question, mark e4, blueprint row). For a blueprint, each row
    draws from its candidates least-used first, in random order within the same usage."""
    if exam.source == "fixed":
        return [(item.question, item.mark_e4, None) for item in exam.items if item.question.current_version_id]
    # The candidates are read as (id, usage) only and the questions drawn loaded afterwards in one
    # statement: a start loaded every candidate whole — its current version's text and data, its
    # category, subject and owner — to keep a third of them (120 of a bank for 40 drawn).
    picked: list[tuple[int, int, int | None]] = []
    taken: set[int] = set()
    for rule in exam.rules:
        pool = [row for row in session.execute(candidates(session, rule).with_only_columns(
            Question.id, Question.usage_count)) if row[0] not in taken]
        rng.shuffle(pool)
        pool.sort(key=lambda row: row[1])  # stable: random order kept within equal usage
        if len(pool) < rule.count:
            raise ValidationError(_l("Ngân hàng không đủ câu cho dòng %(n)s của ma trận (cần %(c)s, có %(a)s).",
                                     n=rule.position, c=rule.count, a=len(pool)))
        for question_id, _usage in pool[:rule.count]:
            taken.add(question_id)
            picked.append((question_id, rule.mark_e4, rule.position))
    loaded = {q.id: q for q in session.scalars(select(Question).where(Question.id.in_(taken or [0])))}
    return [(loaded[question_id], mark, position) for question_id, mark, position in picked]


def _part_key(exam: Exam, question: Question, rule: int | None):
    """Which part of the paper a question belongs to, and the part's name: its blueprint row's
    category, or in a fixed list its own category (a Word exam's "PHẦN I/II/III" are sub-categories
    of the bank). Categories named as the same part ("PHẦN I. Trắc nghiệm" of two imported files)
    are one part: it is headed once."""
    category = question.category
    if rule is not None:
        found = next((r for r in exam.rules if r.position == rule), None)
        if found is not None:
            category = found.category
    name = category.name
    if _NUMBERED_PART.match(name):
        return ("part", " ".join(name.casefold().split()).rstrip(" .:")), name
    return ("category", category.id), name


def _sections(slots: list[tuple], exam: Exam) -> list[list[tuple]]:
    """Parts keep their order; questions are shuffled within a section. A blueprint row is a
    section; in a fixed list, the questions of one category in a row are a section, and a passage
    (description) opens a new one. The sections of one part are kept together, in the order the
    part first appears — a PHẦN I question added at the end of the list, or a third blueprint row
    drawing from PHẦN I again, joins PHẦN I instead of heading a second "PHẦN I" after PHẦN II."""
    sections: list[list[tuple]] = []
    for item in slots:
        question, _mark, rule = item
        first = sections[-1][0] if sections else None
        new_section = first is None or (rule is not None and rule != first[2]) or \
            (rule is None and (question.qtype == "description" or
                               _part_key(exam, question, None)[0] != _part_key(exam, sections[-1][-1][0], None)[0]))
        if new_section:
            sections.append([])
        sections[-1].append(item)
    order: dict = {}
    for section in sections:
        order.setdefault(_part_key(exam, section[0][0], section[0][2])[0], len(order))
    return sorted(sections, key=lambda section: order[_part_key(exam, section[0][0], section[0][2])[0]])


_NUMBERED_PART = re.compile(r"^\s*phần\s+([IVXLC]+|\d+)\b", re.IGNORECASE)
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def part_titles(exam: Exam, entries: list[tuple[Question, int | None]]) -> list[str | None]:
    """The heading above each question of a paper in its order (None where no part starts): a
    part starts where the category changes; a paper of one part has no headings. Every part is
    numbered by its place on this paper — "PHẦN I. <name>", "PHẦN II. …" — and a category named
    like a part ("Phần II. Đúng sai" of an imported file, "PHẦN I" made in the bank) gives its name
    without its own numeral: a bank's "PHẦN I" and an imported file's "PHẦN I" on one paper are
    PHẦN I and PHẦN II, never two headings "PHẦN I"."""
    keys = [_part_key(exam, question, rule) for question, rule in entries]
    starts = [i for i, key in enumerate(keys) if i == 0 or key[0] != keys[i - 1][0]]
    titles: list[str | None] = [None] * len(entries)
    if len(starts) < 2:
        return titles
    for n, i in enumerate(starts):
        name = keys[i][1].strip()
        numeral = _ROMAN[n] if n < len(_ROMAN) else str(n + 1)
        numbered = _NUMBERED_PART.match(name)
        if numbered:
            name = name[numbered.end():].lstrip(" .:-–—")
        titles[i] = str(_l("PHẦN %(n)s. %(name)s", n=numeral, name=name)) if name else \
            str(_l("PHẦN %(n)s", n=numeral))
    return titles


def compose(session: Session, exam: Exam, rng: Random) -> list[tuple]:
    """One paper of the exam: (question, mark e4, blueprint row, version, option layout) in the
    order shown — drawn, shuffled within its parts and laid out by `rng`. Attempts and printed
    versions are made by this one function."""
    ordered = []
    for part in _sections(draw(session, exam, rng), exam):
        if exam.shuffle_questions:
            head = [x for x in part if x[0].qtype == "description"][:1]
            rest = [x for x in part if x not in head]
            rng.shuffle(rest)
            part = head + rest
        ordered.extend(part)
    out = []
    for question, mark, rule in ordered:
        version = session.get(QuestionVersion, question.current_version_id)
        out.append((question, mark, rule, version,
                    qtypes.TYPES[question.qtype].layout(version.data, rng, exam.shuffle_options)))
    return out
