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
