"""Courses and online teaching: teaching plans, lessons and the library, pupils' progress, the online
share, announcements and messages, calendars, homework and readiness checks.

Who decides what:
- the teaching plan (periods by week, mode in person / online, import and generation) — `plans.py`;
- the online share of the programme (what counts as planned and delivered online) — `share.py`;
- lessons, their publication, prerequisites and each pupil's progress — `lessons.py`; the school's
  library of files — `resources.py`;
- announcements and teacher–parent messages — `comms.py`; calendars and the iCalendar feed — `calendar.py`;
- homework (assignments, hand-ins, grading, revisions, notices) — `homework.py`; its
  arithmetic (acceptance, lateness, penalty, rubrics) — `homework_rules.py`, pure;
- who may manage or see a course, a lesson and a library file — `permissions.py`.
Readiness checks are exams tied to a lesson (lms/exams).
"""
