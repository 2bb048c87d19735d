"""A gateway's receipt is made after the notification's commit, by a job written in the same
transaction as the payment (issue #31, the fee-deadline storm): the copies of an IPN wait on the
claim's row lock only for the payment, and a process that dies between the commit and the job
still ends with exactly one signed receipt (the sweep makes it; running the job again makes none)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from lms.billing import receipts
from lms.billing.models import Invoice, InvoiceStatus, Payment, Receipt
from lms.core import jobs
from lms.core.models import Job
from lms.core.timeutil import utcnow
from tests.integration.test_vnpay import _checkout, _ipn_params, _setup


class _Crashed:
    """A runner whose process died right after the request's commit: what it was given never runs."""

    def __init__(self):
        self.lost: list[int] = []

    def submit(self, job_id: int) -> None:
        self.lost.append(job_id)

    def wait(self, timeout: float = 60) -> None:
        pass


def _receipts(dbs, payment_id):
    with dbs() as s:
        return s.scalar(select(func.count()).select_from(Receipt).where(Receipt.payment_id == payment_id))


def test_a_crash_between_the_payments_commit_and_its_receipt_job_still_ends_with_one_receipt(app, world,
                                                                                                make_client, dbs):
    (invoice_id, code, due), parent = _setup(dbs, world, make_client)
    pay_url = _checkout(parent, invoice_id)
    runner, app.extensions["lms_jobs"] = app.extensions["lms_jobs"], _Crashed()
    bank = make_client()
    try:
        assert bank.get("/callbacks/vnpay/ipn", query_string=_ipn_params(pay_url)).get_json()["RspCode"] == "00"
        lost = app.extensions["lms_jobs"].lost
    finally:
        app.extensions["lms_jobs"] = runner
    with dbs() as s:
        payment = s.scalars(select(Payment).where(Payment.invoice_id == invoice_id)).one()
        payment_id = payment.id
        assert s.get(Invoice, invoice_id).status == InvoiceStatus.PAID     # the money is recorded at once
        (job,) = s.scalars(select(Job).where(Job.kind == receipts.RECEIPT_JOB)).all()
        assert job.status == jobs.Status.QUEUED and job.params == {"payment_id": payment_id} and lost == [job.id]
        job_id = job.id
    assert _receipts(dbs, payment_id) == 0                               # not made inside the IPN's transaction
    # The parent's and the accountant's pages say the receipt is on its way (never a 500).
    assert "đang lập biên lai" in parent.get(f"/fees/invoices/{invoice_id}").get_data(as_text=True)
    signer = app.extensions["lms_signer"]
    with dbs() as s:
        assert receipts.sweep_receipts(s, utcnow(), signer) == 0         # too early: the job may still run
        assert receipts.sweep_receipts(s, utcnow() + timedelta(minutes=3), signer) == 1
        assert s.get(Job, job_id).status == jobs.Status.DONE
    assert _receipts(dbs, payment_id) == 1
    with dbs() as s:
        assert receipts.sweep_receipts(s, utcnow() + timedelta(minutes=3), signer) == 0
        s.get(Job, job_id).status = jobs.Status.QUEUED                  # the lost dispatch arrives after all
        s.commit()
    with app.app_context():
        from lms.extensions import db

        jobs.run_job(db.session, job_id, app.config)
        db.session.remove()
    assert _receipts(dbs, payment_id) == 1
    with dbs() as s:
        receipt = s.scalars(select(Receipt).where(Receipt.payment_id == payment_id)).one()
        assert receipts.verify_receipt(s, receipt.token, signer).authentic
        assert receipts.data_of(receipt)["amount"] == due and s.get(Job, job_id).status == jobs.Status.DONE
    assert "biên lai" in parent.get(f"/fees/invoices/{invoice_id}").get_data(as_text=True)


def test_the_receipt_job_runs_after_the_commit_and_copies_of_the_ipn_queue_none(app, world, make_client, dbs):
    (invoice_id, code, due), parent = _setup(dbs, world, make_client)
    pay_url = _checkout(parent, invoice_id)
    bank = make_client()
    good = _ipn_params(pay_url)
    assert [bank.get("/callbacks/vnpay/ipn", query_string=good).get_json()["RspCode"] for _ in range(3)] == \
        ["00", "02", "02"]
    app.extensions["lms_jobs"].wait()
    with dbs() as s:
        payment = s.scalars(select(Payment).where(Payment.invoice_id == invoice_id)).one()
        (job,) = s.scalars(select(Job).where(Job.kind == receipts.RECEIPT_JOB)).all()
        assert job.status == jobs.Status.DONE
        receipt = s.scalars(select(Receipt).where(Receipt.payment_id == payment.id)).one()
        assert receipts.verify_receipt(s, receipt.token, app.extensions["lms_signer"]).authentic


def test_a_job_queued_before_a_savepoint_starts_only_at_the_commit(app, world):
    """SQLAlchemy reports a released savepoint as a commit: a job queued in the transaction was
    handed to the runner then — before its row was committed, so the runner found no job and the
    receipt was never made (the recovery sweep's payments, each in a savepoint of its own)."""
    from lms.extensions import db

    runner, app.extensions["lms_jobs"] = app.extensions["lms_jobs"], _Crashed()
    try:
        with app.app_context():
            s = db.session
            with s.begin_nested():
                first = jobs.enqueue(s, None, receipts.RECEIPT_JOB, {"payment_id": 0}, school_id=None)
            assert app.extensions["lms_jobs"].lost == []          # released, not committed
            try:
                with s.begin_nested():
                    jobs.enqueue(s, None, receipts.RECEIPT_JOB, {"payment_id": -1}, school_id=None)
                    raise RuntimeError("this step fails")
            except RuntimeError:
                pass
            s.commit()
            assert app.extensions["lms_jobs"].lost[0] == first.id   # the rolled-back savepoint kept it
            db.session.remove()
    finally:
        app.extensions["lms_jobs"] = runner


def test_a_sepay_credit_gets_its_receipt_after_the_commit_and_once_after_a_crash(app, world, client, make_client,
                                                                                  dbs):
    from tests.integration.test_channels import _sepay
    from tests.integration.test_channels import _setup as channels_setup

    invoices = channels_setup(dbs, world, client)
    inv_id, code, due = invoices["HSA001"]
    runner, app.extensions["lms_jobs"] = app.extensions["lms_jobs"], _Crashed()
    try:
        assert _sepay(make_client(), f"HS nop tien {code}", due, 7001).status_code == 200
        assert _sepay(make_client(), f"HS nop tien {code}", due, 7001).status_code == 200    # redelivered
    finally:
        app.extensions["lms_jobs"] = runner
    with dbs() as s:
        payment = s.scalars(select(Payment).where(Payment.invoice_id == inv_id)).one()
        assert s.get(Invoice, inv_id).status == InvoiceStatus.PAID
        assert len(s.scalars(select(Job).where(Job.kind == receipts.RECEIPT_JOB)).all()) == 1
    assert _receipts(dbs, payment.id) == 0
    with dbs() as s:
        assert receipts.sweep_receipts(s, utcnow() + timedelta(minutes=3), app.extensions["lms_signer"]) == 1
        assert receipts.sweep_receipts(s, utcnow() + timedelta(minutes=3), app.extensions["lms_signer"]) == 0
    assert _receipts(dbs, payment.id) == 1
