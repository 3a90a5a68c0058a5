"""the organisation's notary log: notary's tiles and the audit follower's rows

Revision ID: 0003
Revises: 0002

A snapshot of ``notary._store``'s three tables and ``gateway.audit._rows``'s seven as they
were when the log moved into the service's store (issue 14). It never imports them: a later
change to those modules needs a migration of its own. The notary follower writes these
tables; ``notary.Log`` and ``gateway.audit.AuditStore`` opened on a service store's URL
check them and never create them (docs/audit.md, "Where the log lives").
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # notary.Log: complete-subtree hashes as tiles, its size and tile height, its checkpoints
    op.create_table(
        "notary_tiles",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hashes", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_notary_tiles")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "notary_state",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_notary_state")),
    )
    op.create_table(
        "notary_checkpoints",
        sa.Column("size", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_notary_checkpoints")),
    )
    # gateway.audit's follower: entries (the Log's leaves), block position, ledger records
    op.create_table(
        "audit_entries",
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("block", sa.Integer(), nullable=False),
        sa.Column("tx_index", sa.Integer(), nullable=False),
        sa.Column("tx_id", sa.String(), nullable=False),
        sa.Column("timestamp", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("leaf", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_audit_entries")),
        sa.UniqueConstraint("tx_id", name=op.f("uq_audit_entries_tx_id")),
    )
    op.create_index(op.f("ix_audit_entries_timestamp"), "audit_entries", ["timestamp"])
    op.create_table(
        "audit_position",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("next_block", sa.Integer(), nullable=False),
        sa.Column("done_tx_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_position")),
    )
    op.create_table(
        "audit_signatures",
        sa.Column("size", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("mspid", sa.String(), nullable=False),
        sa.Column("root", sa.LargeBinary(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("tx_id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("size", "mspid", name=op.f("pk_audit_signatures")),
    )
    op.create_table(
        "audit_anchors",
        sa.Column("size", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("root", sa.LargeBinary(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("previous_size", sa.Integer(), nullable=False),
        sa.Column("proof", sa.Text(), nullable=False),
        sa.Column("tx_id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_audit_anchors")),
    )
    op.create_table(
        "audit_bindings",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("mspid", sa.String(), nullable=False),
        sa.Column("tx_id", sa.String(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_bindings")),
        sa.UniqueConstraint("tx_id", name=op.f("uq_audit_bindings_tx_id")),
    )
    op.create_table(
        "audit_alarms",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("reporter", sa.String(), nullable=False),
        sa.Column("accused", sa.String(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("tx_id", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_alarms")),
    )
    op.create_table(
        "audit_state",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_audit_state")),
    )


def downgrade() -> None:
    for table in ("audit_state", "audit_alarms", "audit_bindings", "audit_anchors",
                  "audit_signatures", "audit_position"):
        op.drop_table(table)
    op.drop_index(op.f("ix_audit_entries_timestamp"), table_name="audit_entries")
    op.drop_table("audit_entries")
    for table in ("notary_checkpoints", "notary_state", "notary_tiles"):
        op.drop_table(table)
