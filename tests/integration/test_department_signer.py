"""The department's report is signed as official documents are: by its head ("GIÁM ĐỐC") or a
deputy signing for them ("KT. GIÁM ĐỐC" / "PHÓ GIÁM ĐỐC"), the signer's name under the title, and
a "Nơi nhận" block — by default the bodies it reports to, its schools and the file copy."""
from __future__ import annotations

from tests.integration.test_official_reports import _wait_and_fetch
from tests.pdftext import pages


def _pdf(app, viewer, **fields) -> list[str]:
    started = viewer.post("/department/official", {"year": "2026", "period": "2026-H2", "format": "pdf", **fields})
    assert started.status_code == 302, started.get_data(as_text=True)[:300]
    _status, pdf = _wait_and_fetch(app, viewer, started.headers["Location"])
    return pages(pdf)


def test_head_or_deputy_signs_with_a_name_and_recipients(app, world, make_client):
    viewer = make_client()
    viewer.login("so.a")
    page = viewer.get("/department/official?year=2026&period=2026-H2").get_data(as_text=True)
    assert "Bộ Giáo dục và Đào tạo (để báo cáo)\nUBND tỉnh Thử A (để báo cáo)" in page     # the default, editable
    last = _pdf(app, viewer, signer="deputy", signer_name="Nguyễn  Văn Phó",
                recipients="Bộ Giáo dục và Đào tạo (để báo cáo)\nUBND tỉnh Thử A (để báo cáo)\nLưu: VT, KHTC")[-1]
    assert "KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC" in last and "Nguyễn Văn Phó" in last
    assert "Nơi nhận: - Bộ Giáo dục và Đào tạo (để báo cáo); - UBND tỉnh Thử A (để báo cáo); - Lưu: VT, KHTC." in last
    last = _pdf(app, viewer, signer="head", signer_name="Trần Thị Giám")[-1]
    assert "GIÁM ĐỐC" in last and "KT." not in last and "Trần Thị Giám" in last
    assert "- Các trường trực thuộc (để thực hiện); - Lưu: VT." in last        # the default recipients
    refused = viewer.post("/department/official", {"year": "2026", "period": "2026-H2", "format": "pdf",
                                                    "signer": "deputy", "signer_name": " "})
    assert refused.status_code == 422
    assert "Cấp phó ký thay (KT.) cần ghi rõ họ tên người ký." in refused.get_data(as_text=True)
