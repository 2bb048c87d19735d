"""Money and marks are typed the Vietnamese way in every form: 1.250.000 (or 1250000, or
"1 250 000 đ") for money, 6,5 (or 6.5) for a mark, read by lms.core.numbers through the two field
classes of lms.core.forms; no form asks for "no dots" nor refuses a decimal comma."""
from __future__ import annotations

import importlib
import pkgutil
import re
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import DecimalField, FloatField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired

import lms
from lms import create_app
from lms.config import TestConfig
from lms.core.forms import Form, MarkField, MoneyField

MONEY_LABEL = re.compile(r"đồng|số tiền|đơn giá|học phí", re.I)


def _form_classes():
    for module in pkgutil.walk_packages(lms.__path__, "lms."):
        if module.name.endswith("forms"):
            loaded = importlib.import_module(module.name)
            for value in vars(loaded).values():
                if isinstance(value, type) and issubclass(value, Form) and value.__module__ == loaded.__name__:
                    yield value


def _fields(form_class):
    for name in dir(form_class):
        unbound = getattr(form_class, name)
        if hasattr(unbound, "field_class") and hasattr(unbound, "args"):
            label = unbound.args[0] if unbound.args else unbound.kwargs.get("label", "")
            yield name, unbound.field_class, str(label)


@pytest.fixture(scope="module")
def app():
    return create_app(type("C", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://", "WTF_CSRF_ENABLED": False}))


def test_every_money_field_reads_amounts_as_people_type_them_and_no_field_refuses_a_decimal_comma(app):
    wrong = []
    with app.test_request_context():
        classes = list(_form_classes())
        for form_class in classes:
            for name, field_class, label in _fields(form_class):
                where = f"{form_class.__module__}.{form_class.__name__}.{name} “{label}”"
                typed = issubclass(field_class, (StringField, IntegerField)) and not issubclass(field_class, TextAreaField)
                if typed and MONEY_LABEL.search(label) and not issubclass(field_class, MoneyField):
                    wrong.append(f"{where}: money in a {field_class.__name__}, not a MoneyField")
                if issubclass(field_class, (DecimalField, FloatField)):
                    wrong.append(f"{where}: {field_class.__name__} refuses “6,5”; use MarkField")
    assert len(classes) > 20
    assert not wrong, "\n".join(wrong)


class _Fee(Form):
    amount = MoneyField("Số tiền (đồng)", validators=[InputRequired()])
    mark = MarkField("Điểm")


@pytest.mark.parametrize("typed, amount", [("1.250.000", 1250000), ("1250000", 1250000), ("1 250 000 đ", 1250000),
                                           ("700.000₫", 700000), ("1,250,000", 1250000)])
def test_money_typed_with_dots_spaces_or_the_dong_sign_is_understood(app, typed, amount):
    with app.test_request_context():
        form = _Fee(MultiDict({"amount": typed, "mark": "6,5"}))
        assert form.validate(), form.errors
        assert form.amount.data == amount and form.mark.data == Decimal("6.5")
        assert 'value="' + typed.replace("₫", "&#8363;") in form.amount() or typed in form.amount()


@pytest.mark.parametrize("typed", ["1.250.000,5", "một triệu", "-5.000", "12.34.5",
                                   "99.999.999.999.999.999.999"])  # beyond what a money column holds
def test_a_wrong_amount_is_refused_with_a_message_naming_it(app, typed):
    with app.test_request_context():
        form = _Fee(MultiDict({"amount": typed}))
        assert not form.validate()
        assert form.amount.errors and form.amount.errors[0]
        assert form.amount() and 'aria-invalid="true"' in form.amount()


def test_a_stored_amount_and_mark_are_shown_back_the_vietnamese_way(app):
    with app.test_request_context():
        form = _Fee(data={"amount": 1250000, "mark": Decimal("8.5")})
        assert 'value="1.250.000"' in form.amount() and 'value="8,5"' in form.mark()
        assert 'inputmode="numeric"' in form.amount() and 'inputmode="decimal"' in form.mark()
        assert "không dấu chấm" not in str(form.amount.description)


@pytest.mark.parametrize("parse", ["gradebook", "homework", "exam"])
def test_every_mark_parser_takes_a_decimal_comma(parse):
    if parse == "gradebook":
        from lms.gradebook.book import parse_score

        assert parse_score("8,5") == parse_score("8.5") == 85
    if parse == "homework":
        from lms.courses.homework_rules import parse_tenths

        assert parse_tenths("8,5") == parse_tenths("8.5") == 85
    if parse == "exam":
        from lms.exams.bank import to_e4

        assert to_e4("0,25") == to_e4("0.25") == 2500
