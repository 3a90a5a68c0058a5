from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway import (
    ChaincodeEvent,
    Checkpoint,
    Checkpointer,
    FileCheckpointer,
    InMemoryCheckpointer,
)
from gateway._events import resolve_start


def _event(block: int, txid: str) -> ChaincodeEvent:
    return ChaincodeEvent(block, txid, "carbon", "put", b"{}")


def test_in_memory_semantics():
    cp = InMemoryCheckpointer()
    assert isinstance(cp, Checkpointer) and isinstance(cp, Checkpoint)
    assert (cp.block_number, cp.transaction_id) == (None, None)
    assert resolve_start(5, cp) == (5, "")
    cp.checkpoint_chaincode_event(_event(3, "t1"))
    assert (cp.block_number, cp.transaction_id) == (3, "t1")
    assert resolve_start(5, cp) == (3, "t1")  # the checkpoint wins over start_block
    cp.checkpoint_block(3)
    assert (cp.block_number, cp.transaction_id) == (4, None)
    assert resolve_start(None, cp) == (4, "")
    with pytest.raises(ValueError):
        cp.checkpoint_transaction(-1, "x")


def test_file_checkpointer_persists_and_resumes(tmp_path: Path):
    path = tmp_path / "sub" / "cp.json"
    cp = FileCheckpointer(path)
    assert cp.block_number is None and not path.exists()
    cp.checkpoint_chaincode_event(_event(9, "abc"))
    assert json.loads(path.read_text()) == {"blockNumber": 9, "transactionId": "abc"}
    again = FileCheckpointer(path)
    assert (again.block_number, again.transaction_id) == (9, "abc")
    again.checkpoint_block(9)
    assert (FileCheckpointer(path).block_number, FileCheckpointer(path).transaction_id) == (
        10,
        None,
    )
    assert list(path.parent.iterdir()) == [path]  # no temp files left behind


def test_file_checkpointer_rejects_garbage(tmp_path: Path):
    path = tmp_path / "cp.json"
    path.write_text('{"blockNumber": -3}')
    with pytest.raises(ValueError, match="blockNumber"):
        FileCheckpointer(path)


def test_official_clients_zero_value_file_means_no_checkpoint(tmp_path: Path):
    # what fabric-gateway's NewFileCheckpointer writes when it creates the file
    path = tmp_path / "cp.json"
    path.write_text('{"blockNumber":0,"transactionId":""}')
    cp = FileCheckpointer(path)
    assert (cp.block_number, cp.transaction_id) == (None, None)
    path.write_text('{"blockNumber":0,"transactionId":"t0"}')  # a real position in block 0
    assert FileCheckpointer(path).block_number == 0


def test_failed_write_leaves_memory_and_file_at_previous_checkpoint(tmp_path: Path, monkeypatch):
    path = tmp_path / "cp.json"
    cp = FileCheckpointer(path)
    cp.checkpoint_chaincode_event(_event(4, "t4"))

    def disk_full(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("gateway._checkpoint.os.fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        cp.checkpoint_chaincode_event(_event(5, "t5"))
    # memory must not run ahead of the file: a restart would resume at (4, t4)
    assert (cp.block_number, cp.transaction_id) == (4, "t4")
    assert json.loads(path.read_text()) == {"blockNumber": 4, "transactionId": "t4"}
    assert list(tmp_path.iterdir()) == [path]


def test_rename_is_made_durable_before_memory_changes(tmp_path: Path, monkeypatch):
    import os
    import stat

    path = tmp_path / "cp.json"
    cp = FileCheckpointer(path)
    steps: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        kind = "dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        steps.append(f"fsync-{kind} memory={cp.block_number}")
        real_fsync(fd)

    def replace(src, dst) -> None:  # noqa: ANN001
        steps.append(f"rename memory={cp.block_number}")
        real_replace(src, dst)

    monkeypatch.setattr("gateway._checkpoint.os.fsync", fsync)
    monkeypatch.setattr("gateway._checkpoint.os.replace", replace)
    cp.checkpoint_block(6)
    assert steps == ["fsync-file memory=None", "rename memory=None", "fsync-dir memory=None"]
    assert cp.block_number == 7
