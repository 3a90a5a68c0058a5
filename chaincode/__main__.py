"""python -m chaincode serve: run one organisation's chaincode server."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import os
import sys
from pathlib import Path

from .shim import Dispatcher, Keepalive, serve


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m chaincode")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve", help="serve a contract module to a peer (chaincode as a service)")
    s.add_argument("--address", required=True, help="host:port to listen on")
    s.add_argument("--id", required=True, help="package id the peer knows this chaincode by")
    s.add_argument("--module", default="chaincode.carbon", help="module with CONTRACTS")
    s.add_argument("--tls-cert", type=Path)
    s.add_argument("--tls-key", type=Path)
    s.add_argument("--client-ca", type=Path, help="require peer client certs from this CA")
    s.add_argument("--log-level", default=os.environ.get("CARBONTRUST_CC_LOG", "WARNING"))
    ka = Keepalive()
    s.add_argument("--keepalive-min-ping-ms", type=int,
                   default=os.environ.get("CARBONTRUST_CC_KEEPALIVE_MIN_PING_MS",
                                          str(ka.min_ping_interval_ms)),  # argparse applies int
                   help="accept peer pings this far apart (the peer pings every 60 s); "
                        "env CARBONTRUST_CC_KEEPALIVE_MIN_PING_MS")
    s.add_argument("--keepalive-time-ms", type=int,
                   default=os.environ.get("CARBONTRUST_CC_KEEPALIVE_TIME_MS", str(ka.time_ms)),
                   help="ping an idle peer after this long; env CARBONTRUST_CC_KEEPALIVE_TIME_MS")
    s.add_argument("--keepalive-timeout-ms", type=int, default=ka.timeout_ms,
                   help="drop a peer that does not answer a ping within this")
    args = ap.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if bool(args.tls_cert) != bool(args.tls_key):
        print("error: --tls-cert and --tls-key go together", file=sys.stderr)
        return 2
    if min(args.keepalive_min_ping_ms, args.keepalive_time_ms, args.keepalive_timeout_ms) <= 0:
        print("error: keepalive intervals must be positive milliseconds", file=sys.stderr)
        return 2
    for p in (args.tls_cert, args.tls_key, args.client_ca):
        if p is not None and not p.is_file():
            print(f"error: no such file {p}", file=sys.stderr)
            return 2
    try:
        mod = importlib.import_module(args.module)
        contracts = mod.CONTRACTS
    except (ImportError, AttributeError) as exc:
        print(f"error: cannot load contracts from {args.module}: {exc}", file=sys.stderr)
        return 2
    asyncio.run(serve(args.address, args.id, Dispatcher(*contracts), tls_cert=args.tls_cert,
                      tls_key=args.tls_key, client_ca=args.client_ca,
                      keepalive=Keepalive(min_ping_interval_ms=args.keepalive_min_ping_ms,
                                          time_ms=args.keepalive_time_ms,
                                          timeout_ms=args.keepalive_timeout_ms)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
