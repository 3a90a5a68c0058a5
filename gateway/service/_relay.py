"""The regulator's relay: enterprises' own transactions, signed on their side, sent on.

An enterprise has no account at any service and its private key never reaches one: it holds
its key and signs with ``carbontrust offline sign`` (or any fabric-gateway client's offline
calls). The service builds what it must sign, and sends on what it signed, in three steps
(gateway.offline, docs/consent.md "Offline signing"):

1. ``POST /v1/relay/{consent-grant|consent-revoke|operating-declaration}/prepare``: the
   enterprise's certificate and the arguments -> the proposal to sign (an
   ``carbontrust.offline-request/1`` document, as ``carbontrust offline sign`` reads it);
2. ``POST /v1/relay/endorse``: the signed proposal -> the endorsed transaction to sign;
3. ``POST /v1/relay/submit``: the signed transaction -> ordered, committed, its status and
   transaction id (the commit status is asked with the service's own identity).

Every signed document is checked before it leaves the service (format, digest, the
creator's signature, this channel and chaincode, one of the three functions the relay
carries), so a tampered or foreign document is a 422 problem naming the field, never a
peer's bare refusal or a 500. The ledger then authenticates the enterprise by its
signature; who of the regulator's staff may relay is in docs/services.md.
"""


import base64
import binascii
import json
import os
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import APIRouter, Depends
from pydantic import AwareDatetime, BaseModel, Field

from gateway._identity import Identity
from gateway.offline import (
    OfflineError,
    OfflineExpectationError,
    OfflineRequest,
    SignedRequest,
    describe,
    grant_text,
    prepare_proposal,
    prepare_revoke,
    verify_signature,
)
from gateway.service._auth import requires
from gateway.service._common import LEDGER_ERRORS, port
from gateway.service._ledger import LedgerPort, as_problem
from gateway.service._problems import ApiProblem, problem_responses

__all__ = ["RELAYED", "relay_router"]

#: the contract functions the relay carries, and for which step of the flow
RELAYED = ("consent:grant", "consent:revoke", "operating:declare")
#: operating data is kept in a collection of these organisations; their peers endorse
KEEPERS = ("CertifierMSP", "RegulatorMSP")
_REPORT = r"^CCR-[0-9A-Z]{18}-[0-9]{8}-[0-9]{8}-v[1-9][0-9]{0,5}$"
_MSP = r"^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$"
_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
_B64 = r"^[A-Za-z0-9+/]*={0,2}$"


class Creator(BaseModel):
    certificate: str = Field(min_length=1, max_length=16_384,
                             description="the enterprise's X.509 certificate, PEM (its "
                                         "organisation: this service's MSP)")


class GrantIn(Creator):
    consent_id: str = Field(pattern=_ID)
    report_id: str = Field(pattern=_REPORT, description="names the enterprise and period")
    bank: str = Field(pattern=_MSP, description="the bank's MSP id")
    expires: AwareDatetime


class RevokeIn(Creator):
    consent_id: str = Field(pattern=_ID)
    report_id: str = Field(pattern=_REPORT)
    bank: str = Field(pattern=_MSP)


class DeclarationIn(Creator):
    declaration: str = Field(min_length=4, max_length=65_536, pattern=_B64,
                             description="base64 of the declaration's canonical JSON bytes")
    signature: str = Field(min_length=4, max_length=400, pattern=_B64,
                           description="base64 DER ECDSA-SHA256 signature of those bytes "
                                       "by the enterprise's key")
    salt: str | None = Field(default=None, min_length=4, max_length=100, pattern=_B64,
                             description="base64 of 16-64 random bytes for the ledger's "
                                         "commitment; drawn by the service when absent")


class RequestDocument(BaseModel):
    """A request to sign (``carbontrust.offline-request/1``)."""

    format: Literal["carbontrust.offline-request/1"]
    kind: Literal["proposal", "transaction", "commit"]
    transaction_id: str
    bytes: str
    digest: str


class SignedDocument(BaseModel):
    """A signed request (``carbontrust.offline-signed/1``)."""

    format: Literal["carbontrust.offline-signed/1"]
    kind: Literal["proposal", "transaction", "commit"]
    transaction_id: str = Field(max_length=128)
    bytes: str = Field(max_length=262_144)
    digest: str = Field(max_length=128)
    signature: str = Field(max_length=400)


class Committed(BaseModel):
    transaction_id: str
    status: str
    block_number: int | None
    function: str
    result: Any


def _b64(name: str, text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ApiProblem(422, "invalid-request", f"{name}: expected base64 text") from None


def _creator(ledger: LedgerPort, pem: str) -> Identity:
    msp = ledger.settings.msp_id
    try:
        identity = Identity(msp, pem.encode("utf-8"))
        public = identity.certificate.public_key()
    except (ValueError, TypeError, UnicodeError) as exc:
        raise ApiProblem(422, "invalid-certificate", f"certificate: expected a PEM X.509 "
                         f"certificate, found one that cannot be read ({exc})") from None
    if not isinstance(public, ec.EllipticCurvePublicKey):
        raise ApiProblem(422, "invalid-certificate", "certificate: expected an ECDSA key "
                         f"(what a Fabric 2.5 MSP accepts), found {type(public).__name__}")
    return identity


def _target(ledger: LedgerPort) -> Any:
    """The channel and chaincode the service's own profile names."""
    try:
        return ledger.target()
    except Exception as exc:
        raise _sent(exc) from None


def _prepare(ledger: LedgerPort, creator: Identity, function: str, args: Sequence[str],
             **kw: Any) -> dict[str, Any]:
    target = _target(ledger)
    request = prepare_proposal(creator, channel=target.channel, chaincode=target.chaincode,
                               function=function, args=args, **kw)
    return request.document()


def _signed(ledger: LedgerPort, doc: SignedDocument, kind: str) -> SignedRequest:
    """The document, read and checked as the relay will send it (422 naming the field)."""
    try:
        signed = SignedRequest.from_json(json.dumps(doc.model_dump()))
        if signed.kind != kind:
            raise OfflineExpectationError("kind", kind, signed.kind)
        facts = describe(signed.request)
        if facts.get("function") not in RELAYED:
            raise OfflineExpectationError("function", "one of " + ", ".join(RELAYED),
                                          facts.get("function"))
        target = _target(ledger)
        for name, want in (("channel", target.channel), ("chaincode", target.chaincode)):
            if facts.get(name) != want:
                raise OfflineExpectationError(name, want, facts.get(name))
        verify_signature(signed)
    except OfflineError as exc:
        raise ApiProblem(422, "offline-document", str(exc), field=exc.field,
                         expected=exc.expected) from None
    return signed


def _relay(ledger: LedgerPort) -> Any:
    """The service's relay: a ``gateway.offline.Relay`` over its own connection
    (``GatewayLedger.relay``; a ``Ledger`` without one cannot relay)."""
    make = getattr(ledger.ledger(), "relay", None)
    if make is None:
        raise ApiProblem(503, "ledger-unavailable", "this service's ledger connection cannot "
                         "relay signed requests", headers={"Retry-After": "5"})
    return make()


def _sent(exc: BaseException) -> BaseException:
    if isinstance(exc, ApiProblem):
        return exc
    if isinstance(exc, OfflineError):
        return ApiProblem(422, "offline-document", str(exc), field=exc.field)
    return as_problem(exc) or exc


def _answer(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError):
        return {"bytes_base64": base64.b64encode(raw).decode("ascii")}


def relay_router(roles: tuple[str, ...]) -> APIRouter:
    router = APIRouter(prefix="/v1/relay", tags=["relay (enterprises sign)"])
    who = requires(*roles)
    errors = problem_responses(*LEDGER_ERRORS)

    @router.post("/consent-grant/prepare", response_model=RequestDocument,
                 responses=errors)
    def prepare_consent_grant(body: GrantIn, ledger: Annotated[LedgerPort, Depends(port)],
                              _caller: Annotated[Any, who]) -> Any:
        """The ``consent:grant`` proposal the enterprise signs (its report, a bank, until)."""
        creator = _creator(ledger, body.certificate)
        text = grant_text(consent_id=body.consent_id, report_id=body.report_id,
                          bank=body.bank, expires=body.expires)
        return _prepare(ledger, creator, "consent:grant", [text])

    @router.post("/consent-revoke/prepare", response_model=RequestDocument,
                 responses=errors)
    def prepare_consent_revoke(body: RevokeIn, ledger: Annotated[LedgerPort, Depends(port)],
                               _caller: Annotated[Any, who]) -> Any:
        """The ``consent:revoke`` proposal the enterprise signs."""
        creator = _creator(ledger, body.certificate)
        target = _target(ledger)
        request: OfflineRequest = prepare_revoke(
            _Preparer(target.channel, target.chaincode), creator, consent_id=body.consent_id,
            report_id=body.report_id, bank=body.bank)
        return request.document()

    @router.post("/operating-declaration/prepare", response_model=RequestDocument,
                 responses=errors)
    def prepare_declaration(body: DeclarationIn, ledger: Annotated[LedgerPort, Depends(port)],
                            _caller: Annotated[Any, who]) -> Any:
        """The ``operating:declare`` proposal (declaration, its signature and the salt as
        transient data, endorsed by the collection's keepers) the enterprise signs."""
        creator = _creator(ledger, body.certificate)
        raw, signature = _b64("declaration", body.declaration), _b64("signature",
                                                                      body.signature)
        salt = _b64("salt", body.salt) if body.salt is not None else os.urandom(32)
        if not 16 <= len(salt) <= 64:
            raise ApiProblem(422, "invalid-request", f"salt: expected 16-64 bytes, found "
                             f"{len(salt)}")
        try:
            json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ApiProblem(422, "invalid-request", "declaration: expected base64 of UTF-8 "
                             "JSON") from None
        public = creator.certificate.public_key()
        assert isinstance(public, ec.EllipticCurvePublicKey)   # _creator checked
        try:
            public.verify(signature, raw, ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError):
            raise ApiProblem(422, "invalid-signature", "signature: expected the "
                             "declaration's signature by the certificate's key, found one "
                             "that does not verify") from None
        return _prepare(ledger, creator, "operating:declare", [],
                        transient={"declaration": raw, "signature": signature, "salt": salt},
                        endorsing_organizations=KEEPERS)

    @router.post("/endorse", response_model=RequestDocument, responses=errors)
    def endorse(body: SignedDocument, ledger: Annotated[LedgerPort, Depends(port)],
                _caller: Annotated[Any, who]) -> Any:
        """Endorse the enterprise's signed proposal; the transaction it signs next."""
        signed = _signed(ledger, body, "proposal")
        try:
            tx: OfflineRequest = _relay(ledger).endorse(
                signed, timeout=ledger.settings.ledger_timeout)
        except Exception as exc:
            raise _sent(exc) from None
        return tx.document()

    @router.post("/submit", response_model=Committed, responses=errors)
    def submit(body: SignedDocument, ledger: Annotated[LedgerPort, Depends(port)],
               _caller: Annotated[Any, who]) -> Committed:
        """Submit the enterprise's signed transaction, wait for its commit; the status."""
        signed = _signed(ledger, body, "transaction")
        timeout = ledger.settings.ledger_timeout
        try:
            submitted = _relay(ledger).submit(signed, timeout=timeout)
            status = submitted.status(timeout=timeout).raise_for_status()
        except Exception as exc:
            raise _sent(exc) from None
        return Committed(transaction_id=status.transaction_id, status=status.code_name,
                         block_number=status.block_number,
                         function=str(describe(signed.request).get("function")),
                         result=_answer(submitted.result))

    return router


class _Preparer:
    """What ``prepare_revoke`` needs of a relay (``prepare``): no connection."""

    def __init__(self, channel: str, chaincode: str) -> None:
        self.channel, self.chaincode = channel, chaincode

    def prepare(self, creator: Identity, function: str,
                args: Sequence[bytes | str] = ()) -> OfflineRequest:
        return prepare_proposal(creator, channel=self.channel, chaincode=self.chaincode,
                                function=function, args=args)
