"""The ``report_job`` table: report issuance as a job of the certifier's and regulator's
services (gateway/service/_report_jobs.py; docs/services.md, "Report jobs").

The row is the job's whole memory across restarts. What decides how a job resumes is the
data it holds, not its ``state`` label: no ``report_json`` yet means nothing was submitted
(start over from the ledger's records); ``report_json`` frozen (with ``report_version``,
written in the same database transaction that moves the job to ``issuing``, before any
submission) means only those bytes may ever be issued for this job; ``issued_tx_id`` means
the ledger holds them; ``bundle_json`` means done.

The three files live here, in the store, not in the data directory: the report bytes must
be written in the same transaction as the state that promises nothing else will be issued,
a job is ``done`` in the same transaction that stores its bundle (never a done job without
its files), and a service on PostgreSQL needs no shared disk for them (as the bank's
``bank_report`` keeps its reports).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.service.store._models import Base, UTCDateTime, utcnow

__all__ = ["ReportJob"]


class ReportJob(Base):
    __tablename__ = "report_job"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)  # listing order (cursor)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    period_start: Mapped[str] = mapped_column(String(10))
    period_end: Mapped[str] = mapped_column(String(10))
    result_version: Mapped[int | None] = mapped_column(Integer)  # requested; None: latest
    wait_seconds: Mapped[int] = mapped_column(Integer)  # per anchor wait
    # queued -> waiting_inputs -> issuing -> waiting_report_anchor -> bundling -> done
    # | failed (any step)
    state: Mapped[str] = mapped_column(String(32), index=True)
    progress: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    report_version: Mapped[int | None] = mapped_column(Integer)
    report_id: Mapped[str | None] = mapped_column(String(64))
    report_digest: Mapped[str | None] = mapped_column(String(71))
    report_json: Mapped[bytes | None] = mapped_column(LargeBinary)  # frozen before submit
    report_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    submitted_tx_id: Mapped[str | None] = mapped_column(String(64))  # sent to the orderer
    issued_tx_id: Mapped[str | None] = mapped_column(String(64))     # the ledger's status
    bundle_json: Mapped[bytes | None] = mapped_column(LargeBinary)
    checkpoint_size: Mapped[int | None] = mapped_column(BigInteger)
    verified: Mapped[str | None] = mapped_column(Text)  # the verifier's VALID line
    problem: Mapped[str | None] = mapped_column(Text)   # JSON: kind, detail, evidence
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                    onupdate=utcnow)
