//! The node's storage behind one trait.
//!
//! [`Store`] is synchronous on purpose: SQLite is synchronous, and the async services call it
//! from blocking threads (`tokio::task::spawn_blocking`), never while holding a lock across an
//! `.await`. Two implementations: [`SqliteStore`], one embedded file per node (the default),
//! and [`PostgresStore`], one PostgreSQL database whose writes stay serialised and audited
//! when several node processes share it (what the engine allows today: docs/OPERATIONS.md).
//!
//! Every mutating method takes the audit events that describe it and writes them in the same
//! transaction, so an action is never stored without its audit entry (the rows are the leaves
//! of the signed Merkle log, `crate::audit_log`).
//!
//! What is stored: the FIU's subjects (raw data; local only), their tokens per epoch with an
//! index for exact look-up (follow-up resolution), the node's own published filter (last
//! snapshot and the deltas since), the peers' filters (last snapshot and the deltas since),
//! hits, follow-ups, audit events, and a small key-value table of node metadata.

mod codec;
mod group_commit;
pub mod postgres;
pub mod sqlite;

use chrono::NaiveDate;
use matcher::hits::KeyedToken;
use matcher::keys::{KeyKind, Strength};
use matcher::{Epoch, Subject};

pub use postgres::{PostgresSettings, PostgresStore};
pub use sqlite::SqliteStore;

/// A storage failure. Carries the cause for the node's log; the gRPC edge maps it to
/// `Internal` without sending the cause.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database refused or failed an operation.
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// PostgreSQL refused or failed an operation, or could not be reached. Carries the
    /// SQLSTATE and the server's message, never the values of the rows involved.
    #[error("database error: {0}")]
    Postgres(#[from] postgres::PostgresError),
    /// A stored row could not be decoded (corruption or a newer schema).
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
    /// The row the call names is not stored (e.g. updating a follow-up that was never
    /// inserted).
    #[error("not found: {0}")]
    NotFound(String),
    /// The write contradicts what is stored: a duplicate id, a filter delta that does not
    /// follow the stored publication.
    #[error("conflict with stored data: {0}")]
    Conflict(String),
    /// The database file is of a newer schema version than this binary knows.
    #[error("database schema version {found} is newer than this node supports ({supported})")]
    SchemaTooNew {
        /// Version in the file.
        found: i64,
        /// Newest version this binary knows.
        supported: i64,
    },
    /// The transaction that held this call's audit entries together with other callers'
    /// (group commit) failed with this error; none of its entries were written.
    #[error(transparent)]
    Shared(std::sync::Arc<StoreError>),
    /// The transaction that held this call's audit entries was abandoned: the caller writing
    /// it panicked, so it was rolled back and none of its entries were written.
    #[error("the transaction holding this audit entry was abandoned; nothing of it was written")]
    CommitAbandoned,
}

/// Result of storage operations.
pub type StoreResult<T> = Result<T, StoreError>;

/// A subject ready to store: validated, keyed and tokenised by the ingest path.
#[derive(Debug, Clone)]
pub struct PreparedSubject {
    /// The raw subject as imported.
    pub subject: Subject,
    /// BLAKE3 of the subject's canonical JSON: equal hashes mean "unchanged".
    pub content_hash: [u8; 32],
    /// The subject's tokens under the current epoch.
    pub tokens: Vec<KeyedToken>,
    /// Whether the category policy lets the subject's tokens into the shared filter.
    pub shared: bool,
}

/// What an upsert did to one subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsertOutcome {
    /// New local reference.
    Inserted,
    /// Existing local reference with different content: subject and tokens replaced.
    Updated,
    /// Existing local reference with the same content (and `shared` flag) whose tokens are
    /// already stored under this epoch: nothing written. The same content under a new epoch
    /// is `Updated`, so that an epoch rotation writes the new epoch's tokens.
    Unchanged,
}

/// One audit event, written in the same transaction as the change it records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// Event kind, e.g. `ingest.batch`, `hit.recorded`, `follow_up.sent`.
    pub kind: String,
    /// Who caused it: a user, a peer member id, or `node`.
    pub actor: String,
    /// Details as JSON: counts, tokens, local references, never another FIU's raw data.
    pub detail: String,
}

/// A stored audit event with its sequence number and time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAuditEvent {
    /// Position in the log, from 1, without gaps.
    pub seq: u64,
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// The event.
    pub event: AuditEvent,
}

/// Filters for listing audit events; every set field must match. Ascending by `seq`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only events with `seq >= from_seq` (0 and 1 both mean from the start).
    pub from_seq: u64,
    /// Only events with `seq < to_seq`.
    pub to_seq: Option<u64>,
    /// Only events at or after this time (ms since the Unix epoch).
    pub since_ms: Option<i64>,
    /// Only events before this time (ms).
    pub until_ms: Option<i64>,
    /// Only events of exactly this kind.
    pub kind: Option<String>,
    /// Only events of this actor.
    pub actor: Option<String>,
    /// Only events whose detail JSON has a top-level string `case_reference` equal to this.
    pub case_reference: Option<String>,
    /// At most this many (the caller bounds it).
    pub limit: usize,
}

/// A node of the audit log's Merkle tree: the root of the perfect subtree of leaves
/// `index * 2^level .. (index + 1) * 2^level` (level 0: the leaf hashes). Derived from the
/// `audit_events` rows by the node's audit module; stored so that proofs over a large log
/// read O(log² n) nodes instead of every leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditNode {
    /// Height of the subtree (0 for a leaf).
    pub level: u8,
    /// Position of the subtree among those of its level, from 0.
    pub index: u64,
    /// The subtree's root hash.
    pub hash: [u8; 32],
}

/// A signed tree head as stored: one of this node's own log, or one of a peer's log that this
/// node countersigned as a witness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTreeHead {
    /// The log: the member id of the node that keeps it.
    pub log_id: String,
    /// Entries covered.
    pub size: u64,
    /// Merkle root.
    pub root: [u8; 32],
    /// When the head was made, ms since the Unix epoch.
    pub timestamp_ms: i64,
    /// The log's Ed25519 signature.
    pub signature: [u8; 64],
}

/// A witness's countersignature on one of this node's own tree heads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCountersignature {
    /// Size of the head it covers.
    pub size: u64,
    /// The witness's member id.
    pub witness: String,
    /// The witness's Ed25519 signature over the head's signed bytes.
    pub signature: [u8; 64],
}

/// A filter snapshot or delta with its publication sequence number and signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedBlob {
    /// Publication sequence number (one counter for snapshots and deltas of a publisher).
    pub seq: u64,
    /// Epoch of the filter.
    pub epoch: Epoch,
    /// The bytes in matcher's snapshot or delta format.
    pub bytes: Vec<u8>,
    /// The publisher's Ed25519 signature.
    pub signature: Vec<u8>,
}

/// A filter publication: the last snapshot and the deltas published after it, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    /// The last snapshot.
    pub snapshot: SignedBlob,
    /// Deltas with `seq` greater than the snapshot's, ascending.
    pub deltas: Vec<SignedBlob>,
}

/// A hit to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewHit {
    /// The local subject that hit.
    pub local_ref: String,
    /// The peer whose filter hit.
    pub peer: String,
    /// Epoch of the tokens.
    pub epoch: Epoch,
    /// Key kinds that hit.
    pub kinds: Vec<KeyKind>,
    /// The strongest kind's strength.
    pub strength: Strength,
    /// Confidence in [0, 1].
    pub confidence: f64,
    /// The tokens that hit.
    pub tokens: Vec<KeyedToken>,
    /// When it was found, ms since the Unix epoch.
    pub at_ms: i64,
}

/// A stored hit.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredHit {
    /// Row id: stable, ascending in order of first sight.
    pub id: i64,
    /// The hit as last seen.
    pub hit: NewHit,
    /// First seen, ms since the Unix epoch.
    pub first_seen_ms: i64,
}

/// Filters for listing hits; every set field must match. Ordered by id, ascending.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HitQuery {
    /// Only hits at this peer.
    pub peer: Option<String>,
    /// Only hits where this kind hit.
    pub kind: Option<KeyKind>,
    /// Only hits at or above this confidence.
    pub min_confidence: Option<f64>,
    /// Only hits first seen at or after this time (ms).
    pub since_ms: Option<i64>,
    /// Only hits first seen before this time (ms).
    pub until_ms: Option<i64>,
    /// Only hits of this local subject.
    pub local_ref: Option<String>,
    /// Only hits with an id greater than this (pagination).
    pub after_id: Option<i64>,
    /// At most this many (the caller bounds it).
    pub limit: usize,
}

/// Which way a follow-up goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Sent by this node's investigator to a peer.
    Outgoing,
    /// Received from a peer.
    Incoming,
}

/// Where a follow-up stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUpState {
    /// Outgoing: created, not yet delivered (or delivery failed and will be retried).
    Pending,
    /// Outgoing: delivered; incoming: waiting for this node's investigator.
    Open,
    /// The peer's (or our) investigator accepted it.
    Accepted,
    /// Declined.
    Declined,
    /// Answered with a message.
    Responded,
    /// No token resolved to a subject at the receiver (a filter false positive); answered
    /// automatically.
    NotFound,
    /// Outgoing: the peer refused the message; `message` holds the reason.
    Failed,
}

/// A follow-up request and its state.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUpRecord {
    /// Globally unique id (chosen by the requesting node).
    pub id: String,
    /// Outgoing or incoming.
    pub direction: Direction,
    /// The other node.
    pub peer: String,
    /// Outgoing: the hit it follows up.
    pub hit_id: Option<i64>,
    /// Outgoing: the local subject of that hit; incoming: the local subjects the tokens
    /// resolved to.
    pub local_refs: Vec<String>,
    /// Case reference given by the requesting investigator.
    pub case_reference: String,
    /// Legal basis given by the requesting investigator.
    pub legal_basis: String,
    /// Purpose given by the requesting investigator.
    pub purpose: String,
    /// The hit tokens the request carries.
    pub tokens: Vec<KeyedToken>,
    /// Incoming, after resolution (and outgoing, after the answer): per token, whether the
    /// receiving node holds it exactly. Empty until known.
    pub token_found: Vec<bool>,
    /// State.
    pub state: FollowUpState,
    /// The answer's message, if any.
    pub message: Option<String>,
    /// The requesting user.
    pub requested_by: String,
    /// Created, ms since the Unix epoch.
    pub created_ms: i64,
    /// Last changed, ms since the Unix epoch.
    pub updated_ms: i64,
}

/// Filters for listing follow-ups, newest last.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FollowUpQuery {
    /// Only this direction.
    pub direction: Option<Direction>,
    /// Only this state.
    pub state: Option<FollowUpState>,
    /// Only created after this row position (pagination cursor from the last page).
    pub after_cursor: Option<i64>,
    /// At most this many.
    pub limit: usize,
}

/// Counts for one peer and one period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatisticsRow {
    /// The peer.
    pub peer: String,
    /// Start of the period, ms since the Unix epoch (UTC day, ISO week or month start).
    pub period_start_ms: i64,
    /// Hits first seen in the period.
    pub hits: u64,
    /// Follow-ups this node sent to the peer, created in the period.
    pub outgoing: FollowUpCounts,
    /// Follow-ups the peer sent to this node, received in the period.
    pub incoming: FollowUpCounts,
}

/// Follow-up counts of one direction, by where they stand now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FollowUpCounts {
    /// All of them.
    pub total: u64,
    /// Accepted.
    pub accepted: u64,
    /// Declined.
    pub declined: u64,
    /// Answered with a message.
    pub responded: u64,
    /// Failed, or not found at the receiver.
    pub failed: u64,
}

/// Statistics periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// UTC days.
    Day,
    /// ISO weeks (Monday start, UTC).
    Week,
    /// Calendar months (UTC).
    Month,
}

/// The node's storage. Implementations must be safe to call from several blocking threads.
pub trait Store: Send + Sync + 'static {
    /// Inserts or replaces subjects and their tokens under `epoch`, in one transaction with
    /// `audit`. Returns one outcome per subject, in order. A subject that is unchanged (same
    /// content hash) is not written.
    fn upsert_subjects(
        &self,
        epoch: Epoch,
        batch: &[PreparedSubject],
        audit: &[AuditEvent],
    ) -> StoreResult<Vec<UpsertOutcome>>;

    /// Deletes subjects with their tokens and hits; returns, per reference, whether it existed.
    fn delete_subjects(&self, refs: &[String], audit: &[AuditEvent]) -> StoreResult<Vec<bool>>;

    /// The stored raw subject.
    fn subject(&self, local_ref: &str) -> StoreResult<Option<Subject>>;

    /// How many subjects are stored.
    fn subject_count(&self) -> StoreResult<u64>;

    /// Local references of subjects whose expiry date is before `today`.
    fn expired_subjects(&self, today: NaiveDate) -> StoreResult<Vec<String>>;

    /// Calls `f(local_ref, token, shared)` for every stored token of `epoch`, grouped by
    /// subject (all tokens of one subject consecutively).
    ///
    /// The store keeps tokens by subject only, with no index by token value: HMAC tokens are
    /// uniformly random, so such an index takes a random B-tree insert per token and made
    /// bulk loads slow down with the store's size (docs/BENCHMARKS.md, "Bulk import"). The
    /// engine holds every local token in memory, loaded by this scan, and resolves tokens
    /// exactly from there.
    fn for_each_token(
        &self,
        epoch: Epoch,
        f: &mut dyn FnMut(&str, KeyedToken, bool),
    ) -> StoreResult<()>;

    /// Replaces this node's published snapshot; deltas up to its sequence are dropped.
    fn save_own_snapshot(&self, snapshot: &SignedBlob, audit: &[AuditEvent]) -> StoreResult<()>;

    /// Appends a delta to this node's publication.
    fn append_own_delta(&self, delta: &SignedBlob, audit: &[AuditEvent]) -> StoreResult<()>;

    /// This node's publication, if it has published.
    fn own_publication(&self) -> StoreResult<Option<Publication>>;

    /// Replaces a peer's filter snapshot; the peer's stored deltas are dropped.
    fn save_peer_snapshot(
        &self,
        peer: &str,
        snapshot: &SignedBlob,
        audit: &[AuditEvent],
    ) -> StoreResult<()>;

    /// Appends a delta to a peer's filter.
    fn append_peer_delta(
        &self,
        peer: &str,
        delta: &SignedBlob,
        audit: &[AuditEvent],
    ) -> StoreResult<()>;

    /// Every peer's stored filter publication, by peer id.
    fn peer_publications(&self) -> StoreResult<Vec<(String, Publication)>>;

    /// Drops a peer's filter (peer removed, or its epoch retired).
    fn drop_peer(&self, peer: &str, audit: &[AuditEvent]) -> StoreResult<()>;

    /// Records a hit. Returns the stored hit when it is new; when a hit of the same local
    /// subject, peer and epoch exists, updates its kinds, confidence and tokens and returns
    /// `None` (so replays and restarts never duplicate a hit). `audit` is written when the hit
    /// is new or what hit changed; an identical replay writes no audit event.
    fn record_hit(&self, hit: &NewHit, audit: &[AuditEvent]) -> StoreResult<Option<StoredHit>>;

    /// Records several hits, each with its audit events, as [`record_hit`](Self::record_hit)
    /// does one; the result has one entry per hit, in order. A peer snapshot can find
    /// thousands of hits at once: a store that can should write them in one transaction (one
    /// commit instead of thousands); on an error none of them is stored. The default records
    /// them one by one.
    fn record_hits(
        &self,
        hits: &[(NewHit, Vec<AuditEvent>)],
    ) -> StoreResult<Vec<Option<StoredHit>>> {
        hits.iter()
            .map(|(hit, audit)| self.record_hit(hit, audit))
            .collect()
    }

    /// One hit by id.
    fn hit(&self, id: i64) -> StoreResult<Option<StoredHit>>;

    /// Hits matching `query`, ascending by id.
    fn list_hits(&self, query: &HitQuery) -> StoreResult<Vec<StoredHit>>;

    /// Stores a new follow-up.
    fn insert_follow_up(&self, f: &FollowUpRecord, audit: &[AuditEvent]) -> StoreResult<()>;

    /// Replaces a stored follow-up (by id and direction).
    fn update_follow_up(&self, f: &FollowUpRecord, audit: &[AuditEvent]) -> StoreResult<()>;

    /// One follow-up by id and direction.
    fn follow_up(&self, id: &str, direction: Direction) -> StoreResult<Option<FollowUpRecord>>;

    /// Follow-ups matching `query` with their cursors, oldest first.
    fn list_follow_ups(&self, query: &FollowUpQuery) -> StoreResult<Vec<(i64, FollowUpRecord)>>;

    /// Hit and follow-up counts per peer per period in `[since_ms, until_ms)`.
    fn statistics(
        &self,
        period: Period,
        since_ms: i64,
        until_ms: i64,
    ) -> StoreResult<Vec<StatisticsRow>>;

    /// Appends audit events that stand alone (a refused call, a look-up).
    fn append_audit(&self, audit: &[AuditEvent]) -> StoreResult<()>;

    /// Audit events with `seq` in `[from, to)`.
    fn audit_events(&self, from: u64, to: u64) -> StoreResult<Vec<StoredAuditEvent>>;

    /// Audit events matching `query`, ascending by `seq`.
    fn list_audit_events(&self, query: &AuditQuery) -> StoreResult<Vec<StoredAuditEvent>>;

    /// Number of audit events (the largest `seq`; 0 for an empty log).
    fn audit_len(&self) -> StoreResult<u64>;

    /// Stores Merkle tree nodes. Storing a node again with the same hash is a no-op; with a
    /// different hash it is [`StoreError::Conflict`] (the events under it were changed).
    fn put_audit_nodes(&self, nodes: &[AuditNode]) -> StoreResult<()>;

    /// The stored hashes of the nodes `(level, index)`, in order (`None` where not stored).
    fn audit_nodes(&self, keys: &[(u8, u64)]) -> StoreResult<Vec<Option<[u8; 32]>>>;

    /// Number of leaves stored as level-0 nodes (the size of the tree built so far).
    fn audit_tree_size(&self) -> StoreResult<u64>;

    /// Stores a signed tree head (own or witnessed). A second head of the same log and size
    /// with another root, time or signature is [`StoreError::Conflict`]; the same head again
    /// is a no-op.
    fn save_tree_head(&self, head: &StoredTreeHead) -> StoreResult<()>;

    /// Heads of `log_id` with size in `[from_size, to_size]`, ascending by size.
    fn tree_heads(
        &self,
        log_id: &str,
        from_size: u64,
        to_size: u64,
    ) -> StoreResult<Vec<StoredTreeHead>>;

    /// The head of `log_id` with the largest size.
    fn latest_tree_head(&self, log_id: &str) -> StoreResult<Option<StoredTreeHead>>;

    /// Stores a countersignature on one of this node's heads (the same one again is a no-op;
    /// one witness signs a head once).
    fn save_countersignature(&self, c: &StoredCountersignature) -> StoreResult<()>;

    /// Countersignatures on own heads with size in `[from_size, to_size]`, ascending by size
    /// then witness.
    fn countersignatures(
        &self,
        from_size: u64,
        to_size: u64,
    ) -> StoreResult<Vec<StoredCountersignature>>;

    /// A node metadata value.
    fn meta(&self, key: &str) -> StoreResult<Option<String>>;

    /// Sets a node metadata value.
    fn set_meta(&self, key: &str, value: &str) -> StoreResult<()>;
}
