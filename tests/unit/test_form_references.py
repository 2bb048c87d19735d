"""A field's aria-describedby names only ids its page has: every field of every form of the app,
rendered by the layout's macro as shown and as refused (a message on every field), and a field given
its own id (two forms on one page sharing a field name). The refused fee type's code pointed at
`code-hint`, which the macro had replaced by the message; the invoice page had two `amount`s."""
from __future__ import annotations

import pytest
from flask import render_template_string
from wtforms import BooleanField, RadioField, SelectField, StringField

from lms import create_app
from lms.config import TestConfig
from lms.core.forms import Form
from tests.markup import broken_references
from tests.unit.test_number_fields import _form_classes

EVERY_FIELD = """{% from 'bootstrap5/form.html' import render_field %}
{% for field in form %}{{ render_field(field, form_type=layout) }}{% endfor %}"""


@pytest.fixture(scope="module")
def app():
    return create_app(type("C", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://", "WTF_CSRF_ENABLED": False}))


def _refuse(form) -> None:
    for field in form:
        if isinstance(field, SelectField | RadioField) and field.choices is None:
            field.choices = [("a", "A")]
        field.errors = ["Sai."]


def test_every_field_of_every_form_names_only_ids_on_its_page_shown_and_refused(app):
    broken, rendered = [], 0
    with app.test_request_context():
        for form_class in _form_classes():
            try:
                form = form_class(meta={"csrf": False})
            except TypeError:
                continue  # a form built with arguments of its view: its page is in the demo crawl
            for refused in (False, True):
                if refused:
                    _refuse(form)
                for field in form:
                    if isinstance(field, SelectField | RadioField) and field.choices is None:
                        field.choices = [("a", "A")]
                html = render_template_string(EVERY_FIELD, form=form, layout="basic")
                rendered += 1
                broken += [f"{form_class.__module__}.{form_class.__name__} {'refused' if refused else 'shown'}: "
                           f"{problem}" for problem in broken_references(html)]
    assert rendered > 50
    assert not broken, "\n".join(broken)


class Sample(Form):
    code = StringField("Mã", description="Ví dụ BANTRU.")
    agree = BooleanField("Đồng ý", description="Có thể đổi sau.")
    kind = RadioField("Loại", choices=[("a", "A"), ("b", "B")], description="Chọn một.")


@pytest.mark.parametrize("layout", ["basic", "horizontal", "inline"])
def test_a_refused_field_keeps_its_hint_beside_its_message_and_an_id_given_carries_both(app, layout):
    template = """{% from 'bootstrap5/form.html' import render_field %}
    {{ render_field(first.code, form_type=layout) }}{{ render_field(second.code, id='second-code', form_type=layout) }}
    {{ render_field(first.agree, form_type=layout) }}{{ render_field(first.kind, form_type=layout) }}"""
    with app.test_request_context():
        first, second = Sample(meta={"csrf": False}), Sample(meta={"csrf": False})
        for form in (first, second):
            _refuse(form)
        html = render_template_string(template, first=first, second=second, layout=layout)
    assert not broken_references(html)
    assert html.count("Ví dụ BANTRU.") == 2 and html.count("Sai.") >= 4
    assert 'id="second-code" ' in html or 'id="second-code"' in html
    assert 'aria-describedby="second-code-error second-code-hint"' in html
