"""Secrets and personal data stay out of the logs (domain/security.md #52): canaries — a password
typed right and wrong, the session cookie, a one-time password link's token, a VNPay signature,
genuine and forged, and a citizen id number typed into a search — are sent through the app while
every logger records at DEBUG, and none of them is found in any record, formatted as the app
formats it (JSON) with its arguments and traceback.
"""
import logging
import re

from lms.core.logs import JsonFormatter
from tests.integration.test_vnpay import _checkout, _ipn_params, _setup

PASSWORD_CANARY = "chim-canh-cut-CANARY-7f3a"
ID_CANARY = "079214000123"


def _all_text(records) -> str:
    formatter = JsonFormatter()
    parts = []
    for record in records:
        parts.append(formatter.format(record))
        parts.append(repr(record.args))
        parts.append(repr(getattr(record, "__dict__", {})))
    return "\n".join(parts)


def test_no_secret_or_id_number_reaches_a_log(world, make_client, dbs, caplog, app):
    caplog.set_level(logging.DEBUG)
    canaries = [PASSWORD_CANARY, ID_CANARY]
    # Passwords: a wrong one, then a new one set through a one-time link.
    assert make_client().login("gv.a", PASSWORD_CANARY).status_code == 200  # refused
    admin = make_client()
    admin.login("admin.a")
    link_page = admin.post(f"/school/users/{world.a.teacher.id}/reset").get_data(as_text=True)
    token = re.search(r"[?&]t=([A-Za-z0-9_\-.]+)", link_page).group(1)
    canaries.append(token)
    teacher = make_client()
    form = teacher.http.get(f"/reset?t={token}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    done = teacher.http.post(f"/reset?t={token}", data={"csrf_token": csrf, "new_password": PASSWORD_CANARY + "-moi",
                                                       "confirm": PASSWORD_CANARY + "-moi"})
    assert done.status_code == 302  # the new password was set
    canaries.append(PASSWORD_CANARY + "-moi")
    # The session cookie of a signed-in person.
    admin.get("/school/students", query_string={"q": ID_CANARY})
    cookie = next(c.value for c in admin.http._cookies.values() if "session" in c.key)
    canaries.append(cookie)
    # A VNPay notification, genuine and forged.
    (invoice_id, _code, _due), parent = _setup(dbs, world, make_client)
    good = _ipn_params(_checkout(parent, invoice_id))
    bank = make_client()
    assert bank.get("/callbacks/vnpay/ipn", query_string=good).get_json()["RspCode"] == "00"
    forged = {**good, "vnp_SecureHash": "ab" * 64}
    assert bank.get("/callbacks/vnpay/ipn", query_string=forged).get_json()["RspCode"] == "97"
    canaries += [good["vnp_SecureHash"], forged["vnp_SecureHash"]]
    assert len(caplog.records) > 10  # the requests were logged at all
    text = _all_text(caplog.records)
    found = [c[:12] + "…" for c in canaries if c in text]
    assert not found, f"found in the logs: {found}"


def test_no_momo_signature_reaches_a_log(world, make_client, dbs, caplog):
    """security.md #52 names MoMo's signature too: a genuine IPN and a forged one (its amount
    changed under the genuine signature, and a signature made up), logged at DEBUG."""
    from urllib.parse import parse_qsl, urlsplit

    from tests.integration.test_momo import _ipn, _pay_url
    from tests.integration.test_momo import _setup as momo_setup

    caplog.set_level(logging.DEBUG)
    (invoice_id, _code, _due), parent = momo_setup(dbs, world, make_client)
    fields = dict(parse_qsl(urlsplit(_pay_url(parent, invoice_id)).query))
    good = _ipn(fields, trans_id=7)
    made_up = {**good, "signature": "cd" * 32}
    bank = make_client()
    assert bank.http.post("/callbacks/momo/ipn", json={**good, "amount": 1}).status_code == 401
    assert bank.http.post("/callbacks/momo/ipn", json=made_up).status_code == 401
    assert bank.http.post("/callbacks/momo/ipn", json=good).status_code == 204
    text = _all_text(caplog.records)
    assert len(caplog.records) > 3
    assert good["signature"] not in text and made_up["signature"] not in text


def test_the_whole_runs_check_finds_a_secret_a_route_logs(world, make_client, app):
    """The check every integration test gets (tests/log_canaries.py) is not blind: a route that
    logs the password it was sent, at DEBUG, is caught — the typed password is a canary and the
    record holding it is found."""
    from tests import log_canaries

    from flask import request

    from lms.extensions import csrf

    def leaky():
        logging.getLogger("lms.leaky").debug("sign-in for %s", request.form["new_password"])
        return "ok"

    app.add_url_rule("/_test/leaky", "test_leaky", csrf.exempt(leaky), methods=["POST"])
    assert make_client().http.post("/_test/leaky", data={"new_password": PASSWORD_CANARY}).status_code == 200
    assert PASSWORD_CANARY in log_canaries.canaries
    assert log_canaries.found_in(log_canaries._handler.records, log_canaries.canaries) == [PASSWORD_CANARY]
    log_canaries._handler.records.clear()      # found on purpose: not this test's failure
