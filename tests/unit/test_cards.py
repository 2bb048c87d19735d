"""The one card-number detector (lms.core.cards): found however it is written, masked in what a
bank sends us, refused in what a person types — and a bank account number that merely passes
Luhn inside a longer memo is not taken for a card."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.core.cards import find_card_numbers, has_card_number, luhn_ok, mask_card_numbers, refuse_card_numbers
from lms.core.errors import ValidationError

NBSP, NNBSP, THIN = "\u00a0", "\u202f", "\u2009"


@pytest.mark.parametrize("text", [
    "4111 1111 1111 1111", "4111-1111-1111-1111", "thẻ 5555555555554444 của mẹ", "4111.1111.1111.1111",
    f"4111{NBSP}1111{NBSP}1111{NBSP}1111", f"4111{NNBSP}1111{THIN}1111 1111", "4111 – 1111 – 1111 – 1111",
    "４１１１ １１１１ １１１１ １１１１",            # full-width digits
    "3782 822463 10005",                           # Amex 4-6-5
    "9704 0000 0000 0018",                         # NAPAS
    "05.09.2026 4111 1111 1111 1111",              # a date written just before it
    "0912345678 4111111111111111",                 # a phone number just before it
])
def test_a_card_number_is_found_whatever_the_separators(text):
    assert has_card_number(text)
    masked, n = mask_card_numbers(text)
    assert n == 1 and not has_card_number(masked) and "*" in masked


@pytest.mark.parametrize("text", [
    "4111 1111 1111 1112",                     # fails Luhn
    "RRN 123456789012", "0912000001", "", None,
    "0912 345 678 0987 654 321",               # two phone numbers in groups of three
    "1.500.000 đ", "05/09/2026 08:15", "HP0003000125X",
    # Bank account numbers a person or a bank writes, Luhn-valid or not, are no scheme's numbers:
    "0071000123456",                           # Vietcombank, 13 digits, passes Luhn (the issue's own)
    "STK 0071 0001 23456 Vietcombank", "19036789012344", "31410000123456", "6700201012345", "0801234567890",
    "4222222222222",                           # a retired 13-digit Visa test number: none in circulation
])
def test_other_numbers_are_not_cards(text):
    assert not has_card_number(text)


def test_masking_keeps_the_first_six_and_the_last_four_and_the_separators():
    assert mask_card_numbers("the 4111 1111 1111 1111 nhe") == ("the 4111 11** **** 1111 nhe", 1)
    assert mask_card_numbers("CT tu 0071000123456 HP0003000125X") == ("CT tu 0071000123456 HP0003000125X", 0)


def test_refusal_names_the_field():
    refuse_card_numbers(note="Nộp học phí tháng 9", reason=None)
    with pytest.raises(ValidationError) as caught:
        refuse_card_numbers(note="ok", reason="số thẻ 4111.1111.1111.1111")
    assert caught.value.field == "reason"


SCHEME_PREFIXES = [("4", 16), ("4", 19), ("51", 16), ("55", 16), ("2221", 16), ("2720", 16), ("34", 15), ("37", 15),
                   ("36", 14), ("3528", 16), ("6011", 19), ("62", 17), ("9704", 16), ("9704", 19), ("1", 15)]


@given(st.sampled_from(SCHEME_PREFIXES), st.lists(st.integers(0, 9), min_size=18, max_size=18),
       st.sampled_from([" ", "-", ".", NBSP, ""]), st.text(alphabet="abc ", max_size=5))
def test_every_luhn_valid_number_of_a_card_scheme_is_found(scheme, body, sep, around):
    prefix, length = scheme
    digits = (prefix + "".join(map(str, body)))[:length - 1]
    check = next(str(c) for c in range(10) if luhn_ok(digits + str(c)))
    number = digits + check
    written = sep.join(number[i:i + 4] for i in range(0, len(number), 4))
    found = find_card_numbers(f"{around}{written}{around}")
    assert [f.digits for f in found] == [number]


@given(st.lists(st.integers(0, 9), min_size=8, max_size=18))
def test_no_number_starting_with_0_is_a_card(body):
    """No scheme issues numbers starting with 0: account numbers that do (Vietcombank's) are data."""
    digits = "0" + "".join(map(str, body))
    check = next(str(c) for c in range(10) if luhn_ok(digits + str(c)))
    assert not has_card_number(digits + check)


@pytest.mark.parametrize("text", [
    "CK tu TK 9704 0000 0000 0018 hoc phi",        # a NAPAS-shaped 16 digits named as an account
    "STK 9704000000000018", "Số TK: 9704-0000-0000-0018", "số tài khoản 9704000000000018",
    "chuyen tu tai khoan 9704.0000.0000.0018", "Tài khoản số 9704000000000018", "Account No. 9704000000000018",
])
def test_a_number_introduced_as_an_account_is_not_a_card(text):
    """A 16-digit account number beginning 9704 after "TK" was masked and flagged as a card."""
    assert not has_card_number(text)
    assert mask_card_numbers(text) == (text, 0)


@pytest.mark.parametrize("text", [
    "the 9704 0000 0000 0018", "so the 9704000000000018", "TK 0071000123456 the 4111 1111 1111 1111",
    "KTK 9704000000000018", "TKTHE 9704000000000018",
])
def test_a_card_number_is_still_a_card_beside_an_account(text):
    assert has_card_number(text)
