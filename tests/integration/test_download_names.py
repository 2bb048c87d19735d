"""Every download's ASCII fallback name is made by the one helper (storage.content_disposition):
Flask's own fallback dropped đ/Đ ("Sổ điểm" → "So iem"); the UTF-8 name stays in filename*."""
from __future__ import annotations

from urllib.parse import quote


def test_a_grade_book_export_keeps_d_in_its_ascii_name(world, client):
    client.login("gv.a")
    response = client.get(f"/courses/{world.a.course.id}/grades.xlsx?term=1")
    assert response.status_code == 200
    header = response.headers["Content-Disposition"]
    assert header.startswith('attachment; filename="So diem ')
    assert "filename*=UTF-8''" + quote("Sổ điểm ", safe="") in header
