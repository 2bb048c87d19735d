"""The entry grids read as tables to a screen reader: a caption names the subject, the class and
the term (or the primary school's checkpoint) — a teacher moving between tabs hears which grid
they are in — every column header is `scope="col"` and each pupil's name is the header of its
row, and every id the page refers to is on it."""
from __future__ import annotations

import re

from tests.integration.test_gradebook_primary import primary  # noqa: F401 - the fixture
from tests.markup import broken_references

CAPTION = re.compile(r"<caption[^>]*>([^<]+)</caption>")


def _grid(html: str, table_id: str) -> str:
    start = html.index(f'id="{table_id}"')
    return html[start:html.index("</table>", start)]


def _check(html: str, table_id: str, caption: str) -> None:
    grid = _grid(html, table_id)
    found = CAPTION.search(grid)
    assert found and found.group(1).strip() == caption
    head = grid[grid.index("<thead>"):grid.index("</thead>")]
    assert len(re.findall(r"<th[\s>]", head)) == head.count('<th scope="col"') > 2
    body = grid[grid.index("<tbody>"):]
    assert body.count("<tr") == body.count('<th scope="row"') >= 2
    assert not broken_references(html)


def test_the_grade_grid_has_a_caption_and_its_headers(world, client):
    client.login("gv.a")
    html = client.get(f"/courses/{world.a.course.id}/grades?term=2").get_data(as_text=True)
    _check(html, "grade-grid", "Sổ điểm Toán lớp 6A1, Học kỳ II")


def test_the_primary_grid_has_a_caption_and_its_headers(primary, client):  # noqa: F811 - the fixture
    client.login("gv.p")
    html = client.get(f"/courses/{primary.courses['toan']}/primary?checkpoint=ck1").get_data(as_text=True)
    _check(html, "primary-grid", "Đánh giá Toán lớp 4A, Cuối học kỳ I")
