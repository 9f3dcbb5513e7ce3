//! Reference numbers without a checksum we verify: identity documents, company registers,
//! tax and VAT numbers, national account numbers and national bank codes.

use unicode_normalization::UnicodeNormalization;

use super::{InvalidIdentifier, check_chars, check_raw_len};

/// The longest canonical reference number. Passport, register and tax numbers are far
/// shorter; the bound keeps free text (a remark typed into the number field) out of the keys.
pub const MAX_REFERENCE_CHARS: usize = 64;

/// A reference number: uppercase ASCII letters and digits only (`C01X00T47`, `HRB12345`).
///
/// Invariant: 1 to [`MAX_REFERENCE_CHARS`] ASCII uppercase letters and digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReferenceNumber(String);

impl ReferenceNumber {
    /// The canonical form, the one that goes into match keys.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Characters that sources put into reference numbers for readability only: white space,
/// hyphens and dashes, dots and slashes.
fn is_reference_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '.' | '/' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{00B7}'
        )
}

/// Validates a reference number whose format varies by country and document type, so only
/// its spelling can be made canonical: NFKC (full-width digits become ASCII), separators
/// dropped (`12.345.678-9` and `123456789` must make one key), uppercase. `what` names the
/// type in errors (`passport number`, `register number`, ...).
pub fn reference_number(
    what: &'static str,
    raw: &str,
) -> Result<ReferenceNumber, InvalidIdentifier> {
    check_raw_len(raw, what)?;
    let value: String = raw
        .nfkc()
        .filter(|&c| !is_reference_separator(c))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if value.is_empty() {
        return Err(InvalidIdentifier::Empty);
    }
    check_chars(&value, what, |c| c.is_ascii_alphanumeric())?;
    let found = value.len();
    if found > MAX_REFERENCE_CHARS {
        return Err(InvalidIdentifier::WrongLength {
            what,
            expected: format!("at most {MAX_REFERENCE_CHARS}"),
            found,
        });
    }
    Ok(ReferenceNumber(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    const WHAT: &str = "passport number";

    #[test]
    fn separators_and_case() {
        for (raw, canonical) in [
            ("C01X00T47", "C01X00T47"),
            ("c01x00t47", "C01X00T47"),
            (" C01 X00-T47 ", "C01X00T47"),
            ("12.345.678/9", "123456789"),
            ("12\u{2013}345", "12345"),
            ("ＨＲＢ １２３４５", "HRB12345"),
        ] {
            let v = reference_number(WHAT, raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(v.as_str(), canonical);
            assert_eq!(reference_number(WHAT, v.as_str()).unwrap(), v);
        }
    }

    #[test]
    fn refusals() {
        assert_eq!(
            reference_number(WHAT, " - . / "),
            Err(InvalidIdentifier::Empty)
        );
        assert_eq!(
            reference_number(WHAT, "AB 12_3"),
            Err(InvalidIdentifier::BadCharacter {
                what: WHAT,
                position: 5
            })
        );
        assert_eq!(
            reference_number(WHAT, "MÜ123"),
            Err(InvalidIdentifier::BadCharacter {
                what: WHAT,
                position: 2
            })
        );
        assert!(matches!(
            reference_number(WHAT, &"1".repeat(65)),
            Err(InvalidIdentifier::WrongLength { found: 65, .. })
        ));
        assert!(reference_number(WHAT, &"1".repeat(64)).is_ok());
        let err = reference_number("tax number", "12#4").unwrap_err();
        assert!(err.to_string().contains("tax number"));
    }
}
