//! The `fiu-node` binary, run as a user would: `init`, `--help` of every command, and the
//! client commands against one real node started with `fiu-node serve` as a child process.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use fiu_node::config::Config;

const BIN: &str = env!("CARGO_BIN_EXE_fiu-node");

/// The binary with a clean environment for its own variables.
fn fiu() -> Command {
    let mut c = Command::new(BIN);
    c.env_remove("FIU_NODE")
        .env_remove("FIU_USER")
        .env("RUST_LOG", "warn");
    c
}

fn run(args: &[&str]) -> Output {
    fiu().args(args).output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

/// A free loopback port: bound, read and released (a tiny race with other processes is
/// accepted; the config needs a fixed port).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn init(dir: &Path, member: &str, listen: &str) -> Output {
    run(&[
        "init",
        "--dir",
        dir.to_str().unwrap(),
        "--member-id",
        member,
        "--listen",
        listen,
    ])
}

mod help {
    use super::*;

    #[test]
    fn every_command_has_help() {
        for path in [
            &[][..],
            &["init"],
            &["serve"],
            &["show-key"],
            &["import"],
            &["delete"],
            &["lookup"],
            &["hits"],
            &["follow-up"],
            &["follow-up", "request"],
            &["follow-up", "respond"],
            &["follow-up", "list"],
            &["stats"],
        ] {
            let mut args: Vec<&str> = path.to_vec();
            args.push("--help");
            let o = run(&args);
            assert!(o.status.success(), "{args:?}: {}", stderr(&o));
            assert!(
                stdout(&o).contains("Usage: fiu-node"),
                "{args:?}: {}",
                stdout(&o)
            );
        }
    }

    #[test]
    fn client_commands_take_node_user_and_json() {
        for cmd in ["import", "delete", "lookup", "hits", "stats"] {
            let help = stdout(&run(&[cmd, "--help"]));
            for opt in ["--node", "--user", "--json", "FIU_NODE"] {
                assert!(help.contains(opt), "{cmd} --help lacks {opt}");
            }
        }
    }

    #[test]
    fn a_bad_flag_is_a_usage_error() {
        let o = run(&["hits", "--min-confidence", "lots"]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    }
}

mod init {
    use super::*;

    #[test]
    fn writes_a_config_that_loads_and_refuses_to_overwrite() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("node-a");
        let o = init(&dir, "fiu-a", "127.0.0.1:7411");
        assert!(o.status.success(), "{}", stderr(&o));
        let out = stdout(&o);

        let config = Config::load(&dir.join("config.toml")).expect("the written config loads");
        assert_eq!(config.node.member_id, "fiu-a");
        assert_eq!(config.node.listen.to_string(), "127.0.0.1:7411");
        assert_eq!(config.network.epoch, 1);
        assert!(config.peers.is_empty());
        let text = std::fs::read_to_string(dir.join("config.toml")).unwrap();
        for option in [
            "identity_key_file",
            "secret_file",
            "target_fpr",
            "initial_capacity",
            "share_categories",
            "share_with",
            "phone_region",
            "max_message_bytes",
            "max_batch_subjects",
            "max_page_size",
            "[[peers]]",
            "public_key",
        ] {
            assert!(text.contains(option), "config lacks {option}");
        }

        // The printed key is the one show-key reads from the files.
        let key = stdout(&run(&[
            "show-key",
            "--config",
            dir.join("config.toml").to_str().unwrap(),
        ]));
        let key = key.trim();
        assert_eq!(key.len(), 64, "{key}");
        assert!(out.contains(key), "{out}");
        assert!(out.contains("fiu-a"));
        assert!(
            out.contains("same secret") || out.contains("SAME secret"),
            "{out}"
        );
        assert!(out.contains("fiu-node serve --config"), "{out}");

        #[cfg(unix)]
        for f in ["identity.key", "network.secret"] {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(f)).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{f} is readable by others: {mode:o}");
        }

        let before = std::fs::read(dir.join("identity.key")).unwrap();
        let again = init(&dir, "fiu-a", "127.0.0.1:7411");
        assert_eq!(again.status.code(), Some(1));
        assert!(
            stderr(&again).contains("already exists"),
            "{}",
            stderr(&again)
        );
        assert_eq!(
            std::fs::read(dir.join("identity.key")).unwrap(),
            before,
            "the key was overwritten"
        );
    }

    #[test]
    fn copies_a_given_network_secret_and_refuses_a_bad_one() {
        let tmp = tempfile::tempdir().unwrap();
        let secret = tmp.path().join("shared.secret");
        let hex = "ab".repeat(32);
        std::fs::write(&secret, format!("{hex}\n")).unwrap();
        let dir = tmp.path().join("b");
        let o = run(&[
            "init",
            "--dir",
            dir.to_str().unwrap(),
            "--member-id",
            "fiu-b",
            "--network-secret",
            secret.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(
            std::fs::read_to_string(dir.join("network.secret")).unwrap(),
            hex
        );
        assert!(!stdout(&o).contains("NEW network secret"));

        std::fs::write(&secret, "not hex").unwrap();
        let dir = tmp.path().join("c");
        let o = run(&[
            "init",
            "--dir",
            dir.to_str().unwrap(),
            "--member-id",
            "fiu-c",
            "--network-secret",
            secret.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(1));
        assert!(stderr(&o).contains("64 hex characters"), "{}", stderr(&o));
        assert!(!dir.join("identity.key").exists() && !dir.join("config.toml").exists());
    }

    #[test]
    fn refuses_a_bad_member_id() {
        let tmp = tempfile::tempdir().unwrap();
        let o = init(&tmp.path().join("x"), "FIU A", "127.0.0.1:7400");
        assert_eq!(o.status.code(), Some(1));
        assert!(stderr(&o).contains("--member-id"), "{}", stderr(&o));
    }

    #[test]
    fn serve_names_the_file_and_field_of_a_bad_config() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("d");
        assert!(init(&dir, "fiu-d", "127.0.0.1:7400").status.success());
        let path = dir.join("config.toml");
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("# target_fpr = 1e-8", "target_fpr = 0.9");
        std::fs::write(&path, text).unwrap();
        let o = run(&["serve", "--config", path.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1));
        let e = stderr(&o);
        assert!(
            e.contains("config.toml") && e.contains("filter.target_fpr"),
            "{e}"
        );
    }
}

/// A `fiu-node serve` child process, killed when dropped (also on a failed assertion).
struct ServeGuard {
    child: Child,
    log: PathBuf,
}

impl Drop for ServeGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ServeGuard {
    fn start(config: &Path, log: PathBuf) -> ServeGuard {
        let file = std::fs::File::create(&log).unwrap();
        let child = fiu()
            // A development node: `init` writes no manifest or certificates (the TLS path is
            // tested end to end in tests/pki.rs).
            .args([
                "serve",
                "--insecure-plaintext",
                "--config",
                config.to_str().unwrap(),
            ])
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .expect("serve starts");
        ServeGuard { child, log }
    }

    /// Waits up to 10 s until the port accepts connections.
    fn wait_ready(&mut self, port: u16) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "serve exited with {status}: {}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "node did not listen within 10 s: {}",
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

mod against_a_node {
    use super::*;

    #[test]
    fn import_query_and_delete() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("node");
        let port = free_port();
        let o = init(&dir, "fiu-a", &format!("127.0.0.1:{port}"));
        assert!(o.status.success(), "{}", stderr(&o));
        let mut node = ServeGuard::start(&dir.join("config.toml"), tmp.path().join("serve.log"));
        node.wait_ready(port);
        let url = format!("http://127.0.0.1:{port}");
        let client = |args: &[&str]| -> Output {
            let mut all = vec!["--node", url.as_str(), "--user", "alice"];
            all.extend_from_slice(args);
            run(&all)
        };

        // JSON lines with one line that is not JSON and one subject the node refuses.
        let data = tmp.path().join("subjects.jsonl");
        std::fs::write(
            &data,
            concat!(
                r#"{"local_ref":"R1","category":"suspect","type":"account","iban":"DE89 3704 0044 0532 0130 00"}"#, "\n",
                "this line is not JSON\n",
                r#"{"local_ref":"R2","category":"suspect","type":"person","given_name":"Ann","family_name":"Doe","birth_date":"1980-03-14"}"#, "\n",
                r#"{"local_ref":"R3","category":"suspect","type":"account","iban":"DE00 3704 0044 0532 0130 00"}"#, "\n",
            ),
        )
        .unwrap();
        let o = client(&["import", "--format", "jsonl", data.to_str().unwrap()]);
        let out = stdout(&o);
        assert_eq!(
            o.status.code(),
            Some(3),
            "refusals give exit code 3: {out}{}",
            stderr(&o)
        );
        assert!(
            out.starts_with(
                "subjects.jsonl: 2 imported, 0 updated, 0 unchanged, 2 refused (4 records read)"
            ),
            "{out}"
        );
        assert!(
            out.contains("subjects.jsonl: line 2, column"),
            "the bad line is named: {out}"
        );
        assert!(
            out.contains("line 4 (R3): account.iban"),
            "the node's error is mapped back to the line: {out}"
        );
        assert!(!out.contains("DE00"), "no value is echoed: {out}");

        // Again, as JSON: nothing changes.
        let o = client(&[
            "--json",
            "import",
            "--format",
            "jsonl",
            data.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(3));
        let summary: serde_json::Value =
            serde_json::from_str(stdout(&o).trim()).expect("one JSON object");
        assert_eq!(summary["unchanged"], 2);
        assert_eq!(summary["imported"], 0);
        assert_eq!(summary["refused"], 2);
        assert_eq!(summary["errors"][0]["record_refused"], true);

        // A clean file exits 0.
        let clean = tmp.path().join("clean.jsonl");
        std::fs::write(
            &clean,
            r#"{"local_ref":"R9","category":"associate","type":"email","address":"x@example.org"}"#,
        )
        .unwrap();
        let o = client(&["import", "--format", "jsonl", clean.to_str().unwrap()]);
        assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
        assert!(stdout(&o).contains("1 imported"), "{}", stdout(&o));

        // CSV through a mapping.
        let o = client(&[
            "import",
            "--format",
            "csv",
            "--mapping",
            fixture("mapping.toml").to_str().unwrap(),
            fixture("people.csv").to_str().unwrap(),
        ]);
        assert!(
            stdout(&o).contains("people.csv: "),
            "{}{}",
            stdout(&o),
            stderr(&o)
        );
        assert!(matches!(o.status.code(), Some(0 | 3)), "{}", stderr(&o));
        let o = client(&[
            "import",
            "--format",
            "csv",
            fixture("people.csv").to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(1));
        assert!(stderr(&o).contains("--mapping"), "{}", stderr(&o));

        // No peers: no hits, and a look-up says so.
        let o = client(&["hits", "--json"]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(stdout(&o), "", "no hits, no lines");
        let o = client(&[
            "lookup",
            "--case",
            "C-1",
            "--purpose",
            "test",
            "--iban",
            "DE89 3704 0044 0532 0130 00",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(
            stdout(&o).contains("no hit at any of 0 peers"),
            "{}",
            stdout(&o)
        );
        let subject = tmp.path().join("subject.json");
        std::fs::write(
            &subject,
            r#"{"type":"person","given_name":"Jane","family_name":"Doe","birth_date":"1980-03-14"}"#,
        )
        .unwrap();
        let o = client(&[
            "--json",
            "lookup",
            "--case",
            "C-1",
            "--purpose",
            "test",
            "--subject",
            subject.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let answer: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
        assert_eq!(answer["peers_probed"], 0);
        assert_eq!(answer["hits"], serde_json::json!([]));

        // A subject that yields no match key is refused by name, not answered "no hit".
        std::fs::write(
            &subject,
            r#"{"type":"person","family_name":"Doe","birth_date":"1980-03-14"}"#,
        )
        .unwrap();
        let o = client(&[
            "lookup",
            "--case",
            "C-1",
            "--purpose",
            "test",
            "--subject",
            subject.to_str().unwrap(),
        ]);
        assert!(!o.status.success());
        assert!(
            stderr(&o).contains("INVALID_ARGUMENT") && stderr(&o).contains("no match key"),
            "{}",
            stderr(&o)
        );

        // The node's refusals come back as `error: CODE: message`.
        let o = client(&[
            "lookup",
            "--case",
            "",
            "--purpose",
            "test",
            "--iban",
            "DE89370400440532013000",
        ]);
        assert_eq!(o.status.code(), Some(1));
        assert!(
            stderr(&o).starts_with("error: INVALID_ARGUMENT: "),
            "{}",
            stderr(&o)
        );
        let o = client(&[
            "follow-up",
            "respond",
            "--id",
            "nope",
            "--decision",
            "decline",
        ]);
        assert_eq!(o.status.code(), Some(1));
        assert!(
            stderr(&o).starts_with("error: NOT_FOUND: "),
            "{}",
            stderr(&o)
        );

        let o = client(&["follow-up", "list", "--json"]);
        assert!(
            o.status.success() && stdout(&o).is_empty(),
            "{}",
            stderr(&o)
        );
        let o = client(&["stats", "--period", "week"]);
        assert!(o.status.success(), "{}", stderr(&o));

        let o = client(&[
            "--json",
            "delete",
            "--reason",
            "test clean-up",
            "R1",
            "R-unknown",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let d: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
        assert_eq!(d["deleted"], 1);
        assert_eq!(d["not_found"], serde_json::json!(["R-unknown"]));
    }

    #[test]
    fn a_closed_port_is_a_clear_connection_error() {
        let port = free_port();
        let url = format!("http://127.0.0.1:{port}");
        let o = run(&["hits", "--node", &url, "--user", "alice"]);
        assert_eq!(o.status.code(), Some(1));
        let e = stderr(&o);
        assert!(
            e.starts_with(&format!("error: cannot connect to the node at {url}")),
            "{e}"
        );
        let o = run(&[
            "lookup",
            "--node",
            &url,
            "--user",
            "alice",
            "--case",
            "C",
            "--purpose",
            "p",
            "--email",
            "a@b.org",
        ]);
        assert!(stderr(&o).contains("cannot connect"), "{}", stderr(&o));
    }
}

/// `fiu-node audit`: export a real node's log, then `audit verify` it offline, untouched and
/// tampered with in every way an operator could, each fault named.
mod audit {
    use super::*;

    /// A node with some history, its export (three signed heads), its key and a head file.
    struct Exported {
        _tmp: tempfile::TempDir,
        export: PathBuf,
        head_file: PathBuf,
        key: String,
        dir: PathBuf,
    }

    fn exported() -> Exported {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("node");
        let port = free_port();
        let o = init(&dir, "fiu-a", &format!("127.0.0.1:{port}"));
        assert!(o.status.success(), "{}", stderr(&o));
        let config = dir.join("config.toml");
        let mut node = ServeGuard::start(&config, tmp.path().join("serve.log"));
        node.wait_ready(port);
        let url = format!("http://127.0.0.1:{port}");
        let client = |user: &str, args: &[&str]| -> Output {
            let mut all = vec!["--node", url.as_str(), "--user", user];
            all.extend_from_slice(args);
            run(&all)
        };
        let data = tmp.path().join("subjects.jsonl");
        for (i, iban) in ["DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432"]
            .iter()
            .enumerate()
        {
            std::fs::write(
                &data,
                format!(
                    r#"{{"local_ref":"R{i}","category":"suspect","type":"account","iban":"{iban}"}}"#
                ) + "\n",
            )
            .unwrap();
            let o = client(
                "olga",
                &["import", "--format", "jsonl", data.to_str().unwrap()],
            );
            assert!(o.status.success(), "{}", stderr(&o));
            let o = client("ada", &["audit", "head", "--sign-now"]);
            assert!(o.status.success(), "{}", stderr(&o));
            assert!(stdout(&o).contains("log fiu-a size"), "{}", stdout(&o));
        }
        let head_file = tmp.path().join("head.json");
        let o = client(
            "ada",
            &[
                "audit",
                "head",
                "--sign-now",
                "--out",
                head_file.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let export = tmp.path().join("fiu-a.audit.jsonl");
        let o = client(
            "ada",
            &["audit", "export", "--out", export.to_str().unwrap()],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let o = run(&["show-key", "--config", config.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        Exported {
            _tmp: tmp,
            export,
            head_file,
            key: stdout(&o).trim().to_owned(),
            dir,
        }
    }

    fn lines(path: &Path) -> Vec<String> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Writes `lines` as a new export file and runs `audit verify` on it.
    fn verify(ex: &Exported, name: &str, lines: &[String], extra: &[&str]) -> Output {
        let path = ex.dir.join(name);
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let mut args = vec!["audit", "verify", path.to_str().unwrap(), "--key", &ex.key];
        args.extend_from_slice(extra);
        run(&args)
    }

    /// Index of the line of entry `seq`.
    fn entry_line(lines: &[String], seq: u64) -> usize {
        lines
            .iter()
            .position(|l| {
                l.contains(r#""type":"entry""#) && l.contains(&format!(r#""seq":{seq},"#))
            })
            .unwrap_or_else(|| panic!("no entry {seq}"))
    }

    fn fails_with(o: &Output, needles: &[&str]) {
        assert_eq!(o.status.code(), Some(1), "{}{}", stdout(o), stderr(o));
        let e = stderr(o);
        for n in needles {
            assert!(e.contains(n), "`{n}` not in: {e}");
        }
    }

    #[test]
    fn an_untouched_export_verifies_and_every_tampering_is_named() {
        let ex = exported();
        let original = lines(&ex.export);
        let heads = original
            .iter()
            .filter(|l| l.contains(r#""type":"tree_head""#))
            .count();
        assert!(heads >= 3, "{original:?}");

        let o = verify(&ex, "same.jsonl", &original, &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(
            stdout(&o).starts_with("OK log fiu-a: entries 1..="),
            "{}",
            stdout(&o)
        );

        // A changed entry: its detail edited.
        let mut changed = original.clone();
        let i = entry_line(&changed, 2);
        changed[i] = changed[i].replacen(r#""actor":""#, r#""actor":"x"#, 1);
        fails_with(
            &verify(&ex, "changed.jsonl", &changed, &[]),
            &["does not verify", "changed"],
        );

        // A removed entry: the next one is named.
        let mut removed = original.clone();
        removed.remove(entry_line(&removed, 3));
        fails_with(
            &verify(&ex, "removed.jsonl", &removed, &[]),
            &["entry 4: expected entry 3 here"],
        );

        // Two entries swapped.
        let mut reordered = original.clone();
        let (i, j) = (entry_line(&reordered, 2), entry_line(&reordered, 3));
        reordered.swap(i, j);
        fails_with(
            &verify(&ex, "reordered.jsonl", &reordered, &[]),
            &["entry 3: expected entry 2 here"],
        );

        // An entry inserted (a copy of entry 2 after it).
        let mut inserted = original.clone();
        let i = entry_line(&inserted, 2);
        inserted.insert(i + 1, inserted[i].clone());
        fails_with(
            &verify(&ex, "inserted.jsonl", &inserted, &[]),
            &["entry 2: expected entry 3 here"],
        );

        // A forged head signature.
        let mut forged = original.clone();
        let i = forged
            .iter()
            .position(|l| l.contains(r#""type":"tree_head""#))
            .unwrap();
        let size = forged[i]
            .split(r#""size":"#)
            .nth(1)
            .and_then(|r| r.split(',').next())
            .unwrap()
            .to_owned();
        let sig_at = forged[i].find(r#""signature":""#).unwrap() + 13;
        let flipped = if &forged[i][sig_at..sig_at + 1] == "0" {
            "1"
        } else {
            "0"
        };
        forged[i].replace_range(sig_at..sig_at + 1, flipped);
        fails_with(
            &verify(&ex, "forged.jsonl", &forged, &[]),
            &[
                &format!("tree head at size {size}"),
                "signature does not verify",
            ],
        );

        // Another key than the log's.
        let other = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
        let o = run(&[
            "audit",
            "verify",
            ex.export.to_str().unwrap(),
            "--key",
            other,
        ]);
        fails_with(&o, &["not the expected"]);

        // A truncated log against a head held from before.
        let head_size = std::fs::read_to_string(&ex.head_file)
            .unwrap()
            .split(r#""size":"#)
            .nth(1)
            .and_then(|r| r.split(',').next())
            .unwrap()
            .parse::<u64>()
            .unwrap();
        // The last entry and the head over it dropped: what is left is self-consistent.
        let last = entry_line(&original, head_size);
        let head_line = format!(r#""size":{head_size},"#);
        let truncated: Vec<String> = original
            .iter()
            .enumerate()
            .filter(|(n, l)| {
                *n != last && !(l.contains(r#""type":"tree_head""#) && l.contains(&head_line))
            })
            .map(|(_, l)| l.clone())
            .collect();
        let o = verify(&ex, "truncated.jsonl", &truncated, &[]);
        assert!(
            o.status.success(),
            "self-consistent on its own: {}",
            stderr(&o)
        );
        let o = verify(
            &ex,
            "truncated.jsonl",
            &truncated,
            &["--known-head", ex.head_file.to_str().unwrap()],
        );
        fails_with(
            &o,
            &[&format!("known tree head at size {head_size}"), "truncated"],
        );
    }

    #[test]
    fn bad_keys_and_files_are_named() {
        let tmp = tempfile::tempdir().unwrap();
        let o = run(&["audit", "verify", "/nonexistent/x.jsonl", "--key", "zz"]);
        assert_eq!(o.status.code(), Some(1));
        assert!(stderr(&o).contains("--key"), "{}", stderr(&o));
        let file = tmp.path().join("x.jsonl");
        std::fs::write(&file, "not json\n").unwrap();
        let key = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
        let o = run(&["audit", "verify", file.to_str().unwrap(), "--key", key]);
        assert_eq!(o.status.code(), Some(1));
        assert!(stderr(&o).contains("line 1"), "{}", stderr(&o));
        let o = run(&[
            "audit",
            "verify",
            file.to_str().unwrap(),
            "--key",
            key,
            "--witness",
            "fiu-b",
        ]);
        assert!(stderr(&o).contains("MEMBER=PUBKEY"), "{}", stderr(&o));
    }
}
