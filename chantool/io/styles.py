"""Adding chantool's few styles to a workbook's styles part, and nothing else.

The writer needs a header style for result columns and generated sheets (dark fill,
white bold text) and two differential formats for marks (red and yellow fills); a
generated sheet also needs a title style, a link style and one number format per unit
of its columns (``chantool.layout.NUMBER_FORMATS``). Each element is added only when an
identical one is not there yet (a number format: one with the same code), so a second
run finds the first run's elements and leaves the part byte for byte as it was.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from chantool.io.xmltext import (
    children,
    escape,
    find_element,
    insertion_point,
    root_prefix,
    set_count,
    unescape,
)
from chantool.layout import NUMBER_FORMATS
from chantool.listings import Unit

# Elements of <styleSheet> in schema order; a missing container is created before the
# first existing one that follows it.
_ORDER: Final = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs",
                 "cellStyles", "dxfs", "tableStyles", "colors", "extLst")
HEADER_FILL: Final = "FF1F3864"
ERROR_FILL: Final = "FFFFC7CE"
WARNING_FILL: Final = "FFFFEB9C"
TITLE_COLOR: Final = "FF1F3864"
TITLE_SIZE: Final = 14
LINK_COLOR: Final = "FF0563C1"
# Number formats every Excel knows by id (ECMA-376 Part 1, 18.8.30); others are added
# to the part with an id of 164 or more.
_BUILT_IN: Final = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9,
                    "0.00%": 10, "@": 49}
_FIRST_CUSTOM: Final = 164
_NUM_FMT: Final = re.compile(r'<(?:[\w.-]+:)?numFmt\b[^>]*?\snumFmtId="(\d+)"[^>]*?'
                             r'\sformatCode="([^"]*)"|<(?:[\w.-]+:)?numFmt\b[^>]*?'
                             r'\sformatCode="([^"]*)"[^>]*?\snumFmtId="(\d+)"')


@dataclass(frozen=True)
class StyleIds:
    header_xf: int
    error_dxf: int
    warning_dxf: int


@dataclass(frozen=True)
class TableStyles:
    """The cell styles of a generated sheet: header, title, link, and a number format
    per unit of its columns (none for text)."""

    header_xf: int
    title_xf: int
    link_xf: int
    units: Mapping[Unit, int]


class Styles:
    """The styles part as text, with the indexes of chantool's styles once ensured."""

    def __init__(self, xml: str) -> None:
        self.xml = xml
        self.prefix = root_prefix(xml, "styleSheet")

    def _ensure(self, container: str, element: str) -> int:
        """The index of ``element`` among ``container``'s children, appending it when no
        identical child exists."""
        p = self.prefix
        span = find_element(self.xml, p, container)
        if span is None:
            following = _ORDER[_ORDER.index(container) + 1:]
            at = insertion_point(self.xml, p, following, "styleSheet")
            self.xml = f"{self.xml[:at]}<{p}{container} count=\"0\"></{p}{container}>" \
                       f"{self.xml[at:]}"
            span = find_element(self.xml, p, container)
            assert span is not None
        start, end = span
        if self.xml[start:end].endswith("/>"):  # <dxfs count="0"/>: open it up
            opened = self.xml[start:end - 2].rstrip() + f"></{p}{container}>"
            self.xml = self.xml[:start] + opened + self.xml[end:]
            end = start + len(opened)
        inner_start = self.xml.index(">", start) + 1
        inner_end = end - len(f"</{p}{container}>")
        items = children(self.xml, inner_start, inner_end)
        for index, (begin, finish) in enumerate(items):
            if self.xml[begin:finish] == element:
                return index
        self.xml = self.xml[:inner_end] + element + self.xml[inner_end:]
        self.xml = set_count(self.xml, start, len(items) + 1)
        return len(items)

    def _default_font(self) -> tuple[str, str]:
        """Size and name of the workbook's default font, for the header font."""
        span = find_element(self.xml, self.prefix, "font")
        text = self.xml[span[0]:span[1]] if span else ""
        size = re.search(r'<(?:\w+:)?sz val="([^"]+)"', text)
        name = re.search(r'<(?:\w+:)?name val="([^"]+)"', text)
        return (size[1] if size else "11"), (name[1] if name else "Calibri")

    def _font(self, mark: str, size: str, color: str) -> int:
        """The index of a font of the workbook's default face, bold (``mark`` ``b``) or
        underlined (``u``), of ``size`` and ``color``."""
        p = self.prefix
        name = self._default_font()[1]
        return self._ensure("fonts", f'<{p}font><{p}{mark}/><{p}sz val="{size}"/><{p}color '
                                     f'rgb="{color}"/><{p}name val="{name}"/></{p}font>')

    def ensure_chantool_styles(self) -> StyleIds:
        p = self.prefix
        font = self._font("b", self._default_font()[0], "FFFFFFFF")
        fill = self._ensure(
            "fills", f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor '
                     f'rgb="{HEADER_FILL}"/><{p}bgColor indexed="64"/></{p}patternFill></{p}fill>')
        header = self._ensure(
            "cellXfs", f'<{p}xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="0" '
                       f'xfId="0" applyFont="1" applyFill="1" applyAlignment="1"><{p}alignment '
                       f'horizontal="center" vertical="center" wrapText="1"/></{p}xf>')
        error, warning = (
            self._ensure("dxfs", f'<{p}dxf><{p}fill><{p}patternFill patternType="solid">'
                                 f'<{p}bgColor rgb="{color}"/></{p}patternFill></{p}fill></{p}dxf>')
            for color in (ERROR_FILL, WARNING_FILL)
        )
        return StyleIds(header, error, warning)

    def table_styles(self, header_xf: int, units: Iterable[Unit]) -> TableStyles:
        """The styles of a generated sheet whose columns have ``units``."""
        title = self._font("b", str(TITLE_SIZE), TITLE_COLOR)
        link = self._font("u", self._default_font()[0], LINK_COLOR)
        return TableStyles(header_xf, self._font_xf(title), self._font_xf(link),
                           {unit: self._number_xf(NUMBER_FORMATS[unit])
                            for unit in sorted(set(units)) if unit != "text"})

    def _font_xf(self, font: int) -> int:
        p = self.prefix
        return self._ensure("cellXfs", f'<{p}xf numFmtId="0" fontId="{font}" fillId="0" '
                                       f'borderId="0" xfId="0" applyFont="1"/>')

    def _number_xf(self, code: str) -> int:
        p = self.prefix
        return self._ensure("cellXfs", f'<{p}xf numFmtId="{self._number_format(code)}" '
                                       f'fontId="0" fillId="0" borderId="0" xfId="0" '
                                       f'applyNumberFormat="1"/>')

    def _number_format(self, code: str) -> int:
        """The id of the number format ``code``: the part's own when it has one with that
        code, Excel's built-in one when the part does not redefine that id, else a new
        one."""
        declared: dict[int, str] = {}
        span = find_element(self.xml, self.prefix, "numFmts")
        if span is not None:
            for match in _NUM_FMT.finditer(self.xml, span[0], span[1]):
                number, text = (match[1], match[2]) if match[1] else (match[4], match[3])
                declared[int(number)] = unescape(text)
        own = next((number for number, text in declared.items() if text == code), None)
        if own is not None:
            return own
        built_in = _BUILT_IN.get(code)
        if built_in is not None and built_in not in declared:
            return built_in
        number = max([_FIRST_CUSTOM - 1, *declared]) + 1
        self._ensure("numFmts", f'<{self.prefix}numFmt numFmtId="{number}" '
                                f'formatCode="{escape(code)}"/>')
        return number

