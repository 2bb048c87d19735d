"""The file chooser of the student and staff imports (issue #23) names every kind of file the one
table reader takes — from lms.core.tables.ACCEPT — .txt (Excel's Unicode Text) included."""
import re

import pytest

from lms.core.tables import ACCEPT


@pytest.mark.parametrize("page", ["/school/import/students", "/school/import/staff"])
def test_the_import_pages_label_lists_what_the_reader_takes(client, world, page):
    client.login("admin.a")
    body = client.get(page).get_data(as_text=True)
    label = re.search(r'<label[^>]*for="file"[^>]*>(.*?)</label>', body, re.S).group(1)
    for kind in ACCEPT.split(","):
        assert kind in label, label
    assert f'accept="{ACCEPT}"' in body
