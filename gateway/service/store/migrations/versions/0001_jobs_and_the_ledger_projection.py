"""jobs and the ledger projection

Revision ID: 0001
Revises:
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
        "job",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("readings_read", sa.BigInteger(), nullable=False),
        sa.Column("readings_committed", sa.BigInteger(), nullable=False),
        sa.Column("readings_refused", sa.BigInteger(), nullable=False),
        sa.Column("batches", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
        sa.UniqueConstraint("seq", name=op.f("uq_job_seq")),
    )
    with op.batch_alter_table("job") as batch_op:
        batch_op.create_index(batch_op.f("ix_job_state"), ["state"], unique=False)

    op.create_table(
        "ledger_event",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("transaction_id", sa.String(length=64), nullable=False),
        sa.Column("chaincode", sa.String(length=100), nullable=False),
        sa.Column("event_name", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ledger_event")),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_ledger_event_transaction_id")),
    )
    with op.batch_alter_table("ledger_event") as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_event_block_number"), ["block_number"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_event_event_name"), ["event_name"],
                              unique=False)

    op.create_table(
        "projection_checkpoint",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("transaction_id", sa.String(length=64), nullable=True),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_projection_checkpoint")),
    )
    op.create_table(
        "job_refusal",
        sa.Column("job_id", sa.String(length=32), nullable=False),
        sa.Column("line", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"], name=op.f("fk_job_refusal_job_id_job"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id", "line", name=op.f("pk_job_refusal")),
    )


def downgrade() -> None:
    op.drop_table("job_refusal")
    op.drop_table("projection_checkpoint")
    with op.batch_alter_table("ledger_event") as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_event_event_name"))
        batch_op.drop_index(batch_op.f("ix_ledger_event_block_number"))
    op.drop_table("ledger_event")
    with op.batch_alter_table("job") as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_state"))
    op.drop_table("job")
