//! The subject model: what an FIU knows about a person, company, account, wallet, vessel,
//! aircraft, container, phone or e-mail address, as it arrives from the case system.
//!
//! Values here are *raw*: exactly what the source said. Validation and canonical forms live in
//! [`crate::identifiers`] and [`crate::names`]; [`crate::keys`] turns a subject into match keys
//! and reports every value that fails validation by its field path (for instance
//! `person.documents[1].number`). Keeping the raw model separate means an importer never has
//! to guess a canonical form, and a refused value can be shown to the operator against the
//! field it came from.
//!
//! The JSON form (one subject per line in the node's JSON-lines import) is the serde form of
//! [`Subject`]: the subject type sits in a `"type"` field beside the common fields, e.g.
//! `{"local_ref":"STR-1","category":"suspect","type":"account","iban":"DE89 3704 0044 0532 0130 00"}`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One subject of the local FIU: common fields plus the typed record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// The FIU's own reference (report, case or party id). Stays local; it identifies the
    /// subject to the local investigator and in the audit log, never to a peer.
    pub local_ref: String,
    /// Data-subject category: decides, by policy, whether the subject enters shared filters.
    pub category: Category,
    /// After this date the subject stops matching (retention).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<NaiveDate>,
    /// The typed record.
    #[serde(flatten)]
    pub record: Record,
}

/// Data-subject category, as data-protection law distinguishes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// The subject of the suspicion.
    Suspect,
    /// Connected to a suspect (co-signatory, director, counterparty of interest).
    Associate,
    /// Harmed by the suspected activity.
    Victim,
    /// Named as a witness.
    Witness,
    /// Anything else the source records.
    Other,
}

impl Category {
    /// All categories, in a stable order.
    pub const ALL: [Category; 5] = [
        Category::Suspect,
        Category::Associate,
        Category::Victim,
        Category::Witness,
        Category::Other,
    ];

    /// The snake_case name used in JSON, CSV and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Suspect => "suspect",
            Category::Associate => "associate",
            Category::Victim => "victim",
            Category::Witness => "witness",
            Category::Other => "other",
        }
    }
}

/// The typed part of a subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    /// A natural person.
    Person(Person),
    /// A company, association, trust or other legal entity.
    Entity(LegalEntity),
    /// A bank or payment account.
    Account(Account),
    /// A crypto-asset wallet.
    Wallet(Wallet),
    /// A ship, by IMO number.
    Vessel(Vessel),
    /// An aircraft, by registration mark.
    Aircraft(Aircraft),
    /// A freight container, by ISO 6346 number.
    Container(Container),
    /// A telephone number on its own.
    Phone(Phone),
    /// An e-mail address on its own.
    Email(Email),
}

impl Record {
    /// The record type's snake_case name (`person`, `entity`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Record::Person(_) => "person",
            Record::Entity(_) => "entity",
            Record::Account(_) => "account",
            Record::Wallet(_) => "wallet",
            Record::Vessel(_) => "vessel",
            Record::Aircraft(_) => "aircraft",
            Record::Container(_) => "container",
            Record::Phone(_) => "phone",
            Record::Email(_) => "email",
        }
    }
}

/// A natural person.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Person {
    /// Given (first) name or names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Middle name or names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// Family name (surname), including particles and second surnames.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Other full names the person is known by, each written in full.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// The full name in its original script (Cyrillic, Arabic, Greek, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_script_name: Option<String>,
    /// Date of birth: full (`1980-03-14`), year and month, or year only, in any common
    /// written form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// Place (town) of birth.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_place: Option<String>,
    /// Country of birth (ISO 3166 alpha-2 or alpha-3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_country: Option<String>,
    /// Nationalities (ISO 3166 alpha-2 or alpha-3).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nationalities: Vec<String>,
    /// Identity documents.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<IdentityDocument>,
    /// Tax identification numbers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tax_numbers: Vec<TaxNumber>,
    /// Postal addresses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<Address>,
    /// Telephone numbers, in any written form.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<String>,
    /// E-mail addresses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<String>,
}

/// An identity document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityDocument {
    /// What kind of document it is.
    #[serde(default)]
    pub kind: DocumentKind,
    /// The document number as written.
    pub number: String,
    /// Issuing country (ISO 3166 alpha-2 or alpha-3). Without it the document cannot form a
    /// strong key, since numbers repeat across countries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// Kinds of identity document.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// Passport.
    Passport,
    /// National identity card.
    NationalId,
    /// Driving licence.
    DrivingLicence,
    /// Residence permit.
    ResidencePermit,
    /// Any other document.
    #[default]
    Other,
}

/// A tax identification or VAT number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxNumber {
    /// The number as written.
    pub number: String,
    /// Issuing country (ISO 3166 alpha-2 or alpha-3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// A postal address. Kept for the local investigator; not used in match keys in format 1.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Address {
    /// Street and number, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    /// Town or city.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    /// Country (ISO 3166 alpha-2 or alpha-3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// A legal entity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LegalEntity {
    /// Registered or trading name.
    pub name: String,
    /// Other names (trading names, former names).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Legal form as written (`GmbH`, `Ltd`, `S.A.`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_form: Option<String>,
    /// Company-register number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_number: Option<String>,
    /// Country of the register (ISO 3166 alpha-2 or alpha-3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_country: Option<String>,
    /// Legal Entity Identifier (ISO 17442).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lei: Option<String>,
    /// Tax or VAT numbers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tax_numbers: Vec<TaxNumber>,
    /// Registered and business addresses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<Address>,
    /// Telephone numbers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<String>,
    /// E-mail addresses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<String>,
}

/// A bank or payment account: an IBAN, or a national account number with its institution.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Account {
    /// International Bank Account Number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iban: Option<String>,
    /// National account number, where there is no IBAN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// The institution: a BIC, or a national bank code (sort code, routing number).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub institution: Option<String>,
    /// Country of the institution (ISO 3166 alpha-2 or alpha-3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The holder's name as the source gives it (for the local investigator only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
}

/// A crypto-asset wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wallet {
    /// The chain (`bitcoin`, `ethereum`, or another chain's name or ticker).
    pub chain: String,
    /// The address as written.
    pub address: String,
}

/// A ship.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vessel {
    /// IMO ship identification number (7 digits, with or without the `IMO` prefix).
    pub imo: String,
    /// The vessel's name (local display only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// An aircraft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Aircraft {
    /// Registration mark (tail number), e.g. `D-ABCD`, `N12345`.
    pub registration: String,
}

/// A freight container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Container {
    /// ISO 6346 container number, e.g. `CSQU 305438 3`.
    pub number: String,
}

/// A telephone number as a subject of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phone {
    /// The number in any written form; converted to E.164.
    pub number: String,
}

/// An e-mail address as a subject of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    /// The address.
    pub address: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_form_puts_the_type_beside_the_common_fields() {
        let json = r#"{"local_ref":"STR-1","category":"suspect","expires":"2030-01-31",
            "type":"account","iban":"DE89 3704 0044 0532 0130 00"}"#;
        let subject: Subject = serde_json::from_str(json).expect("valid subject JSON");
        assert_eq!(subject.local_ref, "STR-1");
        assert_eq!(subject.category, Category::Suspect);
        assert_eq!(subject.expires, NaiveDate::from_ymd_opt(2030, 1, 31));
        match &subject.record {
            Record::Account(a) => {
                assert_eq!(a.iban.as_deref(), Some("DE89 3704 0044 0532 0130 00"))
            }
            other => panic!("expected an account, got {}", other.type_name()),
        }
        let back: Subject =
            serde_json::from_str(&serde_json::to_string(&subject).unwrap()).unwrap();
        assert_eq!(back, subject);
    }

    #[test]
    fn unknown_type_and_category_are_refused_by_name() {
        let err = serde_json::from_str::<Subject>(
            r#"{"local_ref":"x","category":"suspect","type":"spaceship"}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("spaceship"), "{err}");
        let err = serde_json::from_str::<Subject>(
            r#"{"local_ref":"x","category":"villain","type":"phone","number":"1"}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("villain"), "{err}");
    }
}
