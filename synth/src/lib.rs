//! Synthetic FIU populations with known overlaps and realistic corruption.
//!
//! The matching-quality benchmark (`cargo run --release -p synth --bin quality`), the node's
//! demo and the scale benchmark all need subjects that look like what FIUs hold: mostly
//! persons with names from many cultures and scripts, companies, accounts and wallets, with
//! valid identifiers, and pairs of FIUs that share some subjects, each FIU writing them in
//! its own way. This crate makes them, deterministically from a seed.
//!
//! # Layout
//!
//! - `names`: name pools of fourteen cultures with spelling variants and original-script
//!   forms tied together, drawn with a Zipf-like skew.
//! - `entities`: company names, legal forms (short and long) and registration countries.
//! - `identifiers`: valid IBANs, LEIs, container and IMO numbers, Bitcoin and Ethereum
//!   addresses, phone numbers from real numbering plans, documents, e-mail addresses.
//! - [`corrupt`]: the corruptions that make two records of one subject differ, and the
//!   profile of their probabilities.
//! - [`population`]: populations (in memory or streamed) and dataset pairs with their truth.
//! - [`quality`]: recall and precision of the matcher's key recipe on a dataset pair.
//!
//! # Design
//!
//! - A subject is drawn as a master (the record plus the name entries and legal form behind
//!   it) and corruptions rewrite copies of it. Corrupting strings without that truth could
//!   not produce a transliteration or an original-script form, and generating the two
//!   copies independently from the truth would make them differ in ways nobody controls.
//! - Each corruption fires on a randomly chosen side, so neither FIU holds the clean copy;
//!   corruptions that cannot apply are not recorded, so per-corruption figures count only
//!   pairs that really differ in that way.
//! - Every random choice comes from ChaCha8 streams seeded from one `u64`, one stream per
//!   purpose: the output is the same on every machine, and growing one side of a pair does
//!   not change the shared subjects.
//! - Identifiers are valid by construction (check digits computed, phone numbers from real
//!   plans) and tests check them against independent validators, so a benchmark miss is
//!   always the key recipe's and never the generator's.

pub mod corrupt;
mod entities;
mod identifiers;
mod names;
pub mod population;
pub mod quality;

pub use corrupt::{Corruption, CorruptionProfile};
pub use population::{
    DatasetPair, PairError, PairSpec, Population, PopulationSpec, SubjectMix, SubjectStream, pair,
};
