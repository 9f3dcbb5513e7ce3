//! Schema migrations of the PostgreSQL store.
//!
//! The schema version lives in the one-row table `schema_version` (with the application's
//! name, so that another program's `schema_version` is not mistaken for ours). [`MIGRATIONS`]
//! is an ordered list of SQL scripts: script `i` takes the schema from version `i` to `i + 1`.
//! PostgreSQL's DDL is transactional, so every pending script runs in one transaction with the
//! version bump, under an advisory lock: node replicas that start together migrate once, and a
//! crash mid-migration leaves the previous version. A schema newer than this binary knows is
//! refused ([`StoreError::SchemaTooNew`]). Scripts are never edited once released.
//!
//! The tables are created in the connection's current schema (the first existing schema of
//! its `search_path`); a schema that holds other tables but no `schema_version` of ours
//! belongs to another application and is refused.

use tokio_postgres::Client;

use crate::store::{StoreError, StoreResult};

/// The application name in `schema_version`.
const APPLICATION: &str = "fiu-node";

/// Advisory lock key of the migration: "FIU1" in ASCII, as SQLite's `application_id`.
const MIGRATION_LOCK: i64 = 0x4649_5531;

/// The migration scripts, oldest first. The schema version is how many have run.
pub(super) const MIGRATIONS: &[&str] = &[V1, V2, V3];

/// The newest schema version this binary knows.
pub(super) fn supported_version() -> i64 {
    // The list is a handful of scripts; its length always fits an i64.
    MIGRATIONS.len() as i64
}

/// Version 1: the tables of SQLite's version 1, in PostgreSQL types.
///
/// Differences from SQLite: ids are identity columns (never reused after a delete); the
/// audit log is append-only by a trigger that refuses UPDATE, DELETE and TRUNCATE; the
/// token index by subject carries the token (`INCLUDE`) so the per-subject scan reads the
/// index only.
const V1: &str = r#"
CREATE TABLE subjects (
    id           BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    local_ref    TEXT    NOT NULL UNIQUE,
    category     TEXT    NOT NULL,
    record_type  TEXT    NOT NULL,
    expires_day  BIGINT,
    record_json  TEXT    NOT NULL,
    content_hash BYTEA   NOT NULL CHECK (length(content_hash) = 32),
    shared       BOOLEAN NOT NULL,
    token_epoch  BIGINT  NOT NULL,
    created_ms   BIGINT  NOT NULL,
    updated_ms   BIGINT  NOT NULL
);
CREATE INDEX subjects_expires ON subjects (expires_day) WHERE expires_day IS NOT NULL;

CREATE TABLE tokens (
    epoch      BIGINT  NOT NULL,
    token      BYTEA   NOT NULL,
    subject_id BIGINT  NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
    kind       INTEGER NOT NULL,
    PRIMARY KEY (epoch, token, subject_id)
);
CREATE INDEX tokens_by_subject ON tokens (subject_id, epoch, kind) INCLUDE (token);

CREATE TABLE own_publication (
    seq       BIGINT PRIMARY KEY,
    kind      TEXT   NOT NULL CHECK (kind IN ('snapshot', 'delta')),
    epoch     BIGINT NOT NULL,
    bytes     BYTEA  NOT NULL,
    signature BYTEA  NOT NULL
);

CREATE TABLE peer_publication (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    peer      TEXT   NOT NULL,
    seq       BIGINT NOT NULL,
    kind      TEXT   NOT NULL CHECK (kind IN ('snapshot', 'delta')),
    epoch     BIGINT NOT NULL,
    bytes     BYTEA  NOT NULL,
    signature BYTEA  NOT NULL,
    UNIQUE (peer, seq)
);

CREATE TABLE hits (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    local_ref     TEXT   NOT NULL REFERENCES subjects (local_ref) ON DELETE CASCADE,
    peer          TEXT   NOT NULL,
    epoch         BIGINT NOT NULL,
    kinds         TEXT   NOT NULL,
    strength      TEXT   NOT NULL CHECK (strength IN ('weak', 'medium', 'strong')),
    confidence    DOUBLE PRECISION NOT NULL,
    tokens        BYTEA  NOT NULL,
    first_seen_ms BIGINT NOT NULL,
    last_seen_ms  BIGINT NOT NULL,
    UNIQUE (local_ref, peer, epoch)
);
CREATE INDEX hits_peer ON hits (peer, id);
CREATE INDEX hits_first_seen ON hits (first_seen_ms);

CREATE TABLE follow_ups (
    cursor         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id             TEXT   NOT NULL,
    direction      TEXT   NOT NULL CHECK (direction IN ('outgoing', 'incoming')),
    peer           TEXT   NOT NULL,
    hit_id         BIGINT REFERENCES hits (id) ON DELETE SET NULL,
    local_refs     TEXT   NOT NULL,
    case_reference TEXT   NOT NULL,
    legal_basis    TEXT   NOT NULL,
    purpose        TEXT   NOT NULL,
    tokens         BYTEA  NOT NULL,
    token_found    BYTEA  NOT NULL,
    state          TEXT   NOT NULL,
    message        TEXT,
    requested_by   TEXT   NOT NULL,
    created_ms     BIGINT NOT NULL,
    updated_ms     BIGINT NOT NULL,
    UNIQUE (id, direction)
);
CREATE INDEX follow_ups_state ON follow_ups (state, cursor);
CREATE INDEX follow_ups_created ON follow_ups (created_ms);
CREATE INDEX follow_ups_hit ON follow_ups (hit_id) WHERE hit_id IS NOT NULL;

CREATE TABLE audit_events (
    seq    BIGINT PRIMARY KEY CHECK (seq > 0),
    at_ms  BIGINT NOT NULL,
    kind   TEXT   NOT NULL,
    actor  TEXT   NOT NULL,
    detail TEXT   NOT NULL
);
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"#;

/// Version 2: the verifiable audit log, as SQLite's version 2.
///
/// - `audit_nodes`: the Merkle tree over `audit_events` (level 0: leaf hashes). Append-only.
/// - `tree_heads`: signed tree heads, own and countersigned peers', one per (log, size).
/// - `countersignatures`: witnesses' signatures on this node's own heads.
/// - `audit_events_kind`: the auditor's "events of this kind" query.
/// - `json_string_field`: what SQLite's `json_extract` does for the case-reference filter.
const V2: &str = r#"
CREATE TABLE audit_nodes (
    level SMALLINT NOT NULL,
    idx   BIGINT   NOT NULL,
    hash  BYTEA    NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
);
CREATE FUNCTION audit_nodes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit nodes are append-only';
END;
$$;
CREATE TRIGGER audit_nodes_no_update BEFORE UPDATE ON audit_nodes
    FOR EACH ROW EXECUTE FUNCTION audit_nodes_append_only();

CREATE TABLE tree_heads (
    log_id       TEXT   NOT NULL,
    size         BIGINT NOT NULL,
    root         BYTEA  NOT NULL CHECK (length(root) = 32),
    timestamp_ms BIGINT NOT NULL,
    signature    BYTEA  NOT NULL CHECK (length(signature) = 64),
    PRIMARY KEY (log_id, size)
);

CREATE TABLE countersignatures (
    size      BIGINT NOT NULL,
    witness   TEXT   NOT NULL,
    signature BYTEA  NOT NULL CHECK (length(signature) = 64),
    PRIMARY KEY (size, witness)
);

CREATE INDEX audit_events_kind ON audit_events (kind, seq);

-- The auditor's case-reference filter: the top-level string `field` of a JSON text, or NULL
-- when the text is not JSON or the field is no string (one bad row must not fail a query).
CREATE FUNCTION json_string_field(doc TEXT, field TEXT) RETURNS TEXT
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF jsonb_typeof(doc::jsonb -> field) = 'string' THEN
        RETURN doc::jsonb ->> field;
    END IF;
    RETURN NULL;
EXCEPTION WHEN others THEN
    RETURN NULL;
END;
$$;
"#;

/// Version 3: tokens kept by subject, with no index by token value (as SQLite's version 3:
/// random HMAC tokens made every insert a random B-tree insert; follow-ups resolve tokens
/// from the engine's memory). The primary key leads with the subject, so it also serves the
/// per-subject scan and the cascade on delete.
const V3: &str = r#"
ALTER TABLE tokens DROP CONSTRAINT tokens_pkey;
DROP INDEX tokens_by_subject;
ALTER TABLE tokens ADD PRIMARY KEY (subject_id, epoch, kind, token);
"#;

/// Brings the connection's current schema to the newest version, or refuses it. `create`
/// names a schema to create first if absent (already validated as a plain identifier and set
/// as the connection's `search_path`).
pub(super) async fn migrate(client: &mut Client, create: Option<&str>) -> StoreResult<()> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    if let Some(name) = create {
        // Only when absent: CREATE SCHEMA needs the CREATE privilege on the database even with
        // IF NOT EXISTS, which a role given a schema made for it need not have.
        let exists: bool = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)",
                &[&name],
            )
            .await?
            .try_get(0)?;
        if !exists {
            tx.batch_execute(&format!("CREATE SCHEMA {name}")).await?;
        }
    }
    let schema: Option<String> = tx
        .query_one("SELECT current_schema()", &[])
        .await?
        .try_get(0)?;
    let Some(schema) = schema else {
        return Err(StoreError::Corrupt(
            "no schema to create the tables in: the search_path names no existing schema".into(),
        ));
    };
    let has_version: bool = tx
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM information_schema.tables \
             WHERE table_schema = $1 AND table_name = 'schema_version')",
            &[&schema],
        )
        .await?
        .try_get(0)?;
    let found: i64 = if has_version {
        let rows = tx
            .query("SELECT application, version FROM schema_version", &[])
            .await?;
        match rows.as_slice() {
            [row] if row.try_get::<_, String>(0)? == APPLICATION => row.try_get(1)?,
            _ => {
                return Err(StoreError::Corrupt(format!(
                    "schema {schema} holds the schema_version of another application"
                )));
            }
        }
    } else {
        let tables: i64 = tx
            .query_one(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = $1",
                &[&schema],
            )
            .await?
            .try_get(0)?;
        if tables != 0 {
            return Err(StoreError::Corrupt(format!(
                "schema {schema} holds tables of another application"
            )));
        }
        tx.batch_execute(
            "CREATE TABLE schema_version (application TEXT NOT NULL, version BIGINT NOT NULL)",
        )
        .await?;
        tx.execute(
            "INSERT INTO schema_version (application, version) VALUES ($1, 0)",
            &[&APPLICATION],
        )
        .await?;
        0
    };
    let supported = supported_version();
    if found > supported {
        return Err(StoreError::SchemaTooNew { found, supported });
    }
    if found < 0 {
        return Err(StoreError::Corrupt(format!(
            "schema {schema} has schema version {found}"
        )));
    }
    // `found` is in `0..=supported` here, so it converts and indexes the list (or its end).
    let done = usize::try_from(found).unwrap_or(MIGRATIONS.len());
    for script in &MIGRATIONS[done..] {
        tx.batch_execute(script).await?;
    }
    tx.execute("UPDATE schema_version SET version = $1", &[&supported])
        .await?;
    tx.commit().await?;
    Ok(())
}
