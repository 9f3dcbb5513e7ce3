//! Schema migrations of the SQLite store.
//!
//! The schema version lives in `PRAGMA user_version` (0 for a new file). [`MIGRATIONS`] is an
//! ordered list of SQL scripts: script `i` takes the file from version `i` to `i + 1`. Each
//! script runs in its own transaction together with the version bump, so a crash mid-migration
//! leaves the file at the previous version. A file whose version is newer than this binary
//! knows is refused ([`StoreError::SchemaTooNew`]): an older node must not write to a schema it
//! does not understand. Scripts are never edited once released; a change is a new script.
//!
//! `PRAGMA application_id` marks the file as a node store, so that pointing the node at some
//! other SQLite database fails clearly instead of creating tables in it.

use rusqlite::{Connection, TransactionBehavior};

use crate::store::{StoreError, StoreResult};

/// `PRAGMA application_id` of a node store: "FIU1" in ASCII.
pub(super) const APPLICATION_ID: i64 = 0x4649_5531;

/// The migration scripts, oldest first. The schema version of a file is how many have run.
pub(super) const MIGRATIONS: &[&str] = &[V1, V2, V3];

/// The newest schema version this binary knows.
pub(super) fn supported_version() -> i64 {
    // The list is a handful of scripts; its length always fits an i64.
    MIGRATIONS.len() as i64
}

/// Version 1: the first schema.
///
/// - `subjects`: the raw subject as JSON plus the columns queries need. `expires_day` is the
///   expiry date as days since 0001-01-01 (an integer compares right for every year, where
///   text would put `+10000-01-01` before `2024-01-01`). `token_epoch` is the
///   epoch whose tokens were last written for the subject (an unchanged subject upserted under
///   a new epoch still needs that epoch's tokens).
/// - `tokens`: exact token index, keyed for look-up by (epoch, token); the second index,
///   which also carries every primary-key column, serves the per-subject scan and the cascade
///   on delete without touching the table. (Version 3 keys the table by subject instead.)
/// - `own_publication` / `peer_publication`: the last snapshot and the deltas after it.
/// - `hits`: one row per (local subject, peer, epoch); deleted with the subject.
/// - `follow_ups`: `cursor` is the pagination position; `(id, direction)` is the identity
///   (a node that follows up its own request in a test network holds both sides).
/// - `audit_events`: append-only (triggers refuse UPDATE and DELETE), so `seq` has no gaps.
/// - `meta`: node metadata.
const V1: &str = r#"
CREATE TABLE subjects (
    id           INTEGER PRIMARY KEY,
    local_ref    TEXT    NOT NULL UNIQUE,
    category     TEXT    NOT NULL,
    record_type  TEXT    NOT NULL,
    expires_day  INTEGER,
    record_json  TEXT    NOT NULL,
    content_hash BLOB    NOT NULL CHECK (length(content_hash) = 32),
    shared       INTEGER NOT NULL CHECK (shared IN (0, 1)),
    token_epoch  INTEGER NOT NULL,
    created_ms   INTEGER NOT NULL,
    updated_ms   INTEGER NOT NULL
);
CREATE INDEX subjects_expires ON subjects (expires_day) WHERE expires_day IS NOT NULL;

CREATE TABLE tokens (
    epoch      INTEGER NOT NULL,
    token      BLOB    NOT NULL,
    subject_id INTEGER NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
    kind       INTEGER NOT NULL,
    PRIMARY KEY (epoch, token, subject_id)
) WITHOUT ROWID;
CREATE INDEX tokens_by_subject ON tokens (subject_id, epoch, kind);

CREATE TABLE own_publication (
    seq       INTEGER PRIMARY KEY,
    kind      TEXT    NOT NULL CHECK (kind IN ('snapshot', 'delta')),
    epoch     INTEGER NOT NULL,
    bytes     BLOB    NOT NULL,
    signature BLOB    NOT NULL
);

CREATE TABLE peer_publication (
    id        INTEGER PRIMARY KEY,
    peer      TEXT    NOT NULL,
    seq       INTEGER NOT NULL,
    kind      TEXT    NOT NULL CHECK (kind IN ('snapshot', 'delta')),
    epoch     INTEGER NOT NULL,
    bytes     BLOB    NOT NULL,
    signature BLOB    NOT NULL,
    UNIQUE (peer, seq)
);

CREATE TABLE hits (
    id            INTEGER PRIMARY KEY,
    local_ref     TEXT    NOT NULL REFERENCES subjects (local_ref) ON DELETE CASCADE,
    peer          TEXT    NOT NULL,
    epoch         INTEGER NOT NULL,
    kinds         TEXT    NOT NULL,
    strength      TEXT    NOT NULL CHECK (strength IN ('weak', 'medium', 'strong')),
    confidence    REAL    NOT NULL,
    tokens        BLOB    NOT NULL,
    first_seen_ms INTEGER NOT NULL,
    last_seen_ms  INTEGER NOT NULL,
    UNIQUE (local_ref, peer, epoch)
);
CREATE INDEX hits_peer ON hits (peer, id);
CREATE INDEX hits_first_seen ON hits (first_seen_ms);

CREATE TABLE follow_ups (
    cursor         INTEGER PRIMARY KEY,
    id             TEXT    NOT NULL,
    direction      TEXT    NOT NULL CHECK (direction IN ('outgoing', 'incoming')),
    peer           TEXT    NOT NULL,
    hit_id         INTEGER REFERENCES hits (id) ON DELETE SET NULL,
    local_refs     TEXT    NOT NULL,
    case_reference TEXT    NOT NULL,
    legal_basis    TEXT    NOT NULL,
    purpose        TEXT    NOT NULL,
    tokens         BLOB    NOT NULL,
    token_found    BLOB    NOT NULL,
    state          TEXT    NOT NULL,
    message        TEXT,
    requested_by   TEXT    NOT NULL,
    created_ms     INTEGER NOT NULL,
    updated_ms     INTEGER NOT NULL,
    UNIQUE (id, direction)
);
CREATE INDEX follow_ups_state ON follow_ups (state, cursor);
CREATE INDEX follow_ups_created ON follow_ups (created_ms);
CREATE INDEX follow_ups_hit ON follow_ups (hit_id) WHERE hit_id IS NOT NULL;

CREATE TABLE audit_events (
    seq    INTEGER PRIMARY KEY,
    at_ms  INTEGER NOT NULL,
    kind   TEXT    NOT NULL,
    actor  TEXT    NOT NULL,
    detail TEXT    NOT NULL
);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
"#;

/// Version 2: the verifiable audit log.
///
/// - `audit_nodes`: the Merkle tree over `audit_events`, derived from the rows (level 0 holds
///   the leaf hashes, level `j` the roots of perfect subtrees of `2^j` leaves). Append-only.
/// - `tree_heads`: signed tree heads, this node's own and the peers' it countersigned as a
///   witness, one per (log, size).
/// - `countersignatures`: witnesses' signatures on this node's own heads.
/// - `audit_events_kind`: the auditor's "events of this kind" query.
const V2: &str = r#"
CREATE TABLE audit_nodes (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB    NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TRIGGER audit_nodes_no_update BEFORE UPDATE ON audit_nodes
BEGIN
    SELECT RAISE(ABORT, 'audit nodes are append-only');
END;

CREATE TABLE tree_heads (
    log_id       TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    root         BLOB    NOT NULL CHECK (length(root) = 32),
    timestamp_ms INTEGER NOT NULL,
    signature    BLOB    NOT NULL CHECK (length(signature) = 64),
    PRIMARY KEY (log_id, size)
) WITHOUT ROWID;

CREATE TABLE countersignatures (
    size      INTEGER NOT NULL,
    witness   TEXT    NOT NULL,
    signature BLOB    NOT NULL CHECK (length(signature) = 64),
    PRIMARY KEY (size, witness)
) WITHOUT ROWID;

CREATE INDEX audit_events_kind ON audit_events (kind, seq);
"#;

/// Version 3: tokens kept by subject, with no index by token value.
///
/// Version 1 keyed `tokens` by (epoch, token, subject). HMAC tokens are uniformly random, so
/// every token written was a random insert into a B-tree that outgrows the page cache: a bulk
/// load of 100 000 persons ran at a third of the speed of the first 20 000, and every commit
/// rewrote a page per token. Keyed by (subject, epoch, kind, token), new subjects' tokens are
/// appended at the end of the tree (ids grow), and the per-subject index is the table itself,
/// so every token is stored once instead of twice. Exact resolution of tokens (follow-ups) is answered from the
/// engine's memory, which holds every local token anyway.
const V3: &str = r#"
CREATE TABLE tokens_by_subject_v3 (
    subject_id INTEGER NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
    epoch      INTEGER NOT NULL,
    kind       INTEGER NOT NULL,
    token      BLOB    NOT NULL,
    PRIMARY KEY (subject_id, epoch, kind, token)
) WITHOUT ROWID;
INSERT INTO tokens_by_subject_v3 (subject_id, epoch, kind, token)
    SELECT subject_id, epoch, kind, token FROM tokens ORDER BY subject_id, epoch, kind, token;
DROP TABLE tokens;
ALTER TABLE tokens_by_subject_v3 RENAME TO tokens;
"#;

/// Brings the file to the newest schema, or refuses it.
pub(super) fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let app_id: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let supported = supported_version();
    if found > supported {
        return Err(StoreError::SchemaTooNew { found, supported });
    }
    if found < 0 || (app_id != APPLICATION_ID && !(app_id == 0 && found == 0)) {
        return Err(StoreError::Corrupt(format!(
            "not a node store (application_id {app_id:#x}, schema version {found})"
        )));
    }
    // `found` is in `0..=supported` here, so it converts and indexes the list (or its end).
    let done = usize::try_from(found).unwrap_or(MIGRATIONS.len());
    for (version, script) in (found..).zip(&MIGRATIONS[done..]) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
        // A new file with other tables in it is someone else's database.
        if version == 0 {
            let tables: i64 = tx.query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
                [],
                |r| r.get(0),
            )?;
            if tables != 0 {
                return Err(StoreError::Corrupt(
                    "the file is an SQLite database of another application".into(),
                ));
            }
        }
        tx.execute_batch(script)?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_to_a_new_database_and_are_idempotent() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, supported_version());
        migrate(&mut conn).unwrap();
    }

    #[test]
    fn version_3_keeps_every_token_of_a_version_2_store() {
        let mut conn = Connection::open_in_memory().unwrap();
        for (version, script) in MIGRATIONS[..2].iter().enumerate() {
            conn.execute_batch(script).unwrap();
            conn.pragma_update(None, "user_version", version as i64 + 1)
                .unwrap();
        }
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        conn.execute_batch(
            "INSERT INTO subjects (id, local_ref, category, record_type, record_json, \
             content_hash, shared, token_epoch, created_ms, updated_ms) VALUES \
             (1, 'A', 'suspect', 'person', '{}', zeroblob(32), 1, 1, 0, 0), \
             (2, 'B', 'suspect', 'person', '{}', zeroblob(32), 0, 2, 0, 0); \
             INSERT INTO tokens (epoch, token, subject_id, kind) VALUES \
             (1, x'01', 1, 3), (1, x'02', 1, 4), (1, x'02', 2, 4), (2, x'03', 2, 5);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let rows: Vec<(i64, i64, i64, Vec<u8>)> = conn
            .prepare("SELECT subject_id, epoch, kind, token FROM tokens")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            [
                (1, 1, 3, vec![1]),
                (1, 1, 4, vec![2]),
                (2, 1, 4, vec![2]),
                (2, 2, 5, vec![3])
            ]
        );
        // Still deleted with their subject.
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        conn.execute("DELETE FROM subjects WHERE id = 2", [])
            .unwrap();
        let left: i64 = conn
            .query_row("SELECT count(*) FROM tokens", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 2);
    }

    #[test]
    fn another_applications_database_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (x)").unwrap();
        assert!(matches!(migrate(&mut conn), Err(StoreError::Corrupt(_))));
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "application_id", 7).unwrap();
        assert!(matches!(migrate(&mut conn), Err(StoreError::Corrupt(_))));
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        assert!(matches!(
            migrate(&mut conn),
            Err(StoreError::SchemaTooNew { found: 99, .. })
        ));
    }
}
