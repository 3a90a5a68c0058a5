"""Who is calling: MSP id, NodeOU role, Fabric CA attributes and certificate fingerprint.

Fabric CA puts the identity type (client, peer, admin, orderer) as an OU of the
enrolment certificate's subject, which is what the MSP's NodeOUs classify by; it puts
``ecert`` attributes in the extension 1.2.3.4.5.6.7.8.1 as JSON (``{"attrs": {...}}``,
read by the shim).  A caller's *kind* is the role the rules talk about:

* ``enterprise``: attribute role=enterprise (must also carry uscc; the rules require
  RegulatorMSP, whose CA issues enterprise certificates);
* ``meter-gateway``: attribute role=meter-gateway (PowerMSP's CA);
* otherwise the NodeOU role: ``admin``, ``client``, ``peer``, ``orderer``, or ``none``.

So an enterprise certificate, though a RegulatorMSP client, is never the kind ``client``:
the regulator-only rules cannot match it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from chaincode.shim import ContractError, IdentityError, Stub

NODE_OUS = ("admin", "client", "peer", "orderer")
ATTRIBUTED = ("enterprise", "meter-gateway")


@dataclass(frozen=True)
class Caller:
    mspid: str
    kind: str          # enterprise | meter-gateway | admin | client | peer | orderer | none
    ou: str            # the NodeOU role found in the subject ('' if none)
    uscc: str | None   # the uscc attribute (enterprises)
    fingerprint: str   # SHA-256 of the certificate's DER, hex
    serial: str        # hex
    issuer: str
    cert_pem: bytes

    def describe(self) -> str:
        extra = f" uscc={self.uscc}" if self.uscc else ""
        return f"{self.mspid} {self.kind}{extra} (cert {self.fingerprint[:16]})"


def cert_facts(pem: bytes) -> tuple[x509.Certificate, str]:
    """The parsed certificate and its SHA-256 fingerprint (hex of the DER's digest)."""
    cert = x509.load_pem_x509_certificate(pem)
    der = cert.public_bytes(serialization.Encoding.DER)
    return cert, hashlib.sha256(der).hexdigest()


def node_ou(cert: x509.Certificate) -> str:
    ous = [str(a.value) for a in
           cert.subject.get_attributes_for_oid(x509.oid.NameOID.ORGANIZATIONAL_UNIT_NAME)]
    for ou in ous:
        if ou in NODE_OUS:
            return ou
    return ""


def caller(stub: Stub) -> Caller:
    """The transaction's creator, classified (cached on the stub for the transaction)."""
    cached = getattr(stub, "_carbon_caller", None)
    if cached is not None:
        return cached
    try:
        ident = stub.identity()
        cert, fingerprint = cert_facts(ident.cert_pem)
    except (IdentityError, ValueError) as exc:
        raise ContractError(f"refused by rule identity.readable: the creator is not a "
                            f"readable X.509 identity ({exc})", 403) from None
    ou = node_ou(cert)
    role = ident.attributes.get("role")
    kind = role if role in ATTRIBUTED else (ou or "none")
    found = Caller(mspid=ident.mspid, kind=kind, ou=ou, uscc=ident.attributes.get("uscc"),
                   fingerprint=fingerprint, serial=format(cert.serial_number, "x"),
                   issuer=cert.issuer.rfc4514_string(), cert_pem=ident.cert_pem)
    stub._carbon_caller = found  # type: ignore[attr-defined]
    return found
