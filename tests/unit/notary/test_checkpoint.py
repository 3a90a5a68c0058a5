"""Checkpoints, k-of-n policies, witnesses: split views and rollbacks refused with both
checkpoints as evidence; a witness never cosigns backwards."""

from __future__ import annotations

import pytest

from notary import (
    COSIGNATURE_V1,
    Checkpoint,
    FormatError,
    InconsistentCheckpointError,
    MemoryTree,
    Policy,
    PolicyError,
    RollbackError,
    SignatureError,
    Signer,
    SplitViewError,
    Witness,
    check_extends,
    sign_note,
)

ORIGIN = "carbontrust.example/audit"
LOG = Signer(ORIGIN, b"\x10" * 32)
LOG_B = Signer(ORIGIN, b"\x11" * 32)  # same name, another key
ORGS = [Signer(f"{o}.example/witness", bytes([0x20 + i]) * 32, COSIGNATURE_V1)
        for i, o in enumerate(["power", "certifier", "bank", "regulator"])]  # fmt: skip
NOW = 1_800_000_000


def _tree(n: int, fork: bool = False) -> MemoryTree:
    return MemoryTree.from_entries(
        b"%s-%d" % (b"fork" if fork and i >= 3 else b"entry", i) for i in range(n)
    )


def _signed(tree: MemoryTree, size: int | None = None) -> str:
    size = tree.size if size is None else size
    return sign_note(Checkpoint(ORIGIN, size, tree.root(size)).body(), LOG)


def _policy(k: int = 3) -> Policy:
    return Policy(ORIGIN, tuple(o.verifier for o in ORGS), k, (LOG.verifier,))


def _cosigned(note: str, signers: list[Signer], now: int = NOW) -> str:
    for s in signers:
        note = Witness(s, {ORIGIN: [LOG.verifier]}).cosign(note, [], now)
    return note


def test_body_round_trip_and_format() -> None:
    cp = Checkpoint(ORIGIN, 7, bytes(range(32)), ("ext one", "ext two"))
    body = cp.body()
    assert body == f"{ORIGIN}\n7\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\next one\next two\n"
    assert Checkpoint.from_body(body) == cp
    note = _cosigned(_signed(_tree(5)), ORGS[:2])
    assert _policy(2).verify(note).note.format() == note


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("o\n07\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", 2),
        ("o\n-1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", 2),
        ("o\n7\n", 3),
        ("o\n7\nAAAA\n", 3),
        ("o\n7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\next\n", 4),
        ("o\n7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 3),
        ("\n7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", 1),
    ],
)
def test_malformed_checkpoint_names_the_line(body: str, line: int) -> None:
    with pytest.raises(FormatError) as err:
        Checkpoint.from_body(body)
    assert err.value.line == line


def test_policy_three_of_four() -> None:
    note = _signed(_tree(9))
    got = _policy(3).verify(_cosigned(note, ORGS[:3]), now=NOW)
    assert got.checkpoint.size == 9 and len(got.cosigners) == 3
    assert got.log_signers == (ORIGIN,)
    assert set(got.cosigned_at.values()) == {NOW}
    with pytest.raises(PolicyError) as err:
        _policy(3).verify(_cosigned(note, ORGS[:2]))
    assert err.value.needed == 3 and len(err.value.valid) == 2


def test_unknown_cosigner_and_duplicates_do_not_count() -> None:
    stranger = Signer("stranger.example/w", b"\x99" * 32, COSIGNATURE_V1)
    note = _cosigned(_signed(_tree(9)), [ORGS[0], stranger, ORGS[0]])
    with pytest.raises(PolicyError):
        _policy(2).verify(note)
    assert _policy(1).verify(note).cosigners == (ORGS[0].name,)


def test_log_key_cannot_witness_itself() -> None:
    # the log's own key offered as a witness, plainly or as a cosignature key
    plain = LOG.verifier
    as_cosigner = Signer(LOG.name, b"\x10" * 32, COSIGNATURE_V1).verifier  # same seed
    for selfie in (plain, as_cosigner):
        with pytest.raises(ValueError, match="cannot witness itself"):
            Policy(ORIGIN, (selfie, ORGS[0].verifier), 1, (LOG.verifier,))
    # and a note signed only by the log meets no witness threshold
    policy = Policy(ORIGIN, (ORGS[0].verifier,), 1, (LOG.verifier,))
    with pytest.raises(PolicyError):
        policy.verify(_signed(_tree(4)))


def test_future_cosignatures_do_not_count_when_now_is_given() -> None:
    note = _cosigned(_signed(_tree(4)), ORGS[:1], now=NOW + 3600)
    policy = Policy(ORIGIN, (ORGS[0].verifier,), 1, (LOG.verifier,))
    with pytest.raises(PolicyError):
        policy.verify(note, now=NOW)
    assert policy.verify(note, now=NOW + 3600).cosigners == (ORGS[0].name,)


def test_policy_refuses_missing_log_signature_and_wrong_origin() -> None:
    other = Signer(ORIGIN, b"\x11" * 32)
    note = sign_note(Checkpoint(ORIGIN, 4, _tree(4).root()).body(), other)
    with pytest.raises(SignatureError, match="lacks the log's signature"):
        _policy(0).verify(note)
    elsewhere = sign_note(Checkpoint("elsewhere.example", 4, _tree(4).root()).body(), LOG)
    with pytest.raises(SignatureError, match="origin"):
        _policy(0).verify(elsewhere)
    with pytest.raises(ValueError):
        Policy(ORIGIN, (ORGS[0].verifier,), 2)


def test_tampered_cosigned_checkpoint_is_refused() -> None:
    note = _cosigned(_signed(_tree(9)), ORGS[:3])
    with pytest.raises(SignatureError):
        _policy(3).verify(note.replace("\n9\n", "\n10\n", 1))


def test_split_view_rollback_and_inconsistency_carry_both_checkpoints() -> None:
    honest, forked = _tree(8), _tree(8, fork=True)
    old = Checkpoint(ORIGIN, 5, honest.root(5))
    same_size_other_root = Checkpoint(ORIGIN, 5, forked.root(5))
    with pytest.raises(SplitViewError) as split:
        check_extends(old, same_size_other_root, [])
    assert (split.value.first, split.value.second) == (old, same_size_other_root)
    with pytest.raises(RollbackError) as back:
        check_extends(old, Checkpoint(ORIGIN, 4, honest.root(4)), [])
    assert back.value.older == old and back.value.newer.size == 4
    newer_fork = Checkpoint(ORIGIN, 8, forked.root(8))
    with pytest.raises(InconsistentCheckpointError) as inc:
        check_extends(old, newer_fork, forked.consistency_proof(5, 8))
    assert (inc.value.older, inc.value.newer) == (old, newer_fork)
    check_extends(old, Checkpoint(ORIGIN, 8, honest.root()), honest.consistency_proof(5, 8))


def test_witness_never_cosigns_backwards_or_a_fork() -> None:
    honest, forked = _tree(12), _tree(12, fork=True)
    w = Witness(ORGS[0], {ORIGIN: [LOG.verifier]})
    first = w.cosign(_signed(honest, 6), [], NOW)
    assert ORGS[0].name in first
    w.cosign(_signed(honest, 9), honest.consistency_proof(6, 9), NOW + 1)
    w.cosign(_signed(honest, 9), [], NOW + 2)  # the same checkpoint again is fine
    with pytest.raises(RollbackError):
        w.cosign(_signed(honest, 6), [], NOW + 3)
    with pytest.raises(InconsistentCheckpointError):
        w.cosign(_signed(forked, 12), forked.consistency_proof(9, 12), NOW + 4)
    with pytest.raises(SplitViewError):
        w.cosign(_signed(forked, 9), [], NOW + 5)
    assert w.latest[ORIGIN].size == 9  # refusals changed nothing
    with pytest.raises(SignatureError):  # a checkpoint the log did not sign
        w.cosign(sign_note(Checkpoint(ORIGIN, 12, honest.root()).body(), LOG_B), [], NOW)
    with pytest.raises(ValueError):
        Witness(LOG, {ORIGIN: [LOG.verifier]})


def test_witness_time_never_goes_backwards() -> None:
    tree = _tree(5)
    w = Witness(ORGS[0], {ORIGIN: [LOG.verifier]})
    w.cosign(_signed(tree, 3), [], NOW)
    with pytest.raises(ValueError, match=f"before this witness's last one \\({NOW}\\)"):
        w.cosign(_signed(tree, 5), tree.consistency_proof(3, 5), NOW - 1)
    assert w.latest[ORIGIN].size == 3 and w.last_time[ORIGIN] == NOW  # nothing changed
    w.cosign(_signed(tree, 5), tree.consistency_proof(3, 5), NOW)  # same second is fine
    assert w.latest[ORIGIN].size == 5


def test_a_keys_first_signature_line_counts() -> None:
    note = _signed(_tree(4))
    now_line = _cosigned(note, [ORGS[0]], NOW)
    future = _cosigned(note, [ORGS[0]], NOW + 3600).rsplit("\n", 2)[-2] + "\n"
    policy = _policy(1)
    # a repeated line for the same key cannot change what the first one said
    assert policy.verify(now_line + future, now=NOW).cosigned_at == {ORGS[0].name: NOW}
    future_first = _cosigned(note, [ORGS[0]], NOW + 3600)
    now_after = now_line.rsplit("\n", 2)[-2] + "\n"
    with pytest.raises(PolicyError):
        policy.verify(future_first + now_after, now=NOW)
