"""Fixtures: a connection profile on disk (real keys and certificates) and the fake ledger.

``FakeLedger`` is the one seam faked in these tests: it stands where
:class:`gateway.cli._ledger.GatewayLedger` stands (``main(ledger_factory=...)``), records
every call with its identity, and answers from a script: bytes, or an exception of the
Gateway client's own types (``EndorseError`` with per-peer details...), so the mapping of
real client errors to exit statuses runs as it does against a peer. The Gateway ledger
itself is driven over TLS against the in-process fake peer in ``test_gateway_ledger.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from gateway.cli import main
from gateway.cli._ledger import Submitted
from gateway.cli._profile import Target
from tests.unit.gateway.conftest import make_cert

ORGS = ("PowerMSP", "CertifierMSP", "BankMSP", "RegulatorMSP")
USCC = "91350100M000100Y43"  # valid per GB 32100-2015 (both check characters)

Answer = bytes | BaseException | Callable[[Sequence[str]], bytes]


@dataclass
class Call:
    kind: str  # "evaluate" | "submit"
    msp_id: str
    user: str
    function: str
    args: list[str]


@dataclass
class FakeLedger:
    """The ledger seam: scripted answers per contract function, every call recorded."""

    answers: dict[str, Answer] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    closed: int = 0
    target: Target | None = None
    timeout: float | None = None
    private: list[tuple[str, dict[str, bytes], tuple[str, ...]]] = field(default_factory=list)
    evaluated_on: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    def factory(self, target: Target, timeout: float | None) -> FakeLedger:
        self.target, self.timeout = target, timeout
        return self

    def _answer(self, kind: str, function: str, args: Sequence[str]) -> bytes:
        assert self.target is not None
        self.calls.append(Call(kind, self.target.msp_id, self.target.user, function, list(args)))
        answer = self.answers.get(function)
        if answer is None:
            raise AssertionError(f"the test scripted no answer for {function}")
        if isinstance(answer, BaseException):
            raise answer
        return answer(args) if callable(answer) else answer

    def evaluate(self, function: str, args: Sequence[str]) -> bytes:
        return self._answer("evaluate", function, args)

    def evaluate_on(self, function: str, args: Sequence[str],
                    organizations: Sequence[str]) -> bytes:
        """Like ``evaluate``, aimed at those organisations' peers (recorded)."""
        self.evaluated_on.append((function, tuple(organizations)))
        return self._answer("evaluate", function, args)

    def submit(self, function: str, args: Sequence[str]) -> Submitted:
        return Submitted(self._answer("submit", function, args), "tx" + "0" * 62, 7)

    def submit_private(self, function: str, args: Sequence[str], transient: Mapping[str, bytes],
                       endorsing_organizations: Sequence[str],
                       on_sent: Callable[[str], None] | None = None) -> Submitted:
        """Like ``submit``; a callable answer gets the transient map, and the call records
        the endorsing organisations and transient keys (``private``)."""
        assert self.target is not None
        self.private.append((function, dict(transient), tuple(endorsing_organizations)))
        self.calls.append(Call("submit", self.target.msp_id, self.target.user, function,
                               list(args)))
        answer = self.answers.get(function)
        if answer is None:
            raise AssertionError(f"the test scripted no answer for {function}")
        if on_sent is not None:
            on_sent("tx" + "1" * 62)
        if isinstance(answer, BaseException):
            raise answer
        result = answer(transient) if callable(answer) else answer  # type: ignore[arg-type]
        return Submitted(result, "tx" + "1" * 62, 8)

    def close(self) -> None:
        self.closed += 1


def write_profile(directory: Path) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    orgs: dict[str, Any] = {}
    for msp in ORGS:
        d = directory / msp
        d.mkdir(parents=True)
        (d / "cert.pem").write_bytes(make_cert(key, f"User1@{msp}"))
        (d / "priv_sk").write_bytes(key_pem)
        (d / "tlsca.pem").write_bytes(make_cert(key, "tlsca"))
        names = ("Admin", "User1", "Meter1") if msp == "PowerMSP" else ("Admin", "User1")
        users = {u: {"cert": str(d / "cert.pem"), "key": str(d / "priv_sk")} for u in names}
        orgs[msp] = {"mspid": msp, "peer_endpoint": "127.0.0.1:1", "tls_ca": str(d / "tlsca.pem"),
                     "users": users}
    path = directory / "connection.json"
    path.write_text(json.dumps({"channel": "carbon", "chaincode": "carbon", "orgs": orgs}))
    return path


@pytest.fixture(scope="session")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_profile(tmp_path_factory.mktemp("profile"))


@pytest.fixture()
def ledger() -> FakeLedger:
    return FakeLedger()


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture()
def run(ledger: FakeLedger, profile: Path, capsys: pytest.CaptureFixture[str]
        ) -> Callable[..., Result]:
    """``run(*argv)``: carbontrust in-process with the fake ledger and the profile's env."""

    def _run(*argv: str, environ: dict[str, str] | None = None) -> Result:
        env = {"CARBONTRUST_PROFILE": str(profile)} if environ is None else environ
        capsys.readouterr()
        code = main(list(argv), ledger_factory=ledger.factory, environ=env)
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return _run
