"""The transaction creator: MSP id, X.509 certificate, and Fabric CA attributes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from cryptography import x509
from fabric_protos.msp import identities_pb2

ATTR_OID = x509.ObjectIdentifier("1.2.3.4.5.6.7.8.1")


class IdentityError(ValueError):
    pass


@dataclass(frozen=True)
class ClientIdentity:
    mspid: str
    cert_pem: bytes
    subject: str
    issuer: str
    attributes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_serialized(cls, creator: bytes) -> ClientIdentity:
        sid = identities_pb2.SerializedIdentity()
        try:
            sid.ParseFromString(creator)
            cert = x509.load_pem_x509_certificate(sid.id_bytes)
        except Exception as exc:  # protobuf DecodeError or a bad certificate
            raise IdentityError(f"creator is not an X.509 SerializedIdentity: {exc}") from exc
        attrs: dict[str, str] = {}
        try:
            ext = cert.extensions.get_extension_for_oid(ATTR_OID)
            raw = ext.value.value if isinstance(ext.value, x509.UnrecognizedExtension) else b""
            parsed = json.loads(raw.decode("utf-8")).get("attrs", {})
            attrs = {str(k): str(v) for k, v in parsed.items()}
        except x509.ExtensionNotFound:
            pass
        except (ValueError, AttributeError, RecursionError) as exc:  # Recursion: deep nesting
            raise IdentityError(f"attribute extension of {sid.mspid} is not JSON: "
                                f"{str(exc)[:200]}") from None
        return cls(mspid=sid.mspid, cert_pem=bytes(sid.id_bytes),
                   subject=cert.subject.rfc4514_string(), issuer=cert.issuer.rfc4514_string(),
                   attributes=attrs)

    def attribute(self, name: str) -> str | None:
        return self.attributes.get(name)

    @property
    def organisational_units(self) -> list[str]:
        cert = x509.load_pem_x509_certificate(self.cert_pem)
        return [str(a.value) for a in
                cert.subject.get_attributes_for_oid(x509.oid.NameOID.ORGANIZATIONAL_UNIT_NAME)]
