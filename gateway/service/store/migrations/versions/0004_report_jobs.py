"""report issuance jobs of the certifier's and regulator's services

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_job",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("period_start", sa.String(length=10), nullable=False),
        sa.Column("period_end", sa.String(length=10), nullable=False),
        sa.Column("result_version", sa.Integer(), nullable=True),
        sa.Column("wait_seconds", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("progress", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("report_version", sa.Integer(), nullable=True),
        sa.Column("report_id", sa.String(length=64), nullable=True),
        sa.Column("report_digest", sa.String(length=71), nullable=True),
        sa.Column("report_json", sa.LargeBinary(), nullable=True),
        sa.Column("report_pdf", sa.LargeBinary(), nullable=True),
        sa.Column("submitted_tx_id", sa.String(length=64), nullable=True),
        sa.Column("issued_tx_id", sa.String(length=64), nullable=True),
        sa.Column("bundle_json", sa.LargeBinary(), nullable=True),
        sa.Column("checkpoint_size", sa.BigInteger(), nullable=True),
        sa.Column("verified", sa.Text(), nullable=True),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_job")),
        sa.UniqueConstraint("seq", name=op.f("uq_report_job_seq")),
    )
    op.create_index(op.f("ix_report_job_uscc"), "report_job", ["uscc"])
    op.create_index(op.f("ix_report_job_state"), "report_job", ["state"])


def downgrade() -> None:
    op.drop_index(op.f("ix_report_job_state"), table_name="report_job")
    op.drop_index(op.f("ix_report_job_uscc"), table_name="report_job")
    op.drop_table("report_job")
