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

/// Region whose metadata has no national (trunk) prefix rules. Parsing an international
/// number with it as the default region reads the digits literally: the `phonenumber` crate
/// otherwise strips the number's own trunk prefix even after a `+` (so `+7 812 ...`, a
/// St Petersburg number, would lose its `8`), where libphonenumber strips only when the
/// unstripped number is not viable.
const LITERAL_REGION: phonenumber::country::Id = phonenumber::country::Id::NO;

/// Compiled patterns kept by the `phonenumber` crate's shared cache. Its default of 100 is
/// smaller than the patterns of a few dozen countries, so a mixed population evicts and
/// recompiles regular expressions on almost every number (measured: about 0.7 ms per subject
/// instead of a few microseconds). Every country's metadata holds a few dozen patterns.
pub const PHONE_REGEX_CACHE: usize = 8192;

/// Raises the `phonenumber` crate's regex cache to [`PHONE_REGEX_CACHE`], once.
fn enlarge_regex_cache() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let cache = phonenumber::metadata::DATABASE.cache();
        // A poisoned lock only means another thread panicked while compiling a pattern; the
        // cache itself is still a valid cache.
        let mut guard = cache.lock().unwrap_or_else(|p| p.into_inner());
        guard.set_capacity(PHONE_REGEX_CACHE);
    });
}

/// Validates a telephone number in any written form (`+49 30 123456`, `(030) 123456`,
/// `0049 30 123456`) and converts it to E.164, so that national and international spellings
/// of one line make one key.
///
/// A number without a leading `+` is read as a national number of `default_region` (the
/// subject's or the reporting FIU's country), or as an international one if it starts with
/// that country's international call prefix. Without a default region, a leading `00` is
/// read as the international prefix (as in most of Europe, Africa and Asia); anything else is
/// refused, since guessing a country would invent a key.
///
/// An international number is read literally first; if that is no valid number, a trunk
/// prefix written after the country code (`+49 (0)30 ...`) is dropped.
pub fn phone_number(
    raw: &str,
    default_region: Option<&Country>,
) -> Result<PhoneNumber, InvalidIdentifier> {
    use phonenumber::metadata::DATABASE;

    check_raw_len(raw, PHONE)?;
    enlarge_regex_cache();
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
    // Only regions the metadata knows (the crate's parser panics on others).
    let region = default_region.and_then(|c| {
        DATABASE.by_id(c.as_str())?;
        c.as_str().parse::<phonenumber::country::Id>().ok()
    });
    let value = international_form(value, region);
    let number = if value.starts_with('+') {
        match phonenumber::parse(Some(LITERAL_REGION), &value) {
            Ok(n) if phonenumber::is_valid(&n) => Ok(n),
            _ => phonenumber::parse(None, &value),
        }
    } else if let Some(region) = region {
        match without_trunk_prefix(&value, region) {
            Some(n) => Ok(n),
            None => phonenumber::parse(Some(region), &value),
        }
    } else {
        return Err(InvalidIdentifier::Malformed {
            what: PHONE,
            reason: "needs a leading + or a known country to read it as a national number",
        });
    };
    let number = number.map_err(|e| InvalidIdentifier::Malformed {
        what: PHONE,
        reason: match e {
            phonenumber::ParseError::InvalidCountryCode => "has an unknown country calling code",
            phonenumber::ParseError::TooShortAfterIdd | phonenumber::ParseError::TooShortNsn => {
                "is too short"
            }
            phonenumber::ParseError::TooLong => "is too long",
            _ => "is not a telephone number",
        },
    })?;
    if !phonenumber::is_valid(&number) {
        return Err(InvalidIdentifier::Malformed {
            what: PHONE,
            reason: "is not a valid number for its country",
        });
    }
    Ok(PhoneNumber(
        number.format().mode(phonenumber::Mode::E164).to_string(),
    ))
}

/// A national number read as the region's country code followed by the digits after the
/// region's trunk prefix (`8 (812) 123-45-67` in Russia is `+7 812 1234567`), if that is a
/// valid number. The `phonenumber` crate strips the trunk prefix twice when the area code
/// starts with the same digit; libphonenumber strips it once.
fn without_trunk_prefix(
    value: &str,
    region: phonenumber::country::Id,
) -> Option<phonenumber::PhoneNumber> {
    let meta = phonenumber::metadata::DATABASE.by_id(region.as_ref())?;
    let trunk = meta.national_prefix()?;
    let digits: String = value
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '/'))
        .collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let rest = digits.strip_prefix(trunk)?;
    let international = format!("+{}{rest}", meta.country_code());
    phonenumber::parse(Some(LITERAL_REGION), international)
        .ok()
        .filter(phonenumber::is_valid)
}

/// `value` with a leading international call prefix replaced by `+`: the region's prefix
/// (`00` in Germany, `011` in the USA), or `00` without a region. Without a prefix, `value`
/// unchanged.
fn international_form(value: String, region: Option<phonenumber::country::Id>) -> String {
    if value.starts_with('+') {
        return value;
    }
    let digits: String = value
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '/'))
        .collect();
    let prefix_len = match region {
        Some(region) => phonenumber::metadata::DATABASE
            .by_id(region.as_ref())
            .and_then(|meta| meta.international_prefix())
            .and_then(|idd| idd.find(&digits))
            .filter(|m| m.start() == 0 && m.end() > 0)
            .map(|m| m.end()),
        None => digits.starts_with("00").then_some(2),
    };
    match prefix_len {
        Some(len) => format!("+{}", &digits[len..]),
        None => value,
    }
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
        let us = country("US").unwrap();
        // The region's own international prefix.
        assert_eq!(
            phone_number("011 49 30 123456", Some(&us))
                .unwrap()
                .as_str(),
            "+4930123456"
        );
        // A St Petersburg number: its area code starts with the Russian trunk prefix 8.
        for (raw, region) in [
            ("+7 812 123-45-67", None),
            ("8 (812) 123-45-67", Some(country("RU").unwrap())),
            ("0078121234567", Some(de)),
        ] {
            assert_eq!(
                phone_number(raw, region.as_ref()).unwrap().as_str(),
                "+78121234567",
                "{raw}"
            );
        }
        // Italian numbers keep their leading 0 after the country code, whatever the region.
        for region in [None, Some(&de)] {
            assert_eq!(
                phone_number("+39 06 6988 0000", region).unwrap().as_str(),
                "+390669880000"
            );
            assert_eq!(
                phone_number("0039 06 6988 0000", region).unwrap().as_str(),
                "+390669880000"
            );
        }
        assert_eq!(
            phone_number("020 7946 0018", Some(&gb)).unwrap().as_str(),
            "+442079460018"
        );
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
    fn literal_region_has_no_trunk_prefix_rules() {
        let meta = phonenumber::metadata::DATABASE
            .by_id(LITERAL_REGION.as_ref())
            .unwrap();
        assert!(meta.national_prefix().is_none());
        assert!(meta.national_prefix_for_parsing().is_none());
        assert!(meta.national_prefix_transform_rule().is_none());
    }

    #[test]
    fn every_country_is_a_safe_default_region() {
        // Some ISO countries (AQ, BV, HM, XK, ...) have no telephone metadata.
        for code in crate::identifiers::country::all_alpha2() {
            let region = country(code).unwrap();
            for raw in ["030 123456", "0049 30 123456", "+49 30 123456", "123"] {
                let _ = phone_number(raw, Some(&region));
            }
        }
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
