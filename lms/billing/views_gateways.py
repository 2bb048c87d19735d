"""Paying online: the parent starts a checkout, the gateway notifies us (IPN), the parent comes
back to a page that only displays; and the local sandbox that plays VNPay's payment page."""
from __future__ import annotations

import secrets as pysecrets

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.billing import checkouts, queries, receipts, recovery
from lms.billing.channels import mobile_money, momo, payos, registry, vnpay
from lms.billing.sandbox import momo as play_momo, payos as play_payos, vnpay as play_vnpay, wallet as play_wallet
from lms.billing.sandbox.store import store_of
from lms.billing.views_channels import _box, _signer, call_json, callback, deliver, sandbox_only, sandbox_url
from lms.core import jobs
from lms.billing.views_shared import done, first_time
from lms.core.requests import committing, reading
from lms.core.forms import Form
from lms.core.inputs import json_object
from lms.core.tenancy import no_context, role_required, school_scoped
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.i18n import gettext as _
from lms.billing.models import Checkout, CheckoutStatus

bp = Blueprint("gateways", __name__, template_folder="templates")
RETURN_PAGES = {"vnpay": "gateways.vnpay_return", "momo": "gateways.momo_return",
                "mobile_money": "gateways.wallet_return", "payos": "gateways.payos_return"}
assert set(RETURN_PAGES) == set(registry.GATEWAYS), "each gateway of the registry has its return page"


def _store():
    return store_of(current_app.config)


@bp.route("/fees/invoices/<int:invoice_id>/pay", methods=["POST"])
@login_required
@role_required("parent")
def start(invoice_id: int):
    channel = request.form.get("channel", "")
    invoice = queries.family_invoice(db.session, current_user, invoice_id)
    if invoice is None:
        abort(404)
    form = Form()
    if not form.validate_on_submit():
        abort(400)
    replay = None
    with committing(flash_error=False) as outcome:
        replay = first_time("checkout")
        if replay is None:
            started = checkouts.start_checkout(
                db.session, current_user, invoice, channel, key=request.form.get("key") or None, box=_box(),
                base_url=current_app.config["PUBLIC_BASE_URL"],
                return_url=current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(
                    RETURN_PAGES.get(channel, "gateways.vnpay_return")),
                client_ip=request.remote_addr or "", locale=request.cookies.get("lang", "vi"), now=utcnow(),
                post_json=lambda url, body, headers: call_json("POST", url, body, headers), sandbox_url=sandbox_url(),
                confirm=request.form.get("confirm") == "1", voluntary=request.form.get("voluntary") != "0")
            done(url_for("gateways.go", checkout_id=started.checkout.id))
    if replay is not None:
        return replay
    if isinstance(outcome.error, checkouts.PaymentWaiting):
        # Another payment of this invoice waits for its gateway: say so, and start this one only
        # on the parent's explicit confirmation (a second POST carrying `confirm`).
        return render_template("billing/pay_again.html", invoice=invoice, waiting=outcome.error.waiting,
                               channel=channel, label=registry.SHORT_NAMES.get(channel, channel),
                               voluntary=request.form.get("voluntary") != "0"), 409
    if not outcome.ok:
        flash(str(outcome.error.message), "danger")
        return redirect(url_for("billing.family_invoice", invoice_id=invoice_id))
    return redirect(url_for("gateways.go", checkout_id=started.checkout.id), 303)


@bp.route("/fees/checkouts/<int:checkout_id>/go")
@login_required
@role_required("parent")
def go(checkout_id: int):
    """Send the parent on to the gateway from a page of our own. A browser applies the page's
    `form-action 'self'` to every redirect that follows a form's POST (Chrome, Cốc Cốc and Edge
    refuse a 302 to the gateway there), so the POST ends here, on our origin, and this page moves
    on by a `Refresh` (and a link, should the browser ignore it): a navigation no form started."""
    with reading():
        checkout = db.session.get(Checkout, checkout_id)
        if checkout is None or queries.family_invoice(db.session, current_user, checkout.invoice_id) is None:
            abort(404)
        if checkout.status != CheckoutStatus.PENDING or not checkout.pay_url:
            flash(_("Yêu cầu thanh toán này đã kết thúc; hãy bắt đầu lại từ hoá đơn nếu còn phải nộp."), "info")
            return redirect(url_for("billing.family_invoice", invoice_id=checkout.invoice_id))
        target = checkout.pay_url
    response = current_app.make_response(render_template("billing/go.html", checkout=checkout, target=target))
    response.headers["Refresh"] = f"0; url={target}"
    return response


@bp.route("/callbacks/vnpay/ipn", methods=["GET"])
@callback
def vnpay_ipn():
    answer = vnpay.notification(db.session, list(request.args.items(multi=True)), request.query_string,
                                box=_box(), signer=_signer(), now=utcnow())
    db.session.commit()
    return jsonify(answer)


def _show_return(checkout, *, genuine: bool = False, said_success: bool = False, txn_id: str | None = None):
    """The return page: display only — nothing the parameters say is written. `txn_id` is the
    gateway's transaction id in the return's parameters, trusted only when they are genuine: it
    tells a second payment of an invoice already paid (kept as credit) from the first."""
    with reading():
        mine = checkout is not None and queries.family_invoice(db.session, current_user, checkout.invoice_id) is not None
        payment = checkouts.returned_payment(db.session, checkout, txn_id if genuine else None) if mine else None
        return render_template("billing/return.html", checkout=checkout if mine else None, genuine=genuine,
                               said_success=said_success, payment=payment)


@bp.route("/fees/return/vnpay")
@login_required
@role_required("parent")
def vnpay_return():
    checkout, genuine = vnpay.returned(db.session, request.args, box=_box())
    return _show_return(checkout, genuine=genuine, said_success=request.args.get("vnp_ResponseCode") == "00",
                        txn_id=request.args.get("vnp_TransactionNo"))


# ---------------------------------------------------------------- the sandbox's VNPay page

@bp.after_app_request
def _sandbox_pages_return_to_the_app(response):
    """The local sandbox plays a gateway on its own origin (LMS_PAYMENT_SANDBOX_URL): its pages
    send the payer back to the app's return URL after their own form, as a gateway's pages do, so
    their form-action lists the app's origin too."""
    if request.path.startswith("/sandbox/") and current_app.config["PAYMENT_SANDBOX"]:
        from urllib.parse import urlsplit

        from lms.core.security import CSP

        app = urlsplit(current_app.config["PUBLIC_BASE_URL"])
        response.headers["Content-Security-Policy"] = CSP.replace(
            "form-action 'self'", f"form-action 'self' {app.scheme}://{app.netloc}")
    return response


@bp.route("/sandbox/vnpay/vpcpay.html", methods=["GET", "POST"])
@no_context
@sandbox_only
def vnpay_sandbox():
    params = {k: v for k, v in (request.form if request.method == "POST" else request.args).items()
              if k.startswith("vnp_")}
    form = Form()
    if request.method == "POST" and form.validate_on_submit():
        choice = request.form.get("outcome")
        with reading():   # ended before the IPN is delivered through the app
            outcome = play_vnpay.outcome(db.session, params, box=_box(), success=choice in ("pay", "lost"),
                                         now=utcnow(), txn_no=14000000 + pysecrets.randbelow(10**6))
            if outcome is None:
                abort(400)
            ipn, return_url = outcome
            _store().remember("vnpay", ipn["vnp_TxnRef"], ipn["vnp_TransactionNo"], int(ipn["vnp_Amount"]) // 100,
                              success=choice in ("pay", "lost"), notified=choice != "lost", now=utcnow())
        # VNPay's server calls the IPN first (unless told to lose it), then sends the browser back.
        if choice != "lost":
            deliver("GET", "/callbacks/vnpay/ipn", query_string=ipn)
        from urllib.parse import urlencode
        return redirect(f"{return_url}?{urlencode(ipn)}")
    with reading():
        valid = play_vnpay.outcome(db.session, params, box=_box(), success=True, now=utcnow(), txn_no=0)
    if valid is None:
        return render_template("billing/sandbox_vnpay.html", params=None, form=form), 400
    return render_template("billing/sandbox_vnpay.html", params=params, form=form,
                           amount=int(params["vnp_Amount"]) // 100)


@bp.route("/callbacks/momo/ipn", methods=["POST"])
@callback
def momo_ipn():
    status = momo.notification(db.session, request.get_data(), box=_box(), signer=_signer(), now=utcnow())
    db.session.commit()
    return ("", status)


@bp.route("/fees/return/momo")
@login_required
@role_required("parent")
def momo_return():
    checkout, genuine = momo.returned(db.session, request.args, box=_box())
    return _show_return(checkout, genuine=genuine, said_success=request.args.get("resultCode") == "0",
                        txn_id=request.args.get("transId"))


def _sandbox_body() -> dict:
    """A sandbox API's JSON body: none is an empty request (the provider's own refusal follows); anything but an
    object is a 400, as the providers answer it (a list or a number never reaches the sandbox's rules)."""
    return {} if request.get_json(silent=True) is None else json_object()


@bp.route("/sandbox/momo/v2/gateway/api/create", methods=["POST"])
@callback
@sandbox_only
def momo_sandbox_create():
    with reading():
        answer = play_momo.create(db.session, _sandbox_body(), box=_box(), base_url=sandbox_url())
    return jsonify(answer), 200 if answer.get("resultCode") == 0 else 401


@bp.route("/sandbox/momo/pay", methods=["GET", "POST"])
@no_context
@sandbox_only
def momo_sandbox_pay():
    fields = dict(request.form if request.method == "POST" else request.args)
    fields.pop("csrf_token", None)
    outcome_choice = fields.pop("outcome", None)
    form = Form()
    if request.method == "POST" and form.validate_on_submit():
        paid = outcome_choice in ("pay", "lost")
        with reading():   # ended before the IPN is delivered through the app
            outcome = play_momo.outcome(db.session, fields, box=_box(), success=paid,
                                        now=utcnow(), trans_id=4000000000 + pysecrets.randbelow(10**8))
            if outcome is None:
                abort(400)
            ipn, redirect_url = outcome
            _store().remember("momo", ipn["orderId"], ipn["transId"], ipn["amount"], success=paid,
                              notified=outcome_choice != "lost", now=utcnow())
        if outcome_choice != "lost":
            deliver("POST", "/callbacks/momo/ipn", json=ipn)
        from urllib.parse import urlencode
        return redirect(f"{redirect_url}?{urlencode(ipn)}")
    with reading():
        valid = play_momo.outcome(db.session, fields, box=_box(), success=True, now=utcnow(), trans_id=0)
    if valid is None:
        return render_template("billing/sandbox_momo.html", fields=None, form=form), 400
    return render_template("billing/sandbox_momo.html", fields=fields, form=form, amount=int(fields["amount"]))


@bp.route("/callbacks/mobile-money/<school_code>", methods=["POST"])
@callback
def wallet_callback(school_code: str):
    status = mobile_money.notification(db.session, school_code, request.headers.get("x-callback-token"),
                                       request.get_data(), box=_box(), signer=_signer(), now=utcnow())
    db.session.commit()
    return jsonify({"received": status == 200}), status


@bp.route("/fees/return/mobile-money")
@login_required
@role_required("parent")
def wallet_return():
    return _show_return(mobile_money.returned(db.session, request.args, box=_box())[0])


@bp.route("/sandbox/xendit/v3/payment_requests", methods=["POST"])
@callback
@sandbox_only
def wallet_sandbox_create():
    with reading():
        status, answer = play_wallet.create(db.session, request.headers.get("Authorization"),
                                            _sandbox_body(), box=_box(), base_url=sandbox_url())
    return jsonify(answer), status


@bp.route("/sandbox/xendit/checkout", methods=["GET", "POST"])
@no_context
@sandbox_only
def wallet_sandbox_checkout():
    fields = {k: v for k, v in (request.form if request.method == "POST" else request.args).items()
              if k in ("prq", "ref", "amount", "school", "back", "t")}
    form = Form()
    if request.method == "POST" and form.validate_on_submit():
        with reading():   # ended before the callback is delivered through the app
            outcome = play_wallet.outcome(db.session, fields, box=_box(),
                                          success=request.form.get("outcome") == "pay", now=utcnow())
            if outcome is None:
                abort(400)
            path, headers, body, back = outcome
        deliver("POST", path, data=body, headers=headers)
        return redirect(back)
    with reading():
        valid = play_wallet.outcome(db.session, fields, box=_box(), success=True, now=utcnow())
    if valid is None:
        return render_template("billing/sandbox_wallet.html", fields=None, form=form), 400
    return render_template("billing/sandbox_wallet.html", fields=fields, form=form, amount=int(fields["amount"]))


@bp.route("/callbacks/payos/<school_code>", methods=["POST"])
@callback
def payos_webhook(school_code: str):
    status = payos.notification(db.session, school_code, request.get_data(), box=_box(), signer=_signer(),
                                now=utcnow())
    db.session.commit()
    return jsonify({"success": status == 200}), status


@bp.route("/fees/return/payos")
@login_required
@role_required("parent")
def payos_return():
    checkout, genuine = payos.returned(db.session, request.args, box=_box())
    return _show_return(checkout, genuine=genuine, said_success=payos.said_success(request.args))


@bp.route("/sandbox/payos/v2/payment-requests", methods=["POST"])
@callback
@sandbox_only
def payos_sandbox_create():
    with reading():
        status, answer = play_payos.create(db.session, request.headers.get("x-client-id"),
                                           request.headers.get("x-api-key"), _sandbox_body(),
                                           box=_box(), base_url=sandbox_url())
    return jsonify(answer), status


@bp.route("/sandbox/payos/checkout", methods=["GET", "POST"])
@no_context
@sandbox_only
def payos_sandbox_checkout():
    query = {k: v for k, v in (request.form if request.method == "POST" else request.args).items()
             if k in ("orderCode", "amount", "description", "school", "link", "back", "t")}
    form = Form()
    if request.method == "POST" and form.validate_on_submit():
        import json

        with reading():   # ended before the webhook is delivered through the app
            outcome = play_payos.outcome(db.session, query, box=_box(), now=utcnow(),
                                         reference=f"FT{pysecrets.randbelow(10**10):010d}")
            if outcome is None:
                abort(400)
            path, body, back = outcome
            data = json.loads(body)["data"]
            _store().remember("payos", str(data["orderCode"]), f"{data['paymentLinkId']}:{data['reference']}",
                              data["amount"], success=True, notified=request.form.get("outcome") != "lost",
                              now=utcnow(), detail=data)
        if request.form.get("outcome") != "lost":
            deliver("POST", path, data=body, headers={"Content-Type": "application/json"})
        return redirect(back)
    with reading():
        checkout = checkouts.by_order_code(db.session, query.get("orderCode"))
        valid = play_payos.outcome(db.session, query, box=_box(), now=utcnow(), reference="x")
        qr = None
        if valid is not None and checkout is not None and checkout.qr_payload:
            from lms.core.qr import qr_svg
            qr = qr_svg(checkout.qr_payload, box_size=6).decode()
    if valid is None:
        return render_template("billing/sandbox_payos.html", query=None, form=form), 400
    return render_template("billing/sandbox_payos.html", query=query, form=form, amount=int(query["amount"]), qr=qr)


# ---------------------------------------------------------------- the sandbox's status-query APIs

@bp.route("/sandbox/vnpay/merchant_webapi/api/transaction", methods=["POST"])
@callback
@sandbox_only
def vnpay_sandbox_query():
    with reading():
        status, answer = play_vnpay.querydr(db.session, _store(), _sandbox_body(), box=_box(),
                                               now=utcnow())
    return jsonify(answer), status


@bp.route("/sandbox/momo/v2/gateway/api/query", methods=["POST"])
@callback
@sandbox_only
def momo_sandbox_query():
    with reading():
        status, answer = play_momo.query(db.session, _store(), _sandbox_body(), box=_box(),
                                            now=utcnow())
    return jsonify(answer), status


@bp.route("/sandbox/payos/v2/payment-requests/<order_code>", methods=["GET"])
@callback
@sandbox_only
def payos_sandbox_lookup(order_code: str):
    with reading():
        status, answer = play_payos.lookup(db.session, _store(), request.headers.get("x-client-id"),
                                              request.headers.get("x-api-key"), order_code, box=_box())
    return jsonify(answer), status


# ---------------------------------------------------------------- asking the gateways

def ask_gateway(checkout):
    """Ask the checkout's provider what became of it (the accountant's button, reconciliation)."""
    return recovery.query_checkout(db.session, checkout, box=_box(), signer=_signer(), call=call_json,
                                   base_url=sandbox_url(), now=utcnow())


@jobs.periodic("ask_gateways_about_expired_checkouts")
def _sweep_checkouts(session, now) -> int:
    """Every pending checkout whose time is up: ask its provider (a lost IPN is recovered) or
    mark it expired."""
    counts = recovery.sweep(session, now, box=_box(), signer=_signer(), call=call_json,
                            base_url=sandbox_url())
    return sum(counts.values())


@jobs.periodic("issue_missing_receipts")
def _sweep_receipts(session, now) -> int:
    """The receipts of gateway payments whose job never ran (the process died after the commit)."""
    return receipts.sweep_receipts(session, now, _signer())


@bp.route("/billing/checkouts/<int:checkout_id>/ask", methods=["POST"])
@login_required
@role_required("accountant", "admin")
def ask(checkout_id: int):
    checkout = school_scoped(Checkout, checkout_id)
    if not Form().validate_on_submit():
        abort(400)
    asked = ask_gateway(checkout)
    db.session.commit()
    flash(asked.message, "success" if asked.outcome == "paid" else "info")
    return redirect(url_for("billing.invoice", invoice_id=checkout.invoice_id))
