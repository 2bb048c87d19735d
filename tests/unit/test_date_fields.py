"""Every date field of every form reads a date as people type it and refuses one that does not
exist in words naming the field and the reason ("Ngày sinh 31/02/2012 không có: tháng 2 năm 2012
có 29 ngày.") — one field, `lms.core.forms.DayField`; WTForms' own said "Ngày không hợp lệ."."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import DateField

from lms import create_app
from lms.config import TestConfig
from tests.unit.test_number_fields import _fields, _form_classes


@pytest.fixture(scope="module")
def app():
    return create_app(type("C", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://", "WTF_CSRF_ENABLED": False}))


def test_every_date_field_names_itself_and_why_a_day_does_not_exist(app):
    wrong, seen = [], 0
    with app.test_request_context():
        for form_class in _form_classes():
            for name, field_class, label in _fields(form_class):
                if not issubclass(field_class, DateField):
                    continue
                seen += 1
                form = form_class(MultiDict({name: "31/02/2012"}))
                form.validate()
                said = f"{label} 31/02/2012 không có: tháng 2 năm 2012 có 29 ngày."
                if form[name].errors != [said]:
                    wrong.append(f"{form_class.__name__}.{name}: {form[name].errors}")
                form = form_class(MultiDict({name: "2012-02-29"}))
                form.validate()
                if form[name].errors or str(form[name].data) != "2012-02-29":
                    wrong.append(f"{form_class.__name__}.{name} 2012-02-29: {form[name].errors}")
    assert seen >= 10 and not wrong, wrong
