"""``check_export``: an audit export checked offline against the MSP roots alone.

The order of the checks is fixed so that each kind of tampering is named by its own
code (docs/audit.md lists them): the file's shape (``FORMAT``), the key bindings
(``BINDING_*``), the anchored checkpoints (``COSIGNATURE_UNKNOWN_KEY``, ``THRESHOLD``,
``CHECKPOINT_INCONSISTENT``), then the window of entries (``ENTRY_*``, ``RANGE_*``).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from cryptography import x509

from ._checkpoints import trust_from_bindings, verify_anchors
from ._entry import THRESHOLD
from ._errors import AuditCheckError
from ._export_format import parse_export
from ._window import ShownEntry, verify_window

__all__ = ["ExportSummary", "check_export"]


@dataclass(frozen=True)
class ExportSummary:
    """What a valid export shows."""

    channel: str
    origin: str
    size: int                      # the anchored checkpoint's tree size
    root: bytes                    # and root
    cosigners: tuple[str, ...]     # notary key names that signed it
    anchored_sizes: tuple[int, ...]
    trusted_mspids: tuple[str, ...]
    time_from: str
    time_to: str
    uscc: str | None
    first_index: int
    last_index: int
    shown: tuple[ShownEntry, ...]  # entries given in full (log order)
    hidden: int                    # entries in the window given only by their hash

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready report (for ``carbontrust audit check``'s output)."""
        return {
            "valid": True, "channel": self.channel, "origin": self.origin,
            "checkpoint": {"size": self.size, "root": base64.b64encode(self.root).decode(),
                           "cosigners": list(self.cosigners)},
            "anchored_sizes": list(self.anchored_sizes),
            "trusted_mspids": list(self.trusted_mspids),
            "range": {"from": self.time_from, "to": self.time_to, "uscc": self.uscc},
            "first_index": self.first_index, "last_index": self.last_index,
            "entries": [{"index": s.index, "tx_id": s.leaf.tx_id, "entry": s.leaf.name,
                         "timestamp": s.leaf.timestamp, "in_range": s.in_range}
                        for s in self.shown],
            "hidden": self.hidden,
        }


def check_export(data: bytes, roots: dict[str, list[x509.Certificate]]) -> ExportSummary:
    """Check an audit export fully offline, trusting only ``roots`` (MSP id -> root CA
    certificates, as :func:`verifier.load_msp_roots` reads them). Raises
    :class:`AuditCheckError` whose ``code`` names the first check that failed."""
    x = parse_export(data)
    if x.threshold != THRESHOLD:
        raise AuditCheckError("THRESHOLD", f"the export claims threshold {x.threshold}; the "
                              f"audit trail anchors with {THRESHOLD} cosignatures")
    trust = trust_from_bindings(x.key_bindings, x.channel, roots)
    head, sizes = verify_anchors(x.anchors, x.checkpoint, x.origin, trust)
    cp = head.checkpoint
    shown = verify_window(x, cp.size, cp.root)
    return ExportSummary(
        x.channel, x.origin, cp.size, cp.root, head.cosigners, tuple(sizes), trust.mspids,
        x.time_from, x.time_to, x.uscc, x.first_index, x.last_index, tuple(shown),
        sum(1 for e in x.entries if e.leaf is None))
