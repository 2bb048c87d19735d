"""What every area shares, with one home each:

- errors (`errors.py`, pages in `errors_views.py`), the one way a view commits or refuses
  (`requests.py`), forms' base and messages (`forms.py`);
- who acts in which school and role, and scoping ids to it (`tenancy.py`); audit rows (`audit.py`);
- numbers, money and percentages as Vietnamese people write them (`numbers.py`), time and the
  school time zone (`timeutil.py`), Vietnamese text, folding and roster order (`text.py`);
- the one table reader for every import (`tables.py`) and the one spreadsheet writer (`sheets.py`);
- official documents' facts (`official.py`), PDFs (`pdf.py`), QR codes (`qr.py`), charts (`charts.py`),
  signing keys (`signing.py`);
- uploads checked by content and stored under generated names (`uploads.py`), kept in a local
  folder or an S3-compatible bucket (`storage.py`) and sent back by `downloads.py`;
- background jobs and the periodic scheduler (`jobs.py`), notifications (`notify.py`), e-mail
  (`mail.py`), logs (`logs.py`), backups (`backup.py`), health (`views_health.py`);
- teachers' Markdown sanitised (`markdown.py`), full card numbers detected (`cards.py`), headers and
  safe redirects (`security.py`), template helpers (`templating.py`); a per-process memo of
  immutable rows (`memo.py`); calling libraries that run their own event loop (`loops.py`).
"""
