"""No account enumeration by time (security.md #31): an unknown identifier costs the same work as
a known one — one argon2 verification at the deployment's parameters — and the password-reset page
sends its e-mail from a background job, never while the request waits.

Before: the reset page sent the e-mail inside the request, only for accounts that exist: an SMTP
round trip (hundreds of milliseconds) told who has an account. The answers were already identical;
their time was not. No timing threshold here: the work itself is compared.
"""
import threading

from argon2 import PasswordHasher, extract_parameters
from sqlalchemy import select

from lms.core.models import Job
from tests.integration.test_sessions_and_mail import FakeSMTP


def test_an_unknown_identifier_costs_one_verification_at_the_real_parameters(world, make_client, app, monkeypatch):
    verified: list = []
    real = PasswordHasher.verify

    def counting(self, hash, password):  # noqa: A002 - argon2's own parameter name
        verified.append(extract_parameters(hash))
        return real(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    for identifier in ("admin.a", "khong.ton.tai", "0912000001", "0999999999", "ai.do@example.vn"):
        make_client().login(identifier, "sai mật khẩu rồi")
    assert len(verified) == 5  # one argon2 verification per attempt, account or not
    assert len({(p.time_cost, p.memory_cost, p.parallelism, p.hash_len) for p in verified}) == 1


class ThreadSMTP(FakeSMTP):
    threads: list = []

    def __init__(self, host, port, timeout=None):
        ThreadSMTP.threads.append(threading.get_ident())
        super().__init__(host, port, timeout)


def test_the_reset_mail_leaves_the_request_and_its_link_is_never_kept_in_clear(world, make_client, app, monkeypatch,
                                                                             dbs):
    monkeypatch.setattr("smtplib.SMTP", ThreadSMTP)
    ThreadSMTP.threads, FakeSMTP.sent = [], []
    app.config["SMTP_HOST"] = "smtp.test"
    for identifier in ("gv.a", "ai.do"):
        response = make_client().post("/forgot", {"identifier": identifier})
        assert response.status_code == 302
    app.extensions["lms_jobs"].wait()
    assert len(FakeSMTP.sent) == 1 and "/reset?t=" in FakeSMTP.sent[0].get_content()
    assert threading.get_ident() not in ThreadSMTP.threads  # not in the request's thread
    link = FakeSMTP.sent[0].get_content().split("/reset?t=", 1)[1].split()[0]
    with dbs() as s:
        jobs = list(s.scalars(select(Job).where(Job.kind == "reset_mail")))
        assert len(jobs) == 2 and {j.status for j in jobs} == {"done"}  # one per request, account or not
        assert all(link not in str(j.params) and "gv.a" not in str(j.params) for j in jobs)  # sealed, then emptied


def test_the_reset_page_does_the_same_steps_for_an_account_and_for_none(world, make_client, app, monkeypatch):
    """Before: for an account the request looked it up, issued its token and sealed its e-mail
    (~40 ms more than for no account). Now the request's steps are recorded for each identifier
    and must be the same list; the account is looked up only by the job, after the answer."""
    from lms.auth import services
    from lms.core import jobs

    app.config["SMTP_HOST"] = "smtp.test"
    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    steps: list[str] = []
    request_thread = threading.get_ident()

    def spy(name, real):
        def wrapper(*args, **kwargs):
            if threading.get_ident() == request_thread:
                steps.append(name)
            return real(*args, **kwargs)
        return wrapper

    for name in ("find_user_by_identifier", "issue_reset_token", "queue_reset_request"):
        monkeypatch.setattr(services, name, spy(name, getattr(services, name)))
    monkeypatch.setattr(jobs, "enqueue", spy("enqueue", jobs.enqueue))
    box = app.extensions["lms_secrets"]
    monkeypatch.setattr(box, "encrypt", spy("seal", box.encrypt))
    answers, work = [], []
    for identifier in ("gv.a", "0912000001", "khong.ai.co", "0999999999"):
        steps.clear()
        response = make_client().post("/forgot", {"identifier": identifier})
        answers.append((response.status_code, response.headers.get("Location")))
        work.append(list(steps))
    assert len(set(answers)) == 1
    assert all(w == work[0] for w in work), work
    assert work[0] == ["queue_reset_request", "seal", "enqueue"]
    app.extensions["lms_jobs"].wait()
