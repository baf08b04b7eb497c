"""Each threshold pinned at its value and on either side of it: key contacts when 40 % of
the staff is not a whole number (R-04), check-in at exactly 08:00 and check-out at exactly
17:00 (R-07), exactly 30 sold in a review week (R-21), a training score of exactly 80 and
training on the 8th (R-25), payment on the 10th (R-37)."""

from __future__ import annotations

from datetime import date

import pytest

from tests import test_checks as checks
from tests import test_score_assessment as assessment
from tests import test_score_money as money
from tests import test_score_visits as visits
from tests.scoring import pick, rows


@pytest.mark.parametrize(("staff", "contacts", "short"), [
    # 40 % of 5 is exactly 2: 2 is enough, 1 is not.
    pytest.param(5, 2, False, id="5_staff_2_contacts_exactly_40pct"),
    pytest.param(5, 1, True, id="5_staff_1_contact"),
    # 40 % of 6 is 2.4: rounded up, 3 are needed.
    pytest.param(6, 2, True, id="6_staff_2_contacts_2.4_needed"),
    pytest.param(6, 3, False, id="6_staff_3_contacts"),
    # 40 % of 3 is 1.2 (1.2000000000000002 in floating point): 2 are needed, not 3.
    pytest.param(3, 1, True, id="3_staff_1_contact"),
    pytest.param(3, 2, False, id="3_staff_2_contacts"),
    # 40 % of 4 is 1.6: 2 are needed.
    pytest.param(4, 1, True, id="4_staff_1_contact"),
    pytest.param(4, 2, False, id="4_staff_2_contacts"),
    # 40 % of 10 is exactly 4.
    pytest.param(10, 4, False, id="10_staff_4_contacts"),
    pytest.param(10, 3, True, id="10_staff_3_contacts"),
])
def test_r04_key_contacts_are_40pct_of_the_staff_rounded_up(staff: int, contacts: int,
                                                            short: bool) -> None:
    found = checks.check([checks.channels({"销售人员数": staff, "重点联系人数": contacts})])
    assert [f.code for f in found] == (["key_contacts_below_ratio"] if short else [])


@pytest.mark.parametrize(("check_in", "check_out", "late", "early"), [
    pytest.param("08:00", "17:00", False, False, id="exactly_08_00_and_17_00"),
    pytest.param("08:01", "16:59", True, True, id="a_minute_late_and_a_minute_early"),
    pytest.param("07:59", "17:01", False, False, id="a_minute_early_and_a_minute_late"),
    pytest.param("08:00:01", "16:59:59", True, True, id="a_second_either_side"),
])
def test_r07_check_in_by_08_00_and_check_out_at_17_00(check_in: str, check_out: str,
                                                     late: bool, early: bool) -> None:
    day = [visits.visit("2025-06-23", "CH001", check_in=check_in, check_out="10:00"),
           visits.visit("2025-06-23", "CH002", check_in="10:30", check_out=check_out)]
    found, _ = visits.score(visits.book(visits.FOUR, day))
    assert bool(visits.codes(found, "late_check_in")) is late
    assert bool(visits.codes(found, "early_check_out")) is early


@pytest.mark.parametrize(("units", "status"), [
    pytest.param(29, "short", id="29_units"),
    pytest.param(30, "met", id="exactly_30_units"),
    pytest.param(31, "met", id="31_units"),
])
def test_r21_exactly_30_sold_in_a_review_week_meets_the_target(units: int, status: str) -> None:
    # The review week Sat 06-14 .. Fri 06-20, over by the as-of date 06-30: 20 on its first
    # day and the rest on its last.
    _, scores = assessment.score([
        assessment.channels(("CH001", "张伟", "重点", "V1", "直供")),
        assessment.sales(("2025-06-14", "CH001", 20), ("2025-06-20", "CH001", units - 20))])
    week = next(row for row in rows(scores, "weeks") if row["week_start"] == "2025-06-14")
    assert (week["sales_week"], week["sales_status"]) == (units, status)


@pytest.mark.parametrize(("score", "status"), [
    pytest.param(79.9, "notice", id="79.9"),
    pytest.param(80.0, "pass", id="exactly_80"),
    pytest.param(80.1, "pass", id="80.1"),
])
def test_r25_a_training_score_of_exactly_80_passes(score: float, status: str) -> None:
    _, scores = assessment.score([assessment.assessments(
        ("2025-06", "张伟", "东区", 80.0, score, "2025-06-05", "2025-06-06"))])
    assert pick(rows(scores, "managers"), "training_status") == [(status,)]


@pytest.mark.parametrize(("trained", "late"), [
    pytest.param("2025-06-07", False, id="on_the_7th"),
    pytest.param("2025-06-08", False, id="on_the_8th"),
    pytest.param("2025-06-09", True, id="on_the_9th"),
])
def test_r25_training_on_the_8th_is_in_time(trained: str, late: bool) -> None:
    found, _ = assessment.score([assessment.assessments(
        ("2025-06", "张伟", "东区", 80.0, 90.0, trained, trained))])
    assert [spot.code for spot in assessment.spots(found)] == (["training_late"] if late
                                                               else [])


@pytest.mark.parametrize(("paid", "late"), [
    pytest.param("2025-06-09", False, id="on_the_9th"),
    pytest.param("2025-06-10", False, id="on_the_10th"),
    pytest.param("2025-06-11", True, id="on_the_11th"),
])
def test_r37_payment_on_the_10th_of_the_next_month_is_in_time(paid: str, late: bool) -> None:
    # Sold 20 May: on the statement closing 25 May, due by 10 June.
    sold = money.sales(money.sale("2025-05-20", 10, paid=paid))
    found = money.money_findings(money.channels(), sold)
    assert [code for code, *_ in found] == (["payment_late"] if late else [])
    (row,) = money.listing("payments", money.channels(), sold)
    assert (row["due_date"], row["paid_late"]) == ("2025-06-10", 1000.0 if late else 0.0)


@pytest.mark.parametrize(("as_of", "overdue"), [
    pytest.param(date(2025, 6, 10), False, id="unpaid_on_the_10th"),
    pytest.param(date(2025, 6, 11), True, id="unpaid_on_the_11th"),
])
def test_r37_unpaid_is_overdue_from_the_11th(as_of: date, overdue: bool) -> None:
    sold = money.sales(money.sale("2025-05-20", 10))
    found = money.money_findings(money.channels(), sold, as_of=as_of)
    assert [code for code, *_ in found] == (["payment_overdue"] if overdue else [])
