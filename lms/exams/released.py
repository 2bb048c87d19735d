"""A pupil's exam results that are out, for the pages where the pupil and the parents read marks
(the grade book's "Kết quả học tập"): each exam whose results the teacher has released (or that
released itself at its close) and whose release shows the score, with the pupil's result on 10 by
the exam's grading method. An exam still being marked for the pupil says so instead of a score."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.exams import attempt_rules as rules
from lms.exams.models import Attempt, AttemptState, Exam
from lms.exams.results import final_scores
from lms.exams.services import exams_of_pupil
from lms.people.models import Student

SHOWN = 20   # the latest released exams listed


@dataclass
class ReleasedResult:
    exam: Exam
    score: Decimal | None      # on 10, one decimal; None while the teacher still marks
    marking: bool              # an attempt of the pupil's waits for the teacher


def released_results(session: Session, student: Student, now: datetime) -> list[ReleasedResult]:
    out: list[ReleasedResult] = []
    for exam in session.scalars(exams_of_pupil(session, student)):
        if not rules.released(exam, now) or not any((exam.review or {}).get(m, {}).get("score")
                                                     for m in ("after_submit", "after_release")):
            continue
        attempts = list(session.scalars(select(Attempt).where(
            Attempt.exam_id == exam.id, Attempt.student_id == student.id,
            Attempt.state.in_((AttemptState.SUBMITTED, AttemptState.FINISHED)))))
        if not attempts:
            continue
        marking = any(a.needs_grading for a in attempts)
        score = None if marking else final_scores(session, exam, student.id).get(student.id)
        if score is None and not marking:
            continue
        out.append(ReleasedResult(exam, score, marking))
        if len(out) == SHOWN:
            break
    return out
