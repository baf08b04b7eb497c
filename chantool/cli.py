"""The ``chantool`` command line: parse options, call one library function, render, exit.

Exit codes: 0 no errors (warnings allowed), 1 findings of severity error, 2 could not
run (bad arguments, or a file that could not be read).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import click

from chantool import __version__, coerce
from chantool.batch import (
    Job,
    Options,
    ReadError,
    TargetClash,
    channel_ids,
    plan_jobs,
    score_files,
    validate_files,
)
from chantool.errors import log_exception
from chantool.findings import Lang
from chantool.io.isolation import default_jobs
from chantool.render import TEXT_ROWS, progress_bar, to_json, to_text, word
from chantool.settings import TEMPLATE_KINDS, Limits


class DateParam(click.ParamType):  # type: ignore[type-arg]
    """A date written as 2025-06-30, 2025/6/30 or 2025年6月30日."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return coerce.parse_date(str(value))
        except coerce.CellError:
            self.fail(f"“{value}”不是日期（例如 2025-06-30） / not a date", param, ctx)


lang_option = click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
    help="Language of messages and labels.")
format_option = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="Output format.")
as_of_option = click.option(
    "--as-of", type=DateParam(), default=None, help="Date the checks count from [default: today].")
paths_argument = click.argument(
    "paths", nargs=-1, required=True, type=click.Path(path_type=Path))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="chantool")
def cli() -> None:
    """chantool：渠道管理工作簿的校验与计算工具。 Channel-management workbook toolkit."""


@cli.command()
@click.argument("kind", type=click.Choice(TEMPLATE_KINDS))
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@lang_option
@click.option("--sample", is_flag=True, help="Fill the template with sample rows.")
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def new(kind: str, path: Path, lang: Lang, sample: bool, force: bool) -> None:
    """Create a standard template workbook (book holds every sheet)."""
    if path.exists() and not force:
        raise click.UsageError(f"{path} 已存在，加 --force 覆盖 / exists, add --force")
    from chantool.templates import write_template  # openpyxl is only needed here

    try:
        write_template(kind, path, lang=lang, sample=sample)
    except OSError as error:
        click.echo(f"无法写入 {path}：{error.strerror or error} / cannot write {path}", err=True)
        sys.exit(2)  # could not run (CONTRACT.md)
    click.echo(str(path))


def isolation_options(command: Callable[..., None]) -> Callable[..., None]:
    """--jobs, --time-limit and --memory-limit: how each file's child process runs."""
    for option in reversed((
        click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
                     help="Files checked in parallel [default: all cores]."),
        click.option("--time-limit", type=click.FloatRange(min=1), default=Limits.seconds,
                     show_default=True, help="Seconds allowed per file."),
        click.option("--memory-limit", type=click.IntRange(min=64),
                     default=Limits.memory_bytes >> 20, show_default=True,
                     help="Memory allowed per file, in MB."),
    )):
        command = option(command)
    return command


def output_options(command: Callable[..., None]) -> Callable[..., None]:
    """--out DIR | --in-place: where written workbooks go."""
    command = click.option("--in-place", is_flag=True,
                           help="Change the files themselves (a .bak copy is kept).")(command)
    return click.option("--out", type=click.Path(file_okay=False, path_type=Path),
                        default=None, help="Write changed copies into this folder.")(command)


def _options(as_of: date | None, lang: Lang, jobs: int | None, time_limit: float,
             memory_limit: int) -> Options:
    limits = replace(Limits(), seconds=time_limit, memory_bytes=memory_limit << 20)
    return Options(as_of=as_of or date.today(), lang=lang, limits=limits,
                   jobs=jobs or default_jobs())


def _jobs(paths: tuple[Path, ...], out: Path | None, in_place: bool, lang: Lang) -> list[Job]:
    if out is not None and in_place:
        raise click.UsageError("--out 与 --in-place 只能选一个 / use one of --out and --in-place")
    try:
        jobs = plan_jobs(paths, out=out, in_place=in_place)
    except TargetClash as clash:
        raise click.UsageError(str(clash)) from None
    if not jobs:
        click.echo(word("no_files", lang), err=True)
        sys.exit(2)
    return jobs


@cli.command()
@paths_argument
@format_option
@lang_option
@as_of_option
@click.option("--channels", type=click.Path(path_type=Path), default=None,
              help="Workbook whose 渠道档案 sheet lists the known channel ids.")
@click.option("--mark", is_flag=True,
              help="Mark problem cells (red/yellow fill, note); needs --out or --in-place.")
@output_options
@isolation_options
def validate(
    paths: tuple[Path, ...], fmt: str, lang: Lang, as_of: date | None, channels: Path | None,
    mark: bool, out: Path | None, in_place: bool, jobs: int | None, time_limit: float,
    memory_limit: int,
) -> None:
    """Check workbooks (files or folders) and report every problem by sheet and cell.

    With --out or --in-place the check column and the 校验结果 sheet are written too."""
    if mark and out is None and not in_place:
        raise click.UsageError(
            "--mark 需要 --out DIR 或 --in-place / --mark needs --out or --in-place")
    options = _options(as_of, lang, jobs, time_limit, memory_limit)
    if channels is not None:
        try:
            options = replace(options, outside_channels=channel_ids(channels, options))
        except ReadError as error:
            raise click.UsageError(f"--channels {channels}: {error}") from None
    todo = _jobs(paths, out, in_place, lang)
    with progress_bar(len(todo), lang) as advance:
        report = validate_files(todo, options, mark=mark, progress=advance)
    click.echo(to_json(report) if fmt == "json" else to_text(report, lang))
    sys.exit(report.exit_code)


@cli.command()
@paths_argument
@format_option
@lang_option
@as_of_option
@output_options
@isolation_options
def score(
    paths: tuple[Path, ...], fmt: str, lang: Lang, as_of: date | None, out: Path | None,
    in_place: bool, jobs: int | None, time_limit: float, memory_limit: int,
) -> None:
    """Compute what the channel rules demand: visit compliance, assessment and rankings,
    rebates and commission, grades and risk (files or folders).

    With --out or --in-place the result columns, marks, 校验结果 and 评分 sheets are
    written too."""
    options = replace(_options(as_of, lang, jobs, time_limit, memory_limit),
                      listing_rows=None if fmt == "json" else TEXT_ROWS)
    todo = _jobs(paths, out, in_place, lang)
    with progress_bar(len(todo), lang, "scoring") as advance:
        report = score_files(todo, options, progress=advance)
    click.echo(to_json(report) if fmt == "json" else to_text(report, lang))
    sys.exit(report.exit_code)


@cli.group()
def addin() -> None:
    """The Excel add-in: build it, install it into Excel (Windows), remove it."""


@addin.command("build")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("chantool.xlam"), show_default=True, help="Where to write the add-in.")
def addin_build(output: Path) -> None:
    """Build chantool.xlam from macros/ and the installed xlwings (any OS)."""
    from chantool import addin as builder

    _addin_step(lambda: str(builder.build(output)))


@addin.command("install")
def addin_install() -> None:
    """Put the add-in into Excel's XLSTART folder and record this Python (Windows)."""
    from chantool import addin as builder

    _addin_step(lambda: "已安装，请重新打开 Excel / installed, restart Excel: "
                        f"{builder.install().xlstart / builder.ADDIN_NAME}")


@addin.command("uninstall")
def addin_uninstall() -> None:
    """Remove the add-in and its configuration (Windows)."""
    from chantool import addin as builder

    _addin_step(lambda: "\n".join(str(path) for path in builder.uninstall())
                or "未找到已安装的插件 / nothing installed")


def _addin_step(step: Callable[[], str]) -> None:
    """Run an add-in step: its message, or its reason on stderr with exit code 2."""
    from chantool.addin import AddinError

    try:
        click.echo(step())
    except (AddinError, OSError) as error:
        click.echo(str(error), err=True)
        sys.exit(2)


db_option = click.option(
    "--db", metavar="URL", default=None,
    help="The history store: a SQLite file or postgresql://... "
         "[default: $CHANTOOL_DB, else chantool.db here].")


@cli.command()
@paths_argument
@db_option
@click.option("--accept-errors", is_flag=True, help="Archive files with error findings too.")
@lang_option
@isolation_options
def archive(paths: tuple[Path, ...], db: str | None, accept_errors: bool, lang: Lang,
            jobs: int | None, time_limit: float, memory_limit: int) -> None:
    """Validate workbooks (files or folders) and keep them in the history store; a file
    archived again under its name supersedes the version before."""
    options = _options(None, lang, jobs, time_limit, memory_limit)
    todo = _jobs(paths, None, False, lang)

    def step() -> int:
        # sqlalchemy and the store: imported by the store's commands only.
        from chantool.history.archive import archive_files
        from chantool.history.show import exit_code, report
        from chantool.history.store import open_store

        url, _ = open_store(db, lang)
        with progress_bar(len(todo), lang, "archiving") as advance:
            outcomes = archive_files(todo, url, options, accept_errors=accept_errors,
                                     progress=advance)
        click.echo(report(outcomes, lang))
        return exit_code(outcomes)

    _store_step(step)


@cli.group()
def history() -> None:
    """The history store: the files archived and their versions."""


@history.command("files")
@db_option
@lang_option
def history_files(db: str | None, lang: Lang) -> None:
    """List every archived file and version, and which version is current."""

    def step() -> int:
        from chantool.history.show import files_table
        from chantool.history.store import open_store

        url, engine = open_store(db, lang, create=False)
        click.echo(files_table(engine, url, lang))
        return 0

    _store_step(step)


def _store_step(step: Callable[[], int]) -> None:
    """Run a step on the store and exit with its code; a store that cannot be opened or
    used is its reason on stderr, exit code 2."""
    from chantool.history.store import StoreError

    try:
        code = step()
    except StoreError as error:
        click.echo(str(error), err=True)
        sys.exit(2)
    sys.exit(code)

def main() -> None:
    """The console script: click's own handling, plus no traceback for anything else."""
    try:
        cli.main(prog_name="chantool")
    except Exception as error:  # the last line of defence: the user sees a short message
        log = log_exception(error)
        click.echo(f"chantool 内部错误：{error}（详情已记录在 {log}）", err=True)
        sys.exit(2)
