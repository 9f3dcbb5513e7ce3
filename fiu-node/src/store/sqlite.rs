//! [`SqliteStore`]: the embedded default [`Store`], one SQLite file per node.
//!
//! # Connections
//!
//! One write connection behind a [`Mutex`] and a few read connections, each behind its own
//! [`Mutex`]. SQLite admits one writer at a time whatever the process does, so a write pool
//! would only move the queue from the mutex into SQLite's busy handler; one mutex is simple,
//! fair enough and never sees `SQLITE_BUSY` from this process. In WAL mode readers do not
//! block the writer nor each other, so reads (hit lists, token look-ups, the long token scan
//! of a filter rebuild) get their own connections and go on while an ingest batch writes.
//! `std::sync::Mutex` rather than an async lock: callers are blocking threads and no lock is
//! held across an `.await`.
//!
//! # Durability
//!
//! WAL journal with `synchronous = FULL`: every commit syncs the WAL before it returns. Under
//! `NORMAL`, a commit survives the node process being killed (`kill -9`: the WAL is already
//! in the operating system's cache) but not a power cut or a kernel crash, which can roll
//! back the last commits. An acknowledged ingest batch, a recorded hit or an audit event that
//! a peer may already have countersigned must never be lost, so each commit pays one fsync;
//! bulk ingest amortises it over a batch, and concurrent stand-alone audit appends (look-ups,
//! refusals) share one transaction through group commit (`group_commit`).
//!
//! # Transactions and audit
//!
//! Every mutating method runs in one `BEGIN IMMEDIATE` transaction that also appends its
//! audit events, so a change and its audit entry are committed together or not at all.
//! `audit_events.seq` is assigned as `max(seq) + 1` inside that transaction, and triggers make
//! the table append-only, so sequence numbers start at 1 and have no gaps.

mod schema;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::Duration;

use chrono::{Datelike, NaiveDate};
use matcher::hits::KeyedToken;
use matcher::{Epoch, Subject};
use rusqlite::types::Value;
use rusqlite::{
    Connection, ErrorCode, OpenFlags, OptionalExtension, Row, Transaction, TransactionBehavior,
    params, params_from_iter,
};

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

/// How long a connection waits for a lock held by another connection (a checkpoint, another
/// process opening the file) before failing with `SQLITE_BUSY`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Read connections. The node runs on two cores; two readers let a long token scan and the
/// investigator's queries proceed side by side without opening a file handle per thread.
const READ_CONNECTIONS: usize = 2;

/// Prepared statements kept per connection: every fixed statement of this module plus the
/// few shapes of the hit and follow-up list queries.
const STATEMENT_CACHE: usize = 96;

/// Page cache per connection, in KiB (SQLite's negative `cache_size`). The token index is
/// the hot part of a large ingest; 64 MiB per connection keeps its upper levels in memory.
const CACHE_KIB: i64 = 64 * 1024;

/// The SQLite implementation of [`Store`]. `Send + Sync`; share it in an `Arc`.
///
/// Bulk speed, measured by `bulk_upsert_rate` in `tests/store.rs` (it prints its figures
/// with `--nocapture`): one batch of 10 000 new persons with 8 tokens each into a new file,
/// on the shared 2-core development machine, 2026-04. Debug build: about 8 000 subjects/s;
/// debug build with SQLite's C code at `opt-level = 3`: about 19 000 subjects/s, an unchanged
/// re-upsert about 170 000 subjects/s, the token scan about 0.9 million tokens/s. Release
/// builds are faster still. At 10 million subjects the token index outgrows the page cache
/// and the rate falls; not measured yet.
pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    /// Stand-alone audit appends (look-ups, refusals) share transactions through it.
    audit_appends: GroupCommit<AuditEvent>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Runs a read query built at run time (the list filters) and decodes every row.
    fn query_rows<T>(
        &self,
        sql: &str,
        values: Vec<Value>,
        decode: fn(&rusqlite::Row<'_>) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(sql)?;
            let mut rows = stmt.query(params_from_iter(values))?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(decode(row)?);
            }
            Ok(out)
        })
    }

    /// Opens the store at `path`, creating the file if needed and migrating it to the newest
    /// schema. Refuses a file of a newer schema ([`StoreError::SchemaTooNew`]) or of another
    /// application ([`StoreError::Corrupt`]).
    pub fn open(path: &Path) -> StoreResult<SqliteStore> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut writer = Connection::open_with_flags(path, flags)?;
        configure(&writer)?;
        let mode: String =
            writer.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Corrupt(format!(
                "the database cannot use a write-ahead log (journal mode {mode})"
            )));
        }
        writer.pragma_update(None, "foreign_keys", true)?;
        schema::migrate(&mut writer)?;
        let readers = (0..READ_CONNECTIONS)
            .map(|_| {
                let reader = Connection::open_with_flags(path, flags)?;
                configure(&reader)?;
                reader.pragma_update(None, "query_only", true)?;
                Ok(Mutex::new(reader))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(SqliteStore {
            path: path.to_owned(),
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
            audit_appends: GroupCommit::new(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Transactions [`Store::append_audit`] has committed (or tried) since the store was
    /// opened: fewer than its calls when concurrent callers shared one (group commit). Read
    /// by tests and the audit bench.
    pub fn audit_transactions(&self) -> u64 {
        self.audit_appends.transactions()
    }

    /// Runs `f` in one write transaction, committed when `f` succeeds and rolled back
    /// otherwise.
    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = relock(self.writer.lock());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs `f` on a free read connection (or waits for one).
    fn read<T>(&self, f: impl FnOnce(&mut Connection) -> StoreResult<T>) -> StoreResult<T> {
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        let n = self.readers.len();
        for i in 0..n {
            match self.readers[(start + i) % n].try_lock() {
                Ok(mut conn) => return f(&mut conn),
                Err(TryLockError::Poisoned(p)) => return f(&mut p.into_inner()),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        let mut conn = relock(self.readers[start % n].lock());
        f(&mut conn)
    }
}

/// A poisoned lock's connection is still sound: a panic while it was held dropped the open
/// transaction, which rolls it back, and dropped any open statement, which resets it.
fn relock<'a>(
    r: Result<MutexGuard<'a, Connection>, PoisonError<MutexGuard<'a, Connection>>>,
) -> MutexGuard<'a, Connection> {
    r.unwrap_or_else(PoisonError::into_inner)
}

/// Settings every connection needs.
fn configure(conn: &Connection) -> StoreResult<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

use crate::clock::now_ms;

/// Records one hit inside the caller's transaction (see `Store::record_hit`): the audit events
/// are written when the hit is new or when what hit changed (kinds, strength, confidence or
/// tokens); a replay of an identical hit only moves its last-seen time and writes no audit
/// event, so restarts do not flood the log. A hit whose local subject is not stored is refused
/// by the database (foreign key).
fn record_hit_in(
    tx: &Connection,
    hit: &NewHit,
    audit: &[AuditEvent],
    now: i64,
) -> StoreResult<Option<StoredHit>> {
    let kinds = encode_kinds(&hit.kinds);
    let tokens = encode_tokens(&hit.tokens);
    let strength = strength_str(hit.strength);

    let existing = tx
        .prepare_cached(
            "SELECT id, kinds, strength, confidence, tokens FROM hits \
                 WHERE local_ref = ?1 AND peer = ?2 AND epoch = ?3",
        )?
        .query_row(params![hit.local_ref, hit.peer, hit.epoch.0], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, f64>(3)?,
                r.get::<_, Vec<u8>>(4)?,
            ))
        })
        .optional()?;
    match existing {
        None => {
            tx.prepare_cached(
                "INSERT INTO hits (local_ref, peer, epoch, kinds, strength, confidence, \
                     tokens, first_seen_ms, last_seen_ms) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
            )?
            .execute(params![
                hit.local_ref,
                hit.peer,
                hit.epoch.0,
                kinds,
                strength,
                hit.confidence,
                tokens,
                hit.at_ms
            ])?;
            let id = tx.last_insert_rowid();
            append_events(tx, audit, now)?;
            Ok(Some(StoredHit {
                id,
                hit: hit.clone(),
                first_seen_ms: hit.at_ms,
            }))
        }
        Some((id, old_kinds, old_strength, old_confidence, old_tokens)) => {
            let changed = old_kinds != kinds
                || old_strength != strength
                || old_confidence.to_bits() != hit.confidence.to_bits()
                || old_tokens != tokens;
            tx.prepare_cached(
                "UPDATE hits SET kinds = ?2, strength = ?3, confidence = ?4, \
                     tokens = ?5, last_seen_ms = max(last_seen_ms, ?6) WHERE id = ?1",
            )?
            .execute(params![
                id,
                kinds,
                strength,
                hit.confidence,
                tokens,
                hit.at_ms
            ])?;
            if changed {
                append_events(tx, audit, now)?;
            }
            Ok(None)
        }
    }
}

/// Appends `audit` to the log inside the caller's transaction.
fn append_events(tx: &Connection, audit: &[AuditEvent], at_ms: i64) -> StoreResult<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO audit_events (seq, at_ms, kind, actor, detail)
         VALUES ((SELECT coalesce(max(seq), 0) + 1 FROM audit_events), ?1, ?2, ?3, ?4)",
    )?;
    for e in audit {
        stmt.execute(params![at_ms, e.kind, e.actor, e.detail])?;
    }
    Ok(())
}

/// Columns of a tree head, in the order [`tree_head_from_row`] reads them.
const HEAD_COLUMNS: &str = "log_id, size, root, timestamp_ms, signature";

fn tree_head_from_row(r: &Row<'_>) -> StoreResult<StoredTreeHead> {
    let root: Vec<u8> = r.get(2)?;
    let sig: Vec<u8> = r.get(4)?;
    Ok(StoredTreeHead {
        log_id: r.get(0)?,
        size: r.get::<_, i64>(1)?.max(0) as u64,
        root: fixed_bytes(&root, "tree head root")?,
        timestamp_ms: r.get(3)?,
        signature: fixed_bytes(&sig, "tree head signature")?,
    })
}

fn audit_event_from_row(r: &Row<'_>) -> StoreResult<StoredAuditEvent> {
    Ok(StoredAuditEvent {
        seq: r.get::<_, i64>(0)?.max(0) as u64,
        at_ms: r.get(1)?,
        event: AuditEvent {
            kind: r.get(2)?,
            actor: r.get(3)?,
            detail: r.get(4)?,
        },
    })
}

/// Whether `e` is a UNIQUE or PRIMARY KEY violation.
fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == ErrorCode::ConstraintViolation
                && (f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
    )
}

/// Day number of a date for the `expires_day` column (days since 0001-01-01, proleptic
/// Gregorian): an integer compares correctly for every year chrono accepts.
fn day_number(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce())
}

/// The token scan: subjects in id order are the outer loop (forced by `CROSS JOIN`), each
/// subject's tokens come from the token table's primary key (subject, epoch, kind, token),
/// so rows stream in subject order without a sort.
const TOKEN_SCAN_SQL: &str = "SELECT s.local_ref, s.shared, t.kind, t.token \
     FROM subjects s CROSS JOIN tokens t ON t.subject_id = s.id \
     WHERE t.epoch = ?1 ORDER BY s.id";

/// Columns of a hit, in [`hit_from_row`] order.
const HIT_COLUMNS: &str =
    "id, local_ref, peer, epoch, kinds, strength, confidence, tokens, first_seen_ms, last_seen_ms";

fn hit_from_row(row: &Row<'_>) -> StoreResult<StoredHit> {
    let kinds: String = row.get(4)?;
    let strength: String = row.get(5)?;
    let tokens: Vec<u8> = row.get(7)?;
    Ok(StoredHit {
        id: row.get(0)?,
        hit: NewHit {
            local_ref: row.get(1)?,
            peer: row.get(2)?,
            epoch: Epoch(row.get(3)?),
            kinds: decode_kinds(&kinds)?,
            strength: strength_from(&strength)?,
            confidence: row.get(6)?,
            tokens: decode_tokens(&tokens)?,
            at_ms: row.get(9)?,
        },
        first_seen_ms: row.get(8)?,
    })
}

/// Columns of a follow-up, in [`follow_up_from_row`] order.
const FOLLOW_UP_COLUMNS: &str = "cursor, id, direction, peer, hit_id, local_refs, \
     case_reference, legal_basis, purpose, tokens, token_found, state, message, requested_by, \
     created_ms, updated_ms";

fn follow_up_from_row(row: &Row<'_>) -> StoreResult<(i64, FollowUpRecord)> {
    let direction: String = row.get(2)?;
    let local_refs: String = row.get(5)?;
    let tokens: Vec<u8> = row.get(9)?;
    let found: Vec<u8> = row.get(10)?;
    let state: String = row.get(11)?;
    let id: String = row.get(1)?;
    let local_refs = serde_json::from_str(&local_refs)
        .map_err(|e| StoreError::Corrupt(format!("follow-up {id}: local references: {e}")))?;
    Ok((
        row.get(0)?,
        FollowUpRecord {
            direction: direction_from(&direction)?,
            peer: row.get(3)?,
            hit_id: row.get(4)?,
            local_refs,
            case_reference: row.get(6)?,
            legal_basis: row.get(7)?,
            purpose: row.get(8)?,
            tokens: decode_tokens(&tokens)?,
            token_found: decode_flags(&found)?,
            state: state_from(&state)?,
            message: row.get(12)?,
            requested_by: row.get(13)?,
            created_ms: row.get(14)?,
            updated_ms: row.get(15)?,
            id,
        },
    ))
}

/// The follow-up's columns after `cursor`, as parameters in [`FOLLOW_UP_COLUMNS`] order.
fn follow_up_values(f: &FollowUpRecord) -> StoreResult<Vec<Value>> {
    let local_refs = serde_json::to_string(&f.local_refs)
        .map_err(|e| StoreError::Corrupt(format!("follow-up {}: local references: {e}", f.id)))?;
    Ok(vec![
        Value::Text(f.id.clone()),
        Value::Text(direction_str(f.direction).into()),
        Value::Text(f.peer.clone()),
        f.hit_id.map_or(Value::Null, Value::Integer),
        Value::Text(local_refs),
        Value::Text(f.case_reference.clone()),
        Value::Text(f.legal_basis.clone()),
        Value::Text(f.purpose.clone()),
        Value::Blob(encode_tokens(&f.tokens)),
        Value::Blob(encode_flags(&f.token_found)),
        Value::Text(state_str(f.state).into()),
        f.message.clone().map_or(Value::Null, Value::Text),
        Value::Text(f.requested_by.clone()),
        Value::Integer(f.created_ms),
        Value::Integer(f.updated_ms),
    ])
}

fn blob_from_row(row: &Row<'_>, first: usize) -> rusqlite::Result<SignedBlob> {
    Ok(SignedBlob {
        seq: row.get(first)?,
        epoch: Epoch(row.get(first + 1)?),
        bytes: row.get(first + 2)?,
        signature: row.get(first + 3)?,
    })
}

impl Store for SqliteStore {
    /// Outcomes: `Inserted` for a new reference. `Unchanged` only when the content hash, the
    /// `shared` flag and the epoch of the stored tokens all equal the new ones. Otherwise
    /// `Updated`: with a new content hash every stored token of the subject (of any epoch)
    /// is deleted, since tokens of old content must not resolve to the subject; with the
    /// same content only the tokens of `epoch` are replaced (an epoch rotation re-tokenises
    /// unchanged subjects and keeps the previous epoch's tokens for follow-ups on it).
    fn upsert_subjects(
        &self,
        epoch: Epoch,
        batch: &[PreparedSubject],
        audit: &[AuditEvent],
    ) -> StoreResult<Vec<UpsertOutcome>> {
        let now = now_ms();
        self.write(|tx| {
            let mut find = tx.prepare_cached(
                "SELECT id, content_hash, shared, token_epoch FROM subjects WHERE local_ref = ?1",
            )?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO subjects (local_ref, category, record_type, expires_day, \
                 record_json, content_hash, shared, token_epoch, created_ms, updated_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
            )?;
            let mut update = tx.prepare_cached(
                "UPDATE subjects SET category = ?2, record_type = ?3, expires_day = ?4, \
                 record_json = ?5, content_hash = ?6, shared = ?7, token_epoch = ?8, \
                 updated_ms = ?9 WHERE id = ?1",
            )?;
            let mut clear_all = tx.prepare_cached("DELETE FROM tokens WHERE subject_id = ?1")?;
            let mut clear_epoch =
                tx.prepare_cached("DELETE FROM tokens WHERE subject_id = ?1 AND epoch = ?2")?;
            let mut add = tx.prepare_cached(
                "INSERT OR IGNORE INTO tokens (epoch, token, subject_id, kind) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            let mut outcomes = Vec::with_capacity(batch.len());
            for p in batch {
                let s = &p.subject;
                let existing = find
                    .query_row([&s.local_ref], |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, Vec<u8>>(1)?,
                            r.get::<_, bool>(2)?,
                            r.get::<_, u64>(3)?,
                        ))
                    })
                    .optional()?;
                let unchanged = existing.as_ref().is_some_and(|(_, hash, shared, e)| {
                    hash[..] == p.content_hash[..] && *shared == p.shared && *e == epoch.0
                });
                if unchanged {
                    outcomes.push(UpsertOutcome::Unchanged);
                    continue;
                }
                let json = serde_json::to_string(s).map_err(|e| {
                    StoreError::Corrupt(format!(
                        "subject {}: not writable as JSON: {e}",
                        s.local_ref
                    ))
                })?;
                let category = s.category.as_str();
                let record_type = s.record.type_name();
                let expires = s.expires.map(day_number);
                let hash = &p.content_hash[..];
                let (id, outcome) = match existing {
                    None => {
                        insert.execute(params![
                            s.local_ref,
                            category,
                            record_type,
                            expires,
                            json,
                            hash,
                            p.shared,
                            epoch.0,
                            now
                        ])?;
                        (tx.last_insert_rowid(), UpsertOutcome::Inserted)
                    }
                    Some((id, old_hash, _, _)) => {
                        let same_content = old_hash[..] == p.content_hash[..];
                        update.execute(params![
                            id,
                            category,
                            record_type,
                            expires,
                            json,
                            hash,
                            p.shared,
                            epoch.0,
                            now
                        ])?;
                        if same_content {
                            clear_epoch.execute(params![id, epoch.0])?;
                        } else {
                            clear_all.execute([id])?;
                        }
                        (id, UpsertOutcome::Updated)
                    }
                };
                for t in &p.tokens {
                    add.execute(params![epoch.0, &t.token.as_bytes()[..], id, t.kind.code()])?;
                }
                outcomes.push(outcome);
            }
            append_events(tx, audit, now)?;
            Ok(outcomes)
        })
    }

    fn delete_subjects(&self, refs: &[String], audit: &[AuditEvent]) -> StoreResult<Vec<bool>> {
        let now = now_ms();
        self.write(|tx| {
            // Tokens and hits go by ON DELETE CASCADE; follow-ups keep their record and lose
            // the hit link (ON DELETE SET NULL).
            let mut delete = tx.prepare_cached("DELETE FROM subjects WHERE local_ref = ?1")?;
            let existed = refs
                .iter()
                .map(|r| Ok(delete.execute([r])? > 0))
                .collect::<StoreResult<Vec<_>>>()?;
            append_events(tx, audit, now)?;
            Ok(existed)
        })
    }

    fn subject(&self, local_ref: &str) -> StoreResult<Option<Subject>> {
        self.read(|conn| {
            let json: Option<String> = conn
                .prepare_cached("SELECT record_json FROM subjects WHERE local_ref = ?1")?
                .query_row([local_ref], |r| r.get(0))
                .optional()?;
            json.map(|j| {
                serde_json::from_str(&j)
                    .map_err(|e| StoreError::Corrupt(format!("subject {local_ref}: {e}")))
            })
            .transpose()
        })
    }

    fn subject_count(&self) -> StoreResult<u64> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached("SELECT count(*) FROM subjects")?
                .query_row([], |r| r.get(0))?)
        })
    }

    fn expired_subjects(&self, today: NaiveDate) -> StoreResult<Vec<String>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT local_ref FROM subjects WHERE expires_day < ?1 \
                 ORDER BY expires_day, local_ref",
            )?;
            let refs = stmt
                .query_map([day_number(today)], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            Ok(refs)
        })
    }

    /// Streams the rows of one query: subjects in id order (the outer loop, forced by
    /// `CROSS JOIN`), each subject's tokens from the covering index in (kind, token) order.
    /// Holds one read connection for the whole scan.
    fn for_each_token(
        &self,
        epoch: Epoch,
        f: &mut dyn FnMut(&str, KeyedToken, bool),
    ) -> StoreResult<()> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(TOKEN_SCAN_SQL)?;
            let mut rows = stmt.query([epoch.0])?;
            while let Some(row) = rows.next()? {
                let local_ref = row.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
                let shared: bool = row.get(1)?;
                let kind = kind_from_code(row.get(2)?)?;
                let token =
                    token_from_slice(row.get_ref(3)?.as_blob().map_err(rusqlite::Error::from)?)?;
                f(local_ref, KeyedToken { kind, token }, shared);
            }
            Ok(())
        })
    }

    fn save_own_snapshot(&self, snapshot: &SignedBlob, audit: &[AuditEvent]) -> StoreResult<()> {
        let now = now_ms();
        self.write(|tx| {
            let seq = seq_value(snapshot.seq)?;
            tx.prepare_cached("DELETE FROM own_publication WHERE kind = 'snapshot' OR seq <= ?1")?
                .execute([seq])?;
            tx.prepare_cached(
                "INSERT INTO own_publication (seq, kind, epoch, bytes, signature) \
                 VALUES (?1, 'snapshot', ?2, ?3, ?4)",
            )?
            .execute(params![
                seq,
                snapshot.epoch.0,
                snapshot.bytes,
                snapshot.signature
            ])?;
            append_events(tx, audit, now)
        })
    }

    /// Refuses ([`StoreError::Conflict`]) a delta before any snapshot, or one whose sequence
    /// number is not above every stored one.
    fn append_own_delta(&self, delta: &SignedBlob, audit: &[AuditEvent]) -> StoreResult<()> {
        let now = now_ms();
        self.write(|tx| {
            let (snapshot_seq, last_seq): (Option<u64>, Option<u64>) = tx
                .prepare_cached(
                    "SELECT max(CASE WHEN kind = 'snapshot' THEN seq END), max(seq) \
                     FROM own_publication",
                )?
                .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            check_delta("own publication", delta, snapshot_seq, last_seq)?;
            tx.prepare_cached(
                "INSERT INTO own_publication (seq, kind, epoch, bytes, signature) \
                 VALUES (?1, 'delta', ?2, ?3, ?4)",
            )?
            .execute(params![
                seq_value(delta.seq)?,
                delta.epoch.0,
                delta.bytes,
                delta.signature
            ])?;
            append_events(tx, audit, now)
        })
    }

    fn own_publication(&self) -> StoreResult<Option<Publication>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT kind, seq, epoch, bytes, signature FROM own_publication ORDER BY seq",
            )?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, blob_from_row(r, 1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(publication_of(rows))
        })
    }

    fn save_peer_snapshot(
        &self,
        peer: &str,
        snapshot: &SignedBlob,
        audit: &[AuditEvent],
    ) -> StoreResult<()> {
        let now = now_ms();
        self.write(|tx| {
            tx.prepare_cached("DELETE FROM peer_publication WHERE peer = ?1")?
                .execute([peer])?;
            tx.prepare_cached(
                "INSERT INTO peer_publication (peer, seq, kind, epoch, bytes, signature) \
                 VALUES (?1, ?2, 'snapshot', ?3, ?4, ?5)",
            )?
            .execute(params![
                peer,
                seq_value(snapshot.seq)?,
                snapshot.epoch.0,
                snapshot.bytes,
                snapshot.signature
            ])?;
            append_events(tx, audit, now)
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
        self.write(|tx| {
            let (snapshot_seq, last_seq): (Option<u64>, Option<u64>) = tx
                .prepare_cached(
                    "SELECT max(CASE WHEN kind = 'snapshot' THEN seq END), max(seq) \
                     FROM peer_publication WHERE peer = ?1",
                )?
                .query_row([peer], |r| Ok((r.get(0)?, r.get(1)?)))?;
            check_delta(&format!("peer {peer}"), delta, snapshot_seq, last_seq)?;
            tx.prepare_cached(
                "INSERT INTO peer_publication (peer, seq, kind, epoch, bytes, signature) \
                 VALUES (?1, ?2, 'delta', ?3, ?4, ?5)",
            )?
            .execute(params![
                peer,
                seq_value(delta.seq)?,
                delta.epoch.0,
                delta.bytes,
                delta.signature
            ])?;
            append_events(tx, audit, now)
        })
    }

    fn peer_publications(&self) -> StoreResult<Vec<(String, Publication)>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT peer, kind, seq, epoch, bytes, signature FROM peer_publication \
                 ORDER BY peer, seq",
            )?;
            let mut by_peer: BTreeMap<String, Vec<(String, SignedBlob)>> = BTreeMap::new();
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let peer: String = row.get(0)?;
                by_peer
                    .entry(peer)
                    .or_default()
                    .push((row.get(1)?, blob_from_row(row, 2)?));
            }
            Ok(by_peer
                .into_iter()
                .filter_map(|(peer, rows)| publication_of(rows).map(|p| (peer, p)))
                .collect())
        })
    }

    fn drop_peer(&self, peer: &str, audit: &[AuditEvent]) -> StoreResult<()> {
        let now = now_ms();
        self.write(|tx| {
            tx.prepare_cached("DELETE FROM peer_publication WHERE peer = ?1")?
                .execute([peer])?;
            append_events(tx, audit, now)
        })
    }

    /// The audit events are written when the hit is new or when what hit changed (kinds,
    /// strength, confidence or tokens); a replay of an identical hit only moves its last-seen
    /// time and writes no audit event, so restarts do not flood the log. A hit whose local
    /// subject is not stored is refused by the database (foreign key).
    fn record_hit(&self, hit: &NewHit, audit: &[AuditEvent]) -> StoreResult<Option<StoredHit>> {
        let now = now_ms();
        self.write(|tx| record_hit_in(tx, hit, audit, now))
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
        self.write(|tx| {
            hits.iter()
                .map(|(hit, audit)| record_hit_in(tx, hit, audit, now))
                .collect()
        })
    }

    fn hit(&self, id: i64) -> StoreResult<Option<StoredHit>> {
        self.read(|conn| {
            let mut stmt =
                conn.prepare_cached(&format!("SELECT {HIT_COLUMNS} FROM hits WHERE id = ?1"))?;
            let mut rows = stmt.query([id])?;
            rows.next()?.map(hit_from_row).transpose()
        })
    }

    fn list_hits(&self, query: &HitQuery) -> StoreResult<Vec<StoredHit>> {
        let mut sql = format!("SELECT {HIT_COLUMNS} FROM hits WHERE 1");
        let mut values = Vec::new();
        if let Some(peer) = &query.peer {
            sql.push_str(" AND peer = ?");
            values.push(Value::Text(peer.clone()));
        }
        if let Some(kind) = query.kind {
            // Whole labels only: the list is comma-separated and labels contain no comma.
            sql.push_str(" AND instr(',' || kinds || ',', ?) > 0");
            values.push(Value::Text(format!(",{},", kind.label())));
        }
        if let Some(min) = query.min_confidence {
            sql.push_str(" AND confidence >= ?");
            values.push(Value::Real(min));
        }
        if let Some(since) = query.since_ms {
            sql.push_str(" AND first_seen_ms >= ?");
            values.push(Value::Integer(since));
        }
        if let Some(until) = query.until_ms {
            sql.push_str(" AND first_seen_ms < ?");
            values.push(Value::Integer(until));
        }
        if let Some(local_ref) = &query.local_ref {
            sql.push_str(" AND local_ref = ?");
            values.push(Value::Text(local_ref.clone()));
        }
        if let Some(after) = query.after_id {
            sql.push_str(" AND id > ?");
            values.push(Value::Integer(after));
        }
        sql.push_str(" ORDER BY id LIMIT ?");
        values.push(Value::Integer(
            i64::try_from(query.limit).unwrap_or(i64::MAX),
        ));
        self.query_rows(&sql, values, hit_from_row)
    }

    /// Refuses ([`StoreError::Conflict`]) a follow-up whose id and direction are stored.
    fn insert_follow_up(&self, f: &FollowUpRecord, audit: &[AuditEvent]) -> StoreResult<()> {
        let now = now_ms();
        let values = follow_up_values(f)?;
        self.write(|tx| {
            let inserted = tx
                .prepare_cached(
                    "INSERT INTO follow_ups (id, direction, peer, hit_id, local_refs, \
                     case_reference, legal_basis, purpose, tokens, token_found, state, message, \
                     requested_by, created_ms, updated_ms) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                )?
                .execute(params_from_iter(values));
            match inserted {
                Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict(format!(
                    "follow-up {} ({}) exists",
                    f.id,
                    direction_str(f.direction)
                ))),
                other => other.map(|_| ()).map_err(StoreError::from),
            }?;
            append_events(tx, audit, now)
        })
    }

    /// Refuses ([`StoreError::NotFound`]) a follow-up that is not stored.
    fn update_follow_up(&self, f: &FollowUpRecord, audit: &[AuditEvent]) -> StoreResult<()> {
        let now = now_ms();
        let values = follow_up_values(f)?;
        self.write(|tx| {
            let changed = tx
                .prepare_cached(
                    "UPDATE follow_ups SET peer = ?3, hit_id = ?4, local_refs = ?5, \
                     case_reference = ?6, legal_basis = ?7, purpose = ?8, tokens = ?9, \
                     token_found = ?10, state = ?11, message = ?12, requested_by = ?13, \
                     created_ms = ?14, updated_ms = ?15 WHERE id = ?1 AND direction = ?2",
                )?
                .execute(params_from_iter(values))?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!(
                    "follow-up {} ({})",
                    f.id,
                    direction_str(f.direction)
                )));
            }
            append_events(tx, audit, now)
        })
    }

    fn follow_up(&self, id: &str, direction: Direction) -> StoreResult<Option<FollowUpRecord>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {FOLLOW_UP_COLUMNS} FROM follow_ups WHERE id = ?1 AND direction = ?2"
            ))?;
            let mut rows = stmt.query(params![id, direction_str(direction)])?;
            Ok(rows
                .next()?
                .map(follow_up_from_row)
                .transpose()?
                .map(|(_, f)| f))
        })
    }

    fn list_follow_ups(&self, query: &FollowUpQuery) -> StoreResult<Vec<(i64, FollowUpRecord)>> {
        let mut sql = format!("SELECT {FOLLOW_UP_COLUMNS} FROM follow_ups WHERE 1");
        let mut values = Vec::new();
        if let Some(d) = query.direction {
            sql.push_str(" AND direction = ?");
            values.push(Value::Text(direction_str(d).into()));
        }
        if let Some(s) = query.state {
            sql.push_str(" AND state = ?");
            values.push(Value::Text(state_str(s).into()));
        }
        if let Some(after) = query.after_cursor {
            sql.push_str(" AND cursor > ?");
            values.push(Value::Integer(after));
        }
        sql.push_str(" ORDER BY cursor LIMIT ?");
        values.push(Value::Integer(
            i64::try_from(query.limit).unwrap_or(i64::MAX),
        ));
        self.query_rows(&sql, values, follow_up_from_row)
    }

    /// Rows ordered by period start, then peer; periods without any count are left out.
    /// SQLite counts per peer and UTC day; Rust folds days into weeks or months.
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
             WHERE first_seen_ms >= ?1 AND first_seen_ms < ?2 GROUP BY peer, day",
            DAY.replace("ms", "first_seen_ms")
        );
        let follow_ups_sql = format!(
            "SELECT peer, {} AS day, direction = 'outgoing', count(*), \
             sum(state = 'accepted'), sum(state = 'declined'), sum(state = 'responded'), \
             sum(state IN ('failed', 'not_found')) \
             FROM follow_ups WHERE created_ms >= ?1 AND created_ms < ?2 \
             GROUP BY peer, day, direction",
            DAY.replace("ms", "created_ms")
        );
        let (hit_days, follow_up_days) = self.read(|conn| {
            let tx = conn.transaction()?;
            let hits = tx
                .prepare_cached(&hits_sql)?
                .query_map([since_ms, until_ms], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, u64>(2)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let follow_ups = tx
                .prepare_cached(&follow_ups_sql)?
                .query_map([since_ms, until_ms], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, bool>(2)?,
                        [
                            r.get::<_, u64>(3)?,
                            r.get(4)?,
                            r.get(5)?,
                            r.get(6)?,
                            r.get(7)?,
                        ],
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            tx.finish()?;
            Ok((hits, follow_ups))
        })?;
        let mut rows: BTreeMap<(i64, String), StatisticsRow> = BTreeMap::new();
        for (peer, day, n) in hit_days {
            statistics_row(&mut rows, period, peer, day)?.hits += n;
        }
        for (peer, day, outgoing, [total, accepted, declined, responded, failed]) in follow_up_days
        {
            let row = statistics_row(&mut rows, period, peer, day)?;
            let counts = if outgoing {
                &mut row.outgoing
            } else {
                &mut row.incoming
            };
            counts.total += total;
            counts.accepted += accepted;
            counts.declined += declined;
            counts.responded += responded;
            counts.failed += failed;
        }
        Ok(rows.into_values().collect())
    }

    fn append_audit(&self, audit: &[AuditEvent]) -> StoreResult<()> {
        // Concurrent callers share one transaction and its fsync; each returns once the
        // transaction holding its events committed (see `group_commit`).
        self.audit_appends.submit(audit, |events| {
            self.write(|tx| append_events(tx, events, now_ms()))
        })
    }

    fn audit_events(&self, from: u64, to: u64) -> StoreResult<Vec<StoredAuditEvent>> {
        // Sequence numbers are below 2^63; larger bounds mean "to the end".
        let from = i64::try_from(from).unwrap_or(i64::MAX);
        let to = i64::try_from(to).unwrap_or(i64::MAX);
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT seq, at_ms, kind, actor, detail FROM audit_events \
                 WHERE seq >= ?1 AND seq < ?2 ORDER BY seq",
            )?;
            let events = stmt
                .query_map([from, to], |r| {
                    Ok(StoredAuditEvent {
                        seq: r.get(0)?,
                        at_ms: r.get(1)?,
                        event: AuditEvent {
                            kind: r.get(2)?,
                            actor: r.get(3)?,
                            detail: r.get(4)?,
                        },
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(events)
        })
    }

    fn list_audit_events(&self, query: &AuditQuery) -> StoreResult<Vec<StoredAuditEvent>> {
        let mut sql =
            String::from("SELECT seq, at_ms, kind, actor, detail FROM audit_events WHERE seq >= ?");
        let mut values = vec![Value::Integer(
            i64::try_from(query.from_seq).unwrap_or(i64::MAX),
        )];
        if let Some(to) = query.to_seq {
            sql.push_str(" AND seq < ?");
            values.push(Value::Integer(i64::try_from(to).unwrap_or(i64::MAX)));
        }
        if let Some(since) = query.since_ms {
            sql.push_str(" AND at_ms >= ?");
            values.push(Value::Integer(since));
        }
        if let Some(until) = query.until_ms {
            sql.push_str(" AND at_ms < ?");
            values.push(Value::Integer(until));
        }
        if let Some(kind) = &query.kind {
            sql.push_str(" AND kind = ?");
            values.push(Value::Text(kind.clone()));
        }
        if let Some(actor) = &query.actor {
            sql.push_str(" AND actor = ?");
            values.push(Value::Text(actor.clone()));
        }
        if let Some(case) = &query.case_reference {
            // `detail` is always JSON written by the node; json_valid keeps a row that is
            // not from failing the whole query.
            sql.push_str(
                " AND json_valid(detail) AND json_extract(detail, '$.case_reference') = ?",
            );
            values.push(Value::Text(case.clone()));
        }
        sql.push_str(" ORDER BY seq LIMIT ?");
        values.push(Value::Integer(
            i64::try_from(query.limit).unwrap_or(i64::MAX),
        ));
        self.query_rows(&sql, values, audit_event_from_row)
    }

    fn audit_len(&self) -> StoreResult<u64> {
        self.read(|conn| {
            let n: i64 = conn
                .prepare_cached("SELECT coalesce(max(seq), 0) FROM audit_events")?
                .query_row([], |r| r.get(0))?;
            Ok(n.max(0) as u64)
        })
    }

    fn put_audit_nodes(&self, nodes: &[AuditNode]) -> StoreResult<()> {
        self.write(|tx| {
            let mut insert = tx.prepare_cached(
                "INSERT INTO audit_nodes (level, idx, hash) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (level, idx) DO NOTHING",
            )?;
            let mut get =
                tx.prepare_cached("SELECT hash FROM audit_nodes WHERE level = ?1 AND idx = ?2")?;
            for n in nodes {
                let idx = i64::try_from(n.index).map_err(|_| {
                    StoreError::Conflict(format!("node index {} too large", n.index))
                })?;
                if insert.execute(params![n.level, idx, &n.hash[..]])? == 0 {
                    let stored: Vec<u8> = get.query_row(params![n.level, idx], |r| r.get(0))?;
                    if stored[..] != n.hash[..] {
                        return Err(StoreError::Conflict(format!(
                            "audit tree node ({}, {}) is stored with another hash: the log's \
                             entries under it were changed",
                            n.level, n.index
                        )));
                    }
                }
            }
            Ok(())
        })
    }

    fn audit_nodes(&self, keys: &[(u8, u64)]) -> StoreResult<Vec<Option<[u8; 32]>>> {
        self.read(|conn| {
            let mut stmt =
                conn.prepare_cached("SELECT hash FROM audit_nodes WHERE level = ?1 AND idx = ?2")?;
            keys.iter()
                .map(|&(level, index)| {
                    let Ok(idx) = i64::try_from(index) else {
                        return Ok(None);
                    };
                    let bytes: Option<Vec<u8>> = stmt
                        .query_row(params![level, idx], |r| r.get(0))
                        .optional()?;
                    bytes.map(|b| fixed_bytes(&b, "audit node")).transpose()
                })
                .collect()
        })
    }

    fn audit_tree_size(&self) -> StoreResult<u64> {
        self.read(|conn| {
            let n: i64 = conn
                .prepare_cached(
                    "SELECT coalesce(max(idx) + 1, 0) FROM audit_nodes WHERE level = 0",
                )?
                .query_row([], |r| r.get(0))?;
            Ok(n.max(0) as u64)
        })
    }

    fn save_tree_head(&self, head: &StoredTreeHead) -> StoreResult<()> {
        let size = i64::try_from(head.size)
            .map_err(|_| StoreError::Conflict(format!("tree size {} too large", head.size)))?;
        self.write(|tx| {
            let inserted = tx
                .prepare_cached(
                    "INSERT INTO tree_heads (log_id, size, root, timestamp_ms, signature) \
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (log_id, size) DO NOTHING",
                )?
                .execute(params![
                    head.log_id,
                    size,
                    &head.root[..],
                    head.timestamp_ms,
                    &head.signature[..]
                ])?;
            if inserted == 0 {
                let stored = tx
                    .prepare_cached(&format!(
                        "SELECT {HEAD_COLUMNS} FROM tree_heads WHERE log_id = ?1 AND size = ?2"
                    ))?
                    .query_row(params![head.log_id, size], |r| Ok(tree_head_from_row(r)))??;
                if stored != *head {
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
        let from = i64::try_from(from_size).unwrap_or(i64::MAX);
        let to = i64::try_from(to_size).unwrap_or(i64::MAX);
        self.query_rows(
            &format!(
                "SELECT {HEAD_COLUMNS} FROM tree_heads \
                 WHERE log_id = ?1 AND size >= ?2 AND size <= ?3 ORDER BY size"
            ),
            vec![
                Value::Text(log_id.to_owned()),
                Value::Integer(from),
                Value::Integer(to),
            ],
            tree_head_from_row,
        )
    }

    fn latest_tree_head(&self, log_id: &str) -> StoreResult<Option<StoredTreeHead>> {
        Ok(self
            .query_rows(
                &format!(
                    "SELECT {HEAD_COLUMNS} FROM tree_heads WHERE log_id = ?1 \
                     ORDER BY size DESC LIMIT 1"
                ),
                vec![Value::Text(log_id.to_owned())],
                tree_head_from_row,
            )?
            .pop())
    }

    fn save_countersignature(&self, c: &StoredCountersignature) -> StoreResult<()> {
        let size = i64::try_from(c.size)
            .map_err(|_| StoreError::Conflict(format!("tree size {} too large", c.size)))?;
        self.write(|tx| {
            tx.prepare_cached(
                "INSERT INTO countersignatures (size, witness, signature) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (size, witness) DO NOTHING",
            )?
            .execute(params![size, c.witness, &c.signature[..]])?;
            Ok(())
        })
    }

    fn countersignatures(
        &self,
        from_size: u64,
        to_size: u64,
    ) -> StoreResult<Vec<StoredCountersignature>> {
        let from = i64::try_from(from_size).unwrap_or(i64::MAX);
        let to = i64::try_from(to_size).unwrap_or(i64::MAX);
        self.query_rows(
            "SELECT size, witness, signature FROM countersignatures \
             WHERE size >= ?1 AND size <= ?2 ORDER BY size, witness",
            vec![Value::Integer(from), Value::Integer(to)],
            |r| {
                let sig: Vec<u8> = r.get(2)?;
                Ok(StoredCountersignature {
                    size: r.get::<_, i64>(0)?.max(0) as u64,
                    witness: r.get(1)?,
                    signature: fixed_bytes(&sig, "countersignature")?,
                })
            },
        )
    }

    fn meta(&self, key: &str) -> StoreResult<Option<String>> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
                .query_row([key], |r| r.get(0))
                .optional()?)
        })
    }

    fn set_meta(&self, key: &str, value: &str) -> StoreResult<()> {
        self.write(|tx| {
            tx.prepare_cached(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?
            .execute([key, value])?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The query plan of `sql`, one line per step.
    fn plan(conn: &Connection, sql: &str) -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let n = stmt.parameter_count();
        let params: Vec<Value> = (0..n).map(|_| Value::Integer(1)).collect();
        let rows = stmt
            .query_map(params_from_iter(params), |r| r.get::<_, String>(3))
            .unwrap();
        rows.map(|r| r.unwrap()).collect::<Vec<_>>().join("\n")
    }

    fn migrated() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        schema::migrate(&mut conn).unwrap();
        conn
    }

    #[test]
    fn the_token_scan_streams_in_subject_order_without_sorting() {
        let conn = migrated();
        let p = plan(&conn, TOKEN_SCAN_SQL);
        assert!(!p.contains("TEMP B-TREE"), "{p}");
        assert!(
            p.contains("SEARCH t USING PRIMARY KEY (subject_id=? AND epoch=?)"),
            "{p}"
        );
    }

    #[test]
    fn a_pure_hit_peer_query_uses_its_index() {
        let conn = migrated();
        let p = plan(
            &conn,
            "SELECT id FROM hits WHERE 1 AND peer = ?1 ORDER BY id LIMIT 10",
        );
        assert!(p.contains("hits_peer"), "{p}");
    }
}
