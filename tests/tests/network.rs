//! Real nodes on loopback ports, each with its own SQLite store, exchanging filters and
//! follow-ups over gRPC: what an operator and an investigator see across the network.
//!
//! One test binary; the modules group the tests by what the user is doing.

use std::collections::BTreeSet;

use fiu_proto::v1;
use integration_tests::subjects::{account, entity, gb_iban, person, with_passport};
use integration_tests::{Network, PROPAGATION};

/// A shared IBAN, written compactly.
const SHARED_IBAN: &str = "GB82WEST12345698765432";
/// The same IBAN as another FIU writes it: grouped, lower case.
const SHARED_IBAN_GROUPED: &str = "gb82 west 1234 5698 7654 32";
/// Another valid IBAN.
const OTHER_IBAN: &str = "DE89370400440532013000";
/// A valid LEI.
const LEI: &str = "5493001KJTIIGC8Y1R12";

/// (local_ref, peer) of every hit, sorted.
fn hit_pairs(hits: &[v1::Hit]) -> Vec<(String, String)> {
    let mut v: Vec<_> = hits
        .iter()
        .map(|h| (h.local_ref.clone(), h.peer.clone()))
        .collect();
    v.sort();
    v
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<_> = expected
        .iter()
        .map(|(r, p)| (r.to_string(), p.to_string()))
        .collect();
    v.sort();
    v
}

fn state(f: &v1::FollowUp) -> v1::FollowUpState {
    v1::FollowUpState::try_from(f.state).expect("a known follow-up state")
}

fn findings(f: &v1::FollowUp) -> Vec<v1::TokenFinding> {
    f.results
        .iter()
        .map(|r| v1::TokenFinding::try_from(r.finding).expect("a known finding"))
        .collect()
}

mod hits {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hits_appear_at_exactly_the_nodes_that_share_a_subject() {
        let net = Network::start(3).await;
        let (a, b, c) = (net.node("fiu-a"), net.node("fiu-b"), net.node("fiu-c"));

        // A and B know the same man: B writes his name family-first in Cyrillic and his
        // birth date with day and month swapped.
        a.import(&[
            with_passport(
                person("A-IVAN", "Ivan", "Petrov", "1980-03-04"),
                "AB1234567",
                "RU",
            ),
            entity("A-PRIVATE", "Nordwind Trading GmbH", LEI),
        ])
        .await;
        b.import(&[
            person("B-PETROV", "Петров", "Иван", "1980-04-03"),
            account("B-ACCOUNT", SHARED_IBAN),
        ])
        .await;
        // B and C know the same account.
        c.import(&[account("C-ACCOUNT", SHARED_IBAN_GROUPED)]).await;

        let at_a = a.hits_when("the shared person", |h| !h.is_empty()).await;
        let at_b = b
            .hits_when("the person and the account", |h| h.len() >= 2)
            .await;
        let at_c = c.hits_when("the shared account", |h| !h.is_empty()).await;

        assert_eq!(hit_pairs(&at_a), pairs(&[("A-IVAN", "fiu-b")]));
        assert_eq!(
            hit_pairs(&at_b),
            pairs(&[("B-PETROV", "fiu-a"), ("B-ACCOUNT", "fiu-c")])
        );
        assert_eq!(hit_pairs(&at_c), pairs(&[("C-ACCOUNT", "fiu-b")]));

        let person_hit = &at_a[0];
        assert!(
            person_hit.key_kinds.iter().any(|k| k == "person_name_dob"),
            "the name and birth date decided the hit: {:?}",
            person_hit.key_kinds
        );
        assert_eq!(person_hit.strength, v1::Strength::Strong as i32);
        assert!(!person_hit.tokens.is_empty());
        assert_eq!(at_c[0].key_kinds, vec!["iban".to_string()]);

        // Every filter is in place everywhere, and A's private subject still hits nowhere.
        for n in [a, b, c] {
            n.holds_filters_of_all_peers().await;
        }
        assert!(a.hits().await.iter().all(|h| h.local_ref != "A-PRIVATE"));
        assert_eq!(a.hits().await.len(), 1);
        assert_eq!(c.hits().await.len(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_new_subject_becomes_a_hit_at_a_running_peer_within_seconds() {
        let net = Network::start(3).await;
        let (a, b) = (net.node("fiu-a"), net.node("fiu-b"));
        b.import(&[account("B-ACCOUNT", OTHER_IBAN)]).await;
        a.holds_filters_of_all_peers().await;
        b.holds_filters_of_all_peers().await;
        let mut watch = b.watch_hits().await;

        let started = std::time::Instant::now();
        a.import(&[account("A-ACCOUNT", OTHER_IBAN)]).await;
        let hit = tokio::time::timeout(PROPAGATION, watch.message())
            .await
            .expect("B's watch stream yields the hit")
            .expect("the stream stays healthy")
            .expect("the stream stays open");
        let elapsed = started.elapsed();

        assert_eq!(
            (hit.local_ref.as_str(), hit.peer.as_str()),
            ("B-ACCOUNT", "fiu-a")
        );
        assert!(
            elapsed < std::time::Duration::from_secs(5),
            "hit took {elapsed:?} (product goal: 1 s)"
        );
        eprintln!("ingest at fiu-a to hit in fiu-b's WatchHits: {elapsed:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn watching_hits_since_a_time_replays_the_stored_ones_first() {
        let net = Network::start(2).await;
        let (a, b) = (net.node("fiu-a"), net.node("fiu-b"));
        b.import(&[account("B-ACCOUNT", OTHER_IBAN)]).await;
        a.import(&[account("A-ACCOUNT", OTHER_IBAN)]).await;
        let stored = a.hit_for("A-ACCOUNT", "fiu-b").await;

        let filter = v1::HitFilter {
            since: Some(prost_types::Timestamp {
                seconds: 0,
                nanos: 0,
            }),
            ..v1::HitFilter::default()
        };
        let mut watch = a
            .investigator_client()
            .await
            .watch_hits(integration_tests::as_role(
                v1::WatchHitsRequest {
                    filter: Some(filter),
                },
                fiu_node::auth::Role::Investigator,
                "alice",
            ))
            .await
            .expect("WatchHits opens")
            .into_inner();
        let first = tokio::time::timeout(std::time::Duration::from_secs(3), watch.message())
            .await
            .expect("the stored hit comes first")
            .expect("healthy stream")
            .expect("open stream");
        assert_eq!(first.id, stored.id);
    }
}

mod follow_ups {
    use super::*;

    /// A and B share a person (by passport) and an account; returns the network.
    async fn two_nodes_sharing_two_subjects() -> Network {
        let net = Network::start(2).await;
        let (a, b) = (net.node("fiu-a"), net.node("fiu-b"));
        a.import(&[
            with_passport(
                person("A-IVAN", "Ivan", "Petrov", "1980-03-04"),
                "AB1234567",
                "RU",
            ),
            account("A-ACCOUNT", SHARED_IBAN),
        ])
        .await;
        b.import(&[
            with_passport(
                person("B-IVAN", "Ivan", "Petrov", "1980-03-04"),
                "AB1234567",
                "RU",
            ),
            account("B-ACCOUNT", SHARED_IBAN),
            account("B-UNRELATED", OTHER_IBAN),
        ])
        .await;
        net
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_follow_up_reaches_the_peer_and_its_answer_comes_back() {
        let net = two_nodes_sharing_two_subjects().await;
        let (a, b) = (net.node("fiu-a"), net.node("fiu-b"));
        let hit = a.hit_for("A-IVAN", "fiu-b").await;

        let sent = a.request_follow_up(hit.id).await;
        assert_eq!(state(&sent), v1::FollowUpState::Sent, "{sent:?}");
        assert_eq!(sent.peer, "fiu-b");
        assert_eq!(sent.hit_id, hit.id);
        assert!(
            sent.local_refs.is_empty(),
            "A's own refs are not listed on outgoing"
        );

        // B's investigator sees the request against B's own subject.
        let incoming_id = format!("fiu-a/{}", sent.id);
        let incoming = b
            .follow_up_when(&incoming_id, v1::Direction::Incoming, "received", |_| true)
            .await;
        assert_eq!(state(&incoming), v1::FollowUpState::Sent);
        assert_eq!(incoming.peer, "fiu-a");
        assert_eq!(incoming.local_refs, vec!["B-IVAN".to_string()]);
        assert_eq!(incoming.case_reference, "CASE-2025-0042");
        assert!(!incoming.legal_basis.is_empty() && !incoming.purpose.is_empty());
        assert!(findings(&incoming).contains(&v1::TokenFinding::Found));

        let message = "Known here since 2023; please contact our desk under ref. 77/2023";
        let answered = b
            .respond_follow_up(&incoming_id, v1::Decision::Respond, message, true)
            .await;
        assert_eq!(state(&answered), v1::FollowUpState::Responded);
        assert!(answered.error.is_empty(), "delivered: {}", answered.error);

        let back = a
            .follow_up_when(&sent.id, v1::Direction::Outgoing, "responded", |f| {
                state(f) == v1::FollowUpState::Responded
            })
            .await;
        assert_eq!(back.message, message);
        assert_eq!(back.results.len(), hit.tokens.len());
        assert!(
            findings(&back)
                .iter()
                .all(|f| *f == v1::TokenFinding::Found),
            "every hit token is B's: {:?}",
            findings(&back)
        );
        assert!(back.answered.is_some());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_accepted_follow_up_shows_as_accepted_at_the_requester() {
        let net = two_nodes_sharing_two_subjects().await;
        let (a, b) = (net.node("fiu-a"), net.node("fiu-b"));
        let hit = a.hit_for("A-ACCOUNT", "fiu-b").await;
        let sent = a.request_follow_up(hit.id).await;
        let incoming_id = format!("fiu-a/{}", sent.id);
        let incoming = b
            .follow_up_when(&incoming_id, v1::Direction::Incoming, "received", |_| true)
            .await;
        assert_eq!(incoming.local_refs, vec!["B-ACCOUNT".to_string()]);

        b.respond_follow_up(&incoming_id, v1::Decision::Accept, "", true)
            .await;
        let back = a
            .follow_up_when(&sent.id, v1::Direction::Outgoing, "accepted", |f| {
                state(f) == v1::FollowUpState::Accepted
            })
            .await;
        assert_eq!(findings(&back), vec![v1::TokenFinding::Found]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_declined_follow_up_discloses_nothing() {
        let net = two_nodes_sharing_two_subjects().await;
        let (a, b) = (net.node("fiu-a"), net.node("fiu-b"));
        let hit = a.hit_for("A-ACCOUNT", "fiu-b").await;
        let sent = a.request_follow_up(hit.id).await;
        let incoming_id = format!("fiu-a/{}", sent.id);
        b.follow_up_when(&incoming_id, v1::Direction::Incoming, "received", |_| true)
            .await;

        let declined = b
            .respond_follow_up(
                &incoming_id,
                v1::Decision::Decline,
                "no legal basis given for this request",
                false,
            )
            .await;
        assert_eq!(state(&declined), v1::FollowUpState::Declined);

        let back = a
            .follow_up_when(&sent.id, v1::Direction::Outgoing, "declined", |f| {
                state(f) == v1::FollowUpState::Declined
            })
            .await;
        assert_eq!(back.message, "no legal basis given for this request");
        assert!(
            findings(&back)
                .iter()
                .all(|f| !matches!(f, v1::TokenFinding::Found | v1::TokenFinding::NotFound)),
            "a declined answer says nothing about the tokens: {:?}",
            findings(&back)
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_declined_follow_up_shows_its_results_as_withheld() {
        let net = two_nodes_sharing_two_subjects().await;
        let (a, b) = (net.node("fiu-a"), net.node("fiu-b"));
        let hit = a.hit_for("A-ACCOUNT", "fiu-b").await;
        let sent = a.request_follow_up(hit.id).await;
        let incoming_id = format!("fiu-a/{}", sent.id);
        b.follow_up_when(&incoming_id, v1::Direction::Incoming, "received", |_| true)
            .await;
        b.respond_follow_up(&incoming_id, v1::Decision::Decline, "", false)
            .await;
        let back = a
            .follow_up_when(&sent.id, v1::Direction::Outgoing, "declined", |f| {
                state(f) == v1::FollowUpState::Declined
            })
            .await;
        assert_eq!(
            findings(&back),
            vec![v1::TokenFinding::Withheld; hit.tokens.len()],
            "the peer withheld its results; the requester should see that, not `unspecified`"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_bloom_false_positive_comes_back_as_not_found() {
        // B's filter is made to say "maybe" often: a false-positive rate of 0.4 at capacity.
        let net = Network::start_with(2, |id, config| {
            if id == "fiu-b" {
                config.filter.target_fpr = 0.4;
                config.filter.initial_capacity = 10;
            }
        })
        .await;
        let (a, b) = (net.node("fiu-a"), net.node("fiu-b"));
        let held_by_b: Vec<_> = (0..200)
            .map(|i| account(&format!("B-{i}"), &gb_iban(i)))
            .collect();
        b.import(&held_by_b).await;
        // None of A's accounts is B's: every hit at B's filter is false.
        let held_by_a: Vec<_> = (0..60)
            .map(|i| account(&format!("A-{i}"), &gb_iban(10_000_000 + i)))
            .collect();
        a.import(&held_by_a).await;

        let false_hits = a
            .hits_when("false hits at fiu-b's saturated filter", |h| !h.is_empty())
            .await;
        let hit = &false_hits[0];
        assert_eq!(hit.peer, "fiu-b");

        let sent = a.request_follow_up(hit.id).await;
        let back = a
            .follow_up_when(&sent.id, v1::Direction::Outgoing, "not found", |f| {
                state(f) == v1::FollowUpState::NotFound
            })
            .await;
        assert!(
            findings(&back)
                .iter()
                .all(|f| *f == v1::TokenFinding::NotFound),
            "{:?}",
            findings(&back)
        );

        // B's investigator sees it answered automatically, against none of B's subjects.
        let incoming = b
            .follow_up_when(
                &format!("fiu-a/{}", sent.id),
                v1::Direction::Incoming,
                "recorded",
                |_| true,
            )
            .await;
        assert_eq!(state(&incoming), v1::FollowUpState::NotFound);
        assert!(incoming.local_refs.is_empty(), "{:?}", incoming.local_refs);
    }
}

mod resilience {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_restarted_node_catches_up_without_duplicating_hits() {
        let mut net = Network::start(2).await;
        net.node("fiu-a")
            .import(&[account("A-1", SHARED_IBAN)])
            .await;
        net.node("fiu-b")
            .import(&[
                account("B-1", SHARED_IBAN),
                account("B-2", OTHER_IBAN),
                account("B-3", &gb_iban(3)),
            ])
            .await;
        let before = net.node("fiu-b").hit_for("B-1", "fiu-a").await;
        net.node("fiu-a").hit_for("A-1", "fiu-b").await;

        net.stop("fiu-b").await;
        // While B is down, A learns a subject B holds: A sees the hit from B's filter it
        // already holds.
        net.node("fiu-a")
            .import(&[account("A-2", OTHER_IBAN)])
            .await;
        net.node("fiu-a").hit_for("A-2", "fiu-b").await;

        net.restart("fiu-b").await;
        let b = net.node("fiu-b");
        b.hit_for("B-2", "fiu-a").await;
        let hits = b.hits().await;
        assert_eq!(
            hit_pairs(&hits),
            pairs(&[("B-1", "fiu-a"), ("B-2", "fiu-a")]),
            "each hit once"
        );
        let again = hits.iter().find(|h| h.local_ref == "B-1").expect("old hit");
        assert_eq!(again.id, before.id, "the old hit keeps its id");
        assert_eq!(again.first_seen, before.first_seen);

        // And it serves its own filter again: A learns of B-3 from the restarted B.
        net.node("fiu-a")
            .import(&[account("A-3", &gb_iban(3))])
            .await;
        b.hit_for("B-3", "fiu-a").await;
        net.node("fiu-a").hit_for("A-3", "fiu-b").await;
        b.import(&[account("B-4", &gb_iban(4))]).await;
        net.node("fiu-a")
            .import(&[account("A-4", &gb_iban(4))])
            .await;
        net.node("fiu-a").hit_for("A-4", "fiu-b").await;
        let a_hits = net.node("fiu-a").hits().await;
        let unique: BTreeSet<_> = hit_pairs(&a_hits).into_iter().collect();
        assert_eq!(unique.len(), a_hits.len(), "no duplicate hits at A");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_restarted_node_learns_what_a_peer_published_while_it_was_down() {
        let mut net = Network::start(2).await;
        net.node("fiu-b")
            .import(&[account("B-1", SHARED_IBAN)])
            .await;
        net.node("fiu-b").holds_filters_of_all_peers().await;
        net.stop("fiu-b").await;
        net.node("fiu-a")
            .import(&[account("A-1", SHARED_IBAN)])
            .await;
        net.restart("fiu-b").await;
        net.node("fiu-b").hit_for("B-1", "fiu-a").await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_unreachable_peer_does_not_stop_the_others_and_catches_up_when_it_starts() {
        let mut net = Network::start_without(3, &["fiu-c"]).await;
        net.node("fiu-b")
            .import(&[account("B-1", SHARED_IBAN)])
            .await;
        net.node("fiu-a")
            .import(&[
                account("A-1", SHARED_IBAN),
                with_passport(
                    person("A-IVAN", "Ivan", "Petrov", "1980-03-04"),
                    "AB1234567",
                    "RU",
                ),
            ])
            .await;
        net.node("fiu-a").hit_for("A-1", "fiu-b").await;
        net.node("fiu-b").hit_for("B-1", "fiu-a").await;
        let found = net
            .node("fiu-a")
            .lookup(&account("q", SHARED_IBAN), "CASE-7")
            .await
            .expect("look-up answers without fiu-c");
        assert_eq!(found.peers_probed, 1, "only fiu-b's filter is held");

        // C starts late: it fetches what A published before, and A follows C.
        net.restart("fiu-c").await;
        let c = net.node("fiu-c");
        c.import(&[with_passport(
            person("C-IVAN", "Петров", "Иван", "1980-04-03"),
            "AB1234567",
            "RUS",
        )])
        .await;
        c.hit_for("C-IVAN", "fiu-a").await;
        net.node("fiu-a").hit_for("A-IVAN", "fiu-c").await;
        assert_eq!(hit_pairs(&c.hits().await), pairs(&[("C-IVAN", "fiu-a")]));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_stopped_peer_does_not_stop_the_others() {
        let mut net = Network::start(3).await;
        for id in ["fiu-a", "fiu-b", "fiu-c"] {
            net.node(id).holds_filters_of_all_peers().await;
        }
        net.stop("fiu-c").await;

        net.node("fiu-b")
            .import(&[account("B-1", SHARED_IBAN)])
            .await;
        net.node("fiu-a")
            .import(&[account("A-1", SHARED_IBAN)])
            .await;
        net.node("fiu-a").hit_for("A-1", "fiu-b").await;
        net.node("fiu-b").hit_for("B-1", "fiu-a").await;

        // Look-ups still answer from the filters held, C's included.
        let found = net
            .node("fiu-a")
            .lookup(&account("q", SHARED_IBAN), "CASE-7")
            .await
            .expect("look-up answers");
        assert_eq!(found.peers_probed, 2);
        assert_eq!(
            found
                .hits
                .iter()
                .map(|h| h.peer.as_str())
                .collect::<Vec<_>>(),
            vec!["fiu-b"]
        );
    }
}

mod bad_input {
    use super::*;
    use fiu_node::auth::Role;
    use integration_tests::as_role;
    use tonic::Code;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn malformed_subjects_are_refused_by_field_and_the_rest_is_kept() {
        let net = Network::start(2).await;
        let (a, b) = (net.node("fiu-a"), net.node("fiu-b"));
        b.import(&[
            account("B-ACCOUNT", SHARED_IBAN),
            with_passport(
                person("B-IVAN", "Ivan", "Petrov", "1980-03-04"),
                "AB1234567",
                "RU",
            ),
        ])
        .await;

        let no_record = v1::Subject {
            local_ref: "NO-RECORD".into(),
            category: v1::Category::Suspect as i32,
            expires: None,
            record: None,
        };
        let no_key = person("NO-KEY", "Ivan", "Petrov", "sometime in spring");
        let mut bad_email = with_passport(
            person("BAD-EMAIL", "Ivan", "Petrov", "1980-03-04"),
            "AB1234567",
            "RU",
        );
        if let matcher::Record::Person(p) = &mut bad_email.record {
            p.emails.push("ivan.petrov-at-example".into());
        }
        let bad_iban = account("BAD-IBAN", "GB00WEST12345698765432");
        let good = account("GOOD-ACCOUNT", SHARED_IBAN);
        let batch = v1::UpsertBatch {
            source: "test:malformed".into(),
            subjects: vec![
                no_record,
                v1::Subject::from(&no_key),
                v1::Subject::from(&bad_email),
                v1::Subject::from(&bad_iban),
                v1::Subject::from(&good),
            ],
        };
        let summary = a.upsert(vec![batch]).await.expect("the stream is accepted");

        assert_eq!((summary.imported, summary.refused), (2, 3), "{summary:?}");
        let error = |index: u64, field: &str| {
            summary
                .errors
                .iter()
                .find(|e| e.record_index == index && e.field == field)
                .unwrap_or_else(|| {
                    panic!(
                        "no error for record {index} field {field}: {:?}",
                        summary.errors
                    )
                })
        };
        assert!(error(0, "record").record_refused);
        assert_eq!(error(0, "record").local_ref, "NO-RECORD");
        assert!(error(1, "person.birth_date").record_refused);
        assert!(error(1, "person").record_refused);
        let e = error(2, "person.emails[0]");
        assert!(!e.record_refused, "only the e-mail is refused: {e:?}");
        assert!(error(3, "account.iban").record_refused);
        assert!(
            summary.errors.iter().all(|e| e.record_index != 4),
            "the good record has no error"
        );
        assert!(
            summary
                .errors
                .iter()
                .all(|e| !e.reason.contains("GB00WEST") && !e.reason.contains("ivan.petrov")),
            "errors never echo the value: {:?}",
            summary.errors
        );

        // The accepted subjects are stored and shared.
        a.hit_for("GOOD-ACCOUNT", "fiu-b").await;
        a.hit_for("BAD-EMAIL", "fiu-b").await;
        let hits = a.hits().await;
        assert!(
            hits.iter()
                .all(|h| !["NO-KEY", "BAD-IBAN", "NO-RECORD"].contains(&h.local_ref.as_str()))
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_look_up_reports_invalid_values_by_field() {
        let net = Network::start(2).await;
        let (a, b) = (net.node("fiu-a"), net.node("fiu-b"));
        b.import(&[with_passport(
            person("B-IVAN", "Ivan", "Petrov", "1980-03-04"),
            "AB1234567",
            "RU",
        )])
        .await;
        let mut asked = with_passport(
            person("q", "Ivan", "Petrov", "1980-03-04"),
            "AB1234567",
            "RU",
        );
        if let matcher::Record::Person(p) = &mut asked.record {
            p.nationalities.push("Atlantis".into());
        }
        // Until B's delta arrives, A may hold B's empty first snapshot: ask until it hits.
        let answer =
            integration_tests::eventually("A's look-up hits fiu-b", PROPAGATION, || async {
                let r = a.lookup(&asked, "CASE-3").await.expect("look-up answers");
                (!r.hits.is_empty()).then_some(r)
            })
            .await;
        assert_eq!(answer.hits.len(), 1, "the valid keys still hit");
        assert_eq!(
            answer
                .refused
                .iter()
                .map(|e| e.field.as_str())
                .collect::<Vec<_>>(),
            vec!["person.nationalities[0]"]
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_look_up_of_an_unusable_record_is_refused() {
        let net = Network::start(1).await;
        let e = net
            .node("fiu-a")
            .lookup(&account("q", "GB00WEST12345698765432"), "CASE-4")
            .await
            .expect_err("an account whose only identifier is invalid cannot be looked up");
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(e.message().contains("account.iban"), "{}", e.message());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn refused_calls_get_clear_statuses_and_the_node_keeps_serving() {
        let net = Network::start(2).await;
        let (a, b) = (net.node("fiu-a"), net.node("fiu-b"));
        b.import(&[account("B-ACCOUNT", SHARED_IBAN)]).await;
        a.holds_filters_of_all_peers().await;

        // A look-up needs a case reference.
        let e = a
            .lookup(&account("q", SHARED_IBAN), "")
            .await
            .expect_err("no case reference");
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(e.message().contains("case_reference"), "{}", e.message());

        // No identity at all.
        let e = a
            .investigator_client()
            .await
            .list_hits(tonic::Request::new(v1::ListHitsRequest::default()))
            .await
            .expect_err("anonymous");
        assert_eq!(e.code(), Code::Unauthenticated, "{}", e.message());

        // An investigator is not an operator.
        let e = a
            .ingest_client()
            .await
            .delete(as_role(
                v1::DeleteRequest {
                    local_refs: vec!["B-ACCOUNT".into()],
                    reason: "cleanup".into(),
                },
                Role::Investigator,
                "alice",
            ))
            .await
            .expect_err("wrong role");
        assert_eq!(e.code(), Code::PermissionDenied, "{}", e.message());
        let e = a
            .ingest_client()
            .await
            .upsert(as_role(
                tokio_stream::iter(vec![v1::UpsertBatch {
                    source: "test".into(),
                    subjects: vec![v1::Subject::from(&account("X", OTHER_IBAN))],
                }]),
                Role::Investigator,
                "alice",
            ))
            .await
            .expect_err("wrong role");
        assert_eq!(e.code(), Code::PermissionDenied, "{}", e.message());

        // A peer that is not a member of the network gets nothing.
        let e = a
            .peering_client()
            .await
            .get_snapshot(as_role(
                v1::SnapshotRequest { epoch: 1 },
                Role::Peer,
                "fiu-x",
            ))
            .await
            .expect_err("unknown member");
        assert_eq!(e.code(), Code::PermissionDenied, "{}", e.message());
        // A member's node is not an investigator.
        let e = a
            .investigator_client()
            .await
            .list_hits(as_role(v1::ListHitsRequest::default(), Role::Peer, "fiu-b"))
            .await
            .expect_err("peer on the investigator API");
        assert_eq!(e.code(), Code::PermissionDenied, "{}", e.message());

        // Nothing was deleted and the node still finds the hit.
        a.import(&[account("A-ACCOUNT", SHARED_IBAN)]).await;
        a.hit_for("A-ACCOUNT", "fiu-b").await;
        let found = a
            .lookup(&account("q", SHARED_IBAN), "CASE-1")
            .await
            .expect("look-up answers");
        assert_eq!(found.hits.len(), 1);
    }
}

mod deletion {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_deleted_subject_stops_matching_at_the_peer() {
        let net = Network::start(2).await;
        let (a, b) = (net.node("fiu-a"), net.node("fiu-b"));
        b.import(&[
            account("B-GONE", SHARED_IBAN),
            account("B-KEPT", OTHER_IBAN),
        ])
        .await;
        a.import(&[account("A-ACCOUNT", SHARED_IBAN)]).await;
        a.hit_for("A-ACCOUNT", "fiu-b").await;
        let before = a.held_sequence_of("fiu-b").expect("A holds B's filter");

        let summary = b.delete(&["B-GONE", "NEVER-THERE"]).await;
        assert_eq!(summary.deleted, 1);
        assert_eq!(summary.not_found, vec!["NEVER-THERE".to_string()]);

        // B publishes a new snapshot; A replaces the filter it holds.
        integration_tests::eventually(
            "A holds B's snapshot after the deletion",
            PROPAGATION,
            || async { (a.held_sequence_of("fiu-b") > Some(before)).then_some(()) },
        )
        .await;
        let gone = a
            .lookup(&account("q", SHARED_IBAN), "CASE-9")
            .await
            .expect("look-up answers");
        assert_eq!(gone.peers_probed, 1);
        assert!(gone.hits.is_empty(), "deleted at B: {:?}", gone.hits);
        let kept = a
            .lookup(&account("q", OTHER_IBAN), "CASE-9")
            .await
            .expect("look-up answers");
        assert_eq!(kept.hits.len(), 1, "B's other subjects still match");
    }
}

mod shutdown {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_lone_node_stops_and_restarts_on_its_data() {
        let mut net = Network::start(1).await;
        let subjects = [
            account("A-1", SHARED_IBAN),
            entity("A-2", "Nordwind Trading GmbH", LEI),
        ];
        assert_eq!(net.node("fiu-a").import(&subjects).await.imported, 2);
        net.stop("fiu-a").await;
        net.restart("fiu-a").await;
        let again = net.node("fiu-a").import(&subjects).await;
        assert_eq!(
            (again.imported, again.unchanged),
            (0, 2),
            "the subjects survived the restart"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_node_stops_promptly_while_its_peers_follow_it() {
        let mut net = Network::start(2).await;
        net.node("fiu-a").holds_filters_of_all_peers().await;
        // fiu-a's subscription to fiu-b's StreamUpdates is open: stopping fiu-b must end it.
        net.stop("fiu-b").await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_node_stops_promptly_while_an_investigator_watches_hits() {
        let mut net = Network::start(1).await;
        let mut watch = net.node("fiu-a").watch_hits().await;
        net.stop("fiu-a").await;
        let end = tokio::time::timeout(PROPAGATION, watch.message())
            .await
            .expect("the watch stream ends when the node stops");
        match end {
            Ok(None) => {}
            Err(status) => assert_eq!(status.code(), tonic::Code::Unavailable, "{status}"),
            Ok(Some(hit)) => panic!("no hit expected: {hit:?}"),
        }
    }
}

mod sharing_policy {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_node_shares_its_filter_only_with_the_members_its_policy_names() {
        // B shares with C only; A still shares with everyone.
        let net = Network::start_with(3, |id, config| {
            if id == "fiu-b" {
                config.policy.share_with = vec!["fiu-c".to_owned()];
            }
        })
        .await;
        let (a, b, c) = (net.node("fiu-a"), net.node("fiu-b"), net.node("fiu-c"));
        b.import(&[account("B-ACCOUNT", SHARED_IBAN)]).await;
        a.import(&[account("A-ACCOUNT", SHARED_IBAN_GROUPED)]).await;
        c.import(&[account("C-ACCOUNT", SHARED_IBAN)]).await;

        // C holds B's filter and sees the hit; B sees hits against A and C.
        c.hits_when("C's hit against B", |h| h.iter().any(|h| h.peer == "fiu-b"))
            .await;
        b.hits_when("B's hits against A and C", |h| h.len() >= 2)
            .await;
        // A is refused B's filter: it never holds it, so it hits only C.
        let at_a = a.hits_when("A's hit against C", |h| !h.is_empty()).await;
        assert_eq!(hit_pairs(&at_a), pairs(&[("A-ACCOUNT", "fiu-c")]));
        assert_eq!(
            a.held_sequence_of("fiu-b"),
            None,
            "A must not hold B's filter"
        );

        // Asked directly, B refuses A by name.
        let mut client = a.peering_client().await;
        let err = client
            .get_snapshot(integration_tests::as_role(
                v1::SnapshotRequest { epoch: 1 },
                fiu_node::auth::Role::Peer,
                "fiu-a",
            ))
            .await
            .expect_err("B does not share with A");
        assert_eq!(err.code(), tonic::Code::PermissionDenied);
        assert!(err.message().contains("fiu-a"), "{}", err.message());
    }
}
