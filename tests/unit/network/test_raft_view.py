"""raft_view reads which Raft leader an orderer follows from its own log since its last start."""

from pathlib import Path

from network._raft import raft_view

ESC = "\x1b[34m"


def _line(n: str, what: str, channel: str = "carbon") -> str:
    return (f"{ESC}2026-11-22 21:06:22.803 UTC {n} INFO\x1b[0m [orderer.consensus.etcdraft] "
            f"run -> {what} channel={channel} node=1\n")


def test_follower_sees_latest_leader(tmp_path: Path) -> None:
    log = tmp_path / "o.log"
    log.write_text("=== start x ===\n" + _line("1", "Raft leader changed: 0 -> 3")
                   + _line("2", "Raft leader changed: 3 -> 0")
                   + _line("3", "Raft leader changed: 0 -> 2"))
    assert raft_view(log, "carbon") == (2, False)


def test_leader_lost_means_none(tmp_path: Path) -> None:
    log = tmp_path / "o.log"
    log.write_text("=== start x ===\n" + _line("1", "Raft leader changed: 0 -> 3")
                   + _line("2", "Start accepting requests as Raft leader at block [0]")
                   + _line("3", "Raft leader changed: 3 -> 0"))
    assert raft_view(log, "carbon") == (0, False)


def test_leader_accepting_only_after_last_change(tmp_path: Path) -> None:
    log = tmp_path / "o.log"
    accepting = _line("2", "Start accepting requests as Raft leader at block [4]")
    log.write_text("=== start x ===\n" + _line("1", "Raft leader changed: 0 -> 1") + accepting)
    assert raft_view(log, "carbon") == (1, True)
    log.write_text("=== start x ===\n" + accepting + _line("3", "Raft leader changed: 0 -> 1"))
    assert raft_view(log, "carbon") == (1, False)


def test_only_since_last_start_and_only_this_channel(tmp_path: Path) -> None:
    log = tmp_path / "o.log"
    log.write_text("=== start a ===\n" + _line("1", "Raft leader changed: 0 -> 3")
                   + "=== start b ===\n" + _line("2", "Raft leader changed: 0 -> 2", "other"))
    assert raft_view(log, "carbon") == (0, False)
    assert raft_view(log, "other") == (2, False)


def test_missing_log(tmp_path: Path) -> None:
    assert raft_view(tmp_path / "absent.log", "carbon") == (0, False)


def test_long_log_read_backwards_across_chunk_edges(tmp_path: Path) -> None:
    """A leader-change line far from the end, and lines cut by chunk edges, are still found."""
    log = tmp_path / "o.log"
    noise = "".join(_line(f"{i:04x}", "Forwarding transaction to the leader 2") for i in range(400))
    log.write_text("=== start a ===\n" + _line("1", "Raft leader changed: 0 -> 3")
                   + "=== start b ===\n" + _line("2", "Raft leader changed: 0 -> 2")
                   + _line("3", "Start accepting requests as Raft leader at block [9]") + noise)
    expected = (2, True)
    for chunk in (37, 64, 100, 333, 1 << 16):
        assert raft_view(log, "carbon", chunk=chunk) == expected, chunk
    log.write_text("=== start a ===\n" + _line("1", "Raft leader changed: 0 -> 3")
                   + "=== start b ===\n" + noise)
    for chunk in (37, 333, 1 << 16):
        assert raft_view(log, "carbon", chunk=chunk) == (0, False), chunk


def test_accepting_on_another_channel_does_not_count(tmp_path: Path) -> None:
    log = tmp_path / "o.log"
    log.write_text("=== start x ===\n" + _line("1", "Raft leader changed: 0 -> 1")
                   + _line("2", "Start accepting requests as Raft leader at block [0]", "other"))
    assert raft_view(log, "carbon") == (1, False)
    log.write_text(log.read_text()
                   + _line("3", "Start accepting requests as Raft leader at block [0]"))
    assert raft_view(log, "carbon") == (1, True)


def test_leader_found_in_a_rotated_file(tmp_path: Path) -> None:
    """The supervisor rotated the log after the leader change: the view reads back across."""
    from network._logs import RotatingLog
    log = tmp_path / "o.log"
    out = RotatingLog(log, max_bytes=4096, keep=3)
    out.write(("=== start a ===\n" + _line("1", "Raft leader changed: 0 -> 2")
               + _line("2", "Start accepting requests as Raft leader at block [9]")).encode())
    for i in range(60):
        out.write(_line(f"{i:04x}", "Forwarding transaction to the leader 2").encode())
    out.close()
    assert log.with_name("o.log.1").exists() and "leader changed" not in log.read_text()
    assert raft_view(log, "carbon") == (2, True)
    # a start marker in the current file ends the search: nothing older counts
    with log.open("a") as f:
        f.write("=== start b ===\n")
    assert raft_view(log, "carbon") == (0, False)
