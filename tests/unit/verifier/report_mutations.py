"""Single-field mutations of an honest report and proof bundle, each of which
``verify_report`` must refuse with a named reason (docs/report.md, "Tests").

Kinds, and the field each one reaches:

* ``report_field``: every value of report.json, several ways (another character in the
  middle, at the start, at the end, one appended, emptied, another JSON type, the key
  removed), with the bundle left alone: the holder edited the report;
* ``report_reissued``: every value of report.json changed once, then *issued* consistently
  (a new report entry with the new digest, a new checkpoint cosigned by three
  organisations, new proofs): a dishonest issuer, caught only by recomputing the report;
* ``record_field``: every value of the records (result, attestation, ratings);
* ``bundle_field``: every other value of the bundle (openings, report reference, channel,
  origin, threshold, the report checkpoint proof, MSP roots, key bindings, the
  checkpoint note's text);
* ``entry_field``: every value inside every audit leaf, re-encoded canonically;
* ``proof_hash``: every hash of every inclusion proof flipped, each proof cut short and
  made longer;
* ``entry_set``: every entry dropped, duplicated, moved, and given another index;
* ``cosignature``: every signature line dropped, its signature or key id changed, a
  stranger's line added, the checkpoint re-signed over another log by the same keys;
* ``attestation``: its certificate replaced by one of another organisation, a self-signed
  one and a CertifierMSP peer's; the statement signed by another key;
* ``binding``: each binding re-signed by a client (not an admin) or by another
  organisation's admin, and bindings dropped below the threshold;
* ``roots``: a trusted root replaced or missing.

:func:`generate` yields the mutations lazily (a bundle is ~60 KB) and raises
:class:`NoFieldReached` at the end when a kind made none; a mutation that changes nothing
raises at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from cryptography import x509

from . import report_mutations_kinds as fields
from . import report_mutations_trust as trust
from .bundle_factory import Honest, make_honest
from .pki import MSPS

__all__ = ["Mutation", "NoFieldReached", "generate", "base_bundles", "KINDS"]


@dataclass(frozen=True)
class Mutation:
    kind: str
    what: str
    codes: frozenset[str] | None   # the reasons allowed; None: any named reason
    report: bytes
    bundle: bytes
    roots: dict[str, list[x509.Certificate]]


KINDS: dict[str, Callable[[Honest], Iterator[Any]]] = {
    "report_field": fields.report_field,
    "record_field": fields.record_field,
    "bundle_field": fields.bundle_field,
    "entry_field": fields.entry_field,
    "proof_hash": fields.proof_hash,
    "entry_set": fields.entry_set,
    "cosignature": trust.cosignature,
    "attestation": trust.attestation,
    "binding": trust.binding,
    "roots": trust.roots,
    "report_reissued": fields.report_reissued,
}


class NoFieldReached(AssertionError):
    """A mutation kind found nothing to mutate."""


def generate(bases: dict[str, Honest],
             kinds: dict[str, Callable[[Honest], Iterator[Any]]] = KINDS
             ) -> Iterator[Mutation]:
    """Every mutation of every kind of every base (lazily)."""
    for kind, gen in kinds.items():
        made = 0
        for base, h in bases.items():
            honest_bundle = h.bundle_bytes
            for what, codes, report, bundle, *roots in gen(h):
                if report == h.report_bytes and bundle == honest_bundle and not roots:
                    raise AssertionError(f"{kind}: {what} changed nothing in {base}")
                made += 1
                yield Mutation(kind, f"{base}: {what}", codes, report, bundle,
                               roots[0] if roots else h.roots)
        if made == 0:
            raise NoFieldReached(f"mutation kind {kind} reached no field in {sorted(bases)}")


def base_bundles() -> dict[str, Honest]:
    """Honest bundles that between them reach every kind: a 12-month report with three
    rule sets cosigned by three organisations, and a 3-month one with one rule set
    cosigned by all four."""
    three = make_honest(3, ("gz-ae-d1",), MSPS)
    three.few = True
    return {"twelve": make_honest(), "three": three}
