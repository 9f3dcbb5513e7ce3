//! The audit log's verifiable core: Merkle tree and proofs, the canonical entry encoding,
//! signed and countersigned tree heads, and the self-contained export with its offline
//! verifier.
//!
//! Pure and synchronous: no network, no storage, no async runtime, so an auditor's tool checks
//! an exported log without a running node. The node (`fiu-node`) stores entries, issues heads
//! and exchanges countersignatures; this crate owns every byte that a second implementation
//! must reproduce (docs/PROTOCOL.md, vectors in docs/vectors/merkle.json).
//!
//! # Layout
//!
//! - [`merkle`]: hashes ([`Hash32`]), [`LeafIndex`] and [`TreeSize`], the incremental
//!   [`Tree`], the [`Frontier`] (compact range), inclusion and consistency proofs and their
//!   RFC 9162 verifiers. Proofs read complete subtrees through [`Subtrees`], so the same
//!   code serves a tree in memory and a node's stored subtree roots.
//! - [`entry`]: the canonical encoding of a log [`Entry`], which is the Merkle leaf.
//! - [`tree_head`]: [`TreeHead`], its signed bytes, [`SignedTreeHead`] and witness
//!   [`Countersignature`]s (Ed25519).
//! - [`export`]: the JSON-lines export file, [`Export`], and [`verify_export`] /
//!   [`Verifier`], which name the entry or head that fails.
//!
//! # Design
//!
//! - The tree is Certificate Transparency's (RFC 9162 2.1) with BLAKE3 in place of SHA-256:
//!   BLAKE3 is already the project's hash for content ids and is several times faster on the
//!   node's append path. The shape, the proof algorithms and the verifiers are CT's to the
//!   letter, and the unit tests run them with SHA-256 against RFC 6962's published values, so
//!   they are known to be right and not only self-consistent.
//! - Leaf index and tree size are different types, and hashes compare in constant time
//!   (as in ct-merkle): the off-by-one between "index" and "size" is the classic Merkle bug.
//! - Leaves are the canonical entry bytes (length-prefixed, format byte first), not JSON: JSON
//!   has many encodings of one value. The detail is kept as the exact text stored and hashed
//!   as such.
//! - The verifier recomputes every head's root from the exported entries instead of checking
//!   consistency proofs between them: two roots computed from one leaf sequence are
//!   consistent by construction, and a recomputed root also pins each entry's content.
//!   Proofs remain for clients that hold only heads ([`verify_inclusion`],
//!   [`verify_consistency`]).
//! - An export of a range carries the [`Frontier`] of the leaves before it (at most 64
//!   hashes), not the earlier entries: enough to recompute every later root, and
//!   authenticated by those roots.
//! - A countersignature covers exactly the bytes the log signed; the witness is identified
//!   by its key. A truncated or rewritten log is caught by any head held outside the
//!   operator's reach ([`Verifier::known_head`]).

pub mod entry;
pub mod export;
pub mod merkle;
pub mod tree_head;

pub use entry::{DecodeError, Entry};
pub use export::{
    EntryFault, Export, HeadFault, VerifiedExport, VerifiedHead, Verifier, VerifyError,
    head_from_json, head_to_json, verify_export,
};
pub use merkle::{
    Frontier, Hash32, LeafIndex, ProofError, Subtree, SubtreeRecorder, Subtrees, Tree, TreeSize,
    consistency_proof_from, empty_root, frontier_from, inclusion_proof_from, leaf_hash, node_hash,
    root, root_from, verify_consistency, verify_inclusion,
};
pub use tree_head::{Countersignature, SignatureError, SignedTreeHead, TreeHead};
