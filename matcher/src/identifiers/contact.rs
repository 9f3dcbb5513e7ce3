//! Contact identifiers: telephone numbers (E.164) and e-mail addresses.

use unicode_normalization::UnicodeNormalization;

use super::{InvalidIdentifier, check_chars, check_raw_len, country::Country};

const PHONE: &str = "phone number";
const EMAIL: &str = "e-mail address";

/// The longest e-mail address SMTP can carry (RFC 5321: a 256-octet path less the brackets).
pub const MAX_EMAIL_CHARS: usize = 254;

/// A telephone number in E.164 form: `+`, country calling code and national number, digits
/// only (`+4930123456`). Extensions are dropped.
///
/// Invariant: a number that libphonenumber's metadata (through the `phonenumber` crate)
/// holds valid for its country.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// The canonical (E.164) form, the one that goes into match keys.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Validates a telephone number in any written form (`+49 30 123456`, `(030) 123456`,
/// `0049 30 123456`) and converts it to E.164, so that national and international spellings
/// of one line make one key.
///
/// A number without a leading `+` is read as a national number of `default_region` (the
/// subject's or the reporting FIU's country). Without a default region, a leading `00` is
/// read as the international prefix (as in most of Europe and Africa); anything else is
/// refused, since guessing a country would invent a key.
pub fn phone_number(
    raw: &str,
    default_region: Option<&Country>,
) -> Result<PhoneNumber, InvalidIdentifier> {
    use phonenumber::{Mode, ParseError};

    check_raw_len(raw, PHONE)?;
    // NFKC turns full-width digits and plus signs into ASCII ones.
    let value: String = raw.trim().nfkc().collect();
    if value.is_empty() {
        return Err(InvalidIdentifier::Empty);
    }
    if !value.chars().any(|c| c.is_ascii_digit()) {
        return Err(InvalidIdentifier::Malformed {
            what: PHONE,
            reason: "has no digits",
        });
    }
    let region = default_region.and_then(|c| c.as_str().parse::<phonenumber::country::Id>().ok());
    let value = if value.starts_with('+') || region.is_some() {
        value
    } else if let Some(rest) = value.strip_prefix("00") {
        format!("+{rest}")
    } else {
        return Err(InvalidIdentifier::Malformed {
            what: PHONE,
            reason: "needs a leading + or a known country to read it as a national number",
        });
    };
    let number = phonenumber::parse(region, &value).map_err(|e| InvalidIdentifier::Malformed {
        what: PHONE,
        reason: match e {
            ParseError::InvalidCountryCode => "has an unknown country calling code",
            ParseError::TooShortAfterIdd | ParseError::TooShortNsn => "is too short",
            ParseError::TooLong => "is too long",
            _ => "is not a telephone number",
        },
    })?;
    if !phonenumber::is_valid(&number) {
        return Err(InvalidIdentifier::Malformed {
            what: PHONE,
            reason: "is not a valid number for its country",
        });
    }
    Ok(PhoneNumber(number.format().mode(Mode::E164).to_string()))
}

/// An e-mail address, NFKC-normalised and lowercase (`jane.doe@example.com`).
///
/// Invariant: one `@`; a local part without white space, control characters or the
/// characters that only quoted local parts may hold; a domain of at least two dot-separated
/// labels of letters (any script), digits and inner hyphens; at most [`MAX_EMAIL_CHARS`]
/// characters; lowercasing and NFKC leave it unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// The canonical form, the one that goes into match keys.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        // Invariant: the validator checked there is exactly one '@'.
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or_default()
    }
}

/// Characters allowed in an unquoted local part besides letters and digits: RFC 5322 `atext`
/// and the dot, plus non-ASCII characters (RFC 6531).
fn is_local_char(c: char) -> bool {
    c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c) || (!c.is_ascii() && !c.is_control())
}

/// Validates an e-mail address. The whole address is lowercased, the local part too: RFC 5321
/// leaves its case to the receiving server, but every large provider ignores it, and a key
/// that missed `Jane.Doe@` versus `jane.doe@` would miss far more than it would wrongly join.
/// Quoted local parts and address literals (`user@[192.0.2.1]`) are refused: they do not
/// occur in practice, and refusing them keeps display names (`Jane <jane@example.com>`) out.
/// Internationalised domains stay in Unicode; they are not converted to punycode.
pub fn email(raw: &str) -> Result<EmailAddress, InvalidIdentifier> {
    check_raw_len(raw, EMAIL)?;
    let mut value: String = raw.trim().nfkc().collect();
    // Lowercasing can leave a string that NFKC changes again and vice versa; a few rounds
    // reach the fixed point for any real address.
    let mut stable = false;
    for _ in 0..4 {
        let next: String = value.to_lowercase().nfkc().collect();
        if next == value {
            stable = true;
            break;
        }
        value = next;
    }
    if !stable {
        return Err(InvalidIdentifier::Malformed {
            what: EMAIL,
            reason: "has characters without a stable lowercase normal form",
        });
    }
    if value.is_empty() {
        return Err(InvalidIdentifier::Empty);
    }
    check_chars(&value, EMAIL, |c| c == '@' || is_local_char(c))?;
    let found = value.chars().count();
    if found > MAX_EMAIL_CHARS {
        return Err(InvalidIdentifier::WrongLength {
            what: EMAIL,
            expected: format!("at most {MAX_EMAIL_CHARS}"),
            found,
        });
    }
    let Some((local, domain)) = value.split_once('@') else {
        return Err(InvalidIdentifier::Malformed {
            what: EMAIL,
            reason: "has no @",
        });
    };
    if domain.contains('@') {
        return Err(InvalidIdentifier::Malformed {
            what: EMAIL,
            reason: "has more than one @",
        });
    }
    if local.is_empty() {
        return Err(InvalidIdentifier::Malformed {
            what: EMAIL,
            reason: "has nothing before the @",
        });
    }
    let local_chars = local.chars().count();
    if let Some(i) = domain
        .chars()
        .position(|c| !(c.is_alphanumeric() || c == '-' || c == '.'))
    {
        return Err(InvalidIdentifier::BadCharacter {
            what: EMAIL,
            position: local_chars + 2 + i,
        });
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err(InvalidIdentifier::Malformed {
            what: EMAIL,
            reason: "has a domain without a dot",
        });
    }
    if labels.iter().any(|l| l.is_empty()) {
        return Err(InvalidIdentifier::Malformed {
            what: EMAIL,
            reason: "has an empty domain label",
        });
    }
    if labels
        .iter()
        .any(|l| l.starts_with('-') || l.ends_with('-'))
    {
        return Err(InvalidIdentifier::Malformed {
            what: EMAIL,
            reason: "has a domain label that starts or ends with a hyphen",
        });
    }
    Ok(EmailAddress(value))
}

#[cfg(test)]
mod tests {
    use super::super::country;
    use super::*;

    #[test]
    fn phone_forms_reach_e164() {
        let de = country("DE").unwrap();
        for (raw, region) in [
            ("+49 30 123456", None),
            ("+49 (0)30 123456", None),
            ("0049 30 123456", None),
            ("030 123456", Some(&de)),
            ("(030) 123456", Some(&de)),
            ("+49-30-123456", Some(&de)),
            ("＋４９ ３０ １２３４５６", None),
        ] {
            let v = phone_number(raw, region).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(v.as_str(), "+4930123456", "{raw}");
            assert_eq!(phone_number(v.as_str(), None).unwrap(), v);
        }
        let gb = country("GB").unwrap();
        assert_eq!(
            phone_number("020 7946 0018", Some(&gb)).unwrap().as_str(),
            "+442079460018"
        );
        let us = country("US").unwrap();
        assert_eq!(
            phone_number("(201) 555-0123", Some(&us)).unwrap().as_str(),
            "+12015550123"
        );
    }

    #[test]
    fn phone_refusals() {
        assert!(matches!(
            phone_number("030 123456", None),
            Err(InvalidIdentifier::Malformed { reason, .. }) if reason.contains("country")
        ));
        assert!(matches!(
            phone_number("+49 1", None),
            Err(InvalidIdentifier::Malformed { .. })
        ));
        assert!(matches!(
            phone_number("+999 123456789", None),
            Err(InvalidIdentifier::Malformed { .. })
        ));
        assert!(matches!(
            phone_number("call me", None),
            Err(InvalidIdentifier::Malformed { .. })
        ));
        assert_eq!(phone_number(" ", None), Err(InvalidIdentifier::Empty));
    }

    #[test]
    fn email_forms() {
        for (raw, canonical) in [
            ("jane.doe@example.com", "jane.doe@example.com"),
            (" Jane.Doe@Example.COM ", "jane.doe@example.com"),
            ("j+tag@sub.example.co.uk", "j+tag@sub.example.co.uk"),
            ("ｊａｎｅ@example.com", "jane@example.com"),
            ("Jürgen@Bücher.de", "jürgen@bücher.de"),
            ("a@xn--bcher-kva.de", "a@xn--bcher-kva.de"),
        ] {
            let v = email(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(v.as_str(), canonical);
            assert_eq!(email(v.as_str()).unwrap(), v);
        }
        assert_eq!(email("a@example.com").unwrap().domain(), "example.com");
    }

    #[test]
    fn email_refusals() {
        for raw in [
            "jane.example.com",
            "jane@@example.com",
            "jane@doe@example.com",
            "@example.com",
            "jane@example",
            "jane@example..com",
            "jane@-example.com",
            "jane@example.com.",
        ] {
            assert!(
                matches!(email(raw), Err(InvalidIdentifier::Malformed { .. })),
                "{raw}"
            );
        }
        assert_eq!(
            email("jane doe@example.com"),
            Err(InvalidIdentifier::BadCharacter {
                what: EMAIL,
                position: 5
            })
        );
        assert_eq!(
            email("jane@exa_mple.com"),
            Err(InvalidIdentifier::BadCharacter {
                what: EMAIL,
                position: 9
            })
        );
        assert!(matches!(
            email("Jane <jane@example.com>"),
            Err(InvalidIdentifier::BadCharacter { .. })
        ));
        assert_eq!(email(""), Err(InvalidIdentifier::Empty));
    }
}
