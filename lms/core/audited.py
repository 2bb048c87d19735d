"""Every read of a child's record by staff leaves one audit row: who, when (UTC), what (the kind
of record and its id), the route and the address — never the data itself (domain/security.md §49).

The pages that show a pupil's profile, marks, exam results, homework, attendance, invoices or
payments are listed here once, by endpoint, with the URL parameter that names what was read; one
`after_request` hook writes the row when such a page is answered 200 to someone acting as staff
(admin, teacher, accountant, or a department official). A test walks the URL map so that a new
page of this kind cannot be added without deciding here whether it is a read of a record.
"""
from __future__ import annotations

from flask import Flask, g, request

# endpoint -> (what is read, the URL parameter naming it, or None for a list)
STAFF_READS: dict[str, tuple[str, str | None]] = {
    "people.student_detail": ("student", "student_id"),
    "people.student_profile": ("student", "student_id"),
    "gradebook.card_preview": ("student", "student_id"),
    "gradebook.card_pdf": ("report_card", "card_id"),
    "gradebook.class_cards": ("class_records", "class_id"),
    "gradebook.class_cards_zip": ("class_records", "class_id"),
    "gradebook.course_grades": ("course_grades", "course_id"),
    "gradebook.course_grades_xlsx": ("course_grades", "course_id"),
    "gradebook.course_history": ("course_grades", "course_id"),
    "gradebook.primary_grades": ("course_grades", "course_id"),
    "gradebook.class_conduct": ("class_records", "class_id"),
    "gradebook.class_qualities": ("class_records", "class_id"),
    "gradebook.class_year_records": ("class_records", "class_id"),
    "gradebook.class_summary": ("class_records", "class_id"),
    "gradebook.class_summary_pdf": ("class_records", "class_id"),
    "gradebook.class_summary_xlsx": ("class_records", "class_id"),
    "exams.exam_results": ("exam_results", "exam_id"),
    "exams.exam_grading": ("exam_results", "exam_id"),
    "exams.exam_monitor": ("exam_results", "exam_id"),
    "exams.attempt_events": ("attempt", "attempt_id"),
    "exams.attempt_paper": ("attempt", "attempt_id"),
    "homework.submissions": ("homework", "assignment_id"),
    "homework.files_zip": ("homework", "assignment_id"),
    "homework.grade": ("submission", "submission_id"),
    "homework.submission_file": ("submission_file", "file_id"),
    "courses.progress": ("course_progress", "course_id"),
    "attendance.take": ("attendance", "class_id"),
    "attendance.month": ("attendance", "class_id"),
    "billing.invoice": ("invoice", "invoice_id"),
    "billing.invoices": ("invoices", None),
    "billing.invoices_xlsx": ("invoices", None),
    "billing.debts": ("invoices", None),
    "billing.payment": ("payment", "payment_id"),
    "billing.payment_list": ("payments", None),
    "billing.payment_receipt": ("payment", "payment_id"),
    "billing.exemption_evidence": ("exemption", "exemption_id"),
}
# Pages that take a pupil-related id but are not a read of a child's record by staff (the pupil's
# or parent's own pages, or pages of teaching material and aggregates).
NOT_RECORDS = {
    "family.child", "attendance.child", "gradebook.child_grades", "homework.child_homework", "billing.family_invoice",
    "billing.family_receipt", "attempts.attempt_page", "attempts.result", "comms.new_thread", "comms.thread",
    "exams.statistics_page", "exams.statistics_xlsx", "homework.assignment_page", "people.class_detail",
    "comms.class_calendar", "exams.exam_home", "homework.edit", "attempts.clock", "attempts.answers", "homework.child_load",
    "family.child_data", "billing.report_paid",
    # the audit trail of who read the pupil's data, and the erasure form (name and code only)
    "people.student_access", "people.student_access_xlsx", "people.student_erase",
}
STAFF_ROLES = {"admin", "teacher", "accountant", "department"}


def install_read_audit(app: Flask) -> None:
    @app.after_request
    def _audit_read(response):
        read = STAFF_READS.get(request.endpoint or "")
        context = getattr(g, "ctx", None)
        if read is None or request.method != "GET" or response.status_code != 200 or context is None \
                or context.role not in STAFF_ROLES:
            return response
        from lms.core import audit
        from lms.core.security import client_ip
        from lms.extensions import db

        kind, param = read
        subject_id = (request.view_args or {}).get(param) if param else None
        try:
            audit.record(db.session, f"view_{kind}", actor_id=context.user.id,
                         school_id=context.school.id if context.school is not None else None, subject_type=kind,
                         subject_id=subject_id, route=request.path[:200], ip=client_ip())
            db.session.commit()
        except Exception:  # the page was read; an audit failure must be seen, and the read refused
            db.session.rollback()
            app.logger.exception("audit of a staff read failed on %s", request.path)
            from lms.core.errors_views import render_error

            return app.make_response(render_error(500))
        return response
