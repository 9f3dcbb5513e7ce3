//! The matching core of an FIU node: from a subject to keyed tokens, filters and hits.
//!
//! Pure and synchronous: no network, no storage, no async runtime. The node (`fiu-node`)
//! owns I/O; this crate owns every byte format and every rule that two nodes must agree on,
//! so a second implementation can interoperate by following docs/PROTOCOL.md.
//!
//! # Layout
//!
//! - [`subject`]: the raw subject model (person, entity, account, wallet, ...), serde.
//! - [`identifiers`]: validation and canonical forms (IBAN, LEI, BIC, ISO 6346, IMO,
//!   Bitcoin, Ethereum, E.164, e-mail, ISO 3166 countries, partial dates).
//! - [`names`]: name normalisation (NFKC, transliteration, case folding, honorifics,
//!   legal-form suffixes) and phonetic codes.
//! - [`keys`]: key kinds and strengths, and the recipe that turns a subject into match keys.
//! - [`token`]: epoch keys (HKDF) and tokens (HMAC-SHA256 with domain separation).
//! - [`filter`]: the portable blocked Bloom filter, its snapshot and delta byte formats.
//! - [`hits`]: probing a subject's tokens against peer filters, deciding and scoring hits.
//!
//! # Design
//!
//! - Raw values and canonical values are different types. Only the validators make the
//!   canonical ones, so a key can never be built from an unchecked value.
//! - Filter bit positions come straight from token bytes: a token is already a pseudo-random
//!   function's output, so hashing it again would only cost time, and the rule stays trivial
//!   to re-implement in another language (the standard library's `Hash` is neither portable
//!   nor stable).
//! - The filter is blocked (each token touches two 512-bit blocks, one cache line each):
//!   one or two cache misses per probe instead of one per hash function, at about 8 % more
//!   bits than a classic Bloom filter at the same false-positive rate.
//! - Nothing here logs, and no error carries a raw value: errors name the field and the
//!   reason, never the personal data.

pub mod filter;
pub mod hits;
pub mod identifiers;
pub mod keys;
pub mod names;
pub mod subject;
pub mod token;

pub use filter::{Delta, Filter, FilterError, FilterParams};
pub use hits::{Hit, HitPolicy, Prober};
pub use identifiers::{FieldError, InvalidIdentifier};
pub use keys::{KeyKind, MatchKey, Strength};
pub use subject::{Category, Record, Subject};
pub use token::{Epoch, EpochKey, NetworkSecret, Token, Tokeniser};
