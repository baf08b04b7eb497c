"""The history store: its schema and migrations, ``chantool archive`` and ``history files``,
each on SQLite and on PostgreSQL (``store_url``, tests/stores.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import CliRunner, Result
from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.engine import URL

from chantool.batch import Options, load
from chantool.cli import cli
from chantool.history.archive import _named, _stated
from chantool.history.schema import (
    SHEET_TABLES,
    channel_managers,
    file_versions,
    files,
    metadata,
    policy_entries,
    version_sheets,
)
from chantool.history.store import (
    HEAD,
    StoreError,
    alembic_config,
    open_store,
    parse_url,
    shown,
    transaction,
)
from chantool.validate import validate_book
from tests.stores import CLERK_PASSWORD

EXAMPLES = Path(__file__).parent.parent / "examples"
CLEAN = EXAMPLES / "浙江省_渠道台账_2025Q2.xlsx"  # no finding
WITH_ERRORS = EXAMPLES / "宁波办事处_渠道台账_2025年6月.xlsx"


def archive(*arguments: object) -> Result:
    return CliRunner().invoke(cli, ["archive", *map(str, arguments)])


def engine_of(url: str) -> Engine:
    return open_store(url)[1]


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as connection:
        found: int = connection.execute(select(func.count()).select_from(table)).scalar_one()
        return found


def office_month(folder: Path, name: str, month: int, manager: str,
                 channels: tuple[str, ...] = ("CH001", "CH002")) -> Path:
    """An office's workbook for one month of 2025: its channels, all managed by
    ``manager``, and two on-site visits to each (no finding)."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    profiles = workbook.create_sheet("渠道档案")
    profiles.append(["渠道编码", "渠道名称", "渠道类型", "渠道等级", "维护级别", "所属区域",
                     "客户经理", "合作开始日期"])
    for channel in channels:
        profiles.append([channel, f"{channel}商行", "直供", "V1", "一般", "东区", manager,
                         date(2024, 1, 1)])
    visits = workbook.create_sheet("拜访日志")
    visits.append(["拜访日期", "客户经理", "渠道编码", "拜访对象", "拜访形式"])
    for day in (2, 3):
        for channel in channels:
            visits.append([date(2025, month, day), manager, channel, "销售人员", "现场面谈"])
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def test_migrations_make_exactly_the_tables_of_the_schema(store_url: str) -> None:
    engine = engine_of(store_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert context.get_current_revision() == HEAD
        assert compare_metadata(context, metadata) == []
    # Opening it again finds it up to date and changes nothing.
    with open_store(store_url)[1].connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == HEAD
    # Every migration also goes back down, to an empty database.
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    with engine.connect() as connection:
        assert inspect(connection).get_table_names() == ["alembic_version"]
        assert MigrationContext.configure(connection).get_current_revision() is None


def test_an_up_to_date_store_is_opened_without_importing_alembic(store_url: str) -> None:
    """Alembic's import took a quarter of a second of every run: the newest migration is
    known to chantool as ``HEAD``, and a store at it is opened without it."""
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD
    open_store(store_url)  # now up to date
    opened = subprocess.run([sys.executable, "-c", (
        "import sys\n"
        "from chantool.history.store import open_store\n"
        "open_store(sys.argv[1])\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'alembic'))"),
        store_url], capture_output=True, text=True, check=True)
    assert opened.stdout == "[]\n"


def test_a_store_made_by_a_newer_chantool_is_refused_unchanged(store_url: str) -> None:
    engine = engine_of(store_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
    result = CliRunner().invoke(cli, ["history", "files", "--db", store_url, "--lang", "en"])
    assert result.exit_code == 2
    assert "has schema version f00d, newer than this chantool" in result.output
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).all() == [
            ("f00d",)]


def test_every_table_and_column_of_the_store_is_documented() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for table in metadata.sorted_tables:
        assert f"`{table.name}`" in readme
        if not table.name.startswith("sheet_"):  # their columns are the sheets' keys
            for column in table.columns:
                assert f"`{column.name}`" in readme, (table.name, column.name)


def test_archive_keeps_every_typed_row_with_its_sheet_and_excel_row(store_url: str) -> None:
    result = archive(CLEAN, "--db", store_url)
    assert result.exit_code == 0, result.output
    assert "已归档为 浙江省_渠道台账_2025Q2.xlsx 第 1 版" in result.output
    book, _ = validate_book(load(CLEAN, Options(as_of=date.today())), as_of=date.today())
    engine = engine_of(store_url)
    with engine.connect() as connection:
        for kind, sheet in book.sheets.items():
            table = SHEET_TABLES[kind]
            stored = connection.execute(
                select(table.c.excel_row, *(table.c[key] for key in sheet.values))
                .order_by(table.c.excel_row)).all()
            assert [tuple(row) for row in stored] == list(
                zip(sheet.row_numbers, *sheet.values.values(), strict=True)), kind
        sheets = {row.kind: row for row in connection.execute(select(version_sheets))}
        assert sheets["visits"].name == "拜访日志"
        assert sheets["visits"].columns.split(",") == list(book.sheets["visits"].values)
        version = connection.execute(select(file_versions)).one()
        policy = connection.execute(select(policy_entries.c.key, policy_entries.c.value)).all()
    assert len(sheets) == len(book.sheets) == 11
    assert (version.period, version.period_from, version.period_to) == (
        "2025-04..2025-06", date(2025, 4, 1), date(2025, 6, 30))
    assert version.office is None  # a province's workbook names three offices
    assert (version.errors, version.warnings, version.version) == (0, 0, 1)
    assert len(policy) > 10 and all(key for key, _ in policy)


def test_the_same_file_again_changes_nothing(store_url: str, tmp_path: Path) -> None:
    assert archive(CLEAN, "--db", store_url).exit_code == 0
    engine = engine_of(store_url)
    before = count(engine, SHEET_TABLES["visits"])
    copy = tmp_path / "elsewhere" / "another name.xlsx"
    copy.parent.mkdir()
    shutil.copy(CLEAN, copy)
    result = archive(CLEAN, copy, "--db", store_url)
    assert result.exit_code == 0, result.output
    assert result.output.count("内容未变，已是 浙江省_渠道台账_2025Q2.xlsx 第 1 版") == 2
    assert result.output.endswith("已归档 0 个，未变 2 个，被拒 0 个，无法归档 0 个\n")
    assert (count(engine, file_versions), count(engine, SHEET_TABLES["visits"])) == (1, before)


def test_a_new_version_of_a_file_supersedes_it_and_the_old_one_stays(
        store_url: str, tmp_path: Path) -> None:
    first = office_month(tmp_path / "sent", "东区_2025年6月.xlsx", 6, "张伟")
    second = office_month(tmp_path / "corrected", "东区_2025年6月.xlsx", 6, "张伟",
                          channels=("CH001", "CH002", "CH003"))
    assert archive(first, "--db", store_url).exit_code == 0
    result = archive(second, "--db", store_url)
    assert result.exit_code == 0, result.output
    assert "已归档为 东区_2025年6月.xlsx 第 2 版（取代第 1 版）" in result.output
    engine = engine_of(store_url)
    with engine.connect() as connection:
        versions = connection.execute(
            select(file_versions.c.id, file_versions.c.version, file_versions.c.superseded_by,
                   file_versions.c.path).order_by(file_versions.c.version)).all()
        visits = connection.execute(
            select(SHEET_TABLES["visits"].c.file_version_id, func.count())
            .group_by(SHEET_TABLES["visits"].c.file_version_id)
            .order_by(SHEET_TABLES["visits"].c.file_version_id)).all()
    (old, new) = versions
    assert old.superseded_by == new.id and new.superseded_by is None
    assert (old.path, new.path) == (str(first), str(second))
    assert [tuple(row) for row in visits] == [(old.id, 4), (new.id, 6)]  # both kept
    assert count(engine, files) == 1

    listed = CliRunner().invoke(cli, ["history", "files", "--db", store_url])
    assert listed.exit_code == 0, listed.output
    lines = [line for line in listed.output.splitlines() if "东区_2025年6月.xlsx" in line]
    assert len(lines) == 2
    assert "已被第 2 版取代" in lines[0] and "当前" in lines[1]
    assert str(first) in lines[0] and "2025-06" in lines[0]
    english = CliRunner().invoke(cli, ["history", "files", "--db", store_url, "--lang", "en"])
    assert "superseded by version 2" in english.output and "current" in english.output
    # The first content again: it is version 1, which version 2 superseded, and says so.
    again = archive(first, "--db", store_url)
    assert again.exit_code == 0
    assert ("已是 东区_2025年6月.xlsx 第 1 版，未改动（第 1 版已被第 2 版取代，评分用的是 "
            "东区_2025年6月.xlsx 的当前版本）") in again.output, again.output
    assert "（第" not in archive(second, "--db", store_url).output  # the current one


def test_a_file_with_errors_is_refused_with_its_findings_unless_accepted(
        store_url: str) -> None:
    refused = archive(WITH_ERRORS, "--db", store_url)
    assert refused.exit_code == 1
    assert "有 12 个错误，未归档" in refused.output
    assert refused.output.endswith("已归档 0 个，未变 0 个，被拒 1 个，无法归档 0 个\n")
    assert "销售记录!E7" in refused.output and "约2200" in refused.output
    engine = engine_of(store_url)
    assert count(engine, file_versions) == count(engine, SHEET_TABLES["sales"]) == 0

    accepted = archive(WITH_ERRORS, "--db", store_url, "--accept-errors", "--lang", "en")
    assert accepted.exit_code == 0, accepted.output
    assert "version 1, with 12 errors (--accept-errors)" in accepted.output
    with engine.connect() as connection:
        version = connection.execute(select(file_versions)).one()
        unit_prices = connection.execute(
            select(SHEET_TABLES["sales"].c.excel_row, SHEET_TABLES["sales"].c.unit_price)
            .where(SHEET_TABLES["sales"].c.excel_row == 7)).one()
    assert (version.errors, version.office) == (12, "宁波办事处")
    # A date in the future (2052) is an error; the period holds the real months.
    assert version.period == "2025-04..2025-06"
    assert unit_prices.unit_price is None  # "约2200" is no number
    listed = CliRunner().invoke(cli, ["history", "files", "--db", store_url])
    (line,) = [line for line in listed.output.splitlines() if "宁波办事处" in line]
    assert [cell.strip() for cell in line.split("│")][1:8] == [
        "1", "宁波办事处", "2025-04..2025-06", line.split("│")[4].strip(), "当前", "12", "2"]


def test_a_channel_that_changes_manager_keeps_its_rows_and_the_store_knows_who_when(
        store_url: str, tmp_path: Path) -> None:
    june = office_month(tmp_path, "东区_2025年6月.xlsx", 6, "张伟")
    july = office_month(tmp_path, "东区_2025年7月.xlsx", 7, "李娜", channels=("CH001",))
    august = office_month(tmp_path, "东区_2025年8月.xlsx", 8, "李娜", channels=("CH001",))
    # Archived out of order: the history follows the months, not the order of archiving.
    assert archive(august, june, july, "--db", store_url).exit_code == 0
    engine = engine_of(store_url)
    visits = SHEET_TABLES["visits"]
    with engine.connect() as connection:
        managed = connection.execute(
            select(channel_managers.c.channel_id, channel_managers.c.manager,
                   channel_managers.c.valid_from, channel_managers.c.valid_to,
                   files.c.name)
            .join(file_versions, file_versions.c.id == channel_managers.c.file_version_id)
            .join(files, files.c.id == file_versions.c.file_id)
            .order_by(channel_managers.c.channel_id, channel_managers.c.valid_from)).all()
        ch001 = connection.execute(select(visits.c.visit_date, visits.c.manager)
                                   .where(visits.c.channel_id == "CH001")
                                   .order_by(visits.c.visit_date)).all()
    assert [tuple(row) for row in managed] == [
        ("CH001", "张伟", date(2025, 6, 1), date(2025, 6, 30), "东区_2025年6月.xlsx"),
        ("CH001", "李娜", date(2025, 7, 1), None, "东区_2025年7月.xlsx"),
        ("CH002", "张伟", date(2025, 6, 1), None, "东区_2025年6月.xlsx"),
    ]
    assert [(row.visit_date.month, row.manager) for row in ch001] == [
        (6, "张伟"), (6, "张伟"), (7, "李娜"), (7, "李娜"), (8, "李娜"), (8, "李娜")]

    # A corrected June that gives CH001 to 李娜 already: one span from June on.
    corrected = office_month(tmp_path / "new", "东区_2025年6月.xlsx", 6, "李娜")
    assert archive(corrected, "--db", store_url).exit_code == 0
    with engine.connect() as connection:
        spans = connection.execute(
            select(channel_managers.c.manager, channel_managers.c.valid_from,
                   channel_managers.c.valid_to)
            .where(channel_managers.c.channel_id == "CH001")).all()
    assert [tuple(row) for row in spans] == [("李娜", date(2025, 6, 1), None)]


def test_who_managed_a_channel_is_found_from_its_own_rows_not_every_current_version(
        tmp_path: Path) -> None:
    """Archiving a file works out its channels' managers again: that must cost the same
    whatever else the store holds. Without statistics, SQLite answered "current version"
    by the index of ``superseded_by`` and went through every current version's profile
    (18-28 ms a file at the 200th file of a year, growing with every file)."""
    store = f"sqlite:///{tmp_path / 'store.db'}"
    for month in (6, 7, 8):
        for office in ("东区", "西区"):
            office_month(tmp_path, f"{office}_2025年{month}月.xlsx", month, "张伟",
                         channels=(f"{office}1", f"{office}2"))
    assert archive(tmp_path, "--db", store, "--jobs", "1").exit_code == 0  # 东区 6月 first
    engine = engine_of(store)
    query = _stated(_named([1])).compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as connection:
        plan = [row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}")]
        said = connection.execute(_stated(_named([1]))).all()
    assert any("ix_sheet_channels_channel" in step for step in plan), plan
    assert not any("superseded_by" in step for step in plan), plan
    # What it finds: the two channels of the first file, in each office-month naming them.
    assert sorted((row.channel_id, row.manager) for row in said) == [
        (channel, "张伟") for channel in ("东区1", "东区2") for _ in range(3)]


def test_an_unreadable_file_is_not_archived_and_the_others_are(store_url: str,
                                                               tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    result = archive(broken, tmp_path / "missing.xlsx", CLEAN, "--db", store_url)
    assert result.exit_code == 2
    assert "broken.xlsx：未归档：" in result.output
    assert "missing.xlsx：未归档：" in result.output
    assert "已归档 1 个，未变 0 个，被拒 0 个，无法归档 2 个" in result.output
    assert "Traceback" not in result.output
    assert count(engine_of(store_url), file_versions) == 1


def test_a_value_the_database_cannot_hold_is_a_clear_reason_not_to_archive(
        store_url: str, tmp_path: Path) -> None:
    book = office_month(tmp_path, "东区_2025年6月.xlsx", 6, "张伟")
    workbook = openpyxl.load_workbook(book)
    workbook["渠道档案"]["I1"], workbook["渠道档案"]["I2"] = "销售人员数", 1e19  # > 64 bits
    workbook.save(book)
    result = archive(book, "--db", store_url)
    assert result.exit_code == 2
    assert "东区_2025年6月.xlsx：未归档：数据库" in result.output, result.output
    assert count(engine_of(store_url), file_versions) == 0


@pytest.mark.parametrize("same", [True, False], ids=["same file", "different files"])
def test_two_processes_archiving_at_once_lose_and_repeat_nothing(
        store_url: str, tmp_path: Path, same: bool) -> None:
    open_store(store_url)  # both may also create it: see the next test
    books = [office_month(tmp_path / "a", f"东区_2025年{month}月.xlsx", month, "张伟")
             for month in (4, 5, 6)]
    others = books if same else [
        office_month(tmp_path / "b", f"西区_2025年{month}月.xlsx", month, "王强",
                     channels=("CH101", "CH102", "CH103")) for month in (4, 5, 6)]
    runs = [subprocess.Popen([sys.executable, "-m", "chantool", "archive", *map(str, batch),
                              "--db", store_url], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
            for batch in (books, others)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    engine = engine_of(store_url)
    visits = 3 * 4 + (0 if same else 3 * 6)
    assert (count(engine, file_versions), count(engine, SHEET_TABLES["visits"])) == (
        3 if same else 6, visits)
    if same:  # each file archived once, by one of the two
        said = "".join(out for out, _ in outputs)
        assert said.count("第 1 版，未改动") + said.count("已归档为") == 6
        assert said.count("已归档为") == 3


def test_two_processes_creating_a_new_store_at_once_both_succeed(
        store_url: str, tmp_path: Path) -> None:
    books = [office_month(tmp_path, f"{manager}.xlsx", 6, manager) for manager in ("张伟", "王强")]
    runs = [subprocess.Popen([sys.executable, "-m", "chantool", "archive", str(book),
                              "--db", store_url], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for book in books]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert count(engine_of(store_url), file_versions) == 2


# Runs ``chantool`` with the archive's row writer dying right after it wrote the visits of
# a file (inside the file's transaction): the child archiving it, or it and the command.
_KILLED_MID_ARCHIVE = """
import os, signal, sys
from chantool.history import archive
from chantool.cli import main

written = archive.insert_rows

def write_then_die(connection, kind, *rest):
    written(connection, kind, *rest)
    if kind == "visits":
        if os.environ["KILL"] == "both":
            os.kill(os.getppid(), signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)

archive.insert_rows = write_then_die
sys.argv[0] = "chantool"
main()
"""


@pytest.mark.parametrize("kill", ["child", "both"])
def test_a_process_killed_mid_archive_leaves_the_store_as_it_was(
        store_url: str, tmp_path: Path, kill: str) -> None:
    first = office_month(tmp_path / "sent", "东区_2025年6月.xlsx", 6, "张伟")
    second = office_month(tmp_path / "corrected", "东区_2025年6月.xlsx", 6, "李娜",
                          channels=("CH001", "CH002", "CH003"))
    assert archive(first, "--db", store_url).exit_code == 0
    engine = engine_of(store_url)

    def snapshot() -> list[Any]:
        with engine.connect() as connection:
            return [connection.execute(select(table)).all() for table in (
                files, file_versions, channel_managers, SHEET_TABLES["visits"],
                SHEET_TABLES["channels"], version_sheets)]

    before = snapshot()
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_MID_ARCHIVE, "archive", str(second), "--db", store_url],
        capture_output=True, text=True, timeout=300, env={**os.environ, "KILL": kill},
        check=False)
    if kill == "both":
        assert killed.returncode == -9
    else:  # the command outlives its child and says the file was not archived
        assert killed.returncode == 2 and "未归档" in killed.stdout, killed
    assert "Traceback" not in killed.stdout + killed.stderr
    assert snapshot() == before

    again = archive(second, "--db", store_url)
    assert again.exit_code == 0, again.output
    assert "第 2 版（取代第 1 版）" in again.output
    assert count(engine, SHEET_TABLES["visits"]) == 4 + 6


def test_listing_waits_for_no_file_being_archived(store_url: str) -> None:
    assert archive(CLEAN, "--db", store_url).exit_code == 0
    url, engine = open_store(store_url)
    with transaction(engine, url, "zh"):  # a writer holds the archive lock meanwhile
        listed = CliRunner().invoke(cli, ["history", "files", "--db", store_url])
    assert listed.exit_code == 0, listed.output
    assert "浙江省_渠道台账_2025Q2.xlsx" in listed.output


def test_store_urls() -> None:
    assert parse_url("team.db").database == str(Path("team.db").absolute())
    assert parse_url("sqlite:////srv/team.db").database == "/srv/team.db"
    url = parse_url("postgresql://clerk:pw@db.example/chantool")
    assert (url.drivername, url.host, url.database) == ("postgresql+psycopg", "db.example",
                                                         "chantool")
    with pytest.raises(StoreError):  # a new, empty database for each transaction
        parse_url("sqlite:///:memory:")
    for given in ("mysql://clerk:hunter2@db.example/chantool",
                  "postgresql://clerk:hunter2@db.example:five/chantool",  # not a port
                  # An unescaped "@" in the password would make its end part of the host.
                  "postgresql://clerk:hun@ter2@db.example/chantool"):
        with pytest.raises(StoreError) as bad:
            parse_url(given)
        assert "ter2" not in str(bad.value) and "***" in str(bad.value), given
    # A password in the query (libpq's) is never shown either.
    assert shown(parse_url("postgresql://clerk@db.example/chantool?password=hunter2"
                           "&sslmode=require")) == (
        "postgresql://clerk@db.example/chantool?sslmode=require")


def test_the_default_store_is_chantool_db_here_or_chantool_db_env(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CHANTOOL_DB", raising=False)
    assert archive(CLEAN).exit_code == 0
    assert (tmp_path / "chantool.db").is_file()
    monkeypatch.setenv("CHANTOOL_DB", str(tmp_path / "team.db"))
    assert archive(CLEAN).exit_code == 0
    assert (tmp_path / "team.db").is_file()


def test_listing_a_store_that_does_not_exist_is_a_clear_error_and_creates_nothing(
        tmp_path: Path) -> None:
    missing = tmp_path / "nothing.db"
    result = CliRunner().invoke(cli, ["history", "files", "--db", str(missing)])
    assert result.exit_code == 2
    assert "没有找到数据库文件" in result.output and not missing.exists()


def test_another_programs_database_is_refused_and_left_as_it_was(store_url: str) -> None:
    from sqlalchemy import create_engine

    theirs = create_engine(parse_url(store_url))
    with theirs.begin() as connection:
        connection.execute(text("CREATE TABLE notes (line TEXT)"))
    for asked in (["history", "files"], ["archive", str(CLEAN)]):
        result = CliRunner().invoke(cli, [*asked, "--db", store_url])
        assert result.exit_code == 2
        assert "不是 chantool 的历史库" in result.output, result.output
    with theirs.connect() as connection:
        assert inspect(connection).get_table_names() == ["notes"]
    theirs.dispose()


def test_a_file_that_is_not_a_store_is_a_clear_error(tmp_path: Path) -> None:
    not_a_store = tmp_path / "notes.db"
    not_a_store.write_text("shopping list\n" * 100)
    result = archive(CLEAN, "--db", not_a_store)
    assert result.exit_code == 2
    assert "出错" in result.output and "Traceback" not in result.output
    assert not_a_store.read_text() == "shopping list\n" * 100


def test_the_other_commands_do_not_import_the_store() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys, chantool.cli; "
         "print(sorted({m.split('.')[0] for m in sys.modules} & "
         "{'sqlalchemy', 'alembic', 'psycopg'}))"],
        capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_credentials_come_from_the_url_environment_or_pgpass_and_are_never_shown(
        clerk_url: URL, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    password, url = CLERK_PASSWORD, clerk_url
    with_password = url.render_as_string(hide_password=False)
    without = url._replace(password=None).render_as_string(hide_password=False)
    log = Path(os.environ["CHANTOOL_LOG"])
    book = office_month(tmp_path, "东区_2025年6月.xlsx", 6, "张伟")

    said = [archive(book, "--db", with_password)]
    assert said[-1].exit_code == 0, said[-1].output
    wrong = url.set(username="clerk", password="Wrong-Guess-99").render_as_string(
        hide_password=False)
    said.append(archive(book, "--db", wrong))
    assert said[-1].exit_code == 2
    assert "password authentication failed" in said[-1].output
    assert "clerk" in said[-1].output and "***" in said[-1].output
    said.append(CliRunner().invoke(cli, ["history", "files", "--db", wrong, "--lang", "en"]))
    assert said[-1].exit_code == 2

    monkeypatch.setenv("PGPASSWORD", password)
    said.append(CliRunner().invoke(cli, ["history", "files", "--db", without]))
    assert said[-1].exit_code == 0 and "东区_2025年6月.xlsx" in said[-1].output
    monkeypatch.delenv("PGPASSWORD")
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"{url.host}:{url.port}:*:clerk:{password}\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    said.append(archive(book, "--db", without))
    assert said[-1].exit_code == 0 and "未改动" in said[-1].output

    # In the URL's query, as libpq takes it too.
    said.append(archive(book, "--db", f"{without}?password={password}"))
    assert said[-1].exit_code == 0 and "未改动" in said[-1].output
    said.append(archive(book, "--db", f"{without}?password=Wrong-Guess-99"))
    assert said[-1].exit_code == 2 and "password authentication failed" in said[-1].output

    shown = "".join(result.output for result in said)
    shown += log.read_text(encoding="utf-8") if log.exists() else ""
    for secret in (password, "Wrong-Guess-99"):
        assert secret not in shown
    with engine_of(with_password).connect() as connection:
        stored = connection.execute(select(file_versions)).all()
    assert password not in repr(stored)
