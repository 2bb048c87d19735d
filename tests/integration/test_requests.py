"""The one way a view ends a request: commit once, or roll back and show the refusal."""
from flask import get_flashed_messages
from sqlalchemy import func, select
from wtforms import StringField

from lms.core.errors import Conflict, ValidationError
from lms.core.forms import Form
from lms.core.models import AuditLog
from lms.core.requests import committing, status_of
from lms.extensions import db


class _Form(Form):
    class Meta:
        csrf = False

    title = StringField()


def _row(action: str) -> AuditLog:
    return AuditLog(action=action, detail="")


def _count(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == action))


def test_success_commits_once_and_a_refusal_keeps_nothing(app):
    with app.test_request_context("/", method="POST"):
        with committing() as outcome:
            db.session.add(_row("kept"))
        assert outcome.ok and outcome.status == 200
        db.session.rollback()  # nothing left to lose: it was committed
        assert _count("kept") == 1

        form = _Form()
        with committing(form) as refused:
            db.session.add(_row("lost"))
            db.session.flush()
            raise ValidationError("Tiêu đề trùng.", field="title")
        assert not refused.ok and refused.status == 422 and status_of(form) == 422
        assert form.title.errors == ["Tiêu đề trùng."] and _count("lost") == 0

        with committing() as conflict:
            raise Conflict("Đã thay đổi ở nơi khác.")
        assert conflict.status == 409 and get_flashed_messages() == ["Đã thay đổi ở nơi khác."]


def test_service_field_names_map_to_the_form_and_unknown_errors_propagate(app):
    import pytest

    with app.test_request_context("/", method="POST"):
        form = _Form()
        with committing(form, fields={"name": "title"}):
            raise ValidationError("Cần tiêu đề.", field="name")
        assert form.title.errors == ["Cần tiêu đề."]
        with pytest.raises(RuntimeError), committing():
            db.session.add(_row("boom"))
            raise RuntimeError("boom")
        assert _count("boom") == 0


def test_a_discarded_block_keeps_nothing_and_is_not_ok(app):
    """A service that answers refused lines instead of raising (the teaching plan's table)."""
    with app.test_request_context("/", method="POST"):
        with committing() as outcome:
            db.session.add(_row("discarded"))
            db.session.flush()
            outcome.discard()
        assert not outcome.ok and outcome.error is None and _count("discarded") == 0


def test_a_reading_block_keeps_nothing_and_lets_errors_through(app):
    """A display-only page or the payment sandbox: whatever the block wrote is rolled back, its
    transaction ended before the view goes on, and an error is not swallowed."""
    import pytest

    from lms.core.requests import reading

    with app.test_request_context("/", method="GET"):
        with reading():
            db.session.add(_row("read"))
            db.session.flush()
        assert not db.session().in_transaction()
        assert _count("read") == 0
        with pytest.raises(ValidationError), reading():
            db.session.add(_row("read-refused"))
            raise ValidationError("Không hợp lệ.")
        assert _count("read-refused") == 0
