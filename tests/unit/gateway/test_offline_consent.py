"""gateway.offline consent helpers: what they build is what the contract's parser accepts."""

from __future__ import annotations

import datetime
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from chaincode.carbon._consent_terms import parse_grant
from gateway import Identity
from gateway.offline import (
    OfflineRequest,
    describe,
    grant_text,
    prepare_grant,
    prepare_proposal,
    prepare_revoke,
)
from tests.unit.gateway.conftest import make_cert

USCC = "914403001922038216"
RID = f"CCR-{USCC}-20250101-20251231-v2"
CHINA = datetime.timezone(datetime.timedelta(hours=8))


class PureRelay:
    """What prepare_grant needs of a relay: ``prepare`` (no network involved)."""

    def prepare(self, creator: Identity, function: str, args: list[str]) -> OfflineRequest:
        return prepare_proposal(creator, channel="carbon", chaincode="carbon",
                                function=function, args=args)


def test_the_contract_accepts_the_grant_text() -> None:
    expires = datetime.datetime(2027, 1, 1, 8, 30, tzinfo=CHINA)
    text = grant_text(consent_id="c-9", report_id=RID, bank="BankMSP", expires=expires)
    parsed = parse_grant(text, (1_800_000_000 - 10**8, 0))
    assert parsed == {"consent_id": "c-9", "uscc": USCC, "bank": "BankMSP", "report_id": RID,
                      "period": {"start": "2025-01-01", "end": "2025-12-31"},
                      "expires": "2027-01-01T00:30:00.000000000Z"}


def test_the_proposals_name_the_function_and_arguments() -> None:
    ent = Identity("RegulatorMSP", make_cert(ec.generate_private_key(ec.SECP256R1()), "e"))
    expires = datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)
    facts = describe(prepare_grant(PureRelay(), ent, consent_id="c-9", report_id=RID,
                                   bank="BankMSP", expires=expires))
    assert facts["function"] == "consent:grant"
    assert json.loads(facts["args"][0])["report_id"] == RID
    facts = describe(prepare_revoke(PureRelay(), ent, consent_id="c-9", report_id=RID,
                                    bank="BankMSP"))
    assert (facts["function"], facts["args"]) == ("consent:revoke",
                                                  [USCC, RID, "BankMSP", "c-9"])


def test_bad_terms_are_refused_before_anything_is_built() -> None:
    with pytest.raises(ValueError, match="aware"):
        grant_text(consent_id="c", report_id=RID, bank="BankMSP",
                   expires=datetime.datetime(2027, 1, 1))
    with pytest.raises(ValueError, match="report_id"):
        grant_text(consent_id="c", report_id="R-1", bank="BankMSP",
                   expires=datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC))
