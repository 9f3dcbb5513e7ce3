//! What an operator's monitoring sees of real nodes: Prometheus metrics scraped over HTTP
//! from each node's `[metrics] listen` port, and the gRPC health service, as the nodes
//! ingest, exchange filters, find hits, refuse calls and lose and regain a peer.

use std::net::SocketAddr;
use std::time::Duration;

use fiu_node::auth::Role;
use fiu_proto::v1;
use integration_tests::subjects::{account, person, with_passport};
use integration_tests::{Member, Network, PROPAGATION, as_role, eventually};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;

/// A reconnecting node waits up to the peer backoff's 15 s cap between attempts.
const RECONNECT: Duration = Duration::from_secs(40);

const SHARED_IBAN: &str = "GB82WEST12345698765432";

/// Starts `n` nodes, each with a metrics listener on a free loopback port.
async fn network_with_metrics(n: usize) -> Network {
    Network::start_with(n, |_, c| {
        c.metrics.listen = Some("127.0.0.1:0".parse().expect("loopback address"));
    })
    .await
}

/// The status line and body of `GET path` on `addr` (HTTP/1.1, one request per connection).
async fn http_get(addr: SocketAddr, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect(addr)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the metrics port {addr}: {e}"));
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("not an HTTP response: {response}"));
    (head.to_owned(), body.to_owned())
}

/// Sends a plain-text HTTP request to a TLS port and waits until the node hangs up.
async fn knock_without_tls(addr: SocketAddr) {
    let mut stream = TcpStream::connect(addr).await.expect("gRPC port accepts");
    let _ = stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await;
    let mut sink = Vec::new();
    let _ = tokio::time::timeout(PROPAGATION, stream.read_to_end(&mut sink)).await;
}

/// The node's metrics page.
async fn scrape(node: &Member) -> String {
    let addr = node
        .metrics_addr()
        .unwrap_or_else(|| panic!("{} has no metrics listener", node.id));
    let (head, body) = http_get(addr, "/metrics").await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/openmetrics-text"),
        "{head}"
    );
    body
}

/// The value of one series (`name{labels}` exactly as exposed), if present.
fn value(page: &str, series: &str) -> Option<f64> {
    page.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// Waits until `series` at `node` satisfies `ok`; returns its value.
async fn metric_when(node: &Member, series: &str, ok: impl Fn(f64) -> bool) -> f64 {
    eventually(&format!("{}: {series}", node.id), PROPAGATION, || async {
        value(&scrape(node).await, series).filter(|v| ok(*v))
    })
    .await
}

/// The health status of `service` at `node`.
async fn health(node: &Member, service: &str) -> ServingStatus {
    let resp = node
        .health_client()
        .await
        .check(HealthCheckRequest {
            service: service.to_owned(),
        })
        .await
        .unwrap_or_else(|s| panic!("health of {service:?} at {}: {s}", node.id))
        .into_inner();
    ServingStatus::try_from(resp.status).expect("a known serving status")
}

/// Waits until `service` at `node` reports `want`.
async fn health_when(node: &Member, service: &str, want: ServingStatus, timeout: Duration) {
    eventually(
        &format!("{} health {service:?} = {want:?}", node.id),
        timeout,
        || async { (health(node, service).await == want).then_some(()) },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_follow_ingest_peering_hits_lookups_and_refusals() {
    let net = network_with_metrics(2).await;
    let (a, b) = (net.node("fiu-a"), net.node("fiu-b"));

    // Connected peers and their filters, before any data.
    metric_when(a, "fiu_peer_connected{peer=\"fiu-b\"}", |v| v == 1.0).await;
    metric_when(a, "fiu_peer_filter_bytes{peer=\"fiu-b\"}", |v| v > 0.0).await;
    // The storage gauge reads 0 until the first storage check has answered.
    metric_when(a, "fiu_storage_up", |v| v == 1.0).await;
    let page = scrape(a).await;
    assert!(page.contains("fiu_node_info{member=\"fiu-a\""), "{page}");
    assert_eq!(value(&page, "fiu_subjects_stored"), Some(0.0), "{page}");
    assert_eq!(value(&page, "fiu_storage_up"), Some(1.0), "{page}");

    // An import: the counter equals what the summary says, the state gauges follow.
    let summary = a
        .import(&[
            with_passport(
                person("A-IVAN", "Ivan", "Petrov", "1980-03-04"),
                "AB1234567",
                "RU",
            ),
            account("A-ACCOUNT", SHARED_IBAN),
            person("A-ANN", "Ann", "Doe", "1975-01-02"),
        ])
        .await;
    assert_eq!(summary.imported, 3);
    let page = scrape(a).await;
    assert_eq!(
        value(&page, "fiu_subjects_ingested_total{outcome=\"inserted\"}"),
        Some(3.0),
        "{page}"
    );
    assert_eq!(value(&page, "fiu_subjects_stored"), Some(3.0));
    let own_tokens = value(&page, "fiu_own_filter_tokens").expect("own filter tokens");
    assert!(own_tokens > 0.0, "{page}");
    assert!(
        value(
            &page,
            "fiu_probe_duration_seconds_count{trigger=\"ingest\"}"
        ) >= Some(1.0),
        "{page}"
    );

    // B receives A's tokens: its gauge of A's filter reaches A's own count.
    metric_when(b, "fiu_peer_filter_tokens{peer=\"fiu-a\"}", |v| {
        v == own_tokens
    })
    .await;
    let b_page = scrape(b).await;
    assert!(
        value(
            &b_page,
            "fiu_peer_updates_applied_total{peer=\"fiu-a\",kind=\"delta\"}"
        )
        .or(value(
            &b_page,
            "fiu_peer_updates_applied_total{peer=\"fiu-a\",kind=\"snapshot\"}"
        ))
        .is_some_and(|v| v >= 1.0),
        "{b_page}"
    );
    assert!(
        value(&b_page, "fiu_peer_filter_age_seconds{peer=\"fiu-a\"}").is_some(),
        "{b_page}"
    );

    // B shares the account: a strong hit at B against A, counted once.
    b.import(&[account("B-ACCOUNT", SHARED_IBAN)]).await;
    b.hit_for("B-ACCOUNT", "fiu-a").await;
    metric_when(
        b,
        "fiu_hits_recorded_total{peer=\"fiu-a\",strength=\"strong\"}",
        |v| v == 1.0,
    )
    .await;

    // A look-up that hits and one that does not, each counted and timed (once A holds B's
    // account, which its own hit shows).
    a.hit_for("A-ACCOUNT", "fiu-b").await;
    let found = a
        .lookup(&account("Q-1", SHARED_IBAN), "CASE-1")
        .await
        .expect("look-up answered");
    assert_eq!(found.hits.len(), 1, "{found:?}");
    let missed = a
        .lookup(&person("Q-2", "Nobody", "Known", "1901-01-01"), "CASE-2")
        .await
        .expect("look-up answered");
    assert!(missed.hits.is_empty(), "{missed:?}");
    let page = scrape(a).await;
    assert_eq!(
        value(&page, "fiu_lookups_total{outcome=\"hit\"}"),
        Some(1.0)
    );
    assert_eq!(
        value(&page, "fiu_lookups_total{outcome=\"no_hit\"}"),
        Some(1.0)
    );
    assert_eq!(value(&page, "fiu_lookup_duration_seconds_count"), Some(2.0));

    // A call in the wrong role is refused, and counted by service and code.
    let refused = a
        .ingest_client()
        .await
        .delete(as_role(
            v1::DeleteRequest {
                local_refs: vec!["A-ANN".into()],
                reason: "not mine to delete".into(),
            },
            Role::Investigator,
            "alice",
        ))
        .await
        .expect_err("an investigator may not delete");
    assert_eq!(refused.code(), tonic::Code::PermissionDenied);
    let page = scrape(a).await;
    assert_eq!(
        value(
            &page,
            "fiu_refused_calls_total{service=\"fiu.v1.Ingest\",code=\"permission_denied\"}"
        ),
        Some(1.0),
        "{page}"
    );
    // The operator's deletion is counted as a request; the subject leaves the gauge.
    a.delete(&["A-ANN"]).await;
    let page = scrape(a).await;
    assert_eq!(
        value(&page, "fiu_subjects_deleted_total{cause=\"request\"}"),
        Some(1.0)
    );
    assert_eq!(value(&page, "fiu_subjects_stored"), Some(2.0));

    // Every call so far came over mutual TLS; a client that does not speak TLS is refused at
    // the handshake, before any gRPC status exists, and counted there.
    let grpc_addr: SocketAddr = a
        .endpoint()
        .split_once("://")
        .map(|(_, host)| host.to_owned())
        .expect("an endpoint URL")
        .parse()
        .expect("a socket address");
    let accepted = value(&page, "fiu_tls_handshakes_total{outcome=\"accepted\"}");
    assert!(accepted.is_some_and(|v| v >= 1.0), "{page}");
    let refused_before =
        value(&page, "fiu_tls_handshakes_total{outcome=\"refused\"}").unwrap_or(0.0);
    knock_without_tls(grpc_addr).await;
    metric_when(a, "fiu_tls_handshakes_total{outcome=\"refused\"}", |v| {
        v == refused_before + 1.0
    })
    .await;

    // No user name, local reference or subject value appears on the page.
    for secret in [
        "alice",
        "olga",
        "A-IVAN",
        "B-ACCOUNT",
        "Petrov",
        SHARED_IBAN,
    ] {
        assert!(!page.contains(secret), "{secret} appears in the metrics");
    }

    // Other paths are not metrics.
    let (head, _) = http_get(a.metrics_addr().unwrap(), "/").await;
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reports_a_lost_peer_apart_from_the_node_and_its_return() {
    let mut net = network_with_metrics(2).await;
    {
        let a = net.node("fiu-a");
        assert_eq!(health(a, "").await, ServingStatus::Serving);
        assert_eq!(health(a, "fiu.v1.Ingest").await, ServingStatus::Serving);
        health_when(a, "fiu.peers", ServingStatus::Serving, PROPAGATION).await;
        health_when(a, "fiu.peers.fiu-b", ServingStatus::Serving, PROPAGATION).await;
    }

    net.stop("fiu-b").await;
    {
        let a = net.node("fiu-a");
        health_when(a, "fiu.peers", ServingStatus::NotServing, PROPAGATION).await;
        health_when(a, "fiu.peers.fiu-b", ServingStatus::NotServing, PROPAGATION).await;
        // The node itself still serves local work.
        assert_eq!(health(a, "").await, ServingStatus::Serving);
        assert_eq!(
            health(a, "fiu.v1.Investigator").await,
            ServingStatus::Serving
        );
        metric_when(a, "fiu_peer_connected{peer=\"fiu-b\"}", |v| v == 0.0).await;
        metric_when(a, "fiu_peer_reconnects_total{peer=\"fiu-b\"}", |v| v >= 1.0).await;
        // The last filter of the peer is still held, and still reported.
        assert!(
            value(&scrape(a).await, "fiu_peer_filter_bytes{peer=\"fiu-b\"}")
                .is_some_and(|v| v > 0.0)
        );
    }

    net.restart("fiu-b").await;
    let a = net.node("fiu-a");
    health_when(a, "fiu.peers.fiu-b", ServingStatus::Serving, RECONNECT).await;
    health_when(a, "fiu.peers", ServingStatus::Serving, PROPAGATION).await;
    metric_when(a, "fiu_peer_connected{peer=\"fiu-b\"}", |v| v == 1.0).await;
    // The restarted node reports too, on its new metrics port.
    let b = net.node("fiu-b");
    metric_when(b, "fiu_peer_connected{peer=\"fiu-a\"}", |v| v == 1.0).await;
}
