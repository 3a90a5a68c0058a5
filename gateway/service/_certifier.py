"""The certification centre's service: results to attest, attestations, withdrawals.

``POST /v1/attestations`` builds the ISO 14064-3 statement of docs/results.md over the
result on the ledger (``results:get``), signs its canonical JSON with the organisation's
identity the service runs as (the key that signs the transaction: the contract checks the
statement is the submitter's) and submits ``attestation:attest``; the command line's
``carbontrust attest`` does the same (``gateway.cli.attest.build_statement``).
"""


import base64
import datetime as dt
import hashlib
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from gateway.cli.attest import CHINA, DEFAULT_BASIS, build_statement, canonical
from gateway.service._auth import requires
from gateway.service._common import LEDGER_ERRORS, USCC, FromQ, ToQ, VersionQ, check_period, port
from gateway.service._ledger import LedgerPort
from gateway.service._problems import ApiProblem, problem_responses

__all__ = ["certifier_router"]

ATTESTER = ("attester",)
READERS = ("attester", "viewer")
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


class AttestationIn(BaseModel):
    uscc: str = Field(pattern="^[0-9A-Z]{18}$")
    from_date: str = Field(alias="from", pattern=_DATE)
    to_date: str = Field(alias="to", pattern=_DATE)
    assurance: Literal["reasonable", "limited"]
    opinion: Literal["unmodified", "qualified", "adverse"]
    basis: str = Field(default=DEFAULT_BASIS, min_length=1, max_length=4000)
    materiality: str = Field(default="5", pattern=r"^(100|(0|[1-9][0-9]?)(\.[0-9]{1,2})?)$")
    verifier_name: str | None = Field(default=None, min_length=1, max_length=200)
    accreditation: str = Field(default="not stated", min_length=1, max_length=200)
    date: str | None = Field(default=None, pattern=_DATE)
    version: int | None = Field(default=None, ge=1, le=999_999)


class WithdrawalIn(BaseModel):
    from_date: str = Field(alias="from", pattern=_DATE)
    to_date: str = Field(alias="to", pattern=_DATE)
    version: int = Field(ge=1, le=999_999)
    reason: str = Field(min_length=1, max_length=2000)


def _signing_key(ledger: LedgerPort) -> tuple[str, str, str, Any]:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    target = ledger.target()
    cert = x509.load_pem_x509_certificate(target.cert.read_bytes())
    key = serialization.load_pem_private_key(target.key.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ApiProblem(503, "ledger-unavailable", f"the identity {target.user}@"
                         f"{target.msp_id} has no EC key to sign statements with")
    der = cert.public_bytes(serialization.Encoding.DER)
    names = cert.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)
    cn = str(names[0].value) if names else target.user
    return target.msp_id, hashlib.sha256(der).hexdigest(), cn, key


def certifier_router() -> APIRouter:
    router = APIRouter(tags=["attestations"])

    @router.post("/v1/attestations", status_code=201, response_model=dict[str, Any],
                 responses=problem_responses(*LEDGER_ERRORS))
    def attest(body: AttestationIn, ledger: Annotated[LedgerPort, Depends(port)],
               _caller: Annotated[Any, requires(*ATTESTER)]) -> Any:
        """Attest an enterprise's period result; the attestation record."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        check_period(body.uscc, body.from_date, body.to_date)
        mspid, fingerprint, cn, key = _signing_key(ledger)
        answer = ledger.evaluate_json("results:get", [
            body.uscc, body.from_date, body.to_date,
            "" if body.version is None else str(body.version)])
        statement = build_statement(
            answer, assurance=body.assurance, opinion=body.opinion, basis=body.basis,
            materiality=body.materiality, verifier_name=body.verifier_name or cn,
            accreditation=body.accreditation, mspid=mspid, fingerprint=fingerprint,
            date=body.date or dt.datetime.now(CHINA).date().isoformat())
        data = canonical(statement)
        signature = base64.b64encode(key.sign(data, ec.ECDSA(hashes.SHA256()))).decode()
        record, _done = ledger.submit_json("attestation:attest",
                                           [data.decode("utf-8"), signature])
        return record

    @router.post("/v1/attestations/{uscc}/withdrawal", response_model=dict[str, Any],
                 responses=problem_responses(*LEDGER_ERRORS))
    def withdraw(uscc: USCC, body: WithdrawalIn, ledger: Annotated[LedgerPort, Depends(port)],
                 _caller: Annotated[Any, requires(*ATTESTER)]) -> Any:
        """Withdraw an attestation (kept in the record's history); the record."""
        check_period(uscc, body.from_date, body.to_date)
        record, _done = ledger.submit_json("attestation:withdraw", [
            uscc, body.from_date, body.to_date, str(body.version), body.reason])
        return record

    @router.get("/v1/results/{uscc}", response_model=dict[str, Any], tags=["results"],
                responses=problem_responses(*LEDGER_ERRORS))
    def result(uscc: USCC, from_date: FromQ, to_date: ToQ,
               ledger: Annotated[LedgerPort, Depends(port)],
               _caller: Annotated[Any, requires(*READERS)], version: VersionQ = None) -> Any:
        """A period's computed result (``results:get``), the one to attest."""
        check_period(uscc, from_date, to_date)
        return ledger.evaluate_json("results:get", [uscc, from_date, to_date,
                                                    "" if version is None else str(version)])

    return router
