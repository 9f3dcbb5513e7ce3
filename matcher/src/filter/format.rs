//! The snapshot byte format (version 1) and the header fields it shares with deltas.
//!
//! ```text
//! offset  size  field
//!      0     4  magic "FIUF"
//!      4     1  format version = 1
//!      5     1  hash scheme = 1
//!      6     1  blocks_per_token
//!      7     1  bits_per_block
//!      8     8  epoch (u64 LE)
//!     16     4  num_blocks (u32 LE)
//!     20     4  reserved, zero
//!     24     8  item_count (u64 LE)
//!     32    32  reserved, zero
//!     64  64*n  body: block after block, each 8 words, each u64 LE
//! 64+64n    32  BLAKE3 of every byte before it
//! ```

use super::{
    Block, CHECKSUM_LEN, FORMAT_VERSION, Filter, FilterError, FilterParams, HASH_SCHEME,
    HEADER_LEN, MAX_FILTER_BYTES,
};
use crate::token::Epoch;

/// The first four bytes of a snapshot.
pub const SNAPSHOT_MAGIC: [u8; 4] = *b"FIUF";

/// The length of the header fields snapshots and deltas share (magic to reserved u32).
const COMMON_LEN: usize = 24;

/// How many blocks [`Filter::content_id`] converts to bytes at a time.
const HASH_CHUNK_BLOCKS: usize = 1024;

impl Filter {
    /// The snapshot: header, body and checksum (docs/PROTOCOL.md section 6).
    pub fn to_bytes(&self) -> Vec<u8> {
        let len = self.params.byte_len() as usize;
        let mut out = Vec::with_capacity(len);
        out.extend_from_slice(&self.header());
        for block in &self.blocks {
            out.extend_from_slice(&block_bytes(block));
        }
        let checksum = blake3::hash(&out);
        out.extend_from_slice(checksum.as_bytes());
        out
    }

    /// The snapshot's checksum: BLAKE3 of its header and body. Names the snapshot's exact
    /// content, so the node can sign it and peers can refer to it.
    pub fn content_id(&self) -> [u8; 32] {
        let mut hasher = blake3::Hasher::new();
        hasher.update(&self.header());
        let mut buf = Vec::with_capacity(HASH_CHUNK_BLOCKS * 64);
        for chunk in self.blocks.chunks(HASH_CHUNK_BLOCKS) {
            buf.clear();
            for block in chunk {
                buf.extend_from_slice(&block_bytes(block));
            }
            hasher.update(&buf);
        }
        *hasher.finalize().as_bytes()
    }

    /// Reads a snapshot of at most [`MAX_FILTER_BYTES`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Filter, FilterError> {
        Filter::from_bytes_limited(bytes, MAX_FILTER_BYTES)
    }

    /// Reads a snapshot of at most `max_bytes` (a node's own, lower limit per peer).
    ///
    /// Checks, in order: header length, magic, version, scheme, parameters, reserved bytes,
    /// the size the header implies against `max_bytes` and then against the input length
    /// (before allocating anything), the checksum, and that the item count could have set the
    /// bits that are set.
    pub fn from_bytes_limited(bytes: &[u8], max_bytes: u64) -> Result<Filter, FilterError> {
        const WHAT: &str = "snapshot";
        let found = bytes.len() as u64;
        let Some(header) = bytes.first_chunk::<HEADER_LEN>() else {
            return Err(FilterError::ShortInput {
                what: WHAT,
                needed: HEADER_LEN as u64,
                found,
            });
        };
        let (epoch, params) = read_common(header, WHAT, SNAPSHOT_MAGIC)?;
        let item_count = le_u64(header, 24);
        check_zero(header, 32..HEADER_LEN, WHAT)?;
        let expected = params.byte_len();
        if expected > max_bytes {
            return Err(FilterError::TooLarge {
                size: expected,
                max: max_bytes,
            });
        }
        if found < expected {
            return Err(FilterError::Truncated {
                what: WHAT,
                expected,
                found,
            });
        }
        if found > expected {
            return Err(FilterError::TrailingData {
                what: WHAT,
                expected,
                found,
            });
        }
        let (content, checksum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
        if blake3::hash(content) != *checksum_array(checksum) {
            return Err(FilterError::ChecksumMismatch { what: WHAT });
        }
        let mut blocks = super::block_storage(params.num_blocks() as usize);
        blocks.extend(content[HEADER_LEN..].chunks_exact(64).map(|chunk| {
            let mut block = Block::default();
            for (word, b) in block.0.iter_mut().zip(chunk.chunks_exact(8)) {
                let mut le = [0u8; 8];
                le.copy_from_slice(b);
                *word = u64::from_le_bytes(le);
            }
            block
        }));
        let filter = Filter {
            epoch,
            params,
            item_count,
            blocks,
        };
        let bits = filter.count_ones();
        let max_bits = item_count.saturating_mul(params.bits_per_token());
        if bits > max_bits {
            return Err(FilterError::ItemCountImpossible {
                what: WHAT,
                items: item_count,
                max_bits,
                bits,
            });
        }
        Ok(filter)
    }

    /// The 64-byte header.
    fn header(&self) -> [u8; HEADER_LEN] {
        let mut h = [0u8; HEADER_LEN];
        h[..COMMON_LEN].copy_from_slice(&write_common(SNAPSHOT_MAGIC, self.epoch, self.params));
        h[24..32].copy_from_slice(&self.item_count.to_le_bytes());
        h
    }
}

/// A block as 64 bytes: its words in order, each little-endian.
fn block_bytes(block: &Block) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (dst, word) in out.chunks_exact_mut(8).zip(block.0) {
        dst.copy_from_slice(&word.to_le_bytes());
    }
    out
}

/// The shared header fields: magic, version, scheme, parameters, epoch, reserved u32.
pub(super) fn write_common(magic: [u8; 4], epoch: Epoch, params: FilterParams) -> [u8; COMMON_LEN] {
    let mut h = [0u8; COMMON_LEN];
    h[0..4].copy_from_slice(&magic);
    h[4] = FORMAT_VERSION;
    h[5] = HASH_SCHEME;
    h[6] = params.blocks_per_token();
    h[7] = params.bits_per_block();
    h[8..16].copy_from_slice(&epoch.0.to_le_bytes());
    h[16..20].copy_from_slice(&params.num_blocks().to_le_bytes());
    h
}

/// Reads and checks the shared header fields of `h` (at least [`COMMON_LEN`] bytes).
pub(super) fn read_common(
    h: &[u8],
    what: &'static str,
    magic: [u8; 4],
) -> Result<(Epoch, FilterParams), FilterError> {
    let Some(common) = h.first_chunk::<COMMON_LEN>() else {
        return Err(FilterError::ShortInput {
            what,
            needed: COMMON_LEN as u64,
            found: h.len() as u64,
        });
    };
    let found = [common[0], common[1], common[2], common[3]];
    if found != magic {
        return Err(FilterError::BadMagic {
            what,
            expected: magic,
            found,
        });
    }
    if common[4] != FORMAT_VERSION {
        return Err(FilterError::UnsupportedVersion {
            what,
            expected: FORMAT_VERSION,
            found: common[4],
        });
    }
    if common[5] != HASH_SCHEME {
        return Err(FilterError::UnsupportedScheme {
            what,
            expected: HASH_SCHEME,
            found: common[5],
        });
    }
    let num_blocks = u32::from_le_bytes([common[16], common[17], common[18], common[19]]);
    let params = FilterParams::new(num_blocks, common[6], common[7])?;
    check_zero(common, 20..24, what)?;
    Ok((Epoch(le_u64(common, 8)), params))
}

/// Refuses a non-zero byte in `h[range]`.
fn check_zero(
    h: &[u8],
    range: std::ops::Range<usize>,
    what: &'static str,
) -> Result<(), FilterError> {
    for offset in range {
        match h.get(offset) {
            Some(0) | None => {}
            Some(&found) => {
                return Err(FilterError::NonZeroReserved {
                    what,
                    offset,
                    found,
                });
            }
        }
    }
    Ok(())
}

/// The little-endian u64 at `h[at..at + 8]`, or 0 past the end (callers check lengths first).
pub(super) fn le_u64(h: &[u8], at: usize) -> u64 {
    h.get(at..at + 8)
        .and_then(|b| b.first_chunk::<8>())
        .map_or(0, |b| u64::from_le_bytes(*b))
}

/// The 32-byte checksum slice as an array (callers split exactly [`CHECKSUM_LEN`] bytes).
pub(super) fn checksum_array(b: &[u8]) -> &[u8; 32] {
    b.first_chunk::<32>().unwrap_or(&[0u8; 32])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::Token;
    use proptest::prelude::*;

    fn small() -> Filter {
        let mut f = Filter::new(Epoch(5), FilterParams::new(2, 2, 4).unwrap());
        for i in 0u32..6 {
            f.insert(&Token::from_bytes(
                *blake3::hash(&i.to_le_bytes()).as_bytes(),
            ));
        }
        f
    }

    /// Rewrites the checksum after a header edit, to reach the checks behind it.
    fn reseal(mut b: Vec<u8>) -> Vec<u8> {
        let n = b.len() - CHECKSUM_LEN;
        let sum = blake3::hash(&b[..n]);
        b[n..].copy_from_slice(sum.as_bytes());
        b
    }

    #[test]
    fn round_trip() {
        let f = small();
        let bytes = f.to_bytes();
        assert_eq!(bytes.len() as u64, f.params().byte_len());
        assert_eq!(&bytes[bytes.len() - 32..], &f.content_id());
        let g = Filter::from_bytes(&bytes).unwrap();
        assert_eq!(f, g);
        assert_eq!(g.to_bytes(), bytes);
        let empty = Filter::new(Epoch(0), FilterParams::new(1, 1, 1).unwrap());
        assert_eq!(Filter::from_bytes(&empty.to_bytes()).unwrap(), empty);
    }

    #[test]
    fn every_truncation_refused() {
        let bytes = small().to_bytes();
        for n in 0..bytes.len() {
            assert!(Filter::from_bytes(&bytes[..n]).is_err(), "length {n}");
        }
        assert!(matches!(
            Filter::from_bytes(&bytes[..10]),
            Err(FilterError::ShortInput {
                needed: 64,
                found: 10,
                ..
            })
        ));
        assert!(matches!(
            Filter::from_bytes(&bytes[..100]),
            Err(FilterError::Truncated {
                expected: 224,
                found: 100,
                ..
            })
        ));
    }

    #[test]
    fn every_bit_flip_refused() {
        let bytes = small().to_bytes();
        for i in 0..bytes.len() * 8 {
            let mut b = bytes.clone();
            b[i / 8] ^= 1 << (i % 8);
            assert!(Filter::from_bytes(&b).is_err(), "bit {i}");
        }
    }

    #[test]
    fn garbage_after_refused() {
        let bytes = small().to_bytes();
        for extra in [&[0u8][..], &[0; 32], &bytes] {
            let mut b = bytes.clone();
            b.extend_from_slice(extra);
            assert!(matches!(
                Filter::from_bytes(&b),
                Err(FilterError::TrailingData { .. })
            ));
        }
    }

    #[test]
    fn each_header_field_has_its_error() {
        let good = small().to_bytes();
        let edit = |at: usize, v: u8| {
            let mut b = good.clone();
            b[at] = v;
            Filter::from_bytes(&reseal(b))
        };
        assert!(matches!(edit(0, b'X'), Err(FilterError::BadMagic { .. })));
        assert!(matches!(
            edit(4, 2),
            Err(FilterError::UnsupportedVersion {
                expected: 1,
                found: 2,
                ..
            })
        ));
        assert!(matches!(
            edit(5, 0),
            Err(FilterError::UnsupportedScheme { found: 0, .. })
        ));
        assert!(matches!(
            edit(6, 3),
            Err(FilterError::ParamOutOfRange {
                field: "blocks_per_token",
                ..
            })
        ));
        assert!(matches!(
            edit(7, 11),
            Err(FilterError::ParamOutOfRange {
                field: "bits_per_block",
                ..
            })
        ));
        assert!(matches!(
            edit(16, 0),
            Err(FilterError::ParamOutOfRange {
                field: "num_blocks",
                ..
            })
        ));
        assert!(matches!(edit(16, 3), Err(FilterError::Truncated { .. })));
        assert!(matches!(edit(16, 1), Err(FilterError::TrailingData { .. })));
        assert!(matches!(
            edit(21, 1),
            Err(FilterError::NonZeroReserved { offset: 21, .. })
        ));
        assert!(matches!(
            edit(63, 1),
            Err(FilterError::NonZeroReserved { offset: 63, .. })
        ));
        assert!(matches!(
            edit(24, 0),
            Err(FilterError::ItemCountImpossible { items: 0, .. })
        ));
        // A hostile num_blocks asks for far more than the input holds, or than the cap.
        let mut b = good.clone();
        b[16..20].copy_from_slice(&30_000_000u32.to_le_bytes());
        assert!(matches!(
            Filter::from_bytes(&b),
            Err(FilterError::Truncated { .. })
        ));
        b[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            Filter::from_bytes(&b),
            Err(FilterError::TooLarge { .. })
        ));
        assert!(matches!(
            Filter::from_bytes_limited(&good, 100),
            Err(FilterError::TooLarge {
                size: 224,
                max: 100
            })
        ));
        let msg = edit(4, 2).unwrap_err().to_string();
        assert_eq!(
            msg,
            "snapshot: unsupported format version, expected 1, found 2"
        );
    }

    proptest! {
        #[test]
        fn random_bytes_refused(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            prop_assert!(Filter::from_bytes(&bytes).is_err());
        }

        #[test]
        fn random_bytes_behind_a_good_header_refused(
            tail in proptest::collection::vec(any::<u8>(), 0..400),
        ) {
            let mut b = small().to_bytes()[..HEADER_LEN].to_vec();
            b.extend_from_slice(&tail);
            prop_assert!(Filter::from_bytes(&b).is_err());
        }
    }
}
