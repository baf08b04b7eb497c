"""Books that did not come from one file: built from typed rows (the store's)."""

from __future__ import annotations

from datetime import date, time

from chantool.book import Book, RowRef, Sheets, TypedSheet
from chantool.policy import Policy
from chantool.scoring import score_read_book

AS_OF = date(2025, 6, 29)


def _typed_book() -> Book:
    channels = TypedSheet.of_rows("channels", "东区_2025-06.xlsx", "渠道档案", 1, [2], {
        "channel_id": ["CH001"], "name": ["甲"], "manager": ["张伟"]})
    visits = TypedSheet.of_rows("visits", "东区_2025-06.xlsx", "拜访日志", 3, [4, 5], {
        "visit_date": [date(2025, 6, 3), date(2025, 6, 4)], "manager": ["张伟", "张伟"],
        "channel_id": ["CH001", "CH001"], "visit_form": ["现场面谈", "现场面谈"],
        "check_in": [time(9), time(15, 30)], "check_out": [time(10), time(11)]})
    return Book(Policy(), AS_OF, Sheets.of({"channels": channels, "visits": visits}))


def test_a_book_of_typed_rows_is_scored_and_its_findings_name_source_sheet_and_row() -> None:
    book = _typed_book()
    assert book.sheets["visits"].ref(1) == RowRef("东区_2025-06.xlsx", "拜访日志", 5)
    findings, scores = score_read_book(book)
    (late,) = [f for f in findings if f.code == "check_out_before_check_in"]
    assert (late.source, late.sheet, late.row, late.cell) == (
        "东区_2025-06.xlsx", "拜访日志", 5, None)
    # No column letter is known for a stored row: the message names the row instead.
    assert late.message.startswith("拜访日志 第5行：")
    assert late.to_dict()["file"] == "东区_2025-06.xlsx"
    (channel,) = scores.to_dict()["channels"]
    assert (channel["channel_id"], channel["manager"], channel["visits_month"]) == (
        "CH001", "张伟", 2)

