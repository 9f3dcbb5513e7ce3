//! Identifier validation and canonical forms.
//!
//! Each validator takes a raw value as the source wrote it and returns a canonical newtype
//! that only the validator can make, or an [`InvalidIdentifier`] that says why, without
//! repeating the value (it is personal data). The caller (the key recipe, an importer) knows
//! which field the value came from and wraps the reason in a [`FieldError`].

use std::fmt;

/// Why a value is not a valid identifier. Never contains the value itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidIdentifier {
    /// Nothing but white space and separators.
    #[error("is empty")]
    Empty,
    /// A character that the identifier type does not allow.
    #[error("has a character not allowed in {what} at position {position}")]
    BadCharacter {
        /// The identifier type (`IBAN`, `LEI`, ...).
        what: &'static str,
        /// 1-based character position in the value after separators were removed.
        position: usize,
    },
    /// The wrong number of characters.
    #[error("has {found} characters where {what} needs {expected}")]
    WrongLength {
        /// The identifier type.
        what: &'static str,
        /// What the type (or the country) requires, e.g. `22` or `8 or 11`.
        expected: String,
        /// How many there were.
        found: usize,
    },
    /// The check digits or checksum do not match.
    #[error("fails the {what} check digit or checksum")]
    Checksum {
        /// The identifier type.
        what: &'static str,
    },
    /// A country code that is not ISO 3166 (or not one the identifier type allows).
    #[error("has an unknown or unsupported country code")]
    UnknownCountry,
    /// Not of the identifier type's shape for any other reason.
    #[error("is not a valid {what}: {reason}")]
    Malformed {
        /// The identifier type.
        what: &'static str,
        /// What is wrong, in words that do not repeat the value.
        reason: &'static str,
    },
}

/// A refused value, with the path of the field it came from (`person.documents[1].number`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{field}` {error}")]
pub struct FieldError {
    /// Path of the field in the subject model.
    pub field: String,
    /// Why it was refused.
    pub error: InvalidIdentifier,
}

impl FieldError {
    /// Wraps `error` with the field path.
    pub fn new(field: impl fmt::Display, error: InvalidIdentifier) -> Self {
        FieldError {
            field: field.to_string(),
            error,
        }
    }
}
