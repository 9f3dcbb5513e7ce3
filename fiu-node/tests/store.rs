//! The SQLite store on real files in temporary directories: every `Store` method, the audit
//! events each mutation writes in its own transaction, rollback of a failed call, reopening,
//! durability across an aborted process, and schema-version refusal.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use chrono::NaiveDate;
use fiu_node::store::{
    AuditEvent, Direction, FollowUpQuery, FollowUpRecord, FollowUpState, HitQuery, NewHit, Period,
    PreparedSubject, SignedBlob, SqliteStore, Store, StoreError, UpsertOutcome,
};
use matcher::hits::KeyedToken;
use matcher::subject::{Person, Record};
use matcher::{Category, Epoch, KeyKind, Strength, Subject, Token};
use tempfile::TempDir;

const E1: Epoch = Epoch(1);
const E2: Epoch = Epoch(2);
const DAY: i64 = 86_400_000;

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
    check::<Arc<dyn Store>>();
}

#[test]
fn upsert_reports_inserted_unchanged_and_updated_and_replaces_tokens() {
    let (_dir, path) = temp();
    let store = open(&path);
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
    let found = store
        .resolve_tokens(E1, &[token(1), token(2), token(5)])
        .unwrap();
    assert_eq!(found, [vec![], vec![], vec!["A".to_string()]]);
    assert_eq!(store.subject_count().unwrap(), 2);

    // Same content under a new epoch: that epoch's tokens are written, the old ones kept.
    let out = store
        .upsert_subjects(E2, std::slice::from_ref(&a2), &[])
        .unwrap();
    assert_eq!(out, [UpsertOutcome::Updated]);
    assert_eq!(
        store.resolve_tokens(E2, &[token(5)]).unwrap(),
        [vec!["A".to_string()]]
    );
    assert_eq!(
        store.resolve_tokens(E1, &[token(5)]).unwrap(),
        [vec!["A".to_string()]]
    );
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
    assert_eq!(
        store.resolve_tokens(E1, &[token(5)]).unwrap(),
        [Vec::<String>::new()]
    );
    assert_eq!(
        all_tokens(&store, E1).len(),
        1,
        "only B's token remains under epoch 1"
    );
}

#[test]
fn a_batch_repeating_a_reference_is_applied_in_order() {
    let (_dir, path) = temp();
    let store = open(&path);
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
        store.resolve_tokens(E1, &[token(1), token(2)]).unwrap(),
        [vec![], vec!["A".to_string()]]
    );
}

#[test]
fn resolve_tokens_is_exact_per_epoch_and_lists_every_holder() {
    let (_dir, path) = temp();
    let store = open(&path);
    three_subjects(&store);
    let found = store
        .resolve_tokens(E1, &[token(2), token(3), token(77), token(4)])
        .unwrap();
    assert_eq!(
        found,
        [
            vec!["A".to_string(), "B".to_string()],
            vec!["B".to_string()],
            vec![],
            vec!["C".to_string()],
        ]
    );
    assert_eq!(
        store.resolve_tokens(E2, &[token(2)]).unwrap(),
        [Vec::<String>::new()]
    );
    assert!(store.resolve_tokens(E1, &[]).unwrap().is_empty());
}

#[test]
fn for_each_token_groups_by_subject_and_carries_the_shared_flag() {
    let (_dir, path) = temp();
    let store = open(&path);
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

#[test]
fn delete_removes_tokens_and_hits_and_unlinks_follow_ups() {
    let (_dir, path) = temp();
    let store = open(&path);
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
        store.resolve_tokens(E1, &[token(1), token(2)]).unwrap(),
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

#[test]
fn expired_subjects_are_those_expiring_before_today() {
    let (_dir, path) = temp();
    let store = open(&path);
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

#[test]
fn own_publication_keeps_the_last_snapshot_and_the_deltas_after_it() {
    let (_dir, path) = temp();
    let store = open(&path);
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

#[test]
fn peer_publications_are_kept_per_peer_and_dropped_on_request() {
    let (_dir, path) = temp();
    let store = open(&path);
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

#[test]
fn record_hit_deduplicates_across_reopen() {
    let (_dir, path) = temp();
    let first = {
        let store = open(&path);
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
    let store = open(&path);
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

#[test]
fn list_hits_filters_and_pages() {
    let (_dir, path) = temp();
    let store = open(&path);
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

#[test]
fn follow_ups_insert_update_list_and_refuse_duplicates() {
    let (_dir, path) = temp();
    let store = open(&path);
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

#[test]
fn statistics_count_per_peer_and_period() {
    let (_dir, path) = temp();
    let store = open(&path);
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

#[test]
fn audit_events_are_numbered_from_one_without_gaps() {
    let (_dir, path) = temp();
    let store = open(&path);
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

#[test]
fn a_failed_call_writes_neither_data_nor_audit_events() {
    let (_dir, path) = temp();
    let store = open(&path);
    three_subjects(&store);
    let audit_before = audit_count(&store);
    let tokens_before = all_tokens(&store, E1).len();

    // A hit of a subject that is not stored breaks the foreign key.
    let err = store.record_hit(
        &hit("ghost", "fiu-b", &[KeyKind::Iban], 0.9, 0),
        &[ev("hit.recorded")],
    );
    assert!(matches!(err, Err(StoreError::Database(_))), "{err:?}");
    // A follow-up naming a hit that does not exist, likewise.
    let err = store.insert_follow_up(
        &follow_up("F", Direction::Outgoing, "fiu-b", Some(999), 0),
        &[ev("x")],
    );
    assert!(matches!(err, Err(StoreError::Database(_))), "{err:?}");
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
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!(
            "CREATE TRIGGER forced_failure BEFORE INSERT ON tokens WHEN NEW.kind = {} \
             BEGIN SELECT RAISE(ABORT, 'forced failure'); END;",
            KeyKind::Container.code()
        ))
        .unwrap();
    }
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
    assert!(matches!(err, Err(StoreError::Database(_))), "{err:?}");
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

#[test]
fn audit_events_cannot_be_changed_or_removed_through_sql() {
    let (_dir, path) = temp();
    let store = open(&path);
    store.append_audit(&[ev("lookup")]).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    assert!(conn.execute("DELETE FROM audit_events", []).is_err());
    assert!(
        conn.execute("UPDATE audit_events SET actor = 'someone else'", [])
            .is_err()
    );
    assert_eq!(audit_count(&store), 1);
}

#[test]
fn reopening_preserves_everything() {
    let (_dir, path) = temp();
    let (hit_id, out) = {
        let store = open(&path);
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
    let store = open(&path);
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

#[test]
fn a_newer_schema_is_refused() {
    let (_dir, path) = temp();
    drop(open(&path));
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 999)
        .unwrap();
    match SqliteStore::open(&path) {
        Err(StoreError::SchemaTooNew { found, supported }) => {
            assert_eq!(found, 999);
            assert!((1..999).contains(&supported));
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

#[test]
fn another_applications_database_is_refused() {
    let (_dir, path) = temp();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE accounts (id INTEGER PRIMARY KEY)")
        .unwrap();
    assert!(matches!(
        SqliteStore::open(&path),
        Err(StoreError::Corrupt(_))
    ));
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
    assert_eq!(
        store.resolve_tokens(E1, &[token(4)]).unwrap(),
        [vec!["C".to_string()]]
    );
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

#[test]
fn readers_and_the_writer_work_from_several_threads() {
    let (_dir, path) = temp();
    let store: Arc<dyn Store> = Arc::new(open(&path));
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

/// Not a timed assertion: prints the upsert rate of 10 000 persons with 8 tokens each in one
/// batch (run with `--nocapture` to see it), then checks the rows are all there.
#[test]
fn bulk_upsert_rate() {
    const N: u32 = 10_000;
    let (_dir, path) = temp();
    let store = open(&path);
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
        "bulk upsert ({} build): {N} new persons x 8 tokens in {:.2?} = {:.0} subjects/s; \
         unchanged re-upsert {:.0} subjects/s; token scan {:.0} tokens/s",
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
