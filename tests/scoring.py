"""Helpers the scoring tests share: a policy sheet, a listing's rows, some fields of each
row, and where the findings of some codes are."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any, NamedTuple

from chantool.coerce import Cell
from chantool.findings import Finding
from chantool.listings import Row, Scores
from chantool.table import RawSheet


def policy(*pairs: tuple[str, Cell]) -> RawSheet:
    """A 参数 sheet setting these keys."""
    return RawSheet("参数", [["参数", "值"], *([key, value] for key, value in pairs)])


def rows(scores: Scores, key: str) -> list[Row]:
    """Every row of the listing ``key``, which must be there."""
    listing = scores.listing(key)
    assert listing is not None
    return list(listing.rows)


def pick(found: Sequence[Row], *keys: str) -> list[tuple[Any, ...]]:
    return [tuple(row[key] for key in keys) for row in found]


class Spot(NamedTuple):
    code: str
    sheet: str | None
    cell: str | None
    severity: str
    rule: str | None


def spots(findings: Iterable[Finding], codes: Collection[str]) -> list[Spot]:
    """Where the findings of ``codes`` are, and how serious they are."""
    return [Spot(f.code, f.sheet, f.cell, f.severity.value, f.rule) for f in findings
            if f.code in codes]
