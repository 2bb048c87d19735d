"""Pure billing rules: exemptions, billing months, allocation, the state machine, card numbers."""
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.billing import rules, states
from lms.billing.models import Category, InvoiceStatus, Period

Y = (date(2026, 9, 1), date(2027, 5, 31))


def benefit(i, percent=None, amount=None, fee_type=None, dates=Y):
    return rules.Benefit(i, fee_type, percent, amount, *dates)


def test_only_the_most_favourable_benefit_is_granted():
    on = date(2026, 10, 1)
    b50, b100, b_amount = benefit(1, 50), benefit(2, 100), benefit(3, amount=100_000)
    assert rules.best_benefit(60_000, 7, True, on, [b50, b100, b_amount]) == (60_000, b100)
    assert rules.best_benefit(750_000, 7, True, on, [b50, b_amount]) == (375_000, b50)
    assert rules.best_benefit(150_000, 7, True, on, [b50, b_amount]) == (100_000, b_amount)
    assert rules.best_benefit(750_000, 7, False, on, [b100]) == (0, None)          # fee type takes no exemptions
    assert rules.best_benefit(750_000, 7, True, date(2027, 6, 1), [b100]) == (0, None)  # out of its dates
    assert rules.best_benefit(750_000, 7, True, on, [benefit(4, 100, fee_type=8)]) == (0, None)


def test_percentages_round_half_up_to_whole_dong_and_never_exceed_the_line():
    assert rules.discount_of(60_001, benefit(1, 50)) == 30_001          # 30,000.5 → 30,001
    assert rules.discount_of(33_333, benefit(1, 70)) == 23_333          # 23,333.1
    assert rules.discount_of(50_000, benefit(1, amount=80_000)) == 50_000
    # the tuition.md fixture: 60,000/month at 50 % for 9 months = 270,000
    assert 9 * (60_000 - rules.discount_of(60_000, benefit(1, 50))) == 270_000


@pytest.mark.parametrize("category,period,months,problem", [
    (Category.TUITION, Period.MONTHLY, [9, 10, 11, 12, 1, 2, 3, 4, 5], None),
    (Category.TUITION, Period.MONTHLY, [9, 10, 11, 12, 1, 2, 3, 4, 5, 6], "tuition_months"),
    (Category.SERVICE, Period.MONTHLY, [9, 10, 11, 12, 1, 2, 3, 4, 5, 6], None),
    (Category.SERVICE, Period.TERM, [9, 1], None),
    (Category.SERVICE, Period.TERM, [9, 1, 3], "term_months"),
    (Category.ON_BEHALF, Period.YEAR, [9, 10], "one_month"),
    (Category.GOODS, Period.ONCE, [], "none"),
    (Category.GOODS, Period.ONCE, [13], "invalid"),
    (Category.SERVICE, Period.MONTHLY, [9, 9], "invalid"),
])
def test_billing_months(category, period, months, problem):
    assert rules.check_months(category, period, months) == problem


def test_month_keys_follow_the_school_year():
    assert rules.month_key(2026, 9) == "2026-09" and rules.month_key(2026, 1) == "2027-01"
    assert rules.ordered_months([1, 9, 12, 5]) == [9, 12, 1, 5]
    assert rules.due_date_of("2027-01", 10) == date(2027, 1, 10)


def test_allocation_mandatory_first_then_oldest_due():
    invoices = [rules.Open(1, 200_000, date(2026, 9, 1), True), rules.Open(2, 631_800, date(2026, 9, 25), False),
                rules.Open(3, 700_000, date(2026, 10, 10), False)]
    assert rules.allocate(1_000_000, invoices) == ([(2, 631_800), (3, 368_200)], 0)
    assert rules.allocate(2_000_000, invoices) == ([(2, 631_800), (3, 700_000), (1, 200_000)], 468_200)


@given(st.integers(1, 10**9), st.lists(st.tuples(st.integers(0, 10**8), st.booleans()), max_size=6))
def test_allocation_never_loses_or_invents_money(amount, dues):
    invoices = [rules.Open(i, due, date(2026, 9, 1 + i), vol) for i, (due, vol) in enumerate(dues)]
    plan, left = rules.allocate(amount, invoices)
    assert sum(a for _, a in plan) + left == amount and left >= 0
    for invoice_id, part in plan:
        assert 0 < part <= invoices[invoice_id].due


@given(st.integers(0, 10**7), st.integers(0, 10**7), st.integers(0, 10**7))
def test_status_agrees_with_the_totals(total, paid, credited):
    if paid + credited > total:
        with pytest.raises(ValueError):
            states.status_for(total, paid, credited)
        return
    status = states.status_for(total, paid, credited)
    assert (status == InvoiceStatus.PAID) == (paid + credited == total)
    assert (status == InvoiceStatus.PARTIAL) == (0 < paid and paid + credited < total)


def test_the_state_machine():
    assert states.next_status(InvoiceStatus.ISSUED, 100, 40, 0) == InvoiceStatus.PARTIAL
    assert states.next_status(InvoiceStatus.PARTIAL, 100, 100, 0) == InvoiceStatus.PAID
    with pytest.raises(states.TransitionRefused):
        states.next_status(InvoiceStatus.PAID, 100, 40, 0)      # paid never goes back
    with pytest.raises(states.TransitionRefused):
        states.next_status(InvoiceStatus.VOID, 100, 100, 0)
    assert states.can_void(InvoiceStatus.ISSUED, 0) and not states.can_void(InvoiceStatus.PARTIAL, 10)
    assert not states.can_void(InvoiceStatus.PAID, 0)
