"""Full Fabric blocks -> the audit log's leaves and the audit trail's ledger records.

A block (``common.Block`` from the peer's Deliver service) holds envelopes; its metadata
``TRANSACTIONS_FILTER`` holds one validation code per envelope. A transaction counts when its
code is VALID (0), it is an endorser transaction, and its chaincode action (of the configured
chaincode) carries the event ``carbon.audit``: that event's payload, with the block number,
the transaction's index in the block and its id, is the leaf (:func:`verifier.audit_leaf`).

The same valid transactions' public writes under the audit trail's keys (``notarysig``,
``anchor``, ``notarykey``, ``notaryalarm``) are read from their read-write sets, so the
follower learns every signature, anchor, key binding and alarm from the blocks it follows:
no query whose answer depends on when it was asked.

Hand-written against the protobufs: the Python Fabric SDKs are unmaintained, and the path
from an envelope to its chaincode event is short (Fabric's own ``protoutil`` walks the same).
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from fabric_protos.common import common_pb2
from fabric_protos.ledger.rwset import rwset_pb2
from fabric_protos.ledger.rwset.kvrwset import kv_rwset_pb2
from fabric_protos.peer import (
    chaincode_event_pb2,
    proposal_pb2,
    proposal_response_pb2,
    transaction_pb2,
)
from google.protobuf.message import DecodeError

from verifier._entry import AUDIT_EVENT, AuditFormatError, audit_leaf, loads_strict

from ._store import AnchorRow, BlockRecords, SignatureRow

__all__ = ["BlockFormatError", "parse_block", "ledger_key", "VALID"]

log = logging.getLogger("gateway.audit")

VALID = 0  # peer.TxValidationCode.VALID
_ENDORSER_TRANSACTION = common_pb2.HeaderType.ENDORSER_TRANSACTION
_TRANSACTIONS_FILTER = common_pb2.BlockMetadataIndex.TRANSACTIONS_FILTER


class BlockFormatError(ValueError):
    """A block the follower cannot read (stops the follower: skipping would fork the log)."""

    def __init__(self, block: int, reason: str, tx_index: int | None = None) -> None:
        where = f"block {block}" + ("" if tx_index is None else f" transaction {tx_index}")
        super().__init__(f"{where}: {reason}")
        self.block = block
        self.tx_index = tx_index
        self.reason = reason


@dataclass
class Transaction:
    index: int
    tx_id: str
    code: int
    event: chaincode_event_pb2.ChaincodeEvent | None = None
    writes: list[tuple[str, bytes]] = field(default_factory=list)


def ledger_key(key: str) -> str:
    """A state key as ``type/attr/...``: composite keys (``\\x00type\\x00attr\\x00``) and
    plain ``type/attr`` keys read the same."""
    if key.startswith("\x00"):
        return "/".join(part for part in key.split("\x00") if part)
    return key


def _transactions(block: common_pb2.Block, chaincode: str) -> list[Transaction]:
    number = int(block.header.number)
    data = list(block.data.data)
    metadata = block.metadata.metadata
    codes = bytes(metadata[_TRANSACTIONS_FILTER]) if len(metadata) > _TRANSACTIONS_FILTER else b""
    if len(codes) != len(data):
        raise BlockFormatError(
            number, f"TRANSACTIONS_FILTER has {len(codes)} codes for {len(data)} transactions"
        )
    out = []
    for index, raw in enumerate(data):
        try:
            out.append(_transaction(index, raw, codes[index], chaincode))
        except DecodeError as exc:
            raise BlockFormatError(number, f"undecodable envelope: {exc}", index) from None
    return out


def _transaction(index: int, raw: bytes, code: int, chaincode: str) -> Transaction:
    envelope = common_pb2.Envelope.FromString(raw)
    payload = common_pb2.Payload.FromString(envelope.payload)
    header = common_pb2.ChannelHeader.FromString(payload.header.channel_header)
    tx = Transaction(index, header.tx_id, code)
    if code != VALID or header.type != _ENDORSER_TRANSACTION:
        return tx
    transaction = transaction_pb2.Transaction.FromString(payload.data)
    for action in transaction.actions:
        cap = transaction_pb2.ChaincodeActionPayload.FromString(action.payload)
        prp = proposal_response_pb2.ProposalResponsePayload.FromString(
            cap.action.proposal_response_payload
        )
        cc_action = proposal_pb2.ChaincodeAction.FromString(prp.extension)
        if cc_action.chaincode_id.name != chaincode:
            continue
        if cc_action.events:
            event = chaincode_event_pb2.ChaincodeEvent.FromString(cc_action.events)
            if event.event_name:
                tx.event = event
        rwset = rwset_pb2.TxReadWriteSet.FromString(cc_action.results)
        for ns in rwset.ns_rwset:
            if ns.namespace != chaincode:
                continue
            kv = kv_rwset_pb2.KVRWSet.FromString(ns.rwset)
            tx.writes.extend(
                (ledger_key(w.key), bytes(w.value)) for w in kv.writes if not w.is_delete
            )
    return tx


def parse_block(block: common_pb2.Block, chaincode: str = "carbon") -> BlockRecords:
    """The leaves and audit-trail records of one committed block (see the module text)."""
    number = int(block.header.number)
    records = BlockRecords(number)
    for tx in _transactions(block, chaincode):
        if tx.code != VALID:
            continue
        if tx.event is not None and tx.event.event_name == AUDIT_EVENT:
            try:
                entry = loads_strict(bytes(tx.event.payload))
                if not isinstance(entry, dict):
                    raise AuditFormatError(f"payload is {type(entry).__name__}, not an object")
                leaf = audit_leaf(number, tx.index, tx.tx_id, entry)
            except AuditFormatError as exc:
                # Deterministic for every follower (same bytes, same rule): no leaf.
                log.warning(
                    "audit event skipped block=%d index=%d tx_id=%s reason=%s",
                    number,
                    tx.index,
                    tx.tx_id,
                    exc,
                )
            else:
                timestamp = entry.get("timestamp")
                records.entries.append(
                    (tx.index, tx.tx_id, timestamp if isinstance(timestamp, str) else "", leaf)
                )
        for key, value in tx.writes:
            _record(records, tx.tx_id, key, value)
    return records


def _record(records: BlockRecords, tx_id: str, key: str, value: bytes) -> None:
    kind = key.split("/", 1)[0]
    if kind not in {"notarysig", "anchor", "notarykey", "notaryalarm"}:
        return
    try:
        v: Any = json.loads(value)
        if kind == "notarysig":
            records.signatures.append(
                SignatureRow(
                    int(v["size"]),
                    str(v["mspid"]),
                    base64.b64decode(v["root"]),
                    str(v["note"]),
                    tx_id,
                )
            )
        elif kind == "anchor":
            proof = [base64.b64decode(h) for h in v.get("proof") or []]
            records.anchors.append(
                AnchorRow(
                    int(v["size"]),
                    base64.b64decode(v["root"]),
                    str(v["note"]),
                    int(v.get("previous_size") or 0),
                    proof,
                    tx_id,
                )
            )
        elif kind == "notarykey":
            binding = v.get("binding", v)
            mspid = str(binding["statement"]["mspid"])
            records.bindings.append((mspid, tx_id, {**v, "tx_id": v.get("tx_id", tx_id)}))
        else:
            evidence = v.get("evidence", v)
            reporter = v.get("reporter") or key.split("/")[2:3] or [""]
            records.alarms.append(
                {
                    "reporter": reporter if isinstance(reporter, str) else reporter[0],
                    "accused": str(evidence["accused"]),
                    "size": int(evidence["size"]),
                    "evidence": evidence,
                    "tx_id": tx_id,
                }
            )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("audit record skipped tx_id=%s key=%s reason=%s", tx_id, key, exc)
