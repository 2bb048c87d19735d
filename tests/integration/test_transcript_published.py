"""What the national transcript publishes for the people who receive its files: the JSON Schema and
the XSD at public addresses every export names; a superseded version's page naming its successor;
the sector-file form refusing a bad field on the form."""
from __future__ import annotations

import json

from jsonschema import Draft202012Validator
from lxml import etree

from tests.integration.test_transcripts import _class_url, _identity, _ready, _set_codes


def _checked_class(world, client, make_client, dbs):
    _ready(dbs, world)
    client.login("admin.a")
    _set_codes(client)
    teacher = make_client()
    teacher.login("gv.a")
    _identity(teacher, world, dbs)
    assert client.post(_class_url(world, "/draft")).status_code == 302
    assert teacher.post(_class_url(world, "/step"), {"action": "check"}).status_code == 302
    return teacher


def test_exports_name_the_published_schemas_and_validate_against_them(app, world, client, make_client, dbs):
    _checked_class(world, client, make_client, dbs)
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    # Linked from the transcript pages, and served to anyone: no sign-in needed.
    page = client.get(_class_url(world)).get_data(as_text=True)
    assert 'href="/schemas/hocbaso.schema.json"' in page and 'href="/schemas/hocbaso.xsd"' in page
    anonymous = make_client()
    json_schema = anonymous.get("/schemas/hocbaso.schema.json")
    xsd = anonymous.get("/schemas/hocbaso.xsd")
    assert json_schema.status_code == 200 and xsd.status_code == 200
    assert anonymous.get("/schemas/other.xsd").status_code == 404
    # Every export names them, and validates against what was fetched.
    doc = json.loads(client.get(_class_url(world, ".json")).data)
    assert doc["$schema"] == f"{base}/schemas/hocbaso.schema.json"
    validator = Draft202012Validator(json.loads(json_schema.data), format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert list(validator.iter_errors(doc)) == [] and len(doc["thongtinsohocbasothcsthpt"]) == 3
    xml = etree.fromstring(client.get(_class_url(world, ".xml")).data)
    location = xml.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation")
    assert location == f"urn:lms:hocbaso:1 {base}/schemas/hocbaso.xsd"
    schema = etree.XMLSchema(etree.fromstring(xsd.data))
    assert schema.validate(xml), schema.error_log
    school = json.loads(client.get(f"/school/transcripts.json?year={world.a.year.id}").data)
    assert school["$schema"] == doc["$schema"] and list(validator.iter_errors(school)) == []
    assert schema.validate(etree.fromstring(client.get(f"/school/transcripts.xml?year={world.a.year.id}").data))


def test_the_sector_form_refuses_a_kind_or_year_not_among_its_choices_on_its_field(world, client, dbs):
    import io

    from sqlalchemy import func, select

    from lms.gradebook.transcript.models import SectorExport
    from tests.integration.test_sector_files import _profile, template

    _profile(dbs, world)
    client.login("admin.a")
    for field, typed, said in (("school_year_id", "99999", "“99999” không phải năm học nào của trường"),
                               ("school_year_id", "abc", "“abc” không phải năm học nào của trường"),
                               ("kind", "zzz", "Chọn loại tệp trong danh sách")):
        form = {"file": (io.BytesIO(template()), "C1-HocSinh.xlsx"), "kind": "students", field: typed}
        page = client.post("/school/sector", form, content_type="multipart/form-data")
        text = page.get_data(as_text=True)
        assert page.status_code == 422, typed
        assert 'id="sector-form"' in text and 'id="sector-report"' not in text, typed     # the form, again
        error = text.split(f'id="{field}-error">', 1)[1].split("</div>", 1)[0]
        assert said in error, typed
        assert f'aria-describedby="{field}-error"' in text
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(SectorExport)) == 0


def test_an_empty_template_is_said_to_be_empty_naming_the_file(world, client):
    import io

    client.login("admin.a")
    for kind in ("students", "staff", "primary"):
        page = client.post("/school/sector", {"file": (io.BytesIO(b""), "C1-HocSinh.xlsx"), "kind": kind},
                           content_type="multipart/form-data")
        text = page.get_data(as_text=True)
        assert page.status_code == 422 and "Tệp “C1-HocSinh.xlsx” trống (0 byte)" in text, kind
        assert "phải là tệp Excel" not in text


def test_the_fill_report_says_beforehand_what_the_pupil_import_will_refuse(world, client, dbs):
    """A template with the phone columns reads back, and the report says so; one with the parents'
    names but no parent phone or e-mail column reads back too: the parents named are the pupils' own
    (issue #25's round trip), not parents without a phone to invite, so no warning is given."""
    from tests.integration.test_sector_files import V2, _fill, _profile, template

    _profile(dbs, world)
    client.login("admin.a")
    body, _data = _fill(client, template())
    assert 'id="import-check-ok"' in body and 'id="import-check"' not in body
    no_phones = [h for h in V2 if not h.startswith("Số điện thoại")]
    body, _data = _fill(client, template(no_phones))
    assert 'id="import-check-ok"' in body and 'id="import-uninvited"' not in body


def test_the_register_refuses_a_page_that_is_not_one_and_names_every_bad_date(world, client):
    client.login("admin.a")
    for typed in ("abc", "-1", "0", "9" * 50):
        page = client.get("/school/transcripts/register", query_string={"page": typed})
        assert page.status_code == 422, typed
        assert f"Trang “{typed[:40]}” không có" in page.get_data(as_text=True), typed
    dates = client.get("/school/transcripts/register", query_string={"start": "abc", "end": "x"})
    assert dates.status_code == 422 and "Ngày “abc”, “x” không hợp lệ." in dates.get_data(as_text=True)
    assert client.get("/school/transcripts/register", query_string={"page": "1"}).status_code == 200
