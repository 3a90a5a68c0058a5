"""Client identity: an MSP id and an X.509 certificate (PEM), serialised as Fabric expects.

The serialised form (``msp.SerializedIdentity``) is the *creator* of every proposal,
transaction and signed request; the transaction id is derived from it (see ``_builders``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from fabric_protos.msp import identities_pb2

__all__ = ["Identity", "load_identity"]


@dataclass(frozen=True)
class Identity:
    """An X.509 client identity: the MSP id of its organisation and its PEM certificate.

    ``credentials`` are the certificate's PEM bytes exactly as the MSP issued them; the peer
    compares them byte for byte against what it deserialises, so they are not re-encoded.
    """

    msp_id: str
    credentials: bytes
    _serialized: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.msp_id:
            raise ValueError("identity needs an MSP id")
        if isinstance(self.credentials, str):  # tolerate str PEM from callers
            object.__setattr__(self, "credentials", self.credentials.encode())
        try:
            x509.load_pem_x509_certificate(self.credentials)
        except ValueError as exc:
            raise ValueError(f"identity of {self.msp_id}: not a PEM X.509 certificate") from exc
        ser = identities_pb2.SerializedIdentity(mspid=self.msp_id, id_bytes=self.credentials)
        object.__setattr__(self, "_serialized", ser.SerializeToString())

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.credentials)

    def serialize(self) -> bytes:
        """The ``msp.SerializedIdentity`` bytes (the creator field of Fabric headers)."""
        return self._serialized

    @classmethod
    def from_serialized(cls, data: bytes) -> Identity:
        ser = identities_pb2.SerializedIdentity.FromString(data)
        return cls(ser.mspid, bytes(ser.id_bytes))

    def __repr__(self) -> str:
        try:
            subject = self.certificate.subject.rfc4514_string()
        except ValueError:  # pragma: no cover - validated in __post_init__
            subject = "?"
        return f"Identity(msp_id={self.msp_id!r}, subject={subject!r})"


def load_identity(msp_id: str, cert_path: str | Path) -> Identity:
    """Read a PEM certificate file into an :class:`Identity`."""
    return Identity(msp_id, Path(cert_path).read_bytes())
