"""Run records: results and texts kept deflated (zlib) from UTF-8, as a year's run is
hundreds of megabytes of text

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TEXTS = ("results", "text_zh", "text_en")
# The conversions are written out here, not taken from chantool.history.runs: a migration
# converts as its revision stored, whatever later code does.


def _retype(was: Any, becomes: Any, convert: Callable[[Any], Any]) -> None:
    """Each text column of ``runs`` made a column of type ``becomes``, its value converted
    one run at a time (a run's texts may be hundreds of megabytes)."""
    with op.batch_alter_table("runs") as batch_op:
        for name in TEXTS:
            batch_op.add_column(sa.Column(f"{name}_new", becomes, nullable=True))
    runs = sa.table("runs", sa.column("id", sa.Integer()),
                    *(sa.column(name, was) for name in TEXTS),
                    *(sa.column(f"{name}_new", becomes) for name in TEXTS))
    connection = op.get_bind()
    for run_id in connection.execute(sa.select(runs.c.id)).scalars().all():
        values = connection.execute(
            sa.select(*(runs.c[name] for name in TEXTS)).where(runs.c.id == run_id)).one()
        connection.execute(runs.update().where(runs.c.id == run_id).values(
            {f"{name}_new": convert(value) for name, value in zip(TEXTS, values, strict=True)}))
    with op.batch_alter_table("runs") as batch_op:
        for name in TEXTS:
            batch_op.drop_column(name)
        for name in TEXTS:
            batch_op.alter_column(f"{name}_new", new_column_name=name, existing_type=becomes,
                                  nullable=False)


def upgrade() -> None:
    _retype(sa.Text(), sa.LargeBinary(), lambda text: zlib.compress(text.encode(), 1))


def downgrade() -> None:
    _retype(sa.LargeBinary(), sa.Text(), lambda stored: zlib.decompress(stored).decode())
