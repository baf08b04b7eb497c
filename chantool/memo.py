"""Values worked out once per key.

Columns repeat a few values over thousands of rows (a month's days, the times of a day,
yes and no): looking one up costs less than working it out again, whether it is a sale
day's rebate period or statement, or a date formatted for SQLite.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Memo(dict[K, V]):
    """``work(key)`` of each key asked for, worked out the first time (``memo[key]``);
    ``known`` holds answers given beforehand."""

    def __init__(self, work: Callable[[K], V], known: Mapping[K, V] | None = None) -> None:
        super().__init__(known or {})
        self.work = work

    def __missing__(self, key: K) -> V:
        self[key] = value = self.work(key)
        return value
