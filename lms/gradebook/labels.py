"""What the grade book's codes are called on pages and documents, in the reader's language."""
from __future__ import annotations

import re
from decimal import Decimal

from lms.gradebook import tt22, tt27
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext

TERM_LABELS = {1: _l("Học kỳ I"), 2: _l("Học kỳ II"), 0: _l("Cả năm")}
CHECKPOINT_LABELS = {"gk1": _l("Giữa học kỳ I"), "ck1": _l("Cuối học kỳ I"), "gk2": _l("Giữa học kỳ II"),
                     "cn": _l("Cuối năm học")}
CONDUCT_LABELS = {"T": _l("Tốt"), "K": _l("Khá"), "D": _l("Đạt"), "C": _l("Chưa đạt")}
# The contract functions speak Vietnamese level names; pages show them in the reader's language.
LEVEL_LABELS = {tt22.TOT: _l("Tốt"), tt22.KHA: _l("Khá"), tt22.DAT: _l("Đạt"), tt22.CHUA_DAT: _l("Chưa đạt")}
DECISION_LABELS = {tt22.LEN_LOP: _l("Lên lớp"), tt22.KIEM_TRA_LAI: _l("Kiểm tra lại"),
                   tt22.REN_LUYEN_HE: _l("Rèn luyện trong kỳ nghỉ hè"),
                   tt22.KIEM_TRA_LAI_VA_REN_LUYEN: _l("Kiểm tra lại và rèn luyện trong kỳ nghỉ hè"),
                   tt22.O_LAI_LOP: _l("Ở lại lớp")}
AWARD_LABELS = {tt22.XUAT_SAC: _l("Học sinh Xuất sắc"), tt22.GIOI: _l("Học sinh Giỏi")}
PRIMARY_LEVEL_LABELS = {"T": _l("Hoàn thành tốt"), "H": _l("Hoàn thành"), "C": _l("Chưa hoàn thành")}
QUALITY_LEVEL_LABELS = {"T": _l("Tốt"), "D": _l("Đạt"), "C": _l("Cần cố gắng")}
PRIMARY_RESULT_LABELS = {tt27.HTXS: _l("Hoàn thành xuất sắc"), tt27.HTT: _l("Hoàn thành tốt"),
                         tt27.HT: _l("Hoàn thành"), tt27.CHT: _l("Chưa hoàn thành")}
QUALITY_NAMES = {"yeu_nuoc": _l("Yêu nước"), "nhan_ai": _l("Nhân ái"), "cham_chi": _l("Chăm chỉ"),
                 "trung_thuc": _l("Trung thực"), "trach_nhiem": _l("Trách nhiệm"),
                 "tu_chu": _l("Tự chủ và tự học"), "giao_tiep": _l("Giao tiếp và hợp tác"),
                 "gqvd": _l("Giải quyết vấn đề và sáng tạo"), "ngon_ngu": _l("Ngôn ngữ"),
                 "tinh_toan": _l("Tính toán"), "khoa_hoc": _l("Khoa học"), "cong_nghe": _l("Công nghệ"),
                 "tin_hoc": _l("Tin học"), "tham_mi": _l("Thẩm mĩ"), "the_chat": _l("Thể chất")}
PASS_LABELS = {True: _l("Đ"), False: _l("CĐ")}
PASS_WORDS = {True: _l("Đạt"), False: _l("Chưa đạt")}
SOURCE_LABELS = {"manual": _l("nhập tay"), "import": _l("nhập từ Excel"), "assignment": _l("bài tập"),
                 "exam": _l("bài thi"), "retest": _l("kiểm tra lại")}


def column_label(kind: str, position: int) -> str:
    if kind == "tx":
        return str(_l("TX%(n)s", n=position))
    return str({"gk": _l("GK"), "ck": _l("CK"), "kl": _l("KT lại")}[kind])


def summary_rule(period: int) -> str:
    """The rule a class summary of `period` (1, 2; 0 the year) is computed by — its footnote on the
    page, the PDF and the Excel file: a term's results from that term's averages and the homeroom
    teacher's term conduct; the year's from the year averages, the Điều 8 table and promotion."""
    if period == 0:
        return str(_l("Kết quả học tập cả năm theo Điều 9 Thông tư 22/2021/TT-BGDĐT, từ điểm trung bình môn cả năm "
                      "ĐTBmcn = (ĐTBmhk I + 2 × ĐTBmhk II) / 3 và kết quả cả năm của các môn đánh giá bằng nhận xét "
                      "(không tính điểm trung bình các môn, có quy tắc nâng một mức khi chỉ một môn làm tụt hai mức); "
                      "rèn luyện cả năm tra theo bảng Điều 8 từ kết quả hai học kỳ; xét lên lớp theo Điều 12–14 "
                      "(nghỉ quá 45 buổi thì ở lại lớp)."))
    term = _l("học kỳ I") if period == 1 else _l("học kỳ II")
    return str(_l("Kết quả học tập %(t)s theo Điều 9 Thông tư 22/2021/TT-BGDĐT, từ điểm trung bình môn học kỳ "
                  "ĐTBmhk = (tổng ĐĐGtx + 2 × ĐĐGgk + 3 × ĐĐGck) / (số ĐĐGtx + 5) và kết quả %(t)s của các môn "
                  "đánh giá bằng nhận xét (không tính điểm trung bình các môn, có quy tắc nâng một mức khi chỉ một "
                  "môn làm tụt hai mức); kết quả rèn luyện %(t)s do giáo viên chủ nhiệm đánh giá theo Điều 8. Xét "
                  "lên lớp, kiểm tra lại và rèn luyện hè chỉ xét vào cuối năm học.", t=term))


PRIMARY_TOTALS_TITLE = _l("Kết quả cuối năm (Điều 9 Thông tư 27)")


def primary_summary_rule(checkpoint: str) -> str:
    """The rule a primary class summary at `checkpoint` is read by — its footnote on the page, the
    PDF and the Excel file (one text for the three)."""
    legend = str(_l("T: Hoàn thành tốt, H: Hoàn thành, C: Chưa hoàn thành; trong ngoặc là điểm kiểm tra định kỳ."))
    if checkpoint != "cn":
        return legend
    rules = tt27.CURRENT
    return legend + " " + str(_l(
        "Kết quả cuối năm theo Điều 9 Thông tư 27/2020/TT-BGDĐT: Hoàn thành xuất sắc khi mọi môn Hoàn thành tốt, mọi "
        "phẩm chất và năng lực Tốt và mọi bài kiểm tra định kỳ cuối năm từ %(x)s điểm; Hoàn thành tốt khi như vậy "
        "với bài kiểm tra từ %(t)s điểm; Hoàn thành khi không môn nào Chưa hoàn thành, không phẩm chất, năng lực nào "
        "Cần cố gắng và mọi bài kiểm tra từ %(h)s điểm; còn lại là Chưa hoàn thành.",
        x=rules.excellent_test, t=rules.good_test, h=rules.pass_test))


# The abbreviations of the rules' text and their full forms (shown on pages as <abbr title>).
RULE_ABBREVIATIONS = {
    "ĐTBmhk": _l("Điểm trung bình môn học kỳ"), "ĐTBmcn": _l("Điểm trung bình môn cả năm"),
    "ĐĐGtx": _l("Điểm đánh giá thường xuyên"), "ĐĐGgk": _l("Điểm đánh giá giữa kỳ"),
    "ĐĐGck": _l("Điểm đánh giá cuối kỳ"),
}


def with_abbreviations(text: str):
    """`text` escaped for a page, each abbreviation of RULE_ABBREVIATIONS in an <abbr> with its full form."""
    from markupsafe import Markup, escape

    pattern = re.compile("|".join(sorted(map(re.escape, RULE_ABBREVIATIONS), key=len, reverse=True)))
    out, last = [], 0
    for match in pattern.finditer(text):
        out += [escape(text[last:match.start()]),
                Markup('<abbr title="{}">{}</abbr>').format(str(RULE_ABBREVIATIONS[match.group()]), match.group())]
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


TERM_SHORT = {1: _l("HK I"), 2: _l("HK II")}
COLUMN_WORDS = {"gk": _l("Giữa kỳ"), "ck": _l("Cuối kỳ"), "kl": _l("Kiểm tra lại")}


REMARK = "nx"    # the history's key of a remark: "1:nx" (a term's), "ck1:nx" (a primary checkpoint's)


def change_label(what: str) -> str:
    """The history's record of which value changed, in words: "1:gk1" → "HK I – Giữa kỳ",
    "2:tx3" → "HK II – TX3", a primary checkpoint "ck1" → "Cuối học kỳ I", a remark "1:nx" →
    "HK I – Nhận xét"."""
    where, _sep, key = what.partition(":")
    if key == REMARK:
        if where in CHECKPOINT_LABELS:
            return f"{CHECKPOINT_LABELS[where]} – {_l('Nhận xét')}"
        if where.isdigit() and int(where) in TERM_SHORT:
            return f"{TERM_SHORT[int(where)]} – {_l('Nhận xét')}"
        return what
    if what in CHECKPOINT_LABELS:
        return str(CHECKPOINT_LABELS[what])
    term, _sep, key = what.partition(":")
    kind, position = key.rstrip("0123456789"), key[len(key.rstrip("0123456789")):]
    if not term.isdigit() or int(term) not in TERM_SHORT or kind not in ("tx", *COLUMN_WORDS):
        return what
    column = str(_l("TX%(n)s", n=position)) if kind == "tx" else str(COLUMN_WORDS[kind])
    return f"{TERM_SHORT[int(term)]} – {column}"


def change_value(text: str | None, what: str = "") -> str:
    """A value as the history stored it, as its reader writes it: "6.1" → "6,1" ("6.1" in English);
    a primary "T/7" → "Hoàn thành tốt, 7 điểm" (the level in words, as the grade book's pages name
    it); marks Đ/CĐ unchanged; a remark (`what` "…:nx") as written."""
    if not text:
        return ""
    if what.endswith(":" + REMARK):
        return text
    if "/" in text:
        level, _sep, test = text.partition("/")
        parts = [str(PRIMARY_LEVEL_LABELS.get(level, level))] if level else []
        if test:
            count = Decimal(test) if test.replace(".", "", 1).isdigit() else 2
            parts.append(ngettext("%(n)s điểm", "%(n)s điểm", count, n=test))
        return ", ".join(parts)
    if text.replace(".", "", 1).isdigit():
        from lms.core.numbers import local_decimal

        return local_decimal(text, None, 1)
    return text


# The abbreviations schools print in narrow columns (the Ministry's summary forms use them).
SUBJECT_ABBREVIATIONS = {
    "giáo dục công dân": "GDCD", "giáo dục thể chất": "GDTC", "khoa học tự nhiên": "KHTN",
    "lịch sử và địa lí": "LS&ĐL", "lịch sử và địa lý": "LS&ĐL", "hoạt động trải nghiệm, hướng nghiệp": "HĐTN-HN",
    "hoạt động trải nghiệm": "HĐTN", "nội dung giáo dục của địa phương": "GDĐP", "giáo dục địa phương": "GDĐP",
    "giáo dục kinh tế và pháp luật": "GDKT&PL", "giáo dục quốc phòng và an ninh": "GDQP-AN",
    "tự nhiên và xã hội": "TN&XH", "tiếng việt": "Tiếng Việt", "ngoại ngữ 1": "NN1", "ngoại ngữ 2": "NN2",
}


def subject_abbrev(name: str, width: int = 10) -> str:
    """A subject's name for a narrow column header: the name itself when short, else its usual
    abbreviation ("Giáo dục công dân" → GDCD, never "Giáo dục…", which two subjects share), else
    the initials of its words. What a name says in parentheses only explains it ("Nghệ thuật (Âm
    nhạc, Mĩ thuật)"): the header is made from the name before them, never from cut text."""
    bare = re.sub(r"\s*\([^)]*\)?", " ", name).strip()
    if bare and bare != name:
        return subject_abbrev(bare, width)
    if len(name) <= width:
        return name
    known = SUBJECT_ABBREVIATIONS.get(" ".join(name.lower().split()))
    if known:
        return known
    words = [w for w in name.replace(",", " ").split() if w.lower() not in ("và", "của")]
    return "".join(w if w.isdigit() else w[0].upper() for w in words if w[0].isalnum())
