//! The engine's refusals of peer filters: a filter whose signature, epoch, format or sequence
//! does not check is refused with a reason and kept out, and the engine keeps working.

use std::collections::HashMap;
use std::sync::Arc;

use fiu_node::engine::{Engine, EngineError, EngineSettings, FilterUpdate};
use fiu_node::identity::Identity;
use fiu_node::store::{SignedBlob, SqliteStore};
use matcher::hits::HitPolicy;
use matcher::keys::KeyOptions;
use matcher::{Category, Epoch, NetworkSecret, Subject};

struct Pair {
    _dir: tempfile::TempDir,
    a: Engine,
    b: Engine,
}

fn engine(
    dir: &std::path::Path,
    me: &str,
    epoch: u64,
    id: Identity,
    peers: HashMap<String, fiu_node::identity::PublicKey>,
) -> Engine {
    let store = Arc::new(SqliteStore::open(&dir.join(format!("{me}.sqlite"))).unwrap());
    Engine::open(
        EngineSettings {
            member_id: me.into(),
            epoch: Epoch(epoch),
            target_fpr: 1e-6,
            initial_capacity: 1000,
            share_categories: vec![Category::Suspect],
            key_options: KeyOptions::default(),
            hit_policy: HitPolicy::default(),
        },
        store,
        &NetworkSecret::from_bytes([9; 32]),
        id,
        peers,
    )
    .unwrap()
}

fn pair(epoch_b: u64) -> Pair {
    let dir = tempfile::tempdir().unwrap();
    let (ida, idb) = (Identity::generate().unwrap(), Identity::generate().unwrap());
    let (pka, pkb) = (ida.public_key(), idb.public_key());
    let a = engine(
        dir.path(),
        "fiu-a",
        1,
        ida,
        HashMap::from([("fiu-b".to_owned(), pkb)]),
    );
    let b = engine(
        dir.path(),
        "fiu-b",
        epoch_b,
        idb,
        HashMap::from([("fiu-a".to_owned(), pka)]),
    );
    Pair { _dir: dir, a, b }
}

fn account(r: &str, iban: &str) -> Subject {
    serde_json::from_value(
        serde_json::json!({"local_ref": r, "category": "suspect", "type": "account", "iban": iban}),
    )
    .unwrap()
}

fn refused(e: EngineError) -> String {
    match e {
        EngineError::PeerRefused { reason, .. } => reason,
        other => panic!("expected a peer refusal, got {other}"),
    }
}

#[test]
fn a_valid_snapshot_and_delta_apply_and_make_hits() {
    let p = pair(1);
    p.b.ingest(vec![account("B1", "DE89370400440532013000")], "op", "test")
        .unwrap();
    p.b.apply_peer_snapshot("fiu-a", p.a.own_snapshot())
        .unwrap();
    let (_, mut rx) = p.a.own_updates_since(p.a.own_snapshot().seq);
    p.a.ingest(
        vec![account("A1", "DE89 3704 0044 0532 0130 00")],
        "op",
        "test",
    )
    .unwrap();
    let FilterUpdate::Delta(delta) = rx.try_recv().unwrap() else {
        panic!("a delta")
    };
    assert_eq!(
        p.b.apply_peer_delta("fiu-a", delta).unwrap(),
        1,
        "one new hit at B"
    );
    assert_eq!(p.b.peer_position("fiu-a"), Some(p.a.own_snapshot().seq + 1));
}

#[test]
fn a_forged_signature_is_refused_and_kept_out() {
    let p = pair(1);
    let mut snap = p.a.own_snapshot();
    snap.signature[0] ^= 1;
    assert!(refused(p.b.apply_peer_snapshot("fiu-a", snap).unwrap_err()).contains("signature"));
    assert_eq!(p.b.peer_position("fiu-a"), None, "nothing installed");
    // A snapshot signed by another key (the peer's own key is what counts).
    let mut other = p.b.own_snapshot();
    other.signature = p.b.own_snapshot().signature;
    assert!(refused(p.b.apply_peer_snapshot("fiu-a", other).unwrap_err()).contains("signature"));
}

#[test]
fn a_snapshot_of_another_epoch_is_refused() {
    let p = pair(2);
    let err = refused(
        p.b.apply_peer_snapshot("fiu-a", p.a.own_snapshot())
            .unwrap_err(),
    );
    assert!(err.contains("epoch 1") && err.contains("epoch 2"), "{err}");
    assert_eq!(p.b.peer_position("fiu-a"), None);
}

#[test]
fn corrupt_filter_bytes_are_refused_with_the_format_error() {
    let p = pair(1);
    let mut snap = p.a.own_snapshot();
    let n = snap.bytes.len();
    snap.bytes[n / 2] ^= 0x80;
    let err = refused(p.b.apply_peer_snapshot("fiu-a", snap.clone()).unwrap_err());
    assert!(err.contains("snapshot refused"), "{err}");
    snap.bytes.truncate(10);
    assert!(
        refused(p.b.apply_peer_snapshot("fiu-a", snap).unwrap_err()).contains("snapshot refused")
    );
}

#[test]
fn an_unknown_member_and_an_out_of_order_delta_are_refused() {
    let p = pair(1);
    assert!(
        refused(
            p.b.apply_peer_snapshot("fiu-x", p.a.own_snapshot())
                .unwrap_err()
        )
        .contains("not a configured member")
    );
    p.b.apply_peer_snapshot("fiu-a", p.a.own_snapshot())
        .unwrap();
    let (_, mut rx) = p.a.own_updates_since(p.a.own_snapshot().seq);
    p.a.ingest(vec![account("A1", "GB82WEST12345698765432")], "op", "test")
        .unwrap();
    p.a.ingest(vec![account("A2", "DE89370400440532013000")], "op", "test")
        .unwrap();
    let FilterUpdate::Delta(_first) = rx.try_recv().unwrap() else {
        panic!("a delta")
    };
    let FilterUpdate::Delta(second) = rx.try_recv().unwrap() else {
        panic!("a delta")
    };
    match p.b.apply_peer_delta("fiu-a", second.clone()) {
        Err(EngineError::FailedPrecondition(m)) => assert!(m.contains("does not follow"), "{m}"),
        other => panic!("expected a sequence refusal, got {other:?}"),
    }
    // A delta whose bytes were changed after signing.
    let mut tampered: SignedBlob = second;
    let last = tampered.bytes.len() - 1;
    tampered.bytes[last] ^= 1;
    assert!(refused(p.b.apply_peer_delta("fiu-a", tampered).unwrap_err()).contains("signature"));
    // B still works.
    assert!(
        p.b.ingest(vec![account("B9", "GB82WEST12345698765432")], "op", "test")
            .is_ok()
    );
}

#[test]
fn a_subscriber_ahead_of_the_publisher_gets_a_snapshot() {
    // A node restored from an older backup publishes lower sequence numbers than a peer has
    // applied; the peer must be given a snapshot, not left waiting for numbers it has seen.
    let p = pair(1);
    let latest = p.a.own_snapshot().seq;
    let (backlog, _) = p.a.own_updates_since(latest + 50);
    assert!(
        matches!(backlog.first(), Some(FilterUpdate::Snapshot(s)) if s.seq == latest),
        "{backlog:?}"
    );
    let (backlog, _) = p.a.own_updates_since(latest);
    assert!(
        backlog.is_empty(),
        "an up-to-date subscriber gets nothing old"
    );
}

#[test]
fn waiting_deltas_apply_together_and_a_bad_one_keeps_those_before_it() {
    let p = pair(1);
    p.b.ingest(
        vec![
            account("B1", "DE89370400440532013000"),
            account("B2", "GB82WEST12345698765432"),
        ],
        "op",
        "test",
    )
    .unwrap();
    p.b.apply_peer_snapshot("fiu-a", p.a.own_snapshot())
        .unwrap();
    let (_, mut rx) = p.a.own_updates_since(p.a.own_snapshot().seq);
    p.a.ingest(vec![account("A1", "DE89370400440532013000")], "op", "test")
        .unwrap();
    p.a.ingest(vec![account("A2", "GB82WEST12345698765432")], "op", "test")
        .unwrap();
    let deltas: Vec<SignedBlob> = std::iter::from_fn(|| match rx.try_recv() {
        Ok(FilterUpdate::Delta(d)) => Some(d),
        _ => None,
    })
    .collect();
    assert_eq!(deltas.len(), 2);
    let mut forged = deltas[1].clone();
    forged.signature[5] ^= 1;
    // The first delta applies and its hit is found; the forged second one is refused.
    let err =
        p.b.apply_peer_deltas("fiu-a", vec![deltas[0].clone(), forged])
            .unwrap_err();
    assert!(refused(err).contains("signature"));
    assert_eq!(p.b.peer_position("fiu-a"), Some(deltas[0].seq));
    // The genuine second delta then applies and finds the second hit.
    assert_eq!(
        p.b.apply_peer_deltas("fiu-a", vec![deltas[1].clone()])
            .unwrap(),
        1
    );
}

#[test]
fn a_subject_whose_retention_has_ended_is_refused_by_field() {
    let p = pair(1);
    let mut old = account("OLD", "DE89370400440532013000");
    old.expires = chrono::NaiveDate::from_ymd_opt(2001, 1, 1);
    let mut current = account("CURRENT", "GB82WEST12345698765432");
    current.expires = chrono::NaiveDate::from_ymd_opt(2999, 1, 1);
    let report = p.a.ingest(vec![old, current], "op", "test").unwrap();
    assert_eq!((report.inserted, report.refused), (1, 1));
    let issue = &report.issues[0];
    assert_eq!(
        (issue.local_ref.as_str(), issue.field.as_str()),
        ("OLD", "expires")
    );
    assert!(issue.record_refused);
}

/// The tokens a subject makes under the test secret and `epoch`.
fn tokens_of_subject(subject: &Subject, epoch: u64) -> Vec<matcher::Token> {
    let tokeniser =
        matcher::Tokeniser::new(&NetworkSecret::from_bytes([9; 32]).epoch_key(Epoch(epoch)));
    let keys = matcher::keys::derive(subject, &KeyOptions::default());
    matcher::hits::tokens_of(&keys.keys, &tokeniser)
        .into_iter()
        .map(|t| t.token)
        .collect()
}

#[test]
fn resolution_names_every_holder_and_follows_updates_deletes_and_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("node.key");
    Identity::generate().unwrap().save(&key).unwrap();
    let open = || {
        engine(
            dir.path(),
            "fiu-a",
            1,
            Identity::load(&key).unwrap(),
            HashMap::new(),
        )
    };
    let a = open();
    // Two subjects share an IBAN (one account seen by two reports); a third is unrelated.
    let shared = account("acct-1", "DE89370400440532013000");
    let twin = account("acct-2", "DE89370400440532013000");
    let other = account("acct-3", "GB82WEST12345698765432");
    a.ingest(vec![shared.clone(), twin, other.clone()], "test", "test")
        .unwrap();
    let t_shared = tokens_of_subject(&shared, 1);
    let t_other = tokens_of_subject(&other, 1);
    let unknown = matcher::Token::from_bytes([0xab; 32]);
    assert_eq!(
        a.resolve(&[t_shared[0], unknown, t_other[0]]).unwrap(),
        [
            vec!["acct-1".to_string(), "acct-2".to_string()],
            vec![],
            vec!["acct-3".to_string()]
        ]
    );
    // Tokens of another epoch never resolve.
    assert_eq!(
        a.resolve(&[tokens_of_subject(&other, 2)[0]]).unwrap(),
        [Vec::<String>::new()]
    );

    // An update takes the old tokens away from the subject; a deletion takes all of them.
    let moved = account("acct-3", "FR1420041010050500013M02606");
    a.ingest(vec![moved.clone()], "test", "test").unwrap();
    a.delete(&["acct-2".to_string()], "test", "test").unwrap();
    let t_moved = tokens_of_subject(&moved, 1);
    assert_eq!(
        a.resolve(&[t_other[0], t_moved[0], t_shared[0]]).unwrap(),
        [
            vec![],
            vec!["acct-3".to_string()],
            vec!["acct-1".to_string()]
        ]
    );

    // After a restart the answer comes from the tokens loaded from the store.
    drop(a);
    let a = open();
    assert_eq!(
        a.resolve(&[t_other[0], t_moved[0], t_shared[0]]).unwrap(),
        [
            vec![],
            vec!["acct-3".to_string()],
            vec!["acct-1".to_string()]
        ]
    );
    assert!(a.resolve(&[]).unwrap().is_empty());
}

/// A valid British IBAN for account number `i` (ISO 13616 check digits).
fn gb_iban(i: u32) -> String {
    let bban = format!("WEST123456{i:08}");
    let digits: String = format!("{bban}GB00")
        .chars()
        .map(|c| c.to_digit(36).expect("alphanumeric").to_string())
        .collect();
    let rem = digits
        .chars()
        .fold(0u32, |r, c| (r * 10 + c.to_digit(10).expect("digit")) % 97);
    format!("GB{:02}{bban}", 98 - rem)
}

/// A backlog's snapshot sequence, the bytes of its deltas and their sequence numbers.
fn backlog_shape(backlog: &[FilterUpdate]) -> (Option<u64>, usize, Vec<u64>) {
    let mut snapshot = None;
    let mut delta_bytes = 0;
    let mut delta_seqs = Vec::new();
    for u in backlog {
        match u {
            FilterUpdate::Snapshot(s) => snapshot = Some(s.seq),
            FilterUpdate::Delta(d) => {
                delta_bytes += d.bytes.len();
                delta_seqs.push(d.seq);
            }
        }
    }
    (snapshot, delta_bytes, delta_seqs)
}

#[test]
fn deltas_that_outweigh_the_snapshot_are_folded_into_one_without_breaking_live_subscribers() {
    let p = pair(1);
    let start = p.a.own_snapshot();
    // A live subscriber from the start, and B, which holds the first snapshot.
    let (_, mut live) = p.a.own_updates_since(start.seq);
    p.b.apply_peer_snapshot("fiu-a", start.clone()).unwrap();
    let mut compacted_at = None;
    for i in 0..60u32 {
        let report =
            p.a.ingest(vec![account(&format!("A{i}"), &gb_iban(i))], "op", "test")
                .unwrap();
        assert_eq!(report.inserted, 1, "{report:?}");
        let (backlog, _) = p.a.own_updates_since(0);
        let (snapshot, delta_bytes, _) = backlog_shape(&backlog);
        let snapshot = snapshot.expect("a catching-up subscriber starts from a snapshot");
        let snapshot_bytes = p.a.own_snapshot().bytes.len();
        assert!(
            delta_bytes <= snapshot_bytes,
            "after batch {i}: {delta_bytes} B of deltas behind a {snapshot_bytes} B snapshot"
        );
        if snapshot > start.seq && compacted_at.is_none() {
            compacted_at = Some(snapshot);
        }
    }
    let compacted_at = compacted_at.expect("sixty deltas outweigh a snapshot of 1 000 tokens");

    // The live subscriber saw every delta in order and no snapshot: the compacted snapshot
    // took the sequence number of the delta whose state it is.
    let mut seqs = Vec::new();
    while let Ok(u) = live.try_recv() {
        match u {
            FilterUpdate::Delta(d) => {
                seqs.push(d.seq);
                // B applies them as they come, as a subscription does.
                p.b.apply_peer_delta("fiu-a", d).unwrap();
            }
            FilterUpdate::Snapshot(s) => panic!("a live subscriber was sent snapshot {}", s.seq),
        }
    }
    let expected: Vec<u64> = (start.seq + 1..=start.seq + seqs.len() as u64).collect();
    assert_eq!(seqs, expected);
    assert!(seqs.contains(&compacted_at));
    let (backlog, _) = p.a.own_updates_since(compacted_at);
    assert!(
        backlog
            .iter()
            .all(|u| matches!(u, FilterUpdate::Delta(d) if d.seq > compacted_at)),
        "a subscriber at the compacted sequence gets only the deltas after it"
    );

    // A peer that joins now gets the compacted snapshot and later deltas, and holds the same
    // filter as B, which applied every delta: the same subjects hit at both.
    let dir = tempfile::tempdir().unwrap();
    let c = engine(
        dir.path(),
        "fiu-b",
        1,
        Identity::generate().unwrap(),
        HashMap::from([("fiu-a".to_owned(), p.a.identity().public_key())]),
    );
    let (backlog, _) = p.a.own_updates_since(0);
    for u in backlog {
        match u {
            FilterUpdate::Snapshot(s) => c.apply_peer_snapshot("fiu-a", s).unwrap(),
            FilterUpdate::Delta(d) => c.apply_peer_delta("fiu-a", d).unwrap(),
        };
    }
    assert_eq!(c.peer_position("fiu-a"), p.b.peer_position("fiu-a"));
    let probe: Vec<Subject> = (0..60u32)
        .map(|i| account(&format!("C{i}"), &gb_iban(i)))
        .collect();
    let at_b = p.b.ingest(probe.clone(), "op", "test").unwrap();
    let at_c = c.ingest(probe, "op", "test").unwrap();
    assert_eq!(at_b.new_hits, at_c.new_hits);
    assert_eq!(at_c.new_hits, 60, "every probed account is held by A");
}
