"""Fees and cashless payments: what a school bills, how families pay, and how every đồng is
accounted for exactly once (int đồng throughout; domain/payments.md, tuition.md).

Who decides what:
- fee types, plans and exemptions — `fees.py`; what a line costs and how a payment is allocated —
  `rules.py`, pure; issuing a month's invoices — `invoicing.py`; an invoice's status —
  `states.py`, the only place it is decided; invoice payment references with their check
  character — `reference.py`;
- money in and out (payments, the family's credit, credit notes, voids, refunds) — `payments.py`,
  posted to the double-entry `ledger.py` (guarded in the database by `ddl.py`); receipts and their
  verification — `receipts.py`; amounts in words — `words.py`;
- every bank credit, whoever reports it (SePay/Casso webhooks, an imported statement, a card
  settlement file, the accountant by hand), recognised once and matched to invoices of the
  receiving school only — `matching.py`, fed by `callbacks.py` (webhooks and gateway notifications,
  authenticated and stored raw first), `statements.py` and `settlements.py`; reconciliation
  against a provider's own report — `reconciliation.py`; asking a gateway what became of a
  checkout — `recovery.py`;
- paying online: one module per gateway, `channels/vnpay.py`, `channels/momo.py`,
  `channels/payos.py`, `channels/mobile_money.py` (each: its signatures, pure and fixed by
  CONTRACTS.md; starting a checkout; deciding its notification; the return page; its status API;
  its report's columns); the steps they share (a checkout started, claimed and recorded once) — `checkouts.py`;
  the channels, the legal methods and their names, the one list — `channels/registry.py`;
  Casso's signature — `channels/casso.py`; VietQR payloads — `vietqr.py`; a school's channel
  settings and which legal methods are ready — `channel_settings.py`, secrets encrypted at rest
  by `secrets.py`;
- every money-moving form done once — `once.py`;
- what the accountant's and parents' pages list — `queries.py`;
- local imitations of the providers for the demo and tests only (LMS_PAYMENT_SANDBOX) — the
  package `sandbox/`, one module per pretend gateway, its memory in a SQLite file of its own
  (`sandbox/store.py`), never in the school's database.
Views: `views.py` (accountant, parents, receipts), `views_channels.py` (settings, webhooks,
transfers queue, statements), `views_gateways.py` (checkouts and IPNs); the cashless-share
reports are in lms/reports.
"""
