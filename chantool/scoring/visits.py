"""Scoring: visits."""

from __future__ import annotations

from typing import Final

from chantool.scoring import Scorer

SCORERS: Final[tuple[Scorer, ...]] = ()
