//! The node's core: its subjects' tokens, its own published filter, the peers' filters, and
//! the hits between them.
//!
//! Synchronous and CPU-bound by design: the gRPC services call it from blocking threads. Locks
//! are `std::sync` and never held across an `.await` (there is none in this module). Lock
//! order, where two are taken: `own` before `local`, `peers` before `local`.
//!
//! Flow:
//! - ingest: validate and key each subject ([`matcher::keys::derive`]), store it with its
//!   tokens, add the shared tokens to the own filter and publish the delta, probe the new
//!   tokens against every peer filter;
//! - peer update: check signature, epoch and format, apply, probe the local tokens that the
//!   update could have turned into hits;
//! - deletion and expiry: remove, then publish a rebuilt snapshot (a Bloom filter cannot
//!   forget), so deleted subjects stop matching at the next snapshot.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use matcher::filter::{Delta, Filter, FilterError, FilterParams};
use matcher::hits::{HitMatch, HitPolicy, KeyedToken, decide, tokens_of};
use matcher::identifiers::FieldError;
use matcher::keys::{KeyOptions, derive};
use matcher::{Category, Epoch, NetworkSecret, Subject, Token, Tokeniser};
use serde_json::json;
use tokio::sync::broadcast;

use fiu_proto::signing::Signed;
use fiu_proto::v1;

use crate::block_index::{BLOCK_BITS, BlockIndex};
use crate::clock::now_ms;
use crate::identity::{Identity, PublicKey};
use crate::metrics::{DeleteCause, FilterState, LookupOutcome, Metrics, NodeState, ProbeTrigger};
use crate::store::{
    AuditEvent, NewHit, PreparedSubject, Publication, SignedBlob, Store, StoreError, StoredHit,
    UpsertOutcome,
};

/// Longest accepted local reference, in bytes.
pub const MAX_LOCAL_REF_LEN: usize = 256;

/// Buffered events per watcher before a slow watcher starts losing them (it is told so).
pub const BROADCAST_CAPACITY: usize = 4096;

/// Settings the engine needs from the configuration.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// This node's member id.
    pub member_id: String,
    /// The current epoch.
    pub epoch: Epoch,
    /// Target false-positive rate of the own filter.
    pub target_fpr: f64,
    /// Tokens the first snapshot is sized for.
    pub initial_capacity: u64,
    /// Categories whose tokens enter the shared filter.
    pub share_categories: Vec<Category>,
    /// Key recipe options.
    pub key_options: KeyOptions,
    /// Hit decision rule.
    pub hit_policy: HitPolicy,
}

/// Errors of the engine, by who is at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The caller sent something invalid; the message names the field.
    #[error("{0}")]
    InvalidArgument(String),
    /// The thing asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The call is valid but not in this state.
    #[error("{0}")]
    FailedPrecondition(String),
    /// A peer sent something that does not check; it is refused and kept out.
    #[error("peer {peer}: {reason}")]
    PeerRefused {
        /// The peer.
        peer: String,
        /// Why.
        reason: String,
    },
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A filter operation failed in a way the engine did not expect (a bug).
    #[error("internal filter error: {0}")]
    Filter(#[from] FilterError),
}

/// Outcome of an ingest call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IngestReport {
    /// New subjects.
    pub inserted: u64,
    /// Changed subjects.
    pub updated: u64,
    /// Subjects stored before with the same content.
    pub unchanged: u64,
    /// Records refused (nothing of them stored).
    pub refused: u64,
    /// Per-record problems: refusals, and values refused inside accepted records.
    pub issues: Vec<RecordIssue>,
    /// New hits found for the ingested subjects.
    pub new_hits: u64,
}

/// A problem with one record of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordIssue {
    /// Position of the record in the batch, from 0.
    pub index: usize,
    /// Its local reference (may be empty when that is the problem).
    pub local_ref: String,
    /// Field path.
    pub field: String,
    /// What is wrong (never the value).
    pub reason: String,
    /// Whether the whole record was refused, or only this value.
    pub record_refused: bool,
}

/// A filter publication event for subscribed peers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterUpdate {
    /// Replace the filter with this snapshot.
    Snapshot(SignedBlob),
    /// Apply this delta.
    Delta(SignedBlob),
}

impl FilterUpdate {
    /// The publication sequence number.
    pub fn seq(&self) -> u64 {
        match self {
            FilterUpdate::Snapshot(b) | FilterUpdate::Delta(b) => b.seq,
        }
    }
}

/// A peer filter as held.
#[derive(Debug)]
struct PeerFilter {
    filter: Filter,
    seq: u64,
    /// `filter.estimated_fpr()` for the item count it was computed at: the model sums a
    /// Poisson series (a fraction of a millisecond), and every look-up and probe asks it of
    /// every peer filter (30 of them took a look-up from under 1 ms to over 40 ms).
    fpr_cache: Mutex<Option<(u64, f64)>>,
}

impl PeerFilter {
    fn new(filter: Filter, seq: u64) -> Self {
        PeerFilter {
            filter,
            seq,
            fpr_cache: Mutex::new(None),
        }
    }

    /// The filter's estimated false-positive rate, computed once per item count.
    fn fpr(&self) -> f64 {
        let items = self.filter.item_count();
        let mut cache = self.fpr_cache.lock().unwrap_or_else(|p| p.into_inner());
        match *cache {
            Some((n, fpr)) if n == items => fpr,
            _ => {
                let fpr = self.filter.estimated_fpr();
                *cache = Some((items, fpr));
                fpr
            }
        }
    }
}

/// The own filter and its publication.
#[derive(Debug)]
struct OwnFilter {
    filter: Filter,
    capacity: u64,
    publication: Publication,
}

/// Result of an ad hoc look-up.
#[derive(Debug, Clone)]
pub struct LookupResult {
    /// Per peer that hit, what hit.
    pub hits: Vec<(String, HitMatch)>,
    /// Values of the looked-up subject that were refused.
    pub refused: Vec<FieldError>,
}

/// Tokens inserted at a time when the own filter is rebuilt.
const REBUILD_SLICE: usize = 1 << 16;

/// The node's core state. See the module docs.
pub struct Engine {
    settings: EngineSettings,
    store: Arc<dyn Store>,
    /// The current epoch and its tokeniser; replaced by an epoch rotation. Held only for a
    /// copy, never while taking another lock.
    keying: RwLock<Keying>,
    /// Taken for reading by every change to the local subjects or peer filters, for writing
    /// by an epoch rotation (`crate::rotation`): nothing is tokenised or applied under an
    /// epoch that is being replaced. Outermost lock.
    rotation_gate: RwLock<()>,
    /// Tells the peer subscriptions that the epoch changed (they reconnect at once).
    epoch_tx: tokio::sync::watch::Sender<Epoch>,
    identity: Identity,
    known_peers: HashMap<String, PublicKey>,
    own: Mutex<OwnFilter>,
    peers: RwLock<HashMap<String, PeerFilter>>,
    /// Every local subject's tokens and whether they are shared, by local reference.
    local: RwLock<HashMap<String, LocalSubject>>,
    /// Which local subjects have a token in a given block of a peer filter (lock order:
    /// after `local`).
    block_index: Mutex<BlockIndex>,
    hits_tx: broadcast::Sender<StoredHit>,
    updates_tx: broadcast::Sender<FilterUpdate>,
    follow_ups_tx: broadcast::Sender<crate::store::FollowUpRecord>,
    /// This node's metrics (its own registry: several nodes may share a process).
    metrics: Arc<Metrics>,
}

/// The epoch in force and the tokeniser of its key.
#[derive(Debug, Clone)]
struct Keying {
    epoch: Epoch,
    tokeniser: Tokeniser,
}

#[derive(Debug, Clone)]
struct LocalSubject {
    tokens: Vec<KeyedToken>,
    shared: bool,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("member_id", &self.settings.member_id)
            .field("epoch", &self.epoch())
            .finish_non_exhaustive()
    }
}

/// Every stored subject's tokens of `epoch`, by local reference.
fn load_local(
    store: &dyn Store,
    epoch: Epoch,
) -> Result<HashMap<String, LocalSubject>, EngineError> {
    let mut local: HashMap<String, LocalSubject> = HashMap::new();
    store.for_each_token(epoch, &mut |local_ref, token, shared| {
        let entry = local
            .entry(local_ref.to_owned())
            .or_insert_with(|| LocalSubject {
                tokens: Vec::new(),
                shared,
            });
        entry.tokens.push(token);
    })?;
    Ok(local)
}

fn event(kind: &str, actor: &str, detail: serde_json::Value) -> AuditEvent {
    AuditEvent {
        kind: kind.to_owned(),
        actor: actor.to_owned(),
        detail: detail.to_string(),
    }
}

/// The signed header of a snapshot publication. `published_at` is left unset: the sequence
/// number orders publications, and the header can be rebuilt from the stored blob to check
/// its signature.
pub fn snapshot_header(member: &str, blob: &SignedBlob, content_id: [u8; 32]) -> v1::SignedFilter {
    v1::SignedFilter {
        member_id: member.to_owned(),
        epoch: blob.epoch.0,
        sequence: blob.seq,
        filter_length: blob.bytes.len() as u64,
        content_id: content_id.to_vec(),
        published_at: None,
        signature: blob.signature.clone(),
    }
}

/// The signed wire form of a delta publication.
pub fn delta_message(member: &str, blob: &SignedBlob) -> v1::SignedDelta {
    v1::SignedDelta {
        member_id: member.to_owned(),
        epoch: blob.epoch.0,
        sequence: blob.seq,
        delta: blob.bytes.clone(),
        signature: blob.signature.clone(),
    }
}

impl Engine {
    /// Opens the engine over `store`: loads the local tokens, the own publication (rebuilt
    /// when missing or of another epoch) and the peers' filters of the current epoch.
    pub fn open(
        settings: EngineSettings,
        store: Arc<dyn Store>,
        secret: &NetworkSecret,
        identity: Identity,
        known_peers: HashMap<String, PublicKey>,
    ) -> Result<Engine, EngineError> {
        let epoch = settings.epoch;
        let tokeniser = Tokeniser::new(&secret.epoch_key(epoch));
        let local = load_local(&*store, epoch)?;
        let capacity = settings.initial_capacity;
        let params = FilterParams::for_capacity(capacity, settings.target_fpr)?;
        let placeholder = OwnFilter {
            filter: Filter::new(epoch, params),
            capacity,
            publication: Publication {
                snapshot: SignedBlob {
                    seq: 0,
                    epoch,
                    bytes: Vec::new(),
                    signature: Vec::new(),
                },
                deltas: Vec::new(),
            },
        };
        let (hits_tx, _) = broadcast::channel(BROADCAST_CAPACITY);
        let (updates_tx, _) = broadcast::channel(BROADCAST_CAPACITY);
        let (follow_ups_tx, _) = broadcast::channel(BROADCAST_CAPACITY);
        let metrics = Arc::new(Metrics::new(&settings.member_id, known_peers.keys()));
        let engine = Engine {
            settings,
            store,
            keying: RwLock::new(Keying { epoch, tokeniser }),
            rotation_gate: RwLock::new(()),
            epoch_tx: tokio::sync::watch::Sender::new(epoch),
            identity,
            known_peers,
            own: Mutex::new(placeholder),
            peers: RwLock::new(HashMap::new()),
            local: RwLock::new(local),
            block_index: Mutex::new(BlockIndex::new()),
            hits_tx,
            updates_tx,
            follow_ups_tx,
            metrics,
        };
        engine.load_own_publication()?;
        engine.load_peer_filters()?;
        Ok(engine)
    }

    /// This node's member id.
    pub fn member_id(&self) -> &str {
        &self.settings.member_id
    }

    /// The current epoch.
    pub fn epoch(&self) -> Epoch {
        self.keying.read().unwrap_or_else(|p| p.into_inner()).epoch
    }

    /// The current epoch's tokeniser (a copy: the lock is not held while it is used).
    fn tokeniser(&self) -> Tokeniser {
        self.keying
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .tokeniser
            .clone()
    }

    /// Changes to the epoch, as they happen (peer subscriptions reconnect on one).
    pub fn watch_epoch(&self) -> tokio::sync::watch::Receiver<Epoch> {
        self.epoch_tx.subscribe()
    }

    /// The settings the engine was opened with (`epoch` there is the epoch at opening; see
    /// [`Engine::epoch`] for the current one).
    pub fn settings(&self) -> &EngineSettings {
        &self.settings
    }

    fn gate(&self) -> std::sync::RwLockReadGuard<'_, ()> {
        self.rotation_gate.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Holds off ingest, deletion and peer updates while an epoch rotation runs.
    pub(crate) fn rotation_gate(&self) -> std::sync::RwLockWriteGuard<'_, ()> {
        self.rotation_gate
            .write()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Switches the running engine to `epoch` under `secret`, once the store holds every
    /// subject's tokens of that epoch (`crate::rotation` writes them first, holding
    /// [`Engine::rotation_gate`]): loads those tokens, drops every peer filter (all are of
    /// the retired epoch; peers send their new snapshots), and publishes a rebuilt snapshot
    /// of the new epoch. Returns the peers whose filters were dropped.
    pub(crate) fn install_epoch(
        &self,
        secret: &NetworkSecret,
        epoch: Epoch,
    ) -> Result<Vec<String>, EngineError> {
        let local = load_local(&*self.store, epoch)?;
        let retired = self.epoch();
        *self.keying.write().unwrap_or_else(|p| p.into_inner()) = Keying {
            epoch,
            tokeniser: Tokeniser::new(&secret.epoch_key(epoch)),
        };
        *self.write_local() = local;
        *self.lock_block_index() = BlockIndex::new();
        let dropped: Vec<String> = {
            let mut peers = self.write_peers();
            let mut names: Vec<String> = peers.drain().map(|(name, _)| name).collect();
            names.sort();
            names
        };
        // Every stored peer filter is of an epoch before the new one (a newer one is never
        // accepted): the held ones, and any a configured peer left unloaded, are dropped.
        for peer in &dropped {
            let audit = event(
                "filter.dropped",
                "node",
                json!({"peer": peer, "epoch": retired.0, "reason": "epoch retired",
                       "new_epoch": epoch.0}),
            );
            self.store.drop_peer(peer, &[audit])?;
        }
        for peer in self.known_peers.keys().filter(|p| !dropped.contains(p)) {
            self.store.drop_peer(peer, &[])?;
        }
        self.rebuild_own(&format!("epoch rotation from {} to {}", retired.0, epoch.0))?;
        self.epoch_tx.send_replace(epoch);
        Ok(dropped)
    }

    /// Refuses a peer filter of another epoch than this node's, with an audit event: a
    /// retired (older) epoch's filter is never installed again, and a newer one waits until
    /// this node rotates too.
    fn check_peer_epoch(&self, peer: &str, what: &str, epoch: Epoch) -> Result<(), EngineError> {
        let current = self.epoch();
        if epoch == current {
            return Ok(());
        }
        let reason = if epoch < current {
            format!(
                "{what} is of epoch {}, which this node has retired; it is at epoch {}",
                epoch.0, current.0
            )
        } else {
            format!(
                "{what} is of epoch {}, newer than this node's epoch {}; it is accepted once this node rotates",
                epoch.0, current.0
            )
        };
        let audit = event(
            "filter.refused",
            peer,
            json!({"epoch": epoch.0, "current_epoch": current.0, "reason": reason}),
        );
        self.store.append_audit(&[audit])?;
        Err(EngineError::PeerRefused {
            peer: peer.to_owned(),
            reason,
        })
    }

    /// This node's public identity key.
    pub fn public_key(&self) -> PublicKey {
        self.identity.public_key()
    }

    /// The node's identity (for signing follow-up messages).
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// A configured peer's public key.
    pub fn peer_key(&self, peer: &str) -> Option<&PublicKey> {
        self.known_peers.get(peer)
    }

    /// New hits as they are recorded.
    pub fn watch_hits(&self) -> broadcast::Receiver<StoredHit> {
        self.hits_tx.subscribe()
    }

    /// Follow-up changes as they happen.
    pub fn watch_follow_ups(&self) -> broadcast::Receiver<crate::store::FollowUpRecord> {
        self.follow_ups_tx.subscribe()
    }

    pub(crate) fn notify_follow_up(&self, record: &crate::store::FollowUpRecord) {
        self.metrics
            .follow_up_changed(record.direction, record.state);
        // No watcher is fine.
        let _ = self.follow_ups_tx.send(record.clone());
    }

    fn lock_own(&self) -> std::sync::MutexGuard<'_, OwnFilter> {
        // A panic while holding the lock leaves a filter that is still a valid filter (every
        // mutation is a bit OR or a whole replacement); recover rather than poison the node.
        self.own.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn read_local(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, LocalSubject>> {
        self.local.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write_local(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, LocalSubject>> {
        self.local.write().unwrap_or_else(|p| p.into_inner())
    }

    fn lock_block_index(&self) -> std::sync::MutexGuard<'_, BlockIndex> {
        // The index may only name too many subjects, never too few; a panic mid-build leaves
        // the previous index, which is still that.
        self.block_index.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn read_peers(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, PeerFilter>> {
        self.peers.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write_peers(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, PeerFilter>> {
        self.peers.write().unwrap_or_else(|p| p.into_inner())
    }

    fn load_own_publication(&self) -> Result<(), EngineError> {
        if let Some(publication) = self.store.own_publication()? {
            if publication.snapshot.epoch == self.epoch() {
                let mut filter = Filter::from_bytes(&publication.snapshot.bytes)?;
                for d in &publication.deltas {
                    filter.apply(&Delta::from_bytes(&d.bytes)?)?;
                }
                let mut own = self.lock_own();
                own.capacity = own.capacity.max(filter.item_count());
                own.filter = filter;
                own.publication = publication;
                return Ok(());
            }
        }
        self.rebuild_own("start")
    }

    fn load_peer_filters(&self) -> Result<(), EngineError> {
        let mut peers = self.write_peers();
        for (peer, publication) in self.store.peer_publications()? {
            if publication.snapshot.epoch != self.epoch() || !self.known_peers.contains_key(&peer) {
                continue;
            }
            let mut filter = Filter::from_bytes(&publication.snapshot.bytes)?;
            let mut seq = publication.snapshot.seq;
            for d in &publication.deltas {
                filter.apply(&Delta::from_bytes(&d.bytes)?)?;
                seq = d.seq;
            }
            peers.insert(peer, PeerFilter::new(filter, seq));
        }
        Ok(())
    }

    /// Rebuilds the own filter from the shared local tokens and publishes it as a new
    /// snapshot (start, deletions, growth).
    pub fn rebuild_own(&self, reason: &str) -> Result<(), EngineError> {
        let mut own = self.lock_own();
        let local = self.read_local();
        let shared = || local.values().filter(|s| s.shared);
        let count: u64 = shared().map(|s| s.tokens.len() as u64).sum();
        let mut capacity = own.capacity.max(self.settings.initial_capacity);
        while count > capacity {
            capacity = capacity.saturating_mul(2);
        }
        let mut filter = Filter::new(
            self.epoch(),
            FilterParams::for_capacity(capacity, self.settings.target_fpr)?,
        );
        // Inserted a slice at a time straight from the local subjects (no delta to record: the
        // snapshot replaces everything published before). Collecting every token first cost
        // 32 bytes per token at once: 3.3 GB at ten million subjects, at every start. Ingest
        // waits for the own filter's lock during a rebuild anyway, so holding the local
        // subjects' read lock as well costs it nothing.
        let mut slice: Vec<Token> = Vec::with_capacity(REBUILD_SLICE);
        for s in shared() {
            slice.extend(s.tokens.iter().map(|t| t.token));
            if slice.len() >= REBUILD_SLICE {
                filter.insert_many(&slice);
                slice.clear();
            }
        }
        filter.insert_many(&slice);
        drop(local);
        let seq = own
            .publication
            .deltas
            .last()
            .map_or(own.publication.snapshot.seq, |d| d.seq)
            + 1;
        let blob = self.store_own_snapshot(&filter, seq, reason)?;
        own.filter = filter;
        own.capacity = capacity;
        own.publication = Publication {
            snapshot: blob.clone(),
            deltas: Vec::new(),
        };
        // No subscriber is fine: peers catch up from the stored publication.
        let _ = self.updates_tx.send(FilterUpdate::Snapshot(blob));
        Ok(())
    }

    /// Signs `filter` as the own snapshot with sequence number `seq` and stores it with its
    /// audit event; the store drops the snapshot and deltas it replaces.
    fn store_own_snapshot(
        &self,
        filter: &Filter,
        seq: u64,
        reason: &str,
    ) -> Result<SignedBlob, EngineError> {
        let mut blob = SignedBlob {
            seq,
            epoch: self.epoch(),
            signature: Vec::new(),
            bytes: filter.to_bytes(),
        };
        // One BLAKE3 pass over the filter (790 MB at ten million subjects), not one for
        // the header and another for the audit event.
        let content_id = filter.content_id();
        let header = snapshot_header(&self.settings.member_id, &blob, content_id);
        blob.signature = self.identity.sign(&header.signed_bytes());
        let audit = event(
            "filter.snapshot_published",
            "node",
            json!({"seq": seq, "epoch": self.epoch().0, "tokens": filter.item_count(), "reason": reason,
                   "content_id": hex::encode(content_id)}),
        );
        self.store.save_own_snapshot(&blob, &[audit])?;
        Ok(blob)
    }

    /// Folds the deltas published since the last snapshot into a new snapshot once they
    /// outweigh it, so that a peer catching up (or joining) downloads at most about twice
    /// the filter instead of every delta of a bulk load (a delta costs about four times the
    /// Bloom optimum per subject, a snapshot 1.1 to 1.2 times). The snapshot takes the sequence
    /// number of the last delta, whose state it is: subscribers that applied that delta
    /// carry on with the next one and are sent nothing.
    fn compact_own(&self, own: &mut OwnFilter) -> Result<(), EngineError> {
        let delta_bytes: usize = own.publication.deltas.iter().map(|d| d.bytes.len()).sum();
        let Some(last) = own.publication.deltas.last() else {
            return Ok(());
        };
        if delta_bytes <= own.publication.snapshot.bytes.len() {
            return Ok(());
        }
        let blob = self.store_own_snapshot(&own.filter, last.seq, "compaction")?;
        own.publication = Publication {
            snapshot: blob,
            deltas: Vec::new(),
        };
        Ok(())
    }

    /// Adds shared tokens to the own filter and publishes the delta (or a bigger snapshot
    /// when the filter is full). Called with no other engine lock held.
    fn publish_tokens(&self, tokens: &[Token]) -> Result<(), EngineError> {
        if tokens.is_empty() {
            return Ok(());
        }
        let mut own = self.lock_own();
        if own.filter.item_count() + tokens.len() as u64 > own.capacity {
            own.capacity = own
                .capacity
                .saturating_mul(2)
                .max(own.filter.item_count() + tokens.len() as u64);
            drop(own);
            // The local index already holds the new tokens: the rebuild includes them.
            return self.rebuild_own("capacity");
        }
        let delta = own.filter.insert_batch(tokens);
        let seq = own
            .publication
            .deltas
            .last()
            .map_or(own.publication.snapshot.seq, |d| d.seq)
            + 1;
        let mut blob = SignedBlob {
            seq,
            epoch: self.epoch(),
            signature: Vec::new(),
            bytes: delta.to_bytes(),
        };
        let digest = *blake3::hash(&blob.bytes).as_bytes();
        blob.signature = self
            .identity
            .sign(&delta_message(&self.settings.member_id, &blob).signed_bytes());
        let audit = event(
            "filter.delta_published",
            "node",
            json!({"seq": seq, "epoch": self.epoch().0, "tokens": tokens.len(), "digest": hex::encode(digest)}),
        );
        self.store.append_own_delta(&blob, &[audit])?;
        own.publication.deltas.push(blob.clone());
        let _ = self.updates_tx.send(FilterUpdate::Delta(blob));
        // The batch is stored and its delta published: a failed compaction must not report
        // the ingest as failed. The deltas stay valid; the next delta tries again.
        if let Err(e) = self.compact_own(&mut own) {
            tracing::warn!(error = %e, "folding the own deltas into a snapshot failed; the deltas stay published");
        }
        Ok(())
    }

    /// What a subscriber that has applied everything up to `after_seq` needs, and a receiver
    /// for what comes next; taken atomically, so nothing falls between the two.
    pub fn own_updates_since(
        &self,
        after_seq: u64,
    ) -> (Vec<FilterUpdate>, broadcast::Receiver<FilterUpdate>) {
        let own = self.lock_own();
        let rx = self.updates_tx.subscribe();
        let p = &own.publication;
        let latest = p.deltas.last().map_or(p.snapshot.seq, |d| d.seq);
        // A subscriber that claims more than was published holds another history (this node
        // was restored from a backup): it gets the snapshot, which replaces what it holds.
        let backlog = if after_seq < p.snapshot.seq || after_seq > latest {
            std::iter::once(FilterUpdate::Snapshot(p.snapshot.clone()))
                .chain(p.deltas.iter().cloned().map(FilterUpdate::Delta))
                .collect()
        } else {
            p.deltas
                .iter()
                .filter(|d| d.seq > after_seq)
                .cloned()
                .map(FilterUpdate::Delta)
                .collect()
        };
        (backlog, rx)
    }

    /// The current own snapshot (without the deltas since).
    pub fn own_snapshot(&self) -> SignedBlob {
        self.lock_own().publication.snapshot.clone()
    }

    /// Tokens in the own filter and its estimated false-positive rate.
    pub fn own_filter_stats(&self) -> (u64, f64) {
        let own = self.lock_own();
        (own.filter.item_count(), own.filter.estimated_fpr())
    }

    /// Per peer held: (peer, last applied sequence, tokens, estimated false-positive rate).
    pub fn peer_filter_stats(&self) -> Vec<(String, u64, u64, f64)> {
        let peers = self.read_peers();
        let mut out: Vec<_> = peers
            .iter()
            .map(|(p, f)| (p.clone(), f.seq, f.filter.item_count(), f.fpr()))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// This node's metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The held state the metrics report: subjects, the own filter and each peer filter.
    pub fn metrics_state(&self) -> NodeState {
        let own = {
            let own = self.lock_own();
            let p = &own.publication;
            FilterState {
                sequence: p.deltas.last().map_or(p.snapshot.seq, |d| d.seq),
                tokens: own.filter.item_count(),
                bytes: own.filter.params().byte_len(),
                estimated_fpr: own.filter.estimated_fpr(),
            }
        };
        let mut peers: Vec<(String, FilterState)> = self
            .read_peers()
            .iter()
            .map(|(p, f)| {
                let state = FilterState {
                    sequence: f.seq,
                    tokens: f.filter.item_count(),
                    bytes: f.filter.params().byte_len(),
                    estimated_fpr: f.fpr(),
                };
                (p.clone(), state)
            })
            .collect();
        peers.sort_by(|a, b| a.0.cmp(&b.0));
        NodeState {
            subjects: self.read_local().len() as u64,
            own,
            peers,
            tls_handshakes: None,
        }
    }

    /// The last sequence applied from `peer`, if its filter is held.
    pub fn peer_position(&self, peer: &str) -> Option<u64> {
        self.read_peers().get(peer).map(|p| p.seq)
    }

    /// Validates, keys, stores and publishes a batch; probes the new subjects.
    pub fn ingest(
        &self,
        subjects: Vec<Subject>,
        actor: &str,
        source: &str,
    ) -> Result<IngestReport, EngineError> {
        let _gate = self.gate();
        let tokeniser = self.tokeniser();
        let mut report = IngestReport::default();
        let today = chrono::Utc::now().date_naive();
        let mut prepared: Vec<PreparedSubject> = Vec::with_capacity(subjects.len());
        let mut seen = HashSet::new();
        for (index, subject) in subjects.into_iter().enumerate() {
            let refuse = |field: &str, reason: &str| RecordIssue {
                index,
                local_ref: subject.local_ref.clone(),
                field: field.to_owned(),
                reason: reason.to_owned(),
                record_refused: true,
            };
            if subject.local_ref.trim().is_empty() || subject.local_ref.len() > MAX_LOCAL_REF_LEN {
                report.refused += 1;
                report
                    .issues
                    .push(refuse("local_ref", "must be 1 to 256 bytes"));
                continue;
            }
            if !seen.insert(subject.local_ref.clone()) {
                report.refused += 1;
                report
                    .issues
                    .push(refuse("local_ref", "appears twice in this batch"));
                continue;
            }
            if subject.expires.is_some_and(|d| d < today) {
                // Its retention has ended: storing it would publish tokens that the next
                // expiry sweep must take back.
                report.refused += 1;
                report.issues.push(refuse(
                    "expires",
                    "is in the past; the subject's retention has ended",
                ));
                continue;
            }
            let keys = derive(&subject, &self.settings.key_options);
            let record_refused = keys.keys.is_empty();
            for e in &keys.refused {
                report.issues.push(RecordIssue {
                    index,
                    local_ref: subject.local_ref.clone(),
                    field: e.field.clone(),
                    reason: e.error.to_string(),
                    record_refused,
                });
            }
            if record_refused {
                report.refused += 1;
                report.issues.push(refuse(
                    subject.record.type_name(),
                    "yields no match key: it needs a valid identifier, or a name with a full date of birth",
                ));
                continue;
            }
            let content_hash = match serde_json::to_vec(&subject) {
                Ok(bytes) => *blake3::hash(&bytes).as_bytes(),
                Err(_) => {
                    report.refused += 1;
                    report.issues.push(refuse("record", "cannot be serialised"));
                    continue;
                }
            };
            let shared = self.settings.share_categories.contains(&subject.category);
            prepared.push(PreparedSubject {
                tokens: tokens_of(&keys.keys, &tokeniser),
                subject,
                content_hash,
                shared,
            });
        }
        let audit = event(
            "ingest.batch",
            actor,
            json!({"source": source, "accepted": prepared.len(), "refused": report.refused}),
        );
        let outcomes = self
            .store
            .upsert_subjects(self.epoch(), &prepared, &[audit])?;

        let mut to_publish = Vec::new();
        let mut changed = Vec::new();
        let mut needs_rebuild = false;
        {
            let mut local = self.write_local();
            for (p, outcome) in prepared.iter().zip(&outcomes) {
                match outcome {
                    UpsertOutcome::Unchanged => {
                        report.unchanged += 1;
                        continue;
                    }
                    UpsertOutcome::Inserted => report.inserted += 1,
                    UpsertOutcome::Updated => report.updated += 1,
                }
                let new = LocalSubject {
                    tokens: p.tokens.clone(),
                    shared: p.shared,
                };
                if let Some(old) = local.insert(p.subject.local_ref.clone(), new) {
                    // A token that left a shared subject stays in the filter until a rebuild.
                    let kept: HashSet<Token> = if p.shared {
                        p.tokens.iter().map(|t| t.token).collect()
                    } else {
                        HashSet::new()
                    };
                    if old.shared && old.tokens.iter().any(|t| !kept.contains(&t.token)) {
                        needs_rebuild = true;
                    }
                }
                if p.shared {
                    to_publish.extend(p.tokens.iter().map(|t| t.token));
                }
                changed.push(p.subject.local_ref.clone());
            }
            self.lock_block_index()
                .note_changed(changed.iter().map(String::as_str));
        }
        if needs_rebuild {
            self.rebuild_own("update")?;
        } else {
            self.publish_tokens(&to_publish)?;
        }
        self.metrics.subjects_ingested(
            report.inserted,
            report.updated,
            report.unchanged,
            report.refused,
        );
        let probing = Instant::now();
        report.new_hits = self.probe_subjects(&changed, None)? as u64;
        self.metrics.probe(ProbeTrigger::Ingest, probing.elapsed());
        Ok(report)
    }

    /// Deletes subjects, then publishes a rebuilt snapshot so they stop matching.
    pub fn delete(
        &self,
        refs: &[String],
        actor: &str,
        reason: &str,
    ) -> Result<Vec<bool>, EngineError> {
        let _gate = self.gate();
        let audit = event(
            "ingest.delete",
            actor,
            json!({"local_refs": refs, "reason": reason}),
        );
        let existed = self.store.delete_subjects(refs, &[audit])?;
        let mut any_shared = false;
        {
            let mut local = self.write_local();
            for r in refs {
                if let Some(old) = local.remove(r) {
                    any_shared |= old.shared;
                }
            }
        }
        if any_shared {
            self.rebuild_own("deletion")?;
        }
        Ok(existed)
    }

    /// Deletes the subjects whose expiry date has passed.
    pub fn expire(&self, today: chrono::NaiveDate) -> Result<usize, EngineError> {
        let expired = self.store.expired_subjects(today)?;
        if !expired.is_empty() {
            let existed = self.delete(&expired, "node", "expired")?;
            let n = existed.iter().filter(|e| **e).count() as u64;
            self.metrics.subjects_deleted(DeleteCause::Expiry, n);
        }
        Ok(expired.len())
    }

    /// Probes the named local subjects (or all, when `peer` names one peer whose filter
    /// changed and `refs` is empty) and records new hits. Returns how many were new.
    fn probe_subjects(&self, refs: &[String], peer: Option<&str>) -> Result<usize, EngineError> {
        let mut found: Vec<NewHit> = Vec::new();
        {
            let peers = self.read_peers();
            let local = self.read_local();
            let fpr_of = |pf: &PeerFilter| pf.fpr();
            let mut probe_one =
                |local_ref: &str, subject: &LocalSubject, name: &str, pf: &PeerFilter| {
                    let hit: Vec<KeyedToken> = subject
                        .tokens
                        .iter()
                        .copied()
                        .filter(|t| pf.filter.contains(&t.token))
                        .collect();
                    if let Some(m) = decide(hit, fpr_of(pf), &self.settings.hit_policy) {
                        found.push(self.new_hit(local_ref, name, m));
                    }
                };
            match peer {
                Some(name) => {
                    if let Some(pf) = peers.get(name) {
                        if refs.is_empty() {
                            for (r, s) in local.iter() {
                                probe_one(r, s, name, pf);
                            }
                        } else {
                            for r in refs {
                                if let Some(s) = local.get(r) {
                                    probe_one(r, s, name, pf);
                                }
                            }
                        }
                    }
                }
                None => {
                    for r in refs {
                        if let Some(s) = local.get(r) {
                            for (name, pf) in peers.iter() {
                                probe_one(r, s, name, pf);
                            }
                        }
                    }
                }
            }
        }
        self.record_hits(found)
    }

    fn new_hit(&self, local_ref: &str, peer: &str, m: HitMatch) -> NewHit {
        NewHit {
            local_ref: local_ref.to_owned(),
            peer: peer.to_owned(),
            epoch: self.epoch(),
            kinds: m.kinds,
            strength: m.strength,
            confidence: m.confidence,
            tokens: m.tokens,
            at_ms: now_ms(),
        }
    }

    /// Records `found` in one store call (one transaction where the store can), then counts
    /// and announces the new ones.
    fn record_hits(&self, found: Vec<NewHit>) -> Result<usize, EngineError> {
        let mut batch = Vec::with_capacity(found.len());
        for hit in found {
            let audit = event(
                "hit.recorded",
                "node",
                json!({
                    "local_ref": hit.local_ref,
                    "peer": hit.peer,
                    "epoch": hit.epoch.0,
                    "kinds": hit.kinds.iter().map(|k| k.label()).collect::<Vec<_>>(),
                    "tokens": hit.tokens.iter().map(|t| t.token.to_hex()).collect::<Vec<_>>(),
                    "confidence": hit.confidence,
                }),
            );
            batch.push((hit, vec![audit]));
        }
        let recorded = match self.store.record_hits(&batch) {
            Ok(recorded) => recorded,
            // The batch is all or nothing; one hit can fail alone (its subject was deleted
            // meanwhile), so record the hits one by one rather than lose the others, and
            // report the first failure after trying them all.
            Err(_) => {
                let mut recorded = Vec::with_capacity(batch.len());
                let mut first_error = None;
                for (hit, audit) in &batch {
                    match self.store.record_hit(hit, audit) {
                        Ok(r) => recorded.push(r),
                        Err(e) => {
                            first_error.get_or_insert(e);
                        }
                    }
                }
                let new = self.announce_hits(recorded);
                return match first_error {
                    Some(e) => Err(e.into()),
                    None => Ok(new),
                };
            }
        };
        Ok(self.announce_hits(recorded))
    }

    /// Counts, measures and broadcasts the newly stored hits among `recorded`.
    fn announce_hits(&self, recorded: Vec<Option<StoredHit>>) -> usize {
        let mut new = 0;
        for stored in recorded.into_iter().flatten() {
            new += 1;
            self.metrics
                .hit_recorded(&stored.hit.peer, stored.hit.strength);
            let _ = self.hits_tx.send(stored);
        }
        new
    }

    fn check_peer(&self, peer: &str) -> Result<&PublicKey, EngineError> {
        self.known_peers
            .get(peer)
            .ok_or_else(|| EngineError::PeerRefused {
                peer: peer.to_owned(),
                reason: "is not a configured member".into(),
            })
    }

    /// Verifies and installs a peer's snapshot, then probes every local subject against it.
    /// Returns the number of new hits.
    pub fn apply_peer_snapshot(&self, peer: &str, blob: SignedBlob) -> Result<usize, EngineError> {
        let _gate = self.gate();
        let key = self.check_peer(peer)?;
        let refused = |reason: String| EngineError::PeerRefused {
            peer: peer.to_owned(),
            reason,
        };
        let filter = Filter::from_bytes(&blob.bytes)
            .map_err(|e| refused(format!("snapshot refused: {e}")))?;
        let header = snapshot_header(peer, &blob, filter.content_id());
        key.verify(&header.signed_bytes(), &blob.signature)
            .map_err(|_| {
                refused(format!(
                    "snapshot {} has a signature that does not verify",
                    blob.seq
                ))
            })?;
        if blob.epoch != filter.epoch() {
            return Err(refused(format!(
                "snapshot {} declares epoch {} but its filter is of epoch {}",
                blob.seq,
                blob.epoch.0,
                filter.epoch().0
            )));
        }
        self.check_peer_epoch(peer, &format!("snapshot {}", blob.seq), blob.epoch)?;
        let audit = event(
            "filter.snapshot_received",
            peer,
            json!({"seq": blob.seq, "epoch": blob.epoch.0, "tokens": filter.item_count(),
                   "content_id": hex::encode(filter.content_id())}),
        );
        self.store.save_peer_snapshot(peer, &blob, &[audit])?;
        self.write_peers()
            .insert(peer.to_owned(), PeerFilter::new(filter, blob.seq));
        let probing = Instant::now();
        let new_hits = self.probe_subjects(&[], Some(peer))?;
        self.metrics
            .probe(ProbeTrigger::Snapshot, probing.elapsed());
        Ok(new_hits)
    }

    /// Verifies and applies a peer's delta (it must follow the last applied sequence), then
    /// probes the local subjects it could have turned into hits. Returns the new hits.
    pub fn apply_peer_delta(&self, peer: &str, blob: SignedBlob) -> Result<usize, EngineError> {
        self.apply_peer_deltas(peer, vec![blob])
    }

    /// Verifies and applies consecutive deltas of one peer, then probes once the local
    /// subjects with a token in a block any of them changed. Deltas that queued up while the
    /// engine was busy cost one scan of the local tokens instead of one each. On a refused
    /// delta, the ones before it stay applied (and their subjects are probed) and the error
    /// is returned.
    pub fn apply_peer_deltas(
        &self,
        peer: &str,
        blobs: Vec<SignedBlob>,
    ) -> Result<usize, EngineError> {
        let _gate = self.gate();
        let key = *self.check_peer(peer)?;
        let refused = |reason: String| EngineError::PeerRefused {
            peer: peer.to_owned(),
            reason,
        };
        // The blocks of the peer's filter that the deltas touched.
        let mut changed: Vec<u64> = Vec::new();
        let mut outcome = Ok(());
        for blob in blobs {
            let step = (|| {
                let digest = *blake3::hash(&blob.bytes).as_bytes();
                key.verify(&delta_message(peer, &blob).signed_bytes(), &blob.signature)
                    .map_err(|_| {
                        refused(format!(
                            "delta {} has a signature that does not verify",
                            blob.seq
                        ))
                    })?;
                let delta = Delta::from_bytes(&blob.bytes)
                    .map_err(|e| refused(format!("delta refused: {e}")))?;
                let mut peers = self.write_peers();
                let pf = peers
                    .get_mut(peer)
                    .ok_or_else(|| refused("sent a delta before any snapshot".into()))?;
                if blob.seq != pf.seq + 1 {
                    return Err(EngineError::FailedPrecondition(format!(
                        "peer {peer}: delta {} does not follow {}; a snapshot is needed",
                        blob.seq, pf.seq
                    )));
                }
                if delta.epoch() != blob.epoch {
                    return Err(refused(format!(
                        "delta {} declares epoch {} but is of epoch {}",
                        blob.seq,
                        blob.epoch.0,
                        delta.epoch().0
                    )));
                }
                self.check_peer_epoch(peer, &format!("delta {}", blob.seq), blob.epoch)?;
                // Checked before storing, then applied in place: `apply` fails only on a
                // parameter or epoch mismatch, and a copy of the whole filter per delta is
                // 48 MB at a million subjects (0.4 GB at ten million).
                if delta.params() != pf.filter.params() || delta.epoch() != pf.filter.epoch() {
                    return Err(refused(format!(
                        "delta does not fit the snapshot: parameters {} against {}",
                        delta.params(),
                        pf.filter.params()
                    )));
                }
                let audit = event(
                    "filter.delta_received",
                    peer,
                    json!({"seq": blob.seq, "epoch": blob.epoch.0, "added": delta.added_items(), "digest": hex::encode(digest)}),
                );
                self.store.append_peer_delta(peer, &blob, &[audit])?;
                pf.filter
                    .apply(&delta)
                    .map_err(|e| refused(format!("delta does not fit the snapshot: {e}")))?;
                pf.seq = blob.seq;
                changed.extend(delta.positions().iter().map(|p| p / BLOCK_BITS));
                changed.dedup();
                Ok(())
            })();
            if let Err(e) = step {
                outcome = Err(e);
                break;
            }
        }
        let probing = Instant::now();
        // Only tokens with a bit in a changed block can have become hits; the block index
        // finds them in proportion to the blocks changed, not to the local population.
        let candidates: Vec<String> = {
            let peers = self.read_peers();
            let local = self.read_local();
            match peers.get(peer) {
                Some(pf) if !changed.is_empty() => self.lock_block_index().candidates(
                    pf.filter.params(),
                    &changed,
                    &local,
                    |s| &s.tokens,
                    |t| pf.filter.contains(t),
                ),
                _ => Vec::new(),
            }
        };
        let new_hits = if candidates.is_empty() {
            0
        } else {
            self.probe_subjects(&candidates, Some(peer))?
        };
        if !changed.is_empty() {
            self.metrics.probe(ProbeTrigger::Delta, probing.elapsed());
        }
        outcome.map(|()| new_hits)
    }

    /// Ad hoc hit/no-hit for a subject across every peer filter held, without storing the
    /// subject. Needs a case reference and a purpose; the look-up is audited.
    pub fn lookup(
        &self,
        subject: &Subject,
        user: &str,
        case_reference: &str,
        purpose: &str,
    ) -> Result<LookupResult, EngineError> {
        let started = Instant::now();
        let result = self.lookup_unmetered(subject, user, case_reference, purpose);
        let outcome = match &result {
            Ok(r) if r.hits.is_empty() => LookupOutcome::NoHit,
            Ok(_) => LookupOutcome::Hit,
            Err(_) => LookupOutcome::Refused,
        };
        self.metrics.lookup(outcome, started.elapsed());
        result
    }

    /// [`Engine::lookup`] without its metrics.
    fn lookup_unmetered(
        &self,
        subject: &Subject,
        user: &str,
        case_reference: &str,
        purpose: &str,
    ) -> Result<LookupResult, EngineError> {
        if case_reference.trim().is_empty() {
            return Err(EngineError::InvalidArgument(
                "case_reference is required for a look-up".into(),
            ));
        }
        if purpose.trim().is_empty() {
            return Err(EngineError::InvalidArgument(
                "purpose is required for a look-up".into(),
            ));
        }
        let keys = derive(subject, &self.settings.key_options);
        if keys.keys.is_empty() {
            let fields: Vec<String> = keys.refused.iter().map(|e| e.to_string()).collect();
            return Err(EngineError::InvalidArgument(if fields.is_empty() {
                format!(
                    "the {} yields no match key: it needs a valid identifier, or a name with a full date of birth",
                    subject.record.type_name()
                )
            } else {
                format!(
                    "the {} yields no match key: {}",
                    subject.record.type_name(),
                    fields.join("; ")
                )
            }));
        }
        let tokens = tokens_of(&keys.keys, &self.tokeniser());
        let mut hits = Vec::new();
        {
            let peers = self.read_peers();
            for (name, pf) in peers.iter() {
                let hit: Vec<KeyedToken> = tokens
                    .iter()
                    .copied()
                    .filter(|t| pf.filter.contains(&t.token))
                    .collect();
                if let Some(m) = decide(hit, pf.fpr(), &self.settings.hit_policy) {
                    hits.push((name.clone(), m));
                }
            }
        }
        hits.sort_by(|a, b| a.0.cmp(&b.0));
        let audit = event(
            "lookup",
            user,
            json!({
                "case_reference": case_reference,
                "purpose": purpose,
                "tokens": tokens.len(),
                "peers_hit": hits.iter().map(|(p, m)| json!({"peer": p, "kinds": m.kinds.iter().map(|k| k.label()).collect::<Vec<_>>()})).collect::<Vec<_>>(),
            }),
        );
        self.store.append_audit(&[audit])?;
        Ok(LookupResult {
            hits,
            refused: keys.refused,
        })
    }

    /// Exact resolution of tokens (follow-ups): for each token, the local references of the
    /// subjects holding it under the current epoch, sorted; empty when none holds it (the
    /// peer's hit was a filter false positive).
    ///
    /// Answered from the local tokens in memory (the store keeps no index by token value,
    /// see `Store::for_each_token`): the block index names the few subjects with a token in
    /// the tokens' blocks of the own filter, and only their tokens are compared.
    pub fn resolve(&self, tokens: &[Token]) -> Result<Vec<Vec<String>>, EngineError> {
        if tokens.is_empty() {
            return Ok(Vec::new());
        }
        let _gate = self.gate();
        let params = self.lock_own().filter.params();
        let wanted: HashSet<Token> = tokens.iter().copied().collect();
        let blocks: Vec<u64> = tokens.iter().flat_map(|t| params.blocks_of(t)).collect();
        let local = self.read_local();
        let holders = self.lock_block_index().candidates(
            params,
            &blocks,
            &local,
            |s| &s.tokens,
            |t| wanted.contains(t),
        );
        Ok(tokens
            .iter()
            .map(|t| {
                let mut refs: Vec<String> = holders
                    .iter()
                    .filter(|r| {
                        local
                            .get(*r)
                            .is_some_and(|s| s.tokens.iter().any(|k| k.token == *t))
                    })
                    .cloned()
                    .collect();
                refs.sort();
                refs
            })
            .collect())
    }
}
