//! The `fiu-node serve` binary as a log collector and a Prometheus scraper see it: with
//! `--log-format json` every log line on stderr is one JSON object with structured fields, and
//! with `[metrics] listen` in its config the node serves `/metrics` over HTTP.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_fiu-node");

/// How long the node may take to start and log its metrics address.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// Kills the child when dropped (also on a failed assertion).
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(addr: SocketAddr, path: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("metrics port accepts");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn json_logs_are_json_lines_and_metrics_are_served() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("node");
    let init = Command::new(BIN)
        .args(["init", "--dir", dir.to_str().unwrap()])
        .args(["--member-id", "fiu-a", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let config = dir.join("config.toml");
    // Enable the metrics listener as the written config suggests, on a free port.
    let text = std::fs::read_to_string(&config).unwrap();
    let commented = "# listen = \"127.0.0.1:9464\"";
    assert!(text.contains(commented), "{text}");
    std::fs::write(&config, text.replace(commented, "listen = \"127.0.0.1:0\"")).unwrap();

    let child = Command::new(BIN)
        // A development node: `init` writes no manifest or certificates.
        .args([
            "--log-format",
            "json",
            "serve",
            "--insecure-plaintext",
            "--config",
        ])
        .arg(&config)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let mut child = Killed(child);
    let stderr = child.0.stderr.take().unwrap();

    // Read log lines until the node says where its metrics are; each must be JSON.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let deadline = Instant::now() + START_TIMEOUT;
    let mut seen = Vec::new();
    let metrics_addr: SocketAddr = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no `serving metrics` line; got:\n{}", seen.join("\n")));
        let json: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("log line is not JSON ({e}): {line}"));
        assert!(json["level"].is_string(), "{line}");
        assert!(json["timestamp"].is_string(), "{line}");
        seen.push(line.clone());
        if json["fields"]["message"] == "serving metrics" {
            assert_eq!(json["fields"]["member"], "fiu-a", "{line}");
            break json["fields"]["addr"]
                .as_str()
                .expect("addr field")
                .parse()
                .expect("a socket address");
        }
    };
    let page = get(metrics_addr, "/metrics");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("fiu_node_info{member=\"fiu-a\""), "{page}");
    assert!(page.contains("fiu_subjects_stored 0"), "{page}");
    assert!(page.trim_end().ends_with("# EOF"), "{page}");
    let other = get(metrics_addr, "/other");
    assert!(other.starts_with("HTTP/1.1 404"), "{other}");
}
