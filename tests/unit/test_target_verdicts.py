"""Targets are judged on the exact share, never on the rounded figure printed, and a period or
course with no data gets no verdict ("không có số liệu"), in the official report's findings, the
department's cashless table and the online-share report."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from lms.core.numbers import percent, reaches
from lms.courses.share import Row as ShareRow, Tally
from lms.reports import cashless, official
from lms.reports.dashboard import Metric


FIFTEEN = cashless.Milestone(date(2026, 1, 1), 15, 15)


def _report(online: Metric, money: cashless.Figures, target: cashless.Milestone = FIFTEEN):
    return official.SchoolOfficial(None, None, SimpleNamespace(online=online), money, target, [], 0, None)


def test_a_share_printed_as_the_target_but_below_it_is_not_met():
    assert percent(250, 1670) == Decimal("15.0")            # printed 15,0 % …
    assert reaches(250, 1670, 15) is False                  # … but 14,97 % is below 15 %
    assert reaches(251, 1670, 15) is True and reaches(15, 100, Decimal("15.0")) is True
    assert reaches(0, 0, 15) is None and reaches(1, 2, None) is None

    money = cashless.Figures()
    money.methods["qr"].add(250, 250)
    money.methods["cash"].add(1420, 1420)
    lines = _report(Metric("online", 250, 1670, Decimal(15)), money).findings
    # The findings print as many decimals as the verdict needs (numbers.share_text): 14,97 %, never
    # "15,0 %, chỉ tiêu 15,0 % — chưa đạt" beside itself.
    assert "Dạy học trực tuyến: 14,97 %, chỉ tiêu 15,0 % — chưa đạt." in lines
    assert "Thanh toán không dùng tiền mặt theo số giao dịch: 14,97 %, chỉ tiêu 15 % — chưa đạt." in lines
    row = cashless.SchoolRow(None, money, cashless.Milestone(date(2026, 1, 1), 15, 15), 4)
    assert row.meets is False
    share = ShareRow("course", "Toán 6A1", Tally(planned=1670, online=250, delivered=250), Decimal(15), "thcs")
    assert share.below_delivered is True and share.below_planned is True


def test_no_data_gets_no_verdict():
    lines = _report(Metric("online", 0, 0, Decimal(15)), cashless.Figures(),
                    cashless.Milestone(date(2026, 1, 1), 95, 95)).findings
    assert "Dạy học trực tuyến: —, chỉ tiêu 15,0 % — không có số liệu." in lines
    assert "Thanh toán không dùng tiền mặt theo số giao dịch: —, chỉ tiêu 95 % — không có số liệu." in lines
    assert not any("chưa đạt" in line for line in lines[:-1])
    assert cashless.SchoolRow(None, cashless.Figures(), cashless.Milestone(date(2026, 1, 1), 95, 95), 4).meets is None
    share = ShareRow("course", "Toán 6A1", Tally(), Decimal(15), "thcs")
    assert share.below_delivered is None and share.below_planned is None
