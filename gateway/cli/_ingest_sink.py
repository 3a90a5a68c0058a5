"""The submitter's :class:`~gateway.ingest.BatchSink` over the CLI's ledger seam.

``readings:submit_batch`` is called with no arguments and transient data
``{"batch": canonical bytes, "salt": 32 bytes}``, endorsed by members of the
``privateReadings`` collection only (the bank's peer is never asked, so it never receives
the transient data). By default two of the three endorse, as the collection's policy asks
(:data:`PAIRS`: PowerMSP, whose data it is, and in turn the certifier or the regulator,
whose peer takes the batch's private data from the endorsers when it commits the block);
``readings submit --endorsers all`` asks all three. Two cost a quarter to a third less CPU
per reading across the network and commit 30-47 % more readings a second on this machine
(docs/readings.md). The blocking ledger runs in a thread pool as wide as the in-flight
window; grpc channels are thread-safe. A contract answer 400/404/409 is a refusal of the
batch's content (:class:`BatchRefused`, which the submitter narrows down to the refused
readings); any other failure (403: the identity may not submit; no answer) stops the run.
A duplicate answer names the batch already holding the readings; its root is read with
``readings:get_batch`` so the store keeps these bytes under that id only if they are it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import itertools
import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from accounting.readings import batch_root
from gateway.cli._exit import LedgerRefused, LedgerUnreachable
from gateway.cli._ledger import Ledger, ledger_failure
from gateway.ingest import Accepted, BatchRefused

__all__ = ["ENDORSERS", "FUNCTION", "PAIRS", "LedgerSink", "endorser_sets"]

FUNCTION = "readings:submit_batch"
ENDORSERS = ("PowerMSP", "CertifierMSP", "RegulatorMSP")  # the collection's members
PAIRS = (("PowerMSP", "CertifierMSP"), ("PowerMSP", "RegulatorMSP"))  # batch by batch
CONTENT_REFUSALS = (400, 404, 409)
RETRIED = ("MVCC_READ_CONFLICT", "PHANTOM_READ_CONFLICT")  # invalidated: nothing was written
#: endorsers answered differently: one had not yet committed the block holding the previous
#: batch of the same (meter, day) record (seen on real peers); nothing was sent to ordering
LAGGING = "ProposalResponsePayloads do not match"
ATTEMPTS = 5


def endorser_sets(choice: str) -> tuple[tuple[str, ...], ...]:
    """``--endorsers``: ``pairs`` (:data:`PAIRS`), ``all`` (the three members), or a comma
    list of at least two members, which endorse every batch; ValueError says why not."""
    if choice == "pairs":
        return PAIRS
    if choice == "all":
        return (ENDORSERS,)
    orgs = tuple(dict.fromkeys(o.strip() for o in choice.split(",") if o.strip()))
    strangers = [o for o in orgs if o not in ENDORSERS]
    if strangers:
        raise ValueError(f"{strangers[0]} is not a member of privateReadings "
                         f"({', '.join(ENDORSERS)}): only members may endorse readings")
    if len(orgs) < 2:
        raise ValueError(f"at least two members must endorse (the collection's policy), "
                         f"found {', '.join(orgs) or 'none'}")
    return (orgs,)


class LedgerSink:
    def __init__(self, ledger: Ledger, workers: int,
                 endorsers: Sequence[Sequence[str]] = PAIRS) -> None:
        if not endorsers:
            raise ValueError("at least one set of endorsers")
        self.ledger = ledger
        self._endorsers = [tuple(orgs) for orgs in endorsers]
        self._turn = itertools.count()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ingest-submit")

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    async def submit(self, canonical: bytes, salt: bytes,
                     on_sent: Callable[[str], None]) -> Accepted:
        loop = asyncio.get_running_loop()

        orgs = self._endorsers[next(self._turn) % len(self._endorsers)]

        def sent(tx_id: str) -> None:
            loop.call_soon_threadsafe(on_sent, tx_id)

        def call() -> bytes:
            done = self.ledger.submit_private(FUNCTION, [], {"batch": canonical, "salt": salt},
                                              orgs, sent)
            return done.result

        for attempt in range(ATTEMPTS):
            try:
                result = await loop.run_in_executor(self._pool, call)
                break
            except Exception as exc:
                if (_conflict(exc) or _lagging(exc)) and attempt + 1 < ATTEMPTS:
                    # another writer of the same records (another submitter) won the block,
                    # or an endorser is a block behind: an invalidated or unendorsed
                    # transaction changed nothing, so the same bytes go again
                    await asyncio.sleep(0.05 * 2 ** attempt)
                    continue
                raise _failure(exc) from None
        accepted = _accepted(result, canonical, salt)

        if accepted.duplicate:
            original = await loop.run_in_executor(self._pool, self._root_of, accepted.batch_id)
            accepted = dataclasses.replace(accepted, original_root=original)
        return accepted

    def _root_of(self, batch_id: str) -> str | None:
        """The root the ledger holds for ``batch_id`` (None if it cannot be read)."""
        try:
            answer = json.loads(self.ledger.evaluate("readings:get_batch", [batch_id]))
            return str(answer["root"])
        except Exception:  # noqa: BLE001 - only decides whether the store keeps a copy
            return None


def _conflict(exc: BaseException) -> bool:
    from gateway._errors import CommitError

    return isinstance(exc, CommitError) and exc.code_name in RETRIED


def _lagging(exc: BaseException) -> bool:
    from gateway._errors import EndorseError

    return isinstance(exc, EndorseError) and any(LAGGING in m for m in
                                                 (str(exc), *exc.messages))


def _failure(exc: Exception) -> Exception:
    failure = ledger_failure(exc)
    if isinstance(failure, LedgerRefused) and failure.status in CONTENT_REFUSALS:
        return BatchRefused(failure.message, failure.status)
    return exc if failure is None else failure


def _accepted(result: bytes, canonical: bytes, salt: bytes) -> Accepted:
    """The answer, with the root of the bytes sent once the endorsers' commitment
    SHA-256(salt || root) is seen to open to it (the answer is in every peer's block, so it
    carries the commitment, never the root)."""
    try:
        answer = json.loads(result.decode("utf-8"))
        recorded = answer.get("recorded")
        sealed, batch_id = str(answer["commitment"]), str(answer["batch_id"])
        count, duplicate = int(answer["count"]), bool(answer["duplicate"])
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError,
            AttributeError):
        raise LedgerUnreachable(f"{FUNCTION} answered {len(result)} bytes that are not its "
                                f"JSON result: {result[:80]!r}") from None
    root = batch_root(canonical)
    mine = "sha256:" + hashlib.sha256(salt + root).hexdigest()
    if sealed != mine:
        raise LedgerUnreachable(f"{FUNCTION} for batch {batch_id}: the endorsers committed to "
                                f"{sealed}, not to the root {root.hex()} of the bytes sent "
                                f"({mine})")
    return Accepted(batch_id, root.hex(), count, duplicate,
                    None if recorded is None else int(recorded))
