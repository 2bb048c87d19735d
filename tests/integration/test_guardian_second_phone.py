"""A guardian's second phone column (issue #23) is recognised in the forms schools type it —
"SĐT 2 mẹ", "SĐT mẹ 2", "Điện thoại 2 bố"… — and the number reaches the guardian's record; it was
named as not imported."""
import re

import pytest
from sqlalchemy import select

from lms.core.tables import read_table
from lms.people.imports import STUDENT_SPEC
from lms.people.models import Student
from tests.integration.test_corpus import confirm, upload


@pytest.mark.parametrize("name, header", [("danh-sach-hoc-sinh-sdt-me-2.csv", "SĐT mẹ 2"),
                                          ("danh-sach-hoc-sinh-sdt-2-me.xls", "SĐT 2 mẹ")])
def test_the_mothers_second_phone_is_kept_on_her_record(world, client, dbs, name, header):
    client.login("admin.a")
    preview = upload(client, name)
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200, body[:2000]
    unknown = re.search(r'id="unknown-columns">(.*?)</p>', body, re.S).group(1)
    assert header not in unknown and "Tôn giáo" in unknown
    assert confirm(client, preview).status_code == 302
    with dbs() as s:
        khoi = s.scalars(select(Student).where(Student.student_code == "8919990001")).one()
        mother = next(g for g in khoi.guardianships if g.relation == "Mẹ")
        assert (mother.guardian.phone, mother.second_phone) == ("0987555102", "02963841234")


@pytest.mark.parametrize("header, key", [
    ("SĐT 2 mẹ", "mother_phone2"), ("SĐT mẹ 2", "mother_phone2"), ("SĐT 2 bố", "father_phone2"),
    ("SĐT bố 2", "father_phone2"), ("Điện thoại 2 mẹ", "mother_phone2"), ("Số điện thoại 2 cha", "father_phone2"),
    ("Số ĐT mẹ 2", "mother_phone2"), ("Di động 2 bố", "father_phone2")])
def test_each_common_form_of_a_parents_second_phone_is_recognised(header, key):
    csv = ("Mã học sinh,Họ và tên,Lớp,Họ tên bố,SĐT bố,Họ tên mẹ,SĐT mẹ," + header +
           "\nHS1,Trần Minh Khôi,6A1,Trần Văn Hùng,0912555101,Lê Thị Hoa,0987555102,0296 3841 234\n")
    table = read_table("ds.csv", csv.encode(), STUDENT_SPEC, max_rows=100)
    assert table.columns.get(key) == 7, (table.columns, table.unknown)
