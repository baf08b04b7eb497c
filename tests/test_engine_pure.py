"""The engine installs anywhere: it imports none of the file, terminal or Excel libraries.

A child interpreter blocks those libraries (a meta-path finder that refuses them), then
imports the engine and the Lite edition's modules and validates and scores a small book.
This runs on the Python of the test run; CI runs 3.11 and tests/test_pyodide.py the
Python Pyodide ships (3.14 today).
"""

from __future__ import annotations

import subprocess
import sys

BLOCKED = ("click", "python_calamine", "defusedxml", "rich", "openpyxl", "pyopenvba",
           "xlwings", "olefile", "xlsxwriter")

CHILD = """
import importlib.abc, sys
BLOCKED = {blocked!r}

class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"blocked: {{name}}")
        return None

sys.meta_path.insert(0, Refuse())
from datetime import date
import chantool.book, chantool.policy, chantool.findings, chantool.listings, chantool.report
import chantool.rules, chantool.validate, chantool.results, chantool.combine
import chantool.xl.live, chantool.xl.lite, chantool.xl.formulas, chantool.xl.ribbon
from chantool.scoring import score_book
from chantool.table import RawSheet
from chantool.validate import validate_book

channels = RawSheet("渠道档案", [
    ["渠道编码", "渠道名称", "渠道类型", "渠道等级", "维护级别", "所属区域", "客户经理",
     "合作开始日期"],
    ["CH001", "甲", "直供", "V1", "重点", "东区", "张伟", date(2024, 1, 1)],
    ["CH001", "乙", "直供", "V9", "一般", "东区", "李娜", date(2024, 1, 1)]])
_, findings = validate_book([channels], as_of=date(2025, 6, 30), lang="zh")
_, _, scores = score_book([channels], as_of=date(2025, 6, 30), lang="zh")
loaded = sorted({{name.split(".")[0] for name in sys.modules}} & set(BLOCKED))
print(len(findings), len(scores.listing("channels").rows), loaded)
"""


def test_engine_imports_no_file_terminal_or_excel_library() -> None:
    done = subprocess.run([sys.executable, "-c", CHILD.format(blocked=BLOCKED)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    findings, channels, loaded = done.stdout.split(maxsplit=2)
    assert int(findings) >= 2  # the repeated id and the unknown tier
    assert int(channels) == 2
    assert loaded.strip() == "[]"
