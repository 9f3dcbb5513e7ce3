//! Legal Entity Identifier (ISO 17442).

use super::{InvalidIdentifier, check_chars, check_len, check_raw_len, mod97, strip};

const LEI: &str = "LEI";

/// A Legal Entity Identifier: 20 uppercase letters and digits (`5493001KJTIIGC8Y1R12`).
///
/// Invariant: the last two characters are digits and the whole passes ISO 7064 MOD 97-10.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Lei(String);

impl Lei {
    /// The canonical form, the one that goes into match keys.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Validates an LEI in any case, white space ignored, and verifies its check digits, so a
/// mistyped LEI is reported instead of silently never matching.
pub fn lei(raw: &str) -> Result<Lei, InvalidIdentifier> {
    check_raw_len(raw, LEI)?;
    let value = strip(raw, char::is_whitespace).to_ascii_uppercase();
    if value.is_empty() {
        return Err(InvalidIdentifier::Empty);
    }
    check_chars(&value, LEI, |c| c.is_ascii_alphanumeric())?;
    check_len(&value, LEI, 20)?;
    if let Some(i) = value[18..].chars().position(|c| !c.is_ascii_digit()) {
        return Err(InvalidIdentifier::BadCharacter {
            what: LEI,
            position: 19 + i,
        });
    }
    if mod97(&value) != 1 {
        return Err(InvalidIdentifier::Checksum { what: LEI });
    }
    Ok(Lei(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid() {
        for raw in [
            "5493001KJTIIGC8Y1R12",
            "5493001kjtiigc8y1r12",
            " 5493 001K JTII GC8Y 1R12 ",
            "HWUPKR0MPOU8FGXBT394",
            "7LTWFZYICNSX8D621K86",
        ] {
            let v = lei(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(lei(v.as_str()).unwrap(), v);
        }
        assert_eq!(
            lei("5493001kjtiigc8y1r12").unwrap().as_str(),
            "5493001KJTIIGC8Y1R12"
        );
    }

    #[test]
    fn refusals() {
        assert_eq!(
            lei("5493001KJTIIGC8Y1R13"),
            Err(InvalidIdentifier::Checksum { what: LEI })
        );
        // Two characters swapped.
        assert_eq!(
            lei("4593001KJTIIGC8Y1R12"),
            Err(InvalidIdentifier::Checksum { what: LEI })
        );
        assert!(matches!(
            lei("5493001KJTIIGC8Y1R1"),
            Err(InvalidIdentifier::WrongLength { found: 19, .. })
        ));
        assert_eq!(
            lei("5493001KJTIIGC8Y1R1X"),
            Err(InvalidIdentifier::BadCharacter {
                what: LEI,
                position: 20
            })
        );
        assert_eq!(
            lei("5493001KJTIIGC8Y-R12"),
            Err(InvalidIdentifier::BadCharacter {
                what: LEI,
                position: 17
            })
        );
        assert_eq!(lei(""), Err(InvalidIdentifier::Empty));
    }
}
