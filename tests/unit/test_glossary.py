"""The glossary (docs/glossary.md) holds for every message of the catalogue, and its checks
themselves find what they are for."""
from __future__ import annotations

from babel.messages.pofile import read_po

from tests.wording import CATALOGUE, PageWording, avoided_terms, doubled_words, glossary


def test_the_glossary_is_read_with_its_terms_and_abbreviations():
    g = glossary()
    assert ("lớp học phần", "môn học của lớp (Toán 6A1); phân công giảng dạy") in g.avoid
    assert g.abbreviations["KT lại"] == "Kiểm tra lại"


def test_no_message_of_the_catalogue_uses_a_word_the_glossary_replaces():
    with CATALOGUE.open("rb") as handle:
        catalog = read_po(handle)
    problems = []
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for text in ids:
            if text:
                problems += [f"“{text}”: {found}" for found in avoided_terms(text)]
                problems += [f"“{text}”: doubled “{d}”" for d in doubled_words(text)]
    assert not problems, "\n".join(problems)


def test_the_checks_find_what_they_are_for():
    assert avoided_terms("Lớp học phần chưa có kế hoạch") and avoided_terms("Tỉ lệ thu")
    assert not avoided_terms("Tỷ lệ thu không dùng tiền mặt")
    assert doubled_words("Nộp muộn muộn 1 ngày") == ["muộn muộn"]
    assert not doubled_words("từ từ, 10 10")
    assert not doubled_words("trực tiếp tiếp theo") and not doubled_words("do nhà cung cấp cấp cho một trường")
    assert doubled_words("cấp cấp cho") == ["cấp cấp"]
    page = PageWording()
    page.check_vietnamese("/x", "<table><tr><th>KT lại</th><th>KQ HK</th></tr></table>"
                                "<p><abbr title='Kết quả học kỳ'>KQ HK</abbr></p><p>Trạng thái: unmatched</p>")
    found = "\n".join(page.problems)
    assert "“KT lại” without its full form" in found and "unmatched" in found
    assert "“KQ HK” without" not in found
    page = PageWording()
    page.check_english("/y", "<p>Bạn chưa được phân công dạy môn nào trong năm học này.</p>")
    assert page.problems
