"""The demo that `make run` loads (`flask seed-demo`): one province department, a district below it,
three schools with their people, courses, grade books, exams, homework, fees and contact book.

Who decides what:
- `school.py` — `seed_demo`, the order of everything, the schools, staff, classes, pupils and
  parents (through the same import the schools use) and the demo logins;
- `courses.py` — teaching plans, lessons, progress, announcements, the calendar, a conversation;
- `homework.py` — homework in every state and a readiness check;
- `exams.py` — a question bank and exams in every state;
- `gradebook.py` — last year complete and locked, this year's first marks, report cards;
- `billing.py` — fees, exemptions, months issued and paid through every channel;
- `attendance.py` — every class's daily registers since September, leave requests;
- `contact.py` — the contact book's settings, THCS Nguyễn Du's Zalo and SMS accounts in the sandbox
  and one school day told through them (digests, quiet hours, an SMS fallback, the morning's absence).

Every part draws from a random generator of its own seeded from `school.SEED`, so the people are
the same every time whatever the day; the rest follows the day the demo is loaded.
"""
from lms.demo.school import DEMO_PASSWORD, DemoLogin, seed_demo

__all__ = ["DEMO_PASSWORD", "DemoLogin", "seed_demo"]
