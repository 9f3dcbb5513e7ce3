//! Proofs: the tree against the reference implementation, every good proof verifies, and
//! every corruption of a good proof fails (in the manner of transparency-dev/merkle
//! proof/verify_test.go).

use super::reference;
use fiu_audit::{
    Frontier, Hash32, LeafIndex, ProofError, Tree, TreeSize, leaf_hash, root, verify_consistency,
    verify_inclusion,
};
use proptest::prelude::*;

fn leaves(n: u64) -> Vec<Hash32> {
    (0..n).map(|i| leaf_hash(&i.to_le_bytes())).collect()
}

fn flip(h: &Hash32, byte: usize) -> Hash32 {
    let mut b = *h.as_bytes();
    b[byte % 32] ^= 1;
    Hash32::from_bytes(b)
}

/// Every way to spoil a proof element list: each element bit-flipped, each removed, one added
/// at each end, garbage appended, the list emptied, two neighbours swapped.
fn corrupt_paths(proof: &[Hash32]) -> Vec<(String, Vec<Hash32>)> {
    let mut out = Vec::new();
    let garbage = Hash32::from_bytes([0xab; 32]);
    for i in 0..proof.len() {
        let mut p = proof.to_vec();
        p[i] = flip(&p[i], i);
        out.push((format!("element {i} bit-flipped"), p));
        let mut p = proof.to_vec();
        p.remove(i);
        out.push((format!("element {i} removed"), p));
    }
    if !proof.is_empty() {
        out.push(("emptied".into(), Vec::new()));
        let mut p = proof.to_vec();
        p.insert(0, proof[0]);
        out.push(("first element repeated in front".into(), p));
    }
    for i in 1..proof.len() {
        if proof[i] != proof[i - 1] {
            let mut p = proof.to_vec();
            p.swap(i - 1, i);
            out.push((format!("elements {} and {i} swapped", i - 1), p));
        }
    }
    let mut p = proof.to_vec();
    p.push(garbage);
    out.push(("garbage appended".into(), p));
    let mut p = proof.to_vec();
    p.insert(0, garbage);
    out.push(("garbage prepended".into(), p));
    let mut p = proof.to_vec();
    p.push(Hash32::from_bytes([0; 32]));
    out.push(("zero hash appended".into(), p));
    out
}

#[test]
fn tree_and_frontier_match_the_reference_for_sizes_up_to_70() {
    let all = leaves(70);
    let tree = Tree::from_leaves(all.iter().copied());
    let mut f = Frontier::new();
    assert_eq!(f.root(), reference::mth(&[]));
    for n in 0..=70usize {
        let want = reference::mth(&all[..n]);
        assert_eq!(tree.root_at(TreeSize::new(n as u64)), Ok(want), "size {n}");
        assert_eq!(root(&all[..n]), want, "root() of {n}");
        assert_eq!(f.root(), want, "frontier of {n}");
        assert_eq!(tree.frontier_at(TreeSize::new(n as u64)).as_ref(), Ok(&f));
        for i in 0..n {
            assert_eq!(
                tree.inclusion_proof(LeafIndex::new(i as u64), TreeSize::new(n as u64)),
                Ok(reference::path(i, &all[..n])),
                "inclusion {i} of {n}"
            );
        }
        for m in 0..=n {
            assert_eq!(
                tree.consistency_proof(TreeSize::new(m as u64), TreeSize::new(n as u64)),
                Ok(reference::proof(m, &all[..n])),
                "consistency {m} -> {n}"
            );
        }
        if n < 70 {
            f.append(all[n]);
        }
    }
}

#[test]
fn every_corrupted_inclusion_proof_fails() {
    let all = leaves(33);
    let tree = Tree::from_leaves(all.iter().copied());
    let mut checked = 0;
    for n in 1..=33u64 {
        let size = TreeSize::new(n);
        let r = tree.root_at(size).expect("root");
        for i in 0..n {
            let index = LeafIndex::new(i);
            let leaf = all[i as usize];
            let proof = tree.inclusion_proof(index, size).expect("proof");
            assert_eq!(verify_inclusion(&leaf, index, size, &proof, &r), Ok(()));
            // Wrong index, wrong size, wrong leaf, wrong root.
            let mut probes: Vec<(String, u64, u64, Hash32, Hash32, Vec<Hash32>)> = vec![
                (
                    "index - 1".into(),
                    i.wrapping_sub(1),
                    n,
                    leaf,
                    r,
                    proof.clone(),
                ),
                ("index + 1".into(), i + 1, n, leaf, r, proof.clone()),
                ("index ^ 2".into(), i ^ 2, n, leaf, r, proof.clone()),
                ("size * 2".into(), i, n * 2, leaf, r, proof.clone()),
                ("size / 2".into(), i, n / 2, leaf, r, proof.clone()),
                (
                    "leaf flipped".into(),
                    i,
                    n,
                    flip(&leaf, 3),
                    r,
                    proof.clone(),
                ),
                (
                    "root flipped".into(),
                    i,
                    n,
                    leaf,
                    flip(&r, 31),
                    proof.clone(),
                ),
                (
                    "root is the empty root".into(),
                    i,
                    n,
                    leaf,
                    fiu_audit::empty_root(),
                    proof.clone(),
                ),
            ];
            for (what, p) in corrupt_paths(&proof) {
                probes.push((what, i, n, leaf, r, p));
            }
            for (what, pi, pn, pl, pr, pp) in probes {
                let res = verify_inclusion(&pl, LeafIndex::new(pi), TreeSize::new(pn), &pp, &pr);
                assert!(res.is_err(), "leaf {i} of {n}, {what}: verified");
                checked += 1;
            }
        }
    }
    assert!(checked > 5000, "only {checked} corruptions tried");
}

#[test]
fn every_corrupted_consistency_proof_fails() {
    let all = leaves(33);
    let tree = Tree::from_leaves(all.iter().copied());
    let rt = |n: u64| tree.root_at(TreeSize::new(n)).expect("root");
    for n in 1..=33u64 {
        for m in 1..n {
            let (old, new) = (TreeSize::new(m), TreeSize::new(n));
            let proof = tree.consistency_proof(old, new).expect("proof");
            assert_eq!(verify_consistency(old, new, &rt(m), &rt(n), &proof), Ok(()));
            let mut probes: Vec<(String, u64, u64, Hash32, Hash32, Vec<Hash32>)> = vec![
                ("old - 1".into(), m - 1, n, rt(m), rt(n), proof.clone()),
                ("old + 1".into(), m + 1, n, rt(m), rt(n), proof.clone()),
                ("old ^ 2".into(), m ^ 2, n, rt(m), rt(n), proof.clone()),
                ("old * 2".into(), m * 2, n, rt(m), rt(n), proof.clone()),
                ("new * 2".into(), m, n * 2, rt(m), rt(n), proof.clone()),
                ("new / 2".into(), m, n / 2, rt(m), rt(n), proof.clone()),
                ("sizes swapped".into(), n, m, rt(n), rt(m), proof.clone()),
                (
                    "old root flipped".into(),
                    m,
                    n,
                    flip(&rt(m), 0),
                    rt(n),
                    proof.clone(),
                ),
                (
                    "new root flipped".into(),
                    m,
                    n,
                    rt(m),
                    flip(&rt(n), 9),
                    proof.clone(),
                ),
                ("roots swapped".into(), m, n, rt(n), rt(m), proof.clone()),
            ];
            for (what, p) in corrupt_paths(&proof) {
                probes.push((what, m, n, rt(m), rt(n), p));
            }
            for (what, pm, pn, pr1, pr2, pp) in probes {
                let res = verify_consistency(TreeSize::new(pm), TreeSize::new(pn), &pr1, &pr2, &pp);
                assert!(res.is_err(), "{m} -> {n}, {what}: verified");
            }
        }
    }
}

#[test]
fn refusals_are_typed() {
    let all = leaves(8);
    let tree = Tree::from_leaves(all.iter().copied());
    let (s8, r8) = (TreeSize::new(8), tree.root());
    let p = tree.inclusion_proof(LeafIndex::new(5), s8).expect("proof");
    assert_eq!(
        verify_inclusion(&all[5], LeafIndex::new(8), s8, &p, &r8),
        Err(ProofError::IndexOutOfRange {
            index: LeafIndex::new(8),
            size: s8
        })
    );
    let mut long = p.clone();
    long.push(all[0]);
    assert_eq!(
        verify_inclusion(&all[5], LeafIndex::new(5), s8, &long, &r8),
        Err(ProofError::ProofTooLong {
            expected: 3,
            got: 4
        })
    );
    assert_eq!(
        verify_inclusion(&all[5], LeafIndex::new(5), s8, &p[..2], &r8),
        Err(ProofError::ProofTooShort {
            expected: 3,
            got: 2
        })
    );
    assert!(matches!(
        verify_inclusion(&all[4], LeafIndex::new(5), s8, &p, &r8),
        Err(ProofError::RootMismatch { .. })
    ));
    assert_eq!(
        tree.inclusion_proof(LeafIndex::new(0), TreeSize::new(9)),
        Err(ProofError::SizeOutOfRange {
            size: TreeSize::new(9),
            tree_size: s8
        })
    );
    let s6 = TreeSize::new(6);
    let r6 = tree.root_at(s6).expect("root");
    assert_eq!(
        tree.consistency_proof(s8, s6),
        Err(ProofError::SizesInverted { old: s8, new: s6 })
    );
    assert_eq!(
        verify_consistency(s8, s6, &r8, &r6, &[]),
        Err(ProofError::SizesInverted { old: s8, new: s6 })
    );
    assert!(matches!(
        verify_consistency(
            s6,
            s8,
            &r6,
            &r6,
            &tree.consistency_proof(s6, s8).expect("p")
        ),
        Err(ProofError::NewRootMismatch { .. })
    ));
    assert!(matches!(
        verify_consistency(
            s6,
            s8,
            &r8,
            &r8,
            &tree.consistency_proof(s6, s8).expect("p")
        ),
        Err(ProofError::OldRootMismatch { .. })
    ));
    // The degenerate cases: equal sizes and the empty old tree.
    assert_eq!(verify_consistency(s6, s6, &r6, &r6, &[]), Ok(()));
    assert!(verify_consistency(s6, s6, &r6, &r8, &[]).is_err());
    assert!(verify_consistency(s6, s6, &r6, &r6, &[r6]).is_err());
    let s0 = TreeSize::new(0);
    assert_eq!(
        verify_consistency(s0, s8, &fiu_audit::empty_root(), &r8, &[]),
        Ok(())
    );
    assert!(verify_consistency(s0, s8, &r6, &r8, &[]).is_err());
    assert!(verify_consistency(s0, s8, &fiu_audit::empty_root(), &r8, &[r6]).is_err());
    assert_eq!(
        verify_consistency(s6, s8, &r6, &r8, &[]),
        Err(ProofError::ProofTooShort {
            expected: 3,
            got: 0
        })
    );
    assert!(matches!(
        Frontier::from_parts(TreeSize::new(6), vec![r6]),
        Err(ProofError::FrontierLength {
            expected: 2,
            got: 1,
            ..
        })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_proof_the_tree_makes_verifies(n in 1u64..600, a in any::<u64>(), b in any::<u64>()) {
        let all = leaves(n);
        let tree = Tree::from_leaves(all.iter().copied());
        let size = TreeSize::new(n);
        let r = tree.root();
        prop_assert_eq!(r, root(&all));
        let i = a % n;
        let proof = tree.inclusion_proof(LeafIndex::new(i), size).expect("proof");
        prop_assert_eq!(verify_inclusion(&all[i as usize], LeafIndex::new(i), size, &proof, &r), Ok(()));
        let m = b % (n + 1);
        let old = TreeSize::new(m);
        let proof = tree.consistency_proof(old, size).expect("proof");
        let old_root = tree.root_at(old).expect("root");
        prop_assert_eq!(verify_consistency(old, size, &old_root, &r, &proof), Ok(()));
        // A proof at an intermediate size verifies against that size's root too.
        let k = m.max(1);
        let j = a % k;
        let mid = TreeSize::new(k);
        let proof = tree.inclusion_proof(LeafIndex::new(j), mid).expect("proof");
        let mid_root = tree.root_at(mid).expect("root");
        prop_assert_eq!(verify_inclusion(&all[j as usize], LeafIndex::new(j), mid, &proof, &mid_root), Ok(()));
    }
}
