//! The deployment recipes in deploy/ stay loadable: the example config, the compose nodes'
//! configs and the Kubernetes ConfigMap's config all parse with [`Config::load`] /
//! [`Config::parse`], run mutual TLS, and name files where the recipes mount them. The compose
//! `keys` script runs for real (with this build's `fiu-node`) and the nodes start on what it
//! wrote; the Kubernetes Secret's files, made by `fiu-node pki`, start a node too. What needs a
//! Docker engine, a cluster or systemd is checked by the commands in deploy/README.md instead.

use std::path::{Path, PathBuf};

use std::io::{Read, Write};

use fiu_node::config::Config;
use fiu_node::manifest::Manifest;
use fiu_node::pki::{self, MemberSpec, NetworkSpec};
use fiu_node::server;
use matcher::Category;
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy")
}

fn read(rel: &str) -> String {
    let path = deploy_dir().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_example_config_parses_and_sets_every_option() {
    let c = Config::load(&deploy_dir().join("config.example.toml")).unwrap();
    assert_eq!(c.node.member_id, "fiu-de");
    assert_eq!(c.node.listen.port(), 7400);
    assert_eq!(c.node.data_dir, Path::new("/var/lib/fiu-node"));
    assert_eq!(c.node.identity_key_file, Path::new("identity.key"));
    assert_eq!(
        c.data_path(&c.network.secret_file),
        Path::new("/var/lib/fiu-node/network.secret")
    );
    assert_eq!(c.network.epoch, 1);
    assert_eq!(c.filter.target_fpr, 1e-8);
    assert_eq!(c.filter.initial_capacity, 1_000_000);
    assert_eq!(
        c.policy.share_categories,
        vec![Category::Suspect, Category::Associate]
    );
    assert!(c.policy.shares_with("fiu-fr"));
    assert_eq!(c.policy.phone_region.as_deref(), Some("DE"));
    assert_eq!(c.limits.max_message_bytes, 512 * 1024 * 1024);
    // Mutual TLS: the peers come from the manifest, the certificates from [tls].
    assert!(c.peers.is_empty());
    assert!(!c.node.insecure_plaintext);
    assert_eq!(
        c.network.manifest.as_deref().map(|m| c.data_path(m)),
        Some(Path::new("/var/lib/fiu-node/manifest.toml").to_path_buf())
    );
    assert_eq!(c.tls, fiu_node::config::TlsSection::default());
    assert_eq!(c.metrics.listen.map(|a| a.port()), Some(9464));

    // The example shows each optional option at its default: a minimal file with only the
    // required ones gives the same sections.
    let minimal = Config::parse(
        "[node]\nmember_id = \"fiu-de\"\nlisten = \"0.0.0.0:7400\"\n\
         data_dir = \"/var/lib/fiu-node\"\n\
         [network]\nsecret_file = \"network.secret\"\nepoch = 1\n",
        "minimal",
    )
    .unwrap();
    assert_eq!(c.filter, minimal.filter);
    assert_eq!(c.limits, minimal.limits);
    assert_eq!(c.node.identity_key_file, minimal.node.identity_key_file);
    assert_eq!(c.policy.share_categories, minimal.policy.share_categories);
    assert_eq!(c.policy.share_with, minimal.policy.share_with);

    // Every option of the configuration appears, uncommented, in the example.
    let text = read("config.example.toml");
    let full = toml::to_string(&c).unwrap();
    let mut keys: Vec<String> = full
        .lines()
        .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim().to_owned()))
        .collect();
    keys.push("phone_region".to_owned());
    // `[[peers]]` is for development networks without a manifest: shown commented out.
    keys.retain(|k| k != "peers");
    for key in keys {
        assert!(
            text.lines().any(|l| l.starts_with(&format!("{key} = "))),
            "option `{key}` is missing from deploy/config.example.toml"
        );
    }
    // Every section, and the options without a default (PostgreSQL only), shown commented.
    for section in [
        "node", "network", "filter", "policy", "limits", "storage", "audit", "metrics", "tls",
    ] {
        assert!(
            text.lines().any(|l| l == format!("[{section}]")),
            "section [{section}] is missing from deploy/config.example.toml"
        );
    }
    for key in ["url", "password_file", "schema"] {
        assert!(
            text.lines().any(|l| l.starts_with(&format!("# {key} = "))),
            "option `{key}` is not shown in deploy/config.example.toml"
        );
    }
}

const NODES: [&str; 3] = ["fiu-a", "fiu-b", "fiu-c"];

/// Every file a config names (with its field), resolved against `data_dir`.
fn named_files(c: &Config) -> Vec<(&'static str, PathBuf)> {
    let tls = c.tls_files();
    let mut files = vec![
        (
            "node.identity_key_file",
            c.data_path(&c.node.identity_key_file),
        ),
        ("network.secret_file", c.data_path(&c.network.secret_file)),
        ("tls.network_ca", tls.network_ca),
        ("tls.cert", tls.cert),
        ("tls.key", tls.key),
        ("tls.users_ca", tls.users_ca),
    ];
    if let Some(m) = &c.network.manifest {
        files.push(("network.manifest", c.data_path(m)));
    }
    files
}

/// A config as a node in this test runs it: files under `from` moved to `to`, its store in
/// `data_dir`, both listeners on loopback port 0.
fn relocated(text: &str, origin: &str, from: &str, to: &Path, data_dir: &Path) -> Config {
    let text = text.replace(&format!("\"{from}"), &format!("\"{}/", to.display()));
    let mut c = Config::parse(&text, origin).unwrap();
    c.node.data_dir = data_dir.to_path_buf();
    c.node.listen = "127.0.0.1:0".parse().unwrap();
    c.metrics.listen = Some("127.0.0.1:0".parse().unwrap());
    c
}

/// Starts the node of `c` (which loads and checks its keys, certificates and manifest), asks
/// its gRPC health over TLS without a client certificate (as a probe does) and its metrics
/// listener what the compose health check asks, and stops it.
async fn starts_and_answers_probes(c: Config, what: &str) {
    let ca = std::fs::read(c.tls_files().network_ca).unwrap();
    let server_name = c.node.member_id.clone();
    let node = server::spawn(c)
        .await
        .unwrap_or_else(|e| panic!("{what} does not start: {e}"));
    let channel = Endpoint::from_shared(format!("https://{}", node.addr))
        .unwrap()
        .tls_config(
            ClientTlsConfig::new()
                .ca_certificate(Certificate::from_pem(ca))
                .domain_name(server_name),
        )
        .unwrap()
        .connect()
        .await
        .unwrap_or_else(|e| panic!("{what}: TLS without a client certificate: {e}"));
    let status = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap_or_else(|e| panic!("{what}: health without a client certificate: {e}"))
        .into_inner()
        .status;
    assert_eq!(status, ServingStatus::Serving as i32, "{what}");
    let addr = node.metrics_addr.expect("metrics listener");
    let first_line = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.write_all(b"GET /metrics HTTP/1.0\r\n\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out.lines().next().unwrap_or_default().to_owned()
    })
    .await
    .unwrap();
    assert!(
        first_line.contains(" 200 "),
        "{what}: /metrics answered `{first_line}`"
    );
    node.stop().await.unwrap();
}

#[test]
fn the_compose_file_wires_the_keys_volume_into_every_node() {
    let compose = read("compose/docker-compose.yml");
    assert!(!compose.contains("insecure_plaintext") && !compose.contains("--insecure"));
    // The keys service writes the shared volume; every node waits for it to finish.
    let keys = compose
        .split("\n  keys:\n")
        .nth(1)
        .expect("a keys service")
        .split("\n\n")
        .next()
        .unwrap();
    assert!(keys.contains("- pki:/pki\n"), "keys mounts pki read-write");
    assert!(keys.contains("/deploy/init-network.sh"));
    assert!(compose.contains("condition: service_completed_successfully"));
    for node in NODES {
        let service = compose
            .split(&format!("\n  {node}:\n"))
            .nth(1)
            .unwrap_or_else(|| panic!("service {node} is missing from docker-compose.yml"))
            .split("\n\n")
            .next()
            .unwrap();
        assert!(service.contains("<<: *node"), "{node} shares x-node");
        assert!(service.contains(&format!("- {node}-data:/var/lib/fiu-node\n")));
        assert!(
            service.contains("- pki:/pki:ro\n"),
            "{node} mounts pki read-only"
        );
        assert!(service.contains(&format!(
            "command: [\"serve\", \"--config\", \"/pki/{node}/config.toml\"]"
        )));
        // What init-network.sh copies to /pki/<node>/config.toml.
        let rel = format!("compose/config/{node}.toml");
        let c = Config::load(&deploy_dir().join(&rel)).unwrap();
        assert_eq!(c.node.member_id, node, "{rel}");
        assert!(!c.node.insecure_plaintext, "{rel}: mutual TLS");
        assert!(
            c.peers.is_empty(),
            "{rel}: the peers come from the manifest"
        );
        assert_eq!(c.node.data_dir, Path::new("/var/lib/fiu-node"), "{rel}");
        for (field, path) in named_files(&c) {
            assert!(
                path.starts_with(format!("/pki/{node}/")),
                "{rel}: {field} = {} is not in this node's part of the pki volume",
                path.display()
            );
        }
        // The health check asks the metrics port the config binds.
        let metrics = c.metrics.listen.expect("metrics").port();
        assert!(compose.contains(&format!("/dev/tcp/127.0.0.1/{metrics}")));
        assert!(
            service.contains(&format!(":{metrics}\"")),
            "{node} publishes metrics"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_compose_keys_script_makes_a_network_the_nodes_start_on() {
    let pki_dir = tempfile::tempdir().unwrap();
    let run = || {
        std::process::Command::new("sh")
            .arg(deploy_dir().join("compose/init-network.sh"))
            .env("PKI_DIR", pki_dir.path())
            .env("CONFIG_DIR", deploy_dir().join("compose/config"))
            .env("FIU_NODE", env!("CARGO_BIN_EXE_fiu-node"))
            .output()
            .unwrap()
    };
    let first = run();
    assert!(
        first.status.success(),
        "init-network.sh failed: {}",
        String::from_utf8_lossy(&first.stderr)
    );
    let second = run();
    assert!(second.status.success());
    assert!(String::from_utf8_lossy(&second.stdout).contains("nothing to do"));

    let manifest = Manifest::load(&pki_dir.path().join("manifest.toml")).unwrap();
    for node in NODES {
        let path = pki_dir.path().join(node).join("config.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            read(&format!("compose/config/{node}.toml")),
            "pki network kept the recipe's config"
        );
        let data = tempfile::tempdir().unwrap();
        let c = relocated(
            &text,
            &path.display().to_string(),
            "/pki/",
            pki_dir.path(),
            data.path(),
        );
        for (field, file) in named_files(&c) {
            assert!(
                file.is_file(),
                "{node}: {field} {} was not written",
                file.display()
            );
        }
        // Peers dial the endpoint the manifest gives, on the port the node listens on.
        let listen = Config::parse(&text, node).unwrap().node.listen.port();
        assert_eq!(
            manifest.member(node).map(|m| m.endpoint.as_str()),
            Some(format!("https://{node}:{listen}").as_str())
        );
        starts_and_answers_probes(c, node).await;
    }
}

/// The `config.toml: |` block of the ConfigMap, unindented.
fn configmap_config(yaml: &str) -> String {
    let lines = yaml
        .lines()
        .skip_while(|l| l.trim() != "config.toml: |")
        .skip(1);
    let mut out = String::new();
    for l in lines {
        if l.is_empty() {
            out.push('\n');
        } else if let Some(rest) = l.strip_prefix("    ") {
            out.push_str(rest);
            out.push('\n');
        } else {
            break;
        }
    }
    out
}

const SECRET_MOUNT: &str = "/etc/fiu-node/secrets";

#[test]
fn the_kubernetes_config_parses_and_matches_the_mounts() {
    let text = configmap_config(&read("kubernetes/configmap.yaml"));
    let c = Config::parse(&text, "kubernetes/configmap.yaml").unwrap();
    assert!(!c.node.insecure_plaintext, "mutual TLS");
    assert!(c.peers.is_empty(), "the peers come from the manifest");
    assert!(c.network.manifest.is_some());
    assert_eq!(c.node.listen.port(), 7400);
    assert_eq!(c.node.data_dir, Path::new("/var/lib/fiu-node"));

    let sts = read("kubernetes/statefulset.yaml");
    let secret = read("kubernetes/secret.example.yaml");
    assert!(sts.contains("mountPath: /var/lib/fiu-node"));
    assert!(sts.contains("mountPath: /etc/fiu-node/config.toml"));
    assert!(sts.contains(&format!("mountPath: {SECRET_MOUNT}")));
    for (field, path) in named_files(&c) {
        assert!(
            path.starts_with(SECRET_MOUNT),
            "{field} = {} is not on the Secret mount",
            path.display()
        );
        let name = path.file_name().unwrap().to_str().unwrap();
        assert!(
            sts.contains(&format!("- key: {name}\n")) && sts.contains(&format!("path: {name}\n")),
            "{field}: {name} is not mounted from the Secret"
        );
        assert!(
            secret.contains(&format!("\n  {name}: ")),
            "{field}: {name} is not in secret.example.yaml"
        );
        assert!(
            secret.contains(&format!("--from-file={name}=")),
            "{field}: secret.example.yaml does not say how to create {name}"
        );
    }
    // The kubelet's gRPC probe cannot do TLS: the probes ask the metrics listener.
    assert!(
        !sts.contains("grpc:"),
        "a kubelet gRPC probe fails against TLS"
    );
    assert_eq!(
        sts.matches("httpGet:\n              path: /metrics\n              port: metrics\n")
            .count(),
        2,
        "startup and liveness probes"
    );
    // Readiness runs `fiu-node health` over TLS with the CA the config names, for the member
    // the config runs.
    let readiness = sts
        .split("readinessProbe:")
        .nth(1)
        .expect("a readiness probe")
        .split("volumeMounts:")
        .next()
        .unwrap_or_default();
    assert!(readiness.contains("- health"), "{readiness}");
    assert!(
        readiness.contains(&format!("- {}", c.tls.network_ca.display())),
        "{readiness}"
    );
    assert!(
        readiness.contains(&format!("- {}", c.node.member_id)),
        "{readiness}"
    );
    assert!(
        readiness.contains(&format!("- https://127.0.0.1:{}", c.node.listen.port())),
        "{readiness}"
    );
    // Prometheus scrapes the port the config's metrics listener binds.
    let metrics = c.metrics.listen.expect("the recipe serves metrics").port();
    assert!(sts.contains(&format!(
        "- name: metrics\n              containerPort: {metrics}"
    )));
    assert!(sts.contains(&format!("prometheus.io/port: \"{metrics}\"")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_starts_on_the_kubernetes_secret_made_by_pki() {
    let text = configmap_config(&read("kubernetes/configmap.yaml"));
    let c = Config::parse(&text, "kubernetes/configmap.yaml").unwrap();
    let me = c.node.member_id.clone();
    // The files as secret.example.yaml's kubectl command takes them from `pki network`.
    let out = tempfile::tempdir().unwrap();
    let spec = NetworkSpec {
        network: "eu-pilot".into(),
        members: [me.as_str(), "fiu-fr"]
            .iter()
            .enumerate()
            .map(|(i, id)| MemberSpec {
                id: (*id).to_owned(),
                country: pki::country_of(id).unwrap(),
                endpoint: format!("https://{id}.example.org:{}", 7400 + i),
                hosts: Vec::new(),
            })
            .collect(),
        users: Vec::new(),
        epoch: c.network.epoch,
        target_fpr: c.filter.target_fpr,
    };
    pki::write_network(out.path(), &spec).unwrap();
    let secret = read("kubernetes/secret.example.yaml");
    let mounted = tempfile::tempdir().unwrap();
    let mut copied = 0;
    for l in secret.lines() {
        let Some((name, from)) = l
            .split("--from-file=")
            .nth(1)
            .and_then(|a| a.trim_end_matches(" \\").split_once('='))
        else {
            continue;
        };
        let from = out
            .path()
            .join(from.replace("./fiu-de/", &format!("{me}/")));
        std::fs::copy(&from, mounted.path().join(name))
            .unwrap_or_else(|e| panic!("{}: {e}", from.display()));
        copied += 1;
    }
    assert_eq!(copied, 7);
    let data = tempfile::tempdir().unwrap();
    let c = relocated(
        &text,
        "kubernetes/configmap.yaml",
        &format!("{SECRET_MOUNT}/"),
        mounted.path(),
        data.path(),
    );
    starts_and_answers_probes(c, "the Kubernetes node").await;
}
