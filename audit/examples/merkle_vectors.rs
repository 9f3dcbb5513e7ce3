//! Writes docs/vectors/merkle.json from the current code.
//!
//! `cargo run -p fiu-audit --example merkle_vectors -- docs/vectors`
//!
//! Run it only when the format changes on purpose (and bump the format version); the test
//! `audit/tests/integration/vectors.rs` checks the code against the committed file.

#[path = "../tests/integration/vector_cases.rs"]
mod vector_cases;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "docs/vectors".to_owned());
    let dir = std::path::Path::new(&dir);
    for (name, value) in vector_cases::all() {
        let path = dir.join(name);
        let text = serde_json::to_string_pretty(&value).expect("vectors serialise") + "\n";
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        println!("wrote {}", path.display());
    }
}
