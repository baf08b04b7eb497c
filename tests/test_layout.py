"""How values look at the edges: number formats by unit, widths, sheet and terminal values."""

from __future__ import annotations

from datetime import date

import pytest

from chantool import layout
from chantool.listings import STATUS_WORDS, Field, Unit


def _field(unit: Unit) -> Field:
    return Field("x", "某值", "Value", unit=unit)


@pytest.mark.parametrize(("unit", "value", "shown"), [
    ("money", 54025.84, "54,025.84"),
    ("money", 54025.8, "54,025.80"),
    ("money", 21261, "21,261.00"),
    ("money", -1234.5, "-1,234.50"),
    ("rate", 0.45, "45.0%"),
    ("rate", -0.6575, "-65.8%"),
    ("count", 12, "12"),
    ("number", 89.1, "89.1"),
    ("number", 89.0, "89"),
    ("number", 1251000.0, "1251000"),
    ("date", "2025-06-29", "2025-06-29"),
    ("month", "2025-06", "2025-06"),
    ("text", "2025Q2", "2025Q2"),
    ("money", None, ""),
])
def test_terminal_text_by_unit(unit: Unit, value: object, shown: str) -> None:
    assert layout.text(_field(unit), value, "zh") == shown


def test_sheet_values_are_typed() -> None:
    assert layout.sheet_value(_field("rate"), 0.45, "zh") == 0.45
    assert layout.sheet_value(_field("money"), 54025.84, "zh") == 54025.84
    # Excel's serial numbers: 45837 is 2025-06-29, as Excel counts.
    assert layout.sheet_value(_field("date"), "2025-06-29", "zh") == 45837
    assert layout.sheet_value(_field("month"), "2025-06", "zh") == 45809
    assert layout.excel_serial(date(1900, 3, 1)) == 61
    assert layout.sheet_value(_field("time"), "12:00", "zh") == 0.5
    # A date field's text that is not a date stays text.
    assert layout.sheet_value(_field("date"), "不详", "zh") == "不详"
    status = Field("status", "达标", "Status", STATUS_WORDS)
    assert layout.sheet_value(status, "met", "zh") == "达标"
    assert layout.sheet_value(status, "met", "en") == "met"
    assert layout.sheet_value(_field("text"), True, "zh") == "是"
    assert layout.text(_field("text"), False, "en") == "no"


def test_number_formats_by_unit() -> None:
    assert layout.NUMBER_FORMATS["money"] == "#,##0.00"
    assert layout.NUMBER_FORMATS["rate"] == "0.0%"
    assert layout.NUMBER_FORMATS["date"] == "yyyy-mm-dd"
    assert layout.NUMBER_FORMATS["count"] == "0"


def test_display_width_counts_wide_characters_twice() -> None:
    assert layout.display_width("CH001") == 5
    assert layout.display_width("杭州西湖数码专营店") == 18
    assert layout.display_width("X100 手机") == 9
    assert layout.column_width(["54,025.84", "杭州"]) == 11
    assert layout.column_width([]) == layout.MIN_WIDTH
    assert layout.column_width(["说" * 100]) == layout.MAX_WIDTH


@pytest.mark.parametrize(("unit", "words", "values"), [
    ("money", None, [1.5, None, 2, 1.5]),
    ("count", None, [1, True, 1.0, None]),  # True is not 1: kept apart
    ("text", None, ["CH001", None, False, "CH001"]),
    ("text", STATUS_WORDS, ["met", "short", None, "met", "other"]),
    ("date", None, ["2025-06-29", None, "2025-06-29", "不详"]),
    ("month", None, ["2025-06", "2025-05"]),
    ("rate", None, []),
])
def test_a_column_at_once_gives_each_values_sheet_value(
        unit: Unit, words: dict[str, tuple[str, str]] | None, values: list[object]) -> None:
    field = Field("x", "某值", "Value", words, unit)
    for lang in ("zh", "en"):
        column = layout.sheet_column(field, values, lang)
        expected = [layout.sheet_value(field, value, lang) for value in values]
        assert column == expected
        assert [type(value) for value in column] == [type(value) for value in expected]
