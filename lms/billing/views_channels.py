"""Payment channels: the school's settings and the four methods' readiness, bank-transfer
callbacks (SePay, Casso), the queue of transfers to match by hand, bank statement import, and the
sandbox's simulated transfer."""
from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from lms.billing import callbacks, channel_settings, matching, paid_reports, recovery, sandbox, statements
from lms.billing.channels.registry import CHANNELS, ENDPOINTS, METHOD_LABELS, MODE_LABELS, MODED, SOURCE_LABELS
from lms.billing.forms import (AssignForm, ChannelForm, IgnoreForm, ResolveItemForm, ResolveReportForm,
                               SimulateTransferForm, StatementForm)
from lms.billing.models import BankTransaction, PaymentReport, TransferStatus
from lms.core import paging
from lms.core import http
from lms.core.errors import DomainError
from lms.billing.views_shared import done, first_time
from lms.core.forms import Form
from lms.core.requests import committing
from lms.core.tenancy import ctx, no_context, role_required, school_scoped
from lms.core.timeutil import utc_to_local, utcnow
from lms.core.numbers import money, money_vnd
from lms.core.downloads import files
from lms.extensions import csrf, db
from lms.i18n import gettext as _
from lms.i18n import ngettext
from lms.i18n import lazy_gettext as _l

bp = Blueprint("channels", __name__, template_folder="templates")
STAFF = ("accountant", "admin")
PAGE_SIZE = 50
TASK_KINDS = {"unmatched": _l("Chuyển khoản chờ gán"), "overpaid": _l("Nộp thừa"), "gateway": _l("Cổng thanh toán"),
              "card": _l("Thẻ POS"), "card_number": _l("Số thẻ trong nội dung")}


def _box():
    return current_app.extensions["lms_secrets"]


def _signer():
    return current_app.extensions["lms_signer"]


def deliver(method: str, path: str, **kwargs):
    """Send a request through the whole app as a provider's server would: in an application
    context (and so a database session) of its own. Used by the sandbox only."""
    with current_app.app_context():
        return current_app.test_client().open(path, method=method, **kwargs)


def sandbox_url() -> str:
    """Where the local sandbox's gateway pages are served: LMS_PAYMENT_SANDBOX_URL (another origin
    than the app's, as a real gateway is), else the app's public address."""
    return (current_app.config.get("PAYMENT_SANDBOX_URL") or current_app.config["PUBLIC_BASE_URL"]).rstrip("/")


def call_json(method: str, url: str, body: dict | None, headers: dict) -> tuple[int, dict]:
    """A gateway's server-to-server call (JSON in, JSON out). The sandbox's endpoints are
    answered inside the app."""
    base = sandbox_url()
    if current_app.config["PAYMENT_SANDBOX"] and url.startswith(base + "/sandbox/"):
        response = deliver(method, url[len(base):], json=body, headers=headers)
        answer = response.get_json(silent=True)
        return response.status_code, answer if isinstance(answer, dict) else {}
    reply = http.call_json(method, url, body=body, headers=headers)
    return reply.status, reply.data


def sandbox_only(view):
    """A page or API of the local sandbox: 404 unless LMS_PAYMENT_SANDBOX is on."""
    import functools

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if not current_app.config["PAYMENT_SANDBOX"]:
            abort(404)
        return view(*args, **kwargs)
    return wrapped


def callback(view):
    """A provider's server calls this route: no session, no CSRF token; its own signature or key
    is the only authentication (checked first by the handler)."""
    view.callback = True
    return csrf.exempt(no_context(view))


# ---------------------------------------------------------------- settings and readiness

@bp.route("/billing/channels")
@login_required
@role_required(*STAFF)
def channel_list():
    return _channel_page()


def _channel_page(failed: str | None = None, error: DomainError | None = None, typed=None):
    """The settings page; after a refused save, `failed` names the channel whose form is shown
    again as typed (secrets never), with the refusal on its field."""
    school = ctx().school
    states = channel_settings.readiness(db.session, school)
    rows = channel_settings.settings_of(db.session, school)
    return render_template("billing/channels.html", states=states, rows=rows, channels=CHANNELS,
                           labels=METHOD_LABELS, ready=sum(s.ready for s in states),
                           minimum=channel_settings.MINIMUM_METHODS, form=ChannelForm(formdata=None),
                           configured=channel_settings.is_configured, mode_of=channel_settings.mode_of,
                           modes=MODE_LABELS, moded=MODED, endpoints=ENDPOINTS, can_edit=ctx().role == "admin",
                           base=current_app.config["PUBLIC_BASE_URL"].rstrip("/"), sandbox=current_app.config["PAYMENT_SANDBOX"],
                           failed=failed, error=error, typed=typed or {})


@bp.route("/billing/channels/<channel>", methods=["POST"])
@login_required
@role_required("admin")
def channel_save(channel: str):
    if channel not in CHANNELS:
        abort(404)
    form = ChannelForm()
    if not form.validate_on_submit():
        error = DomainError(_("Biểu mẫu đã hết hạn hoặc không hợp lệ: tải lại trang rồi làm lại."))
    else:
        values = {f.name: request.form.get(f.name, "") for f in CHANNELS[channel].fields}
        with committing(flash_error=False) as outcome:
            channel_settings.save_channel(db.session, current_user, ctx().school, channel, values,
                                          enabled=form.enabled.data, counts_as=form.counts_as.data,
                                          mode=form.mode.data or "", box=_box(),
                                          sandbox_allowed=current_app.config["PAYMENT_SANDBOX"])
        if outcome.ok:
            flash(_("Đã lưu cài đặt kênh %(c)s.", c=CHANNELS[channel].label), "success")
            return redirect(url_for("channels.channel_list", _anchor=f"ch-{channel}"))
        error = outcome.error
    # Refused: the page again with this channel's form as typed and the refusal on its field; nothing saved.
    typed = {f.name: request.form.get(f.name, "") for f in CHANNELS[channel].fields if not f.secret}
    typed.update(mode=request.form.get("mode", ""), counts_as=request.form.get("counts_as", ""),
                 enabled=bool(request.form.get("enabled")))
    return _channel_page(channel, error, typed), error.status


# ---------------------------------------------------------------- callbacks

@bp.route("/callbacks/sepay/<school_code>", methods=["POST"], defaults={"channel": "sepay"})
@bp.route("/callbacks/casso/<school_code>", methods=["POST"], defaults={"channel": "casso"})
@callback
def feed_callback(channel: str, school_code: str):
    """SePay's and Casso's webhooks: one path, each feed's own module reads its call."""
    from lms.billing.channels.registry import feed

    answer = callbacks.bank_feed(db.session, channel, school_code, request.headers.get(feed(channel).CREDENTIAL),
                                 request.get_data(), box=_box(), signer=_signer(), now=utcnow())
    db.session.commit()
    return jsonify(answer.body), answer.status


# ---------------------------------------------------------------- transfers to match by hand

@bp.route("/billing/transfers")
@login_required
@role_required(*STAFF)
def transfers():
    return _transfers_page()


def _transfers_page(status_code: int = 200):
    status = request.args.get("status", TransferStatus.UNMATCHED)
    if status not in set(TransferStatus):
        status = TransferStatus.UNMATCHED
    page = paging.paginate(matching.queue(db.session, ctx().school, status), per_page=PAGE_SIZE)
    reports = paid_reports.open_reports(db.session, ctx().school.id)
    tasks = matching.open_tasks(db.session, ctx().school)
    return render_template("billing/transfers.html", page=page, status=status, assign=AssignForm(formdata=None),
                           task_kinds=TASK_KINDS, sources=matching.sources_of(db.session, [t.id for t in page.items]),
                           pupils=matching.pupil_hints(db.session, ctx().school, list(page.items)),
                           meant=matching.code_hints(db.session, ctx().school, list(page.items)),
                           ignore=IgnoreForm(formdata=None), tasks=tasks, task_texts=matching.task_texts(db.session, tasks),
                           reports=[(r, paid_reports.suggestions(db.session, r)) for r in reports],
                           report_channels=paid_reports.CHANNELS, now=utcnow()), status_code


def _queue_refused(form, error: DomainError | None = None):
    """A decision on the queue (assign, set aside, resolve a task or a parent's report) refused for
    its input: the queue again, answering 422, with the refusal naming its field — the form's own
    validation or the service's — and nothing saved (the caller's `committing` rolled back)."""
    problems = [(name, message) for name, messages in form.errors.items() for message in messages] if error is None \
        else [(error.field, error.message)]
    for name, message in problems:
        named = bool(name) and name in form and name != "csrf_token"
        flash(f"{form[name].label.text}: {message}" if named else str(message), "danger")
    return _transfers_page(error.status if error is not None else 422)


@bp.route("/billing/payment-reports/<int:report_id>/resolve", methods=["POST"])
@login_required
@role_required(*STAFF)
def report_resolve(report_id: int):
    """The accountant's decision on a parent's "I have paid"."""
    row = school_scoped(PaymentReport, report_id)
    form = ResolveReportForm()
    if not form.validate_on_submit():
        return _queue_refused(form)
    replay = None
    with committing(flash_error=False) as outcome:
        replay = first_time("resolve_report")
        if replay is None:
            paid_reports.resolve(db.session, current_user, row, form.outcome.data or "", note=form.note.data or "",
                                 transfer_id=form.transfer_id.data, payment_id=form.payment_id.data,
                                 signer=_signer(), now=utcnow())
            done(url_for("channels.transfers", _anchor="paid-reports"))
    if replay is not None:
        return replay
    if not outcome.ok:
        return _queue_refused(form, outcome.error)
    flash(_("Đã xử lý báo đã thanh toán của hoá đơn %(c)s; phụ huynh đã được báo.", c=row.invoice.code), "success")
    return redirect(url_for("channels.transfers", _anchor="paid-reports"))


@bp.route("/billing/payment-reports/<int:report_id>/screenshot")
@login_required
@role_required(*STAFF)
def report_screenshot(report_id: int):
    import mimetypes

    from lms.core.downloads import send_stored

    row = school_scoped(PaymentReport, report_id)
    if not row.screenshot_path:
        abort(404)
    return send_stored(files("billing") / row.screenshot_path, download_name=row.screenshot_name,
                       mimetype=mimetypes.guess_type(row.screenshot_name or "")[0])


@bp.route("/billing/transfers/<int:transfer_id>/assign", methods=["POST"])
@login_required
@role_required(*STAFF)
def transfer_assign(transfer_id: int):
    row = school_scoped(BankTransaction, transfer_id)
    form = AssignForm()
    if not form.validate_on_submit():
        return _queue_refused(form)
    replay = invoice = None
    with committing(flash_error=False) as outcome:
        replay = first_time("assign")
        if replay is None:
            invoice = matching.assign_transfer(db.session, current_user, row, form.invoice_code.data,
                                               signer=_signer(), now=utcnow())
            done(url_for("channels.transfers"))
    if replay is not None:
        return replay
    if not outcome.ok:
        return _queue_refused(form, outcome.error)
    flash(_("Đã gán giao dịch cho hoá đơn %(c)s và ghi nhận tiền.", c=invoice.code), "success")
    return redirect(url_for("channels.transfers"))


@bp.route("/billing/transfers/<int:transfer_id>/ignore", methods=["POST"])
@login_required
@role_required(*STAFF)
def transfer_ignore(transfer_id: int):
    row = school_scoped(BankTransaction, transfer_id)
    form = IgnoreForm()
    if not form.validate_on_submit():
        return _queue_refused(form)
    replay = None
    with committing(flash_error=False) as outcome:
        replay = first_time("ignore")
        if replay is None:
            matching.ignore_transfer(db.session, current_user, row, form.note.data, now=utcnow())
            done(url_for("channels.transfers"))
    if replay is not None:
        return replay
    if not outcome.ok:
        return _queue_refused(form, outcome.error)
    flash(_("Đã đánh dấu giao dịch không phải khoản thu."), "info")
    return redirect(url_for("channels.transfers"))


# ---------------------------------------------------------------- bank statements

def _mapping_from(form) -> dict[str, int]:
    """The columns the accountant chose (the reader drops any the file does not have)."""
    out = {}
    for key in statements.FIELDS:
        raw = form.get(f"col_{key}", "")
        if raw.isdigit():
            out[key] = int(raw)
    return out


def _earlier_sources(earlier: dict) -> list[str]:
    """Name who reported first the credits a statement repeats: an earlier statement import (by its
    day), a bank feed — or, when the source is not recorded, say so without guessing."""
    tz = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    grouped: dict[tuple[str, str], int] = {}
    for (source, at), k in earlier.items():
        key = (source, utc_to_local(at, tz).strftime("%d/%m/%Y") if source == "statement" and at else "")
        grouped[key] = grouped.get(key, 0) + k
    texts = []
    for (source, day), k in sorted(grouped.items()):
        if source == "statement":
            texts.append(ngettext("%(k)s giao dịch đã có từ lần nhập sao kê ngày %(d)s: khớp với khoản đã ghi, "
                                  "không ghi lại lần nữa.",
                                  "%(k)s giao dịch đã có từ lần nhập sao kê ngày %(d)s: khớp với khoản đã ghi, "
                                  "không ghi lại lần nữa.", k, k=k, d=day))
        elif source in SOURCE_LABELS:
            texts.append(ngettext("%(k)s giao dịch đã được %(s)s báo trước đó: khớp với khoản đã ghi, "
                                  "không ghi lại lần nữa.",
                                  "%(k)s giao dịch đã được %(s)s báo trước đó: khớp với khoản đã ghi, "
                                  "không ghi lại lần nữa.", k, k=k, s=SOURCE_LABELS[source]))
        else:
            texts.append(ngettext("%(k)s giao dịch đã có từ trước (nhập sao kê hoặc thông báo ngân hàng): khớp với "
                                  "khoản đã ghi, không ghi lại lần nữa.",
                                  "%(k)s giao dịch đã có từ trước (nhập sao kê hoặc thông báo ngân hàng): khớp với "
                                  "khoản đã ghi, không ghi lại lần nữa.", k, k=k))
    return texts


def _earlier_text(e: statements.Earlier) -> str:
    """A preview line already recorded: by whom and when first, and what became of it."""
    tz = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    day = utc_to_local(e.recorded_at, tz).strftime("%d/%m/%Y") if e.recorded_at else "—"
    who = (_("lần nhập sao kê") if e.source == "statement" else
           SOURCE_LABELS[e.source] if e.source in SOURCE_LABELS else _("nguồn khác"))
    if e.invoice_code:
        what = _("đã trừ %(a)s đ vào hoá đơn %(c)s", a=money(e.amount_paid), c=e.invoice_code)
    elif e.status == TransferStatus.IGNORED:
        what = _("đã đánh dấu không phải khoản thu")
    else:
        what = _("đang chờ gán hoá đơn")
    return _("Đã ghi nhận từ %(s)s ngày %(d)s — %(w)s; không ghi lại.", s=who, d=day, w=what)


@bp.route("/billing/statements", methods=["GET", "POST"])
@login_required
@role_required(*STAFF)
def statement_import():
    form = StatementForm()
    table = plan = mapping = done = None
    earlier: dict = {}
    token = request.form.get("token") or None
    status = 200
    with committing(form) as outcome:
        if form.validate_on_submit() and form.file.data and form.file.data.filename:
            data = form.file.data.read()
            table = statements.read_statement(form.file.data.filename, data)
            token = uuid.uuid4().hex
            (files("imports") / token).write_bytes(data)
            session["statement"] = {"token": token, "name": form.file.data.filename}
            mapping = table.mapping
        elif request.method == "POST" and token and session.get("statement", {}).get("token") == token:
            pending = session["statement"]
            # Read again with the chosen columns: which lines are data and which are layout
            # depends on them (a line is data when its chosen date column holds one).
            table = statements.read_statement(pending["name"], (files("imports") / token).read_bytes(), _mapping_from(request.form))
            mapping = table.mapping
        elif request.method == "POST":
            flash(_("Chọn tệp sao kê cần nhập."), "danger")
            status = 422
        if table is not None:
            plan = statements.plan_statement(table, mapping, current_app.config["BABEL_DEFAULT_TIMEZONE"],
                                             school=ctx().school, now=utcnow())
            if request.form.get("confirm") and plan.ok:
                done = statements.import_statement(db.session, ctx().school, plan, now=utcnow(),
                                                   account_confirmed=bool(request.form.get("account_confirmed")))
            elif plan.ok:
                earlier = statements.recorded_lines(db.session, ctx().school, plan)
    if outcome.ok and done is not None:
        session.pop("statement", None)
        flash(ngettext("Đã nhập %(n)s giao dịch ghi có: %(m)s khớp hoá đơn tự động, %(u)s chờ gán tay; "
                "%(a)s đã có từ trước nên bỏ qua.", "Đã nhập %(n)s giao dịch ghi có: %(m)s khớp hoá đơn tự động, %(u)s chờ gán tay; "
                "%(a)s đã có từ trước nên bỏ qua.", done.new, n=done.new, m=done.matched, u=done.new - done.matched,
                a=done.again + done.known), "success")
        for text in _earlier_sources(done.earlier):
            flash(text, "info")
        if done.masked:
            flash(_("%(k)s nội dung chuyển khoản có dãy số giống số thẻ ngân hàng: đã che khi lưu và tạo "
                    "việc cần xem.", k=done.masked), "warning")
        return redirect(url_for("channels.transfers"))
    if outcome.error is not None or (plan is not None and not plan.ok):
        status = 422
    return render_template("billing/statements.html", form=form, table=table, plan=plan, mapping=mapping or {},
                           token=token, fields=statements.FIELDS, confirm_form=Form(formdata=None),
                           earlier=earlier, earlier_text=_earlier_text,
                           earlier_sources=_earlier_sources(statements.earlier_groups(earlier)),
                           school=ctx().school, ask_account=plan is not None and plan.ok
                           and statements.needs_account_confirmed(ctx().school, plan),
                           account_error=outcome.error if outcome.error is not None
                           and getattr(outcome.error, "field", None) == "account_confirmed" else None), status


# ---------------------------------------------------------------- the sandbox's bank transfer

# Why a bank feed's webhook refused what the sandbox sent it, by its answer's status.
FEED_REFUSALS = {400: _l("số tiền hoặc nội dung không đúng dạng một giao dịch ngân hàng."),
                 401: _l("khoá hoặc chữ ký của kênh không khớp cài đặt; hãy lưu lại kênh ở chế độ thử.")}

@bp.route("/billing/sandbox/transfer", methods=["GET", "POST"])
@login_required
@role_required(*STAFF)
@sandbox_only
def simulate_transfer():
    school = ctx().school
    rows = channel_settings.settings_of(db.session, school)
    form = SimulateTransferForm()
    if form.validate_on_submit():
        setting = rows.get(form.via.data)
        if not channel_settings.is_configured(setting) or not setting.public.get("sandbox"):
            flash(_("Hãy bật %(c)s ở chế độ thử trong Kênh thanh toán trước.",
                    c=SOURCE_LABELS.get(form.via.data, form.via.data)), "danger")
        else:
            headers, body = sandbox.transfer_call(form.via.data, channel_settings.secrets_of(_box(), setting),
                                                  amount=form.amount.data, content=form.content.data,
                                                  account=school.bank_account_number or "", when=utcnow(),
                                                  payer=form.payer.data or "")
            code, school_id = school.code, school.id
            db.session.commit()  # end this request's read transaction before the callback writes
            answer = deliver("POST", f"/callbacks/{form.via.data}/{code}", data=body, headers=headers)
            via = SOURCE_LABELS.get(form.via.data, form.via.data)
            if answer.status_code == 200:
                flash(_("%(c)s đã báo giao dịch đến; hệ thống đã nhận.", c=via), "success")
            else:   # what the school's own webhook answered, said in words (never a bare status)
                flash(_("%(c)s đã báo giao dịch nhưng hệ thống không nhận: %(r)s", c=via,
                        r=FEED_REFUSALS.get(answer.status_code, _("lỗi máy chủ, hãy thử lại."))), "danger")
            latest = matching.latest_transfer(db.session, school_id)
            return redirect(url_for("channels.transfers", status=latest.status if latest else None))
    return render_template("billing/simulate_transfer.html", form=form), 422 if form.errors else 200


# ---------------------------------------------------------------- card terminal settlements

@bp.route("/billing/settlements", methods=["GET", "POST"])
@login_required
@role_required(*STAFF)
def settlement_import():
    from datetime import timedelta

    from lms.billing import settlements

    school = ctx().school
    form = StatementForm()
    plan, status, token, table, out = None, 200, None, None, None
    earlier: dict = {}
    with committing(form) as outcome:
        if request.form.get("confirm") and request.form.get("token") == session.get("settlement"):
            plan = settlements.load_pending(files("imports"), request.form["token"])
            out = settlements.apply_settlement(db.session, current_user, school, plan, now=utcnow())
        elif form.validate_on_submit() and form.file.data and form.file.data.filename:
            table = settlements.read_settlement(form.file.data.filename, form.file.data.read())
            plan = settlements.plan_settlement(table, table.mapping, current_app.config["BABEL_DEFAULT_TIMEZONE"])
            table = table.table
            if plan.ok:
                token = settlements.save_pending(plan, files("imports"))
                session["settlement"] = token
                earlier = settlements.reconciled_before(db.session, school, plan)
            else:
                status = 422
        elif request.method == "POST":
            flash(_("Chọn tệp báo cáo thanh toán của ngân hàng."), "danger")
            status = 422
    if outcome.ok and out is not None:
        session.pop("settlement", None)
        flash(ngettext("Đã đối chiếu %(n)s giao dịch thẻ: %(m)s khớp, %(d)s lệch số tiền, %(u)s chưa được ghi; "
                "%(a)s đã có từ trước.", "Đã đối chiếu %(n)s giao dịch thẻ: %(m)s khớp, %(d)s lệch số tiền, %(u)s chưa được ghi; "
                "%(a)s đã có từ trước.", len(plan.lines), n=len(plan.lines), m=out.matched, d=out.differs, u=out.not_recorded, a=out.again), "success")
        return redirect(url_for("channels.settlement_import"))
    if outcome.error is not None:
        status = 422
    today = utc_to_local(utcnow(), current_app.config["BABEL_DEFAULT_TIMEZONE"]).date()
    return render_template("billing/settlements.html", form=form, plan=plan, table=table, token=token,
                           confirm_form=Form(formdata=None), earlier=earlier,
                           recent=settlements.settlements_of(db.session, school),
                           waiting=settlements.unsettled(db.session, school, today - timedelta(days=2))), status


# ---------------------------------------------------------------- reconciliation against the providers' reports

@bp.route("/billing/reconciliation", methods=["GET", "POST"])
@login_required
@role_required(*STAFF)
def reconciliation():
    from lms.billing import reconciliation as rec

    school = ctx().school
    form = StatementForm()
    status, report, result, recovered = 200, None, None, 0
    provider = request.form.get("provider", "vnpay")
    if request.method == "POST":
        with committing(form) as outcome:
            if provider not in rec.PROVIDERS or not (form.validate_on_submit() and form.file.data
                                                     and form.file.data.filename):
                raise DomainError(_("Chọn nhà cung cấp và tệp báo cáo giao dịch."))
            report = rec.read_report(provider, form.file.data.filename, form.file.data.read(),
                                     current_app.config["BABEL_DEFAULT_TIMEZONE"])
            if not report.problems:
                result = rec.reconcile(db.session, school, report, now=utcnow())
                # A success we never heard of: ask the gateway rather than wait for the accountant.
                recovered = recovery.recover_missing(db.session, result.new, box=_box(), signer=_signer(),
                                                     call=call_json, base_url=sandbox_url(), now=utcnow())
        if outcome.ok and result is not None:
            flash(ngettext("Đã đối chiếu %(n)s giao dịch của %(p)s: %(d)s chênh lệch mới, %(k)s đã biết từ trước.", "Đã đối chiếu %(n)s giao dịch của %(p)s: %(d)s chênh lệch mới, %(k)s đã biết từ trước.", result.checked, n=result.checked, p=rec.PROVIDERS[provider], d=len(result.new), k=result.known), "success")
            if recovered:
                flash(ngettext("Đã hỏi cổng thanh toán và ghi nhận %(n)s khoản bị lỡ thông báo.", "Đã hỏi cổng thanh toán và ghi nhận %(n)s khoản bị lỡ thông báo.", recovered, n=recovered), "success")
            return redirect(url_for("channels.reconciliation"))
        if outcome.error is not None or (report is not None and report.problems):
            status = 422
    return _reconciliation_page(form, report, provider, status)


def _reconciliation_page(form, report, provider: str, status: int, resolve=None):
    from lms.billing import reconciliation as rec

    school = ctx().school
    items = rec.items_of(db.session, school)
    names = rec.resolvers(db.session, items)
    return render_template("billing/reconciliation.html", form=form, report=report, providers=rec.PROVIDERS,
                           provider=provider, items=items, kinds=rec.KIND_LABELS, resolve=resolve or ResolveItemForm(),
                           open_count=rec.open_count(db.session, school), names=names,
                           recordable=rec.recordable, shown_key=rec.shown_key, shown_detail=rec.shown_detail), status


@bp.route("/billing/reconciliation/<int:item_id>/resolve", methods=["POST"])
@login_required
@role_required(*STAFF)
def reconciliation_resolve(item_id: int):
    """The accountant's decision on one difference: dismissed with the reason, or — a transfer the
    provider has and the school had not — recorded through the feed's one credit path."""
    from lms.billing import reconciliation as rec
    from lms.billing.models import ReconciliationItem

    item = school_scoped(ReconciliationItem, item_id)
    form = ResolveItemForm()
    if not form.validate_on_submit():
        for name, messages in form.errors.items():
            for message in messages:
                flash(f"{form[name].label.text}: {message}" if name in form and name != "csrf_token" else message,
                      "danger")
        return _reconciliation_page(StatementForm(), None, "vnpay", 422, form)
    replay, received = None, None
    with committing(flash_error=False) as outcome:
        replay = first_time("reconcile_item")
        if replay is None:
            received = rec.resolve_item(db.session, current_user, item, form.action.data or "", form.note.data,
                                        signer=_signer(), now=utcnow())
            done(url_for("channels.reconciliation"))
    if replay is not None:
        return replay
    if not outcome.ok:
        error = outcome.error
        named = error.field and error.field in form and error.field != "csrf_token"
        flash(f"{form[error.field].label.text}: {error.message}" if named else str(error.message), "danger")
        return _reconciliation_page(StatementForm(), None, "vnpay", error.status, form)
    if received is None:
        flash(_("Đã ghi nhận cách xử lý chênh lệch."), "success")
    elif received.outcome == "new":
        row = received.transaction
        flash(_("Đã ghi nhận giao dịch %(a)s: khớp hoá đơn.", a=money_vnd(row.amount)) if row.payment_id else
              _("Đã ghi nhận giao dịch %(a)s; giao dịch chờ gán tay: %(r)s", a=money_vnd(row.amount),
                r=matching.shown_reason(row.note)), "success" if row.payment_id else "warning")
    else:
        flash(_("Giao dịch này đã được ghi nhận từ trước; không ghi thêm."), "info")
    return redirect(url_for("channels.reconciliation"))


@bp.route("/billing/tasks/<int:task_id>/resolve", methods=["POST"])
@login_required
@role_required(*STAFF)
def task_resolve(task_id: int):
    from lms.billing.models import BillingTask

    row = school_scoped(BillingTask, task_id)
    form = IgnoreForm()
    if not form.validate_on_submit():
        return _queue_refused(form)
    with committing(fields={"resolution": "note"}, flash_error=False) as outcome:
        matching.resolve_task(db.session, current_user, row, form.note.data, now=utcnow())
    if not outcome.ok:
        return _queue_refused(form, outcome.error)
    flash(_("Đã ghi nhận việc đã xử lý."), "success")
    return redirect(url_for("channels.transfers"))
