"""Codes as banks and payers write them (issue #27, finding 7): `read_references` confirms by the
check character, `near_references` only suggests; `extract_references` keeps its fixed vectors."""
from lms.billing.reference import (extract_references, invoice_reference, is_valid_reference, near_references,
                                   read_references)

CODE_I = invoice_reference("HP", 1, 419)       # its check character is the letter I
CODE_O = invoice_reference("HP", 1, 119)


def test_the_check_letters_of_the_cases_below():
    assert CODE_I == "HP0001000419I" and CODE_O.endswith("O")


def test_a_digit_written_for_the_check_letter_is_suggested_never_read():
    for code, digit in ((CODE_I, "1"), (CODE_O, "0")):
        memo = f"CT DEN:0123 {code[:-1]}{digit} HOC PHI"
        assert read_references(memo) == [] and extract_references(memo) == []
        assert near_references(memo) == [code]


def test_letters_for_digits_in_the_number_are_read_when_the_check_agrees():
    assert read_references("hp000l000419I") == [CODE_I]
    assert read_references("HPOOO1000119O") == [CODE_O]
    assert extract_references("HPOOO1000119O") == []          # the contract's strict reading is unchanged
    # More look-alikes than digits is a word, not a number.
    assert read_references("HPOOOIOOOIIIX") == []


def test_a_glued_code_is_read_and_a_missing_check_is_suggested():
    assert read_references(f"NGUYENVANQ{CODE_I}THUTIEN") == [CODE_I]
    assert read_references(f"MBVCB.123.{CODE_O}.NGUYEN VAN A chuyen tien") == [CODE_O]
    assert near_references(f"MBVCB.123.{CODE_I[:-1]}.NGUYEN VAN A") == [CODE_I]
    assert near_references(f"{CODE_I[:-1]}") == [CODE_I]
    # A memo naming the code validly gets no suggestion for it.
    assert CODE_I not in near_references(f"{CODE_I} hoc phi")
    assert all(is_valid_reference(c) for c in near_references("HP0001000426 THU TIEN HP0001000427"))
