"""The grade book, report cards and the national transcript (Thông tư 22 for grades 6–12,
Thông tư 27 for grades 1–5; domain/assessment.md, moet.md). Marks are Decimal with one decimal
place, half-up (`scores.py`), never float.

Who decides what:
- the arithmetic of a pupil's results — `tt22.py`, `tt27.py` (pure contract functions,
  CONTRACTS.md) and `results.py` (what a pupil's marks add up to, and what is missing);
- a course's grade book (columns, the grid, all-or-nothing saving, marks posted by homework and
  exams, term locks, the correction history, Excel import and export) — `book.py`; primary's
  levels, checkpoint tests, comments, qualities and competences — `primary.py`;
- the homeroom teacher's part (conduct, attendance, year comment, the class summary with its
  promotion, re-test, summer-training and award lists) — `homeroom.py`; promotion into the next
  year — `promotion.py`;
- how far each class's book is filled, each level by its own rules — `progress.py`;
- report cards: frozen snapshot, PDF, signature and public verification — `reportcards.py`;
- who may read and write which part — `permissions.py`; the codes' names on pages — `labels.py`;
- the national digital transcript (the Ministry's record, PAdES/XAdES signing, the sector
  database's files) — the `transcript/` package.
Views: `views.py` (grids, homeroom pages, locks, report cards, what pupils and parents see).
"""
