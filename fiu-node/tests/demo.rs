//! The demo tour end to end, on smaller data: three real nodes, the hits it promises, the
//! follow-up round trip and the statistics.

use fiu_node::demo::{DemoOptions, expected_hits, run};
use fiu_proto::v1;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_shows_every_expected_hit_and_a_follow_up_round_trip() {
    let report = run(DemoOptions {
        dir: None,
        background: 300,
        keep_running: false,
        verbose: true,
    })
    .await
    .expect("the demo runs");
    let expected = expected_hits();
    let missing: Vec<_> = expected.difference(&report.hits).collect();
    assert!(missing.is_empty(), "hits missing: {missing:?}");
    assert!(
        !report.hits.iter().any(|(_, r, _)| r == "DE-STR-1005"),
        "the subject only fiu-de holds must hit nowhere"
    );
    assert_eq!(report.follow_up_state, Some(v1::FollowUpState::Responded));
    assert!(
        report.follow_up_message.contains("FR-DS-2001"),
        "{}",
        report.follow_up_message
    );
    assert_eq!(
        report.audit_verified,
        ["fiu-de", "fiu-fr", "fiu-gr"],
        "every node's log verifies offline, countersigned by both others"
    );
    let de_fr = report
        .statistics
        .iter()
        .find(|(n, p, _)| n == "fiu-de" && p == "fiu-fr")
        .map(|(_, _, h)| *h);
    assert!(
        de_fr.is_some_and(|h| h >= 2),
        "statistics: {:?}",
        report.statistics
    );
}
