"""Numbers as Vietnamese people write them: one parser and one formatter for every field."""
from decimal import Decimal

import pytest

from lms.core.errors import ValidationError
from lms.core.numbers import (decimal_text, money, money_vnd, parse_amount, parse_decimal, parse_number, percent,
                              percent_text)


@pytest.mark.parametrize("text, expected", [
    ("1.250.000", 1_250_000), ("1250000", 1_250_000), ("1 250 000", 1_250_000), ("1\u00a0250\u00a0000 đ", 1_250_000),
    ("1.250.000đ", 1_250_000), ("1,250,000", 1_250_000), ("1,250,000.00", 1_250_000), ("1.250.000,00", 1_250_000),
    ("700000 VND", 700_000), ("700.000 ₫", 700_000), ("1.250", 1_250), ("0", 0), (" 45.000 ", 45_000),
    (1250000, 1_250_000),
])
def test_amounts_as_accountants_and_bank_portals_write_them(text, expected):
    assert parse_amount(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "1.25.000", "1.250.000,50", "-5.000", "12,5", "1..250", "1,250.000,00",
                                  "=1+1", "1e6"])
def test_what_is_not_an_amount_is_refused_with_the_field_named(text):
    with pytest.raises(ValidationError) as err:
        parse_amount(text, field="amount")
    assert err.value.field == "amount"


def test_numbers_of_unknown_style_from_spreadsheets():
    assert parse_number("1.250.000,50") == Decimal("1250000.50")
    assert parse_number("1,250,000.50") == Decimal("1250000.50")
    assert parse_number("6,5") == Decimal("6.5") and parse_number("6.5") == Decimal("6.5")
    assert parse_number("0,125") == Decimal("0.125") and parse_number("-1.000") == Decimal("-1000")


@pytest.mark.parametrize("text, expected", [("6,5", "6.5"), ("6.5", "6.5"), ("10", "10"), (" 7,25 ", "7.25"),
                                            (",5", "0.5")])
def test_marks_take_a_comma_or_a_point(text, expected):
    assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "6,5,0", "1.250.000", "sáu", "6 ,5x"])
def test_marks_that_are_not_numbers_are_refused(text):
    with pytest.raises(ValidationError):
        parse_decimal(text)


def test_formats():
    assert money(1_250_000) == "1.250.000" and money(0) == "0" and money(-5000) == "-5.000"
    assert money_vnd(45_000) == "45.000 ₫" and money_vnd(0) == "0 ₫"   # the one format of the vnd filter
    assert decimal_text(Decimal("6.5")) == "6,5" and decimal_text(Decimal("9.0"), 1) == "9,0"
    assert decimal_text(Decimal("6.10")) == "6,10" and decimal_text(Decimal("8")) == "8"
    assert decimal_text(Decimal("6.25"), 1) == "6,3" and decimal_text(None) == ""
    assert percent(12, 105) == Decimal("11.4") and percent(1, 16) == Decimal("6.3") and percent(3, 0) is None
    assert percent_text(Decimal("12.5")) == "12,5 %" and percent_text(None) == "—" and percent_text(100) == "100,0 %"


def test_every_writer_follows_the_readers_language():
    """One formatter per kind of figure, in the reader's language: a page in English wrote money
    and file sizes the Vietnamese way ("1.250.000 ₫", "2,4 MB")."""
    from flask import Flask
    from flask_babel import Babel, force_locale

    from lms.core.numbers import local_decimal, size_text, whole_number
    from lms.exams.qtypes.base import pct, shown

    assert money(1_250_000, "en") == "1,250,000" and money_vnd(1_250_000, "en") == "1,250,000 ₫"
    assert money_vnd(1_250_000, "vi") == "1.250.000 ₫" and whole_number(12_345, "en") == "12,345"
    assert size_text(2_516_582, "vi") == "2,4 MB" and size_text(2_516_582, "en") == "2.4 MB"
    assert size_text(870_400, "en") == "850 KB" and size_text(10, "vi") == "1 KB"
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context(), force_locale("en"):
        assert (money(1_250_000), money_vnd(0), size_text(2_516_582)) == ("1,250,000", "0 ₫", "2.4 MB")
        assert (local_decimal(Decimal("6.5")), percent_text(Decimal("12.5"))) == ("6.5", "12.5 %")
        assert money(1_250_000, "vi") == "1.250.000"      # text stored in Vietnamese says so
        assert (pct("0.125"), shown("3.14"), shown("*")) == ("12.5", "3.14", "*")   # an exam's editor and key
    with app.test_request_context(), force_locale("vi"):
        assert (money(1_250_000), size_text(2_516_582), local_decimal(Decimal("6.5"))) == ("1.250.000", "2,4 MB", "6,5")
        assert (pct("0.125"), shown("3.14")) == ("12,5", "3,14")


def test_a_notice_writes_its_amount_when_it_is_read_in_the_readers_language():
    """A notice keeps the amount as a number and writes it in its reader's language; one stored
    as Vietnamese text by an earlier release is read back ("1.250.000") and written the same way."""
    from flask import Flask
    from flask_babel import Babel, force_locale

    from lms.core.notify import message_text
    from lms.messaging.texts import render

    app = Flask(__name__)
    Babel(app)
    params = {"student": "An", "code": "HD1", "due": "05/09/2026"}
    with app.test_request_context(), force_locale("en"):
        assert "1,250,000" in message_text("invoice_issued", {**params, "amount": 1_250_000})
        assert "1,250,000" in message_text("invoice_issued", {**params, "amount": "1.250.000"})
        mark = {"subject": "Toán", "student": "An", "column": "TX1"}
        assert ": 6.5 (TX1)" in render("digest_mark", {**mark, "mark": "6,5"})      # a mark as written then
        assert ": Đ (TX1)" in render("digest_mark", {**mark, "mark": "Đ"})
    with app.test_request_context(), force_locale("vi"):
        assert "1.250.000 đ" in message_text("invoice_issued", {**params, "amount": 1_250_000})
