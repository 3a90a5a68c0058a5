"""``readings submit|prove`` and ``account totals`` against the fake ledger seam (with the
real ``accounting.readings`` codec)."""

from __future__ import annotations

import hashlib
import io
import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType

import pytest

from tests.unit.gateway.cli.conftest import USCC, FakeLedger, Result
from tests.unit.gateway.cli.test_commands import refused
from tests.unit.gateway.ingest.rows import HEADER, csv_text, row


@pytest.fixture()
def codec() -> ModuleType:
    from accounting import readings

    return readings


@pytest.fixture()
def ct(run: Callable[..., Result], profile: Path, tmp_path: Path) -> Callable[..., Result]:
    env = {"CARBONTRUST_PROFILE": str(profile), "CARBONTRUST_INGEST_DIR": str(tmp_path / "ingest")}
    return lambda *argv: run(*argv, environ=env)


def contract(codec: ModuleType, bad: Mapping[str, BaseException] | None = None
             ) -> Callable[[Mapping[str, bytes]], bytes]:
    """readings:submit_batch as the interface says: JSON answer; refusal on a bad meter."""
    seen: dict[str, str] = {}

    def answer(transient: Mapping[str, bytes]) -> bytes:
        batch = transient["batch"]
        for meter, exc in (bad or {}).items():
            if f"{meter}".encode() in batch:
                raise exc
        root = codec.batch_root(batch).hex()
        duplicate = root in seen
        seen.setdefault(root, "b-" + root[:12])
        sealed = "sha256:" + hashlib.sha256(transient["salt"] + bytes.fromhex(root)).hexdigest()
        return json.dumps({"batch_id": seen[root], "commitment": sealed,
                           "count": batch.count(b"\n") + 1, "duplicate": duplicate}).encode()

    return answer


@pytest.mark.parametrize(("choice", "sets"), [
    ("all", {("PowerMSP", "CertifierMSP", "RegulatorMSP")}),
    ("CertifierMSP,RegulatorMSP", {("CertifierMSP", "RegulatorMSP")}),
    (" RegulatorMSP , PowerMSP,RegulatorMSP", {("RegulatorMSP", "PowerMSP")}),
])
def test_submit_endorsers_choice(ct, ledger: FakeLedger, codec: ModuleType, tmp_path: Path,
                                 choice: str, sets: set) -> None:
    ledger.answers["readings:submit_batch"] = contract(codec)
    r = ct("readings", "submit", write(tmp_path, csv_text(6)), "--batch-size", "2",
           "--endorsers", choice)
    assert r.code == 0, r.err
    assert {e for _, _, e in ledger.private} == sets and len(ledger.private) == 3


@pytest.mark.parametrize(("choice", "says"), [
    ("BankMSP,PowerMSP", "BankMSP is not a member of privateReadings"),
    ("PowerMSP", "at least two members must endorse"),
    ("PowerMSP,PowerMSP", "at least two members must endorse"),
    (",", "found none"),
])
def test_submit_endorsers_refused_before_anything_is_sent(ct, ledger: FakeLedger,
                                                          tmp_path: Path, choice: str,
                                                          says: str) -> None:
    r = ct("readings", "submit", write(tmp_path, csv_text(2)), "--endorsers", choice)
    assert r.code == 2 and says in r.err and "--endorsers" in r.err, r.err
    assert ledger.private == [] and not (tmp_path / "ingest").exists()


def write(tmp_path: Path, text: str | bytes) -> str:
    p = tmp_path / "in.csv"
    p.write_bytes(text if isinstance(text, bytes) else text.encode())
    return str(p)


# -- readings submit --------------------------------------------------------------------------


def test_submit_as_the_meter_gateway_with_transient_to_the_collection_members(
        ct, ledger: FakeLedger, codec: ModuleType, tmp_path: Path):
    ledger.answers["readings:submit_batch"] = contract(codec)
    r = ct("readings", "submit", write(tmp_path, csv_text(10)), "--batch-size", "4")
    assert r.code == 0, r.err
    assert len(ledger.private) == 3
    for function, transient, _ in ledger.private:
        assert function == "readings:submit_batch"
        assert set(transient) == {"batch", "salt"} and len(transient["salt"]) == 32
    # two of the three members, PowerMSP with the certifier or the regulator in turn;
    # never the bank
    assert sorted(e for _, _, e in ledger.private) == [
        ("PowerMSP", "CertifierMSP"), ("PowerMSP", "CertifierMSP"),
        ("PowerMSP", "RegulatorMSP")]
    assert {(c.msp_id, c.user, tuple(c.args)) for c in ledger.calls} == {("PowerMSP", "Meter1", ())}
    assert "10 readings recorded in 3 batches, 0 refused" in r.err
    assert r.out == ""
    # the same file again: the journal knows it, nothing is sent twice
    again = ct("readings", "submit", write(tmp_path, csv_text(10)))
    assert again.code == 0 and len(ledger.private) == 3


def test_an_answer_committing_to_another_root_stops_the_run(
        ct, ledger: FakeLedger, codec: ModuleType, tmp_path: Path):
    """submit_batch answers the salted commitment (its answer is in every peer's block, so
    never the root); the submitter checks it opens to the root of the bytes it sent."""
    answer = contract(codec)

    def other_root(transient: Mapping[str, bytes]) -> bytes:
        return answer({**transient, "salt": b"another salt"})

    ledger.answers["readings:submit_batch"] = other_root
    r = ct("readings", "submit", write(tmp_path, csv_text(3)))
    assert r.code == 3, r.err
    assert "the endorsers committed to sha256:" in r.err and "not to the root" in r.err
    assert not list((tmp_path / "ingest" / "store").glob("*.batch"))  # nothing kept


def test_readings_already_on_the_ledger_count_as_duplicates(
        ct, ledger: FakeLedger, codec: ModuleType, tmp_path: Path):
    ledger.answers["readings:submit_batch"] = contract(codec)
    path = write(tmp_path, csv_text(4))
    assert ct("readings", "submit", path).code == 0
    root = codec.batch_root(ledger.private[0][1]["batch"]).hex()
    ledger.answers["readings:get_batch"] = json.dumps({"batch_id": "b-" + root[:12],
                                                       "root": root}).encode()
    r = ct("readings", "submit", path, "--run", "again")  # a new run: the ledger knows them
    assert r.code == 0, r.err
    assert "(4 already on the ledger)" in r.err
    assert ledger.calls[-1].function == "readings:get_batch"
    assert ledger.calls[-1].args == ["b-" + root[:12]]


def test_a_batch_invalidated_by_a_read_conflict_is_sent_again(
        ct, ledger: FakeLedger, codec: ModuleType, tmp_path: Path):
    from gateway._errors import CommitError

    answer = contract(codec)
    failures = [CommitError("ab" * 32, 11, 9), CommitError("cd" * 32, 11, 10)]  # 11: MVCC

    def flaky(transient: Mapping[str, bytes]) -> bytes:
        if failures:
            raise failures.pop(0)
        return answer(transient)

    ledger.answers["readings:submit_batch"] = flaky
    r = ct("readings", "submit", write(tmp_path, csv_text(3)))
    assert r.code == 0, r.err
    assert len(ledger.private) == 3 and len({t["batch"] for _, t, _ in ledger.private}) == 1
    assert len({t["salt"] for _, t, _ in ledger.private}) == 1  # the same bytes each time


def test_a_batch_whose_endorsers_disagree_is_endorsed_again(
        ct, ledger: FakeLedger, codec: ModuleType, tmp_path: Path):
    """An endorser one block behind (it has not committed the previous batch of the same
    (meter, day) record) answers differently: nothing was ordered, so the same bytes go
    again (seen on real peers as ABORTED 'ProposalResponsePayloads do not match')."""
    import grpc

    from gateway._errors import EndorseError, ErrorDetail

    answer = contract(codec)
    failures = [EndorseError(
        "failed to collect enough transaction endorsements", code=grpc.StatusCode.ABORTED,
        details=(ErrorDetail(
            "127.0.0.1:26901", "RegulatorMSP", "ProposalResponsePayloads do not match"),))]

    def flaky(transient: Mapping[str, bytes]) -> bytes:
        if failures:
            raise failures.pop(0)
        return answer(transient)

    ledger.answers["readings:submit_batch"] = flaky
    r = ct("readings", "submit", write(tmp_path, csv_text(3)))
    assert r.code == 0, r.err
    assert len(ledger.private) == 2 and len({t["batch"] for _, t, _ in ledger.private}) == 1


def test_submit_from_stdin_as_another_org(ct, ledger: FakeLedger, codec: ModuleType,
                                          monkeypatch: pytest.MonkeyPatch):
    ledger.answers["readings:submit_batch"] = contract(codec)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(csv_text(3).encode())))
    r = ct("readings", "submit", "-", "--as", "CertifierMSP")
    assert r.code == 0, r.err
    assert (ledger.calls[0].msp_id, ledger.calls[0].user) == ("CertifierMSP", "User1")


def test_refused_rows_exit_1_with_line_numbers_and_the_rest_recorded(
        ct, ledger: FakeLedger, codec: ModuleType, tmp_path: Path):
    ledger.answers["readings:submit_batch"] = contract(
        codec, {"GHOST": refused(404, "unknown meter GHOST",
                                 ("PowerMSP", "CertifierMSP", "RegulatorMSP"))})
    lines = [row("M1", i) for i in range(6)]
    lines[2] = row("GHOST", 2)  # line 4
    lines[4] = row("M1", 4, "abc")  # line 6
    r = ct("readings", "submit", write(tmp_path, HEADER + "".join(lines)))
    assert r.code == 1, r.err
    assert "line 4: refused: unknown meter GHOST" in r.err
    assert "line 6: refused:" in r.err and "quantity" in r.err
    assert "4 readings recorded" in r.err and "2 refused" in r.err
    assert "Traceback" not in r.err


def test_an_identity_refused_stops_without_splitting(ct, ledger: FakeLedger,
                                                     tmp_path: Path):
    ledger.answers["readings:submit_batch"] = refused(
        403, "refused by rule readings.submit: only a meter gateway submits readings")
    r = ct("readings", "submit", write(tmp_path, csv_text(8)), "--as", "BankMSP")
    assert r.code == 1
    assert "refused by rule readings.submit" in r.err and "resume" in r.err
    assert len(ledger.private) == 1


def test_no_answer_exits_3_and_a_rerun_resumes(ct, ledger: FakeLedger, codec: ModuleType,
                                               tmp_path: Path):
    from gateway._errors import EndorseError

    ledger.answers["readings:submit_batch"] = EndorseError("peer down", code=None)
    path = write(tmp_path, csv_text(6))
    r = ct("readings", "submit", path, "--batch-size", "3", "--in-flight", "1")
    assert r.code == 3 and "run the same command again to resume" in r.err
    ledger.answers["readings:submit_batch"] = contract(codec)
    ledger.private.clear()
    again = ct("readings", "submit", path, "--batch-size", "3")
    assert again.code == 0, again.err
    sent = b"\n".join(t["batch"] for _, t, _ in ledger.private)
    assert sent.count(b"\n") + 1 == 6  # every reading once: the pending batch and the rest
    assert "resuming run" in again.err


@pytest.mark.parametrize(("data", "words"), [
    (b"meter_id,uscc\nM1,x\n", "lacks column 'interval_start'"),
    ((HEADER + "M1,\x00\n").encode(), "line 2: NUL byte"),
    (HEADER.encode() + b"M1,\xed\xa0\x80\n", "line 2: not UTF-8"),
    (HEADER.encode() + b"x" * 70_000 + b"\n", "line 2: longer than 65536 bytes"),
    (HEADER.encode() + b"M1,2\n", "line 2: 2 fields where the header has 7"),
])
def test_hostile_csv_exits_2_never_a_traceback(ct, ledger: FakeLedger, codec: ModuleType,
                                              tmp_path: Path, data: bytes, words: str):
    ledger.answers["readings:submit_batch"] = contract(codec)
    r = ct("readings", "submit", write(tmp_path, data))
    assert r.code == 2, r.err
    assert words in r.err and "Traceback" not in r.err


def test_a_bom_is_accepted(ct, ledger: FakeLedger, codec: ModuleType, tmp_path: Path):
    ledger.answers["readings:submit_batch"] = contract(codec)
    r = ct("readings", "submit", write(tmp_path, b"\xef\xbb\xbf" + csv_text(2).encode()))
    assert r.code == 0, r.err


@pytest.mark.parametrize("argv", [
    ("readings", "submit", "/nonexistent/x.csv"),
    ("readings", "submit", "a\udcffb.csv"),
    ("readings", "submit", "a\x00b.csv"),
    ("readings", "submit", "-", "--batch-size", "0"),
    ("readings", "submit", "-", "--batch-size", "20001"),
    ("readings", "submit", "-", "--as", "AcmeMSP"),
    ("readings", "submit"),
])
def test_submit_usage_errors_exit_2(ct, argv):
    r = ct(*argv)
    assert r.code == 2, r.err
    assert "Traceback" not in r.err


# -- readings prove -----------------------------------------------------------------------


def _prove_setup(ct, ledger: FakeLedger, codec: ModuleType, tmp_path: Path) -> dict:
    ledger.answers["readings:submit_batch"] = contract(codec)
    assert ct("readings", "submit", write(tmp_path, csv_text(5, meters=1))).code == 0
    batch = ledger.private[0][1]["batch"]
    leaves = batch.split(b"\n")
    root = codec.batch_root(batch).hex()
    located = {"batch_id": "b-" + root[:12], "index": 3, "root": root,
               "leaf": leaves[3].decode(), "corrections": []}
    ledger.answers["readings:locate"] = json.dumps(located).encode()
    ledger.answers["readings:get_batch"] = json.dumps(
        {"batch_id": located["batch_id"], "root": root, "count": 5, "uscc": [USCC],
         "submitted_at": "2026-11-28T19:00:00Z", "tx_id": "tx1"}).encode()
    return located


def test_prove_prints_a_verified_inclusion_proof(ct, ledger: FakeLedger, codec: ModuleType,
                                                 tmp_path: Path):
    located = _prove_setup(ct, ledger, codec, tmp_path)
    reading = codec.decode(located["leaf"].encode())
    r = ct("readings", "prove", reading.meter_id, reading.interval_start.isoformat())
    assert r.code == 0, r.err
    out = json.loads(r.out)
    assert out["proof"]["verified"] is True and out["proof"]["size"] == 5
    assert out["proof"]["root"] == located["root"] and out["leaf"] == located["leaf"]
    assert out["reading"]["meter_id"] == reading.meter_id
    assert out["batch"]["count"] == 5
    locate = ledger.calls[-2]
    assert (locate.function, locate.msp_id, locate.user) == ("readings:locate", "PowerMSP",
                                                             "User1")  # staff, not Meter1
    assert locate.args == [reading.meter_id, reading.interval_start.isoformat()]


def test_prove_refuses_a_store_copy_that_is_not_the_batch(ct, ledger: FakeLedger,
                                                         codec: ModuleType, tmp_path: Path):
    located = _prove_setup(ct, ledger, codec, tmp_path)
    (stored,) = (tmp_path / "ingest" / "store").iterdir()
    stored.write_bytes(stored.read_bytes().replace(b"3.25", b"3.26"))
    r = ct("readings", "prove", "M0", "2026-11-01T00:45:00+08:00")
    assert r.code == 2 and "not the batch recorded" in r.err and located["root"] in r.err


def test_prove_a_reading_the_ledger_does_not_hold(ct, ledger: FakeLedger):
    ledger.answers["readings:locate"] = refused(404, "no reading M9 2026-11-01T00:00:00+08:00")
    r = ct("readings", "prove", "M9", "2026-11-01T00:00:00+08:00")
    assert r.code == 1 and "no reading M9" in r.err


# -- account totals ---------------------------------------------------------------------------

TOTALS = {"uscc": USCC, "from": "2026-11-01", "to": "2026-11-30",
          "totals": {"electricity": {"quantity": "1234.50", "unit": "kWh", "readings": 96}}}


def test_account_totals_prints_the_contract_answer(ct, ledger: FakeLedger):
    ledger.answers["account:totals"] = json.dumps(TOTALS).encode()
    r = ct("account", "totals", USCC, "--from", "2026-11-01", "--to", "2026-11-30")
    assert r.code == 0, r.err
    assert json.loads(r.out) == TOTALS
    (call,) = ledger.calls
    assert (call.kind, call.msp_id, call.function, call.args) == (
        "evaluate", "RegulatorMSP", "account:totals", [USCC, "2026-11-01", "2026-11-30"])


def test_account_totals_refused_for_the_bank(ct, ledger: FakeLedger):
    ledger.answers["account:totals"] = refused(403, "refused by rule account.read")
    r = ct("account", "totals", USCC, "--from", "2026-11-01", "--to", "2026-11-30", "--as",
           "BankMSP")
    assert r.code == 1 and "account.read" in r.err and r.out == ""


@pytest.mark.parametrize(("args", "words"), [
    (("--from", "2026-11-31", "--to", "2026-12-01"), "--from '2026-11-31' is not a date"),
    (("--from", "2026-11-01", "--to", "26-12-01"), "--to '26-12-01' is not a date"),
    (("--from", "2026-12-02", "--to", "2026-12-01"), "is after --to"),
    (("--from", "２０２６-11-01", "--to", "2026-12-01"), "is not a date"),
    (("--to", "2026-12-01"), "--from"),
])
def test_account_totals_bad_dates_exit_2(ct, ledger: FakeLedger, args, words):
    r = ct("account", "totals", USCC, *args)
    assert r.code == 2 and words in r.err and not ledger.calls


def test_account_totals_bad_uscc_exit_2(ct, ledger: FakeLedger):
    r = ct("account", "totals", "91350100m000100Y43", "--from", "2026-11-01", "--to",
           "2026-11-30")
    assert r.code == 2 and not ledger.calls


def test_the_batch_size_limit_is_the_codecs(codec: ModuleType):
    from gateway.cli.readings import MAX_BATCH

    assert codec.MAX_BATCH == MAX_BATCH


@pytest.mark.parametrize(("color", "verbosity", "drawn"), [
    (True, 0, True), (False, 0, False), (True, -1, False)])
def test_the_progress_bar_only_on_a_terminal(color: bool, verbosity: int, drawn: bool):
    from gateway.cli._app import App
    from gateway.cli._ingest_run import _Bar
    from gateway.cli._terminal import Terminal

    err = io.StringIO()
    app = App(terminal=Terminal(verbosity=verbosity, color=color, stderr=err))
    with _Bar(app) as bar:
        bar.update(5000, 4000, 3)
        if bar.progress is not None:
            bar.progress.refresh()
    text = err.getvalue()
    assert ("4000 recorded, 3 refused" in text and "readings/s" in text) is drawn
    assert (text != "") is drawn


def test_export_and_check_a_batch_copy(ct, ledger: FakeLedger, codec: ModuleType,
                                       tmp_path: Path):
    located = _prove_setup(ct, ledger, codec, tmp_path)
    r = ct("readings", "export", located["batch_id"])
    assert r.code == 0, r.err
    assert r.out.encode() == ledger.private[0][1]["batch"]
    copy = tmp_path / "copy.batch"
    copy.write_bytes(ledger.private[0][1]["batch"])
    r = ct("readings", "check", str(copy), located["batch_id"], "--as", "CertifierMSP")
    assert r.code == 0 and f"is batch {located['batch_id']}" in r.err
    assert ledger.calls[-1].msp_id == "CertifierMSP"
    copy.write_bytes(copy.read_bytes().replace(b"3.25", b"3.5"))
    r = ct("readings", "check", str(copy), located["batch_id"])
    assert r.code == 1 and "is not batch" in r.err and located["root"] in r.err
    r = ct("readings", "check", str(tmp_path / "missing"), located["batch_id"])
    assert r.code == 2
