//! The store tests, run against both backends: SQLite on real files in temporary
//! directories, and PostgreSQL on a real server (each test in a schema of its own). Every
//! `Store` method, the audit events each mutation writes in its own transaction, rollback of
//! a failed call, reopening, refusal of a newer or foreign schema, several threads and
//! several store instances over one database.
//!
//! The PostgreSQL half needs a server: `FIU_TEST_POSTGRES_URL` names it
//! (`postgres://user:password@127.0.0.1:port/database`); `scripts/test-postgres.sh` starts a
//! throwaway one and runs these tests on it, and `.ci/run` does the same. Without the
//! variable the PostgreSQL tests say once on stderr that they were skipped, and pass; with
//! `FIU_TEST_POSTGRES_REQUIRED=1` (set by CI) a missing variable fails them instead.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Once};
use std::time::Instant;

use chrono::NaiveDate;
use fiu_node::store::{
    AuditEvent, AuditNode, AuditQuery, Direction, FollowUpQuery, FollowUpRecord, FollowUpState,
    HitQuery, NewHit, Period, PostgresSettings, PostgresStore, PreparedSubject, SignedBlob,
    SqliteStore, Store, StoreError, StoreResult, StoredCountersignature, StoredTreeHead,
    UpsertOutcome,
};
use matcher::hits::KeyedToken;
use matcher::subject::{Person, Record};
use matcher::{Category, Epoch, KeyKind, Strength, Subject, Token};
use tempfile::TempDir;

const E1: Epoch = Epoch(1);
const E2: Epoch = Epoch(2);
const DAY: i64 = 86_400_000;

/// A kind of database the store tests run on.
trait Backend: Sync {
    /// Its name in printed figures.
    const NAME: &'static str;
    /// The store on it.
    type Store: Store + std::fmt::Debug;
    /// One test's own, empty database; dropping it removes the database.
    type Place: Sync;
    /// A new, empty database.
    fn place(&self) -> Self::Place;
    /// Opens (creating or migrating) the store on `place`.
    fn open(&self, place: &Self::Place) -> StoreResult<Self::Store>;
    /// Runs SQL on `place` beside the store, as an operator or an attacker with database
    /// access would.
    fn execute(&self, place: &Self::Place, sql: &str) -> Result<(), String>;
    /// SQL that makes every insert of a token of kind `code` fail.
    fn failing_token_insert_sql(&self, code: u16) -> String;
    /// SQL that sets the schema version the store reads.
    fn set_schema_version_sql(&self, version: i64) -> String;
    /// SQL that makes every insert of an audit event by `actor` fail.
    fn failing_audit_insert_sql(&self, actor: &str) -> String;
    /// Transactions the store's `append_audit` has run (group commit shares them).
    fn audit_transactions(store: &Self::Store) -> u64;

    /// Opens the store, or fails the test.
    fn store(&self, place: &Self::Place) -> Self::Store {
        self.open(place).expect("open store")
    }
}

/// SQLite: a file in a temporary directory.
struct Sqlite;

impl Backend for Sqlite {
    const NAME: &'static str = "SQLite";
    type Store = SqliteStore;
    type Place = (TempDir, PathBuf);

    fn place(&self) -> Self::Place {
        temp()
    }

    fn open(&self, place: &Self::Place) -> StoreResult<SqliteStore> {
        SqliteStore::open(&place.1)
    }

    fn execute(&self, place: &Self::Place, sql: &str) -> Result<(), String> {
        rusqlite::Connection::open(&place.1)
            .and_then(|c| c.execute_batch(sql))
            .map_err(|e| e.to_string())
    }

    fn failing_token_insert_sql(&self, code: u16) -> String {
        format!(
            "CREATE TRIGGER forced_failure BEFORE INSERT ON tokens WHEN NEW.kind = {code} \
             BEGIN SELECT RAISE(ABORT, 'forced failure'); END;"
        )
    }

    fn set_schema_version_sql(&self, version: i64) -> String {
        format!("PRAGMA user_version = {version}")
    }

    fn failing_audit_insert_sql(&self, actor: &str) -> String {
        format!(
            "CREATE TRIGGER forced_audit_failure BEFORE INSERT ON audit_events \
             WHEN NEW.actor = '{actor}' BEGIN SELECT RAISE(ABORT, 'forced failure'); END;"
        )
    }

    fn audit_transactions(store: &SqliteStore) -> u64 {
        store.audit_transactions()
    }
}

/// PostgreSQL: a schema of its own on the server `FIU_TEST_POSTGRES_URL` names.
struct Postgres {
    url: String,
}

/// One test's schema; dropped with everything in it at the end of the test.
struct PgSchema {
    url: String,
    name: String,
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let _ = pg_execute(
            &self.url,
            None,
            &format!("DROP SCHEMA {} CASCADE", self.name),
        );
    }
}

/// Runs `sql` on its own connection, with `schema` as the search path.
fn pg_execute(url: &str, schema: Option<&str>, sql: &str) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let mut config: tokio_postgres::Config = url.parse().map_err(|e| format!("{e}"))?;
        if let Some(schema) = schema {
            config.options(format!("-c search_path={schema}"));
        }
        let (client, connection) = config
            .connect(tokio_postgres::NoTls)
            .await
            .map_err(|e| e.to_string())?;
        let task = tokio::spawn(connection);
        let out = client
            .batch_execute(sql)
            .await
            .map_err(|e| match e.as_db_error() {
                Some(db) => db.message().to_owned(),
                None => e.to_string(),
            });
        drop(client);
        let _ = task.await;
        out
    })
}

impl Postgres {
    /// The server of `FIU_TEST_POSTGRES_URL`, or `None` (said once on stderr) when it is not
    /// set. Panics when it is not set but `FIU_TEST_POSTGRES_REQUIRED` is.
    fn from_env() -> Option<Postgres> {
        static SKIPPED: Once = Once::new();
        match std::env::var("FIU_TEST_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => Some(Postgres { url }),
            _ => {
                assert!(
                    std::env::var_os("FIU_TEST_POSTGRES_REQUIRED").is_none(),
                    "FIU_TEST_POSTGRES_REQUIRED is set but FIU_TEST_POSTGRES_URL is not"
                );
                // Written to the process's stderr, not through the test's captured output,
                // so that a run without a server says so.
                SKIPPED.call_once(|| {
                    let _ = writeln!(
                        std::io::stderr(),
                        "store tests: SKIPPED the PostgreSQL half: FIU_TEST_POSTGRES_URL is not \
                         set (scripts/test-postgres.sh runs them on a throwaway server)"
                    );
                });
                None
            }
        }
    }

    fn settings(&self, place: &PgSchema) -> PostgresSettings {
        PostgresSettings {
            schema: Some(place.name.clone()),
            ..PostgresSettings::new(self.url.clone())
        }
    }
}

impl Backend for Postgres {
    const NAME: &'static str = "PostgreSQL";
    type Store = PostgresStore;
    type Place = PgSchema;

    fn place(&self) -> PgSchema {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "store_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        // One left over from an earlier run with the same process id goes first.
        pg_execute(
            &self.url,
            None,
            &format!("DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"),
        )
        .expect("PostgreSQL server of FIU_TEST_POSTGRES_URL");
        PgSchema {
            url: self.url.clone(),
            name,
        }
    }

    fn open(&self, place: &PgSchema) -> StoreResult<PostgresStore> {
        PostgresStore::open(&self.settings(place))
    }

    fn execute(&self, place: &PgSchema, sql: &str) -> Result<(), String> {
        pg_execute(&self.url, Some(&place.name), sql)
    }

    fn failing_token_insert_sql(&self, code: u16) -> String {
        format!(
            "CREATE FUNCTION forced_failure() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN RAISE EXCEPTION 'forced failure'; END; $$; \
             CREATE TRIGGER forced_failure BEFORE INSERT ON tokens FOR EACH ROW \
             WHEN (NEW.kind = {code}) EXECUTE FUNCTION forced_failure();"
        )
    }

    fn set_schema_version_sql(&self, version: i64) -> String {
        format!("UPDATE schema_version SET version = {version}")
    }

    fn failing_audit_insert_sql(&self, actor: &str) -> String {
        format!(
            "CREATE FUNCTION forced_audit_failure() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN RAISE EXCEPTION 'forced failure'; END; $$; \
             CREATE TRIGGER forced_audit_failure BEFORE INSERT ON audit_events FOR EACH ROW \
             WHEN (NEW.actor = '{actor}') EXECUTE FUNCTION forced_audit_failure();"
        )
    }

    fn audit_transactions(store: &PostgresStore) -> u64 {
        store.audit_transactions()
    }
}

/// Whether a call failed in the database itself (a constraint), whichever the backend.
fn database_error<T>(r: &StoreResult<T>) -> bool {
    matches!(r, Err(StoreError::Database(_) | StoreError::Postgres(_)))
}

fn temp() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("node.db");
    (dir, path)
}

fn open(path: &Path) -> SqliteStore {
    SqliteStore::open(path).expect("open store")
}

fn token(seed: u32) -> Token {
    let mut b = [0u8; 32];
    b[..4].copy_from_slice(&seed.to_be_bytes());
    b[31] = 0xa5;
    Token::from_bytes(b)
}

fn kt(kind: KeyKind, seed: u32) -> KeyedToken {
    KeyedToken {
        kind,
        token: token(seed),
    }
}

fn person(local_ref: &str, family: &str, expires: Option<NaiveDate>) -> Subject {
    Subject {
        local_ref: local_ref.into(),
        category: Category::Suspect,
        expires,
        record: Record::Person(Person {
            given_name: Some("Anna".into()),
            family_name: Some(family.into()),
            birth_date: Some("1980-03-14".into()),
            ..Person::default()
        }),
    }
}

fn prepared(subject: Subject, hash: u8, tokens: Vec<KeyedToken>) -> PreparedSubject {
    PreparedSubject {
        subject,
        content_hash: [hash; 32],
        tokens,
        shared: true,
    }
}

fn ev(kind: &str) -> AuditEvent {
    AuditEvent {
        kind: kind.into(),
        actor: "tester".into(),
        detail: "{}".into(),
    }
}

fn audit_count(store: &dyn Store) -> usize {
    store.audit_events(1, u64::MAX).expect("audit events").len()
}

/// Every (local_ref, token, shared) of `epoch`, in the store's order.
fn all_tokens(store: &dyn Store, epoch: Epoch) -> Vec<(String, KeyedToken, bool)> {
    let mut out = Vec::new();
    store
        .for_each_token(epoch, &mut |r, t, s| out.push((r.to_owned(), t, s)))
        .expect("scan tokens");
    out
}

/// Which subjects hold each of `tokens` under `epoch`, sorted, from the token scan: what the
/// engine loads at start and answers follow-ups from.
fn holders(store: &dyn Store, epoch: Epoch, tokens: &[Token]) -> Vec<Vec<String>> {
    let all = all_tokens(store, epoch);
    tokens
        .iter()
        .map(|wanted| {
            let mut refs: Vec<String> = all
                .iter()
                .filter(|(_, t, _)| t.token == *wanted)
                .map(|(r, _, _)| r.clone())
                .collect();
            refs.sort();
            refs
        })
        .collect()
}

fn hit(local_ref: &str, peer: &str, kinds: &[KeyKind], confidence: f64, at_ms: i64) -> NewHit {
    NewHit {
        local_ref: local_ref.into(),
        peer: peer.into(),
        epoch: E1,
        kinds: kinds.to_vec(),
        strength: Strength::Strong,
        confidence,
        tokens: kinds
            .iter()
            .enumerate()
            .map(|(i, k)| kt(*k, 900 + i as u32))
            .collect(),
        at_ms,
    }
}

fn follow_up(
    id: &str,
    direction: Direction,
    peer: &str,
    hit_id: Option<i64>,
    at: i64,
) -> FollowUpRecord {
    FollowUpRecord {
        id: id.into(),
        direction,
        peer: peer.into(),
        hit_id,
        local_refs: vec!["A".into()],
        case_reference: "CASE-1".into(),
        legal_basis: "Art. 53 AMLD".into(),
        purpose: "money laundering investigation".into(),
        tokens: vec![kt(KeyKind::Iban, 1), kt(KeyKind::Email, 2)],
        token_found: vec![],
        state: FollowUpState::Pending,
        message: None,
        requested_by: "inv-7".into(),
        created_ms: at,
        updated_ms: at,
    }
}

fn blob(seq: u64, fill: u8) -> SignedBlob {
    SignedBlob {
        seq,
        epoch: E1,
        bytes: vec![fill; 16],
        signature: vec![fill ^ 0xff; 64],
    }
}

/// Stores subjects A, B and C with a few tokens each under epoch 1.
fn three_subjects(store: &dyn Store) {
    let batch = vec![
        prepared(
            person("A", "Alpha", None),
            1,
            vec![kt(KeyKind::Iban, 1), kt(KeyKind::Email, 2)],
        ),
        prepared(
            person("B", "Beta", None),
            2,
            vec![kt(KeyKind::Iban, 3), kt(KeyKind::Email, 2)],
        ),
        prepared(person("C", "Gamma", None), 3, vec![kt(KeyKind::Phone, 4)]),
    ];
    store
        .upsert_subjects(E1, &batch, &[ev("ingest.batch")])
        .expect("upsert");
}

#[test]
fn the_store_is_send_and_sync() {
    fn check<T: Send + Sync + 'static>() {}
    check::<SqliteStore>();
    check::<PostgresStore>();
    check::<Arc<dyn Store>>();
}

fn upsert_reports_inserted_unchanged_and_updated_and_replaces_tokens<B: Backend>(b: &B) {
    let place = b.place();
    let store = b.store(&place);
    let a1 = prepared(
        person("A", "Alpha", None),
        1,
        vec![kt(KeyKind::Iban, 1), kt(KeyKind::Email, 2)],
    );
    let b1 = prepared(person("B", "Beta", None), 2, vec![kt(KeyKind::Iban, 3)]);
    let out = store
        .upsert_subjects(E1, &[a1.clone(), b1.clone()], &[ev("ingest.batch")])
        .unwrap();
    assert_eq!(out, [UpsertOutcome::Inserted, UpsertOutcome::Inserted]);
    assert_eq!(store.subject_count().unwrap(), 2);
    assert_eq!(store.subject("A").unwrap(), Some(a1.subject.clone()));
    assert_eq!(store.subject("nobody").unwrap(), None);
    assert_eq!(audit_count(&store), 1);

    // The same content again writes nothing but the batch's audit event.
    let out = store
        .upsert_subjects(E1, &[a1.clone(), b1.clone()], &[ev("ingest.batch")])
        .unwrap();
    assert_eq!(out, [UpsertOutcome::Unchanged, UpsertOutcome::Unchanged]);
    assert_eq!(audit_count(&store), 2);
    assert_eq!(all_tokens(&store, E1).len(), 3);

    // New content: subject and tokens replaced; the old tokens no longer resolve.
    let a2 = prepared(
        person("A", "Alpha-Omega", None),
        9,
        vec![kt(KeyKind::Iban, 5)],
    );
    let out = store
        .upsert_subjects(E1, &[a2.clone(), b1.clone()], &[])
        .unwrap();
    assert_eq!(out, [UpsertOutcome::Updated, UpsertOutcome::Unchanged]);
    assert_eq!(store.subject("A").unwrap(), Some(a2.subject.clone()));
    let found = holders(&store, E1, &[token(1), token(2), token(5)]);
    assert_eq!(found, [vec![], vec![], vec!["A".to_string()]]);
    assert_eq!(store.subject_count().unwrap(), 2);

    // Same content under a new epoch: that epoch's tokens are written, the old ones kept.
    let out = store
        .upsert_subjects(E2, std::slice::from_ref(&a2), &[])
        .unwrap();
    assert_eq!(out, [UpsertOutcome::Updated]);
    assert_eq!(holders(&store, E2, &[token(5)]), [vec!["A".to_string()]]);
    assert_eq!(holders(&store, E1, &[token(5)]), [vec!["A".to_string()]]);
    assert_eq!(
        store
            .upsert_subjects(E2, std::slice::from_ref(&a2), &[])
            .unwrap(),
        [UpsertOutcome::Unchanged]
    );

    // A policy change of `shared` alone is an update too.
    let mut a3 = a2.clone();
    a3.shared = false;
    assert_eq!(
        store.upsert_subjects(E2, &[a3], &[]).unwrap(),
        [UpsertOutcome::Updated]
    );
    assert!(all_tokens(&store, E2).iter().all(|(_, _, shared)| !shared));

    // A changed subject loses its tokens of every epoch, not only of the current one.
    let a4 = prepared(
        person("A", "Alpha IV", None),
        10,
        vec![kt(KeyKind::Iban, 6)],
    );
    assert_eq!(
        store.upsert_subjects(E2, &[a4], &[]).unwrap(),
        [UpsertOutcome::Updated]
    );
    assert_eq!(holders(&store, E1, &[token(5)]), [Vec::<String>::new()]);
    assert_eq!(
        all_tokens(&store, E1).len(),
        1,
        "only B's token remains under epoch 1"
    );
}

fn a_batch_repeating_a_reference_is_applied_in_order<B: Backend>(b: &B) {
    let place = b.place();
    let store = b.store(&place);
    let a1 = prepared(person("A", "One", None), 1, vec![kt(KeyKind::Iban, 1)]);
    let a2 = prepared(person("A", "Two", None), 2, vec![kt(KeyKind::Iban, 2)]);
    let out = store
        .upsert_subjects(E1, &[a1.clone(), a2.clone(), a2.clone()], &[])
        .unwrap();
    assert_eq!(
        out,
        [
            UpsertOutcome::Inserted,
            UpsertOutcome::Updated,
            UpsertOutcome::Unchanged
        ]
    );
    assert_eq!(store.subject("A").unwrap(), Some(a2.subject));
    assert_eq!(
        holders(&store, E1, &[token(1), token(2)]),
        [vec![], vec!["A".to_string()]]
    );
}

fn the_token_scan_is_exact_per_epoch_and_lists_every_holder<B: Backend>(b: &B) {
    let place = b.place();
    let store = b.store(&place);
    three_subjects(&store);
    let found = holders(&store, E1, &[token(2), token(3), token(77), token(4)]);
    assert_eq!(
        found,
        [
            vec!["A".to_string(), "B".to_string()],
            vec!["B".to_string()],
            vec![],
            vec!["C".to_string()],
        ]
    );
    assert_eq!(holders(&store, E2, &[token(2)]), [Vec::<String>::new()]);
    assert!(holders(&store, E1, &[]).is_empty());
}

fn for_each_token_groups_by_subject_and_carries_the_shared_flag<B: Backend>(b: &B) {
    let place = b.place();
    let store = b.store(&place);
    let mut batch = Vec::new();
    // Interleaved token values, so that an index-order scan would mix subjects.
    for i in 0..50u32 {
        let mut p = prepared(
            person(&format!("S{i:03}"), "X", None),
            i as u8,
            (0..4).map(|j| kt(KeyKind::Email, j * 100 + i)).collect(),
        );
        p.shared = i % 2 == 0;
        batch.push(p);
    }
    store.upsert_subjects(E1, &batch, &[]).unwrap();
    let rows = all_tokens(&store, E1);
    assert_eq!(rows.len(), 200);
    let mut seen: Vec<String> = Vec::new();
    for (r, _, shared) in &rows {
        if seen.last() != Some(r) {
            assert!(!seen.contains(r), "{r} is not consecutive");
            seen.push(r.clone());
        }
        let i: u32 = r[1..].parse().unwrap();
        assert_eq!(*shared, i % 2 == 0);
    }
    assert_eq!(seen.len(), 50);
    assert!(all_tokens(&store, E2).is_empty());
}

fn delete_removes_tokens_and_hits_and_unlinks_follow_ups<B: Backend>(b: &B) {
    let place = b.place();
    let store = b.store(&place);
    three_subjects(&store);
    let stored = store
        .record_hit(
            &hit("A", "fiu-b", &[KeyKind::Iban], 0.9, 1_000),
            &[ev("hit.recorded")],
        )
        .unwrap()
        .expect("new hit");
    store
        .record_hit(&hit("B", "fiu-b", &[KeyKind::Iban], 0.9, 1_000), &[])
        .unwrap();
    let f = follow_up("F1", Direction::Outgoing, "fiu-b", Some(stored.id), 2_000);
    store.insert_follow_up(&f, &[ev("follow_up.sent")]).unwrap();
    let before = audit_count(&store);

    let existed = store
        .delete_subjects(&["A".into(), "nobody".into()], &[ev("subjects.deleted")])
        .unwrap();
    assert_eq!(existed, [true, false]);
    assert_eq!(audit_count(&store), before + 1);
    assert_eq!(store.subject("A").unwrap(), None);
    assert_eq!(store.subject_count().unwrap(), 2);
    assert_eq!(
        holders(&store, E1, &[token(1), token(2)]),
        [vec![], vec!["B".to_string()]]
    );
    assert!(all_tokens(&store, E1).iter().all(|(r, _, _)| r != "A"));
    assert_eq!(store.hit(stored.id).unwrap(), None);
    let hits = store
        .list_hits(&HitQuery {
            limit: 10,
            ..HitQuery::default()
        })
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].hit.local_ref, "B");
    // The follow-up is a record of what was exchanged: it stays, without its hit.
    let kept = store
        .follow_up("F1", Direction::Outgoing)
        .unwrap()
        .expect("kept");
    assert_eq!(kept.hit_id, None);
}

fn expired_subjects_are_those_expiring_before_today<B: Backend>(b: &B) {
    let place = b.place();
    let store = b.store(&place);
    let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let batch = vec![
        prepared(person("old", "X", Some(d(2020, 1, 1))), 1, vec![]),
        prepared(person("today", "X", Some(d(2024, 6, 1))), 2, vec![]),
        prepared(person("never", "X", None), 3, vec![]),
        prepared(person("later", "X", Some(d(2031, 1, 1))), 4, vec![]),
        prepared(person("far", "X", Some(d(12_000, 1, 1))), 5, vec![]),
        prepared(person("older", "X", Some(d(1999, 12, 31))), 6, vec![]),
    ];
    store.upsert_subjects(E1, &batch, &[]).unwrap();
    assert_eq!(
        store.expired_subjects(d(2024, 6, 1)).unwrap(),
        ["older", "old"]
    );
    assert_eq!(
        store.expired_subjects(d(2024, 6, 2)).unwrap(),
        ["older", "old", "today"]
    );
    assert!(store.expired_subjects(d(1990, 1, 1)).unwrap().is_empty());
}

fn own_publication_keeps_the_last_snapshot_and_the_deltas_after_it<B: Backend>(b: &B) {
    let place = b.place();
    let store = b.store(&place);
    assert_eq!(store.own_publication().unwrap(), None);
    assert!(matches!(
        store.append_own_delta(&blob(1, 1), &[ev("filter.published")]),
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(audit_count(&store), 0);

    store
        .save_own_snapshot(&blob(1, 1), &[ev("filter.published")])
        .unwrap();
    store
        .append_own_delta(&blob(2, 2), &[ev("filter.published")])
        .unwrap();
    store.append_own_delta(&blob(3, 3), &[]).unwrap();
    assert!(matches!(
        store.append_own_delta(&blob(3, 9), &[]),
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.append_own_delta(&blob(2, 9), &[]),
        Err(StoreError::Conflict(_))
    ));
    let p = store.own_publication().unwrap().expect("published");
    assert_eq!(p.snapshot, blob(1, 1));
    assert_eq!(p.deltas, [blob(2, 2), blob(3, 3)]);
    assert_eq!(audit_count(&store), 2);

    store.save_own_snapshot(&blob(4, 4), &[]).unwrap();
    let p = store.own_publication().unwrap().expect("published");
    assert_eq!(p.snapshot, blob(4, 4));
    assert!(p.deltas.is_empty());
    store.append_own_delta(&blob(5, 5), &[]).unwrap();
    assert_eq!(
        store.own_publication().unwrap().unwrap().deltas,
        [blob(5, 5)]
    );
}

fn peer_publications_are_kept_per_peer_and_dropped_on_request<B: Backend>(b: &B) {
    let place = b.place();
    let store = b.store(&place);
    assert!(store.peer_publications().unwrap().is_empty());
    assert!(matches!(
        store.append_peer_delta("fiu-b", &blob(1, 1), &[]),
        Err(StoreError::Conflict(_))
    ));
    store
        .save_peer_snapshot("fiu-b", &blob(10, 1), &[ev("filter.received")])
        .unwrap();
    store
        .append_peer_delta("fiu-b", &blob(11, 2), &[ev("filter.received")])
        .unwrap();
    store.save_peer_snapshot("fiu-c", &blob(3, 3), &[]).unwrap();
    let all = store.peer_publications().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].0, "fiu-b");
    assert_eq!(all[0].1.snapshot, blob(10, 1));
    assert_eq!(all[0].1.deltas, [blob(11, 2)]);
    assert_eq!(all[1].0, "fiu-c");
    assert!(all[1].1.deltas.is_empty());

    // A new snapshot drops the peer's deltas; other peers are untouched.
    store
        .save_peer_snapshot("fiu-b", &blob(12, 4), &[])
        .unwrap();
    let all = store.peer_publications().unwrap();
    assert_eq!(all[0].1.snapshot, blob(12, 4));
    assert!(all[0].1.deltas.is_empty());
    assert_eq!(all[1].1.snapshot, blob(3, 3));

    let before = audit_count(&store);
    store.drop_peer("fiu-b", &[ev("peer.dropped")]).unwrap();
    assert_eq!(audit_count(&store), before + 1);
    let all = store.peer_publications().unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].0, "fiu-c");
}

fn record_hit_deduplicates_across_reopen<B: Backend>(b: &B) {
    let place = b.place();
    let first = {
        let store = b.store(&place);
        three_subjects(&store);
        let h = hit("A", "fiu-b", &[KeyKind::Iban], 0.9, 1_000);
        let stored = store
            .record_hit(&h, &[ev("hit.recorded")])
            .unwrap()
            .expect("new");
        assert_eq!(stored.hit, h);
        assert_eq!(stored.first_seen_ms, 1_000);
        assert_eq!(store.hit(stored.id).unwrap(), Some(stored.clone()));
        stored
    };
    let store = b.store(&place);
    let before = audit_count(&store);
    // The same hit after a restart: not new, and a pure replay writes no audit event.
    let replay = hit("A", "fiu-b", &[KeyKind::Iban], 0.9, 5_000);
    assert_eq!(
        store.record_hit(&replay, &[ev("hit.recorded")]).unwrap(),
        None
    );
    assert_eq!(audit_count(&store), before);
    let again = store.hit(first.id).unwrap().expect("kept");
    assert_eq!(again.first_seen_ms, 1_000);
    assert_eq!(again.hit.at_ms, 5_000, "last seen moves");

    // What hit changed: updated in place, audited, still not a new hit.
    let more = hit(
        "A",
        "fiu-b",
        &[KeyKind::Iban, KeyKind::PersonNameDob],
        0.95,
        6_000,
    );
    assert_eq!(store.record_hit(&more, &[ev("hit.updated")]).unwrap(), None);
    assert_eq!(audit_count(&store), before + 1);
    let updated = store.hit(first.id).unwrap().unwrap();
    assert_eq!(updated.hit, more);
    assert_eq!(updated.first_seen_ms, 1_000);

    // Another peer or epoch is another hit.
    let other_peer = hit("A", "fiu-c", &[KeyKind::Iban], 0.9, 7_000);
    assert!(store.record_hit(&other_peer, &[]).unwrap().is_some());
    let mut other_epoch = hit("A", "fiu-b", &[KeyKind::Iban], 0.9, 7_000);
    other_epoch.epoch = E2;
    let new = store
        .record_hit(&other_epoch, &[])
        .unwrap()
        .expect("new epoch, new hit");
    assert!(new.id > first.id);
    assert_eq!(
        store
            .list_hits(&HitQuery {
                limit: 100,
                ..HitQuery::default()
            })
            .unwrap()
            .len(),
        3
    );
}

fn record_hits_stores_a_batch_like_one_by_one_or_nothing<B: Backend>(b: &B) {
    let place = b.place();
    let store = b.store(&place);
    three_subjects(&store);
    let known = store
        .record_hit(&hit("A", "fiu-b", &[KeyKind::Iban], 0.9, 1_000), &[])
        .unwrap()
        .expect("new");
    let before = audit_count(&store);
    let batch = vec![
        // A replay of a stored hit: not new, no audit event.
        (
            hit("A", "fiu-b", &[KeyKind::Iban], 0.9, 2_000),
            vec![ev("hit.recorded")],
        ),
        (
            hit("B", "fiu-b", &[KeyKind::Iban], 0.9, 2_000),
            vec![ev("hit.recorded")],
        ),
        (
            hit("C", "fiu-c", &[KeyKind::Email], 0.8, 2_000),
            vec![ev("hit.recorded")],
        ),
    ];
    let out = store.record_hits(&batch).unwrap();
    assert_eq!(out.len(), 3, "one result per hit, in order");
    assert_eq!(out[0], None);
    let (b_hit, c_hit) = (out[1].clone().expect("new"), out[2].clone().expect("new"));
    assert_eq!(b_hit.hit.local_ref, "B");
    assert_eq!(c_hit.hit.local_ref, "C");
    assert!(known.id < b_hit.id && b_hit.id < c_hit.id);
    assert_eq!(
        audit_count(&store),
        before + 2,
        "the two new hits are audited"
    );
    assert_eq!(store.hit(known.id).unwrap().unwrap().hit.at_ms, 2_000);

    // A batch with a hit on a subject that is not stored fails, and stores none of its hits.
    let before = audit_count(&store);
    let bad = vec![
        (
            hit("A", "fiu-c", &[KeyKind::Iban], 0.9, 3_000),
            vec![ev("hit.recorded")],
        ),
        (
            hit("NOT-STORED", "fiu-c", &[KeyKind::Iban], 0.9, 3_000),
            vec![ev("hit.recorded")],
        ),
    ];
    assert!(store.record_hits(&bad).is_err());
    assert_eq!(audit_count(&store), before);
    let all = store
        .list_hits(&HitQuery {
            limit: 100,
            ..HitQuery::default()
        })
        .unwrap();
    assert_eq!(all.len(), 3, "{all:?}");
    assert!(store.record_hits(&[]).unwrap().is_empty());
}

fn list_hits_filters_and_pages<B: Backend>(b: &B) {
    let place = b.place();
    let store = b.store(&place);
    three_subjects(&store);
    let hits = [
        hit("A", "fiu-b", &[KeyKind::Iban], 0.99, DAY),
        hit("A", "fiu-c", &[KeyKind::Email], 0.50, 2 * DAY),
        hit(
            "B",
            "fiu-b",
            &[KeyKind::Email, KeyKind::Iban],
            0.80,
            3 * DAY,
        ),
        hit("C", "fiu-c", &[KeyKind::PersonNameDob], 0.70, 4 * DAY),
        hit("C", "fiu-b", &[KeyKind::PersonNamePrefixDob], 0.30, 5 * DAY),
    ];
    let ids: Vec<i64> = hits
        .iter()
        .map(|h| store.record_hit(h, &[]).unwrap().expect("new").id)
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "ids ascend in order of first sight"
    );
    let q = |f: &dyn Fn(&mut HitQuery)| {
        let mut query = HitQuery {
            limit: 100,
            ..HitQuery::default()
        };
        f(&mut query);
        store
            .list_hits(&query)
            .unwrap()
            .into_iter()
            .map(|h| h.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(q(&|_| {}), ids);
    assert_eq!(
        q(&|h| h.peer = Some("fiu-b".into())),
        [ids[0], ids[2], ids[4]]
    );
    assert_eq!(q(&|h| h.kind = Some(KeyKind::Iban)), [ids[0], ids[2]]);
    assert_eq!(
        q(&|h| h.kind = Some(KeyKind::PersonNameDob)),
        [ids[3]],
        "labels match whole"
    );
    assert_eq!(
        q(&|h| h.min_confidence = Some(0.7)),
        [ids[0], ids[2], ids[3]]
    );
    assert_eq!(q(&|h| h.since_ms = Some(2 * DAY)), ids[1..]);
    assert_eq!(q(&|h| h.until_ms = Some(2 * DAY)), [ids[0]]);
    assert_eq!(q(&|h| h.local_ref = Some("C".into())), [ids[3], ids[4]]);
    assert_eq!(
        q(&|h| {
            h.peer = Some("fiu-b".into());
            h.min_confidence = Some(0.5);
            h.since_ms = Some(DAY);
            h.until_ms = Some(10 * DAY);
        }),
        [ids[0], ids[2]]
    );

    // Pages of two, following the last id.
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_hits(&HitQuery {
                limit: 2,
                after_id: after,
                ..HitQuery::default()
            })
            .unwrap();
        if page.is_empty() {
            break;
        }
        after = page.last().map(|h| h.id);
        pages.push(page.into_iter().map(|h| h.id).collect::<Vec<_>>());
    }
    assert_eq!(
        pages,
        [vec![ids[0], ids[1]], vec![ids[2], ids[3]], vec![ids[4]]]
    );
    assert!(
        store.list_hits(&HitQuery::default()).unwrap().is_empty(),
        "limit 0"
    );
}

fn follow_ups_insert_update_list_and_refuse_duplicates<B: Backend>(b: &B) {
    let place = b.place();
    let store = b.store(&place);
    three_subjects(&store);
    let h = store
        .record_hit(&hit("A", "fiu-b", &[KeyKind::Iban], 0.9, 0), &[])
        .unwrap()
        .unwrap();
    let out = follow_up("F1", Direction::Outgoing, "fiu-b", Some(h.id), 1_000);
    let inc = follow_up("F2", Direction::Incoming, "fiu-c", None, 2_000);
    // The same id in the other direction is a different follow-up.
    let own = follow_up("F1", Direction::Incoming, "fiu-b", None, 3_000);
    store
        .insert_follow_up(&out, &[ev("follow_up.sent")])
        .unwrap();
    store
        .insert_follow_up(&inc, &[ev("follow_up.received")])
        .unwrap();
    store.insert_follow_up(&own, &[]).unwrap();
    assert_eq!(audit_count(&store), 3);
    assert_eq!(
        store.follow_up("F1", Direction::Outgoing).unwrap(),
        Some(out.clone())
    );
    assert_eq!(
        store.follow_up("F1", Direction::Incoming).unwrap(),
        Some(own.clone())
    );
    assert_eq!(store.follow_up("F3", Direction::Outgoing).unwrap(), None);

    // A duplicate is refused and leaves no audit event.
    assert!(matches!(
        store.insert_follow_up(&out, &[ev("follow_up.sent")]),
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(audit_count(&store), 3);

    let mut answered = inc.clone();
    answered.state = FollowUpState::Responded;
    answered.token_found = vec![true, false];
    answered.message = Some("known to us since 2022".into());
    answered.updated_ms = 9_000;
    store
        .update_follow_up(&answered, &[ev("follow_up.answered")])
        .unwrap();
    assert_eq!(
        store.follow_up("F2", Direction::Incoming).unwrap(),
        Some(answered.clone())
    );
    assert_eq!(audit_count(&store), 4);
    let missing = follow_up("F9", Direction::Incoming, "fiu-c", None, 0);
    assert!(matches!(
        store.update_follow_up(&missing, &[ev("follow_up.answered")]),
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(audit_count(&store), 4);

    let list = |q: FollowUpQuery| {
        store
            .list_follow_ups(&q)
            .unwrap()
            .into_iter()
            .map(|(c, f)| (c, f.id, f.direction))
            .collect::<Vec<_>>()
    };
    let all = list(FollowUpQuery {
        limit: 10,
        ..FollowUpQuery::default()
    });
    assert_eq!(all.len(), 3);
    assert!(all.windows(2).all(|w| w[0].0 < w[1].0), "oldest first");
    assert_eq!(all[1].1, "F2");
    let incoming = list(FollowUpQuery {
        direction: Some(Direction::Incoming),
        limit: 10,
        ..FollowUpQuery::default()
    });
    assert_eq!(
        incoming.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(),
        ["F2", "F1"]
    );
    let responded = list(FollowUpQuery {
        state: Some(FollowUpState::Responded),
        limit: 10,
        ..FollowUpQuery::default()
    });
    assert_eq!(responded.len(), 1);
    let page2 = list(FollowUpQuery {
        after_cursor: Some(all[0].0),
        limit: 1,
        ..FollowUpQuery::default()
    });
    assert_eq!(page2, [all[1].clone()]);
}

fn statistics_count_per_peer_and_period<B: Backend>(b: &B) {
    let place = b.place();
    let store = b.store(&place);
    three_subjects(&store);
    // 2024-05-13 is a Monday.
    let monday = NaiveDate::from_ymd_opt(2024, 5, 13)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis();
    let may1 = monday - 12 * DAY;
    store
        .record_hit(&hit("A", "fiu-b", &[KeyKind::Iban], 0.9, monday + 5), &[])
        .unwrap();
    store
        .record_hit(
            &hit("B", "fiu-b", &[KeyKind::Iban], 0.9, monday + DAY + 5),
            &[],
        )
        .unwrap();
    store
        .record_hit(
            &hit("C", "fiu-b", &[KeyKind::Iban], 0.9, monday + 7 * DAY),
            &[],
        )
        .unwrap();
    store
        .record_hit(
            &hit("A", "fiu-c", &[KeyKind::Iban], 0.9, monday + 2 * DAY),
            &[],
        )
        .unwrap();
    let f = |id: &str, dir, peer: &str, at: i64, state| {
        let mut r = follow_up(id, dir, peer, None, at);
        r.state = state;
        store.insert_follow_up(&r, &[]).unwrap();
    };
    f(
        "1",
        Direction::Outgoing,
        "fiu-b",
        monday + 1,
        FollowUpState::Accepted,
    );
    f(
        "2",
        Direction::Outgoing,
        "fiu-b",
        monday + DAY,
        FollowUpState::Declined,
    );
    f(
        "3",
        Direction::Incoming,
        "fiu-b",
        monday + DAY,
        FollowUpState::Responded,
    );
    f(
        "4",
        Direction::Incoming,
        "fiu-c",
        monday + 3 * DAY,
        FollowUpState::Open,
    );
    f(
        "5",
        Direction::Outgoing,
        "fiu-c",
        may1 - 1,
        FollowUpState::Accepted,
    ); // April 30

    let week = store
        .statistics(Period::Week, may1, monday + 14 * DAY)
        .unwrap();
    let row = |rows: &[fiu_node::store::StatisticsRow], peer: &str, start: i64| {
        rows.iter()
            .find(|r| r.peer == peer && r.period_start_ms == start)
            .cloned()
            .unwrap_or_else(|| panic!("no row for {peer} at {start}: {rows:?}"))
    };
    assert_eq!(week.len(), 3, "{week:?}");
    let b = row(&week, "fiu-b", monday);
    assert_eq!((b.hits, b.outgoing.total, b.incoming.total), (2, 2, 1));
    assert_eq!((b.outgoing.accepted, b.outgoing.declined), (1, 1));
    assert_eq!((b.incoming.responded, b.incoming.accepted), (1, 0));
    assert_eq!(row(&week, "fiu-b", monday + 7 * DAY).hits, 1);
    let c = row(&week, "fiu-c", monday);
    assert_eq!((c.hits, c.incoming.total, c.incoming.accepted), (1, 1, 0));
    assert!(
        week.windows(2)
            .all(|w| (w[0].period_start_ms, &w[0].peer) < (w[1].period_start_ms, &w[1].peer))
    );

    let day = store.statistics(Period::Day, monday, monday + DAY).unwrap();
    let b = row(&day, "fiu-b", monday);
    assert_eq!((b.hits, b.outgoing.total, b.outgoing.accepted), (1, 1, 1));
    assert_eq!(day.len(), 1);

    let month = store
        .statistics(Period::Month, may1 - 10 * DAY, monday + 30 * DAY)
        .unwrap();
    let b = row(&month, "fiu-b", may1);
    assert_eq!((b.hits, b.outgoing.total, b.incoming.total), (3, 2, 1));
    let april = row(&month, "fiu-c", may1 - 30 * DAY);
    assert_eq!(
        (april.hits, april.outgoing.total, april.outgoing.accepted),
        (0, 1, 1)
    );
    assert_eq!(row(&month, "fiu-c", may1).hits, 1);
    assert!(store.statistics(Period::Day, 0, 1).unwrap().is_empty());
}

fn audit_events_are_numbered_from_one_without_gaps<B: Backend>(b: &B) {
    let place = b.place();
    let store = b.store(&place);
    store.append_audit(&[ev("lookup"), ev("refused")]).unwrap();
    three_subjects(&store);
    store.append_audit(&[]).unwrap();
    store.append_audit(&[ev("lookup")]).unwrap();
    let all = store.audit_events(1, u64::MAX).unwrap();
    assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert_eq!(
        all.iter()
            .map(|e| e.event.kind.as_str())
            .collect::<Vec<_>>(),
        ["lookup", "refused", "ingest.batch", "lookup"]
    );
    assert!(all.iter().all(|e| e.at_ms > 0 && e.event.actor == "tester"));
    assert_eq!(
        store
            .audit_events(2, 4)
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect::<Vec<_>>(),
        [2, 3]
    );
    assert!(store.audit_events(5, 9).unwrap().is_empty());
    assert!(store.audit_events(3, 3).unwrap().is_empty());
}

fn a_failed_call_writes_neither_data_nor_audit_events<B: Backend>(b: &B) {
    let place = b.place();
    let store = b.store(&place);
    three_subjects(&store);
    let audit_before = audit_count(&store);
    let tokens_before = all_tokens(&store, E1).len();

    // A hit of a subject that is not stored breaks the foreign key.
    let err = store.record_hit(
        &hit("ghost", "fiu-b", &[KeyKind::Iban], 0.9, 0),
        &[ev("hit.recorded")],
    );
    assert!(database_error(&err), "{err:?}");
    // A follow-up naming a hit that does not exist, likewise.
    let err = store.insert_follow_up(
        &follow_up("F", Direction::Outgoing, "fiu-b", Some(999), 0),
        &[ev("x")],
    );
    assert!(database_error(&err), "{err:?}");
    assert_eq!(audit_count(&store), audit_before);
    assert!(
        store
            .list_hits(&HitQuery {
                limit: 10,
                ..HitQuery::default()
            })
            .unwrap()
            .is_empty()
    );

    // Force the third subject of a batch to fail after the first two were written: the whole
    // batch and its audit event are rolled back.
    b.execute(
        &place,
        &b.failing_token_insert_sql(KeyKind::Container.code()),
    )
    .expect("install the forced failure");
    let batch = vec![
        prepared(person("D", "Delta", None), 4, vec![kt(KeyKind::Iban, 40)]),
        prepared(
            person("A", "Alpha changed", None),
            5,
            vec![kt(KeyKind::Iban, 41)],
        ),
        prepared(
            person("E", "Epsilon", None),
            6,
            vec![kt(KeyKind::Container, 42)],
        ),
    ];
    let err = store.upsert_subjects(E1, &batch, &[ev("ingest.batch")]);
    assert!(database_error(&err), "{err:?}");
    assert_eq!(audit_count(&store), audit_before);
    assert_eq!(store.subject_count().unwrap(), 3);
    assert_eq!(store.subject("D").unwrap(), None);
    assert_eq!(
        store.subject("A").unwrap(),
        Some(person("A", "Alpha", None))
    );
    assert_eq!(all_tokens(&store, E1).len(), tokens_before);

    // The store keeps working after the failure.
    store
        .upsert_subjects(E1, &batch[..2], &[ev("ingest.batch")])
        .unwrap();
    assert_eq!(audit_count(&store), audit_before + 1);
    assert_eq!(store.subject_count().unwrap(), 4);
}

fn audit_events_cannot_be_changed_or_removed_through_sql<B: Backend>(b: &B) {
    let place = b.place();
    let store = b.store(&place);
    store.append_audit(&[ev("lookup")]).unwrap();
    assert!(b.execute(&place, "DELETE FROM audit_events").is_err());
    assert!(
        b.execute(&place, "UPDATE audit_events SET actor = 'someone else'")
            .is_err()
    );
    assert_eq!(audit_count(&store), 1);
}

fn reopening_preserves_everything<B: Backend>(b: &B) {
    let place = b.place();
    let (hit_id, out) = {
        let store = b.store(&place);
        three_subjects(&store);
        store.save_own_snapshot(&blob(1, 1), &[]).unwrap();
        store.append_own_delta(&blob(2, 2), &[]).unwrap();
        store.save_peer_snapshot("fiu-b", &blob(7, 7), &[]).unwrap();
        let h = store
            .record_hit(&hit("A", "fiu-b", &[KeyKind::Iban], 0.9, 5), &[])
            .unwrap()
            .unwrap();
        let f = follow_up("F1", Direction::Outgoing, "fiu-b", Some(h.id), 5);
        store.insert_follow_up(&f, &[ev("follow_up.sent")]).unwrap();
        store.set_meta("node.id", "fiu-a").unwrap();
        store.set_meta("node.id", "fiu-a2").unwrap();
        (h.id, f)
    };
    let store = b.store(&place);
    assert_eq!(store.subject_count().unwrap(), 3);
    assert_eq!(store.subject("B").unwrap(), Some(person("B", "Beta", None)));
    assert_eq!(all_tokens(&store, E1).len(), 5);
    let own = store.own_publication().unwrap().unwrap();
    assert_eq!((own.snapshot, own.deltas), (blob(1, 1), vec![blob(2, 2)]));
    assert_eq!(store.peer_publications().unwrap()[0].1.snapshot, blob(7, 7));
    assert_eq!(store.hit(hit_id).unwrap().unwrap().hit.local_ref, "A");
    assert_eq!(
        store.follow_up("F1", Direction::Outgoing).unwrap(),
        Some(out)
    );
    assert_eq!(store.meta("node.id").unwrap().as_deref(), Some("fiu-a2"));
    assert_eq!(store.meta("missing").unwrap(), None);
    assert_eq!(audit_count(&store), 2);
}

fn a_newer_schema_is_refused<B: Backend>(b: &B) {
    let place = b.place();
    drop(b.store(&place));
    b.execute(&place, &b.set_schema_version_sql(999))
        .expect("set the schema version");
    match b.open(&place) {
        Err(StoreError::SchemaTooNew { found, supported }) => {
            assert_eq!(found, 999);
            assert!((1..999).contains(&supported));
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

fn another_applications_database_is_refused<B: Backend>(b: &B) {
    let place = b.place();
    b.execute(&place, "CREATE TABLE accounts (id INTEGER PRIMARY KEY)")
        .expect("another application's table");
    assert!(matches!(b.open(&place), Err(StoreError::Corrupt(_))));
}

/// Env var that turns a run of this test binary into the child of
/// [`committed_data_survives_an_aborted_process`].
const CHILD_ENV: &str = "FIU_STORE_TEST_ABORT_CHILD";

#[test]
fn committed_data_survives_an_aborted_process() {
    if let Ok(path) = std::env::var(CHILD_ENV) {
        // The child: commit, then die like `kill -9` would leave it (no destructors, no
        // checkpoint, no close).
        let store = open(Path::new(&path));
        three_subjects(&store);
        store.append_audit(&[ev("last words")]).unwrap();
        std::process::abort();
    }
    let (_dir, path) = temp();
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "committed_data_survives_an_aborted_process",
            "--nocapture",
        ])
        .env(CHILD_ENV, &path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success(), "the child aborts");
    let store = open(&path);
    assert_eq!(store.subject_count().unwrap(), 3);
    assert_eq!(holders(&store, E1, &[token(4)]), [vec!["C".to_string()]]);
    let events = store.audit_events(1, u64::MAX).unwrap();
    assert_eq!(
        events.last().map(|e| e.event.kind.as_str()),
        Some("last words")
    );
}

#[test]
fn committed_data_is_there_when_the_store_is_leaked_and_the_file_reopened() {
    let (_dir, path) = temp();
    let store = open(&path);
    three_subjects(&store);
    // No drop, no close, no checkpoint: the data lives only in the write-ahead log.
    std::mem::forget(store);
    let again = open(&path);
    assert_eq!(again.subject_count().unwrap(), 3);
    assert_eq!(audit_count(&again), 1);
}

fn readers_and_the_writer_work_from_several_threads<B: Backend>(b: &B) {
    let place = b.place();
    let store: Arc<dyn Store> = Arc::new(b.store(&place));
    three_subjects(&*store);
    let writers = (0..2).map(|w| {
        let store = Arc::clone(&store);
        std::thread::spawn(move || {
            for i in 0..50u32 {
                let p = prepared(
                    person(&format!("W{w}-{i}"), "T", None),
                    1,
                    vec![kt(KeyKind::Email, 10_000 + w * 1_000 + i)],
                );
                store
                    .upsert_subjects(E1, &[p], &[ev("ingest.batch")])
                    .unwrap();
            }
        })
    });
    let readers = (0..3).map(|_| {
        let store = Arc::clone(&store);
        std::thread::spawn(move || {
            for _ in 0..50 {
                assert!(store.subject_count().unwrap() >= 3);
                let mut n = 0;
                store.for_each_token(E1, &mut |_, _, _| n += 1).unwrap();
                assert!(n >= 5);
            }
        })
    });
    let handles: Vec<_> = writers.chain(readers).collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(store.subject_count().unwrap(), 103);
    let events = store.audit_events(1, u64::MAX).unwrap();
    assert_eq!(events.len(), 101);
    assert!(
        events
            .iter()
            .enumerate()
            .all(|(i, e)| e.seq == i as u64 + 1)
    );
}

/// An audit event of `thread`'s call number `call`, told apart from every other by actor
/// and detail.
fn thread_event(thread: usize, call: usize) -> AuditEvent {
    AuditEvent {
        kind: "lookup".into(),
        actor: format!("thread-{thread}"),
        detail: format!(r#"{{"call":{call}}}"#),
    }
}

/// Stand-alone appends from many threads at once (look-ups): every call succeeds, every
/// event is stored exactly once, in each thread's order, under gapless sequence numbers,
/// and concurrent calls shared transactions (group commit).
fn concurrent_audit_appends_share_transactions_and_stay_gapless<B: Backend>(b: &B) {
    let place = b.place();
    let store = b.store(&place);
    let (threads, calls) = (16, 15);
    let start = std::sync::Barrier::new(threads);
    std::thread::scope(|s| {
        for t in 0..threads {
            let (store, start) = (&store, &start);
            s.spawn(move || {
                start.wait();
                for i in 0..calls {
                    store.append_audit(&[thread_event(t, i)]).unwrap();
                }
            });
        }
    });
    let all = store.audit_events(1, u64::MAX).unwrap();
    assert_eq!(all.len(), threads * calls);
    assert!(all.iter().enumerate().all(|(i, e)| e.seq == i as u64 + 1));
    for t in 0..threads {
        let mine: Vec<AuditEvent> = all
            .iter()
            .filter(|e| e.event.actor == format!("thread-{t}"))
            .map(|e| e.event.clone())
            .collect();
        assert_eq!(
            mine,
            (0..calls).map(|i| thread_event(t, i)).collect::<Vec<_>>()
        );
    }
    let transactions = B::audit_transactions(&store);
    assert!(
        transactions < (threads * calls) as u64,
        "{transactions} transactions for {} concurrent calls: none was shared",
        threads * calls
    );
}

/// A database error in a shared audit transaction fails exactly the calls whose events it
/// held: a call that returned `Ok` has its event stored, one that failed has nothing
/// stored; the log stays gapless and the store keeps working.
fn a_failed_shared_audit_transaction_fails_exactly_its_callers<B: Backend>(b: &B) {
    let place = b.place();
    let store = b.store(&place);
    store.append_audit(&[ev("before")]).unwrap();
    b.execute(&place, &b.failing_audit_insert_sql("thread-0"))
        .unwrap();
    let (threads, calls) = (8, 10);
    let start = std::sync::Barrier::new(threads);
    let outcomes: Vec<Vec<StoreResult<()>>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (store, start) = (&store, &start);
                s.spawn(move || {
                    start.wait();
                    (0..calls)
                        .map(|i| store.append_audit(&[thread_event(t, i)]))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let stored = store.audit_events(1, u64::MAX).unwrap();
    assert!(
        stored
            .iter()
            .enumerate()
            .all(|(i, e)| e.seq == i as u64 + 1)
    );
    let mut failed = 0;
    for (t, results) in outcomes.iter().enumerate() {
        for (i, r) in results.iter().enumerate() {
            let n = stored
                .iter()
                .filter(|e| e.event == thread_event(t, i))
                .count();
            match r {
                Ok(()) => assert_eq!(n, 1, "thread {t} call {i} succeeded: stored once"),
                Err(e) => {
                    failed += 1;
                    assert_eq!(n, 0, "thread {t} call {i} failed ({e}): nothing stored");
                    let cause = match e {
                        StoreError::Shared(cause) => &**cause,
                        e => e,
                    };
                    assert!(
                        matches!(cause, StoreError::Database(_) | StoreError::Postgres(_)),
                        "{e:?}"
                    );
                }
            }
        }
        if t == 0 {
            assert!(
                results.iter().all(Result::is_err),
                "every refused event fails"
            );
        }
    }
    assert_eq!(stored.len(), 1 + threads * calls - failed);
    b.execute(&place, "DROP TRIGGER forced_audit_failure ON audit_events")
        .or_else(|_| b.execute(&place, "DROP TRIGGER forced_audit_failure"))
        .unwrap();
    store.append_audit(&[thread_event(0, 0)]).unwrap();
    assert_eq!(
        store
            .audit_events(1, u64::MAX)
            .unwrap()
            .last()
            .unwrap()
            .event,
        thread_event(0, 0)
    );
}

/// Not a timed assertion: prints the upsert rate of 10 000 persons with 8 tokens each in one
/// batch (run with `--nocapture` to see it), then checks the rows are all there.
fn bulk_upsert_rate<B: Backend>(b: &B) {
    const N: u32 = 10_000;
    let place = b.place();
    let store = b.store(&place);
    let batch: Vec<PreparedSubject> = (0..N)
        .map(|i| {
            let tokens = (0..8u32)
                .map(|j| kt(KeyKind::ALL[j as usize], i * 8 + j))
                .collect();
            let mut p = prepared(person(&format!("STR-{i:07}"), "Bulk", None), 0, tokens);
            p.content_hash[..4].copy_from_slice(&i.to_be_bytes());
            p
        })
        .collect();
    let start = Instant::now();
    store
        .upsert_subjects(E1, &batch, &[ev("ingest.batch")])
        .unwrap();
    let insert = start.elapsed();
    let start = Instant::now();
    let out = store.upsert_subjects(E1, &batch, &[]).unwrap();
    let unchanged = start.elapsed();
    assert!(out.iter().all(|o| *o == UpsertOutcome::Unchanged));
    let start = Instant::now();
    let mut n = 0usize;
    store.for_each_token(E1, &mut |_, _, _| n += 1).unwrap();
    let scan = start.elapsed();
    assert_eq!(n, N as usize * 8);
    println!(
        "{} bulk upsert ({} build): {N} new persons x 8 tokens in {:.2?} = {:.0} subjects/s; \
         unchanged re-upsert {:.0} subjects/s; token scan {:.0} tokens/s",
        B::NAME,
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        insert,
        f64::from(N) / insert.as_secs_f64(),
        f64::from(N) / unchanged.as_secs_f64(),
        n as f64 / scan.as_secs_f64(),
    );
}

/// Two store instances over one database, as two node replicas over one PostgreSQL database
/// (or two processes on one SQLite file): their writes interleave, and the audit log stays
/// one gapless sequence with every event.
fn two_stores_over_one_database_keep_one_gapless_audit_log<B: Backend>(b: &B) {
    let place = b.place();
    let replicas = [b.store(&place), b.store(&place)];
    three_subjects(&replicas[0]);
    std::thread::scope(|scope| {
        for (r, store) in replicas.iter().enumerate() {
            scope.spawn(move || {
                for i in 0..25u32 {
                    let p = prepared(
                        person(&format!("R{r}-{i}"), "T", None),
                        1,
                        vec![kt(KeyKind::Email, 20_000 + r as u32 * 1_000 + i)],
                    );
                    store
                        .upsert_subjects(E1, &[p], &[ev("ingest.batch")])
                        .unwrap();
                    store.append_audit(&[ev("lookup"), ev("lookup")]).unwrap();
                }
            });
        }
    });
    for store in &replicas {
        assert_eq!(store.subject_count().unwrap(), 53);
        let events = store.audit_events(1, u64::MAX).unwrap();
        assert_eq!(events.len(), 1 + 2 * 25 * 3);
        assert!(
            events
                .iter()
                .enumerate()
                .all(|(i, e)| e.seq == i as u64 + 1)
        );
    }
}

/// The error of a refused write names the constraint, never the values of the row (a local
/// reference here; a subject's raw data in general).
fn a_refused_write_names_no_stored_values<B: Backend>(b: &B) {
    let place = b.place();
    let store = b.store(&place);
    three_subjects(&store);
    let err = store.record_hit(
        &hit("GHOST-Anna-Alpha-1980", "fiu-b", &[KeyKind::Iban], 0.9, 0),
        &[],
    );
    assert!(database_error(&err), "{err:?}");
    let e = err.unwrap_err();
    for shown in [e.to_string(), format!("{e:?}")] {
        assert!(!shown.contains("GHOST"), "{shown}");
        assert!(!shown.contains("Anna"), "{shown}");
    }
}

/// Called on a thread of an async runtime (a caller that forgot `spawn_blocking`), the store
/// still answers: slower for the runtime, but no panic.
fn the_store_answers_on_an_async_runtime_thread<B: Backend>(b: &B) {
    let place = b.place();
    let store = b.store(&place);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        three_subjects(&store);
        assert_eq!(store.subject_count().unwrap(), 3);
    });
    // Dropped inside a runtime too.
    runtime.block_on(async move { drop(store) });
}

fn ev_with(kind: &str, actor: &str, detail: &str) -> AuditEvent {
    AuditEvent {
        kind: kind.into(),
        actor: actor.into(),
        detail: detail.into(),
    }
}

/// The auditor's queries over the audit log: by sequence range, kind, actor and the case
/// reference inside the JSON detail (a row whose detail is not JSON, or whose case reference
/// is no string, matches no case); `audit_len` is the last sequence number.
fn audit_events_are_listed_by_kind_actor_and_case<B: Backend>(b: &B) {
    let place = b.place();
    let store = b.store(&place);
    assert_eq!(store.audit_len().unwrap(), 0);
    store
        .append_audit(&[
            ev_with("lookup", "inv-1", r#"{"case_reference":"CASE-7","n":1}"#),
            ev_with("lookup", "inv-2", r#"{"case_reference":"CASE-8"}"#),
            ev_with("follow_up.sent", "inv-1", r#"{"case_reference":"CASE-7"}"#),
            ev_with("call.refused", "inv-1", "not json"),
            ev_with("lookup", "inv-1", r#"{"case_reference":7}"#),
            ev_with("lookup", "inv-1", r#"["case_reference","CASE-7"]"#),
        ])
        .unwrap();
    assert_eq!(store.audit_len().unwrap(), 6);
    let seqs = |q: AuditQuery| {
        store
            .list_audit_events(&AuditQuery { limit: 100, ..q })
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect::<Vec<_>>()
    };
    assert_eq!(seqs(AuditQuery::default()), [1, 2, 3, 4, 5, 6]);
    let kind = |k: &str| AuditQuery {
        kind: Some(k.into()),
        ..AuditQuery::default()
    };
    assert_eq!(seqs(kind("lookup")), [1, 2, 5, 6]);
    assert_eq!(
        seqs(AuditQuery {
            actor: Some("inv-1".into()),
            ..kind("lookup")
        }),
        [1, 5, 6]
    );
    assert_eq!(
        seqs(AuditQuery {
            case_reference: Some("CASE-7".into()),
            ..AuditQuery::default()
        }),
        [1, 3]
    );
    assert_eq!(
        seqs(AuditQuery {
            case_reference: Some("7".into()),
            ..AuditQuery::default()
        }),
        Vec::<u64>::new(),
        "a number is not a case reference"
    );
    assert_eq!(
        seqs(AuditQuery {
            from_seq: 2,
            to_seq: Some(5),
            ..AuditQuery::default()
        }),
        [2, 3, 4]
    );
    let at = store.audit_events(1, 2).unwrap()[0].at_ms;
    assert_eq!(
        seqs(AuditQuery {
            since_ms: Some(at + 60_000),
            ..AuditQuery::default()
        }),
        Vec::<u64>::new()
    );
    assert_eq!(
        seqs(AuditQuery {
            until_ms: Some(at + 60_000),
            ..AuditQuery::default()
        })
        .len(),
        6
    );
    let page = store
        .list_audit_events(&AuditQuery {
            limit: 2,
            from_seq: 3,
            ..AuditQuery::default()
        })
        .unwrap();
    assert_eq!(page.iter().map(|e| e.seq).collect::<Vec<_>>(), [3, 4]);
    assert_eq!(page[1].event.detail, "not json");
}

fn head(log: &str, size: u64, fill: u8) -> StoredTreeHead {
    StoredTreeHead {
        log_id: log.into(),
        size,
        root: [fill; 32],
        timestamp_ms: 1_000 + size as i64,
        signature: [fill ^ 0xff; 64],
    }
}

/// The stored Merkle tree, tree heads and countersignatures: storing the same again is a
/// no-op, storing something different under the same key is a conflict (the log or a head
/// was changed), and the range queries return what was stored, in order.
fn the_audit_tree_heads_and_countersignatures_are_append_only<B: Backend>(b: &B) {
    let place = b.place();
    let store = b.store(&place);
    assert_eq!(store.audit_tree_size().unwrap(), 0);
    let node = |level: u8, index: u64, fill: u8| AuditNode {
        level,
        index,
        hash: [fill; 32],
    };
    store
        .put_audit_nodes(&[node(0, 0, 1), node(0, 1, 2), node(1, 0, 3)])
        .unwrap();
    store
        .put_audit_nodes(&[node(0, 1, 2), node(0, 2, 4)])
        .unwrap();
    store.put_audit_nodes(&[]).unwrap();
    assert_eq!(store.audit_tree_size().unwrap(), 3);
    assert_eq!(
        store
            .audit_nodes(&[(1, 0), (0, 2), (0, 9), (0, u64::MAX), (0, 0)])
            .unwrap(),
        [Some([3; 32]), Some([4; 32]), None, None, Some([1; 32])]
    );
    assert!(matches!(
        store.put_audit_nodes(&[node(0, 3, 5), node(0, 1, 9)]),
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.audit_nodes(&[(0, 3), (0, 1)]).unwrap(),
        [None, Some([2; 32])],
        "a refused batch stores none of its nodes"
    );

    assert_eq!(store.latest_tree_head("fiu-a").unwrap(), None);
    for h in [
        head("fiu-a", 3, 1),
        head("fiu-a", 10, 2),
        head("fiu-b", 5, 3),
    ] {
        store.save_tree_head(&h).unwrap();
    }
    store.save_tree_head(&head("fiu-a", 10, 2)).unwrap();
    assert!(matches!(
        store.save_tree_head(&head("fiu-a", 10, 7)),
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.latest_tree_head("fiu-a").unwrap(),
        Some(head("fiu-a", 10, 2))
    );
    assert_eq!(
        store.tree_heads("fiu-a", 0, u64::MAX).unwrap(),
        [head("fiu-a", 3, 1), head("fiu-a", 10, 2)]
    );
    assert_eq!(
        store.tree_heads("fiu-a", 4, 10).unwrap(),
        [head("fiu-a", 10, 2)]
    );
    assert!(store.tree_heads("fiu-c", 0, u64::MAX).unwrap().is_empty());

    let cs = |size: u64, witness: &str, fill: u8| StoredCountersignature {
        size,
        witness: witness.into(),
        signature: [fill; 64],
    };
    store.save_countersignature(&cs(10, "fiu-c", 1)).unwrap();
    store.save_countersignature(&cs(10, "fiu-b", 2)).unwrap();
    store.save_countersignature(&cs(3, "fiu-b", 3)).unwrap();
    store.save_countersignature(&cs(10, "fiu-b", 2)).unwrap();
    assert_eq!(
        store.countersignatures(0, u64::MAX).unwrap(),
        [cs(3, "fiu-b", 3), cs(10, "fiu-b", 2), cs(10, "fiu-c", 1)]
    );
    assert_eq!(store.countersignatures(4, 9).unwrap(), []);
    drop(store);
    let again = b.store(&place);
    assert_eq!(again.audit_tree_size().unwrap(), 3);
    assert_eq!(
        again.latest_tree_head("fiu-b").unwrap(),
        Some(head("fiu-b", 5, 3))
    );
}

/// The PostgreSQL store outlives its connections: after the server ends every one of them (a
/// database restart, a fail-over, an administrator), the store connects again on the next
/// call, and nothing committed is lost. A database of its own, so that ending its connections
/// touches no other test.
#[test]
fn postgres_reconnects_after_the_server_ends_its_connections() {
    let Some(backend) = Postgres::from_env() else {
        return;
    };
    let db = format!("store_reconnect_{}", std::process::id());
    pg_execute(
        &backend.url,
        None,
        &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
    )
    .expect("drop the old database");
    pg_execute(&backend.url, None, &format!("CREATE DATABASE {db}")).expect("create database");
    let url = {
        // The same server and role, the new database.
        let (base, _) = backend.url.rsplit_once('/').expect("URL with a database");
        format!("{base}/{db}")
    };
    let store = PostgresStore::open(&PostgresSettings::new(url.clone())).expect("open");
    three_subjects(&store);
    let terminate = format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = '{db}' AND pid <> pg_backend_pid()"
    );
    pg_execute(&backend.url, None, &terminate).expect("end the store's connections");
    // A call that races the server's goodbye may fail; the client sees the connection
    // closed once that message arrives, and the next call connects again.
    let deadline = Instant::now() + std::time::Duration::from_secs(10);
    let count = loop {
        match store.subject_count() {
            Ok(n) => break n,
            Err(e) if Instant::now() < deadline => {
                eprintln!("during the reconnection: {e}");
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(e) => panic!("the store did not reconnect: {e}"),
        }
    };
    assert_eq!(count, 3);
    store.append_audit(&[ev("after the restart")]).unwrap();
    assert_eq!(audit_count(&store), 2);
    drop(store);
    let _ = pg_execute(
        &backend.url,
        None,
        &format!("DROP DATABASE {db} WITH (FORCE)"),
    );
}

/// Instantiates each generic test above for both backends: `sqlite::NAME` and
/// `postgres::NAME`.
macro_rules! store_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    super::$name(&super::Sqlite);
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    if let Some(backend) = super::Postgres::from_env() {
                        super::$name(&backend);
                    }
                }
            )*
        }
    };
}

store_tests!(
    upsert_reports_inserted_unchanged_and_updated_and_replaces_tokens,
    a_batch_repeating_a_reference_is_applied_in_order,
    the_token_scan_is_exact_per_epoch_and_lists_every_holder,
    for_each_token_groups_by_subject_and_carries_the_shared_flag,
    delete_removes_tokens_and_hits_and_unlinks_follow_ups,
    expired_subjects_are_those_expiring_before_today,
    own_publication_keeps_the_last_snapshot_and_the_deltas_after_it,
    peer_publications_are_kept_per_peer_and_dropped_on_request,
    record_hit_deduplicates_across_reopen,
    record_hits_stores_a_batch_like_one_by_one_or_nothing,
    list_hits_filters_and_pages,
    follow_ups_insert_update_list_and_refuse_duplicates,
    statistics_count_per_peer_and_period,
    audit_events_are_numbered_from_one_without_gaps,
    concurrent_audit_appends_share_transactions_and_stay_gapless,
    a_failed_shared_audit_transaction_fails_exactly_its_callers,
    a_failed_call_writes_neither_data_nor_audit_events,
    audit_events_cannot_be_changed_or_removed_through_sql,
    reopening_preserves_everything,
    a_newer_schema_is_refused,
    another_applications_database_is_refused,
    readers_and_the_writer_work_from_several_threads,
    bulk_upsert_rate,
    two_stores_over_one_database_keep_one_gapless_audit_log,
    a_refused_write_names_no_stored_values,
    the_store_answers_on_an_async_runtime_thread,
    audit_events_are_listed_by_kind_actor_and_case,
    the_audit_tree_heads_and_countersignatures_are_append_only,
);
