"""The language a user reads: Chinese by default, English with --lang en or an English
locale, for chantool's own texts, every command's and option's help, and click's own
usage errors."""

from __future__ import annotations

import re
from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner, Result
from rich.cells import cell_len

from chantool.addin import AddinError
from chantool.cli import cli
from chantool.io.output import OutputError
from chantool.texts import TEXTS, choose_lang

COMMANDS = [[], ["new"], ["validate"], ["score"], ["addin"], ["addin", "build"],
            ["addin", "install"], ["addin", "uninstall"], ["lite"], ["lite", "build"],
            ["archive"], ["history"], ["history", "files"], ["history", "runs"],
            ["history", "show"], ["report"]]


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env=env).invoke(cli, list(args))


def commands(command: click.Command, path: str = "cmd") -> Iterator[tuple[str, click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from commands(sub, f"{path}.{name}")


def english_words(text: str) -> set[str]:
    """Words of three or more Latin letters that are not option names, placeholders
    chosen from a list, or names a user types (commands, kinds, formats, file types)."""
    text = re.sub(r"--?[a-z][a-z-]*|\[[a-z|]+\]|\{[a-z|]+\}|'[^']*'|\.[a-z]+\b", "", text)
    typed = {"chantool", "book", "channels", "visits", "prices", "rebates", "sales",
             "text", "json", "addin", "new", "validate", "score", "build", "install",
             "uninstall", "xlam", "macros", "xlwings", "Excel", "Windows", "XLSTART",
             "Python", "LANG", "LC_ALL", "LC_MESSAGES", "en_", "bak", "CPU", "lite", "Lite",
             "main", "requirements", "CORS", "URL", "HTTPS", "archive", "history", "files",
             "SQLite", "postgresql", "CHANTOOL_DB", "chantool.db", "runs", "show", "report",
             "weekly", "monthly", "statements", "dashboard"}
    return {word for word in re.findall(r"[A-Za-z_]{3,}", text) if word not in typed}


@pytest.mark.parametrize("path", COMMANDS, ids=lambda path: " ".join(path) or "chantool")
def test_help_of_every_command_is_chinese_by_default(path: list[str]) -> None:
    result = invoke(*path, "--help")
    assert result.exit_code == 0
    assert result.output.startswith("用法：")
    assert english_words(result.output) == set(), result.output


@pytest.mark.parametrize("path", COMMANDS, ids=lambda path: " ".join(path) or "chantool")
def test_help_of_every_command_is_english_with_lang_en(path: list[str]) -> None:
    result = invoke(*path, "--help", "--lang", "en")
    assert result.output.startswith("Usage:")
    assert "Show this message and exit." in result.output
    assert not re.search(r"[\u4e00-\u9fff]", result.output.replace("渠道档案", ""))


def test_every_command_and_option_has_its_text_in_the_catalogue() -> None:
    for path, command in commands(cli):
        assert path in TEXTS
        own = path.removeprefix("cmd").lstrip(".")
        for param in command.params:
            if isinstance(param, click.Option) and param.name:
                assert f"opt.{own}.{param.name}" in TEXTS or f"opt.{param.name}" in TEXTS, \
                    f"{path} --{param.name}"


@pytest.mark.parametrize(("args", "expected"), [
    pytest.param(["validate", "x.xlsx", "--as-of", "tomorrow"],
                 "错误：'--as-of' 的值无效：“tomorrow”不是日期", id="bad_date"),
    pytest.param(["new", "report", "x.xlsx"], "错误：'种类' 的值无效：'report' 不是 'book'",
                 id="unknown_kind"),
    pytest.param(["validate"], "错误：缺少参数 '路径...'", id="missing_argument"),
    pytest.param(["validate", "x.xlsx", "--frobnicate"], "错误：没有选项 '--frobnicate'",
                 id="unknown_option"),
    pytest.param(["valdate"], "错误：没有命令 'valdate'。 是不是 'validate'？",
                 id="unknown_command"),
    pytest.param(["score", "x.xlsx", "--jobs", "many"], "'many' 不是有效的整数", id="not_a_number"),
    pytest.param(["score", "x.xlsx", "--format", "csv"], "'csv' 不是 'text', 'json' 之一",
                 id="choice"),
    pytest.param(["validate", "x.xlsx", "--mark"], "错误：--mark 需要 --out 目录 或 --in-place",
                 id="own_usage_error"),
    pytest.param(["validate", "x.xlsx", "--out", __file__], "'--out' 的值无效：文件夹 ",
                 id="path_type"),
    pytest.param(["validate", "x.xlsx", "--jobs", "0"], "0 不在范围 x>=1 内", id="range"),
    pytest.param(["new"], "错误：缺少参数 '种类'. 可选：", id="missing_choice"),
])
def test_usage_errors_are_chinese(args: list[str], expected: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert expected in result.output
    assert "用法：" in result.output and "查看帮助" in result.output


def test_usage_errors_are_english_with_lang_en_given_after_the_mistake() -> None:
    result = invoke("validate", "x.xlsx", "--as-of", "tomorrow", "--lang", "en")
    assert result.exit_code == 2
    assert "Error: Invalid value for '--as-of': 'tomorrow' is not a date" in result.output
    assert "Try 'chantool validate --help' for help." in result.output


@pytest.mark.parametrize(("args", "environ", "expected"), [
    pytest.param([], {}, "zh", id="nothing_set"),
    pytest.param([], {"LANG": "C.UTF-8"}, "zh", id="c_locale"),
    pytest.param([], {"LANG": "zh_CN.UTF-8"}, "zh", id="chinese_locale"),
    pytest.param([], {"LANG": "en_US.UTF-8"}, "en", id="english_lang"),
    pytest.param([], {"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_GB"}, "en",
                 id="lc_messages_before_lang"),
    pytest.param([], {"LC_ALL": "zh_CN.UTF-8", "LC_MESSAGES": "en_GB"}, "zh",
                 id="lc_all_first"),
    pytest.param(["--lang", "zh"], {"LANG": "en_US.UTF-8"}, "zh", id="option_over_locale"),
    pytest.param(["x", "--lang=en"], {}, "en", id="option_with_equals"),
    pytest.param(["--lang", "fr"], {"LANG": "en_US"}, "en", id="bad_option_falls_back"),
])
def test_the_language_is_chosen_from_the_command_line_then_the_locale(
        args: list[str], environ: dict[str, str], expected: str) -> None:
    assert choose_lang(args, environ) == expected


def test_an_english_locale_gives_english_help_and_default() -> None:
    result = invoke("validate", "--help", env={"LANG": "en_US.UTF-8"})
    assert result.output.startswith("Usage: chantool validate [OPTIONS] PATHS...")
    assert "[default: en]" in result.output


def test_help_columns_line_up_with_chinese_placeholders() -> None:
    lines = invoke("validate", "--help").output.splitlines()
    starts = {cell_len(line[:line.index(text)]) for line in lines
              for text in ("输出格式。", "检查的基准日期", "另一个工作簿") if text in line}
    assert len(starts) == 1


def test_errors_for_the_user_speak_the_runs_language() -> None:
    error = OutputError("cells_changed", sheet="渠道档案")
    assert str(error) == "写出后工作表“渠道档案”的数据与原文件不一致，已放弃写入"
    assert error.text("en") == "sheet '渠道档案' did not read back as it was; nothing was written"
    refused = AddinError("cannot_remove", path="C:/x.xlam")
    assert refused.text("en") == "cannot remove C:/x.xlam: close Excel and retry"
