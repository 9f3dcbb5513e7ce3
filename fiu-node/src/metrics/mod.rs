//! The node's Prometheus metrics: what it ingests, holds, publishes and receives, the hits it
//! finds, how long probes and look-ups take, its peers' connection state, and the calls it
//! refuses. docs/OPERATIONS.md lists every family with the alert it suggests.
//!
//! # Layout
//!
//! - this module: [`Metrics`], one registry and every family, with a method per event the
//!   rest of the node reports;
//! - [`http`]: the `[metrics] listen` HTTP listener that serves `/metrics`;
//! - [`refusals`]: a tower layer around the gRPC server that counts refused calls.
//!
//! # Design
//!
//! - **One registry per node**, owned by its [`Engine`](crate::engine::Engine), never a
//!   process-global recorder: the demo and the tests run three nodes in one process, and each
//!   must report its own figures.
//! - **Events are counted where they happen; state is read when scraped.** Counters and
//!   histograms move on the hot paths (once per batch, hit or call, never per token). Gauges of
//!   held state (subjects, filter sizes, sequences, ages) are set from one [`NodeState`] read
//!   just before each scrape, so no code path has to remember to update them.
//! - **Labels carry no personal data and no secrets**, and have few values: member ids of
//!   configured peers (a safe alphabet, see [`crate::config::valid_member_id`]), gRPC service
//!   names, and fixed words (outcomes, strengths, states). Never a user name, local reference,
//!   token or key kind value.

pub mod http;
pub mod refusals;

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use matcher::keys::Strength;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

use crate::store::{Direction, FollowUpState};

/// Upper bounds of the look-up latency buckets: 0.5 ms doubling to about 4 s (a look-up
/// probes one subject's few tokens against every held filter: milliseconds).
const LOOKUP_BUCKETS: (f64, f64, u16) = (0.0005, 2.0, 14);

/// Upper bounds of the probe latency buckets: 0.5 ms doubling to about 65 s (a new peer
/// snapshot probes every local subject: seconds on a large store).
const PROBE_BUCKETS: (f64, f64, u16) = (0.0005, 2.0, 18);

/// A gauge of a fractional value (rates).
type FloatGauge = Gauge<f64, AtomicU64>;

/// Labels of per-peer series: the peer's member id.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PeerLabels {
    /// The configured peer's member id.
    pub peer: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CauseLabels {
    cause: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HitLabels {
    peer: String,
    strength: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TriggerLabels {
    trigger: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PeerUpdateLabels {
    peer: String,
    kind: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FollowUpLabels {
    direction: &'static str,
    state: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RefusedCallLabels {
    service: &'static str,
    code: &'static str,
}

/// What made the node probe local subjects against peer filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeTrigger {
    /// New or changed local subjects, against every held peer filter.
    Ingest,
    /// A peer's new snapshot, against every local subject.
    Snapshot,
    /// A peer's deltas, against the local subjects whose blocks they touched.
    Delta,
}

impl ProbeTrigger {
    fn label(self) -> &'static str {
        match self {
            ProbeTrigger::Ingest => "ingest",
            ProbeTrigger::Snapshot => "snapshot",
            ProbeTrigger::Delta => "delta",
        }
    }
}

/// How an ad hoc look-up ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupOutcome {
    /// At least one peer filter hit.
    Hit,
    /// No peer filter hit.
    NoHit,
    /// The request was refused (no case reference, no usable key) or failed.
    Refused,
}

impl LookupOutcome {
    fn label(self) -> &'static str {
        match self {
            LookupOutcome::Hit => "hit",
            LookupOutcome::NoHit => "no_hit",
            LookupOutcome::Refused => "refused",
        }
    }
}

/// Kinds of peer filter update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateKind {
    /// A whole filter.
    Snapshot,
    /// Added tokens.
    Delta,
}

/// Why subjects were deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteCause {
    /// An operator's Delete call.
    Request,
    /// The expiry sweep.
    Expiry,
}

/// One filter as held, for the gauges.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FilterState {
    /// Last publication sequence (published for the own filter, applied for a peer's).
    pub sequence: u64,
    /// Tokens in the filter.
    pub tokens: u64,
    /// Size of the filter as a snapshot, in bytes.
    pub bytes: u64,
    /// Modelled false-positive rate at the current token count.
    pub estimated_fpr: f64,
}

/// TLS handshakes on the gRPC listener since start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Handshakes {
    /// Completed.
    pub accepted: u64,
    /// Failed: no or an untrusted client certificate, not TLS, too slow.
    pub refused: u64,
}

/// The node's held state, read at each scrape.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodeState {
    /// Local subjects in the matching index.
    pub subjects: u64,
    /// The filter this node publishes.
    pub own: FilterState,
    /// Each peer filter held, by member id.
    pub peers: Vec<(String, FilterState)>,
    /// The gRPC listener's TLS handshakes; `None` without TLS.
    pub tls_handshakes: Option<Handshakes>,
}

/// Every metric family of one node, in its own registry. See the module doc.
pub struct Metrics {
    registry: Registry,
    /// Peers from the configuration, whose series exist from the start.
    peers: Vec<String>,
    subjects_ingested: Family<OutcomeLabels, Counter>,
    subjects_deleted: Family<CauseLabels, Counter>,
    hits_recorded: Family<HitLabels, Counter>,
    lookups: Family<OutcomeLabels, Counter>,
    lookup_seconds: Histogram,
    probe_seconds: Family<TriggerLabels, Histogram>,
    peer_connected: Family<PeerLabels, Gauge>,
    peer_reconnects: Family<PeerLabels, Counter>,
    peer_updates: Family<PeerUpdateLabels, Counter>,
    peer_updates_refused: Family<PeerLabels, Counter>,
    follow_ups: Family<FollowUpLabels, Counter>,
    refused_calls: Family<RefusedCallLabels, Counter>,
    tls_handshakes: Family<OutcomeLabels, Counter>,
    storage_up: Gauge,
    subjects_stored: Gauge,
    own_tokens: Gauge,
    own_bytes: Gauge,
    own_sequence: Gauge,
    own_fpr: FloatGauge,
    peer_tokens: Family<PeerLabels, Gauge>,
    peer_bytes: Family<PeerLabels, Gauge>,
    peer_sequence: Family<PeerLabels, Gauge>,
    peer_fpr: Family<PeerLabels, FloatGauge>,
    peer_age: Family<PeerLabels, FloatGauge>,
    /// When an update of each peer was last applied (for the age gauge).
    last_update: Mutex<HashMap<String, Instant>>,
    /// One scrape at a time: a scrape refreshes the state gauges, then encodes them.
    scrape: Mutex<()>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("peers", &self.peers)
            .finish_non_exhaustive()
    }
}

fn gauge_value(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn strength_label(s: Strength) -> &'static str {
    match s {
        Strength::Weak => "weak",
        Strength::Medium => "medium",
        Strength::Strong => "strong",
    }
}

fn direction_label(d: Direction) -> &'static str {
    match d {
        Direction::Outgoing => "outgoing",
        Direction::Incoming => "incoming",
    }
}

fn state_label(s: FollowUpState) -> &'static str {
    match s {
        FollowUpState::Pending => "pending",
        FollowUpState::Open => "open",
        FollowUpState::Accepted => "accepted",
        FollowUpState::Declined => "declined",
        FollowUpState::Responded => "responded",
        FollowUpState::NotFound => "not_found",
        FollowUpState::Failed => "failed",
    }
}

impl Metrics {
    /// The families of the node `member_id` with configured `peers`. Every peer's connection
    /// gauge and counters start at 0, so a peer that never connects shows as 0 rather than as
    /// a missing series.
    pub fn new<'a>(member_id: &str, peers: impl IntoIterator<Item = &'a String>) -> Metrics {
        let mut registry = Registry::with_prefix("fiu");
        let lookup_seconds = Histogram::new(exponential_buckets(
            LOOKUP_BUCKETS.0,
            LOOKUP_BUCKETS.1,
            LOOKUP_BUCKETS.2,
        ));
        let probe_seconds: Family<TriggerLabels, Histogram> = Family::new_with_constructor(|| {
            Histogram::new(exponential_buckets(
                PROBE_BUCKETS.0,
                PROBE_BUCKETS.1,
                PROBE_BUCKETS.2,
            ))
        });
        let mut peers: Vec<String> = peers.into_iter().cloned().collect();
        peers.sort();
        let m = Metrics {
            registry: Registry::default(),
            peers,
            subjects_ingested: Family::default(),
            subjects_deleted: Family::default(),
            hits_recorded: Family::default(),
            lookups: Family::default(),
            lookup_seconds,
            probe_seconds,
            peer_connected: Family::default(),
            peer_reconnects: Family::default(),
            peer_updates: Family::default(),
            peer_updates_refused: Family::default(),
            follow_ups: Family::default(),
            refused_calls: Family::default(),
            tls_handshakes: Family::default(),
            storage_up: Gauge::default(),
            subjects_stored: Gauge::default(),
            own_tokens: Gauge::default(),
            own_bytes: Gauge::default(),
            own_sequence: Gauge::default(),
            own_fpr: FloatGauge::default(),
            peer_tokens: Family::default(),
            peer_bytes: Family::default(),
            peer_sequence: Family::default(),
            peer_fpr: Family::default(),
            peer_age: Family::default(),
            last_update: Mutex::default(),
            scrape: Mutex::default(),
        };
        registry.register(
            "node",
            "This node: its member id and software version (value 1)",
            Info::new(vec![
                ("member".to_owned(), member_id.to_owned()),
                ("version".to_owned(), env!("CARGO_PKG_VERSION").to_owned()),
            ]),
        );
        registry.register(
            "subjects_ingested",
            "Subjects received for ingest, by outcome: inserted, updated, unchanged, refused",
            m.subjects_ingested.clone(),
        );
        registry.register(
            "subjects_deleted",
            "Subjects deleted, by cause: request (an operator's Delete) or expiry",
            m.subjects_deleted.clone(),
        );
        registry.register(
            "subjects_stored",
            "Local subjects in the matching index",
            m.subjects_stored.clone(),
        );
        registry.register(
            "own_filter_tokens",
            "Tokens in the filter this node publishes",
            m.own_tokens.clone(),
        );
        registry.register(
            "own_filter_bytes",
            "Size of this node's published filter as a snapshot, in bytes",
            m.own_bytes.clone(),
        );
        registry.register(
            "own_filter_sequence",
            "Sequence number of this node's latest publication (snapshot or delta)",
            m.own_sequence.clone(),
        );
        registry.register(
            "own_filter_estimated_fpr",
            "Modelled false-positive rate of this node's filter at its token count",
            m.own_fpr.clone(),
        );
        registry.register(
            "peer_filter_tokens",
            "Tokens in the filter held of each peer",
            m.peer_tokens.clone(),
        );
        registry.register(
            "peer_filter_bytes",
            "Size of the filter held of each peer, in bytes",
            m.peer_bytes.clone(),
        );
        registry.register(
            "peer_filter_sequence",
            "Last publication sequence applied from each peer",
            m.peer_sequence.clone(),
        );
        registry.register(
            "peer_filter_estimated_fpr",
            "Modelled false-positive rate of the filter held of each peer",
            m.peer_fpr.clone(),
        );
        registry.register(
            "peer_filter_age_seconds",
            "Seconds since an update of each peer was last applied (absent until the first since start)",
            m.peer_age.clone(),
        );
        registry.register(
            "peer_connected",
            "1 while this node's update subscription to the peer is open, else 0",
            m.peer_connected.clone(),
        );
        registry.register(
            "peer_reconnects",
            "Times the subscription to a peer failed or ended and was retried",
            m.peer_reconnects.clone(),
        );
        registry.register(
            "peer_updates_applied",
            "Filter updates applied from each peer, by kind: snapshot or delta",
            m.peer_updates.clone(),
        );
        registry.register(
            "peer_updates_refused",
            "Filter updates from each peer that were refused (bad signature, epoch, order) or failed to apply",
            m.peer_updates_refused.clone(),
        );
        registry.register(
            "hits_recorded",
            "New hits recorded, by peer and strength",
            m.hits_recorded.clone(),
        );
        registry.register(
            "lookups",
            "Ad hoc look-ups, by outcome: hit, no_hit, refused",
            m.lookups.clone(),
        );
        registry.register(
            "lookup_duration_seconds",
            "Time to answer an ad hoc look-up: keying, probing every held filter, auditing",
            m.lookup_seconds.clone(),
        );
        registry.register(
            "probe_duration_seconds",
            "Time to probe local subjects against peer filters, by trigger: ingest, snapshot, delta",
            m.probe_seconds.clone(),
        );
        registry.register(
            "follow_up_changes",
            "Follow-up records created or changed, by direction and the state they entered",
            m.follow_ups.clone(),
        );
        registry.register(
            "refused_calls",
            "gRPC calls refused, by service and code: unauthenticated, permission_denied, invalid_argument, resource_exhausted",
            m.refused_calls.clone(),
        );
        registry.register(
            "tls_handshakes",
            "TLS handshakes on the gRPC port, by outcome: accepted, refused (no or an untrusted client certificate, not TLS, timeout); absent without TLS",
            m.tls_handshakes.clone(),
        );
        registry.register(
            "storage_up",
            "1 when the last storage health check succeeded, else 0",
            m.storage_up.clone(),
        );
        for p in &m.peers {
            let l = PeerLabels { peer: p.clone() };
            m.peer_connected.get_or_create(&l).set(0);
            m.peer_reconnects.get_or_create(&l).get();
            m.peer_updates_refused.get_or_create(&l).get();
        }
        Metrics { registry, ..m }
    }

    /// A batch's ingest outcome, including records refused before they reached the engine.
    pub fn subjects_ingested(&self, inserted: u64, updated: u64, unchanged: u64, refused: u64) {
        for (outcome, n) in [
            ("inserted", inserted),
            ("updated", updated),
            ("unchanged", unchanged),
            ("refused", refused),
        ] {
            if n > 0 {
                self.subjects_ingested
                    .get_or_create(&OutcomeLabels { outcome })
                    .inc_by(n);
            }
        }
    }

    /// Subjects that existed and were deleted.
    pub fn subjects_deleted(&self, cause: DeleteCause, n: u64) {
        let cause = match cause {
            DeleteCause::Request => "request",
            DeleteCause::Expiry => "expiry",
        };
        self.subjects_deleted
            .get_or_create(&CauseLabels { cause })
            .inc_by(n);
    }

    /// A new hit against `peer`.
    pub fn hit_recorded(&self, peer: &str, strength: Strength) {
        self.hits_recorded
            .get_or_create(&HitLabels {
                peer: peer.to_owned(),
                strength: strength_label(strength),
            })
            .inc();
    }

    /// An ad hoc look-up that took `elapsed`.
    pub fn lookup(&self, outcome: LookupOutcome, elapsed: Duration) {
        self.lookups
            .get_or_create(&OutcomeLabels {
                outcome: outcome.label(),
            })
            .inc();
        self.lookup_seconds.observe(elapsed.as_secs_f64());
    }

    /// A probe of local subjects against peer filters that took `elapsed`.
    pub fn probe(&self, trigger: ProbeTrigger, elapsed: Duration) {
        self.probe_seconds
            .get_or_create(&TriggerLabels {
                trigger: trigger.label(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// The subscription to `peer` opened (`true`) or closed (`false`).
    pub fn set_peer_connected(&self, peer: &str, connected: bool) {
        self.peer_connected
            .get_or_create(&PeerLabels {
                peer: peer.to_owned(),
            })
            .set(i64::from(connected));
    }

    /// Whether the subscription to `peer` is open.
    pub fn peer_connected(&self, peer: &str) -> bool {
        self.peer_connected
            .get(&PeerLabels {
                peer: peer.to_owned(),
            })
            .is_some_and(|g| g.get() == 1)
    }

    /// The subscription to `peer` failed or ended and will be retried.
    pub fn peer_reconnect(&self, peer: &str) {
        self.peer_reconnects
            .get_or_create(&PeerLabels {
                peer: peer.to_owned(),
            })
            .inc();
    }

    /// `n` updates of `kind` from `peer` were applied.
    pub fn peer_updates_applied(&self, peer: &str, kind: UpdateKind, n: u64) {
        let kind = match kind {
            UpdateKind::Snapshot => "snapshot",
            UpdateKind::Delta => "delta",
        };
        self.peer_updates
            .get_or_create(&PeerUpdateLabels {
                peer: peer.to_owned(),
                kind,
            })
            .inc_by(n);
        self.lock_last_update()
            .insert(peer.to_owned(), Instant::now());
    }

    /// An update from `peer` was refused or could not be applied.
    pub fn peer_update_refused(&self, peer: &str) {
        self.peer_updates_refused
            .get_or_create(&PeerLabels {
                peer: peer.to_owned(),
            })
            .inc();
    }

    /// A follow-up record was created or entered `state`.
    pub fn follow_up_changed(&self, direction: Direction, state: FollowUpState) {
        self.follow_ups
            .get_or_create(&FollowUpLabels {
                direction: direction_label(direction),
                state: state_label(state),
            })
            .inc();
    }

    /// A gRPC call to `service` was refused with `code` (a fixed word, see [`refusals`]).
    pub fn call_refused(&self, service: &'static str, code: &'static str) {
        self.refused_calls
            .get_or_create(&RefusedCallLabels { service, code })
            .inc();
    }

    /// Calls to `service` refused with `code` so far.
    pub fn refused_calls(&self, service: &'static str, code: &'static str) -> u64 {
        self.refused_calls
            .get(&RefusedCallLabels { service, code })
            .map_or(0, |c| c.get())
    }

    /// The outcome of a storage health check.
    pub fn set_storage_up(&self, up: bool) {
        self.storage_up.set(i64::from(up));
    }

    fn lock_last_update(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
        // The map only ever holds complete entries: a panic elsewhere cannot leave it broken.
        self.last_update.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sets the state gauges from `state` and encodes every family in the OpenMetrics text
    /// format.
    pub fn render(&self, state: &NodeState) -> String {
        let _one = self.scrape.lock().unwrap_or_else(|p| p.into_inner());
        self.subjects_stored.set(gauge_value(state.subjects));
        self.own_tokens.set(gauge_value(state.own.tokens));
        self.own_bytes.set(gauge_value(state.own.bytes));
        self.own_sequence.set(gauge_value(state.own.sequence));
        self.own_fpr.set(state.own.estimated_fpr);
        // A peer filter that was dropped disappears from the gauges.
        self.peer_tokens.clear();
        self.peer_bytes.clear();
        self.peer_sequence.clear();
        self.peer_fpr.clear();
        self.peer_age.clear();
        if let Some(h) = state.tls_handshakes {
            // The listener counts; the counters follow its totals.
            for (outcome, total) in [("accepted", h.accepted), ("refused", h.refused)] {
                let c = self
                    .tls_handshakes
                    .get_or_create(&OutcomeLabels { outcome });
                c.inc_by(total.saturating_sub(c.get()));
            }
        }
        let last = self.lock_last_update().clone();
        for (peer, f) in &state.peers {
            let l = PeerLabels { peer: peer.clone() };
            self.peer_tokens
                .get_or_create(&l)
                .set(gauge_value(f.tokens));
            self.peer_bytes.get_or_create(&l).set(gauge_value(f.bytes));
            self.peer_sequence
                .get_or_create(&l)
                .set(gauge_value(f.sequence));
            self.peer_fpr.get_or_create(&l).set(f.estimated_fpr);
            if let Some(at) = last.get(peer) {
                self.peer_age
                    .get_or_create(&l)
                    .set(at.elapsed().as_secs_f64());
            }
        }
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            // Writing to a String cannot fail; a label that cannot be encoded is a bug.
            tracing::error!(error = %e, "cannot encode the metrics");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the series `name{labels}` in `text` (labels as written, e.g.
    /// `peer="fiu-b"`), if present.
    fn value(text: &str, series: &str) -> Option<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
    }

    #[test]
    fn configured_peers_start_disconnected_and_events_move_their_series() {
        let peers = ["fiu-b".to_owned(), "fiu-c".to_owned()];
        let m = Metrics::new("fiu-a", &peers);
        let text = m.render(&NodeState::default());
        assert_eq!(
            value(&text, "fiu_peer_connected{peer=\"fiu-b\"}"),
            Some(0.0)
        );
        assert_eq!(
            value(&text, "fiu_peer_reconnects_total{peer=\"fiu-c\"}"),
            Some(0.0)
        );
        assert!(text.contains("fiu_node_info{member=\"fiu-a\""), "{text}");

        m.subjects_ingested(3, 1, 0, 2);
        m.hit_recorded("fiu-b", Strength::Strong);
        m.set_peer_connected("fiu-b", true);
        m.peer_updates_applied("fiu-b", UpdateKind::Delta, 4);
        m.lookup(LookupOutcome::NoHit, Duration::from_millis(3));
        m.follow_up_changed(Direction::Outgoing, FollowUpState::Pending);
        m.call_refused("fiu.v1.Ingest", "permission_denied");
        let state = NodeState {
            subjects: 4,
            own: FilterState {
                sequence: 7,
                tokens: 20,
                bytes: 4096,
                estimated_fpr: 1e-9,
            },
            peers: vec![(
                "fiu-b".to_owned(),
                FilterState {
                    sequence: 5,
                    tokens: 12,
                    bytes: 2048,
                    estimated_fpr: 1e-10,
                },
            )],
            tls_handshakes: Some(Handshakes {
                accepted: 3,
                refused: 2,
            }),
        };
        let text = m.render(&state);
        for (series, want) in [
            ("fiu_subjects_ingested_total{outcome=\"inserted\"}", 3.0),
            ("fiu_subjects_ingested_total{outcome=\"refused\"}", 2.0),
            (
                "fiu_hits_recorded_total{peer=\"fiu-b\",strength=\"strong\"}",
                1.0,
            ),
            ("fiu_peer_connected{peer=\"fiu-b\"}", 1.0),
            (
                "fiu_peer_updates_applied_total{peer=\"fiu-b\",kind=\"delta\"}",
                4.0,
            ),
            ("fiu_lookups_total{outcome=\"no_hit\"}", 1.0),
            ("fiu_lookup_duration_seconds_count", 1.0),
            (
                "fiu_follow_up_changes_total{direction=\"outgoing\",state=\"pending\"}",
                1.0,
            ),
            (
                "fiu_refused_calls_total{service=\"fiu.v1.Ingest\",code=\"permission_denied\"}",
                1.0,
            ),
            ("fiu_subjects_stored", 4.0),
            ("fiu_own_filter_sequence", 7.0),
            ("fiu_peer_filter_tokens{peer=\"fiu-b\"}", 12.0),
            ("fiu_peer_filter_bytes{peer=\"fiu-b\"}", 2048.0),
            ("fiu_tls_handshakes_total{outcome=\"refused\"}", 2.0),
        ] {
            assert_eq!(value(&text, series), Some(want), "{series} in\n{text}");
        }
        let age = value(&text, "fiu_peer_filter_age_seconds{peer=\"fiu-b\"}").unwrap();
        assert!((0.0..60.0).contains(&age), "{age}");
        // fiu-c holds no filter: no size series, and no age before its first update.
        assert!(!text.contains("fiu_peer_filter_tokens{peer=\"fiu-c\"}"));
        assert!(!text.contains("fiu_peer_filter_age_seconds{peer=\"fiu-c\"}"));
        assert!(m.peer_connected("fiu-b") && !m.peer_connected("fiu-c"));
        assert!(text.ends_with("# EOF\n"));

        // The handshake counters follow the listener's running totals.
        let later = NodeState {
            tls_handshakes: Some(Handshakes {
                accepted: 10,
                refused: 2,
            }),
            ..state
        };
        let text = m.render(&later);
        assert_eq!(
            value(&text, "fiu_tls_handshakes_total{outcome=\"accepted\"}"),
            Some(10.0)
        );
        assert_eq!(
            value(&text, "fiu_tls_handshakes_total{outcome=\"refused\"}"),
            Some(2.0)
        );
    }

    #[test]
    fn a_dropped_peer_filter_leaves_the_gauges() {
        let m = Metrics::new("fiu-a", &["fiu-b".to_owned()]);
        let held = NodeState {
            peers: vec![("fiu-b".to_owned(), FilterState::default())],
            ..NodeState::default()
        };
        assert!(
            m.render(&held)
                .contains("fiu_peer_filter_tokens{peer=\"fiu-b\"}")
        );
        assert!(
            !m.render(&NodeState::default())
                .contains("fiu_peer_filter_tokens{peer=\"fiu-b\"}")
        );
    }
}
