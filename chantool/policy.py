"""Reading the 参数 / Policy sheet into the policy in force.

Keys the sheet does not set keep their defaults (``settings.Policy``). An unknown key is
a warning; a value of the wrong type is an error naming the key and its cell, and that
key keeps its default. Pydantic checks the values; ``policy_findings`` is the one place
that turns its errors into findings.
"""

from __future__ import annotations

from typing import Any, Final

from pydantic import ValidationError

from chantool import coerce
from chantool.coerce import CellError
from chantool.findings import CATALOGUE, Finding, Lang, make_finding
from chantool.settings import POLICY_COLUMNS, POLICY_KEYS, Policy
from chantool.table import RawSheet, address, find_layout

_KEYS: Final = {coerce.fold_key(key): key for key in POLICY_KEYS}

# Pydantic error types in words: (Chinese, English); {ctx fields} are filled in.
_REASONS: Final[dict[str, tuple[str, str]]] = {
    "int_parsing": ("应为整数", "must be a whole number"),
    "int_from_float": ("应为整数", "must be a whole number"),
    "int_type": ("应为整数", "must be a whole number"),
    "float_parsing": ("应为数字", "must be a number"),
    "float_type": ("应为数字", "must be a number"),
    "greater_than_equal": ("不能小于 {ge}", "must be at least {ge}"),
    "less_than_equal": ("不能大于 {le}", "must be at most {le}"),
    "literal_error": ("应为 {expected} 之一", "must be one of {expected}"),
    "time_parsing": ("应为时间，如 08:00", "must be a time such as 08:00"),
    "time_type": ("应为时间，如 08:00", "must be a time such as 08:00"),
}


def _reason(error: Any, lang: Lang) -> str:
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, CellError):
        return CATALOGUE[cause.code].title if lang == "zh" else cause.code.replace("_", " ")
    zh, en = _REASONS.get(error["type"], ("格式不正确", "has the wrong form"))
    return (zh if lang == "zh" else en).format(**(error.get("ctx") or {}))


def read_policy(sheet: RawSheet | None, lang: Lang = "zh") -> tuple[Policy, list[Finding]]:
    """The policy of a workbook and the findings about its policy sheet."""
    if sheet is None:
        return Policy(), []
    layout = find_layout(sheet.rows, POLICY_COLUMNS)
    if layout is None or "key" not in layout.positions or "value" not in layout.positions:
        labels = "、".join(label for label, _ in POLICY_COLUMNS.values())
        finding = make_finding("header_not_found", lang=lang, sheet=sheet.name,
                               rows=len(sheet.rows[:30]), labels=labels)
        return Policy(), [finding]
    key_col, value_col = layout.positions["key"], layout.positions["value"]
    findings: list[Finding] = []
    values: dict[str, Any] = {}
    places: dict[str, tuple[int, Any]] = {}
    for row_number in range(layout.header_row + 1, len(sheet.rows) + 1):
        row = sheet.rows[row_number - 1]
        name = row[key_col] if key_col < len(row) else None
        if coerce.is_blank(name):
            continue
        value = row[value_col] if value_col < len(row) else None
        cell = address(row_number, key_col + 1)
        key = _KEYS.get(coerce.fold_key(coerce.parse_text(name)))
        if key is None:
            findings.append(make_finding("policy_unknown_key", lang=lang, sheet=sheet.name,
                                         cell=cell, row=row_number, column="key", value=name))
        elif key in places:
            findings.append(make_finding("policy_duplicate_key", lang=lang, sheet=sheet.name,
                                         cell=cell, row=row_number, column="key", value=name,
                                         other=places[key][0]))
        elif not coerce.is_blank(value):
            places[key] = (row_number, value)
            values[key] = value
    try:
        return Policy.model_validate(values), findings
    except ValidationError as error:
        findings.extend(policy_findings(error, places, sheet.name, value_col, lang))
        bad = {str(item["loc"][0]) for item in error.errors()}
    kept = {key: value for key, value in values.items() if key not in bad}
    return Policy.model_validate(kept), findings


def policy_findings(
    error: ValidationError,
    places: dict[str, tuple[int, Any]],
    sheet: str,
    value_col: int,
    lang: Lang,
) -> list[Finding]:
    """Pydantic's errors about policy values as findings on the value cells."""
    findings = []
    seen: set[str] = set()
    for item in error.errors():
        key = str(item["loc"][0])
        if key in seen:
            continue
        seen.add(key)
        row_number, value = places[key]
        findings.append(make_finding(
            "policy_bad_value", lang=lang, sheet=sheet, cell=address(row_number, value_col + 1),
            row=row_number, column="value", value=value, key=key, reason=_reason(item, lang)))
    return findings
