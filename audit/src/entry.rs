//! The canonical byte encoding of a log entry: the leaf bytes of the Merkle tree.
//!
//! ```text
//! u8       format version (ENTRY_FORMAT = 0x01)
//! u64 LE   sequence number (from 1, without gaps)
//! i64 LE   time, milliseconds since the Unix epoch
//! u64 LE   length, then that many bytes: kind (UTF-8)
//! u64 LE   length, then that many bytes: actor (UTF-8)
//! u64 LE   length, then that many bytes: detail (JSON text, UTF-8, exactly as stored)
//! ```
//!
//! Every field is fixed-width or length-prefixed, so no two different entries encode to the
//! same bytes, and a verifier in any language recomputes the leaf hash from an exported entry.
//! The detail is hashed as the text it is, never re-serialised: JSON has many encodings of one
//! value, and only the stored text reproduces the stored hash.

use crate::merkle::{self, Hash32, LeafIndex};

/// Format version byte that starts every encoded entry.
pub const ENTRY_FORMAT: u8 = 0x01;

/// One audit log entry, as the node stores it and an export carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Position in the log, from 1, without gaps; the entry is leaf `seq - 1`.
    pub seq: u64,
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// Event kind, e.g. `ingest.batch`, `hit.recorded`.
    pub kind: String,
    /// Who caused it: a user, a peer member id, or `node`.
    pub actor: String,
    /// Details as JSON text, hashed byte for byte as given.
    pub detail: String,
}

/// Which field of an encoded entry a decoding error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Field {
    /// The format version byte.
    Format,
    /// The sequence number.
    Seq,
    /// The time.
    Time,
    /// The kind.
    Kind,
    /// The actor.
    Actor,
    /// The detail.
    Detail,
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Field::Format => "format",
            Field::Seq => "seq",
            Field::Time => "time",
            Field::Kind => "kind",
            Field::Actor => "actor",
            Field::Detail => "detail",
        })
    }
}

/// Why bytes are not an encoded entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ends inside a field.
    #[error("the entry ends inside its {0} field")]
    Truncated(Field),
    /// The format byte is not one this code reads.
    #[error("unknown entry format {0}")]
    UnknownFormat(u8),
    /// A text field is not UTF-8.
    #[error("the {0} field is not UTF-8")]
    NotUtf8(Field),
    /// Bytes follow the last field.
    #[error("{0} bytes follow the entry")]
    TrailingBytes(usize),
}

impl Entry {
    /// The leaf index of this entry (`seq - 1`); `None` for the invalid sequence number 0.
    pub fn leaf_index(&self) -> Option<LeafIndex> {
        self.seq.checked_sub(1).map(LeafIndex::new)
    }

    /// The canonical bytes: the Merkle leaf.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            1 + 8 + 8 + 3 * 8 + self.kind.len() + self.actor.len() + self.detail.len(),
        );
        out.push(ENTRY_FORMAT);
        out.extend_from_slice(&self.seq.to_le_bytes());
        out.extend_from_slice(&self.at_ms.to_le_bytes());
        for text in [&self.kind, &self.actor, &self.detail] {
            // usize is at most 64 bits on every supported target.
            out.extend_from_slice(&(text.len() as u64).to_le_bytes());
            out.extend_from_slice(text.as_bytes());
        }
        out
    }

    /// The leaf hash: [`merkle::leaf_hash`] of [`Entry::encode`].
    pub fn leaf_hash(&self) -> Hash32 {
        merkle::leaf_hash(&self.encode())
    }

    /// Parses canonical bytes; refuses short input, unknown formats, non-UTF-8 text and
    /// trailing bytes. Never panics.
    pub fn decode(bytes: &[u8]) -> Result<Entry, DecodeError> {
        let mut r = Reader(bytes);
        let format = r.take(1, Field::Format)?[0];
        if format != ENTRY_FORMAT {
            return Err(DecodeError::UnknownFormat(format));
        }
        let seq = u64::from_le_bytes(r.array(Field::Seq)?);
        let at_ms = i64::from_le_bytes(r.array(Field::Time)?);
        let kind = r.text(Field::Kind)?;
        let actor = r.text(Field::Actor)?;
        let detail = r.text(Field::Detail)?;
        if !r.0.is_empty() {
            return Err(DecodeError::TrailingBytes(r.0.len()));
        }
        Ok(Entry {
            seq,
            at_ms,
            kind,
            actor,
            detail,
        })
    }
}

/// Reads fields off the front of a byte slice.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, field: Field) -> Result<&'a [u8], DecodeError> {
        if self.0.len() < n {
            return Err(DecodeError::Truncated(field));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array(&mut self, field: Field) -> Result<[u8; 8], DecodeError> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8, field)?);
        Ok(a)
    }

    fn text(&mut self, field: Field) -> Result<String, DecodeError> {
        let len = u64::from_le_bytes(self.array(field)?);
        // A length beyond the input (or beyond usize) is truncation, not an allocation.
        let len = usize::try_from(len).map_err(|_| DecodeError::Truncated(field))?;
        let bytes = self.take(len, field)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| DecodeError::NotUtf8(field))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Entry {
        Entry {
            seq: 7,
            at_ms: 1_700_000_000_123,
            kind: "lookup".into(),
            actor: "alice".into(),
            detail: r#"{"case":"C-1"}"#.into(),
        }
    }

    #[test]
    fn round_trips() {
        let e = sample();
        assert_eq!(Entry::decode(&e.encode()), Ok(e));
    }

    #[test]
    fn every_truncation_and_extension_is_refused() {
        let bytes = sample().encode();
        for n in 0..bytes.len() {
            assert!(Entry::decode(&bytes[..n]).is_err(), "prefix of {n} bytes");
        }
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(Entry::decode(&long), Err(DecodeError::TrailingBytes(1)));
    }

    #[test]
    fn bad_format_huge_length_and_bad_utf8_are_refused() {
        let mut b = sample().encode();
        b[0] = 2;
        assert_eq!(Entry::decode(&b), Err(DecodeError::UnknownFormat(2)));
        let mut b = sample().encode();
        b[17..25].copy_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(Entry::decode(&b), Err(DecodeError::Truncated(Field::Kind)));
        let mut b = sample().encode();
        b[25] = 0xff;
        assert_eq!(Entry::decode(&b), Err(DecodeError::NotUtf8(Field::Kind)));
    }

    #[test]
    fn fields_cannot_shift_into_each_other() {
        let a = Entry {
            kind: "ab".into(),
            actor: "c".into(),
            ..sample()
        };
        let b = Entry {
            kind: "a".into(),
            actor: "bc".into(),
            ..sample()
        };
        assert_ne!(a.leaf_hash(), b.leaf_hash());
    }
}
