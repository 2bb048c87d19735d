"""Announcements, teacher–parent messages, notifications and calendars."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.core import paging
from lms.core import notify
from lms.core.errors import DomainError
from lms.core.requests import committing, status_of
from lms.core.tenancy import ctx, role_required, school_scoped
from lms.core.timeutil import local_to_utc, school_tz, utcnow
from lms.courses import calendar, comms
from lms.courses.forms import EventForm, MessageForm, NewThreadForm
from lms.courses.models import Announcement
from lms.courses.permissions import can_read_class
from lms.extensions import db
from lms.i18n import gettext as _
from lms.people import permissions as people_permissions
from lms.people import services as people
from lms.people.models import SchoolClass, Student

PAGE_SIZE = 30
bp = Blueprint("comms", __name__, template_folder="templates")


# ---------------------------------------------------------------- announcements

@bp.route("/announcements/<int:announcement_id>")
@login_required
def announcement(announcement_id: int):
    row = db.session.get(Announcement, announcement_id)
    if row is None or not can_read_class(db.session, current_user, ctx().role, ctx().school, row.class_id,
                                         row.school_id):
        abort(404)
    return render_template("courses/announcement.html", row=row)


# ---------------------------------------------------------------- messages

@bp.route("/messages")
@login_required
@role_required("teacher", "parent")
def inbox():
    school_id = ctx().school.id if ctx().role == "teacher" else None
    page = paging.paginate(comms.threads_of(current_user, school_id), per_page=PAGE_SIZE)
    threads = page.items
    return render_template("courses/inbox.html", threads=threads, page=page, is_unread=comms.is_unread)


@bp.route("/messages/<int:thread_id>", methods=["GET", "POST"])
@login_required
@role_required("teacher", "parent")
def thread(thread_id: int):
    try:
        row = comms.thread_for(db.session, current_user, thread_id)
    except DomainError:
        abort(404)
    form = MessageForm()
    if form.validate_on_submit():
        with committing(form) as outcome:
            comms.send_message(db.session, current_user, row, form.body.data, utcnow())
        if outcome.ok:
            return redirect(url_for("comms.thread", thread_id=row.id) + "#last")
    with committing():
        comms.mark_thread_read(db.session, current_user, row, utcnow())
    return render_template("courses/thread.html", thread=row, form=form), status_of(form)


@bp.route("/messages/new/<int:student_id>", methods=["GET", "POST"])
@login_required
@role_required("teacher", "parent")
def new_thread(student_id: int):
    """A parent writes to one of the child's teachers; a teacher to one of the pupil's parents."""
    form = NewThreadForm()
    if ctx().role == "parent":
        student = people.get_child(db.session, current_user, student_id).student
        people_list = comms.teachers_of_student(db.session, student)
    else:
        student = school_scoped(Student, student_id)
        if not comms.teaches_student(db.session, current_user, student):
            abort(404)
        people_list = [g.guardian for g in people.guardians_of(db.session, student)]
    form.other.choices = [(str(u.id), u.full_name) for u in people_list]
    if form.validate_on_submit():
        other = next(u for u in people_list if str(u.id) == form.other.data)
        teacher, parent = (other, current_user) if ctx().role == "parent" else (current_user, other)
        with committing(form) as outcome:
            row = comms.start_thread(db.session, current_user, student, teacher, parent)
            comms.send_message(db.session, current_user, row, form.body.data, utcnow())
        if outcome.ok:
            flash(_("Đã gửi tin nhắn."), "success")
            return redirect(url_for("comms.thread", thread_id=row.id))
    return render_template("courses/new_thread.html", form=form, student=student, nobody=not people_list), \
        status_of(form)


# ---------------------------------------------------------------- notifications

@bp.route("/notifications")
@login_required
def notifications():
    rows = notify.recent(db.session, current_user)
    return render_template("courses/notifications.html", rows=rows, render=notify.render)


@bp.route("/notifications/<int:note_id>/open", methods=["POST"])
@login_required
def notification_open(note_id: int):
    note = notify.note_of(db.session, current_user, note_id)
    if note is None:
        abort(404)
    link = note.link or url_for("comms.notifications")
    notify.mark_read(db.session, current_user, note_id)
    db.session.commit()
    return redirect(link if link.startswith("/") and not link.startswith("//") else url_for("comms.notifications"))


@bp.route("/notifications/read", methods=["POST"])
@login_required
def notifications_read():
    notify.mark_read(db.session, current_user)
    db.session.commit()
    return redirect(url_for("comms.notifications"))


# ---------------------------------------------------------------- calendars

def _window() -> tuple[datetime, datetime]:
    now = utcnow()
    start = now - timedelta(days=7)
    return start, now + timedelta(days=60)


@bp.route("/classes/<int:class_id>/calendar", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def class_calendar(class_id: int):
    school_class = school_scoped(SchoolClass, class_id)
    if not people_permissions.can_view_class(db.session, current_user, ctx().role, school_class):
        abort(404)
    form = EventForm()
    if form.validate_on_submit():
        with committing(form) as outcome:
            calendar.add_event(db.session, current_user, school_class, kind=form.kind.data, title=form.title.data,
                               starts_at=local_to_utc(form.starts_at.data, school_tz()))
        if outcome.ok:
            flash(_("Đã thêm vào lịch lớp."), "success")
            return redirect(url_for("comms.class_calendar", class_id=class_id))
    start, end = _window()
    items = calendar.readable_links(db.session, current_user, [ctx().role],
                                    calendar.items_for_classes(db.session, [school_class.id], start, end), utcnow())
    return render_template("courses/calendar.html", items=items, school_class=school_class, form=form,
                           kinds=calendar.EVENT_KINDS)


@bp.route("/calendar", methods=["GET", "POST"])
@login_required
def my_calendar():
    if request.method == "POST":
        calendar.feed_token(db.session, current_user, reset=True)
        db.session.commit()
        flash(_("Đã tạo địa chỉ lịch mới; địa chỉ cũ không còn dùng được."), "success")
        return redirect(url_for("comms.my_calendar"))
    token = calendar.feed_token(db.session, current_user)
    db.session.commit()
    start, end = _window()
    items = calendar.readable_links(db.session, current_user, [ctx().role] if ctx().role else [],
                                    calendar.items_for_classes(db.session, calendar.feed_class_ids(db.session,
                                                                                                  current_user),
                                                               start, end), utcnow())
    feed = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("comms.ics_feed", token=token)
    return render_template("courses/calendar.html", items=items, school_class=None, form=None, feed=feed,
                           kinds=calendar.EVENT_KINDS)


@bp.route("/calendar/<token>.ics")
def ics_feed(token: str):
    user = calendar.user_of_token(db.session, token)
    if user is None:
        abort(404)
    body = calendar.ics_feed(db.session, user, utcnow(), current_app.config["PUBLIC_BASE_URL"])
    return body, 200, {"Content-Type": "text/calendar; charset=utf-8",
                       "Content-Disposition": 'inline; filename="lich-hoc.ics"'}
