//! Which local subjects a peer's filter delta can have turned into hits.
//!
//! A blocked Bloom filter sets every bit of a token inside the token's (one or two) 512-bit
//! blocks, so a delta can only change the answer for local tokens that live in a block the
//! delta touched. Without an index, finding those tokens means testing every local token
//! (about 10 million at a million subjects) on every delta; with it, a delta costs in
//! proportion to the blocks it touched.
//!
//! A token's block `j` is its `j`-th 32-bit "block word" mapped onto the filter's block count
//! (`FilterParams::block_words`), so a block of any filter is a contiguous range of words.
//! The index is therefore keyed on the words, not on one filter's blocks: an inverted list,
//! word bucket → local subjects, laid out as one offsets array and one slots array
//! (compressed sparse rows: 4 bytes per token word, no per-bucket allocation). One index
//! serves the filters of every peer whatever their sizes (members' capacities differ and
//! double as they grow, and an index per filter geometry cost 8 bytes per local token each:
//! 0.8 GB per geometry at ten million subjects) and the own filter (exact resolution of
//! follow-ups).
//!
//! Staleness is allowed in one direction only: the index may name subjects that no longer
//! have a token in a block (they are probed and simply do not hit), but it must never miss
//! one. Subjects upserted after the build are therefore kept in an overlay that every query
//! tests directly; deletions need nothing. When the overlay grows past an eighth of the
//! indexed subjects, the next query rebuilds.

use std::collections::{HashMap, HashSet};

use matcher::Token;
use matcher::filter::FilterParams;
use matcher::hits::KeyedToken;

/// Overlay size below which a rebuild is never worth it (testing this many subjects' tokens
/// directly takes well under a millisecond).
const MIN_OVERLAY_FOR_REBUILD: usize = 4096;

/// Above one touched block in this many, `candidates` tests every local subject directly.
const DIRECT_SCAN_FRACTION: usize = 8;

/// Token words per bucket the index aims at: a bucket's subjects are all named when any part
/// of it is touched, so small buckets name few extra subjects; the offsets cost 4 bytes per
/// bucket.
const WORDS_PER_BUCKET: usize = 8;

/// Bits in one filter block; a delta position `p` is in block `p / BLOCK_BITS`.
pub const BLOCK_BITS: u64 = 512;

/// The built index: subjects with a token word in bucket `k` (words `k << shift` up to the
/// next bucket) are `refs[slots[offsets[k]..offsets[k + 1]]]`.
#[derive(Debug)]
struct Built {
    shift: u32,
    offsets: Vec<u32>,
    slots: Vec<u32>,
    refs: Vec<Box<str>>,
    /// Subjects upserted since the build (their tokens may not be in `slots`).
    overlay: HashSet<String>,
}

/// Block word → local subjects, for filters of every size. See the module docs.
#[derive(Debug, Default)]
pub struct BlockIndex {
    built: Option<Built>,
}

impl BlockIndex {
    /// No index yet; it is built at the first query.
    pub fn new() -> Self {
        Self::default()
    }

    /// Notes that these subjects were inserted or changed after the index was built.
    pub fn note_changed<'a>(&mut self, refs: impl IntoIterator<Item = &'a str>) {
        if let Some(b) = self.built.as_mut() {
            b.overlay.extend(refs.into_iter().map(str::to_owned));
        }
    }

    /// Bytes held by the index (for the scale benchmark and the operator's sizing).
    pub fn heap_bytes(&self) -> usize {
        self.built.as_ref().map_or(0, |b| {
            b.offsets.len() * 4
                + b.slots.len() * 4
                + b.refs.iter().map(|r| r.len() + 16).sum::<usize>()
                + b.overlay.iter().map(|r| r.len() + 32).sum::<usize>()
        })
    }

    /// The local references of every subject in `local` with a token in one of `blocks`
    /// (block numbers under `params`, any order, duplicates allowed) for which `positive`
    /// (the peer filter after the change) says yes: the only subjects a change of those
    /// blocks can have turned into hits, since a token that tests positive now and did not
    /// before has a bit in a changed block. May name a few more (see the module docs), never
    /// fewer. Builds or rebuilds the index first when needed. `tokens` gives a subject's
    /// tokens.
    ///
    /// Testing `positive` here matters: a block holds the tokens of a few dozen subjects, so
    /// a delta of a hundred subjects touches blocks holding half of a 100 000-subject
    /// population, nearly all of which still test negative.
    pub fn candidates<S>(
        &mut self,
        params: FilterParams,
        blocks: &[u64],
        local: &HashMap<String, S>,
        tokens: impl Fn(&S) -> &[KeyedToken],
        positive: impl Fn(&Token) -> bool,
    ) -> Vec<String> {
        if blocks.is_empty() || local.is_empty() {
            return Vec::new();
        }
        // The touched blocks as a bitmap (one bit per block: 128 KiB for a filter of a
        // million blocks), so that testing a token's blocks is two bit reads.
        let num_blocks = params.num_blocks() as usize;
        let mut touched = vec![0u64; num_blocks.div_ceil(64)];
        let mut touched_blocks = Vec::new();
        for &b in blocks {
            if let Some(word) = touched.get_mut((b / 64) as usize) {
                let bit = 1u64 << (b % 64);
                if *word & bit == 0 {
                    *word |= bit;
                    touched_blocks.push(b);
                }
            }
        }
        let is_touched = |b: u64| {
            touched
                .get((b / 64) as usize)
                .is_some_and(|w| w & (1 << (b % 64)) != 0)
        };
        let could_hit = |s: &S| {
            tokens(s).iter().any(|t| {
                params.blocks_of(&t.token).iter().any(|&b| is_touched(b)) && positive(&t.token)
            })
        };
        // Deltas that queued up during a peer's bulk load touch most blocks: gathering and
        // de-duplicating the slots of most blocks then costs more than testing every local
        // subject once, and needs no index.
        if touched_blocks.len().saturating_mul(DIRECT_SCAN_FRACTION) > num_blocks {
            return local
                .iter()
                .filter(|(_, s)| could_hit(s))
                .map(|(r, _)| r.clone())
                .collect();
        }
        let stale = self
            .built
            .as_ref()
            .is_none_or(|b| b.overlay.len() > MIN_OVERLAY_FOR_REBUILD.max(b.refs.len() / 8));
        if stale {
            self.built = Some(build(local, &tokens));
        }
        let Some(built) = self.built.as_ref() else {
            return Vec::new();
        };
        let mut slots: Vec<u32> = Vec::new();
        for &block in &touched_blocks {
            let Some((lo, hi)) = params.block_word_range(block) else {
                continue;
            };
            let from = built.offsets.get((lo >> built.shift) as usize);
            let to = built.offsets.get((hi >> built.shift) as usize + 1);
            if let (Some(&from), Some(&to)) = (from, to) {
                slots.extend_from_slice(&built.slots[from as usize..to as usize]);
            }
        }
        slots.sort_unstable();
        slots.dedup();
        let mut out: Vec<String> = slots
            .into_iter()
            .filter_map(|s| built.refs.get(s as usize))
            .filter(|r| !built.overlay.contains(&***r))
            .filter(|r| local.get(&***r).is_some_and(&could_hit))
            .map(|r| r.to_string())
            .collect();
        for r in &built.overlay {
            if local.get(r).is_some_and(&could_hit) {
                out.push(r.clone());
            }
        }
        out
    }
}

/// Two passes over the local subjects (count per bucket, then fill): no per-bucket
/// allocation. Both block words of every token are indexed (a filter with one block per token
/// uses only the first; the second then names a few extra subjects, which `candidates`
/// filters out).
fn build<S>(local: &HashMap<String, S>, tokens: &impl Fn(&S) -> &[KeyedToken]) -> Built {
    let words: usize = local.values().map(|s| tokens(s).len() * 2).sum();
    // Buckets: a power of two near words / WORDS_PER_BUCKET, between 2^4 and 2^28.
    let bits = (words / WORDS_PER_BUCKET)
        .max(1)
        .next_power_of_two()
        .trailing_zeros()
        .clamp(4, 28);
    let shift = 32 - bits;
    let n = 1usize << bits;
    let mut offsets = vec![0u32; n + 1];
    let each_bucket = |s: &S, f: &mut dyn FnMut(usize)| {
        for t in tokens(s) {
            let [a, b] = FilterParams::block_words(&t.token).map(|w| (w >> shift) as usize);
            f(a);
            if b != a {
                f(b);
            }
        }
    };
    for s in local.values() {
        each_bucket(s, &mut |k| offsets[k + 1] += 1);
    }
    for i in 1..=n {
        offsets[i] += offsets[i - 1];
    }
    let mut next = offsets.clone();
    let mut slots = vec![0u32; offsets[n] as usize];
    let mut refs = Vec::with_capacity(local.len());
    // The map is not changed between the two passes (the caller holds it borrowed), so it
    // iterates in the same order both times.
    for (slot, (r, s)) in local.iter().enumerate() {
        refs.push(r.as_str().into());
        each_bucket(s, &mut |k| {
            slots[next[k] as usize] = slot as u32;
            next[k] += 1;
        });
    }
    Built {
        shift,
        offsets,
        slots,
        refs,
        overlay: HashSet::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use matcher::{KeyKind, Token};

    fn token(i: u64) -> KeyedToken {
        let h = blake3::hash(&i.to_le_bytes());
        KeyedToken {
            kind: KeyKind::ALL[0],
            token: Token::from_bytes(*h.as_bytes()),
        }
    }

    /// Odd-numbered tokens test positive.
    fn positive(t: &Token) -> bool {
        t.as_bytes()[31] % 2 == 1
    }

    fn brute(
        params: FilterParams,
        blocks: &[u64],
        local: &HashMap<String, Vec<KeyedToken>>,
    ) -> Vec<String> {
        let set: HashSet<u64> = blocks.iter().copied().collect();
        let mut out: Vec<String> = local
            .iter()
            .filter(|(_, ts)| {
                ts.iter().any(|t| {
                    params.blocks_of(&t.token).iter().any(|b| set.contains(b)) && positive(&t.token)
                })
            })
            .map(|(r, _)| r.clone())
            .collect();
        out.sort();
        out
    }

    #[test]
    fn names_exactly_the_subjects_in_the_touched_blocks_through_changes() {
        let params = FilterParams::for_capacity(2_000, 1e-6).expect("params");
        let mut local: HashMap<String, Vec<KeyedToken>> = (0..500u64)
            .map(|i| (format!("S{i}"), (0..4).map(|j| token(i * 10 + j)).collect()))
            .collect();
        let mut index = BlockIndex::new();
        // One block in 61 goes through the index, one in 7 through the direct scan.
        for step in [61, 7] {
            let blocks: Vec<u64> = (0..u64::from(params.num_blocks())).step_by(step).collect();
            let mut got = index.candidates(params, &blocks, &local, |s| s.as_slice(), positive);
            got.sort();
            assert_eq!(got, brute(params, &blocks, &local), "one block in {step}");
            assert!(!got.is_empty() && got.len() < local.len());
        }

        // A changed subject and a new one are found through the overlay; a deleted one may
        // still be named (harmless) but every present one must be.
        local.insert("S1".into(), vec![token(9_000_001)]);
        let new: Vec<KeyedToken> = (9_100_000..)
            .map(token)
            .filter(|t| positive(&t.token))
            .take(3)
            .collect();
        let one = params.blocks_of(&new[1].token);
        local.insert("NEW".into(), new);
        local.remove("S2");
        index.note_changed(["S1", "NEW"]);
        let all: Vec<u64> = (0..u64::from(params.num_blocks())).collect();
        let mut got = index.candidates(params, &all, &local, |s| s.as_slice(), positive);
        got.sort();
        got.retain(|r| local.contains_key(r));
        assert_eq!(got, brute(params, &all, &local));
        let got = index.candidates(params, &one, &local, |s| s.as_slice(), positive);
        assert!(got.contains(&"NEW".to_string()));
        let some: Vec<u64> = (0..u64::from(params.num_blocks())).step_by(61).collect();
        let mut got = index.candidates(params, &some, &local, |s| s.as_slice(), positive);
        got.sort();
        got.retain(|r| local.contains_key(r));
        assert_eq!(got, brute(params, &some, &local));
        assert!(
            !got.contains(&"S1".to_string())
                || brute(params, &one, &local).contains(&"S1".to_string())
        );
    }

    #[test]
    fn one_index_serves_filters_of_every_size_and_shape() {
        let local: HashMap<String, Vec<KeyedToken>> = (0..3_000u64)
            .map(|i| (format!("S{i}"), (0..3).map(|j| token(i * 7 + j)).collect()))
            .collect();
        let mut index = BlockIndex::new();
        let mut bytes = None;
        // Smaller and larger than the index's buckets, two blocks per token and one (a
        // filter of very few blocks at a loose rate).
        for (capacity, fpr) in [(1_000, 1e-6), (50_000, 1e-6), (9_000_000, 1e-8), (40, 0.1)] {
            let params = FilterParams::for_capacity(capacity, fpr).expect("params");
            let n = u64::from(params.num_blocks());
            for step in [n.div_ceil(20).max(1), n.div_ceil(200).max(1)] {
                let blocks: Vec<u64> = (0..n).step_by(step as usize).collect();
                let mut got = index.candidates(params, &blocks, &local, |s| s.as_slice(), positive);
                got.sort();
                assert_eq!(
                    got,
                    brute(params, &blocks, &local),
                    "capacity {capacity}, {} of {n} blocks",
                    blocks.len()
                );
            }
            // Built once, at the first query that needs it (a query touching most blocks of
            // a small filter scans directly), whatever the filters asked about since.
            let now = index.heap_bytes();
            if now > 0 {
                assert_eq!(*bytes.get_or_insert(now), now, "capacity {capacity}");
            }
        }
        assert!(bytes.is_some(), "the index was used");
    }
}
