"""A refused cell of a grade grid is found without colour (issue #28): it is aria-invalid, described
by its own reason shown next to it, and the summary of refused cells links to it — the TT22 grid
and the TT27 primary grid alike (gradebook/_cell.html)."""
from __future__ import annotations

import html
import re

from tests.integration.test_gradebook_primary import primary  # noqa: F401  (fixture)


def _check_refused(body: str, expected: int) -> list[str]:
    """Every summary link targets an input that is aria-invalid and described by an element
    holding the reason given in the summary; returns the reasons."""
    summary = body[body.index('id="grade-issues"'):body.index("</table>", body.index('id="grade-issues"'))]
    rows = re.findall(r'<tr class="import-error">(.*?)</tr>', summary, re.S)
    assert len(rows) == expected, rows
    reasons = []
    for row in rows:
        target = re.search(r'<a class="cell-link" href="#([^"]+)">', row)
        assert target, f"summary row without a link: {row}"
        reason = re.findall(r"<td>(.*?)</td>", row, re.S)[-1]
        cell_id = target.group(1)
        tag = re.search(r'<input id="%s"[^>]*>' % re.escape(cell_id), body)
        assert tag, f"no cell with id {cell_id}"
        assert 'aria-invalid="true"' in tag.group(0)
        described = re.search(r'aria-describedby="([^"]+)"', tag.group(0)).group(1)
        note = re.search(r'<span class="cell-error" id="%s">(.*?)</span>' % re.escape(described), body, re.S)
        assert note and html.unescape(note.group(1)) == html.unescape(reason), (note, reason)
        reasons.append(html.unescape(reason))
    return reasons


def test_primary_grid_marks_each_refused_cell(primary, client):  # noqa: F811
    client.login("gv.p")
    toan = primary.courses["toan"]
    an = primary.students["HSP001"].id
    page = client.post(f"/courses/{toan}/primary?checkpoint=ck1", {f"l-{an}": "X", f"t-{an}": "0"})
    assert page.status_code == 422
    reasons = _check_refused(page.get_data(as_text=True), 2)
    assert any("“X”" in r for r in reasons) and any("“0”" in r for r in reasons)


def test_tt22_grid_cell_says_the_specific_reason(world, client):
    client.login("gv.a")
    first, third = world.a.students["HSA001"].id, world.a.students["HSA003"].id
    page = client.post(f"/courses/{world.a.course.id}/grades?term=1",
                       {f"c-{third}-tx1": "11", f"c-{first}-ck1": "abc"})
    assert page.status_code == 422
    reasons = _check_refused(page.get_data(as_text=True), 2)
    assert "“11” lớn hơn 10." in reasons
