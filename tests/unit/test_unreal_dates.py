"""A date written in the right form that is not a day of the calendar (31/02, 29/02 of a common
year, month 13) is refused as not a real day — by the one date reader, for every import — not as
"wrong format" (issue #23, outside tester's finding 11)."""
from datetime import date, datetime

import pytest

from lms.core.tables import Column, date_refusal, read_table, to_date, unreal_date


@pytest.mark.parametrize("text, said", [
    ("31/02/2026", "31/02/2026 không phải ngày có thật (tháng 2/2026 có 28 ngày)."),
    ("29/02/2014", "29/02/2014 không phải ngày có thật (tháng 2/2014 có 28 ngày)."),
    ("32/12/2026", "32/12/2026 không phải ngày có thật (tháng 12/2026 có 31 ngày)."),
    ("31/11/2026 08:15:22", "31/11/2026 không phải ngày có thật (tháng 11/2026 có 30 ngày)."),
    ("2026-13-02 09:02:10", "2026-13-02 không phải ngày có thật (không có tháng 13; ngày/tháng/năm)."),
    ("2025/09/31", "2025/09/31 không phải ngày có thật (tháng 9/2025 có 30 ngày)."),
])
def test_a_well_formed_date_that_does_not_exist_is_said_to_be_so(text, said):
    with pytest.raises(ValueError):
        to_date(text)
    assert unreal_date(text) == said and date_refusal(text) == said


@pytest.mark.parametrize("value", ["29/02/2024", "31/12/2026", date(2026, 2, 28), datetime(2026, 1, 1), 46000,
                                   "abc", "", None, "1.250.000"])
def test_a_real_day_or_a_text_that_is_no_date_is_not_called_unreal(value):
    assert unreal_date(value) is None


def test_a_text_that_is_no_date_keeps_the_unreadable_message():
    assert date_refusal("hôm qua") == "Ngày “hôm qua” không đọc được (dd/mm/yyyy)."


def test_the_reader_reads_the_real_dates_it_refuses_the_others_of():
    spec = [Column("date", "Ngày", anchor=True), Column("amount", "Số tiền")]
    table = read_table("d.csv", "Ngày,Số tiền\n29/02/2024,1\n29/02/2025,2\n".encode(), spec, max_rows=10)
    days = [line.get("date") for line in table.lines]
    assert to_date(days[0]) == date(2024, 2, 29) and unreal_date(days[1]) is not None
