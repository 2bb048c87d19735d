"""How far each class's grade book is filled for a term, each level by its own rule set:
TT22 (grades 6–12) counts the regular, midterm and end-of-term marks its columns require;
TT27 (grades 1–5) counts, at the term's two checkpoints, each subject's level, each periodic test
the rules require, and each of the 15 qualities and competences. Pure counting in a fixed number
of queries, so the admin page, the dashboard, the official reports and a summary job share it."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.gradebook import tt27
from lms.i18n import lazy_gettext as _l
from lms.people.models import Course, Level

CHECKPOINTS_OF_TERM = {1: ("gk1", "ck1"), 2: ("gk2", "cn")}
QUALITY_COUNT = len(tt27.QUALITIES) + len(tt27.COMPETENCES)


def is_primary_grade(grade: int) -> bool:
    return 1 <= grade <= 5


def rule_text(levels: list[Level]) -> str:
    """What "entries required" means for a school of these levels, named by each level's own rule
    set — the footnote of every page that shows the grade-book progress figure."""
    parts = []
    if Level.PRIMARY in levels:
        parts.append(str(_l("Thông tư 27/2020/TT-BGDĐT ở tiểu học (mức đạt từng môn, bài kiểm tra định kỳ và 15 "
                            "phẩm chất, năng lực ở mỗi thời điểm đánh giá)")))
    if any(level != Level.PRIMARY for level in levels):
        parts.append(str(_l("Thông tư 22/2021/TT-BGDĐT ở trung học (các cột điểm đánh giá thường xuyên, giữa kỳ "
                            "và cuối kỳ)")))
    return "; ".join(parts)


def class_progress(session: Session, courses: list[Course], sizes: dict[int, int], term: int
                   ) -> dict[int, tuple[int, int]]:
    """(entries filled, entries required) per class id for a term."""
    from lms.gradebook.book import completeness
    from lms.gradebook.models import PrimaryQuality, PrimaryRecord
    from lms.gradebook.primary import tested

    out: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    secondary = [c for c in courses if not is_primary_grade(c.school_class.grade)]
    primary = [c for c in courses if is_primary_grade(c.school_class.grade)]
    for course in secondary:
        out[course.class_id]  # every class appears, even with nothing required
    class_of = {c.id: c.class_id for c in secondary}
    for course_id, (filled, required) in completeness(session, secondary, sizes, term).items():
        class_id = class_of[course_id]
        out[class_id][0] += filled
        out[class_id][1] += required
    if primary:
        checkpoints = CHECKPOINTS_OF_TERM[term]
        counts = {(cid, cp): (levels, tests) for cid, cp, levels, tests in session.execute(
            select(PrimaryRecord.course_id, PrimaryRecord.checkpoint, func.count(PrimaryRecord.level),
                   func.count(PrimaryRecord.test_score))
            .where(PrimaryRecord.course_id.in_([c.id for c in primary]), PrimaryRecord.checkpoint.in_(checkpoints))
            .group_by(PrimaryRecord.course_id, PrimaryRecord.checkpoint))}
        class_ids = sorted({c.class_id for c in primary})
        qualities = {(cid, cp): n for cid, cp, n in session.execute(
            select(PrimaryQuality.class_id, PrimaryQuality.checkpoint, func.count())
            .where(PrimaryQuality.class_id.in_(class_ids), PrimaryQuality.checkpoint.in_(checkpoints))
            .group_by(PrimaryQuality.class_id, PrimaryQuality.checkpoint))}
        for course in primary:
            pupils = sizes.get(course.class_id, 0)
            for cp in checkpoints:
                levels, tests = counts.get((course.id, cp), (0, 0))
                with_test = tested(course, cp)
                out[course.class_id][0] += min(levels, pupils) + (min(tests, pupils) if with_test else 0)
                out[course.class_id][1] += pupils * (2 if with_test else 1)
        for class_id in class_ids:
            pupils = sizes.get(class_id, 0)
            for cp in checkpoints:
                out[class_id][0] += min(qualities.get((class_id, cp), 0), pupils * QUALITY_COUNT)
                out[class_id][1] += pupils * QUALITY_COUNT
    return {k: (v[0], v[1]) for k, v in out.items()}


def incomplete_classes(session: Session, year, term: int) -> list[tuple[str, int, int]]:
    """The classes of `year` whose grade book for `term` is not full: (name, filled, required),
    in class order — what locking the term now would freeze half-filled."""
    from lms.people import services as people

    classes = people.classes_of_year(session, year)
    sizes = people.class_sizes(session, [c.id for c in classes])
    by_class = people.courses_of_classes(session, [c.id for c in classes])
    courses = [c for school_class in classes for c in by_class.get(school_class.id, [])]
    figures = class_progress(session, courses, sizes, term)
    return [(c.name, *figures[c.id]) for c in classes if c.id in figures and figures[c.id][0] < figures[c.id][1]]
