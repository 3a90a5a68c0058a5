"""An in-process fake peer: Gateway + Deliver services over a tiny key-value "chaincode".

A fake, not a mock: it parses what the client sends with the official protobuf types,
verifies every signature (ECDSA P-256, SHA-256, low-S) against the client's certificate,
keeps a ledger of blocks, and answers like a Fabric 2.5 peer (errors with per-peer
``gateway.ErrorDetail`` in ``grpc-status-details-bin``).
"""

from __future__ import annotations

import json
import threading
import time
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any

import grpc
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fabric_protos.common import common_pb2
from fabric_protos.gateway import gateway_pb2, gateway_pb2_grpc
from fabric_protos.orderer import ab_pb2
from fabric_protos.peer import (
    chaincode_event_pb2,
    chaincode_pb2,
    events_pb2,
    events_pb2_grpc,
    proposal_pb2,
    proposal_response_pb2,
    transaction_pb2,
)

from gateway import Identity
from gateway._rpc_status import STATUS_DETAILS_KEY, encode_status_details
from gateway._signing import is_low_s

PEERS = [
    ("peer0.power:7051", "PowerMSP"),
    ("peer0.certifier:7051", "CertifierMSP"),
    ("peer0.regulator:7051", "RegulatorMSP"),
]


class ChaincodeFailure(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Tx:
    txid: str
    code: int
    events: list[chaincode_event_pb2.ChaincodeEvent] = field(default_factory=list)


@dataclass
class Parsed:
    txid: str
    channel: str
    fn: str
    args: list[bytes]
    transient: dict[str, bytes]
    creator: bytes


def parse_signed_proposal(signed: proposal_pb2.SignedProposal) -> Parsed:
    proposal = proposal_pb2.Proposal.FromString(signed.proposal_bytes)
    header = common_pb2.Header.FromString(proposal.header)
    ch = common_pb2.ChannelHeader.FromString(header.channel_header)
    sh = common_pb2.SignatureHeader.FromString(header.signature_header)
    payload = proposal_pb2.ChaincodeProposalPayload.FromString(proposal.payload)
    cis = chaincode_pb2.ChaincodeInvocationSpec.FromString(payload.input)
    args = list(cis.chaincode_spec.input.args)
    return Parsed(
        ch.tx_id, ch.channel_id, args[0].decode(), args[1:], dict(payload.TransientMap), sh.creator
    )


class FakePeer(gateway_pb2_grpc.GatewayServicer, events_pb2_grpc.DeliverServicer):
    def __init__(self, identity: Identity) -> None:
        self.identity = identity
        self.public_key: Any = identity.certificate.public_key()
        self.state: dict[str, bytes] = {}
        self.blocks: list[list[Tx]] = [[]]  # block 0: genesis, no transactions
        self.pending: dict[str, Tx] = {}
        self.next_codes: list[int] = []  # validation codes for the next submits
        self.received: dict[str, list[Any]] = {}
        self.bad_signatures = 0
        self.evaluate_delay = 0.0
        self.submit_delay = 0.0
        self.open_streams = 0  # event streams being served right now
        self.cond = threading.Condition()
        self.stopping = False
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
        gateway_pb2_grpc.add_GatewayServicer_to_server(self, self.server)
        events_pb2_grpc.add_DeliverServicer_to_server(self, self.server)
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.endpoint = f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        with self.cond:
            self.stopping = True
            self.cond.notify_all()
        self.server.stop(grace=None)

    # -- helpers ------------------------------------------------------------------------

    def _record(self, name: str, message: Any) -> None:
        self.received.setdefault(name, []).append(message)

    def _verify(self, message: bytes, signature: bytes, context: Any) -> None:
        try:
            if not is_low_s(signature):
                raise InvalidSignature("high S")
            self.public_key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError):
            self.bad_signatures += 1
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "signature verification failed")

    def _abort(self, context: Any, code: grpc.StatusCode, message: str, details: list) -> None:
        status = encode_status_details(code, message, details)
        context.set_trailing_metadata(((STATUS_DETAILS_KEY, status),))
        context.abort(code, message)

    def _run(self, p: Parsed) -> tuple[bytes, chaincode_event_pb2.ChaincodeEvent | None]:
        a = [x.decode() for x in p.args]
        if p.fn == "put":
            self.state[a[0]] = a[1].encode()
            payload = json.dumps({"key": a[0], "value": a[1]}).encode()
            return a[1].encode(), chaincode_event_pb2.ChaincodeEvent(
                chaincode_id="carbon", tx_id=p.txid, event_name="put", payload=payload
            )
        if p.fn == "get":
            if a[0] not in self.state:
                raise ChaincodeFailure(404, f"key not found: {a[0]}")
            return self.state[a[0]], None
        if p.fn == "fail":
            raise ChaincodeFailure(500, a[0])
        if p.fn == "echo_transient":
            return json.dumps(
                {k: v.decode() for k, v in sorted(p.transient.items())}
            ).encode(), None
        raise ChaincodeFailure(500, f"unknown function {p.fn}")

    # -- Gateway service ----------------------------------------------------------------

    def Evaluate(self, request: Any, context: Any) -> Any:
        self._record("evaluate", request)
        if self.evaluate_delay:
            time.sleep(self.evaluate_delay)
        self._verify(
            request.proposed_transaction.proposal_bytes,
            request.proposed_transaction.signature,
            context,
        )
        p = parse_signed_proposal(request.proposed_transaction)
        try:
            payload, _ = self._run(p)
        except ChaincodeFailure as f:
            msg = f"chaincode response {f.status}, {f}"
            self._abort(
                context,
                grpc.StatusCode.UNKNOWN,
                f"evaluate call to endorser returned error: {msg}",
                [gateway_pb2.ErrorDetail(address=PEERS[0][0], msp_id=PEERS[0][1], message=msg)],
            )
        return gateway_pb2.EvaluateResponse(
            result=proposal_response_pb2.Response(status=200, payload=payload)
        )

    def Endorse(self, request: Any, context: Any) -> Any:
        self._record("endorse", request)
        signed = request.proposed_transaction
        self._verify(signed.proposal_bytes, signed.signature, context)
        p = parse_signed_proposal(signed)
        try:
            payload, event = self._run(p)
        except ChaincodeFailure as f:
            msg = f"chaincode response {f.status}, {f}"
            orgs = list(request.endorsing_organizations) or [m for _, m in PEERS]
            details = [
                gateway_pb2.ErrorDetail(address=a, msp_id=m, message=msg)
                for a, m in PEERS
                if m in orgs
            ]
            self._abort(
                context,
                grpc.StatusCode.ABORTED,
                "failed to endorse transaction, see attached details for more info",
                details,
            )
        proposal = proposal_pb2.Proposal.FromString(signed.proposal_bytes)
        action = proposal_pb2.ChaincodeAction(
            response=proposal_response_pb2.Response(status=200, payload=payload),
            events=event.SerializeToString() if event else b"",
        )
        prp = proposal_response_pb2.ProposalResponsePayload(extension=action.SerializeToString())
        cap = transaction_pb2.ChaincodeActionPayload(
            chaincode_proposal_payload=proposal.payload,
            action=transaction_pb2.ChaincodeEndorsedAction(
                proposal_response_payload=prp.SerializeToString()
            ),
        )
        header = common_pb2.Header.FromString(proposal.header)
        tx = transaction_pb2.Transaction(
            actions=[
                transaction_pb2.TransactionAction(
                    header=header.signature_header, payload=cap.SerializeToString()
                )
            ]
        )
        env_payload = common_pb2.Payload(header=header, data=tx.SerializeToString())
        self.pending[p.txid] = Tx(p.txid, 0, [event] if event else [])
        return gateway_pb2.EndorseResponse(
            prepared_transaction=common_pb2.Envelope(payload=env_payload.SerializeToString())
        )

    def Submit(self, request: Any, context: Any) -> Any:
        self._record("submit", request)
        if self.submit_delay:
            time.sleep(self.submit_delay)
        env = request.prepared_transaction
        self._verify(env.payload, env.signature, context)
        tx = self.pending.pop(request.transaction_id)
        tx.code = self.next_codes.pop(0) if self.next_codes else transaction_pb2.VALID
        if tx.code != transaction_pb2.VALID:
            tx.events = []
        with self.cond:
            self.blocks.append([tx])
            self.cond.notify_all()
        return gateway_pb2.SubmitResponse()

    def CommitStatus(self, request: Any, context: Any) -> Any:
        self._record("commit_status", request)
        self._verify(request.request, request.signature, context)
        req = gateway_pb2.CommitStatusRequest.FromString(request.request)
        for number, block in enumerate(self.blocks):
            for tx in block:
                if tx.txid == req.transaction_id:
                    return gateway_pb2.CommitStatusResponse(result=tx.code, block_number=number)
        context.abort(grpc.StatusCode.NOT_FOUND, f"unknown transaction {req.transaction_id}")

    def _follow(self, start: int, context: Any) -> Any:
        number = start
        with self.cond:
            self.open_streams += 1
        try:
            while context.is_active():
                with self.cond:
                    while (number >= len(self.blocks) and not self.stopping
                           and context.is_active()):
                        self.cond.wait(0.05)
                    if self.stopping or not context.is_active():
                        return
                    block = self.blocks[number]
                yield number, block
                number += 1
        finally:
            with self.cond:
                self.open_streams -= 1

    def wait_streams(self, count: int, within: float = 5.0) -> int:
        """Wait until ``count`` event streams are being served; return the final count."""
        end = time.monotonic() + within
        with self.cond:
            while self.open_streams != count and time.monotonic() < end:
                self.cond.wait(0.02)
            return self.open_streams

    def _start_of(self, position: ab_pb2.SeekPosition) -> int:
        which = position.WhichOneof("Type")
        if which == "specified":
            return int(position.specified.number)
        return len(self.blocks)  # next commit / newest-ish

    def ChaincodeEvents(self, request: Any, context: Any) -> Any:
        self._record("chaincode_events", request)
        self._verify(request.request, request.signature, context)
        req = gateway_pb2.ChaincodeEventsRequest.FromString(request.request)
        start = self._start_of(req.start_position)
        skip_until = req.after_transaction_id
        for number, block in self._follow(start, context):
            events: list[chaincode_event_pb2.ChaincodeEvent] = []
            for tx in block:
                if number == start and skip_until:
                    if tx.txid == skip_until:
                        skip_until = ""
                    continue
                events.extend(e for e in tx.events if e.chaincode_id == req.chaincode_id)
            if events:
                yield gateway_pb2.ChaincodeEventsResponse(events=events, block_number=number)

    def _deliver(self, request_iterator: Any, context: Any, filtered: bool) -> Any:
        env = next(request_iterator)
        self._record("deliver", env)
        self._verify(env.payload, env.signature, context)
        payload = common_pb2.Payload.FromString(env.payload)
        seek = ab_pb2.SeekInfo.FromString(payload.data)
        for number, block in self._follow(self._start_of(seek.start), context):
            if filtered:
                yield events_pb2.DeliverResponse(
                    filtered_block=events_pb2.FilteredBlock(
                        channel_id="carbon",
                        number=number,
                        filtered_transactions=[
                            events_pb2.FilteredTransaction(txid=tx.txid, tx_validation_code=tx.code)
                            for tx in block
                        ],
                    )
                )
            else:
                yield events_pb2.DeliverResponse(
                    block=common_pb2.Block(
                        header=common_pb2.BlockHeader(number=number),
                        data=common_pb2.BlockData(data=[tx.txid.encode() for tx in block]),
                    )
                )

    def Deliver(self, request_iterator: Any, context: Any) -> Any:
        return self._deliver(request_iterator, context, filtered=False)

    def DeliverFiltered(self, request_iterator: Any, context: Any) -> Any:
        return self._deliver(request_iterator, context, filtered=True)
