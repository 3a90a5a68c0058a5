"""``python -m notary``: append entries, sign and cosign checkpoints, make and check bundles.

Keys are files holding one key text line (see :mod:`notary._note`). Exit status: 0 on
success, 1 when a verification fails (the error is printed), 2 on usage errors.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from ._bundle import ProofBundle, verify_bundle
from ._checkpoint import Checkpoint, Policy, Witness
from ._errors import FormatError, ProofError, RootMismatchError, TreeSizeError
from ._note import COSIGNATURE_V1, ED25519, Note, Signer, Verifier, sign_note
from ._store import ConcurrentAppendError, Log

__all__ = ["main"]


def _read(path: str) -> bytes:
    return sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()


def _read_text(path: str, what: str) -> str:
    """A note or key file as text: UTF-8 whatever the locale, else a :class:`FormatError`."""
    data = _read(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(what, 0, f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})"
                          ) from None


def _write(path: str | None, text: str) -> None:
    """Write UTF-8 whatever the locale (notes are UTF-8 by their format)."""
    data = text.encode("utf-8")
    if path is None or path == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        Path(path).write_bytes(data)


def _check_against(log: Log, cp: Checkpoint) -> None:
    """The checkpoint must describe this copy of the log: same root at that size."""
    if cp.size > log.size:
        raise TreeSizeError(
            f"checkpoint size {cp.size} is beyond this log's size {log.size}", size=cp.size
        )
    ours = log.root(cp.size)
    if ours != cp.root:
        raise RootMismatchError("root", ours, cp.root, size=cp.size)


def _cmd_keygen(a: argparse.Namespace) -> int:
    signer = Signer.generate(a.name, COSIGNATURE_V1 if a.cosigner else ED25519)
    fd = os.open(a.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(signer.to_text() + "\n")
    print(signer.verifier.to_text())
    return 0


def _cmd_append(a: argparse.Namespace) -> int:
    entries: list[bytes] = []
    for path in a.files or ["-"]:
        data = _read(path)
        if a.lines:
            entries.extend(line for line in data.split(b"\n") if line)
        else:
            entries.append(data)
    with Log.open(a.db, synchronous=a.synchronous) as log:
        first = log.size
        size = log.append(entries)
        print(f"appended {len(entries)} entries at {first}..{size - 1}; size {size}")
        print(f"root {base64.b64encode(log.root()).decode()}")
    return 0


def _cmd_checkpoint(a: argparse.Namespace) -> int:
    signer = Signer.from_text(_read_text(a.key, "signer key"))
    # FULL: the commit of the checkpoint fsyncs the WAL, so every append it covers is
    # durable before the signed note leaves; a power cut cannot undo a signed size
    with Log.open(a.db, synchronous="FULL") as log:
        cp = Checkpoint(a.origin, log.size, log.root())
        note = sign_note(cp.body(), signer)
        log.save_checkpoint(cp.size, note)
    _write(a.out, note)
    return 0


def _load_state(path: Path) -> tuple[dict[str, Checkpoint], dict[str, int]]:
    """The witness's state file: per origin, the last cosigned checkpoint and its time."""
    if not path.exists():
        return {}, {}
    try:
        state = json.loads(path.read_bytes().decode("utf-8"))
        latest = {o: Checkpoint.from_body(v["checkpoint"]) for o, v in state["origins"].items()}
        times = {o: v["time"] for o, v in state["origins"].items()}
        bad = [o for o, t in times.items() if type(t) is not int or not 0 <= t < 1 << 63]
        if bad:
            raise ValueError(f"'time' of {bad[0]!r} is not a POSIX time in 0..2**63-1")
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        # never start afresh silently: that would switch rollback protection off.
        # ValueError covers bad UTF-8, bad JSON and a FormatError; RecursionError
        # a JSON document nested too deep for the parser
        raise ProofError(
            f"witness state {path} is unreadable ({type(exc).__name__}: {exc}); "
            f"restore it from backup") from exc
    for origin, cp in latest.items():
        if cp.origin != origin:
            raise ProofError(f"witness state {path}: entry {origin!r} holds {cp.origin!r}")
    return latest, times


def _save_state(path: Path, witness: Witness) -> None:
    """Write the state file atomically (temp file, fsync, rename): never a torn file."""
    state = {"origins": {o: {"checkpoint": cp.body(), "time": witness.last_time[o]}
                         for o, cp in sorted(witness.latest.items())}}
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as fh:
        fh.write(json.dumps(state, sort_keys=True, indent=1))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _cmd_cosign(a: argparse.Namespace) -> int:
    signer = Signer.from_text(_read_text(a.key, "signer key"))
    log_key = Verifier.from_text(_read_text(a.log_key, "verifier key"))
    text = _read_text(a.checkpoint, "note")
    cp = Checkpoint.from_body(Note.parse(text).text)
    state_path = Path(a.state)
    latest, times = _load_state(state_path)
    witness = Witness(signer, {cp.origin: [log_key]}, latest, times)
    with Log.open(a.db) as log:  # the witness's own recomputed copy of the log
        _check_against(log, cp)
        previous = witness.latest.get(cp.origin)
        proof = (  # none from size 0: every tree extends the empty tree
            log.consistency_proof(previous.size, cp.size)
            if previous and 0 < previous.size <= cp.size
            else []
        )
    now = int(time.time()) if a.time is None else a.time
    out = witness.cosign(text, proof, now)
    _save_state(state_path, witness)
    _write(a.out, out)
    return 0


def _cmd_prove(a: argparse.Namespace) -> int:
    with Log.open(a.db) as log:
        note = _read_text(a.checkpoint, "note") if a.checkpoint else log.latest_checkpoint()
        if note is None:
            raise ProofError("no checkpoint stored; run 'checkpoint' first or pass --checkpoint")
        cp = Checkpoint.from_body(Note.parse(note).text)
        _check_against(log, cp)
        bundle = ProofBundle.build(a.index, log.inclusion_proof(a.index, cp.size), note)
    _write(a.out, bundle.to_json() if a.json else bundle.to_text())
    return 0


def _cmd_verify(a: argparse.Namespace) -> int:
    bundle = ProofBundle.parse(_read(a.bundle))
    witnesses = tuple(Verifier.from_text(_read_text(p, "verifier key")) for p in a.witness)
    log_keys = tuple(Verifier.from_text(_read_text(p, "verifier key")) for p in a.log_key)
    policy = Policy(a.origin, witnesses, a.threshold, log_keys)
    now = int(time.time()) if a.time is None else a.time
    verified = verify_bundle(bundle, _read(a.entry), policy, now)
    cp = verified.checkpoint
    print(
        f"OK: entry {bundle.index} is in {cp.origin} at size {cp.size}; "
        f"log signed by {', '.join(verified.log_signers) or 'no log key'}; "
        f"cosigned by {', '.join(verified.cosigners) or 'nobody'}"
    )
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m notary", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    k = sub.add_parser("keygen", help="make a key; prints the public verifier key")
    k.add_argument("--name", required=True)
    k.add_argument("--cosigner", action="store_true", help="a witness key (type 0x04)")
    k.add_argument("--out", required=True, help="private key file (created, mode 600)")
    k.set_defaults(func=_cmd_keygen)

    ap = sub.add_parser("append", help="append entries: each file is one entry ('-' is stdin)")
    ap.add_argument("--db", required=True)
    ap.add_argument("--lines", action="store_true", help="each non-empty line is an entry")
    ap.add_argument("--synchronous", default="NORMAL", choices=["NORMAL", "FULL"])
    ap.add_argument("files", nargs="*")
    ap.set_defaults(func=_cmd_append)

    c = sub.add_parser("checkpoint", help="sign and store a checkpoint of the whole log")
    c.add_argument("--db", required=True)
    c.add_argument("--origin", required=True)
    c.add_argument("--key", required=True, help="log signer key file")
    c.add_argument("--out")
    c.set_defaults(func=_cmd_checkpoint)

    w = sub.add_parser("cosign", help="witness: check a checkpoint against own log and cosign")
    w.add_argument("--db", required=True, help="this organisation's copy of the log")
    w.add_argument("--key", required=True, help="cosigner key file")
    w.add_argument("--log-key", required=True, help="log verifier key file")
    w.add_argument("--state", required=True, help="file keeping the last cosigned checkpoint")
    w.add_argument("--time", type=int, help="POSIX time of the cosignature (default: now)")
    w.add_argument("--out")
    w.add_argument("checkpoint", help="signed checkpoint file ('-' is stdin)")
    w.set_defaults(func=_cmd_cosign)

    pr = sub.add_parser("prove", help="make a proof bundle for one entry")
    pr.add_argument("--db", required=True)
    pr.add_argument("--index", type=int, required=True)
    pr.add_argument("--checkpoint", help="cosigned checkpoint file (default: latest stored)")
    pr.add_argument("--json", action="store_true")
    pr.add_argument("--out")
    pr.set_defaults(func=_cmd_prove)

    v = sub.add_parser("verify", help="check a bundle offline against an entry and keys")
    v.add_argument("--bundle", required=True)
    v.add_argument("--entry", required=True, help="entry bytes file ('-' is stdin)")
    v.add_argument("--origin", required=True)
    v.add_argument("--witness", action="append", default=[], help="witness verifier key file")
    v.add_argument("--threshold", type=int, required=True)
    v.add_argument("--log-key", action="append", default=[], help="log verifier key file")
    v.add_argument("--time", type=int, help="reject cosignatures later than this (default: now)")
    v.set_defaults(func=_cmd_verify)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ProofError as exc:
        print(f"FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except (OSError, ValueError, ConcurrentAppendError, SQLAlchemyError) as exc:
        # usage and storage problems (StoreError is an OSError): one line, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2
