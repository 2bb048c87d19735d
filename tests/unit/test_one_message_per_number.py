"""A number typed wrong gets one message on its field, in every form: "abc" is not a number (and
is not also "out of range"), 99999999999 is out of the field's range (and not also "too large").
The cause was shared — WTForms runs a field's validators on the value it could not read, and our
base form added its own "too large" beside a range's message — so the fix is in `lms.core.forms.Form`
and this test walks every number field of every form."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import IntegerField

from lms import create_app
from lms.config import TestConfig
from lms.core.forms import MarkField, MoneyField
from tests.unit.test_number_fields import _fields, _form_classes


@pytest.fixture(scope="module")
def app():
    return create_app(type("C", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://", "WTF_CSRF_ENABLED": False}))


def test_every_number_field_says_one_thing_about_a_bad_number(app):
    doubled, seen = [], 0
    with app.test_request_context():
        for form_class in _form_classes():
            for name, field_class, label in _fields(form_class):
                if not issubclass(field_class, (IntegerField, MoneyField, MarkField)):
                    continue
                for typed in ("abc", "6,,5", "99999999999"):
                    form = form_class(MultiDict({name: typed}))
                    form.validate()
                    seen += 1
                    if len(form[name].errors) > 1:
                        doubled.append(f"{form_class.__module__}.{form_class.__name__}.{name} “{label}” "
                                       f"← {typed}: {form[name].errors}")
                    if typed == "abc":
                        assert form[name].errors, f"{form_class.__name__}.{name} took “abc”"
    assert seen > 60
    assert not doubled, "\n".join(doubled)
