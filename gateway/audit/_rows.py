"""The follower store's tables and row types (the schema beside notary's own tables, in
``audit.db`` or a service store), kept apart from :mod:`._store` (how rows are written and
read). A service store gets them from its migration 0003, a snapshot of these definitions:
change one here and that store needs a new migration."""

from __future__ import annotations

import base64
import datetime
import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

__all__ = [
    "AnchorRow",
    "BlockRecords",
    "EntryRow",
    "SignatureRow",
    "StoreCorruptError",
    "normalise_time",
]

METADATA = sa.MetaData(naming_convention={  # the service store's, so both schemas name alike
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
})
ENTRIES = sa.Table(
    "audit_entries",
    METADATA,
    sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("block", sa.Integer, nullable=False),
    sa.Column("tx_index", sa.Integer, nullable=False),
    sa.Column("tx_id", sa.String, nullable=False, unique=True),
    sa.Column("timestamp", sa.String, nullable=False, index=True),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("leaf", sa.LargeBinary, nullable=False),
)
POSITION = sa.Table(
    "audit_position",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("next_block", sa.Integer, nullable=False),
    sa.Column("done_tx_index", sa.Integer, nullable=False),
)
SIGNATURES = sa.Table(
    "audit_signatures",
    METADATA,
    sa.Column("size", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("mspid", sa.String, primary_key=True),
    sa.Column("root", sa.LargeBinary, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("tx_id", sa.String, nullable=False),
)
ANCHORS = sa.Table(
    "audit_anchors",
    METADATA,
    sa.Column("size", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("root", sa.LargeBinary, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("previous_size", sa.Integer, nullable=False),
    sa.Column("proof", sa.Text, nullable=False),  # JSON list of base64 hashes
    sa.Column("tx_id", sa.String, nullable=False),
)
BINDINGS = sa.Table(
    "audit_bindings",
    METADATA,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("mspid", sa.String, nullable=False),
    sa.Column("tx_id", sa.String, nullable=False, unique=True),
    sa.Column("record", sa.Text, nullable=False),  # {"binding", "tx_id", "timestamp"}
)
ALARMS = sa.Table(
    "audit_alarms",
    METADATA,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String, nullable=False),  # "local" (ours) or "ledger"
    sa.Column("reporter", sa.String, nullable=False),
    sa.Column("accused", sa.String, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("evidence", sa.Text, nullable=False),
    sa.Column("tx_id", sa.String),
)
STATE = sa.Table(
    "audit_state",
    METADATA,
    sa.Column("key", sa.String, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)


class StoreCorruptError(RuntimeError):
    """The store's entry rows and its Log disagree (never repaired: evidence kept)."""

    def __init__(self, path: str, reason: str, **evidence: Any) -> None:
        detail = ", ".join(f"{k}={v}" for k, v in evidence.items())
        super().__init__(
            f"audit store {path} is corrupt: {reason}" + (f" ({detail})" if detail else "")
        )
        self.path = path
        self.reason = reason
        self.evidence = evidence


@dataclass(frozen=True)
class EntryRow:
    index: int
    block: int
    tx_index: int
    tx_id: str
    timestamp: str
    leaf: bytes

    @property
    def entry(self) -> dict[str, Any]:
        """The contract's audit entry body (the leaf's ``entry``)."""
        value: dict[str, Any] = json.loads(self.leaf)["entry"]
        return value

    @property
    def name(self) -> str:
        return str(self.entry.get("entry", ""))


@dataclass(frozen=True)
class AnchorRow:
    size: int
    root: bytes
    note: str
    previous_size: int
    proof: list[bytes]
    tx_id: str


@dataclass(frozen=True)
class SignatureRow:
    size: int
    mspid: str
    root: bytes
    note: str
    tx_id: str


@dataclass
class BlockRecords:
    """What one block adds: written with the block's position in one transaction."""

    block: int
    entries: list[tuple[int, str, str, bytes]] = field(default_factory=list)
    # (tx_index, tx_id, timestamp, leaf bytes), in transaction order
    signatures: list[SignatureRow] = field(default_factory=list)
    anchors: list[AnchorRow] = field(default_factory=list)
    bindings: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    # (mspid, tx_id, record)
    alarms: list[dict[str, Any]] = field(default_factory=list)
    # {"reporter","accused","size","evidence"(dict),"tx_id"}
    state: dict[str, str] = field(default_factory=dict)
    # follower state that must move with the block (the due rule's), same transaction


def normalise_time(text: str) -> str:
    """An ISO 8601 time as the contract writes it (UTC, nine fraction digits, ``Z``), so that
    text order is time order. A time without an offset is read as UTC."""
    value = text.strip()
    nanos = 0
    if "." in value:
        head, _, rest = value.partition(".")
        digits = ""
        while rest and rest[0].isdigit():
            digits, rest = digits + rest[0], rest[1:]
        if not digits or len(digits) > 9:
            raise ValueError(f"bad fraction of a second in {text!r}")
        nanos = int(digits.ljust(9, "0"))
        value = head + rest
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"not an ISO 8601 time: {text!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    moment = moment.astimezone(datetime.UTC)
    # the year zero-padded by hand: strftime's %Y gives "981" for 981 on glibc
    return f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}.{nanos:09d}Z"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
