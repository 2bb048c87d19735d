"""Pupils' pages: their exams, starting, the attempt page and its JSON saves, submitting, the
review. Time is the server's; answers are saved one by one with a sequence number."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from lms.auth import throttle
from lms.auth.services import when_sessions_end
from lms.core import paging
from lms.core.errors import DomainError
from lms.core.forms import Form
from lms.core.requests import committing, status_of
from lms.core.security import client_ip
from lms.core.inputs import in_range, json_object
from lms.core.tenancy import cookieless, ctx, role_required, school_scoped, session_only
from lms.core.timeutil import school_tz, utcnow
from lms.courses.permissions import pupil_of
from lms.exams import attempt_rules, attempts, results, saving, services
from lms.exams.forms import StartForm
from lms.exams.models import Attempt, AttemptState, Exam, ExamStatus
from lms.exams.permissions import own_attempt, sits_exam
from lms.extensions import csrf, db
from lms.i18n import gettext as _
from lms.i18n import ngettext

PAGE_SIZE = 30
bp = Blueprint("attempts", __name__, template_folder="templates")
DEVICE_COOKIE = saving.DEVICE_COOKIE


def _pupil():
    return pupil_of(db.session, ctx().school, current_user)


def _attempt(attempt_id: int) -> Attempt:
    lean = getattr(g, "session_user_id", None)  # on the session_only routes
    user_id = lean if lean is not None else current_user.id
    try:
        return own_attempt(db.session, user_id, attempt_id, school=None if lean is not None else ctx().school)
    except DomainError:
        current_app.logger.info("attempt %s refused to user %s", attempt_id, user_id)
        abort(404)


def _device() -> str:
    return saving.device_hash(request.cookies.get(DEVICE_COOKIE))


def _with_device(response, token: str | None):
    if token:
        response.set_cookie(DEVICE_COOKIE, token, max_age=7 * 24 * 3600, httponly=True, samesite="Lax",
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


@bp.route("/exams")
@login_required
@role_required("student")
def my_exams():
    student = _pupil()
    now = utcnow()
    page = paging.paginate(services.exams_of_pupil(db.session, student), per_page=PAGE_SIZE)
    standings = attempts.standings(db.session, page.items, student, now)
    html = render_template("exams/my_exams.html", exams=page.items, page=page, standings=standings, now=now)
    db.session.commit()  # finishing overdue attempts on access (after rendering: a commit expires every exam)
    return html


@bp.route("/exams/<int:exam_id>", methods=["GET", "POST"])
@login_required
@role_required("student")
def take(exam_id: int):
    exam = school_scoped(Exam, exam_id)
    student = _pupil()
    if exam.status != ExamStatus.PUBLISHED or not sits_exam(db.session, student, exam):
        abort(404)
    now = utcnow()
    form = StartForm()
    # Wrong access codes are counted per pupil and exam: a few tries, then a wait (auth.throttle).
    guesses, wait = f"code:{exam.id}:{current_user.id}", 0
    if form.validate_on_submit() and exam.access_code and (wait := throttle.guess_wait(db.session, guesses, now)):
        form.access_code.errors.append(ngettext("Nhập sai mã truy cập quá nhiều lần. Hãy thử lại sau %(s)s giây.", "Nhập sai mã truy cập quá nhiều lần. Hãy thử lại sau %(s)s giây.", wait, s=wait))
    elif form.validate_on_submit():
        token = request.cookies.get(DEVICE_COOKIE) or saving.new_device_token()
        with committing(form) as outcome:
            attempt_id = attempts.start_attempt(db.session, student, exam, now=now,
                                                access_code=form.access_code.data or "", ip=client_ip(),
                                                device=saving.device_hash(token)).id  # read before the commit expires it
        if outcome.error is not None and outcome.error.field == "access_code":
            throttle.guess_failed(db.session, guesses, now)
            db.session.commit()
        if outcome.ok:
            # A running attempt opened elsewhere resumes here only through the takeover page.
            return _with_device(redirect(url_for("attempts.attempt_page", attempt_id=attempt_id)), token)
    state = attempts.standing(db.session, exam, student, now)
    db.session.commit()
    scores = {a.id: results.score_decimal(a.score10) for a in state.attempts}
    return render_template("exams/take.html", exam=exam, state=state, form=form, now=now, scores=scores,
                           final=results.final_scores(db.session, exam).get(student.id)), \
        429 if wait else status_of(form)


@bp.route("/attempts/<int:attempt_id>")
@login_required
@role_required("student")
def attempt_page(attempt_id: int):
    attempt = _attempt(attempt_id)
    now = utcnow()
    attempts.finish_if_overdue(db.session, attempt, now)
    db.session.commit()
    if attempt.state != AttemptState.IN_PROGRESS:
        return redirect(url_for("attempts.result", attempt_id=attempt.id))
    device = _device()
    if not attempt.device:
        attempts.takeover(db.session, attempt, device, now)
        db.session.commit()
    elif attempt.device != device:
        return render_template("exams/other_device.html", attempt=attempt, exam=attempt.exam, form=Form(),
                               class_name=services.class_of_pupil(db.session, attempt.exam, attempt.student))
    views = attempts.attempt_view(db.session, attempt)
    exam = attempt.exam
    pages = max((v.page for v in views), default=0) + 1
    if exam.navigation == "sequential":
        views = [v for v in views if v.page == attempt.page]
    ticket = saving.issue_ticket(current_app.config["SECRET_KEY"], attempt, current_user.id, str(get_locale()))
    return render_template("exams/attempt.html", attempt=attempt, exam=exam, views=views, pages=pages,
                           time_left=attempts.time_left(attempt, now), form=Form(), ticket=ticket, tz=school_tz(),
                           deadline_iso=saving.deadline_iso(attempt.deadline))


@bp.route("/attempts/<int:attempt_id>/takeover", methods=["POST"])
@login_required
@role_required("student")
def takeover(attempt_id: int):
    attempt = _attempt(attempt_id)
    if not Form().validate_on_submit():
        abort(400)
    token = request.cookies.get(DEVICE_COOKIE) or saving.new_device_token()
    attempts.takeover(db.session, attempt, saving.device_hash(token), utcnow())
    db.session.commit()
    flash(_("Bài làm tiếp tục trên thiết bị này; thiết bị kia không lưu được nữa."), "info")
    return _with_device(redirect(url_for("attempts.attempt_page", attempt_id=attempt.id)), token)


@when_sessions_end
def _release_devices(session, user_id: int) -> None:
    """Every session of the pupil ended (an admin signed them out everywhere, locked the account,
    or a password reset): their open attempts are bound to no device any more, so a page left open,
    or a copied attempt ticket, saves nothing (the guarded upsert checks the device) until the
    pupil signs in again and reopens the attempt, which binds it to that device."""
    from sqlalchemy import select, update

    from lms.people.models import Student

    session.execute(update(Attempt).where(Attempt.state == AttemptState.IN_PROGRESS, Attempt.student_id.in_(
        select(Student.id).where(Student.user_id == user_id))).values(device="")
        .execution_options(synchronize_session=False))


_STATUS = {"saved": 200, "same": 200, "stale": 409, "device": 409, "page": 409, "closed": 410, "invalid": 422}


@bp.route("/attempts/<int:attempt_id>/save", methods=["POST"])
@csrf.exempt  # the attempt ticket in X-Attempt-Ticket is this route's CSRF defence (attempts.Ticket)
@cookieless
def save(attempt_id: int):
    """One answer. Authenticated by the page's attempt ticket, not the session: the usual case is
    one statement (saving.quick_save); anything else goes through the full rules."""
    ticket = saving.read_ticket(current_app.config["SECRET_KEY"], request.headers.get("X-Attempt-Ticket"), attempt_id)
    if ticket is None:
        return jsonify({"status": "signed_out",
                        "message": _("Trang làm bài này không còn hợp lệ; hãy tải lại trang (câu trả lời vẫn được "
                                     "giữ trên máy này).")}), 401
    g.lang = ticket.lang
    body = json_object()
    now, device = utcnow(), _device()
    position, seq = body.get("position"), body.get("seq")
    if not isinstance(position, int) or not isinstance(seq, int) or not (in_range(position) and in_range(seq)):
        return jsonify({"status": "invalid", "message": _("Câu trả lời chưa lưu được vì trang làm bài gửi thiếu thông tin. Em hãy tải lại trang rồi "
                                                          "trả lời lại câu này.")}), 422
    outcome = saving.quick_save(db.session, ticket, position, body.get("value"), seq, device=device, now=now)
    payload = {}
    if outcome is None:
        attempt = saving.live_attempt(db.session, ticket.user_id, attempt_id)
        if attempt is None:
            abort(404)
        outcome = attempts.save_response(db.session, attempt, position, body.get("value"), seq, device=device, now=now)
        payload["time_left"] = attempts.time_left(attempt, now)
        if outcome.status == "closed":
            payload["result"] = url_for("attempts.result", attempt_id=attempt_id)
        db.session.commit()  # acknowledged only once it is committed (quick_save commits its own)
    payload.update(status=outcome.status, seq=outcome.seq, message=outcome.message)
    if outcome.status == "stale":
        payload["value"] = outcome.value
    return jsonify(payload), _STATUS[outcome.status]


@bp.route("/attempts/<int:attempt_id>/clock")
@cookieless
def clock(attempt_id: int):
    """The attempt's state and the server's time left, polled by the page every few seconds (on
    PostgreSQL `lms.exams.autosave` answers it before Flask); authenticated by the page's ticket."""
    ticket = saving.read_ticket(current_app.config["SECRET_KEY"], request.headers.get("X-Attempt-Ticket"), attempt_id)
    if ticket is None:  # no page of this attempt was opened by its pupil: as the save answers
        return jsonify({"status": "signed_out"}), 401
    answer = saving.read_clock(db.session, ticket, utcnow())
    if answer is None:
        abort(404)
    response = jsonify(answer)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/attempts/<int:attempt_id>/answers")
@cookieless
def answers(attempt_id: int):
    """The answers the server holds, with their sequence numbers, for a page coming back into view
    to see which were changed in another window; authenticated by the page's ticket."""
    ticket = saving.read_ticket(current_app.config["SECRET_KEY"], request.headers.get("X-Attempt-Ticket"), attempt_id)
    if ticket is None:
        return jsonify({"status": "signed_out"}), 401
    response = jsonify({"answers": saving.saved_answers(db.session, ticket)})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/attempts/<int:attempt_id>/events", methods=["POST"])
@session_only
def events(attempt_id: int):
    """Signals from the page and a heartbeat: the answer is the server's time left."""
    attempt = _attempt(attempt_id)
    body = json_object() if request.get_data() else {}
    events = body.get("events")
    now = utcnow()
    attempts.finish_if_overdue(db.session, attempt, now)
    if attempt.state == AttemptState.IN_PROGRESS and attempt.device == _device() and isinstance(events, list):
        attempts.record_events(db.session, attempt, [e for e in events if isinstance(e, dict)], now)
    payload = {"state": attempt.state, "time_left": attempts.time_left(attempt, now),
               "device_ok": attempt.device == _device(),
               "result": url_for("attempts.result", attempt_id=attempt.id)
               if attempt.state != AttemptState.IN_PROGRESS else None}
    db.session.commit()
    return jsonify(payload)


@bp.route("/attempts/<int:attempt_id>/page", methods=["POST"])
@login_required
@role_required("student")
def next_page(attempt_id: int):
    attempt = _attempt(attempt_id)
    if not Form().validate_on_submit():
        abort(400)
    attempts.next_page(db.session, attempt, request.form.get("page", type=int) or 0, utcnow())
    db.session.commit()
    return redirect(url_for("attempts.attempt_page", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@login_required
@role_required("student")
def submit(attempt_id: int):
    attempt = _attempt(attempt_id)
    now = utcnow()
    body = json_object() if request.is_json else {}
    listed = body.get("finals")
    finals = [(f.get("position"), f.get("value"), f.get("seq")) for f in (listed if isinstance(listed, list) else [])
              if isinstance(f, dict) and isinstance(f.get("position"), int) and isinstance(f.get("seq"), int)
              and in_range(f["position"]) and in_range(f["seq"])]
    with committing(flash_error=not request.is_json) as outcome:
        attempts.submit_attempt(db.session, attempt, now=now, device=_device(), finals=finals,
                                timed_out=bool(body.get("timed_out")))
    if not outcome.ok:
        if request.is_json:
            return jsonify({"status": "device", "message": str(outcome.error.message)}), 409
        return redirect(url_for("attempts.attempt_page", attempt_id=attempt.id))
    target = url_for("attempts.result", attempt_id=attempt.id)
    if request.is_json:
        return jsonify({"status": attempt.state, "result": target})
    return redirect(target)


@bp.route("/attempts/<int:attempt_id>/result")
@login_required
@role_required("student")
def result(attempt_id: int):
    attempt = _attempt(attempt_id)
    now = utcnow()
    attempts.finish_if_overdue(db.session, attempt, now)
    db.session.commit()
    if attempt.state == AttemptState.IN_PROGRESS:
        return redirect(url_for("attempts.attempt_page", attempt_id=attempt.id))
    rights = results.review_rights(attempt.exam, attempt, now)
    items = results.attempt_review(db.session, attempt, rights)
    response = make_response(render_template("exams/result.html", attempt=attempt, exam=attempt.exam, rights=rights,
                                             items=items, score=results.score_decimal(attempt.score10),
                                             marks=results.marks_besides_score(attempt),
                                             released=attempt_rules.released(attempt.exam, now)))
    return response
