"""What a peer's files hold, as bytes a search can see: every file under a directory, with
LevelDB's own framing undone so that a value it stores is one contiguous byte string.

A plain byte search of a LevelDB directory (a Fabric peer's state database, private data
store, block index, history and transient store are all goleveldb) can miss what is stored
there: table files (``*.ldb``, ``*.sst``) compress each block with Snappy (goleveldb's
default; Fabric keeps it) and share key prefixes between entries, and a journal (``*.log``)
cuts records at 32 KiB boundaries with a 7-byte header.  Fabric's block files hold the
blocks' protobuf bytes as they are.

Written here, not taken from a library: the files belong to a running peer that holds the
database's lock, so a LevelDB binding (plyvel and the like open a database) cannot read
them; the framing read here is the on-disk table and journal format (LevelDB's
doc/table_format.md, doc/log_format.md).  Snappy itself is cramjam's.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

import cramjam

TABLE_MAGIC = 0xDB4775248B80FB57
LOG_BLOCK = 32768


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, pos
        shift += 7


def _block(data: bytes, offset: int, size: int) -> bytes:
    raw, kind = data[offset:offset + size], data[offset + size]
    if kind == 0:
        return raw
    if kind == 1:
        return bytes(cramjam.snappy.decompress_raw(raw))
    raise ValueError(f"LevelDB block at {offset}: unknown compression type {kind}")


def _entries(block: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(key, value) of every entry, prefix-shared keys made whole."""
    restarts = struct.unpack_from("<I", block, len(block) - 4)[0]
    end, pos, key = len(block) - 4 - 4 * restarts, 0, b""
    while pos < end:
        shared, pos = _varint(block, pos)
        unshared, pos = _varint(block, pos)
        vlen, pos = _varint(block, pos)
        key = key[:shared] + block[pos:pos + unshared]
        pos += unshared
        yield key, block[pos:pos + vlen]
        pos += vlen


def table_contents(data: bytes) -> bytes:
    """Every key and value of a LevelDB table file, whole, one after another."""
    footer = data[-48:]
    if struct.unpack_from("<Q", footer, 40)[0] != TABLE_MAGIC:
        raise ValueError("not a LevelDB table (magic number)")
    _meta_off, pos = _varint(footer, 0)
    _meta_size, pos = _varint(footer, pos)
    index_off, pos = _varint(footer, pos)
    index_size, pos = _varint(footer, pos)
    out = []
    for _last_key, handle in _entries(_block(data, index_off, index_size)):
        off, p = _varint(handle, 0)
        size, _ = _varint(handle, p)
        for key, value in _entries(_block(data, off, size)):
            out += [key, b"\n", value, b"\n"]
    return b"".join(out)


def journal_contents(data: bytes) -> bytes:
    """A LevelDB journal's records with the 32 KiB blocks' chunk headers taken out."""
    out, pos = [], 0
    while pos + 7 <= len(data):
        room = LOG_BLOCK - pos % LOG_BLOCK
        if room < 7:                      # a block's tail too short for a header: padding
            pos += room
            continue
        length = struct.unpack_from("<H", data, pos + 4)[0]
        if length == 0 and data[pos + 6] == 0:   # zeroed (preallocated) rest of a block
            pos += room
            continue
        out.append(data[pos + 7:pos + 7 + length])
        pos += 7 + length
    return b"".join(out)


def views(root: Path) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every file under root as stored, plus LevelDB tables' decoded
    entries (``name#entries``) and journals' records (``name#records``)."""
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        name, data = str(path.relative_to(root)), path.read_bytes()
        yield name, data
        in_leveldb = (path.parent / "CURRENT").is_file()
        if in_leveldb and path.suffix in (".ldb", ".sst") and len(data) >= 48:
            yield f"{name}#entries", table_contents(data)
        elif in_leveldb and path.suffix == ".log":
            yield f"{name}#records", journal_contents(data)


def find(root: Path, needles: list[bytes]) -> dict[bytes, list[str]]:
    """For each needle, the views under root that hold it."""
    found: dict[bytes, list[str]] = {n: [] for n in needles}
    for name, data in views(root):
        for n in needles:
            if n in data:
                found[n].append(name)
    return found
