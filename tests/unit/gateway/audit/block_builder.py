"""Real ``common.Block`` protobufs for the follower's tests (the shape a Fabric 2.5 peer
delivers: envelope -> payload -> transaction -> chaincode action with events and rwset)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from fabric_protos.common import common_pb2
from fabric_protos.ledger.rwset import rwset_pb2
from fabric_protos.ledger.rwset.kvrwset import kv_rwset_pb2
from fabric_protos.peer import (
    chaincode_event_pb2,
    chaincode_pb2,
    proposal_pb2,
    proposal_response_pb2,
    transaction_pb2,
)

from verifier._entry import canonical


@dataclass
class FakeTx:
    tx_id: str
    entry: dict[str, Any] | None = None  # the carbon.audit payload (None: no event)
    code: int = 0  # TxValidationCode
    writes: dict[str, Any] = field(default_factory=dict)  # key -> JSON value
    chaincode: str = "carbon"
    event_name: str = "carbon.audit"
    raw_payload: bytes | None = None
    header_type: int = common_pb2.HeaderType.ENDORSER_TRANSACTION


def audit_entry(name: str, tx_id: str, second: int = 0, **keys: Any) -> dict[str, Any]:
    return {
        "v": 1,
        "entry": name,
        "tx_id": tx_id,
        "timestamp": f"2026-01-01T00:00:{second:02d}.000000000Z",
        "actor": {"mspid": "PowerMSP", "kind": "staff", "fingerprint": "ab"},
        "keys": keys,
        "digests": {},
        "commitments": {},
    }


def envelope(tx: FakeTx) -> bytes:
    header = common_pb2.ChannelHeader(type=tx.header_type, tx_id=tx.tx_id, channel_id="carbon")
    if tx.header_type != common_pb2.HeaderType.ENDORSER_TRANSACTION:
        data = b"config"
    else:
        event = b""
        if tx.entry is not None or tx.raw_payload is not None:
            payload = tx.raw_payload if tx.raw_payload is not None else canonical(tx.entry)
            event = chaincode_event_pb2.ChaincodeEvent(
                chaincode_id=tx.chaincode, tx_id=tx.tx_id, event_name=tx.event_name, payload=payload
            ).SerializeToString()
        kv = kv_rwset_pb2.KVRWSet(
            writes=[
                kv_rwset_pb2.KVWrite(key=k, value=json.dumps(v).encode())
                for k, v in tx.writes.items()
            ]
        )
        results = rwset_pb2.TxReadWriteSet(
            ns_rwset=[
                rwset_pb2.NsReadWriteSet(namespace=tx.chaincode, rwset=kv.SerializeToString())
            ]
        )
        action = proposal_pb2.ChaincodeAction(
            results=results.SerializeToString(),
            events=event,
            chaincode_id=chaincode_pb2.ChaincodeID(name=tx.chaincode),
        )
        prp = proposal_response_pb2.ProposalResponsePayload(extension=action.SerializeToString())
        cap = transaction_pb2.ChaincodeActionPayload(
            action=transaction_pb2.ChaincodeEndorsedAction(
                proposal_response_payload=prp.SerializeToString()
            )
        )
        data = transaction_pb2.Transaction(
            actions=[transaction_pb2.TransactionAction(payload=cap.SerializeToString())]
        ).SerializeToString()
    payload = common_pb2.Payload(
        header=common_pb2.Header(channel_header=header.SerializeToString()), data=data
    )
    return common_pb2.Envelope(payload=payload.SerializeToString()).SerializeToString()


def make_block(number: int, *txs: FakeTx) -> common_pb2.Block:
    metadata = [b""] * 5
    metadata[common_pb2.BlockMetadataIndex.TRANSACTIONS_FILTER] = bytes(t.code for t in txs)
    return common_pb2.Block(
        header=common_pb2.BlockHeader(number=number),
        data=common_pb2.BlockData(data=[envelope(t) for t in txs]),
        metadata=common_pb2.BlockMetadata(metadata=metadata),
    )
