//! A network of real nodes on 127.0.0.1, and the calls the tests make on them.

use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use std::sync::Arc;

use fiu_node::auth::{Role, identify};
use fiu_node::config::{
    Config, FilterSection, LimitsSection, NetworkSection, NodeSection, PolicySection,
};
use fiu_node::engine::Engine;
use fiu_node::identities::{ClientCert, IdentityChannel, Issuer, ServerTls};
use fiu_node::pki;
use fiu_node::server::{RunningNode, spawn_on};
use fiu_node::tls::TlsStats;
use fiu_proto::v1::{
    self, ingest_client::IngestClient, investigator_client::InvestigatorClient,
    peering_client::PeeringClient,
};
use matcher::Subject;
use tempfile::TempDir;
use tokio::net::TcpListener;
use tonic::{Request, Status};
use tonic_health::pb::health_client::HealthClient;
use zeroize::Zeroizing;

/// Member ids of the nodes, in start order.
pub const MEMBER_IDS: [&str; 3] = ["fiu-a", "fiu-b", "fiu-c"];

/// How long a change may take to reach every node before a test gives up. Generous for a
/// loaded 2-core machine; the polls return as soon as the condition holds.
pub const PROPAGATION: Duration = Duration::from_secs(10);

/// How often a poll checks its condition.
pub const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// How long a node may take to stop before the test calls it hung.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// Tokens each test node's first filter is sized for: small, so snapshots are quick to build
/// and send.
pub const TEST_FILTER_CAPACITY: u64 = 10_000;

/// The operator's user name at every node.
pub const OPERATOR: &str = "olga";
/// The investigator's user name at every node.
pub const INVESTIGATOR: &str = "alice";

/// `msg` as a request from `name` in `role`. The harness's connection sends it with a
/// certificate for that identity (the node ignores the metadata itself under TLS).
pub fn as_role<T>(msg: T, role: Role, name: &str) -> Request<T> {
    let mut req = Request::new(msg);
    identify(&mut req, role, name).expect("test user names are valid metadata");
    req
}

fn as_operator<T>(msg: T) -> Request<T> {
    as_role(msg, Role::Operator, OPERATOR)
}

fn as_investigator<T>(msg: T) -> Request<T> {
    as_role(msg, Role::Investigator, INVESTIGATOR)
}

/// Polls `check` every [`POLL_INTERVAL`] until it returns `Some`, for at most `timeout`.
/// Panics naming `what` when the deadline passes.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        if Instant::now() >= deadline {
            panic!("timed out after {timeout:?} waiting for: {what}");
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// Logs go to the test output when `RUST_LOG` is set (e.g. `RUST_LOG=fiu_node=debug`).
fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

/// One node of the network: its data directory, configuration and, while it runs, the
/// running node.
#[derive(Debug)]
pub struct Member {
    /// Its member id (`fiu-a`, ...).
    pub id: String,
    /// Its configuration (its peers come from the network manifest in its data directory).
    pub config: Config,
    addr: SocketAddr,
    running: Option<RunningNode>,
    /// The other members (from the manifest).
    peer_count: usize,
    /// Mutual TLS to this node, with a certificate per identity that `as_role` names.
    channel: Channel,
    pki: Arc<pki::NetworkFiles>,
    /// The directory of every member's files (shared by the members of one network).
    _dir: Arc<TempDir>,
}

/// The harness's client connection to a node: mutual TLS, with the client certificate
/// chosen per call from the identity [`as_role`] put on it (fiu_node::identities).
pub type Channel = IdentityChannel;

/// The filter false-positive rate of test networks (manifest and configuration).
pub const TEST_FPR: f64 = 1e-6;

/// The connection to node `id`: a peer identity uses that member's own certificate (the one
/// the manifest pins) or, for a member id not in the network, a fresh certificate from the
/// network CA; a user identity gets a certificate from the node's users CA on first use.
fn test_channel(
    files: &Arc<pki::NetworkFiles>,
    id: &str,
    dir: &std::path::Path,
    addr: SocketAddr,
    ca_pem: &str,
) -> Channel {
    let tls = ServerTls {
        ca_pem: ca_pem.to_owned(),
        server_name: id.to_owned(),
    };
    let files = files.clone();
    let root = dir
        .parent()
        .expect("member directories are in the network's")
        .to_path_buf();
    let member = id.to_owned();
    let issuer: Issuer = Arc::new(move |role: Role, name: &str| {
        let validity = pki::Validity::starting_now(pki::LEAF_VALIDITY);
        let issued = match role {
            Role::Peer if files.manifest.member(name).is_some() => {
                let mdir = root.join(name);
                let read = |p: &str| std::fs::read_to_string(mdir.join(p)).ok();
                return Some(ClientCert {
                    cert_pem: read(pki::layout::MEMBER_CERT)?,
                    key_pem: Zeroizing::new(read(pki::layout::MEMBER_KEY)?),
                });
            }
            Role::Peer => files.network_ca.issue(
                &pki::Profile::Member {
                    id: name.to_owned(),
                    hosts: Vec::new(),
                },
                validity,
            ),
            role => files.users_cas.get(&member)?.issue(
                &pki::Profile::User {
                    role,
                    name: name.to_owned(),
                },
                validity,
            ),
        };
        issued.ok().map(|c| ClientCert {
            cert_pem: c.cert_pem,
            key_pem: c.key_pem,
        })
    });
    IdentityChannel::new(&format!("https://{addr}"), Some(tls))
        .expect("loopback endpoint")
        .with_issuer(issuer)
}

/// A small network of nodes that all know each other.
#[derive(Debug)]
pub struct Network {
    members: Vec<Member>,
}

impl Network {
    /// Starts `n` (1 to 3) nodes with the test defaults.
    pub async fn start(n: usize) -> Network {
        Network::start_with(n, |_, _| {}).await
    }

    /// Starts `n` nodes; `tune` may change each node's configuration (by member id) before it
    /// starts.
    pub async fn start_with(n: usize, tune: impl Fn(&str, &mut Config)) -> Network {
        Network::configure(n, &[], tune).await
    }

    /// Configures `n` nodes that all know each other but leaves the nodes in `down` stopped
    /// (their ports refuse connections) until [`Network::restart`] starts them.
    pub async fn start_without(n: usize, down: &[&str]) -> Network {
        Network::configure(n, down, |_, _| {}).await
    }

    async fn configure(n: usize, down: &[&str], tune: impl Fn(&str, &mut Config)) -> Network {
        init_logging();
        assert!(
            (1..=MEMBER_IDS.len()).contains(&n),
            "a test network has 1 to 3 nodes"
        );
        // Ports first: the manifest names every node's endpoint.
        let mut listeners = Vec::new();
        for _ in &MEMBER_IDS[..n] {
            let listener = TcpListener::bind("127.0.0.1:0")
                .await
                .expect("loopback port");
            let addr = listener.local_addr().expect("bound address");
            listeners.push((listener, addr));
        }
        // The network CA, every member's keys, certificate, users CA and the manifest.
        let root = Arc::new(tempfile::tempdir().expect("temporary directory"));
        let spec = pki::NetworkSpec {
            network: "test".into(),
            members: MEMBER_IDS[..n]
                .iter()
                .zip(&listeners)
                .map(|(id, (_, addr))| pki::MemberSpec {
                    id: id.to_string(),
                    country: "DE".into(),
                    endpoint: format!("https://{addr}"),
                    hosts: Vec::new(),
                })
                .collect(),
            users: Vec::new(),
            epoch: 1,
            target_fpr: TEST_FPR,
        };
        let files = Arc::new(pki::write_network(root.path(), &spec).expect("test network PKI"));
        let ca_pem = files.network_ca.cert_pem().to_owned();
        let prepared: Vec<_> = MEMBER_IDS[..n]
            .iter()
            .zip(listeners)
            .map(|(id, (listener, addr))| (id.to_string(), listener, addr))
            .collect();

        let mut members = Vec::new();
        for (id, listener, addr) in prepared {
            let dir = root.path().join(&id);
            let mut config = Config {
                node: NodeSection {
                    member_id: id.clone(),
                    listen: addr,
                    data_dir: dir.clone(),
                    identity_key_file: pki::IDENTITY_FILE.into(),
                    insecure_plaintext: false,
                },
                network: NetworkSection {
                    secret_file: pki::SECRET_FILE.into(),
                    epoch: 1,
                    manifest: Some(pki::layout::MANIFEST.into()),
                },
                filter: FilterSection {
                    target_fpr: TEST_FPR,
                    initial_capacity: TEST_FILTER_CAPACITY,
                },
                policy: PolicySection::default(),
                // Polls look up many times a second: quotas far above what tests use
                // (tests/tests/quota.rs lowers them through `start_with`).
                limits: LimitsSection {
                    lookups_per_minute_per_user: 1_000_000,
                    lookups_per_minute_node: 1_000_000,
                    follow_ups_per_minute_per_peer: 1_000_000,
                    ..LimitsSection::default()
                },
                storage: Default::default(),
                metrics: Default::default(),
                audit: Default::default(),
                // The defaults: where `pki::write_network` put the files.
                tls: Default::default(),
                // The manifest's members are the peers.
                peers: Vec::new(),
            };
            tune(&id, &mut config);
            // A node's copy of the manifest follows its own (tuned) epoch and filter rate, so
            // that a test can give one node a different rate.
            let mut manifest = files.manifest.clone();
            manifest.epoch.current = config.network.epoch;
            manifest.filter.target_fpr = config.filter.target_fpr;
            std::fs::write(dir.join(pki::layout::MANIFEST), manifest.to_toml())
                .expect("manifest copy");
            let running = if down.contains(&id.as_str()) {
                drop(listener);
                None
            } else {
                let node = spawn_on(config.clone(), listener)
                    .await
                    .unwrap_or_else(|e| panic!("{id} does not start: {e}"));
                Some(node)
            };
            let channel = test_channel(&files, &id, &dir, addr, &ca_pem);
            members.push(Member {
                peer_count: n - 1,
                id,
                config,
                addr,
                running,
                channel,
                pki: files.clone(),
                _dir: root.clone(),
            });
        }
        Network { members }
    }

    /// The node `id` (`fiu-a`, ...).
    pub fn node(&self, id: &str) -> &Member {
        self.members
            .iter()
            .find(|m| m.id == id)
            .unwrap_or_else(|| panic!("no node {id} in this network"))
    }

    fn node_mut(&mut self, id: &str) -> &mut Member {
        self.members
            .iter_mut()
            .find(|m| m.id == id)
            .unwrap_or_else(|| panic!("no node {id} in this network"))
    }

    /// Stops node `id` and waits until it has stopped (its port is free again).
    pub async fn stop(&mut self, id: &str) {
        let member = self.node_mut(id);
        let running = member
            .running
            .take()
            .unwrap_or_else(|| panic!("{id} is not running"));
        match tokio::time::timeout(STOP_TIMEOUT, running.stop()).await {
            Ok(result) => result.unwrap_or_else(|e| panic!("{id} stopped with an error: {e}")),
            Err(_) => panic!("{id} did not stop within {STOP_TIMEOUT:?}"),
        }
    }

    /// Starts node `id` (again) on its data directory and its port.
    pub async fn restart(&mut self, id: &str) {
        let member = self.node_mut(id);
        assert!(member.running.is_none(), "{id} is still running");
        let listener = TcpListener::bind(member.addr)
            .await
            .unwrap_or_else(|e| panic!("{id} cannot bind its old port {} again: {e}", member.addr));
        let running = spawn_on(member.config.clone(), listener)
            .await
            .unwrap_or_else(|e| panic!("{id} does not restart: {e}"));
        member.running = Some(running);
    }
}

impl Member {
    /// Its gRPC endpoint.
    pub fn endpoint(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// The network CA and every member's users CA, to issue certificates in tests.
    pub fn pki(&self) -> &pki::NetworkFiles {
        &self.pki
    }

    /// How a client reaches this node over TLS (the network CA, the node's name).
    pub fn server_tls(&self) -> ServerTls {
        ServerTls {
            ca_pem: self.pki.network_ca.cert_pem().to_owned(),
            server_name: self.id.clone(),
        }
    }

    /// The running node's TLS handshake counts.
    pub fn tls_stats(&self) -> &TlsStats {
        &self
            .running
            .as_ref()
            .unwrap_or_else(|| panic!("{} is not running", self.id))
            .tls_stats
    }

    /// The running node's engine (to read held peer filters).
    pub fn engine(&self) -> &Engine {
        &self
            .running
            .as_ref()
            .unwrap_or_else(|| panic!("{} is not running", self.id))
            .engine
    }

    /// The running node's metrics listener, when its config sets `[metrics] listen`.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.running.as_ref().and_then(|r| r.metrics_addr)
    }

    /// A client of the node's standard gRPC health service.
    pub async fn health_client(&self) -> HealthClient<Channel> {
        HealthClient::new(self.channel().await)
    }

    async fn channel(&self) -> Channel {
        self.channel.clone()
    }

    /// An ingest client (callers add their own identity).
    pub async fn ingest_client(&self) -> IngestClient<Channel> {
        IngestClient::new(self.channel().await)
    }

    /// An investigator client (callers add their own identity).
    pub async fn investigator_client(&self) -> InvestigatorClient<Channel> {
        InvestigatorClient::new(self.channel().await)
    }

    /// An audit client (callers add their own identity).
    pub async fn audit_client(&self) -> v1::audit_client::AuditClient<Channel> {
        v1::audit_client::AuditClient::new(self.channel().await)
    }

    /// A peering client (callers add their own identity).
    pub async fn peering_client(&self) -> PeeringClient<Channel> {
        PeeringClient::new(self.channel().await)
    }

    /// The operator upserts `batches` in one stream.
    pub async fn upsert(&self, batches: Vec<v1::UpsertBatch>) -> Result<v1::IngestSummary, Status> {
        let stream = tokio_stream::iter(batches);
        self.ingest_client()
            .await
            .upsert(as_operator(stream))
            .await
            .map(|r| r.into_inner())
    }

    /// The operator imports `subjects` in one batch; every one must be accepted.
    pub async fn import(&self, subjects: &[Subject]) -> v1::IngestSummary {
        let batch = v1::UpsertBatch {
            source: format!("test:{}", self.id),
            subjects: subjects.iter().map(v1::Subject::from).collect(),
        };
        let summary = self
            .upsert(vec![batch])
            .await
            .unwrap_or_else(|s| panic!("import at {} failed: {s}", self.id));
        assert_eq!(
            summary.refused, 0,
            "import at {} refused subjects: {:?}",
            self.id, summary.errors
        );
        summary
    }

    /// The operator deletes subjects.
    pub async fn delete(&self, refs: &[&str]) -> v1::DeleteSummary {
        let req = v1::DeleteRequest {
            local_refs: refs.iter().map(|r| r.to_string()).collect(),
            reason: "correction".into(),
        };
        self.ingest_client()
            .await
            .delete(as_operator(req))
            .await
            .unwrap_or_else(|s| panic!("delete at {} failed: {s}", self.id))
            .into_inner()
    }

    /// Every stored hit, newest first.
    pub async fn hits(&self) -> Vec<v1::Hit> {
        let mut client = self.investigator_client().await;
        let mut out = Vec::new();
        let mut page_token = String::new();
        loop {
            let req = v1::ListHitsRequest {
                filter: None,
                page: Some(v1::PageRequest {
                    page_size: 1000,
                    page_token: page_token.clone(),
                }),
            };
            let resp = client
                .list_hits(as_investigator(req))
                .await
                .unwrap_or_else(|s| panic!("ListHits at {} failed: {s}", self.id))
                .into_inner();
            out.extend(resp.hits);
            if resp.next_page_token.is_empty() {
                return out;
            }
            page_token = resp.next_page_token;
        }
    }

    /// Waits until the stored hits satisfy `ready`, and returns them.
    pub async fn hits_when(&self, what: &str, ready: impl Fn(&[v1::Hit]) -> bool) -> Vec<v1::Hit> {
        eventually(
            &format!("{} hits: {what}", self.id),
            PROPAGATION,
            || async {
                let hits = self.hits().await;
                ready(&hits).then_some(hits)
            },
        )
        .await
    }

    /// The stored hit of `local_ref` at `peer`, once there is one.
    pub async fn hit_for(&self, local_ref: &str, peer: &str) -> v1::Hit {
        let hits = self
            .hits_when(&format!("{local_ref} hits at {peer}"), |hits| {
                hits.iter()
                    .any(|h| h.local_ref == local_ref && h.peer == peer)
            })
            .await;
        hits.into_iter()
            .find(|h| h.local_ref == local_ref && h.peer == peer)
            .expect("found by the wait")
    }

    /// Waits until this node holds a filter of every peer it is configured with.
    pub async fn holds_filters_of_all_peers(&self) {
        let want = self.peer_count;
        eventually(
            &format!("{} holds every peer's filter", self.id),
            PROPAGATION,
            || async { (self.engine().peer_filter_stats().len() == want).then_some(()) },
        )
        .await
    }

    /// The last sequence this node applied from `peer`, if it holds its filter.
    pub fn held_sequence_of(&self, peer: &str) -> Option<u64> {
        self.engine().peer_position(peer)
    }

    /// The investigator's ad hoc look-up.
    pub async fn lookup(
        &self,
        subject: &Subject,
        case_reference: &str,
    ) -> Result<v1::LookupResponse, Status> {
        let req = v1::LookupRequest {
            subject: Some(v1::Subject::from(subject)),
            case_reference: case_reference.into(),
            purpose: "check whether the subject is known abroad".into(),
        };
        self.investigator_client()
            .await
            .lookup(as_investigator(req))
            .await
            .map(|r| r.into_inner())
    }

    /// The investigator asks the peer of hit `hit_id` for a follow-up.
    pub async fn request_follow_up(&self, hit_id: u64) -> v1::FollowUp {
        let req = v1::RequestFollowUpRequest {
            hit_id,
            case_reference: "CASE-2025-0042".into(),
            legal_basis: "Directive (EU) 2015/849, art. 53".into(),
            purpose: "trace the proceeds of a suspected fraud".into(),
        };
        self.investigator_client()
            .await
            .request_follow_up(as_investigator(req))
            .await
            .unwrap_or_else(|s| panic!("RequestFollowUp at {} failed: {s}", self.id))
            .into_inner()
    }

    /// The investigator answers incoming follow-up `id`.
    pub async fn respond_follow_up(
        &self,
        id: &str,
        decision: v1::Decision,
        message: &str,
        disclose_results: bool,
    ) -> v1::FollowUp {
        let req = v1::RespondFollowUpRequest {
            follow_up_id: id.into(),
            decision: decision as i32,
            message: message.into(),
            disclose_results,
        };
        self.investigator_client()
            .await
            .respond_follow_up(as_investigator(req))
            .await
            .unwrap_or_else(|s| panic!("RespondFollowUp at {} failed: {s}", self.id))
            .into_inner()
    }

    /// Every follow-up in `direction`, newest first.
    pub async fn follow_ups(&self, direction: v1::Direction) -> Vec<v1::FollowUp> {
        let req = v1::ListFollowUpsRequest {
            direction: direction as i32,
            state: 0,
            page: None,
        };
        self.investigator_client()
            .await
            .list_follow_ups(as_investigator(req))
            .await
            .unwrap_or_else(|s| panic!("ListFollowUps at {} failed: {s}", self.id))
            .into_inner()
            .follow_ups
    }

    /// The follow-up `id` in `direction` once `ready` holds for it.
    pub async fn follow_up_when(
        &self,
        id: &str,
        direction: v1::Direction,
        what: &str,
        ready: impl Fn(&v1::FollowUp) -> bool,
    ) -> v1::FollowUp {
        eventually(
            &format!("{} follow-up {id}: {what}", self.id),
            PROPAGATION,
            || async {
                self.follow_ups(direction)
                    .await
                    .into_iter()
                    .find(|f| f.id == id && ready(f))
            },
        )
        .await
    }

    /// Opens a WatchHits stream (every new hit).
    pub async fn watch_hits(&self) -> tonic::Streaming<v1::Hit> {
        self.investigator_client()
            .await
            .watch_hits(as_investigator(v1::WatchHitsRequest { filter: None }))
            .await
            .unwrap_or_else(|s| panic!("WatchHits at {} failed: {s}", self.id))
            .into_inner()
    }
}
