"""The typed workbook that rules and scoring work on.

A ``TypedSheet`` holds one standard sheet after reading: the Excel row number of each
data row, the raw cell values and the typed values of each known column. A ``Book``
holds the typed sheets of one workbook with the policy in force and the as-of date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from chantool.coerce import Cell
from chantool.columns import Problem
from chantool.findings import CellFindings, Finding, Lang, make_finding
from chantool.policy import Policy, PolicyCells, policy_rule
from chantool.settings import SheetSpec
from chantool.table import Layout, column_letter
from chantool.workdays import WorkCalendar


@dataclass
class TypedSheet:
    """One standard sheet, column by column; index ``i`` is the ``i``-th data row."""

    spec: SheetSpec
    name: str
    layout: Layout
    row_numbers: list[int]
    raw: Mapping[str, Sequence[Cell]]
    values: dict[str, list[Any]]
    lang: Lang = "zh"
    # Each column's letters and label, worked out once: findings come by the ten thousand.
    _letters: dict[str, str] = field(init=False, repr=False, compare=False)
    _labels: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._letters = {key: column_letter(position)
                         for key, position in self.layout.positions.items()}
        self._labels = {column.key: column.label if self.lang == "zh" else column.label_en
                        for column in self.spec.columns}

    def __len__(self) -> int:
        return len(self.row_numbers)

    def has(self, key: str) -> bool:
        return key in self.values

    def column(self, key: str) -> list[Any]:
        """Typed values of a column; all ``None`` when the sheet lacks the column."""
        found = self.values.get(key)
        return found if found is not None else [None] * len(self.row_numbers)

    def label(self, key: str) -> str:
        return self._labels[key]

    def cell(self, key: str, index: int) -> str:
        return f"{self._letters[key]}{self.row_numbers[index]}"

    def finding(self, code: str, key: str, index: int, **fields: Any) -> Finding:
        """A finding at the cell of ``key`` in data row ``index``, showing its raw value."""
        fields.setdefault("value", self.raw[key][index])
        fields.setdefault("label", self._labels[key])
        return make_finding(
            code,
            lang=self.lang,
            sheet=self.name,
            cell=self.cell(key, index),
            row=self.row_numbers[index],
            column=key,
            **fields,
        )

    def problem_findings(self, key: str, problems: Iterable[Problem]) -> list[Finding]:
        """``finding`` for each problem of one column (whose fields name neither value nor
        label), with what they share looked up once."""
        raw, rows, letters = self.raw[key], self.row_numbers, self._letters[key]
        # One maker per code and fields (problems share their fields objects).
        makers: dict[tuple[str, int], CellFindings] = {}
        found = []
        for problem in problems:
            make = makers.get((problem.code, id(problem.fields)))
            if make is None:
                fields = {"label": self._labels[key], **problem.fields}
                make = CellFindings(problem.code, self.lang, self.name, key, fields)
                makers[problem.code, id(problem.fields)] = make
            row = rows[problem.index]
            found.append(make(f"{letters}{row}", row, raw[problem.index]))
        return found


@dataclass
class Book:
    """The typed sheets of one workbook, by sheet kind, with the policy in force."""

    policy: Policy
    as_of: date
    sheets: dict[str, TypedSheet] = field(default_factory=dict)
    # Channel ids known from outside the workbook (``--channels``).
    outside_channels: frozenset[str] = frozenset()
    lang: Lang = "zh"
    # The cell of each policy value the workbook's policy sheet sets.
    policy_cells: PolicyCells = field(default_factory=dict)

    @cached_property
    def calendar(self) -> WorkCalendar:
        """The working days of this workbook's policy, one calendar for every rule and
        scorer: each day is looked up once, and the years without holiday data are
        collected in one place (``validate.calendar_findings``)."""
        return WorkCalendar(self.policy.holidays, self.policy.workdays)

    def bad_policy_entry(self, key: str, entry: str, form: tuple[str, str]) -> Finding:
        """An entry of the policy list ``key`` that cannot be read, at the key's value cell;
        ``form`` (Chinese, English) says how to write it and what was done instead."""
        place = self.policy_cells.get(key)
        return make_finding(
            "policy_bad_entry", lang=self.lang, sheet=place.sheet if place else None,
            cell=place.cell if place else None, row=place.row if place else None,
            column="value", value=entry, key=key, rule=policy_rule(key),
            form=form[0] if self.lang == "zh" else form[1])

    def channel_field(self, key: str) -> dict[str, Any]:
        """Each channel's value in one column of the 渠道档案 sheet, by channel id (channels
        without a value are left out)."""
        channels = self.sheets.get("channels")
        if channels is None:
            return {}
        return {channel: value for channel, value in
                zip(channels.column("channel_id"), channels.column(key), strict=True)
                if channel is not None and value is not None}

    def known_channels(self) -> frozenset[str] | None:
        """Every channel id a reference may name, or ``None`` when none is known."""
        channels = self.sheets.get("channels")
        if channels is None or not channels.has("channel_id"):
            return self.outside_channels or None
        ids = {value for value in channels.column("channel_id") if value is not None}
        return frozenset(ids) | self.outside_channels
