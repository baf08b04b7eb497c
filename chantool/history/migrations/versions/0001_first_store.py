"""The first store: files, versions, sheet rows, who managed each channel when

Revision ID: 0001
Revises: (none)
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_files")),
        sa.UniqueConstraint("name", name=op.f("uq_files_name")),
    )
    op.create_table(
        "file_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("office", sa.Text(), nullable=True),
        sa.Column("period", sa.Text(), nullable=True),
        sa.Column("period_from", sa.Date(), nullable=True),
        sa.Column("period_to", sa.Date(), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["file_id"], ["files.id"], name=op.f("fk_file_versions_file_id_files")
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by"],
            ["file_versions.id"],
            name=op.f("fk_file_versions_superseded_by_file_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_versions")),
        sa.UniqueConstraint("file_id", "version", name=op.f("uq_file_versions_file_id")),
        sa.UniqueConstraint("sha256", name=op.f("uq_file_versions_sha256")),
    )
    with op.batch_alter_table("file_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_file_versions_file_id"), ["file_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_file_versions_superseded_by"), ["superseded_by"], unique=False
        )

    op.create_table(
        "channel_managers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Text(), nullable=False),
        sa.Column("manager", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("file_version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_version_id"],
            ["file_versions.id"],
            name=op.f("fk_channel_managers_file_version_id_file_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_managers")),
    )
    with op.batch_alter_table("channel_managers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_channel_managers_channel", ["channel_id", "valid_from"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_channel_managers_file_version_id"), ["file_version_id"], unique=False
        )

    op.create_table(
        "policy_entries",
        sa.Column("file_version_id", sa.Integer(), nullable=False),
        sa.Column("excel_row", sa.Integer(), nullable=False),
        sa.Column("sheet", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["file_version_id"],
            ["file_versions.id"],
            name=op.f("fk_policy_entries_file_version_id_file_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("file_version_id", "excel_row", name=op.f("pk_policy_entries")),
    )
    op.create_table(
        "sheet_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_version_id", sa.Integer(), nullable=False),
        sa.Column("excel_row", sa.Integer(), nullable=False),
        sa.Column("month", sa.Text(), nullable=True),
        sa.Column("manager", sa.Text(), nullable=True),
        sa.Column("office", sa.Text(), nullable=True),
        sa.Column("kpi_score", sa.Double(), nullable=True),
        sa.Column("training_score", sa.Double(), nullable=True),
        sa.Column("training_date", sa.Date(), nullable=True),
        sa.Column("effect_check_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["file_version_id"],
            ["file_versions.id"],
            name=op.f("fk_sheet_assessments_file_version_id_file_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sheet_assessments")),
    )
    with op.batch_alter_table("sheet_assessments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sheet_assessments_file_version_id"), ["file_version_id"], unique=False
        )

    op.create_table(
        "sheet_channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_version_id", sa.Integer(), nullable=False),
        sa.Column("excel_row", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("channel_type", sa.Text(), nullable=True),
        sa.Column("tier", sa.Text(), nullable=True),
        sa.Column("care_level", sa.Text(), nullable=True),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("manager", sa.Text(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("profile_done_date", sa.Date(), nullable=True),
        sa.Column("sales_staff", sa.BigInteger(), nullable=True),
        sa.Column("key_contacts", sa.BigInteger(), nullable=True),
        sa.Column("downstream_outlets", sa.BigInteger(), nullable=True),
        sa.Column("credit_limit", sa.Double(), nullable=True),
        sa.Column("overdue_amount", sa.Double(), nullable=True),
        sa.Column("monthly_target", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["file_version_id"],
            ["file_versions.id"],
            name=op.f("fk_sheet_channels_file_version_id_file_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sheet_channels")),
    )
    with op.batch_alter_table("sheet_channels", schema=None) as batch_op:
        batch_op.create_index("ix_sheet_channels_channel", ["channel_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sheet_channels_file_version_id"), ["file_version_id"], unique=False
        )

    op.create_table(
        "sheet_commission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_version_id", sa.Integer(), nullable=False),
        sa.Column("excel_row", sa.Integer(), nullable=False),
        sa.Column("sales_from", sa.Double(), nullable=True),
        sa.Column("rate", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["file_version_id"],
            ["file_versions.id"],
            name=op.f("fk_sheet_commission_file_version_id_file_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sheet_commission")),
    )
    with op.batch_alter_table("sheet_commission", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sheet_commission_file_version_id"), ["file_version_id"], unique=False
        )

    op.create_table(
        "sheet_commission_paid",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_version_id", sa.Integer(), nullable=False),
        sa.Column("excel_row", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Text(), nullable=True),
        sa.Column("period", sa.Text(), nullable=True),
        sa.Column("amount", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["file_version_id"],
            ["file_versions.id"],
            name=op.f("fk_sheet_commission_paid_file_version_id_file_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sheet_commission_paid")),
    )
    with op.batch_alter_table("sheet_commission_paid", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sheet_commission_paid_file_version_id"),
            ["file_version_id"],
            unique=False,
        )

    op.create_table(
        "sheet_complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_version_id", sa.Integer(), nullable=False),
        sa.Column("excel_row", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Text(), nullable=True),
        sa.Column("complaint_kind", sa.Text(), nullable=True),
        sa.Column("received_date", sa.Date(), nullable=True),
        sa.Column("received_time", sa.Time(), nullable=True),
        sa.Column("onsite_date", sa.Date(), nullable=True),
        sa.Column("onsite_time", sa.Time(), nullable=True),
        sa.Column("written", sa.Boolean(), nullable=True),
        sa.Column("reported_date", sa.Date(), nullable=True),
        sa.Column("answered_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["file_version_id"],
            ["file_versions.id"],
            name=op.f("fk_sheet_complaints_file_version_id_file_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sheet_complaints")),
    )
    with op.batch_alter_table("sheet_complaints", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sheet_complaints_file_version_id"), ["file_version_id"], unique=False
        )

    op.create_table(
        "sheet_contests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_version_id", sa.Integer(), nullable=False),
        sa.Column("excel_row", sa.Integer(), nullable=False),
        sa.Column("contest", sa.Text(), nullable=True),
        sa.Column("contest_type", sa.Text(), nullable=True),
        sa.Column("date_from", sa.Date(), nullable=True),
        sa.Column("date_to", sa.Date(), nullable=True),
        sa.Column("model", sa.Text(), nullable=True),
        sa.Column("level", sa.Double(), nullable=True),
        sa.Column("reward", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["file_version_id"],
            ["file_versions.id"],
            name=op.f("fk_sheet_contests_file_version_id_file_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sheet_contests")),
    )
    with op.batch_alter_table("sheet_contests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sheet_contests_file_version_id"), ["file_version_id"], unique=False
        )

    op.create_table(
        "sheet_planned",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_version_id", sa.Integer(), nullable=False),
        sa.Column("excel_row", sa.Integer(), nullable=False),
        sa.Column("month", sa.Text(), nullable=True),
        sa.Column("office", sa.Text(), nullable=True),
        sa.Column("channel_id", sa.Text(), nullable=True),
        sa.Column("achievement", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["file_version_id"],
            ["file_versions.id"],
            name=op.f("fk_sheet_planned_file_version_id_file_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sheet_planned")),
    )
    with op.batch_alter_table("sheet_planned", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sheet_planned_file_version_id"), ["file_version_id"], unique=False
        )

    op.create_table(
        "sheet_prices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_version_id", sa.Integer(), nullable=False),
        sa.Column("excel_row", sa.Integer(), nullable=False),
        sa.Column("model", sa.Text(), nullable=True),
        sa.Column("channel_type", sa.Text(), nullable=True),
        sa.Column("price_a", sa.Double(), nullable=True),
        sa.Column("price_b", sa.Double(), nullable=True),
        sa.Column("price_c", sa.Double(), nullable=True),
        sa.Column("floor_price", sa.Double(), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["file_version_id"],
            ["file_versions.id"],
            name=op.f("fk_sheet_prices_file_version_id_file_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sheet_prices")),
    )
    with op.batch_alter_table("sheet_prices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sheet_prices_file_version_id"), ["file_version_id"], unique=False
        )

    op.create_table(
        "sheet_rebates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_version_id", sa.Integer(), nullable=False),
        sa.Column("excel_row", sa.Integer(), nullable=False),
        sa.Column("model", sa.Text(), nullable=True),
        sa.Column("channel_type", sa.Text(), nullable=True),
        sa.Column("pickup_rebate", sa.Double(), nullable=True),
        sa.Column("volume_threshold", sa.BigInteger(), nullable=True),
        sa.Column("volume_rebate", sa.Double(), nullable=True),
        sa.Column("pickup_only", sa.Boolean(), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["file_version_id"],
            ["file_versions.id"],
            name=op.f("fk_sheet_rebates_file_version_id_file_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sheet_rebates")),
    )
    with op.batch_alter_table("sheet_rebates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sheet_rebates_file_version_id"), ["file_version_id"], unique=False
        )

    op.create_table(
        "sheet_sales",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_version_id", sa.Integer(), nullable=False),
        sa.Column("excel_row", sa.Integer(), nullable=False),
        sa.Column("sale_date", sa.Date(), nullable=True),
        sa.Column("channel_id", sa.Text(), nullable=True),
        sa.Column("model", sa.Text(), nullable=True),
        sa.Column("qty", sa.BigInteger(), nullable=True),
        sa.Column("unit_price", sa.Double(), nullable=True),
        sa.Column("sale_region", sa.Text(), nullable=True),
        sa.Column("picked_up", sa.Boolean(), nullable=True),
        sa.Column("paid_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["file_version_id"],
            ["file_versions.id"],
            name=op.f("fk_sheet_sales_file_version_id_file_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sheet_sales")),
    )
    with op.batch_alter_table("sheet_sales", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sheet_sales_file_version_id"), ["file_version_id"], unique=False
        )

    op.create_table(
        "sheet_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_version_id", sa.Integer(), nullable=False),
        sa.Column("excel_row", sa.Integer(), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=True),
        sa.Column("manager", sa.Text(), nullable=True),
        sa.Column("channel_id", sa.Text(), nullable=True),
        sa.Column("visitee_role", sa.Text(), nullable=True),
        sa.Column("visit_form", sa.Text(), nullable=True),
        sa.Column("purposes_met", sa.BigInteger(), nullable=True),
        sa.Column("agreed", sa.Boolean(), nullable=True),
        sa.Column("cause", sa.Text(), nullable=True),
        sa.Column("follow_up", sa.Text(), nullable=True),
        sa.Column("follow_up_due", sa.Date(), nullable=True),
        sa.Column("follow_up_done", sa.Date(), nullable=True),
        sa.Column("check_in", sa.Time(), nullable=True),
        sa.Column("check_out", sa.Time(), nullable=True),
        sa.Column("stationed", sa.Boolean(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("checklist_failed", sa.Text(), nullable=True),
        sa.Column("fix_by", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["file_version_id"],
            ["file_versions.id"],
            name=op.f("fk_sheet_visits_file_version_id_file_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sheet_visits")),
    )
    with op.batch_alter_table("sheet_visits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sheet_visits_file_version_id"), ["file_version_id"], unique=False
        )

    op.create_table(
        "version_sheets",
        sa.Column("file_version_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("header_row", sa.Integer(), nullable=False),
        sa.Column("columns", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_version_id"],
            ["file_versions.id"],
            name=op.f("fk_version_sheets_file_version_id_file_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("file_version_id", "kind", name=op.f("pk_version_sheets")),
    )


def downgrade() -> None:
    op.drop_table("version_sheets")
    with op.batch_alter_table("sheet_visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sheet_visits_file_version_id"))

    op.drop_table("sheet_visits")
    with op.batch_alter_table("sheet_sales", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sheet_sales_file_version_id"))

    op.drop_table("sheet_sales")
    with op.batch_alter_table("sheet_rebates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sheet_rebates_file_version_id"))

    op.drop_table("sheet_rebates")
    with op.batch_alter_table("sheet_prices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sheet_prices_file_version_id"))

    op.drop_table("sheet_prices")
    with op.batch_alter_table("sheet_planned", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sheet_planned_file_version_id"))

    op.drop_table("sheet_planned")
    with op.batch_alter_table("sheet_contests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sheet_contests_file_version_id"))

    op.drop_table("sheet_contests")
    with op.batch_alter_table("sheet_complaints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sheet_complaints_file_version_id"))

    op.drop_table("sheet_complaints")
    with op.batch_alter_table("sheet_commission_paid", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sheet_commission_paid_file_version_id"))

    op.drop_table("sheet_commission_paid")
    with op.batch_alter_table("sheet_commission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sheet_commission_file_version_id"))

    op.drop_table("sheet_commission")
    with op.batch_alter_table("sheet_channels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sheet_channels_file_version_id"))
        batch_op.drop_index("ix_sheet_channels_channel")

    op.drop_table("sheet_channels")
    with op.batch_alter_table("sheet_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sheet_assessments_file_version_id"))

    op.drop_table("sheet_assessments")
    op.drop_table("policy_entries")
    with op.batch_alter_table("channel_managers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_managers_file_version_id"))
        batch_op.drop_index("ix_channel_managers_channel")

    op.drop_table("channel_managers")
    with op.batch_alter_table("file_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_file_versions_superseded_by"))
        batch_op.drop_index(batch_op.f("ix_file_versions_file_id"))

    op.drop_table("file_versions")
    op.drop_table("files")
