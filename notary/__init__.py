"""notary: an RFC 9162 Merkle log with cosigned checkpoints and offline proof bundles.

The verification core (:func:`verify_inclusion`, :func:`verify_consistency`) is pure:
bytes and sizes in, ``None`` out or a typed :class:`ProofError` raised. Storage
(:class:`Log`) keeps complete-subtree hashes as tiles in one SQLite file through
SQLAlchemy. Checkpoints, cosignatures and bundles speak the C2SP formats
(signed-note, tlog-checkpoint, tlog-cosignature, tlog-proof).

Example::

    import notary

    log = notary.Log.open("audit.db")
    log.append([b"reading batch root 1", b"attestation 7"])
    root = log.root()
    proof = log.inclusion_proof(1, log.size)
    notary.verify_inclusion(notary.leaf_hash(b"attestation 7"), 1, log.size, proof, root)

    # The log signs a checkpoint; organisations cosign it after checking consistency.
    log_key = notary.Signer.generate("carbontrust.example/log")
    org = notary.Signer.generate("power.example/witness", notary.COSIGNATURE_V1)
    checkpoint = notary.Checkpoint("carbontrust.example/log", log.size, root)
    note = notary.sign_note(checkpoint.body(), log_key)
    witness = notary.Witness(org, {checkpoint.origin: [log_key.verifier]})
    note = witness.cosign(note, proof=[], now=1_700_000_000)

    # A bank verifies offline with the bundle, the entry and the trusted keys.
    policy = notary.Policy(checkpoint.origin, (org.verifier,), 1, (log_key.verifier,))
    bundle = notary.ProofBundle.build(1, proof, note)
    notary.verify_bundle(notary.ProofBundle.from_text(bundle.to_text()), b"attestation 7", policy)
"""

from ._bundle import ProofBundle, verify_bundle
from ._checkpoint import Checkpoint, Policy, VerifiedCheckpoint, Witness, check_extends
from ._engine import LogDatabase
from ._errors import (
    FormatError,
    InconsistentCheckpointError,
    IndexOutOfRangeError,
    MalformedHashError,
    PolicyError,
    ProofError,
    ProofLengthError,
    RollbackError,
    RootMismatchError,
    SignatureError,
    SizeOrderError,
    SplitViewError,
    TreeSizeError,
)
from ._note import (
    COSIGNATURE_V1,
    ED25519,
    Note,
    NoteSignature,
    Signer,
    Verifier,
    key_id,
    sign_note,
    verify_note,
)
from ._store import ConcurrentAppendError, Log, SchemaMissingError, StoreError
from ._tree import MemoryTree, root_hash
from ._verify import (
    EMPTY_ROOT,
    consistency_proof_length,
    inclusion_proof_length,
    leaf_hash,
    node_hash,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    # hashing and the pure verification core
    "EMPTY_ROOT",
    "leaf_hash",
    "node_hash",
    "root_hash",
    "inclusion_proof_length",
    "consistency_proof_length",
    "root_from_inclusion_proof",
    "verify_inclusion",
    "verify_consistency",
    # logs
    "Log",
    "LogDatabase",
    "MemoryTree",
    "ConcurrentAppendError",
    "StoreError",
    "SchemaMissingError",
    # notes, checkpoints, witnesses, bundles
    "ED25519",
    "COSIGNATURE_V1",
    "key_id",
    "Signer",
    "Verifier",
    "Note",
    "NoteSignature",
    "sign_note",
    "verify_note",
    "Checkpoint",
    "Policy",
    "VerifiedCheckpoint",
    "Witness",
    "check_extends",
    "ProofBundle",
    "verify_bundle",
    # errors
    "ProofError",
    "IndexOutOfRangeError",
    "TreeSizeError",
    "SizeOrderError",
    "ProofLengthError",
    "MalformedHashError",
    "RootMismatchError",
    "FormatError",
    "SignatureError",
    "PolicyError",
    "SplitViewError",
    "InconsistentCheckpointError",
    "RollbackError",
]
