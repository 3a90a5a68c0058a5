"""``python -m verifier.credentials``: a credential checked offline, without Fabric.

    python -m verifier.credentials verify FILE --trust MSP_ROOTS_DIR --status SNAPSHOT.json
        [--max-age HOURS]
    python -m verifier.credentials show FILE        # the credential (payload) as JSON

The pure package cannot ask a peer, so its status always comes from a snapshot the holder
took from the ledger (``carbontrust credential status``); ``carbontrust credential verify``
is the online form. Exit status: 0 valid (one line on stdout), 1 refused (``CODE detail``
on stderr), 2 unreadable input. Never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from .._binding import load_msp_roots
from .._errors import RootsError
from ._errors import CredentialError
from ._jose import read_jws
from ._status import StatusSnapshot
from ._verify import verify_credential

__all__ = ["main"]


class _Unreadable(Exception):
    pass


def _text(path: str) -> str:
    try:
        return Path(path).read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise _Unreadable(f"{path}: {exc}") from None


def _verify(a: argparse.Namespace) -> int:
    token = _text(a.file)
    try:
        roots = load_msp_roots(a.trust)
    except RootsError as exc:
        raise _Unreadable(f"--trust: {exc}") from None
    try:
        snapshot = StatusSnapshot(json.loads(_text(a.status)), dt.timedelta(hours=a.max_age))
    except ValueError as exc:
        raise _Unreadable(f"--status {a.status}: {exc}") from None
    out = verify_credential(token, roots, snapshot)
    until = f" until {out['valid_until']}" if out["valid_until"] else ""
    print(f"VALID {out['kind']} credential {out['id']} issued by {out['issuer_msp']} "
          f"({out['signer']}) from {out['valid_from']}{until}; status active (snapshot of "
          f"{out['status']['as_of']})")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m verifier.credentials",
                                description="Check a carbontrust vc+jwt credential offline.")
    sub = p.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify", help="signature, MSP root, issuer, validity, snapshot status")
    v.add_argument("file")
    v.add_argument("--trust", required=True, help="one <MSP id>.pem per organisation")
    v.add_argument("--status", required=True, help="a status snapshot (credential status)")
    v.add_argument("--max-age", type=float, default=24.0, help="hours (default 24)")
    s = sub.add_parser("show", help="the credential (the JWS payload) as JSON, unverified")
    s.add_argument("file")
    try:
        a = p.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    try:
        if a.command == "show":
            print(json.dumps(read_jws(_text(a.file)).payload, indent=1, ensure_ascii=False))
            return 0
        return _verify(a)
    except CredentialError as exc:
        sys.stderr.write(f"{exc.code} {exc.detail}\n")
        return 1
    except _Unreadable as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
