//! The one error type of the filter module.

use crate::token::Epoch;

use super::params::FilterParams;

/// Why a filter or delta could not be built, read or combined.
///
/// Reader errors name the header field or byte range that is wrong and give the expected and
/// the found value, so an operator can tell a truncated download from a peer running another
/// format version. Errors never carry filter contents.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FilterError {
    /// `target_fpr` given to [`FilterParams::for_capacity`] is not in the open range (0, 0.5).
    #[error("target false-positive rate must be in (0, 0.5), found {found}")]
    InvalidTargetFpr {
        /// The value given.
        found: f64,
    },
    /// The capacity given to [`FilterParams::for_capacity`] is zero.
    #[error("capacity must be at least 1 item, found 0")]
    ZeroCapacity,
    /// No parameters within the limits reach the target false-positive rate.
    #[error(
        "no filter of at most {max_bits_per_token} bits per token reaches false-positive rate {target}"
    )]
    TargetUnreachable {
        /// The target asked for.
        target: f64,
        /// The largest number of bits per token tried.
        max_bits_per_token: f64,
    },
    /// A parameter is outside its valid range (in a constructor or a header).
    #[error("filter parameter {field} out of range: expected {expected}, found {found}")]
    ParamOutOfRange {
        /// The parameter or header field.
        field: &'static str,
        /// The valid range, in words.
        expected: &'static str,
        /// The value found.
        found: u64,
    },
    /// The filter (or the filter a delta belongs to) would exceed the accepted size.
    #[error("filter of {size} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// The size the parameters imply, in bytes.
        size: u64,
        /// The limit in force.
        max: u64,
    },
    /// The input ends before the fixed-size header (and checksum) are complete.
    #[error("{what}: input too short, needed at least {needed} bytes, found {found}")]
    ShortInput {
        /// Which format was being read.
        what: &'static str,
        /// The minimum number of bytes needed.
        needed: u64,
        /// The number of bytes given.
        found: u64,
    },
    /// The first four bytes are not the format's magic.
    #[error("{what}: wrong magic, expected {expected:?}, found {found:?}")]
    BadMagic {
        /// Which format was being read.
        what: &'static str,
        /// The magic of that format.
        expected: [u8; 4],
        /// The bytes found.
        found: [u8; 4],
    },
    /// The format version byte is not one this build reads.
    #[error("{what}: unsupported format version, expected {expected}, found {found}")]
    UnsupportedVersion {
        /// Which format was being read.
        what: &'static str,
        /// The version this build reads.
        expected: u8,
        /// The version found.
        found: u8,
    },
    /// The hash-scheme byte (the rule from token to bit positions) is not one this build knows.
    #[error("{what}: unsupported hash scheme, expected {expected}, found {found}")]
    UnsupportedScheme {
        /// Which format was being read.
        what: &'static str,
        /// The scheme this build implements.
        expected: u8,
        /// The scheme found.
        found: u8,
    },
    /// A reserved header byte is not zero.
    #[error("{what}: reserved byte at offset {offset} must be 0, found {found:#04x}")]
    NonZeroReserved {
        /// Which format was being read.
        what: &'static str,
        /// The byte's offset from the start of the input.
        offset: usize,
        /// The byte found.
        found: u8,
    },
    /// The input is shorter than its header says it is.
    #[error("{what}: truncated, expected {expected} bytes, found {found}")]
    Truncated {
        /// Which format was being read.
        what: &'static str,
        /// The length the header implies (for a delta: a lower bound).
        expected: u64,
        /// The length given.
        found: u64,
    },
    /// The input is longer than its header says it is.
    #[error("{what}: trailing data, expected {expected} bytes, found {found}")]
    TrailingData {
        /// Which format was being read.
        what: &'static str,
        /// The length the header implies.
        expected: u64,
        /// The length given.
        found: u64,
    },
    /// The BLAKE3 checksum at the end does not match the bytes before it.
    #[error("{what}: checksum mismatch")]
    ChecksumMismatch {
        /// Which format was being read.
        what: &'static str,
    },
    /// The declared item count cannot have set this many bits.
    #[error(
        "{what}: item count {items} can set at most {max_bits} bits, but {bits} are set or listed"
    )]
    ItemCountImpossible {
        /// Which format was being read.
        what: &'static str,
        /// The declared number of items.
        items: u64,
        /// The most bits that many items can set.
        max_bits: u64,
        /// The bits set (snapshot) or positions listed (delta).
        bits: u64,
    },
    /// A delta position varint is longer than 10 bytes, not minimal, or overflows 64 bits.
    #[error("delta: position {index} is a malformed varint ({reason})")]
    BadVarint {
        /// The index of the position in the list.
        index: u64,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A delta position is at or beyond the filter's number of bits.
    #[error("delta: position {index} is {position}, beyond the filter's {num_bits} bits")]
    PositionOutOfRange {
        /// The index of the position in the list.
        index: u64,
        /// The absolute bit position.
        position: u64,
        /// The filter's number of bits.
        num_bits: u64,
    },
    /// A delta gap is zero, so the positions are not strictly increasing.
    #[error("delta: position {index} repeats the previous one (gap 0)")]
    PositionsNotIncreasing {
        /// The index of the position in the list.
        index: u64,
    },
    /// Two filters (or a filter and a delta) belong to different epochs.
    #[error("epoch mismatch: expected {expected}, found {found}")]
    EpochMismatch {
        /// This filter's epoch.
        expected: Epoch,
        /// The other's epoch.
        found: Epoch,
    },
    /// Two filters (or a filter and a delta) have different parameters.
    #[error("parameter mismatch: expected {expected}, found {found}")]
    ParamsMismatch {
        /// This filter's parameters.
        expected: FilterParams,
        /// The other's parameters.
        found: FilterParams,
    },
}
