//! Exports: a good log verifies; a changed, removed, reordered or inserted entry, a forged
//! head or countersignature, a truncated or rewritten log are each caught and named.

use ed25519_dalek::{Signature, SigningKey};
use fiu_audit::{
    Countersignature, Entry, EntryFault, Export, Frontier, HeadFault, SignedTreeHead, Tree,
    TreeHead, TreeSize, Verifier, VerifyError, verify_export,
};
use proptest::prelude::*;

const LOG: &str = "fiu-a";
const WITNESS: &str = "fiu-b";

fn log_key() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

fn witness_key() -> SigningKey {
    SigningKey::from_bytes(&[8; 32])
}

fn entry(seq: u64) -> Entry {
    Entry {
        seq,
        at_ms: 1_767_225_600_000 + seq as i64 * 1000,
        kind: if seq % 2 == 0 {
            "lookup"
        } else {
            "hit.recorded"
        }
        .into(),
        actor: format!("user-{}", seq % 3),
        detail: format!(r#"{{"case":"C-{seq}","n":{seq}}}"#),
    }
}

/// Signs heads over `entries` at `sizes` (each countersigned by the witness).
fn heads(entries: &[Entry], sizes: &[u64]) -> (Vec<SignedTreeHead>, Vec<Countersignature>) {
    let tree = Tree::from_leaves(entries.iter().map(Entry::leaf_hash));
    let (key, wit) = (log_key(), witness_key());
    let mut hs = Vec::new();
    let mut cs = Vec::new();
    for &s in sizes {
        let sth = TreeHead {
            log_id: LOG.into(),
            size: TreeSize::new(s),
            root: tree.root_at(TreeSize::new(s)).expect("size"),
            timestamp_ms: 1_767_300_000_000 + s as i64,
        }
        .sign(&key);
        cs.push(
            sth.countersign(&key.verifying_key(), WITNESS, &wit)
                .expect("countersign"),
        );
        hs.push(sth);
    }
    (hs, cs)
}

/// Ten entries, heads at 3, 6 and 10, all countersigned.
fn good() -> Export {
    let entries: Vec<Entry> = (1..=10).map(entry).collect();
    let (heads, countersignatures) = heads(&entries, &[3, 6, 10]);
    Export {
        log_id: LOG.into(),
        public_key: log_key().verifying_key(),
        prefix: Frontier::new(),
        entries,
        heads,
        countersignatures,
    }
}

fn verifier() -> Verifier {
    Verifier::new(log_key().verifying_key()).witness(WITNESS, witness_key().verifying_key())
}

fn check(export: &Export) -> Result<fiu_audit::VerifiedExport, VerifyError> {
    let bytes = export.to_json_lines();
    assert_eq!(Export::parse(&bytes).as_ref(), Ok(export), "round trip");
    verifier().verify(&bytes)
}

#[test]
fn a_good_export_verifies_with_its_witnesses() {
    let v = check(&good()).expect("verifies");
    assert_eq!(v.last_seq, 10);
    assert_eq!(v.heads.len(), 3);
    assert!(v.heads.iter().all(|h| h.witnessed_by == [WITNESS]));
    assert_eq!(v.unsigned_entries, 0);
    assert!(v.unchecked_countersignatures.is_empty());
    // With the log's key alone the countersignatures are reported, not trusted.
    let v = verify_export(&good().to_json_lines(), &log_key().verifying_key()).expect("ok");
    assert_eq!(v.unchecked_countersignatures.len(), 3);
}

#[test]
fn a_changed_entry_is_caught_at_the_first_head_covering_it() {
    let mut ex = good();
    ex.entries[4].detail = r#"{"case":"C-5","n":6}"#.into();
    match check(&ex) {
        Err(VerifyError::Head {
            size: 6,
            fault: HeadFault::RootMismatch { from: 4, to: 6, .. },
        }) => {}
        other => panic!("{other:?}"),
    }
    // Changing the time, kind or actor is caught the same way.
    for f in [
        |e: &mut Entry| e.at_ms += 1,
        |e: &mut Entry| e.kind.push('x'),
        |e: &mut Entry| e.actor = "mallory".into(),
    ] {
        let mut ex = good();
        f(&mut ex.entries[0]);
        assert!(matches!(
            check(&ex),
            Err(VerifyError::Head {
                size: 3,
                fault: HeadFault::RootMismatch { from: 1, to: 3, .. }
            })
        ));
    }
}

#[test]
fn removed_reordered_and_inserted_entries_are_named() {
    let mut ex = good();
    ex.entries.remove(4);
    assert_eq!(
        check(&ex).err(),
        Some(VerifyError::Entry {
            seq: 6,
            fault: EntryFault::OutOfSequence { expected: 5 }
        })
    );
    let mut ex = good();
    ex.entries.swap(3, 4);
    assert_eq!(
        check(&ex).err(),
        Some(VerifyError::Entry {
            seq: 5,
            fault: EntryFault::OutOfSequence { expected: 4 }
        })
    );
    let mut ex = good();
    ex.entries.insert(5, entry(5));
    assert_eq!(
        check(&ex).err(),
        Some(VerifyError::Entry {
            seq: 5,
            fault: EntryFault::OutOfSequence { expected: 6 }
        })
    );
    // Inserted and renumbered so the sequence looks whole: the roots catch it.
    let mut ex = good();
    let mut forged = entry(5);
    forged.actor = "mallory".into();
    ex.entries.insert(4, forged);
    for (i, e) in ex.entries.iter_mut().enumerate() {
        e.seq = i as u64 + 1;
    }
    ex.entries.pop();
    assert!(matches!(
        check(&ex),
        Err(VerifyError::Head {
            size: 6,
            fault: HeadFault::RootMismatch { from: 4, to: 6, .. }
        })
    ));
}

#[test]
fn forged_signatures_are_refused() {
    // A head whose root was changed but whose signature was kept.
    let mut ex = good();
    ex.heads[1].head.root = ex.heads[0].head.root;
    assert_eq!(
        check(&ex).err(),
        Some(VerifyError::Head {
            size: 6,
            fault: HeadFault::BadSignature
        })
    );
    // A head signed by another key.
    let mut ex = good();
    let h = ex.heads[2].head.clone();
    ex.heads[2] = h.sign(&SigningKey::from_bytes(&[9; 32]));
    assert_eq!(
        check(&ex).err(),
        Some(VerifyError::Head {
            size: 10,
            fault: HeadFault::BadSignature
        })
    );
    // A garbage signature.
    let mut ex = good();
    ex.heads[0].signature = Signature::from_bytes(&[0x11; 64]);
    assert!(matches!(
        check(&ex),
        Err(VerifyError::Head {
            size: 3,
            fault: HeadFault::BadSignature
        })
    ));
    // A countersignature by the log's own key under the witness's name.
    let mut ex = good();
    let fake = ex.heads[1]
        .countersign(&log_key().verifying_key(), WITNESS, &log_key())
        .expect("sign");
    ex.countersignatures[1] = fake;
    assert_eq!(
        check(&ex).err(),
        Some(VerifyError::Head {
            size: 6,
            fault: HeadFault::BadCountersignature {
                witness: WITNESS.into()
            }
        })
    );
    // A countersignature for a head not in the file.
    let mut ex = good();
    ex.countersignatures[0].size = TreeSize::new(4);
    assert!(matches!(
        check(&ex),
        Err(VerifyError::Head {
            size: 4,
            fault: HeadFault::NoSuchHead { .. }
        })
    ));
    // The file's key is not the auditor's.
    let mut ex = good();
    ex.public_key = SigningKey::from_bytes(&[9; 32]).verifying_key();
    assert!(matches!(check(&ex), Err(VerifyError::KeyMismatch { .. })));
}

#[test]
fn a_truncated_log_is_caught_against_a_witnessed_head() {
    let witnessed = good().heads[2].clone();
    // The operator drops entries 9 and 10 and the head that covered them.
    let mut ex = good();
    ex.entries.truncate(8);
    ex.heads.truncate(2);
    ex.countersignatures.truncate(2);
    // On its own the shortened file is self-consistent ...
    let v = check(&ex).expect("a truncated file alone verifies");
    assert_eq!((v.last_seq, v.unsigned_entries), (8, 2));
    // ... but not against the head a witness holds.
    let with = verifier().known_head(witnessed.clone());
    assert_eq!(
        with.verify(&ex.to_json_lines()).err(),
        Some(VerifyError::KnownHead {
            size: 10,
            fault: HeadFault::Truncated {
                size: 10,
                last_seq: 8
            }
        })
    );
    // Dropping entries but keeping the head is caught from the file alone.
    let mut ex = good();
    ex.entries.truncate(9);
    assert_eq!(
        check(&ex).err(),
        Some(VerifyError::Head {
            size: 10,
            fault: HeadFault::Truncated {
                size: 10,
                last_seq: 9
            }
        })
    );
}

#[test]
fn a_rewritten_and_resigned_history_is_caught_against_a_witnessed_head() {
    let witnessed = good().heads[0].clone();
    // The operator (who has the key) changes entry 2 and re-signs every head.
    let mut entries: Vec<Entry> = (1..=10).map(entry).collect();
    entries[1].detail = r#"{"case":"C-2","n":0}"#.into();
    let (heads, countersignatures) = heads(&entries, &[3, 6, 10]);
    let ex = Export {
        log_id: LOG.into(),
        public_key: log_key().verifying_key(),
        prefix: Frontier::new(),
        entries,
        heads,
        countersignatures,
    };
    check(&ex).expect("a rewritten file alone verifies");
    match verifier().known_head(witnessed).verify(&ex.to_json_lines()) {
        Err(VerifyError::KnownHead {
            size: 3,
            fault: HeadFault::RootMismatch { from: 1, to: 3, .. },
        }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_range_export_carries_a_frontier() {
    let all: Vec<Entry> = (1..=10).map(entry).collect();
    let tree = Tree::from_leaves(all.iter().map(Entry::leaf_hash));
    let (heads, countersignatures) = heads(&all, &[4, 6, 10]);
    let ex = Export {
        log_id: LOG.into(),
        public_key: log_key().verifying_key(),
        prefix: tree.frontier_at(TreeSize::new(4)).expect("frontier"),
        entries: all[4..].to_vec(),
        heads: heads.clone(),
        countersignatures: countersignatures.clone(),
    };
    let v = check(&ex).expect("range export verifies");
    assert_eq!((v.prefix_size, v.last_seq), (4, 10));
    // A forged prefix is caught by the first head it leads to.
    let mut bad = ex.clone();
    bad.prefix =
        Frontier::from_parts(TreeSize::new(4), vec![fiu_audit::leaf_hash(b"x")]).expect("frontier");
    assert!(matches!(
        check(&bad),
        Err(VerifyError::Head {
            size: 4,
            fault: HeadFault::RootMismatch { .. }
        })
    ));
    // A head older than the range cannot be checked, and says so.
    let (old, _) = self::heads(&all, &[3]);
    let mut bad = ex.clone();
    bad.heads.insert(0, old[0].clone());
    assert_eq!(
        check(&bad).err(),
        Some(VerifyError::Head {
            size: 3,
            fault: HeadFault::BeforeRange { prefix_size: 4 }
        })
    );
    // Entries must start right after the prefix.
    let mut bad = ex;
    bad.entries.remove(0);
    assert!(matches!(
        check(&bad),
        Err(VerifyError::Entry {
            seq: 6,
            fault: EntryFault::OutOfSequence { expected: 5 }
        })
    ));
}

#[test]
fn tampering_with_the_file_text_is_caught() {
    let text = String::from_utf8(good().to_json_lines()).expect("utf8");
    let key = log_key().verifying_key();
    // The detail text of entry 7, changed in the file.
    let tampered = text.replace(r#"\"case\":\"C-7\""#, r#"\"case\":\"C-8\""#);
    assert_ne!(tampered, text);
    assert!(matches!(
        verify_export(tampered.as_bytes(), &key),
        Err(VerifyError::Head {
            size: 10,
            fault: HeadFault::RootMismatch {
                from: 7,
                to: 10,
                ..
            }
        })
    ));
    // Structure.
    let lines: Vec<&str> = text.lines().collect();
    let malformed = |t: String| match verify_export(t.as_bytes(), &key) {
        Err(VerifyError::Malformed { line, .. }) => line,
        other => panic!("{other:?}"),
    };
    assert_eq!(malformed(lines[1..].join("\n")), 1, "no header");
    assert_eq!(malformed(format!("{text}{}\n", lines[0])), lines.len() + 1);
    assert_eq!(malformed(format!("{text}{}\n", lines[1])), lines.len() + 1);
    assert_eq!(malformed(format!("{text}garbage\n")), lines.len() + 1);
    assert_eq!(malformed(format!("{text}\n\n")), lines.len() + 1);
    assert_eq!(
        malformed(text.replacen("\"seq\":3", "\"seq\":3,\"x\":1", 1)),
        4
    );
    assert_eq!(malformed(text.replacen("blake3", "sha256", 1)), 1);
    assert_eq!(malformed(String::new()), 1);
    // No head at all.
    let heads_start = lines
        .iter()
        .position(|l| l.contains("tree_head"))
        .expect("head");
    let no_heads = lines[..heads_start].join("\n") + "\n";
    assert_eq!(
        verify_export(no_heads.as_bytes(), &key).err(),
        Some(VerifyError::NoTreeHead)
    );
}

proptest! {
    // Few cases: each one signs and verifies six Ed25519 signatures in a debug build.
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn the_parser_never_panics_on_damaged_files(
        cut in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
    ) {
        let mut bytes = good().to_json_lines();
        for (at, x) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= x;
        }
        let n = cut.index(bytes.len() + 1);
        let _ = verifier().verify(&bytes[..n]);
    }

    #[test]
    fn the_parser_never_panics_on_noise(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = verifier().verify(&bytes);
        let _ = Entry::decode(&bytes);
    }
}
