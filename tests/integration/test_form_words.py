"""A refused form names each field once: the summary at the top does not put "Nơi sinh:" before a
message that already starts "Nơi sinh “=1+1” …" (the pupil's profile, the school's details), and a
date that does not exist says which field and why ("Ngày sinh 31/02/2012 không có: tháng 2 năm
2012 có 29 ngày."), not "Ngày không hợp lệ."."""
from __future__ import annotations

import html
import re


def _summary(page) -> list[str]:
    block = page.get_data(as_text=True).split('id="error-summary"')[1].split("</ul>")[0]
    return [html.unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in re.findall(r"<li>(.*?)</li>", block, re.S)]


def test_the_profile_names_each_field_once_and_says_why_a_date_is_wrong(world, client):
    client.login("admin.a")
    url = f"/school/students/{world.a.students['HSA001'].id}/profile"
    page = client.post(url, {"full_name": "Nguyễn Văn An", "gender": "nam", "birth_date": "31/02/2012"})
    assert page.status_code == 422
    assert _summary(page) == ["Ngày sinh 31/02/2012 không có: tháng 2 năm 2012 có 29 ngày."]
    assert "Ngày không hợp lệ" not in page.get_data(as_text=True)
    page = client.post(url, {"full_name": "Nguyễn Văn An", "gender": "nam", "birth_date": "2012-02-28", "place_of_birth": "=1+1"})
    assert page.status_code == 422
    born = [i for i in _summary(page) if "=1+1" in i]
    assert len(born) == 1 and born[0].startswith("Nơi sinh “=1+1” không hợp lệ") and born[0].count("Nơi sinh") == 1
    # The browser's own form of the date says the same.
    page = client.post(url, {"full_name": "Nguyễn Văn An", "gender": "nam", "birth_date": "2011-02-29"})
    assert "Ngày sinh 29/02/2011 không có: tháng 2 năm 2011 có 28 ngày." in _summary(page)
    # A message that does not name its field still gets the field's name before it.
    page = client.post(url, {"full_name": "", "gender": "nam"})
    assert "Họ và tên: Nhập họ và tên." in _summary(page)


def test_the_school_details_name_each_field_once(world, client):
    client.login("admin.a")
    form = client.get("/school").get_data(as_text=True)
    values = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', form))
    values.update({"name": "Trường THCS Thử A", "levels": "THCS", "place_name": "=1+1", "bank_bin": ""})
    values.pop("csrf_token", None)
    page = client.post("/school", values)
    assert page.status_code == 422
    items = [i for i in _summary(page) if "=1+1" in i]
    assert len(items) == 1 and items[0].count("Địa danh ghi trên văn bản") == 1, items
