//! Epoch rotation and re-keying across real nodes: after a rotation hits are found again under
//! the new epoch, filters of the retired epoch are dropped and refused (with an audit event),
//! and a member left out of a re-key finds nothing new while the others go on matching.

use fiu_node::engine::{Engine, EngineError};
use fiu_node::keys::{generate_secret, write_secret_file};
use fiu_node::manifest::Manifest;
use fiu_node::rotation::{reload, rotate};
use fiu_node::server::load_secret;
use fiu_node::store::StoredAuditEvent;
use integration_tests::subjects::{account, gb_iban};
use integration_tests::{Member, Network, PROPAGATION, eventually};
use matcher::{Epoch, NetworkSecret};

/// The secret a test node was started with.
fn secret_of(m: &Member) -> NetworkSecret {
    load_secret(&m.config.data_path(&m.config.network.secret_file)).expect("the node's secret")
}

/// Rotates a running node (blocking work, as the node's own rotation runs it).
fn rotate_node(m: &Member, secret: &NetworkSecret, epoch: u64) {
    let report = tokio::task::block_in_place(|| rotate(m.engine(), secret, Epoch(epoch)))
        .unwrap_or_else(|e| panic!("{} does not rotate: {e}", m.id));
    assert_eq!(report.to, Epoch(epoch));
}

fn audit_of(engine: &Engine, kind: &str) -> Vec<StoredAuditEvent> {
    engine
        .store()
        .audit_events(1, u64::MAX)
        .expect("audit events")
        .into_iter()
        .filter(|e| e.event.kind == kind)
        .collect()
}

/// Waits until `m` holds filters of exactly `peers`, all of `epoch` (stored and in memory).
async fn holds_filters_of(m: &Member, peers: &[&str], epoch: u64) {
    eventually(
        &format!("{} holds epoch-{epoch} filters of {peers:?}", m.id),
        PROPAGATION,
        || async {
            let stored = m
                .engine()
                .store()
                .peer_publications()
                .expect("publications");
            let mut names: Vec<&str> = stored.iter().map(|(p, _)| p.as_str()).collect();
            names.sort();
            let held = m.engine().peer_filter_stats();
            (names == peers
                && held.len() == peers.len()
                && stored.iter().all(|(_, p)| p.snapshot.epoch == Epoch(epoch)))
            .then_some(())
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_finds_hits_again_and_refuses_the_retired_epoch() {
    let net = Network::start(3).await;
    let (a, b, c) = (net.node("fiu-a"), net.node("fiu-b"), net.node("fiu-c"));
    let shared = gb_iban(7001);
    a.import(&[account("A-1", &shared)]).await;
    b.import(&[account("B-1", &shared)]).await;
    let first = a.hit_for("A-1", "fiu-b").await;
    assert_eq!(first.epoch, 1);
    // B's signed snapshot of epoch 1: what a peer that has not rotated would still send.
    let retired_snapshot = b.engine().own_snapshot();
    assert_eq!(retired_snapshot.epoch, Epoch(1));

    let secret = secret_of(a);
    for m in [a, b, c] {
        rotate_node(m, &secret, 2);
    }
    for m in [a, b, c] {
        assert_eq!(m.engine().epoch(), Epoch(2));
    }

    // Hits are found again under the new epoch, from the stored subjects alone; the epoch-1
    // hit stays as history.
    let hits = a
        .hits_when("A-1 hits fiu-b under epoch 2", |hits| {
            hits.iter()
                .any(|h| h.local_ref == "A-1" && h.peer == "fiu-b" && h.epoch == 2)
        })
        .await;
    assert!(
        hits.iter()
            .any(|h| h.local_ref == "A-1" && h.peer == "fiu-b" && h.epoch == 1),
        "the epoch-1 hit is kept"
    );
    b.hits_when("B-1 hits fiu-a under epoch 2", |hits| {
        hits.iter()
            .any(|h| h.local_ref == "B-1" && h.peer == "fiu-a" && h.epoch == 2)
    })
    .await;

    // Old filters are gone: every filter held or stored is of epoch 2, and the drops are
    // audited.
    holds_filters_of(a, &["fiu-b", "fiu-c"], 2).await;
    let rotated = audit_of(a.engine(), "epoch.rotated");
    assert_eq!(rotated.len(), 1, "{rotated:?}");
    assert!(
        rotated[0].event.detail.contains("\"from\":1")
            && rotated[0].event.detail.contains("\"to\":2"),
        "{:?}",
        rotated[0]
    );
    assert!(
        !rotated[0]
            .event
            .detail
            .contains(&hex::encode(secret.expose())),
        "the audit log never holds the secret"
    );
    assert!(!audit_of(a.engine(), "filter.dropped").is_empty());

    // A filter of the retired epoch is refused with a clear error and an audit event ...
    let refused = tokio::task::block_in_place(|| {
        a.engine()
            .apply_peer_snapshot("fiu-b", retired_snapshot.clone())
    });
    match refused {
        Err(EngineError::PeerRefused { peer, reason }) => {
            assert_eq!(peer, "fiu-b");
            assert!(
                reason.contains("epoch 1") && reason.contains("retired"),
                "{reason}"
            );
        }
        other => panic!("a retired-epoch snapshot must be refused, got {other:?}"),
    }
    let refusals = audit_of(a.engine(), "filter.refused");
    assert!(
        refusals
            .iter()
            .any(|e| e.event.actor == "fiu-b" && e.event.detail.contains("\"epoch\":1")),
        "{refusals:?}"
    );
    // ... and nothing of it is installed: A still holds B's epoch-2 filter and keeps serving.
    holds_filters_of(a, &["fiu-b", "fiu-c"], 2).await;
    let answer = a
        .lookup(&account("q", &shared), "CASE-ROT")
        .await
        .expect("look-ups are still answered");
    assert_eq!(
        answer
            .hits
            .iter()
            .map(|h| h.peer.as_str())
            .collect::<Vec<_>>(),
        vec!["fiu-b"]
    );
    assert!(answer.hits.iter().all(|h| h.epoch == 2));

    // Epochs only move forward.
    let back = tokio::task::block_in_place(|| rotate(a.engine(), &secret, Epoch(1)));
    assert!(
        matches!(&back, Err(EngineError::FailedPrecondition(m)) if m.contains("only move forward")),
        "{back:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_left_out_of_a_rekey_finds_nothing_new() {
    let net = Network::start(3).await;
    let (a, b, c) = (net.node("fiu-a"), net.node("fiu-b"), net.node("fiu-c"));
    let known = gb_iban(7101);
    for (m, r) in [(a, "A-OLD"), (b, "B-OLD"), (c, "C-OLD")] {
        m.import(&[account(r, &known)]).await;
    }
    c.hit_for("C-OLD", "fiu-a").await;

    // The network re-keys without C: A and B get a new secret for epoch 2. C, removed but not
    // yet unconfigured by the others, moves to epoch 2 with the only secret it has.
    // A and B install it as operators do: a new secret file, a manifest revision at epoch 2
    // without C, `[network]` changed in the configuration, and a reload (what SIGHUP runs).
    let old = secret_of(a);
    let new = generate_secret().expect("new secret");
    for m in [a, b] {
        let mut config = m.config.clone();
        config.network.secret_file = "network-2.secret".into();
        config.network.epoch = 2;
        write_secret_file(&config.data_path(&config.network.secret_file), &new, false)
            .expect("secret file");
        let path = config.node.data_dir.join("config-2.toml");
        std::fs::write(&path, toml::to_string(&config).expect("config as TOML")).unwrap();
        // Until the manifest's new revision is installed, the reload is refused and the node
        // stays where it is.
        let refused = tokio::task::block_in_place(|| reload(m.engine(), &path))
            .expect_err("the manifest still says epoch 1");
        assert!(
            refused.to_string().contains("epoch.current = 1"),
            "{refused}"
        );
        assert_eq!(m.engine().epoch(), Epoch(1));
        let manifest_path = config.data_path(config.network.manifest.as_ref().expect("TLS"));
        let mut manifest = Manifest::load(&manifest_path).expect("the node's manifest");
        manifest.revision += 1;
        manifest.epoch.current = 2;
        manifest.members.retain(|member| member.id != "fiu-c");
        config.network.manifest = Some("manifest-2.toml".into());
        std::fs::write(
            config.data_path("manifest-2.toml".as_ref()),
            manifest.to_toml(),
        )
        .unwrap();
        std::fs::write(&path, toml::to_string(&config).expect("config as TOML")).unwrap();
        let report = tokio::task::block_in_place(|| reload(m.engine(), &path))
            .unwrap_or_else(|e| panic!("{} does not reload: {e}", m.id))
            .expect("the epoch changed");
        assert_eq!((report.from, report.to), (Epoch(1), Epoch(2)));
        // A second reload of the same file changes nothing.
        assert!(
            tokio::task::block_in_place(|| reload(m.engine(), &path))
                .unwrap()
                .is_none()
        );
    }
    rotate_node(c, &old, 2);

    // A subject all three know after the re-key.
    let fresh = gb_iban(7102);
    for (m, r) in [(a, "A-NEW"), (b, "B-NEW"), (c, "C-NEW")] {
        m.import(&[account(r, &fresh)]).await;
    }
    // A and B match each other under the new key ...
    a.hit_for("A-NEW", "fiu-b").await;
    b.hit_for("B-NEW", "fiu-a").await;
    // ... and, once every epoch-2 filter has arrived everywhere, C matches nothing: its
    // tokens are of a key nobody else holds, and the filters it holds are of a key it lacks.
    holds_filters_of(a, &["fiu-b", "fiu-c"], 2).await;
    holds_filters_of(c, &["fiu-a", "fiu-b"], 2).await;
    let epoch2 = |hits: &[fiu_proto::v1::Hit], peer: &str| {
        hits.iter()
            .filter(|h| h.epoch == 2 && (h.peer == peer || h.local_ref.starts_with("C-")))
            .map(|h| (h.local_ref.clone(), h.peer.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        epoch2(&c.hits().await, "fiu-a"),
        vec![],
        "C finds no new hit"
    );
    assert_eq!(epoch2(&a.hits().await, "fiu-c"), vec![], "nobody hits C");
    let probe = c
        .lookup(&account("q", &fresh), "CASE-PROBE")
        .await
        .expect("C's look-up is answered");
    assert!(probe.hits.is_empty(), "C's probes hit nothing: {probe:?}");
    let probe = c
        .lookup(&account("q", &known), "CASE-PROBE")
        .await
        .expect("C's look-up is answered");
    assert!(
        probe.hits.is_empty(),
        "not even what it knew before: {probe:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_restarted_at_a_new_epoch_catches_up_and_never_goes_back() {
    let mut net = Network::start(2).await;
    let a = net.node("fiu-a");
    let refs: Vec<String> = (0..25).map(|i| format!("A-{i}")).collect();
    let subjects: Vec<_> = refs
        .iter()
        .enumerate()
        .map(|(i, r)| account(r, &gb_iban(7200 + i as u32)))
        .collect();
    a.import(&subjects).await;
    let (tokens_before, _) = a.engine().own_filter_stats();
    assert!(tokens_before >= 25);
    let config = a.config.clone();
    net.stop("fiu-a").await;

    // The operator sets epoch 3 and starts the node: the stored subjects are re-tokenised at
    // start, without an import.
    let mut at_3 = config.clone();
    at_3.network.epoch = 3;
    let engine = tokio::task::block_in_place(|| fiu_node::server::open_engine(&at_3))
        .expect("the node starts at epoch 3");
    assert_eq!(engine.epoch(), Epoch(3));
    assert_eq!(
        engine.own_filter_stats().0,
        tokens_before,
        "every token is back"
    );
    assert_eq!(engine.own_snapshot().epoch, Epoch(3));
    assert_eq!(
        engine.store().meta("epoch").unwrap().as_deref(),
        Some("3"),
        "the store records its epoch"
    );
    assert_eq!(audit_of(&engine, "epoch.rotated").len(), 1);
    drop(engine);

    // Going back to a retired epoch is refused with a message saying what to do.
    let e = tokio::task::block_in_place(|| fiu_node::server::open_engine(&config))
        .expect_err("epoch 1 is retired");
    let m = e.to_string();
    assert!(
        m.contains("network.epoch is 1") && m.contains("already at epoch 3"),
        "{m}"
    );
    // Starting again at epoch 3 does no work twice.
    let engine = tokio::task::block_in_place(|| fiu_node::server::open_engine(&at_3))
        .expect("the node starts again");
    assert_eq!(engine.own_filter_stats().0, tokens_before);
    assert_eq!(audit_of(&engine, "epoch.rotated").len(), 1);
}
