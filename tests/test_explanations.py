"""计算说明 are said in the run's language: each part of an explanation is a code of the
catalogue (``explain.<code>`` in chantool/texts.py) with Chinese and English templates
taking the same values, every code scoring says is there and every one there is said;
the weekly diagnosis's sub-causes and improvement plans have an English text for each
Chinese one; and an English ``score`` of the examples explains every amount and
diagnosis in English (the Chinese texts are the golden's, tests/test_score_cli.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from string import Formatter

from click.testing import CliRunner

from chantool.cli import cli
from chantool.scoring.assessment import (
    IMPROVEMENT_PLANS,
    IMPROVEMENT_PLANS_EN,
    SUB_CAUSES,
    SUB_CAUSES_EN,
)
from chantool.texts import TEXTS

SCORING = Path(__file__).parent.parent / "chantool" / "scoring"
EXAMPLES = Path(__file__).parent.parent / "examples"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
EXPLAINED = {"rebates": ("explanation",), "commission": ("explanation",),
             "contests": ("explanation",), "payments": ("explanation",),
             "diagnosis": ("sub_causes", "actions")}


def names(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def test_every_explanation_code_has_chinese_and_english_with_the_same_values() -> None:
    codes = {key: texts for key, texts in TEXTS.items() if key.startswith("explain.")}
    assert len(codes) > 30
    for key, (zh, en) in codes.items():
        assert zh.strip() and en.strip(), key
        assert names(zh) == names(en), key
        assert not CJK.search(en), key


def test_every_code_scoring_says_is_in_the_catalogue_and_every_one_there_is_said() -> None:
    said = {f"explain.{code}" for path in SCORING.glob("*.py")
            for code in re.findall(r'_say\(\s*"(\w+)"', path.read_text(encoding="utf-8"))}
    assert said == {key for key in TEXTS if key.startswith("explain.")}


def test_every_sub_cause_and_plan_of_the_diagnosis_has_its_english_text() -> None:
    assert SUB_CAUSES_EN.keys() == SUB_CAUSES.keys() == IMPROVEMENT_PLANS_EN.keys()
    for cause, items in SUB_CAUSES.items():
        assert len(SUB_CAUSES_EN[cause]) == len(items)
        assert [len(actions) for _, actions in IMPROVEMENT_PLANS_EN[cause]] == [
            len(actions) for _, actions in IMPROVEMENT_PLANS[cause]]
    english = [*SUB_CAUSES_EN.values(), *(
        (plan, *actions) for plans in IMPROVEMENT_PLANS_EN.values() for plan, actions in plans)]
    assert not any(CJK.search(text) for texts in english for text in texts)


def test_an_english_score_of_the_examples_explains_every_amount_in_english() -> None:
    result = CliRunner().invoke(cli, ["score", str(EXAMPLES), "--format", "json",
                                      "--as-of", "2025-06-29", "--lang", "en"])
    assert result.exit_code in (0, 1), result.output[-2000:]
    files = json.loads(result.output)["files"]
    for key, fields in EXPLAINED.items():
        rows = [row for file in files for row in file[key] if row[fields[0]] is not None]
        assert rows, key  # the examples explain every kind
        for row, field in ((row, field) for row in rows for field in fields):
            # What the user typed (a model, a team's region) stays as typed.
            text = row[field]
            for value in row.values():
                if isinstance(value, str) and value not in (text, ""):
                    text = text.replace(value, "")
            assert not CJK.search(text), (key, row[field])
