"""Templates (`chantool new`) and the bundled examples: structure, bytes, sample data."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from chantool.batch import Options, load
from chantool.cli import cli
from chantool.policy import POLICY_KEYS, RATE_KEYS, Policy, read_policy
from chantool.samples import AS_OF, DEFECTS, WENZHOU_FINDINGS, Defect, examples
from chantool.settings import LISTS_SHEET, SHEETS, SHEETS_BY_KIND, TEMPLATE_KINDS, Kind
from chantool.table import column_letter
from chantool.templates import (
    HEADER_ROW,
    INPUT_ROWS,
    committed_files,
    template_sheets,
    workbook_bytes,
)

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden" / "examples.json"
# The number format of each column type (chantool.layout's for its unit).
KIND_FORMATS = {Kind.TEXT: "@", Kind.CHOICE: "@", Kind.YES_NO: "@", Kind.INTEGER: "0",
                Kind.NUMBER: "#,##0.00", Kind.RATE: "0.0%", Kind.DATE: "yyyy-mm-dd",
                Kind.TIME: "hh:mm", Kind.MONTH: "yyyy-mm"}
LANGS = ("zh", "en")


def _new(tmp_path: Path, kind: str, lang: str = "zh", *extra: str) -> Path:
    path = tmp_path / f"{kind}-{lang}.xlsx"
    result = CliRunner().invoke(cli, ["new", kind, str(path), "--lang", lang, *extra])
    assert result.exit_code == 0, result.output
    return path


def _validations(sheet: Worksheet) -> dict[str, list[DataValidation]]:
    """The data validations of a sheet by the first cell of each range they cover."""
    found: dict[str, list[DataValidation]] = {}
    for validation in sheet.data_validations.dataValidation:
        for cells in validation.sqref.ranges:
            found.setdefault(cells.coord.split(":")[0], []).append(validation)
    return found


def test_committed_templates_and_examples_are_current() -> None:
    stale = [str(path.relative_to(ROOT)) for path, book in committed_files(ROOT).items()
             if not path.exists() or path.read_bytes() != workbook_bytes(book)]
    assert stale == [], "run: python -m chantool.templates"


def test_two_generations_give_the_same_bytes(tmp_path: Path) -> None:
    first = _new(tmp_path, "book", "zh", "--sample").read_bytes()
    second = _new(tmp_path, "book", "zh", "--sample", "--force").read_bytes()
    assert first == second


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", TEMPLATE_KINDS)
def test_template_has_readme_data_policy_and_hidden_list_sheets(
    tmp_path: Path, kind: str, lang: str
) -> None:
    book = openpyxl.load_workbook(_new(tmp_path, kind, lang))
    specs = template_sheets(kind)
    data = [spec.name if lang == "zh" else spec.name_en for spec in specs]
    readme, policy = ("说明", "参数") if lang == "zh" else ("Readme", "Policy")
    assert book.sheetnames == [readme, *data, policy, LISTS_SHEET]
    assert book[LISTS_SHEET].sheet_state == "hidden"
    assert book.active.title == data[0]
    assert len(specs) == (len(SHEETS) if kind == "book" else 1)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", TEMPLATE_KINDS)
def test_every_header_is_styled_frozen_and_has_an_input_hint(
    tmp_path: Path, kind: str, lang: str
) -> None:
    book = openpyxl.load_workbook(_new(tmp_path, kind, lang))
    for spec in template_sheets(kind):
        sheet = book[spec.name if lang == "zh" else spec.name_en]
        assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"
        validations = _validations(sheet)
        for position, column in enumerate(spec.columns, start=1):
            letter = column_letter(position - 1)
            header = sheet[f"{letter}{HEADER_ROW}"]
            assert header.value == (column.label if lang == "zh" else column.label_en)
            assert header.font.bold and header.fill.fgColor.rgb.endswith(
                "FCE4D6" if column.required else "DDEBF7")
            hints = validations[f"{letter}{HEADER_ROW}"]
            assert hints[0].showInputMessage and hints[0].prompt.startswith(
                column.hint if lang == "zh" else column.hint_en)
            assert sheet.column_dimensions[letter].width >= 10
            assert sheet.column_dimensions[letter].number_format == KIND_FORMATS[column.kind]


@pytest.mark.parametrize("kind", TEMPLATE_KINDS)
def test_every_enumeration_has_a_drop_down_fed_from_the_hidden_list_sheet(
    tmp_path: Path, kind: str
) -> None:
    book = openpyxl.load_workbook(_new(tmp_path, kind))
    lists = book[LISTS_SHEET]
    policy = Policy()
    for spec in template_sheets(kind):
        validations = _validations(book[spec.name])
        for position, column in enumerate(spec.columns, start=1):
            if column.choices is None and column.kind is not Kind.YES_NO:
                continue
            first = f"{column_letter(position - 1)}{HEADER_ROW + 1}"
            (choice,) = validations[first]
            (cells,) = choice.sqref.ranges
            assert choice.type == "list" and cells.max_row == HEADER_ROW + INPUT_ROWS
            name = choice.formula1.removeprefix("=")
            target = book.defined_names[name].attr_text
            sheet_name, source = target.split("!")
            assert sheet_name.strip("'") == LISTS_SHEET
            values = [cell.value for (cell,) in lists[source.replace("$", "")]]
            if column.kind is Kind.YES_NO:
                assert values == ["是", "否"]
            elif isinstance(column.choices, str):
                assert values == getattr(policy, column.choices)
            else:
                assert tuple(values) == column.choices


@pytest.mark.parametrize("lang", LANGS)
def test_policy_sheet_lists_every_key_and_reads_back_as_the_defaults(
    tmp_path: Path, lang: str
) -> None:
    path = _new(tmp_path, "book", lang)
    sheets = {sheet.name: sheet for sheet in load(path, Options(as_of=AS_OF))}
    policy_sheet = sheets["参数" if lang == "zh" else "Policy"]
    keys = [row[0] for row in policy_sheet.rows[1:]]
    assert keys == list(POLICY_KEYS)
    assert all(row[2] and str(row[3]).startswith("R-") for row in policy_sheet.rows[1:])
    policy, findings, _ = read_policy(policy_sheet, "zh")
    assert findings == []
    assert policy == Policy()
    # Choices in the template's language: Chinese words in a Chinese template.
    values = {row[0]: row[1] for row in policy_sheet.rows[1:]}
    assert [values[key] for key in ("visit_scheme", "rebate_period", "commission_mode",
                                    "commission_period")] == (
        ["维护级别", "季度", "全额累进", "季度"] if lang == "zh" else
        ["care", "quarter", "retroactive", "quarter"])


def test_readme_sheet_explains_every_column_in_chinese(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(_new(tmp_path, "book"))
    rows = list(book["说明"].iter_rows(values_only=True))
    explained = {(row[0], row[1]) for row in rows}
    for spec in template_sheets("book"):
        for column in spec.columns:
            assert (spec.name, column.label) in explained
    assert "chantool validate" in "".join(str(row[0]) for row in rows[:8])


@pytest.mark.parametrize("kind", TEMPLATE_KINDS)
def test_sample_template_is_filled_and_validates_without_findings(
    tmp_path: Path, kind: str
) -> None:
    path = _new(tmp_path, kind, "zh", "--sample")
    book = openpyxl.load_workbook(path)
    for spec in template_sheets(kind):
        assert book[spec.name].max_row > HEADER_ROW + 1
    result = CliRunner().invoke(cli, ["validate", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["files"][0]["findings"] == []


def test_new_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"mine")
    result = CliRunner().invoke(cli, ["new", "book", str(path)])
    assert result.exit_code == 2
    assert "已存在" in result.output
    assert path.read_bytes() == b"mine"


@pytest.fixture(scope="module")
def examples_report() -> dict[str, object]:
    result = CliRunner().invoke(cli, ["validate", str(ROOT / "examples"), "--format", "json",
                                      "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 1, result.output
    report: dict[str, object] = json.loads(result.output)
    return report


def _findings(report: dict[str, object], file: str) -> list[dict[str, object]]:
    files = report["files"]
    assert isinstance(files, list)
    (entry,) = [entry for entry in files if Path(entry["path"]).name == file]
    findings: list[dict[str, object]] = entry["findings"]
    return findings


@pytest.mark.parametrize("defect", DEFECTS, ids=lambda defect: defect.code)
def test_every_deliberate_problem_in_the_examples_is_reported_at_its_cell(
    examples_report: dict[str, object], defect: Defect
) -> None:
    spec = SHEETS_BY_KIND[defect.kind]
    position = [column.key for column in spec.columns].index(defect.column) + 1
    cell = f"{column_letter(position - 1)}{HEADER_ROW + 1 + defect.row}"
    found = {(f["code"], f["sheet"], f["cell"]) for f in _findings(examples_report, defect.file)}
    assert (defect.code, spec.name, cell) in found


def test_the_clean_example_has_no_finding_and_the_others_only_planted_ones(
    examples_report: dict[str, object]
) -> None:
    clean, ningbo, wenzhou, *second_month = (example.file for example in examples())
    assert _findings(examples_report, clean) == []
    assert len(second_month) == 2
    for may in second_month:
        assert _findings(examples_report, may) == []
    planted = {defect.code for defect in DEFECTS}
    assert {f["code"] for f in _findings(examples_report, ningbo)} == planted
    assert {(f["code"], f["sheet"]) for f in _findings(examples_report, wenzhou)} == set(
        WENZHOU_FINDINGS)


def test_examples_json_matches_the_golden_file(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regenerate after an intended change with:
    chantool validate examples --format json --as-of 2025-06-29 > tests/golden/examples.json
    """
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, ["validate", "examples", "--format", "json",
                                      "--as-of", AS_OF.isoformat()])
    assert json.loads(result.output) == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_readme_names_every_template_and_example() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for kind in TEMPLATE_KINDS:
        assert f"`{kind}.xlsx`" in readme
    for example in examples():
        assert f"`{example.file}`" in readme


def test_only_shares_are_shown_as_percentages_on_the_policy_sheet(tmp_path: Path) -> None:
    sheet = openpyxl.load_workbook(_new(tmp_path, "book"))["参数"]
    formats = {row[0].value: row[1].number_format for row in sheet.iter_rows(min_row=2)}
    assert formats["key_contact_ratio"] == "0%"
    assert formats["complaint_onsite_hours"] != "0%"  # 1 hour, not 100%
    assert {key for key, shown in formats.items() if shown == "0%"} == RATE_KEYS


def test_new_creates_missing_folders_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "东区" / "2025" / "book.xlsx"
    result = CliRunner().invoke(cli, ["new", "book", str(path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in path.parent.iterdir()) == ["book.xlsx"]
    assert openpyxl.load_workbook(path).sheetnames[0] == "说明"


def test_new_into_a_place_that_cannot_be_written_says_so_without_a_traceback(
    tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"")
    result = CliRunner().invoke(cli, ["new", "book", str(blocker / "book.xlsx")])
    assert result.exit_code == 2
    assert "无法写入" in result.output and "Traceback" not in result.output
