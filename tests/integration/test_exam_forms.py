"""The exam's and the question's forms as a teacher meets them on a refused save: every mistake in
one answer (before, the form's own check came first and the service's rules one at a time, after
each resubmission), each on its field, nothing typed lost; an optional date left empty is no
mistake; a mark out of range says the range and what was typed."""
from __future__ import annotations

import re

from tests.factories import make_bank, make_exam
from tests.integration.test_exam_fixes import _exam_and_teacher, _field_messages, _form_of


def _alerts(page: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", " ", m).split()) for m in re.findall(r'class="alert alert-danger[^"]*"[^>]*>(.*?)</div>', page, re.S)]


def test_the_exam_form_shows_every_mistake_at_once_and_keeps_what_was_typed(world, make_client, dbs):
    exam_id, teacher = _exam_and_teacher(world, make_client, dbs)
    form = _form_of(teacher.get(f"/exams/{exam_id}/edit").get_data(as_text=True), "attempts_allowed")
    form.update(title=[""], close_at=["2020-01-01T10:00"], ip_ranges=["phòng máy 1"], instructions=["Đọc kỹ đề."],
                attempts_allowed=["3"], access_code=["TOAN6"])
    response = teacher.post(f"/exams/{exam_id}/edit", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _field_messages(page, "title") == ["Nhập tên bài thi."]                      # the form's check
    assert _field_messages(page, "close_at") == ["Giờ đóng phải sau giờ mở."]           # the service's rules,
    assert _field_messages(page, "ip_ranges") == ["“phòng máy 1” không phải địa chỉ IP, tiền tố, CIDR hay dải hợp lệ."]
    assert "Cần sửa (3)" in page
    back = _form_of(page, "attempts_allowed")
    for name in ("close_at", "attempts_allowed", "access_code"):
        assert back[name] == form[name], name
    assert back["instructions"][0].strip() == "Đọc kỹ đề." and back["ip_ranges"][0].strip() == "phòng máy 1"


def test_the_question_form_shows_every_mistake_at_once_with_the_mark_s_range(world, make_client, dbs):
    with dbs() as s:
        category = make_bank(s, world.a, count=1).category.id
        s.commit()
    teacher = make_client()
    teacher.login("gv.a")
    form = _form_of(teacher.get(f"/bank/questions/new/single_choice?category={category}").get_data(as_text=True),
                    "default_mark")
    form.update(text=[""], default_mark=["150"], topic=["Phân số"], name=["Câu thử"])
    response = teacher.post("/bank/questions/new/single_choice", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _field_messages(page, "text") == ["Nhập nội dung câu hỏi."]
    assert _field_messages(page, "default_mark") == ["Điểm phải lớn hơn 0 và không quá 100 (đã nhập “150”)."]
    summary = " ".join(_alerts(page))
    assert "Cần sửa (3)" in summary and "Cần ít nhất hai phương án." in summary          # the type's own rows
    back = _form_of(page, "default_mark")
    assert (back["default_mark"], back["topic"], back["name"]) == (["150"], ["Phân số"], ["Câu thử"])


def test_an_override_s_empty_dates_are_no_mistake(world, make_client, dbs):
    exam_id, teacher = _exam_and_teacher(world, make_client, dbs)
    form = _form_of(teacher.get(f"/exams/{exam_id}/overrides").get_data(as_text=True), "extra_minutes")
    form.update(open_at=[""], close_at=[""], extra_minutes=["mười"])
    page = teacher.post(f"/exams/{exam_id}/overrides", form).get_data(as_text=True)
    assert _field_messages(page, "extra_minutes") == ["“mười” không phải là một số nguyên."]
    assert _field_messages(page, "open_at") == [] and _field_messages(page, "close_at") == []
    form.update(extra_minutes=["15"])
    assert teacher.post(f"/exams/{exam_id}/overrides", form).status_code == 302


def test_a_blueprint_row_s_mark_out_of_range_names_the_row_and_the_range(world, make_client, dbs):
    with dbs() as s:
        b = make_bank(s, world.a)
        exam_id = make_exam(s, world.a, b.questions[:2], publish=False).id
        category = b.category.id
        s.commit()
    teacher = make_client()
    teacher.login("gv.a")
    page = teacher.post(f"/exams/{exam_id}/blueprint", {
        "category": [str(category), str(category)], "topic": ["", ""], "level": ["1", "2"], "qtype": ["", ""],
        "count": ["1", "1"], "mark": ["1", "150"]}).get_data(as_text=True)
    assert "Dòng 2: Điểm phải lớn hơn 0 và không quá 100 (đã nhập “150”)." in " ".join(
        " ".join(re.sub(r"<[^>]+>", " ", m).split()) for m in re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', page, re.S))


def test_the_blueprint_s_blank_rows_speak_the_page_s_language(world, make_client, dbs):
    with dbs() as s:
        exam_id = make_exam(s, world.a, make_bank(s, world.a).questions[:2], publish=False).id
        s.commit()
    teacher = make_client()
    teacher.login("gv.a")

    def blank_rows(page: str) -> list[str]:
        return re.findall(r'<tr class="blank-rule">(.*?)</tr>', page, re.S)

    rows = blank_rows(teacher.get(f"/exams/{exam_id}/blueprint").get_data(as_text=True))
    assert rows and all('name="mark" value="0,25"' in r and ">Mọi mức<" in r and ">Mọi loại<" in r for r in rows)
    teacher.get("/language/en")
    rows = blank_rows(teacher.get(f"/exams/{exam_id}/blueprint").get_data(as_text=True))
    assert rows and all('name="mark" value="0.25"' in r and "Mọi" not in r for r in rows)


def test_the_question_list_refused_keeps_the_marks_typed_and_the_ticks(world, make_client, dbs):
    with dbs() as s:
        b = make_bank(s, world.a)
        exam_id = make_exam(s, world.a, b.questions[:3], publish=False).id
        first, second, dropped, extra = (q.id for q in b.questions[:4])
        s.commit()
    teacher = make_client()
    teacher.login("gv.a")
    response = teacher.post(f"/exams/{exam_id}/questions", {
        "question_id": [str(first), str(second), str(dropped)], "keep": [str(first), str(second)],
        "mark": ["2,5", "150", "1"], "add": [str(extra)], f"add-mark-{extra}": "1,5"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "(đã nhập “150”)" in page
    back = _form_of(page, "keep")
    assert back["mark"] == ["2,5", "150", "1"] and back["keep"] == [str(first), str(second)]
    assert back["add"] == [str(extra)] and back[f"add-mark-{extra}"] == ["1,5"]


def _input(page: str, ident: str) -> str:
    return re.search(r'<(?:input|select)\b[^>]*\bid="' + re.escape(ident) + r'"[^>]*>', page).group(0)


def test_a_refused_row_marks_its_own_input_and_says_why_beside_it(world, make_client, dbs):
    """The editor's rows: a wrong value is marked on the very input (aria-invalid, the error style)
    with its message next to it — not only in the list at the top."""
    with dbs() as s:
        category = make_bank(s, world.a, count=1).category.id
        s.commit()
    teacher = make_client()
    teacher.login("gv.a")
    form = _form_of(teacher.get(f"/bank/questions/new/numerical?category={category}").get_data(as_text=True),
                    "default_mark")
    form.update(text=["Tính 1,5 + 1"], num_value=["2,5", "abc", "2,5"], num_tolerance=["0", "0", "-1"],
                num_fraction=["100", "50", "150"], num_feedback=["", "", ""], num_id=["", "", ""])
    page = teacher.post("/bank/questions/new/numerical", form).get_data(as_text=True)
    refused = {"num_value-2": "Đáp án 2: “abc” không phải là số.",
               "num_tolerance-3": "Đáp án 3: sai số không được âm.",
               "num_fraction-3": "Đáp án 3: tỷ lệ điểm phải từ -100 đến 100."}
    for ident, message in refused.items():
        tag = _input(page, ident)
        assert 'aria-invalid="true"' in tag and "is-invalid" in tag, tag
        assert f'aria-describedby="{ident}-error"' in tag
        said = re.search(r'id="' + ident + r'-error">([^<]*)<', page)
        assert said and said.group(1) == message
        assert page.index(tag) < page.index(f'id="{ident}-error"') < page.index(tag) + len(tag) + 200   # beside it
    for ident in ("num_value-1", "num_value-3", "num_tolerance-2", "num_fraction-1"):
        tag = _input(page, ident)
        assert "aria-invalid" not in tag and "is-invalid" not in tag, tag
    assert "Cần sửa (3)" in " ".join(_alerts(page))                    # and still in the list at the top

    # The same for a matching question's sides and a cluster's statements.
    form = _form_of(teacher.get(f"/bank/questions/new/matching?category={category}").get_data(as_text=True),
                    "default_mark")
    form.update(text=["Ghép"], pair_left=["2⁴", "", "3²"], pair_right=["16", "8", ""], pair_id=["", "", ""])
    page = teacher.post("/bank/questions/new/matching", form).get_data(as_text=True)
    assert 'aria-invalid="true"' in _input(page, "pair_left-2") and 'aria-invalid="true"' in _input(page, "pair_right-3")
    assert "aria-invalid" not in _input(page, "pair_right-2") + _input(page, "pair_left-1")


def test_the_grading_method_last_reads_last_attempt_not_a_visit(world, make_client, dbs):
    """Issue #29, tester finding 6: "Lần cuối" was one message for the grading method and for a
    lesson's last visit, so in English the choice read "Last seen"."""
    exam_id, teacher = _exam_and_teacher(world, make_client, dbs)
    vietnamese = teacher.get(f"/exams/{exam_id}/edit").get_data(as_text=True)
    assert re.search(r'<option value="last"[^>]*>Lần làm cuối</option>', vietnamese)
    teacher.get("/language/en")
    english = teacher.get(f"/exams/{exam_id}/edit").get_data(as_text=True)
    teacher.get("/language/vi")
    assert re.search(r'<option value="last"[^>]*>Last attempt</option>', english) and "Last seen" not in english
