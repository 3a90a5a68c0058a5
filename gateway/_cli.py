"""``python -m gateway``: evaluate or submit a transaction, tail chaincode or block events.

Examples::

    python -m gateway evaluate --msp-id PowerMSP --cert cert.pem --key priv_sk \\
        --peer 127.0.0.1:7051 --tls-ca tlsca.pem get meter-1
    python -m gateway submit ... put meter-1 42 --transient value=secret
    python -m gateway events ... --start-block 5 --checkpoint events.json --count 10
    python -m gateway blocks ... --filtered --start-block 0 --count 3
    # or take the identity and peer from the network's connection.json:
    python -m gateway evaluate --connection .run/network/connection.json --org PowerMSP get k

Results go to stdout (UTF-8 text when decodable, else hex); events as JSON lines. Errors
go to stderr with their evidence (per-peer details, validation code); exit status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gateway as g
from gateway._client import UNSET
from gateway._errors import validation_code_name

__all__ = ["main"]


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.hex()


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    ident = common.add_argument_group("identity and peer")
    ident.add_argument("--msp-id", help="MSP id of the identity (e.g. PowerMSP)")
    ident.add_argument("--cert", type=Path, help="PEM certificate of the identity")
    ident.add_argument("--key", type=Path, help="PEM private key (ECDSA) of the identity")
    ident.add_argument("--peer", help="Gateway peer endpoint host:port")
    ident.add_argument("--tls-ca", type=Path, help="PEM TLS root certificate of the peer")
    ident.add_argument("--server-name", help="TLS host name override for the peer")
    ident.add_argument("--insecure", action="store_true", help="plaintext gRPC (no TLS)")
    ident.add_argument("--connection", type=Path, help="network connection.json to read from")
    ident.add_argument("--org", help="with --connection: the organisation's MSP id")
    ident.add_argument("--user", default="User1", help="with --connection: user name")
    common.add_argument("--channel", default="carbon")
    common.add_argument("--timeout", type=float, default=None, help="deadline in seconds")

    tx = argparse.ArgumentParser(add_help=False)
    tx.add_argument("--chaincode", default="carbon")
    tx.add_argument("--contract", default=None, help="contract name within the chaincode")
    tx.add_argument("--transient", action="append", default=[], metavar="KEY=VALUE")
    tx.add_argument("--endorsing-org", action="append", default=[], metavar="MSPID")
    tx.add_argument("function")
    tx.add_argument("args", nargs="*")

    doc = __doc__ or ""
    parser = argparse.ArgumentParser(
        prog="python -m gateway",
        description="Evaluate or submit a transaction, tail chaincode or block events.",
        epilog=doc[doc.index("Examples::") :].replace("Examples::", "examples:"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("evaluate", parents=[common, tx], help="evaluate (query) a transaction")
    submit = sub.add_parser("submit", parents=[common, tx], help="submit and wait for commit")
    submit.add_argument("--no-wait", action="store_true", help="print txid, don't wait")
    events = sub.add_parser("events", parents=[common], help="tail chaincode events")
    events.add_argument("--chaincode", default="carbon")
    blocks = sub.add_parser("blocks", parents=[common], help="tail block events")
    blocks.add_argument("--filtered", action="store_true", help="filtered blocks")
    for p in (events, blocks):
        p.add_argument("--start-block", type=int, default=None)
        p.add_argument("--checkpoint", type=Path, help="file checkpointer (resume point)")
        p.add_argument("--count", type=int, default=None, help="stop after this many")
    return parser


def _resolve(ns: argparse.Namespace) -> None:
    if ns.connection:
        info = json.loads(ns.connection.read_text())
        org = info["orgs"][ns.org or next(iter(info["orgs"]))]
        user = org["users"][ns.user]
        ns.msp_id = ns.msp_id or org["mspid"]
        ns.cert = ns.cert or Path(user["cert"])
        ns.key = ns.key or Path(user["key"])
        ns.peer = ns.peer or org["peer_endpoint"]
        ns.tls_ca = ns.tls_ca or Path(org["tls_ca"])
    missing = [n for n in ("msp_id", "cert", "key", "peer") if not getattr(ns, n)]
    if not ns.insecure and not ns.tls_ca:
        missing.append("tls_ca")
    if missing:
        raise SystemExit(f"missing: {', '.join('--' + m.replace('_', '-') for m in missing)}")


def _transient(items: Sequence[str]) -> dict[str, bytes]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--transient needs KEY=VALUE, got {item!r}")
        out[key] = value.encode()
    return out


def _run(ns: argparse.Namespace) -> int:
    _resolve(ns)
    identity = g.load_identity(ns.msp_id, ns.cert)
    signer = g.load_private_key_signer(ns.key)
    tls = None if ns.insecure else ns.tls_ca.read_bytes()
    timeout: Any = ns.timeout if ns.timeout is not None else UNSET
    with g.connect(
        ns.peer,
        identity,
        signer,
        tls_root_certificates=tls,
        server_name=ns.server_name,
        insecure=ns.insecure,
    ) as gw:
        network = gw.get_network(ns.channel)
        if ns.command in ("evaluate", "submit"):
            contract = network.get_contract(ns.chaincode, ns.contract)
            kw: dict[str, Any] = {
                "transient": _transient(ns.transient),
                "endorsing_organizations": ns.endorsing_org,
            }
            if ns.command == "evaluate":
                print(_text(contract.evaluate(ns.function, ns.args, timeout=timeout, **kw)))
                return 0
            deadline = _Deadline(ns.timeout)
            proposal = contract.new_proposal(ns.function, ns.args, **kw)
            transaction = proposal.endorse(timeout=deadline.left())
            commit = transaction.submit(timeout=deadline.left())
            if ns.no_wait:
                print(commit.transaction_id)
                return 0
            status = commit.status(timeout=deadline.left()).raise_for_status()
            print(_text(commit.result))
            print(f"txid {status.transaction_id} block {status.block_number}", file=sys.stderr)
            return 0
        checkpointer = g.FileCheckpointer(ns.checkpoint) if ns.checkpoint else None
        count = 0
        if ns.command == "events":
            stream: Any = network.chaincode_events(
                ns.chaincode, start_block=ns.start_block, checkpoint=checkpointer, timeout=timeout
            )
        else:
            kind = network.filtered_block_events if ns.filtered else network.block_events
            stream = kind(start_block=ns.start_block, checkpoint=checkpointer, timeout=timeout)
        with stream:
            for item in stream:
                if ns.command == "events":
                    record = {
                        "block": item.block_number,
                        "txid": item.transaction_id,
                        "chaincode": item.chaincode_name,
                        "name": item.event_name,
                        "payload": _text(item.payload),
                    }
                else:
                    record = _block_record(item, ns.filtered)
                # delivered first, then checkpointed: a crash in between repeats the event
                # on restart instead of losing it
                print(json.dumps(record), flush=True)
                if checkpointer and ns.command == "events":
                    checkpointer.checkpoint_chaincode_event(item)
                elif checkpointer:
                    checkpointer.checkpoint_block(record["block"])
                count += 1
                if ns.count is not None and count >= ns.count:
                    break
    return 0


class _Deadline:
    """``--timeout`` bounds the whole command: each step gets what is left of it.

    ``left()`` is UNSET (the gateway's per-step defaults) without ``--timeout``, and the
    seconds remaining otherwise; the submit step (ordering) is bounded like the others.
    """

    def __init__(self, seconds: float | None) -> None:
        self._end = None if seconds is None else time.monotonic() + seconds

    def left(self) -> Any:
        if self._end is None:
            return UNSET
        return max(self._end - time.monotonic(), 0.0)


def _block_record(item: Any, filtered: bool) -> dict[str, Any]:
    if filtered:
        return {
            "block": item.number,
            "transactions": [
                {"txid": t.txid, "code": validation_code_name(t.tx_validation_code)}
                for t in item.filtered_transactions
            ],
        }
    return {
        "block": item.header.number,
        "transactions": len(item.data.data),
        "data_hash": item.header.data_hash.hex(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    ns = _parser().parse_args(argv)
    try:
        return _run(ns)
    except (g.GatewayError, g.CommitError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
