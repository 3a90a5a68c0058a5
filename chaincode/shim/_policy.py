"""Key-level endorsement policies: the value stored under a key's VALIDATION_PARAMETER.

The peer's validator reads that value as a SignaturePolicyEnvelope.  Like the
Go shim's statebased package, :func:`key_endorsement_policy` builds "a peer of
every one of these organisations must endorse" (n out of n, MSP role PEER,
organisations sorted so the same set always gives the same bytes).
"""

from __future__ import annotations

from fabric_protos.common import policies_pb2
from fabric_protos.msp import msp_principal_pb2

VALIDATION_PARAMETER = "VALIDATION_PARAMETER"  # peer.MetaDataKeys name used as metakey


def key_endorsement_policy(*mspids: str) -> bytes:
    """Serialized policy requiring an endorsement by a peer of each of mspids."""
    orgs = sorted(set(mspids))
    if not orgs or not all(isinstance(m, str) and m for m in orgs):
        raise ValueError(f"a key endorsement policy needs MSP ids, got {mspids!r}")
    identities = [msp_principal_pb2.MSPPrincipal(
        principal_classification=msp_principal_pb2.MSPPrincipal.ROLE,
        principal=msp_principal_pb2.MSPRole(
            msp_identifier=m, role=msp_principal_pb2.MSPRole.PEER).SerializeToString())
        for m in orgs]
    rule = policies_pb2.SignaturePolicy(n_out_of=policies_pb2.SignaturePolicy.NOutOf(
        n=len(orgs), rules=[policies_pb2.SignaturePolicy(signed_by=i)
                            for i in range(len(orgs))]))
    return policies_pb2.SignaturePolicyEnvelope(
        version=0, rule=rule, identities=identities).SerializeToString()


def policy_orgs(policy: bytes) -> list[str]:
    """MSP ids named by a serialized SignaturePolicyEnvelope (for display and tests)."""
    env = policies_pb2.SignaturePolicyEnvelope.FromString(policy)
    out = []
    for ident in env.identities:
        if ident.principal_classification == msp_principal_pb2.MSPPrincipal.ROLE:
            out.append(msp_principal_pb2.MSPRole.FromString(ident.principal).msp_identifier)
    return out
