//! The deployment recipes in deploy/ stay loadable: the example config, the compose nodes'
//! configs (also as the `keys` service completes them) and the Kubernetes ConfigMap's config
//! all parse with [`Config::load`] / [`Config::parse`], and the files refer to each other
//! consistently. What needs a Docker engine, a cluster or systemd is checked by the commands in
//! deploy/README.md instead.

use std::path::{Path, PathBuf};

use fiu_node::config::Config;
use matcher::Category;

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
    assert_eq!(c.filter.target_fpr, 1e-6);
    assert_eq!(c.filter.initial_capacity, 1_000_000);
    assert_eq!(
        c.policy.share_categories,
        vec![Category::Suspect, Category::Associate]
    );
    assert!(c.policy.shares_with("fiu-fr"));
    assert_eq!(c.policy.phone_region.as_deref(), Some("DE"));
    assert_eq!(c.limits.max_message_bytes, 512 * 1024 * 1024);
    assert_eq!(c.peers.len(), 2);
    assert_eq!(c.peers[0].member_id, "fiu-fr");

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
    for key in keys {
        assert!(
            text.lines().any(|l| l.starts_with(&format!("{key} = "))),
            "option `{key}` is missing from deploy/config.example.toml"
        );
    }
}

const NODES: [&str; 3] = ["fiu-a", "fiu-b", "fiu-c"];

#[test]
fn the_compose_configs_parse_alone_and_with_their_peers() {
    let compose = read("compose/docker-compose.yml");
    // Example public keys (valid Ed25519 points), standing for what `init` generates.
    let keys = [
        "61bd2298ce3c2a5812cdccba9cb792054b10170cab2532866ad93856d9b40532",
        "d623310a6aca9122081608df82c3abf889e3519d576c6627354cf9a1ea59aad2",
        "deaedf499c721f20ab901d745e026c3e91a67e91a123bce346f46770522842dd",
    ];
    for (i, node) in NODES.iter().enumerate() {
        assert!(
            compose.contains(&format!("\n  {node}:\n")),
            "service {node} is missing from docker-compose.yml"
        );
        assert!(compose.contains(&format!("{node}-data:/var/lib/fiu-node")));
        assert!(compose.contains(&format!("{node}-data:/nodes/{node}")));

        let rel = format!("compose/config/{node}.toml");
        let base = Config::load(&deploy_dir().join(&rel)).unwrap();
        assert_eq!(base.node.member_id, *node, "{rel}");
        assert_eq!(base.node.listen.port(), 7400, "{rel}");
        assert_eq!(base.node.data_dir, Path::new("/var/lib/fiu-node"), "{rel}");
        assert!(
            base.peers.is_empty(),
            "{rel}: peers are appended by the keys service"
        );

        // What init-network.sh writes: the base file, then the others' peer blocks as
        // `show-key --peer-block` prints them with the endpoint set to the service name.
        let mut text = read(&rel);
        for (j, peer) in NODES.iter().enumerate() {
            if i != j {
                text.push_str(&format!(
                    "\n[[peers]]\nmember_id = \"{peer}\"\nendpoint = \"http://{peer}:7400\"\npublic_key = \"{}\"\n",
                    keys[j]
                ));
            }
        }
        let full = Config::parse(&text, &rel).unwrap();
        assert_eq!(full.peers.len(), 2, "{rel}");
        assert!(
            full.peers
                .iter()
                .all(|p| p.endpoint == format!("http://{}:7400", p.member_id))
        );
    }
    let script = read("compose/init-network.sh");
    assert!(
        script.contains("THIS-HOST"),
        "the script must replace show-key's placeholder host"
    );
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

#[test]
fn the_kubernetes_config_parses_and_matches_the_mounts() {
    let text = configmap_config(&read("kubernetes/configmap.yaml"));
    let c = Config::parse(&text, "kubernetes/configmap.yaml").unwrap();
    assert_eq!(c.node.listen.port(), 7400);
    assert_eq!(c.node.data_dir, Path::new("/var/lib/fiu-node"));
    assert_eq!(c.peers.len(), 2);

    let sts = read("kubernetes/statefulset.yaml");
    assert!(sts.contains("mountPath: /var/lib/fiu-node"));
    assert!(sts.contains("mountPath: /etc/fiu-node/config.toml"));
    assert!(sts.contains("mountPath: /etc/fiu-node/secrets"));
    for file in [&c.node.identity_key_file, &c.network.secret_file] {
        let path = c.data_path(file);
        assert!(
            path.starts_with("/etc/fiu-node/secrets"),
            "{} is not on the Secret mount",
            path.display()
        );
        let name = path.file_name().unwrap().to_str().unwrap();
        assert!(
            sts.contains(&format!("path: {name}")),
            "{name} is not mounted"
        );
    }
    assert!(sts.contains("port: 7400"));
    assert!(sts.contains("service: fiu.v1.Peering"));
}
