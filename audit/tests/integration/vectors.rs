//! The code against the committed known-answer vectors in docs/vectors/merkle.json, and the
//! committed values against the independent reference implementation. A failure here means a
//! change to a byte format or the tree: either a bug, or a format change that needs a new
//! version and regenerated vectors (`cargo run -p fiu-audit --example merkle_vectors -- docs/vectors`).

use super::{reference, vector_cases};
use fiu_audit::{Hash32, LeafIndex, TreeSize, verify_consistency, verify_inclusion};
use serde_json::Value;

fn committed() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/vectors/merkle.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

fn h(v: &Value) -> Hash32 {
    Hash32::from_hex(v.as_str().expect("string")).expect("hash")
}

fn hs(v: &Value) -> Vec<Hash32> {
    v.as_array().expect("array").iter().map(h).collect()
}

#[test]
fn code_matches_the_committed_vectors() {
    for (name, computed) in vector_cases::all() {
        assert_eq!(
            computed,
            committed(),
            "docs/vectors/{name} differs from the code"
        );
    }
}

#[test]
fn committed_vectors_match_the_reference_implementation() {
    let v = committed();
    let leaves: Vec<Hash32> = v["leaves"]
        .as_array()
        .expect("leaves")
        .iter()
        .map(|l| {
            let data = hex::decode(l["data"].as_str().expect("data")).expect("hex");
            let want = reference::leaf(&data);
            assert_eq!(h(&l["leaf_hash"]), want);
            want
        })
        .collect();
    assert_eq!(h(&v["empty_root"]), reference::mth(&[]));
    for r in v["roots"].as_array().expect("roots") {
        let n = r["size"].as_u64().expect("size") as usize;
        assert_eq!(
            h(&r["root"]),
            reference::mth(&leaves[..n]),
            "root of size {n}"
        );
    }
    for c in v["inclusion"].as_array().expect("inclusion") {
        let (i, n) = (
            c["index"].as_u64().expect("i"),
            c["size"].as_u64().expect("n"),
        );
        let proof = hs(&c["proof"]);
        assert_eq!(proof, reference::path(i as usize, &leaves[..n as usize]));
        verify_inclusion(
            &leaves[i as usize],
            LeafIndex::new(i),
            TreeSize::new(n),
            &proof,
            &reference::mth(&leaves[..n as usize]),
        )
        .expect("committed inclusion proof verifies");
    }
    for c in v["consistency"].as_array().expect("consistency") {
        let (m, n) = (
            c["old_size"].as_u64().expect("m"),
            c["new_size"].as_u64().expect("n"),
        );
        let proof = hs(&c["proof"]);
        assert_eq!(proof, reference::proof(m as usize, &leaves[..n as usize]));
        verify_consistency(
            TreeSize::new(m),
            TreeSize::new(n),
            &reference::mth(&leaves[..m as usize]),
            &reference::mth(&leaves[..n as usize]),
            &proof,
        )
        .expect("committed consistency proof verifies");
    }
    // The entry and tree head vectors decode and verify.
    let e = &v["entry"];
    let bytes = hex::decode(e["encoding"].as_str().expect("encoding")).expect("hex");
    let entry = fiu_audit::Entry::decode(&bytes).expect("decodes");
    assert_eq!(entry, vector_cases::sample_entry());
    assert_eq!(h(&e["leaf_hash"]), reference::leaf(&bytes));
    let t = &v["tree_head"];
    let mut pk = [0u8; 32];
    hex::decode_to_slice(t["public_key"].as_str().expect("pk"), &mut pk).expect("hex");
    let pk = ed25519_dalek::VerifyingKey::from_bytes(&pk).expect("key");
    let mut sig = [0u8; 64];
    hex::decode_to_slice(t["signature"].as_str().expect("sig"), &mut sig).expect("hex");
    let msg = hex::decode(t["signed_bytes"].as_str().expect("bytes")).expect("hex");
    pk.verify_strict(&msg, &ed25519_dalek::Signature::from_bytes(&sig))
        .expect("tree head vector signature verifies");
    assert_eq!(h(&t["root"]), reference::mth(&leaves));
}
