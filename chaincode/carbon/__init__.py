"""The carbon account contract: registry, identities, governance and operating data.

Organised by domain, so each rule lives in one place:

=================  ==============================================================
module             what
=================  ==============================================================
_rules.py          the authorisation table (rule id -> who) and ``require``
_identity.py       how a caller is classified (MSP id, NodeOU, CA attributes)
_registry.py       registry:* enterprises, meters, certificates, history, revocation
_enterprise.py     the enterprise record's fields; region -> grid; account areas
_uscc.py           GB 32100-2015 unified social credit codes
_industry.py       GB/T 4754-2017 industry codes
_certificates.py   binding an enterprise's certificate; revocation on the ledger
_governance.py     governance:* factor set / rule set versions and approvals
_operating.py      operating:* signed operating data in the private collection
_readings.py       readings:* metered reading batches in privateReadings (docs/readings.md)
_totals.py         account:totals summed at read time from per-transaction deltas
_whoami.py         identity:whoami
_results.py        results:* period results computed with accounting (docs/results.md)
_attestation.py    attestation:* the certifier's signed ISO 14064-3 statement
_rating.py         rating:* ratings of attested results with the rule set in force
_report.py         report:* the carbon credit report issued, superseded, withdrawn
_audit.py          the one audit event per transaction
_loan.py           loan:* a bank's loan decision on a report it verified under consent
_consent.py        consent:* a named bank's access to a named report, until a time
                   (_consent_terms.py; docs/consent.md)
_audit_trail.py    audit:* notary keys, checkpoint signatures, anchors, alarms, history
                   (_notary_keys.py, _anchors.py, _notary_alarms.py, _audit_history.py,
                   _audit_notes.py; docs/audit.md)
_args.py           argument validation (400 naming the field) and error wording
_codec.py          canonical JSON, digests, the transaction's time
_records.py        the key layout
=================  ==============================================================

``CONTRACTS`` is what ``python -m chaincode serve --module chaincode.carbon`` serves.  The
probe contract and ``probe_readings`` (readings without the replay index, for a benchmark's
upper bound) join it only when CARBONTRUST_CC_TEST_CONTRACTS=1 (test networks); they can
write any key or skip the replay checks, so they are never deployed by ``make up``.
"""

from __future__ import annotations

import os

from chaincode.shim import Contract

from ._attestation import Attestation
from ._audit_trail import AuditTrail
from ._consent import Consent
from ._governance import Governance
from ._loan import Loan
from ._operating import Operating
from ._rating import Rating
from ._readings import Readings
from ._registry import Registry
from ._report import Report
from ._results import Results
from ._totals import Account
from ._whoami import Identity


def contracts(test_contracts: bool | None = None) -> list[Contract]:
    if test_contracts is None:
        test_contracts = os.environ.get("CARBONTRUST_CC_TEST_CONTRACTS") == "1"
    out: list[Contract] = [Registry(), Governance(), Operating(), Identity(), Readings(),
                           Account(), AuditTrail(), Results(), Attestation(), Rating(),
                           Consent(), Report(), Loan()]
    if test_contracts:
        from chaincode.probe import Probe
        from chaincode.probe_readings import ProbeReadings
        out += [Probe(), ProbeReadings()]
    return out


CONTRACTS = contracts()

__all__ = ["CONTRACTS", "Account", "AuditTrail", "Consent", "Governance", "Identity", "Loan",
           "Operating", "Readings", "Registry", "Report", "contracts"]
