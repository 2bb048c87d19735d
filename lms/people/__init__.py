"""Schools and their people: departments, schools, school years and terms, classes, subjects and
courses, staff, pupils and their guardians.

Who decides what:
- school set-up (details, years, classes, subjects, courses, roles) — `services.py`; the 2018
  programme's subjects and periods — `programme.py`; the banks' list — `banks.py`;
- how an account found by an e-mail or phone comes to belong to a school (a new account, roles for
  an account wholly of this school, or an invitation its owner accepts) — `accounts.py`;
- importing and exporting pupils with their parents and staff — `imports.py` (files are read by
  lms/core/tables.py); a pupil's profile and its checks — `profile.py`;
- who may see which class, course, pupil or account — `permissions.py`.
"""
