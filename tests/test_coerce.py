"""Turning raw cell values into typed values: chantool.coerce."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest

from chantool.coerce import (
    EXCEL_ERRORS,
    Cell,
    CellError,
    fold_key,
    is_blank,
    parse_date,
    parse_integer,
    parse_month,
    parse_number,
    parse_rate,
    parse_text,
    parse_time,
    parse_yes_no,
    split_list,
)

Parser = Callable[[Cell], Any]

PARSERS: list[Parser] = [
    parse_text, parse_number, parse_integer, parse_rate,
    parse_date, parse_time, parse_yes_no, parse_month,
]


def error_code(parse: Parser, value: Cell) -> str:
    """The catalogue code of the CellError that ``parse`` raises for ``value``."""
    with pytest.raises(CellError) as caught:
        parse(value)
    return caught.value.code


# --- Excel error values ---------------------------------------------------------------


@pytest.mark.parametrize("error", sorted(EXCEL_ERRORS))
@pytest.mark.parametrize("parse", PARSERS, ids=lambda parse: parse.__name__)
def test_excel_error_values_are_formula_errors_for_every_type(parse: Parser, error: str) -> None:
    assert error_code(parse, error) == "cell_error"


@pytest.mark.parametrize("parse", PARSERS, ids=lambda parse: parse.__name__)
@pytest.mark.parametrize("error", [" #N/A ", "#n/a", "#Div/0!"])
def test_excel_error_values_are_recognised_in_any_case_and_padding(
    parse: Parser, error: str
) -> None:
    assert error_code(parse, error) == "cell_error"


# --- Text -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(" 张伟 ", "张伟", id="text_is_trimmed"),
        pytest.param(12.0, "12", id="whole_float_reads_as_its_digits"),
        pytest.param(12.5, "12.5", id="fraction_keeps_its_decimals"),
        pytest.param(7, "7", id="integer"),
        pytest.param(True, "是", id="true_is_yes_in_chinese"),
        pytest.param(False, "否", id="false_is_no_in_chinese"),
        pytest.param(date(2025, 1, 2), "2025-01-02", id="date_as_iso"),
        pytest.param(datetime(2025, 1, 2, 3, 4), "2025-01-02 03:04:00", id="datetime_as_iso"),
        pytest.param(time(8, 30), "08:30:00", id="time_as_iso"),
    ],
)
def test_text_reads_every_cell_type_as_written(value: Cell, expected: str) -> None:
    assert parse_text(value) == expected


# --- Numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("1,200", 1200.0, id="thousands_separator"),
        pytest.param("１２００", 1200.0, id="full_width_digits"),
        pytest.param("１，２００", 1200.0, id="full_width_digits_with_thousands_separator"),
        pytest.param("¥1,200.50", 1200.5, id="yen_sign_and_decimals"),
        pytest.param("￥99", 99.0, id="full_width_yen_sign"),
        pytest.param("30元", 30.0, id="yuan_suffix"),
        pytest.param(" -3.5 ", -3.5, id="padded_negative"),
        pytest.param("1.5e3", 1500.0, id="exponent"),
        pytest.param(7, 7.0, id="integer_cell"),
        pytest.param(2.5, 2.5, id="float_cell"),
    ],
)
def test_numbers_are_read_from_cells_and_common_spellings(value: Cell, expected: float) -> None:
    assert parse_number(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("12%", id="percentage_is_not_a_plain_number"),
        pytest.param("1,20", id="misplaced_thousands_separator"),
        pytest.param("12,00,000", id="lakh_grouping"),
        pytest.param("1.2.3", id="two_decimal_points"),
        pytest.param("三十", id="chinese_numerals"),
        pytest.param("abc", id="words"),
        pytest.param(True, id="boolean"),
        pytest.param(None, id="empty"),
    ],
)
def test_values_that_are_not_numbers_are_reported(value: Cell) -> None:
    assert error_code(parse_number, value) == "not_a_number"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), (12.0, 12), (12, 12), ("1,200", 1200), ("１２", 12)],
)
def test_whole_numbers_are_integers(value: Cell, expected: int) -> None:
    result = parse_integer(value)
    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize(
    ("value", "code"),
    [
        pytest.param(12.5, "not_an_integer", id="float_with_fraction"),
        pytest.param("12.5", "not_an_integer", id="text_with_fraction"),
        pytest.param("x", "not_a_number", id="not_a_number_at_all"),
        pytest.param(True, "not_a_number", id="boolean"),
    ],
)
def test_values_that_are_not_whole_numbers_are_reported(value: Cell, code: str) -> None:
    assert error_code(parse_integer, value) == code


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("12%", 0.12, id="percentage"),
        pytest.param("１２％", 0.12, id="full_width_percentage"),
        pytest.param("12.5%", 0.125, id="fractional_percentage"),
        pytest.param(0.12, 0.12, id="share_as_number"),
        pytest.param("0.12", 0.12, id="share_as_text"),
        pytest.param(1, 1.0, id="whole"),
    ],
)
def test_rates_are_shares_or_percentages(value: Cell, expected: float) -> None:
    assert parse_rate(value) == pytest.approx(expected)


@pytest.mark.parametrize("value", ["abc%", "%", "twelve"])
def test_rates_that_are_not_numbers_are_reported(value: Cell) -> None:
    assert error_code(parse_rate, value) == "not_a_number"


# --- Dates, times, months -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(44962.0, date(2023, 2, 5), id="excel_serial_float"),
        pytest.param(44962, date(2023, 2, 5), id="excel_serial_integer"),
        pytest.param(44962.75, date(2023, 2, 5), id="excel_serial_with_time_of_day"),
        pytest.param(1, date(1900, 1, 1), id="first_excel_serial"),
        pytest.param(59, date(1900, 2, 28), id="serial_before_phantom_leap_day"),
        pytest.param(61, date(1900, 3, 1), id="serial_after_phantom_leap_day"),
        pytest.param(2958465, date(9999, 12, 31), id="last_excel_serial"),
        pytest.param(datetime(2023, 2, 5, 10, 30), date(2023, 2, 5), id="excel_datetime"),
        pytest.param(date(2023, 2, 5), date(2023, 2, 5), id="excel_date"),
        pytest.param("2023-02-05", date(2023, 2, 5), id="iso_text"),
        pytest.param("2023-2-5", date(2023, 2, 5), id="iso_text_without_zeros"),
        pytest.param("2023/2/5", date(2023, 2, 5), id="slashes"),
        pytest.param("2023年2月5日", date(2023, 2, 5), id="chinese"),
        pytest.param("2025.6.4", date(2025, 6, 4), id="dots"),
        pytest.param("2025.06.04", date(2025, 6, 4), id="dots_with_zeros"),
        pytest.param("2025-6-4", date(2025, 6, 4), id="dashes_without_zeros"),
        pytest.param("20250604", date(2025, 6, 4), id="eight_digits_as_text"),
        pytest.param("2025.06.04 09:15", date(2025, 6, 4), id="dots_with_time_of_day"),
        pytest.param("２０２３－０２－０５", date(2023, 2, 5), id="full_width"),
        pytest.param("2023-02-05 10:30", date(2023, 2, 5), id="text_with_time_of_day"),
        pytest.param("2023-02-05T10:30:00", date(2023, 2, 5), id="iso_datetime_text"),
    ],
)
def test_dates_are_read_from_excel_dates_serials_and_text(value: Cell, expected: date) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("2025/13/45", id="month_13_day_45"),
        pytest.param("2023-02-30", id="day_not_in_month"),
        pytest.param("2023-02-29", id="leap_day_in_a_common_year"),
        pytest.param("2023.02/05", id="mixed_separators"),
        pytest.param("20251304", id="eight_digits_month_13"),
        pytest.param("2025064", id="seven_digits"),
        pytest.param(20250604, id="eight_digit_number_is_a_serial_far_past_9999"),
        pytest.param("05/02/2023", id="day_first"),
        pytest.param("上周三", id="words"),
        pytest.param(0, id="serial_zero"),
        pytest.param(-1, id="negative_serial"),
        pytest.param(2958466, id="serial_after_year_9999"),
        pytest.param(True, id="boolean"),
    ],
)
def test_values_that_are_not_dates_are_reported_not_raised(value: Cell) -> None:
    assert error_code(parse_date, value) == "not_a_date"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("08:30", time(8, 30), id="text"),
        pytest.param("8:30", time(8, 30), id="text_without_zero"),
        pytest.param("08:30:15", time(8, 30, 15), id="text_with_seconds"),
        pytest.param("08：30", time(8, 30), id="full_width_colon"),
        pytest.param("8点30分", time(8, 30), id="chinese"),
        pytest.param("8点", time(8, 0), id="chinese_hour_only"),
        pytest.param(8.5 / 24, time(8, 30), id="excel_fraction_of_day"),
        pytest.param(0.75, time(18, 0), id="excel_fraction_evening"),
        pytest.param(0, time(0, 0), id="excel_midnight"),
        pytest.param(0.99999999, time(23, 59, 59), id="excel_fraction_rounding_up_to_midnight"),
        pytest.param(time(8, 30), time(8, 30), id="excel_time"),
        pytest.param(datetime(2025, 6, 2, 8, 30), time(8, 30), id="excel_datetime"),
        pytest.param(timedelta(hours=8, minutes=30), time(8, 30), id="duration"),
    ],
)
def test_times_are_read_from_text_day_fractions_and_time_cells(value: Cell, expected: time) -> None:
    assert parse_time(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("25:00", id="hour_25"),
        pytest.param("8:60", id="minute_60"),
        pytest.param("25:99", id="hour_and_minute_out_of_range"),
        pytest.param(1.0, id="a_whole_day"),
        pytest.param(-0.25, id="negative_fraction"),
        pytest.param(timedelta(days=1), id="duration_of_a_day"),
        pytest.param("早上", id="words"),
        pytest.param(True, id="boolean"),
    ],
)
def test_values_that_are_not_times_are_reported(value: Cell) -> None:
    assert error_code(parse_time, value) == "not_a_time"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *[(value, True) for value in ["是", " 是 ", "Y", "y", "yes", "YES", "Yes", "ｙｅｓ",
                                      "TRUE", "true", "1", 1, 1.0, True]],
        *[(value, False) for value in ["否", "N", "n", "no", "NO", "FALSE", "false",
                                       "0", 0, 0.0, False]],
    ],
)
def test_yes_and_no_have_all_their_spellings(value: Cell, expected: bool) -> None:
    assert parse_yes_no(value) is expected


@pytest.mark.parametrize("value", ["maybe", "也许", "10", 2, 0.5, "", None])
def test_values_that_are_not_yes_or_no_are_reported(value: Cell) -> None:
    assert error_code(parse_yes_no, value) == "not_yes_no"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("2025-06", "2025-06", id="iso"),
        pytest.param("2025-6", "2025-06", id="iso_without_zero"),
        pytest.param("2025/6", "2025-06", id="slash"),
        pytest.param("2025年6月", "2025-06", id="chinese"),
        pytest.param("2025.06", "2025-06", id="dot"),
        pytest.param("２０２５－０６", "2025-06", id="full_width"),
        pytest.param(date(2025, 6, 17), "2025-06", id="excel_date"),
        pytest.param("2025-06-17", "2025-06", id="whole_date_as_text"),
        pytest.param("2025年6月17日", "2025-06", id="whole_chinese_date_as_text"),
        pytest.param(datetime(2025, 6, 30, 23, 59), "2025-06", id="excel_datetime"),
    ],
)
def test_months_are_read_from_text_and_real_dates(value: Cell, expected: str) -> None:
    assert parse_month(value) == expected


@pytest.mark.parametrize("value", ["2025-13", "2025-00", "June", "六月", "25-06", None])
def test_values_that_are_not_months_are_reported(value: Cell) -> None:
    assert error_code(parse_month, value) == "not_a_month"


# --- Keys, lists, blanks --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(" Channel ID ", "channel_id", id="trimmed_case_folded_space"),
        pytest.param("channel-id", "channel_id", id="hyphen"),
        pytest.param("Channel  -  ID", "channel_id", id="run_of_separators"),
        pytest.param("ＣＨＡＮＮＥＬ＿ＩＤ", "channel_id", id="full_width"),
        pytest.param("\u3000渠道编码\u3000", "渠道编码", id="ideographic_spaces"),
        pytest.param("提货返利（元/台）", "提货返利(元/台)", id="full_width_brackets"),
    ],
)
def test_keys_fold_case_width_and_separators(text: str, expected: str) -> None:
    assert fold_key(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("A, B，C、D;E；F", ["A", "B", "C", "D", "E", "F"], id="every_separator"),
        pytest.param("A\nB", ["A", "B"], id="line_break"),
        pytest.param("A,,B, ", ["A", "B"], id="empty_items_dropped"),
        pytest.param("VKA", ["VKA"], id="single_item"),
        pytest.param(12.0, ["12"], id="number_cell"),
        pytest.param(None, [], id="empty_cell"),
        pytest.param("  ", [], id="spaces_only"),
    ],
)
def test_lists_split_on_chinese_and_western_separators(value: Cell, expected: list[str]) -> None:
    assert split_list(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, True), ("", True), ("  ", True), ("\u3000", True), ("x", False), (0, False),
     (False, False)],
)
def test_only_empty_cells_and_spaces_are_blank(value: Cell, expected: bool) -> None:
    assert is_blank(value) is expected


def test_a_currency_cell_from_xlwings_is_a_number() -> None:
    # xlwings on Windows hands a cell formatted as currency or accounting over as a Decimal.
    assert parse_number(Decimal("1234.5")) == 1234.5
    assert parse_integer(Decimal("12.0000")) == 12
    assert error_code(parse_integer, Decimal("12.5")) == "not_an_integer"
    for value in (Decimal("NaN"), Decimal("Infinity")):
        assert error_code(parse_number, value) == "not_a_number"
