//! Fuzz harnesses for every parser of untrusted input (see ../README.md).
//!
//! Each harness is a plain `run(&[u8])` in `harness/`, shared with the regression tests of
//! the main workspace (fiu-node/tests/fuzz_regressions.rs includes the same files), so a
//! crash input kept under `regressions/<target>/` replays through exactly the code the
//! fuzzer ran.

#[path = "../harness/common.rs"]
mod common;

#[path = "../harness/audit.rs"]
pub mod audit;
#[path = "../harness/config.rs"]
pub mod config;
#[path = "../harness/csv.rs"]
pub mod csv;
#[path = "../harness/filter.rs"]
pub mod filter;
#[path = "../harness/goaml.rs"]
pub mod goaml;
#[path = "../harness/identifiers.rs"]
pub mod identifiers;
#[path = "../harness/jsonl.rs"]
pub mod jsonl;
#[path = "../harness/manifest.rs"]
pub mod manifest;
#[path = "../harness/rpc.rs"]
pub mod rpc;
#[path = "../harness/sealed.rs"]
pub mod sealed;
