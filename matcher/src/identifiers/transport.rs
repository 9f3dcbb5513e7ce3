//! Transport identifiers: ISO 6346 container numbers, IMO ship numbers, aircraft
//! registration marks.

use super::{InvalidIdentifier, check_chars, check_len, check_raw_len, is_space_or_hyphen, strip};

const CONTAINER: &str = "ISO 6346 container number";
const IMO: &str = "IMO number";
const AIRCRAFT: &str = "aircraft registration";

/// An ISO 6346 container number: owner code, category, serial and check digit, uppercase
/// without spaces (`CSQU3054383`).
///
/// Invariant: 3 letters, a category letter `U`, `J`, `Z` or `R`, 6 digits and a check digit
/// that matches.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContainerNumber(String);

impl ContainerNumber {
    /// The canonical form, the one that goes into match keys.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// ISO 6346 value of a letter: 10 for `A` upwards, skipping multiples of 11. `c` must be an
/// uppercase ASCII letter.
fn iso6346_letter_value(c: u8) -> u32 {
    let mut value = 10;
    for _ in b'A'..c {
        value += 1;
        if value % 11 == 0 {
            value += 1;
        }
    }
    value
}

/// Validates an ISO 6346 container number, in any case, spaces and hyphens ignored
/// (`CSQU 305438 3`), and verifies its check digit, so a misread number (they are often
/// copied from photographs) is reported instead of making a key that matches nothing.
pub fn container_number(raw: &str) -> Result<ContainerNumber, InvalidIdentifier> {
    check_raw_len(raw, CONTAINER)?;
    let value = strip(raw, |c| is_space_or_hyphen(c) || c == '/').to_ascii_uppercase();
    if value.is_empty() {
        return Err(InvalidIdentifier::Empty);
    }
    check_chars(&value, CONTAINER, |c| c.is_ascii_alphanumeric())?;
    check_len(&value, CONTAINER, 11)?;
    check_chars(&value[..3], CONTAINER, |c| c.is_ascii_alphabetic())?;
    if !matches!(value.as_bytes()[3], b'U' | b'J' | b'Z' | b'R') {
        return Err(InvalidIdentifier::Malformed {
            what: CONTAINER,
            reason: "the fourth character is not a category letter (U, J, Z or R)",
        });
    }
    if let Some(i) = value[4..].chars().position(|c| !c.is_ascii_digit()) {
        return Err(InvalidIdentifier::BadCharacter {
            what: CONTAINER,
            position: i + 5,
        });
    }
    let bytes = value.as_bytes();
    let sum: u32 = bytes[..10]
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            let v = if b.is_ascii_digit() {
                u32::from(b - b'0')
            } else {
                iso6346_letter_value(b)
            };
            v << i
        })
        .sum();
    if sum % 11 % 10 != u32::from(bytes[10] - b'0') {
        return Err(InvalidIdentifier::Checksum { what: CONTAINER });
    }
    Ok(ContainerNumber(value))
}

/// An IMO ship identification number: the 7 digits without the `IMO` prefix (`9074729`).
///
/// Invariant: 7 ASCII digits whose last is the check digit of the first six.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImoNumber(String);

impl ImoNumber {
    /// The canonical form, the one that goes into match keys.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Validates an IMO number, with or without the `IMO` prefix (`IMO 9074729`, `imo:9074729`),
/// and verifies its check digit. The prefix is dropped because sources disagree on writing it.
pub fn imo_number(raw: &str) -> Result<ImoNumber, InvalidIdentifier> {
    check_raw_len(raw, IMO)?;
    let mut value = strip(raw, is_space_or_hyphen).to_ascii_uppercase();
    if let Some(rest) = value.strip_prefix("IMO") {
        value = rest.trim_start_matches([':', '.', '#']).to_owned();
    }
    if value.is_empty() {
        return Err(InvalidIdentifier::Empty);
    }
    check_chars(&value, IMO, |c| c.is_ascii_digit())?;
    check_len(&value, IMO, 7)?;
    let digits: Vec<u32> = value.bytes().map(|b| u32::from(b - b'0')).collect();
    let sum: u32 = digits[..6]
        .iter()
        .zip((2..=7).rev())
        .map(|(d, w)| d * w)
        .sum();
    if sum % 10 != digits[6] {
        return Err(InvalidIdentifier::Checksum { what: IMO });
    }
    Ok(ImoNumber(value))
}

/// An aircraft registration mark, uppercase without hyphens or spaces (`DABCD`, `N12345`).
///
/// Invariant: 2 to 7 ASCII letters and digits, at least one a letter. Nationality prefixes are
/// not checked against the ICAO list: the mark has no checksum, and this shape is enough to
/// keep free text out of the keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AircraftRegistration(String);

impl AircraftRegistration {
    /// The canonical form, the one that goes into match keys.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Validates an aircraft registration mark in any case. The hyphen after the nationality
/// prefix (`D-ABCD`) is written by some sources and not others, so hyphens and spaces are
/// dropped.
pub fn aircraft_registration(raw: &str) -> Result<AircraftRegistration, InvalidIdentifier> {
    check_raw_len(raw, AIRCRAFT)?;
    let value = strip(raw, is_space_or_hyphen).to_ascii_uppercase();
    if value.is_empty() {
        return Err(InvalidIdentifier::Empty);
    }
    check_chars(&value, AIRCRAFT, |c| c.is_ascii_alphanumeric())?;
    let found = value.len();
    if !(2..=7).contains(&found) {
        return Err(InvalidIdentifier::WrongLength {
            what: AIRCRAFT,
            expected: "2 to 7".to_owned(),
            found,
        });
    }
    if !value.bytes().any(|b| b.is_ascii_alphabetic()) {
        return Err(InvalidIdentifier::Malformed {
            what: AIRCRAFT,
            reason: "has no letter, so it has no nationality mark",
        });
    }
    Ok(AircraftRegistration(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letter_values_skip_multiples_of_eleven() {
        assert_eq!(iso6346_letter_value(b'A'), 10);
        assert_eq!(iso6346_letter_value(b'B'), 12);
        assert_eq!(iso6346_letter_value(b'K'), 21);
        assert_eq!(iso6346_letter_value(b'L'), 23);
        assert_eq!(iso6346_letter_value(b'U'), 32);
        assert_eq!(iso6346_letter_value(b'V'), 34);
        assert_eq!(iso6346_letter_value(b'Z'), 38);
    }

    #[test]
    fn container_valid() {
        for raw in [
            "CSQU3054383",
            "csqu3054383",
            "CSQU 305438 3",
            "CSQU-305438-3",
            "MSKU9070323",
        ] {
            let v = container_number(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(container_number(v.as_str()).unwrap(), v);
        }
        assert_eq!(
            container_number("CSQU 305438 3").unwrap().as_str(),
            "CSQU3054383"
        );
    }

    #[test]
    fn container_refusals() {
        assert_eq!(
            container_number("CSQU3054384"),
            Err(InvalidIdentifier::Checksum { what: CONTAINER })
        );
        assert_eq!(
            container_number("CSQU3054483"),
            Err(InvalidIdentifier::Checksum { what: CONTAINER })
        );
        assert!(matches!(
            container_number("CSQU305438"),
            Err(InvalidIdentifier::WrongLength { found: 10, .. })
        ));
        assert!(matches!(
            container_number("CSQX3054383"),
            Err(InvalidIdentifier::Malformed { .. })
        ));
        assert_eq!(
            container_number("CS1U3054383"),
            Err(InvalidIdentifier::BadCharacter {
                what: CONTAINER,
                position: 3
            })
        );
        assert_eq!(
            container_number("CSQU30543A3"),
            Err(InvalidIdentifier::BadCharacter {
                what: CONTAINER,
                position: 10
            })
        );
    }

    #[test]
    fn imo_valid() {
        for raw in [
            "9074729",
            "IMO 9074729",
            "imo9074729",
            "IMO: 9074729",
            "IMO-9074729",
        ] {
            assert_eq!(imo_number(raw).unwrap().as_str(), "9074729", "{raw}");
        }
        assert!(imo_number("9176187").is_ok());
    }

    #[test]
    fn imo_refusals() {
        assert_eq!(
            imo_number("9074728"),
            Err(InvalidIdentifier::Checksum { what: IMO })
        );
        assert_eq!(
            imo_number("IMO 9704729"),
            Err(InvalidIdentifier::Checksum { what: IMO })
        );
        assert!(matches!(
            imo_number("907472"),
            Err(InvalidIdentifier::WrongLength { found: 6, .. })
        ));
        assert!(matches!(
            imo_number("90747290"),
            Err(InvalidIdentifier::WrongLength { found: 8, .. })
        ));
        assert_eq!(
            imo_number("IMO 90747X9"),
            Err(InvalidIdentifier::BadCharacter {
                what: IMO,
                position: 6
            })
        );
        assert_eq!(imo_number("IMO"), Err(InvalidIdentifier::Empty));
    }

    #[test]
    fn aircraft() {
        assert_eq!(aircraft_registration("D-ABCD").unwrap().as_str(), "DABCD");
        assert_eq!(aircraft_registration("d abcd").unwrap().as_str(), "DABCD");
        assert_eq!(aircraft_registration("N12345").unwrap().as_str(), "N12345");
        assert_eq!(aircraft_registration("G-EUPT").unwrap().as_str(), "GEUPT");
        assert_eq!(aircraft_registration("HB-JNA").unwrap().as_str(), "HBJNA");
        assert!(matches!(
            aircraft_registration("12345"),
            Err(InvalidIdentifier::Malformed { .. })
        ));
        assert!(matches!(
            aircraft_registration("D-ABCDEFGH"),
            Err(InvalidIdentifier::WrongLength { found: 9, .. })
        ));
        assert!(matches!(
            aircraft_registration("D"),
            Err(InvalidIdentifier::WrongLength { found: 1, .. })
        ));
        assert_eq!(
            aircraft_registration("D-AB.D"),
            Err(InvalidIdentifier::BadCharacter {
                what: AIRCRAFT,
                position: 4
            })
        );
    }
}
