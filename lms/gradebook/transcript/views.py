"""Pages of the national transcript: a class's workflow (draft, check, confirm, sign, issue),
identity fixes, signing rounds, downloads and exports (each logged), the school's settings (Ministry
codes, signer accounts), the public verification page, and the SmartCA sandbox (its API and the
phone page that plays the SmartCA app)."""
from __future__ import annotations

import io
import json
from datetime import date

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from lms.core.errors import DomainError, NotFound, ValidationError
from lms.core.forms import Form
from lms.core.jobs import render_template_in
from lms.core.requests import committing
from lms.core.tenancy import ctx, no_context, role_required, school_scoped
from lms.core.timeutil import utc_to_local, utcnow
from lms.extensions import csrf, db
from lms.gradebook.permissions import can_keep_class
from lms.gradebook.transcript import exports, identity, sandbox, school_setup, signing, token, verify, workflow
from lms.gradebook.transcript.assembly import class_sources
from lms.gradebook.transcript.codes import CodeLists
from lms.gradebook.transcript.models import SigningRequest, State, Transcript
from lms.gradebook.transcript.pki import SUBSCRIBER_ID_MAX, is_subscriber_id
from lms.i18n import gettext as _
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.people.models import SchoolClass, SchoolYear

bp = Blueprint("transcript", __name__, template_folder="templates")


@bp.context_processor
def _code_meanings():
    from lms.gradebook.transcript.codes import meaning

    return {"meaning": meaning}


def _settings() -> signing.SigningSettings:
    return signing.settings_from_config(current_app.config, render_template_in, db.engine,
                                        current_app.extensions["lms_secrets"])


def _base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def _codes() -> CodeLists:
    return CodeLists.from_file(current_app.config.get("MOET_CODES_FILE"))


def _require_form() -> None:
    """A POST whose form does not validate (its CSRF token expired with the session) is refused
    on the app's error page, saying what to do."""
    if not Form().validate_on_submit():
        raise ValidationError(_l("Biểu mẫu đã hết hạn hoặc không hợp lệ: tải lại trang rồi làm lại."))


def _today() -> date:
    return utc_to_local(utcnow(), current_app.config["BABEL_DEFAULT_TIMEZONE"]).date()


def _class(class_id: int) -> SchoolClass:
    school_class = school_scoped(SchoolClass, class_id)
    if not can_keep_class(current_user, ctx().role, school_class):
        raise NotFound(_l("Bạn không giữ học bạ số của lớp này (chỉ giáo viên chủ nhiệm lớp và quản trị trường)."))
    return school_class


def _back(school_class: SchoolClass):
    return redirect(url_for("transcript.class_page", class_id=school_class.id))


def _report(outcome: workflow.Outcome, done_message) -> None:
    """`done_message(n)`: what was done to n transcripts, counted in the reader's language."""
    if outcome.done:
        flash(done_message(outcome.done), "success")
    for name, reason in outcome.skipped[:10]:
        flash(_("Chưa làm được cho %(n)s: %(r)s", n=name, r=reason), "warning")
    if not outcome.done and not outcome.skipped:
        flash(_("Không có học bạ nào ở bước này."), "info")


# ---------------------------------------------------------------- the class's workflow

@bp.route("/classes/<int:class_id>/transcripts")
@login_required
@role_required("admin", "teacher")
def class_page(class_id: int):
    school_class = _class(class_id)
    sources = class_sources(db.session, school_class)
    rows = workflow.class_rows(db.session, sources)
    db.session.commit()   # the blank set-up row, made on first visit
    counts = {}
    for r in rows:
        counts[r.state or ""] = counts.get(r.state or "", 0) + 1
    settings = _settings()
    role = ctx().role
    accounts = {h: signing.account_for(db.session, sources.data.school, h)
                for h in ("school", signing.holder_of("teacher", current_user))}
    return render_template("transcript/class.html", school_class=school_class, rows=rows, counts=counts,
                           State=State, labels=workflow.STATE_LABELS, admin=role == "admin",
                           homeroom=role == "teacher" and school_class.homeroom_teacher_id == current_user.id,
                           accounts=accounts, setup=sources.setup, school=sources.data.school, form=Form(),
                           codes_missing=school_setup.missing_codes(sources.setup),
                           requests=signing.requests_of_class(db.session, school_class)[:5],
                           sandbox=settings.trust.sandbox is not None,
                           server=current_app.config["PUBLIC_BASE_URL"].rstrip("/"), token_client=token.CLIENT_NAME,
                           provider_labels=signing.PROVIDER_LABELS, round_labels=signing.ROUND_LABELS)


@bp.route("/classes/<int:class_id>/transcripts/draft", methods=["POST"])
@login_required
@role_required("admin", "teacher")
def draft(class_id: int):
    school_class = _class(class_id)
    _require_form()
    with committing() as done:
        outcome = workflow.draft_class(db.session, current_user, ctx().role, school_class, now=utcnow())
    if done.ok:
        _report(outcome, lambda n: ngettext("Đã lập dự thảo học bạ cho %(n)s học sinh.",
                                            "Đã lập dự thảo học bạ cho %(n)s học sinh.", n, n=n))
    return _back(school_class)


STEP_MESSAGES = {
    "check": lambda n: ngettext("Đã kiểm tra %(n)s học bạ.", "Đã kiểm tra %(n)s học bạ.", n, n=n),
    "confirm": lambda n: ngettext("Đã xác nhận %(n)s học bạ.", "Đã xác nhận %(n)s học bạ.", n, n=n),
    "return": lambda n: ngettext("Đã trả lại %(n)s học bạ về dự thảo.", "Đã trả lại %(n)s học bạ về dự thảo.", n, n=n),
}


@bp.route("/classes/<int:class_id>/transcripts/step", methods=["POST"])
@login_required
@role_required("admin", "teacher")
def step(class_id: int):
    school_class = _class(class_id)
    _require_form()
    action = request.form.get("action", "")
    chosen = [int(v) for v in request.form.getlist("student_id") if v.isdigit()] or None
    with committing() as done:
        outcome = workflow.step_class(db.session, current_user, ctx().role, school_class, action, chosen,
                                      now=utcnow(), today=_today(), code_lists=_codes(),
                                      reason=request.form.get("reason", ""))
    if done.ok:
        _report(outcome, STEP_MESSAGES.get(action, str))
    return _back(school_class)


@bp.route("/classes/<int:class_id>/transcripts/sign", methods=["POST"])
@login_required
@role_required("admin", "teacher")
def sign(class_id: int):
    school_class = _class(class_id)
    _require_form()
    with committing() as done:
        job = signing.start_round(db.session, current_user, ctx().role, school_class, request.form.get("signer", ""),
                                  _settings(), locale=str(get_locale() or "vi"))
    if not done.ok:
        return _back(school_class)
    return redirect(url_for("jobs.job_page", job_id=job.id))


@bp.route("/transcripts/signing/<int:request_id>/cancel", methods=["POST"])
@login_required
@role_required("admin", "teacher")
def cancel_round(request_id: int):
    row = school_scoped(SigningRequest, request_id)
    _require_form()
    if row.created_by != current_user.id:
        raise NotFound(_l("Chỉ người đã gửi yêu cầu ký này huỷ được nó."))
    signing.cancel(db.session, current_user, row, now=utcnow())
    db.session.commit()
    flash(_("Đã huỷ yêu cầu ký."), "info")
    return redirect(request.referrer or url_for("home.index"))


@bp.route("/classes/<int:class_id>/transcripts/issue", methods=["POST"])
@login_required
@role_required("admin")
def issue(class_id: int):
    school_class = _class(class_id)
    _require_form()
    with committing() as done:
        outcome = workflow.issue_class(db.session, current_user, ctx().role, school_class, now=utcnow())
    if done.ok:
        _report(outcome, lambda n: ngettext("Đã phát hành %(n)s học bạ.", "Đã phát hành %(n)s học bạ.", n, n=n))
    return _back(school_class)


# ---------------------------------------------------------------- identity data

@bp.route("/classes/<int:class_id>/transcripts/identity", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def identity_page(class_id: int):
    school_class = _class(class_id)
    sources = class_sources(db.session, school_class)
    rows = workflow.class_rows(db.session, sources)
    errors: dict[int, str] = {}
    if request.method == "POST":
        _require_form()
        entries = [identity.Entry(r.student.id, request.form.get(f"pid-{r.student.id}", ""),
                                  request.form.get(f"code-{r.student.id}", "")) for r in rows]
        with committing() as done:
            result = identity.save(db.session, current_user, ctx().role, school_class, entries, now=utcnow())
            if result.errors:
                done.discard()
        if done.discarded:
            errors = result.errors
            flash(ngettext("Chưa lưu: %(n)s dòng có lỗi (tô đỏ bên dưới).", "Chưa lưu: %(n)s dòng có lỗi (tô đỏ bên dưới).", len(errors), n=len(errors)), "danger")
        elif done.ok:
            flash(ngettext("Đã lưu thông tin định danh (%(n)s thay đổi).", "Đã lưu thông tin định danh (%(n)s thay đổi).", result.changed, n=result.changed), "success")
            for name, old in result.issued_with_old:
                flash(_("Học bạ số đã phát hành của %(n)s vẫn mang số định danh cũ %(o)s: mở bản đính chính (trang học "
                        "bạ của học sinh → Đính chính) để học bạ mang số mới.", n=name, o=old or "—"), "warning")
            return redirect(url_for("transcript.identity_page", class_id=class_id))
    return render_template("transcript/identity.html", school_class=school_class, rows=rows, errors=errors,
                           form=Form(), typed=request.form if errors else None)


# ---------------------------------------------------------------- one transcript, downloads, exports

def _transcript(transcript_id: int) -> Transcript:
    """A transcript the acting user may see: staff keeping the class, the pupil, their parents
    (pupils and parents: issued or superseded versions only)."""
    t = db.session.get(Transcript, transcript_id)
    missing = NotFound(_l("Không có học bạ số này, hoặc bạn không được xem nó."))
    if t is None:
        raise missing
    role = ctx().role
    if role == "parent":
        ok = any(g.guardian_id == current_user.id for g in t.student.guardianships)
    elif ctx().school is None or ctx().school.id != t.school_id:
        ok = False
    elif role == "student":
        ok = t.student.user_id == current_user.id
    else:
        ok = role in ("admin", "teacher") and can_keep_class(current_user, role, t.school_class)
    if not ok or (role in ("student", "parent") and t.state not in (State.ISSUED, State.SUPERSEDED)):
        raise missing
    return t


@bp.route("/transcripts/<int:transcript_id>")
@login_required
@role_required("admin", "teacher", "student", "parent")
def transcript_page(transcript_id: int):
    t = _transcript(transcript_id)
    workflow.log(db.session, t, "view", current_user.id)
    versions = workflow.versions_of(db.session, t.student_id, t.school_year_id)
    events = workflow.events_of(db.session, [v.id for v in versions])
    record = workflow.record_of(t) if t.record else None
    db.session.commit()
    lineage = workflow.lineage(db.session, t)
    return render_template("transcript/transcript.html", t=t, versions=versions, events=events, record=record,
                           lineage=lineage,
                           labels=workflow.STATE_LABELS, actions=workflow.ACTION_LABELS, form=Form(),
                           admin=ctx().role == "admin", staff=ctx().role in ("admin", "teacher"))


@bp.route("/transcripts/<int:transcript_id>.pdf", defaults={"kind": "pdf"})
@bp.route("/transcripts/<int:transcript_id>.xml", defaults={"kind": "xml"})
@bp.route("/transcripts/<int:transcript_id>.json", defaults={"kind": "json"})
@login_required
@role_required("admin", "teacher", "student", "parent")
def download(transcript_id: int, kind: str):
    t = _transcript(transcript_id)
    name = {"pdf": t.pdf_name, "xml": t.xml_name}.get(kind)
    if kind == "json" and t.record:
        data = exports.to_json(exports.document([workflow.exported(t, _codes())], scope="hocsinh",
                                                scope_id=workflow.record_of(t)["record"]["madinhdanhhocba"],
                                                created_at=utcnow(), base_url=_base_url()))
    elif name:
        data = (_settings().folder / name).read_bytes()
    else:
        raise NotFound(_l("Phiên bản này chưa có tệp %(k)s: tệp %(k)s có từ khi giáo viên chủ nhiệm ký (JSON: từ khi "
                          "kiểm tra).", k=kind.upper()))
    workflow.log(db.session, t, "download", current_user.id, reason=kind)
    db.session.commit()
    mimetype = {"pdf": "application/pdf", "xml": "application/xml", "json": "application/json"}[kind]
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True,
                     download_name=f"Hoc ba so {t.student.student_code} {t.school_year.name} v{t.version}.{kind}")


@bp.route("/transcripts/<int:transcript_id>/correct", methods=["POST"])
@login_required
@role_required("admin")
def correct(transcript_id: int):
    t = _transcript(transcript_id)
    _require_form()
    with committing() as done:
        new = workflow.correct(db.session, current_user, ctx().role, t, request.form.get("reason", ""), now=utcnow())
    if not done.ok:
        return redirect(url_for("transcript.transcript_page", transcript_id=t.id))
    flash(_("Đã mở phiên bản %(v)s để đính chính; bản %(o)s vẫn có hiệu lực tới khi bản mới được phát hành.",
            v=new.version, o=t.version), "success")
    return redirect(url_for("transcript.class_page", class_id=t.class_id))


def _export(records, scope: str, scope_id: str, kind: str, filename: str):
    doc = exports.document(records, scope=scope, scope_id=scope_id, created_at=utcnow(), base_url=_base_url())
    data = exports.to_json(doc) if kind == "json" else exports.to_xml(doc)
    return send_file(io.BytesIO(data), mimetype="application/json" if kind == "json" else "application/xml",
                     as_attachment=True, download_name=f"{filename}.{kind}")


@bp.route("/classes/<int:class_id>/transcripts.json", defaults={"kind": "json"})
@bp.route("/classes/<int:class_id>/transcripts.xml", defaults={"kind": "xml"})
@login_required
@role_required("admin", "teacher")
def class_export(class_id: int, kind: str):
    school_class = _class(class_id)
    records = workflow.extract(db.session, current_user, [school_class], _codes())
    db.session.commit()
    return _export(records, "lop", f"{school_class.name} {school_class.school_year.name}", kind,
                   f"Hoc ba so {school_class.name} {school_class.school_year.name}")


@bp.route("/school/transcripts.json", defaults={"kind": "json"})
@bp.route("/school/transcripts.xml", defaults={"kind": "xml"})
@login_required
@role_required("admin")
def school_export(kind: str):
    """The school's records of exactly the chosen school year (the settings page's chooser; the
    current year when none is named), under the school's code in the sector database."""
    from lms.gradebook.transcript.assembly import setup_of

    school = ctx().school
    year = (school_scoped(SchoolYear, request.args.get("year", 0, type=int)) if request.args.get("year")
            else workflow.current_year(db.session, school))
    setup = setup_of(db.session, school)
    with committing() as done:
        school_setup.require_codes(setup)
        if year is not None:
            records = workflow.extract(db.session, current_user, workflow.classes_of(db.session, school, year),
                                       _codes())
    if not done.ok:
        return redirect(url_for("transcript.settings_page"))
    if year is None:
        flash(_("Trường chưa có năm học hiện tại: chọn năm học cần xuất."), "danger")
        return redirect(url_for("transcript.settings_page"))
    return _export(records, "truong", setup.moet_school_code, kind, f"Hoc ba so {setup.moet_school_code} {year.name}")


# ---------------------------------------------------------------- the school's set-up

@bp.route("/school/transcripts/settings", methods=["GET", "POST"])
@login_required
@role_required("admin")
def settings_page():
    school = ctx().school
    settings = _settings()
    if request.method == "POST":
        _require_form()
        upload = request.files.get("p12")
        with committing(flash_error=False) as done:
            message = school_setup.apply(db.session, current_user, school, request.form,
                                         upload.read(school_setup.MAX_P12) if upload and upload.filename else None,
                                         box=current_app.extensions["lms_secrets"], sandbox=settings.trust.sandbox,
                                         now=utcnow())
        exc = done.error
        if exc is None:
            flash(message, "success")
        elif request.form.get("what") != "codes" or not exc.field:
            flash(str(exc.message), "danger")
        else:
            # The codes form comes back with what was typed and the refusal on its field.
            return _settings_page(settings, typed=request.form, error_field=exc.field, error=str(exc.message)), 422
        return redirect(url_for("transcript.settings_page"))
    return _settings_page(settings)


def _settings_page(settings, **form_state):
    school = ctx().school
    from lms.people.services import years_of

    view = school_setup.overview(db.session, school)
    years, current = years_of(db.session, school), workflow.current_year(db.session, school)
    db.session.commit()
    from lms.core.official import school_place

    return render_template("transcript/settings.html", view=view, form=Form(), sandbox=settings.trust.sandbox is not None,
                           place=school_place(school),
                           years=years, current_year=current,
                           provider_labels=signing.PROVIDER_LABELS,
                           provider_names=", ".join(str(signing.PROVIDER_LABELS.get(p, p)) for p in sorted(settings.providers)),
                           typed=form_state.get("typed"), error_field=form_state.get("error_field"),
                           error=form_state.get("error"))


# ---------------------------------------------------------------- the school's register

@bp.route("/school/transcripts/register")
@bp.route("/school/transcripts/register.xlsx", defaults={"as_file": True}, endpoint="register_file")
@login_required
@role_required("admin")
def register_page(as_file: bool = False):
    """The register of issues, corrections, extracts, downloads, views and verifications, filtered
    by kind, dates and class; on screen a page at a time, or the whole selection as a spreadsheet."""
    from lms.core.sheets import write_workbook
    from lms.core.timeutil import school_tz

    school = ctx().school
    args = request.args
    query = workflow.RegisterQuery(group=args.get("group", "issue"))
    error = None
    bad_dates = []
    for name in ("start", "end"):
        text = args.get(name, "").strip()
        if text:
            try:
                setattr(query, name, date.fromisoformat(text))
            except ValueError:
                bad_dates.append(f"“{text[:40]}”")
    if bad_dates:    # each date that is not one is named, not only the last
        error = _("Ngày %(v)s không hợp lệ.", v=", ".join(bad_dates))
    # A filter that is not one (another school's class, a page that does not exist) is said, never
    # silently dropped: the page would otherwise show lines the reader did not ask for.
    class_text = args.get("class_id", "").strip()
    classes = workflow.register_classes(db.session, school.id)
    if class_text:
        if class_text.isdigit() and any(c.id == int(class_text) for c in classes):
            query.class_id = int(class_text)
        else:
            error = _("Lớp “%(v)s” không có trong sổ của trường: chọn lớp trong danh sách.", v=class_text[:40])
    from lms.core.paging import requested_page

    page, bad_page = requested_page()     # the request parser set a page that is not one apart
    if bad_page is not None and error is None:
        error = _("Trang “%(v)s” không có: số trang là một số từ 1 trở lên.", v=bad_page[:40])
    lines, total = [], 0
    if error is None:
        try:
            if as_file:
                lines, total = workflow.register(db.session, school.id, query, school_tz(), limit=workflow.REGISTER_MAX)
            else:
                lines, total = workflow.register(db.session, school.id, query, school_tz(),
                                                 offset=(page - 1) * workflow.REGISTER_PAGE)
        except DomainError as exc:
            error = str(exc.message)
    if error is None and not as_file and page > 1 and (page - 1) * workflow.REGISTER_PAGE >= total:
        error = _("Trang %(p)s không có: sổ theo bộ lọc này có %(n)s trang.", p=page,
                  n=max((total + workflow.REGISTER_PAGE - 1) // workflow.REGISTER_PAGE, 1))
        lines = []
    if error is None and as_file:
        data = write_workbook(_("Sổ theo dõi học bạ"), [str(h) for h in workflow.REGISTER_HEADERS],
                              workflow.register_rows(lines, school_tz()), widths=[17, 16, 26, 14, 8, 11, 9, 24, 40])
        return send_file(io.BytesIO(data), as_attachment=True, download_name=f"so-theo-doi-hoc-ba-{school.code}.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if error:
        flash(error, "danger")
    pages = max((total + workflow.REGISTER_PAGE - 1) // workflow.REGISTER_PAGE, 1)
    return render_template("transcript/register.html", lines=lines, total=total, page=page, pages=pages, query=query,
                           classes=classes, groups=workflow.REGISTER_GROUP_LABELS), 422 if error else 200


# ---------------------------------------------------------------- public verification

@bp.route(f"{exports.SCHEMA_PATH}<name>")
def schema_file(name: str):
    """Public: the JSON Schema and the XSD every export names (not personal data; no sign-in)."""
    kind = {file: kind for kind, file in exports.SCHEMA_FILES.items()}.get(name)
    if kind is None:
        raise NotFound(_l("Không có lược đồ “%(n)s”: có %(a)s.", n=name[:80],
                          a=", ".join(exports.SCHEMA_FILES.values())))
    return send_file(exports.SCHEMAS / name, mimetype="application/schema+json" if kind == "json" else "application/xml",
                     max_age=3600)


@bp.route(f"{signing.PUBLIC_PAGE}<token>", methods=["GET", "POST"])
def verify_page(token: str):
    """Public: anyone holding the transcript (its QR code) checks it, without signing in."""
    t = workflow.by_token(db.session, token)      # unknown: the error page says no transcript has this code
    settings = _settings()
    report = workflow.public_report(db.session, t, settings)
    uploaded, upload_error = None, None
    if request.method == "POST":
        upload = request.files.get("file")
        if not Form().validate_on_submit():
            upload_error = _("Phiên làm việc đã hết hạn: tải lại trang rồi chọn tệp lần nữa.")
        elif upload is None or not upload.filename:
            upload_error = _("Chọn tệp PDF hoặc XML học bạ cần kiểm tra.")
        else:
            try:
                uploaded = workflow.check_upload(db.session, t, upload.read(verify.MAX_BYTES + 1), upload.filename,
                                                 settings)
            except DomainError as exc:
                upload_error = str(exc.message)
    workflow.log(db.session, t, "verify", current_user.id if current_user.is_authenticated else None)
    db.session.commit()
    return render_template("transcript/verify.html", t=t, report=report, uploaded=uploaded, upload_error=upload_error,
                           form=Form(), labels=workflow.STATE_LABELS), 422 if upload_error else 200


# ---------------------------------------------------------------- signing with a USB token

@bp.route("/transcripts/hocba-ky-token.py")
@login_required
@role_required("admin", "teacher")
def token_client_file():
    """The signing computer's program (one file: Python with pyHanko and python-pkcs11)."""
    from pathlib import Path

    path = Path(__file__).with_name("token_client.py")
    return send_file(path, mimetype="text/x-python", as_attachment=True, download_name=token.CLIENT_NAME)


def _round_code() -> str:
    header = request.headers.get("Authorization") or ""
    return header[7:].strip() if header.startswith("Bearer ") else ""


def _program(view):
    """Called by the signing program, not a browser: no session, no CSRF token; the round's code
    (Authorization: Bearer) is its only authentication, refused with 401."""
    view.callback = True
    return csrf.exempt(no_context(view))


@bp.route("/api/hocba/token-round", methods=["GET", "POST"])
@_program
def token_round():
    """The signing computer's two calls, authenticated by the round's code (Authorization:
    Bearer): GET the round (documents to sign, or its outcome), POST the signatures."""
    code = _round_code()
    with committing(flash_error=False) as done:
        if request.method == "GET":
            answer = token.batch(db.session, code, now=utcnow()).as_json()
        else:
            body = request.get_json(silent=True)
            job = token.receive(db.session, code, (body or {}).get("signatures") if isinstance(body, dict) else None,
                                now=utcnow(), locale=str(get_locale() or "vi"))
    if done.error is not None:
        return jsonify({"error": str(done.error.message)}), done.error.status
    if request.method == "GET":
        return jsonify(answer)
    return jsonify({"job": job.id}), 202


# ---------------------------------------------------------------- the SmartCA sandbox

_SANDBOX_OFF = _l("Môi trường ký số thử nghiệm (sandbox) không bật trên máy chủ này.")


def _sandbox_ca():
    settings = _settings()
    if settings.trust.sandbox is None or current_app.config.get("SMARTCA_URL"):
        raise NotFound(_SANDBOX_OFF)
    return settings.trust.sandbox


def _callback(view):
    """SmartCA's API is called server to server: no session, no CSRF token; the SP credentials
    in the body are its only authentication."""
    view.callback = True
    return csrf.exempt(no_context(view))


@bp.route("/sandbox/smartca/sca/sp769/<path:path>", methods=["POST"])
@_callback
def smartca_api(path: str):
    ca = _sandbox_ca()
    body = request.get_json(silent=True)
    status, answer = sandbox.dispatch(db.session, ca, "/" + path, body if isinstance(body, dict) else {},
                                      sp_id=signing.SANDBOX_SP[0], sp_password=signing.SANDBOX_SP[1], now=utcnow())
    db.session.commit()
    return jsonify(answer), status


@bp.route("/sandbox/mysign/<path:path>", methods=["POST"])
@_callback
def mysign_api(path: str):
    """The sandbox's Viettel MySign API (its phone is the same sandbox phone page)."""
    settings = _settings()
    if settings.trust.sandbox is None or current_app.config.get("MYSIGN_URL"):
        raise NotFound(_SANDBOX_OFF)
    body = request.get_json(silent=True)
    status, answer = sandbox.mysign_dispatch(db.session, settings.trust.sandbox, "/" + path,
                                             body if isinstance(body, dict) else {}, dict(request.headers), now=utcnow())
    db.session.commit()
    return jsonify(answer), status


@bp.route("/sandbox/smartca/app", methods=["GET", "POST"])
def smartca_phone():
    """The sandbox's stand-in for the SmartCA app on the signer's phone."""
    ca = _sandbox_ca()
    user_id = (request.values.get("user_id") or "").strip()
    if user_id and not is_subscriber_id(user_id):
        flash(_("Số CCCD / mã số thuế của thuê bao có nhiều nhất %(n)s ký tự chữ và số (đang nhập %(m)s ký tự).",
                n=SUBSCRIBER_ID_MAX, m=len(user_id)), "danger")
        return render_template("transcript/sandbox_phone.html", user_id="", pending=[], subscriber=None,
                               form=Form(), json=json, sandbox_pin=sandbox.SANDBOX_PIN), 422
    if request.method == "POST":
        _require_form()
        approve = sandbox.ANSWERS.get(request.form.get("answer") or "")
        pin = (request.form.get("pin") or "").strip()
        result = None
        if approve is None:     # neither button: refused as input; the request still waits
            flash(_("Câu trả lời không hợp lệ: chọn “Ký số” hoặc “Từ chối”. Yêu cầu ký vẫn đang chờ."), "danger")
        elif approve and not pin:
            flash(_("Nhập mã PIN để ký."), "danger")
        else:
            result = sandbox.answer(db.session, ca, request.form.get("transaction_id", ""), approve=approve,
                                    now=utcnow(), pin=pin)
        if result == sandbox.WRONG_PIN:
            flash(_("Mã PIN không đúng: chưa ký. Nhập lại mã PIN của chứng thư số."), "danger")
        elif result in (sandbox.SIGNED, sandbox.REJECTED):
            db.session.commit()
            flash(_("Đã ký.") if approve else _("Đã từ chối."), "success" if approve else "info")
        elif result == sandbox.GONE:
            flash(_("Giao dịch không còn chờ xác nhận (đã xử lý hoặc đã hết hạn)."), "warning")
        return redirect(url_for("transcript.smartca_phone", user_id=user_id))
    pending = sandbox.pending_for(db.session, user_id, now=utcnow()) if user_id else []
    subscriber = ca.subscriber(user_id) if user_id else None
    return render_template("transcript/sandbox_phone.html", user_id=user_id, pending=pending, subscriber=subscriber,
                           form=Form(), json=json, sandbox_pin=sandbox.SANDBOX_PIN)


# ---------------------------------------------------------------- the sector database's templates

@bp.route("/school/sector", methods=["GET", "POST"])
@login_required
@role_required("admin")
def sector_page():
    """The school uploads a blank template it downloaded from the sector database (the pupil
    list, the staff file, or the primary results import for one grade and assessment time); we
    fill it by header name and say what could not be filled and what changed since last time."""
    from lms.core.storage import area
    from lms.gradebook.transcript import sector
    from lms.people.services import years_of

    school = ctx().school
    report = export = None
    kind = request.form.get("kind", "students")
    years, current = years_of(db.session, school), workflow.current_year(db.session, school)
    # The file is built for exactly the year chosen on the form (the current one until another is
    # chosen); a kind or a year that is not one of the form's choices is refused on its field.
    errors: dict[str, str] = {}
    chosen = request.form.get("school_year_id", "").strip()
    year = next((y for y in years if str(y.id) == chosen), None) if chosen else current
    if request.method == "POST":
        _require_form()
        if kind not in sector.KIND_NAMES:
            errors["kind"] = _("Chọn loại tệp trong danh sách: danh sách học sinh, cán bộ hoặc kết quả tiểu học.")
            kind = "students"
        if chosen and year is None:
            errors["school_year_id"] = _("Chọn năm học trong danh sách: “%(v)s” không phải năm học nào của trường.",
                                         v=chosen[:40])
            year = current
    if request.method == "POST" and not errors:
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(_("Chọn tệp mẫu tải từ CSDL ngành."), "danger")
        elif year is None:
            flash(_("Chọn năm học của tệp cần điền."), "danger")
        else:
            data = upload.read(sector.MAX_BYTES + 1)
            with committing() as outcome:
                if kind == "students":
                    data, report, export = sector.fill_students(db.session, current_user, school, year, data,
                                                                upload.filename, now=utcnow())
                elif kind == "staff":
                    data, report, export = sector.fill_staff(db.session, current_user, school, year, data,
                                                             upload.filename, now=utcnow())
                else:
                    grade = request.form.get("grade", "")
                    data, report, export = sector.fill_primary_results(
                        db.session, current_user, school, year, int(grade) if grade.isdigit() else 0,
                        request.form.get("checkpoint", ""), data, upload.filename, now=utcnow())
                (area(current_app.config, "sector") / f"{export.id}.xlsx").write_bytes(data)
            if not outcome.ok:
                report = None
    status = 422 if request.method == "POST" and report is None else 200
    return render_template("transcript/sector.html", report=report, export=export, form=Form(), kind=kind,
                           years=years, year=year, errors=errors,
                           checkpoints=sector.CHECKPOINT_NAMES, exports=sector.last_exports(db.session, school),
                           kinds=sector.KIND_NAMES, kind_label=sector.kind_label), status


@bp.route("/school/sector/<int:export_id>.xlsx")
@login_required
@role_required("admin")
def sector_download(export_id: int):
    from lms.core.storage import area
    from lms.gradebook.transcript.models import SectorExport

    export = school_scoped(SectorExport, export_id)
    target = area(current_app.config, "sector") / f"{export.id}.xlsx"
    if not target.exists():
        raise NotFound(_l("Tệp đã điền không còn trên máy chủ: tải mẫu lên để điền lại."))
    return send_file(io.BytesIO(target.read_bytes()), as_attachment=True, download_name=export.file_name or "CSDL.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
