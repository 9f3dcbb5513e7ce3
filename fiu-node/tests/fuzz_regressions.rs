//! Replays every input kept under fuzz/regressions/<target>/ (inputs that once crashed a fuzz
//! target) and fuzz/seeds/<target>/ through the same harness the fuzzer ran, so that a fixed
//! crash stays fixed in the ordinary `cargo test` run. fuzz/README.md says how inputs get
//! there.
//!
//! The harnesses are included from fuzz/harness/ by path: the fuzz crate is not a workspace
//! member (it needs libFuzzer's build flags), and this way both run the same code.

#[path = "../../fuzz/harness/audit.rs"]
mod audit;
#[path = "../../fuzz/harness/common.rs"]
mod common;
#[path = "../../fuzz/harness/config.rs"]
mod config;
#[path = "../../fuzz/harness/csv.rs"]
mod csv;
#[path = "../../fuzz/harness/filter.rs"]
mod filter;
#[path = "../../fuzz/harness/goaml.rs"]
mod goaml;
#[path = "../../fuzz/harness/identifiers.rs"]
mod identifiers;
#[path = "../../fuzz/harness/jsonl.rs"]
mod jsonl;
#[path = "../../fuzz/harness/manifest.rs"]
mod manifest;
#[path = "../../fuzz/harness/rpc.rs"]
mod rpc;
#[path = "../../fuzz/harness/sealed.rs"]
mod sealed;

use std::path::{Path, PathBuf};

/// The fuzz directory of the repository.
fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The files under `fuzz/<kind>/<target>/`, sorted (none when the directory does not exist).
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = fuzz_dir().join(kind).join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("a readable directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs `harness` on every seed and regression input of `target`; returns how many ran.
/// A panic names the file.
fn replay(target: &str, harness: fn(&[u8])) -> usize {
    let mut n = 0;
    for kind in ["seeds", "regressions"] {
        for path in inputs(kind, target) {
            let data = std::fs::read(&path).expect("a readable input");
            let outcome = std::panic::catch_unwind(|| harness(&data));
            assert!(outcome.is_ok(), "{} panics", path.display());
            n += 1;
        }
    }
    n
}

#[test]
fn goaml_inputs_replay() {
    assert!(replay("goaml", goaml::run) >= 3);
}

#[test]
fn csv_inputs_replay() {
    assert!(replay("csv", csv::run) >= 2);
}

#[test]
fn jsonl_inputs_replay() {
    assert!(replay("jsonl", jsonl::run) >= 1);
}

#[test]
fn filter_inputs_replay() {
    assert!(replay("filter", filter::run) >= 3);
}

#[test]
fn rpc_inputs_replay() {
    assert!(replay("rpc", rpc::run) >= 6);
}

#[test]
fn identifiers_inputs_replay() {
    assert!(replay("identifiers", identifiers::run) >= 9);
}

#[test]
fn manifest_inputs_replay() {
    assert!(replay("manifest", manifest::run) >= 1);
}

#[test]
fn audit_inputs_replay() {
    assert!(replay("audit", audit::run) >= 1);
}

#[test]
fn sealed_inputs_replay() {
    assert!(replay("sealed", sealed::run) >= 2);
}

#[test]
fn config_inputs_replay() {
    assert!(replay("config", config::run) >= 1);
}

/// Every directory under fuzz/regressions/ belongs to a target replayed above: an input
/// kept for a target this file does not know would never run.
#[test]
fn every_regression_directory_is_replayed() {
    let known = [
        "goaml",
        "csv",
        "jsonl",
        "filter",
        "rpc",
        "identifiers",
        "config",
        "manifest",
        "audit",
        "sealed",
    ];
    let Ok(entries) = std::fs::read_dir(fuzz_dir().join("regressions")) else {
        return;
    };
    for entry in entries {
        let name = entry.expect("a readable entry").file_name();
        let name = name.to_string_lossy();
        assert!(
            known.contains(&name.as_ref()),
            "fuzz/regressions/{name} is not replayed"
        );
    }
}
