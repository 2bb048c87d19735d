"""Every page that reads a table from a file offers, in its file chooser, every kind of file the
one reader takes (lms.core.tables.ACCEPT: .xlsx, .xls, .csv and Excel's "Unicode Text" .txt), so a
file the import would read is never greyed out in the user's file dialog."""
import re

import pytest

from lms.core.tables import ACCEPT

PAGES = [
    ("admin.a", "/school/import/students"),
    ("admin.a", "/school/import/staff"),
    ("gv.a", "/courses/{course}/plan"),
    ("gv.a", "/courses/{course}/grades"),
    ("kt.a", "/billing/statements"),
    ("kt.a", "/billing/settlements"),
    ("kt.a", "/billing/reconciliation"),
]


@pytest.mark.parametrize("who,url", PAGES)
def test_every_table_import_chooser_offers_every_kind_the_reader_takes(world, make_client, who, url):
    client = make_client()
    client.login(who)
    page = client.get(url.format(course=world.a.course.id))
    assert page.status_code == 200
    inputs = re.findall(r"<input[^>]*type=\"file\"[^>]*>", page.get_data(as_text=True))
    assert inputs, url
    for tag in inputs:
        accept = re.search(r'accept="([^"]*)"', tag)
        assert accept and set(accept.group(1).split(",")) >= set(ACCEPT.split(",")), (url, tag)
