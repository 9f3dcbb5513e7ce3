//! `fiu-node pki` and mutual TLS through the binary, as an operator would use them: make a
//! network directory, serve one member from it, call it with a user certificate, and see
//! the refusals a wrong certificate, a missing one or an inconsistent manifest get.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_fiu-node");

fn fiu() -> Command {
    let mut c = Command::new(BIN);
    for v in [
        "FIU_NODE",
        "FIU_USER",
        "FIU_CA",
        "FIU_CERT",
        "FIU_KEY",
        "FIU_SERVER_NAME",
    ] {
        c.env_remove(v);
    }
    c.env("RUST_LOG", "warn");
    c
}

fn run(args: &[&str]) -> Output {
    fiu().args(args).output().expect("the binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `fiu-node serve`, killed when dropped.
struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(config: &Path, port: u16, log: &Path) -> Serve {
    let child = fiu()
        .args(["serve", "--config", config.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .expect("serve starts");
    let mut s = Serve(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = s.0.try_wait() {
            panic!(
                "serve exited with {status}: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        assert!(Instant::now() < deadline, "node did not listen within 10 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    s
}

fn network(dir: &Path, port: u16) {
    let o = run(&[
        "pki",
        "network",
        "--name",
        "pilot",
        "--members",
        "fiu-de,fiu-fr",
        "--endpoints",
        &format!("https://127.0.0.1:{port},https://127.0.0.1:{}", port + 1),
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn a_pki_network_serves_mutual_tls_and_takes_roles_from_certificates() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let port = free_port();
    network(&dir, port);
    let de = dir.join("fiu-de");
    for f in [
        "tls/member.key",
        "tls/users-ca.key",
        "users/investigator.key",
        "identity.key",
    ] {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(de.join(f)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{f} is owner-only");
        }
    }
    let _node = serve(&de.join("config.toml"), port, &tmp.path().join("serve.log"));

    let url = format!("https://127.0.0.1:{port}");
    let ca = dir.join("network-ca.pem");
    let as_user = |user: &str, args: &[&str]| -> Output {
        let cert = de.join(format!("users/{user}.pem"));
        let key = de.join(format!("users/{user}.key"));
        let mut all = vec![
            "--node",
            url.as_str(),
            "--ca",
            ca.to_str().unwrap(),
            "--cert",
            cert.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
            "--server-name",
            "fiu-de",
        ];
        all.extend_from_slice(args);
        fiu().args(&all).output().unwrap()
    };

    // The investigator's certificate reaches the investigator API.
    let o = as_user("investigator", &["hits", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    // The operator's does not, whatever --user says.
    let o = as_user("operator", &["--user", "investigator", "hits"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("PERMISSION_DENIED") && text(&o).contains("investigator role"),
        "{}",
        text(&o)
    );
    // Without a certificate the client says what is missing.
    let o = run(&["--node", &url, "hits"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("--ca"), "{}", text(&o));
    // The node still serves.
    let o = as_user("investigator", &["hits"]);
    assert!(o.status.success(), "{}", text(&o));

    // `health`, as a probe runs it: the network CA only, no client certificate.
    let health = |service: &str| {
        run(&[
            "--node",
            &url,
            "--ca",
            ca.to_str().unwrap(),
            "--server-name",
            "fiu-de",
            "health",
            "--service",
            service,
        ])
    };
    let o = health("");
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("node: SERVING"), "{}", text(&o));
    // fiu-fr is not running: its peer entry is not serving, and the probe fails.
    let o = health("fiu.peers.fiu-fr");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("fiu.peers.fiu-fr: NOT_SERVING"),
        "{}",
        text(&o)
    );
}

#[test]
fn a_node_refuses_to_start_on_a_manifest_that_disagrees_with_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let port = free_port();
    network(&dir, port);
    let de = dir.join("fiu-de");
    let manifest = de.join("manifest.toml");
    let original = std::fs::read_to_string(&manifest).unwrap();
    let config = de.join("config.toml");
    let config_arg = config.to_str().unwrap().to_owned();

    // fiu-fr's pinned certificate in fiu-de's slot: not this node's certificate.
    let pins: Vec<&str> = original
        .lines()
        .filter(|l| l.starts_with("certificate_sha256"))
        .collect();
    assert_eq!(pins.len(), 2);
    std::fs::write(&manifest, original.replacen(pins[0], pins[1], 1)).unwrap();
    let o = run(&["serve", "--config", &config_arg]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("certificate_sha256"), "{}", text(&o));

    // Two members with the same id.
    std::fs::write(&manifest, original.replace("\"fiu-fr\"", "\"fiu-de\"")).unwrap();
    let o = run(&["serve", "--config", &config_arg]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("members[1].id") && text(&o).contains("twice"),
        "{}",
        text(&o)
    );

    // An epoch the node's configuration does not run.
    std::fs::write(&manifest, original.replace("current = 1", "current = 2")).unwrap();
    let o = run(&["serve", "--config", &config_arg]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("epoch"), "{}", text(&o));
}
