"""A section heading typed in column A only, not merged, right under the header (issue #23) —
"I. TỔ KHOA HỌC TỰ NHIÊN" in a staff list, "HỌC KÌ I" in a teaching plan — is a heading line,
listed as skipped, when column A is the STT column; it was read as the header's second row."""
from pathlib import Path

import pytest

from lms.core.tables import Layout, read_table
from lms.courses.plans import PLAN_SPEC
from lms.people.imports import STAFF_SPEC

FILES = Path(__file__).parent.parent / "files"


@pytest.mark.parametrize("name, spec, header, heading, text", [
    ("danh-sach-can-bo-muc-khong-gop.xlsx", STAFF_SPEC, 6, 7, "I. TỔ KHOA HỌC TỰ NHIÊN"),
    ("ke-hoach-day-hoc-toan6-hoc-ki-duoi-tieu-de.xlsx", PLAN_SPEC, 10, 11, "HỌC KÌ I"),
])
def test_a_heading_in_the_stt_column_under_the_header_is_a_skipped_heading(name, spec, header, heading, text):
    table = read_table(name, (FILES / name).read_bytes(), spec, max_rows=1000)
    assert table.header_lines == (header,)
    assert any(s.line == heading and s.kind == Layout.HEADING and text in s.text for s in table.skipped), table.skipped
    assert all(text not in u for u in table.unknown), table.unknown
    assert table.lines and all(line.number > heading for line in table.lines)
