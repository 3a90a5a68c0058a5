"""``python -m gateway.audit follow --profile FILE --as ORG_MSP --store DIR [--database URL]
[--cadence S,N]``.

``DIR`` holds the follower's notary key and, by default, its log (``DIR/audit.db``).
``--database URL`` (or ``$CARBONTRUST_AUDIT_DATABASE``: not on the command line, where ``ps``
shows a password) keeps the log in the organisation's service store instead (``network up``
sets it when the services run, after running the store's migrations: the follower never
creates tables there). The follower then writes ``DIR/database.url`` (0600: a URL may carry
a password) so that readers given only the directory (``carbontrust audit --store DIR``) find
the log; without ``--database`` it removes that file, and ``audit.db`` is the log again.

Exit status: 0 after SIGTERM/SIGINT (a clean stop), 2 for bad arguments or an unusable
profile, key or store (a corrupt store is never repaired: the error names it; a service
store without the log's tables names the migration that makes them).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from ._due import Cadence
from ._follower import Follower, StoreCheckpoint, ensure_key_registered, load_or_create_key
from ._store import AuditStore, StoreCorruptError
from ._witness import LedgerRefusal, Witness

DATABASE_POINTER = "database.url"
DATABASE_ENV = "CARBONTRUST_AUDIT_DATABASE"

log = logging.getLogger("gateway.audit")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m gateway.audit")
    sub = p.add_subparsers(dest="command", required=True)
    f = sub.add_parser("follow", help="follow the organisation's peer and keep its audit log")
    f.add_argument("--profile", required=True, help="connection.json of the network")
    f.add_argument("--as", dest="mspid", required=True, metavar="ORG_MSP")
    f.add_argument("--store", required=True, type=Path, metavar="DIR",
                   help="the follower's directory: its key, and its log unless --database")
    f.add_argument("--database", default=os.environ.get(DATABASE_ENV) or None, metavar="URL",
                   help="keep the log in this database (the organisation's service store, "
                        "SQLite or PostgreSQL, migrated) instead of DIR/audit.db (default: "
                        f"${DATABASE_ENV})")
    f.add_argument("--cadence", default=None, metavar="S,N",
                   help="seconds,entries (default: CARBONTRUST_AUDIT_CADENCE or 10,1000)")
    f.add_argument("--user", default="User1", help="staff identity for audit transactions")
    f.add_argument("--admin", default="Admin", help="admin identity that registers the key")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        cadence = Cadence.from_env(args.cadence)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return follow(args.profile, args.mspid, args.store, cadence, args.user, args.admin,
                  args.database)


def follow(profile_path: str, mspid: str, store_dir: Path, cadence: Cadence,
           user: str = "User1", admin: str = "Admin", database: str | None = None) -> int:
    import gateway
    from gateway._profile import load_profile

    from ._ledger import GatewayAuditLedger

    try:
        profile = load_profile(profile_path)
        org = profile["orgs"][mspid]
        channel, chaincode = profile["channel"], profile["chaincode"]
        admin_creds = org["users"][admin]
        admin_cert = Path(admin_creds["cert"]).read_bytes()
        admin_key = Path(admin_creds["key"]).read_bytes()
        signer = load_or_create_key(store_dir, mspid)
        store = AuditStore.open(database or store_dir / "audit.db", sync=True)
        record_database(store_dir, database)
    except StoreCorruptError as exc:
        log.error("%s", exc)
        return 2
    except (OSError, KeyError, ValueError) as exc:
        print(f"error: cannot start the follower of {mspid}: {exc}", file=sys.stderr)
        return 2
    gw = gateway.connect_with_profile(profile, mspid, user)
    admin_gw = gateway.connect_with_profile(profile, mspid, admin)
    network = gw.get_network(channel)
    ledger = GatewayAuditLedger(network.get_contract(chaincode),
                                admin_gw.get_network(channel).get_contract(chaincode))
    witness = Witness(store, signer, mspid, channel, ledger, cadence)
    follower = Follower(store, witness, chaincode, cadence)

    def stop(signum: int, _frame: Any) -> None:
        log.info("signal %d: stopping", signum)
        follower.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    registered = threading.Event()
    next_try = [0.0]

    def register() -> None:
        if registered.is_set() or time.monotonic() < next_try[0]:
            return
        try:
            ensure_key_registered(ledger, signer, mspid, channel, admin_cert, admin_key)
            registered.set()
        except (LedgerRefusal, gateway.GatewayError) as exc:
            log.warning("key registration not done yet org=%s: %s", mspid, exc)
            next_try[0] = time.monotonic() + 5 * cadence.seconds

    log.info("following org=%s channel=%s store=%s from block %d (log size %d)", mspid,
             channel, store.where, store.position()[0], store.size())
    register()

    def open_blocks(checkpoint: StoreCheckpoint) -> Any:
        return network.block_events(checkpoint=checkpoint)

    try:
        follower.run(open_blocks, on_tick=register)
    finally:
        store.close()
        gw.close()
        admin_gw.close()
    log.info("stopped org=%s", mspid)
    return 0


def record_database(store_dir: Path, database: str | None) -> None:
    """``DIR/database.url``: where this follower keeps its log, when not ``DIR/audit.db``."""
    pointer = store_dir / DATABASE_POINTER
    pointer.unlink(missing_ok=True)  # a new file is made 0600, whatever the old one was
    if database is None:
        return
    fd = os.open(pointer, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(database + "\n")


if __name__ == "__main__":
    sys.exit(main())
