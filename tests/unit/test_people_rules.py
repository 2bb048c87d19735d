import ast
import pathlib

import pytest

from lms.auth.services import normalize_email, normalize_phone
from lms.core.errors import ValidationError
from lms.core.security import safe_next
from lms.people.banks import bank_by_bin, banks
from lms.people.programme import subjects_for_level


@pytest.mark.parametrize("raw, expected", [
    ("0912 345 678", "0912345678"), ("+84912345678", "0912345678"), ("84912345678", "0912345678"),
    ("912345678", "0912345678"), ("0912.345.678", "0912345678"), ("", None), (None, None),
])
def test_phone_normalisation(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12345", "09123456789012", "abc"])
def test_bad_phone(raw):
    with pytest.raises(ValidationError):
        normalize_phone(raw)


def test_email_normalisation():
    assert normalize_email(" An.Nguyen@Example.COM ") == "an.nguyen@example.com"
    with pytest.raises(ValidationError):
        normalize_email("not-an-email")


def test_lower_secondary_programme_has_8_score_and_4_comment_subjects():
    subjects = subjects_for_level("THCS")
    assert sum(s.assessment == "score" for s in subjects) == 8
    assert sum(s.assessment == "comment" for s in subjects) == 4
    tech = next(s for s in subjects if s.code == "cong_nghe")
    assert tech.periods == {6: 35, 7: 35, 8: 52, 9: 52}


def test_upper_secondary_compulsory_and_electives():
    subjects = subjects_for_level("THPT")
    compulsory_scored = [s.name for s in subjects if not s.elective and s.assessment == "score"]
    assert compulsory_scored == ["Ngữ văn", "Toán", "Ngoại ngữ 1", "Lịch sử", "Giáo dục quốc phòng và an ninh"]
    assert next(s for s in subjects if s.code == "gdqp_an").assessment == "score"


def test_primary_is_all_comment_with_tests_where_the_programme_says():
    subjects = {s.code: s for s in subjects_for_level("TH")}
    assert all(s.assessment == "comment" for s in subjects.values())
    assert subjects["tieng_viet"].periods[1] == 420
    assert subjects["ngoai_ngu_1"].test_grades == frozenset({3, 4, 5})


def test_bank_list_is_the_shared_one():
    assert len(banks()) >= 60
    assert bank_by_bin("970418").short_name == "BIDV"
    assert bank_by_bin("999999") is None


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)",
                                    "http:/evil", "", None, "\\\\evil"])
def test_open_redirects_fall_back_home(target):
    assert safe_next(target, "/") == "/"


def test_relative_next_is_kept():
    assert safe_next("/school/classes?x=1") == "/school/classes?x=1"


# The web layer: views, forms, the app factory and the glue that needs a request or an app. Every
# other module (services, rule modules, job handlers, …) must work without Flask.
WEB_LAYER = {"__init__.py", "cli.py", "extensions.py", "i18n.py", "forms.py", "auth/models.py", "core/errors_views.py",
             "core/mail.py", "core/security.py", "core/templating.py", "core/tenancy.py", "core/jobs.py",
             "core/logs.py", "core/requests.py", "core/downloads.py", "core/inputs.py", "core/audited.py", "core/assets.py", "core/paging.py", "exams/autosave.py"}  # request logging; the autosave's WSGI layer


def test_services_and_rule_modules_do_not_import_flask():
    root = pathlib.Path(__file__).resolve().parents[2] / "lms"
    offenders = []
    for path in root.rglob("*.py"):
        relative = str(path.relative_to(root))
        if path.name.startswith("views") or relative in WEB_LAYER or path.name in WEB_LAYER:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n == "flask" or n.startswith("flask.") or n.startswith("flask_") for n in names):
                offenders.append(relative)
    assert offenders == []


def test_an_address_split_over_columns_reads_in_the_vietnamese_order_without_repeats():
    from lms.people.imports import join_place

    assert join_place(["Tổ 12, khóm Bình Khánh", "Phường Mỹ Bình", "Thành phố Long Xuyên", "Tỉnh An Giang"]) == (
        "Tổ 12, khóm Bình Khánh, Phường Mỹ Bình, Thành phố Long Xuyên, Tỉnh An Giang")
    assert join_place(["", "Phường Châu Đốc", "", "Tỉnh An Giang"]) == "Phường Châu Đốc, Tỉnh An Giang"
    # A part the detail already names is not said again; a short number is never taken for one.
    assert join_place(["Long Xuyên", "Thành phố Long Xuyên", "Tỉnh An Giang"]) == "Long Xuyên, Tỉnh An Giang"
    assert join_place(["12 Trần Hưng Đạo, Mỹ Bình, Long Xuyên", "Phường Mỹ Bình", "TP. Long Xuyên", "An Giang"]) == (
        "12 Trần Hưng Đạo, Mỹ Bình, Long Xuyên, An Giang")
    assert join_place(["Số 1 Lê Lợi", "Phường 1", "Quận 3", "TP. Hồ Chí Minh"]) == (
        "Số 1 Lê Lợi, Phường 1, Quận 3, TP. Hồ Chí Minh")
    assert join_place(["", "", ""]) == ""


def test_a_status_column_tells_pupils_who_left_from_current_ones():
    from lms.people.imports import pupil_status

    for text in ("", "Đang học", "Chuyển đến", "Nghỉ học xin học lại", "Lưu ban", "đang học"):
        assert pupil_status(text) == "current", text
    for text in ("Chuyển đi ngoài tỉnh", "Chuyển đi", "Thôi học", "Thôi học - hoàn cảnh gia đình", "Nghỉ học",
                 "Bỏ học", "Đã tốt nghiệp", "CHUYEN DI"):
        assert pupil_status(text) == "left", text
    assert pupil_status("Chờ xét duyệt") is None
