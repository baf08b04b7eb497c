"""A written package as Excel would judge it, without Excel: its XML parts against the
ECMA-376 transitional schemas (``tests/schemas/ooxml``, see the README there) and the
stricter rules Excel applies that no schema can say (listed in that README). Tests call
``package_problems`` and expect an empty list.

Before validation, markup in namespaces a part declares ``mc:Ignorable`` is stripped and
``mc:AlternateContent`` is replaced by its ``mc:Fallback``, as the schemas' README says;
``xml:space`` is dropped too: Excel writes it on every ``<t>``, but ``sml.xsd`` declares
``<t>`` as a simple type that takes no attribute.
"""

from __future__ import annotations

import math
import zipfile
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Final

from lxml import etree

from chantool.io import package
from chantool.table import column_index

SCHEMAS: Final = Path(__file__).parent / "schemas" / "ooxml"
MAIN: Final = package.NS_MAIN
MC: Final = "http://schemas.openxmlformats.org/markup-compatibility/2006"
XML_SPACE: Final = "{http://www.w3.org/XML/1998/namespace}space"
# The schema each kind of part is validated against, by the namespace of its root.
_SCHEMA_OF_ROOT: Final = {
    MAIN: "sml.xsd",
    package.NS_PKG_REL: "opc-relationships.xsd",
    package.NS_CT: "opc-contentTypes.xsd",
    # Charts, the drawings that place them, and the theme (the reports' parts).
    "http://schemas.openxmlformats.org/drawingml/2006/chart": "dml-chart.xsd",
    "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing":
        "dml-spreadsheetDrawing.xsd",
    "http://schemas.openxmlformats.org/drawingml/2006/main": "dml-main.xsd",
}


@cache
def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def _without_extensions(root: etree._Element) -> etree._Element:
    """The part as the schema sees it: ignorable markup stripped, fallbacks taken."""
    ignorable: set[str | None] = set()
    for element in root.iter():
        declared = element.get(f"{{{MC}}}Ignorable")
        if declared:
            ignorable.update(element.nsmap.get(prefix) for prefix in declared.split())
    for alternate in list(root.iter(f"{{{MC}}}AlternateContent")):
        parent = alternate.getparent()
        assert parent is not None
        fallback = alternate.find(f"{{{MC}}}Fallback")
        at = parent.index(alternate)
        for child in reversed(list(fallback) if fallback is not None else []):
            parent.insert(at + 1, child)
        parent.remove(alternate)
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        for attribute in list(element.attrib):
            namespace = etree.QName(attribute).namespace
            if namespace in ignorable or namespace == MC or attribute == XML_SPACE:
                del element.attrib[attribute]
        parent = element.getparent()
        if etree.QName(element).namespace in ignorable and parent is not None:
            parent.remove(element)
    return root


def schema_problems(path: Path, names: set[str] | None = None) -> list[str]:
    """Schema errors of the package's parts (of ``names`` only, when given)."""
    found = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if names is not None and name not in names:
                continue
            if not name.endswith((".xml", ".rels")):
                continue
            root = etree.fromstring(archive.read(name))
            schema = _SCHEMA_OF_ROOT.get(etree.QName(root).namespace or "")
            if schema is None:
                continue
            validator = _schema(schema)
            if not validator.validate(_without_extensions(root)):
                found.append(f"{name}: {validator.error_log.last_error}")
    return found


def _count(root: etree._Element | None, container: str) -> int:
    found = root.find(f"{{{MAIN}}}{container}") if root is not None else None
    return 0 if found is None else len(found)


def orphans(archive: zipfile.ZipFile) -> list[str]:
    """Parts no relationship links (Excel ignores them; a writer never leaves one)."""
    linked: set[str] = set()
    for name in archive.namelist():
        if name.endswith(".rels"):
            source = name.replace("_rels/", "")[: -len(".rels")]
            linked.update(rel.target for rel in package.relationships(archive, source))
    return [f"{name}: linked by no relationship" for name in archive.namelist()
            if name not in linked and not name.endswith(".rels")
            and name != "[Content_Types].xml"]


def excel_problems(path: Path) -> list[str]:
    """What Excel repairs although the schemas allow it (and ``package.problems``), and
    parts no relationship links."""
    with zipfile.ZipFile(path) as archive:
        found = sorted(package.problems(archive)) + orphans(archive)
        main = package.workbook_part(archive)
        assert main is not None
        styles = next((rel.target for rel in package.relationships(archive, main.target)
                       if rel.type.endswith("/styles")), None)
        style_root = etree.fromstring(archive.read(styles)) if styles else None
        xfs, dxfs = _count(style_root, "cellXfs"), _count(style_root, "dxfs")
        for sheet in package.sheets(archive, main.target):
            root = etree.fromstring(archive.read(sheet.part))
            found.extend(f"{sheet.name}: {problem}"
                         for problem in _sheet_problems(root, xfs, dxfs))
    return found


def _sheet_problems(root: etree._Element, xfs: int, dxfs: int) -> list[str]:
    found = []
    rows = root.iter(f"{{{MAIN}}}row")
    previous_row = 0
    for row in rows:
        number = int(row.get("r", previous_row + 1))
        if number <= previous_row:
            found.append(f"row {number} out of order")
        previous_row = number
        spans = [tuple(map(int, span.split(":"))) for span in row.get("spans", "").split()]
        previous_column = 0
        for cell in row.iter(f"{{{MAIN}}}c"):
            ref = cell.get("r", "")
            letters = ref.rstrip("0123456789")
            column = column_index(letters) if letters else previous_column + 1
            if column <= previous_column or (letters and int(ref[len(letters):]) != number):
                found.append(f"cell {ref} out of order")
            previous_column = column
            if spans and not any(low <= column <= high for low, high in spans):
                found.append(f"cell {ref} outside its row's spans {row.get('spans')}")
            if int(cell.get("s", "0")) >= max(xfs, 1):
                found.append(f"cell {ref} style {cell.get('s')} of {xfs}")
            value = cell.find(f"{{{MAIN}}}v")
            if cell.get("t", "n") == "n" and value is not None and not math.isfinite(
                    float(value.text or "0")):
                found.append(f"cell {ref} holds {value.text}")
    priorities = Counter(rule.get("priority") for rule in root.iter(f"{{{MAIN}}}cfRule"))
    found.extend(f"conditional-format priority {p} used {n} times"
                 for p, n in priorities.items() if n > 1)
    found.extend(f"dxfId {rule.get('dxfId')} of {dxfs}" for rule in root.iter(f"{{{MAIN}}}cfRule")
                 if rule.get("dxfId") is not None and int(rule.get("dxfId", "0")) >= dxfs)
    for validation in root.iter(f"{{{MAIN}}}dataValidation"):
        for attribute, limit in (("promptTitle", 32), ("errorTitle", 32), ("prompt", 255),
                                 ("error", 255)):
            if len(validation.get(attribute, "")) > limit:
                found.append(f"data validation {attribute} over {limit} characters")
        formula = validation.find(f"{{{MAIN}}}formula1")
        text = formula.text or "" if formula is not None else ""
        if text.startswith("="):
            found.append(f"data validation formula1 starts with '=': {text}")
        if validation.get("type") == "list" and len(text) > 255:
            found.append("list validation formula over 255 characters")
    return found


def package_problems(path: Path, written: set[str] | None = None) -> list[str]:
    """Schema errors (of the ``written`` parts only, when given) and Excel's stricter
    rules, for the whole package."""
    return schema_problems(path, written) + excel_problems(path)
