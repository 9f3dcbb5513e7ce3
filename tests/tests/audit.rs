//! The signed audit log across real nodes: what an auditor gets from the audit API, what the
//! offline verifier makes of it, and what the witnesses catch when an operator rewrites or
//! truncates a node's history behind its back.

use ed25519_dalek::VerifyingKey;
use fiu_audit::{
    Entry, Hash32, LeafIndex, SignedTreeHead, TreeHead, TreeSize, Verifier, verify_consistency,
    verify_inclusion,
};
use fiu_node::auth::Role;
use fiu_proto::v1;
use integration_tests::network::Member;
use integration_tests::subjects::{account, gb_iban, person};
use integration_tests::{Network, PROPAGATION, as_role, eventually};
use tokio_stream::StreamExt;
use tonic::{Code, Request};

/// The auditor's user name.
const AUDITOR: &str = "ada";

fn as_auditor<T>(msg: T) -> Request<T> {
    as_role(msg, Role::Auditor, AUDITOR)
}

fn key_of(node: &Member) -> VerifyingKey {
    node.engine().public_key().verifying_key()
}

fn head_of(m: &v1::SignedTreeHead) -> SignedTreeHead {
    fiu_node::audit_log::head_from_message(m).expect("the node sends well-formed heads")
}

/// Signs a head now at `node` and returns it.
async fn sign_now(node: &Member) -> SignedTreeHead {
    let m = node
        .audit_client()
        .await
        .get_tree_head(as_auditor(v1::GetTreeHeadRequest {
            sign_now: true,
            log_id: String::new(),
        }))
        .await
        .expect("the auditor gets a head")
        .into_inner();
    head_of(&m)
}

/// Waits until every one of `witnesses` countersigned a head of `node` of `size` or larger
/// (the head loop has the latest head witnessed, which may be newer than the one asked for).
async fn witnessed(node: &Member, size: u64, witnesses: &[&str]) {
    eventually(
        &format!(
            "{}'s head {size} (or later) countersigned by {witnesses:?}",
            node.id
        ),
        PROPAGATION,
        || async {
            let list = node
                .audit_client()
                .await
                .list_countersignatures(as_auditor(v1::ListCountersignaturesRequest {
                    from_size: size,
                    to_size: 0,
                }))
                .await
                .ok()?
                .into_inner()
                .countersignatures;
            witnesses
                .iter()
                .all(|w| list.iter().any(|c| c.witness == *w))
                .then_some(())
        },
    )
    .await;
}

/// The whole export of `node`'s log (a head is signed first).
async fn export(node: &Member) -> Vec<u8> {
    let mut stream = node
        .audit_client()
        .await
        .export(as_auditor(v1::ExportRequest {
            from_seq: 0,
            to_seq: 0,
            sign_now: true,
        }))
        .await
        .expect("the auditor may export")
        .into_inner();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        bytes.extend_from_slice(&chunk.expect("export chunk").data);
    }
    bytes
}

async fn entries(node: &Member, filter: v1::ListEntriesRequest) -> Vec<v1::AuditEntry> {
    node.audit_client()
        .await
        .list_entries(as_auditor(filter))
        .await
        .expect("the auditor may list entries")
        .into_inner()
        .entries
}

fn of_kind(kind: &str) -> v1::ListEntriesRequest {
    v1::ListEntriesRequest {
        kind: kind.into(),
        ..Default::default()
    }
}

mod export {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_nodes_log_verifies_offline_with_its_witnesses_and_holds_no_raw_data() {
        let net = Network::start(3).await;
        let ids = ["fiu-a", "fiu-b", "fiu-c"];
        let (a, b) = (net.node("fiu-a"), net.node("fiu-b"));
        a.import(&[person("a-1", "Ivan", "Petrov", "1980-03-04")])
            .await;
        b.import(&[person("b-1", "Ivan", "Petrov", "1980-03-04")])
            .await;
        a.hits_when("the shared person hits", |h| !h.is_empty())
            .await;
        a.lookup(&person("q-1", "Ivan", "Petrov", "1980-03-04"), "CASE-77")
            .await
            .expect("look-up");

        for id in ids {
            let node = net.node(id);
            let head = sign_now(node).await;
            let others: Vec<&str> = ids.iter().copied().filter(|w| *w != id).collect();
            witnessed(node, head.head.size.get(), &others).await;
        }
        for id in ids {
            let node = net.node(id);
            let file = export(node).await;
            let mut verifier = Verifier::new(key_of(node));
            for w in ids.iter().filter(|w| **w != id) {
                verifier = verifier.witness(w, key_of(net.node(w)));
            }
            let v = verifier
                .verify(&file)
                .unwrap_or_else(|e| panic!("{id}'s export does not verify: {e}"));
            assert_eq!(v.log_id, id);
            assert!(v.unchecked_countersignatures.is_empty());
            let witnessed_heads = v.heads.iter().filter(|h| h.witnessed_by.len() == 2).count();
            assert!(witnessed_heads >= 1, "{id}: {:?}", v.heads);
            let text = String::from_utf8(file).expect("UTF-8");
            for kind in ["node.started", "filter.snapshot_published"] {
                assert!(text.contains(kind), "{id}'s log has no {kind}");
            }
            // Tokens and references only: no name of anybody's subject in any log.
            assert!(!text.contains("Petrov") && !text.contains("Ivan"), "{id}");
        }
        let text = String::from_utf8(export(a).await).unwrap();
        for kind in [
            "ingest.batch",
            "hit.recorded",
            "lookup",
            "filter.snapshot_received",
        ] {
            assert!(text.contains(kind), "fiu-a's log has no {kind}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn inclusion_and_consistency_proofs_from_the_server_verify_offline() {
        let net = Network::start(1).await;
        let a = net.node("fiu-a");
        let key = key_of(a);
        a.import(&[account("acc-1", &gb_iban(1))]).await;
        let first = sign_now(a).await;
        a.import(&[account("acc-2", &gb_iban(2)), account("acc-3", &gb_iban(3))])
            .await;
        a.lookup(&account("q", &gb_iban(9)), "CASE-1")
            .await
            .unwrap();
        let second = sign_now(a).await;
        assert!(second.head.size > first.head.size);
        second
            .verify(&key)
            .expect("the head is signed by the node's key");

        let mut client = a.audit_client().await;
        for seq in [1, first.head.size.get(), second.head.size.get()] {
            let p = client
                .get_inclusion_proof(as_auditor(v1::InclusionProofRequest {
                    seq,
                    tree_size: second.head.size.get(),
                }))
                .await
                .expect("inclusion proof")
                .into_inner();
            let e = p.entry.expect("entry");
            let entry = Entry {
                seq: e.seq,
                at_ms: e.at_ms,
                kind: e.kind,
                actor: e.actor,
                detail: e.detail,
            };
            assert_eq!(entry.leaf_hash().as_bytes().as_slice(), e.leaf_hash);
            let head = head_of(&p.head.expect("head"));
            head.verify(&key).expect("signed head");
            let path = hashes(&p.path);
            verify_inclusion(
                &entry.leaf_hash(),
                LeafIndex::new(seq - 1),
                head.head.size,
                &path,
                &head.head.root,
            )
            .unwrap_or_else(|e| panic!("entry {seq}: {e}"));
            // The same proof for a changed entry fails.
            let changed = Entry {
                actor: "mallory".into(),
                ..entry
            };
            assert!(
                verify_inclusion(
                    &changed.leaf_hash(),
                    LeafIndex::new(seq - 1),
                    head.head.size,
                    &path,
                    &head.head.root
                )
                .is_err()
            );
        }

        let c = client
            .get_consistency_proof(as_auditor(v1::ConsistencyProofRequest {
                old_size: first.head.size.get(),
                new_size: second.head.size.get(),
            }))
            .await
            .expect("consistency proof")
            .into_inner();
        let proof = hashes(&c.proof);
        verify_consistency(
            first.head.size,
            second.head.size,
            &first.head.root,
            &second.head.root,
            &proof,
        )
        .expect("the newer head extends the older");
        let forged = Hash32::from_bytes([7; 32]);
        assert!(
            verify_consistency(
                first.head.size,
                second.head.size,
                &forged,
                &second.head.root,
                &proof
            )
            .is_err()
        );

        let beyond = client
            .get_inclusion_proof(as_auditor(v1::InclusionProofRequest {
                seq: second.head.size.get() + 50,
                tree_size: second.head.size.get(),
            }))
            .await
            .unwrap_err();
        assert_eq!(beyond.code(), Code::OutOfRange, "{beyond:?}");
        let unsigned = client
            .get_consistency_proof(as_auditor(v1::ConsistencyProofRequest {
                old_size: 1,
                new_size: second.head.size.get() + 1000,
            }))
            .await
            .unwrap_err();
        assert_eq!(unsigned.code(), Code::NotFound, "{unsigned:?}");
    }

    fn hashes(list: &[Vec<u8>]) -> Vec<Hash32> {
        list.iter()
            .map(|b| Hash32::from_bytes(b.as_slice().try_into().expect("32 bytes")))
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn entries_are_found_by_kind_actor_case_reference_and_in_pages() {
        let net = Network::start(1).await;
        let a = net.node("fiu-a");
        a.lookup(&account("q1", &gb_iban(1)), "CASE-7")
            .await
            .unwrap();
        a.lookup(&account("q2", &gb_iban(2)), "CASE-8")
            .await
            .unwrap();
        let by_case = entries(
            a,
            v1::ListEntriesRequest {
                case_reference: "CASE-7".into(),
                ..Default::default()
            },
        )
        .await;
        assert_eq!(by_case.len(), 1, "{by_case:?}");
        assert_eq!(by_case[0].kind, "lookup");
        assert_eq!(by_case[0].actor, integration_tests::network::INVESTIGATOR);
        let detail: serde_json::Value = serde_json::from_str(&by_case[0].detail).unwrap();
        assert_eq!(
            detail["purpose"],
            "check whether the subject is known abroad"
        );
        assert_eq!(entries(a, of_kind("lookup")).await.len(), 2);
        let by_actor = entries(
            a,
            v1::ListEntriesRequest {
                actor: integration_tests::network::INVESTIGATOR.into(),
                ..Default::default()
            },
        )
        .await;
        assert!(
            by_actor
                .iter()
                .all(|e| e.actor == integration_tests::network::INVESTIGATOR)
        );

        // Pages of two cover the whole log once, in order.
        let all = entries(a, v1::ListEntriesRequest::default()).await;
        let mut paged = Vec::new();
        let mut from = 1;
        while from != 0 {
            let page = a
                .audit_client()
                .await
                .list_entries(as_auditor(v1::ListEntriesRequest {
                    from_seq: from,
                    page_size: 2,
                    ..Default::default()
                }))
                .await
                .unwrap()
                .into_inner();
            assert!(page.entries.len() <= 2);
            paged.extend(page.entries.into_iter().map(|e| e.seq));
            from = page.next_from_seq;
        }
        let all: Vec<u64> = all.iter().map(|e| e.seq).collect();
        assert!(paged.starts_with(&all), "{paged:?} vs {all:?}");
    }
}

mod roles {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn auditors_only_read_the_log_investigators_cannot_and_every_refusal_is_logged() {
        let net = Network::start(1).await;
        let a = net.node("fiu-a");

        let batch = v1::UpsertBatch {
            source: "test".into(),
            subjects: vec![],
        };
        let e = a
            .ingest_client()
            .await
            .upsert(as_auditor(tokio_stream::iter(vec![batch])))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied, "{e:?}");
        let e = a
            .investigator_client()
            .await
            .list_hits(as_auditor(v1::ListHitsRequest::default()))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied, "{e:?}");

        let as_investigator = |m| {
            as_role(
                m,
                Role::Investigator,
                integration_tests::network::INVESTIGATOR,
            )
        };
        let e = a
            .audit_client()
            .await
            .list_entries(as_investigator(v1::ListEntriesRequest::default()))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied, "{e:?}");
        let e = a
            .audit_client()
            .await
            .export(as_role(
                v1::ExportRequest::default(),
                Role::Investigator,
                "alice",
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied, "{e:?}");
        let e = a
            .audit_client()
            .await
            .get_tree_head(Request::new(v1::GetTreeHeadRequest::default()))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::Unauthenticated, "{e:?}");

        let refused = entries(a, of_kind("call.refused")).await;
        let seen: Vec<(String, String)> = refused
            .iter()
            .map(|e| {
                let d: serde_json::Value = serde_json::from_str(&e.detail).unwrap();
                (e.actor.clone(), d["method"].as_str().unwrap().to_owned())
            })
            .collect();
        for (actor, method) in [
            (AUDITOR, "/fiu.v1.Ingest/Upsert"),
            (AUDITOR, "/fiu.v1.Investigator/ListHits"),
            ("alice", "/fiu.v1.Audit/ListEntries"),
            ("alice", "/fiu.v1.Audit/Export"),
            ("unknown", "/fiu.v1.Audit/GetTreeHead"),
        ] {
            assert!(
                seen.contains(&(actor.to_owned(), method.to_owned())),
                "no refusal of {actor} calling {method} in {seen:?}"
            );
        }
    }
}

mod witnessing {
    use super::*;

    /// Runs `sql` on a stopped node's database, as an operator with file access could.
    fn tamper(node: &Member, sql: &str) {
        let conn = rusqlite::Connection::open(node.config.database_path()).expect("open db");
        conn.execute_batch(sql).expect("tamper");
    }

    /// The head of `log`'s log that `witness` countersigned, as an auditor fetches it.
    async fn witnessed_head(witness: &Member, log: &str) -> SignedTreeHead {
        let m = witness
            .audit_client()
            .await
            .get_tree_head(as_auditor(v1::GetTreeHeadRequest {
                sign_now: false,
                log_id: log.into(),
            }))
            .await
            .expect("the witness holds a head")
            .into_inner();
        head_of(&m)
    }

    /// B's log with entries, a head of it countersigned by A, and that head as the auditor
    /// fetched it from A.
    async fn witnessed_network() -> (Network, SignedTreeHead) {
        let net = Network::start(2).await;
        let b = net.node("fiu-b");
        b.import(&[account("b-1", &gb_iban(1)), account("b-2", &gb_iban(2))])
            .await;
        b.import(&[account("b-3", &gb_iban(3))]).await;
        let head = sign_now(b).await;
        witnessed(b, head.head.size.get(), &["fiu-a"]).await;
        // A holds the head it countersigned (or a newer one B's head loop signed since).
        let held = witnessed_head(net.node("fiu-a"), "fiu-b").await;
        assert!(held.head.size >= head.head.size, "{held:?} vs {head:?}");
        held.verify(&key_of(b)).expect("signed by B");
        (net, held)
    }

    async fn refusals_at(a: &Member) -> Vec<String> {
        entries(a, of_kind("audit.witness_refused"))
            .await
            .into_iter()
            .filter(|e| e.actor == "fiu-b")
            .map(|e| e.detail)
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_truncated_log_is_refused_by_the_witness_and_caught_against_its_head() {
        let (mut net, held) = witnessed_network().await;
        let n = held.head.size.get();
        net.stop("fiu-b").await;
        tamper(
            net.node("fiu-b"),
            &format!(
                "DROP TRIGGER audit_events_no_delete;
                 DELETE FROM audit_events WHERE seq > {};
                 DELETE FROM audit_nodes;
                 DELETE FROM tree_heads WHERE log_id = 'fiu-b';
                 DELETE FROM countersignatures;",
                n - 3
            ),
        );
        net.restart("fiu-b").await;
        let (a, b) = (net.node("fiu-a"), net.node("fiu-b"));

        let refusals = eventually("A refuses B's shorter head", PROPAGATION, || async {
            let r = refusals_at(a).await;
            (!r.is_empty()).then_some(r)
        })
        .await;
        assert!(refusals[0].contains("truncated"), "{refusals:?}");

        let file = export(b).await;
        // On its own the rewritten log is self-consistent and verifies ...
        Verifier::new(key_of(b))
            .verify(&file)
            .expect("self-consistent");
        // ... but not against the head the witness holds.
        let err = Verifier::new(key_of(b))
            .known_head(held)
            .verify(&file)
            .expect_err("truncation is caught");
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("known tree head at size {n}")),
            "{msg}"
        );
        assert!(
            msg.contains("truncated") || msg.contains("changed"),
            "{msg}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_rewritten_entry_is_refused_by_the_witness_and_caught_against_its_head() {
        let (mut net, held) = witnessed_network().await;
        let n = held.head.size.get();
        net.stop("fiu-b").await;
        tamper(
            net.node("fiu-b"),
            "DROP TRIGGER audit_events_no_update;
             UPDATE audit_events SET actor = 'nobody' WHERE seq = 2;
             DELETE FROM audit_nodes;
             DELETE FROM tree_heads WHERE log_id = 'fiu-b';
             DELETE FROM countersignatures;",
        );
        net.restart("fiu-b").await;
        let (a, b) = (net.node("fiu-a"), net.node("fiu-b"));

        let refusals = eventually("A refuses B's rewritten head", PROPAGATION, || async {
            let r = refusals_at(a).await;
            (!r.is_empty()).then_some(r)
        })
        .await;
        assert!(refusals[0].contains("rewritten"), "{refusals:?}");

        let file = export(b).await;
        let err = Verifier::new(key_of(b))
            .known_head(held)
            .verify(&file)
            .expect_err("the rewrite is caught");
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("known tree head at size {n}")),
            "{msg}"
        );
        assert!(msg.contains(&format!("entries 1..={n}")), "{msg}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_forged_or_foreign_head_is_refused_and_the_forgery_logged() {
        let net = Network::start(2).await;
        let a = net.node("fiu-a");
        let b_head = {
            let b = net.node("fiu-b");
            let h = sign_now(b).await;
            witnessed(b, h.head.size.get(), &["fiu-a"]).await;
            h
        };
        let mut peering = a.peering_client().await;
        let as_b = |m| as_role(m, Role::Peer, "fiu-b");

        // A head "of B" signed by some other key.
        let forger = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
        let forged = TreeHead {
            size: TreeSize::new(b_head.head.size.get() + 5),
            ..b_head.head.clone()
        }
        .sign(&forger);
        let e = peering
            .witness(as_b(v1::WitnessRequest {
                head: Some(fiu_node::audit_log::head_message(&forged)),
                from_size: b_head.head.size.get(),
                consistency_proof: vec![],
            }))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument, "{e:?}");
        assert!(e.message().contains("signature"), "{e:?}");
        let refusals = refusals_at(a).await;
        assert_eq!(refusals.len(), 1, "{refusals:?}");

        // B asking A to countersign a head of C's log.
        let foreign = TreeHead {
            log_id: "fiu-c".into(),
            ..b_head.head.clone()
        }
        .sign(&forger);
        let e = peering
            .witness(as_b(v1::WitnessRequest {
                head: Some(fiu_node::audit_log::head_message(&foreign)),
                from_size: 0,
                consistency_proof: vec![],
            }))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied, "{e:?}");

        // A head that B really signed, larger than the one A countersigned: the proof must
        // start at A's last countersigned size, and must hold.
        // (B's head loop may have had a newer head countersigned since: start from A's.)
        let b_head = witnessed_head(a, "fiu-b").await;
        let b_identity = net.node("fiu-b").engine().identity();
        let larger = TreeHead {
            size: TreeSize::new(b_head.head.size.get() + 1000),
            root: Hash32::from_bytes([1; 32]),
            ..b_head.head.clone()
        };
        let signature = b_identity.sign(&larger.signed_bytes());
        let larger = SignedTreeHead {
            head: larger,
            signature: ed25519_dalek::Signature::from_slice(&signature).unwrap(),
        };
        let e = peering
            .witness(as_b(v1::WitnessRequest {
                head: Some(fiu_node::audit_log::head_message(&larger)),
                from_size: 1,
                consistency_proof: vec![],
            }))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition, "{e:?}");
        assert!(
            e.message()
                .contains(&format!("must start at size {}", b_head.head.size)),
            "{e:?}"
        );
        let e = peering
            .witness(as_b(v1::WitnessRequest {
                head: Some(fiu_node::audit_log::head_message(&larger)),
                from_size: b_head.head.size.get(),
                consistency_proof: vec![vec![2; 32]],
            }))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument, "{e:?}");
        assert!(e.message().contains("not consistent"), "{e:?}");
        assert_eq!(refusals_at(a).await.len(), 2);
    }
}
