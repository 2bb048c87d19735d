"""Contact-book pages: the school's settings, provider accounts, cost report and the messages
that did not arrive (admins); a parent's channels, digest and recent messages."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.core import paging
from lms.core.requests import committing, status_of
from lms.core.inputs import arg_month
from lms.core.tenancy import ctx, role_required
from lms.core.timeutil import school_tz, utcnow
from lms.extensions import db
from lms.i18n import gettext as _
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.messaging import reports, rules, settings, texts
from lms.messaging.forms import PreferenceForm, SettingsForm, account_form
from lms.messaging.models import Channel, Provider, Status

bp = Blueprint("contact", __name__, template_folder="templates")
CHANNEL_LABELS = {Channel.ZNS: _l("Zalo ZNS"), Channel.SMS: _l("SMS"), Channel.EMAIL: _l("E-mail"),
                  "total": _l("Cộng")}
STATUS_LABELS = {Status.QUEUED: _l("Chờ gửi"), Status.SENDING: _l("Đang gửi"), Status.ACCEPTED: _l("Đã gửi"),
                 Status.DELIVERED: _l("Đã nhận"), Status.FAILED: _l("Không gửi được"),
                 Status.UNKNOWN: _l("Không rõ"), Status.CAPPED: _l("Vượt giới hạn tháng"),
                 Status.SKIPPED: _l("Không gửi")}
PAGE_SIZE = 50


@bp.record_once
def _globals(state) -> None:
    from lms.messaging.reasons import provider_code, reason_of
    from lms.messaging.texts import TITLES

    state.app.jinja_env.globals.update(MSG_CHANNELS=CHANNEL_LABELS, MSG_STATUSES=STATUS_LABELS, MSG_KINDS=TITLES,
                                       MSG_REASON=reason_of, MSG_PROVIDER_CODE=provider_code,
                                       MSG_PROVIDERS={Channel.ZNS: "Zalo", Channel.SMS: "eSMS", Channel.EMAIL: ""})


def _box():
    return current_app.extensions["lms_secrets"]


def _accounts_view(school_id: int, typed: tuple[str, object] | None = None) -> list[tuple[str, object, object, object]]:
    """Each provider's form (`typed`: the one the admin just sent, as typed). A secret box says
    whether a value is stored — never the value."""
    accounts = settings.accounts_of(db.session, school_id)
    out = []
    for provider in (Provider.ZNS, Provider.ESMS):
        account = accounts.get(provider)
        data = dict(account.public) if account else {}
        data.update(enabled=account.enabled if account else False, sandbox=account.sandbox if account else False)
        form = typed[1] if typed and typed[0] == provider else account_form(settings.FIELDS[provider], data)
        stored = settings.secrets_of(_box(), account) if account is not None else {}
        for f in settings.FIELDS[provider]:
            field = getattr(form, f.name)
            if f.secret:
                field.description = (_l("Đã lưu một khoá; để trống để giữ khoá này.") if stored.get(f.name)
                                     else _l("Chưa lưu khoá nào."))
            elif f.rule is not None:
                field.description = f.rule
        out.append((provider, settings.LABELS[provider], form, account))
    return out


@bp.route("/contact-book", methods=["GET", "POST"])
@login_required
@role_required("admin")
def school_settings():
    school = ctx().school
    row = settings.settings_of(db.session, school.id)
    form = SettingsForm(obj=row) if request.method == "GET" else SettingsForm()
    if form.validate_on_submit():
        data = settings.SettingsInput(**{name: getattr(form, name).data for name in settings.DEFAULTS})
        with committing(form) as outcome:
            settings.save_settings(db.session, current_user, school, data, now=utcnow())
        if outcome.ok:
            flash(_("Đã lưu cài đặt sổ liên lạc."), "success")
            clashing = settings.digests_in_quiet(db.session, school.id)
            if clashing:
                flash(ngettext("%(n)s phụ huynh đã chọn giờ nhận tin tóm tắt trong giờ yên lặng mới: tin của họ sẽ "
                               "chờ đến hết giờ yên lặng.",
                               "%(n)s phụ huynh đã chọn giờ nhận tin tóm tắt trong giờ yên lặng mới: tin của họ sẽ "
                               "chờ đến hết giờ yên lặng.", clashing, n=clashing), "warning")
            return redirect(url_for("contact.school_settings"))
    return render_template("messaging/settings.html", form=form, accounts=_accounts_view(school.id),
                           sandbox_on=current_app.config["MESSAGING_SANDBOX"],
                           base=current_app.config["PUBLIC_BASE_URL"].rstrip("/")), status_of(form)


@bp.route("/contact-book/accounts/<provider>", methods=["POST"])
@login_required
@role_required("admin")
def save_account(provider: str):
    if provider not in settings.FIELDS:
        return redirect(url_for("contact.school_settings"))
    form = account_form(settings.FIELDS[provider])
    if form.validate_on_submit():
        values = {f.name: getattr(form, f.name).data or "" for f in settings.FIELDS[provider]}
        with committing(form) as outcome:
            settings.save_account(db.session, current_user, ctx().school, provider, values,
                                  enabled=bool(form.enabled.data),
                                  sandbox=bool(form.sandbox.data) and current_app.config["MESSAGING_SANDBOX"],
                                  box=_box(), now=utcnow())
        if outcome.ok:
            flash(_("Đã lưu tài khoản %(p)s.", p=settings.LABELS[provider]), "success")
            return redirect(url_for("contact.school_settings") + f"#account-{provider}")
    # Refused: the settings page again with this account's form as the admin typed it, each
    # refusal on its field (a redirect lost what was typed and named no reason).
    school = ctx().school
    accounts = _accounts_view(school.id, (provider, form))
    return render_template("messaging/settings.html", form=SettingsForm(obj=settings.settings_of(db.session, school.id)),
                           accounts=accounts, sandbox_on=current_app.config["MESSAGING_SANDBOX"],
                           base=current_app.config["PUBLIC_BASE_URL"].rstrip("/")), 422


def _month() -> tuple[date, datetime, datetime]:
    """The month asked for (?month=YYYY-MM; this month by default) as its first day and its
    [start, end) in UTC."""
    first = arg_month("month") or rules.local_day(utcnow(), school_tz()).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return (first, rules.to_utc(datetime.combine(first, time(0)), school_tz()),
            rules.to_utc(datetime.combine(following, time(0)), school_tz()))


@bp.route("/contact-book/report")
@login_required
@role_required("admin", "accountant")
def cost_report():
    first, start, end = _month()
    lines, total = reports.cost_report(db.session, ctx().school.id, start, end)
    return render_template("messaging/report.html", first=first, lines=lines, total=total,
                           settings=settings.settings_of(db.session, ctx().school.id))


@bp.route("/contact-book/problems")
@login_required
@role_required("admin")
def problems():
    first, start, end = _month()
    page = paging.paginate(reports.problems_query(ctx().school.id, start, end), per_page=PAGE_SIZE)
    return render_template("messaging/problems.html", first=first, page=page, tz=school_tz(), to_local=rules.to_local)


# ---------------------------------------------------------------- parents

@bp.route("/notices/settings", methods=["GET", "POST"])
@login_required
@role_required("parent")
def parent_settings():
    from lms.messaging.routing import email_possible

    pref = settings.preference_of(db.session, current_user.id)
    form = PreferenceForm(obj=pref) if request.method == "GET" else PreferenceForm()
    mail = email_possible(current_user)
    if not mail:      # e-mail cannot reach this parent: not offered, never shown ticked
        form.email.data = False
        form.email.render_kw = {"disabled": True}
        form.email.description = (_l("Tài khoản của bạn chưa có địa chỉ e-mail: nhờ nhà trường thêm vào hồ sơ phụ "
                                     "huynh để nhận thông báo qua e-mail.") if not current_user.email else
                                  _l("Hệ thống chưa bật gửi e-mail."))
    if form.validate_on_submit():
        data = settings.PreferenceInput(bool(form.email.data) and mail, bool(form.zalo.data), bool(form.sms.data),
                                        bool(form.digest.data), form.digest_time.data)
        with committing(form) as outcome:
            settings.save_preference(db.session, current_user, data, now=utcnow())
        if outcome.ok:
            flash(_("Đã lưu lựa chọn nhận thông báo."), "success")
            return redirect(url_for("contact.parent_settings"))
    from lms.messaging.consent import children_held_back, opted_in

    held = children_held_back(db.session, current_user.id) if opted_in(pref) else []
    return render_template("messaging/parent.html", form=form, pref=pref, held=held,
                           school_rules=settings.rules_for_parent(db.session, current_user.id),
                           messages=reports.messages_of_parent(db.session, current_user.id), tz=school_tz(),
                           as_read=texts.as_read,
                           to_local=rules.to_local), status_of(form)
