"""gateway.ingest: the power company's reading submitter and its raw batch store.

The submitter reads metered readings (CSV with a header row, or JSON lines) from a file or a
stream, groups them into batches by size and by time, keeps several batches in flight
(asyncio, a bounded window) and records every step in a journal (SQLite, stdlib), so that a
run killed at any point resumes with no duplicate and no gap. Committed batches' canonical
bytes go to the :class:`BatchStore`, from which ``carbontrust readings prove`` builds an
inclusion proof checked against the root the ledger holds.

The canonical encoding, batch root and inclusion proof are ``accounting.readings``'s (the
same module the chaincode runs); this package only carries bytes. See docs/ingest.md.
"""

from gateway.ingest._errors import BatchRefused, IngestError, SourceError, StoreError
from gateway.ingest._journal import Journal
from gateway.ingest._source import Row, read_rows
from gateway.ingest._store import BatchStore
from gateway.ingest._submitter import Accepted, BatchSink, Outcome, Settings, Submitter

__all__ = [
    "Accepted",
    "BatchRefused",
    "BatchSink",
    "BatchStore",
    "IngestError",
    "Journal",
    "Outcome",
    "Row",
    "Settings",
    "SourceError",
    "StoreError",
    "Submitter",
    "read_rows",
]
