//! Conversions between the wire form (`v1::*`) and the matcher's model, so that a JSON-lines
//! subject and a gRPC subject are the same thing.
//!
//! From the matcher to the wire nothing can fail. From the wire to the matcher only what the
//! Rust type cannot hold is refused, with a [`ConvertError`] that names the field by the same
//! paths the matcher's validation uses (`record`, `expires`, `person.documents[1].kind`):
//! whether an identifier is *valid* is the matcher's question, asked later for both forms.
//! Errors never carry the refused value, which may be personal data.

use chrono::NaiveDate;
use matcher::hits::KeyedToken;
use matcher::keys::{KeyKind, Strength};
use matcher::subject as m;
use matcher::token::{TOKEN_LEN, Token};

use crate::v1;

/// Why a wire message could not become a matcher value. Each variant names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConvertError {
    /// A required field is absent (for instance `record`).
    #[error("{field}: missing")]
    Missing {
        /// Path of the field.
        field: String,
    },
    /// An enum field is 0 (`*_UNSPECIFIED`) where a value is required.
    #[error("{field}: not specified")]
    Unspecified {
        /// Path of the field.
        field: String,
    },
    /// An enum field holds a number this build does not know.
    #[error("{field}: unknown value {value}")]
    UnknownValue {
        /// Path of the field.
        field: String,
        /// The number received.
        value: i32,
    },
    /// A date is not a calendar date written `YYYY-MM-DD`.
    #[error("{field}: not a calendar date written YYYY-MM-DD")]
    BadDate {
        /// Path of the field.
        field: String,
    },
    /// A key-kind label names no key kind of this build.
    #[error("{field}: unknown key kind")]
    UnknownKeyKind {
        /// Path of the field.
        field: String,
    },
    /// A token is not exactly [`TOKEN_LEN`] bytes.
    #[error("{field}: a token has {TOKEN_LEN} bytes, found {found}")]
    BadTokenLength {
        /// Path of the field.
        field: String,
        /// The length received.
        found: usize,
    },
}

impl ConvertError {
    /// The path of the field the error concerns.
    pub fn field(&self) -> &str {
        match self {
            ConvertError::Missing { field }
            | ConvertError::Unspecified { field }
            | ConvertError::UnknownValue { field, .. }
            | ConvertError::BadDate { field }
            | ConvertError::UnknownKeyKind { field }
            | ConvertError::BadTokenLength { field, .. } => field,
        }
    }

    /// The error as a wire `FieldError` for record `record_index` of a call.
    pub fn to_field_error(&self, record_index: u64, local_ref: &str) -> v1::FieldError {
        let full = self.to_string();
        // The reason is the message without its leading "field: ".
        let reason = full
            .strip_prefix(self.field())
            .and_then(|r| r.strip_prefix(": "))
            .unwrap_or(&full)
            .to_owned();
        v1::FieldError {
            record_index,
            local_ref: local_ref.to_owned(),
            field: self.field().to_owned(),
            reason,
            location: String::new(),
            // A record whose structure does not convert is refused whole.
            record_refused: true,
        }
    }
}

// ---- Subject -------------------------------------------------------------------------------

impl From<&m::Subject> for v1::Subject {
    fn from(s: &m::Subject) -> Self {
        v1::Subject {
            local_ref: s.local_ref.clone(),
            category: v1::Category::from(s.category) as i32,
            expires: s.expires.map(|d| d.format("%Y-%m-%d").to_string()),
            record: Some(v1::subject::Record::from(&s.record)),
        }
    }
}

impl TryFrom<v1::Subject> for m::Subject {
    type Error = ConvertError;

    fn try_from(s: v1::Subject) -> Result<Self, ConvertError> {
        let record = s.record.ok_or_else(|| ConvertError::Missing {
            field: "record".into(),
        })?;
        Ok(m::Subject {
            local_ref: s.local_ref,
            category: category_from_wire(s.category, "category")?,
            expires: s
                .expires
                .as_deref()
                .map(|d| parse_date(d, "expires"))
                .transpose()?,
            record: m::Record::try_from(record)?,
        })
    }
}

impl From<m::Category> for v1::Category {
    fn from(c: m::Category) -> Self {
        match c {
            m::Category::Suspect => v1::Category::Suspect,
            m::Category::Associate => v1::Category::Associate,
            m::Category::Victim => v1::Category::Victim,
            m::Category::Witness => v1::Category::Witness,
            m::Category::Other => v1::Category::Other,
        }
    }
}

/// The matcher category of a wire enum value; `field` names it in errors.
pub fn category_from_wire(value: i32, field: &str) -> Result<m::Category, ConvertError> {
    match v1::Category::try_from(value) {
        Ok(v1::Category::Unspecified) => Err(ConvertError::Unspecified {
            field: field.into(),
        }),
        Ok(v1::Category::Suspect) => Ok(m::Category::Suspect),
        Ok(v1::Category::Associate) => Ok(m::Category::Associate),
        Ok(v1::Category::Victim) => Ok(m::Category::Victim),
        Ok(v1::Category::Witness) => Ok(m::Category::Witness),
        Ok(v1::Category::Other) => Ok(m::Category::Other),
        Err(_) => Err(ConvertError::UnknownValue {
            field: field.into(),
            value,
        }),
    }
}

/// Parses exactly `YYYY-MM-DD` (chrono alone would also take `2030-1-5` or `+2030-01-05`).
fn parse_date(s: &str, field: &str) -> Result<NaiveDate, ConvertError> {
    let b = s.as_bytes();
    let shape_ok = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    shape_ok
        .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| ConvertError::BadDate {
            field: field.into(),
        })
}

// ---- Records -------------------------------------------------------------------------------

impl From<&m::Record> for v1::subject::Record {
    fn from(r: &m::Record) -> Self {
        use v1::subject::Record as W;
        match r {
            m::Record::Person(p) => W::Person(person_to_wire(p)),
            m::Record::Entity(e) => W::Entity(v1::LegalEntity {
                name: e.name.clone(),
                aliases: e.aliases.clone(),
                legal_form: e.legal_form.clone(),
                registration_number: e.registration_number.clone(),
                registration_country: e.registration_country.clone(),
                lei: e.lei.clone(),
                tax_numbers: e.tax_numbers.iter().map(tax_to_wire).collect(),
                addresses: e.addresses.iter().map(address_to_wire).collect(),
                phones: e.phones.clone(),
                emails: e.emails.clone(),
            }),
            m::Record::Account(a) => W::Account(v1::Account {
                iban: a.iban.clone(),
                number: a.number.clone(),
                institution: a.institution.clone(),
                country: a.country.clone(),
                holder: a.holder.clone(),
            }),
            m::Record::Wallet(w) => W::Wallet(v1::Wallet {
                chain: w.chain.clone(),
                address: w.address.clone(),
            }),
            m::Record::Vessel(v) => W::Vessel(v1::Vessel {
                imo: v.imo.clone(),
                name: v.name.clone(),
            }),
            m::Record::Aircraft(a) => W::Aircraft(v1::Aircraft {
                registration: a.registration.clone(),
            }),
            m::Record::Container(c) => W::Container(v1::Container {
                number: c.number.clone(),
            }),
            m::Record::Phone(p) => W::Phone(v1::Phone {
                number: p.number.clone(),
            }),
            m::Record::Email(e) => W::Email(v1::Email {
                address: e.address.clone(),
            }),
        }
    }
}

impl TryFrom<v1::subject::Record> for m::Record {
    type Error = ConvertError;

    fn try_from(r: v1::subject::Record) -> Result<Self, ConvertError> {
        use v1::subject::Record as W;
        Ok(match r {
            W::Person(p) => m::Record::Person(person_from_wire(p)?),
            W::Entity(e) => m::Record::Entity(m::LegalEntity {
                name: e.name,
                aliases: e.aliases,
                legal_form: e.legal_form,
                registration_number: e.registration_number,
                registration_country: e.registration_country,
                lei: e.lei,
                tax_numbers: e.tax_numbers.into_iter().map(tax_from_wire).collect(),
                addresses: e.addresses.into_iter().map(address_from_wire).collect(),
                phones: e.phones,
                emails: e.emails,
            }),
            W::Account(a) => m::Record::Account(m::Account {
                iban: a.iban,
                number: a.number,
                institution: a.institution,
                country: a.country,
                holder: a.holder,
            }),
            W::Wallet(w) => m::Record::Wallet(m::Wallet {
                chain: w.chain,
                address: w.address,
            }),
            W::Vessel(v) => m::Record::Vessel(m::Vessel {
                imo: v.imo,
                name: v.name,
            }),
            W::Aircraft(a) => m::Record::Aircraft(m::Aircraft {
                registration: a.registration,
            }),
            W::Container(c) => m::Record::Container(m::Container { number: c.number }),
            W::Phone(p) => m::Record::Phone(m::Phone { number: p.number }),
            W::Email(e) => m::Record::Email(m::Email { address: e.address }),
        })
    }
}

fn person_to_wire(p: &m::Person) -> v1::Person {
    v1::Person {
        given_name: p.given_name.clone(),
        middle_name: p.middle_name.clone(),
        family_name: p.family_name.clone(),
        aliases: p.aliases.clone(),
        original_script_name: p.original_script_name.clone(),
        birth_date: p.birth_date.clone(),
        birth_place: p.birth_place.clone(),
        birth_country: p.birth_country.clone(),
        nationalities: p.nationalities.clone(),
        documents: p
            .documents
            .iter()
            .map(|d| v1::IdentityDocument {
                kind: document_kind_to_wire(d.kind) as i32,
                number: d.number.clone(),
                country: d.country.clone(),
            })
            .collect(),
        tax_numbers: p.tax_numbers.iter().map(tax_to_wire).collect(),
        addresses: p.addresses.iter().map(address_to_wire).collect(),
        phones: p.phones.clone(),
        emails: p.emails.clone(),
    }
}

fn person_from_wire(p: v1::Person) -> Result<m::Person, ConvertError> {
    let documents = p
        .documents
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            Ok(m::IdentityDocument {
                kind: document_kind_from_wire(d.kind, &format!("person.documents[{i}].kind"))?,
                number: d.number,
                country: d.country,
            })
        })
        .collect::<Result<_, ConvertError>>()?;
    Ok(m::Person {
        given_name: p.given_name,
        middle_name: p.middle_name,
        family_name: p.family_name,
        aliases: p.aliases,
        original_script_name: p.original_script_name,
        birth_date: p.birth_date,
        birth_place: p.birth_place,
        birth_country: p.birth_country,
        nationalities: p.nationalities,
        documents,
        tax_numbers: p.tax_numbers.into_iter().map(tax_from_wire).collect(),
        addresses: p.addresses.into_iter().map(address_from_wire).collect(),
        phones: p.phones,
        emails: p.emails,
    })
}

fn document_kind_to_wire(k: m::DocumentKind) -> v1::DocumentKind {
    match k {
        m::DocumentKind::Passport => v1::DocumentKind::Passport,
        m::DocumentKind::NationalId => v1::DocumentKind::NationalId,
        m::DocumentKind::DrivingLicence => v1::DocumentKind::DrivingLicence,
        m::DocumentKind::ResidencePermit => v1::DocumentKind::ResidencePermit,
        m::DocumentKind::Other => v1::DocumentKind::Other,
    }
}

/// Unspecified reads as `Other`, as a JSON subject without `kind` does.
fn document_kind_from_wire(value: i32, field: &str) -> Result<m::DocumentKind, ConvertError> {
    match v1::DocumentKind::try_from(value) {
        Ok(v1::DocumentKind::Passport) => Ok(m::DocumentKind::Passport),
        Ok(v1::DocumentKind::NationalId) => Ok(m::DocumentKind::NationalId),
        Ok(v1::DocumentKind::DrivingLicence) => Ok(m::DocumentKind::DrivingLicence),
        Ok(v1::DocumentKind::ResidencePermit) => Ok(m::DocumentKind::ResidencePermit),
        Ok(v1::DocumentKind::Other | v1::DocumentKind::Unspecified) => Ok(m::DocumentKind::Other),
        Err(_) => Err(ConvertError::UnknownValue {
            field: field.into(),
            value,
        }),
    }
}

fn tax_to_wire(t: &m::TaxNumber) -> v1::TaxNumber {
    v1::TaxNumber {
        number: t.number.clone(),
        country: t.country.clone(),
    }
}

fn tax_from_wire(t: v1::TaxNumber) -> m::TaxNumber {
    m::TaxNumber {
        number: t.number,
        country: t.country,
    }
}

fn address_to_wire(a: &m::Address) -> v1::Address {
    v1::Address {
        street: a.street.clone(),
        city: a.city.clone(),
        postcode: a.postcode.clone(),
        country: a.country.clone(),
    }
}

fn address_from_wire(a: v1::Address) -> m::Address {
    m::Address {
        street: a.street,
        city: a.city,
        postcode: a.postcode,
        country: a.country,
    }
}

// ---- Hits and tokens -----------------------------------------------------------------------

impl From<Strength> for v1::Strength {
    fn from(s: Strength) -> Self {
        match s {
            Strength::Weak => v1::Strength::Weak,
            Strength::Medium => v1::Strength::Medium,
            Strength::Strong => v1::Strength::Strong,
        }
    }
}

impl From<&KeyedToken> for v1::KeyedToken {
    fn from(t: &KeyedToken) -> Self {
        v1::KeyedToken {
            key_kind: t.kind.label().to_owned(),
            token: t.token.as_bytes().to_vec(),
        }
    }
}

/// The key kind a wire label names; `field` names the label in errors.
pub fn key_kind_from_label(label: &str, field: &str) -> Result<KeyKind, ConvertError> {
    KeyKind::from_label(label).ok_or_else(|| ConvertError::UnknownKeyKind {
        field: field.into(),
    })
}

/// The matcher's keyed token of a wire one; `field` is the path of `t` (for instance
/// `tokens[3]`), extended with `.key_kind` or `.token` in errors.
pub fn keyed_token_from_wire(t: &v1::KeyedToken, field: &str) -> Result<KeyedToken, ConvertError> {
    let kind = key_kind_from_label(&t.key_kind, &format!("{field}.key_kind"))?;
    let bytes: [u8; TOKEN_LEN] =
        t.token
            .as_slice()
            .try_into()
            .map_err(|_| ConvertError::BadTokenLength {
                field: format!("{field}.token"),
                found: t.token.len(),
            })?;
    Ok(KeyedToken {
        kind,
        token: Token::from_bytes(bytes),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn some(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    /// One subject of every record type, with every field set (so a field the conversion
    /// forgot shows up as a difference).
    fn every_record_type() -> Vec<m::Subject> {
        let address = m::Address {
            street: some("Hauptstr. 1"),
            city: some("Berlin"),
            postcode: some("10115"),
            country: some("DE"),
        };
        let records = vec![
            m::Record::Person(m::Person {
                given_name: some("Anna"),
                middle_name: some("Maria"),
                family_name: some("Schmidt"),
                aliases: strings(&["Anna Schmitt", "A. M. Schmidt"]),
                original_script_name: some("Анна Шмидт"),
                birth_date: some("1980-03-14"),
                birth_place: some("Leipzig"),
                birth_country: some("DE"),
                nationalities: strings(&["DE", "AT"]),
                documents: vec![
                    m::IdentityDocument {
                        kind: m::DocumentKind::Passport,
                        number: "C01X00T47".into(),
                        country: some("DE"),
                    },
                    m::IdentityDocument {
                        kind: m::DocumentKind::NationalId,
                        number: "L01X00T47".into(),
                        country: None,
                    },
                    m::IdentityDocument {
                        kind: m::DocumentKind::DrivingLicence,
                        number: "B072RRE2I55".into(),
                        country: some("DE"),
                    },
                    m::IdentityDocument {
                        kind: m::DocumentKind::ResidencePermit,
                        number: "Y1234567".into(),
                        country: some("FR"),
                    },
                    m::IdentityDocument {
                        kind: m::DocumentKind::Other,
                        number: "X-1".into(),
                        country: None,
                    },
                ],
                tax_numbers: vec![m::TaxNumber {
                    number: "12345678901".into(),
                    country: some("DE"),
                }],
                addresses: vec![address.clone(), m::Address::default()],
                phones: strings(&["+49 30 1234567"]),
                emails: strings(&["anna@example.org"]),
            }),
            m::Record::Entity(m::LegalEntity {
                name: "Muster Handels GmbH".into(),
                aliases: strings(&["Muster Trading"]),
                legal_form: some("GmbH"),
                registration_number: some("HRB 12345"),
                registration_country: some("DE"),
                lei: some("5299000J2N45DDNE4Y28"),
                tax_numbers: vec![m::TaxNumber {
                    number: "DE123456789".into(),
                    country: None,
                }],
                addresses: vec![address],
                phones: strings(&["+49 30 7654321"]),
                emails: strings(&["info@muster.example"]),
            }),
            m::Record::Account(m::Account {
                iban: some("DE89 3704 0044 0532 0130 00"),
                number: some("0532013000"),
                institution: some("COBADEFFXXX"),
                country: some("DE"),
                holder: some("Anna Schmidt"),
            }),
            m::Record::Wallet(m::Wallet {
                chain: "bitcoin".into(),
                address: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq".into(),
            }),
            m::Record::Vessel(m::Vessel {
                imo: "IMO 9074729".into(),
                name: some("Ever Given"),
            }),
            m::Record::Aircraft(m::Aircraft {
                registration: "D-ABCD".into(),
            }),
            m::Record::Container(m::Container {
                number: "CSQU 305438 3".into(),
            }),
            m::Record::Phone(m::Phone {
                number: "+33 1 23 45 67 89".into(),
            }),
            m::Record::Email(m::Email {
                address: "someone@example.com".into(),
            }),
        ];
        records
            .into_iter()
            .zip(m::Category::ALL.iter().cycle())
            .enumerate()
            .map(|(i, (record, category))| m::Subject {
                local_ref: format!("STR-{i}"),
                category: *category,
                expires: (i % 2 == 0)
                    .then(|| NaiveDate::from_ymd_opt(2030, 1, 31 - i as u32))
                    .flatten(),
                record,
            })
            .collect()
    }

    #[test]
    fn every_record_type_round_trips() {
        let subjects = every_record_type();
        let mut seen: Vec<&str> = subjects.iter().map(|s| s.record.type_name()).collect();
        seen.dedup();
        assert_eq!(seen.len(), 9, "one subject per record type");
        for subject in subjects {
            let wire = v1::Subject::from(&subject);
            // Through the protobuf encoding too, as a subject travels.
            let decoded = <v1::Subject as prost::Message>::decode(
                prost::Message::encode_to_vec(&wire).as_slice(),
            )
            .expect("decodes what it encoded");
            assert_eq!(decoded, wire);
            let back = m::Subject::try_from(decoded).expect("a wire subject from a valid one");
            assert_eq!(back, subject, "{}", subject.record.type_name());
        }
    }

    #[test]
    fn the_json_form_and_the_wire_form_agree() {
        let json = r#"{"local_ref":"STR-1","category":"associate","expires":"2030-01-31",
            "type":"account","iban":"DE89 3704 0044 0532 0130 00"}"#;
        let from_json: m::Subject = serde_json::from_str(json).expect("valid subject JSON");
        let wire = v1::Subject {
            local_ref: "STR-1".into(),
            category: v1::Category::Associate as i32,
            expires: some("2030-01-31"),
            record: Some(v1::subject::Record::Account(v1::Account {
                iban: some("DE89 3704 0044 0532 0130 00"),
                ..Default::default()
            })),
        };
        assert_eq!(m::Subject::try_from(wire.clone()), Ok(from_json.clone()));
        assert_eq!(v1::Subject::from(&from_json), wire);
    }

    fn wire_phone() -> v1::Subject {
        v1::Subject {
            local_ref: "STR-9".into(),
            category: v1::Category::Suspect as i32,
            expires: None,
            record: Some(v1::subject::Record::Phone(v1::Phone {
                number: "+33 1 23 45 67 89".into(),
            })),
        }
    }

    #[test]
    fn a_missing_record_is_refused_by_name() {
        let mut s = wire_phone();
        s.record = None;
        let err = m::Subject::try_from(s).unwrap_err();
        assert_eq!(
            err,
            ConvertError::Missing {
                field: "record".into()
            }
        );
        let fe = err.to_field_error(4, "STR-9");
        assert_eq!(
            (
                fe.record_index,
                fe.local_ref.as_str(),
                fe.field.as_str(),
                fe.reason.as_str()
            ),
            (4, "STR-9", "record", "missing")
        );
    }

    #[test]
    fn a_bad_expiry_is_refused_by_name() {
        for bad in [
            "",
            "2030-02-30",
            "2030-1-05",
            "30-01-05",
            "2030/01/05",
            "+2030-01-05",
            "2030-01-05T00:00",
            "2030-13-01",
            "２０３０-01-05",
        ] {
            let mut s = wire_phone();
            s.expires = some(bad);
            assert_eq!(
                m::Subject::try_from(s),
                Err(ConvertError::BadDate {
                    field: "expires".into()
                }),
                "{bad:?}"
            );
        }
        let mut s = wire_phone();
        s.expires = some("2028-02-29");
        assert_eq!(
            m::Subject::try_from(s).map(|s| s.expires),
            Ok(NaiveDate::from_ymd_opt(2028, 2, 29))
        );
    }

    #[test]
    fn categories_must_be_known_and_specified() {
        let mut s = wire_phone();
        s.category = v1::Category::Unspecified as i32;
        assert_eq!(
            m::Subject::try_from(s),
            Err(ConvertError::Unspecified {
                field: "category".into()
            })
        );
        let mut s = wire_phone();
        s.category = 99;
        let err = m::Subject::try_from(s).unwrap_err();
        assert_eq!(
            err,
            ConvertError::UnknownValue {
                field: "category".into(),
                value: 99
            }
        );
        assert_eq!(err.to_string(), "category: unknown value 99");
    }

    #[test]
    fn document_kinds_default_to_other_and_unknown_ones_are_named() {
        let doc = |kind: i32| v1::Subject {
            record: Some(v1::subject::Record::Person(v1::Person {
                documents: vec![
                    v1::IdentityDocument {
                        kind: v1::DocumentKind::Passport as i32,
                        number: "1".into(),
                        country: None,
                    },
                    v1::IdentityDocument {
                        kind,
                        number: "2".into(),
                        country: None,
                    },
                ],
                ..Default::default()
            })),
            ..wire_phone()
        };
        let s = m::Subject::try_from(doc(0)).expect("unspecified kind is other");
        match s.record {
            m::Record::Person(p) => assert_eq!(p.documents[1].kind, m::DocumentKind::Other),
            other => panic!("expected a person, got {}", other.type_name()),
        }
        assert_eq!(
            m::Subject::try_from(doc(42)).unwrap_err().field(),
            "person.documents[1].kind"
        );
    }

    #[test]
    fn keyed_tokens_round_trip_and_bad_ones_are_named() {
        for kind in KeyKind::ALL {
            let t = KeyedToken {
                kind: *kind,
                token: Token::from_bytes([7; TOKEN_LEN]),
            };
            let wire = v1::KeyedToken::from(&t);
            assert_eq!(wire.key_kind, kind.label());
            assert_eq!(keyed_token_from_wire(&wire, "tokens[0]"), Ok(t));
        }
        let bad_kind = v1::KeyedToken {
            key_kind: "shoe_size".into(),
            token: vec![0; TOKEN_LEN],
        };
        assert_eq!(
            keyed_token_from_wire(&bad_kind, "tokens[2]")
                .unwrap_err()
                .field(),
            "tokens[2].key_kind"
        );
        let short = v1::KeyedToken {
            key_kind: "iban".into(),
            token: vec![0; TOKEN_LEN - 1],
        };
        assert_eq!(
            keyed_token_from_wire(&short, "tokens[0]"),
            Err(ConvertError::BadTokenLength {
                field: "tokens[0].token".into(),
                found: TOKEN_LEN - 1
            })
        );
    }

    #[test]
    fn strengths_map_one_to_one() {
        assert_eq!(v1::Strength::from(Strength::Weak), v1::Strength::Weak);
        assert_eq!(v1::Strength::from(Strength::Medium), v1::Strength::Medium);
        assert_eq!(v1::Strength::from(Strength::Strong), v1::Strength::Strong);
    }
}
