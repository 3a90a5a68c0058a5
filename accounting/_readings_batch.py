"""Reading batches: canonical order, the RFC 9162 root and inclusion proofs, CSV rows.

A batch is its leaves in canonical order, sorted by (meter_id, interval start), one per
(meter, interval), joined by a single ``\\n`` (no trailing newline).  The order is part of
the encoding so that the same readings always make the same bytes and the same root.

The Merkle hashing (RFC 9162 section 2.1: SHA-256, 0x00 leaf / 0x01 node prefixes) is
written here with hashlib instead of importing ``notary`` because ``accounting`` imports
the standard library only (it runs inside the chaincode; tests/unit/accounting/
test_isolation.py holds that line).  The chaincode recomputes roots with ``notary`` itself
and the tests check both agree byte for byte, so there are two independent implementations.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation

from ._readings import (
    DAILY_SOURCES,
    SOURCES,
    Reading,
    ReadingError,
    check_fields,
    check_quantity,
    decode,
    decode_text,
    encode,
    interval_text,
    leaf_of,
    local_day,
    start_problem,
)

__all__ = ["MAX_BATCH", "encode_batch", "decode_batch", "leaves", "batch_root",
           "inclusion_proof", "leaf_hash", "parse_row", "HEADER"]

MAX_BATCH = 20_000
HEADER = ("meter_id", "uscc", "interval_start", "source", "quantity", "unit")
OPTIONAL = ("quality",)


def encode_batch(readings: Iterable[Reading]) -> bytes:
    """The canonical batch: sorted by (meter, interval), one reading per pair."""
    rs = sorted(readings, key=lambda r: r.key)
    if not rs:
        raise ReadingError(0, "batch", "at least one reading")
    if len(rs) > MAX_BATCH:
        raise ReadingError(0, "batch", f"at most {MAX_BATCH} readings, found {len(rs)}")
    for a, b in zip(rs, rs[1:], strict=False):
        if a.key == b.key:
            raise ReadingError(0, "batch", f"meter {a.meter_id} at {a.key[1]} appears twice "
                               "in one batch")
    return b"\n".join(encode(r) for r in rs)


def leaves(batch: bytes) -> list[bytes]:
    return batch.split(b"\n")


def decode_batch(batch: bytes) -> list[Reading]:
    """The readings of canonical batch bytes; line numbers are 1-based leaf numbers."""
    if not batch:
        raise ReadingError(0, "batch", "at least one reading")
    parts = leaves(batch)
    if len(parts) > MAX_BATCH:
        raise ReadingError(0, "batch", f"at most {MAX_BATCH} readings, found {len(parts)}")
    try:
        texts: list[str] | None = batch.decode("ascii").split("\n")
    except UnicodeDecodeError:
        texts = None   # decode() below names the first leaf at fault
    out: list[Reading] = []
    prev: tuple[str, str] | None = None
    for i, leaf in enumerate(parts, 1):
        r = decode(leaf, i) if texts is None else decode_text(texts[i - 1], i)
        k = r.key
        if prev is not None and k <= prev:
            raise ReadingError(i, "batch", "non-canonical order: readings sorted by (meter_id, "
                               f"interval_start), one per pair; {k[0]} {k[1]} follows "
                               f"{prev[0]} {prev[1]}")
        prev = k
        out.append(r)
    return out


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _root(hashes: Sequence[bytes]) -> bytes:
    level = list(hashes)
    # bottom-up over complete pairs; an odd last node is carried up unchanged, which is
    # RFC 9162's MTH for any size
    while len(level) > 1:
        nxt = [_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def batch_root(batch: bytes) -> bytes:
    """RFC 9162 MTH over the batch's leaves in batch order (32 bytes)."""
    if not batch:
        return hashlib.sha256(b"").digest()
    return _root([leaf_hash(x) for x in leaves(batch)])


def _path(hashes: Sequence[bytes], index: int) -> list[bytes]:
    n = len(hashes)
    if n <= 1:
        return []
    k = _split(n)
    if index < k:
        return _path(hashes[:k], index) + [_root(hashes[k:])]
    return _path(hashes[k:], index - k) + [_root(hashes[:k])]


def inclusion_proof(batch: bytes, index: int) -> list[bytes]:
    """PATH(index, leaves) of RFC 9162 section 2.1.3.1, leaf sibling first."""
    hashes = [leaf_hash(x) for x in leaves(batch)] if batch else []
    if not 0 <= index < len(hashes):
        raise ReadingError(0, "index", f"0..{len(hashes) - 1}, found {index}")
    return _path(hashes, index)


def parse_row(row: Mapping[str, str | None], line: int) -> Reading:
    """One CSV row (header meter_id,uscc,interval_start,source,quantity,unit[,quality])."""
    extra = sorted(k for k in row if k not in HEADER + OPTIONAL)
    if extra:
        raise ReadingError(line, extra[0], "not a column of the readings CSV (meter_id, uscc, "
                           "interval_start, source, quantity, unit[, quality])")
    values: dict[str, str] = {}
    for name in HEADER:
        value = row.get(name)
        if value is None or not value.strip():
            raise ReadingError(line, name, "a value is required")
        values[name] = value.strip()
    start = _start_of(values["interval_start"])
    if isinstance(start, str):
        raise ReadingError(line, "interval_start", start)
    qty = values["quantity"]
    if "e" in qty.lower() or qty.startswith("+") or "_" in qty:
        raise ReadingError(line, "quantity", f"a plain decimal string, found {qty!r}")
    try:
        quantity = Decimal(qty)
    except InvalidOperation:
        raise ReadingError(line, "quantity", f"a decimal string, found {qty!r}") from None
    quality = (row.get("quality") or "").strip() or "measured"
    source = values["source"]
    if source not in SOURCES:
        raise ReadingError(line, "source", f"one of {', '.join(SOURCES)}, found {source!r}")
    r = Reading(values["meter_id"], values["uscc"], start[0], source, quantity,
                values["unit"], quality)
    # check(r, line), with what depends only on the interval_start text and the source
    # worked out once per distinct pair (a file repeats each interval for every meter)
    check_fields(r, line)
    interval, day, problem = _interval_of(values["interval_start"], source)
    if problem:
        raise ReadingError(line, "interval_start", problem)
    check_quantity(line, quantity)
    r.__dict__.update(key=(r.meter_id, interval), day=day, leaf=leaf_of(r, interval))
    return r


@functools.lru_cache(maxsize=4096)
def _start_of(text: str) -> tuple[datetime.datetime] | str:
    """The aware start an interval_start field names, or why it names none."""
    try:
        start = datetime.datetime.fromisoformat(text)
    except ValueError:
        return f"ISO 8601 with an explicit offset, found {text!r}"
    if start.utcoffset() is None:
        return f"an explicit offset (e.g. +08:00), found {text!r}"
    return (start,)


@functools.lru_cache(maxsize=4096)
def _interval_of(text: str, source: str) -> tuple[str, str, str | None]:
    """(UTC interval text, UTC+08:00 day, why the start does not fit the source or None)
    of a parsed interval_start field: keyed by the text, so exact whatever its offset."""
    start = _start_of(text)
    assert not isinstance(start, str)
    return (interval_text(start[0]), local_day(start[0]),
            start_problem(start[0], source in DAILY_SOURCES, source))
