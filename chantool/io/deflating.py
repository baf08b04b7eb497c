"""Zip entries deflated by ISA-L: a part deflated as it is made, pieces deflated apart and
joined, a part copied as the source's zip holds it, such an entry added to a zip, and a
zip written anew from another with some parts changed. Used by the writer and by the
reports, which import it without the engine."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Final, NamedTuple

from isal import isal_zlib

from chantool.io import package

# ISA-L's deflate level for parts chantool makes (of 0 to 3): a worksheet's XML deflates
# as fast as at level 0, and smaller than at zlib's fastest level; the small parts that
# zipfile deflates get zlib's fastest.
LEVEL: Final = 1
_PIECE: Final = 1 << 20  # a part is deflated a piece of this size at a time
_FIXED_TIME: Final = (1980, 1, 1, 0, 0, 0)  # of a new part


class Deflated(NamedTuple):
    """A part as a zip entry holds it: a raw deflate stream, its CRC-32 and its size."""

    data: bytes
    crc: int
    size: int


def _raw_deflater() -> isal_zlib.Compress:
    """A raw deflate stream (a zip entry's) at ``LEVEL``, by ISA-L."""
    return isal_zlib.compressobj(LEVEL, isal_zlib.DEFLATED, -isal_zlib.MAX_WBITS)


class Deflater:
    """Deflates a part as its pieces are made, so that the part is only ever held
    deflated; by ISA-L, four times as fast as zlib (a sheet of a hundred thousand rows,
    fifty megabytes of XML, in 0.05 s), for a smaller result than zlib's fastest level.
    With ``same_as`` (the source's part), it tells whether the pieces are its bytes."""

    def __init__(self, same_as: IO[bytes] | None = None) -> None:
        self.deflater = _raw_deflater()
        self.deflated: list[bytes] = []
        self.pending: list[bytes | memoryview] = []  # not yet deflated
        self.pending_size = 0
        self.crc = self.size = 0
        self.source = same_as  # None from the first piece that differs

    def write(self, data: bytes | memoryview) -> None:
        self.pending.append(data)
        self.pending_size += len(data)
        if self.pending_size >= _PIECE:
            self._deflate_pending()

    def _deflate_pending(self) -> None:
        if not self.pending:
            return
        piece = b"".join(self.pending)
        self.pending, self.pending_size = [], 0
        self.crc = isal_zlib.crc32(piece, self.crc)
        self.size += len(piece)
        if self.source is not None and self.source.read(len(piece)) != piece:
            self.source = None
        self.deflated.append(self.deflater.compress(piece))

    def add(self, piece: Deflated) -> None:
        """A piece of the part deflated elsewhere (``deflated_piece``), that comes next:
        what came before is ended on a byte boundary (a sync flush), and what comes after
        is deflated anew, as a stream of its own may follow another's blocks."""
        self._deflate_pending()
        self.deflated.extend((self.deflater.flush(isal_zlib.Z_SYNC_FLUSH), piece.data))
        self.deflater = _raw_deflater()
        self.crc = isal_zlib.crc32_combine(self.crc, piece.crc, piece.size)
        self.size += piece.size
        self.source = None

    def unchanged(self) -> bool:
        """Whether the pieces were the source's bytes, all of them."""
        self._deflate_pending()
        return self.source is not None and not self.source.read(1)

    def close(self) -> Deflated:
        self._deflate_pending()
        self.deflated.append(self.deflater.flush())
        return Deflated(b"".join(self.deflated), self.crc, self.size)


def deflated_piece(data: bytes) -> Deflated:
    """``data`` deflated as a piece of a part (``Deflater.add``): its stream ends on a byte
    boundary (a sync flush) and has no last block, so that more may follow."""
    deflater = _raw_deflater()
    return Deflated(deflater.compress(data) + deflater.flush(isal_zlib.Z_SYNC_FLUSH),
                    isal_zlib.crc32(data), len(data))


def as_stored(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Deflated | None:
    """A deflated part chantool does not change, as the source's zip holds it: copied
    without inflating and deflating it again (a damaged one fails the check of the
    written file, which reads every part). ``None`` for a part stored otherwise."""
    entry = package.deflated_entry(archive, info)
    return None if entry is None else Deflated(entry[1], info.CRC, info.file_size)


def write_deflated(out: zipfile.ZipFile, info: zipfile.ZipInfo, part: Deflated) -> None:
    """Add a part deflated beforehand as the entry ``info``. zipfile has no call for
    that: this writes the entry's header and data as ``ZipFile.mkdir`` writes a folder's,
    and ``close`` lists it in the central directory like any other."""
    assert out.fp is not None
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = info.external_attr or 0o600 << 16  # as writestr gives a new entry
    info.CRC, info.compress_size, info.file_size = part.crc, len(part.data), part.size
    out.fp.seek(out.start_dir)
    info.header_offset = out.fp.tell()
    out.fp.write(info.FileHeader())
    out.fp.write(part.data)
    out.filelist.append(info)
    out.NameToInfo[info.filename] = info
    out.start_dir = out.fp.tell()


@dataclass
class Parts:
    """Parts changed (new bytes), created, or removed, by part name; the large ones
    (worksheets) deflated as soon as they are made."""

    changed: dict[str, bytes] = field(default_factory=dict)
    deflated: dict[str, Deflated] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)

    def names(self) -> set[str]:
        return set(self.changed) | set(self.deflated)


def write_zip(archive: zipfile.ZipFile, target: Path, parts: Parts) -> None:
    """Write ``archive`` to ``target`` with ``parts`` changed, created or removed; a new
    part dated as zip's earliest time, so that the same parts give the same bytes. A
    part kept is copied deflated as ``archive`` holds it (``as_stored``)."""
    names = set(archive.NameToInfo)
    with zipfile.ZipFile(target, "w") as out:
        for info in archive.infolist():
            if info.filename in parts.removed:
                continue
            data = parts.changed.get(info.filename)
            deflated = parts.deflated.get(info.filename) or (
                as_stored(archive, info) if data is None else None)
            if deflated is not None:
                write_deflated(out, package.copy_info(info), deflated)
                continue
            out.writestr(package.copy_info(info), archive.read(info) if data is None else data,
                         compresslevel=LEVEL)
        for name in sorted(parts.names() - names):
            info = zipfile.ZipInfo(name, _FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            deflated = parts.deflated.get(name)
            if deflated is not None:
                write_deflated(out, info, deflated)
            else:
                out.writestr(info, parts.changed[name], compresslevel=LEVEL)
