//! The auditor's offline verifier and the log's wire pieces: exported log files, encoded
//! entries, signed tree heads in JSON, and Merkle proofs. An export is the file an auditor
//! receives from the operator it audits: it is hostile input by design.

use ed25519_dalek::VerifyingKey;
use fiu_audit::{
    Entry, Export, Hash32, LeafIndex, TreeSize, Verifier, head_from_json, verify_consistency,
    verify_inclusion,
};

/// An auditor's key for the heads (RFC 8032 test key 1).
const LOG_KEY: [u8; 32] = [
    0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a,
    0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a,
];

/// Input: a selector byte, then an encoded entry, an export file, a head in JSON, or proof
/// material (sizes and hashes).
pub fn run(data: &[u8]) {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    match which % 4 {
        0 => entry(bytes),
        1 => export(bytes),
        2 => head(bytes),
        _ => proofs(bytes),
    }
}

/// A decoded entry encodes to bytes that decode to the same entry.
fn entry(bytes: &[u8]) {
    if let Ok(e) = Entry::decode(bytes) {
        let again = Entry::decode(&e.encode()).expect("an encoded entry decodes");
        assert!(again == e, "entry encoding does not round-trip");
        let _ = e.leaf_hash();
    }
}

/// A parsed export writes back to a file that parses to the same export; verification
/// answers without panicking.
fn export(bytes: &[u8]) {
    let Ok(parsed) = Export::parse(bytes) else {
        return;
    };
    let written = parsed.to_json_lines();
    let again = Export::parse(&written).expect("a written export parses");
    assert!(again == parsed, "export does not round-trip");
    let _ = Verifier::new(parsed.public_key).verify_parsed(&parsed);
    if let Ok(key) = VerifyingKey::from_bytes(&LOG_KEY) {
        let _ = Verifier::new(key).verify_parsed(&parsed);
    }
}

fn head(bytes: &[u8]) {
    if let (Ok(h), Ok(key)) = (head_from_json(bytes), VerifyingKey::from_bytes(&LOG_KEY)) {
        let _ = h.verify(&key);
    }
}

/// Index, sizes and hashes from the input; the verifiers must answer, never panic.
fn proofs(bytes: &[u8]) {
    let Some((numbers, rest)) = bytes.split_first_chunk::<24>() else {
        return;
    };
    let n = |i: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&numbers[8 * i..8 * i + 8]);
        u64::from_le_bytes(b)
    };
    let hashes: Vec<Hash32> = rest
        .chunks_exact(32)
        .map(|c| {
            let mut b = [0u8; 32];
            b.copy_from_slice(c);
            Hash32::from_bytes(b)
        })
        .collect();
    let zero = Hash32::from_bytes([0; 32]);
    let leaf = hashes.first().copied().unwrap_or(zero);
    let root = hashes.get(1).copied().unwrap_or(zero);
    let proof = hashes.get(2..).unwrap_or(&[]);
    let _ = verify_inclusion(
        &leaf,
        LeafIndex::new(n(0)),
        TreeSize::new(n(1)),
        proof,
        &root,
    );
    let _ = verify_consistency(
        TreeSize::new(n(1)),
        TreeSize::new(n(2)),
        &leaf,
        &root,
        proof,
    );
}
