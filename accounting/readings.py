"""Metered readings: the canonical encoding shared by the chaincode and the submitter.

Pure and deterministic (standard library only, no clock, no randomness).  A reading is
one short ASCII line, a batch is its readings in canonical order joined by ``\\n``, and a
batch's root is the RFC 9162 Merkle root over those lines; docs/readings.md gives the
grammar and why it was chosen.

    >>> import datetime
    >>> from decimal import Decimal
    >>> from accounting import readings
    >>> r = readings.parse_row({"meter_id": "M-1", "uscc": "914403001922038216",
    ...     "interval_start": "2026-11-28T08:15:00+08:00", "source": "electricity",
    ...     "quantity": "12.50", "unit": "kWh"}, line=2)
    >>> readings.encode(r)
    b'M-1,914403001922038216,20261128T0015Z,electricity,12.5,kWh,m'
    >>> readings.decode(readings.encode(r)) == r
    True
    >>> batch = readings.encode_batch([r])
    >>> len(readings.batch_root(batch))
    32
"""

from __future__ import annotations

from ._readings import (
    CHINA,
    DAILY_SOURCES,
    QUALITIES,
    SOURCES,
    Reading,
    ReadingError,
    check,
    decode,
    encode,
    interval_end,
    interval_text,
    local_day,
    quantity_text,
)
from ._readings_batch import (
    HEADER,
    MAX_BATCH,
    batch_root,
    decode_batch,
    encode_batch,
    inclusion_proof,
    leaf_hash,
    leaves,
    parse_row,
)
from ._readings_scan import Row, Scan, scan_batch

__all__ = ["CHINA", "DAILY_SOURCES", "HEADER", "MAX_BATCH", "QUALITIES", "SOURCES", "Reading",
           "ReadingError", "Row", "Scan", "batch_root", "check", "decode", "decode_batch",
           "encode", "encode_batch", "inclusion_proof", "interval_end", "interval_text",
           "leaf_hash", "leaves", "local_day", "parse_row", "quantity_text", "scan_batch"]
