import re
from tests.factories import make_bank, make_exam


def test_view(world, make_client, dbs):
    with dbs() as s:
        b = make_bank(s, world.a)
        exam = make_exam(s, world.a, b.questions[:2], publish=False)
        s.commit()
        exam_id = exam.id
    teacher = make_client()
    teacher.login("gv.a")
    page = teacher.get(f"/exams/{exam_id}/blueprint").get_data(as_text=True)
    body = page[page.find('<table class="table table-sm align-middle" id="rules">'):]
    body = body[:body.find("</table>")]
    print(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))
    page = teacher.post(f"/exams/{exam_id}/blueprint", {"category": ["", "", ""], "topic": ["", "", ""], "level": ["", "", ""], "qtype": ["", "", ""], "count": ["", "", ""], "mark": ["0,25", "0,25", "0,25"], "more": "1", "extra": "3"}).get_data(as_text=True)
    body = page[page.find('<table class="table table-sm align-middle" id="rules">'):]
    body = body[:body.find("</table>")]
    print(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))
    page = teacher.post(f"/exams/{exam_id}/blueprint", {"category": ["", str(b.category.id)], "topic": ["", ""], "level": ["", ""], "qtype": ["", ""], "count": ["", "abc"], "mark": ["0,25", "999"]}).get_data(as_text=True)
    print(re.findall(r'alert[^>]*>(.*?)</div>', page, re.S))
