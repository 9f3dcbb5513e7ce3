//! The node's verifiable audit log: the `audit_events` rows as leaves of a Merkle tree,
//! signed tree heads, proofs, exports, and witnessing by the peers.
//!
//! # Layout
//!
//! - this module: [`AuditLog`], which brings the tree up to the last stored event
//!   ([`AuditLog::seal`]), signs tree heads, serves inclusion and consistency proofs and
//!   builds the self-contained export file.
//! - [`witness`]: both sides of witnessing: countersigning a peer's head after checking that
//!   it extends the last one seen, and asking every peer to countersign this node's heads.
//! - [`refusals`]: a tower layer that writes every refused gRPC call to the log.
//!
//! # Design
//!
//! - The leaves are the `audit_events` rows, written by the store in the same transaction as
//!   the change they record; the tree is derived from them afterwards. So the durability of
//!   an entry is the store's (a crash never leaves half an entry, and never an action without
//!   its entry), and tree building stays out of every write path: an ingest batch pays one
//!   row per event, not O(log n) hashes and rows. The cost: entries after the last signed head
//!   are not yet covered by a signature (at most one `[audit] head_interval_secs`).
//! - The tree's complete subtrees are stored (`audit_nodes`, about two rows per entry) and
//!   kept in memory only as a [`Frontier`] (at most 64 hashes): appending is O(log n), and a
//!   proof over ten million entries reads a few hundred stored hashes, never every leaf. The
//!   proof algorithms are `fiu-audit`'s, run once against a recorder to learn which subtrees
//!   they read and once against those subtrees fetched in one call.
//! - Only this module does Merkle work; the store keeps rows in and rows out, so the
//!   PostgreSQL store implements the same few methods.
//! - Routine work writes no entry: signing a head or countersigning a peer's would add an
//!   entry, which calls for a new head, which the peer countersigns, and so on forever. A
//!   refused witnessing is written (`audit.witness_refused`).

pub mod refusals;
pub mod witness;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use ed25519_dalek::{Signature, VerifyingKey};
use fiu_audit::{
    Countersignature, Entry, Export, Frontier, Hash32, LeafIndex, ProofError, SignedTreeHead,
    SubtreeRecorder, Subtrees, TreeHead, TreeSize, consistency_proof_from, frontier_from,
    inclusion_proof_from, verify_consistency, verify_inclusion,
};
use fiu_proto::v1;
use serde_json::json;

use crate::clock::now_ms;
use crate::engine::Engine;
use crate::store::{
    AuditEvent, AuditNode, AuditQuery, Store, StoreError, StoredAuditEvent, StoredCountersignature,
    StoredTreeHead,
};

/// Events read from the store per step while the tree is brought up to date: bounds the
/// memory of catching up a long log (after an upgrade, or a restart).
pub const SEAL_CHUNK: u64 = 10_000;

/// Most entries in one export. The file is built in memory (about 250 bytes an entry); an
/// auditor exports a longer log in ranges, each starting from the last one's end.
pub const MAX_EXPORT_ENTRIES: u64 = 250_000;

/// Why an audit log operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// What was asked for does not exist (no head of that size, no such entry).
    #[error("{0}")]
    NotFound(String),
    /// An entry or size outside the signed log.
    #[error("{0}")]
    OutOfRange(String),
    /// More than a limit allows.
    #[error("{0}")]
    TooLarge(String),
    /// A witness's countersignature does not verify.
    #[error("{0}")]
    BadCountersignature(String),
    /// The stored log contradicts itself (a missing tree node, a root that does not match):
    /// the database was changed behind the node's back.
    #[error("the stored audit log is inconsistent: {0}")]
    Corrupt(String),
}

/// The audit log of one node. Shared in an `Arc` by the audit service, the peering service's
/// witness calls and the head loop.
pub struct AuditLog {
    engine: Arc<Engine>,
    /// The tree over every event sealed so far. Held while sealing and signing, so heads are
    /// signed in order of size.
    frontier: Mutex<Frontier>,
    /// Woken when a head is signed on demand, so the head loop has it witnessed at once.
    new_head: tokio::sync::Notify,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("log_id", &self.engine.member_id())
            .finish_non_exhaustive()
    }
}

fn relock<'a, T>(
    r: Result<MutexGuard<'a, T>, PoisonError<MutexGuard<'a, T>>>,
) -> MutexGuard<'a, T> {
    // The frontier is replaced only after the store accepted the nodes it leads to, so a
    // panic while the lock was held left it valid.
    r.unwrap_or_else(PoisonError::into_inner)
}

impl AuditLog {
    /// Opens the log of `engine`'s node: restores the tree's frontier from the stored nodes.
    /// Blocking (store reads).
    pub fn open(engine: Arc<Engine>) -> Result<AuditLog, AuditError> {
        let store = engine.store().clone();
        let size = TreeSize::new(store.audit_tree_size()?);
        let keys = Frontier::subtree_keys(size);
        let hashes = store.audit_nodes(&narrow(&keys))?;
        let nodes = keys
            .iter()
            .zip(hashes)
            .map(|(&(level, index), h)| {
                h.map(Hash32::from_bytes).ok_or_else(|| {
                    AuditError::Corrupt(format!("tree node ({level}, {index}) is missing"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let frontier =
            Frontier::from_parts(size, nodes).map_err(|e| AuditError::Corrupt(e.to_string()))?;
        Ok(AuditLog {
            engine,
            frontier: Mutex::new(frontier),
            new_head: tokio::sync::Notify::new(),
        })
    }

    /// The log's id: this node's member id.
    pub fn log_id(&self) -> &str {
        self.engine.member_id()
    }

    /// The key that signs this log's heads.
    pub fn public_key(&self) -> VerifyingKey {
        self.engine.public_key().verifying_key()
    }

    fn store(&self) -> &Arc<dyn Store> {
        self.engine.store()
    }

    /// Brings the tree up to the last stored event; returns its size. Blocking.
    pub fn seal(&self) -> Result<TreeSize, AuditError> {
        let mut frontier = relock(self.frontier.lock());
        self.seal_locked(&mut frontier)?;
        Ok(frontier.size())
    }

    fn seal_locked(&self, frontier: &mut Frontier) -> Result<(), AuditError> {
        loop {
            let from = frontier.size().get() + 1;
            let events = self.store().audit_events(from, from + SEAL_CHUNK)?;
            if events.is_empty() {
                return Ok(());
            }
            let mut next = frontier.clone();
            let mut nodes = Vec::with_capacity(events.len() * 2);
            for e in &events {
                let due = next.size().get() + 1;
                if e.seq != due {
                    return Err(AuditError::Corrupt(format!(
                        "event {} is stored where event {due} is due",
                        e.seq
                    )));
                }
                for st in next.append_subtrees(entry_of(e).leaf_hash()) {
                    nodes.push(AuditNode {
                        // At most 63: a log has fewer than 2^64 entries.
                        level: st.level as u8,
                        index: st.index,
                        hash: *st.hash.as_bytes(),
                    });
                }
            }
            self.store().put_audit_nodes(&nodes)?;
            *frontier = next;
            if (events.len() as u64) < SEAL_CHUNK {
                return Ok(());
            }
        }
    }

    /// Seals the tree and signs a head of its size, unless the latest head already has that
    /// size (then returns it). Blocking.
    pub fn sign_head(&self) -> Result<SignedTreeHead, AuditError> {
        let mut frontier = relock(self.frontier.lock());
        self.seal_locked(&mut frontier)?;
        if let Some(latest) = self.latest_head()?
            && latest.head.size >= frontier.size()
        {
            return Ok(latest);
        }
        let head = TreeHead {
            log_id: self.log_id().to_owned(),
            size: frontier.size(),
            root: frontier.root(),
            timestamp_ms: now_ms(),
        };
        let signature = self.engine.identity().sign(&head.signed_bytes());
        let signature = Signature::from_slice(&signature)
            .map_err(|e| AuditError::Corrupt(format!("own signature: {e}")))?;
        let sth = SignedTreeHead { head, signature };
        self.store().save_tree_head(&stored_head(&sth))?;
        tracing::debug!(size = sth.head.size.get(), "signed an audit tree head");
        Ok(sth)
    }

    /// [`AuditLog::sign_head`], then wakes the head loop so the peers witness it now.
    pub fn sign_head_now(&self) -> Result<SignedTreeHead, AuditError> {
        let sth = self.sign_head()?;
        self.new_head.notify_one();
        Ok(sth)
    }

    /// Waits until a head is signed on demand.
    pub async fn head_signed(&self) {
        self.new_head.notified().await;
    }

    /// The latest signed head of this log.
    pub fn latest_head(&self) -> Result<Option<SignedTreeHead>, AuditError> {
        self.store()
            .latest_tree_head(self.log_id())?
            .map(|h| signed_head(&h))
            .transpose()
    }

    /// The latest head of another member's log that this node countersigned as a witness.
    pub fn witnessed_head(&self, log_id: &str) -> Result<SignedTreeHead, AuditError> {
        match self.store().latest_tree_head(log_id)? {
            Some(h) => signed_head(&h),
            None => Err(AuditError::NotFound(format!(
                "this node has countersigned no head of {log_id}"
            ))),
        }
    }

    /// The signed head of size `size`; `0` for the latest.
    pub fn head_at(&self, size: u64) -> Result<SignedTreeHead, AuditError> {
        if size == 0 {
            return self
                .latest_head()?
                .ok_or_else(|| AuditError::NotFound("the log has no signed tree head yet".into()));
        }
        let heads = self.store().tree_heads(self.log_id(), size, size)?;
        match heads.first() {
            Some(h) => signed_head(h),
            None => Err(AuditError::NotFound(format!(
                "no tree head of size {size} was signed"
            ))),
        }
    }

    /// Entry `seq`, the signed head of size `tree_size` (0: the latest) and the inclusion
    /// proof of the entry in that tree. The proof is checked before it is returned.
    pub fn inclusion_proof(
        &self,
        seq: u64,
        tree_size: u64,
    ) -> Result<(Entry, SignedTreeHead, Vec<Hash32>), AuditError> {
        let head = self.head_at(tree_size)?;
        let size = head.head.size;
        if seq == 0 || seq > size.get() {
            return Err(AuditError::OutOfRange(format!(
                "entry {seq} is not in the tree of size {size}"
            )));
        }
        let entry = self.entry(seq)?;
        let index = LeafIndex::new(seq - 1);
        let proof = self.with_stored_subtrees(|src| inclusion_proof_from(src, index, size))?;
        verify_inclusion(&entry.leaf_hash(), index, size, &proof, &head.head.root).map_err(
            |e| AuditError::Corrupt(format!("entry {seq} does not prove into head {size}: {e}")),
        )?;
        Ok((entry, head, proof))
    }

    /// The signed heads of sizes `old` and `new` (0: the latest) and the consistency proof
    /// between them, checked before it is returned.
    pub fn consistency_proof(
        &self,
        old: u64,
        new: u64,
    ) -> Result<(SignedTreeHead, SignedTreeHead, Vec<Hash32>), AuditError> {
        let new_head = self.head_at(new)?;
        if old > new_head.head.size.get() {
            return Err(AuditError::OutOfRange(format!(
                "old size {old} is larger than new size {}",
                new_head.head.size
            )));
        }
        let old_head = if old == 0 {
            // The empty tree is not signed; a zero-size head stands for it.
            SignedTreeHead {
                head: TreeHead {
                    log_id: self.log_id().to_owned(),
                    size: TreeSize::new(0),
                    root: fiu_audit::empty_root(),
                    timestamp_ms: 0,
                },
                signature: Signature::from_bytes(&[0; 64]),
            }
        } else {
            self.head_at(old)?
        };
        let proof = self.raw_consistency_proof(old_head.head.size, new_head.head.size)?;
        verify_consistency(
            old_head.head.size,
            new_head.head.size,
            &old_head.head.root,
            &new_head.head.root,
            &proof,
        )
        .map_err(|e| {
            AuditError::Corrupt(format!("heads {old} and {new} are not consistent: {e}"))
        })?;
        Ok((old_head, new_head, proof))
    }

    /// The consistency proof between two sealed sizes, whether or not heads were signed at
    /// them (the witness round proves from the size a peer last countersigned).
    pub fn raw_consistency_proof(
        &self,
        old: TreeSize,
        new: TreeSize,
    ) -> Result<Vec<Hash32>, AuditError> {
        self.check_sealed(new)?;
        self.with_stored_subtrees(|src| consistency_proof_from(src, old, new))
    }

    /// Countersignatures on this log's heads of size in `[from_size, to_size]` (to 0: all).
    pub fn countersignatures(
        &self,
        from_size: u64,
        to_size: u64,
    ) -> Result<Vec<Countersignature>, AuditError> {
        let to = if to_size == 0 { u64::MAX } else { to_size };
        Ok(self
            .store()
            .countersignatures(from_size, to)?
            .iter()
            .map(countersignature_of)
            .collect())
    }

    /// Stores a countersignature after checking it with the witness's key.
    pub fn add_countersignature(
        &self,
        head: &TreeHead,
        cs: &Countersignature,
        witness_key: &VerifyingKey,
    ) -> Result<(), AuditError> {
        cs.verify(head, witness_key)
            .map_err(|e| AuditError::BadCountersignature(e.to_string()))?;
        self.store()
            .save_countersignature(&StoredCountersignature {
                size: cs.size.get(),
                witness: cs.witness.clone(),
                signature: cs.signature.to_bytes(),
            })?;
        Ok(())
    }

    /// The export of entries `[from_seq, to_seq]` (0s: from the start, to the latest head).
    /// The end is moved to the first signed head at or after `to_seq` (or cut at the latest
    /// head), so every exported entry is covered by a signature; the export carries every
    /// head and countersignature in its range. Blocking.
    pub fn export(&self, from_seq: u64, to_seq: u64) -> Result<Export, AuditError> {
        let latest = self
            .latest_head()?
            .ok_or_else(|| AuditError::NotFound("the log has no signed tree head yet".into()))?;
        let from = from_seq.max(1);
        let want = if to_seq == 0 {
            latest.head.size.get()
        } else {
            to_seq
        };
        if from > want {
            return Err(AuditError::OutOfRange(format!(
                "the range {from}..={want} is empty"
            )));
        }
        let to = self
            .store()
            .tree_heads(self.log_id(), want, u64::MAX)?
            .first()
            .map_or(latest.head.size.get(), |h| h.size);
        if from > to.max(1) {
            return Err(AuditError::OutOfRange(format!(
                "entry {from} is after the latest signed head (size {to})"
            )));
        }
        let count = to.saturating_sub(from - 1);
        if count > MAX_EXPORT_ENTRIES {
            return Err(AuditError::TooLarge(format!(
                "{count} entries asked; export at most {MAX_EXPORT_ENTRIES} at a time"
            )));
        }
        let prefix_size = TreeSize::new(from - 1);
        self.check_sealed(TreeSize::new(to))?;
        let prefix = self.with_stored_subtrees(|src| frontier_from(src, prefix_size))?;
        let entries: Vec<Entry> = self
            .store()
            .audit_events(from, to + 1)?
            .iter()
            .map(entry_of)
            .collect();
        let heads = self
            .store()
            .tree_heads(self.log_id(), prefix_size.get(), to)?
            .iter()
            .map(signed_head)
            .collect::<Result<Vec<_>, _>>()?;
        let countersignatures = self
            .store()
            .countersignatures(prefix_size.get(), to)?
            .iter()
            .map(countersignature_of)
            .collect();
        Ok(Export {
            log_id: self.log_id().to_owned(),
            public_key: self.public_key(),
            prefix,
            entries,
            heads,
            countersignatures,
        })
    }

    /// Stored events matching `query` (the auditor's filters).
    pub fn list(&self, query: &AuditQuery) -> Result<Vec<StoredAuditEvent>, AuditError> {
        Ok(self.store().list_audit_events(query)?)
    }

    /// Entry `seq` as stored.
    pub fn entry(&self, seq: u64) -> Result<Entry, AuditError> {
        self.store()
            .audit_events(seq, seq.saturating_add(1))?
            .first()
            .map(entry_of)
            .ok_or_else(|| AuditError::NotFound(format!("entry {seq} is not stored")))
    }

    fn check_sealed(&self, size: TreeSize) -> Result<(), AuditError> {
        let sealed = relock(self.frontier.lock()).size();
        if size > sealed {
            return Err(AuditError::OutOfRange(format!(
                "size {size} is beyond the tree built so far ({sealed} entries)"
            )));
        }
        Ok(())
    }

    /// Runs a root or proof computation over the stored subtrees: first against a recorder
    /// to learn which subtrees it reads, then against those, fetched in one store call.
    fn with_stored_subtrees<T>(
        &self,
        run: impl Fn(&Source<'_>) -> Result<T, ProofError>,
    ) -> Result<T, AuditError> {
        let recorder = SubtreeRecorder::default();
        run(&Source::Recorder(&recorder)).map_err(proof_error)?;
        let keys = recorder.keys();
        let hashes = self.store().audit_nodes(&narrow(&keys))?;
        let map: BTreeMap<(u32, u64), Hash32> = keys
            .into_iter()
            .zip(hashes)
            .filter_map(|(k, h)| h.map(|h| (k, Hash32::from_bytes(h))))
            .collect();
        run(&Source::Stored(map)).map_err(proof_error)
    }
}

/// Opens the log of a starting node and records the start with the configuration it runs
/// under (`node.started`: member id, epoch, public key, peers and their keys, policy,
/// limits; never a secret).
pub async fn start(
    config: &crate::config::Config,
    engine: Arc<Engine>,
) -> Result<Arc<AuditLog>, AuditError> {
    let event = AuditEvent {
        kind: "node.started".into(),
        actor: "node".into(),
        detail: json!({
            "member_id": config.node.member_id,
            "version": env!("CARGO_PKG_VERSION"),
            "epoch": engine.epoch().0,
            "public_key": engine.public_key().to_string(),
            "peers": config.peers.iter().map(|p| json!({
                "member_id": p.member_id,
                "endpoint": p.endpoint,
                "public_key": p.public_key,
            })).collect::<Vec<_>>(),
            "policy": config.policy,
            "limits": config.limits,
            "filter": config.filter,
            "audit": config.audit,
        })
        .to_string(),
    };
    match tokio::task::spawn_blocking(move || {
        engine.store().append_audit(&[event])?;
        AuditLog::open(engine).map(Arc::new)
    })
    .await
    {
        Ok(r) => r,
        Err(e) => Err(AuditError::Corrupt(format!("start-up task failed: {e}"))),
    }
}

/// Where [`AuditLog::with_stored_subtrees`] reads subtrees.
enum Source<'a> {
    Recorder(&'a SubtreeRecorder),
    Stored(BTreeMap<(u32, u64), Hash32>),
}

impl Subtrees for Source<'_> {
    fn subtree(&self, level: u32, index: u64) -> Option<Hash32> {
        match self {
            Source::Recorder(r) => r.subtree(level, index),
            Source::Stored(m) => m.subtree(level, index),
        }
    }
}

fn proof_error(e: ProofError) -> AuditError {
    match e {
        ProofError::MissingSubtree { .. } => AuditError::Corrupt(e.to_string()),
        other => AuditError::OutOfRange(other.to_string()),
    }
}

/// Subtree keys with the level as the store keeps it (levels are below 64).
fn narrow(keys: &[(u32, u64)]) -> Vec<(u8, u64)> {
    keys.iter().map(|&(l, i)| (l as u8, i)).collect()
}

/// A stored event as a log entry (the Merkle leaf).
pub fn entry_of(e: &StoredAuditEvent) -> Entry {
    Entry {
        seq: e.seq,
        at_ms: e.at_ms,
        kind: e.event.kind.clone(),
        actor: e.event.actor.clone(),
        detail: e.event.detail.clone(),
    }
}

/// A signed head as the store keeps it.
pub fn stored_head(h: &SignedTreeHead) -> StoredTreeHead {
    StoredTreeHead {
        log_id: h.head.log_id.clone(),
        size: h.head.size.get(),
        root: *h.head.root.as_bytes(),
        timestamp_ms: h.head.timestamp_ms,
        signature: h.signature.to_bytes(),
    }
}

/// A stored head as a signed head.
pub fn signed_head(h: &StoredTreeHead) -> Result<SignedTreeHead, AuditError> {
    Ok(SignedTreeHead {
        head: TreeHead {
            log_id: h.log_id.clone(),
            size: TreeSize::new(h.size),
            root: Hash32::from_bytes(h.root),
            timestamp_ms: h.timestamp_ms,
        },
        signature: Signature::from_bytes(&h.signature),
    })
}

/// A stored countersignature.
fn countersignature_of(c: &StoredCountersignature) -> Countersignature {
    Countersignature {
        witness: c.witness.clone(),
        size: TreeSize::new(c.size),
        signature: Signature::from_bytes(&c.signature),
    }
}

/// A signed head on the wire.
pub fn head_message(h: &SignedTreeHead) -> v1::SignedTreeHead {
    v1::SignedTreeHead {
        log_id: h.head.log_id.clone(),
        size: h.head.size.get(),
        root: h.head.root.as_bytes().to_vec(),
        timestamp_ms: h.head.timestamp_ms,
        signature: h.signature.to_bytes().to_vec(),
    }
}

/// A signed head from the wire; the error names the field. The signature is not checked.
pub fn head_from_message(m: &v1::SignedTreeHead) -> Result<SignedTreeHead, String> {
    let root: [u8; 32] = m
        .root
        .as_slice()
        .try_into()
        .map_err(|_| format!("root: {} bytes, expected 32", m.root.len()))?;
    let signature = Signature::from_slice(&m.signature)
        .map_err(|_| format!("signature: {} bytes, expected 64", m.signature.len()))?;
    Ok(SignedTreeHead {
        head: TreeHead {
            log_id: m.log_id.clone(),
            size: TreeSize::new(m.size),
            root: Hash32::from_bytes(root),
            timestamp_ms: m.timestamp_ms,
        },
        signature,
    })
}

/// A countersignature on the wire.
pub fn countersignature_message(c: &Countersignature) -> v1::Countersignature {
    v1::Countersignature {
        size: c.size.get(),
        witness: c.witness.clone(),
        signature: c.signature.to_bytes().to_vec(),
    }
}

/// A countersignature from the wire; the error names the field.
pub fn countersignature_from_message(m: &v1::Countersignature) -> Result<Countersignature, String> {
    let signature = Signature::from_slice(&m.signature)
        .map_err(|_| format!("signature: {} bytes, expected 64", m.signature.len()))?;
    Ok(Countersignature {
        witness: m.witness.clone(),
        size: TreeSize::new(m.size),
        signature,
    })
}

/// A list of 32-byte hashes from the wire; the error names the element.
pub fn hashes_from_message(field: &str, list: &[Vec<u8>]) -> Result<Vec<Hash32>, String> {
    list.iter()
        .enumerate()
        .map(|(i, b)| {
            <[u8; 32]>::try_from(b.as_slice())
                .map(Hash32::from_bytes)
                .map_err(|_| format!("{field}[{i}]: {} bytes, expected 32", b.len()))
        })
        .collect()
}
