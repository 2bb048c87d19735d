"""Daily attendance (điểm danh) and parents' leave requests.

- `models.py`: a register per class, day and period (period 0 is the whole day), marks only for
  the pupils who were not simply present, and leave requests.
- `rules.py` (pure): what a day's marks mean for the sessions (buổi) absent that the grade book
  and the report card count.
- `registers.py`: taking a register from a phone, the same-morning notice of an unexcused
  absence, the month grid, and `term_absences` — the one function the grade book and the report
  card read a pupil's term totals from (daily records where a class keeps them, the typed
  per-term figures where it keeps paper).
- `leave.py`: a parent asks for leave, the homeroom teacher approves or refuses.
- `permissions.py`: who may take which register and decide which request.
"""
