//! The node's health as the standard `grpc.health.v1.Health` service reports it, kept current
//! by one background task ([`Monitor`]).
//!
//! - `""` (the node) and each gRPC service name (`fiu.v1.Ingest`, ...): `SERVING` while the
//!   store answers a read; `NOT_SERVING` once a check fails or takes longer than
//!   [`STORAGE_CHECK_TIMEOUT`]. A node without its store can do nothing useful.
//! - [`PEERS_SERVICE`] (`fiu.peers`): `SERVING` while the update subscription to every
//!   configured peer is open (always, with no peers); `NOT_SERVING` while any is down.
//! - `fiu.peers.MEMBER` for each configured peer ([`peer_service`]): that peer alone.
//!
//! Peer state has its own names on purpose: a node whose peers are all down still serves
//! local ingest, hits against the filters it holds and look-ups, so it must stay ready and
//! alive for its orchestrator. Monitoring asks `fiu.peers` (or reads `fiu_peer_connected`).
//! The peers' state comes from the metrics ([`Metrics::peer_connected`]), which the
//! subscriptions keep: one source for both.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

use crate::metrics::Metrics;
use crate::store::Store;

/// Health name of the state of every peer together.
pub const PEERS_SERVICE: &str = "fiu.peers";

/// How often the store is checked.
pub const STORAGE_CHECK_INTERVAL: Duration = Duration::from_secs(15);

/// A store read slower than this counts as a failure: the store's own busy timeout is 5 s.
pub const STORAGE_CHECK_TIMEOUT: Duration = Duration::from_secs(10);

/// How often the peers' connection state is copied into the health service. Reading it costs
/// a few atomic loads.
pub const PEER_CHECK_INTERVAL: Duration = Duration::from_millis(500);

/// Health name of one peer's state: `fiu.peers.MEMBER`.
pub fn peer_service(member: &str) -> String {
    format!("{PEERS_SERVICE}.{member}")
}

/// A blocking check of the store: `Err` says why it failed.
pub type StorageCheck = Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

/// The check the node uses: one point read of the store's metadata (cheap, and it needs a
/// working connection and a readable database).
pub fn store_check(store: Arc<dyn Store>) -> StorageCheck {
    Arc::new(move || {
        store
            .meta("schema_version")
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
}

fn status(up: bool) -> ServingStatus {
    if up {
        ServingStatus::Serving
    } else {
        ServingStatus::NotServing
    }
}

/// A store check in flight, and when it started.
struct Check {
    started: Instant,
    task: JoinHandle<Result<(), String>>,
}

/// Keeps a [`HealthReporter`] current; see the module doc.
pub struct Monitor {
    reporter: HealthReporter,
    metrics: Arc<Metrics>,
    member: String,
    check: StorageCheck,
    services: Vec<&'static str>,
    peers: Vec<String>,
    interval: Duration,
    timeout: Duration,
}

impl Monitor {
    /// A monitor of node `member` that checks storage with `check` for `""` and `services`,
    /// and reports `peers` from `metrics`.
    pub fn new(
        reporter: HealthReporter,
        member: &str,
        metrics: Arc<Metrics>,
        check: StorageCheck,
        services: Vec<&'static str>,
        peers: Vec<String>,
    ) -> Monitor {
        Monitor {
            reporter,
            metrics,
            member: member.to_owned(),
            check,
            services,
            peers,
            interval: STORAGE_CHECK_INTERVAL,
            timeout: STORAGE_CHECK_TIMEOUT,
        }
    }

    /// Other storage check timing than [`STORAGE_CHECK_INTERVAL`] and
    /// [`STORAGE_CHECK_TIMEOUT`] (tests).
    pub fn with_storage_timing(mut self, interval: Duration, timeout: Duration) -> Monitor {
        self.interval = interval;
        self.timeout = timeout;
        self
    }

    /// Runs until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let member = &self.member;
        let mut storage: Option<bool> = None;
        let mut check: Option<Check> = None;
        let mut next_check = Instant::now();
        let mut peer_state: HashMap<String, bool> = HashMap::new();
        let mut all_peers: Option<bool> = None;
        loop {
            // Storage: start a check when due and none is running; read it when done.
            if check.is_none() && Instant::now() >= next_check {
                let f = self.check.clone();
                check = Some(Check {
                    started: Instant::now(),
                    task: tokio::task::spawn_blocking(move || f()),
                });
                next_check = Instant::now() + self.interval;
            }
            let outcome = match &mut check {
                Some(c) if c.task.is_finished() => {
                    let r = match (&mut c.task).await {
                        Ok(r) => r,
                        Err(e) => Err(format!("storage check task failed: {e}")),
                    };
                    check = None;
                    Some(r)
                }
                // A hung check stays in flight (no second one piles up behind it) but already
                // counts as a failure.
                Some(c) if c.started.elapsed() > self.timeout => Some(Err(format!(
                    "the store did not answer within {:?}",
                    self.timeout
                ))),
                _ => None,
            };
            if let Some(result) = outcome {
                let up = result.is_ok();
                self.metrics.set_storage_up(up);
                if storage != Some(up) {
                    match &result {
                        Ok(()) if storage.is_some() => {
                            tracing::info!(%member, "storage check passes again: SERVING")
                        }
                        Ok(()) => {}
                        Err(reason) => {
                            tracing::error!(%member, %reason, "storage check failed: NOT_SERVING")
                        }
                    }
                    storage = Some(up);
                    self.reporter.set_service_status("", status(up)).await;
                    for s in &self.services {
                        self.reporter.set_service_status(*s, status(up)).await;
                    }
                }
            }

            // Peers: copy the subscription state, logging each change.
            let mut every = true;
            for peer in &self.peers {
                let up = self.metrics.peer_connected(peer);
                every &= up;
                if peer_state.get(peer) != Some(&up) {
                    if up {
                        tracing::info!(%member, %peer, "peer reachable");
                    } else if peer_state.contains_key(peer) {
                        tracing::warn!(%member, %peer, "peer unreachable: health {} NOT_SERVING", peer_service(peer));
                    }
                    peer_state.insert(peer.clone(), up);
                    self.reporter
                        .set_service_status(peer_service(peer), status(up))
                        .await;
                }
            }
            if all_peers != Some(every) {
                all_peers = Some(every);
                self.reporter
                    .set_service_status(PEERS_SERVICE, status(every))
                    .await;
            }

            // Wake for the peers, for the next storage check, and just after a check in
            // flight passes its deadline (so a hung store is reported even when the check
            // takes longer than the peer interval), whichever comes first.
            let now = Instant::now();
            let mut wake = now + PEER_CHECK_INTERVAL;
            match &check {
                Some(c) => {
                    let deadline = c.started + self.timeout + Duration::from_millis(1);
                    if deadline > now {
                        wake = wake.min(deadline);
                    }
                }
                None => wake = wake.min(next_check.max(now)),
            }
            tokio::select! {
                _ = tokio::time::sleep_until(wake.into()) => {}
                _ = shutdown.wait_for(|s| *s) => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU8, Ordering};

    use tonic::Request;
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_server::Health;
    use tonic_health::server::HealthService;

    use super::*;

    const FAST: Duration = Duration::from_millis(50);

    /// Storage modes of the test check.
    const ANSWERS: u8 = 0;
    const FAILS: u8 = 1;
    const HANGS: u8 = 2;

    async fn status_of(health: &HealthService, service: &str) -> ServingStatus {
        let r = health
            .check(Request::new(HealthCheckRequest {
                service: service.to_owned(),
            }))
            .await
            .expect("a known service")
            .into_inner();
        match r.status {
            1 => ServingStatus::Serving,
            2 => ServingStatus::NotServing,
            other => panic!("status {other} of {service:?}"),
        }
    }

    /// Polls `service` until it reports `want` (at most 30 s: CI machines are busy).
    async fn becomes(health: &HealthService, service: &str, want: ServingStatus) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if health
                .check(Request::new(HealthCheckRequest {
                    service: service.to_owned(),
                }))
                .await
                .is_ok()
                && status_of(health, service).await == want
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{service:?} never became {want:?}"
            );
            tokio::time::sleep(FAST).await;
        }
    }

    #[tokio::test]
    async fn storage_and_each_peer_are_reported_apart() {
        let (reporter, _) = tonic_health::server::health_reporter();
        let health = HealthService::from_health_reporter(reporter.clone());
        let metrics = Arc::new(Metrics::new("fiu-a", &["fiu-b".to_owned()]));
        let mode = Arc::new(AtomicU8::new(ANSWERS));
        let m = mode.clone();
        let check: StorageCheck = Arc::new(move || match m.load(Ordering::SeqCst) {
            ANSWERS => Ok(()),
            FAILS => Err("disk I/O error".into()),
            _ => {
                std::thread::sleep(Duration::from_secs(2));
                Ok(())
            }
        });
        let (stop, shutdown) = watch::channel(false);
        let task = tokio::spawn(
            Monitor::new(
                reporter,
                "fiu-a",
                metrics.clone(),
                check,
                vec!["fiu.v1.Ingest"],
                vec!["fiu-b".to_owned()],
            )
            .with_storage_timing(FAST, Duration::from_millis(200))
            .run(shutdown),
        );

        becomes(&health, "", ServingStatus::Serving).await;
        becomes(&health, "fiu.v1.Ingest", ServingStatus::Serving).await;
        // fiu-b has not connected yet.
        becomes(&health, "fiu.peers", ServingStatus::NotServing).await;
        becomes(&health, "fiu.peers.fiu-b", ServingStatus::NotServing).await;
        metrics.set_peer_connected("fiu-b", true);
        becomes(&health, "fiu.peers.fiu-b", ServingStatus::Serving).await;
        becomes(&health, "fiu.peers", ServingStatus::Serving).await;

        // The store fails: the node and its services stop serving; peers are unaffected.
        mode.store(FAILS, Ordering::SeqCst);
        becomes(&health, "", ServingStatus::NotServing).await;
        becomes(&health, "fiu.v1.Ingest", ServingStatus::NotServing).await;
        assert_eq!(
            status_of(&health, "fiu.peers").await,
            ServingStatus::Serving
        );
        assert!(
            metrics
                .render(&Default::default())
                .contains("fiu_storage_up 0")
        );

        mode.store(ANSWERS, Ordering::SeqCst);
        becomes(&health, "", ServingStatus::Serving).await;
        assert!(
            metrics
                .render(&Default::default())
                .contains("fiu_storage_up 1")
        );

        // A store that stops answering in time counts as failed while it hangs.
        mode.store(HANGS, Ordering::SeqCst);
        becomes(&health, "", ServingStatus::NotServing).await;
        mode.store(ANSWERS, Ordering::SeqCst);
        becomes(&health, "", ServingStatus::Serving).await;

        // A lost peer: only its names change.
        metrics.set_peer_connected("fiu-b", false);
        becomes(&health, "fiu.peers", ServingStatus::NotServing).await;
        assert_eq!(status_of(&health, "").await, ServingStatus::Serving);

        stop.send(true).unwrap();
        task.await.unwrap();
    }

    #[test]
    fn peer_names_extend_the_peers_name() {
        assert_eq!(peer_service("fiu-b"), "fiu.peers.fiu-b");
    }
}
