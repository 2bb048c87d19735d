"""Paying online as a real browser and a real deployment do: the checkout's POST never redirects
off-site (Chromium applies `form-action 'self'` to a POST's redirects), each channel talks to the
endpoints of its environment, and production refuses to start without its public address."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import select

from lms.billing.models import ChannelSetting, Checkout
from tests.billing_helpers import online_setup, start_checkout

SECRET = "BIMATVNPAYTHUNGHIEM0123456789"


def _setup(dbs, world, make_client):
    return online_setup(dbs, world, make_client, "vnpay", {"tmn_code": "THCSTHUA", "hash_secret": SECRET})


@pytest.mark.parametrize("mode, host", [("test", "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"),
                                        ("production", "https://pay.vnpay.vn/vpcpay.html"),
                                        ("sandbox", "http://127.0.0.1:5000/sandbox/vnpay/vpcpay.html")])
def test_the_checkout_post_ends_on_our_page_which_moves_on_to_the_environments_gateway(world, make_client, dbs,
                                                                                       app, mode, host):
    (invoice_id, code, due), parent = _setup(dbs, world, make_client)
    admin = make_client()
    admin.login("admin.a")
    admin.post("/billing/channels/vnpay", {"tmn_code": "THCSTHUA", "enabled": "y", "mode": mode})
    started = start_checkout(parent, invoice_id, "vnpay")
    # The form's POST is answered on our own origin: never a redirect to the gateway.
    assert started.status_code == 303
    go = started.headers["Location"]
    assert urlsplit(go).netloc in ("", "localhost") and urlsplit(go).path.startswith("/fees/checkouts/")
    page = parent.get(go)
    target = page.headers["Refresh"].removeprefix("0; url=")
    assert page.status_code == 200 and target.startswith(host + "?")
    assert f'href="{target.replace("&", "&amp;")}"' in page.get_data(as_text=True)   # a button as well
    params = dict(parse_qsl(urlsplit(target).query))
    assert params["vnp_Amount"] == str(due * 100) and params["vnp_TxnRef"].startswith(code)
    # Another family cannot see where this checkout goes; a finished one sends back to the invoice.
    other = make_client()
    other.login("0912000003")
    assert other.get(go).status_code == 404
    with dbs() as s:
        s.scalars(select(Checkout)).one().status = "failed"
        s.commit()
    back = parent.get(go)
    assert back.status_code == 302 and back.headers["Location"].endswith(f"/fees/invoices/{invoice_id}")


def test_a_channel_saved_before_environments_existed_stays_in_the_test_environment(world, make_client, dbs):
    (invoice_id, _code, _due), parent = _setup(dbs, world, make_client)
    with dbs() as s:
        row = s.scalars(select(ChannelSetting).where(ChannelSetting.channel == "vnpay")).one()
        row.public = {"tmn_code": "THCSTHUA", "sandbox": False}
        s.commit()
    page = parent.get(start_checkout(parent, invoice_id, "vnpay").headers["Location"])
    assert page.headers["Refresh"].removeprefix("0; url=").startswith("https://sandbox.vnpayment.vn/")


def _production(**overrides):
    from lms.config import ProductionConfig

    return type("P", (ProductionConfig,), {"ENV_NAME": "production", "SECRET_KEY": "x" * 40,
                                           "SIGNING_KEY": "dGVzdC1vbmx5LWVkMjU1MTktc2VlZC0wMTIzNDU2Nzg=",
                                           "SECRETS_KEY": "dGVzdC1vbmx5LXNlY3JldHMta2V5LTAxMjM0NTY3ODk=",
                                           "SQLALCHEMY_DATABASE_URI": "sqlite://", "PAYMENT_SANDBOX": False,
                                           "MESSAGING_SANDBOX": False, **overrides})


@pytest.mark.parametrize("address", [None, "", "http://lms.example.edu.vn", "lms.example.edu.vn", "https://"])
def test_production_refuses_to_start_without_an_https_public_address(address):
    from lms import create_app

    with pytest.raises(RuntimeError, match="LMS_PUBLIC_BASE_URL"):
        create_app(_production(PUBLIC_BASE_URL=address))


def test_production_starts_with_its_public_address():
    from lms import create_app

    app = create_app(_production(PUBLIC_BASE_URL="https://lms.example.edu.vn"))
    assert app.config["PUBLIC_BASE_URL"] == "https://lms.example.edu.vn"


@pytest.mark.parametrize("sandbox", ["PAYMENT_SANDBOX", "MESSAGING_SANDBOX"])
def test_production_refuses_to_start_with_a_sandbox_on(sandbox):
    """A configuration forced to production in code keeps whatever the environment said of the
    sandboxes: the start refuses rather than answer pretend banks in production."""
    from lms import create_app

    with pytest.raises(RuntimeError, match=sandbox):
        create_app(_production(PUBLIC_BASE_URL="https://lms.example.edu.vn", **{sandbox: True}))
