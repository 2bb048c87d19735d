"""A period's name inside a sentence keeps its Roman numerals: "học kỳ I năm học 2026-2027",
never "học kỳ i" (the label was lowered whole)."""
from __future__ import annotations

import re


def _text(page) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)))


def test_a_term_named_in_a_sentence_keeps_its_roman_numeral(world, make_client):
    viewer = make_client()
    viewer.login("so.a")
    text = _text(viewer.get("/department/official?year=2026&period=HK1-2026-2027"))
    assert "kết thúc học kỳ I năm học 2026-2027" in text or "kết thúc học kỳ I 2026-2027" in text, text[:3000]
    assert "học kỳ i " not in text
