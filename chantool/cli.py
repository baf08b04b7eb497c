"""The ``chantool`` command line: parse options, call one library function, render, exit.

Exit codes: 0 no errors (warnings allowed), 1 findings of severity error, 2 could not
run (bad arguments, or a file that could not be read).

Every text a user reads is in ``chantool.texts``: the language is chosen before click
parses (``texts.choose_lang``), then the help of each command and option, the value
placeholders and click's own messages are set in that language.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types
from rich.cells import cell_len

from chantool import __version__, coerce
from chantool.batch import (
    Job,
    Options,
    Output,
    ReadError,
    TargetClash,
    channel_ids,
    plan_jobs,
    score_files,
    score_together,
    validate_files,
)
from chantool.collector import collector_paused
from chantool.errors import log_exception
from chantool.findings import Lang
from chantool.io.isolation import default_jobs
from chantool.render import TEXT_ROWS, progress_bar, to_json, to_text
from chantool.report import Report
from chantool.settings import REPORT_KINDS, TEMPLATE_KINDS, Limits
from chantool.texts import CLICK_ZH, TEXTS, cannot_write, choose_lang, word

if TYPE_CHECKING:  # the store's modules are imported by its commands only
    from sqlalchemy import Engine
    from sqlalchemy.engine import URL

    from chantool.history.runs import RunInput
    from chantool.history.scoring import StoreRun

    # A store opened for ``score --db``, and the run's inputs.
    _RunStore = tuple[tuple[URL, Engine], list[RunInput]]

# The language of this run, chosen before click parses (``Group.main``).
_lang: Lang = "zh"

# The largest run number a store can hold (a 64-bit key): a larger one is a usage error.
_LARGEST_RUN: Final = 2**63 - 1

# click's modules that translate their messages with ``gettext``.
_CLICK_MODULES: Final = (click.core, click.decorators, click.exceptions, click.formatting,
                         click.parser, click.termui, click.types)


def _translate(message: str) -> str:
    return CLICK_ZH.get(message, message) if _lang == "zh" else message


def _translate_plural(singular: str, plural: str, count: int) -> str:
    return _translate(singular if count == 1 else plural)


def _places(x: str) -> int:  # click's own name for the argument
    return cell_len(click.unstyle(x))


def _speak(lang: Lang) -> None:
    """Make click's own messages speak ``lang``: click calls ``gettext``'s ``_`` and
    ``ngettext`` by the names it imported into each module, so those are replaced."""
    global _lang
    _lang = lang
    # Help columns line up by the places a text takes: a Chinese character takes two.
    click.formatting.term_len = _places  # type: ignore[attr-defined]
    for module in _CLICK_MODULES:
        if hasattr(module, "_"):
            module._ = _translate  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _translate_plural  # type: ignore[attr-defined]


def _commands(command: click.Command, path: str = "cmd"
              ) -> Iterator[tuple[str, click.Command]]:
    """Every command under ``command`` with its text key (``cmd``, ``cmd.addin.build``)."""
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _commands(sub, f"{path}.{name}")


def _localize(group: click.Group, lang: Lang) -> None:
    """Set the help of every command and option, and the placeholders of values, in
    ``lang`` from ``chantool.texts`` (a command's own ``opt.C.X`` first, then ``opt.X``).
    One without a text keeps the help it was declared with (``tests/test_lang.py`` asks
    for a text for each)."""
    for path, command in _commands(group):
        if path in TEXTS:
            command.help = word(path, lang)
            command.short_help = None
        command.options_metavar = word("meta.options", lang)
        if isinstance(command, click.Group):
            command.subcommand_metavar = word("meta.command", lang)
        own = path.removeprefix("cmd").lstrip(".")
        for param in command.params:
            name = param.name or ""
            key = next((key for key in (f"opt.{own}.{name}", f"opt.{name}") if key in TEXTS),
                       None)
            if isinstance(param, click.Option) and key is not None:
                param.help = word(key, lang)
            if f"meta.{name}" in TEXTS:
                param.metavar = word(f"meta.{name}", lang)
            if isinstance(param.type, click.types.IntParamType | click.types.FloatParamType):
                # click names the type in its message ("'x' is not a valid integer")
                param.type.name = word("type.integer" if isinstance(
                    param.type, click.types.IntParamType) else "type.float", lang)
            if isinstance(param.type, click.Path):  # "Directory 'x' is a file."
                param.type.name = word("type.directory" if not param.type.file_okay else
                                       "type.file" if not param.type.dir_okay else
                                       "type.path", lang)
            if name == "lang":
                param.default = lang


class _HelpInLanguage(click.Command):
    """A command whose help option (made by click, in the language of its first use)
    speaks the run's language."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = word("opt.help", _lang)
        return option


class Command(_HelpInLanguage):
    """chantool's commands."""


class Group(_HelpInLanguage, click.Group):
    """chantool's groups: the language is chosen when the command line is read."""

    command_class = Command
    group_class = type  # sub-groups are Groups too

    def main(self, args: Sequence[str] | None = None, *extra: Any, **options: Any) -> Any:
        arguments = list(sys.argv[1:] if args is None else args)
        lang = choose_lang(arguments, os.environ)
        _speak(lang)
        _localize(self, lang)
        return super().main(arguments, *extra, **options)


class DateParam(click.ParamType):  # type: ignore[type-arg]
    """A date written as dates in cells are: 2025-06-30, 2025/6/30, 2025.6.30, 20250630,
    2025年6月30日 (``coerce.parse_date``)."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return coerce.parse_date(str(value))
        except coerce.CellError:
            self.fail(word("not_a_date", _lang).format(value=value), param, ctx)


# Help texts and placeholders are set per run from chantool.texts (``_localize``).
lang_option = click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
# Commands that show nothing in a language of their own take --lang too; the language
# is read from the command line before click parses it (``Group.main``).
language_only_option = click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
    expose_value=False)
format_option = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
as_of_option = click.option("--as-of", type=DateParam(), default=None)
db_option = click.option("--db", default=None)
paths_argument = click.argument(
    "paths", nargs=-1, required=True, type=click.Path(path_type=Path))


def _show_version(ctx: click.Context, _: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(word("version", _lang).format(version=__version__))
        ctx.exit()


@click.group("chantool", cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=_show_version)
@language_only_option
def cli() -> None:
    """chantool (help: chantool.texts)."""


@cli.command()
@click.argument("kind", type=click.Choice(TEMPLATE_KINDS))
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@lang_option
@click.option("--sample", is_flag=True)
@click.option("--force", is_flag=True)
def new(kind: str, path: Path, lang: Lang, sample: bool, force: bool) -> None:
    """Create a standard template workbook (help: chantool.texts)."""
    if path.exists() and not force:
        raise click.UsageError(word("exists", _lang).format(path=path))
    from chantool.templates import write_template  # openpyxl is only needed here

    try:
        write_template(kind, path, lang=lang, sample=sample)
    except OSError as error:
        click.echo(cannot_write(path, error, _lang), err=True)
        sys.exit(2)  # could not run (CONTRACT.md)
    click.echo(str(path))


def isolation_options(command: Callable[..., None]) -> Callable[..., None]:
    """--jobs, --time-limit and --memory-limit: how each file's child process runs."""
    for option in reversed((
        click.option("--jobs", "-j", type=click.IntRange(min=1), default=None),
        click.option("--time-limit", type=click.FloatRange(min=1), default=Limits.seconds,
                     show_default=True),
        click.option("--memory-limit", type=click.IntRange(min=64),
                     default=Limits.memory_bytes >> 20, show_default=True),
    )):
        command = option(command)
    return command


def output_options(command: Callable[..., None]) -> Callable[..., None]:
    """--out DIR | --in-place: where written workbooks go."""
    command = click.option("--in-place", is_flag=True)(command)
    return click.option("--out", type=click.Path(file_okay=False, path_type=Path),
                        default=None)(command)


def _options(as_of: date | None, lang: Lang, jobs: int | None, time_limit: float,
             memory_limit: int) -> Options:
    limits = replace(Limits(), seconds=time_limit, memory_bytes=memory_limit << 20)
    return Options(as_of=as_of or date.today(), lang=lang, limits=limits,
                   jobs=jobs or default_jobs())


def _jobs(paths: tuple[Path, ...], out: Path | None, in_place: bool, lang: Lang) -> list[Job]:
    if out is not None and in_place:
        raise click.UsageError(word("out_or_in_place", _lang))
    try:
        jobs = plan_jobs(paths, out=out, in_place=in_place)
    except TargetClash as clash:
        raise click.UsageError(clash.text(_lang)) from None
    if not jobs:
        click.echo(word("no_files", lang), err=True)
        sys.exit(2)
    return jobs


@cli.command()
@paths_argument
@format_option
@lang_option
@as_of_option
@click.option("--channels", type=click.Path(path_type=Path), default=None)
@click.option("--mark", is_flag=True)
@output_options
@isolation_options
def validate(
    paths: tuple[Path, ...], fmt: Output, lang: Lang, as_of: date | None, channels: Path | None,
    mark: bool, out: Path | None, in_place: bool, jobs: int | None, time_limit: float,
    memory_limit: int,
) -> None:
    """Check workbooks and report every problem by sheet and cell (help: chantool.texts)."""
    if mark and out is None and not in_place:
        raise click.UsageError(word("mark_needs_out", _lang))
    options = replace(_options(as_of, lang, jobs, time_limit, memory_limit),
                      output=fmt)
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


class MonthParam(click.ParamType):  # type: ignore[type-arg]
    """A month written YYYY-MM (2025-06)."""

    name = "MONTH"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip()
        if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text) is None:
            self.fail(word("bad_month", _lang).format(value=value), param, ctx)
        return text


def source_options(command: Callable[..., None]) -> Callable[..., None]:
    """--combine, --policy, --db, --office, --from and --to: what ``score`` and ``report``
    score (the files given, as one book or not, or the store's current versions), checked
    by ``_from_store``."""
    for option in reversed((
        click.option("--combine", is_flag=True),
        click.option("--policy", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     default=None),
        db_option,
        click.option("--office", default=None),
        click.option("--from", "month_from", type=MonthParam(), default=None),
        click.option("--to", "month_to", type=MonthParam(), default=None),
    )):
        command = option(command)
    return command


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@format_option
@lang_option
@as_of_option
@output_options
@source_options
@isolation_options
def score(
    paths: tuple[Path, ...], fmt: Output, lang: Lang, as_of: date | None, out: Path | None,
    in_place: bool, combine: bool, policy: Path | None, db: str | None, office: str | None,
    month_from: str | None, month_to: str | None, jobs: int | None, time_limit: float,
    memory_limit: int,
) -> None:
    """Compute what the channel rules demand (help: chantool.texts)."""
    # A run recorded in a store (--db) keeps every row, as the JSON does.
    options = replace(_options(as_of, lang, jobs, time_limit, memory_limit),
                      listing_rows=None if fmt == "json" or db is not None else TEXT_ROWS,
                      # A recorded run needs the scores themselves, not their drawing.
                      output=None if db is not None else fmt)
    from_store = _from_store(paths, combine, policy, db, (office, month_from, month_to))
    if from_store:
        assert db is not None
        if in_place:
            raise click.UsageError(word("db_no_in_place", _lang))
        _score_store(db, options, fmt, out, policy, (office, month_from, month_to))
    todo = _jobs(paths, out, in_place, lang)
    run_store = None if db is None else _run_store(db, todo, lang)
    if combine:
        report = score_together(todo, options, label=_label(paths), policy=policy)
    else:
        with progress_bar(len(todo), lang, "scoring") as advance:
            report = score_files(todo, options, progress=advance)
    click.echo(to_json(report) if fmt == "json" else to_text(report, lang))
    if run_store is not None:
        _record_run(run_store, report, options)
    sys.exit(report.exit_code)


def _from_store(paths: tuple[Path, ...], combine: bool, policy: Path | None, db: str | None,
                scope: tuple[str | None, str | None, str | None]) -> bool:
    """Whether ``score`` or ``report`` reads the store (``--db`` without paths) rather than
    the files given; options that do not fit the source are usage errors."""
    from_store = db is not None and not paths
    if not paths and not from_store:
        raise click.UsageError(word("score_needs_input", _lang))
    if policy is not None and not (combine or from_store):
        raise click.UsageError(word("policy_needs_combine", _lang))
    if not from_store and scope != (None, None, None):
        raise click.UsageError(word("scope_needs_db", _lang))
    first, last = scope[1:]
    if first is not None and last is not None and first > last:  # YYYY-MM: in order as text
        raise click.UsageError(word("scope_backwards", _lang).format(first=first, last=last))
    return from_store


def _label(paths: tuple[Path, ...]) -> str:
    """The path of the result of workbooks scored as one book: the PATHs as given."""
    return " ".join(map(str, paths))


def _run_store(db: str, todo: Sequence[Job], lang: Lang) -> _RunStore:
    """The store of ``score --db``, opened before scoring (a store that cannot be used
    stops the run at once), and the run's inputs, hashed before scoring writes into them."""
    from chantool.history.runs import file_inputs
    from chantool.history.store import open_store

    with _store_errors():
        store = open_store(db, lang)
    return store, file_inputs(job.path for job in todo)


def _record_run(run_store: _RunStore, report: Report, options: Options) -> None:
    """Record a ``score`` run in its store, saying so on stderr (stdout holds the report)."""
    from chantool.history.runs import policies, record_run
    from chantool.history.store import shown

    store, inputs = run_store
    with _store_errors():
        run = record_run(store, report, inputs, policies(report), options.as_of, options.lang)
    click.echo(word("history_recorded", options.lang).format(run=run, store=shown(store[0])),
               err=True)


def _score_store(db: str, options: Options, fmt: str, out: Path | None, policy: Path | None,
                 scope: tuple[str | None, str | None, str | None]) -> None:
    """``score --db`` without paths: score the store's current versions in scope as one
    book; with ``--out DIR``, write a new 评分 workbook there."""

    def step() -> int:
        from chantool.history.runs import RunInput
        from chantool.history.scoring import Scope, scores_path

        scored = _scored_store(db, options, policy, scope)
        if scored is None:
            return 2
        (url, engine), found = scored
        report = Report(files=(found.result,), scored_as_of=options.as_of)
        inputs = [RunInput(version.name, version.sha256, version.id)
                  for version in found.versions]
        if out is not None:
            from chantool.io.scores_book import write_scores_book

            target = scores_path(out, Scope(*scope), options.lang)
            write_scores_book(target, found.result.findings, found.scores, options.lang)
            click.echo(word("score_written", options.lang).format(path=target), err=True)
        click.echo(to_json(report) if fmt == "json" else to_text(report, options.lang))
        _record_run(((url, engine), inputs), report, options)
        return report.exit_code

    _store_step(step)


def _scored_store(db: str, options: Options, policy: Path | None,
                  scope: tuple[str | None, str | None, str | None]
                  ) -> tuple[tuple[URL, Engine], StoreRun] | None:
    """The store (which must exist) and its current versions in scope scored as one book
    (``score --db`` without paths, ``report --db``); None, said on stderr, when no version
    is in scope."""
    # sqlalchemy and the store: imported by the store's commands only.
    from chantool.history.scoring import Scope, score_store
    from chantool.history.store import open_store, shown

    url, engine = open_store(db, options.lang, create=False)
    chosen = None if policy is None else _chosen_policy(policy, options)
    with collector_paused():  # this process ends with the run, as a file's child does
        found = score_store(url, engine, Scope(*scope), as_of=options.as_of,
                            lang=options.lang, chosen=chosen)
    if not found.versions:
        click.echo(word("history_none_in_scope", options.lang).format(store=shown(url)),
                   err=True)
        return None
    return (url, engine), found


def _chosen_policy(path: Path, options: Options) -> Any:
    """The policy ``--policy FILE`` names, read in a child like every workbook."""
    from chantool.batch import chosen_policy

    try:
        return chosen_policy(path, options)
    except ReadError as error:
        raise click.UsageError(f"--policy {path}: {error}") from None


@cli.command()
@click.argument("kind", type=click.Choice(REPORT_KINDS))
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@lang_option
@as_of_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("."))
@source_options
@isolation_options
def report(kind: str, paths: tuple[Path, ...], lang: Lang, as_of: date | None, out: Path,
           combine: bool, policy: Path | None, db: str | None, office: str | None,
           month_from: str | None, month_to: str | None, jobs: int | None,
           time_limit: float, memory_limit: int) -> None:
    """Write a report of each workbook (help: chantool.texts)."""
    scope = (office, month_from, month_to)
    from_store = _from_store(paths, combine, policy, db, scope)
    if db is not None and not from_store:
        raise click.UsageError(word("report_db_no_paths", _lang))
    from chantool.reports import report_files, report_together  # XlsxWriter: here only

    options = _options(as_of, lang, jobs, time_limit, memory_limit)
    try:
        if from_store:
            assert db is not None
            found, written = _report_store(kind, db, options, out, policy, scope)
        elif combine:
            found, written = report_together(kind, _jobs(paths, None, False, lang), options,
                                             out, label=_label(paths), policy=policy)
        else:
            todo = _jobs(paths, None, False, lang)
            with progress_bar(len(todo), lang, "scoring") as advance:
                found, written = report_files(kind, todo, options, out, progress=advance)
    except OSError as error:
        click.echo(cannot_write(error.filename or out, error, _lang), err=True)
        sys.exit(2)
    for result in found.files:
        if result.reason is not None:
            click.echo(f"{result.path}: {result.reason}", err=True)
    click.echo("\n".join(map(str, written)))
    sys.exit(found.exit_code)


def _report_store(kind: str, db: str, options: Options, out: Path, policy: Path | None,
                  scope: tuple[str | None, str | None, str | None]
                  ) -> tuple[Report, list[Path]]:
    """``report --db``: the ``kind`` report of the store's current versions in scope,
    scored as ``score --db`` scores them; no run is recorded (a report is no score run).
    Exits 2 when the store cannot be used or holds no version in scope."""
    from chantool.history.scoring import Scope
    from chantool.reports import report_store

    with _store_errors():
        scored = _scored_store(db, options, policy, scope)
    if scored is None:
        sys.exit(2)
    _, run = scored
    return (Report(files=(run.result,), scored_as_of=options.as_of),
            [report_store(kind, run, Scope(*scope), options, out)])


@cli.group()
@language_only_option
def addin() -> None:
    """The Excel add-in (help: chantool.texts)."""


@addin.command("build")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("chantool.xlam"), show_default=True)
@language_only_option
def addin_build(output: Path) -> None:
    """Build chantool.xlam (help: chantool.texts)."""
    from chantool import addin as builder

    _addin_step(lambda: str(builder.build(output)))


@addin.command("install")
@db_option
@language_only_option
def addin_install(db: str | None) -> None:
    """Install the add-in (help: chantool.texts)."""
    from chantool import addin as builder

    _addin_step(lambda: word("installed", _lang).format(
        path=builder.install(store=db).xlstart / builder.ADDIN_NAME))


@addin.command("uninstall")
@language_only_option
def addin_uninstall() -> None:
    """Remove the add-in (help: chantool.texts)."""
    from chantool import addin as builder

    _addin_step(lambda: "\n".join(str(path) for path in builder.uninstall())
                or word("nothing_installed", _lang))


@cli.group()
@language_only_option
def lite() -> None:
    """The xlwings Lite edition (help: chantool.texts)."""


@lite.command("build")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              default=Path("chantool-lite"), show_default=True)
@click.option("--url", required=True)
@language_only_option
def lite_build(output: Path, url: str) -> None:
    """Write the xlwings Lite files (help: chantool.texts)."""
    from chantool import lite as builder

    if not url.lower().startswith("https://"):
        raise click.BadParameter(word("lite_https", _lang), param_hint="--url")

    _addin_step(lambda: "\n".join(str(path) for path in builder.build(output, url)))


def _addin_step(step: Callable[[], str]) -> None:
    """Run an add-in step: its message, or its reason on stderr with exit code 2."""
    from chantool.addin import AddinError

    try:
        click.echo(step())
    except AddinError as error:
        click.echo(error.text(_lang), err=True)
        sys.exit(2)
    except OSError as error:
        click.echo(str(error), err=True)
        sys.exit(2)



@cli.command()
@paths_argument
@db_option
@click.option("--accept-errors", is_flag=True)
@lang_option
@isolation_options
def archive(paths: tuple[Path, ...], db: str | None, accept_errors: bool, lang: Lang,
            jobs: int | None, time_limit: float, memory_limit: int) -> None:
    """Validate workbooks and keep them in the history store (help: chantool.texts)."""
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
@language_only_option
def history() -> None:
    """The history store (help: chantool.texts)."""


@history.command("files")
@db_option
@lang_option
def history_files(db: str | None, lang: Lang) -> None:
    """List the archived files and versions (help: chantool.texts)."""
    from chantool.history.show import files_table

    _print_from_store(db, lang, lambda engine, url: files_table(engine, url, lang))


@history.command("runs")
@db_option
@lang_option
def history_runs(db: str | None, lang: Lang) -> None:
    """List the recorded score runs (help: chantool.texts)."""
    from chantool.history.show import runs_table

    _print_from_store(db, lang, lambda engine, url: runs_table(engine, url, lang))


@history.command("show")
@click.argument("run", type=click.IntRange(min=1, max=_LARGEST_RUN))
@db_option
@format_option
@lang_option
def history_show(run: int, db: str | None, fmt: str, lang: Lang) -> None:
    """Show a recorded run again (help: chantool.texts)."""
    from chantool.history.runs import read_run
    from chantool.history.show import run_report

    _print_from_store(db, lang, lambda engine, url: run_report(
        read_run(engine, url, run, lang), fmt, lang))


def _print_from_store(db: str | None, lang: Lang,
                      text: Callable[[Engine, URL], str]) -> None:
    """Print what ``text`` makes of a store that exists (never creating one), exit 0."""

    def step() -> int:
        from chantool.history.store import open_store

        url, engine = open_store(db, lang, create=False)
        click.echo(text(engine, url))
        return 0

    _store_step(step)


def _store_step(step: Callable[[], int]) -> None:
    """Run a step on the store and exit with its code; a store that cannot be opened or
    used is its reason on stderr, exit code 2."""
    with _store_errors():
        code = step()
    sys.exit(code)


@contextmanager
def _store_errors() -> Iterator[None]:
    """A store that cannot be opened or used: its reason on stderr, exit code 2."""
    from chantool.history.store import StoreError

    try:
        yield
    except StoreError as error:
        click.echo(str(error), err=True)
        sys.exit(2)

def main() -> None:
    """The console script: click's own handling, plus no traceback for anything else."""
    try:
        cli.main(prog_name="chantool")
    except Exception as error:  # the last line of defence: the user sees a short message
        log = log_exception(error)
        click.echo(word("internal_error", _lang).format(error=error, log=log), err=True)
        sys.exit(2)
