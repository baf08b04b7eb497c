"""The engine and the Lite edition under Pyodide (WebAssembly, as xlwings Lite runs
them), against CPython on the same tables: every example workbook is read here, handed
over as JSON, and the ``validate`` and ``score`` JSON, the Lite scripts' effect on a
stand-in workbook (tests/xllite.py) and the cell functions' answers must be identical.

One Node process runs every job (tests/pyodide/run.mjs), after installing the Lite
edition from the requirements.txt ``chantool lite build`` writes, with micropip as xlwings
Lite does. .ci/run installs the pinned ``pyodide`` npm package into .pyodide/ and
downloads the pinned wheels (those requirements and micropip) into .pyodide/wheels, and
sets CHANTOOL_NEEDS_PYODIDE, so there it never skips.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from chantool import lite
from chantool.cli import cli
from chantool.io.reader import open_workbook, read_sheet
from chantool.table import RawSheet
from tests.pyodide import engine_run

ROOT = Path(__file__).resolve().parent.parent
PYODIDE = ROOT / ".pyodide"
EXAMPLES = sorted((ROOT / "examples").glob("*.xlsx"))
AS_OF = date(2025, 6, 30)

needs_pyodide = pytest.mark.skipif(
    not ((PYODIDE / "node_modules" / "pyodide").is_dir() and shutil.which("node"))
    and not os.environ.get("CHANTOOL_NEEDS_PYODIDE"),
    reason="Node and the pyodide npm package are not installed (see .ci/run)")


def read_file(path: Path) -> list[RawSheet]:
    """The sheets of a workbook file as the command line reads them."""
    workbook, names = open_workbook(path)
    return [read_sheet(workbook, name) for name in names]


def example_jobs() -> list[dict[str, Any]]:
    return [engine_run.job(path.name, AS_OF, read_file(path), lite=True) for path in EXAMPLES]


def build_lite(io: Path) -> list[str]:
    """``chantool lite build`` into ``io``/lite; the requirements.txt it wrote, its wheel's
    URL pointing at the wheel there as Pyodide sees it (``io`` is /io)."""
    lite.build(io / "lite", "https://example.test/wheels")
    lines = (io / "lite" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [f"emfs:/io/lite/{lite.wheel_name()}" if line.startswith("https://") else line
            for line in lines if line and not line.startswith("#")]


def run_in_pyodide(io: Path, jobs: list[dict[str, Any]], main_py: str | None, *,
                   profile: bool = False) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """The answers of ``jobs`` computed inside Pyodide with the Lite edition built into
    ``io`` and installed from its requirements.txt (``main_py`` a path in Pyodide, where
    ``io`` is /io), and its start (with the install) and run times."""
    request, answers = io / "request.json", io / "answers.json"
    request.write_text(json.dumps({"jobs": jobs, "main_py": main_py, "profile": profile,
                                   "requirements": build_lite(io)},
                                  ensure_ascii=False), encoding="utf-8")
    done = subprocess.run(
        ["node", str(ROOT / "tests" / "pyodide" / "run.mjs"),
         str(PYODIDE / "node_modules" / "pyodide"), str(PYODIDE / "wheels"), str(ROOT),
         str(request), str(answers)], capture_output=True, text=True, timeout=600,
        check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    times: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    result: list[dict[str, Any]] = json.loads(answers.read_text(encoding="utf-8"))
    return result, times


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Any], list[Any]]:
    """CPython's and Pyodide's answers on every example."""
    io = tmp_path_factory.mktemp("pyodide")
    jobs = example_jobs()
    there, _ = run_in_pyodide(io, jobs, "/io/lite/main.py")
    here = json.loads(json.dumps(asyncio.run(engine_run.run(jobs, io / "lite" / "main.py")),
                                 ensure_ascii=False))
    return here, there


@needs_pyodide
def test_engine_under_pyodide_gives_cpythons_validate_and_score_json(
        both: tuple[list[Any], list[Any]]) -> None:
    here, there = both
    assert len(there) == len(EXAMPLES) == len(here)
    for mine, theirs in zip(here, there, strict=True):
        assert theirs["validate"] == mine["validate"]
        assert theirs["score"] == mine["score"]
    # Not an empty comparison: the examples have findings and scored channels.
    assert any(answer["validate"]["findings"] for answer in here)
    assert all(answer["score"]["channels"] for answer in here)


@needs_pyodide
def test_lite_scripts_and_cell_functions_under_pyodide_match_cpython(
        both: tuple[list[Any], list[Any]]) -> None:
    here, there = both
    for mine, theirs in zip(here, there, strict=True):
        assert theirs["lite"] == mine["lite"]
        assert theirs["functions"] == mine["functions"]
    # The scripts did write: a check column or marks after 校验, the 评分 sheet after 重算评分.
    first = here[0]["lite"]
    assert any(sheet["name"] == "评分" for sheet in first["score"]["sheets"])
    assert all(sheet["name"] != "评分" for sheet in first["clear_marks"]["sheets"])


@pytest.mark.parametrize("command", ["validate", "score"])
def test_tables_handed_over_give_the_command_lines_json(command: str) -> None:
    """So what Pyodide is compared with is what ``--format json`` prints for the file."""
    for path, job in zip(EXAMPLES, example_jobs(), strict=True):
        result = CliRunner().invoke(cli, [command, str(path), "--format", "json",
                                          "--as-of", AS_OF.isoformat()])
        (printed,) = json.loads(result.output)["files"]
        handed = json.loads(json.dumps(engine_run.engine(job)[command], ensure_ascii=False))
        assert printed == {**handed, "path": str(path)}
