//! Identifier validators, name normalisers and the key recipe on arbitrary text.

use matcher::identifiers::{
    Chain, InvalidIdentifier, PartialDate, aircraft_registration, bic, container_number, country,
    date, email, iban, imo_number, lei, phone_number, reference_number, wallet_address,
};
use matcher::names::{entity_name, fold, legal_form, person_name, phonetic, skeleton};
use matcher::subject::{
    Account, Aircraft, Category, Container, DocumentKind, Email, IdentityDocument, LegalEntity,
    Person, Phone, Record, Subject, TaxNumber, Vessel, Wallet,
};

/// Input: a selector byte, then text (invalid UTF-8 replaced). The text goes through every
/// validator and normaliser; the selector also picks a record type, and the text's lines fill
/// its fields for the key recipe.
pub fn run(data: &[u8]) {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(bytes);
    validators(&text);
    names(&text);
    super::common::derive_all(&subject(which, &text));
}

/// Each validator either refuses the value or accepts it with a canonical form that
/// validates to the same value.
fn validators(raw: &str) {
    fn stable<T: PartialEq + std::fmt::Debug>(
        first: Result<T, InvalidIdentifier>,
        canonical: impl Fn(&T) -> String,
        again: impl Fn(&str) -> Result<T, InvalidIdentifier>,
    ) {
        match first {
            Ok(v) => assert_eq!(
                again(&canonical(&v)).as_ref(),
                Ok(&v),
                "canonical form unstable"
            ),
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
    stable(iban(raw), |v| v.as_str().to_owned(), iban);
    stable(bic(raw), |v| v.as_str().to_owned(), bic);
    stable(lei(raw), |v| v.as_str().to_owned(), lei);
    stable(
        container_number(raw),
        |v| v.as_str().to_owned(),
        container_number,
    );
    stable(imo_number(raw), |v| v.as_str().to_owned(), imo_number);
    stable(
        aircraft_registration(raw),
        |v| v.as_str().to_owned(),
        aircraft_registration,
    );
    stable(email(raw), |v| v.as_str().to_owned(), email);
    stable(country(raw), |v| v.as_str().to_owned(), country);
    stable(date(raw), PartialDate::iso, date);
    stable(Chain::parse(raw), |v| v.as_str().to_owned(), Chain::parse);
    stable(
        reference_number("document number", raw),
        |v| v.as_str().to_owned(),
        |s| reference_number("document number", s),
    );
    stable(
        phone_number(raw, None),
        |v| v.as_str().to_owned(),
        |s| phone_number(s, None),
    );
    let de = country("DE").ok();
    stable(
        phone_number(raw, de.as_ref()),
        |v| v.as_str().to_owned(),
        |s| phone_number(s, None),
    );
    // The text's first line names a chain, the rest is the address.
    let (chain, address) = raw.split_once('\n').unwrap_or(("btc", raw));
    for chain in [chain, "btc", "eth", "polygon", "solana"] {
        stable(
            wallet_address(chain, address),
            |v| v.as_str().to_owned(),
            |s| wallet_address(chain, s),
        );
    }
}

/// The normalisers' documented properties: `fold` is idempotent and yields `[a-z0-9 ]` with
/// single spaces; a normalised name normalises to itself.
fn names(raw: &str) {
    let once = fold(raw);
    assert_eq!(fold(&once), once, "fold is not idempotent");
    assert!(
        once.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b' '),
        "fold left a character outside [a-z0-9 ]"
    );
    assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
    let p = person_name(raw);
    assert_eq!(person_name(&p.joined()), p, "person name not stable");
    let e = entity_name(raw);
    assert_eq!(entity_name(&e.joined()), e, "entity name not stable");
    let _ = legal_form(raw);
    for token in p.tokens().iter().chain(e.tokens()) {
        let _ = phonetic(token);
        let _ = skeleton(token);
    }
    for word in once.split(' ') {
        let _ = phonetic(word);
        let _ = skeleton(word);
    }
}

/// A subject of the record type `which` selects, its fields filled from the lines of `text`.
fn subject(which: u8, text: &str) -> Subject {
    let mut lines = text.split('\n');
    let mut next = || lines.next().map(str::to_owned);
    let record = match which % 9 {
        0 => Record::Person(Person {
            given_name: next(),
            middle_name: next(),
            family_name: next(),
            aliases: next().into_iter().collect(),
            original_script_name: next(),
            birth_date: next(),
            birth_place: next(),
            birth_country: next(),
            nationalities: next().into_iter().collect(),
            documents: next()
                .map(|number| IdentityDocument {
                    kind: DocumentKind::Passport,
                    number,
                    country: next(),
                })
                .into_iter()
                .collect(),
            tax_numbers: next()
                .map(|number| TaxNumber {
                    number,
                    country: next(),
                })
                .into_iter()
                .collect(),
            addresses: Vec::new(),
            phones: next().into_iter().collect(),
            emails: next().into_iter().collect(),
        }),
        1 => Record::Entity(LegalEntity {
            name: next().unwrap_or_default(),
            aliases: next().into_iter().collect(),
            legal_form: next(),
            registration_number: next(),
            registration_country: next(),
            lei: next(),
            tax_numbers: next()
                .map(|number| TaxNumber {
                    number,
                    country: next(),
                })
                .into_iter()
                .collect(),
            addresses: Vec::new(),
            phones: next().into_iter().collect(),
            emails: next().into_iter().collect(),
        }),
        2 => Record::Account(Account {
            iban: next(),
            number: next(),
            institution: next(),
            country: next(),
            holder: next(),
        }),
        3 => Record::Wallet(Wallet {
            chain: next().unwrap_or_default(),
            address: next().unwrap_or_default(),
        }),
        4 => Record::Vessel(Vessel {
            imo: next().unwrap_or_default(),
            name: next(),
        }),
        5 => Record::Aircraft(Aircraft {
            registration: next().unwrap_or_default(),
        }),
        6 => Record::Container(Container {
            number: next().unwrap_or_default(),
        }),
        7 => Record::Phone(Phone {
            number: next().unwrap_or_default(),
        }),
        _ => Record::Email(Email {
            address: next().unwrap_or_default(),
        }),
    };
    Subject {
        local_ref: "fuzz".to_owned(),
        category: Category::Suspect,
        expires: None,
        record,
    }
}
