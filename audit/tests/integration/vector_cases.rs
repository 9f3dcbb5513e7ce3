//! The known-answer cases of docs/vectors/merkle.json, computed from the crate's code. Shared
//! by the test that checks the committed file and by the example that writes it
//! (`cargo run -p fiu-audit --example merkle_vectors -- docs/vectors`).

use ed25519_dalek::SigningKey;
use fiu_audit::{Entry, LeafIndex, Tree, TreeHead, TreeSize, leaf_hash};
use serde_json::{Value, json};

/// The leaf data of RFC 6962's test vectors (transparency-dev/merkle testonly), so the same
/// inputs can be run through SHA-256 and compared with the published roots.
pub const LEAF_DATA: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// (index, size) pairs whose inclusion proofs are in the file.
pub const INCLUSION: [(u64, u64); 6] = [(0, 1), (0, 8), (5, 8), (2, 3), (6, 7), (4, 5)];

/// (old, new) pairs whose consistency proofs are in the file.
pub const CONSISTENCY: [(u64, u64); 6] = [(1, 1), (1, 8), (2, 5), (2, 8), (6, 8), (3, 7)];

/// The seed of the example log key (RFC 8032 test 1's secret key).
pub const LOG_SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

/// The example entry whose encoding is in the file.
pub fn sample_entry() -> Entry {
    Entry {
        seq: 1,
        at_ms: 1_767_225_600_000,
        kind: "lookup".into(),
        actor: "alice".into(),
        detail: r#"{"case":"C-2026-001","purpose":"analysis"}"#.into(),
    }
}

/// The leaf hashes of [`LEAF_DATA`].
pub fn leaves() -> Vec<fiu_audit::Hash32> {
    LEAF_DATA
        .iter()
        .map(|d| leaf_hash(&hex::decode(d).expect("hex")))
        .collect()
}

fn hexes(hs: &[fiu_audit::Hash32]) -> Vec<String> {
    hs.iter().map(|h| h.to_hex()).collect()
}

/// The whole vector file.
pub fn all() -> Vec<(&'static str, Value)> {
    let leaves = leaves();
    let tree = Tree::from_leaves(leaves.iter().copied());
    let roots: Vec<Value> = (0..=8)
        .map(|n| {
            json!({
                "size": n,
                "root": tree.root_at(TreeSize::new(n)).expect("size").to_hex(),
            })
        })
        .collect();
    let inclusion: Vec<Value> = INCLUSION
        .iter()
        .map(|&(i, n)| {
            let p = tree
                .inclusion_proof(LeafIndex::new(i), TreeSize::new(n))
                .expect("proof");
            json!({ "index": i, "size": n, "proof": hexes(&p) })
        })
        .collect();
    let consistency: Vec<Value> = CONSISTENCY
        .iter()
        .map(|&(m, n)| {
            let p = tree
                .consistency_proof(TreeSize::new(m), TreeSize::new(n))
                .expect("proof");
            json!({ "old_size": m, "new_size": n, "proof": hexes(&p) })
        })
        .collect();
    let entry = sample_entry();
    let mut seed = [0u8; 32];
    hex::decode_to_slice(LOG_SEED, &mut seed).expect("seed");
    let key = SigningKey::from_bytes(&seed);
    let head = TreeHead {
        log_id: "fiu-a".into(),
        size: TreeSize::new(8),
        root: tree.root(),
        timestamp_ms: 1_767_225_600_000,
    };
    let signed = head.clone().sign(&key);
    let file = json!({
        "about": "Audit log Merkle tree (RFC 9162 2.1 with BLAKE3): leaf = BLAKE3(0x00 || data), node = BLAKE3(0x01 || left || right), empty root = BLAKE3(). Leaf data are RFC 6962's test leaves. Indexes from 0; proofs as in RFC 9162 2.1.3.1 and 2.1.4.1.",
        "empty_root": fiu_audit::empty_root().to_hex(),
        "leaves": LEAF_DATA.iter().zip(&leaves).map(|(d, h)| json!({ "data": d, "leaf_hash": h.to_hex() })).collect::<Vec<_>>(),
        "roots": roots,
        "inclusion": inclusion,
        "consistency": consistency,
        "entry": {
            "seq": entry.seq,
            "at_ms": entry.at_ms,
            "kind": entry.kind,
            "actor": entry.actor,
            "detail": entry.detail,
            "encoding": hex::encode(entry.encode()),
            "leaf_hash": entry.leaf_hash().to_hex(),
        },
        "tree_head": {
            "log_id": head.log_id,
            "size": head.size.get(),
            "root": head.root.to_hex(),
            "timestamp_ms": head.timestamp_ms,
            "signed_bytes": hex::encode(head.signed_bytes()),
            "signing_seed": LOG_SEED,
            "public_key": hex::encode(key.verifying_key().as_bytes()),
            "signature": hex::encode(signed.signature.to_bytes()),
        },
    });
    vec![("merkle.json", file)]
}
