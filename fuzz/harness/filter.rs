//! Peer filter bytes: snapshot ("FIUF") and delta ("FIUD") readers, then union and apply.
//!
//! Both formats end in a BLAKE3 checksum, which random bytes never match; so that the fuzzer
//! reaches the checks after it, the harness can write the right checksum over the last 32
//! bytes before reading (the mode byte says which parts get one).

use matcher::filter::{CHECKSUM_LEN, Delta, Filter};
use matcher::token::Token;

/// The largest filter the harness builds from a delta's parameters (a delta declares
/// parameters but carries no body; allocating 256 GiB is not the reader's fault).
const MAX_BUILT_BYTES: u64 = 1 << 20;

/// Input: a mode byte, a little-endian `u16` length `n`, then part A (`n` bytes) and part B
/// (the rest). Mode bit 0: fix A's checksum; bit 1: fix B's.
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (a, b) = match rest.split_first_chunk::<2>() {
        Some((len, rest)) => {
            let n = usize::from(u16::from_le_bytes(*len)).min(rest.len());
            rest.split_at(n)
        }
        None => (rest, &[][..]),
    };
    let a = with_checksum(a, mode & 1 != 0);
    let b = with_checksum(b, mode & 2 != 0);

    let snapshot_a = read_snapshot(&a);
    let snapshot_b = read_snapshot(&b);
    let delta_a = read_delta(&a);
    let delta_b = read_delta(&b);

    if let (Some(mut x), Some(y)) = (snapshot_a.clone(), snapshot_b.as_ref()) {
        let before = x.item_count();
        match x.union(y) {
            Ok(()) => assert!(x.item_count() >= before),
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
    for delta in [&delta_a, &delta_b].into_iter().flatten() {
        if let Some(mut filter) = snapshot_a.clone() {
            apply_and_check(&mut filter, delta);
        }
        if delta.params().byte_len() <= MAX_BUILT_BYTES {
            let mut empty = Filter::new(delta.epoch(), delta.params());
            apply_and_check(&mut empty, delta);
        }
    }
}

/// `bytes`, with its last [`CHECKSUM_LEN`] bytes replaced by the BLAKE3 hash of the others
/// when `fix` is set and the input is long enough.
fn with_checksum(bytes: &[u8], fix: bool) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if fix && out.len() >= CHECKSUM_LEN {
        let split = out.len() - CHECKSUM_LEN;
        let hash = blake3::hash(&out[..split]);
        out[split..].copy_from_slice(hash.as_bytes());
    }
    out
}

/// Reads a snapshot; an accepted one must write back to the same bytes and read again.
fn read_snapshot(bytes: &[u8]) -> Option<Filter> {
    let _ = Filter::from_bytes_limited(bytes, 4096);
    match Filter::from_bytes(bytes) {
        Ok(filter) => {
            let written = filter.to_bytes();
            assert_eq!(
                written, bytes,
                "an accepted snapshot does not write back the same"
            );
            let _ = filter.content_id();
            let _ = filter.estimated_fpr();
            let probe = Token::from_bytes(blake3::hash(bytes).into());
            let mut out = Vec::new();
            filter.contains_many(&[probe], &mut out);
            assert_eq!(out, vec![filter.contains(&probe)]);
            Some(filter)
        }
        Err(e) => {
            let _ = e.to_string();
            None
        }
    }
}

/// Reads a delta; an accepted one must write back to the same bytes.
fn read_delta(bytes: &[u8]) -> Option<Delta> {
    match Delta::from_bytes(bytes) {
        Ok(delta) => {
            assert_eq!(
                delta.to_bytes(),
                bytes,
                "an accepted delta does not write back the same"
            );
            Some(delta)
        }
        Err(e) => {
            let _ = e.to_string();
            None
        }
    }
}

/// Applies `delta`; when accepted, the filter must still write a snapshot that reads back.
fn apply_and_check(filter: &mut Filter, delta: &Delta) {
    match filter.apply(delta) {
        Ok(()) => {
            let bytes = filter.to_bytes();
            let again = Filter::from_bytes(&bytes).expect("a filter after a delta reads back");
            assert!(
                again == *filter,
                "a filter after a delta does not read back the same"
            );
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}
