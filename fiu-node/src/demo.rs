//! `fiu-node demo`: three FIU nodes on loopback with synthetic subjects that overlap in known
//! ways, live hits, one follow-up round trip and the statistics.
//!
//! Everything is real: each node has its own identity key, SQLite file and gRPC server, the
//! nodes subscribe to each other's signed filters, and the demo talks to them through the
//! same gRPC API an investigator's client uses.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fiu_proto::v1::{self, ingest_client::IngestClient, investigator_client::InvestigatorClient};
use matcher::Subject;
use serde_json::json;
use tokio::net::TcpListener;
use tokio_stream::StreamExt;
use tonic::Request;

use crate::auth::{Role, identify};
use crate::config::{
    Config, FilterSection, LimitsSection, NetworkSection, NodeSection, PolicySection,
};
// Every demo call goes over mutual TLS with the certificate of the user it names.
use crate::identities::{ClientCert, IdentityChannel as Channel, ServerTls};
use crate::pki;
use crate::server::{NodeError, RunningNode, spawn_on};

/// The three demo members.
pub const MEMBERS: [&str; 3] = ["fiu-de", "fiu-fr", "fiu-gr"];

/// How the demo runs.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Where the nodes keep their keys and databases; a temporary directory when `None`.
    pub dir: Option<PathBuf>,
    /// Synthetic background subjects per node (besides the shared ones).
    pub background: usize,
    /// Keep the nodes running after the tour until Ctrl-C.
    pub keep_running: bool,
    /// Print the tour to stdout.
    pub verbose: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            dir: None,
            background: 2000,
            keep_running: false,
            verbose: true,
        }
    }
}

/// What the demo saw, for its test.
#[derive(Debug, Clone, Default)]
pub struct DemoReport {
    /// Every hit seen live: (node, local reference, peer).
    pub hits: BTreeSet<(String, String, String)>,
    /// State of the demo's follow-up at the requesting node after the round trip.
    pub follow_up_state: Option<v1::FollowUpState>,
    /// The answer's message as the requester sees it.
    pub follow_up_message: String,
    /// Hit counts per (node, peer) from the statistics.
    pub statistics: Vec<(String, String, u64)>,
    /// Nodes whose exported audit log the offline verifier accepted, with every other
    /// node's countersignature on its latest head.
    pub audit_verified: Vec<String>,
}

/// Signs a head at every node, waits (a few seconds at most) until the other nodes have
/// countersigned it, then exports each log as an auditor and checks it with the offline
/// verifier and the witnesses' keys. One line per node; the member id when it verified.
async fn verify_logs(
    nodes: &[RunningNode],
    channels: &[Channel],
) -> Result<Vec<(Option<String>, String)>, DemoError> {
    use fiu_proto::v1::audit_client::AuditClient;
    use tokio_stream::StreamExt;

    let keys: Vec<_> = nodes
        .iter()
        .map(|n| n.engine.public_key().verifying_key())
        .collect();
    let mut sizes = Vec::new();
    for ch in channels {
        let head = AuditClient::new(ch.clone())
            .get_tree_head(request(
                v1::GetTreeHeadRequest {
                    sign_now: true,
                    log_id: String::new(),
                },
                Role::Auditor,
            )?)
            .await?
            .into_inner();
        sizes.push(head.size);
    }
    // The head loop has each node's latest head witnessed (it may be newer than the one
    // signed here); wait until every other node countersigned one at least this large.
    let deadline = Instant::now() + Duration::from_secs(10);
    for (ch, size) in channels.iter().zip(&sizes) {
        loop {
            let list = AuditClient::new(ch.clone())
                .list_countersignatures(request(
                    v1::ListCountersignaturesRequest {
                        from_size: *size,
                        to_size: 0,
                    },
                    Role::Auditor,
                )?)
                .await?
                .into_inner()
                .countersignatures;
            let witnesses: BTreeSet<&str> = list.iter().map(|c| c.witness.as_str()).collect();
            if witnesses.len() + 1 >= channels.len() || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let mut out = Vec::new();
    for (i, ch) in channels.iter().enumerate() {
        let mut stream = AuditClient::new(ch.clone())
            .export(request(v1::ExportRequest::default(), Role::Auditor)?)
            .await?
            .into_inner();
        let mut file = Vec::new();
        while let Some(chunk) = stream.next().await {
            file.extend_from_slice(&chunk?.data);
        }
        let mut verifier = fiu_audit::Verifier::new(keys[i]);
        for (j, key) in keys.iter().enumerate() {
            if j != i {
                verifier = verifier.witness(MEMBERS[j], *key);
            }
        }
        out.push(match verifier.verify(&file) {
            Ok(v) => {
                // The latest head every other node countersigned.
                let witnessed = v
                    .heads
                    .iter()
                    .rev()
                    .find(|h| h.witnessed_by.len() + 1 == keys.len());
                (
                    witnessed.map(|_| MEMBERS[i].to_owned()),
                    format!(
                        "{}: log verified offline: {} entries, {} signed heads; {}",
                        MEMBERS[i],
                        v.last_seq,
                        v.heads.len(),
                        match witnessed {
                            Some(h) => format!(
                                "head {} countersigned by {}",
                                h.head.size,
                                h.witnessed_by.join(", ")
                            ),
                            None => "no head countersigned by every peer yet".to_owned(),
                        }
                    ),
                )
            }
            Err(e) => (None, format!("{}: log does NOT verify: {e}", MEMBERS[i])),
        });
    }
    Ok(out)
}

/// Errors of the demo.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A node failed.
    #[error(transparent)]
    Node(#[from] NodeError),
    /// A gRPC call failed.
    #[error("gRPC: {0}")]
    Rpc(#[from] tonic::Status),
    /// Setting up files failed.
    #[error("{0}")]
    Setup(String),
}

/// The subjects the three FIUs share, written as each would write them, and one that only
/// the first holds. (node index, subject JSON).
pub fn shared_subjects() -> Vec<(usize, serde_json::Value)> {
    vec![
        // A Russian name in Latin letters at one FIU and in Cyrillic, with a dotted date, at another.
        (
            0,
            json!({"local_ref":"DE-STR-1001","category":"suspect","type":"person","given_name":"Aleksandr","family_name":"Pushkin","birth_date":"1979-06-26","nationalities":["RU"]}),
        ),
        (
            1,
            json!({"local_ref":"FR-DS-2001","category":"suspect","type":"person","given_name":"Александр","family_name":"Пушкин","birth_date":"26.06.1979"}),
        ),
        // A transliteration variant, name order, and day and month swapped.
        (
            0,
            json!({"local_ref":"DE-STR-1002","category":"suspect","type":"person","given_name":"Mohammed","family_name":"Al-Rashid","birth_date":"1985-03-12"}),
        ),
        (
            2,
            json!({"local_ref":"GR-ANA-3001","category":"associate","type":"person","given_name":"Alrashid","family_name":"Muhammad","birth_date":"1985-12-03"}),
        ),
        // Greek script against Latin, with a typo.
        (
            1,
            json!({"local_ref":"FR-DS-2002","category":"suspect","type":"person","given_name":"Giorgos","family_name":"Papadopolous","birth_date":"1970-01-20"}),
        ),
        (
            2,
            json!({"local_ref":"GR-ANA-3002","category":"suspect","type":"person","given_name":"Γιώργος","family_name":"Παπαδόπουλος","birth_date":"20/01/1970"}),
        ),
        // A company with and without its legal form.
        (
            0,
            json!({"local_ref":"DE-STR-1003","category":"suspect","type":"entity","name":"ACME Trading GmbH","registration_number":"HRB 12345","registration_country":"DE"}),
        ),
        (
            2,
            json!({"local_ref":"GR-ANA-3003","category":"suspect","type":"entity","name":"Acme Trading","registration_country":"DEU"}),
        ),
        // An IBAN written two ways.
        (
            1,
            json!({"local_ref":"FR-DS-2003","category":"suspect","type":"account","iban":"DE89 3704 0044 0532 0130 00"}),
        ),
        (
            2,
            json!({"local_ref":"GR-ANA-3004","category":"suspect","type":"account","iban":"de89370400440532013000"}),
        ),
        // An Ethereum wallet with and without its checksum case.
        (
            0,
            json!({"local_ref":"DE-STR-1004","category":"suspect","type":"wallet","chain":"ETH","address":"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}),
        ),
        (
            1,
            json!({"local_ref":"FR-DS-2004","category":"suspect","type":"wallet","chain":"ethereum","address":"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"}),
        ),
        // Known only to the first FIU: must hit nowhere.
        (
            0,
            json!({"local_ref":"DE-STR-1005","category":"suspect","type":"person","given_name":"Hildegard","family_name":"Vogelsang","birth_date":"1962-09-30"}),
        ),
    ]
}

/// The hits the shared subjects must produce: (node, local reference, peer).
pub fn expected_hits() -> BTreeSet<(String, String, String)> {
    let pairs = [
        ("DE-STR-1001", 0, "FR-DS-2001", 1),
        ("DE-STR-1002", 0, "GR-ANA-3001", 2),
        ("FR-DS-2002", 1, "GR-ANA-3002", 2),
        ("DE-STR-1003", 0, "GR-ANA-3003", 2),
        ("FR-DS-2003", 1, "GR-ANA-3004", 2),
        ("DE-STR-1004", 0, "FR-DS-2004", 1),
    ];
    let mut out = BTreeSet::new();
    for (ra, a, rb, b) in pairs {
        out.insert((MEMBERS[a].to_owned(), ra.to_owned(), MEMBERS[b].to_owned()));
        out.insert((MEMBERS[b].to_owned(), rb.to_owned(), MEMBERS[a].to_owned()));
    }
    out
}

struct Say {
    start: Instant,
    verbose: bool,
}

impl Say {
    fn line(&self, text: impl AsRef<str>) {
        if self.verbose {
            println!(
                "[{:>6.2}s] {}",
                self.start.elapsed().as_secs_f64(),
                text.as_ref()
            );
        }
    }
}

fn config_for(dir: &Path, member: &str, port: u16, capacity: u64) -> Config {
    Config {
        node: NodeSection {
            member_id: member.to_owned(),
            listen: std::net::SocketAddr::from(([127, 0, 0, 1], port)),
            data_dir: dir.join(member),
            identity_key_file: PathBuf::from(pki::IDENTITY_FILE),
            insecure_plaintext: false,
        },
        network: NetworkSection {
            secret_file: PathBuf::from(pki::SECRET_FILE),
            epoch: 1,
            manifest: Some(PathBuf::from(pki::layout::MANIFEST)),
        },
        filter: FilterSection {
            target_fpr: DEMO_FPR,
            initial_capacity: capacity,
        },
        policy: PolicySection::default(),
        limits: LimitsSection::default(),
        storage: Default::default(),
        metrics: Default::default(),
        audit: Default::default(),
        // The defaults are where `pki::write_network` puts the files.
        tls: Default::default(),
        peers: Vec::new(),
    }
}

/// The demo network's filter false-positive rate (in its manifest and every config).
const DEMO_FPR: f64 = crate::config::DEFAULT_TARGET_FPR;

/// The demo's local users at every node, one per role.
const DEMO_USERS: [(Role, &str); 3] = [
    (Role::Operator, "demo-operator"),
    (Role::Investigator, "demo-investigator"),
    (Role::Auditor, "demo-auditor"),
];

/// Starts `members` as nodes on loopback ports under `dir` (keys and one shared network
/// secret created when missing), each following all the others. Used by the demo and the
/// latency benchmark.
pub async fn start_local_network(
    dir: &Path,
    members: &[&str],
    initial_capacity: u64,
) -> Result<Vec<RunningNode>, DemoError> {
    let mut listeners = Vec::new();
    for _ in members {
        listeners.push(
            TcpListener::bind("127.0.0.1:0")
                .await
                .map_err(|e| DemoError::Setup(e.to_string()))?,
        );
    }
    let ports: Vec<u16> = listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect::<Result<_, _>>()
        .map_err(|e| DemoError::Setup(e.to_string()))?;
    // The network CA, each member's keys, certificates, users and the manifest.
    let spec = pki::NetworkSpec {
        network: "demo".into(),
        members: members
            .iter()
            .zip(&ports)
            .map(|(m, port)| pki::MemberSpec {
                id: (*m).to_owned(),
                country: pki::country_of(m).unwrap_or_else(|| "DE".to_owned()),
                endpoint: format!("https://127.0.0.1:{port}"),
                hosts: vec!["localhost".into()],
            })
            .collect(),
        users: DEMO_USERS
            .iter()
            .map(|(r, n)| (*r, (*n).to_owned()))
            .collect(),
        epoch: 1,
        target_fpr: DEMO_FPR,
    };
    let dir_owned = dir.to_path_buf();
    tokio::task::spawn_blocking(move || pki::write_network(&dir_owned, &spec))
        .await
        .map_err(|e| DemoError::Setup(e.to_string()))?
        .map_err(|e| DemoError::Setup(e.to_string()))?;
    let mut nodes: Vec<RunningNode> = Vec::new();
    for ((member, port), listener) in members.iter().zip(&ports).zip(listeners) {
        nodes.push(spawn_on(config_for(dir, member, *port, initial_capacity), listener).await?);
    }
    Ok(nodes)
}

/// One channel per node, over mutual TLS, holding the certificates of the demo's users at
/// that node (made by [`start_local_network`] under `dir`): each call goes out with the
/// certificate of the user [`request`] names.
pub async fn connect_all(dir: &Path, nodes: &[RunningNode]) -> Result<Vec<Channel>, DemoError> {
    let setup = |e: String| DemoError::Setup(e);
    let ca_pem = std::fs::read_to_string(dir.join(pki::NETWORK_CA_CERT))
        .map_err(|e| setup(format!("{}: {e}", dir.join(pki::NETWORK_CA_CERT).display())))?;
    let mut channels = Vec::new();
    for n in nodes {
        let member = n.engine.member_id().to_owned();
        let tls = ServerTls {
            ca_pem: ca_pem.clone(),
            server_name: member.clone(),
        };
        let mut channel = Channel::new(&n.endpoint(), Some(tls)).map_err(setup)?;
        for (role, name) in DEMO_USERS {
            let (cert, key) = pki::user_files(&dir.join(&member), name);
            let read = |p: &Path| {
                std::fs::read_to_string(p).map_err(|e| setup(format!("{}: {e}", p.display())))
            };
            let cert = ClientCert {
                cert_pem: read(&cert)?,
                key_pem: zeroize::Zeroizing::new(read(&key)?),
            };
            channel = channel.with_identity(role, name, &cert).map_err(setup)?;
        }
        channels.push(channel);
    }
    Ok(channels)
}

/// A request carrying the demo's development-mode identity for `role`.
pub fn request<T>(msg: T, role: Role) -> Result<Request<T>, tonic::Status> {
    let mut r = Request::new(msg);
    identify(
        &mut r,
        role,
        DEMO_USERS
            .iter()
            .find(|(r, _)| *r == role)
            .map_or("demo-investigator", |(_, n)| n),
    )?;
    Ok(r)
}

/// Sends `subjects` to a node's Ingest service in batches over one stream.
pub async fn upsert(
    channel: &Channel,
    source: &str,
    subjects: Vec<Subject>,
) -> Result<v1::IngestSummary, DemoError> {
    let batches: Vec<v1::UpsertBatch> = subjects
        .chunks(fiu_proto::limits::MAX_SUBJECTS_PER_BATCH)
        .map(|c| v1::UpsertBatch {
            source: source.to_owned(),
            subjects: c.iter().map(v1::Subject::from).collect(),
        })
        .collect();
    let mut client = IngestClient::new(channel.clone());
    Ok(client
        .upsert(request(tokio_stream::iter(batches), Role::Operator)?)
        .await?
        .into_inner())
}

/// Runs the demo tour.
pub async fn run(options: DemoOptions) -> Result<DemoReport, DemoError> {
    let say = Say {
        start: Instant::now(),
        verbose: options.verbose,
    };
    let temp;
    let dir = match &options.dir {
        Some(d) => d.clone(),
        None => {
            temp = tempfile::tempdir().map_err(|e| DemoError::Setup(e.to_string()))?;
            temp.path().to_path_buf()
        }
    };
    say.line(format!("Three FIU nodes in {}", dir.display()));
    let nodes = start_local_network(&dir, &MEMBERS, 100_000).await?;
    for (i, node) in nodes.iter().enumerate() {
        let key = node.engine.public_key().to_string();
        say.line(format!(
            "  {} listening on {} (public key {}…)",
            MEMBERS[i],
            node.endpoint(),
            &key[..16]
        ));
    }
    let channels = connect_all(&dir, &nodes).await?;

    // Watch hits live at every node.
    let (hit_tx, mut hit_rx) = tokio::sync::mpsc::unbounded_channel::<(String, v1::Hit)>();
    for (i, ch) in channels.iter().enumerate() {
        let mut client = InvestigatorClient::new(ch.clone());
        let mut stream = client
            .watch_hits(request(
                v1::WatchHitsRequest { filter: None },
                Role::Investigator,
            )?)
            .await?
            .into_inner();
        let tx = hit_tx.clone();
        let member = MEMBERS[i].to_owned();
        tokio::spawn(async move {
            while let Some(Ok(hit)) = stream.next().await {
                if tx.send((member.clone(), hit)).is_err() {
                    return;
                }
            }
        });
    }

    say.line(format!(
        "Loading {} synthetic background subjects per FIU",
        options.background
    ));
    for (i, ch) in channels.iter().enumerate() {
        let mut spec = synth::PopulationSpec::new(1000 + i as u64, options.background);
        spec.ref_prefix = format!("{}-BG", MEMBERS[i].to_uppercase());
        let summary = upsert(
            ch,
            "synthetic background",
            synth::Population::generate(&spec),
        )
        .await?;
        let why = if summary.refused > 0 {
            " (records with no match key, such as a name with only a year of birth, are refused by design)"
        } else {
            ""
        };
        say.line(format!(
            "  {}: {} imported, {} refused{why}",
            MEMBERS[i], summary.imported, summary.refused
        ));
    }

    say.line(
        "Adding the subjects the FIUs share, one at a time; hits appear as filters propagate:",
    );
    let mut report = DemoReport::default();
    let record_hit = |report: &mut DemoReport, member: String, hit: v1::Hit, say: &Say| {
        say.line(format!(
            "  HIT at {:<7} {:<12} known at {:<7} by {} (confidence {:.3})",
            member,
            hit.local_ref,
            hit.peer,
            hit.key_kinds.join(", "),
            hit.confidence
        ));
        report.hits.insert((member, hit.local_ref, hit.peer));
    };
    for (i, value) in shared_subjects() {
        let subject: Subject =
            serde_json::from_value(value).map_err(|e| DemoError::Setup(e.to_string()))?;
        say.line(format!("  {} ingests {}", MEMBERS[i], subject.local_ref));
        upsert(&channels[i], "demo case file", vec![subject]).await?;
        let pause = Instant::now() + Duration::from_millis(250);
        while let Ok(Some((m, h))) = tokio::time::timeout_at(pause.into(), hit_rx.recv()).await {
            record_hit(&mut report, m, h, &say);
        }
    }
    let expected = expected_hits();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !expected.is_subset(&report.hits) {
        match tokio::time::timeout_at(deadline.into(), hit_rx.recv()).await {
            Ok(Some((m, h))) => record_hit(&mut report, m, h, &say),
            _ => break,
        }
    }
    let missing: Vec<_> = expected.difference(&report.hits).collect();
    if missing.is_empty() {
        say.line(format!(
            "All {} expected hits seen; DE-STR-1005 (known only to fiu-de) hit nowhere.",
            expected.len()
        ));
    } else {
        say.line(format!("Missing hits after 20 s: {missing:?}"));
    }

    // One follow-up round trip: fiu-de asks fiu-fr about the Pushkin hit.
    let mut de = InvestigatorClient::new(channels[0].clone());
    let hits = de
        .list_hits(request(
            v1::ListHitsRequest {
                filter: Some(v1::HitFilter {
                    local_ref: "DE-STR-1001".into(),
                    peer: MEMBERS[1].into(),
                    ..Default::default()
                }),
                page: None,
            },
            Role::Investigator,
        )?)
        .await?
        .into_inner()
        .hits;
    if let Some(hit) = hits.first() {
        say.line(format!(
            "Follow-up: fiu-de asks fiu-fr about hit {} (DE-STR-1001)",
            hit.id
        ));
        let fu = de
            .request_follow_up(request(
                v1::RequestFollowUpRequest {
                    hit_id: hit.id,
                    case_reference: "DE-2026-0042".into(),
                    legal_basis: "Directive (EU) 2015/849 art. 53".into(),
                    purpose: "confirm identity of a suspect in a money-laundering case".into(),
                },
                Role::Investigator,
            )?)
            .await?
            .into_inner();
        say.line(format!(
            "  fiu-de: follow-up {} is {:?}",
            &fu.id[..8.min(fu.id.len())],
            v1::FollowUpState::try_from(fu.state).unwrap_or_default()
        ));
        let mut fr = InvestigatorClient::new(channels[1].clone());
        let incoming = fr
            .list_follow_ups(request(
                v1::ListFollowUpsRequest {
                    direction: v1::Direction::Incoming as i32,
                    state: 0,
                    page: None,
                },
                Role::Investigator,
            )?)
            .await?
            .into_inner()
            .follow_ups;
        if let Some(inc) = incoming.first() {
            say.line(format!(
                "  fiu-fr sees case {} against its own subject(s) {:?}; it answers",
                inc.case_reference, inc.local_refs
            ));
            fr.respond_follow_up(request(
                v1::RespondFollowUpRequest {
                    follow_up_id: inc.id.clone(),
                    decision: v1::Decision::Respond as i32,
                    message: "Subject known here since 2024 (case FR-DS-2001); contact our desk via FIU.net.".into(),
                    disclose_results: true,
                },
                Role::Investigator,
            )?)
            .await?;
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let list = de
                .list_follow_ups(request(
                    v1::ListFollowUpsRequest {
                        direction: v1::Direction::Outgoing as i32,
                        state: 0,
                        page: None,
                    },
                    Role::Investigator,
                )?)
                .await?
                .into_inner()
                .follow_ups;
            if let Some(f) = list.iter().find(|f| f.id == fu.id) {
                let state = v1::FollowUpState::try_from(f.state).unwrap_or_default();
                if state != v1::FollowUpState::Pending && state != v1::FollowUpState::Sent {
                    say.line(format!(
                        "  fiu-de: follow-up answered: {:?}: \"{}\"",
                        state, f.message
                    ));
                    report.follow_up_state = Some(state);
                    report.follow_up_message = f.message.clone();
                    break;
                }
            }
            if Instant::now() > deadline {
                say.line("  fiu-de: no answer within 10 s");
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    say.line("Statistics (hits per peer, no identities):");
    for (i, ch) in channels.iter().enumerate() {
        let stats = InvestigatorClient::new(ch.clone())
            .get_statistics(request(
                v1::StatisticsRequest {
                    period: v1::Period::Month as i32,
                    since: None,
                    until: None,
                },
                Role::Investigator,
            )?)
            .await?
            .into_inner();
        for row in stats.rows {
            say.line(format!(
                "  {} with {}: {} hits, {} follow-ups sent, {} received",
                MEMBERS[i],
                row.peer,
                row.hits,
                row.outgoing.map_or(0, |c| c.total),
                row.incoming.map_or(0, |c| c.total)
            ));
            report
                .statistics
                .push((MEMBERS[i].to_owned(), row.peer, row.hits));
        }
    }
    say.line("Audit: each node signs its log, the others countersign, and an auditor checks each export offline:");
    for (member, line) in verify_logs(&nodes, &channels).await? {
        say.line(format!("  {line}"));
        if let Some(m) = member {
            report.audit_verified.push(m);
        }
    }

    if options.keep_running {
        say.line("Nodes keep running. Try, in another terminal (mutual TLS: the certificate");
        say.line("names the caller and its role):");
        let ca = dir.join(pki::NETWORK_CA_CERT);
        say.line(format!("  export FIU_CA={}", ca.display()));
        let as_user = |i: usize, user: &str| {
            let (cert, key) = pki::user_files(&dir.join(MEMBERS[i]), user);
            format!(
                "fiu-node --node {} --server-name {} --cert {} --key {}",
                nodes[i].endpoint(),
                MEMBERS[i],
                cert.display(),
                key.display()
            )
        };
        say.line(format!("  {} hits", as_user(0, "demo-investigator")));
        say.line(format!(
            "  {} hits --watch",
            as_user(1, "demo-investigator")
        ));
        say.line(format!(
            "  {} lookup --case C-1 --purpose test --given Aleksandr --family Pushkin --dob 1979-06-26",
            as_user(2, "demo-investigator")
        ));
        say.line(format!(
            "  {} audit export --sign-now --out log.jsonl",
            as_user(0, "demo-auditor")
        ));
        say.line("Press Ctrl-C to stop.");
        let _ = tokio::signal::ctrl_c().await;
    } else {
        say.line("Next: run with --keep-running and explore with the CLI (`fiu-node --help`).");
    }
    for n in nodes {
        n.stop().await?;
    }
    say.line("Stopped.");
    Ok(report)
}
