"""A submitter process for the crash test: ``python -m ... JOURNAL STORE LEDGER CSV DELAY SIZE``.

Uses the file-backed fake ledger (``fake_ledger.FileLedger``) and ``accounting.readings``,
so a second process after a SIGKILL sees the same ledger and journal.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from gateway.ingest import BatchStore, Journal, Settings, Submitter
from tests.unit.gateway.ingest.conftest import install_codec
from tests.unit.gateway.ingest.fake_ledger import FileLedger


def main() -> None:
    journal_path, store, ledger_path, csv_path, delay, size = sys.argv[1:7]
    codec = install_codec()
    journal = Journal(Path(journal_path), "crash-test")
    ledger = FileLedger(Path(ledger_path), codec, delay=float(delay))
    submitter = Submitter(ledger, journal, BatchStore(Path(store)),
                          Settings(batch_size=int(size), max_wait=5.0, in_flight=3))
    with open(csv_path, "rb") as f:
        outcome = asyncio.run(submitter.run(f))
    print(outcome.committed, outcome.duplicates, len(outcome.refused), flush=True)


if __name__ == "__main__":
    main()
