import re

import pytest

from tests.integration.test_tenancy import foreign_ids

REQUIRED_CSP = ("default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'none'",
                "frame-ancestors 'self'")


def _check_headers(response, url):
    csp = response.headers.get("Content-Security-Policy", "")
    for directive in REQUIRED_CSP:
        assert directive in csp, (url, directive)
    assert "unsafe-inline" not in csp
    assert response.headers.get("X-Content-Type-Options") == "nosniff", url
    assert response.headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", url
    if response.mimetype.startswith("text/"):
        assert "charset=utf-8" in response.content_type, url


def test_headers_on_every_page_a_signed_in_admin_reaches(world, client, app):
    client.login("admin.a")
    seen, queue = set(), ["/", "/does-not-exist", "/static/css/app.css", "/login"]
    while queue:
        url = queue.pop()
        if url in seen or "language" in url or "logout" in url:
            continue
        seen.add(url)
        response = client.get(url)
        _check_headers(response, url)
        if not url.startswith(("/static/", "/bootstrap/static/")):  # fingerprinted assets are kept a year
            assert response.headers.get("Cache-Control") == "no-store", url
        if response.mimetype == "text/html":
            queue += [u for u in re.findall(r'href="(/[^"#]*)"', response.get_data(as_text=True)) if u not in seen]
    assert len(seen) > 15


def test_no_inline_script_or_style_attribute_in_pages(world, client):
    client.login("admin.a")
    for url in ("/", "/school", "/school/students", "/school/staff", "/school/import/students"):
        body = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), url
        assert " onclick=" not in body and " style=" not in body, url


def test_every_post_route_refuses_a_request_without_csrf_token(world, client, app):
    client.login("admin.a")
    ids = foreign_ids(world)
    local = {"class_id": world.a.school_class.id, "course_id": world.a.course.id, "subject_id": world.a.subject.id,
             "year_id": world.a.year.id, "user_id": world.a.teacher.id, "student_id": world.a.students["HSA001"].id,
             "school_id": world.a.school.id, "kind": "students", "token": "x", "lesson_id": 1, "resource_id": 1,
             "announcement_id": 1, "thread_id": 1, "note_id": 1, "category_id": 1, "question_id": 1,
             "exam_id": 1, "attempt_id": 1, "qtype": "essay", "card_id": 1, "job_id": 1,
             "assignment_id": 1, "submission_id": 1, "fee_type_id": 1, "plan_id": 1, "exemption_id": 1,
             "invoice_id": 1, "payment_id": 1, "refund_id": 1, "transfer_id": 1, "task_id": 1, "checkout_id": 1, "channel": "sepay",
             "school_code": "A", "invitation_id": 1, "leave_id": 1, "provider": "zns", "transcript_id": 1,
             "request_id": 1, "report_id": 1, "path": "v1/signatures/sign", "day_off_id": 1, "item_id": 1}
    checked = 0
    for rule in app.url_map.iter_rules():
        if not ({"POST", "PUT", "PATCH", "DELETE"} & rule.methods):
            continue
        url = rule.build({k: local[k] for k in rule.arguments})[1]
        response = client.post(url, {}, csrf=False)
        if getattr(app.view_functions[rule.endpoint], "callback", False):
            # A provider's callback has no CSRF token; its signature or key is refused instead.
            assert response.status_code == 401, (url, response.status_code)
        elif getattr(app.view_functions[rule.endpoint], "cookieless", False):
            # The autosave's defence is its signed attempt ticket, which no other site can read.
            assert response.status_code == 401 and response.get_json()["status"] == "signed_out", url
        else:
            assert response.status_code == 400, (url, response.status_code)
        checked += 1
    assert checked >= 15 and ids


def test_forced_error_gives_generic_500_without_details(app, client):
    @app.route("/__boom")
    def boom():
        raise RuntimeError("secret-canary-in-exception SELECT * FROM users")

    response = client.get("/__boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret-canary" not in body and "Traceback" not in body and "SELECT" not in body
    assert "Đã có lỗi ở máy chủ" in body
    _check_headers(response, "/__boom")


def test_api_clients_get_json_errors(app, client):
    response = client.get("/nothing-here", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_request_body_over_limit_is_413(app, world, client):
    client.login("admin.a")
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.http.post("/school/import/students", data=big, content_type="application/octet-stream")
    assert response.status_code == 413


def test_language_switch_and_english_pages(world, client):
    client.login("admin.a")
    assert "Thiết lập trường" in client.get("/").get_data(as_text=True)
    client.get("/language/en?next=/")
    english = client.get("/").get_data(as_text=True)
    assert "School set-up" in english and 'lang="en"' in english
    client.get("/language/vi")
    assert "Thiết lập trường" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/school", "/school/students"])
def test_pages_require_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_production_refuses_default_secret_key(monkeypatch):
    from lms import create_app
    from lms.config import ProductionConfig

    with pytest.raises(RuntimeError, match="LMS_SECRET_KEY"):
        create_app(type("P", (ProductionConfig,), {"ENV_NAME": "production", "SECRET_KEY": "dev-only-not-secret-change-me"}))


def test_production_refuses_to_start_without_the_secrets_key(monkeypatch):
    from lms import create_app
    from lms.config import ProductionConfig

    with pytest.raises(RuntimeError, match="LMS_SECRETS_KEY"):
        create_app(type("P", (ProductionConfig,), {"ENV_NAME": "production", "SECRET_KEY": "x" * 40,
                                                   "SIGNING_KEY": "dGVzdC1vbmx5LWVkMjU1MTktc2VlZC0wMTIzNDU2Nzg=",
                                                   "SECRETS_KEY": None}))


def test_production_refuses_to_start_without_the_signing_key(monkeypatch):
    from lms import create_app
    from lms.config import ProductionConfig

    with pytest.raises(RuntimeError, match="LMS_SIGNING_KEY"):
        create_app(type("P", (ProductionConfig,), {"ENV_NAME": "production", "SECRET_KEY": "x" * 40,
                                                   "SIGNING_KEY": None, "SIGNING_KEY_FILE": None}))
