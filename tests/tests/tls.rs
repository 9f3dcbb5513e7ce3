//! Mutual TLS and roles: every RPC called with every role, and the certificates a node must
//! refuse (another CA's, an expired one, a member the manifest does not list, a member
//! certificate the manifest does not pin, another member's user), each with a clear error,
//! an audit entry or a counted handshake refusal, while the node keeps serving the others.

use fiu_node::auth::Role;
use fiu_node::identities::{ClientCert, IdentityChannel};
use fiu_node::pki::{self, Authority, Profile, Validity};
use fiu_node::store::AuditQuery;
use fiu_proto::v1::{
    self, audit_client::AuditClient, ingest_client::IngestClient,
    investigator_client::InvestigatorClient, peering_client::PeeringClient,
};
use integration_tests::network::INVESTIGATOR;
use integration_tests::{Member, Network, as_role};
use tonic::{Code, Status};

/// The role each RPC needs, by full method name.
const RPCS: [(&str, Role); 22] = [
    ("/fiu.v1.Ingest/Upsert", Role::Operator),
    ("/fiu.v1.Ingest/Delete", Role::Operator),
    ("/fiu.v1.Investigator/Lookup", Role::Investigator),
    ("/fiu.v1.Investigator/ListHits", Role::Investigator),
    ("/fiu.v1.Investigator/WatchHits", Role::Investigator),
    ("/fiu.v1.Investigator/RequestFollowUp", Role::Investigator),
    ("/fiu.v1.Investigator/RespondFollowUp", Role::Investigator),
    ("/fiu.v1.Investigator/ListFollowUps", Role::Investigator),
    ("/fiu.v1.Investigator/WatchFollowUps", Role::Investigator),
    ("/fiu.v1.Investigator/GetStatistics", Role::Investigator),
    ("/fiu.v1.Peering/GetSnapshot", Role::Peer),
    ("/fiu.v1.Peering/StreamUpdates", Role::Peer),
    ("/fiu.v1.Peering/SubmitFollowUp", Role::Peer),
    ("/fiu.v1.Peering/SubmitFollowUpAnswer", Role::Peer),
    ("/fiu.v1.Peering/LatestWitnessed", Role::Peer),
    ("/fiu.v1.Peering/Witness", Role::Peer),
    ("/fiu.v1.Audit/ListEntries", Role::Auditor),
    ("/fiu.v1.Audit/GetTreeHead", Role::Auditor),
    ("/fiu.v1.Audit/GetInclusionProof", Role::Auditor),
    ("/fiu.v1.Audit/GetConsistencyProof", Role::Auditor),
    ("/fiu.v1.Audit/ListCountersignatures", Role::Auditor),
    ("/fiu.v1.Audit/Export", Role::Auditor),
];

/// The caller name used for each role: a local user, or member fiu-b for the peer role.
fn name_of(role: Role) -> &'static str {
    match role {
        Role::Operator => "olga",
        Role::Investigator => "alice",
        Role::Auditor => "audrey",
        Role::Peer => "fiu-b",
    }
}

/// Calls `rpc` at `node` as `role` with a minimal message: `Ok` when the call was answered,
/// else its status (a refusal, or the service's verdict on the empty message).
async fn call(node: &Member, rpc: &str, role: Role) -> Result<(), Status> {
    let n = name_of(role);
    let mut ingest: IngestClient<_> = node.ingest_client().await;
    let mut inv: InvestigatorClient<_> = node.investigator_client().await;
    let mut peer: PeeringClient<_> = node.peering_client().await;
    let mut audit: AuditClient<_> = node.audit_client().await;
    match rpc {
        "/fiu.v1.Ingest/Upsert" => ingest
            .upsert(as_role(
                tokio_stream::iter(Vec::<v1::UpsertBatch>::new()),
                role,
                n,
            ))
            .await
            .map(drop),
        "/fiu.v1.Ingest/Delete" => ingest
            .delete(as_role(
                v1::DeleteRequest {
                    local_refs: vec!["NOPE".into()],
                    reason: "matrix".into(),
                },
                role,
                n,
            ))
            .await
            .map(drop),
        "/fiu.v1.Investigator/Lookup" => inv
            .lookup(as_role(v1::LookupRequest::default(), role, n))
            .await
            .map(drop),
        "/fiu.v1.Investigator/ListHits" => inv
            .list_hits(as_role(v1::ListHitsRequest::default(), role, n))
            .await
            .map(drop),
        "/fiu.v1.Investigator/WatchHits" => inv
            .watch_hits(as_role(v1::WatchHitsRequest::default(), role, n))
            .await
            .map(drop),
        "/fiu.v1.Investigator/RequestFollowUp" => inv
            .request_follow_up(as_role(v1::RequestFollowUpRequest::default(), role, n))
            .await
            .map(drop),
        "/fiu.v1.Investigator/RespondFollowUp" => inv
            .respond_follow_up(as_role(v1::RespondFollowUpRequest::default(), role, n))
            .await
            .map(drop),
        "/fiu.v1.Investigator/ListFollowUps" => inv
            .list_follow_ups(as_role(v1::ListFollowUpsRequest::default(), role, n))
            .await
            .map(drop),
        "/fiu.v1.Investigator/WatchFollowUps" => inv
            .watch_follow_ups(as_role(v1::WatchFollowUpsRequest::default(), role, n))
            .await
            .map(drop),
        "/fiu.v1.Investigator/GetStatistics" => inv
            .get_statistics(as_role(v1::StatisticsRequest::default(), role, n))
            .await
            .map(drop),
        "/fiu.v1.Peering/GetSnapshot" => peer
            .get_snapshot(as_role(v1::SnapshotRequest { epoch: 1 }, role, n))
            .await
            .map(drop),
        "/fiu.v1.Peering/StreamUpdates" => peer
            .stream_updates(as_role(v1::UpdatesRequest::default(), role, n))
            .await
            .map(drop),
        "/fiu.v1.Peering/SubmitFollowUp" => peer
            .submit_follow_up(as_role(v1::SignedFollowUpRequest::default(), role, n))
            .await
            .map(drop),
        "/fiu.v1.Peering/SubmitFollowUpAnswer" => peer
            .submit_follow_up_answer(as_role(v1::SignedFollowUpAnswer::default(), role, n))
            .await
            .map(drop),
        "/fiu.v1.Peering/LatestWitnessed" => peer
            .latest_witnessed(as_role(v1::LatestWitnessedRequest::default(), role, n))
            .await
            .map(drop),
        "/fiu.v1.Peering/Witness" => peer
            .witness(as_role(v1::WitnessRequest::default(), role, n))
            .await
            .map(drop),
        "/fiu.v1.Audit/ListEntries" => audit
            .list_entries(as_role(v1::ListEntriesRequest::default(), role, n))
            .await
            .map(drop),
        "/fiu.v1.Audit/GetTreeHead" => audit
            .get_tree_head(as_role(v1::GetTreeHeadRequest::default(), role, n))
            .await
            .map(drop),
        "/fiu.v1.Audit/GetInclusionProof" => audit
            .get_inclusion_proof(as_role(v1::InclusionProofRequest::default(), role, n))
            .await
            .map(drop),
        "/fiu.v1.Audit/GetConsistencyProof" => audit
            .get_consistency_proof(as_role(v1::ConsistencyProofRequest::default(), role, n))
            .await
            .map(drop),
        "/fiu.v1.Audit/ListCountersignatures" => audit
            .list_countersignatures(as_role(
                v1::ListCountersignaturesRequest::default(),
                role,
                n,
            ))
            .await
            .map(drop),
        "/fiu.v1.Audit/Export" => audit
            .export(as_role(v1::ExportRequest::default(), role, n))
            .await
            .map(drop),
        other => panic!("the matrix does not know {other}"),
    }
}

/// The `call.refused` audit entries of `node` for `rpc`.
fn refusals(node: &Member, rpc: &str) -> Vec<serde_json::Value> {
    node.engine()
        .store()
        .list_audit_events(&AuditQuery {
            kind: Some("call.refused".into()),
            limit: 10_000,
            ..AuditQuery::default()
        })
        .expect("audit events")
        .into_iter()
        .map(|e| serde_json::from_str::<serde_json::Value>(&e.event.detail).expect("JSON detail"))
        .filter(|d| d["method"] == rpc)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rpc_admits_exactly_its_own_role() {
    let net = Network::start(2).await;
    let a = net.node("fiu-a");
    let mut table = Vec::new();
    for (rpc, needs) in RPCS {
        for role in Role::ALL {
            let outcome = call(a, rpc, role).await;
            let code = outcome.as_ref().err().map(Status::code);
            if role == needs {
                assert!(
                    !matches!(code, Some(Code::PermissionDenied | Code::Unauthenticated)),
                    "{rpc} must admit the {} role: {outcome:?}",
                    role.as_str()
                );
            } else {
                let e = outcome.expect_err("wrong role");
                assert_eq!(
                    e.code(),
                    Code::PermissionDenied,
                    "{rpc} as {}: {}",
                    role.as_str(),
                    e.message()
                );
                assert!(
                    e.message().contains(needs.as_str()) && e.message().contains(role.as_str()),
                    "the refusal names the needed and the actual role: {}",
                    e.message()
                );
            }
            table.push((rpc, role, code));
        }
        // Every refusal of this RPC is in the audit log, with the caller's role.
        let audited = refusals(a, rpc);
        let denied: Vec<_> = audited
            .iter()
            .filter(|d| d["code"] == "PermissionDenied")
            .collect();
        assert_eq!(denied.len(), 3, "{rpc}: {audited:?}");
    }
    assert_eq!(table.len(), 22 * 4);
}

/// A channel to `node` that presents `cert` for every call as `role`/`name`.
fn channel_with(node: &Member, role: Role, name: &str, cert: ClientCert) -> IdentityChannel {
    IdentityChannel::new(&node.endpoint(), Some(node.server_tls()))
        .expect("endpoint")
        .with_identity(role, name, &cert)
        .expect("TLS settings")
}

fn client_cert(issued: pki::IssuedCert) -> ClientCert {
    ClientCert {
        cert_pem: issued.cert_pem,
        key_pem: issued.key_pem,
    }
}

fn investigator_of(ca: &Authority, validity: Validity) -> ClientCert {
    client_cert(
        ca.issue(
            &Profile::User {
                role: Role::Investigator,
                name: INVESTIGATOR.into(),
            },
            validity,
        )
        .expect("certificate"),
    )
}

/// An error and its causes, for asserting on what a client sees.
fn chain(e: &Status) -> String {
    let mut text = format!("{}: {}", e.code(), e.message());
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(&format!(": {c}"));
        cause = c.source();
    }
    text
}

/// A refused handshake reaches the client as a failed connection, not as a gRPC answer
/// (the node logs the exact reason: unknown issuer, expired ...).
fn assert_handshake_refused(e: &Status) {
    assert!(
        matches!(
            e.code(),
            Code::Unavailable | Code::Cancelled | Code::Unknown
        ),
        "a transport failure, not an answer: {}",
        chain(e)
    );
}

/// The node still answers its own investigator.
async fn still_serves(node: &Member) {
    node.investigator_client()
        .await
        .list_hits(as_role(
            v1::ListHitsRequest::default(),
            Role::Investigator,
            INVESTIGATOR,
        ))
        .await
        .expect("the node keeps serving its own investigator");
}

/// Calls ListHits through `channel` as the investigator.
async fn list_hits(channel: IdentityChannel) -> Result<(), Status> {
    InvestigatorClient::new(channel)
        .list_hits(as_role(
            v1::ListHitsRequest::default(),
            Role::Investigator,
            INVESTIGATOR,
        ))
        .await
        .map(drop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_the_node_does_not_trust_fail_the_handshake_and_are_counted() {
    let net = Network::start(2).await;
    let a = net.node("fiu-a");
    let now = Validity::starting_now(pki::LEAF_VALIDITY);
    let before = a.tls_stats().refused();

    // Another CA, with the same name as the network's own users CA.
    let other = Authority::generate(&pki::users_ca_name("fiu-a"), now).expect("CA");
    let e = list_hits(channel_with(
        a,
        Role::Investigator,
        INVESTIGATOR,
        investigator_of(&other, now),
    ))
    .await
    .expect_err("a certificate from another CA");
    assert_handshake_refused(&e);
    still_serves(a).await;

    // The node's own users CA, but expired yesterday.
    let yesterday = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    let expired = Validity {
        not_before: yesterday - time::Duration::days(30),
        not_after: yesterday,
    };
    let users_ca = &a.pki().users_cas["fiu-a"];
    let e = list_hits(channel_with(
        a,
        Role::Investigator,
        INVESTIGATOR,
        investigator_of(users_ca, expired),
    ))
    .await
    .expect_err("an expired certificate");
    assert_handshake_refused(&e);
    still_serves(a).await;

    // An investigator of member B is nobody at A: A trusts only its own users CA.
    let e = list_hits(channel_with(
        a,
        Role::Investigator,
        INVESTIGATOR,
        investigator_of(&a.pki().users_cas["fiu-b"], now),
    ))
    .await
    .expect_err("another member's user");
    assert_handshake_refused(&e);
    still_serves(a).await;

    assert!(
        a.tls_stats().refused() >= before + 3,
        "each refused handshake is counted: {} then {}",
        before,
        a.tls_stats().refused()
    );
    // B still follows A: peers were not disturbed.
    net.node("fiu-b").holds_filters_of_all_peers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identities_the_manifest_does_not_vouch_for_get_clear_statuses_and_audit_entries() {
    let net = Network::start(2).await;
    let a = net.node("fiu-a");
    let now = Validity::starting_now(pki::LEAF_VALIDITY);
    let snapshot = "/fiu.v1.Peering/GetSnapshot";

    // A member certificate from the network CA for a member the manifest does not list.
    let stranger = client_cert(
        a.pki()
            .network_ca
            .issue(
                &Profile::Member {
                    id: "fiu-x".into(),
                    hosts: vec![],
                },
                now,
            )
            .expect("certificate"),
    );
    let e = PeeringClient::new(channel_with(a, Role::Peer, "fiu-x", stranger))
        .get_snapshot(as_role(
            v1::SnapshotRequest { epoch: 1 },
            Role::Peer,
            "fiu-x",
        ))
        .await
        .expect_err("not a member");
    assert_eq!(e.code(), Code::PermissionDenied, "{}", e.message());
    assert!(
        e.message().contains("fiu-x") && e.message().contains("not in the network manifest"),
        "{}",
        e.message()
    );

    // A second certificate for a listed member: the manifest pins another one.
    let impostor = client_cert(
        a.pki()
            .network_ca
            .issue(
                &Profile::Member {
                    id: "fiu-b".into(),
                    hosts: vec![],
                },
                now,
            )
            .expect("certificate"),
    );
    let e = PeeringClient::new(channel_with(a, Role::Peer, "fiu-b", impostor))
        .get_snapshot(as_role(
            v1::SnapshotRequest { epoch: 1 },
            Role::Peer,
            "fiu-b",
        ))
        .await
        .expect_err("not the pinned certificate");
    assert_eq!(e.code(), Code::Unauthenticated, "{}", e.message());
    assert!(
        e.message().contains("fiu-b") && e.message().contains("pins"),
        "{}",
        e.message()
    );

    // No client certificate at all.
    let anonymous = IdentityChannel::new(&a.endpoint(), Some(a.server_tls())).expect("endpoint");
    let e = InvestigatorClient::new(anonymous)
        .list_hits(tonic::Request::new(v1::ListHitsRequest::default()))
        .await
        .expect_err("anonymous");
    assert_eq!(e.code(), Code::Unauthenticated, "{}", e.message());
    assert!(
        e.message().contains("no client certificate"),
        "{}",
        e.message()
    );

    // A real peer on the investigator API.
    let e = a
        .investigator_client()
        .await
        .list_hits(as_role(v1::ListHitsRequest::default(), Role::Peer, "fiu-b"))
        .await
        .expect_err("peer on the investigator API");
    assert_eq!(e.code(), Code::PermissionDenied, "{}", e.message());
    assert!(e.message().contains("investigator role"), "{}", e.message());

    // Each refusal is in the audit log.
    let at_snapshot = refusals(a, snapshot);
    assert!(
        at_snapshot.iter().any(|d| d["code"] == "PermissionDenied"
            && d["message"].as_str().is_some_and(|m| m.contains("fiu-x"))),
        "{at_snapshot:?}"
    );
    assert!(
        at_snapshot.iter().any(|d| d["code"] == "Unauthenticated"),
        "{at_snapshot:?}"
    );
    let at_list = refusals(a, "/fiu.v1.Investigator/ListHits");
    assert!(
        at_list.iter().any(|d| d["code"] == "Unauthenticated"),
        "{at_list:?}"
    );
    assert!(
        at_list
            .iter()
            .any(|d| d["code"] == "PermissionDenied" && d["role"] == "peer"),
        "{at_list:?}"
    );

    // The node keeps serving its investigator and its real peer.
    still_serves(a).await;
    net.node("fiu-b").holds_filters_of_all_peers().await;
    let auditor = a
        .audit_client()
        .await
        .get_tree_head(as_role(
            v1::GetTreeHeadRequest::default(),
            Role::Auditor,
            "audrey",
        ))
        .await;
    assert!(
        !matches!(
            auditor.as_ref().map_err(Status::code),
            Err(Code::PermissionDenied | Code::Unauthenticated)
        ),
        "{auditor:?}"
    );
}
