"""The Report of a run: one FileResult per workbook, counts, and the JSON form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import repeat, starmap
from operator import attrgetter, is_
from typing import TYPE_CHECKING, Any, Final, Literal

from chantool.findings import Finding, Severity
from chantool.listings import empty_results

if TYPE_CHECKING:  # the engine stays out of the parent process until it is needed
    from chantool.listings import Scores

Status = Literal["ok", "findings", "unreadable"]

# The fields of a finding as a tuple, in order, at C speed.
_FIELDS: Final = attrgetter(*Finding.__slots__)
_SEVERITY: Final = attrgetter("severity")


@dataclass(frozen=True)
class FileResult:
    """What became of one file: its status, why it could not be read, its findings."""

    path: str
    status: Status
    reason: str | None = None
    findings: tuple[Finding, ...] = ()
    # What ``score`` computed; None for ``validate``.
    scores: Scores | None = None
    # The workbooks scored together as this one result (``score --combine`` or ``--db``);
    # empty for a result of one file.
    sources: tuple[str, ...] = ()

    @classmethod
    def checked(cls, path: str, findings: list[Finding], scores: Scores | None = None,
                sources: tuple[str, ...] = ()) -> FileResult:
        return cls(path=path, status="findings" if findings else "ok", findings=tuple(findings),
                   scores=scores, sources=sources)

    @classmethod
    def unreadable(cls, path: str, reason: str) -> FileResult:
        return cls(path=path, status="unreadable", reason=reason)

    def pack(self) -> tuple[Any, ...]:
        """Plain tuples, which cross a process boundary several times faster than objects
        (the severity stays a member: pickle sends a repeated object once)."""
        return (self.path, self.status, self.reason, list(map(_FIELDS, self.findings)),
                self.scores, self.sources)

    @classmethod
    def unpack(cls, packed: tuple[Any, ...]) -> FileResult:
        path, status, reason, findings, scores, sources = packed
        return cls(path, status, reason, tuple(starmap(Finding, findings)), scores, sources)

    def count(self, severity: Severity) -> int:
        return sum(map(is_, map(_SEVERITY, self.findings), repeat(severity)))

    def to_dict(self, scored_as_of: date | None = None) -> dict[str, Any]:
        """The file's JSON object; a file of a ``score`` run (``scored_as_of``) has every
        result key even when it could not be read."""
        results = self.scores.to_dict() if self.scores is not None else \
            empty_results(scored_as_of) if scored_as_of is not None else {}
        gathered = {"sources": list(self.sources)} if self.sources else {}
        return {
            "path": self.path,
            "status": self.status,
            "reason": self.reason,
            **gathered,
            "findings": [finding.to_dict() for finding in self.findings],
            **results,
        }


@dataclass(frozen=True)
class Report:
    """Every file of a run; ``to_dict()`` is exactly the JSON the CLI prints."""

    files: tuple[FileResult, ...]
    # The as-of date of a ``score`` run; None for ``validate``.
    scored_as_of: date | None = None

    @property
    def errors(self) -> int:
        return sum(result.count(Severity.ERROR) for result in self.files)

    @property
    def warnings(self) -> int:
        return sum(result.count(Severity.WARNING) for result in self.files)

    @property
    def unreadable(self) -> int:
        return sum(1 for result in self.files if result.status == "unreadable")

    @property
    def ok(self) -> bool:
        return not self.errors and not self.unreadable

    @property
    def exit_code(self) -> int:
        """0 no errors (warnings allowed), 1 findings of severity error, 2 unreadable files."""
        if self.unreadable or not self.files:
            return 2
        return 1 if self.errors else 0

    def summary(self) -> dict[str, int]:
        return {
            "files": len(self.files),
            "errors": self.errors,
            "warnings": self.warnings,
            "unreadable": self.unreadable,
        }

    def to_dict(self) -> dict[str, Any]:
        return {"files": [result.to_dict(self.scored_as_of) for result in self.files],
                "summary": self.summary()}
