"""The words of outgoing messages: the notices' own texts (lms.core.notify) and the lines a
digest adds, in the current language; the ZNS template data and SMS texts are always Vietnamese
(the templates a school registers with Zalo and its SMS brand name are)."""
from __future__ import annotations

from lms.core.notify import MESSAGES, message_body, shown_params
from lms.i18n import lazy_gettext as _l

DIGEST_LINES = {
    "digest_mark": _l("Điểm mới môn %(subject)s của em %(student)s: %(mark)s (%(column)s)"),
    "digest_homework": _l("Bài tập môn %(subject)s của em %(student)s, hạn %(due)s: %(title)s"),
    "digest_exam": _l("Đã có kết quả bài thi %(exam)s của em %(student)s"),
    "digest_absent": _l("Em %(student)s vắng mặt ngày %(date)s (%(how)s)"),
    "digest_late": _l("Em %(student)s đi học muộn ngày %(date)s"),
    "digest_invoices": _l("Em %(student)s chưa nộp %(invoices)s"),
    "digest_subject": _l("Tin trong ngày %(day)s — %(students)s"),
}
HOW = {"P": _l("có phép"), "K": _l("không phép")}
INVOICE = _l("%(amount)s đ mã %(code)s hạn %(due)s")     # one invoice of a digest's payment reminder
TITLES = {
    "absence": _l("Vắng học"), "absence_corrected": _l("Sửa điểm danh"), "announcement": _l("Thông báo"), "message": _l("Tin nhắn"),
    "invoice_issued": _l("Hoá đơn mới"), "invoice_reminder": _l("Nhắc nộp tiền"),
    "homework_overdue": _l("Bài tập"), "leave_approved": _l("Đơn xin nghỉ"), "leave_refused": _l("Đơn xin nghỉ"),
    "digest": _l("Tin trong ngày"),
}
CATEGORIES = {"digest_mark": "marks", "digest_homework": "homework", "digest_exam": "exams",
              "digest_invoices": "fees"}
CATEGORY_WORDS = {"marks": _l("%(n)s điểm mới"), "homework": _l("%(n)s bài tập sắp đến hạn"),
                  "exams": _l("%(n)s kết quả bài thi"),
                  "fees": _l("%(n)s khoản cần nộp"), "notices": _l("%(n)s thông báo")}


def render(kind: str, params: dict) -> str:
    """One notice (with the text it carries, e.g. an announcement's body) or digest line, in the
    current language."""
    if kind in DIGEST_LINES:
        values = shown_params(params)
        if kind == "digest_absent":
            values["how"] = str(HOW.get(params.get("how"), params.get("how", "")))
        if kind == "digest_invoices":
            values["invoices"] = ", ".join(str(INVOICE) % shown_params(i) for i in params.get("invoices", []))
        return str(DIGEST_LINES[kind]) % values
    if kind in MESSAGES:
        return message_body(kind, params)      # an announcement's body with its line
    return kind


def title(kind: str) -> str:
    return str(TITLES.get(kind, _l("Thông báo")))


# The day's attendance, said in a digest's summary line rather than counted: the parent reads on
# Zalo which child was absent or late without opening the app.
ATTENDANCE_WORDS = {"digest_absent": _l("%(name)s vắng %(how)s"), "digest_late": _l("%(name)s đi muộn")}


def summary(items: list[dict]) -> str:
    """'An vắng không phép, 2 điểm mới, 1 bài tập sắp đến hạn, 1 thông báo' — what a digest holds,
    in a line: each child absent or late by given name, the rest counted. The ZNS parameter holds
    200 characters (`rules.zns_data` cuts it), so the attendance comes first."""
    said, counts = [], {}
    for item in items:
        params = item.get("params", {})
        if item["kind"] in ATTENDANCE_WORDS:
            name = str(params.get("student", "")).split(" ")[-1]
            said.append(str(ATTENDANCE_WORDS[item["kind"]]) % {"name": name, "how": str(HOW.get(params.get("how"), ""))})
            continue
        category = CATEGORIES.get(item["kind"], "notices")
        counts[category] = counts.get(category, 0) + len(params.get("invoices") or [None])
    order = ("marks", "exams", "homework", "fees", "notices")
    return ", ".join(said + [str(CATEGORY_WORDS[c]) % {"n": counts[c]} for c in order if counts.get(c)])


# The ZNS template parameters as the parent reads them (the template a school registers with Zalo
# shows each value under its label), in this order (a JSON column need not keep the sent order).
ZNS_LABELS = {"student_name": _l("Tên học sinh"), "class_name": _l("Lớp"), "date": _l("Ngày"),
              "status": _l("Tình trạng"), "school_name": _l("Trường"), "summary": _l("Tóm tắt"),
              "count": _l("Số tin"), "title": _l("Tiêu đề"), "content": _l("Nội dung")}


def as_read(message) -> str:
    """What a sent message said, as its reader read it: an SMS's text, or a ZNS's values under
    their labels (in the reader's language; the values are the Vietnamese that was sent) — not
    the template id and parameter names the provider took."""
    sent = (message.payload or {}).get("sent") or {}
    if "text" in sent:
        return str(sent["text"])
    data = sent.get("template_data") or {}
    keys = [k for k in ZNS_LABELS if k in data] + sorted(k for k in data if k not in ZNS_LABELS)
    return " · ".join(f"{ZNS_LABELS[k]}: {data[k]}" if k in ZNS_LABELS else str(data[k]) for k in keys)
