//! Subjects as an FIU's case system would send them.

use matcher::subject::{Account, DocumentKind, IdentityDocument, LegalEntity, Person};
use matcher::{Category, Record, Subject};

/// A suspect person with a given and family name and a full date of birth, as written.
pub fn person(local_ref: &str, given: &str, family: &str, birth_date: &str) -> Subject {
    Subject {
        local_ref: local_ref.into(),
        category: Category::Suspect,
        expires: None,
        record: Record::Person(Person {
            given_name: Some(given.into()),
            family_name: Some(family.into()),
            birth_date: Some(birth_date.into()),
            ..Person::default()
        }),
    }
}

/// `subject` (a person) with a passport issued by `country`.
pub fn with_passport(mut subject: Subject, number: &str, country: &str) -> Subject {
    let Record::Person(p) = &mut subject.record else {
        panic!("only a person has a passport");
    };
    p.documents.push(IdentityDocument {
        kind: DocumentKind::Passport,
        number: number.into(),
        country: Some(country.into()),
    });
    subject
}

/// A suspect bank account by IBAN.
pub fn account(local_ref: &str, iban: &str) -> Subject {
    Subject {
        local_ref: local_ref.into(),
        category: Category::Suspect,
        expires: None,
        record: Record::Account(Account {
            iban: Some(iban.into()),
            ..Account::default()
        }),
    }
}

/// A suspect legal entity by name and LEI.
pub fn entity(local_ref: &str, name: &str, lei: &str) -> Subject {
    Subject {
        local_ref: local_ref.into(),
        category: Category::Suspect,
        expires: None,
        record: Record::Entity(LegalEntity {
            name: name.into(),
            lei: Some(lei.into()),
            ..LegalEntity::default()
        }),
    }
}

/// A valid UK IBAN (bank `WEST`, sort code 123456) for account number `n` (< 10^8): many
/// distinct accounts that pass the mod-97 check.
pub fn gb_iban(n: u32) -> String {
    assert!(n < 100_000_000, "a UK account number has 8 digits");
    let bban = format!("WEST123456{n:08}");
    format!("GB{:02}{bban}", iban_check_digits("GB", &bban))
}

/// ISO 13616 check digits: 98 minus (BBAN, country, "00" as digits) mod 97.
fn iban_check_digits(country: &str, bban: &str) -> u32 {
    let rearranged = format!("{bban}{country}00");
    let mut rem = 0u32;
    for c in rearranged.chars() {
        let v = c.to_digit(36).expect("IBAN characters are alphanumeric");
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    98 - rem
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ibans_carry_valid_check_digits() {
        assert_eq!(gb_iban(98_765_432), "GB82WEST12345698765432");
        for n in [0, 1, 42, 99_999_999] {
            let iban = gb_iban(n);
            assert!(
                matcher::identifiers::iban(&iban).is_ok(),
                "{iban} is refused"
            );
        }
    }
}
