"""Cell notes (Excel's legacy comments): the comments part and its VML drawing.

chantool writes its notes into parts of its own (``xl/chantool/``), linked from the sheet
with relationship ids of its own, and only on sheets that have no other notes, so notes
that users wrote are never touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from chantool.io.xmltext import escape

AUTHOR: Final = "chantool"
COMMENTS_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_TYPE: Final = "application/vnd.openxmlformats-officedocument.vmlDrawing"
REL_COMMENTS: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
REL_VML: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing"
NOTES_REL_ID: Final = "rIdChantoolNotes"


def comments_xml(notes: Sequence[tuple[str, str]]) -> bytes:
    """The comments part for ``(cell, text)`` notes."""
    items = "".join(
        f'<comment ref="{cell}" authorId="0"><text><r><t xml:space="preserve">{escape(text)}'
        f"</t></r></text></comment>"
        for cell, text in notes
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<authors><author>{AUTHOR}</author></authors><commentList>{items}</commentList>"
        "</comments>"
    ).encode()


def vml_xml(notes: Sequence[tuple[int, int]], drawing_id: int) -> bytes:
    """The VML drawing that shows the notes at ``(row, column)`` (both 1-based).
    ``drawing_id`` keeps shape ids apart from other drawings of the workbook."""
    shapes = []
    for number, (row, column) in enumerate(notes, start=1):
        anchor = f"{column}, 15, {max(row - 2, 0)}, 10, {column + 2}, 15, {max(row - 2, 0) + 4}, 4"
        shapes.append(
            f'<v:shape id="_x0000_s{drawing_id * 1024 + number}" type="#_x0000_t202" '
            'style="position:absolute;margin-left:80pt;margin-top:2pt;width:180pt;'
            'height:80pt;z-index:1;visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">'
            '<v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
            '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto">'
            '<div style="text-align:left"></div></v:textbox>'
            '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:Anchor>{anchor}</x:Anchor><x:AutoFill>False</x:AutoFill>"
            f"<x:Row>{row - 1}</x:Row><x:Column>{column - 1}</x:Column></x:ClientData>"
            "</v:shape>"
        )
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{drawing_id}"/>'
        "</o:shapelayout>"
        '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
        'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
        '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
        f"{''.join(shapes)}</xml>"
    ).encode()
