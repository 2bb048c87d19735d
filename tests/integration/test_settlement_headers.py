"""A card settlement report as the bank writes it, English headers included (issue #23, outside
tester's defects 8 and 13): "MDR Fee" was not read, so the preview showed fee 0 beside a net
amount that said otherwise; now each line's amount − fee must equal its net, and a line where they
disagree is named. An empty terminal id is said to be missing."""
from tests.integration.test_corpus import FILES

TZ = "Asia/Ho_Chi_Minh"


def _plan(name: str, content: bytes | None = None):
    from lms.billing import settlements

    table = settlements.read_settlement(name, content if content is not None else (FILES / name).read_bytes())
    return settlements.plan_settlement(table, table.mapping, TZ)


def test_english_headers_are_read_fee_included(app):
    with app.test_request_context():
        plan = _plan("pos-settlement-vietinbank.csv")
        assert plan.problems == []
        assert [(x.line, x.terminal_id, x.rrn, x.approval_code, x.last4, x.amount, x.fee, x.settled) for x in plan.lines] == [
            (5, "ND000501", "768189138350", "111222", "1234", 1_761_800, 9_690, 1_752_110),
            (6, "ND000501", "211851893285", "111333", "1111", 1_761_800, 19_380, 1_742_420)]
        assert [x.when.isoformat() for x in plan.lines] == ["2026-09-05T08:48:10+00:00", "2026-09-05T09:18:00+00:00"]


def test_a_net_amount_that_contradicts_the_fee_is_named_on_its_line(app):
    text = (FILES / "pos-settlement-vietinbank.csv").read_text()
    with app.test_request_context():
        # A fee column whose header is not known: the net amount shows the fee was not read.
        plan = _plan("pos.csv", text.replace("MDR Fee", "Khấu trừ").encode())
        assert [(p.line, p.column) for p in plan.problems] == [(5, "Net Amount (I)"), (6, "Net Amount (I)")]
        assert "không có cột phí" in plan.problems[0].message
        # A line whose three amounts disagree.
        plan = _plan("pos.csv", text.replace('"19,380","1,742,420"', '"19,380","1,752,110"').encode())
        assert [(p.line, p.column) for p in plan.problems] == [(6, "Net Amount (I)")]
        assert plan.problems[0].message == ("Số tiền 1.761.800 trừ phí 19.380 là 1.742.420, không phải thực nhận "
                                            "1.752.110: kiểm tra lại dòng này với ngân hàng.")


def test_an_empty_terminal_id_is_missing_and_a_date_that_does_not_exist_is_said_to_be_so(app):
    with app.test_request_context():
        plan = _plan("pos-settlement-bidv-BAD.xlsx")
        said = {(p.line, p.message) for p in plan.problems}
        assert (10, "Thiếu mã máy (TID): mã 8 chữ/số in trên hoá đơn của máy POS.") in said
        assert (8, "30/02/2026 không phải ngày có thật (tháng 2/2026 có 28 ngày).") in said
