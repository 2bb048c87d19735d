"""An optional date or time left empty is no mistake, in every form, also when another field of
the same answer is refused: the leave form's "Đến hết ngày", a day off's, homework's "Hạn chót
nhận bài muộn" were reported "Ngày không hợp lệ" / "Thời điểm không hợp lệ" beside the real
mistake. The cause was shared (the base form repeated WTForms' reading error after `Optional` had
cleared it), so the fix is in `lms.core.forms.Form` and this test walks every optional date field."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import DateField, DateTimeField, TimeField
from wtforms.validators import Optional

from lms import create_app
from lms.config import TestConfig
from tests.unit.test_number_fields import _fields, _form_classes


@pytest.fixture(scope="module")
def app():
    return create_app(type("C", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://", "WTF_CSRF_ENABLED": False}))


def _optional(form_class, name) -> bool:
    unbound = getattr(form_class, name)
    return any(isinstance(v, Optional) for v in unbound.kwargs.get("validators") or [])


def test_every_optional_date_left_empty_is_no_mistake_beside_another_fields(app):
    wrong, seen = [], set()
    with app.test_request_context():
        for form_class in _form_classes():
            for name, field_class, label in _fields(form_class):
                if not issubclass(field_class, (DateField, DateTimeField, TimeField)) or not _optional(form_class, name):
                    continue
                # Every field empty (so a required one is refused), this one posted blank.
                form = form_class(MultiDict({name: ""}))
                form.validate()
                seen.add(f"{form_class.__name__}.{name}")
                if form[name].errors:
                    wrong.append(f"{form_class.__module__}.{form_class.__name__}.{name} “{label}”: {form[name].errors}")
    assert {"LeaveForm.last_day", "DayOffForm.last_day", "AssignmentForm.cutoff_at"} <= seen
    assert not wrong, "\n".join(wrong)
