"""The ``chantool`` command line: parse options, call one library function, render, exit.

Exit codes: 0 no errors (warnings allowed), 1 findings of severity error, 2 could not
run (bad arguments, or a file that could not be read).
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from chantool import __version__, coerce
from chantool.batch import ReadError, channel_ids, find_workbooks, validate_files
from chantool.errors import log_exception
from chantool.findings import Lang
from chantool.render import progress_bar, to_json, to_text, word
from chantool.templates import KINDS, write_template


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
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@lang_option
@click.option("--sample", is_flag=True, help="Fill the template with sample rows.")
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def new(kind: str, path: Path, lang: Lang, sample: bool, force: bool) -> None:
    """Create a standard template workbook (book holds every sheet)."""
    if path.exists() and not force:
        raise click.UsageError(f"{path} 已存在，加 --force 覆盖 / exists, add --force")
    write_template(kind, path, lang=lang, sample=sample)
    click.echo(str(path))


@cli.command()
@paths_argument
@format_option
@lang_option
@as_of_option
@click.option("--channels", type=click.Path(path_type=Path), default=None,
              help="Workbook whose 渠道档案 sheet lists the known channel ids.")
def validate(
    paths: tuple[Path, ...], fmt: str, lang: Lang, as_of: date | None, channels: Path | None
) -> None:
    """Check workbooks (files or folders) and report every problem by sheet and cell."""
    as_of = as_of or date.today()
    outside: frozenset[str] = frozenset()
    if channels is not None:
        try:
            outside = channel_ids(channels, as_of=as_of, lang=lang)
        except ReadError as error:
            raise click.UsageError(f"--channels {channels}: {error}") from None
    files = list(find_workbooks(paths))
    if not files:
        click.echo(word("no_files", lang), err=True)
        sys.exit(2)
    with progress_bar(len(files), lang) as advance:
        report = validate_files(
            files, as_of=as_of, lang=lang, outside_channels=outside, progress=advance)
    click.echo(to_json(report) if fmt == "json" else to_text(report, lang))
    sys.exit(report.exit_code)


def main() -> None:
    """The console script: click's own handling, plus no traceback for anything else."""
    try:
        cli.main(prog_name="chantool")
    except Exception as error:  # the last line of defence: the user sees a short message
        log = log_exception(error)
        click.echo(f"chantool 内部错误：{error}（详情已记录在 {log}）", err=True)
        sys.exit(2)
