"""Run records: ``score --db`` records each run, ``history runs`` lists them and
``history show`` prints one again as ``score`` printed it; the second migration (0002)
that adds them upgrades a store holding archived files, and the third (0003), which
keeps their texts deflated, upgrades a store holding runs. Each test runs on SQLite and
on PostgreSQL (``store_url``, tests/stores.py)."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
import zlib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

from alembic import command
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner, Result
from sqlalchemy import Engine, column, insert, inspect, select
from sqlalchemy import table as table_clause
from sqlalchemy.engine import URL

from chantool.batch import Job, Options
from chantool.cli import cli
from chantool.history.archive import archive_files
from chantool.history.schema import (
    SHEET_TABLES,
    file_versions,
    files,
    run_inputs,
    run_policies,
    runs,
)
from chantool.history.store import (
    HEAD,
    alembic_config,
    connect,
    migration,
    open_store,
    parse_url,
)
from tests.stores import CLERK_PASSWORD
from tests.test_history import CLEAN, EXAMPLES, WITH_ERRORS, office_month

AS_OF = "2025-06-29"


def chantool(*arguments: object) -> Result:
    return CliRunner().invoke(cli, list(map(str, arguments)))


def score(*arguments: object) -> Result:
    return chantool("score", *arguments, "--as-of", AS_OF)


def stored(engine: Engine) -> list[list[dict[str, Any]]]:
    """Every run record, table by table, as dicts."""
    with engine.connect() as connection:
        return [[dict(row._mapping) for row in connection.execute(
            select(table).order_by(*table.primary_key.columns))]
            for table in (runs, run_inputs, run_policies)]


def test_score_with_a_store_records_the_run_and_show_prints_it_again_exactly(
        store_url: str) -> None:
    text = score(EXAMPLES, "--db", store_url)
    assert text.exit_code == 1, text.output  # the examples hold errors
    assert "已记录为第 1 次运行" in text.stderr and "已记录" not in text.stdout
    as_json = score(EXAMPLES, "--db", store_url, "--format", "json")
    assert as_json.exit_code == 1 and "已记录为第 2 次运行" in as_json.stderr

    shown = chantool("history", "show", "1", "--db", store_url)
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith(text.stdout)  # the results, as printed, then the run
    after = shown.stdout[len(text.stdout):]
    assert after.startswith("\n第 1 次运行：记录于 ") and f"截至 {AS_OF}" in after
    for path in sorted(EXAMPLES.glob("*.xlsx")):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        (line,) = [line for line in after.splitlines() if str(path) in line and "│" in line]
        assert digest in line
    # Each example's 参数 sheet differs: a policy table each (identical ones go together).
    assert after.count("参数（用于 ") == 3 and after.count(" rank_card_count ") == 3

    again = chantool("history", "show", "2", "--db", store_url, "--format", "json")
    assert again.exit_code == 0, again.output
    reprinted = json.loads(again.stdout)
    run = reprinted.pop("run")
    assert reprinted == json.loads(as_json.stdout)
    # Kept compact, it reads back to the very text score printed (numbers and all).
    assert json.dumps(reprinted, ensure_ascii=False, indent=2) + "\n" == as_json.stdout
    assert (run["id"], run["as_of"], run["lang"]) == (2, AS_OF, "zh")
    assert [given["path"] for given in run["inputs"]] == [
        str(path) for path in sorted(EXAMPLES.glob("*.xlsx"))]
    assert all(len(given["sha256"]) == 64 and given["file_version_id"] is None
               for given in run["inputs"])
    # Each file is scored with its own 参数 sheet: the record keeps each one in force.
    assert set(run["policies"]) == {given["path"] for given in run["inputs"]}
    assert {Path(path).name: policy["rank_card_count"]
            for path, policy in run["policies"].items()} == {
        "宁波办事处_拜访日志_2025年5月.xlsx": 3, "宁波办事处_渠道台账_2025年6月.xlsx": 3,
        "浙江省_渠道台账_2025Q2.xlsx": 1, "温州办事处_拜访日志_2025年5月.xlsx": 3,
        "温州办事处_拜访日志_2025年6月.xlsx": 3}  # the province's 参数 sheet sets 1
    assert all(len(policy) > 50 for policy in run["policies"].values())

    listed = chantool("history", "runs", "--db", store_url)
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert [cell.strip() for cell in lines[0].split("┃")] == [
        "编号", "记录时间", "版本", "截至", "输入", "文件", "错误", "警告", "无法读取"]
    summary = json.loads(as_json.stdout)["summary"]
    for line, number in zip(lines[2:], (2, 1), strict=True):  # newest first
        cells = [cell.strip() for cell in line.split("│")]
        assert cells[0] == str(number) and cells[3] == AS_OF
        assert cells[4:] == [str(summary[key]) for key in (
            "files", "files", "errors", "warnings", "unreadable")]


def test_the_same_inputs_scored_twice_give_the_same_record(store_url: str,
                                                          tmp_path: Path) -> None:
    book = office_month(tmp_path, "东区_2025年6月.xlsx", 6, "张伟")
    for jobs in ("1", "3"):  # one file after another, then in parallel
        assert score(EXAMPLES, book, "--db", store_url, "--jobs", jobs).exit_code == 1
    records, inputs, policies = stored(engine_of(store_url))
    first, second = ({key: value for key, value in run.items() if key not in {"id", "recorded_at"}}
                     for run in records)
    assert first == second
    assert len(records) == 2 and len(inputs) == 2 * 6  # the five examples and the book
    for table in (inputs, policies):
        by_run = [[{key: value for key, value in row.items() if key != "run_id"}
                   for row in table if row["run_id"] == run] for run in (1, 2)]
        assert by_run[0] == by_run[1] and by_run[0]


def engine_of(url: str) -> Engine:
    return open_store(url)[1]


def test_show_speaks_the_language_asked_and_the_json_is_the_same_in_both(
        store_url: str) -> None:
    english = score(WITH_ERRORS, "--db", store_url, "--lang", "en")
    assert "recorded as run 1 in " in english.stderr
    chinese = score(WITH_ERRORS, "--db", store_url)
    assert chantool("history", "show", "1", "--db", store_url, "--lang", "en"
                    ).stdout.startswith(english.stdout)
    assert chantool("history", "show", "2", "--db", store_url).stdout.startswith(
        chinese.stdout)
    # The other language: the tables in it, the findings in the run's own.
    other = chantool("history", "show", "1", "--db", store_url).stdout
    assert "客户经理考核" in other and "Managers" not in other
    assert "Run 1: recorded" in chantool(
        "history", "show", "1", "--db", store_url, "--lang", "en").stdout
    results = [json.loads(chantool("history", "show", str(run), "--db", store_url,
                                   "--format", "json").stdout) for run in (1, 2)]
    for found in results:
        found.pop("run")
        for result in found["files"]:
            for finding in result["findings"]:
                finding.pop("message")
    # Apart from the messages, only the explanations are said in the run's language.
    assert _without(results[0], RUN_LANGUAGE_KEYS) == _without(results[1], RUN_LANGUAGE_KEYS)
    assert results[0] != results[1]


# The JSON keys whose text is in the run's language, besides findings' messages.
RUN_LANGUAGE_KEYS: Final = frozenset({"explanation", "sub_causes", "actions"})


def _without(value: Any, keys: frozenset[str]) -> Any:
    """``value`` with every ``keys`` entry of every object inside it left out."""
    if isinstance(value, dict):
        return {key: _without(item, keys) for key, item in value.items() if key not in keys}
    if isinstance(value, list):
        return [_without(item, keys) for item in value]
    return value


def test_the_recorded_hash_is_of_the_file_before_scoring_wrote_into_it(
        store_url: str, tmp_path: Path) -> None:
    book = tmp_path / "东区_2025年6月.xlsx"
    shutil.copy(CLEAN, book)
    before = hashlib.sha256(book.read_bytes()).hexdigest()
    result = score(book, "--in-place", "--db", store_url)
    assert result.exit_code == 0, result.output
    assert hashlib.sha256(book.read_bytes()).hexdigest() != before
    (given,) = stored(engine_of(store_url))[1]
    assert (given["path"], given["sha256"]) == (str(book), before)


def test_an_unreadable_input_is_recorded_without_a_hash(store_url: str,
                                                        tmp_path: Path) -> None:
    missing = tmp_path / "missing.xlsx"
    result = score(missing, CLEAN, "--db", store_url)
    assert result.exit_code == 2
    records, inputs, policies = stored(engine_of(store_url))
    assert [(row["path"], row["sha256"] is None) for row in inputs] == [
        (str(missing), True), (str(CLEAN), False)]
    assert records[0]["unreadable"] == 1
    assert {row["path"] for row in policies} == {str(CLEAN)}
    shown = chantool("history", "show", "1", "--db", store_url).stdout
    assert "（无法读取）" in shown


def test_history_runs_and_show_on_an_empty_or_missing_store_say_so(
        store_url: str, tmp_path: Path) -> None:
    open_store(store_url)
    empty = chantool("history", "runs", "--db", store_url)
    assert empty.exit_code == 0 and "还没有记录的运行" in empty.output
    absent = chantool("history", "show", "7", "--db", store_url)
    assert absent.exit_code == 2 and "历史库中没有第 7 次运行" in absent.output
    english = chantool("history", "show", "7", "--db", store_url, "--lang", "en")
    assert "the store has no run 7" in english.output
    beyond = chantool("history", "show", str(2**63), "--db", store_url)  # no such key
    assert beyond.exit_code == 2 and "不在范围" in beyond.output, beyond.output
    missing = tmp_path / "nothing.db"
    for arguments in (["runs"], ["show", "1"]):
        result = chantool("history", *arguments, "--db", missing)
        assert result.exit_code == 2 and "没有找到数据库文件" in result.output
    assert not missing.exists()


def test_score_stops_before_scoring_when_its_store_cannot_be_used(tmp_path: Path) -> None:
    not_a_store = tmp_path / "notes.db"
    not_a_store.write_text("shopping list\n" * 100)
    out = tmp_path / "out"
    result = score(CLEAN, "--db", not_a_store, "--out", out)
    assert result.exit_code == 2
    assert "出错" in result.stderr and "Traceback" not in result.output
    assert result.stdout == "" and not out.exists()


def test_score_without_db_uses_no_store_even_with_chantool_db_set(
        tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHANTOOL_DB", str(tmp_path / "team.db"))
    result = score(CLEAN)
    assert result.exit_code == 0 and "已记录" not in result.output
    assert not (tmp_path / "team.db").exists() and not (tmp_path / "chantool.db").exists()


def migrated(store_url: str, revision: str, *, down: bool = False) -> Engine:
    """The store's engine, its schema brought up (or ``down``) to ``revision`` as chantool
    migrates a store (``store.migration``)."""
    url = parse_url(store_url)
    engine = connect(url)
    with migration(engine, url, "zh") as connection:
        (command.downgrade if down else command.upgrade)(alembic_config(connection), revision)
    return engine


def test_a_store_of_the_first_schema_with_files_in_it_is_upgraded_when_opened(
        store_url: str, tmp_path: Path) -> None:
    engine = migrated(store_url, "0001")
    # Files archived into the first schema, by today's archiver (it writes only its tables).
    books = [office_month(tmp_path, f"东区_2025年{month}月.xlsx", month, "张伟")
             for month in (5, 6)]
    outcomes = archive_files([Job(book) for book in books], parse_url(store_url),
                             Options(as_of=date.today()), accept_errors=False)
    assert [outcome.status for outcome in outcomes] == ["archived", "archived"]
    kept = (files, file_versions, SHEET_TABLES["visits"], SHEET_TABLES["channels"])

    def snapshot() -> list[Any]:
        with engine.connect() as connection:
            return [connection.execute(select(table).order_by(table.c.id)).all()
                    for table in kept]

    before = snapshot()
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == "0001"
        assert "runs" not in inspect(connection).get_table_names()

    listed = chantool("history", "runs", "--db", store_url)  # the new code opens it
    assert listed.exit_code == 0, listed.output
    assert "还没有记录的运行" in listed.output
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == HEAD
    assert snapshot() == before
    assert score(*books, "--db", store_url).exit_code == 0
    assert len(stored(engine)[0]) == 1
    files_listed = chantool("history", "files", "--db", store_url)
    assert len([line for line in files_listed.output.splitlines() if "东区_2025年" in line]) == 2

    # And back down: the run records go, the archived files stay.
    migrated(store_url, "0001", down=True)
    with engine.connect() as connection:
        assert "runs" not in inspect(connection).get_table_names()
    assert snapshot() == before


def test_runs_recorded_as_plain_text_are_deflated_by_the_third_migration_and_back(
        store_url: str) -> None:
    engine = migrated(store_url, "0002")
    # Runs as the second schema kept them: their texts as text, one of them large; each
    # with its inputs and policy, which rewriting the table must not take with it.
    texts = [{"results": json.dumps({"files": [], "summary": {"files": number}}),
              "text_zh": "\n".join([f"第 {number} 次的报告"] * 10 ** number),
              "text_en": "\n".join([f"Report {number}"] * 10 ** number)} for number in (1, 5)]
    as_text = table_clause("runs", *(column(name) for name in (
        "id", "recorded_at", "chantool_version", "as_of", "lang", "files", "errors",
        "warnings", "unreadable", "results", "text_zh", "text_en")))
    with engine.begin() as connection:
        connection.execute(insert(as_text), [
            {"id": number, "recorded_at": datetime(2025, 6, 29, tzinfo=UTC),
             "chantool_version": "0.9", "as_of": date(2025, 6, 29), "lang": "zh",
             "files": number, "errors": 0, "warnings": 0, "unreadable": 0, **given}
            for number, given in enumerate(texts, start=1)])
        connection.execute(insert(run_inputs), [
            {"run_id": number, "position": 1, "path": f"东区_{number}.xlsx", "sha256": None}
            for number in (1, 2)])
        connection.execute(insert(run_policies), [
            {"run_id": number, "path": f"东区_{number}.xlsx", "key": "rank_card_count",
             "value": str(number)} for number in (1, 2)])
    inputs_and_policies = stored(engine)[1:]
    assert [len(rows) for rows in inputs_and_policies] == [2, 2]

    shown = chantool("history", "show", "2", "--db", store_url)  # the new code opens it
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith(texts[1]["text_zh"] + "\n\n第 2 次运行：")
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == HEAD
        kept = connection.execute(select(runs.c.text_en).order_by(runs.c.id)).scalars().all()
    assert [zlib.decompress(stored).decode() for stored in kept] == [
        given["text_en"] for given in texts]
    assert len(kept[1]) * 100 < len(texts[1]["text_en"])  # deflated, not merely encoded
    assert json.loads(chantool("history", "show", "1", "--db", store_url, "--format",
                               "json").stdout)["summary"] == {"files": 1}

    assert "东区_2.xlsx" in shown.stdout and stored(engine)[1:] == inputs_and_policies

    # And back down: the same texts, as text again, the inputs and policy kept.
    migrated(store_url, "0002", down=True)
    with engine.connect() as connection:
        back = connection.execute(select(*(as_text.c[name] for name in (
            "results", "text_zh", "text_en"))).order_by(as_text.c.id)).all()
    assert [dict(row._mapping) for row in back] == texts
    assert stored(engine)[1:] == inputs_and_policies


def test_credentials_never_appear_in_runs_workbooks_logs_or_messages(
        clerk_url: URL, tmp_path: Path, monkeypatch: Any) -> None:
    password, url = CLERK_PASSWORD, clerk_url
    with_password = url.render_as_string(hide_password=False)
    without = url._replace(password=None).render_as_string(hide_password=False)
    wrong = url.set(username="clerk", password="Wrong-Guess-42").render_as_string(
        hide_password=False)
    out = tmp_path / "out"
    said = [score(EXAMPLES, "--db", with_password, "--out", out),
            score(EXAMPLES, "--db", with_password, "--format", "json")]
    assert [result.exit_code for result in said] == [1, 1], said[0].output
    assert "已记录为第 1 次运行（postgresql://clerk:***@" in said[0].stderr
    said += [chantool("history", "runs", "--db", with_password),
             chantool("history", "show", "1", "--db", with_password),
             chantool("history", "show", "2", "--db", with_password, "--format", "json")]
    assert all(result.exit_code == 0 for result in said[2:])
    for failing in (score(CLEAN, "--db", wrong),
                    chantool("history", "runs", "--db", wrong, "--lang", "en"),
                    chantool("history", "show", "1", "--db", wrong)):
        assert failing.exit_code == 2
        assert "password authentication failed" in failing.output
        said.append(failing)
    monkeypatch.setenv("PGPASSWORD", password)
    said.append(score(CLEAN, "--db", without))
    said.append(chantool("history", "show", "3", "--db", without))
    assert said[-2].exit_code == 0 and said[-1].exit_code == 0, said[-2].output

    shown = "".join(result.output for result in said)
    log = tmp_path / "chantool.log"
    shown += log.read_text(encoding="utf-8") if log.exists() else ""
    records = repr(stored(engine_of(with_password)))
    workbooks = "".join(zipfile.ZipFile(book).read(name).decode("utf-8", "replace")
                        for book in out.glob("*.xlsx")
                        for name in zipfile.ZipFile(book).namelist())
    assert len(list(out.glob("*.xlsx"))) == len(list(EXAMPLES.glob("*.xlsx")))
    for secret in (password, "Wrong-Guess-42"):
        for place in (shown, records, workbooks):
            assert secret not in place
