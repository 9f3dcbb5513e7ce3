//! The Merkle tree of the audit log, in the manner of Certificate Transparency (RFC 9162
//! section 2.1), with BLAKE3 as the hash function.
//!
//! - Leaf hash: `BLAKE3(0x00 || leaf bytes)`; node hash: `BLAKE3(0x01 || left || right)`; the
//!   root of the empty tree: `BLAKE3()` (the hash of no bytes). The prefixes keep a leaf from
//!   ever being read as a node (second-preimage attacks on the tree shape).
//! - The tree of `n > 1` leaves splits at `k`, the largest power of two smaller than `n`: the
//!   left subtree holds leaves `0..k`, the right one `k..n`. This is RFC 9162's `MTH`, so the
//!   tree shape, the proofs and the verifiers are CT's, only the hash differs (tests run the
//!   same code with SHA-256 against RFC 6962's published values).
//! - Proofs are generated per RFC 9162 2.1.3.1 (`PATH`) and 2.1.4.1 (`PROOF`/`SUBPROOF`) and
//!   checked exactly per 2.1.3.2 and 2.1.4.2.
//!
//! Leaf indexes count from 0; the log's sequence numbers count from 1, so entry `seq` is leaf
//! `seq - 1` and a tree of size `n` holds entries `1..=n`.

use std::fmt;

use subtle::ConstantTimeEq;

/// Length of every hash in the tree, in bytes.
pub const HASH_LEN: usize = 32;

/// Prefix of a leaf hash input (RFC 9162 2.1.1).
const LEAF_PREFIX: u8 = 0x00;
/// Prefix of an interior node hash input (RFC 9162 2.1.1).
const NODE_PREFIX: u8 = 0x01;

/// A 32-byte hash: a leaf hash, a node hash or a root. Equality is constant time (a root or
/// proof element compared with `==` leaks nothing about where the bytes first differ).
#[derive(Clone, Copy)]
pub struct Hash32([u8; HASH_LEN]);

impl Hash32 {
    /// Wraps 32 bytes.
    pub const fn from_bytes(bytes: [u8; HASH_LEN]) -> Hash32 {
        Hash32(bytes)
    }

    /// The bytes.
    pub const fn as_bytes(&self) -> &[u8; HASH_LEN] {
        &self.0
    }

    /// Lower-case hex, 64 characters.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses exactly 64 hex characters; `None` for anything else.
    pub fn from_hex(text: &str) -> Option<Hash32> {
        let mut bytes = [0u8; HASH_LEN];
        hex::decode_to_slice(text, &mut bytes).ok()?;
        Some(Hash32(bytes))
    }
}

impl PartialEq for Hash32 {
    fn eq(&self, other: &Hash32) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for Hash32 {}

impl fmt::Debug for Hash32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash32({})", self.to_hex())
    }
}

impl fmt::Display for Hash32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// The position of a leaf, from 0. A different type from [`TreeSize`] so that an index is
/// never passed where a size is meant (the classic off-by-one of Merkle code).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LeafIndex(u64);

impl LeafIndex {
    /// The leaf at position `index` (from 0).
    pub const fn new(index: u64) -> LeafIndex {
        LeafIndex(index)
    }

    /// The position.
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for LeafIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The number of leaves of a tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TreeSize(u64);

impl TreeSize {
    /// A tree of `size` leaves.
    pub const fn new(size: u64) -> TreeSize {
        TreeSize(size)
    }

    /// The number of leaves.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// Whether a tree of this size holds the leaf `index`.
    pub const fn contains(self, index: LeafIndex) -> bool {
        index.0 < self.0
    }
}

impl fmt::Display for TreeSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Why a proof was not made or did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The leaf index is not below the tree size.
    #[error("leaf index {index} is out of range for a tree of size {size}")]
    IndexOutOfRange {
        /// The index asked for.
        index: LeafIndex,
        /// The tree size.
        size: TreeSize,
    },
    /// A size larger than the tree was asked for.
    #[error("size {size} is larger than the tree ({tree_size} leaves)")]
    SizeOutOfRange {
        /// The size asked for.
        size: TreeSize,
        /// The tree's size.
        tree_size: TreeSize,
    },
    /// A consistency proof from a larger tree to a smaller one.
    #[error("old size {old} is larger than new size {new}")]
    SizesInverted {
        /// The old size.
        old: TreeSize,
        /// The new size.
        new: TreeSize,
    },
    /// The proof has more elements than the sizes call for.
    #[error("proof has {got} elements, expected {expected}")]
    ProofTooLong {
        /// Elements the sizes call for.
        expected: usize,
        /// Elements given.
        got: usize,
    },
    /// The proof has fewer elements than the sizes call for.
    #[error("proof has {got} elements, expected {expected}")]
    ProofTooShort {
        /// Elements the sizes call for.
        expected: usize,
        /// Elements given.
        got: usize,
    },
    /// The inclusion proof leads to another root.
    #[error("the proof leads to root {computed}, not the expected root")]
    RootMismatch {
        /// The root the proof leads to.
        computed: Hash32,
    },
    /// The consistency proof does not lead to the old root.
    #[error("the proof leads to old root {computed}, not the expected old root")]
    OldRootMismatch {
        /// The old root the proof leads to.
        computed: Hash32,
    },
    /// The consistency proof does not lead to the new root.
    #[error("the proof leads to new root {computed}, not the expected new root")]
    NewRootMismatch {
        /// The new root the proof leads to.
        computed: Hash32,
    },
    /// A perfect subtree a proof needs is not held by the source.
    #[error("the subtree at level {level}, index {index} is not available")]
    MissingSubtree {
        /// Height of the subtree.
        level: u32,
        /// Its position among the subtrees of its level.
        index: u64,
    },
    /// A frontier does not have one hash per set bit of its size.
    #[error("a frontier of size {size} has {expected} hashes, not {got}")]
    FrontierLength {
        /// The frontier's size.
        size: TreeSize,
        /// Hashes a frontier of that size has.
        expected: usize,
        /// Hashes given.
        got: usize,
    },
}

/// The root of the empty tree: BLAKE3 of no bytes.
pub fn empty_root() -> Hash32 {
    Hash32(*blake3::hash(&[]).as_bytes())
}

/// The hash of a leaf: `BLAKE3(0x00 || leaf)`.
pub fn leaf_hash(leaf: &[u8]) -> Hash32 {
    let mut h = blake3::Hasher::new();
    h.update(&[LEAF_PREFIX]);
    h.update(leaf);
    Hash32(*h.finalize().as_bytes())
}

/// The hash of an interior node: `BLAKE3(0x01 || left || right)`.
pub fn node_hash(left: &Hash32, right: &Hash32) -> Hash32 {
    let mut h = blake3::Hasher::new();
    h.update(&[NODE_PREFIX]);
    h.update(&left.0);
    h.update(&right.0);
    Hash32(*h.finalize().as_bytes())
}

/// The node hash function, as a parameter so that the tests can run the same tree code with
/// SHA-256 against RFC 6962's published values.
type NodeFn = fn(&Hash32, &Hash32) -> Hash32;

/// The root of the tree whose leaf hashes are `leaves`, in order.
pub fn root(leaves: &[Hash32]) -> Hash32 {
    let mut f = Frontier::new();
    for leaf in leaves {
        f.append(*leaf);
    }
    f.root()
}

/// The largest power of two smaller than `n`; `n >= 2`.
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// The roots of the perfect subtrees that cover the first `size` leaves, largest first: one
/// per set bit of `size`, so at most 64. Enough to compute the root of that tree and of every
/// tree that extends it, without the leaves (a "compact range" starting at 0).
///
/// Invariant: `nodes.len() == size.count_ones()`, checked by [`Frontier::from_parts`].
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Frontier {
    size: u64,
    nodes: Vec<Hash32>,
}

impl Frontier {
    /// The frontier of the empty tree.
    pub fn new() -> Frontier {
        Frontier::default()
    }

    /// A frontier from its size and subtree roots (largest subtree first); refused unless
    /// there is exactly one root per set bit of `size`.
    pub fn from_parts(size: TreeSize, nodes: Vec<Hash32>) -> Result<Frontier, ProofError> {
        let expected = size.0.count_ones() as usize;
        if nodes.len() != expected {
            return Err(ProofError::FrontierLength {
                size,
                expected,
                got: nodes.len(),
            });
        }
        Ok(Frontier {
            size: size.0,
            nodes,
        })
    }

    /// The number of leaves covered.
    pub fn size(&self) -> TreeSize {
        TreeSize(self.size)
    }

    /// The subtree roots, largest subtree first.
    pub fn nodes(&self) -> &[Hash32] {
        &self.nodes
    }

    /// Appends a leaf hash.
    pub fn append(&mut self, leaf: Hash32) {
        self.append_with(node_hash, leaf);
    }

    /// Appends a leaf hash and returns every perfect subtree it completes, the leaf itself
    /// first: what a store of [`Subtrees`] must add to serve proofs for the new size.
    pub fn append_subtrees(&mut self, leaf: Hash32) -> Vec<Subtree> {
        let index = self.size;
        let mut out = vec![Subtree {
            level: 0,
            index,
            hash: leaf,
        }];
        let mut h = leaf;
        let mut s = self.size;
        let mut level = 0;
        while s & 1 == 1 {
            let Some(left) = self.nodes.pop() else { break };
            h = node_hash(&left, &h);
            s >>= 1;
            level += 1;
            out.push(Subtree {
                level,
                index: index >> level,
                hash: h,
            });
        }
        self.nodes.push(h);
        self.size = self.size.saturating_add(1);
        out
    }

    /// The `(level, index)` of each subtree whose root a frontier of `size` holds, largest
    /// first: read them from a store and pass them to [`Frontier::from_parts`].
    pub fn subtree_keys(size: TreeSize) -> Vec<(u32, u64)> {
        let mut start = 0u64;
        let mut out = Vec::new();
        for level in (0..64u32).rev() {
            let len = 1u64 << level;
            if size.0 & len != 0 {
                out.push((level, start >> level));
                start += len;
            }
        }
        out
    }

    fn append_with(&mut self, node: NodeFn, leaf: Hash32) {
        let mut h = leaf;
        let mut s = self.size;
        // Each set low bit of the old size is a perfect subtree the new leaf completes.
        while s & 1 == 1 {
            // Always `Some`: the invariant gives one node per set bit of `size`.
            let Some(left) = self.nodes.pop() else { break };
            h = node(&left, &h);
            s >>= 1;
        }
        self.nodes.push(h);
        // A log cannot reach 2^64 entries; saturate rather than wrap if it somehow did.
        self.size = self.size.saturating_add(1);
    }

    /// The root of the tree of [`Frontier::size`] leaves.
    pub fn root(&self) -> Hash32 {
        self.root_with(node_hash)
    }

    fn root_with(&self, node: NodeFn) -> Hash32 {
        let mut it = self.nodes.iter().rev();
        let Some(last) = it.next() else {
            return empty_root();
        };
        it.fold(*last, |acc, left| node(left, &acc))
    }
}

/// An append-only tree of leaf hashes that can give the root, inclusion proofs and
/// consistency proofs for any size up to its own.
///
/// Memory: every leaf hash plus every complete interior node, about `2 * 32` bytes per leaf
/// (640 MB for ten million entries). The node keeps the same subtrees in its store instead
/// and runs the same proof code over them through [`Subtrees`]. Roots of any size take
/// O(log n) hashes, proofs O(log² n).
#[derive(Clone, Debug, Default)]
pub struct Tree {
    /// `levels[j][i]` is the root of the perfect subtree of leaves `i * 2^j .. (i + 1) * 2^j`;
    /// `levels[0]` holds the leaf hashes. Only complete subtrees are stored.
    levels: Vec<Vec<Hash32>>,
}

impl Tree {
    /// An empty tree.
    pub fn new() -> Tree {
        Tree::default()
    }

    /// A tree of the given leaf hashes, in order.
    pub fn from_leaves(leaves: impl IntoIterator<Item = Hash32>) -> Tree {
        let mut t = Tree::new();
        for leaf in leaves {
            t.append(leaf);
        }
        t
    }

    /// The number of leaves.
    pub fn size(&self) -> TreeSize {
        TreeSize(self.levels.first().map_or(0, |l| l.len() as u64))
    }

    /// Appends a leaf hash; returns its index.
    pub fn append(&mut self, leaf: Hash32) -> LeafIndex {
        let index = LeafIndex(self.size().0);
        let mut level = 0;
        let mut h = leaf;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let row = &mut self.levels[level];
            row.push(h);
            if row.len() % 2 == 1 {
                break;
            }
            // The row has an even length >= 2: its last two nodes form a complete parent.
            let (l, r) = (row[row.len() - 2], row[row.len() - 1]);
            h = node_hash(&l, &r);
            level += 1;
        }
        index
    }

    /// The leaf hash at `index`, if the tree holds it.
    pub fn leaf(&self, index: LeafIndex) -> Option<Hash32> {
        let i = usize::try_from(index.0).ok()?;
        self.levels.first()?.get(i).copied()
    }

    /// The current root.
    pub fn root(&self) -> Hash32 {
        // The tree holds every complete subtree, so nothing is missing.
        root_from(self, self.size()).unwrap_or_else(|_| empty_root())
    }

    /// The root the tree had when it held `size` leaves.
    pub fn root_at(&self, size: TreeSize) -> Result<Hash32, ProofError> {
        self.check_size(size)?;
        root_from(self, size)
    }

    /// The frontier of the first `size` leaves, for an export that starts after them.
    pub fn frontier_at(&self, size: TreeSize) -> Result<Frontier, ProofError> {
        self.check_size(size)?;
        frontier_from(self, size)
    }

    /// The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 2.1.3.1).
    pub fn inclusion_proof(
        &self,
        index: LeafIndex,
        size: TreeSize,
    ) -> Result<Vec<Hash32>, ProofError> {
        self.check_size(size)?;
        inclusion_proof_from(self, index, size)
    }

    /// The consistency proof from the tree of `old` leaves to the tree of `new` leaves (RFC
    /// 9162 2.1.4.1); empty when `old` is 0 or equals `new`.
    pub fn consistency_proof(
        &self,
        old: TreeSize,
        new: TreeSize,
    ) -> Result<Vec<Hash32>, ProofError> {
        self.check_size(new)?;
        consistency_proof_from(self, old, new)
    }

    fn check_size(&self, size: TreeSize) -> Result<(), ProofError> {
        let tree_size = self.size();
        if size > tree_size {
            return Err(ProofError::SizeOutOfRange { size, tree_size });
        }
        Ok(())
    }
}

impl Subtrees for Tree {
    fn subtree(&self, level: u32, index: u64) -> Option<Hash32> {
        let row = self.levels.get(usize::try_from(level).ok()?)?;
        row.get(usize::try_from(index).ok()?).copied()
    }
}

/// A perfect subtree of the log: the root of leaves `index * 2^level .. (index + 1) *
/// 2^level`. Level 0 subtrees are the leaf hashes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Subtree {
    /// Height: the subtree has `2^level` leaves.
    pub level: u32,
    /// Position among the subtrees of its level, from 0.
    pub index: u64,
    /// Its root.
    pub hash: Hash32,
}

/// Where roots and proofs read complete subtrees from: a [`Tree`] in memory, or the node's
/// store of subtree roots (so that a proof over a ten-million-entry log reads O(log² n)
/// stored hashes, not every leaf). The sizes asked for must be within what the source holds;
/// a subtree it lacks is [`ProofError::MissingSubtree`].
pub trait Subtrees {
    /// The root of the perfect subtree `(level, index)`, if held.
    fn subtree(&self, level: u32, index: u64) -> Option<Hash32>;
}

impl Subtrees for std::collections::BTreeMap<(u32, u64), Hash32> {
    fn subtree(&self, level: u32, index: u64) -> Option<Hash32> {
        self.get(&(level, index)).copied()
    }
}

/// A [`Subtrees`] source that holds every subtree (with a placeholder hash) and records
/// which ones were asked for. The shape of a root or proof computation does not depend on
/// hash values, so running it once against a recorder tells a store which subtrees to read.
#[derive(Debug, Default)]
pub struct SubtreeRecorder {
    keys: std::cell::RefCell<std::collections::BTreeSet<(u32, u64)>>,
}

impl SubtreeRecorder {
    /// The `(level, index)` of every subtree asked for so far, in order.
    pub fn keys(&self) -> Vec<(u32, u64)> {
        self.keys.borrow().iter().copied().collect()
    }
}

impl Subtrees for SubtreeRecorder {
    fn subtree(&self, level: u32, index: u64) -> Option<Hash32> {
        self.keys.borrow_mut().insert((level, index));
        Some(Hash32([0; HASH_LEN]))
    }
}

/// The root of the first `size` leaves of `src`.
pub fn root_from(src: &impl Subtrees, size: TreeSize) -> Result<Hash32, ProofError> {
    range_hash(src, 0, size.0)
}

/// The frontier of the first `size` leaves of `src`.
pub fn frontier_from(src: &impl Subtrees, size: TreeSize) -> Result<Frontier, ProofError> {
    let nodes = Frontier::subtree_keys(size)
        .into_iter()
        .map(|(level, index)| {
            src.subtree(level, index)
                .ok_or(ProofError::MissingSubtree { level, index })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Frontier::from_parts(size, nodes)
}

/// The inclusion proof of leaf `index` in the tree of the first `size` leaves of `src` (RFC
/// 9162 2.1.3.1).
pub fn inclusion_proof_from(
    src: &impl Subtrees,
    index: LeafIndex,
    size: TreeSize,
) -> Result<Vec<Hash32>, ProofError> {
    if !size.contains(index) {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let mut out = Vec::new();
    path(src, index.0, 0, size.0, &mut out)?;
    Ok(out)
}

/// The consistency proof from the first `old` to the first `new` leaves of `src` (RFC 9162
/// 2.1.4.1); empty when `old` is 0 or equals `new`.
pub fn consistency_proof_from(
    src: &impl Subtrees,
    old: TreeSize,
    new: TreeSize,
) -> Result<Vec<Hash32>, ProofError> {
    if old > new {
        return Err(ProofError::SizesInverted { old, new });
    }
    let mut out = Vec::new();
    if old.0 > 0 && old < new {
        subproof(src, old.0, 0, new.0, true, &mut out)?;
    }
    Ok(out)
}

/// `PATH(m, D[start..start + n])`.
fn path(
    src: &impl Subtrees,
    m: u64,
    start: u64,
    n: u64,
    out: &mut Vec<Hash32>,
) -> Result<(), ProofError> {
    if n <= 1 {
        return Ok(());
    }
    let k = split(n);
    if m < k {
        path(src, m, start, k, out)?;
        out.push(range_hash(src, start + k, n - k)?);
    } else {
        path(src, m - k, start + k, n - k, out)?;
        out.push(range_hash(src, start, k)?);
    }
    Ok(())
}

/// `SUBPROOF(m, D[start..start + n], b)`.
fn subproof(
    src: &impl Subtrees,
    m: u64,
    start: u64,
    n: u64,
    b: bool,
    out: &mut Vec<Hash32>,
) -> Result<(), ProofError> {
    if m == n {
        if !b {
            out.push(range_hash(src, start, n)?);
        }
        return Ok(());
    }
    let k = split(n);
    if m <= k {
        subproof(src, m, start, k, b, out)?;
        out.push(range_hash(src, start + k, n - k)?);
    } else {
        subproof(src, m - k, start + k, n - k, false, out)?;
        out.push(range_hash(src, start, k)?);
    }
    Ok(())
}

/// `MTH(D[start..start + n])` for a subtree the RFC's recursion reaches: `start` is a
/// multiple of the smallest power of two `>= n` (true of `(0, size)` and kept by every
/// split), so a power-of-two `n` is one stored perfect subtree.
fn range_hash(src: &impl Subtrees, start: u64, n: u64) -> Result<Hash32, ProofError> {
    if n == 0 {
        return Ok(empty_root());
    }
    if n.is_power_of_two() {
        let level = n.trailing_zeros();
        let index = start >> level;
        return src
            .subtree(level, index)
            .ok_or(ProofError::MissingSubtree { level, index });
    }
    let k = split(n);
    Ok(node_hash(
        &range_hash(src, start, k)?,
        &range_hash(src, start + k, n - k)?,
    ))
}

/// Checks that `leaf` is at `index` in the tree of `size` leaves whose root is `root`, exactly
/// per RFC 9162 2.1.3.2.
pub fn verify_inclusion(
    leaf: &Hash32,
    index: LeafIndex,
    size: TreeSize,
    proof: &[Hash32],
    root: &Hash32,
) -> Result<(), ProofError> {
    verify_inclusion_with(node_hash, leaf, index, size, proof, root)
}

fn verify_inclusion_with(
    node: NodeFn,
    leaf: &Hash32,
    index: LeafIndex,
    size: TreeSize,
    proof: &[Hash32],
    root: &Hash32,
) -> Result<(), ProofError> {
    // 1. leaf_index >= tree_size: fail.
    if !size.contains(index) {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    // 2. fn = leaf_index, sn = tree_size - 1; 3. r = hash.
    let (mut fnn, mut sn) = (index.0, size.0 - 1);
    let mut r = *leaf;
    // 4. For each p in the path:
    for p in proof {
        // a. sn == 0: the path is longer than the tree is deep.
        if sn == 0 {
            return Err(ProofError::ProofTooLong {
                expected: inclusion_proof_len(index, size),
                got: proof.len(),
            });
        }
        // b.
        if fnn & 1 == 1 || fnn == sn {
            r = node(p, &r);
            if fnn & 1 == 0 {
                while fnn & 1 == 0 && fnn != 0 {
                    fnn >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node(&r, p);
        }
        // c.
        fnn >>= 1;
        sn >>= 1;
    }
    // 5. sn must be 0 and r the root.
    if sn != 0 {
        return Err(ProofError::ProofTooShort {
            expected: inclusion_proof_len(index, size),
            got: proof.len(),
        });
    }
    if r != *root {
        return Err(ProofError::RootMismatch { computed: r });
    }
    Ok(())
}

/// The length of an inclusion proof: the verifier's loop run without hashing.
/// `index < size`.
fn inclusion_proof_len(index: LeafIndex, size: TreeSize) -> usize {
    let (mut f, mut s) = (index.0, size.0.saturating_sub(1));
    let mut n = 0;
    while s != 0 {
        if f & 1 == 0 && f == s {
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        }
        f >>= 1;
        s >>= 1;
        n += 1;
    }
    n
}

/// Checks that the tree of `new_size` leaves with root `new_root` extends the tree of
/// `old_size` leaves with root `old_root`, exactly per RFC 9162 2.1.4.2, plus the two cases
/// the RFC leaves out: equal sizes (the proof must be empty and the roots equal) and an old
/// size of 0 (the proof must be empty and the old root the empty tree's).
pub fn verify_consistency(
    old_size: TreeSize,
    new_size: TreeSize,
    old_root: &Hash32,
    new_root: &Hash32,
    proof: &[Hash32],
) -> Result<(), ProofError> {
    verify_consistency_with(
        node_hash,
        &empty_root(),
        old_size,
        new_size,
        old_root,
        new_root,
        proof,
    )
}

fn verify_consistency_with(
    node: NodeFn,
    empty: &Hash32,
    old_size: TreeSize,
    new_size: TreeSize,
    old_root: &Hash32,
    new_root: &Hash32,
    proof: &[Hash32],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::SizesInverted {
            old: old_size,
            new: new_size,
        });
    }
    if old_size == new_size || old_size.0 == 0 {
        if !proof.is_empty() {
            return Err(ProofError::ProofTooLong {
                expected: 0,
                got: proof.len(),
            });
        }
        if old_size.0 == 0 {
            // Only the empty-tree root is consistent with nothing.
            if old_root != empty {
                return Err(ProofError::OldRootMismatch { computed: *empty });
            }
        } else if old_root != new_root {
            return Err(ProofError::NewRootMismatch {
                computed: *old_root,
            });
        }
        return Ok(());
    }
    let too_long = || ProofError::ProofTooLong {
        expected: consistency_proof_len(old_size, new_size),
        got: proof.len(),
    };
    let too_short = || ProofError::ProofTooShort {
        expected: consistency_proof_len(old_size, new_size),
        got: proof.len(),
    };
    // 1. An empty path fails.
    if proof.is_empty() {
        return Err(too_short());
    }
    // 2. If first is an exact power of 2, prepend first_hash.
    let mut path: Vec<&Hash32> = Vec::with_capacity(proof.len() + 1);
    if old_size.0.is_power_of_two() {
        path.push(old_root);
    }
    path.extend(proof);
    // 3. fn = first - 1, sn = second - 1.
    let (mut fnn, mut sn) = (old_size.0 - 1, new_size.0 - 1);
    // 4. While LSB(fn) is set, shift both.
    while fnn & 1 == 1 {
        fnn >>= 1;
        sn >>= 1;
    }
    // 5. fr = sr = the first value.
    let (mut fr, mut sr) = (*path[0], *path[0]);
    // 6. For each subsequent value c:
    for c in &path[1..] {
        // a.
        if sn == 0 {
            return Err(too_long());
        }
        // b.
        if fnn & 1 == 1 || fnn == sn {
            fr = node(c, &fr);
            sr = node(c, &sr);
            if fnn & 1 == 0 {
                while fnn & 1 == 0 && fnn != 0 {
                    fnn >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node(&sr, c);
        }
        // c.
        fnn >>= 1;
        sn >>= 1;
    }
    // 7. fr == first_hash, sr == second_hash, sn == 0.
    if sn != 0 {
        return Err(too_short());
    }
    if fr != *old_root {
        return Err(ProofError::OldRootMismatch { computed: fr });
    }
    if sr != *new_root {
        return Err(ProofError::NewRootMismatch { computed: sr });
    }
    Ok(())
}

/// The length of a consistency proof for `0 < old < new`: the verifier's loop run without
/// hashing.
fn consistency_proof_len(old: TreeSize, new: TreeSize) -> usize {
    let (mut f, mut s) = (old.0.saturating_sub(1), new.0.saturating_sub(1));
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let mut n = 1;
    while s != 0 {
        if f & 1 == 0 && f == s {
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        }
        f >>= 1;
        s >>= 1;
        n += 1;
    }
    if old.0.is_power_of_two() { n - 1 } else { n }
}

#[cfg(test)]
mod tests {
    //! The tree code run with SHA-256 against RFC 6962's published values (as in
    //! transparency-dev/merkle testonly/constants.go), so the shape, the proofs and the
    //! verifiers are known to be CT's and not only self-consistent.

    use super::*;
    use sha2::{Digest, Sha256};

    fn sha(parts: &[&[u8]]) -> Hash32 {
        let mut h = Sha256::new();
        for p in parts {
            h.update(p);
        }
        let out: [u8; 32] = h.finalize().into();
        Hash32(out)
    }

    fn sha_node(l: &Hash32, r: &Hash32) -> Hash32 {
        sha(&[&[1], &l.0, &r.0])
    }

    fn sha_leaf(b: &[u8]) -> Hash32 {
        sha(&[&[0], b])
    }

    fn h(s: &str) -> Hash32 {
        Hash32::from_hex(s).expect("hex")
    }

    const LEAVES: [&str; 8] = [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ];

    const ROOTS: [&str; 8] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    fn sha_leaves() -> Vec<Hash32> {
        LEAVES
            .iter()
            .map(|l| sha_leaf(&hex::decode(l).expect("hex")))
            .collect()
    }

    #[test]
    fn frontier_gives_rfc6962_roots_with_sha256() {
        let mut f = Frontier::new();
        for (i, leaf) in sha_leaves().into_iter().enumerate() {
            f.append_with(sha_node, leaf);
            assert_eq!(f.root_with(sha_node), h(ROOTS[i]), "size {}", i + 1);
        }
    }

    #[test]
    fn verifiers_accept_rfc6962_proofs_with_sha256() {
        let leaves = sha_leaves();
        let root = |n: usize| h(ROOTS[n - 1]);
        let inclusion = [
            (
                0,
                8,
                vec![
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                5,
                8,
                vec![
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
        ];
        for (i, n, proof) in inclusion {
            let proof: Vec<Hash32> = proof.into_iter().map(h).collect();
            assert_eq!(inclusion_proof_len(LeafIndex(i), TreeSize(n)), proof.len());
            verify_inclusion_with(
                sha_node,
                &leaves[i as usize],
                LeafIndex(i),
                TreeSize(n),
                &proof,
                &root(n as usize),
            )
            .expect("RFC 6962 inclusion proof verifies");
        }
        let consistency = [
            (
                2,
                8,
                vec![
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                6,
                8,
                vec![
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                2,
                5,
                vec![
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
        ];
        for (m, n, proof) in consistency {
            let proof: Vec<Hash32> = proof.into_iter().map(h).collect();
            assert_eq!(consistency_proof_len(TreeSize(m), TreeSize(n)), proof.len());
            verify_consistency_with(
                sha_node,
                &sha(&[]),
                TreeSize(m),
                TreeSize(n),
                &root(m as usize),
                &root(n as usize),
                &proof,
            )
            .expect("RFC 6962 consistency proof verifies");
            let mut bad = proof.clone();
            bad[0].0[0] ^= 1;
            assert!(
                verify_consistency_with(
                    sha_node,
                    &sha(&[]),
                    TreeSize(m),
                    TreeSize(n),
                    &root(m as usize),
                    &root(n as usize),
                    &bad,
                )
                .is_err()
            );
        }
    }

    #[test]
    fn proofs_from_stored_subtrees_equal_the_trees() {
        // What a node stores while appending (Frontier::append_subtrees) serves the same
        // roots and proofs as the in-memory tree, reading only what the recorder names.
        let leaves: Vec<Hash32> = (0u32..37).map(|i| leaf_hash(&i.to_le_bytes())).collect();
        let tree = Tree::from_leaves(leaves.iter().copied());
        let mut f = Frontier::new();
        let mut stored = std::collections::BTreeMap::new();
        for l in &leaves {
            for st in f.append_subtrees(*l) {
                stored.insert((st.level, st.index), st.hash);
            }
        }
        assert_eq!(f.root(), tree.root());
        for n in 1..=37u64 {
            let size = TreeSize::new(n);
            assert_eq!(root_from(&stored, size), tree.root_at(size));
            assert_eq!(frontier_from(&stored, size), tree.frontier_at(size));
            for i in 0..n {
                let rec = SubtreeRecorder::default();
                inclusion_proof_from(&rec, LeafIndex::new(i), size).unwrap();
                let only: std::collections::BTreeMap<_, _> =
                    rec.keys().into_iter().map(|k| (k, stored[&k])).collect();
                assert_eq!(
                    inclusion_proof_from(&only, LeafIndex::new(i), size),
                    tree.inclusion_proof(LeafIndex::new(i), size)
                );
            }
            for old in 0..=n {
                assert_eq!(
                    consistency_proof_from(&stored, TreeSize::new(old), size),
                    tree.consistency_proof(TreeSize::new(old), size)
                );
            }
        }
        let empty = std::collections::BTreeMap::new();
        assert_eq!(
            root_from(&empty, TreeSize::new(3)),
            Err(ProofError::MissingSubtree { level: 1, index: 0 })
        );
    }

    #[test]
    fn split_is_the_largest_power_of_two_below() {
        for (n, k) in [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (1000, 512)] {
            assert_eq!(split(n), k, "n = {n}");
        }
        assert_eq!(split((1 << 63) + 1), 1 << 63);
    }

    #[test]
    fn proof_lengths_match_generated_proofs() {
        let tree = Tree::from_leaves((0u8..70).map(|i| leaf_hash(&[i])));
        for n in 1..=70 {
            for i in 0..n {
                let p = tree
                    .inclusion_proof(LeafIndex(i), TreeSize(n))
                    .expect("proof");
                assert_eq!(p.len(), inclusion_proof_len(LeafIndex(i), TreeSize(n)));
            }
            for m in 1..n {
                let p = tree
                    .consistency_proof(TreeSize(m), TreeSize(n))
                    .expect("proof");
                assert_eq!(p.len(), consistency_proof_len(TreeSize(m), TreeSize(n)));
            }
        }
    }

    #[test]
    fn hash_equality_and_hex() {
        let a = leaf_hash(b"a");
        assert_eq!(Hash32::from_hex(&a.to_hex()), Some(a));
        assert_ne!(a, leaf_hash(b"b"));
        assert_eq!(Hash32::from_hex("00"), None);
        assert_eq!(Hash32::from_hex(&"g".repeat(64)), None);
    }
}
