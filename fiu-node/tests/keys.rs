//! The key ceremony run as operators would: `fiu-node init` makes each member's exchange key,
//! `keys new-secret` seals a network secret to every member, `keys unwrap` installs it, and
//! `keys rekey` leaves a removed member out. Secret files are owner-only and no output ever
//! shows a secret.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_fiu-node");

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .env("RUST_LOG", "debug")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn ok(args: &[&str]) -> String {
    let o = run(args);
    assert!(
        o.status.success(),
        "fiu-node {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Both streams of a command that must fail, with its exit code checked.
fn fails(args: &[&str]) -> String {
    let o = run(args);
    assert_eq!(o.status.code(), Some(1), "fiu-node {args:?} should fail");
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A member directory made by `fiu-node init`, and its X25519 public key from `show-key`.
fn member(root: &Path, id: &str) -> (PathBuf, String) {
    let dir = root.join(id);
    ok(&["init", "--dir", s(&dir), "--member-id", id]);
    let exchange = dir.join("exchange.key");
    assert_eq!(mode(&exchange), 0o600, "the exchange key is owner-only");
    let key = ok(&[
        "show-key",
        "--config",
        s(&dir.join("config.toml")),
        "--x25519",
    ])
    .trim()
    .to_owned();
    assert_eq!(key.len(), 64, "{key}");
    (dir, key)
}

/// The secret id a ceremony command printed.
fn secret_id(out: &str) -> String {
    let at = out
        .find("secret id ")
        .expect("the output names the secret id")
        + 10;
    out[at..at + 16].to_owned()
}

#[test]
fn the_ceremony_seals_to_every_member_and_each_unwraps_the_same_secret() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let members: Vec<(String, PathBuf, String)> = ["fiu-a", "fiu-b", "fiu-c"]
        .iter()
        .map(|id| {
            let (dir, key) = member(root, id);
            (id.to_string(), dir, key)
        })
        .collect();
    let specs: Vec<String> = members
        .iter()
        .map(|(id, _, key)| format!("{id}={key}"))
        .collect();
    let sealed_dir = root.join("ceremony");
    let mut args = vec![
        "keys",
        "new-secret",
        "--epoch",
        "3",
        "--out-dir",
        s(&sealed_dir),
    ];
    for spec in &specs {
        args.extend(["--member", spec.as_str()]);
    }
    let out = ok(&args);
    let id = secret_id(&out);
    assert!(out.contains("epoch 3"), "{out}");

    let mut secrets = Vec::new();
    for (member_id, dir, _) in &members {
        let sealed = sealed_dir.join(format!("{member_id}.sealed"));
        assert!(sealed.exists(), "{}", sealed.display());
        let secret_path = dir.join("network-3.secret");
        let o = run(&[
            "keys",
            "unwrap",
            "--sealed",
            s(&sealed),
            "--key",
            s(&dir.join("exchange.key")),
            "--out",
            s(&secret_path),
            "--member-id",
            member_id,
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(secret_id(&printed), id, "every member gets the same secret");
        assert_eq!(mode(&secret_path), 0o600, "the secret file is owner-only");
        let secret = std::fs::read_to_string(&secret_path).unwrap();
        assert_eq!(secret.len(), 64);
        for shown in [&printed, &out] {
            assert!(!shown.contains(&secret), "a secret was printed: {shown}");
        }
        secrets.push(secret);
    }
    assert!(secrets.windows(2).all(|w| w[0] == w[1]));
    // The node loads what unwrap wrote.
    fiu_node::server::load_secret(&members[0].1.join("network-3.secret")).unwrap();

    // Re-run: every existing file is refused, nothing is overwritten.
    let (_, a_dir, _) = &members[0];
    let again = fails(&[
        "keys",
        "unwrap",
        "--sealed",
        s(&sealed_dir.join("fiu-a.sealed")),
        "--key",
        s(&a_dir.join("exchange.key")),
        "--out",
        s(&a_dir.join("network-3.secret")),
    ]);
    assert!(again.contains("already exists"), "{again}");
    assert!(fails(&args).contains("already exists"));

    // --force replaces the file atomically, still owner-only.
    ok(&[
        "keys",
        "unwrap",
        "--sealed",
        s(&sealed_dir.join("fiu-a.sealed")),
        "--key",
        s(&a_dir.join("exchange.key")),
        "--out",
        s(&a_dir.join("network.secret")),
        "--force",
    ]);
    assert_eq!(mode(&a_dir.join("network.secret")), 0o600);
    assert_eq!(
        std::fs::read_to_string(a_dir.join("network.secret")).unwrap(),
        secrets[0]
    );

    // Re-key without C: a new secret for A and B only.
    let rekey_dir = root.join("rekey");
    let mut args = vec![
        "keys",
        "rekey",
        "--remove",
        "fiu-c",
        "--epoch",
        "4",
        "--out-dir",
        s(&rekey_dir),
    ];
    for spec in &specs {
        args.extend(["--member", spec.as_str()]);
    }
    let out = ok(&args);
    assert_ne!(secret_id(&out), id, "a re-key makes a new secret");
    assert!(rekey_dir.join("fiu-a.sealed").exists());
    assert!(rekey_dir.join("fiu-b.sealed").exists());
    assert!(!rekey_dir.join("fiu-c.sealed").exists(), "C gets nothing");
    // C's key opens nothing of the re-key: not even a file sealed to someone else.
    let (_, c_dir, _) = &members[2];
    let wrong = fails(&[
        "keys",
        "unwrap",
        "--sealed",
        s(&rekey_dir.join("fiu-a.sealed")),
        "--key",
        s(&c_dir.join("exchange.key")),
        "--out",
        s(&c_dir.join("stolen.secret")),
    ]);
    assert!(
        wrong.contains("does not open with this exchange key"),
        "{wrong}"
    );
    assert!(!c_dir.join("stolen.secret").exists());
    // Removing a member that is not there is a mistake worth stopping.
    let x_dir = root.join("x");
    let mut args = vec![
        "keys",
        "rekey",
        "--remove",
        "fiu-x",
        "--epoch",
        "5",
        "--out-dir",
        s(&x_dir),
    ];
    for spec in &specs {
        args.extend(["--member", spec.as_str()]);
    }
    assert!(fails(&args).contains("fiu-x is not among the members"));
}

#[test]
fn unwrap_refuses_a_file_for_another_member_and_a_damaged_file() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let (a_dir, a_key) = member(root, "fiu-a");
    let out_dir = root.join("sealed");
    ok(&[
        "keys",
        "new-secret",
        "--epoch",
        "1",
        "--member",
        &format!("fiu-a={a_key}"),
        "--out-dir",
        s(&out_dir),
    ]);
    let sealed = out_dir.join("fiu-a.sealed");
    let unwrap = |sealed: &Path, member: &str| {
        fails(&[
            "keys",
            "unwrap",
            "--sealed",
            s(sealed),
            "--key",
            s(&a_dir.join("exchange.key")),
            "--out",
            s(&a_dir.join("new.secret")),
            "--member-id",
            member,
        ])
    };
    let e = unwrap(&sealed, "fiu-b");
    assert!(e.contains("sealed for member fiu-a, not fiu-b"), "{e}");
    let mut bytes = std::fs::read(&sealed).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let damaged = root.join("damaged.sealed");
    std::fs::write(&damaged, &bytes).unwrap();
    let e = unwrap(&damaged, "fiu-a");
    assert!(e.contains("does not open"), "{e}");
    std::fs::write(&damaged, vec![0u8; 4096]).unwrap();
    let e = unwrap(&damaged, "fiu-a");
    assert!(e.contains("at most"), "{e}");
    assert!(
        !a_dir.join("new.secret").exists(),
        "nothing is written on a refusal"
    );
    let e = fails(&[
        "keys",
        "new-secret",
        "--epoch",
        "1",
        "--member",
        "fiu-a=abcd",
        "--out-dir",
        s(&root.join("y")),
    ]);
    assert!(e.contains("--member fiu-a") && e.contains("64 hex"), "{e}");
}

#[test]
fn the_ceremony_reads_members_and_epoch_from_the_manifest() {
    use fiu_node::manifest::{EpochPolicy, FilterParameters, Manifest, ManifestMember};
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let (a_dir, a_key) = member(root, "fiu-a");
    let b_key = fiu_node::keys::ExchangeKey::generate()
        .public_key()
        .to_string();
    let entry = |id: &str, port: u16, x25519: &str, n: u8| ManifestMember {
        id: id.into(),
        name: format!("FIU {id}"),
        country: "DE".into(),
        endpoint: format!("https://{id}.example:{port}"),
        signing_key: fiu_node::identity::Identity::generate()
            .unwrap()
            .public_key()
            .to_string(),
        x25519_key: x25519.into(),
        certificate_sha256: hex::encode([n; 32]),
    };
    let manifest = Manifest {
        version: 1,
        network: "test".into(),
        revision: 3,
        ca_sha256: hex::encode([9u8; 32]),
        epoch: EpochPolicy {
            current: 4,
            max_age_days: 90,
        },
        filter: FilterParameters { target_fpr: 1e-6 },
        members: vec![
            entry("fiu-a", 7401, &a_key, 1),
            entry("fiu-b", 7402, &b_key, 2),
        ],
    };
    let path = root.join("network.toml");
    std::fs::write(&path, manifest.to_toml()).unwrap();

    let out_dir = root.join("ceremony");
    let out = ok(&[
        "keys",
        "new-secret",
        "--manifest",
        s(&path),
        "--out-dir",
        s(&out_dir),
    ]);
    assert!(
        out.contains("epoch 4") && out.contains("2 members"),
        "{out}"
    );
    let printed = ok(&[
        "keys",
        "unwrap",
        "--sealed",
        s(&out_dir.join("fiu-a.sealed")),
        "--key",
        s(&a_dir.join("exchange.key")),
        "--out",
        s(&a_dir.join("network-4.secret")),
    ]);
    assert!(
        printed.contains("member fiu-a, starting at epoch 4"),
        "{printed}"
    );

    let rekey = |epoch: &str, dir: &Path| {
        run(&[
            "keys",
            "rekey",
            "--manifest",
            s(&path),
            "--remove",
            "fiu-b",
            "--epoch",
            epoch,
            "--out-dir",
            s(dir),
        ])
    };
    let o = rekey("4", &root.join("r4"));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("after the manifest's current epoch 4"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = rekey("5", &root.join("r5"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(root.join("r5/fiu-a.sealed").exists());
    assert!(!root.join("r5/fiu-b.sealed").exists());
}
