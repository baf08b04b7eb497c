"""Adding chantool's few styles to a workbook's styles part, and nothing else.

The writer needs a header style for result columns and generated sheets (dark fill,
white bold text) and two differential formats for marks (red and yellow fills). Each
element is added only when an identical one is not there yet, so a second run finds the
first run's elements and leaves the part byte for byte as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from chantool.io.xmltext import children, find_element, insertion_point, root_prefix, set_count

# Elements of <styleSheet> in schema order; a missing container is created before the
# first existing one that follows it.
_ORDER: Final = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs",
                 "cellStyles", "dxfs", "tableStyles", "colors", "extLst")
HEADER_FILL: Final = "FF1F3864"
ERROR_FILL: Final = "FFFFC7CE"
WARNING_FILL: Final = "FFFFEB9C"


@dataclass(frozen=True)
class StyleIds:
    header_xf: int
    error_dxf: int
    warning_dxf: int


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

    def ensure_chantool_styles(self) -> StyleIds:
        p = self.prefix
        size, name = self._default_font()
        font = self._ensure(
            "fonts", f'<{p}font><{p}b/><{p}sz val="{size}"/><{p}color rgb="FFFFFFFF"/>'
                     f'<{p}name val="{name}"/></{p}font>')
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
