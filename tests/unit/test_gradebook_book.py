"""The grade book's own rules: what a cell accepts, how many columns a subject has, a pupil's year
(re-tests, summer training, absences), and the page's arithmetic agreeing with the server's."""
from __future__ import annotations

import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.gradebook import results, tt22
from lms.gradebook.book import CellError, parse_pass, parse_score
from lms.gradebook.homeroom import parse_conduct, parse_sessions
from lms.gradebook.primary import parse_quality_level, parse_subject_level, parse_test

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("text, tenths", [("8", 80), ("8.5", 85), ("8,5", 85), (" 10 ", 100), ("0", 0), ("10.0", 100),
                                          ("7,50", 75), ("", None), ("  ", None), ("09", 90)])
def test_scores_a_teacher_types(text, tenths):
    assert parse_score(text) == tenths


@pytest.mark.parametrize("text", ["11", "10.5", "-1", "8.25", "tám", "8.", ".5", "1e1", "NaN", "8 5", "100"])
def test_scores_that_are_refused(text):
    with pytest.raises(CellError):
        parse_score(text)


@pytest.mark.parametrize("text, value", [("Đ", True), ("đạt", True), ("D", True), ("CĐ", False), ("cd", False),
                                         ("Chưa đạt", False), ("", None)])
def test_pass_or_not(text, value):
    assert parse_pass(text) is value


@pytest.mark.parametrize("text", ["8", "Tốt", "x"])
def test_pass_refuses_anything_else(text):
    with pytest.raises(CellError):
        parse_pass(text)


def test_other_cells():
    assert [parse_conduct(t) for t in ("T", "khá", "Đ", "CĐ", "")] == ["T", "K", "D", "C", None]
    assert parse_sessions("") == 0 and parse_sessions("12") == 12
    assert [parse_subject_level(t) for t in ("T", "H", "c", "Hoàn thành tốt")] == ["T", "H", "C", "T"]
    assert [parse_quality_level(t) for t in ("T", "Đ", "C", "Cần cố gắng")] == ["T", "D", "C", "C"]
    assert parse_test("9") == 9
    for bad, parser in (("0", parse_test), ("11", parse_test), ("7.5", parse_test), ("-2", parse_sessions),
                        ("G", parse_conduct), ("A", parse_subject_level), ("K", parse_quality_level)):
        with pytest.raises(CellError):
            parser(bad)


@pytest.mark.parametrize("periods, comment, count", [(35, False, 2), (52, False, 3), (70, False, 3), (105, False, 4),
                                                     (140, False, 4), (70, True, 2), (None, False, 2)])
def test_regular_assessments_follow_the_periods(periods, comment, count):
    assert tt22.regular_count(periods, comment) == count


def _subject(name, s1, s2, comment=False, retest=None):
    def term(value):
        return results.TermMarks([value] * 3, value, value)
    return results.SubjectMarks(name, comment, {1: term(s1), 2: term(s2)}, retest)


def _class(scores, comments=(True, True, True, True), retests=None):
    subjects = [_subject(f"S{i}", Decimal(v), Decimal(v), retest=(retests or {}).get(i)) for i, v in enumerate(scores)]
    subjects += [_subject(f"C{i}", v, v, comment=True) for i, v in enumerate(comments)]
    return subjects


def test_a_good_year():
    out = results.year_outcome(_class(["9"] * 6 + ["8", "8"]), "Tốt", "Tốt", 3)
    assert (out.conduct, out.learning.level, out.decision, out.final, out.award) == \
        ("Tốt", "Tốt", "Lên lớp", "Lên lớp", "Học sinh Xuất sắc")


def test_too_many_absences_retain_whatever_the_results():
    out = results.year_outcome(_class(["9"] * 8), "Tốt", "Tốt", 46)
    assert out.final == "Ở lại lớp" and out.award is None
    assert results.year_outcome(_class(["9"] * 8), "Tốt", "Tốt", 45).final == "Lên lớp"


def test_retest_subjects_and_the_result_after_them():
    subjects = _class(["3", "3"] + ["7"] * 6, comments=(True, False, True, True))
    out = results.year_outcome(subjects, "Khá", "Khá", 0)
    assert out.decision == "Kiểm tra lại" and out.retest_subjects == ["S0", "S1", "C1"] and out.pending
    subjects = _class(["3", "3"] + ["7"] * 6, comments=(True, False, True, True),
                      retests={0: Decimal("5.0"), 1: Decimal("4.0")})
    subjects[-3].retest = True
    out = results.year_outcome(subjects, "Khá", "Khá", 0)
    assert out.learning_after.level == "Đạt" and out.final == "Lên lớp"
    subjects[0].retest = Decimal("3.0")
    subjects[1].retest = Decimal("3.0")
    assert results.year_outcome(subjects, "Khá", "Khá", 0).final == "Ở lại lớp"


def test_summer_training_then_retest():
    out = results.year_outcome(_class(["3", "3"] + ["7"] * 6), "Chưa đạt", "Chưa đạt", 0)
    assert out.decision == "Kiểm tra lại và rèn luyện trong kỳ nghỉ hè" and out.needs_training and out.final is None
    out = results.year_outcome(_class(["3", "3"] + ["7"] * 6), "Chưa đạt", "Chưa đạt", 0, summer_conduct="Chưa đạt")
    assert out.final == "Ở lại lớp" and out.retest_subjects  # still Chưa đạt: retained without re-tests
    out = results.year_outcome(_class(["7"] * 8), "Chưa đạt", "Chưa đạt", 0, summer_conduct="Đạt")
    assert (out.decision, out.conduct_after, out.final) == ("Rèn luyện trong kỳ nghỉ hè", "Đạt", "Lên lớp")


def test_missing_marks_leave_the_year_open():
    subjects = _class(["8"] * 8)
    subjects[0].terms[2].final = None
    out = results.year_outcome(subjects, "Tốt", "Tốt", 0)
    assert out.learning is None and out.decision is None
    assert subjects[0].missing(2) == 1 and subjects[0].semester(2) is None


def test_comment_semester_needs_every_assessment():
    assert tt22.comment_semester([True, True, True, True], 4) is True
    assert tt22.comment_semester([True, None, True, True], 4) is None
    assert tt22.comment_semester([True, None, False, True], 4) is False


# ---------------------------------------------------------------- the page's arithmetic

NODE = shutil.which("node")
marks = st.integers(min_value=0, max_value=100)


@pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
@settings(max_examples=1, deadline=None)
@given(st.lists(st.tuples(st.lists(marks, min_size=2, max_size=4), marks, marks, marks), min_size=300, max_size=300))
def test_live_averages_in_the_page_equal_the_contract_functions(cases):
    """gradebook.js computes ĐTBmhk and ĐTBmcn in whole tenths; 300 random pupils, both agree."""
    script = ("const g = require(%s); const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "console.log(JSON.stringify(cases.map(([tx, gk, ck, other]) => {"
              " const s = g.semesterAverage(tx, gk, ck); return [s, g.yearAverage(other, s)]; })));"
              % json.dumps(str(ROOT / "static/js/gradebook.js")))
    out = subprocess.run([NODE, "-e", script], input=json.dumps(cases), capture_output=True, text=True, check=True)
    for (tx, gk, ck, other), (sem, year) in zip(cases, json.loads(out.stdout)):
        expected = tt22.semester_average([Decimal(v) / 10 for v in tx], Decimal(gk) / 10, Decimal(ck) / 10)
        assert Decimal(sem) / 10 == expected
        assert Decimal(year) / 10 == tt22.year_average(Decimal(other) / 10, expected)


@pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
def test_the_page_reads_cells_like_the_server():
    texts = ["8", "8,5", "8.5", "10", "0", "11", "8.25", "tám", "", "7,50", "Đ", "CĐ", "đạt", "x"]
    script = ("const g = require(%s); const t = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "console.log(JSON.stringify(t.map(x => [g.parseScore(x), g.parsePass(x)]).map(([a, b]) =>"
              " [Number.isNaN(a) ? 'bad' : a, (typeof b === 'number' && Number.isNaN(b)) ? 'bad' : b])));"
              % json.dumps(str(ROOT / "static/js/gradebook.js")))
    out = json.loads(subprocess.run([NODE, "-e", script], input=json.dumps(texts), capture_output=True, text=True,
                                    check=True).stdout)
    for text, (score, passed) in zip(texts, out):
        try:
            assert score == parse_score(text), text
        except CellError:
            assert score == "bad", text
        try:
            assert passed == parse_pass(text), text
        except CellError:
            assert passed == "bad", text
