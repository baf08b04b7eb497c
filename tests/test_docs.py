"""The README documents every code, reason, policy key, sheet and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from chantool.findings import CATALOGUE, REASONS, SUGGESTIONS
from chantool.policy import Policy, policy_rule
from chantool.settings import SHEETS, SheetSpec

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_finding_code_is_documented_with_a_suggestion(code: str) -> None:
    assert f"`{code}`" in README
    assert all(SUGGESTIONS[code])
    entry = CATALOGUE[code]
    assert entry.title and entry.zh and entry.en


@pytest.mark.parametrize("reason", sorted(REASONS))
def test_every_unreadable_reason_is_documented(reason: str) -> None:
    assert f"`{reason}`" in README


@pytest.mark.parametrize("key", sorted(Policy.model_fields))
def test_every_policy_key_is_documented(key: str) -> None:
    assert f"`{key}`" in README


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda sheet: sheet.kind)
def test_every_sheet_and_column_is_documented(sheet: SheetSpec) -> None:
    assert f"**{sheet.name} / {sheet.name_en}**" in README
    for column in sheet.columns:
        assert f"| {column.label} | `{column.key}` |" in README


def test_setup_commands_are_in_the_readme() -> None:
    assert "pip install -e '.[dev]' && chantool validate examples/" in README
    assert "\npython -m pytest\n" in README


# Every rule of the company's channel rules (DOMAIN.md).
RULES = (*(f"R-0{n}" for n in range(1, 9)), "R-10", "R-11", *(f"R-2{n}" for n in range(7)),
         *(f"R-3{n}" for n in range(8)), *(f"R-4{n}" for n in range(5)))


@pytest.mark.parametrize("rule", RULES)
def test_every_channel_rule_has_a_row_in_the_rules_table(rule: str) -> None:
    assert f"\n| {rule} | " in README


def test_every_rule_a_finding_or_policy_key_names_is_a_channel_rule() -> None:
    named = {entry.rule for entry in CATALOGUE.values() if entry.rule}
    named |= {policy_rule(key) for key in Policy.model_fields}
    assert named <= set(RULES)
