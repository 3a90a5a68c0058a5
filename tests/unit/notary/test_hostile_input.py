"""Hostile input gets the package's typed errors, never a stray Python exception.

Lone surrogates (U+D800..U+DFFF) are valid in Python strings but not in UTF-8; tree sizes
are uint64 (RFC 9162, transparency-dev/formats); the empty tree has exactly one root.
Each case names the entry point it reaches.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from notary import (
    COSIGNATURE_V1,
    EMPTY_ROOT,
    Checkpoint,
    FormatError,
    InconsistentCheckpointError,
    Log,
    MemoryTree,
    Note,
    NoteSignature,
    Policy,
    ProofBundle,
    Signer,
    StoreError,
    TreeSizeError,
    Verifier,
    Witness,
    check_extends,
    key_id,
    sign_note,
    verify_bundle,
    verify_consistency,
    verify_inclusion,
    verify_note,
)
from notary import _cli as cli_module
from notary._cli import main

ORIGIN = "carbontrust.example/audit"
LOG = Signer(ORIGIN, b"\x10" * 32)
ORG = Signer("power.example/witness", b"\x20" * 32, COSIGNATURE_V1)
POLICY = Policy(ORIGIN, (ORG.verifier,), 1, (LOG.verifier,))
NOW = 1_800_000_000
S = "\ud800"  # a lone surrogate
U64 = (1 << 64) - 1
TREE = MemoryTree.from_entries(b"entry-%d" % i for i in range(5))


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def _note(size: int | str, root: bytes, *ext: str) -> str:
    """A log-signed checkpoint note built from raw body text (bypassing Checkpoint)."""
    body = "\n".join([ORIGIN, str(size), _b64(root), *ext]) + "\n"
    return sign_note(body, LOG)


def _cosigned(note: str) -> str:
    return Witness(ORG, {ORIGIN: [LOG.verifier]}).cosign(note, [], NOW)


GOOD = _cosigned(_note(5, TREE.root()))


# --- lone surrogates: every entry point --------------------------------------------------

SURROGATE_CASES: dict[str, Callable[[], object]] = {
    "Note.parse, in the text": lambda: Note.parse(GOOD.replace(ORIGIN, ORIGIN + S, 1)),
    "Note.parse, in a signature's key name": lambda: Note.parse(
        GOOD.replace("\u2014 power.example/witness", "\u2014 power.example/witness" + S)
    ),
    "Note.verified_by, built directly": lambda: Note("a" + S + "\n", ()).verified_by(
        [LOG.verifier]
    ),
    "verify_note": lambda: verify_note(GOOD.replace("\n\n", "\n" + S + "\n\n"), [LOG.verifier]),
    "sign_note": lambda: sign_note(f"{ORIGIN}\n5\n{_b64(TREE.root())}\next{S}\n", LOG),
    "Signer.sign": lambda: LOG.sign("text " + S + "\n"),
    "Signer, key name": lambda: Signer("name" + S, b"\x01" * 32),
    "Signer.generate, key name": lambda: Signer.generate("name" + S),
    "Signer.from_text": lambda: Signer.from_text(LOG.to_text().replace(ORIGIN, ORIGIN + S)),
    "Verifier, key name": lambda: Verifier("name" + S, b"\x01" * 32),
    "Verifier.from_text": lambda: Verifier.from_text(
        LOG.verifier.to_text().replace(ORIGIN, ORIGIN + S)
    ),
    "key_id": lambda: key_id("name" + S, 1, b"\x01" * 32),
    "NoteSignature in a signed note": lambda: Note(
        "a\n", (NoteSignature("k" + S, 1, b"\x00" * 64),)
    ).verified_by([Verifier("k" + S, b"\x01" * 32)]),
    "Checkpoint, origin": lambda: Checkpoint(ORIGIN + S, 5, TREE.root()),
    "Checkpoint, extension": lambda: Checkpoint(ORIGIN, 5, TREE.root(), ("ext" + S,)),
    "Checkpoint.from_body, extension": lambda: Checkpoint.from_body(
        f"{ORIGIN}\n5\n{_b64(TREE.root())}\next{S}\n"
    ),
    "Checkpoint.from_body, origin": lambda: Checkpoint.from_body(
        f"{S}\n5\n{_b64(TREE.root())}\n"
    ),
    "Policy.verify, extension": lambda: POLICY.verify(GOOD.replace("\n\n", f"\next{S}\n\n", 1)),
    "Witness.cosign, extension": lambda: Witness(ORG, {ORIGIN: [LOG.verifier]}).cosign(
        GOOD.replace("\n\n", f"\next{S}\n\n", 1), [], NOW
    ),
    "ProofBundle.from_text": lambda: ProofBundle.from_text(
        f"c2sp.org/tlog-proof@v1\nindex 1\n\n{GOOD.replace(ORIGIN, ORIGIN + S, 1)}"
    ),
    "ProofBundle.from_json, checkpoint": lambda: ProofBundle.from_json(
        json.dumps({"format": "c2sp.org/tlog-proof@v1", "index": 1, "proof": [],
                    "checkpoint": GOOD.replace(ORIGIN, ORIGIN + S, 1)})  # fmt: skip
    ),
    "ProofBundle.from_json, extra": lambda: ProofBundle.from_json(
        '{"format": "c2sp.org/tlog-proof@v1", "index": 1, "proof": [], "extra": "\\ud800", '
        f'"checkpoint": {json.dumps(GOOD)}}}'
    ),
    "ProofBundle.from_json, proof hash": lambda: ProofBundle.from_json(
        '{"format": "c2sp.org/tlog-proof@v1", "index": 1, "proof": ["\\udfff"], '
        f'"checkpoint": {json.dumps(GOOD)}}}'
    ),
    "verify_bundle, bundle built directly": lambda: verify_bundle(
        ProofBundle(1, (), GOOD.replace("\n\n", f"\next{S}\n\n", 1)), b"entry-1", POLICY
    ),
}


@pytest.mark.parametrize("call", SURROGATE_CASES.values(), ids=SURROGATE_CASES.keys())
def test_lone_surrogate_is_a_format_error(call: Callable[[], object]) -> None:
    with pytest.raises(FormatError):
        call()


def test_surrogate_error_names_the_line_and_code_point() -> None:
    text = GOOD.replace("\n\n", f"\next{S}\n\n", 1)
    with pytest.raises(FormatError) as err:
        Note.parse(text)
    assert err.value.line == 4 and "U+D800" in err.value.reason
    with pytest.raises(FormatError) as err:
        Note(f"{ORIGIN}\n5\nx{S}\n", ()).verified_by([LOG.verifier])
    assert err.value.line == 3 and "U+D800" in err.value.reason


def test_json_bundle_really_carries_the_surrogate() -> None:
    """The JSON cases reach a surrogate (not a JSON syntax error)."""
    assert "\\ud800" in json.dumps(S)
    with pytest.raises(FormatError) as err:
        SURROGATE_CASES["ProofBundle.from_json, checkpoint"]()
    assert "U+D800" in err.value.reason and err.value.line == 1


# --- tree sizes are uint64 ---------------------------------------------------------------


def test_size_two_to_the_64_minus_one_accepted_and_two_to_the_64_refused() -> None:
    root = TREE.root()
    top = POLICY.verify(_cosigned(_note(U64, root)))
    assert top.checkpoint.size == U64
    assert Checkpoint(ORIGIN, U64, root).body().splitlines()[1] == "18446744073709551615"
    over = _note(U64 + 1, root)
    with pytest.raises(FormatError) as err:
        POLICY.verify(over)
    assert err.value.line == 2 and "2**64-1" in err.value.reason
    with pytest.raises(FormatError):
        Witness(ORG, {ORIGIN: [LOG.verifier]}).cosign(over, [], NOW)
    with pytest.raises(FormatError):
        Checkpoint(ORIGIN, U64 + 1, root)


@pytest.mark.parametrize(
    "size",
    ["05", "00", "+5", "-0", "-5", " 5", "5 ", "5_000", "0x5", "\u0665", "", "1e3",
     "9" * 5000, "1" + "0" * 20],  # fmt: skip
)
def test_size_must_be_a_canonical_uint64_decimal(size: str) -> None:
    with pytest.raises(FormatError) as err:
        POLICY.verify(_note(size, TREE.root()))
    assert err.value.line == 2


def test_verifiers_refuse_sizes_beyond_uint64() -> None:
    leaf, root = TREE.leaf_hash(0), TREE.root()
    with pytest.raises(TreeSizeError):
        verify_inclusion(leaf, 0, U64 + 1, [root] * 64, root)
    with pytest.raises(TreeSizeError):
        verify_consistency(1, U64 + 1, [root] * 64, root, root)


@pytest.mark.parametrize("index", [str(U64 + 1), "9" * 5000])
def test_bundle_index_is_uint64(index: str) -> None:
    with pytest.raises(FormatError):
        ProofBundle.from_text(f"c2sp.org/tlog-proof@v1\nindex {index}\n\n{GOOD}")
    with pytest.raises(FormatError):
        ProofBundle.from_json(
            f'{{"format": "c2sp.org/tlog-proof@v1", "index": {index}, "proof": [], '
            f'"checkpoint": {json.dumps(GOOD)}}}'
        )


# --- size 0 has exactly one root ----------------------------------------------------------


def test_size_zero_with_another_root_is_refused_everywhere() -> None:
    bogus = _note(0, TREE.root())
    with pytest.raises(FormatError) as err:
        Checkpoint(ORIGIN, 0, TREE.root())
    assert err.value.line == 3 and EMPTY_ROOT.hex() in err.value.reason
    with pytest.raises(FormatError):
        Checkpoint.from_body(Note.parse(bogus).text)
    with pytest.raises(FormatError):
        POLICY.verify(bogus)
    with pytest.raises(FormatError):
        Policy(ORIGIN, (), 0, (LOG.verifier,)).verify(bogus)  # log key only
    assert POLICY.verify(_cosigned(_note(0, EMPTY_ROOT))).checkpoint.size == 0


def test_witness_is_not_stuck_by_a_false_empty_checkpoint() -> None:
    """Before: the witness cosigned size 0 with a non-empty root, then refused the real
    log forever (no proof from that root exists). Now it refuses the false one only."""
    witness = Witness(ORG, {ORIGIN: [LOG.verifier]})
    with pytest.raises(FormatError):
        witness.cosign(_note(0, TREE.root()), [], NOW)
    assert witness.latest == {} and witness.last_time == {}
    real = witness.cosign(_note(5, TREE.root()), [], NOW + 1)
    assert POLICY.verify(real).checkpoint.size == 5
    grown = MemoryTree.from_entries(b"entry-%d" % i for i in range(8))
    again = witness.cosign(_note(8, grown.root()), grown.consistency_proof(5, 8), NOW + 2)
    assert POLICY.verify(again).checkpoint.size == 8


def test_witness_goes_on_from_the_genuine_empty_tree_without_a_proof() -> None:
    witness = Witness(ORG, {ORIGIN: [LOG.verifier]})
    witness.cosign(_note(0, EMPTY_ROOT), [], NOW)
    assert witness.cosign(_note(5, TREE.root()), [], NOW + 1)
    empty, five = Checkpoint(ORIGIN, 0, EMPTY_ROOT), Checkpoint(ORIGIN, 5, TREE.root())
    with pytest.raises(InconsistentCheckpointError) as err:  # a proof from 0 proves nothing
        check_extends(empty, five, [TREE.root()])
    assert err.value.older == empty and err.value.newer == five
    check_extends(empty, empty, [])


# --- the command line: typed errors exit 1 -----------------------------------------------


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    rc = main(list(argv))
    return rc, capsys.readouterr().err


@pytest.fixture()
def keys(tmp_path: Path) -> Path:
    (tmp_path / "log.key").write_text(LOG.to_text() + "\n")
    (tmp_path / "log.vkey").write_text(LOG.verifier.to_text() + "\n")
    (tmp_path / "org.key").write_text(ORG.to_text() + "\n")
    (tmp_path / "org.vkey").write_text(ORG.verifier.to_text() + "\n")
    (tmp_path / "e").write_bytes(b"entry-1")
    return tmp_path


def test_cli_surrogates_exit_1(tmp_path: Path, keys: Path, capsys: pytest.CaptureFixture[str]
                               ) -> None:  # fmt: skip
    d = keys
    db = str(d / "log.db")
    assert _cli(capsys, "append", "--db", db, str(d / "e"))[0] == 0
    # an undecodable byte in argv arrives as a lone surrogate (surrogateescape)
    rc, err = _cli(capsys, "checkpoint", "--db", db, "--origin", "log\udcff",
                   "--key", str(d / "log.key"))  # fmt: skip
    assert rc == 1 and "FormatError" in err
    rc, err = _cli(capsys, "keygen", "--name", "k\udcff", "--out", str(d / "k.key"))
    assert rc == 1 and "FormatError" in err
    bundle = {"format": "c2sp.org/tlog-proof@v1", "index": 0, "proof": [],
              "checkpoint": _cosigned(_note(1, TREE.root(1))).replace(ORIGIN, ORIGIN + S, 1)}
    (d / "b.json").write_text(json.dumps(bundle))  # ASCII: the surrogate as \\ud800
    rc, err = _cli(capsys, "verify", "--bundle", str(d / "b.json"), "--entry", str(d / "e"),
                   "--origin", ORIGIN, "--threshold", "1", "--witness", str(d / "org.vkey"),
                   "--log-key", str(d / "log.vkey"), "--time", str(NOW))  # fmt: skip
    assert rc == 1 and "FormatError" in err and "U+D800" in err


def test_cli_hostile_files_exit_1(tmp_path: Path, keys: Path, capsys: pytest.CaptureFixture[str]
                                  ) -> None:  # fmt: skip
    d = keys
    db = str(d / "log.db")
    assert _cli(capsys, "append", "--db", db, str(d / "e"))[0] == 0
    cosign = ["cosign", "--db", db, "--key", str(d / "org.key"), "--log-key",
              str(d / "log.vkey"), "--state", str(d / "w.state"), "--time", str(NOW)]  # fmt: skip
    (d / "cp").write_bytes(b"\xff\xfe not UTF-8\n\n")
    rc, err = _cli(capsys, *cosign, str(d / "cp"))
    assert rc == 1 and "FormatError" in err and "not UTF-8" in err
    (d / "bad.vkey").write_bytes(b"\xff" + LOG.verifier.to_text().encode())
    rc, err = _cli(capsys, "cosign", *cosign[1:6], str(d / "bad.vkey"), *cosign[7:],
                   str(d / "cp"))  # fmt: skip
    assert rc == 1 and "verifier key" in err
    (d / "cp").write_text(_note(1, TREE.root(1)))
    body1 = f"{ORIGIN}\n1\n{_b64(TREE.root(1))}\n"
    states = [
        json.dumps({"origins": {ORIGIN: {"checkpoint": body1 + "ext" + S + "\n", "time": 1}}}),
        "[" * 100_000,  # nested too deep for the JSON parser
        '{"origins": {}, "x": ' + "9" * 5000 + "}",  # an integer over Python's 4300 digits
        json.dumps({"origins": {ORIGIN: {"checkpoint": body1, "time": 1}}}).replace(
            '"time": 1', '"time": 1e400'),  # float infinity as a time
        json.dumps({"origins": {ORIGIN: {"checkpoint": body1, "time": True}}}),
    ]
    for state in states:
        (d / "w.state").write_text(state)
        rc, err = _cli(capsys, *cosign, str(d / "cp"))
        assert rc == 1 and "unreadable" in err, state[:60]
    (d / "deep.json").write_text('{"a": ' * 100_000)
    rc, err = _cli(capsys, "verify", "--bundle", str(d / "deep.json"), "--entry", str(d / "e"),
                   "--origin", ORIGIN, "--threshold", "1", "--witness", str(d / "org.vkey"),
                   "--time", str(NOW))  # fmt: skip
    assert rc == 1 and "FormatError" in err


# --- found by fuzzing the CLI and the store ----------------------------------------------


def test_a_file_that_is_not_a_log_is_a_store_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all, " * 100)
    with pytest.raises(StoreError) as err:
        Log.open(junk)
    assert err.value.path == str(junk) and "not a database" in err.value.cause
    for argv in (["prove", "--db", str(junk), "--index", "0"],
                 ["append", "--db", str(junk), str(junk)],
                 ["prove", "--db", str(tmp_path), "--index", "0"]):  # a directory
        rc, err_text = _cli(capsys, *argv)
        assert rc == 2 and err_text.startswith("error: cannot open notary log"), argv
        assert err_text.count("\n") == 1  # one line, no traceback
    assert junk.read_bytes() == b"not a database at all, " * 100  # nothing written


def test_cli_append_racing_another_writer_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "log.db"
    (tmp_path / "e").write_bytes(b"entry")

    class Raced(Log):
        """The seam: right after the CLI opens the log, a second real writer appends."""

        @classmethod
        def open(cls, path: str | Path, **kw: Any) -> Log:
            log = Log.open(path, **kw)
            with Log.open(path) as other:
                other.append([b"the other writer"])
            return log

    monkeypatch.setattr(cli_module, "Log", Raced)
    rc, err = _cli(capsys, "append", "--db", str(db), str(tmp_path / "e"))
    assert rc == 2 and "size changed under this writer" in err
    with Log.open(db) as log:
        assert log.size == 1  # the other writer's entry only: nothing half-written


def test_witness_refusing_a_bad_time_remembers_nothing() -> None:
    witness = Witness(ORG, {ORIGIN: [LOG.verifier]})
    for now in (-1, 1 << 63):
        with pytest.raises(ValueError, match="outside 0..2\\*\\*63-1"):
            witness.cosign(_note(5, TREE.root()), [], now)
    assert witness.latest == {} and witness.last_time == {}


def test_cli_witness_goes_on_from_a_cosigned_empty_log(
    tmp_path: Path, keys: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After cosigning size 0 the CLI witness asks its log for no proof (none exists)."""
    d = keys
    db, state = str(d / "log.db"), str(d / "w.state")
    cosign = ["cosign", "--db", db, "--key", str(d / "org.key"), "--log-key",
              str(d / "log.vkey"), "--state", state]  # fmt: skip
    for size in (0, 1, 2):
        if size:
            assert _cli(capsys, "append", "--db", db, str(d / "e"))[0] == 0
        cp = str(d / f"cp{size}")
        assert _cli(capsys, "checkpoint", "--db", db, "--origin", ORIGIN,
                    "--key", str(d / "log.key"), "--out", cp)[0] == 0  # fmt: skip
        rc, err = _cli(capsys, *cosign, "--time", str(NOW + size), "--out", cp, cp)
        assert rc == 0, err
        assert POLICY.verify(Path(cp).read_text()).checkpoint.size == size
    remembered = json.loads(Path(state).read_text())["origins"][ORIGIN]["checkpoint"]
    assert Checkpoint.from_body(remembered).size == 2
