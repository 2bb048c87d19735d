"""Teachers' pages: the question bank and its categories, questions of every type, exams with a
fixed list or a blueprint, overrides, the live monitor, manual grading, regrading and results."""
from __future__ import annotations

import secrets
from random import Random

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_babel import format_datetime

from lms.core import paging
from lms.core.errors import DomainError, problems_of
from lms.core.forms import Form, show_error
from lms.core.tenancy import ctx, role_required, school_scoped
from lms.core.timeutil import local_to_utc, utc_to_local, utcnow
from lms.exams import attempts as attempt_service
from lms.exams import attempt_rules, bank, drawing, mathtext, qtypes, released, results, services
from lms.exams.forms import CategoryForm, ExamForm, OverrideForm, QuestionForm
from lms.courses.models import Lesson
from lms.exams.models import Attempt, Exam, Question, QuestionCategory
from lms.exams.permissions import pupils_of_exam, require_exam
from lms.extensions import db
from lms.exams.qtypes.base import text_html
from lms.core.requests import committing, status_of
from lms.i18n import gettext as _
from lms.i18n import current_locale
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.people import services as people
from lms.people.models import Subject

PAGE_SIZE = 30
bp = Blueprint("exams", __name__, template_folder="templates")


def _tz() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def managed_exam(exam_id: int) -> Exam:
    """The exam of this school that the user may manage, or 404."""
    exam = school_scoped(Exam, exam_id)
    try:
        require_exam(current_user, ctx().role, exam)
    except DomainError:
        abort(404)
    return exam


def managed_category(category_id: int, *, edit: bool = False) -> QuestionCategory:
    category = school_scoped(QuestionCategory, category_id)
    try:
        from lms.exams.permissions import require_category

        require_category(db.session, current_user, ctx().role, category, edit=edit)
    except DomainError as exc:
        abort(exc.status)
    return category


def _question(question_id: int, *, edit: bool = False) -> Question:
    try:
        return bank.question_of(db.session, current_user, ctx().role, ctx().school, question_id, edit=edit)
    except DomainError as exc:
        abort(exc.status)


ATTEMPT_STATES = {"in_progress": _l("Đang làm"), "overdue": _l("Hết giờ, chờ nộp"), "submitted": _l("Đã nộp, chờ chấm"),
                  "finished": _l("Đã chấm xong"), "abandoned": _l("Không nộp")}


EVENT_LABELS = {"start": _l("Bắt đầu"), "resume": _l("Mở trên thiết bị"), "device_switch": _l("Chuyển thiết bị"),
                "focus_lost": _l("Rời cửa sổ"), "focus_back": _l("Quay lại cửa sổ"), "hidden": _l("Ẩn trang"),
                "visible": _l("Hiện trang"), "fullscreen_exit": _l("Thoát toàn màn hình"),
                "fullscreen_enter": _l("Vào toàn màn hình"), "offline": _l("Mất mạng"), "online": _l("Có mạng lại"),
                "copy": _l("Sao chép"), "paste": _l("Dán"), "submit": _l("Nộp bài"), "autosubmit": _l("Tự nộp khi hết giờ")}


@bp.record_once
def _globals(state) -> None:
    state.app.jinja_env.globals.update(QTYPES=qtypes.TYPES, LEVELS=qtypes.LEVELS,
                                       e4=lambda value: bank.e4_text(value, current_locale()),
                                       GRADING_METHODS=services.GRADING_METHODS, ATTEMPT_STATES=ATTEMPT_STATES,
                                       path_of=bank.category_path, EVENT_LABELS=EVENT_LABELS,
                                       tenths=results.score_decimal)
    # The grade book's "Kết quả học tập" (the pupil's and the parents' page) lists released exam results.
    state.app.jinja_env.globals["released_exam_results"] = \
        lambda student: released.released_results(db.session, student, utcnow())
    state.app.jinja_env.filters["qtext"] = qtypes.inline
    state.app.jinja_env.filters["qplain"] = mathtext.plain
    state.app.jinja_env.filters["to_second"] = lambda value: format_datetime(value, "dd/MM/yyyy HH:mm:ss")
    from lms.gradebook.views import SOURCE_ENDPOINTS

    SOURCE_ENDPOINTS["exam"] = ("exams.exam_results", "exam_id")  # grade-book marks link to the exam


# ---------------------------------------------------------------- the bank

def _subjects() -> list[Subject]:
    return people.subjects_of(db.session, ctx().school)


def _category_choices(categories, *, blank: str | None = None) -> list[tuple[int, str]]:
    choices = [(0, blank)] if blank is not None else []
    return choices + [(c.id, f"{c.subject.name} · {bank.category_path(c)}") for c, _access in categories]


@bp.route("/bank")
@login_required
@role_required("admin", "teacher")
def bank_home():
    categories = bank.categories_for(db.session, current_user, ctx().role, ctx().school)
    f = bank.BankFilter(category_id=request.args.get("category", type=int), q=request.args.get("q", "").strip(),
                        level=request.args.get("level", type=int), qtype=request.args.get("qtype", ""),
                        status=request.args.get("status", ""))
    page = paging.paginate(bank.questions_query(db.session, current_user, ctx().role, ctx().school, f), per_page=30)
    counts = bank.counts_by_category(db.session, [c.id for c, _a in categories])
    form = CategoryForm()
    form.subject_id.choices = [(s.id, s.name) for s in _subjects()]
    form.parent_id.choices = _category_choices([(c, a) for c, a in categories if a == "edit"], blank=_("(gốc)"))
    return render_template("exams/bank.html", categories=categories, page=page, f=f, counts=counts, form=form)


@bp.route("/bank/categories", methods=["POST"])
@login_required
@role_required("admin", "teacher")
def category_new():
    form = CategoryForm()
    form.subject_id.choices = [(s.id, s.name) for s in _subjects()]
    form.parent_id.choices = [(0, "")] + [(c.id, "") for c, _a in bank.categories_for(
        db.session, current_user, ctx().role, ctx().school)]
    if form.validate_on_submit():
        with committing() as outcome:
            category = bank.save_category(db.session, current_user, ctx().role, ctx().school,
                                          subject_id=form.subject_id.data, name=form.name.data,
                                          parent_id=form.parent_id.data or None)
        if outcome.ok:
            flash(_("Đã tạo danh mục “%(n)s”.", n=category.name), "success")
            return redirect(url_for("exams.bank_home", category=category.id))
    else:
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "danger")
    return redirect(url_for("exams.bank_home"))


@bp.route("/bank/categories/<int:category_id>", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def category_edit(category_id: int):
    category = managed_category(category_id)
    access = bank.category_access(db.session, current_user, ctx().role, category)
    categories = bank.categories_for(db.session, current_user, ctx().role, ctx().school)
    form = CategoryForm(obj=category)
    form.subject_id.choices = [(s.id, s.name) for s in _subjects()]
    form.parent_id.choices = _category_choices([(c, a) for c, a in categories if a == "edit" and c.id != category.id],
                                               blank=_("(gốc)"))
    if request.method == "POST" and request.form.get("action") == "share":
        if not Form().validate_on_submit():
            abort(400)
        shares = {int(uid): request.form.get(f"edit-{uid}") == "1" for uid in request.form.getlist("share")
                  if uid.isdigit()}
        with committing() as outcome:
            bank.share_category(db.session, current_user, ctx().role, ctx().school, category, shares)
        if outcome.ok:
            flash(_("Đã lưu danh sách đồng nghiệp được chia sẻ."), "success")
        return redirect(url_for("exams.category_edit", category_id=category.id))
    if request.method == "POST":
        if access != "edit":
            abort(403)
        if form.validate_on_submit():
            with committing(form) as outcome:
                bank.save_category(db.session, current_user, ctx().role, ctx().school, subject_id=form.subject_id.data,
                                   name=form.name.data, parent_id=form.parent_id.data or None, category=category)
            if outcome.ok:
                flash(_("Đã lưu danh mục."), "success")
                return redirect(url_for("exams.category_edit", category_id=category.id))
    shares = {s.user_id: s for s in bank.shares_of(db.session, category)}
    colleagues = [t for t in people.teachers_of(db.session, ctx().school) if t.id != category.owner_id]
    return render_template("exams/category.html", category=category, form=form, access=access, shares=shares,
                           colleagues=colleagues, owner=(ctx().role == "admin" or category.owner_id == current_user.id),
                           path=bank.category_path(category))


def _question_form(question: Question | None, categories) -> QuestionForm:
    form = QuestionForm(obj=question) if question is not None and request.method == "GET" else QuestionForm()
    form.category_id.choices = _category_choices([(c, a) for c, a in categories if a == "edit"])
    form.level.choices = [(k, str(v)) for k, v in qtypes.LEVELS.items()]
    grades = sorted({g for s in _subjects() for g in (x.grade for x in s.grades)})
    form.grade.choices = [(0, _("(không chọn)"))] + [(g, _("Khối %(g)s", g=g)) for g in grades]
    if question is not None and request.method == "GET":
        form.default_mark.data = bank.e4_text(question.default_mark_e4, current_locale())
        form.grade.data = question.grade or 0
        form.name.data = question.given_name    # "Câu 3" from an old file is no name: saved, it goes
        form.text.data = question.current.text if question.current else ""
        form.general_feedback.data = question.current.general_feedback if question.current else ""
    elif question is None and request.method == "GET":
        form.category_id.data = request.args.get("category", type=int)
    return form


def _edit_question(question: Question | None, qtype: str):
    categories = bank.categories_for(db.session, current_user, ctx().role, ctx().school)
    if not any(a == "edit" for _c, a in categories):
        flash(_("Hãy tạo một danh mục câu hỏi trước."), "warning")
        return redirect(url_for("exams.bank_home"))
    form = _question_form(question, categories)
    data = question.current.data if question is not None and question.current else {}
    if request.method == "POST" and request.form.get("more"):
        data = None  # the editor is shown again with more rows, as typed
    elif request.method == "POST":
        # Every mistake at once — the form's, the type's rows and the bank's rules — and nothing typed lost.
        valid = form.validate_on_submit()
        data, problems, parsed = None, [], None
        try:
            parsed = qtypes.qtype(qtype).parse_editor(request.form)
        except DomainError as exc:
            problems.extend(problems_of(exc))   # every row the type refused, each naming its row
        typed = bank.QuestionInput(
            category_id=form.category_id.data, qtype=qtype, text=form.text.data or "", data=parsed,
            general_feedback=form.general_feedback.data or "", name=form.name.data or "",
            topic=form.topic.data or "", level=form.level.data, grade=form.grade.data or None,
            tags=form.tags.data or "", default_mark=form.default_mark.data or "", status=form.status.data)
        problems += bank.question_problems(db.session, current_user, ctx().role, ctx().school, typed, question=question)
        show_problems(form, problems)
        if valid and not problems:
            with committing(form) as outcome:
                saved = bank.save_question(db.session, current_user, ctx().role, ctx().school, typed, now=utcnow(),
                                           question=question)
            if outcome.ok:
                flash(_("Đã lưu câu hỏi."), "success")
                return redirect(url_for("exams.question_view", question_id=saved.id))
    rows = min(max(request.form.get("rows", 0, type=int) or 0, 0), 40) + (2 if request.form.get("more") else 0)
    editor = qtypes.TYPES[qtype].editor_rows(data, request.form if data is None else None, rows)
    return render_template("exams/question_edit.html", form=form, question=question, qtype=qtype,
                           qt=qtypes.TYPES[qtype], editor=editor, extra_rows=rows,
                           row_errors=getattr(form, "row_errors", {})), \
        422 if request.method == "POST" and not request.form.get("more") else 200


@bp.route("/bank/questions/new/<qtype>", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def question_new(qtype: str):
    if qtype not in qtypes.TYPES:
        abort(404)
    return _edit_question(None, qtype)


@bp.route("/bank/questions/<int:question_id>/edit", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def question_edit(question_id: int):
    question = _question(question_id, edit=True)
    return _edit_question(question, question.qtype)


@bp.route("/bank/questions/<int:question_id>")
@login_required
@role_required("admin", "teacher")
def question_view(question_id: int):
    question = _question(question_id)
    version = question.current
    qt = qtypes.TYPES[question.qtype]
    public = qt.public(version.data, qt.layout(version.data, Random(0), False))
    return render_template("exams/question_view.html", question=question, version=version,
                           html=text_html(version.text), public=public,
                           right=qt.right(version.data), right_html=qt.right_html(version.data, public), versions=bank.versions_of(db.session, question),
                           access=bank.access_of(db.session, current_user, ctx().role, question),
                           feedback=text_html(version.general_feedback) if version.general_feedback else "")


# ---------------------------------------------------------------- exams

@bp.route("/exams/manage")
@login_required
@role_required("admin", "teacher")
def exam_list():
    page = paging.paginate(services.exams_for_teacher(current_user, ctx().role, ctx().school), per_page=PAGE_SIZE)
    exams = page.items
    return render_template("exams/exam_list.html", exams=exams, page=page, states=services.states_of(db.session, [e.id for e in exams]),
                           now=utcnow())


def _exam_form(exam: Exam | None) -> ExamForm:
    form = ExamForm(obj=exam) if exam is not None and request.method == "GET" else ExamForm()
    courses = people.assignable_courses(db.session, current_user, ctx().role, ctx().school)
    subjects = {c.subject_id: c.subject for c in courses}
    form.subject_id.choices = [(s.id, s.name) for s in sorted(subjects.values(), key=lambda s: s.name)]
    form.course_ids.choices = [(c.id, f"{c.subject.name} — {c.school_class.name}")
                               for c in sorted(courses, key=lambda c: (c.subject.name, c.school_class.name))]
    form.grading_method.choices = [(k, str(v)) for k, v in services.GRADING_METHODS.items()]
    keys = [("", _("Không ghi"))]
    for term in (1, 2):
        for key, label in (("tx1", "TX1"), ("tx2", "TX2"), ("tx3", "TX3"), ("tx4", "TX4"), ("gk1", _("giữa kỳ")),
                           ("ck1", _("cuối kỳ"))):
            keys.append((f"{term}:{key}", _("Học kỳ %(t)s — %(c)s", t="I" if term == 1 else "II", c=label)))
    form.gradebook.choices = keys
    names = {c.id: f"{c.subject.name} {c.school_class.name}" for c in courses}
    form.lesson_id.choices = [(0, _("— Không phải kiểm tra chuẩn bị —"))] + services.lesson_choices(db.session, names)
    if request.method == "GET":
        if exam is not None:
            form.course_ids.data = [link.course_id for link in exam.courses]
            form.open_at.data, form.close_at.data = utc_to_local(exam.open_at, _tz()), utc_to_local(exam.close_at, _tz())
            for moment in services.REVIEW_MOMENTS:
                for item in services.REVIEW_ITEMS:
                    getattr(form, f"{moment}_{item}").data = bool(exam.review.get(moment, {}).get(item))
            form.gradebook.data = f"{exam.gradebook_term}:{exam.gradebook_key}" if exam.gradebook_key else ""
            form.lesson_id.data = exam.lesson_id or 0
        else:
            preset = request.args.get("course", type=int)
            lesson = db.session.get(Lesson, request.args.get("lesson", type=int) or 0)
            if lesson is not None and lesson.course_id in names:
                # A readiness check: short, one page, answers and explanations shown right after.
                preset = lesson.course_id
                form.lesson_id.data, form.title.data = lesson.id, _("Chuẩn bị bài: %(t)s", t=lesson.title)
                form.time_limit_min.data, form.per_page.data, form.attempts_allowed.data = 15, 0, 1
                form.after_submit_correct.data = form.after_submit_feedback.data = True
            if preset:
                form.course_ids.data = [preset]
                chosen = next((c for c in courses if c.id == preset), None)
                if chosen:
                    form.subject_id.data = chosen.subject_id
    return form


def _exam_input(form: ExamForm) -> services.ExamInput:
    """The settings as typed; a field the form could not read is None (the form says why)."""
    term, _sep, key = (form.gradebook.data or "").partition(":")
    return services.ExamInput(
        title=form.title.data or "", subject_id=form.subject_id.data, course_ids=form.course_ids.data or [],
        open_at=local_to_utc(form.open_at.data, _tz()) if form.open_at.data else None,
        close_at=local_to_utc(form.close_at.data, _tz()) if form.close_at.data else None,
        instructions=form.instructions.data or "", time_limit_min=form.time_limit_min.data,
        attempts_allowed=form.attempts_allowed.data, grading_method=form.grading_method.data,
        shuffle_questions=form.shuffle_questions.data, shuffle_options=form.shuffle_options.data,
        per_page=form.per_page.data, navigation=form.navigation.data,
        review={m: {i: getattr(form, f"{m}_{i}").data for i in services.REVIEW_ITEMS} for m in services.REVIEW_MOMENTS},
        access_code=form.access_code.data or "", ip_ranges=form.ip_ranges.data or "", overdue=form.overdue.data,
        grace_minutes=form.grace_minutes.data or 0, release_at_close=form.release_at_close.data,
        gradebook_term=int(term) if term.isdigit() else None, gradebook_key=key,
        lesson_id=form.lesson_id.data or None, ready_percent=form.ready_percent.data)


# A question type's group of rows, refused as a whole: the id of its editor's heading.
ROW_GROUPS = {"pairs", "options", "answers"}


def _row_target(field: str) -> str | None:
    """The id a question editor gives what a problem refuses: one input of a row ("pair_right@1" →
    "pair_right-1", as exams/editors/_row.html marks it) or a group's heading; None if it has none."""
    if "@" in field:
        return field.replace("@", "-")
    return field if field in ROW_GROUPS else None


def show_problems(form, problems) -> None:
    """A service's reasons for refusing, each on its field (or at the top), beside the form's own:
    every mistake is shown in one answer; a field the form already faults keeps its one message."""
    for problem in problems:
        field = form._fields.get(problem.field or "")
        if field is None:   # a question type's own rows, a grade-book column: in the page's list of what to correct
            form.form_errors.append(str(problem.message))
            if "@" in (problem.field or ""):   # one input of a row ("opt_fraction@2"): also marked there
                form.row_errors = {**getattr(form, "row_errors", {}), problem.field: str(problem.message)}
            target = _row_target(problem.field or "")
            if target:   # the page's list of what to correct links to it, as to a field (issue #28)
                form.error_targets = {**getattr(form, "error_targets", {}), str(problem.message): target}
        elif not field.errors:
            show_error(form, problem)
        form.refused = True


def _edit_exam(exam: Exam | None):
    form = _exam_form(exam)
    if form.is_submitted():
        valid = form.validate_on_submit()
        settings = _exam_input(form)
        show_problems(form, services.exam_problems(db.session, current_user, ctx().role, ctx().school, settings, exam))
        if valid and not getattr(form, "refused", False):
            with committing(form) as outcome:
                saved = services.save_exam(db.session, current_user, ctx().role, ctx().school, settings, exam)
            if outcome.ok:
                flash(_("Đã lưu bài thi."), "success")
                return redirect(url_for("exams.exam_home", exam_id=saved.id))
    return render_template("exams/exam_edit.html", form=form, exam=exam), status_of(form)


@bp.route("/exams/new", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def exam_new():
    return _edit_exam(None)


@bp.route("/exams/<int:exam_id>/edit", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def exam_edit(exam_id: int):
    return _edit_exam(managed_exam(exam_id))


@bp.route("/exams/<int:exam_id>/manage")
@login_required
@role_required("admin", "teacher")
def exam_home(exam_id: int):
    exam = managed_exam(exam_id)
    preview = services.preview(db.session, exam)
    states = services.states_of(db.session, [exam.id])[exam.id]
    return render_template("exams/exam_home.html", exam=exam, preview=preview, states=states, now=utcnow(),
                           pupils=len(pupils_of_exam(db.session, exam)), form=Form(),
                           released=attempt_rules.released(exam, utcnow()))


def _act(exam: Exam, action, done: str):
    if not Form().validate_on_submit():
        abort(400)
    with committing() as outcome:
        action()
    if outcome.ok:
        flash(done, "success")
    return redirect(request.form.get("next") if (request.form.get("next") or "").startswith("/exams/")
                    else url_for("exams.exam_home", exam_id=exam.id))


@bp.route("/exams/<int:exam_id>/publish", methods=["POST"])
@login_required
@role_required("admin", "teacher")
def exam_publish(exam_id: int):
    exam = managed_exam(exam_id)
    if request.form.get("action") == "unpublish":
        return _act(exam, lambda: services.unpublish_exam(db.session, current_user, ctx().role, exam),
                    _("Đã chuyển bài thi về nháp."))
    return _act(exam, lambda: _publish(exam), _("Đã giao bài thi cho học sinh."))


def _publish(exam: Exam) -> None:
    services.publish_exam(db.session, current_user, ctx().role, exam)
    from lms.core.notify import notify

    users = [s.user for s, _c in pupils_of_exam(db.session, exam) if s.user is not None]
    from flask_babel import format_datetime

    notify(db.session, users, "exam_assigned", {"subject": exam.subject.name, "exam": exam.title,
                                                "opens": format_datetime(exam.open_at, "dd/MM/yyyy HH:mm")},
           f"/exams/{exam.id}", exam.school_id)


@bp.route("/exams/<int:exam_id>/release", methods=["POST"])
@login_required
@role_required("admin", "teacher")
def exam_release(exam_id: int):
    exam = managed_exam(exam_id)
    return _act(exam, lambda: services.release_results(db.session, current_user, ctx().role, exam, utcnow()),
                _("Đã công bố kết quả: học sinh xem được điểm và bài làm theo cài đặt xem lại."))


@bp.route("/exams/<int:exam_id>/questions", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def exam_items(exam_id: int):
    exam = managed_exam(exam_id)
    typed, status = None, 200
    if request.method == "POST":
        if not Form().validate_on_submit():
            abort(400)
        ids, marks = request.form.getlist("question_id"), request.form.getlist("mark")
        keep = set(request.form.getlist("keep"))
        items = [(int(q), m) for q, m in zip(ids, marks) if q.isdigit() and q in keep]
        added = [(int(q), request.form.get(f"add-mark-{q}") or "1") for q in request.form.getlist("add") if q.isdigit()]
        # "Lên"/"Xuống" by a question (buttons of this form, so marks typed and ticks are kept):
        # the list is saved in its new order, as "Lưu đề" saves it.
        direction, _sep, target = request.form.get("move", "").partition("-")
        move = (int(target), -1 if direction == "up" else 1) if direction in ("up", "down") and target.isdigit() else None
        if move is not None:
            items = services.moved(items, *move)
        with committing(flash_error=False) as outcome:
            services.set_items(db.session, current_user, ctx().role, ctx().school, exam, items, added)
        if outcome.ok:
            if move is not None:
                flash(_("Đã đổi thứ tự: câu được chuyển %(d)s một bậc.", d=_("lên") if move[1] < 0 else _("xuống")),
                      "success")
                return redirect(url_for("exams.exam_items", exam_id=exam.id, _anchor=f"item-{move[0]}"))
            flash(ngettext("Đã lưu danh sách câu hỏi (%(n)s câu).", "Đã lưu danh sách câu hỏi (%(n)s câu).", len(exam.items), n=len(exam.items)), "success")
            warning = services.preview(db.session, exam).total_warning
            if warning:
                flash(warning, "warning")
            return redirect(url_for("exams.exam_items", exam_id=exam.id))
        # Refused: the list is shown again as it was typed — marks, what was unticked, what was ticked
        # to add — with every mistake at the top and each mark's under its own box.
        problems = problems_of(outcome.error)
        for problem in problems:
            flash(str(problem.message), "danger")
        typed = {"marks": dict(zip(ids, marks)), "keep": keep, "add": set(request.form.getlist("add")),
                 "add_marks": {k[len("add-mark-"):]: v for k, v in request.form.items() if k.startswith("add-mark-")},
                 "errors": {p.field: str(p.message) for p in problems if p.field}}
        status = outcome.status
    f = bank.BankFilter(category_id=request.args.get("category", type=int), q=request.args.get("q", "").strip(),
                        level=request.args.get("level", type=int), status="ready", in_order=True)
    page = paging.paginate(bank.questions_query(db.session, current_user, ctx().role, ctx().school, f), per_page=20)
    categories = bank.categories_for(db.session, current_user, ctx().role, ctx().school)
    return render_template("exams/exam_items.html", exam=exam, page=page, f=f, categories=categories,
                           locked=services.has_attempts(db.session, exam),
                           chosen={i.question_id for i in exam.items}, form=Form(), typed=typed,
                           preview=services.preview(db.session, exam)), status


@bp.route("/exams/<int:exam_id>/blueprint", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def exam_blueprint(exam_id: int):
    exam = managed_exam(exam_id)
    categories = [(c, a) for c, a in bank.categories_for(db.session, current_user, ctx().role, ctx().school)
                  if c.subject_id == exam.subject_id]
    typed, sample = None, None
    extra = min(max(request.args.get("rows", 3, type=int) or 0, 0), 60)
    status = 200
    if request.method == "POST":
        if not Form().validate_on_submit():
            abort(400)
        rows = []
        for cat, topic, level, qtype, count, mark in zip(*(request.form.getlist(k) for k in (
                "category", "topic", "level", "qtype", "count", "mark"))):
            if not cat.isdigit() and not count.strip() and not topic.strip() and not level and not qtype:
                continue   # a row left blank (its mark is filled in beforehand); one begun is kept, and checked
            rows.append(services.RuleInput(category_id=int(cat) if cat.isdigit() else 0,
                                           count=int(count) if count.strip().isdigit() else 0, mark=mark or "0",
                                           topic=topic, level=int(level) if level.isdigit() else None, qtype=qtype))
        if request.form.get("more"):
            # More blank rows, keeping every row typed so far: nothing is saved yet.
            typed, extra = rows, min(request.form.get("extra", 3, type=int) + 3, 60)
        else:
            with committing(flash_error=False) as outcome:
                services.set_rules(db.session, current_user, ctx().role, ctx().school, exam, rows)
            for problem in problems_of(outcome.error) if outcome.error else ():
                flash(str(problem.message), "danger")      # every row's mistake, each on its line
            if outcome.ok:
                flash(_("Đã lưu ma trận đề."), "success")
                warning = services.preview(db.session, exam).total_warning
                if warning:
                    flash(warning, "warning")
                return redirect(url_for("exams.exam_blueprint", exam_id=exam.id))
            typed, status = rows, outcome.status
    if request.args.get("sample") and exam.source == "blueprint":
        try:
            sample = drawing.draw(db.session, exam, Random(secrets.randbelow(10 ** 6)))
        except DomainError as exc:
            flash(str(exc.message), "warning")
    topics = bank.topics_of(db.session, [c.id for c, _a in categories])
    return render_template("exams/blueprint.html", exam=exam, categories=categories, typed=typed, topics=topics,
                           locked=services.has_attempts(db.session, exam),
                           preview=services.preview(db.session, exam) if exam.source == "blueprint" else None,
                           sample=sample, form=Form(), extra=extra), status


@bp.route("/exams/<int:exam_id>/overrides", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def exam_overrides(exam_id: int):
    exam = managed_exam(exam_id)
    form = OverrideForm()
    pupils = pupils_of_exam(db.session, exam)
    form.student_id.choices = [(s.id, f"{s.full_name} ({c.school_class.name})") for s, c in pupils]
    if form.is_submitted():
        # Every mistake at once: the form's and the service's (a reversed window beside a bad number).
        valid = form.validate_on_submit()
        typed = services.OverrideInput(
            student_id=form.student_id.data,
            open_at=local_to_utc(form.open_at.data, _tz()) if form.open_at.data else None,
            close_at=local_to_utc(form.close_at.data, _tz()) if form.close_at.data else None,
            extra_minutes=form.extra_minutes.data or 0, extra_attempts=form.extra_attempts.data or 0,
            past_close=bool(form.past_close.data), reason=form.reason.data or "")
        show_problems(form, services.override_problems(db.session, exam, typed))
        if valid and not getattr(form, "refused", False):
            with committing(form) as outcome:
                services.save_override(db.session, current_user, ctx().role, exam, typed)
            if outcome.ok:
                flash(_("Đã lưu ngoại lệ cho học sinh."), "success")
                return redirect(url_for("exams.exam_overrides", exam_id=exam.id))
    return render_template("exams/overrides.html", exam=exam, form=form, overrides=services.overrides_of(db.session, exam),
                           pupils=dict((s.id, (s, c)) for s, c in pupils)), status_of(form)


@bp.route("/exams/<int:exam_id>/monitor")
@login_required
@role_required("admin", "teacher")
def exam_monitor(exam_id: int):
    exam = managed_exam(exam_id)
    now = utcnow()
    attempt_service.finish_overdue(db.session, now, exam_id=exam.id)
    db.session.commit()
    rows = services.monitor(db.session, exam)
    if request.args.get("format") == "json":
        return jsonify([{"student": r.student.id, "state": r.attempt.state if r.attempt else None,
                         "answered": r.answered, "questions": r.questions,
                         "last_save": r.last_save.isoformat() if r.last_save else None,
                         "events": sum(r.events.values())} for r in rows])
    return render_template("exams/monitor.html", exam=exam, rows=rows, now=now)


@bp.route("/exams/<int:exam_id>/attempts/<int:attempt_id>", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def attempt_paper(exam_id: int, attempt_id: int):
    """One pupil's paper: the questions as given, the answers and when they were saved, the marks;
    the teacher grades or comments from it."""
    exam = managed_exam(exam_id)
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.exam_id != exam.id:
        abort(404)
    typed, errors = None, {}
    if request.method == "POST":
        if not Form().validate_on_submit():
            abort(400)
        marks = {int(name[5:]): (value, request.form.get(f"comment-{name[5:]}", ""))
                 for name, value in request.form.items() if name.startswith("mark-") and name[5:].isdigit()}
        with committing(flash_error=False) as outcome:
            done = results.grade_paper(db.session, current_user, ctx().role, attempt, marks, utcnow())
        if outcome.ok:
            flash(ngettext("Đã lưu %(n)s điểm và nhận xét.", "Đã lưu %(n)s điểm và nhận xét.", done, n=done), "success")
            return redirect(url_for("exams.attempt_paper", exam_id=exam.id, attempt_id=attempt.id))
        typed, errors = request.form, _refused(outcome.error)
    items = results.teacher_paper(db.session, current_user, ctx().role, attempt)
    return render_template("exams/paper.html", exam=exam, attempt=attempt, items=items, form=Form(),
                           typed=typed, errors=errors,
                           events=services.events_of(db.session, attempt),
                           score=results.score_decimal(attempt.score10)), 422 if request.method == "POST" else 200


@bp.route("/exams/<int:exam_id>/attempts/<int:attempt_id>/events")
@login_required
@role_required("admin", "teacher")
def attempt_events(exam_id: int, attempt_id: int):
    exam = managed_exam(exam_id)
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.exam_id != exam.id:
        abort(404)
    return render_template("exams/events.html", exam=exam, attempt=attempt,
                           events=services.events_of(db.session, attempt))


@bp.route("/exams/<int:exam_id>/grading", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def exam_grading(exam_id: int):
    exam = managed_exam(exam_id)
    typed, errors = None, {}
    if request.method == "POST":
        if not Form().validate_on_submit():
            abort(400)
        marks = {}
        for name, value in request.form.items():
            head, _sep, rest = name.partition("-")
            if head != "mark" or not value.strip():
                continue
            attempt_id, _sep, position = rest.partition("-")
            if not attempt_id.isdigit() or not position.isdigit():
                abort(404)
            marks[(int(attempt_id), int(position))] = (value, request.form.get(f"comment-{rest}", ""))
        with committing(flash_error=False) as outcome:
            done = results.grade_queue(db.session, current_user, ctx().role, exam, marks, utcnow())
        if outcome.ok:
            flash(ngettext("Đã lưu %(n)s điểm chấm tay.", "Đã lưu %(n)s điểm chấm tay.", done, n=done), "success")
            return redirect(url_for("exams.exam_grading", exam_id=exam.id))
        if outcome.status == 404:
            abort(404)
        # Refused: nothing is saved, every mark and comment typed is shown again, each mistake under its box.
        typed, errors = request.form, _refused(outcome.error)
    return render_template("exams/grading.html", exam=exam, groups=results.grading_queue(db.session, exam), form=Form(),
                           typed=typed, errors=errors), 422 if typed is not None else 200


def _refused(error) -> dict[str, str]:
    """A refusal's mistakes flashed at the top, one line each, and by field for the boxes they name."""
    problems = problems_of(error)
    for problem in problems:
        flash(str(problem.message), "danger")
    return {p.field: str(getattr(p, "short", p.message)) for p in problems if p.field}


@bp.route("/exams/<int:exam_id>/results", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def exam_results(exam_id: int):
    exam = managed_exam(exam_id)
    now = utcnow()
    if request.method == "POST":
        if not Form().validate_on_submit():
            abort(400)
        with committing() as outcome:
            if request.form.get("action") == "gradebook":
                totals = results.post_to_gradebook(db.session, current_user, ctx().role, exam, now)
                message = _("Đã ghi điểm vào sổ: %(a)s điểm mới, %(c)s điểm cập nhật, %(u)s không đổi.",
                            a=totals["created"], c=totals["changed"], u=totals["unchanged"])
            else:
                question = _question(request.form.get("question_id", type=int) or 0)
                changes = results.regrade(db.session, current_user, ctx().role, exam, question, now)
                message = ngettext("Đã chấm lại: %(n)s bài thay đổi điểm.", "Đã chấm lại: %(n)s bài thay đổi điểm.", len(changes), n=len(changes))
                if exam.gradebook_key and changes:
                    totals = results.post_to_gradebook(db.session, current_user, ctx().role, exam, now)
                    message += " " + ngettext("Sổ điểm đã được cập nhật (%(c)s điểm).", "Sổ điểm đã được cập nhật (%(c)s điểm).", totals["changed"] + totals["created"], c=totals["changed"] + totals["created"])
        if outcome.ok:
            flash(message, "success")
        return redirect(url_for("exams.exam_results", exam_id=exam.id))
    rows = services.monitor(db.session, exam)
    scores = results.final_scores(db.session, exam)
    regrade_question = request.args.get("regrade", type=int)
    dry = None
    if regrade_question:
        question = _question(regrade_question)
        dry = (question, results.regrade_preview(db.session, current_user, ctx().role, exam, question))
    used = attempt_service.questions_used(db.session, exam)
    return render_template("exams/results.html", exam=exam, rows=rows, scores=scores, dry=dry, used=used,
                           form=Form(), released=attempt_rules.released(exam, now))


@bp.route("/exams/<int:exam_id>/readiness")
@login_required
@role_required("admin", "teacher")
def readiness(exam_id: int):
    exam = managed_exam(exam_id)
    return render_template("exams/readiness.html", exam=exam, report=results.readiness(db.session, exam),
                           lesson=db.session.get(Lesson, exam.lesson_id) if exam.lesson_id else None)


@bp.route("/exams/<int:exam_id>/statistics")
@login_required
@role_required("admin", "teacher")
def statistics_page(exam_id: int):
    from lms.exams import analysis

    exam = managed_exam(exam_id)
    return render_template("exams/statistics.html", exam=exam, a=analysis.analyse(db.session, exam),
                           TEST_LABELS=analysis.TEST_LABELS, FLAGS=analysis.FLAGS)


@bp.route("/exams/<int:exam_id>/statistics.xlsx")
@login_required
@role_required("admin", "teacher")
def statistics_xlsx(exam_id: int):
    import io

    from flask import send_file

    from lms.exams import analysis

    exam = managed_exam(exam_id)
    data = analysis.workbook(exam, analysis.analyse(db.session, exam))
    return send_file(io.BytesIO(data), as_attachment=True, download_name=f"thong-ke-bai-thi-{exam.id}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
