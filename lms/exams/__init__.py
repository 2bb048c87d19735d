"""Online exams: the question bank, exams and readiness checks, attempts, grading and results.

Who decides what:
- the question types — `qtypes/` (one class per type: its editor, checks, layout and shuffle, what the
  pupil sees, normalising and grading an answer, the right-answer text, import/export and printing;
  `qtypes/__init__.py` holds the registry);
- the rules of sitting an exam (window, deadline, allowance, attempts, access code, IP ranges,
  release, review rights) — `attempt_rules.py`, pure;
- starting, saving by the full rules and submitting an attempt — `attempts.py`; the autosave's
  storage path and its ticket — `saving.py`; the fast path before Flask — `autosave.py`;
- drawing a fixed list or a blueprint (ma trận đề) — `drawing.py`;
- setting exams up (settings, classes, items, blueprint, publication, overrides) — `services.py`;
- grading, regrading, review and posting to the grade book — `results.py`;
- the bank (categories, questions, immutable versions) — `bank.py`; imports (GIFT, Aiken, Word with
  its math) — `importing.py` and `formats/`; exports — `exporting.py`; printed versions —
  `printing.py`; item analysis — `analysis.py` over `statistics.py`'s formulas;
- who may use which category, question, exam and attempt — `permissions.py`.
"""
