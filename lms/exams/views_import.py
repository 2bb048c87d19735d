"""Importing questions (upload, a preview of every question as pupils will see it with what was
understood as right, then one confirmation), exporting a category or an exam to GIFT and Word,
and the images those questions show."""
from __future__ import annotations

import re
import uuid
from random import Random

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, session, url_for
from flask_babel import force_locale
from flask_login import current_user, login_required

from lms.core.errors import DomainError
from lms.exams.qtypes.base import text_html
from lms.core.requests import committing
from lms.core.tenancy import ctx, role_required
from lms.core.timeutil import utcnow
from lms.core.downloads import files, send_stored
from lms.exams import bank, exporting, importing, printing, qtypes
from lms.exams.forms import ConfirmQuestionImportForm, QuestionImportForm
from lms.exams.models import QuestionCategory
from lms.exams.views import managed_category, managed_exam
from lms.extensions import db
from lms.i18n import gettext as _
from lms.i18n import ngettext

bp = Blueprint("question_import", __name__, template_folder="templates")
IMAGE_NAME = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{64}\.(png|jpg|gif|webp)$")


def _image_folder():
    return files("questions")


def _import_dir():
    return files("imports")


def _form() -> QuestionImportForm:
    form = QuestionImportForm()
    editable = [(c, a) for c, a in bank.categories_for(db.session, current_user, ctx().role, ctx().school) if a == "edit"]
    form.category_id.choices = [(c.id, f"{c.subject.name} · {bank.category_path(c)}") for c, _a in editable]
    form.fmt.choices = [(k, str(v)) for k, v in importing.FORMATS.items()]
    form.level.choices = [(k, str(v)) for k, v in qtypes.LEVELS.items()]
    if request.method == "GET" and request.args.get("category", type=int):
        form.category_id.data = request.args.get("category", type=int)
    return form


def _preview_items(plan: importing.ImportPlan) -> list[dict]:
    """What each question will look like to a pupil, with the right answer shown; a question not
    read stands in its place in the file, with its errors."""
    urls = importing.store_images(plan.images, _image_folder())
    items = []
    for q in plan.questions:
        qt = qtypes.TYPES[q.qtype]
        text = importing.with_images(q.text, urls)
        public = qt.public(q.data, qt.layout(q.data, Random(0), False))
        items.append({"q": q, "line": q.line, "html": text_html(text), "public": public, "right": qt.right(q.data),
                      "right_html": qt.right_html(q.data, public),
                      "feedback": text_html(q.general_feedback) if q.general_feedback else "",
                      "guide": text_html(q.guide) if q.guide else ""})
    items += [{"failed": True, "line": line, "label": label, "category": category,
               "html": text_html(importing.with_images(text, urls)) if text else ""}
              for line, label, category, text in plan.failed]
    return sorted(items, key=lambda it: it["line"] or 0)


def _category(category_id: int) -> QuestionCategory:
    category = db.session.get(QuestionCategory, category_id)
    if category is None or category.school_id != ctx().school.id:
        abort(404)
    return category


@bp.route("/bank/import", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def upload():
    form = _form()
    plan, items, confirm, default_e4 = None, [], None, None
    if form.validate_on_submit():
        upload_ = form.file.data
        data = upload_.read()
        try:
            plan = importing.plan_import(upload_.filename, data, form.fmt.data,
                                         keyless_as_essay=bool(form.keyless_as_essay.data))
            default_e4 = bank.to_e4(form.mark.data, "mark")
        except DomainError as exc:
            getattr(form, exc.field or "file", form.file).errors.append(str(exc.message))
        else:
            items = _preview_items(plan)   # with errors too: each shown on its question
            if plan.ok:
                token = uuid.uuid4().hex
                (_import_dir() / token).write_bytes(data)
                session["question_import"] = {"token": token, "name": upload_.filename, "fmt": plan.fmt,
                                              "school": ctx().school.id, "category": form.category_id.data,
                                              "level": form.level.data, "topic": form.topic.data or "",
                                              "mark": form.mark.data, "keyless_as_essay": bool(form.keyless_as_essay.data)}
                confirm = ConfirmQuestionImportForm(token=token)
    status = 422 if form.errors or (plan is not None and not plan.ok) else 200
    return render_template("exams/import.html", form=form, plan=plan, items=items, confirm=confirm,
                           formats=importing.FORMATS, default_e4=default_e4), status


@bp.route("/bank/import/confirm", methods=["POST"])
@login_required
@role_required("admin", "teacher")
def confirm():
    form = ConfirmQuestionImportForm()
    pending = session.get("question_import") or {}
    if not form.validate_on_submit() or pending.get("token") != form.token.data or pending.get("school") != ctx().school.id:
        flash(_("Phiên nhập đã hết hạn. Hãy tải tệp lên lại."), "warning")
        return redirect(url_for("question_import.upload"))
    path = _import_dir() / pending["token"]
    if not path.exists():
        abort(404)
    category = _category(pending["category"])
    with committing() as outcome:
        plan = importing.plan_import(pending["name"], path.read_bytes(), pending["fmt"],
                                     keyless_as_essay=bool(pending.get("keyless_as_essay")))
        result = importing.apply_import(db.session, current_user, ctx().role, ctx().school, category, plan, now=utcnow(),
                                        image_folder=_image_folder(), level=pending["level"], topic=pending["topic"],
                                        mark=pending["mark"])
    if not outcome.ok:
        return redirect(url_for("question_import.upload"))
    path.unlink(missing_ok=True)
    session.pop("question_import", None)
    flash(ngettext("Đã nhập %(n)s câu hỏi vào “%(c)s”%(extra)s.", "Đã nhập %(n)s câu hỏi vào “%(c)s”%(extra)s.", result.created, n=result.created, c=bank.category_path(category), extra=ngettext(" (tạo %(k)s danh mục con)", " (tạo %(k)s danh mục con)", result.categories, k=result.categories) if result.categories else ""), "success")
    return redirect(url_for("exams.bank_home", category=category.id))


@bp.route("/question-images/<path:name>")
@login_required
def image(name: str):
    """A picture of an imported question. Its address is its SHA-256: unguessable, given only to
    those shown the question."""
    if not IMAGE_NAME.match(name):
        abort(404)
    ext = name.rsplit(".", 1)[1]
    return send_stored(_image_folder() / name, mimetype="image/jpeg" if ext == "jpg" else f"image/{ext}",
                       download_name=name.rsplit("/", 1)[1], inline=True, cache="private, max-age=86400")


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _export(items: list[exporting.ExportItem], title: str, fmt: str):
    import io

    from lms.core.text import fold

    stem = re.sub(r"[^a-z0-9]+", "-", fold(title)).strip("-")[:60] or "cau-hoi"
    if fmt == "gift":
        data, mimetype, name = exporting.to_gift(items).encode("utf-8"), "text/plain", f"{stem}.gift.txt"
    else:
        data, mimetype, name = exporting.to_docx(items, title, _image_folder()), DOCX, f"{stem}.docx"
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)


@bp.route("/bank/categories/<int:category_id>/export.gift", defaults={"fmt": "gift"})
@bp.route("/bank/categories/<int:category_id>/export.docx", defaults={"fmt": "docx"})
@login_required
@role_required("admin", "teacher")
def export_category(category_id: int, fmt: str):
    category = managed_category(category_id)
    return _export(exporting.items_of_category(db.session, category), bank.category_path(category), fmt)


@bp.route("/exams/<int:exam_id>/export.gift", defaults={"fmt": "gift"})
@bp.route("/exams/<int:exam_id>/export.docx", defaults={"fmt": "docx"})
@login_required
@role_required("admin", "teacher")
def export_exam(exam_id: int, fmt: str):
    exam = managed_exam(exam_id)
    with committing() as outcome:   # a blueprint the bank cannot fill is refused with its message
        items = exporting.items_of_exam(db.session, exam)
        outcome.discard()            # exporting writes nothing
    if outcome.error is not None:
        return redirect(url_for("exams.exam_home", exam_id=exam_id))
    return _export(items, exam.title, fmt)


@bp.route("/exams/<int:exam_id>/print", methods=["GET", "POST"])
@login_required
@role_required("admin", "teacher")
def print_versions(exam_id: int):
    """Printed versions: make them (again), sit them online, download the PDF."""
    from lms.core.forms import Form

    exam = managed_exam(exam_id)
    form = Form()
    count, first = request.form.get("count", "4").strip(), request.form.get("first_code", "101").strip()
    errors: dict[str, str] = {}    # a refusal shown under the field it is about
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        errors = {p.field: str(p.message) for p in reversed(printing.code_problems(count, first))}
        if not errors:
            with committing(flash_error=False) as outcome:
                made = printing.make_papers(db.session, current_user, ctx().role, exam, int(count), int(first))
            if outcome.ok:
                flash(ngettext("Đã tạo %(n)s mã đề: %(a)s–%(b)s.", "Đã tạo %(n)s mã đề: %(a)s–%(b)s.", len(made), n=len(made), a=made[0].code, b=made[-1].code), "success")
                return redirect(url_for("question_import.print_versions", exam_id=exam.id))
            if outcome.error.field in ("count", "first_code"):
                errors[outcome.error.field] = str(outcome.error.message)
            else:
                flash(str(outcome.error.message), "danger")
        status = 422
    elif request.method == "POST":
        status = 400
    papers = printing.papers_of(db.session, exam)
    return render_template("exams/print.html", exam=exam, form=form, count=count, first=first, papers=papers,
                           max_versions=printing.MAX_VERSIONS, errors=errors, languages=printing.PAPER_LANGUAGES), status


@bp.route("/exams/<int:exam_id>/print/online", methods=["POST"])
@login_required
@role_required("admin", "teacher")
def print_online(exam_id: int):
    from lms.core.forms import Form

    exam = managed_exam(exam_id)
    if not Form().validate_on_submit():
        abort(400)
    with committing() as outcome:
        printing.set_online(db.session, current_user, ctx().role, exam, request.form.get("on") == "1")
    if outcome.ok:
        flash(_("Học sinh làm trực tuyến sẽ nhận lần lượt các mã đề đã in.") if exam.use_papers
              else _("Mỗi lượt làm trực tuyến rút một đề riêng."), "success")
    return redirect(url_for("question_import.print_versions", exam_id=exam.id))


@bp.route("/exams/<int:exam_id>/print/language", methods=["POST"])
@login_required
@role_required("admin", "teacher")
def print_language(exam_id: int):
    from lms.core.forms import Form

    exam = managed_exam(exam_id)
    if not Form().validate_on_submit():
        abort(400)
    with committing() as outcome:
        printing.set_paper_language(db.session, current_user, ctx().role, exam, request.form.get("paper_language", ""))
    if outcome.ok:
        flash(_("Đề in bằng %(l)s.", l=printing.PAPER_LANGUAGES[exam.paper_language]), "success")
    return redirect(url_for("question_import.print_versions", exam_id=exam.id))


@bp.route("/exams/<int:exam_id>/print.pdf")
@login_required
@role_required("admin", "teacher")
def print_pdf(exam_id: int):
    import io

    exam = managed_exam(exam_id)
    papers = printing.papers_of(db.session, exam)
    code = request.args.get("code")
    if not papers:
        flash(_("Chưa có mã đề nào: tạo các mã đề trước rồi tải PDF."), "warning")
        return redirect(url_for("question_import.print_versions", exam_id=exam.id))
    if code:  # one version's booklet alone
        made = ", ".join(p.code for p in papers)
        papers = [p for p in papers if p.code == code]
        if not papers:
            flash(_("Không có mã đề %(c)s. Các mã đề đã tạo: %(l)s.", c=code[:8], l=made), "warning")
            return redirect(url_for("question_import.print_versions", exam_id=exam.id))
    # A paper for pupils is in the exam's language, whatever the interface of the teacher who prints it.
    with force_locale(exam.paper_language or "vi"):
        data = printing.booklet_pdf(ctx().school, exam, printing.printed(exam, papers, _image_folder()),
                                    render_template)
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=f"de-in-{exam.id}-ma-{papers[0].code}-{papers[-1].code}.pdf")
