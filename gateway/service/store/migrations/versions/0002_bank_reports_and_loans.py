"""the bank's verified reports and loan decisions

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bank_report",
        sa.Column("report_id", sa.String(length=64), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("digest", sa.String(length=71), nullable=False),
        sa.Column("report", sa.LargeBinary(), nullable=False),
        sa.Column("bundle", sa.LargeBinary(), nullable=False),
        sa.Column("consent_id", sa.String(length=64), nullable=False),
        sa.Column("access_tx_id", sa.String(length=64), nullable=False),
        sa.Column("verified", sa.Text(), nullable=False),
        sa.Column("received_by", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_bank_report")),
    )
    op.create_index(op.f("ix_bank_report_uscc"), "bank_report", ["uscc"])
    op.create_table(
        "bank_loan",
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("report_id", sa.String(length=64), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("commitment", sa.String(length=71), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("tx_id", sa.String(length=64), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["bank_report.report_id"],
                                name=op.f("fk_bank_loan_report_id_bank_report")),
        sa.PrimaryKeyConstraint("loan_id", name=op.f("pk_bank_loan")),
    )
    op.create_index(op.f("ix_bank_loan_report_id"), "bank_loan", ["report_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_bank_loan_report_id"), table_name="bank_loan")
    op.drop_table("bank_loan")
    op.drop_index(op.f("ix_bank_report_uscc"), table_name="bank_report")
    op.drop_table("bank_report")
