//! [`PostgresStore`]: the [`Store`] on a PostgreSQL database, for an FIU that runs several
//! node processes over one database or wants the database on a managed server.
//!
//! # Semantics
//!
//! The same as [`SqliteStore`](super::SqliteStore), call for call: the store tests in
//! `fiu-node/tests/store.rs` run unchanged against both. Every mutating method is one
//! transaction that also appends its audit events.
//!
//! # Concurrency: one writer at a time, across every process
//!
//! Every write transaction starts with `LOCK TABLE audit_events IN EXCLUSIVE MODE`, held to
//! its commit. Writers therefore run one at a time, whichever node process (replica) they
//! come from, exactly as SQLite's single writer: the audit log's `seq` is assigned as
//! `max(seq) + 1` under that lock, so it starts at 1, has no gaps and follows commit order,
//! and the read-then-write steps of an upsert or a hit see no concurrent change. Taking the
//! lock first, before any row lock, means two writers can never deadlock. Readers take no
//! lock that conflicts with it: queries run beside a write.
//!
//! # Connections
//!
//! A small pool (see [`pool`]); connections open on first need and again after a failure, so
//! a database restart costs the calls that were under way, not the node.

mod pool;
mod schema;

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use matcher::hits::KeyedToken;
use matcher::{Epoch, Subject};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, IsolationLevel, Row, Transaction};
use zeroize::Zeroizing;

pub use pool::PostgresError;

use super::codec::{
    check_delta, decode_flags, decode_kinds, decode_tokens, direction_from, direction_str,
    encode_flags, encode_kinds, encode_tokens, fixed_bytes, kind_from_code, publication_of,
    seq_value, state_from, state_str, statistics_row, strength_from, strength_str,
    token_from_slice,
};
use super::group_commit::GroupCommit;
use super::{
    AuditEvent, AuditNode, AuditQuery, Direction, FollowUpQuery, FollowUpRecord, HitQuery, NewHit,
    Period, PreparedSubject, Publication, SignedBlob, StatisticsRow, Store, StoreError,
    StoreResult, StoredAuditEvent, StoredCountersignature, StoredHit, StoredTreeHead,
    UpsertOutcome,
};
use crate::clock::now_ms;
use pool::{Pool, block_on, is_unique_violation};

/// Rows fetched per round trip by the token scan: bounds the scan's memory at any table size.
const SCAN_BATCH_ROWS: i32 = 10_000;

/// Default number of connections per store (per node process).
pub const DEFAULT_MAX_CONNECTIONS: usize = 4;

/// Where the PostgreSQL store lives. `Debug` shows no password.
#[derive(Clone)]
pub struct PostgresSettings {
    /// `postgres://user@host:port/database` (or `postgresql://`). A password in it is
    /// accepted; `password` is the better place, since it keeps the secret out of the file
    /// that holds the URL.
    pub url: String,
    /// The password, when not in the URL.
    pub password: Option<Zeroizing<String>>,
    /// Schema for the node's tables (created if absent); `None` uses the role's default
    /// `search_path` (usually `public`). Lets several nodes share one database.
    pub schema: Option<String>,
    /// Connections this process opens at most.
    pub max_connections: usize,
}

impl PostgresSettings {
    /// Settings for `url` with the default pool and no separate password or schema.
    pub fn new(url: impl Into<String>) -> PostgresSettings {
        PostgresSettings {
            url: url.into(),
            password: None,
            schema: None,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

impl std::fmt::Debug for PostgresSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresSettings")
            .field("url", &redacted_url(&self.url))
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("schema", &self.schema)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

/// `url` with the password, if any, replaced by `***`: safe for logs and errors.
pub fn redacted_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "(not a URL)".into();
    };
    // The authority ends at the first '/', '?' or '#'; its user info at the last '@'.
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split(':').next().unwrap_or_default();
            if user_info.contains(':') {
                format!("{scheme}://{user}:***@{host}{tail}")
            } else {
                format!("{scheme}://{user}@{host}{tail}")
            }
        }
        None => format!("{scheme}://{authority}{tail}"),
    }
}

/// Whether `name` can be a schema name as given (lowercase, no quoting needed).
pub fn valid_schema_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'_'))
        && name.len() <= 63
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The PostgreSQL implementation of [`Store`]. `Send + Sync`; share it in an `Arc`.
///
/// Bulk speed, measured by `bulk_upsert_rate` in `tests/store.rs` (`--nocapture` prints it)
/// against a local PostgreSQL 15 on the shared 2-core development machine: see
/// docs/OPERATIONS.md "Choosing the store".
pub struct PostgresStore {
    pool: Pool,
    settings: PostgresSettings,
    /// Stand-alone audit appends of this process share transactions through it; the table
    /// lock still orders them with every other writer, in any process.
    audit_appends: GroupCommit<AuditEvent>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects, creates the schema if one is named and absent, and migrates it to the
    /// newest version. Refuses a schema of a newer version ([`StoreError::SchemaTooNew`]) or
    /// of another application ([`StoreError::Corrupt`]). Callable from any thread.
    pub fn open(settings: &PostgresSettings) -> StoreResult<PostgresStore> {
        let bad = |what: &str| StoreError::Postgres(PostgresError::other(what));
        let mut config: tokio_postgres::Config = settings
            .url
            .parse()
            .map_err(|_| bad("the PostgreSQL URL is not a valid connection URL"))?;
        config.application_name("fiu-node");
        config.connect_timeout(std::time::Duration::from_secs(10));
        if let Some(password) = &settings.password {
            config.password(password.as_bytes());
        }
        if let Some(schema) = &settings.schema {
            if !valid_schema_name(schema) {
                return Err(bad(
                    "the PostgreSQL schema name must be 1 to 63 of a-z, 0-9, '_', \
                     not starting with a digit",
                ));
            }
            config.options(format!("-c search_path={schema}"));
        }
        let pool = Pool::new(config, settings.max_connections)?;
        {
            let mut conn = pool.get()?;
            block_on(schema::migrate(&mut conn, settings.schema.as_deref()))?;
        }
        Ok(PostgresStore {
            pool,
            settings: settings.clone(),
            audit_appends: GroupCommit::new(),
        })
    }

    /// The settings it was opened with (for logs: `Debug` hides the password).
    pub fn settings(&self) -> &PostgresSettings {
        &self.settings
    }

    /// Transactions [`Store::append_audit`] has committed (or tried) since the store was
    /// opened: fewer than its calls when concurrent callers shared one (group commit). Read
    /// by tests.
    pub fn audit_transactions(&self) -> u64 {
        self.audit_appends.transactions()
    }

    /// Runs `f` in one write transaction that holds the write lock (see the module doc),
    /// committed when `f` succeeds and rolled back otherwise.
    fn write<T>(&self, f: impl AsyncFnOnce(&Transaction<'_>) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = self.pool.get()?;
        block_on(async {
            let tx = conn.transaction().await?;
            tx.batch_execute("LOCK TABLE audit_events IN EXCLUSIVE MODE")
                .await?;
            let out = f(&tx).await?;
            tx.commit().await?;
            Ok(out)
        })
    }

    /// Runs `f` on a pooled connection.
    fn read<T>(&self, f: impl AsyncFnOnce(&mut Client) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = self.pool.get()?;
        block_on(f(&mut conn))
    }

    /// Runs a read query built at run time and decodes every row.
    fn query_rows<T>(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        decode: impl Fn(&Row) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        self.read(async |client| {
            client
                .query(sql, params)
                .await?
                .iter()
                .map(&decode)
                .collect()
        })
    }
}

/// Records one hit inside the caller's transaction (see `Store::record_hit`).
async fn record_hit_in(
    tx: &Transaction<'_>,
    hit: &NewHit,
    audit: &[AuditEvent],
    now: i64,
) -> StoreResult<Option<StoredHit>> {
    let kinds = encode_kinds(&hit.kinds);
    let tokens = encode_tokens(&hit.tokens);
    let strength = strength_str(hit.strength);
    let epoch = epoch_value(hit.epoch)?;

    let existing = tx
        .query_opt(
            "SELECT id, kinds, strength, confidence, tokens FROM hits \
                 WHERE local_ref = $1 AND peer = $2 AND epoch = $3",
            &[&hit.local_ref, &hit.peer, &epoch],
        )
        .await?;
    match existing {
        None => {
            let id: i64 = tx
                .query_one(
                    "INSERT INTO hits (local_ref, peer, epoch, kinds, strength, \
                         confidence, tokens, first_seen_ms, last_seen_ms) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
                    &[
                        &hit.local_ref,
                        &hit.peer,
                        &epoch,
                        &kinds,
                        &strength,
                        &hit.confidence,
                        &tokens,
                        &hit.at_ms,
                    ],
                )
                .await?
                .try_get(0)?;
            append_events(tx, audit, now).await?;
            Ok(Some(StoredHit {
                id,
                hit: hit.clone(),
                first_seen_ms: hit.at_ms,
            }))
        }
        Some(row) => {
            let id: i64 = row.try_get(0)?;
            let old_confidence: f64 = row.try_get(3)?;
            let changed = row.try_get::<_, &str>(1)? != kinds
                || row.try_get::<_, &str>(2)? != strength
                || old_confidence.to_bits() != hit.confidence.to_bits()
                || row.try_get::<_, &[u8]>(4)? != tokens.as_slice();
            tx.execute(
                "UPDATE hits SET kinds = $2, strength = $3, confidence = $4, \
                     tokens = $5, last_seen_ms = greatest(last_seen_ms, $6) WHERE id = $1",
                &[&id, &kinds, &strength, &hit.confidence, &tokens, &hit.at_ms],
            )
            .await?;
            if changed {
                append_events(tx, audit, now).await?;
            }
            Ok(None)
        }
    }
}

/// Appends `audit` to the log inside the caller's write transaction (which holds the lock
/// that makes `max(seq) + n` gapless).
async fn append_events(tx: &Transaction<'_>, audit: &[AuditEvent], at_ms: i64) -> StoreResult<()> {
    if audit.is_empty() {
        return Ok(());
    }
    let kinds: Vec<&str> = audit.iter().map(|e| e.kind.as_str()).collect();
    let actors: Vec<&str> = audit.iter().map(|e| e.actor.as_str()).collect();
    let details: Vec<&str> = audit.iter().map(|e| e.detail.as_str()).collect();
    tx.execute(
        "INSERT INTO audit_events (seq, at_ms, kind, actor, detail) \
         SELECT (SELECT coalesce(max(seq), 0) FROM audit_events) + e.n, $1, e.kind, e.actor, \
         e.detail \
         FROM unnest($2::text[], $3::text[], $4::text[]) \
         WITH ORDINALITY AS e(kind, actor, detail, n)",
        &[&at_ms, &kinds, &actors, &details],
    )
    .await?;
    Ok(())
}

/// A query assembled from optional filters: each `?` in a part becomes the next `$n`.
struct Filters<'a> {
    sql: String,
    params: Vec<&'a (dyn ToSql + Sync)>,
}

impl<'a> Filters<'a> {
    fn new(sql: String) -> Filters<'a> {
        Filters {
            sql,
            params: Vec::new(),
        }
    }

    /// Appends `part`, whose one `?` stands for `value`.
    fn and(&mut self, part: &str, value: &'a (dyn ToSql + Sync)) {
        self.params.push(value);
        self.sql
            .push_str(&part.replace('?', &format!("${}", self.params.len())));
    }
}

/// Day number of a date for the `expires_day` column (days since 0001-01-01).
fn day_number(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce())
}

/// An epoch as a column value.
fn epoch_value(epoch: Epoch) -> StoreResult<i64> {
    i64::try_from(epoch.0)
        .map_err(|_| StoreError::Conflict(format!("epoch {} is too large", epoch.0)))
}

/// A count or sequence number read from a BIGINT column.
fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// A query bound: values past `i64::MAX` mean "no bound".
fn bound(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A page size as a `LIMIT` value.
fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The token scan, grouped by subject.
const TOKEN_SCAN_SQL: &str = "SELECT s.local_ref, s.shared, t.kind, t.token \
     FROM subjects s JOIN tokens t ON t.subject_id = s.id \
     WHERE t.epoch = $1 ORDER BY s.id, t.kind, t.token";

/// Columns of a hit, in [`hit_from_row`] order.
const HIT_COLUMNS: &str =
    "id, local_ref, peer, epoch, kinds, strength, confidence, tokens, first_seen_ms, last_seen_ms";

fn hit_from_row(row: &Row) -> StoreResult<StoredHit> {
    let epoch: i64 = row.try_get(3)?;
    Ok(StoredHit {
        id: row.try_get(0)?,
        hit: NewHit {
            local_ref: row.try_get(1)?,
            peer: row.try_get(2)?,
            epoch: Epoch(count(epoch)),
            kinds: decode_kinds(row.try_get(4)?)?,
            strength: strength_from(row.try_get(5)?)?,
            confidence: row.try_get(6)?,
            tokens: decode_tokens(row.try_get(7)?)?,
            at_ms: row.try_get(9)?,
        },
        first_seen_ms: row.try_get(8)?,
    })
}

/// Columns of a follow-up, in [`follow_up_from_row`] order.
const FOLLOW_UP_COLUMNS: &str = "cursor, id, direction, peer, hit_id, local_refs, \
     case_reference, legal_basis, purpose, tokens, token_found, state, message, requested_by, \
     created_ms, updated_ms";

fn follow_up_from_row(row: &Row) -> StoreResult<(i64, FollowUpRecord)> {
    let id: String = row.try_get(1)?;
    let local_refs = serde_json::from_str(row.try_get(5)?)
        .map_err(|e| StoreError::Corrupt(format!("follow-up {id}: local references: {e}")))?;
    Ok((
        row.try_get(0)?,
        FollowUpRecord {
            direction: direction_from(row.try_get(2)?)?,
            peer: row.try_get(3)?,
            hit_id: row.try_get(4)?,
            local_refs,
            case_reference: row.try_get(6)?,
            legal_basis: row.try_get(7)?,
            purpose: row.try_get(8)?,
            tokens: decode_tokens(row.try_get(9)?)?,
            token_found: decode_flags(row.try_get(10)?)?,
            state: state_from(row.try_get(11)?)?,
            message: row.try_get(12)?,
            requested_by: row.try_get(13)?,
            created_ms: row.try_get(14)?,
            updated_ms: row.try_get(15)?,
            id,
        },
    ))
}

/// A follow-up's columns after `cursor`, owned, in [`FOLLOW_UP_COLUMNS`] order.
struct FollowUpValues<'a> {
    f: &'a FollowUpRecord,
    direction: &'static str,
    local_refs: String,
    tokens: Vec<u8>,
    token_found: Vec<u8>,
    state: &'static str,
}

impl<'a> FollowUpValues<'a> {
    fn new(f: &'a FollowUpRecord) -> StoreResult<FollowUpValues<'a>> {
        Ok(FollowUpValues {
            f,
            direction: direction_str(f.direction),
            local_refs: serde_json::to_string(&f.local_refs).map_err(|e| {
                StoreError::Corrupt(format!("follow-up {}: local references: {e}", f.id))
            })?,
            tokens: encode_tokens(&f.tokens),
            token_found: encode_flags(&f.token_found),
            state: state_str(f.state),
        })
    }

    /// The values as parameters `$1..$15`.
    fn params(&self) -> [&(dyn ToSql + Sync); 15] {
        let f = self.f;
        [
            &f.id,
            &self.direction,
            &f.peer,
            &f.hit_id,
            &self.local_refs,
            &f.case_reference,
            &f.legal_basis,
            &f.purpose,
            &self.tokens,
            &self.token_found,
            &self.state,
            &f.message,
            &f.requested_by,
            &f.created_ms,
            &f.updated_ms,
        ]
    }
}

fn blob_from_row(row: &Row, first: usize) -> StoreResult<SignedBlob> {
    let seq: i64 = row.try_get(first)?;
    let epoch: i64 = row.try_get(first + 1)?;
    Ok(SignedBlob {
        seq: count(seq),
        epoch: Epoch(count(epoch)),
        bytes: row.try_get(first + 2)?,
        signature: row.try_get(first + 3)?,
    })
}

/// Columns of a tree head, in [`tree_head_from_row`] order.
const HEAD_COLUMNS: &str = "log_id, size, root, timestamp_ms, signature";

fn tree_head_from_row(row: &Row) -> StoreResult<StoredTreeHead> {
    let size: i64 = row.try_get(1)?;
    Ok(StoredTreeHead {
        log_id: row.try_get(0)?,
        size: count(size),
        root: fixed_bytes(row.try_get(2)?, "tree head root")?,
        timestamp_ms: row.try_get(3)?,
        signature: fixed_bytes(row.try_get(4)?, "tree head signature")?,
    })
}

fn audit_event_from_row(row: &Row) -> StoreResult<StoredAuditEvent> {
    let seq: i64 = row.try_get(0)?;
    Ok(StoredAuditEvent {
        seq: count(seq),
        at_ms: row.try_get(1)?,
        event: AuditEvent {
            kind: row.try_get(2)?,
            actor: row.try_get(3)?,
            detail: row.try_get(4)?,
        },
    })
}

/// Which stored tokens of an existing subject an upsert batch removes before it writes the
/// subject's new tokens. Ordered: a later entry of the same reference can only widen it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Clear {
    Nothing,
    /// The tokens of the batch's epoch (same content, re-tokenised).
    Epoch,
    /// Every token of the subject (new content: old tokens must not resolve to it).
    All,
}

/// What an upsert batch does to one local reference, after every entry of the batch that
/// names it (a batch may repeat a reference; entries apply in order).
struct SubjectPlan<'a> {
    /// The stored row's id, if the reference was stored before the batch.
    stored_id: Option<i64>,
    /// The entry whose content is written; `None` when nothing is written.
    write: Option<&'a PreparedSubject>,
    /// Stored tokens removed first.
    clear: Clear,
    /// The state later entries compare with: content hash, shared flag, token epoch.
    state: ([u8; 32], bool, u64),
}

impl Store for PostgresStore {
    /// The outcomes of [`SqliteStore`](super::SqliteStore)'s upsert, computed in memory from
    /// one look-up of the batch's references and written with a few set-based statements
    /// (new subjects, changed subjects, cleared tokens, new tokens), whatever the batch size.
    fn upsert_subjects(
        &self,
        epoch: Epoch,
        batch: &[PreparedSubject],
        audit: &[AuditEvent],
    ) -> StoreResult<Vec<UpsertOutcome>> {
        let now = now_ms();
        let epoch_col = epoch_value(epoch)?;
        self.write(async |tx| {
            let refs: Vec<&str> = batch.iter().map(|p| p.subject.local_ref.as_str()).collect();
            let mut stored: HashMap<String, (i64, [u8; 32], bool, u64)> = HashMap::new();
            for row in tx
                .query(
                    "SELECT local_ref, id, content_hash, shared, token_epoch FROM subjects \
                     WHERE local_ref = ANY($1)",
                    &[&refs],
                )
                .await?
            {
                let token_epoch: i64 = row.try_get(4)?;
                stored.insert(
                    row.try_get(0)?,
                    (
                        row.try_get(1)?,
                        fixed_bytes(row.try_get(2)?, "subject content hash")?,
                        row.try_get(3)?,
                        count(token_epoch),
                    ),
                );
            }

            // Apply the entries in order, in memory.
            let mut order: Vec<&str> = Vec::new();
            let mut plans: HashMap<&str, SubjectPlan<'_>> = HashMap::new();
            let mut outcomes = Vec::with_capacity(batch.len());
            for p in batch {
                let r = p.subject.local_ref.as_str();
                let new_state = (p.content_hash, p.shared, epoch.0);
                let plan = plans.entry(r).or_insert_with(|| {
                    order.push(r);
                    match stored.get(r) {
                        Some(&(id, hash, shared, e)) => SubjectPlan {
                            stored_id: Some(id),
                            write: None,
                            clear: Clear::Nothing,
                            state: (hash, shared, e),
                        },
                        None => SubjectPlan {
                            stored_id: None,
                            write: None,
                            clear: Clear::Nothing,
                            // Not compared: no stored row and nothing written yet.
                            state: ([0; 32], false, u64::MAX),
                        },
                    }
                });
                let exists = plan.stored_id.is_some() || plan.write.is_some();
                if exists && plan.state == new_state {
                    outcomes.push(UpsertOutcome::Unchanged);
                    continue;
                }
                if exists {
                    let clear = if plan.state.0 == p.content_hash {
                        Clear::Epoch
                    } else {
                        Clear::All
                    };
                    plan.clear = plan.clear.max(clear);
                    outcomes.push(UpsertOutcome::Updated);
                } else {
                    outcomes.push(UpsertOutcome::Inserted);
                }
                // Tokens written by an earlier entry of this batch are all of `epoch`, so
                // either clear removes them: only this entry's tokens remain.
                plan.write = Some(p);
                plan.state = new_state;
            }

            // The rows to insert and to update, as column arrays.
            #[derive(Default)]
            struct Columns<'b> {
                ids: Vec<i64>,
                local_refs: Vec<&'b str>,
                categories: Vec<&'b str>,
                record_types: Vec<&'b str>,
                expires: Vec<Option<i64>>,
                json: Vec<String>,
                hashes: Vec<&'b [u8]>,
                shared: Vec<bool>,
            }
            impl<'b> Columns<'b> {
                fn push(&mut self, id: i64, p: &'b PreparedSubject) -> StoreResult<()> {
                    let s = &p.subject;
                    self.ids.push(id);
                    self.local_refs.push(&s.local_ref);
                    self.categories.push(s.category.as_str());
                    self.record_types.push(s.record.type_name());
                    self.expires.push(s.expires.map(day_number));
                    self.json.push(serde_json::to_string(s).map_err(|e| {
                        StoreError::Corrupt(format!(
                            "subject {}: not writable as JSON: {e}",
                            s.local_ref
                        ))
                    })?);
                    self.hashes.push(&p.content_hash);
                    self.shared.push(p.shared);
                    Ok(())
                }
            }
            let mut inserts = Columns::default();
            let mut updates = Columns::default();
            let mut clear_all: Vec<i64> = Vec::new();
            let mut clear_epoch: Vec<i64> = Vec::new();
            for r in &order {
                let plan = &plans[r];
                let Some(p) = plan.write else { continue };
                match plan.stored_id {
                    None => inserts.push(0, p)?,
                    Some(id) => {
                        updates.push(id, p)?;
                        match plan.clear {
                            Clear::All => clear_all.push(id),
                            Clear::Epoch => clear_epoch.push(id),
                            Clear::Nothing => {}
                        }
                    }
                }
            }

            let mut ids: HashMap<String, i64> = HashMap::new();
            if !inserts.local_refs.is_empty() {
                // Identity values follow the array order, so ids ascend in batch order.
                let rows = tx
                    .query(
                        "INSERT INTO subjects (local_ref, category, record_type, expires_day, \
                         record_json, content_hash, shared, token_epoch, created_ms, updated_ms) \
                         SELECT r, c, t, e, j, h, s, $8, $9, $9 FROM unnest($1::text[], \
                         $2::text[], $3::text[], $4::bigint[], $5::text[], $6::bytea[], \
                         $7::boolean[]) WITH ORDINALITY AS u(r, c, t, e, j, h, s, n) ORDER BY n \
                         RETURNING local_ref, id",
                        &[
                            &inserts.local_refs,
                            &inserts.categories,
                            &inserts.record_types,
                            &inserts.expires,
                            &inserts.json,
                            &inserts.hashes,
                            &inserts.shared,
                            &epoch_col,
                            &now,
                        ],
                    )
                    .await?;
                for row in rows {
                    ids.insert(row.try_get(0)?, row.try_get(1)?);
                }
            }
            if !updates.ids.is_empty() {
                tx.execute(
                    "UPDATE subjects SET category = u.c, record_type = u.t, expires_day = u.e, \
                     record_json = u.j, content_hash = u.h, shared = u.s, token_epoch = $8, \
                     updated_ms = $9 \
                     FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], \
                     $5::text[], $6::bytea[], $7::boolean[]) AS u(id, c, t, e, j, h, s) \
                     WHERE subjects.id = u.id",
                    &[
                        &updates.ids,
                        &updates.categories,
                        &updates.record_types,
                        &updates.expires,
                        &updates.json,
                        &updates.hashes,
                        &updates.shared,
                        &epoch_col,
                        &now,
                    ],
                )
                .await?;
            }
            if !clear_all.is_empty() {
                tx.execute(
                    "DELETE FROM tokens WHERE subject_id = ANY($1)",
                    &[&clear_all],
                )
                .await?;
            }
            if !clear_epoch.is_empty() {
                tx.execute(
                    "DELETE FROM tokens WHERE subject_id = ANY($1) AND epoch = $2",
                    &[&clear_epoch, &epoch_col],
                )
                .await?;
            }

            let mut token_bytes: Vec<&[u8]> = Vec::new();
            let mut token_subjects: Vec<i64> = Vec::new();
            let mut token_kinds: Vec<i32> = Vec::new();
            for r in &order {
                let plan = &plans[r];
                let Some(p) = plan.write else { continue };
                let id = match plan.stored_id {
                    Some(id) => id,
                    None => *ids.get(*r).ok_or_else(|| {
                        StoreError::Corrupt(format!("subject {r}: no id after insert"))
                    })?,
                };
                for t in &p.tokens {
                    token_bytes.push(t.token.as_bytes());
                    token_subjects.push(id);
                    token_kinds.push(i32::from(t.kind.code()));
                }
            }
            if !token_bytes.is_empty() {
                tx.execute(
                    "INSERT INTO tokens (epoch, token, subject_id, kind) \
                     SELECT $1, t, s, k FROM unnest($2::bytea[], $3::bigint[], $4::integer[]) \
                     AS u(t, s, k) ON CONFLICT DO NOTHING",
                    &[&epoch_col, &token_bytes, &token_subjects, &token_kinds],
                )
                .await?;
            }
            append_events(tx, audit, now).await?;
            Ok(outcomes)
        })
    }

    fn delete_subjects(&self, refs: &[String], audit: &[AuditEvent]) -> StoreResult<Vec<bool>> {
        let now = now_ms();
        self.write(async |tx| {
            // Tokens and hits go by ON DELETE CASCADE; follow-ups keep their record and lose
            // the hit link (ON DELETE SET NULL).
            let mut deleted: std::collections::HashSet<String> = tx
                .query(
                    "DELETE FROM subjects WHERE local_ref = ANY($1) RETURNING local_ref",
                    &[&refs],
                )
                .await?
                .iter()
                .map(|row| row.try_get(0))
                .collect::<Result<_, _>>()?;
            // A reference named twice existed only for its first deletion.
            let existed = refs.iter().map(|r| deleted.remove(r)).collect();
            append_events(tx, audit, now).await?;
            Ok(existed)
        })
    }

    fn subject(&self, local_ref: &str) -> StoreResult<Option<Subject>> {
        self.read(async |client| {
            let row = client
                .query_opt(
                    "SELECT record_json FROM subjects WHERE local_ref = $1",
                    &[&local_ref],
                )
                .await?;
            row.map(|row| {
                serde_json::from_str(row.try_get(0)?)
                    .map_err(|e| StoreError::Corrupt(format!("subject {local_ref}: {e}")))
            })
            .transpose()
        })
    }

    fn subject_count(&self) -> StoreResult<u64> {
        self.read(async |client| {
            let n: i64 = client
                .query_one("SELECT count(*) FROM subjects", &[])
                .await?
                .try_get(0)?;
            Ok(count(n))
        })
    }

    fn expired_subjects(&self, today: NaiveDate) -> StoreResult<Vec<String>> {
        self.query_rows(
            "SELECT local_ref FROM subjects WHERE expires_day < $1 ORDER BY expires_day, local_ref",
            &[&day_number(today)],
            |row| Ok(row.try_get(0)?),
        )
    }

    /// Reads through a cursor in batches of [`SCAN_BATCH_ROWS`] inside one read-only
    /// repeatable-read transaction: one consistent state, bounded memory.
    fn for_each_token(
        &self,
        epoch: Epoch,
        f: &mut dyn FnMut(&str, KeyedToken, bool),
    ) -> StoreResult<()> {
        let epoch = epoch_value(epoch)?;
        self.read(async |client| {
            let tx = client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .await?;
            let stmt = tx.prepare(TOKEN_SCAN_SQL).await?;
            let portal = tx.bind(&stmt, &[&epoch]).await?;
            loop {
                let rows = tx.query_portal(&portal, SCAN_BATCH_ROWS).await?;
                if rows.is_empty() {
                    break;
                }
                for row in &rows {
                    let local_ref: &str = row.try_get(0)?;
                    let shared: bool = row.try_get(1)?;
                    let kind: i32 = row.try_get(2)?;
                    let token = token_from_slice(row.try_get(3)?)?;
                    f(
                        local_ref,
                        KeyedToken {
                            kind: kind_from_code(i64::from(kind))?,
                            token,
                        },
                        shared,
                    );
                }
            }
            tx.commit().await?;
            Ok(())
        })
    }

    fn save_own_snapshot(&self, snapshot: &SignedBlob, audit: &[AuditEvent]) -> StoreResult<()> {
        let now = now_ms();
        let seq = seq_value(snapshot.seq)?;
        let epoch = epoch_value(snapshot.epoch)?;
        self.write(async |tx| {
            tx.execute(
                "DELETE FROM own_publication WHERE kind = 'snapshot' OR seq <= $1",
                &[&seq],
            )
            .await?;
            tx.execute(
                "INSERT INTO own_publication (seq, kind, epoch, bytes, signature) \
                 VALUES ($1, 'snapshot', $2, $3, $4)",
                &[&seq, &epoch, &snapshot.bytes, &snapshot.signature],
            )
            .await?;
            append_events(tx, audit, now).await
        })
    }

    /// Refuses ([`StoreError::Conflict`]) a delta before any snapshot, or one whose sequence
    /// number is not above every stored one.
    fn append_own_delta(&self, delta: &SignedBlob, audit: &[AuditEvent]) -> StoreResult<()> {
        let now = now_ms();
        let seq = seq_value(delta.seq)?;
        let epoch = epoch_value(delta.epoch)?;
        self.write(async |tx| {
            let row = tx
                .query_one(
                    "SELECT max(CASE WHEN kind = 'snapshot' THEN seq END), max(seq) \
                     FROM own_publication",
                    &[],
                )
                .await?;
            let snapshot_seq: Option<i64> = row.try_get(0)?;
            let last_seq: Option<i64> = row.try_get(1)?;
            check_delta(
                "own publication",
                delta,
                snapshot_seq.map(count),
                last_seq.map(count),
            )?;
            tx.execute(
                "INSERT INTO own_publication (seq, kind, epoch, bytes, signature) \
                 VALUES ($1, 'delta', $2, $3, $4)",
                &[&seq, &epoch, &delta.bytes, &delta.signature],
            )
            .await?;
            append_events(tx, audit, now).await
        })
    }

    fn own_publication(&self) -> StoreResult<Option<Publication>> {
        let rows = self.query_rows(
            "SELECT kind, seq, epoch, bytes, signature FROM own_publication ORDER BY seq",
            &[],
            |row| Ok((row.try_get(0)?, blob_from_row(row, 1)?)),
        )?;
        Ok(publication_of(rows))
    }

    fn save_peer_snapshot(
        &self,
        peer: &str,
        snapshot: &SignedBlob,
        audit: &[AuditEvent],
    ) -> StoreResult<()> {
        let now = now_ms();
        let seq = seq_value(snapshot.seq)?;
        let epoch = epoch_value(snapshot.epoch)?;
        self.write(async |tx| {
            tx.execute("DELETE FROM peer_publication WHERE peer = $1", &[&peer])
                .await?;
            tx.execute(
                "INSERT INTO peer_publication (peer, seq, kind, epoch, bytes, signature) \
                 VALUES ($1, $2, 'snapshot', $3, $4, $5)",
                &[&peer, &seq, &epoch, &snapshot.bytes, &snapshot.signature],
            )
            .await?;
            append_events(tx, audit, now).await
        })
    }

    /// Refuses ([`StoreError::Conflict`]) a delta before the peer's first snapshot, or one
    /// whose sequence number is not above every stored one of the peer.
    fn append_peer_delta(
        &self,
        peer: &str,
        delta: &SignedBlob,
        audit: &[AuditEvent],
    ) -> StoreResult<()> {
        let now = now_ms();
        let seq = seq_value(delta.seq)?;
        let epoch = epoch_value(delta.epoch)?;
        self.write(async |tx| {
            let row = tx
                .query_one(
                    "SELECT max(CASE WHEN kind = 'snapshot' THEN seq END), max(seq) \
                     FROM peer_publication WHERE peer = $1",
                    &[&peer],
                )
                .await?;
            let snapshot_seq: Option<i64> = row.try_get(0)?;
            let last_seq: Option<i64> = row.try_get(1)?;
            check_delta(
                &format!("peer {peer}"),
                delta,
                snapshot_seq.map(count),
                last_seq.map(count),
            )?;
            tx.execute(
                "INSERT INTO peer_publication (peer, seq, kind, epoch, bytes, signature) \
                 VALUES ($1, $2, 'delta', $3, $4, $5)",
                &[&peer, &seq, &epoch, &delta.bytes, &delta.signature],
            )
            .await?;
            append_events(tx, audit, now).await
        })
    }

    fn peer_publications(&self) -> StoreResult<Vec<(String, Publication)>> {
        let rows = self.query_rows(
            "SELECT peer, kind, seq, epoch, bytes, signature FROM peer_publication \
             ORDER BY peer, seq",
            &[],
            |row| {
                Ok((
                    row.try_get::<_, String>(0)?,
                    (row.try_get::<_, String>(1)?, blob_from_row(row, 2)?),
                ))
            },
        )?;
        let mut by_peer: BTreeMap<String, Vec<(String, SignedBlob)>> = BTreeMap::new();
        for (peer, entry) in rows {
            by_peer.entry(peer).or_default().push(entry);
        }
        Ok(by_peer
            .into_iter()
            .filter_map(|(peer, rows)| publication_of(rows).map(|p| (peer, p)))
            .collect())
    }

    fn drop_peer(&self, peer: &str, audit: &[AuditEvent]) -> StoreResult<()> {
        let now = now_ms();
        self.write(async |tx| {
            tx.execute("DELETE FROM peer_publication WHERE peer = $1", &[&peer])
                .await?;
            append_events(tx, audit, now).await
        })
    }

    /// As SQLite's: audit events only when the hit is new or what hit changed; a hit whose
    /// local subject is not stored is refused by the database (foreign key).
    fn record_hit(&self, hit: &NewHit, audit: &[AuditEvent]) -> StoreResult<Option<StoredHit>> {
        let now = now_ms();
        self.write(async |tx| record_hit_in(tx, hit, audit, now).await)
    }

    /// All in one transaction (one commit for a snapshot's thousands of hits).
    fn record_hits(
        &self,
        hits: &[(NewHit, Vec<AuditEvent>)],
    ) -> StoreResult<Vec<Option<StoredHit>>> {
        if hits.is_empty() {
            return Ok(Vec::new());
        }
        let now = now_ms();
        self.write(async |tx| {
            let mut out = Vec::with_capacity(hits.len());
            for (hit, audit) in hits {
                out.push(record_hit_in(tx, hit, audit, now).await?);
            }
            Ok(out)
        })
    }

    fn hit(&self, id: i64) -> StoreResult<Option<StoredHit>> {
        Ok(self
            .query_rows(
                &format!("SELECT {HIT_COLUMNS} FROM hits WHERE id = $1"),
                &[&id],
                hit_from_row,
            )?
            .pop())
    }

    fn list_hits(&self, query: &HitQuery) -> StoreResult<Vec<StoredHit>> {
        let kind_label = query.kind.map(|k| format!(",{},", k.label()));
        let limit = limit(query.limit);
        let sql = format!("SELECT {HIT_COLUMNS} FROM hits WHERE true");
        let mut q = Filters::new(sql);
        if let Some(peer) = &query.peer {
            q.and(" AND peer = ?", peer);
        }
        if let Some(label) = &kind_label {
            // Whole labels only: the list is comma-separated and labels contain no comma.
            q.and(" AND strpos(',' || kinds || ',', ?) > 0", label);
        }
        if let Some(min) = &query.min_confidence {
            q.and(" AND confidence >= ?", min);
        }
        if let Some(since) = &query.since_ms {
            q.and(" AND first_seen_ms >= ?", since);
        }
        if let Some(until) = &query.until_ms {
            q.and(" AND first_seen_ms < ?", until);
        }
        if let Some(local_ref) = &query.local_ref {
            q.and(" AND local_ref = ?", local_ref);
        }
        if let Some(after) = &query.after_id {
            q.and(" AND id > ?", after);
        }
        q.and(" ORDER BY id LIMIT ?", &limit);
        self.query_rows(&q.sql, &q.params, hit_from_row)
    }

    /// Refuses ([`StoreError::Conflict`]) a follow-up whose id and direction are stored.
    fn insert_follow_up(&self, f: &FollowUpRecord, audit: &[AuditEvent]) -> StoreResult<()> {
        let now = now_ms();
        let values = FollowUpValues::new(f)?;
        self.write(async |tx| {
            let inserted = tx
                .execute(
                    "INSERT INTO follow_ups (id, direction, peer, hit_id, local_refs, \
                     case_reference, legal_basis, purpose, tokens, token_found, state, message, \
                     requested_by, created_ms, updated_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
                    &values.params(),
                )
                .await;
            match inserted {
                Err(e) if is_unique_violation(&e) => {
                    return Err(StoreError::Conflict(format!(
                        "follow-up {} ({}) exists",
                        f.id, values.direction
                    )));
                }
                other => other?,
            };
            append_events(tx, audit, now).await
        })
    }

    /// Refuses ([`StoreError::NotFound`]) a follow-up that is not stored.
    fn update_follow_up(&self, f: &FollowUpRecord, audit: &[AuditEvent]) -> StoreResult<()> {
        let now = now_ms();
        let values = FollowUpValues::new(f)?;
        self.write(async |tx| {
            let changed = tx
                .execute(
                    "UPDATE follow_ups SET peer = $3, hit_id = $4, local_refs = $5, \
                     case_reference = $6, legal_basis = $7, purpose = $8, tokens = $9, \
                     token_found = $10, state = $11, message = $12, requested_by = $13, \
                     created_ms = $14, updated_ms = $15 WHERE id = $1 AND direction = $2",
                    &values.params(),
                )
                .await?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!(
                    "follow-up {} ({})",
                    f.id, values.direction
                )));
            }
            append_events(tx, audit, now).await
        })
    }

    fn follow_up(&self, id: &str, direction: Direction) -> StoreResult<Option<FollowUpRecord>> {
        Ok(self
            .query_rows(
                &format!(
                    "SELECT {FOLLOW_UP_COLUMNS} FROM follow_ups WHERE id = $1 AND direction = $2"
                ),
                &[&id, &direction_str(direction)],
                follow_up_from_row,
            )?
            .pop()
            .map(|(_, f)| f))
    }

    fn list_follow_ups(&self, query: &FollowUpQuery) -> StoreResult<Vec<(i64, FollowUpRecord)>> {
        let direction = query.direction.map(direction_str);
        let state = query.state.map(state_str);
        let limit = limit(query.limit);
        let sql = format!("SELECT {FOLLOW_UP_COLUMNS} FROM follow_ups WHERE true");
        let mut q = Filters::new(sql);
        if let Some(d) = &direction {
            q.and(" AND direction = ?", d);
        }
        if let Some(s) = &state {
            q.and(" AND state = ?", s);
        }
        if let Some(after) = &query.after_cursor {
            q.and(" AND cursor > ?", after);
        }
        q.and(" ORDER BY cursor LIMIT ?", &limit);
        self.query_rows(&q.sql, &q.params, follow_up_from_row)
    }

    /// Rows ordered by period start, then peer; periods without any count are left out.
    /// PostgreSQL counts per peer and UTC day in one repeatable-read snapshot; Rust folds days
    /// into weeks or months.
    fn statistics(
        &self,
        period: Period,
        since_ms: i64,
        until_ms: i64,
    ) -> StoreResult<Vec<StatisticsRow>> {
        // Floor division, correct for times before 1970 too.
        const DAY: &str = "((ms - ((ms % 86400000) + 86400000) % 86400000) / 86400000)";
        let hits_sql = format!(
            "SELECT peer, {} AS day, count(*) FROM hits \
             WHERE first_seen_ms >= $1 AND first_seen_ms < $2 GROUP BY peer, day",
            DAY.replace("ms", "first_seen_ms")
        );
        let follow_ups_sql = format!(
            "SELECT peer, {} AS day, direction = 'outgoing', count(*), \
             count(*) FILTER (WHERE state = 'accepted'), \
             count(*) FILTER (WHERE state = 'declined'), \
             count(*) FILTER (WHERE state = 'responded'), \
             count(*) FILTER (WHERE state IN ('failed', 'not_found')) \
             FROM follow_ups WHERE created_ms >= $1 AND created_ms < $2 \
             GROUP BY peer, day, direction",
            DAY.replace("ms", "created_ms")
        );
        let (hit_rows, follow_up_rows) = self.read(async |client| {
            let tx = client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .await?;
            let hits = tx.query(&hits_sql, &[&since_ms, &until_ms]).await?;
            let follow_ups = tx.query(&follow_ups_sql, &[&since_ms, &until_ms]).await?;
            tx.commit().await?;
            Ok((hits, follow_ups))
        })?;
        let mut rows: BTreeMap<(i64, String), StatisticsRow> = BTreeMap::new();
        for r in &hit_rows {
            let n: i64 = r.try_get(2)?;
            statistics_row(&mut rows, period, r.try_get(0)?, r.try_get(1)?)?.hits += count(n);
        }
        for r in &follow_up_rows {
            let row = statistics_row(&mut rows, period, r.try_get(0)?, r.try_get(1)?)?;
            let outgoing: bool = r.try_get(2)?;
            let counts = if outgoing {
                &mut row.outgoing
            } else {
                &mut row.incoming
            };
            let n = |i: usize| -> StoreResult<u64> { Ok(count(r.try_get::<_, i64>(i)?)) };
            counts.total += n(3)?;
            counts.accepted += n(4)?;
            counts.declined += n(5)?;
            counts.responded += n(6)?;
            counts.failed += n(7)?;
        }
        Ok(rows.into_values().collect())
    }

    fn append_audit(&self, audit: &[AuditEvent]) -> StoreResult<()> {
        // Concurrent callers share one transaction and its commit; each returns once the
        // transaction holding its events committed (see `group_commit`).
        self.audit_appends.submit(audit, |events| {
            self.write(async |tx| append_events(tx, events, now_ms()).await)
        })
    }

    fn audit_events(&self, from: u64, to: u64) -> StoreResult<Vec<StoredAuditEvent>> {
        self.query_rows(
            "SELECT seq, at_ms, kind, actor, detail FROM audit_events \
             WHERE seq >= $1 AND seq < $2 ORDER BY seq",
            &[&bound(from), &bound(to)],
            audit_event_from_row,
        )
    }

    fn list_audit_events(&self, query: &AuditQuery) -> StoreResult<Vec<StoredAuditEvent>> {
        let from = bound(query.from_seq);
        let to = query.to_seq.map(bound);
        let limit = limit(query.limit);
        let sql = String::from("SELECT seq, at_ms, kind, actor, detail FROM audit_events");
        let mut q = Filters::new(sql);
        q.and(" WHERE seq >= ?", &from);
        if let Some(to) = &to {
            q.and(" AND seq < ?", to);
        }
        if let Some(since) = &query.since_ms {
            q.and(" AND at_ms >= ?", since);
        }
        if let Some(until) = &query.until_ms {
            q.and(" AND at_ms < ?", until);
        }
        if let Some(kind) = &query.kind {
            q.and(" AND kind = ?", kind);
        }
        if let Some(actor) = &query.actor {
            q.and(" AND actor = ?", actor);
        }
        if let Some(case) = &query.case_reference {
            q.and(" AND json_string_field(detail, 'case_reference') = ?", case);
        }
        q.and(" ORDER BY seq LIMIT ?", &limit);
        self.query_rows(&q.sql, &q.params, audit_event_from_row)
    }

    fn audit_len(&self) -> StoreResult<u64> {
        self.read(async |client| {
            let n: i64 = client
                .query_one("SELECT coalesce(max(seq), 0) FROM audit_events", &[])
                .await?
                .try_get(0)?;
            Ok(count(n))
        })
    }

    fn put_audit_nodes(&self, nodes: &[AuditNode]) -> StoreResult<()> {
        if nodes.is_empty() {
            return Ok(());
        }
        let levels: Vec<i16> = nodes.iter().map(|n| i16::from(n.level)).collect();
        let indexes = nodes
            .iter()
            .map(|n| {
                i64::try_from(n.index)
                    .map_err(|_| StoreError::Conflict(format!("node index {} too large", n.index)))
            })
            .collect::<StoreResult<Vec<i64>>>()?;
        let hashes: Vec<&[u8]> = nodes.iter().map(|n| &n.hash[..]).collect();
        self.write(async |tx| {
            tx.execute(
                "INSERT INTO audit_nodes (level, idx, hash) \
                 SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[]) \
                 ON CONFLICT (level, idx) DO NOTHING",
                &[&levels, &indexes, &hashes],
            )
            .await?;
            // Every node is stored now; one stored earlier with another hash is a conflict.
            let differing = tx
                .query(
                    "SELECT u.level, u.idx FROM unnest($1::smallint[], $2::bigint[], \
                     $3::bytea[]) AS u(level, idx, hash) \
                     JOIN audit_nodes n ON n.level = u.level AND n.idx = u.idx \
                     WHERE n.hash <> u.hash LIMIT 1",
                    &[&levels, &indexes, &hashes],
                )
                .await?;
            if let Some(row) = differing.first() {
                let level: i16 = row.try_get(0)?;
                let index: i64 = row.try_get(1)?;
                return Err(StoreError::Conflict(format!(
                    "audit tree node ({level}, {index}) is stored with another hash: the log's \
                     entries under it were changed"
                )));
            }
            Ok(())
        })
    }

    fn audit_nodes(&self, keys: &[(u8, u64)]) -> StoreResult<Vec<Option<[u8; 32]>>> {
        let levels: Vec<i16> = keys.iter().map(|&(l, _)| i16::from(l)).collect();
        // An index past i64 is never stored; -1 matches no row.
        let indexes: Vec<i64> = keys
            .iter()
            .map(|&(_, i)| i64::try_from(i).unwrap_or(-1))
            .collect();
        let rows = self.query_rows(
            "SELECT n.hash FROM unnest($1::smallint[], $2::bigint[]) WITH ORDINALITY \
             AS k(level, idx, i) LEFT JOIN audit_nodes n ON n.level = k.level AND n.idx = k.idx \
             ORDER BY k.i",
            &[&levels, &indexes],
            |row| {
                row.try_get::<_, Option<&[u8]>>(0)?
                    .map(|b| fixed_bytes(b, "audit node"))
                    .transpose()
            },
        )?;
        Ok(rows)
    }

    fn audit_tree_size(&self) -> StoreResult<u64> {
        self.read(async |client| {
            let n: i64 = client
                .query_one(
                    "SELECT coalesce(max(idx) + 1, 0) FROM audit_nodes WHERE level = 0",
                    &[],
                )
                .await?
                .try_get(0)?;
            Ok(count(n))
        })
    }

    fn save_tree_head(&self, head: &StoredTreeHead) -> StoreResult<()> {
        let size = i64::try_from(head.size)
            .map_err(|_| StoreError::Conflict(format!("tree size {} too large", head.size)))?;
        self.write(async |tx| {
            let inserted = tx
                .execute(
                    "INSERT INTO tree_heads (log_id, size, root, timestamp_ms, signature) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (log_id, size) DO NOTHING",
                    &[
                        &head.log_id,
                        &size,
                        &&head.root[..],
                        &head.timestamp_ms,
                        &&head.signature[..],
                    ],
                )
                .await?;
            if inserted == 0 {
                let row = tx
                    .query_one(
                        &format!(
                            "SELECT {HEAD_COLUMNS} FROM tree_heads WHERE log_id = $1 AND size = $2"
                        ),
                        &[&head.log_id, &size],
                    )
                    .await?;
                if tree_head_from_row(&row)? != *head {
                    return Err(StoreError::Conflict(format!(
                        "another tree head of log {} at size {} is stored",
                        head.log_id, head.size
                    )));
                }
            }
            Ok(())
        })
    }

    fn tree_heads(
        &self,
        log_id: &str,
        from_size: u64,
        to_size: u64,
    ) -> StoreResult<Vec<StoredTreeHead>> {
        self.query_rows(
            &format!(
                "SELECT {HEAD_COLUMNS} FROM tree_heads \
                 WHERE log_id = $1 AND size >= $2 AND size <= $3 ORDER BY size"
            ),
            &[&log_id, &bound(from_size), &bound(to_size)],
            tree_head_from_row,
        )
    }

    fn latest_tree_head(&self, log_id: &str) -> StoreResult<Option<StoredTreeHead>> {
        Ok(self
            .query_rows(
                &format!(
                    "SELECT {HEAD_COLUMNS} FROM tree_heads WHERE log_id = $1 \
                     ORDER BY size DESC LIMIT 1"
                ),
                &[&log_id],
                tree_head_from_row,
            )?
            .pop())
    }

    fn save_countersignature(&self, c: &StoredCountersignature) -> StoreResult<()> {
        let size = i64::try_from(c.size)
            .map_err(|_| StoreError::Conflict(format!("tree size {} too large", c.size)))?;
        self.write(async |tx| {
            tx.execute(
                "INSERT INTO countersignatures (size, witness, signature) VALUES ($1, $2, $3) \
                 ON CONFLICT (size, witness) DO NOTHING",
                &[&size, &c.witness, &&c.signature[..]],
            )
            .await?;
            Ok(())
        })
    }

    fn countersignatures(
        &self,
        from_size: u64,
        to_size: u64,
    ) -> StoreResult<Vec<StoredCountersignature>> {
        self.query_rows(
            "SELECT size, witness, signature FROM countersignatures \
             WHERE size >= $1 AND size <= $2 ORDER BY size, witness",
            &[&bound(from_size), &bound(to_size)],
            |row| {
                let size: i64 = row.try_get(0)?;
                Ok(StoredCountersignature {
                    size: count(size),
                    witness: row.try_get(1)?,
                    signature: fixed_bytes(row.try_get(2)?, "countersignature")?,
                })
            },
        )
    }

    fn meta(&self, key: &str) -> StoreResult<Option<String>> {
        Ok(self
            .query_rows("SELECT value FROM meta WHERE key = $1", &[&key], |row| {
                Ok(row.try_get(0)?)
            })?
            .pop())
    }

    fn set_meta(&self, key: &str, value: &str) -> StoreResult<()> {
        self.write(async |tx| {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&key, &value],
            )
            .await?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted_for_logs() {
        assert_eq!(
            redacted_url("postgres://fiu:s3cret@db.example:5432/fiu?sslmode=disable"),
            "postgres://fiu:***@db.example:5432/fiu?sslmode=disable"
        );
        assert_eq!(
            redacted_url("postgresql://fiu@db/fiu"),
            "postgresql://fiu@db/fiu"
        );
        assert_eq!(redacted_url("postgres://db/fiu"), "postgres://db/fiu");
        assert_eq!(
            redacted_url("postgres://u:p@ss@db/x"),
            "postgres://u:***@db/x"
        );
        assert_eq!(redacted_url("host=db password=x"), "(not a URL)");
        let settings = PostgresSettings {
            password: Some(Zeroizing::new("hunter2".into())),
            ..PostgresSettings::new("postgres://a:b@c/d")
        };
        let shown = format!("{settings:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains(":b@"),
            "{shown}"
        );
    }

    #[test]
    fn schema_names_are_plain_identifiers() {
        assert!(valid_schema_name("fiu_de"));
        assert!(valid_schema_name("_x1"));
        assert!(!valid_schema_name(""));
        assert!(!valid_schema_name("1abc"));
        assert!(!valid_schema_name("Fiu"));
        assert!(!valid_schema_name("a;drop"));
        assert!(!valid_schema_name(&"a".repeat(64)));
    }

    #[test]
    fn block_on_runs_inside_an_async_runtime_without_panicking() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let out = rt.block_on(async { block_on(async { 7 }) });
        assert_eq!(out, 7);
    }
}
