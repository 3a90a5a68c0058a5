"""gateway.audit: the notary follower of one organisation.

It follows committed blocks from its own organisation's peer, turns every VALID transaction
carrying a ``carbon.audit`` event into one leaf of an RFC 9162 log (:mod:`notary`), signs and
cosigns checkpoints with the organisation's notary key, anchors k-of-4 cosigned checkpoints on
the ledger and raises an alarm on a split view. :class:`AuditStore` is the read API of its
store (``DIR/audit.db``) for the command line. See docs/audit.md ("Followers").
"""

from ._store import (
    AnchorRow,
    AuditStore,
    BlockRecords,
    EntryRow,
    SignatureRow,
    StoreCorruptError,
    normalise_time,
)

__all__ = [
    "AnchorRow",
    "AuditStore",
    "BlockRecords",
    "EntryRow",
    "SignatureRow",
    "StoreCorruptError",
    "normalise_time",
]
