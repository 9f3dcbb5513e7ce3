//! Abuse limits on a running node: an investigator over quota is refused with a clear
//! RESOURCE_EXHAUSTED and an audit event (`call.refused`) while others are still answered, the node's own
//! quota bounds all investigators together, and a peer flooding follow-up requests is cut off
//! without affecting the other peers.

use fiu_node::auth::Role;
use fiu_node::engine::Engine;
use fiu_proto::v1;
use integration_tests::subjects::{account, gb_iban};
use integration_tests::{Member, Network, as_role};
use tonic::Code;

/// (actor, detail) of the audited refusals of calls over a quota.
fn audit_quota_refusals(engine: &Engine) -> Vec<(String, String)> {
    engine
        .store()
        .audit_events(1, u64::MAX)
        .expect("audit events")
        .into_iter()
        .filter(|e| e.event.kind == "call.refused" && e.event.detail.contains("ResourceExhausted"))
        .map(|e| (e.event.actor, e.event.detail))
        .collect()
}

/// One look-up by `user`.
async fn lookup_as(m: &Member, user: &str) -> Result<v1::LookupResponse, tonic::Status> {
    let req = v1::LookupRequest {
        subject: Some(v1::Subject::from(&account("q", &gb_iban(8001)))),
        case_reference: "CASE-Q".into(),
        purpose: "quota test".into(),
    };
    m.investigator_client()
        .await
        .lookup(as_role(req, Role::Investigator, user))
        .await
        .map(|r| r.into_inner())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_investigator_over_quota_is_refused_and_others_are_answered() {
    let net = Network::start_with(2, |_, config| {
        config.limits.lookups_per_minute_per_user = 3;
        config.limits.lookups_per_minute_node = 5;
    })
    .await;
    let a = net.node("fiu-a");
    for i in 0..3 {
        lookup_as(a, "alice")
            .await
            .unwrap_or_else(|s| panic!("look-up {i} within quota refused: {s}"));
    }
    let refused = lookup_as(a, "alice").await.expect_err("the 4th look-up");
    assert_eq!(refused.code(), Code::ResourceExhausted);
    let m = refused.message();
    assert!(
        m.contains("3 per minute")
            && m.contains("limits.lookups_per_minute_per_user")
            && m.contains("retry in 20 s"),
        "{m}"
    );
    // Another investigator is still answered ...
    lookup_as(a, "bob").await.expect("bob is within his quota");
    lookup_as(a, "bob").await.expect("bob is within his quota");
    // ... until the node's quota (5 a minute, alice's 3 and bob's 2) is used up for everyone.
    let node_refused = lookup_as(a, "carol").await.expect_err("node quota");
    assert_eq!(node_refused.code(), Code::ResourceExhausted);
    assert!(
        node_refused
            .message()
            .contains("limits.lookups_per_minute_node"),
        "{}",
        node_refused.message()
    );

    // Each refusal is audited, naming the caller and the quota, with nothing of the subject.
    let audited = audit_quota_refusals(a.engine());
    assert_eq!(audited.len(), 2, "{audited:?}");
    assert!(audited[0].0.contains("alice"), "{audited:?}");
    assert!(
        audited[0].1.contains("Investigator/Lookup"),
        "{}",
        audited[0].1
    );
    assert!(
        audited[0].1.contains("limits.lookups_per_minute_per_user"),
        "{}",
        audited[0].1
    );
    assert!(audited[1].0.contains("carol"), "{audited:?}");
    assert!(audited.iter().all(|(_, d)| !d.contains(&gb_iban(8001))));

    // The node keeps serving what is not a look-up.
    a.import(&[account("A-1", &gb_iban(8002))]).await;
    assert!(a.hits().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_flooding_follow_ups_is_cut_off_and_others_are_not() {
    let net = Network::start_with(3, |_, config| {
        config.limits.follow_ups_per_minute_per_peer = 2;
    })
    .await;
    let a = net.node("fiu-a");
    // Garbage follow-up requests: the quota counts them before anything else is checked.
    let flood = |peer: &'static str| async move {
        a.peering_client()
            .await
            .submit_follow_up(as_role(
                v1::SignedFollowUpRequest {
                    request_id: "flood".into(),
                    ..Default::default()
                },
                Role::Peer,
                peer,
            ))
            .await
    };
    for _ in 0..2 {
        let s = flood("fiu-b")
            .await
            .expect_err("an unsigned request is refused");
        assert_ne!(s.code(), Code::ResourceExhausted, "{s}");
    }
    let s = flood("fiu-b").await.expect_err("over quota");
    assert_eq!(s.code(), Code::ResourceExhausted);
    assert!(
        s.message()
            .contains("limits.follow_ups_per_minute_per_peer"),
        "{}",
        s.message()
    );
    // fiu-c has its own quota: its request is examined (and refused for what it is).
    let s = flood("fiu-c")
        .await
        .expect_err("an unsigned request is refused");
    assert_ne!(s.code(), Code::ResourceExhausted, "{s}");
    let audited = audit_quota_refusals(a.engine());
    assert_eq!(audited.len(), 1, "{audited:?}");
    assert!(audited[0].0.contains("fiu-b"), "{audited:?}");
    assert!(audited[0].1.contains("SubmitFollowUp"));
}
