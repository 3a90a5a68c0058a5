"""Reading a certificate's public key as the verifier needs it.

cryptography parses a certificate's SubjectPublicKeyInfo lazily: ``load_pem_x509_certificate``
accepts a certificate whose key algorithm it does not know (one changed character in the
PEM is enough), and ``Certificate.public_key()`` then raises ``UnsupportedAlgorithm``, which
is not a ``ValueError``. Every check of a certificate key goes through :func:`public_key`,
so that case reaches the caller's ``ValueError`` handler and is refused with the caller's
own named reason, never raised as an unexpected exception.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes

__all__ = ["UnreadableKeyError", "public_key"]


class UnreadableKeyError(ValueError):
    """The certificate's public key cannot be parsed (unknown algorithm or broken key)."""


def public_key(cert: x509.Certificate) -> CertificatePublicKeyTypes:
    """``cert.public_key()``, with an unknown key algorithm raised as
    :class:`UnreadableKeyError` (a ``ValueError``)."""
    try:
        return cert.public_key()
    except UnsupportedAlgorithm as exc:
        raise UnreadableKeyError(f"unsupported public key algorithm: {exc}") from None
