//! The portable blocked Bloom filter, its snapshot and delta byte formats.
//!
//! A node puts its tokens into a [`Filter`], publishes a snapshot ([`Filter::to_bytes`]) and
//! then a [`Delta`] per batch of new tokens; peers read both with checked readers and probe
//! their own tokens with [`Filter::contains_many`]. docs/PROTOCOL.md section 6 gives every byte.
//!
//! # The position rule (hash scheme 1)
//!
//! The filter is an array of 512-bit blocks, each eight little-endian `u64` words, one cache
//! line. Read the 32-byte token as a little-endian bit string (bit `b` is bit `b % 8` of byte
//! `b / 8`). For `j` in `0..blocks_per_token`, block `j` of the token is
//! `(u32::from_le_bytes(token[4j..4j + 4]) as u64 * num_blocks as u64) >> 32`. Then come
//! consecutive 9-bit fields from bit `32 * blocks_per_token` onward: the first
//! `bits_per_block` fields give the bits set in block 0, the next ones those in block 1. The
//! absolute position of bit `p` in block `b` is `512 b + p`, which is bit `p % 64` of word
//! `p / 64` of the block, and bit `(512 b + p) % 8` of body byte `(512 b + p) / 8`.
//!
//! Tokens are HMAC outputs, so their bits are already uniform and independent of anything an
//! outsider can choose: hashing them again would only cost time. Two fields of one token that
//! coincide set one bit; the false-positive model counts that (see [`FilterParams`]).
//!
//! # Why this shape
//!
//! A classic Bloom filter at 1e-6 touches 20 random cache lines per probe; this one touches
//! two, which [`Filter::contains_many`] prefetches a few tokens ahead, so a probe of a filter
//! much larger than the cache costs about one memory latency shared across many probes. The
//! price is space: 2 to 10 % more bits than a classic filter at rates from 1e-2 to 1e-6.

mod delta;
mod error;
mod format;
mod params;

use std::fmt;

pub use delta::Delta;
pub use error::FilterError;
pub use params::FilterParams;

use crate::token::{Epoch, Token};

/// The snapshot and delta format version this build writes and reads.
pub const FORMAT_VERSION: u8 = 1;

/// The position rule this build implements (see the module documentation).
pub const HASH_SCHEME: u8 = 1;

/// The largest snapshot accepted or built, in bytes (2 GiB).
///
/// A header is peer-controlled: without a cap, four bytes of `num_blocks` could ask for 256 GiB.
/// 2 GiB holds 33 million blocks, about 550 million tokens at 1e-6: ten times the per-node
/// scale of the spec (50 million tokens). Readers check the declared size against this cap and
/// against the actual input length before they allocate; a node may pass a lower cap to
/// [`Filter::from_bytes_limited`].
pub const MAX_FILTER_BYTES: u64 = 2 << 30;

/// The length of the snapshot header: the body after it starts 64-byte aligned.
pub const HEADER_LEN: usize = 64;

/// The length of the BLAKE3 checksum that ends a snapshot or a delta.
pub const CHECKSUM_LEN: usize = 32;

/// Bits in a block.
const BLOCK_BITS: u32 = 512;

/// Bits in one position field (log2 of [`BLOCK_BITS`]).
const FIELD_BITS: u32 = 9;

/// How many tokens ahead [`Filter::contains_many`] prefetches: enough to cover a memory
/// latency (about 100 ns) with the work of the probes in between.
const PREFETCH_DISTANCE: usize = 16;

/// One 512-bit block, aligned to a cache line so that a probe of it is one memory access.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
#[repr(C, align(64))]
struct Block([u64; 8]);

/// A blocked Bloom filter of tokens of one epoch.
///
/// Holds the bits and a count of inserted tokens (an upper bound on distinct tokens: inserting
/// a token twice counts twice, and [`Filter::union`] adds counts). Two filters compare equal
/// when their epochs, parameters, counts and bits all do.
#[derive(Clone, PartialEq, Eq)]
pub struct Filter {
    epoch: Epoch,
    params: FilterParams,
    item_count: u64,
    blocks: Vec<Block>,
}

impl Filter {
    /// An empty filter.
    pub fn new(epoch: Epoch, params: FilterParams) -> Filter {
        Filter {
            epoch,
            params,
            item_count: 0,
            blocks: {
                let n = params.num_blocks() as usize;
                let mut blocks = block_storage(n);
                blocks.resize(n, Block::default());
                blocks
            },
        }
    }

    /// The epoch of the tokens in this filter.
    pub fn epoch(&self) -> Epoch {
        self.epoch
    }

    /// The filter's parameters.
    pub fn params(&self) -> FilterParams {
        self.params
    }

    /// The number of tokens inserted (an upper bound on the distinct ones).
    pub fn item_count(&self) -> u64 {
        self.item_count
    }

    /// Adds a token.
    pub fn insert(&mut self, token: &Token) {
        self.item_count = self.item_count.saturating_add(1);
        let p = self.params;
        for_each_position(&p, token.as_bytes(), |block, bit| {
            self.blocks[block].0[bit >> 6] |= 1 << (bit & 63);
        });
    }

    /// Adds many tokens without recording a delta (building a filter from scratch),
    /// prefetching the blocks of the token `PREFETCH_DISTANCE` places ahead as
    /// [`Filter::contains_many`] does: on a filter larger than the cache, one by one
    /// [`Filter::insert`] waits for each block in turn.
    pub fn insert_many(&mut self, tokens: &[Token]) {
        let bpt = usize::from(self.params.blocks_per_token());
        let n = self.params.num_blocks();
        for (i, token) in tokens.iter().enumerate() {
            if let Some(ahead) = tokens.get(i + PREFETCH_DISTANCE) {
                for j in 0..bpt {
                    prefetch(&self.blocks[block_index(ahead.as_bytes(), j, n)]);
                }
            }
            self.insert(token);
        }
    }

    /// Adds tokens and returns the delta a peer needs to follow: exactly the bits that were
    /// not set before, and the number of tokens added.
    pub fn insert_batch(&mut self, tokens: &[Token]) -> Delta {
        let p = self.params;
        let mut positions = Vec::new();
        for token in tokens {
            for_each_position(&p, token.as_bytes(), |block, bit| {
                let word = &mut self.blocks[block].0[bit >> 6];
                let mask = 1u64 << (bit & 63);
                if *word & mask == 0 {
                    *word |= mask;
                    positions.push(block as u64 * u64::from(BLOCK_BITS) + bit as u64);
                }
            });
        }
        self.item_count = self.item_count.saturating_add(tokens.len() as u64);
        positions.sort_unstable();
        Delta::from_parts(self.epoch, p, tokens.len() as u64, positions)
    }

    /// Whether the token may be in the filter: always true if it was inserted, and true with
    /// about [`Filter::estimated_fpr`] probability if not.
    #[inline]
    pub fn contains(&self, token: &Token) -> bool {
        let p = &self.params;
        let t = token.as_bytes();
        let k = usize::from(p.bits_per_block());
        let bpt = usize::from(p.blocks_per_token());
        // Start loading the second block now, so that its cache miss overlaps the first's.
        if bpt == 2 {
            prefetch(&self.blocks[block_index(t, 1, p.num_blocks())]);
        }
        let mut offset = 32 * bpt;
        for j in 0..bpt {
            let block = &self.blocks[block_index(t, j, p.num_blocks())].0;
            for _ in 0..k {
                let bit = field(t, offset);
                offset += FIELD_BITS as usize;
                if block[bit >> 6] & (1 << (bit & 63)) == 0 {
                    return false;
                }
            }
        }
        true
    }

    /// [`Filter::contains`] for many tokens: `out` is cleared and gets one answer per token,
    /// in order.
    ///
    /// Prefetches the blocks of the token 16 places ahead (`PREFETCH_DISTANCE`), so that on a
    /// filter larger than the cache the memory accesses of many probes overlap instead of
    /// each probe waiting for its own.
    pub fn contains_many(&self, tokens: &[Token], out: &mut Vec<bool>) {
        out.clear();
        out.reserve(tokens.len());
        let bpt = usize::from(self.params.blocks_per_token());
        let n = self.params.num_blocks();
        for (i, token) in tokens.iter().enumerate() {
            if let Some(ahead) = tokens.get(i + PREFETCH_DISTANCE) {
                for j in 0..bpt {
                    prefetch(&self.blocks[block_index(ahead.as_bytes(), j, n)]);
                }
            }
            out.push(self.contains(token));
        }
    }

    /// Adds a delta made by [`Filter::insert_batch`] on a filter of the same epoch and
    /// parameters. The item count grows by the delta's count.
    pub fn apply(&mut self, delta: &Delta) -> Result<(), FilterError> {
        self.check_same(delta.epoch(), delta.params())?;
        for &pos in delta.positions() {
            // Delta positions are below `params.bits()` (checked where a delta is made) and
            // the parameters are equal, so the index is in range.
            let block = (pos / u64::from(BLOCK_BITS)) as usize;
            let bit = (pos % u64::from(BLOCK_BITS)) as usize;
            if let Some(b) = self.blocks.get_mut(block) {
                b.0[bit >> 6] |= 1 << (bit & 63);
            }
        }
        self.item_count = self.item_count.saturating_add(delta.added_items());
        Ok(())
    }

    /// Adds every token of `other` (same epoch and parameters): the result answers as if both
    /// sets had been inserted here. The item count becomes the sum of both, an upper bound when
    /// the sets overlap.
    pub fn union(&mut self, other: &Filter) -> Result<(), FilterError> {
        self.check_same(other.epoch, other.params)?;
        for (a, b) in self.blocks.iter_mut().zip(&other.blocks) {
            for (x, y) in a.0.iter_mut().zip(&b.0) {
                *x |= *y;
            }
        }
        self.item_count = self.item_count.saturating_add(other.item_count);
        Ok(())
    }

    /// The fraction of bits set.
    pub fn fill_ratio(&self) -> f64 {
        self.count_ones() as f64 / self.params.bits() as f64
    }

    /// The modelled false-positive rate at the current item count; what a hit's confidence
    /// should use.
    pub fn estimated_fpr(&self) -> f64 {
        self.params.expected_fpr(self.item_count)
    }

    /// The number of bits set.
    fn count_ones(&self) -> u64 {
        self.blocks
            .iter()
            .flat_map(|b| b.0.iter())
            .map(|w| u64::from(w.count_ones()))
            .sum()
    }

    fn check_same(&self, epoch: Epoch, params: FilterParams) -> Result<(), FilterError> {
        if epoch != self.epoch {
            return Err(FilterError::EpochMismatch {
                expected: self.epoch,
                found: epoch,
            });
        }
        if params != self.params {
            return Err(FilterError::ParamsMismatch {
                expected: self.params,
                found: params,
            });
        }
        Ok(())
    }
}

impl fmt::Debug for Filter {
    /// Shape and counts only: the bits are large and say nothing to a reader.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Filter")
            .field("epoch", &self.epoch)
            .field("params", &self.params)
            .field("item_count", &self.item_count)
            .finish_non_exhaustive()
    }
}

/// Block `j` of a token: fastrange of the `j`-th little-endian `u32` onto `num_blocks`.
#[inline(always)]
fn block_index(t: &[u8; 32], j: usize, num_blocks: u32) -> usize {
    ((u64::from(block_word(t, j)) * u64::from(num_blocks)) >> 32) as usize
}

/// The `j`-th little-endian `u32` of a token, which chooses its `j`-th block.
#[inline(always)]
fn block_word(t: &[u8; 32], j: usize) -> u32 {
    u32::from_le_bytes([t[4 * j], t[4 * j + 1], t[4 * j + 2], t[4 * j + 3]])
}

/// The 9-bit field at bit `offset` of the token read as a little-endian bit string.
///
/// The parameter limits keep `offset + 9 <= 256`, so the two bytes read are within the token.
#[inline(always)]
fn field(t: &[u8; 32], offset: usize) -> usize {
    let i = offset / 8;
    usize::from((u16::from_le_bytes([t[i], t[i + 1]]) >> (offset % 8)) & 0x1ff)
}

/// Calls `f(block, bit)` for every position of a token, in field order.
#[inline(always)]
fn for_each_position(p: &FilterParams, t: &[u8; 32], mut f: impl FnMut(usize, usize)) {
    let k = usize::from(p.bits_per_block());
    let mut offset = 32 * usize::from(p.blocks_per_token());
    for j in 0..usize::from(p.blocks_per_token()) {
        let block = block_index(t, j, p.num_blocks());
        for _ in 0..k {
            f(block, field(t, offset));
            offset += FIELD_BITS as usize;
        }
    }
}

impl FilterParams {
    /// The indexes of the 512-bit blocks `token` touches (one per `blocks_per_token`, the
    /// second equal to the first when unused). A node uses them to find which of its tokens a
    /// delta could have turned into hits: a delta's position `p` is in block `p / 512`.
    pub fn blocks_of(&self, token: &Token) -> [u64; 2] {
        let t = token.as_bytes();
        let first = block_index(t, 0, self.num_blocks()) as u64;
        let second = if self.blocks_per_token() > 1 {
            block_index(t, 1, self.num_blocks()) as u64
        } else {
            first
        };
        [first, second]
    }

    /// The two 32-bit words of `token` that choose its blocks under any parameters: block `j`
    /// is `words[j] * num_blocks >> 32` (fastrange), whatever the filter's size. An index of a
    /// node's own tokens keyed on these words serves peer filters of every size at once.
    pub fn block_words(token: &Token) -> [u32; 2] {
        let t = token.as_bytes();
        [block_word(t, 0), block_word(t, 1)]
    }

    /// The block words that fall in `block` under these parameters, as an inclusive range;
    /// `None` for a block number past the end. Every block holds at least one word, since a
    /// filter has at most `u32::MAX` blocks.
    pub fn block_word_range(&self, block: u64) -> Option<(u32, u32)> {
        let n = u128::from(self.num_blocks());
        let b = u128::from(block);
        if b >= n {
            return None;
        }
        // floor(x * n / 2^32) == b  <=>  ceil(b * 2^32 / n) <= x <= ceil((b + 1) * 2^32 / n) - 1
        let lo = (b << 32).div_ceil(n);
        let hi = ((b + 1) << 32).div_ceil(n) - 1;
        Some((u32::try_from(lo).ok()?, u32::try_from(hi).ok()?))
    }
}

/// Filters at least this large ask for huge pages.
#[cfg(target_os = "linux")]
const HUGE_PAGE_MIN_BYTES: usize = 4 << 20;

/// An empty vector with room for `n` blocks, whose memory the kernel is asked to back with
/// huge pages before anything touches it.
///
/// A probe reads one or two random blocks of a filter that is far larger than the cache, so
/// besides the cache miss on the block each probe misses the TLB, and with 4 KiB pages the
/// page-table walk misses the cache too (the page tables of 30 filters of ten million subjects
/// are tens of megabytes). 2 MiB pages make the walk's tables small enough to stay cached.
/// Linux backs the range with huge pages only where transparent huge pages are enabled
/// (`always`, or `madvise` as this asks); elsewhere this is a plain allocation. The hint must
/// come before the pages are first written, hence an empty vector that the caller fills.
fn block_storage(n: usize) -> Vec<Block> {
    let blocks: Vec<Block> = Vec::with_capacity(n);
    #[cfg(target_os = "linux")]
    {
        let bytes = blocks.capacity() * std::mem::size_of::<Block>();
        if bytes >= HUGE_PAGE_MIN_BYTES {
            const PAGE: usize = 4096;
            let start = blocks.as_ptr() as usize;
            let aligned = start.next_multiple_of(PAGE);
            let len = (start + bytes - aligned) / PAGE * PAGE;
            // SAFETY: `madvise(MADV_HUGEPAGE)` changes how the kernel backs the range, never
            // its contents, and the range lies inside this vector's allocation (page-aligned
            // start rounded up, length rounded down). Failure only means no huge pages.
            unsafe {
                libc::madvise(aligned as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
            }
        }
    }
    blocks
}

/// Asks the CPU to start loading a block into cache; a hint with no effect on results.
#[inline(always)]
fn prefetch(block: &Block) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` needs SSE, which every x86_64 CPU has; a prefetch never faults
    // and the pointer comes from a live reference anyway.
    unsafe {
        use core::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>((block as *const Block).cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = block;
}

#[cfg(test)]
mod block_word_tests {
    use super::*;

    #[test]
    fn a_token_is_in_a_block_exactly_when_its_word_is_in_the_blocks_range() {
        for capacity in [1u64, 1_000, 77_777, 10_000_000] {
            let p = FilterParams::for_capacity(capacity, 1e-6).unwrap();
            let n = u64::from(p.num_blocks());
            // The ranges tile the word space in order, without gaps or overlaps.
            let mut blocks: Vec<u64> = vec![0, 1, 2, n / 2, n / 2 + 1, n - 1];
            blocks.retain(|&b| b < n);
            blocks.dedup();
            let mut previous: Option<(u64, u32)> = None;
            for b in blocks {
                let (lo, hi) = p.block_word_range(b).unwrap();
                assert!(lo <= hi);
                if b == 0 {
                    assert_eq!(lo, 0);
                }
                if b == n - 1 {
                    assert_eq!(hi, u32::MAX);
                }
                if let Some((pb, phi)) = previous
                    && pb + 1 == b
                {
                    assert_eq!(u64::from(lo), u64::from(phi) + 1, "block {b} follows {pb}");
                }
                previous = Some((b, hi));
            }
            assert_eq!(p.block_word_range(n), None);
            for i in 0..2_000u64 {
                let t = Token::from_bytes(*blake3::hash(&i.to_le_bytes()).as_bytes());
                let words = FilterParams::block_words(&t);
                let blocks = p.blocks_of(&t);
                for j in 0..usize::from(p.blocks_per_token()) {
                    let (lo, hi) = p.block_word_range(blocks[j]).unwrap();
                    assert!(
                        (lo..=hi).contains(&words[j]),
                        "capacity {capacity}, token {i}"
                    );
                    for other in [blocks[j].wrapping_sub(1), blocks[j] + 1] {
                        if let Some((lo, hi)) = p.block_word_range(other) {
                            assert!(!(lo..=hi).contains(&words[j]));
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Token `i` of the known-answer vectors: BLAKE3 of `i` as a little-endian u32.
    fn kat_token(i: u32) -> Token {
        Token::from_bytes(*blake3::hash(&i.to_le_bytes()).as_bytes())
    }

    /// Deterministic pseudo-random tokens, disjoint per `domain`.
    fn tokens(domain: &str, n: u64) -> Vec<Token> {
        let mut xof = blake3::Hasher::new_derive_key(domain).finalize_xof();
        (0..n)
            .map(|_| {
                let mut b = [0u8; 32];
                xof.fill(&mut b);
                Token::from_bytes(b)
            })
            .collect()
    }

    fn set_positions(f: &Filter) -> Vec<u64> {
        let mut out = Vec::new();
        for (b, block) in f.blocks.iter().enumerate() {
            for (w, word) in block.0.iter().enumerate() {
                for bit in 0..64 {
                    if word >> bit & 1 == 1 {
                        out.push(b as u64 * 512 + w as u64 * 64 + bit);
                    }
                }
            }
        }
        out
    }

    #[test]
    fn position_rule_reads_little_endian_bits() {
        let mut t = [0u8; 32];
        t[0..4].copy_from_slice(&0x8000_0000u32.to_le_bytes());
        t[4..8].copy_from_slice(&0xffff_ffffu32.to_le_bytes());
        assert_eq!(block_index(&t, 0, 10), 5);
        assert_eq!(block_index(&t, 1, 10), 9);
        // Field 0 at bit 64: bits 64..73 = byte 8 and the low bit of byte 9.
        t[8] = 0xff;
        t[9] = 0x01;
        assert_eq!(field(&t, 64), 511);
        t[9] = 0xfe;
        assert_eq!(field(&t, 64), 255);
        // Field 1 at bit 73: bits 1..8 of byte 9 and bits 0..1 of byte 10.
        t[10] = 0x03;
        assert_eq!(field(&t, 73), 0x7f | 0x180);
        assert_eq!(
            field(&t, 247),
            usize::from(t[30] >> 7) | usize::from(t[31]) << 1
        );
    }

    /// The vectors in docs/PROTOCOL.md section 6.
    #[test]
    fn known_answer() {
        let params = FilterParams::new(4, 2, 3).unwrap();
        let mut f = Filter::new(Epoch(7), params);
        assert_eq!(
            crate::token::hex(kat_token(1).as_bytes()),
            "c610e85212d0697cb161d4ba431ba603f273feee7dcb7927c9ff5d74ae6cbfa3"
        );
        for i in 0..3 {
            f.insert(&kat_token(i));
        }
        assert_eq!(
            set_positions(&f),
            [
                166, 348, 419, 549, 560, 631, 693, 699, 787, 816, 945, 948, 951, 981, 1021, 1620,
                1675, 1885
            ]
        );
        let snapshot = f.to_bytes();
        assert_eq!(snapshot.len(), 64 + 4 * 64 + 32);
        assert_eq!(
            crate::token::hex(&snapshot[..32]),
            "4649554601010203070000000000000004000000000000000300000000000000"
        );
        assert_eq!(
            crate::token::hex(&f.content_id()),
            "3ef9de9a6806f015f0aae6ed649a5d5070c4ee5139adc8413cb0024836fb26fb"
        );
        let delta = f.insert_batch(&[kat_token(3)]);
        assert_eq!(
            crate::token::hex(&delta.to_bytes()),
            "46495544010102030700000000000000040000000000000001000000000000000600000000000000096ab8019c0a23ef014cf636fe1148d57a2ce0c5a95f427dac55ca6f625824a95ee3c852104063d98f"
        );
    }

    #[test]
    fn union_equals_inserting_both() {
        let params = FilterParams::for_capacity(2000, 1e-3).unwrap();
        let (a, b) = (tokens("union a", 1000), tokens("union b", 1000));
        let mut fa = Filter::new(Epoch(1), params);
        let mut fb = Filter::new(Epoch(1), params);
        let mut both = Filter::new(Epoch(1), params);
        a.iter().for_each(|t| fa.insert(t));
        b.iter().for_each(|t| fb.insert(t));
        a.iter().chain(&b).for_each(|t| both.insert(t));
        fa.union(&fb).unwrap();
        assert_eq!(fa, both);
        assert_eq!(fa.item_count(), 2000);

        let other_epoch = Filter::new(Epoch(2), params);
        assert!(matches!(
            fa.union(&other_epoch),
            Err(FilterError::EpochMismatch { .. })
        ));
        let other_params = Filter::new(Epoch(1), FilterParams::new(3, 2, 9).unwrap());
        assert!(matches!(
            fa.union(&other_params),
            Err(FilterError::ParamsMismatch { .. })
        ));
    }

    #[test]
    fn insert_batch_delta_replays_exactly() {
        let params = FilterParams::for_capacity(3000, 1e-4).unwrap();
        let mut f = Filter::new(Epoch(3), params);
        f.insert_batch(&tokens("old", 1000));
        let old = f.clone();
        let batch = tokens("new", 500);
        let delta = f.insert_batch(&batch);
        assert_eq!(delta.added_items(), 500);
        // Exactly the newly set bits.
        let before = set_positions(&old);
        let after = set_positions(&f);
        let new: Vec<u64> = after
            .iter()
            .copied()
            .filter(|p| !before.contains(p))
            .collect();
        assert_eq!(delta.positions(), new.as_slice());

        let mut replay = old.clone();
        replay
            .apply(&Delta::from_bytes(&delta.to_bytes()).unwrap())
            .unwrap();
        assert_eq!(replay.to_bytes(), f.to_bytes());

        let mut wrong = Filter::new(Epoch(4), params);
        assert!(matches!(
            wrong.apply(&delta),
            Err(FilterError::EpochMismatch { .. })
        ));
    }

    #[test]
    fn measured_fpr_within_bound() {
        for target in [1e-3, 1e-4] {
            let n = 100_000;
            let params = FilterParams::for_capacity(n, target).unwrap();
            let mut f = Filter::new(Epoch(1), params);
            f.insert_batch(&tokens("present", n));
            let absent = tokens("absent", 1_000_000);
            let mut out = Vec::new();
            f.contains_many(&absent, &mut out);
            let rate = out.iter().filter(|&&b| b).count() as f64 / absent.len() as f64;
            println!(
                "target {target}: measured {rate}, modelled {}, params {params}",
                f.estimated_fpr()
            );
            assert!(rate <= 1.5 * target, "target {target}: measured {rate}");
        }
    }

    #[test]
    fn fill_and_estimate_track_inserts() {
        let params = FilterParams::for_capacity(10_000, 1e-3).unwrap();
        let mut f = Filter::new(Epoch(1), params);
        assert_eq!(f.fill_ratio(), 0.0);
        assert_eq!(f.estimated_fpr(), 0.0);
        f.insert_batch(&tokens("fill", 10_000));
        assert!(
            f.fill_ratio() > 0.3 && f.fill_ratio() < 0.6,
            "{}",
            f.fill_ratio()
        );
        assert!(f.estimated_fpr() <= 1e-3 && f.estimated_fpr() > 1e-4);
        assert!(format!("{f:?}").starts_with("Filter { epoch: Epoch(1)"));
    }

    proptest! {
        #[test]
        fn inserted_tokens_are_found(
            seeds in proptest::collection::vec(any::<[u8; 32]>(), 1..200),
            num_blocks in 1u32..64,
            bpt in 1u8..=2,
            k in 1u8..=10,
        ) {
            let params = FilterParams::new(num_blocks, bpt, k).unwrap();
            let mut f = Filter::new(Epoch(9), params);
            let toks: Vec<Token> = seeds.iter().map(|s| Token::from_bytes(*s)).collect();
            let (first, rest) = toks.split_at(toks.len() / 2);
            first.iter().for_each(|t| f.insert(t));
            f.insert_batch(rest);
            let mut out = Vec::new();
            f.contains_many(&toks, &mut out);
            prop_assert!(out.iter().all(|&b| b));
            prop_assert!(toks.iter().all(|t| f.contains(t)));
        }
    }
}
