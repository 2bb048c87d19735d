"""Billing pages: the accountant's (fees, exemptions, issuing, invoices, payments, debts, the
ledger), the parents' portal, and the public receipt verification page."""
from __future__ import annotations

import io
import mimetypes

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from lms.core import paging
from lms.core.numbers import money_vnd
from lms.billing.channels.registry import METHOD_LABELS, SHORT_NAMES, SOURCE_LABELS
from lms.billing import channel_settings, checkouts, fees, invoicing, ledger, paid_reports, payments, queries, receipts, recovery, states
from lms.billing.matching import shown_memo, shown_reason
from lms.billing.views_shared import done, first_time, once_field
from lms.billing.forms import (CreditNoteForm, CreditUseForm, ExemptionForm, FeeTypeForm, IssueForm, PaidReportForm,
                               PaymentForm, PlanForm, RefundForm, RefundPaidForm, RemindForm, VoidForm)
from lms.billing.models import Account, Exemption, FeePlan, FeeType, Invoice, Payment, Refund, Scope
from lms.core.errors import DomainError
from lms.core.forms import Form
from lms.core.requests import committing, status_of
from lms.core.jobs import render_template_in
from lms.core.tenancy import ctx, no_context, role_required, school_scoped
from lms.core.timeutil import local_to_utc, utc_to_local, utcnow
from lms.core.downloads import files, send_stored
from lms.extensions import db
from lms.i18n import gettext as _
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.people import services as people
from lms.people.banks import bank_by_bin
from lms.people.models import School

bp = Blueprint("billing", __name__, template_folder="templates")
STAFF = ("accountant", "admin")
PAGE_SIZE = 50
ACCOUNT_LABELS = {Account.RECEIVABLE: _l("Phải thu của học sinh"), Account.REVENUE: _l("Thu của nhà trường"),
                  Account.ON_BEHALF: _l("Thu hộ (BHYT) phải nộp"), Account.CASH: _l("Tiền mặt"),
                  Account.BANK: _l("Tiền gửi ngân hàng"), Account.CLEARING: _l("Tiền đang chuyển (thẻ, cổng)"),
                  Account.UNAPPLIED: _l("Tiền thừa của gia đình"), Account.REFUNDS: _l("Hoàn trả đã duyệt, chờ chi"),
                  Account.FEES: _l("Phí ngân hàng, phí thẻ")}
STATUS_BADGES = {"issued": "danger", "partial": "warning", "paid": "success", "void": "secondary"}
# An invoice's history in words (InvoiceEvent.action), never its code.
EVENT_LABELS = {"issued": _l("phát hành"), "payment": _l("nhận tiền"), "payment_recorded": _l("ghi nhận khoản nộp"),
                "reminder": _l("nhắc nộp"), "credit": _l("trừ tiền thừa"), "credit_note": _l("ghi giảm"),
                "void": _l("huỷ hoá đơn")}


@bp.record_once
def _globals(state) -> None:
    state.app.jinja_env.globals.update(INVOICE_STATUS=queries.STATUS_LABELS, INVOICE_BADGES=STATUS_BADGES,
                                       INVOICE_EVENTS=EVENT_LABELS,
                                       METHOD_LABELS=METHOD_LABELS, CATEGORY_LABELS=fees.CATEGORY_LABELS,
                                       PERIOD_LABELS=fees.PERIOD_LABELS, SCOPE_LABELS=fees.SCOPE_LABELS,
                                       REFUND_METHODS=payments.REFUND_METHODS, CHECKOUT_STATUS=queries.CHECKOUT_STATUS,
                                       CHANNEL_LABELS=SHORT_NAMES, once_field=once_field)
    state.app.jinja_env.filters["vnd"] = lambda n: money_vnd(int(n or 0))
    state.app.jinja_env.filters["source_label"] = lambda code: SOURCE_LABELS.get(code, code)
    state.app.jinja_env.filters["memo"] = shown_memo
    state.app.jinja_env.filters["queue_reason"] = shown_reason


def _school() -> School:
    return ctx().school


def _year():
    year = people.current_year(db.session, _school())
    if year is None:
        flash(_("Trường chưa có năm học hiện tại. Quản trị trường tạo năm học trước."), "warning")
    return year


def _tz() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def _today():
    return utc_to_local(utcnow(), _tz()).date()


def _signer():
    return current_app.extensions["lms_signer"]


# ---------------------------------------------------------------- overview

@bp.route("/billing")
@login_required
@role_required(*STAFF)
def overview():
    school = _school()
    return render_template("billing/overview.html", s=queries.summary(db.session, school, _today()),
                           bank=bank_by_bin(school.bank_bin), school=school)


# ---------------------------------------------------------------- fee types and plans

@bp.route("/billing/fees")
@login_required
@role_required(*STAFF)
def fee_list():
    school, year = _school(), _year()
    return render_template("billing/fees.html", types=fees.fee_types_of(db.session, school),
                           plans=fees.plans_of(db.session, school, year), year=year)


@bp.route("/billing/fee-types/new", methods=["GET", "POST"], defaults={"fee_type_id": None})
@bp.route("/billing/fee-types/<int:fee_type_id>", methods=["GET", "POST"])
@login_required
@role_required(*STAFF)
def fee_type_edit(fee_type_id: int | None):
    fee_type = school_scoped(FeeType, fee_type_id) if fee_type_id else None
    form = FeeTypeForm(obj=fee_type)
    if form.validate_on_submit():
        with committing(form) as outcome:
            fees.save_fee_type(db.session, current_user, _school(), fees.FeeTypeInput(
                form.code.data, form.name.data, form.category.data, form.mandatory.data, form.exemptions_apply.data,
                form.legal_basis.data or ""), fee_type)
        if outcome.ok:
            flash(_("Đã lưu khoản thu."), "success")
            return redirect(url_for("billing.fee_list"))
    return render_template("billing/fee_type_edit.html", form=form, fee_type=fee_type), status_of(form)


@bp.route("/billing/plans/new", methods=["GET", "POST"], defaults={"plan_id": None})
@bp.route("/billing/plans/<int:plan_id>", methods=["GET", "POST"])
@login_required
@role_required(*STAFF)
def plan_edit(plan_id: int | None):
    school, year = _school(), _year()
    if year is None:
        return redirect(url_for("billing.fee_list"))
    plan = school_scoped(FeePlan, plan_id) if plan_id else None
    form = PlanForm(obj=plan)
    form.fee_type_id.choices = [(t.id, f"{t.code} — {t.name}") for t in fees.fee_types_of(db.session, school)]
    form.grades.choices = [(g, _("Khối %(g)s", g=g)) for g in school.grades]
    form.class_ids.choices = [(c.id, c.name) for c in people.classes_of_year(db.session, year)]
    if plan is not None and request.method == "GET":
        form.months.data = plan.month_list
        form.grades.data = plan.targets if plan.scope == Scope.GRADE else []
        form.class_ids.data = plan.targets if plan.scope == Scope.CLASS else []
        form.student_codes.data = "\n".join(fees.target_codes(db.session, plan))
    if not form.fee_type_id.choices:
        flash(_("Hãy tạo khoản thu trước khi lập kế hoạch thu."), "warning")
        return redirect(url_for("billing.fee_type_edit"))
    if form.validate_on_submit():
        scope = form.scope.data
        targets = {Scope.GRADE: form.grades.data, Scope.CLASS: form.class_ids.data,
                   Scope.STUDENTS: [c for c in (form.student_codes.data or "").replace(",", "\n").split("\n") if c.strip()]
                   }.get(scope, [])
        with committing(form, fields={"targets": {Scope.GRADE: "grades", Scope.CLASS: "class_ids"}.get(
                scope, "student_codes")}) as outcome:
            fees.save_plan(db.session, current_user, school, year, fees.PlanInput(
                form.fee_type_id.data, form.name.data or "", form.amount.data, form.period.data, form.months.data or [],
                form.due_day.data, scope, targets, form.active.data), plan)
        if outcome.ok:
            flash(_("Đã lưu kế hoạch thu."), "success")
            return redirect(url_for("billing.fee_list"))
    return render_template("billing/plan_edit.html", form=form, plan=plan, year=year), status_of(form)


# ---------------------------------------------------------------- exemptions

@bp.route("/billing/exemptions", methods=["GET", "POST"])
@login_required
@role_required(*STAFF)
def exemptions():
    school = _school()
    form = ExemptionForm()
    form.fee_type_id.choices = [(0, _("Mọi khoản có áp dụng miễn giảm"))] + [
        (t.id, t.name) for t in fees.fee_types_of(db.session, school) if t.exemptions_apply]
    if form.validate_on_submit():
        upload = form.evidence.data
        evidence = (upload.filename, upload.read()) if upload and upload.filename else None
        with committing(form) as outcome:
            fees.add_exemption(db.session, current_user, school, fees.ExemptionInput(
                form.student_code.data, form.fee_type_id.data or None, form.percent.data or None,
                form.amount.data, form.valid_from.data, form.valid_to.data,
                form.reason.data), evidence, files("billing"),
                current_app.config["UPLOAD_LIMITS_MB"])
        if outcome.ok:
            flash(_("Đã lưu miễn giảm. Áp dụng cho các hoá đơn phát hành từ nay."), "success")
            return redirect(url_for("billing.exemptions"))
    rows = fees.exemptions_of(db.session, school)
    return render_template("billing/exemptions.html", form=form, rows=rows, today=_today()), status_of(form)


@bp.route("/billing/exemptions/<int:exemption_id>/revoke", methods=["POST"])
@login_required
@role_required(*STAFF)
def exemption_revoke(exemption_id: int):
    row = school_scoped(Exemption, exemption_id)
    fees.revoke_exemption(db.session, current_user, row, utcnow())
    db.session.commit()
    flash(_("Đã chấm dứt miễn giảm cho các hoá đơn phát hành từ nay."), "info")
    return redirect(url_for("billing.exemptions"))


@bp.route("/billing/exemptions/<int:exemption_id>/evidence")
@login_required
@role_required(*STAFF)
def exemption_evidence(exemption_id: int):
    row = school_scoped(Exemption, exemption_id)
    if not row.evidence_path:
        abort(404)
    return send_stored(files("billing") / row.evidence_path, download_name=row.evidence_name,
                       mimetype=mimetypes.guess_type(row.evidence_name)[0])


# ---------------------------------------------------------------- issuing

@bp.route("/billing/issue", methods=["GET", "POST"])
@login_required
@role_required(*STAFF)
def issue():
    school, year = _school(), _year()
    if year is None:
        return redirect(url_for("billing.overview"))
    form = IssueForm()
    form.class_id.choices = [(0, _("Toàn trường"))] + [(c.id, _("Lớp %(c)s", c=c.name))
                                                       for c in people.classes_of_year(db.session, year)]
    if request.method == "GET":
        form.month.data = utc_to_local(utcnow(), _tz()).month
    run = None
    if form.validate_on_submit():
        job = None
        with committing(form) as outcome:
            run = invoicing.plan_run(db.session, school, year, form.month.data, form.class_id.data or None)
            if form.confirm.data and run.drafts:
                invoicing.check_run(school, run)  # refused here, on the form, rather than in the job
                job = invoicing.start_run(db.session, current_user, school, year, form.month.data,
                                          form.class_id.data or None, locale=str(get_locale() or "vi"),
                                          planned=len(run.drafts))
        if outcome.ok and form.confirm.data:
            if job is not None:
                return redirect(url_for("jobs.job_page", job_id=job.id))
            flash(_("Không có gì mới để phát hành: các khoản của tháng này đã có hoá đơn."), "info")
            return redirect(url_for("billing.invoices", period=run.key, class_id=form.class_id.data or None))
        if not outcome.ok:
            run = None
    return render_template("billing/issue.html", form=form, run=run, year=year,
                           issued=invoicing.invoices_per_month(db.session, year)), status_of(form)


# ---------------------------------------------------------------- invoices

def _filter() -> queries.InvoiceFilter:
    return queries.InvoiceFilter(status=request.args.get("status", ""), class_id=request.args.get("class_id", type=int),
                                 period_key=request.args.get("period", ""), q=request.args.get("q", "").strip())


@bp.route("/billing/invoices")
@login_required
@role_required(*STAFF)
def invoices():
    school, f = _school(), _filter()
    stmt = queries.invoices_query(school, f, _today())
    page = paging.paginate(stmt, per_page=PAGE_SIZE)
    year = people.current_year(db.session, school)
    return render_template("billing/invoices.html", page=page, f=f, totals=queries.totals(db.session, stmt),
                           classes=people.classes_of_year(db.session, year), today=_today(),
                           months=invoicing.billing_months(year) if year else [],
                           year_start=year.start_date.year if year else None)


@bp.route("/billing/invoices.xlsx")
@login_required
@role_required(*STAFF)
def invoices_xlsx():
    rows = list(db.session.scalars(queries.invoices_query(_school(), _filter(), _today())))
    data = queries.invoices_xlsx(db.session, rows)
    return send_file(io.BytesIO(data), download_name="Hoa don.xlsx", as_attachment=True,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _invoice_page(invoice: Invoice, forms: dict, status: int = 200):
    forms.setdefault("payment", PaymentForm(formdata=None, payer_name=invoice.payer_name, amount=invoice.due or None))
    # The form offers the school's own terminals, the only ones a card payment is accepted on.
    terminals = channel_settings.terminals_of(db.session, invoice.school_id)
    tid = forms["payment"].terminal_id
    tid.render_kw = {**(tid.render_kw or {}), "list": "school-terminals"}
    tid.description = (_("Máy của trường: %(t)s.", t=", ".join(terminals)) if terminals else
                       _("Trường chưa khai báo máy POS nào (trang Kênh thanh toán)."))
    forms.setdefault("credit", CreditUseForm(formdata=None))
    forms.setdefault("credit_note", CreditNoteForm(formdata=None))
    forms.setdefault("void", VoidForm(formdata=None))
    return render_template("billing/invoice.html", invoice=invoice, forms=forms, today=_today(), terminals=terminals,
                           history=queries.history(db.session, invoice),
                           paid=queries.payments_of_invoice(db.session, invoice),
                           notes=queries.credit_notes_of(db.session, invoice),
                           checkouts=queries.checkouts_of(db.session, invoice), queryable=recovery.askable_channels(),
                           credit=payments.credit_of(db.session, invoice.student_id),
                           can_void=states.can_void(invoice.status, invoice.paid)), status


@bp.route("/billing/invoices/<int:invoice_id>")
@login_required
@role_required(*STAFF)
def invoice(invoice_id: int):
    return _invoice_page(school_scoped(Invoice, invoice_id), {})


@bp.route("/billing/invoices/<int:invoice_id>/payments", methods=["POST"])
@login_required
@role_required(*STAFF)
def invoice_pay(invoice_id: int):
    invoice = school_scoped(Invoice, invoice_id)
    form = PaymentForm()
    if form.validate_on_submit():
        received = local_to_utc(form.received_at.data, _tz()) if form.received_at.data else utcnow()
        data = payments.PaymentInput(form.method.data, form.amount.data, form.payer_name.data, received,
                                     form.note.data or "", form.terminal_id.data or "", form.approval_code.data or "",
                                     form.rrn.data or "", form.card_last4.data or "", form.card_scheme.data or "",
                                     request.form.get("key") or None)
        replay = None
        with committing(form) as outcome:
            replay = first_time("payment")
            if replay is None:
                payment = payments.record_payment(db.session, current_user, _school(), invoice.student, invoice, data,
                                                  signer=_signer(), now=utcnow(),
                                                  mail=bool(current_app.config.get("SMTP_HOST")))
                target = done(url_for("billing.payment", payment_id=payment.id))
                message = _("Đã ghi nhận %(a)s. Biên lai số %(r)s.", a=money_vnd(payment.amount),
                            r=f"{payment.receipt.series}-{payment.receipt.number:07d}")
        if outcome.ok:
            if replay is not None:
                return replay
            flash(message, "success")
            return redirect(target)
    return _invoice_page(invoice, {"payment": form}, 422)


@bp.route("/billing/invoices/<int:invoice_id>/credit", methods=["POST"])
@login_required
@role_required(*STAFF)
def invoice_credit(invoice_id: int):
    invoice = school_scoped(Invoice, invoice_id)
    form = CreditUseForm()
    if form.validate_on_submit():
        replay = None
        with committing(form) as outcome:
            replay = first_time("credit_use")
            if replay is None:
                applied = payments.apply_credit(db.session, current_user, invoice, form.amount.data, now=utcnow())
                done(url_for("billing.invoice", invoice_id=invoice_id))
        if outcome.ok:
            if replay is not None:
                return replay
            flash(_("Đã dùng %(a)s tiền thừa cho hoá đơn.", a=money_vnd(applied)), "success")
            return redirect(url_for("billing.invoice", invoice_id=invoice_id))
    return _invoice_page(invoice, {"credit": form}, 422)


@bp.route("/billing/invoices/<int:invoice_id>/credit-note", methods=["POST"])
@login_required
@role_required(*STAFF)
def invoice_credit_note(invoice_id: int):
    invoice = school_scoped(Invoice, invoice_id)
    form = CreditNoteForm()
    if form.validate_on_submit():
        replay = None
        with committing(form) as outcome:
            replay = first_time("credit_note")
            if replay is None:
                payments.add_credit_note(db.session, current_user, invoice, form.amount.data, form.reason.data,
                                         now=utcnow())
                done(url_for("billing.invoice", invoice_id=invoice_id))
        if outcome.ok:
            if replay is not None:
                return replay
            flash(_("Đã ghi giảm hoá đơn."), "success")
            return redirect(url_for("billing.invoice", invoice_id=invoice_id))
    return _invoice_page(invoice, {"credit_note": form}, 422)


@bp.route("/billing/invoices/<int:invoice_id>/void", methods=["POST"])
@login_required
@role_required(*STAFF)
def invoice_void(invoice_id: int):
    invoice = school_scoped(Invoice, invoice_id)
    form = VoidForm()
    if form.validate_on_submit():
        replay = None
        with committing(form) as outcome:
            replay = first_time("void")
            if replay is None:
                payments.void_invoice(db.session, current_user, invoice, form.reason.data, now=utcnow())
                done(url_for("billing.invoice", invoice_id=invoice_id))
        if outcome.ok:
            if replay is not None:
                return replay
            flash(_("Đã huỷ hoá đơn. Các khoản của nó có thể được phát hành lại."), "info")
            return redirect(url_for("billing.invoice", invoice_id=invoice_id))
    return _invoice_page(invoice, {"void": form}, 422)


# ---------------------------------------------------------------- debts and reminders

@bp.route("/billing/debts", methods=["GET", "POST"])
@login_required
@role_required(*STAFF)
def debts():
    school = _school()
    year = people.current_year(db.session, school)
    form = RemindForm()
    form.class_id.choices = [(0, _("Toàn trường"))] + [(c.id, c.name) for c in people.classes_of_year(db.session, year)]
    if form.validate_on_submit():
        with committing(form) as outcome:
            n, reached = queries.remind_unpaid(db.session, current_user, school, _today(),
                                               class_id=form.class_id.data or None, now=utcnow())
        if outcome.ok:
            flash(_("Đã nhắc %(g)s về %(n)s.", g=ngettext("%(n)s phụ huynh", "%(n)s phụ huynh", reached, n=reached),
                    n=ngettext("%(n)s hoá đơn quá hạn", "%(n)s hoá đơn quá hạn", n, n=n)), "success")
            return redirect(url_for("billing.debts"))
    rows, total = queries.aging(db.session, school, _today())
    from lms.messaging.routing import channels_in_use

    return render_template("billing/debts.html", rows=rows, total=total, buckets=queries.AGE_BUCKETS, form=form,
                           channels=channels_in_use(db.session, school.id))


# ---------------------------------------------------------------- payments and refunds

@bp.route("/billing/payments")
@login_required
@role_required(*STAFF)
def payment_list():
    q, method = request.args.get("q", "").strip(), request.args.get("method", "")
    page = paging.paginate(queries.payments_query(_school(), q, method), per_page=PAGE_SIZE)
    year = people.current_year(db.session, _school())
    return render_template("billing/payments.html", page=page, q=q, method=method, form=Form(),
                           classes=people.classes_of_year(db.session, year) if year else [],
                           this_month=f"{_today():%Y-%m}", bulk_limit=receipts.BULK_LIMIT)


@bp.route("/billing/receipts/bulk", methods=["POST"])
@login_required
@role_required(*STAFF)
def bulk_receipts():
    """A month's receipts (one class's, or the school's) as one PDF to print, built by a job."""
    if not Form().validate_on_submit():
        abort(400)
    school = _school()
    with committing() as outcome:
        job = receipts.start_bulk(db.session, current_user, school, request.form.get("month", ""),
                                  request.form.get("class_id", type=int) or None, tz_name=_tz(),
                                  locale=str(get_locale() or "vi"))
    if not outcome.ok:
        return redirect(url_for("billing.payment_list"))
    return redirect(url_for("jobs.job_page", job_id=job.id))


def _payment_page(payment: Payment, refund_form=None, status: int = 200, paid_form=None, paid_refund: int | None = None):
    room = payments.refundable(db.session, payment)
    refund_form = refund_form or RefundForm(formdata=None, amount=room or None)
    return render_template("billing/payment.html", payment=payment, refund_form=refund_form, refundable=room,
                           paid_form=paid_form or RefundPaidForm(formdata=None), paid_refund=paid_refund,
                           refunds=queries.refunds_of(db.session, [payment.id]).get(payment.id, []),
                           credit=payments.credit_of(db.session, payment.student_id),
                           allocations=queries.invoices_of_payment(db.session, payment)), status


@bp.route("/billing/payments/<int:payment_id>")
@login_required
@role_required(*STAFF)
def payment(payment_id: int):
    return _payment_page(school_scoped(Payment, payment_id))


@bp.route("/billing/payments/<int:payment_id>/refunds", methods=["POST"])
@login_required
@role_required(*STAFF)
def payment_refund(payment_id: int):
    payment = school_scoped(Payment, payment_id)
    form = RefundForm()
    if form.validate_on_submit():
        replay = None
        with committing(form) as outcome:
            replay = first_time("refund")
            if replay is None:
                payments.request_refund(db.session, current_user, payment, form.amount.data, form.method.data,
                                        form.reason.data, key=request.form.get("key") or None, now=utcnow())
                done(url_for("billing.payment", payment_id=payment_id))
        if outcome.ok:
            if replay is not None:
                return replay
            flash(_("Đã duyệt hoàn tiền. Khi đã trả tiền cho phụ huynh, bấm “Đã chi”."), "success")
            return redirect(url_for("billing.payment", payment_id=payment_id))
    return _payment_page(payment, form, 422)


@bp.route("/billing/refunds/<int:refund_id>/paid", methods=["POST"])
@login_required
@role_required(*STAFF)
def refund_paid(refund_id: int):
    refund = school_scoped(Refund, refund_id)
    form = RefundPaidForm()
    if form.validate_on_submit():
        replay = None
        with committing(form) as outcome:
            replay = first_time("refund_paid")
            if replay is None:
                payments.pay_refund(db.session, current_user, refund, form.reference.data or "", now=utcnow())
                done(url_for("billing.payment", payment_id=refund.payment_id))
        if replay is not None:
            return replay
        if outcome.ok:
            flash(_("Đã ghi nhận chi hoàn tiền."), "success")
            return redirect(url_for("billing.payment", payment_id=refund.payment_id))
    # Every refusal on the reference field of this refund's row (a card number was refused silently).
    return _payment_page(school_scoped(Payment, refund.payment_id), status=422, paid_form=form, paid_refund=refund.id)


def _receipt_response(payment: Payment):
    if payment.receipt is None:
        abort(404)
    pdf = receipts.receipt_pdf(payment.receipt, render_template_in, current_app.config["PUBLIC_BASE_URL"])
    return send_file(io.BytesIO(pdf), download_name=receipts.receipt_filename(payment.receipt),
                     mimetype="application/pdf", as_attachment=True)


@bp.route("/billing/payments/<int:payment_id>/receipt.pdf")
@login_required
@role_required(*STAFF)
def payment_receipt(payment_id: int):
    return _receipt_response(school_scoped(Payment, payment_id))


@bp.route("/billing/ledger")
@login_required
@role_required(*STAFF)
def ledger_page():
    balances = ledger.trial_balance(db.session, _school().id)
    return render_template("billing/ledger.html", balances=balances, labels=ACCOUNT_LABELS,
                           unbalanced=ledger.unbalanced(db.session))


# ---------------------------------------------------------------- parents

@bp.route("/fees")
@login_required
@role_required("parent")
def family():
    return render_template("billing/family.html", children=queries.family_bills(db.session, current_user),
                           paid=queries.family_payments(db.session, current_user), today=_today())


@bp.route("/fees/invoices/<int:invoice_id>")
@login_required
@role_required("parent")
def family_invoice(invoice_id: int):
    invoice = queries.family_invoice(db.session, current_user, invoice_id)
    if invoice is None:
        abort(404)
    school = db.session.get(School, invoice.school_id)
    # The parent may leave the voluntary items still owed out of what they pay now (`?voluntary=0`):
    # the QR's amount and every checkout then ask for the rest.
    options = queries.pay_options(db.session, invoice, school, leave_out_voluntary=request.args.get("voluntary") == "0")
    payload, online = options.payload, options.online
    from lms.core.qr import qr_svg

    qr = qr_svg(payload, box_size=8).decode() if payload else None
    return render_template("billing/family_invoice.html", invoice=invoice, school=school, qr=qr, payload=payload,
                           options=options,
                           bank=bank_by_bin(school.bank_bin), paid=queries.payments_of_invoice(db.session, invoice),
                           online=online, reports=paid_reports.reports_of_invoice(db.session, invoice.id),
                           report_outcomes=paid_reports.OUTCOMES, report_channels=paid_reports.CHANNELS,
                           waiting=checkouts.waiting_payment(db.session, invoice.id, utcnow()))


@bp.route("/fees/invoices/<int:invoice_id>/report-paid", methods=["GET", "POST"])
@login_required
@role_required("parent")
def report_paid(invoice_id: int):
    """A parent reports a payment the invoice does not show yet; it waits for the accountant."""
    invoice = queries.family_invoice(db.session, current_user, invoice_id)
    if invoice is None:
        abort(404)
    form = PaidReportForm()
    form.channel.choices = [("", _("— chọn —"))] + [(k, str(v)) for k, v in paid_reports.channels_of(db.session, invoice.school_id).items()]
    if form.validate_on_submit():
        upload = form.screenshot.data
        screenshot = (upload.filename, upload.read()) if upload and upload.filename else None
        replay = None
        with committing(form) as outcome:
            replay = first_time("report_paid")
            if replay is None:
                paid_reports.report_paid(db.session, current_user, invoice, paid_reports.ReportIn(
                    form.channel.data or "", form.amount.data, form.paid_on.data, form.bank_reference.data or ""),
                    screenshot, folder=files("billing"), limits_mb=current_app.config["UPLOAD_LIMITS_MB"],
                    today=_today(), now=utcnow())
                done(url_for("billing.family_invoice", invoice_id=invoice.id))
        if replay is not None:
            return replay
        if outcome.ok:
            flash(_("Đã gửi báo đã thanh toán. Nhà trường sẽ kiểm tra và báo lại cho bạn."), "success")
            return redirect(url_for("billing.family_invoice", invoice_id=invoice.id))
    elif request.method == "GET":
        form.amount.data, form.paid_on.data = invoice.due or None, _today()
    school = db.session.get(School, invoice.school_id)
    return render_template("billing/report_paid.html", form=form, invoice=invoice, school=school), status_of(form)


@bp.route("/fees/payments/<int:payment_id>/receipt.pdf")
@login_required
@role_required("parent")
def family_receipt(payment_id: int):
    payment = queries.family_payment(db.session, current_user, payment_id)
    if payment is None:
        abort(404)
    return _receipt_response(payment)


# ---------------------------------------------------------------- public verification

@bp.route("/receipts/verify/<token>")
@no_context
def verify(token: str):
    try:
        result = receipts.verify_receipt(db.session, token, _signer())
    except DomainError:
        return render_template("billing/verify.html", result=None), 404
    return render_template("billing/verify.html", result=result)

