"""Every entry of a refused form's error summary links to what it refuses (issue #28, tester 28
finding 3): on the matching-question editor a refused pair's input and the 'two pairs' rule too."""
from __future__ import annotations

import re

from tests.integration.test_exam_retest import _editor


def test_every_summary_entry_of_the_matching_editor_links_to_an_element_that_exists(world, make_client, dbs):
    teacher, form = _editor(make_client, dbs, world, "matching")
    form.update(text=[""], pair_left=["Hà Nội", "", "", ""], pair_right=["", "", "", ""])
    response = teacher.post("/bank/questions/new/matching", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    summary = re.search(r'<div class="alert alert-danger" role="alert" id="error-summary".*?</ul>', page, re.S).group(0)
    entries = re.findall(r"<li>(.*?)</li>", summary, re.S)
    assert len(entries) == 3, entries
    targets = []
    for entry in entries:
        link = re.search(r'<a href="#([^"]+)">', entry)
        assert link, f"an entry without a link: {entry}"
        assert re.search(r'id="%s"' % re.escape(link.group(1)), page.replace(summary, "")), link.group(1)
        targets.append(link.group(1))
    assert "pair_right-1" in targets and "pairs" in targets
    right = re.search(r'<input[^>]*id="pair_right-1"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in right and 'aria-describedby="pair_right-1-error"' in right
    assert re.search(r'id="pair_right-1-error">[^<]*Cặp 1', page)
