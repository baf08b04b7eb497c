"""The 归档 ribbon button, run against the xlwings stand-in (tests/xlfake.py): it keeps the
saved workbook in the store the add-in's configuration names, on SQLite and on
PostgreSQL, and says in Chinese, within the connect timeout, when it cannot."""

from __future__ import annotations

import shutil
import socket
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from chantool import addin
from chantool.cli import cli
from chantool.history import store
from chantool.history.schema import file_versions
from chantool.xl import ribbon
from tests import xlfake
from tests.test_history import WITH_ERRORS, count, engine_of, office_month

AS_OF = date(2025, 6, 30)


@pytest.fixture(autouse=True)
def profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user folder of its own, where the add-in's configuration is looked for."""
    folder = tmp_path / "profile"
    monkeypatch.setenv("USERPROFILE", str(folder))
    return folder


def configure(given: str | None, monkeypatch: pytest.MonkeyPatch) -> str | None:
    """Write the add-in's configuration naming the store ``given``, as ``addin install
    --db`` does: a server's password goes to PGPASSWORD, never into the file."""
    if given is not None and "://" in given:
        url = make_url(given)
        if url.password is not None:
            monkeypatch.setenv("PGPASSWORD", str(url.password))
        given = url._replace(password=None).render_as_string(hide_password=False)
    path = addin.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(addin.config_text("python", store=given), encoding="utf-8")
    return given


def saved_book(path: Path) -> xlfake.Book:
    """The workbook at ``path``, open and saved."""
    return xlfake.Book.from_file(path)


def test_archive_keeps_the_saved_workbook_in_the_configured_store(
        store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = engine_of(store_url)  # a store made before, as by chantool archive
    configured = configure(store_url, monkeypatch)
    book = saved_book(office_month(tmp_path, "东区_2025年6月.xlsx", 6, "张伟"))
    message = ribbon.run("archive", book, AS_OF)
    assert "：已归档为 东区_2025年6月.xlsx 第 1 版" in message, message
    shown = store.shown(store.parse_url(configured))
    assert message.endswith(f"\n历史库：{shown}")
    assert count(engine, file_versions) == 1
    again = ribbon.run("archive", book, AS_OF)
    assert "内容未变，已是 东区_2025年6月.xlsx 第 1 版" in again
    assert count(engine, file_versions) == 1
    if "://" in store_url:  # the server's password reached it through PGPASSWORD only
        assert str(make_url(store_url).password) not in message + again


def test_a_workbook_not_saved_yet_or_with_changes_is_not_archived(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "store.db"
    engine = engine_of(str(database))
    configure(str(database), monkeypatch)
    never_saved = xlfake.Book()
    changed = saved_book(office_month(tmp_path, "东区_2025年6月.xlsx", 6, "张伟"))
    changed.api.Saved = False
    for book in (never_saved, changed):
        assert ribbon.run("archive", book, AS_OF) == \
            "请先保存工作簿，再点“归档”：归档的是磁盘上保存的文件"
    assert count(engine, file_versions) == 0


def test_no_store_configured_or_a_missing_store_file_is_a_message_and_creates_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = saved_book(office_month(tmp_path, "东区_2025年6月.xlsx", 6, "张伟"))
    message = ribbon.run("archive", book, AS_OF)  # no configuration at all
    assert message.startswith("没有设置归档用的历史库：请关闭 Excel，运行 chantool addin "
                              "install --db 数据库地址")
    assert str(addin.config_path()) in message
    configure(None, monkeypatch)  # a configuration without the key
    assert ribbon.run("archive", book, AS_OF) == message
    missing = tmp_path / "share" / "team.db"
    configure(str(missing), monkeypatch)
    assert ribbon.run("archive", book, AS_OF) == (
        f"归档未能完成：没有找到数据库文件 {missing}（先用 chantool archive 归档）")
    assert not missing.exists()


def test_a_workbook_with_errors_is_refused_with_its_first_errors(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "store.db"
    engine = engine_of(str(database))
    configure(str(database), monkeypatch)
    copy = tmp_path / WITH_ERRORS.name
    shutil.copy(WITH_ERRORS, copy)
    lines = ribbon.run("archive", saved_book(copy), AS_OF).splitlines()
    assert lines[0].endswith("有 12 个错误，未归档（修正后再归档，或加 --accept-errors）：")
    assert [line.startswith("  错误 ") for line in lines[1:6]] == [True] * 5
    assert lines[6:] == ["……共 12 个错误：请先点“校验”查看并修正，再归档",
                         f"历史库：{database}"]
    assert count(engine, file_versions) == 0


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port where connections are taken (the system's backlog) and never answered: a
    server that hangs."""
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen(8)
        yield listening.getsockname()[1]


def test_an_unreachable_server_is_a_chinese_message_within_the_connect_timeout(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, silent_server: int) -> None:
    book = saved_book(office_month(tmp_path, "东区_2025年6月.xlsx", 6, "张伟"))
    monkeypatch.setattr(store, "CONNECT_SECONDS", 3)  # the test waits 3 s, not 10
    configure(f"postgresql://clerk@127.0.0.1:{silent_server}/chantool", monkeypatch)
    started = time.monotonic()
    message = ribbon.run("archive", book, AS_OF)
    waited = time.monotonic() - started
    assert message.startswith(f"归档未能完成：数据库 postgresql://clerk@127.0.0.1:{silent_server}"
                              "/chantool 出错："), message
    assert "timeout" in message
    assert 2.5 < waited < 3 + 5

    with socket.socket() as probe:  # a port nothing listens on: refused at once
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    configure(f"postgresql://clerk@127.0.0.1:{closed}/chantool", monkeypatch)
    started = time.monotonic()
    message = ribbon.run("archive", book, AS_OF)
    assert message.startswith("归档未能完成：数据库 postgresql://clerk@127.0.0.1:"), message
    assert time.monotonic() - started < 3


def test_install_records_the_store_keeps_it_on_reinstall_and_refuses_a_password(
        tmp_path: Path) -> None:
    places = addin.Places(tmp_path / "XLSTART", tmp_path / "chantool.conf")
    team = "postgresql://clerk@dbhost/chantool"
    addin.install(places, interpreter="python.exe", store=team)
    assert places.config.read_bytes().endswith(b'\r\n"CHANTOOL_DB","' + team.encode() + b'"\r\n')
    assert addin.config_values(places.config) == {
        "INTERPRETER_WIN": "python.exe", "UDF MODULES": "chantool.xl.udfs", "CHANTOOL_DB": team}
    addin.install(places, interpreter="python.exe")  # an update: the store stays
    assert addin.config_values(places.config)["CHANTOOL_DB"] == team
    for bad, text in (("postgresql://clerk:Secret-9@dbhost/chantool", "不要写密码"),
                      ('C:\\"odd"\\team.db', "不能含引号")):
        with pytest.raises(addin.AddinError) as refused:
            addin.install(places, interpreter="python.exe", store=bad)
        assert text in refused.value.text("zh") and "Secret-9" not in refused.value.text("zh")
    assert addin.config_values(places.config)["CHANTOOL_DB"] == team


def test_install_with_db_is_an_option_of_the_command() -> None:
    result = CliRunner().invoke(cli, ["addin", "install", "--help"])
    assert "--db" in result.output and "归档" in result.output
