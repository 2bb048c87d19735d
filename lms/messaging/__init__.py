"""The parents' contact book on the channels they use: in the app, e-mail, Zalo ZNS and SMS.

- `models.py`: a school's contact-book settings, its provider accounts (secrets sealed), each
  parent's choices, every outgoing message (one row per channel, with its tracking id), the
  daily digest runs, and the sandbox's own records.
- `rules.py` (pure): quiet hours, SMS segments and unaccented text, costs, ZNS parameter
  limits, retry back-off, the month a message counts in.
- `consent.py`: the one gate that says whether a parent's notices may leave for Zalo or SMS.
- `settings.py`: saving the school's settings and accounts, a parent's choices.
- `routing.py`: each notice to a guardian becomes outgoing messages now (urgent kinds, parents
  who chose "as it happens") or waits for the evening digest; `digest.py` composes the digests.
- `dispatch.py`: sends what is due — monthly cap, quiet hours, retries with back-off, ZNS then
  SMS fallback — and records the delivery reports; `reports.py`: the cost report and failures.
- `providers/zns.py`, `providers/esms.py`: the published APIs (requests, answers, error codes,
  access-token refresh, delivery webhooks); `sandbox.py`: the local imitation of both providers,
  on in the demo and the tests only (LMS_MESSAGING_SANDBOX).
- views: `views.py` (school settings, cost report, failures, a parent's settings),
  `views_hooks.py` (the providers' delivery reports, the sandbox's endpoints, and the web glue
  that gives the sender its HTTP transport, secrets box and mailer).
"""
