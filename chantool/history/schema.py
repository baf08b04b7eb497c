"""The tables of the store, as SQLAlchemy Core ``Table`` definitions (no ORM).

- ``files``: one row per archived file name (the key a new version supersedes by).
- ``file_versions``: each distinct content archived under that name: its SHA-256, path,
  office, period, when it was archived, and the version that superseded it.
- ``version_sheets`` and ``policy_entries``: which standard sheets a version had (name,
  header row, the columns it held) and the entries of its 参数 sheet, as written.
- ``sheet_<kind>``: the typed rows of each standard sheet, one table per sheet of
  ``settings.SHEETS`` with a typed column per known column, each row with its version
  and Excel row number.
- ``channel_managers``: who managed each channel when (R-11), worked out from the
  channel profiles of the current versions.
- ``runs``, ``run_inputs`` and ``run_policies``: each ``score`` run with a store, its
  results as printed, each input with its SHA-256, and the policy it used.

Migrations (``migrations/versions``) must create exactly this; a test compares them.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.types import TypeEngine

from chantool.settings import SHEETS, Kind, SheetSpec

# Constraint names are fixed, so that later migrations can name what they change.
metadata: Final = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

files: Final = Table(
    "files", metadata,
    Column("id", Integer, primary_key=True),
    # The file's own name (without folders): a file archived under a name it had before
    # is a new version of that file.
    Column("name", Text, nullable=False, unique=True),
)

file_versions: Final = Table(
    "file_versions", metadata,
    Column("id", Integer, primary_key=True),
    Column("file_id", ForeignKey("files.id"), nullable=False, index=True),
    Column("version", Integer, nullable=False),  # 1, 2, ... per file
    Column("path", Text, nullable=False),  # where it was archived from
    Column("sha256", String(64), nullable=False, unique=True),
    Column("size", BigInteger, nullable=False),
    # The office its 考核记录/计划客户 rows name, when they name exactly one.
    Column("office", Text),
    # The months its dated rows cover: "2025-06", or "2025-04..2025-06".
    Column("period", Text),
    Column("period_from", Date),  # first day of the first month
    Column("period_to", Date),  # last day of the last month
    Column("archived_at", DateTime(timezone=True), nullable=False),
    Column("errors", Integer, nullable=False),  # error findings accepted (--accept-errors)
    Column("warnings", Integer, nullable=False),
    Column("superseded_by", ForeignKey("file_versions.id"), index=True),
    UniqueConstraint("file_id", "version"),
)

version_sheets: Final = Table(
    "version_sheets", metadata,
    Column("file_version_id", ForeignKey("file_versions.id", ondelete="CASCADE"),
           primary_key=True),
    Column("kind", String(32), primary_key=True),  # settings.SheetSpec.kind
    Column("name", Text, nullable=False),  # the sheet's name in the workbook
    Column("header_row", Integer, nullable=False),
    # The column keys the sheet had, comma-separated: a missing column is not a blank one.
    Column("columns", Text, nullable=False),
)

policy_entries: Final = Table(
    "policy_entries", metadata,
    Column("file_version_id", ForeignKey("file_versions.id", ondelete="CASCADE"),
           primary_key=True),
    Column("excel_row", Integer, primary_key=True),
    Column("sheet", Text, nullable=False),
    Column("key", Text, nullable=False),  # as written, so that it reads back the same
    Column("value", Text),  # the cell as text (dates ISO, numbers as Python writes them)
)

channel_managers: Final = Table(
    "channel_managers", metadata,
    Column("id", Integer, primary_key=True),
    Column("channel_id", Text, nullable=False),
    Column("manager", Text, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date),  # None: still managing, as far as the store knows
    # The version whose profile first showed this manager for this period.
    Column("file_version_id", ForeignKey("file_versions.id"), nullable=False, index=True),
    Index("ix_channel_managers_channel", "channel_id", "valid_from"),
)

_TYPES: Final[dict[Kind, type[TypeEngine[Any]]]] = {
    Kind.TEXT: Text, Kind.CHOICE: Text, Kind.MONTH: Text, Kind.INTEGER: BigInteger,
    Kind.NUMBER: Double, Kind.RATE: Double, Kind.DATE: Date, Kind.TIME: Time,
    Kind.YES_NO: Boolean,
}


def _sheet_table(spec: SheetSpec) -> Table:
    """The typed rows of one standard sheet: a column per known column, all nullable (a
    workbook may lack a column, or an accepted error leaves a cell without a value)."""
    # Who managed a channel when is worked out from the profiles naming it.
    indexes = [Index("ix_sheet_channels_channel", "channel_id")] if spec.kind == "channels" else []
    return Table(
        f"sheet_{spec.kind}", metadata,
        Column("id", Integer, primary_key=True),
        Column("file_version_id", ForeignKey("file_versions.id", ondelete="CASCADE"),
               nullable=False, index=True),
        Column("excel_row", Integer, nullable=False),
        *(Column(column.key, _TYPES[column.kind]) for column in spec.columns),
        *indexes,
    )


SHEET_TABLES: Final = {spec.kind: _sheet_table(spec) for spec in SHEETS}


runs: Final = Table(
    "runs", metadata,
    Column("id", Integer, primary_key=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("chantool_version", String(32), nullable=False),
    Column("as_of", Date, nullable=False),
    # The language of the run: its findings' messages are in it.
    Column("lang", String(2), nullable=False),
    # The report's summary, so that listing runs reads no results.
    Column("files", Integer, nullable=False),
    Column("errors", Integer, nullable=False),
    Column("warnings", Integer, nullable=False),
    Column("unreadable", Integer, nullable=False),
    # Each deflated (zlib) from UTF-8, as a year's run is hundreds of megabytes of text:
    # the JSON report of ``score --format json``, compact (no indent, no spaces), and
    # what ``score`` printed as text, in each language (the findings stay in ``lang``).
    Column("results", LargeBinary, nullable=False),
    Column("text_zh", LargeBinary, nullable=False),
    Column("text_en", LargeBinary, nullable=False),
)

run_inputs: Final = Table(
    "run_inputs", metadata,
    Column("run_id", ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),  # 1, 2, ... in the run's order
    Column("path", Text, nullable=False),  # a file as given, or a version's file name
    Column("sha256", String(64)),  # None: the file could not be read
    # The stored version scored, for a run from the store.
    Column("file_version_id", ForeignKey("file_versions.id"), index=True),
)

run_policies: Final = Table(
    "run_policies", metadata,
    Column("run_id", ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("path", Text, primary_key=True),  # the result (a file's path) it applied to
    Column("key", String(64), primary_key=True),  # a key of chantool.policy.Policy
    Column("value", Text, nullable=False),  # its value in force, as JSON
)
