"""Small, exact edits of OOXML parts as text.

The writer changes a few elements of parts it does not otherwise understand, and every
other byte must stay as it was. So parts are edited as text: find an element, insert one
at the place the schema orders it, escape what we write. Nothing here re-serialises a
part, which is what makes the edits byte-preserving.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from operator import ne
from typing import Final

# Markup characters escaped, and characters XML 1.0 cannot carry at all dropped.
_ESCAPES: Final[dict[int, str | None]] = {
    ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;",
    **{code: None for code in [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF]},
}
_TO_ESCAPE: Final = re.compile("[" + re.escape("".join(map(chr, _ESCAPES))) + "]")
# A row's number (its ``r``) in its start tag.
ROW_NUMBER: Final = re.compile(rb'\sr="(\d+)"')
_TAG: Final = re.compile(r"<(/?)([\w:.-]+)[^>]*?(/?)>")
_ENTITY: Final = re.compile(r"&(?:#x([0-9a-fA-F]+)|#([0-9]+)|(quot|apos|lt|gt|amp));")
_ENTITIES: Final = {"quot": '"', "apos": "'", "lt": "<", "gt": ">", "amp": "&"}


def escape(text: str) -> str:
    """Text as element content or attribute value (quotes included)."""
    # Most text has nothing to escape: a search is much faster than a translation.
    return text.translate(_ESCAPES) if _TO_ESCAPE.search(text) else text


def spaced(texts: Sequence[str]) -> list[bool]:
    """Whether each of ``texts`` starts or ends with white space, which a text element
    keeps only with ``xml:space="preserve"``: Excel drops it otherwise. Told at C speed,
    for a column of thousands."""
    return list(map(ne, texts, map(str.strip, texts)))


def unescape(text: str) -> str:
    """The text an escaped attribute value or element content stands for: XML's five
    entities and its character references (``&#28192;``, ``&#x6E20;``), in one pass."""
    if "&" not in text:
        return text
    return _ENTITY.sub(lambda found: chr(int(found[1], 16)) if found[1] else
                       chr(int(found[2])) if found[2] else _ENTITIES[found[3]], text)


def root_prefix(xml: str, local_name: str) -> str:
    """The namespace prefix of the root element (``"x:"`` or ``""``)."""
    match = re.search(rf"<([\w.-]+:)?{local_name}[\s>/]", xml)
    return match[1] or "" if match else ""


def sheet_data(xml: bytes) -> tuple[bytes, re.Match[bytes] | None, int]:
    """The prefix of a worksheet part's elements, the start tag of its sheet data, and
    where its rows end: the end of ``<sheetData/>``, else the start of ``</sheetData>``
    (-1 when there is none)."""
    prefix = root_prefix(xml[:4096].decode("utf-8", errors="replace"), "worksheet").encode()
    data = re.compile(b"<" + re.escape(prefix) + rb"sheetData\b[^>]*?(/?)>").search(xml)
    end = -1 if data is None else data.end() if data[1] else xml.find(
        b"</" + prefix + b"sheetData>", data.end())
    return prefix, data, end


def find_element(xml: str, prefix: str, name: str, start: int = 0) -> tuple[int, int] | None:
    """Start and end of the first ``<name .../>`` or ``<name ...>...</name>`` element."""
    match = re.compile(rf"<{re.escape(prefix)}{name}(?=[\s/>])").search(xml, start)
    if match is None:
        return None
    tag_end = xml.index(">", match.end())
    if xml[tag_end - 1] == "/":
        return match.start(), tag_end + 1
    closing = f"</{prefix}{name}>"
    return match.start(), xml.index(closing, tag_end) + len(closing)


def children(xml: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the top-level elements between ``start`` and ``end``."""
    spans = []
    depth = 0
    begin = 0
    for match in _TAG.finditer(xml, start, end):
        closing, _, self_closing = match.groups()
        if closing:
            depth -= 1
            if depth == 0:
                spans.append((begin, match.end()))
        elif self_closing:
            if depth == 0:
                spans.append((match.start(), match.end()))
        else:
            if depth == 0:
                begin = match.start()
            depth += 1
    return spans


def insertion_point(xml: str, prefix: str, after: Sequence[str], parent: str) -> int:
    """Where a new element goes: before the first existing element named in ``after``
    (the elements the schema puts after it), else before the parent's closing tag."""
    best = -1
    for name in after:
        found = find_element(xml, prefix, name)
        if found and (best < 0 or found[0] < best):
            best = found[0]
    return best if best >= 0 else xml.rindex(f"</{prefix}{parent}>")


def set_count(xml: str, start: int, count: int) -> str:
    """Set the ``count`` attribute of the element starting at ``start``."""
    tag_end = xml.index(">", start)
    tag = xml[start:tag_end]
    if re.search(r'\scount="\d*"', tag):
        tag = re.sub(r'\scount="\d*"', f' count="{count}"', tag, count=1)
    else:
        tag = tag.rstrip("/") + f' count="{count}"' + ("/" if tag.endswith("/") else "")
    return xml[:start] + tag + xml[tag_end:]
