//! Properties of the identifier parsers on generated input, beside the unit tests in
//! `identifiers`: generated valid identifiers (random digits with computed check digits)
//! re-parse to themselves and keep their canonical value under the spacing, case and
//! separator variations sources write; arbitrary text in any identifier field never panics
//! the key recipe, and every refusal names the field it came from.

use matcher::identifiers::{
    aircraft_registration, container_number, country, iban, imo_number, lei, phone_number,
    reference_number,
};
use matcher::keys::{self, KeyOptions};
use matcher::subject::{
    Account, Category, DocumentKind, IdentityDocument, LegalEntity, Person, Record, Subject,
    TaxNumber,
};
use proptest::prelude::*;

/// ISO 7064 MOD 97-10 check digits for `body` (letters count 10..=35), as IBAN and LEI use.
fn mod97_check(body: &str) -> u32 {
    let rem = body.bytes().fold(0u64, |acc, b| {
        if b.is_ascii_digit() {
            (acc * 10 + u64::from(b - b'0')) % 97
        } else {
            (acc * 100 + u64::from(b - b'A') + 10) % 97
        }
    });
    98 - ((rem * 100) % 97) as u32
}

/// A German IBAN with the given 18-digit BBAN and correct check digits.
fn german_iban(bban: &str) -> String {
    let check = mod97_check(&format!("{bban}DE"));
    format!("DE{check:02}{bban}")
}

/// A LEI with the given 18-character body and correct check digits.
fn make_lei(body: &str) -> String {
    format!("{body}{:02}", mod97_check(body))
}

/// An IMO number with the given six digits and its check digit.
fn make_imo(six: &str) -> String {
    let sum: u32 = six
        .bytes()
        .zip((2..=7).rev())
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    format!("{six}{}", sum % 10)
}

/// An ISO 6346 container number with the given owner code (three letters + `U`) and serial,
/// and its check digit (letters valued 10..=38 skipping multiples of 11, weights 2^i).
fn make_container(owner: &str, serial: &str) -> String {
    let value = |c: u8| -> u32 {
        if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            let mut v = 10;
            for _ in b'A'..c {
                v += 1;
                if v % 11 == 0 {
                    v += 1;
                }
            }
            v
        }
    };
    let body = format!("{owner}{serial}");
    let sum: u32 = body.bytes().enumerate().map(|(i, c)| value(c) << i).sum();
    format!("{body}{}", sum % 11 % 10)
}

/// `value` with, before character `i`, the separator `seps[i]` (none where it is `None`), and
/// the case of ASCII letters flipped where `flips[i]` is set.
fn vary(value: &str, seps: &[Option<&str>], flips: &[bool]) -> String {
    let mut out = String::new();
    for (i, c) in value.chars().enumerate() {
        if i > 0 {
            if let Some(Some(s)) = seps.get(i) {
                out.push_str(s);
            }
        }
        if flips.get(i).copied().unwrap_or(false) {
            out.push(if c.is_ascii_uppercase() {
                c.to_ascii_lowercase()
            } else {
                c.to_ascii_uppercase()
            });
        } else {
            out.push(c);
        }
    }
    out
}

/// Separators between characters: mostly none, sometimes one of `choices`.
fn separators(
    choices: &'static [&'static str],
) -> impl Strategy<Value = Vec<Option<&'static str>>> {
    proptest::collection::vec(
        prop_oneof![3 => Just(None), 1 => proptest::sample::select(choices).prop_map(Some)],
        40,
    )
}

const WHITE_SPACE: &[&str] = &[" ", "  ", "\t"];
const SPACE: &[&str] = &[" "];
const SPACE_OR_HYPHEN: &[&str] = &[" ", "-"];
const CONTAINER_SEPARATORS: &[&str] = &[" ", "-", "/"];
const REFERENCE_SEPARATORS: &[&str] = &[" ", "-", ".", "/", "\u{2013}", "\u{00B7}"];
const PHONE_SEPARATORS: &[&str] = &[" ", "-", "."];
const IMO_PREFIXES: &[&str] = &["", "IMO ", "imo", "IMO:", "Imo.", "IMO-", "imo #"];

/// The field paths that the recipe reports for the identifier fields of [`person_with`].
const PERSON_FIELDS: &[&str] = &[
    "person.birth_date",
    "person.birth_country",
    "person.nationalities[0]",
    "person.documents[0].number",
    "person.documents[0].country",
    "person.tax_numbers[0].number",
    "person.tax_numbers[0].country",
    "person.phones[0]",
    "person.emails[0]",
];

/// A person whose identifier fields hold `v[0]`..`v[8]`, in the order of [`PERSON_FIELDS`].
fn person_with(v: &[String]) -> Subject {
    Subject {
        local_ref: "P-1".into(),
        category: Category::Suspect,
        expires: None,
        record: Record::Person(Person {
            given_name: Some("Jane".into()),
            family_name: Some("Doe".into()),
            birth_date: Some(v[0].clone()),
            birth_country: Some(v[1].clone()),
            nationalities: vec![v[2].clone()],
            documents: vec![IdentityDocument {
                kind: DocumentKind::Passport,
                number: v[3].clone(),
                country: Some(v[4].clone()),
            }],
            tax_numbers: vec![TaxNumber {
                number: v[5].clone(),
                country: Some(v[6].clone()),
            }],
            phones: vec![v[7].clone()],
            emails: vec![v[8].clone()],
            ..Person::default()
        }),
    }
}

/// Text that looks like identifiers often enough to pass some validators.
fn field_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ +0-9A-Za-z./:@-]{0,30}",
        "[A-Za-z]{2,3}",
        "[0-9]{1,4}[./-][0-9]{1,2}[./-][0-9]{1,4}",
        Just(String::new()),
        Just("   ".to_owned()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn generated_ibans_are_stable_under_spacing_and_case(
        bban in "[0-9]{18}",
        seps in separators(WHITE_SPACE),
        flips in proptest::collection::vec(any::<bool>(), 40),
    ) {
        let raw = german_iban(&bban);
        let parsed = iban(&raw).expect("a generated IBAN is valid");
        prop_assert_eq!(parsed.as_str(), raw.as_str());
        prop_assert_eq!(iban(parsed.as_str()), Ok(parsed.clone()));
        prop_assert_eq!(iban(&vary(&raw, &seps, &flips)), Ok(parsed));
    }

    #[test]
    fn generated_leis_are_stable_under_spacing_and_case(
        body in "[0-9A-Z]{18}",
        seps in separators(SPACE),
        flips in proptest::collection::vec(any::<bool>(), 40),
    ) {
        let raw = make_lei(&body);
        let parsed = lei(&raw).expect("a generated LEI is valid");
        prop_assert_eq!(lei(parsed.as_str()), Ok(parsed.clone()));
        prop_assert_eq!(lei(&vary(&raw, &seps, &flips)), Ok(parsed));
    }

    #[test]
    fn generated_imo_numbers_are_stable_under_prefix_and_separators(
        six in "[0-9]{6}",
        prefix in proptest::sample::select(IMO_PREFIXES),
        seps in separators(SPACE_OR_HYPHEN),
    ) {
        let raw = make_imo(&six);
        let parsed = imo_number(&raw).expect("a generated IMO number is valid");
        prop_assert_eq!(parsed.as_str(), raw.as_str());
        prop_assert_eq!(imo_number(parsed.as_str()), Ok(parsed.clone()));
        let written = format!("{prefix}{}", vary(&raw, &seps, &[]));
        prop_assert_eq!(imo_number(&written), Ok(parsed));
    }

    #[test]
    fn generated_container_numbers_are_stable_under_separators_and_case(
        owner in "[A-Z]{3}",
        serial in "[0-9]{6}",
        seps in separators(CONTAINER_SEPARATORS),
        flips in proptest::collection::vec(any::<bool>(), 40),
    ) {
        let raw = make_container(&format!("{owner}U"), &serial);
        let parsed = container_number(&raw).expect("a generated container number is valid");
        prop_assert_eq!(parsed.as_str(), raw.as_str());
        prop_assert_eq!(container_number(parsed.as_str()), Ok(parsed.clone()));
        prop_assert_eq!(container_number(&vary(&raw, &seps, &flips)), Ok(parsed));
    }

    #[test]
    fn aircraft_marks_are_stable_under_hyphens_spaces_and_case(
        mark in "[A-Z][A-Z0-9]{1,6}",
        seps in separators(SPACE_OR_HYPHEN),
        flips in proptest::collection::vec(any::<bool>(), 40),
    ) {
        let parsed = aircraft_registration(&mark).expect("a letter and 1 to 6 more is a mark");
        prop_assert_eq!(parsed.as_str(), mark.as_str());
        prop_assert_eq!(aircraft_registration(&vary(&mark, &seps, &flips)), Ok(parsed));
    }

    #[test]
    fn reference_numbers_are_stable_under_readability_separators(
        number in "[0-9A-Z]{1,20}",
        seps in separators(REFERENCE_SEPARATORS),
        flips in proptest::collection::vec(any::<bool>(), 40),
    ) {
        let parsed = reference_number("document number", &number)
            .expect("letters and digits are a reference number");
        prop_assert_eq!(
            reference_number("document number", parsed.as_str()),
            Ok(parsed.clone())
        );
        prop_assert_eq!(
            reference_number("document number", &vary(&number, &seps, &flips)),
            Ok(parsed)
        );
    }

    #[test]
    fn country_codes_are_stable_under_case_white_space_and_alpha3(
        index in 0usize..4,
        flips in proptest::collection::vec(any::<bool>(), 3),
        left in "[ \t]{0,3}",
        right in "[ \t\n]{0,3}",
    ) {
        let (alpha2, alpha3) = [("DE", "DEU"), ("FR", "FRA"), ("GB", "GBR"), ("BR", "BRA")][index];
        let canonical = country(alpha2).expect("a country");
        prop_assert_eq!(canonical.as_str(), alpha2);
        for written in [alpha2, alpha3] {
            let raw = format!("{left}{}{right}", vary(written, &[], &flips));
            prop_assert_eq!(country(&raw), Ok(canonical));
        }
    }

    #[test]
    fn phone_numbers_are_stable_under_written_forms(
        subscriber in "[1-9][0-9]{5,6}",
        seps in separators(PHONE_SEPARATORS),
    ) {
        // Berlin numbers: +49 30 followed by 6 to 7 digits.
        let de = country("DE").ok();
        let canonical = phone_number(&format!("+4930{subscriber}"), None);
        prop_assume!(canonical.is_ok());
        let spaced = vary(&subscriber, &seps, &[]);
        for written in [
            format!("+49 30 {spaced}"),
            format!("+49-30-{spaced}"),
            format!("+49 (0)30 {spaced}"),
            format!("0049 30 {spaced}"),
            format!("030 {spaced}"),
            format!("(030) {spaced}"),
        ] {
            prop_assert_eq!(&phone_number(&written, de.as_ref()), &canonical, "{}", written);
        }
    }

    #[test]
    fn every_refused_identifier_names_its_field(
        values in proptest::collection::vec(field_text(), PERSON_FIELDS.len()),
    ) {
        let subject = person_with(&values);
        let derived = keys::derive(&subject, &KeyOptions::default());
        for refused in &derived.refused {
            prop_assert!(
                PERSON_FIELDS.contains(&refused.field.as_str()),
                "refusal names an unknown field: {}", refused.field
            );
            let shown = refused.to_string();
            let expected = format!("field `{}` ", refused.field);
            prop_assert!(shown.starts_with(&expected), "{}", shown);
        }
        let named = |field: &str| derived.refused.iter().any(|r| r.field == field);
        let blank = |s: &str| s.trim().is_empty();
        // Each value a validator refuses on its own is refused under its own path.
        let checks: [(usize, bool); 9] = [
            (0, !blank(&values[0]) && matcher::identifiers::date(&values[0]).is_err()),
            (1, !blank(&values[1]) && country(&values[1]).is_err()),
            (2, !blank(&values[2]) && country(&values[2]).is_err()),
            (3, reference_number("document number", &values[3]).is_err()),
            (4, blank(&values[4]) || country(&values[4]).is_err()),
            (5, reference_number("tax number", &values[5]).is_err()),
            (6, blank(&values[6]) || country(&values[6]).is_err()),
            (7, phone_number(&values[7], None).is_err()),
            (8, matcher::identifiers::email(&values[8]).is_err()),
        ];
        for (i, refused) in checks {
            prop_assert_eq!(named(PERSON_FIELDS[i]), refused, "{}", PERSON_FIELDS[i]);
        }
    }

    #[test]
    fn entities_and_accounts_with_arbitrary_text_never_panic(
        values in proptest::collection::vec(field_text(), 9),
    ) {
        let entity = Subject {
            local_ref: "E-1".into(),
            category: Category::Suspect,
            expires: None,
            record: Record::Entity(LegalEntity {
                name: values[0].clone(),
                aliases: vec![values[1].clone()],
                legal_form: Some(values[2].clone()),
                registration_number: Some(values[3].clone()),
                registration_country: Some(values[4].clone()),
                lei: Some(values[5].clone()),
                ..LegalEntity::default()
            }),
        };
        let account = Subject {
            local_ref: "A-1".into(),
            category: Category::Suspect,
            expires: None,
            record: Record::Account(Account {
                iban: None,
                number: Some(values[6].clone()),
                institution: Some(values[7].clone()),
                country: Some(values[8].clone()),
                holder: None,
            }),
        };
        for subject in [entity, account] {
            let derived = keys::derive(&subject, &KeyOptions::default());
            for refused in &derived.refused {
                let prefix = subject.record.type_name();
                prop_assert!(refused.field.starts_with(prefix), "{}", refused.field);
            }
        }
    }
}
