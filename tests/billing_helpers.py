"""Billing set-ups shared by the billing tests: a bank account, fee types, plans, a run."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from lms.billing import fees, invoicing
from lms.billing.models import Category, Period, Scope
from lms.core.timeutil import utcnow
from lms.people.models import School


TERMINALS = "12345678,ND000501,TID00001"


def set_up_fees(session, school, *, meals: int = 700_000, insurance: int = 631_800, fund: int = 200_000,
                terminals: bool = True):
    """School A-like set-up: bank account, monthly meals (exemptions apply), yearly BHYT (on
    behalf) and a voluntary fund, all billed in September; returns the plans."""
    s = session.get(School, school.school.id)
    s.bank_bin, s.bank_account_number, s.bank_account_name = "970436", "0071000123456", "TRUONG THCS THU A"
    s.tax_code = s.tax_code or "0301234567"
    # The school's card terminals (a card payment is accepted only on one of them), as its admin
    # declares them on the channels page; written directly so that two schools may share the set-up.
    from lms.billing.models import ChannelSetting, Method

    if terminals and not session.scalars(select(ChannelSetting).where(ChannelSetting.school_id == s.id,
                                                        ChannelSetting.channel == "pos")).first():
        session.add(ChannelSetting(school_id=s.id, channel="pos", enabled=True, counts_as=Method.CARD_POS,
                                   public={"terminal_ids": TERMINALS, "mode": "sandbox", "sandbox": True}, secret=""))
    acc = school.accountant
    t_meal = fees.save_fee_type(session, acc, s, fees.FeeTypeInput("BANTRU", "Tiền ăn bán trú", Category.SERVICE,
                                                                    exemptions_apply=True))
    t_bhyt = fees.save_fee_type(session, acc, s, fees.FeeTypeInput("BHYT", "Bảo hiểm y tế học sinh", Category.ON_BEHALF))
    t_fund = fees.save_fee_type(session, acc, s, fees.FeeTypeInput("QUY", "Quỹ hội cha mẹ học sinh", Category.VOLUNTARY))
    year = school.year
    p_meal = fees.save_plan(session, acc, s, year, fees.PlanInput(t_meal.id, "Tiền ăn bán trú", meals, Period.MONTHLY,
                                                                 [9, 10, 11, 12, 1, 2, 3, 4, 5], 10))
    p_bhyt = fees.save_plan(session, acc, s, year, fees.PlanInput(t_bhyt.id, "BHYT 12 tháng", insurance, Period.YEAR,
                                                                 [9], 28))
    p_fund = fees.save_plan(session, acc, s, year, fees.PlanInput(t_fund.id, "Quỹ hội", fund, Period.YEAR, [9], 28,
                                                                 Scope.GRADE, [school.school_class.grade]))
    return {"meal": p_meal, "bhyt": p_bhyt, "fund": p_fund, "types": (t_meal, t_bhyt, t_fund)}


def issued_at(school, month: int):
    """When a school issues a month's invoices: at 07:00 on the month's first day (as the demo
    does) — or now, for a month still to come — so the payments a test records in that month are
    never dated before their invoice (the payment form refuses that)."""
    from datetime import datetime, time

    from lms.billing import rules
    from lms.core.timeutil import local_to_utc, school_tz

    y, m = rules.month_of_key(rules.month_key(school.year.start_date.year, month))
    return min(local_to_utc(datetime.combine(date(y, m, 1), time(7, 0)), school_tz()), utcnow())


def issue(session, school, month: int = 9, class_id=None):
    s = session.get(School, school.school.id)
    return invoicing.issue_run(session, school.accountant, s, school.year, month, class_id,
                               now=issued_at(school, month))


def exempt(session, school, code: str, percent: int = 50):
    s = session.get(School, school.school.id)
    return fees.add_exemption(session, school.accountant, s, fees.ExemptionInput(
        code, None, percent, None, date(2026, 9, 1), date(2027, 5, 31), "Hộ cận nghèo"), None, None, {})


def online_setup(dbs, world, make_client, channel: str, values: dict):
    """School A billed for September, `channel` switched on in test mode by its admin, and the
    parent of HSA003 (Trần Văn Dũng) signed in. Returns ((invoice id, code, due), parent client)."""
    from sqlalchemy import select

    from lms.billing.models import Invoice

    with dbs() as s:
        set_up_fees(s, world.a)
        issue(s, world.a)
        s.commit()
        invoice = s.scalars(select(Invoice).where(Invoice.student_id == world.a.students["HSA003"].id)).one()
        ids = (invoice.id, invoice.code, invoice.due)
    admin = make_client()
    admin.login("admin.a")
    assert admin.post(f"/billing/channels/{channel}", {**values, "enabled": "y", "mode": "sandbox"}).status_code == 302
    parent = make_client()
    parent.login("0912000002")
    return ids, parent


ONCE_RE = __import__("re").compile(r'name="key" value="([^"]+)" data-once="([a-z_]+)"')


def once_key(client, page: str, action: str) -> str:
    """The once-only key the server put in `page` for its `action` form (lms.billing.once), as a
    browser would send it back."""
    html = client.get(page).get_data(as_text=True)
    for key, found in ONCE_RE.findall(html):
        if found == action:
            return key
    raise AssertionError(f"no {action} form key on {page}")


_LABELLED: dict[tuple[int, int, str], str] = {}


def start_checkout(parent, invoice_id: int, channel: str, label: str = "k1", *, expect: tuple = (302, 303),
                   confirm: bool = False):
    """A parent's click on a gateway button of the invoice page: the same `label` is the same
    page's form sent again (the same server-made key). `confirm`: the parent confirmed paying
    again while another checkout waits for its gateway. Returns the response."""
    cache = (id(parent), invoice_id, label)
    if cache not in _LABELLED:
        _LABELLED[cache] = once_key(parent, f"/fees/invoices/{invoice_id}", "checkout")
    response = parent.post(f"/fees/invoices/{invoice_id}/pay", {"key": _LABELLED[cache], "channel": channel,
                                                                **({"confirm": "1"} if confirm else {})})
    assert response.status_code in expect, response.get_data(as_text=True)[:500]
    return response


def pay_url_of(parent, invoice_id: int, channel: str, label: str = "k1", *, confirm: bool = False) -> str:
    """Where the parent's browser is sent to pay (the gateway's page): the POST ends on our own
    page (/fees/checkouts/<id>/go), which moves on to the gateway by its Refresh header."""
    go = start_checkout(parent, invoice_id, channel, label, confirm=confirm).headers["Location"]
    assert "/fees/checkouts/" in go, go
    page = parent.get(go)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    return page.headers["Refresh"].split("url=", 1)[1]
