"""``chantool score`` end to end: the contract's JSON, the text summary, exit codes, and
the results written back (result columns, the 评分 / Scores sheet, marks) read back by
openpyxl and LibreOffice."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Final

import openpyxl
import pytest
from click.testing import CliRunner

from chantool.cli import cli
from chantool.listings import LISTING_KEYS
from chantool.render import TEXT_ROWS
from tests.conftest import CSV_EVERY_SHEET, libreoffice_convert, needs_libreoffice

EXAMPLES: Final = Path(__file__).parent.parent / "examples"
CLEAN: Final = EXAMPLES / "浙江省_渠道台账_2025Q2.xlsx"
AS_OF: Final = ["--as-of", "2025-06-29"]

# CONTRACT.md, `chantool score --format json`: keys every file's object must have.
CONTRACT_KEYS: Final = {
    "channels": {"channel_id", "manager", "visits_week", "visit_target", "visit_status",
                 "profile_status", "grade", "score", "credit_risk"},
    "managers": {"manager", "month", "kpi_score", "rank", "card", "quarter_yellow_cards",
                 "action"},
    "offices": {"office", "month", "score"},
    "rebates": {"channel_id", "model", "period", "qty", "pickup_rebate", "volume_rebate",
                "total"},
}


def run(*arguments: str | Path) -> Any:
    return CliRunner().invoke(cli, [str(argument) for argument in arguments])


def score_json(*arguments: str | Path) -> dict[str, Any]:
    result = run("score", *arguments, "--format", "json", *AS_OF)
    assert result.exit_code in (0, 1), result.output
    found: dict[str, Any] = json.loads(result.output)
    return found


def test_every_file_has_the_contracts_keys_with_rows() -> None:
    report = score_json(EXAMPLES)
    assert len(report["files"]) == 5
    for entry in report["files"]:
        assert entry["as_of"] == "2025-06-29"
        for key, fields in CONTRACT_KEYS.items():
            assert isinstance(entry[key], list)
            for row in entry[key]:
                assert fields <= set(row), (entry["path"], key)
    clean = next(entry for entry in report["files"] if entry["path"].endswith(CLEAN.name))
    for key in LISTING_KEYS:
        assert clean[key], key  # the province book has rows of every kind
    # As of Sunday 06-29 the week holds a full week of visits: every channel has some,
    # and the review weeks and diagnosis show statuses of both kinds.
    assert all(row["visits_week"] > 0 for row in clean["channels"])
    assert {row["visit_status"] for row in clean["channels"]} == {"met"}
    assert {row["sales_status"] for row in clean["weeks"]} == {"met", "short", "pending"}
    assert {row["active_status"] for row in clean["weeks"]} == {"met", "short", "pending"}


def test_contract_values_take_the_contracts_words() -> None:
    (entry,) = score_json(CLEAN)["files"]
    for row in entry["channels"]:
        assert row["visit_status"] in ("met", "short")
        assert row["profile_status"] in ("ok", "late", "missing")
        assert row["grade"] in ("A", "B", "C", None)
        assert row["credit_risk"] in ("low", "medium", "high")
        assert row["score"] is None or 0 <= row["score"] <= 100
    for row in entry["managers"]:
        assert row["card"] in ("reward", "yellow", None)
        assert row["action"] in ("focus", "reassign", None)
    for row in entry["rebates"]:
        assert row["total"] == pytest.approx(row["pickup_rebate"] + row["volume_rebate"])


def test_the_examples_score_exactly_as_the_golden_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every computed number of the examples. Regenerate after an intended change with:
    chantool score examples --format json --as-of 2025-06-29 > tests/golden/score_examples.json
    """
    monkeypatch.chdir(EXAMPLES.parent)
    result = run("score", "examples", "--format", "json", *AS_OF)
    golden = EXAMPLES.parent / "tests" / "golden" / "score_examples.json"
    assert json.loads(result.output) == json.loads(golden.read_text(encoding="utf-8"))


def test_the_exit_code_follows_the_findings() -> None:
    assert run("score", CLEAN, *AS_OF).exit_code == 0  # warnings at most
    assert run("score", EXAMPLES / "宁波办事处_渠道台账_2025年6月.xlsx", *AS_OF).exit_code == 1
    assert run("score", EXAMPLES / "nothing-here.xlsx", *AS_OF).exit_code == 2


def test_the_text_summary_shows_the_listings_by_their_chinese_titles() -> None:
    result = run("score", CLEAN, *AS_OF)
    for title in ("渠道", "客户经理每日拜访", "渠道编码", "本周现场拜访", "拜访达标"):
        assert title in result.output
    english = run("score", CLEAN, *AS_OF, "--lang", "en")
    assert "Channels" in english.output and "Visit status" in english.output


def test_the_text_shows_the_first_rows_and_says_how_many_more_there_are() -> None:
    golden = json.loads((EXAMPLES.parent / "tests" / "golden" / "score_examples.json")
                        .read_text(encoding="utf-8"))
    (entry,) = [entry for entry in golden["files"] if entry["path"].endswith(CLEAN.name)]
    rebates = len(entry["rebates"])
    assert rebates > TEXT_ROWS
    output = run("score", CLEAN, *AS_OF).output
    hidden = 4  # units rebated, volume threshold, threshold reached, explanation
    assert f"另有 {rebates - TEXT_ROWS} 行、{hidden} 列未显示" in output
    english = run("score", CLEAN, *AS_OF, "--lang", "en").output
    assert f"{rebates - TEXT_ROWS} more rows and {hidden} more columns" in english


def test_the_batch_process_shows_the_scores_without_importing_the_engine() -> None:
    # The scores come from the file's process; unpickling and showing them must not
    # import the engine (and pydantic) into the batch's process, which costs time.
    code = textwrap.dedent(f"""
        import sys
        from datetime import date
        from pathlib import Path
        from chantool.batch import Options, plan_jobs, score_files
        from chantool.render import TEXT_ROWS, to_text
        jobs = plan_jobs([Path({str(CLEAN)!r})])
        report = score_files(jobs, Options(as_of=date(2025, 6, 30), listing_rows=TEXT_ROWS))
        text = to_text(report, "zh")
        print("另有" in text, sorted({{"chantool.scoring", "chantool.book", "pydantic"}}
                                    & set(sys.modules)))
        """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["True", "[]"]


def scored_copy(tmp_path: Path) -> Path:
    source = tmp_path / "in" / CLEAN.name
    source.parent.mkdir()
    shutil.copy(CLEAN, source)
    result = run("score", source, *AS_OF, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    return tmp_path / "out" / CLEAN.name


def test_out_writes_the_scores_sheet_and_result_columns(tmp_path: Path) -> None:
    written = scored_copy(tmp_path)
    book = openpyxl.load_workbook(written)
    assert "评分" in book.sheetnames and "校验结果" in book.sheetnames
    scores = book["评分"]
    assert scores["A1"].value == "目录" and scores["A3"].value == "渠道"
    assert "渠道编码" in [row[0] for row in scores.iter_rows(values_only=True)]
    titles = [row[0] for row in scores.iter_rows(values_only=True) if row and len(
        [cell for cell in row if cell is not None]) == 1]
    assert "客户经理每日拜访（R-03，本周）" in titles
    channels = book["渠道档案"]
    header = [cell.value for cell in channels[2]]
    for generated in ("本周现场拜访", "拜访目标", "拜访达标", "档案状态", "评估得分", "等级",
                      "信用风险"):
        assert generated in header
    column = header.index("拜访达标") + 1
    assert channels.cell(3, column).value in ("达标", "未达标")
    assert CLEAN.read_bytes() == (tmp_path / "in" / CLEAN.name).read_bytes()


def test_scoring_a_scored_file_again_changes_nothing(tmp_path: Path) -> None:
    written = scored_copy(tmp_path)
    first = written.read_bytes()
    assert run("score", written, *AS_OF, "--in-place").exit_code == 0
    assert written.read_bytes() == first


@needs_libreoffice
def test_libreoffice_reads_the_scores_sheet(tmp_path: Path) -> None:
    written = scored_copy(tmp_path)
    out = tmp_path / "csv"
    libreoffice_convert(written, out, CSV_EVERY_SHEET)
    rows = list(csv.reader((out / f"{written.stem}-评分.csv").open(encoding="utf-8")))
    assert rows[0][0] == "目录" and rows[2][0] == "渠道" and ["渠道", "渠道编码"] in [
        [row[0], rows[number + 1][0]] for number, row in enumerate(rows[:-1]) if row]
    assert sum(1 for row in rows if row and row[0].startswith("CH0")) >= 30


def test_every_file_object_has_every_result_key_whatever_it_holds(tmp_path: Path) -> None:
    unreadable = tmp_path / "清单.txt"
    unreadable.write_text("渠道编码\nCH001\n", encoding="utf-8")
    visits_only = EXAMPLES / "温州办事处_拜访日志_2025年6月.xlsx"
    result = run("score", CLEAN, visits_only, unreadable, "--format", "json", *AS_OF)
    files = json.loads(result.output)["files"]
    assert [entry["status"] for entry in files] == ["findings", "findings", "unreadable"]
    assert set(files[0]) == set(files[1]) == set(files[2])
    assert files[2]["as_of"] == "2025-06-29" and files[2]["findings"] == []
    assert all(files[2][key] == [] for key in LISTING_KEYS)
    assert tuple(key for key in files[0] if isinstance(files[0][key], list)
                                 and key != "findings") == LISTING_KEYS
