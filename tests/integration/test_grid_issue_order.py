"""The grade grid's table of refused cells is in line order, each line's cells together, as the
primary grid's is (it listed every refused mark, then every refused remark)."""
from __future__ import annotations

import re


def test_refused_cells_are_listed_in_line_order(world, client):
    client.login("gv.a")
    first, third = world.a.students["HSA001"].id, world.a.students["HSA003"].id
    page = client.post(f"/courses/{world.a.course.id}/grades?term=1",
                       {f"c-{third}-tx1": "11", f"r-{first}": "=x", f"c-{first}-ck1": "abc"})
    lines = [int(n) for n in re.findall(r'<tr class="import-error"><td>(\d+)</td>', page.get_data(as_text=True))]
    assert len(lines) == 3 and lines == sorted(lines) and lines[0] != lines[-1], lines
