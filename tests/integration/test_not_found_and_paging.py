"""What a user is told for an id the school does not hold, and for a page of a list that does not exist.

Before: another school's pupil and an id no row has answered the generic "page or data not
found"; `?page=abc`, `?page=-1` or `?page=10^30` on a list were silently
dropped (the first page, without a word), and a page past the end showed an empty list.
"""
import re

import pytest

from lms.core.paging import paginate


def _alerts(body: str) -> list[str]:
    return [re.sub(r"\s+", " ", a).strip() for a in re.findall(r'role="alert">(.*?)<button', body, re.S)]


def test_an_id_the_school_does_not_hold_says_what_was_not_found_the_same_whoever_holds_it(world, client):
    client.login("admin.b")
    pages = []
    for student_id in (world.a.students["HSA001"].id, 987_654):    # school A's pupil; an id no row has
        answer = client.get(f"/school/students/{student_id}")
        assert answer.status_code == 404
        pages.append(re.sub(r"/school/students/\d+", "/school/students/<ID>", answer.get_data(as_text=True)))
    assert pages[0] == pages[1]
    assert "Không tìm thấy học sinh này trong trường của bạn." in pages[0]
    own = client.get(f"/school/students/{world.b.students['HSB001'].id}")
    assert own.status_code == 200
    assert client.get(f"/school/students/{10**24}").status_code == 404     # no column holds it: the URL's own 404
    # The same sentence in English, and in JSON for a client that asks for it.
    client.get("/language/en")
    assert "This pupil was not found in your school." in client.get(
        f"/school/students/{world.a.students['HSA001'].id}").get_data(as_text=True)
    answer = client.get(f"/school/classes/{world.a.school_class.id}", headers={"Accept": "application/json"})
    assert answer.status_code == 404
    assert answer.get_json()["error"]["message"] == "This class was not found in your school."


@pytest.mark.parametrize("asked", ["abc", "-1", "0", str(10**30), "1e3", "２"])
def test_a_page_number_that_is_not_one_shows_the_first_page_and_says_so(world, client, asked):
    client.login("admin.a")
    first = client.get("/school/students").get_data(as_text=True)
    answer = client.get(f"/school/students?page={asked}")
    assert answer.status_code == 200
    body = answer.get_data(as_text=True)
    assert f"“{asked[:30]}” không phải số trang: đang hiện trang 1." in _alerts(body)
    assert "HSA001" in body and "HSA001" in first


def test_a_page_past_the_end_shows_the_last_page_and_says_so(world, client):
    client.login("admin.a")
    answer = client.get("/school/students?page=999")
    assert answer.status_code == 200
    body = answer.get_data(as_text=True)
    assert "Danh sách chỉ có 1 trang: đang hiện trang 1." in _alerts(body)
    assert "HSA001" in body                     # before: an empty list
    assert not _alerts(client.get("/school/students?page=1").get_data(as_text=True))


def test_every_list_page_reads_its_page_through_one_place():
    """A list page calling Flask-SQLAlchemy's paginate itself would drop a bad page silently again."""
    from pathlib import Path

    import lms

    root = Path(lms.__file__).parent
    callers = sorted(str(p.relative_to(root)) for p in root.rglob("*.py") if "db.paginate(" in p.read_text())
    assert callers == ["core/paging.py"]
    assert callable(paginate)
