//! Bank identifiers: IBAN (ISO 13616) and BIC (ISO 9362).

use super::{InvalidIdentifier, check_chars, check_raw_len, country::Country, strip};

const IBAN: &str = "IBAN";
const BIC: &str = "BIC";

/// An International Bank Account Number in electronic form: uppercase, no spaces
/// (`DE89370400440532013000`).
///
/// Invariant: passed the mod-97 check, and its country is in the IBAN registry with the
/// length and account-part format that the registry gives for it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Iban(String);

impl Iban {
    /// The canonical (electronic) form, the one that goes into match keys.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The two-letter country code the IBAN starts with (`DE`).
    pub fn country(&self) -> &str {
        // Invariant: iban_validate accepted it, so it starts with two ASCII letters.
        self.0.get(..2).unwrap_or_default()
    }
}

/// Validates an IBAN, printed (`DE89 3704 0044 0532 0130 00`) or electronic, in any case,
/// optionally after an `IBAN` label. The check digits (mod 97) and the country's registered
/// length and format are verified by the `iban_validate` crate, which follows the SWIFT IBAN
/// registry, so that a mistyped IBAN is reported instead of making a key that matches nothing.
pub fn iban(raw: &str) -> Result<Iban, InvalidIdentifier> {
    use iban::{ParseBaseIbanError, ParseIbanError};

    check_raw_len(raw, IBAN)?;
    let mut value = strip(raw, char::is_whitespace).to_ascii_uppercase();
    if let Some(rest) = value.strip_prefix("IBAN") {
        value = rest.trim_start_matches(':').to_owned();
    }
    if value.is_empty() {
        return Err(InvalidIdentifier::Empty);
    }
    check_chars(&value, IBAN, |c| c.is_ascii_alphanumeric())?;
    let found = value.len();
    if !(15..=34).contains(&found) {
        return Err(InvalidIdentifier::WrongLength {
            what: IBAN,
            expected: "15 to 34".to_owned(),
            found,
        });
    }
    check_chars(&value[..2], IBAN, |c| c.is_ascii_alphabetic())?;
    if let Some(i) = value[2..4].chars().position(|c| !c.is_ascii_digit()) {
        return Err(InvalidIdentifier::BadCharacter {
            what: IBAN,
            position: i + 3,
        });
    }
    match iban::Iban::try_from(value.as_str()) {
        Ok(_) => Ok(Iban(value)),
        Err(ParseIbanError::UnknownCountry(_)) => Err(InvalidIdentifier::UnknownCountry),
        Err(ParseIbanError::InvalidBaseIban {
            source: ParseBaseIbanError::InvalidChecksum,
        }) => Err(InvalidIdentifier::Checksum { what: IBAN }),
        Err(ParseIbanError::InvalidBaseIban {
            source: ParseBaseIbanError::InvalidFormat,
        }) => Err(InvalidIdentifier::Malformed {
            what: IBAN,
            reason: "does not have the IBAN structure",
        }),
        Err(ParseIbanError::InvalidBban(_)) => Err(InvalidIdentifier::Malformed {
            what: IBAN,
            reason: "does not have the length or account format registered for its country",
        }),
    }
}

/// A Business Identifier Code, uppercase; the 8-character form when the branch is `XXX`
/// (`DEUTDEFF`, `DEUTDEFF500`).
///
/// Invariant: 4 letters (institution), an ISO 3166 alpha-2 country, 2 letters or digits
/// (location), and an optional 3-character branch other than `XXX`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Bic(String);

impl Bic {
    /// The canonical form, the one that goes into match keys.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The country code in positions 5 and 6 (`DE`).
    pub fn country(&self) -> &str {
        // Invariant: the validator checked that the BIC is at least 8 ASCII characters.
        self.0.get(4..6).unwrap_or_default()
    }
}

/// Validates a BIC of 8 or 11 characters, in any case, spaces ignored. `XXX` as branch code
/// means the head office, the same institution as the 8-character code, so it is dropped:
/// `DEUTDEFFXXX` and `DEUTDEFF` make one key. There is no check digit to verify.
pub fn bic(raw: &str) -> Result<Bic, InvalidIdentifier> {
    check_raw_len(raw, BIC)?;
    let value = strip(raw, char::is_whitespace).to_ascii_uppercase();
    if value.is_empty() {
        return Err(InvalidIdentifier::Empty);
    }
    check_chars(&value, BIC, |c| c.is_ascii_alphanumeric())?;
    let found = value.len();
    if found != 8 && found != 11 {
        return Err(InvalidIdentifier::WrongLength {
            what: BIC,
            expected: "8 or 11".to_owned(),
            found,
        });
    }
    check_chars(&value[..6], BIC, |c| c.is_ascii_alphabetic())?;
    if Country::from_alpha2_exact(&value[4..6]).is_none() {
        return Err(InvalidIdentifier::UnknownCountry);
    }
    let canonical = match value.strip_suffix("XXX") {
        Some(head) if found == 11 => head.to_owned(),
        _ => value,
    };
    Ok(Bic(canonical))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iban_valid_in_printed_and_electronic_form() {
        for (raw, canonical) in [
            ("GB82WEST12345698765432", "GB82WEST12345698765432"),
            ("GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432"),
            ("gb82 west 1234 5698 7654 32", "GB82WEST12345698765432"),
            ("DE89370400440532013000", "DE89370400440532013000"),
            (" DE89 3704 0044 0532 0130 00 ", "DE89370400440532013000"),
            ("IBAN DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
            ("IBAN: DE89370400440532013000", "DE89370400440532013000"),
            ("NO9386011117947", "NO9386011117947"),
        ] {
            let v = iban(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(v.as_str(), canonical);
            assert_eq!(iban(v.as_str()).unwrap(), v);
        }
        assert_eq!(iban("DE89370400440532013000").unwrap().country(), "DE");
    }

    #[test]
    fn iban_refusals() {
        // Wrong check digits.
        assert_eq!(
            iban("GB83WEST12345698765432"),
            Err(InvalidIdentifier::Checksum { what: IBAN })
        );
        // One digit changed in the account part.
        assert_eq!(
            iban("DE89370400440532013001"),
            Err(InvalidIdentifier::Checksum { what: IBAN })
        );
        // Too short for any IBAN.
        assert!(matches!(
            iban("DE8937040044"),
            Err(InvalidIdentifier::WrongLength { found: 12, .. })
        ));
        // Right mod 97, wrong length for Germany (check digits recomputed for 21 chars).
        assert!(matches!(
            iban(&fix_check(&"DE00370400440532013000"[..21])),
            Err(InvalidIdentifier::Malformed { .. })
        ));
        assert_eq!(
            iban("DE89 3704 0044 0532 0130 0!"),
            Err(InvalidIdentifier::BadCharacter {
                what: IBAN,
                position: 22
            })
        );
        assert_eq!(
            iban("1E89370400440532013000"),
            Err(InvalidIdentifier::BadCharacter {
                what: IBAN,
                position: 1
            })
        );
        // A country without IBANs (check digits made valid).
        assert_eq!(
            iban(&fix_check("US00370400440532013000")),
            Err(InvalidIdentifier::UnknownCountry)
        );
        assert_eq!(iban("  "), Err(InvalidIdentifier::Empty));
    }

    /// Replaces the check digits of an IBAN-shaped string with correct ones.
    fn fix_check(value: &str) -> String {
        let rearranged = format!("{}{}00", &value[4..], &value[..2]);
        let check = 98 - super::super::mod97(&rearranged);
        format!("{}{check:02}{}", &value[..2], &value[4..])
    }

    #[test]
    fn bic_forms() {
        assert_eq!(bic("DEUTDEFF").unwrap().as_str(), "DEUTDEFF");
        assert_eq!(bic("deutdeff").unwrap().as_str(), "DEUTDEFF");
        assert_eq!(bic("DEUTDEFFXXX").unwrap().as_str(), "DEUTDEFF");
        assert_eq!(bic("DEUT DE FF XXX").unwrap().as_str(), "DEUTDEFF");
        assert_eq!(bic("DEUTDEFF500").unwrap().as_str(), "DEUTDEFF500");
        assert_eq!(bic("NEDSZAJJ").unwrap().country(), "ZA");
        assert_eq!(bic("DEUTDE2H").unwrap().as_str(), "DEUTDE2H");
    }

    #[test]
    fn bic_refusals() {
        assert!(matches!(
            bic("DEUTDEF"),
            Err(InvalidIdentifier::WrongLength { found: 7, .. })
        ));
        assert!(matches!(
            bic("DEUTDEFF5000"),
            Err(InvalidIdentifier::WrongLength { found: 12, .. })
        ));
        assert_eq!(
            bic("DEU1DEFF"),
            Err(InvalidIdentifier::BadCharacter {
                what: BIC,
                position: 4
            })
        );
        assert_eq!(bic("DEUTZZFF"), Err(InvalidIdentifier::UnknownCountry));
        assert_eq!(bic("DEUTUKFF"), Err(InvalidIdentifier::UnknownCountry));
        assert_eq!(
            bic("DEUTDEF_"),
            Err(InvalidIdentifier::BadCharacter {
                what: BIC,
                position: 8
            })
        );
    }
}
