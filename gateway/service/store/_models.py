"""The tables of a service's store (SQLAlchemy 2, one schema for SQLite and PostgreSQL).

- ``job`` and ``job_refusal``: uploads (readings files) with their progress and, once done,
  the rows the ledger refused (by line).
- ``ledger_event`` and ``projection_checkpoint``: the projection of the ledger, one row per
  chaincode event (the audit entry every transaction emits), and the position to resume
  from, written in the same database transaction as the events it covers.
- ``bank_report`` and ``bank_loan`` (the bank's service): the reports it verified under a
  consent (report and bundle bytes, digest, the access it recorded) and its loan decisions,
  whose terms and salt only this store holds (the ledger keeps their salted commitment).

Constraint names follow one naming convention (so Alembic's batch mode on SQLite and plain
ALTERs on PostgreSQL name the same things).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Base", "BankLoan", "BankReport", "Job", "JobRefusal", "LedgerEvent",
           "ProjectionCheckpoint"]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware UTC datetime on every backend. SQLite keeps no offset (a ``DateTime(timezone=
    True)`` comes back naive there, and an API answering a naive time breaks RFC 3339
    ``date-time``: schemathesis found it); PostgreSQL's ``timestamptz`` keeps it."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"a naive datetime cannot be stored: {value!r}")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None,
                             dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Job(Base):
    __tablename__ = "job"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # "readings"
    state: Mapped[str] = mapped_column(String(16), index=True)
    # receiving -> queued -> running -> done | failed
    owner: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str | None] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str | None] = mapped_column(String(64))
    readings_read: Mapped[int] = mapped_column(BigInteger, default=0)
    readings_committed: Mapped[int] = mapped_column(BigInteger, default=0)
    readings_refused: Mapped[int] = mapped_column(BigInteger, default=0)
    batches: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                    onupdate=utcnow)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)  # listing order (cursor)


class JobRefusal(Base):
    __tablename__ = "job_refusal"

    job_id: Mapped[str] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"),
                                        primary_key=True)
    line: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    reason: Mapped[str] = mapped_column(Text)


class LedgerEvent(Base):
    __tablename__ = "ledger_event"
    __table_args__ = (UniqueConstraint("transaction_id"),)

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    block_number: Mapped[int] = mapped_column(BigInteger, index=True)
    transaction_id: Mapped[str] = mapped_column(String(64))
    chaincode: Mapped[str] = mapped_column(String(100))
    event_name: Mapped[str] = mapped_column(String(200), index=True)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProjectionCheckpoint(Base):
    """One row per projection: the next block to read and the last transaction done in it."""

    __tablename__ = "projection_checkpoint"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger)
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    events: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                    onupdate=utcnow)


class BankReport(Base):
    """A report the bank's service verified (with its bundle) under a consent."""

    __tablename__ = "bank_report"

    report_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    digest: Mapped[str] = mapped_column(String(71))
    report: Mapped[bytes] = mapped_column(LargeBinary)      # RFC 8785 bytes
    bundle: Mapped[bytes] = mapped_column(LargeBinary)
    consent_id: Mapped[str] = mapped_column(String(64))
    access_tx_id: Mapped[str] = mapped_column(String(64))
    verified: Mapped[str] = mapped_column(Text)             # the verifier's summary line
    received_by: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BankLoan(Base):
    """A loan decision: the terms and the salt of the commitment loan:record put on the
    ledger (state ``submitting`` until the transaction committed, then ``recorded``)."""

    __tablename__ = "bank_loan"

    loan_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("bank_report.report_id"), index=True)
    terms: Mapped[str] = mapped_column(Text)                # canonical JSON
    salt: Mapped[str] = mapped_column(String(64))
    commitment: Mapped[str] = mapped_column(String(71))
    state: Mapped[str] = mapped_column(String(16))
    tx_id: Mapped[str | None] = mapped_column(String(64))
    decided_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
