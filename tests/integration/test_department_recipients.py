"""The department's report's "Nơi nhận": the default recipients are in the field from the start,
and the field emptied is refused on it — never silently replaced by the default in the PDF."""
from __future__ import annotations

import html


def test_empty_recipients_are_refused_on_the_field(world, make_client):
    viewer = make_client()
    viewer.login("so.a")
    page = viewer.get("/department/official?year=2026&period=2026-H2").get_data(as_text=True)
    shown = html.unescape(page.split('id="recipients"')[1].split(">", 1)[1].split("</textarea>")[0])
    assert shown.startswith("Bộ Giáo dục và Đào tạo (để báo cáo)\nUBND tỉnh Thử A (để báo cáo)")   # from the start
    for empty in ("", "  \n \n"):
        refused = viewer.post("/department/official", {"year": "2026", "period": "2026-H2", "format": "pdf",
                                                        "signer": "head", "signer_name": "Trần Thị Giám",
                                                        "recipients": empty})
        body = html.unescape(refused.get_data(as_text=True))
        assert refused.status_code == 422 and "/jobs/" not in refused.headers.get("Location", "")
        message = body.split('id="signing-error">')[1].split("</div>")[0]
        assert message.startswith("Nơi nhận chưa có dòng nào: ghi mỗi dòng một nơi nhận văn bản, ví dụ: Bộ Giáo dục")
        assert 'aria-describedby="signing-error" aria-invalid="true">' + empty + "</textarea>" in body
