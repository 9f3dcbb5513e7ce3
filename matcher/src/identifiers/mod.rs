//! Identifier validation and canonical forms.
//!
//! Each validator takes a raw value as the source wrote it and returns a canonical newtype
//! that only the validator can make, or an [`InvalidIdentifier`] that says why, without
//! repeating the value (it is personal data). The caller (the key recipe, an importer) knows
//! which field the value came from and wraps the reason in a [`FieldError`].
//!
//! One submodule per family: `bank` (IBAN, BIC), `lei`, `transport` (ISO 6346 containers, IMO
//! numbers, aircraft registrations), `crypto` (wallet addresses), `contact` (E.164 phone
//! numbers, e-mail), `country` (ISO 3166-1), `date` (full and partial dates) and `reference`
//! (document, register and tax numbers without a checksum we could verify). docs/PROTOCOL.md
//! states every canonical form; a change to one changes match keys and is a protocol change.
//!
//! Every validator refuses raw values longer than [`MAX_RAW_BYTES`] before looking at them.

use std::fmt;

mod bank;
mod contact;
mod country;
mod crypto;
mod date;
mod lei;
mod reference;
mod transport;

pub use bank::{Bic, Iban, bic, iban};
pub use contact::{EmailAddress, MAX_EMAIL_CHARS, PhoneNumber, email, phone_number};
pub use country::{Country, country};
pub use crypto::{Chain, MAX_OTHER_ADDRESS_CHARS, WalletAddress, wallet_address};
pub use date::{DatePrecision, MAX_YEAR, MIN_YEAR, PartialDate, date};
pub use lei::{Lei, lei};
pub use reference::{MAX_REFERENCE_CHARS, ReferenceNumber, reference_number};
pub use transport::{
    AircraftRegistration, ContainerNumber, ImoNumber, aircraft_registration, container_number,
    imo_number,
};

/// The longest raw value, in bytes, that any validator looks at. The longest identifier here
/// (an e-mail address, 254 characters) fits; anything longer is refused before normalisation or
/// parsing, so a hostile or broken import cannot make a validator do unbounded work.
pub const MAX_RAW_BYTES: usize = 256;

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

/// Refuses a raw value longer than [`MAX_RAW_BYTES`].
fn check_raw_len(raw: &str, what: &'static str) -> Result<(), InvalidIdentifier> {
    if raw.len() > MAX_RAW_BYTES {
        Err(InvalidIdentifier::Malformed {
            what,
            reason: "is longer than any value of this type",
        })
    } else {
        Ok(())
    }
}

/// `raw` without the characters `is_separator` accepts.
fn strip(raw: &str, is_separator: impl Fn(char) -> bool) -> String {
    raw.chars().filter(|&c| !is_separator(c)).collect()
}

/// White space or a hyphen: the separators people put into printed codes.
fn is_space_or_hyphen(c: char) -> bool {
    c.is_whitespace() || c == '-'
}

/// Refuses a value with a character that `allowed` rejects, naming its 1-based position.
fn check_chars(
    value: &str,
    what: &'static str,
    allowed: impl Fn(char) -> bool,
) -> Result<(), InvalidIdentifier> {
    match value.chars().position(|c| !allowed(c)) {
        Some(i) => Err(InvalidIdentifier::BadCharacter {
            what,
            position: i + 1,
        }),
        None => Ok(()),
    }
}

/// Refuses a value whose length in characters is not `expected`.
fn check_len(value: &str, what: &'static str, expected: usize) -> Result<(), InvalidIdentifier> {
    let found = value.chars().count();
    if found == expected {
        Ok(())
    } else {
        Err(InvalidIdentifier::WrongLength {
            what,
            expected: expected.to_string(),
            found,
        })
    }
}

/// ISO 7064 MOD 97-10 remainder of an ASCII alphanumeric string, letters counting as 10..=35
/// (the check behind IBAN and LEI). Callers refuse other characters first; here they only
/// give a meaningless remainder, never a panic.
fn mod97(value: &str) -> u32 {
    value.bytes().fold(0u32, |acc, b| match b {
        b'0'..=b'9' => (acc * 10 + u32::from(b - b'0')) % 97,
        _ => {
            let letter = u32::from(b.to_ascii_uppercase()).saturating_sub(u32::from(b'A'));
            (acc * 100 + (letter + 10) % 100) % 97
        }
    })
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Runs `raw` through every validator; for each that accepts it, checks that the canonical
    /// form validates to itself, and for each that refuses it, that the message does not
    /// repeat the value.
    fn check_everywhere(raw: &str) {
        fn same<T: PartialEq + std::fmt::Debug>(
            raw: &str,
            first: Result<T, InvalidIdentifier>,
            canonical: impl Fn(&T) -> String,
            again: impl Fn(&str) -> Result<T, InvalidIdentifier>,
        ) {
            match first {
                Ok(v) => {
                    let c = canonical(&v);
                    assert_eq!(again(&c).as_ref(), Ok(&v), "canonical form not stable");
                }
                Err(e) => {
                    let shown = e.to_string();
                    let trimmed = raw.trim();
                    if trimmed.len() >= 6
                        && trimmed.chars().any(|c| c.is_ascii_digit())
                        && trimmed.chars().any(|c| c.is_alphabetic())
                    {
                        assert!(!shown.contains(trimmed), "error repeats the value");
                    }
                }
            }
        }
        let de = country("DE").ok();
        same(raw, iban(raw), |v| v.as_str().to_owned(), iban);
        same(raw, bic(raw), |v| v.as_str().to_owned(), bic);
        same(raw, lei(raw), |v| v.as_str().to_owned(), lei);
        same(
            raw,
            container_number(raw),
            |v| v.as_str().to_owned(),
            container_number,
        );
        same(raw, imo_number(raw), |v| v.as_str().to_owned(), imo_number);
        same(
            raw,
            aircraft_registration(raw),
            |v| v.as_str().to_owned(),
            aircraft_registration,
        );
        for chain in ["btc", "eth", "polygon", "solana"] {
            same(
                raw,
                wallet_address(chain, raw),
                |v| v.as_str().to_owned(),
                |s| wallet_address(chain, s),
            );
        }
        same(
            raw,
            Chain::parse(raw),
            |v| v.as_str().to_owned(),
            Chain::parse,
        );
        same(
            raw,
            phone_number(raw, None),
            |v| v.as_str().to_owned(),
            |s| phone_number(s, None),
        );
        same(
            raw,
            phone_number(raw, de.as_ref()),
            |v| v.as_str().to_owned(),
            |s| phone_number(s, None),
        );
        same(raw, email(raw), |v| v.as_str().to_owned(), email);
        same(raw, country(raw), |v| v.as_str().to_owned(), country);
        same(raw, date(raw), PartialDate::iso, date);
        same(
            raw,
            reference_number("document number", raw),
            |v| v.as_str().to_owned(),
            |s| reference_number("document number", s),
        );
    }

    /// Valid values of every type, as sources write them.
    const VALID: &[&str] = &[
        "GB82 WEST 1234 5698 7654 32",
        "DE89370400440532013000",
        "DEUTDEFFXXX",
        "5493001KJTIIGC8Y1R12",
        "CSQU 305438 3",
        "IMO 9074729",
        "D-ABCD",
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
        "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "+49 30 123456",
        "030 123456",
        "Jane.Doe@Example.com",
        "deu",
        "14 March 1980",
        "1980-03",
        "AB-123.456/7",
    ];

    #[test]
    fn every_valid_example_round_trips_everywhere() {
        for raw in VALID {
            check_everywhere(raw);
        }
    }

    #[test]
    fn errors_never_repeat_the_value() {
        let de = country("DE").ok();
        let cases: Vec<(&str, Result<(), InvalidIdentifier>)> = vec![
            (
                "GB83WEST12345698765432",
                iban("GB83WEST12345698765432").map(drop),
            ),
            (
                "GB82WEST1234569876543!",
                iban("GB82WEST1234569876543!").map(drop),
            ),
            ("DEUTZZFF", bic("DEUTZZFF").map(drop)),
            (
                "5493001KJTIIGC8Y1R13",
                lei("5493001KJTIIGC8Y1R13").map(drop),
            ),
            ("CSQU3054384", container_number("CSQU3054384").map(drop)),
            ("IMO 9074728", imo_number("IMO 9074728").map(drop)),
            ("D-ABCDEFGH", aircraft_registration("D-ABCDEFGH").map(drop)),
            (
                "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3",
                wallet_address("btc", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3").map(drop),
            ),
            (
                "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",
                wallet_address("eth", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD").map(drop),
            ),
            (
                "wallet with spaces 123",
                wallet_address("sol", "wallet with spaces 123").map(drop),
            ),
            ("030 123456", phone_number("030 123456", None).map(drop)),
            ("+49 1", phone_number("+49 1", de.as_ref()).map(drop)),
            (
                "jane@doe@example.com",
                email("jane@doe@example.com").map(drop),
            ),
            ("XYZ1", country("XYZ1").map(drop)),
            ("31/04/1980", date("31/04/1980").map(drop)),
            ("14 Mars 1980", date("14 Mars 1980").map(drop)),
            (
                "AB 12_3",
                reference_number("passport number", "AB 12_3").map(drop),
            ),
        ];
        for (raw, result) in cases {
            let e = result.expect_err(raw);
            let shown = e.to_string();
            assert!(!shown.contains(raw), "{shown}");
            assert!(!format!("{e:?}").contains(raw));
            let field = FieldError::new("person.documents[1].number", e).to_string();
            assert!(!field.contains(raw), "{field}");
        }
    }

    #[test]
    fn overlong_input_is_refused_before_parsing() {
        let long = "1".repeat(MAX_RAW_BYTES + 1);
        assert!(matches!(
            reference_number("document number", &long),
            Err(InvalidIdentifier::Malformed { .. })
        ));
        assert!(matches!(
            phone_number(&long, None),
            Err(InvalidIdentifier::Malformed { .. })
        ));
    }

    /// Flips the case of some ASCII letters and puts spaces between some characters.
    fn perturb(value: &str, flips: &[bool], spaces: &[bool]) -> String {
        let mut out = String::new();
        for (i, c) in value.chars().enumerate() {
            let c = if flips.get(i).copied().unwrap_or(false) {
                if c.is_ascii_uppercase() {
                    c.to_ascii_lowercase()
                } else {
                    c.to_ascii_uppercase()
                }
            } else {
                c
            };
            out.push(c);
            if spaces.get(i).copied().unwrap_or(false) {
                out.push(' ');
            }
        }
        out
    }

    proptest! {
        #[test]
        fn validators_never_panic_and_canonical_forms_are_stable(raw in any::<String>()) {
            check_everywhere(&raw);
        }

        #[test]
        fn identifier_like_strings(raw in "[ +0-9A-Za-z./:@-]{0,40}") {
            check_everywhere(&raw);
        }

        #[test]
        fn nearly_valid_strings(raw in prop_oneof![
            "\\+[1-9][0-9]{6,13}",
            "0[1-9][0-9]{5,10}",
            "00[1-9][0-9]{6,12}",
            "(IMO ?)?[0-9]{7}",
            "0x[0-9a-fA-F]{40}",
            "[0-9]{1,2}[./-][0-9]{1,2}[./-][0-9]{4}",
            "[0-9]{8}",
            "[a-zA-Z0-9.+]{1,10}@[a-zA-Z0-9-]{1,10}\\.[a-z]{2,4}",
            "[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?",
            "[A-Z]{3}U[0-9]{7}",
            "[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}",
        ]) {
            check_everywhere(&raw);
        }

        #[test]
        fn case_and_spaces_do_not_change_case_insensitive_identifiers(
            flips in proptest::collection::vec(any::<bool>(), 40),
            spaces in proptest::collection::vec(any::<bool>(), 40),
        ) {
            for (f, raw) in [
                (iban as fn(&str) -> Result<Iban, InvalidIdentifier>, "DE89370400440532013000"),
                (iban, "GB82WEST12345698765432"),
            ] {
                let perturbed = perturb(raw, &flips, &spaces);
                prop_assert_eq!(f(&perturbed), f(raw));
            }
            let perturbed = perturb("5493001KJTIIGC8Y1R12", &flips, &spaces);
            prop_assert_eq!(lei(&perturbed), lei("5493001KJTIIGC8Y1R12"));
            let perturbed = perturb("CSQU3054383", &flips, &spaces);
            prop_assert_eq!(container_number(&perturbed), container_number("CSQU3054383"));
            let perturbed = perturb("DEUTDEFF500", &flips, &spaces);
            prop_assert_eq!(bic(&perturbed), bic("DEUTDEFF500"));
            let perturbed = perturb("C01X00T47", &flips, &spaces);
            prop_assert_eq!(
                reference_number("passport number", &perturbed),
                reference_number("passport number", "C01X00T47")
            );
            let no_spaces = perturb("jane.doe@example.com", &flips, &[]);
            prop_assert_eq!(email(&no_spaces), email("jane.doe@example.com"));
        }

        #[test]
        fn every_real_date_in_every_form(
            year in MIN_YEAR..=MAX_YEAR,
            month in 1u8..=12,
            day in 1u8..=31,
        ) {
            let Some(expected) = PartialDate::new(u32::from(year), Some(u32::from(month)), Some(u32::from(day))) else {
                return Ok(());
            };
            for raw in [
                format!("{year}-{month:02}-{day:02}"),
                format!("{year}{month:02}{day:02}"),
                format!("{day:02}.{month:02}.{year}"),
                format!("{day}/{month}/{year}"),
                format!("{year}-{month:02}-{day:02}T23:59:59Z"),
            ] {
                prop_assert_eq!(date(&raw), Ok(expected));
            }
            // Month first is taken only where day first is no date.
            let month_first = date(&format!("{month:02}/{day:02}/{year}"));
            if day > 12 {
                prop_assert_eq!(month_first, Ok(expected));
            }
        }
    }
}
