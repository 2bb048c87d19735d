"""The class summary's narrow subject headers are the names schools print — GDCD, GDTC, KHTN —
never "Giáo dục…", which two subjects would share; the full name stays in the title."""
from __future__ import annotations

from lms.gradebook.labels import subject_abbrev
from tests.factories import fill_year


def test_abbreviations_tell_subjects_apart():
    assert subject_abbrev("Toán") == "Toán"
    assert subject_abbrev("Giáo dục công dân") == "GDCD" and subject_abbrev("Giáo dục thể chất") == "GDTC"
    assert subject_abbrev("Hoạt động trải nghiệm, hướng nghiệp") == "HĐTN-HN"
    assert subject_abbrev("Môn tự chọn riêng của trường") == "MTCRT"
    # What is in parentheses explains the name; the header never cuts into it ("NT(NMT").
    assert subject_abbrev("Nghệ thuật (Âm nhạc, Mĩ thuật)") == "Nghệ thuật"
    assert subject_abbrev("Giáo dục công dân (tự chọn)") == "GDCD"
    assert subject_abbrev("Hoạt động giáo dục (tăng cường)") == "HĐGD"


def test_the_summary_headers(world, client, dbs):
    with dbs() as s:
        fill_year(s, world.a)
        s.commit()
    client.login("gv.a")
    page = client.get(f"/classes/{world.a.school_class.id}/summary?period=0").get_data(as_text=True)
    assert 'title="Giáo dục công dân">GDCD</th>' in page and 'title="Giáo dục thể chất">GDTC</th>' in page
    assert "Giáo dục…" not in page
