"""Random sequences of runs and user edits on one workbook (a Hypothesis state machine):
validate or score, in Chinese or English, with or without marks, in place; in between the
user renames, moves or deletes a generated sheet, adds a note, or re-saves the file in
Excel (tests/excel_edits.py) or LibreOffice (headless). After every step the package
passes the ECMA-376 schemas and Excel's stricter rules (tests/ooxml.py), and every user
part is byte for byte what it was.

User parts are every part but those a run may rewrite, decided from the package itself,
before and after the run:
- the workbook part, its relationships, ``[Content_Types].xml`` and the styles part;
- the worksheets chantool writes results into (those with a ``_chantool_results`` name)
  and their relationship parts: there, every user cell must read back as before;
- chantool's own parts: generated sheets (a ``_chantool_generated`` name) and the parts
  linked by chantool's relationship ids (``rIdChantool…``: its notes);
- a notes part (and its drawing) that a save made plain and that still holds notes by
  the author ``chantool``: chantool takes those out; every other note, its cell, author
  and text, must stay as it was.
A user edit (or a re-save) is the user's: the parts are taken again after it.

CI runs a fixed sequence of examples (``derandomize``: the same every time); set
``CHANTOOL_STATEFUL=long`` for a longer random search, e.g.
``CHANTOOL_STATEFUL=long python -m pytest tests/test_stateful.py``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, Final

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from lxml import etree
from python_calamine import CalamineWorkbook

from chantool import check
from chantool.batch import Job, Options, load
from chantool.io import package
from chantool.io.writer import GENERATED_NAME, OWN_REL_PREFIX, RESULTS_NAME
from tests import excel_edits
from tests.conftest import libreoffice_convert
from tests.ooxml import package_problems
from tests.test_writer import write_rich_workbook

PROFILES: Final = {
    # 40 sequences of up to 12 steps: about 450 steps, in well under a minute. A failure
    # is reported as found (shrinking it can take minutes: the long profile does).
    "ci": settings(max_examples=40, stateful_step_count=12, derandomize=True, deadline=None,
                   suppress_health_check=list(HealthCheck),
                   phases=[Phase.explicit, Phase.generate]),
    "long": settings(max_examples=400, stateful_step_count=30, deadline=None,
                     suppress_health_check=list(HealthCheck)),
}
PROFILE: Final = os.environ.get("CHANTOOL_STATEFUL", "ci")
MAIN: Final = package.NS_MAIN
OWNED: Final = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml",
                "xl/styles.xml"}
NEW_NAMES: Final = ["我的检查", "Issues old", "评分 (备份)", "check's"]
USER_SHEETS: Final = ["渠道档案", "拜访日志", "汇总"]
_LOCAL_NAME: Final = re.compile(
    r'<(?:\w+:)?definedName\b[^>]*?\bname="(\w+)"[^>]*?\blocalSheetId="(\d+)"'
    r'|<(?:\w+:)?definedName\b[^>]*?\blocalSheetId="(\d+)"[^>]*?\bname="(\w+)"')


def chantool_parts(path: Path) -> tuple[set[str], set[str]]:
    """chantool's own parts, and the user sheets holding its results (with their
    relationship parts): together, the parts a run may rewrite."""
    with package.open_package(path) as archive:
        main = package.workbook_part(archive)
        assert main is not None
        sheets = package.sheets(archive, main.target)
        workbook = archive.read(main.target).decode()
        positions: dict[str, set[int]] = {}
        for match in _LOCAL_NAME.finditer(workbook):
            name, position = (match[1], match[2]) if match[1] else (match[4], match[3])
            positions.setdefault(name, set()).add(int(position))
        order = re.findall(r'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"', workbook)
        by_name = {sheet.name: sheet for sheet in sheets}
        own: set[str] = set()
        results: set[str] = set()
        for kind, found in ((GENERATED_NAME, own), (RESULTS_NAME, results)):
            for position in positions.get(kind, ()):
                sheet = by_name.get(_unescape(order[position]))
                if sheet is not None:
                    found.update({sheet.part, package.rels_part(sheet.part)})
        for name in archive.namelist():
            if name.endswith(".rels"):
                source = name.replace("_rels/", "")[: -len(".rels")]
                rels = package.relationships(archive, source)
                own.update(rel.target for rel in rels if rel.id.startswith(OWN_REL_PREFIX))
                # A notes part a save made plain still holds chantool's notes (by their
                # author): chantool takes them out; the user's notes are compared apart.
                if any(rel.type.endswith("/comments") and rel.target in archive.NameToInfo
                       and b"<author>chantool</author>" in archive.read(rel.target)
                       for rel in rels):
                    own.update(rel.target for rel in rels
                               if rel.type.endswith(("/comments", "/vmlDrawing")))
    return own, results


def user_notes(path: Path) -> set[tuple[str, str, str, str]]:
    """Every note not chantool's: sheet, cell, author, text."""
    found = set()
    with package.open_package(path) as archive:
        main = package.workbook_part(archive)
        assert main is not None
        for sheet in package.sheets(archive, main.target):
            for rel in package.relationships(archive, sheet.part):
                if not rel.type.endswith("/comments") or rel.target not in archive.NameToInfo:
                    continue
                root = etree.fromstring(archive.read(rel.target))
                authors = [author.text or "" for author in root.iter(f"{{{MAIN}}}author")]
                for note in root.iter(f"{{{MAIN}}}comment"):
                    author = authors[int(note.get("authorId", "0"))]
                    if author != "chantool":
                        text = "".join(note.itertext())
                        found.add((sheet.name, note.get("ref", ""), author, text))
    return found


def _unescape(text: str) -> str:
    return text.replace("&apos;", "'").replace("&quot;", '"').replace("&amp;", "&")


def user_cells(path: Path, parts: set[str]) -> dict[str, list[list[Any]]]:
    """Every cell, from A1, of the sheets on ``parts`` (the caller compares the user's
    columns: chantool's results are right of them)."""
    with package.open_package(path) as archive:
        main = package.workbook_part(archive)
        assert main is not None
        names = [sheet.name for sheet in package.sheets(archive, main.target)
                 if sheet.part in parts]
    with CalamineWorkbook.from_path(str(path)) as workbook:
        return {name: workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
                for name in names}


class Workbook(RuleBasedStateMachine):
    """One workbook, run on and edited at random."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="chantool-stateful-"))
        self.path = write_rich_workbook(self.folder / "book.xlsx")
        self.widths = {name: len(rows[0]) for name, rows in
                       user_cells(self.path, self._all_parts()).items() if rows}
        self.take_user_parts()
        self.libreoffice = False

    def _all_parts(self) -> set[str]:
        return set(excel_edits.read_parts(self.path))

    def take_user_parts(self) -> None:
        own, results = chantool_parts(self.path)
        self.user = {name: data for name, data in excel_edits.read_parts(self.path).items()
                     if name not in OWNED | own | results}

    def teardown(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def generated(self) -> list[str]:
        with package.open_package(self.path) as archive:
            main = package.workbook_part(archive)
            assert main is not None
            own, _ = chantool_parts(self.path)
            return [sheet.name for sheet in package.sheets(archive, main.target)
                    if sheet.part in own]

    # --- runs ------------------------------------------------------------------------

    @rule(command=st.sampled_from(["validate", "score"]), lang=st.sampled_from(["zh", "en"]),
          mark=st.booleans())
    def run(self, command: str, lang: str, mark: bool) -> None:
        before_may_change = set().union(*chantool_parts(self.path))
        notes_before = user_notes(self.path)
        cells_before = user_cells(self.path, self._all_parts())
        options = Options(as_of=date(2025, 6, 30), lang="zh" if lang == "zh" else "en", jobs=1)
        job = Job(self.path, self.path)
        sheets = partial(load, self.path, options)
        result = (check.check_file(job, options, sheets, mark=mark) if command == "validate"
                  else check.score_file(job, options, sheets))
        assert result.status != "unreadable", result.reason
        assert "not_written" not in [f.code for f in result.findings], result.findings[-1]
        after_may_change = set().union(*chantool_parts(self.path))
        parts = excel_edits.read_parts(self.path)
        for name, data in self.user.items():
            if name in before_may_change | after_may_change:
                continue
            assert parts.get(name) == data, f"user part {name} changed by {command} {lang}"
        cells_after = user_cells(self.path, set(parts))
        assert user_notes(self.path) == notes_before
        for name, width in self.widths.items():  # the user's sheets, by their own width
            assert [row[:width] for row in cells_after[name]] == [
                row[:width] for row in cells_before[name]], name
        self.take_user_parts()

    # --- the user's edits --------------------------------------------------------------

    @precondition(lambda self: bool(self.generated()))
    @rule(data=st.data(), new=st.sampled_from(NEW_NAMES))
    def rename_generated(self, data: st.DataObject, new: str) -> None:
        sheet = data.draw(st.sampled_from(self.generated()))
        if new.casefold() in {name.casefold() for name in excel_edits.sheet_names(self.path)}:
            return
        excel_edits.rename_sheet(self.path, sheet, new)
        self.take_user_parts()

    @precondition(lambda self: bool(self.generated()))
    @rule(data=st.data())
    def move_generated(self, data: st.DataObject) -> None:
        sheet = data.draw(st.sampled_from(self.generated()))
        position = data.draw(st.integers(0, len(excel_edits.sheet_names(self.path)) - 1))
        excel_edits.move_sheet(self.path, sheet, position)
        self.take_user_parts()

    @precondition(lambda self: bool(self.generated()))
    @rule(data=st.data())
    def delete_generated(self, data: st.DataObject) -> None:
        excel_edits.delete_sheet(self.path, data.draw(st.sampled_from(self.generated())))
        self.take_user_parts()

    @rule(sheet=st.sampled_from(USER_SHEETS), row=st.integers(2, 4), column=st.integers(0, 3))
    def add_note(self, sheet: str, row: int, column: int) -> None:
        excel_edits.add_note(self.path, sheet, f"{'ABCD'[column]}{row}", f"{sheet} 的备注")
        self.take_user_parts()

    @rule()
    def save_in_excel(self) -> None:
        excel_edits.excel_resave(self.path)
        self.take_user_parts()

    @initialize(draw=st.integers(0, 5))
    def may_save_in_libreoffice(self, draw: int) -> None:
        """LibreOffice takes 2-4 s a save: one sequence in six may save once."""
        self.libreoffice = draw == 0 and shutil.which("soffice") is not None

    @precondition(lambda self: self.libreoffice)
    @rule()
    def save_in_libreoffice(self) -> None:
        self.libreoffice = False
        libreoffice_convert(self.path, self.folder / "lo", "xlsx")
        shutil.copy(self.folder / "lo" / self.path.name, self.path)
        self.take_user_parts()

    # --- after every step ----------------------------------------------------------------

    @invariant()
    def excel_opens_it_without_repair(self) -> None:
        assert package_problems(self.path) == []

    @invariant()
    def at_most_one_sheet_of_each_kind(self) -> None:
        """Told by what the sheets hold (their first cell), not by chantool's names."""
        with CalamineWorkbook.from_path(str(self.path)) as workbook:
            firsts = [workbook.get_sheet_by_name(name).to_python()[:1]
                      for name in workbook.sheet_names]
        kinds = [rows[0][0] for rows in firsts if rows and rows[0]]
        assert sum(first in ("严重程度", "Severity") for first in kinds) <= 1, kinds
        assert sum(first in ("渠道", "Channels") for first in kinds) <= 1, kinds


TestWorkbook = Workbook.TestCase
TestWorkbook.settings = PROFILES[PROFILE]
