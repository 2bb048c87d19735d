"""VietQR, amounts in words and payment references: the public vectors, then our own cases."""
import itertools
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.billing import reference, words
from lms.billing.reference import extract_references, is_valid_reference, make_reference
from lms.billing.vietqr import InvalidPayload, build_payload, crc16, parse_payload
from tests.unit.vectors import by_category

vectors = by_category("payments_public.json")


@vectors("vietqr.crc16")
def test_crc16_vectors(vector):
    assert crc16(vector["input"]["data"]) == vector["expected"]


@vectors("vietqr.build_payload")
def test_build_vectors(vector):
    assert build_payload(**vector["input"]) == vector["expected"]


@vectors("vietqr.build_payload.errors")
def test_build_error_vectors(vector):
    with pytest.raises(ValueError):
        build_payload(**vector["input"])


@vectors("vietqr.parse_payload")
def test_parse_vectors(vector):
    parsed = parse_payload(vector["input"]["payload"])
    for key, value in vector["expected"].items():
        got = parsed[key]
        if isinstance(value, str):
            got, value = unicodedata.normalize("NFC", got), unicodedata.normalize("NFC", value)
        assert got == value, key


@vectors("vietqr.parse_payload.invalid")
def test_parse_invalid_vectors(vector):
    with pytest.raises(InvalidPayload):
        parse_payload(vector["input"]["payload"])


@vectors("words.number_in_words")
def test_number_in_words_vectors(vector):
    assert words.number_in_words(vector["input"]["n"]) == vector["expected"]


@vectors("words.amount_in_words")
def test_amount_in_words_vectors(vector):
    assert words.amount_in_words(vector["input"]["n"]) == vector["expected"]


@vectors("words.errors")
def test_words_error_vectors(vector):
    with pytest.raises(ValueError):
        getattr(words, vector["input"]["function"])(vector["input"]["n"])


LOOKALIKES = {"A": "Ấ", "E": "Ể", "I": "Ì", "O": "Ộ", "U": "Ữ", "Y": "Ỹ", "D": "Đ"}


def _style(code: str, prefix: str, styles: list[str]) -> str:
    for style in styles:
        if style == "lower":
            code = code.lower()
        elif style == "accent":
            code = "".join(LOOKALIKES.get(c.upper(), c) if c.isupper() else
                           LOOKALIKES.get(c.upper(), c).lower() if c.upper() in LOOKALIKES else c for c in code)
        elif style.startswith("sep:"):
            _, where, char = style.split(":", 2)
            k = len(prefix) if where == "prefix" else int(where)
            code = code[:k] + char + code[k:]
        elif style.startswith("mutate:"):
            k = int(style.split(":")[1])
            code = code[:k] + reference.ALPHABET[(reference.VALUE[code[k]] + 1) % 36] + code[k + 1:]
        elif style.startswith("swap:"):
            k = int(style.split(":")[1])
            while code[k] == code[k + 1]:
                k += 1
            code = code[:k] + code[k + 1] + code[k] + code[k + 2:]
    return code


@vectors("reference.extract_memos")
def test_extract_memo_vectors(vector):
    data = vector["input"]
    codes = [make_reference(p, n) for p, n in data["codes"]]
    styled = [_style(c, p, s) for c, (p, _), s in zip(codes, data["codes"], data["styles"])]
    text = data["template"].format(*styled)
    if data.get("memo_form") == "NFD":
        text = unicodedata.normalize("NFD", text)
    result = extract_references(text)
    wanted = [codes[i] for i in vector["expected"]["found_in_order"]]
    assert [c for c in result if c in wanted] == wanted
    for i in vector["expected"]["absent"]:
        assert codes[i] not in result
    assert len(result) == len(set(result)) and all(is_valid_reference(c) for c in result)


# ---------------------------------------------------------------- our own cases

@given(st.text(alphabet="0123456789", min_size=6, max_size=6),
       st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabc", min_size=1, max_size=19),
       st.none() | st.integers(1, 10 ** 13 - 1),
       st.none() | st.text(min_size=1, max_size=25).filter(lambda t: unicodedata.normalize("NFC", t) == t),
       st.none() | st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ", min_size=1, max_size=25),
       st.sampled_from(["QRIBFTTA", "QRIBFTTC"]))
def test_build_then_parse_round_trips(bank_bin, account, amount, bill, purpose, service):
    parsed = parse_payload(build_payload(bank_bin, account, amount, bill, purpose, service))
    assert parsed == {"point_of_initiation": "12" if amount else "11", "bank_bin": bank_bin, "account": account,
                      "service": service, "currency": "704", "amount": amount, "country": "VN",
                      "bill_number": bill, "purpose": purpose}


def test_any_single_character_change_breaks_the_crc():
    payload = build_payload("970418", "1234567890", 1500000, "HP2025000123K", "HP2025000123K")
    for i in range(len(payload) - 4):
        changed = payload[:i] + ("1" if payload[i] != "1" else "2") + payload[i + 1:]
        with pytest.raises(InvalidPayload):
            parse_payload(changed)


@pytest.mark.parametrize("bad", [None, 123, "6304", "00020101021138" + "6304ABCD"])
def test_parse_refuses_non_payloads(bad):
    with pytest.raises(InvalidPayload):
        parse_payload(bad)


def test_bool_amount_refused():
    with pytest.raises(ValueError):
        build_payload("970418", "1234567890", True)


@pytest.mark.parametrize("n, expected", [
    (25, "hai mươi lăm"), (95, "chín mươi lăm"), (14, "mười bốn"), (1_000_000_001, "một tỷ không trăm linh một"),
    (10_000_005, "mười triệu không trăm linh năm"), (10 ** 12, "một nghìn tỷ"), (10 ** 15, "một triệu tỷ"),
    (2_000_000_000_010, "hai nghìn tỷ không trăm mười"), (110, "một trăm mười"), (1_010_000, "một triệu không trăm mười nghìn"),
])
def test_more_readings(n, expected):
    assert words.number_in_words(n) == expected


@given(st.integers(0, 10 ** 15))
def test_words_never_use_southern_or_colloquial_forms(n):
    text = words.number_in_words(n)
    assert " tư" not in f" {text}" and "ngàn" not in text and "  " not in text
    assert not text.startswith("không ") and "tỷ tỷ" not in text


@pytest.mark.parametrize("bad", [1.5, "100", None, True])
def test_words_need_an_int(bad):
    with pytest.raises(ValueError):
        words.number_in_words(bad)


def test_reference_shape():
    code = make_reference("hp", 123)
    assert code.startswith("HP0000000123") and len(code) == 13 and is_valid_reference(code)
    assert len(make_reference("HOCPH", 10 ** 10 - 1)) == 16


@pytest.mark.parametrize("prefix, number", [("H", 1), ("HOCPHI", 1), ("H1", 1), ("HP", -1), ("HP", 10 ** 10),
                                            ("HP", 1.0)])
def test_reference_arguments_are_checked(prefix, number):
    with pytest.raises(ValueError):
        make_reference(prefix, number)


def test_every_single_substitution_and_adjacent_swap_is_caught():
    for number in (0, 123, 2025000123, 9999999999, 4707004700):
        for prefix in ("HP", "DAO", "TUHOC"):
            code = make_reference(prefix, number)
            for i, ch in itertools.product(range(len(code)), reference.ALPHABET):
                if ch != code[i]:
                    assert not is_valid_reference(code[:i] + ch + code[i + 1:]), (code, i, ch)
            for i in range(len(code) - 1):
                if code[i] != code[i + 1]:
                    assert not is_valid_reference(code[:i] + code[i + 1] + code[i] + code[i + 2:]), (code, i)


@given(st.integers(0, 10 ** 10 - 1), st.integers(0, 10 ** 10 - 1))
def test_no_two_invoices_within_one_typo(a, b):
    """Property over many numbers: a code differs from any other valid code in ≥ 2 positions."""
    x, y = make_reference("HP", a), make_reference("HP", b)
    if a != b:
        assert sum(p != q for p, q in zip(x, y)) >= 2


def test_extraction_handles_noise():
    code = make_reference("HP", 2025000123)
    memo = f"IBFT/{code.lower()} - Nguyễn Văn Ấn nộp tiền ăn bán trú; mã cũ HP2025000123Z"
    assert extract_references(memo) == [code]
    assert extract_references("") == [] and extract_references("!!! ...") == []
    spaced = " ".join(code)  # every character separated by a space
    assert extract_references(spaced) == [code]
