//! Deltas: the bits a batch of inserts newly set, and their byte format (version 1).
//!
//! ```text
//! offset  size  field
//!      0     4  magic "FIUD"
//!      4     1  format version = 1
//!      5     1  hash scheme = 1
//!      6     1  blocks_per_token
//!      7     1  bits_per_block
//!      8     8  epoch (u64 LE)
//!     16     4  num_blocks (u32 LE)
//!     20     4  reserved, zero
//!     24     8  added_items (u64 LE)
//!     32     8  position_count (u64 LE)
//!     40     *  position_count LEB128 varints: the first absolute bit position, then each
//!               next one as the gap (>= 1) from the one before
//!    end-32 32  BLAKE3 of every byte before it
//! ```

use super::format::{checksum_array, le_u64, read_common, write_common};
use super::{CHECKSUM_LEN, FilterError, FilterParams};
use crate::token::Epoch;

/// The first four bytes of a delta.
pub const DELTA_MAGIC: [u8; 4] = *b"FIUD";

/// The length of a delta's fixed header.
const DELTA_HEADER_LEN: usize = 40;

/// The longest LEB128 encoding of a u64.
const MAX_VARINT_LEN: usize = 10;

/// The bits one batch of inserts newly set in a filter, and how many tokens the batch had.
///
/// Invariant: the positions are strictly increasing and below `params.bits()`. Made only by
/// [`Filter::insert_batch`](super::Filter::insert_batch) and [`Delta::from_bytes`], which
/// both ensure it; [`Filter::apply`](super::Filter::apply) relies on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delta {
    epoch: Epoch,
    params: FilterParams,
    added_items: u64,
    positions: Vec<u64>,
}

impl Delta {
    /// A delta from sorted, distinct, in-range positions (the caller's invariant).
    pub(super) fn from_parts(
        epoch: Epoch,
        params: FilterParams,
        added_items: u64,
        positions: Vec<u64>,
    ) -> Delta {
        debug_assert!(positions.windows(2).all(|w| w[0] < w[1]));
        debug_assert!(positions.last().is_none_or(|&p| p < params.bits()));
        Delta {
            epoch,
            params,
            added_items,
            positions,
        }
    }

    /// The epoch of the filter this delta belongs to.
    pub fn epoch(&self) -> Epoch {
        self.epoch
    }

    /// The parameters of the filter this delta belongs to.
    pub fn params(&self) -> FilterParams {
        self.params
    }

    /// How many tokens the batch had (added to the filter's item count on apply).
    pub fn added_items(&self) -> u64 {
        self.added_items
    }

    /// The newly set absolute bit positions, strictly increasing.
    pub fn positions(&self) -> &[u64] {
        &self.positions
    }

    /// The delta's bytes (docs/PROTOCOL.md section 6).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(DELTA_HEADER_LEN + 3 * self.positions.len() + 32);
        out.extend_from_slice(&write_common(DELTA_MAGIC, self.epoch, self.params));
        out.extend_from_slice(&self.added_items.to_le_bytes());
        out.extend_from_slice(&(self.positions.len() as u64).to_le_bytes());
        let mut prev = None;
        for &p in &self.positions {
            write_varint(&mut out, prev.map_or(p, |q| p - q));
            prev = Some(p);
        }
        let checksum = blake3::hash(&out);
        out.extend_from_slice(checksum.as_bytes());
        out
    }

    /// Reads a delta.
    ///
    /// Checks the header as a snapshot's, then that the declared count fits the input and
    /// the item count, then the checksum, then each varint (minimal, at most 10 bytes), gap
    /// (at least 1) and position (below the filter's bits), and that nothing follows the
    /// last position. Allocates at most one `u64` per input byte.
    pub fn from_bytes(bytes: &[u8]) -> Result<Delta, FilterError> {
        const WHAT: &str = "delta";
        let found = bytes.len() as u64;
        let min = DELTA_HEADER_LEN + CHECKSUM_LEN;
        if bytes.len() < min {
            return Err(FilterError::ShortInput {
                what: WHAT,
                needed: min as u64,
                found,
            });
        }
        let (epoch, params) = read_common(bytes, WHAT, DELTA_MAGIC)?;
        let added_items = le_u64(bytes, 24);
        let count = le_u64(bytes, 32);
        let (content, checksum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
        let body = &content[DELTA_HEADER_LEN..];
        // Each position takes at least one byte.
        if count > body.len() as u64 {
            return Err(FilterError::Truncated {
                what: WHAT,
                expected: (min as u64).saturating_add(count),
                found,
            });
        }
        let max_bits = added_items.saturating_mul(params.bits_per_token());
        if count > max_bits {
            return Err(FilterError::ItemCountImpossible {
                what: WHAT,
                items: added_items,
                max_bits,
                bits: count,
            });
        }
        if blake3::hash(content) != *checksum_array(checksum) {
            return Err(FilterError::ChecksumMismatch { what: WHAT });
        }
        let num_bits = params.bits();
        let mut positions = Vec::with_capacity(count as usize);
        let mut cursor = 0;
        let mut prev: Option<u64> = None;
        for index in 0..count {
            let v = read_varint(body, &mut cursor, index)?;
            let position = match prev {
                None => v,
                Some(_) if v == 0 => return Err(FilterError::PositionsNotIncreasing { index }),
                Some(q) => q.saturating_add(v),
            };
            if position >= num_bits {
                return Err(FilterError::PositionOutOfRange {
                    index,
                    position,
                    num_bits,
                });
            }
            positions.push(position);
            prev = Some(position);
        }
        if cursor != body.len() {
            return Err(FilterError::TrailingData {
                what: WHAT,
                expected: (min + cursor) as u64,
                found,
            });
        }
        Ok(Delta::from_parts(epoch, params, added_items, positions))
    }
}

/// Appends `v` as an unsigned LEB128 varint.
fn write_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads the minimal LEB128 varint at `buf[*cursor..]` and advances the cursor past it.
fn read_varint(buf: &[u8], cursor: &mut usize, index: u64) -> Result<u64, FilterError> {
    let mut v = 0u64;
    for n in 0..MAX_VARINT_LEN {
        let Some(&b) = buf.get(*cursor) else {
            return Err(FilterError::BadVarint {
                index,
                reason: "unterminated at the end of the input",
            });
        };
        *cursor += 1;
        if n == MAX_VARINT_LEN - 1 && b > 1 {
            return Err(FilterError::BadVarint {
                index,
                reason: "longer than 10 bytes or above 2^64 - 1",
            });
        }
        v |= u64::from(b & 0x7f) << (7 * n);
        if b & 0x80 == 0 {
            if b == 0 && n > 0 {
                return Err(FilterError::BadVarint {
                    index,
                    reason: "not minimal (ends in a zero byte)",
                });
            }
            return Ok(v);
        }
    }
    // Unreachable: the tenth byte either ends the varint or is refused above.
    Err(FilterError::BadVarint {
        index,
        reason: "longer than 10 bytes or above 2^64 - 1",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::Filter;
    use crate::token::Token;
    use proptest::prelude::*;

    fn token(i: u32) -> Token {
        Token::from_bytes(*blake3::hash(&i.to_le_bytes()).as_bytes())
    }

    fn small() -> Delta {
        let mut f = Filter::new(Epoch(5), FilterParams::new(300, 2, 4).unwrap());
        f.insert(&token(100));
        f.insert_batch(&[token(0), token(1), token(2)])
    }

    /// A delta with hand-written positions (and a fresh checksum).
    fn raw(params: FilterParams, added: u64, count: u64, varints: &[u8]) -> Vec<u8> {
        let mut b = write_common(DELTA_MAGIC, Epoch(5), params).to_vec();
        b.extend_from_slice(&added.to_le_bytes());
        b.extend_from_slice(&count.to_le_bytes());
        b.extend_from_slice(varints);
        let sum = blake3::hash(&b);
        b.extend_from_slice(sum.as_bytes());
        b
    }

    #[test]
    fn varints_round_trip() {
        for v in [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            let mut b = Vec::new();
            write_varint(&mut b, v);
            let mut c = 0;
            assert_eq!(read_varint(&b, &mut c, 0).unwrap(), v);
            assert_eq!(c, b.len());
        }
        let bad: [&[u8]; 4] = [&[0x80], &[0x80, 0x00], &[0xff; 10], &[0xff; 11]];
        for b in bad {
            assert!(read_varint(b, &mut 0, 0).is_err(), "{b:?}");
        }
        // 2^64 - 1 is nine 0xff and a final 0x01; a final 0x02 overflows.
        let mut b = vec![0xff; 9];
        b.push(0x02);
        assert!(read_varint(&b, &mut 0, 0).is_err());
    }

    #[test]
    fn round_trip() {
        let d = small();
        assert!(!d.positions().is_empty());
        assert_eq!(d.added_items(), 3);
        assert_eq!(Delta::from_bytes(&d.to_bytes()).unwrap(), d);
        let mut f = Filter::new(Epoch(5), FilterParams::new(300, 2, 4).unwrap());
        let empty = f.insert_batch(&[]);
        assert_eq!(Delta::from_bytes(&empty.to_bytes()).unwrap(), empty);
    }

    #[test]
    fn every_truncation_bit_flip_and_extension_refused() {
        let bytes = small().to_bytes();
        for n in 0..bytes.len() {
            assert!(Delta::from_bytes(&bytes[..n]).is_err(), "length {n}");
        }
        for i in 0..bytes.len() * 8 {
            let mut b = bytes.clone();
            b[i / 8] ^= 1 << (i % 8);
            assert!(Delta::from_bytes(&b).is_err(), "bit {i}");
        }
        for extra in [&[0u8][..], &bytes] {
            let mut b = bytes.clone();
            b.extend_from_slice(extra);
            assert!(Delta::from_bytes(&b).is_err());
        }
    }

    #[test]
    fn body_errors_named() {
        let p = FilterParams::new(2, 2, 4).unwrap(); // 1024 bits
        assert!(Delta::from_bytes(&raw(p, 1, 2, &[5, 3])).is_ok());
        assert!(matches!(
            Delta::from_bytes(&raw(p, 1, 2, &[5, 0])),
            Err(FilterError::PositionsNotIncreasing { index: 1 })
        ));
        assert!(matches!(
            Delta::from_bytes(&raw(p, 1, 1, &[0x80, 0x08])),
            Err(FilterError::PositionOutOfRange { position: 1024, .. })
        ));
        assert!(matches!(
            Delta::from_bytes(&raw(
                p,
                1,
                2,
                &[
                    0xff, 0x07, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01
                ]
            )),
            Err(FilterError::PositionOutOfRange { .. })
        ));
        assert!(matches!(
            Delta::from_bytes(&raw(p, 1, 1, &[5, 3])),
            Err(FilterError::TrailingData { .. })
        ));
        assert!(matches!(
            Delta::from_bytes(&raw(p, 1, 2, &[5, 0x83])),
            Err(FilterError::BadVarint { index: 1, .. })
        ));
        assert!(matches!(
            Delta::from_bytes(&raw(p, 1, 1, &[0x85, 0x00])),
            Err(FilterError::BadVarint { index: 0, .. })
        ));
        assert!(matches!(
            Delta::from_bytes(&raw(p, 1, 3, &[5, 3])),
            Err(FilterError::Truncated { .. })
        ));
        assert!(matches!(
            Delta::from_bytes(&raw(p, 0, 1, &[5])),
            Err(FilterError::ItemCountImpossible { .. })
        ));
        assert!(matches!(
            Delta::from_bytes(&raw(p, 1, u64::MAX, &[5])),
            Err(FilterError::Truncated { .. })
        ));
        let mut b = raw(p, 1, 1, &[5]);
        b[0] = b'F';
        b[3] = b'F';
        assert!(matches!(
            Delta::from_bytes(&b),
            Err(FilterError::BadMagic { .. })
        ));
        let mut b = raw(p, 1, 1, &[5]);
        let n = b.len() - 1;
        b[n] ^= 1;
        assert!(matches!(
            Delta::from_bytes(&b),
            Err(FilterError::ChecksumMismatch { what: "delta" })
        ));
    }

    proptest! {
        #[test]
        fn random_bytes_refused(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            prop_assert!(Delta::from_bytes(&bytes).is_err());
        }

        #[test]
        fn random_bytes_behind_a_good_header_refused(
            tail in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            let mut b = small().to_bytes()[..DELTA_HEADER_LEN].to_vec();
            b.extend_from_slice(&tail);
            prop_assert!(Delta::from_bytes(&b).is_err());
        }
    }
}
