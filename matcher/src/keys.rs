//! Match keys: the normalised, typed byte strings that become tokens.
//!
//! A subject yields several keys. Exact keys come from strong identifiers (IBAN, LEI,
//! document number with issuing country, wallet, IMO number, ...). Composite keys come from
//! names and dates and are built to survive what real data does to a subject between two FIUs;
//! docs/PROTOCOL.md lists each kind, the bytes it is made of, what it tolerates and what it
//! costs in false hits.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How much a hit on one key kind says on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    /// Only adds confidence to a hit that other keys decide.
    Weak,
    /// Two medium kinds together decide a hit; one alone does not.
    Medium,
    /// Decides a hit alone: a strong identifier, or full name with full date of birth.
    Strong,
}

macro_rules! key_kinds {
    ($( $(#[$doc:meta])* $name:ident = $code:literal, $label:literal, $strength:ident; )*) => {
        /// The kind of a match key. Its code is part of the token's HMAC input (domain
        /// separation) and of the wire format; codes are never reused.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[non_exhaustive]
        pub enum KeyKind {
            $( $(#[$doc])* $name, )*
        }

        impl KeyKind {
            /// Every kind, in code order.
            pub const ALL: &'static [KeyKind] = &[ $( KeyKind::$name, )* ];

            /// The kind's wire and HMAC-domain code.
            pub fn code(self) -> u16 {
                match self { $( KeyKind::$name => $code, )* }
            }

            /// The kind's stable name, as shown to investigators and in the audit log.
            pub fn label(self) -> &'static str {
                match self { $( KeyKind::$name => $label, )* }
            }

            /// What a hit on this kind says on its own.
            pub fn strength(self) -> Strength {
                match self { $( KeyKind::$name => Strength::$strength, )* }
            }

            /// The kind with this code, if any.
            pub fn from_code(code: u16) -> Option<KeyKind> {
                match code { $( $code => Some(KeyKind::$name), )* _ => None }
            }

            /// The kind with this label, if any.
            pub fn from_label(label: &str) -> Option<KeyKind> {
                match label { $( $label => Some(KeyKind::$name), )* _ => None }
            }
        }
    };
}

key_kinds! {
    /// IBAN, canonical electronic form.
    Iban = 0x0101, "iban", Strong;
    /// National account number with institution code.
    AccountNumber = 0x0102, "account_number", Strong;
    /// Legal Entity Identifier.
    Lei = 0x0201, "lei", Strong;
    /// Company-register number with register country.
    Registration = 0x0202, "registration", Strong;
    /// Tax or VAT number with issuing country.
    TaxNumber = 0x0203, "tax_number", Strong;
    /// Company-register number with register country, where the country's numbers repeat
    /// across local registers (German court registers, US state registers) and the number
    /// does not say which: medium, so a hit also needs a similar name.
    RegistrationLocal = 0x0204, "registration_local", Medium;
    /// Identity document number with issuing country.
    Document = 0x0301, "document", Strong;
    /// Crypto-asset wallet: chain and canonical address.
    Wallet = 0x0401, "wallet", Strong;
    /// IMO ship number.
    Imo = 0x0501, "imo", Strong;
    /// Aircraft registration mark.
    Aircraft = 0x0502, "aircraft", Strong;
    /// ISO 6346 container number.
    Container = 0x0503, "container", Strong;
    /// Telephone number, E.164.
    Phone = 0x0601, "phone", Strong;
    /// E-mail address.
    Email = 0x0602, "email", Strong;
    /// Person: every name token (sorted) and the full date of birth.
    PersonNameDob = 0x1001, "person_name_dob", Strong;
    /// Person: every name token but one, that token's first three letters, and the full date
    /// of birth. Survives an edit in the rest of the token.
    PersonNamePrefixDob = 0x1002, "person_name_prefix_dob", Strong;
    /// Person: every name token but one, that token's last three letters, and the full date
    /// of birth. Survives an edit in the start of the token; suffixes (-son, -ova, -ez) are
    /// common, so it is medium.
    PersonNameSuffixDob = 0x1003, "person_name_suffix_dob", Medium;
    /// Person: phonetic codes of every name token and the full date of birth.
    PersonPhoneticDob = 0x1004, "person_phonetic_dob", Medium;
    /// Person: every name token but one, that token's initial, and the full date of birth.
    PersonTokenInitialDob = 0x1005, "person_token_initial_dob", Medium;
    /// Person: every name token and the year of birth.
    PersonNameYear = 0x1006, "person_name_year", Weak;
    /// Person: consonant skeletons of every name token and the full date of birth. Survives
    /// any change of vowels, and meets Arabic script (written without short vowels) with
    /// its Latin spellings.
    PersonSkeletonDob = 0x1007, "person_skeleton_dob", Strong;
    /// Entity: name tokens (legal form removed) in written order, and country.
    EntityNameCountry = 0x2001, "entity_name_country", Strong;
    /// Entity: phonetic codes of the name tokens and country.
    EntityPhoneticCountry = 0x2002, "entity_phonetic_country", Medium;
    /// Entity: name tokens in written order, alone.
    EntityName = 0x2003, "entity_name", Weak;
}

impl KeyKind {
    /// Position of the kind in [`KeyKind::ALL`].
    pub fn index(self) -> usize {
        // ALL is generated in declaration order, the same order as the enum's discriminants.
        self as usize
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One match key: a kind and the normalised bytes that the kind's recipe made.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MatchKey {
    kind: KeyKind,
    bytes: Vec<u8>,
}

impl MatchKey {
    /// Only the recipes in this module make keys, so a key's bytes always follow its kind's
    /// recipe.
    pub(crate) fn new(kind: KeyKind, bytes: Vec<u8>) -> Self {
        MatchKey { kind, bytes }
    }

    /// The key's kind.
    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// The normalised key bytes (UTF-8 in every format-1 recipe). Personal data: never log.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for MatchKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The bytes are personal data; Debug shows only the kind and length.
        write!(f, "MatchKey({}, {} bytes)", self.kind, self.bytes.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_labels_and_indexes_are_consistent() {
        for (i, kind) in KeyKind::ALL.iter().enumerate() {
            assert_eq!(kind.index(), i);
            assert_eq!(KeyKind::from_code(kind.code()), Some(*kind));
            assert_eq!(KeyKind::from_label(kind.label()), Some(*kind));
        }
        let mut codes: Vec<u16> = KeyKind::ALL.iter().map(|k| k.code()).collect();
        codes.dedup();
        assert_eq!(
            codes.len(),
            KeyKind::ALL.len(),
            "codes are unique and ascending"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The format-1 recipe.
// ---------------------------------------------------------------------------------------------

use crate::identifiers::{self, Country, FieldError, InvalidIdentifier, PartialDate};
use crate::names::{self, NormalisedName};
use crate::subject::{Account, LegalEntity, Person, Record, Subject, TaxNumber};

/// Separates the fields of a composite key. Never occurs in a normalised value (name tokens
/// are `[a-z0-9]`, identifiers are ASCII alphanumerics and a few punctuation marks).
pub const FIELD_SEPARATOR: u8 = 0x1f;

/// Name tokens of at least this many characters also give prefix and suffix keys (4, so a
/// five-letter token that lost a letter to a typo still has them).
pub const AFFIX_MIN_TOKEN_LEN: usize = 4;

/// Length of the prefix and suffix in prefix and suffix keys.
pub const AFFIX_LEN: usize = 3;

/// At most this many name tokens take part in the per-token kinds (prefix, suffix, initial);
/// longer names keep their first tokens in sorted order. Bounds the keys per subject.
pub const MAX_COMBINED_TOKENS: usize = 4;

/// Register countries whose company-register numbers repeat across local registers (German
/// court registers: the same HRB number exists at many Amtsgerichte; US state registers), so
/// that country and number alone do not name one company. Their numbers form a
/// [`KeyKind::RegistrationLocal`] key instead of a [`KeyKind::Registration`] key.
pub const LOCAL_REGISTER_COUNTRIES: &[&str] = &["DE", "US"];

/// What the recipe needs besides the subject.
#[derive(Debug, Clone, Default)]
pub struct KeyOptions {
    /// Region for phone numbers written without a country code (the FIU's own country).
    pub default_phone_region: Option<Country>,
}

/// The keys of one subject, and every value that could not become a key.
#[derive(Debug, Clone, Default)]
pub struct SubjectKeys {
    /// Match keys, deduplicated, in a deterministic order.
    pub keys: Vec<MatchKey>,
    /// Values refused by validation, each with its field path. A refused value forms no key.
    pub refused: Vec<FieldError>,
}

/// Derives the match keys of `subject` by the format-1 recipe (docs/PROTOCOL.md).
pub fn derive(subject: &Subject, options: &KeyOptions) -> SubjectKeys {
    let mut b = Builder::default();
    match &subject.record {
        Record::Person(p) => b.person(p, options),
        Record::Entity(e) => b.entity(e, options),
        Record::Account(a) => b.account(a, "account"),
        Record::Wallet(w) => {
            if let Some(v) = b.check(
                "wallet.address",
                identifiers::wallet_address(&w.chain, &w.address),
            ) {
                b.push(
                    KeyKind::Wallet,
                    join(&[v.chain().as_str().as_bytes(), v.as_str().as_bytes()]),
                );
            }
        }
        Record::Vessel(v) => {
            if let Some(v) = b.check("vessel.imo", identifiers::imo_number(&v.imo)) {
                b.push(KeyKind::Imo, v.as_str().as_bytes().to_vec());
            }
        }
        Record::Aircraft(a) => {
            if let Some(v) = b.check(
                "aircraft.registration",
                identifiers::aircraft_registration(&a.registration),
            ) {
                b.push(KeyKind::Aircraft, v.as_str().as_bytes().to_vec());
            }
        }
        Record::Container(c) => {
            if let Some(v) = b.check("container.number", identifiers::container_number(&c.number)) {
                b.push(KeyKind::Container, v.as_str().as_bytes().to_vec());
            }
        }
        Record::Phone(p) => b.phone("phone.number", &p.number, options),
        Record::Email(e) => b.email("email.address", &e.address),
    }
    b.finish()
}

#[derive(Default)]
struct Builder {
    keys: Vec<MatchKey>,
    refused: Vec<FieldError>,
}

impl Builder {
    fn finish(mut self) -> SubjectKeys {
        self.keys.sort();
        self.keys.dedup();
        // A value can be checked by more than one rule (a register country for the name keys
        // and for the register number); report it once.
        self.refused.sort_by(|a, b| a.field.cmp(&b.field));
        self.refused.dedup();
        SubjectKeys {
            keys: self.keys,
            refused: self.refused,
        }
    }

    fn push(&mut self, kind: KeyKind, bytes: Vec<u8>) {
        self.keys.push(MatchKey::new(kind, bytes));
    }

    /// Keeps a valid value, or records the refusal against `field`.
    fn check<T>(
        &mut self,
        field: impl fmt::Display,
        result: Result<T, InvalidIdentifier>,
    ) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.refused.push(FieldError::new(field, e));
                None
            }
        }
    }

    /// An optional country: absent is fine, present must be valid.
    fn country(&mut self, field: impl fmt::Display, raw: Option<&str>) -> Option<Country> {
        raw.filter(|s| !s.trim().is_empty())
            .and_then(|s| self.check(field, identifiers::country(s)))
    }

    fn phone(&mut self, field: impl fmt::Display, raw: &str, options: &KeyOptions) {
        if let Some(v) = self.check(
            field,
            identifiers::phone_number(raw, options.default_phone_region.as_ref()),
        ) {
            self.push(KeyKind::Phone, v.as_str().as_bytes().to_vec());
        }
    }

    fn email(&mut self, field: impl fmt::Display, raw: &str) {
        if let Some(v) = self.check(field, identifiers::email(raw)) {
            self.push(KeyKind::Email, v.as_str().as_bytes().to_vec());
        }
    }

    /// A number that needs its issuing country to form a key (documents, tax, register).
    /// A missing country is reported against `country_field`.
    fn numbered(
        &mut self,
        kind: KeyKind,
        (number_field, what, number): (String, &'static str, &str),
        (country_field, country): (String, Option<&str>),
    ) {
        let number = self.check(number_field, identifiers::reference_number(what, number));
        let country = match country.filter(|c| !c.trim().is_empty()) {
            Some(c) => self.check(country_field, identifiers::country(c)),
            None => {
                self.refused.push(FieldError::new(
                    country_field,
                    InvalidIdentifier::Malformed {
                        what: "issuing country",
                        reason: "is missing, and the number cannot form a key without it",
                    },
                ));
                None
            }
        };
        if let (Some(n), Some(c)) = (number, country) {
            self.push(kind, join(&[c.as_str().as_bytes(), n.as_str().as_bytes()]));
        }
    }

    fn tax_numbers(&mut self, prefix: &str, list: &[TaxNumber]) {
        for (i, t) in list.iter().enumerate() {
            let field = format!("{prefix}.tax_numbers[{i}]");
            self.numbered(
                KeyKind::TaxNumber,
                (format!("{field}.number"), "tax number", &t.number),
                (format!("{field}.country"), t.country.as_deref()),
            );
        }
    }

    fn person(&mut self, p: &Person, options: &KeyOptions) {
        let dob = p
            .birth_date
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .and_then(|s| self.check("person.birth_date", identifiers::date(s)));
        for variant in person_name_variants(p) {
            person_name_keys(self, &variant, dob.as_ref());
        }
        for (i, d) in p.documents.iter().enumerate() {
            let field = format!("person.documents[{i}]");
            self.numbered(
                KeyKind::Document,
                (format!("{field}.number"), "document number", &d.number),
                (format!("{field}.country"), d.country.as_deref()),
            );
        }
        self.tax_numbers("person", &p.tax_numbers);
        for (i, phone) in p.phones.iter().enumerate() {
            self.phone(format!("person.phones[{i}]"), phone, options);
        }
        for (i, email) in p.emails.iter().enumerate() {
            self.email(format!("person.emails[{i}]"), email);
        }
        // Countries are validated so that a bad one is reported, though format 1 keys do not
        // use them.
        self.country("person.birth_country", p.birth_country.as_deref());
        for (i, n) in p.nationalities.iter().enumerate() {
            self.country(format!("person.nationalities[{i}]"), Some(n));
        }
    }

    fn entity(&mut self, e: &LegalEntity, options: &KeyOptions) {
        let country = self
            .country(
                "entity.registration_country",
                e.registration_country.as_deref(),
            )
            .or_else(|| {
                e.addresses.iter().find_map(|a| {
                    a.country
                        .as_deref()
                        .and_then(|c| identifiers::country(c).ok())
                })
            });
        let raw_names = std::iter::once(&e.name).chain(e.aliases.iter());
        let mut names: Vec<(NormalisedName, String)> = raw_names
            .map(|raw| {
                let name = names::entity_name(raw);
                let ordered = entity_ordered(&name, raw);
                (name, ordered)
            })
            .collect();
        names.sort();
        names.dedup();
        for (name, joined) in names.iter().filter(|(n, _)| !n.is_empty()) {
            self.push(KeyKind::EntityName, joined.clone().into_bytes());
            if let Some(c) = &country {
                self.push(
                    KeyKind::EntityNameCountry,
                    join(&[joined.as_bytes(), c.as_str().as_bytes()]),
                );
                let phon = phonetic_joined(name);
                self.push(
                    KeyKind::EntityPhoneticCountry,
                    join(&[phon.as_bytes(), c.as_str().as_bytes()]),
                );
            }
        }
        if let Some(lei) = e.lei.as_deref().filter(|s| !s.trim().is_empty()) {
            if let Some(v) = self.check("entity.lei", identifiers::lei(lei)) {
                self.push(KeyKind::Lei, v.as_str().as_bytes().to_vec());
            }
        }
        if let Some(reg) = e
            .registration_number
            .as_deref()
            .filter(|s| !s.trim().is_empty())
        {
            let local = e
                .registration_country
                .as_deref()
                .and_then(|c| identifiers::country(c).ok())
                .is_some_and(|c| LOCAL_REGISTER_COUNTRIES.contains(&c.as_str()));
            self.numbered(
                if local {
                    KeyKind::RegistrationLocal
                } else {
                    KeyKind::Registration
                },
                (
                    "entity.registration_number".into(),
                    "registration number",
                    reg,
                ),
                (
                    "entity.registration_country".into(),
                    e.registration_country.as_deref(),
                ),
            );
        }
        self.tax_numbers("entity", &e.tax_numbers);
        for (i, phone) in e.phones.iter().enumerate() {
            self.phone(format!("entity.phones[{i}]"), phone, options);
        }
        for (i, email) in e.emails.iter().enumerate() {
            self.email(format!("entity.emails[{i}]"), email);
        }
    }

    fn account(&mut self, a: &Account, prefix: &str) {
        if let Some(iban) = a.iban.as_deref().filter(|s| !s.trim().is_empty()) {
            if let Some(v) = self.check(format!("{prefix}.iban"), identifiers::iban(iban)) {
                self.push(KeyKind::Iban, v.as_str().as_bytes().to_vec());
            }
            return;
        }
        match (a.number.as_deref(), a.institution.as_deref()) {
            (Some(number), Some(inst)) if !number.trim().is_empty() && !inst.trim().is_empty() => {
                let n = self.check(format!("{prefix}.number"), identifiers::reference_number("account number", number));
                let i = self.check(format!("{prefix}.institution"), institution(inst));
                if let (Some(n), Some(i)) = (n, i) {
                    self.push(KeyKind::AccountNumber, join(&[i.as_bytes(), n.as_str().as_bytes()]));
                }
            }
            (None, None) => self.refused.push(FieldError::new(
                prefix,
                InvalidIdentifier::Malformed {
                    what: "account",
                    reason: "has neither an IBAN nor an account number with its institution",
                },
            )),
            _ => self.refused.push(FieldError::new(
                format!("{prefix}.institution"),
                InvalidIdentifier::Malformed {
                    what: "account",
                    reason: "an account number needs its institution (BIC or national code) to form a key",
                },
            )),
        }
    }
}

/// An institution: a BIC (canonical form) or, failing that, a national bank code.
fn institution(raw: &str) -> Result<String, InvalidIdentifier> {
    match identifiers::bic(raw) {
        Ok(bic) => Ok(bic.as_str().to_owned()),
        Err(_) => {
            identifiers::reference_number("institution code", raw).map(|r| r.as_str().to_owned())
        }
    }
}

/// The name forms of a person that each get their own keys: the full name, the name without
/// middle names, every alias and the original-script name.
fn person_name_variants(p: &Person) -> Vec<NormalisedName> {
    let given = p.given_name.as_deref().unwrap_or("");
    let middle = p.middle_name.as_deref().unwrap_or("");
    let family = p.family_name.as_deref().unwrap_or("");
    let mut out = vec![names::person_name(&format!("{given} {middle} {family}"))];
    if !middle.trim().is_empty() {
        out.push(names::person_name(&format!("{given} {family}")));
    }
    out.extend(p.aliases.iter().map(|a| names::person_name(a)));
    if let Some(o) = &p.original_script_name {
        out.push(names::person_name(o));
    }
    // A one-letter token is an initial or an abbreviated title (`M.` for Monsieur) that the
    // other source may not write: each variant that has one also counts without them.
    let without_initials: Vec<NormalisedName> = out
        .iter()
        .filter(|n| n.tokens().iter().any(|t| t.len() == 1))
        .map(|n| {
            let kept: Vec<&str> = n
                .tokens()
                .iter()
                .map(String::as_str)
                .filter(|t| t.len() > 1)
                .collect();
            names::person_name(&kept.join(" "))
        })
        .collect();
    out.extend(without_initials);
    out.retain(|n| n.len() >= 2);
    out.sort();
    out.dedup();
    out
}

/// The date of birth as keys use it: full dates with day and month in ascending order, so a
/// day/month swap between two sources gives the same bytes.
fn dob_bytes(d: &PartialDate) -> Option<String> {
    let (m, day) = (d.month()?, d.day()?);
    let (lo, hi) = if m <= day { (m, day) } else { (day, m) };
    Some(format!("{:04}-{:02}-{:02}", d.year(), lo, hi))
}

/// The tokens of a normalised entity name in the order the source wrote them: by their first
/// occurrence among the words of `fold(raw)`; tokens that are no such word (merged
/// initialisms, `I.B.M.` -> `ibm`) follow in sorted order. Joined by one space.
///
/// Entity names keep their order because it is part of the name: `Müller & Schmidt Bau` and
/// `Schmidt & Müller Bau` are two firms. The phonetic key stays sorted, so a reordered name
/// still meets as medium evidence.
fn entity_ordered(name: &NormalisedName, raw: &str) -> String {
    let folded = names::fold(raw);
    let mut placed = vec![false; name.len()];
    let mut out: Vec<&str> = Vec::with_capacity(name.len());
    for word in folded.split(' ') {
        if let Ok(i) = name.tokens().binary_search_by(|t| t.as_str().cmp(word)) {
            if let Some(slot) = placed.get_mut(i).filter(|p| !**p) {
                *slot = true;
                out.push(word);
            }
        }
    }
    for (t, p) in name.tokens().iter().zip(&placed) {
        if !p {
            out.push(t);
        }
    }
    out.join(" ")
}

fn skeleton_joined(name: &NormalisedName) -> String {
    let mut codes: Vec<String> = name.tokens().iter().map(|t| names::skeleton(t)).collect();
    codes.sort();
    codes.join(" ")
}

fn phonetic_joined(name: &NormalisedName) -> String {
    let mut codes: Vec<String> = name.tokens().iter().map(|t| names::phonetic(t)).collect();
    codes.sort();
    codes.join(" ")
}

/// Joins fields with [`FIELD_SEPARATOR`].
fn join(fields: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(fields.iter().map(|f| f.len() + 1).sum());
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(FIELD_SEPARATOR);
        }
        out.extend_from_slice(f);
    }
    out
}

/// The name keys of one name variant (at least two tokens).
fn person_name_keys(b: &mut Builder, name: &NormalisedName, dob: Option<&PartialDate>) {
    let Some(dob) = dob else { return };
    let tokens = name.tokens();
    let joined = name.joined();
    if let Some(full) = dob_bytes(dob) {
        let full = full.as_bytes();
        b.push(KeyKind::PersonNameDob, join(&[joined.as_bytes(), full]));
        b.push(
            KeyKind::PersonPhoneticDob,
            join(&[phonetic_joined(name).as_bytes(), full]),
        );
        b.push(
            KeyKind::PersonSkeletonDob,
            join(&[skeleton_joined(name).as_bytes(), full]),
        );
        let combined = &tokens[..tokens.len().min(MAX_COMBINED_TOKENS)];
        for (i, t) in combined.iter().enumerate() {
            let others = others_joined(combined, i);
            // The token's initial: survives any change after the first letter.
            b.push(
                KeyKind::PersonTokenInitialDob,
                join(&[others.as_bytes(), &t.as_bytes()[..1], full]),
            );
            if t.len() >= AFFIX_MIN_TOKEN_LEN {
                // Prefix and suffix: one edit anywhere in the token leaves one of them intact.
                let tb = t.as_bytes();
                b.push(
                    KeyKind::PersonNamePrefixDob,
                    join(&[others.as_bytes(), &tb[..AFFIX_LEN], full]),
                );
                b.push(
                    KeyKind::PersonNameSuffixDob,
                    join(&[others.as_bytes(), &tb[tb.len() - AFFIX_LEN..], full]),
                );
            }
        }
    }
    let year = format!("{:04}", dob.year());
    b.push(
        KeyKind::PersonNameYear,
        join(&[joined.as_bytes(), year.as_bytes()]),
    );
}

/// The tokens other than `skip`, joined by spaces.
fn others_joined(tokens: &[String], skip: usize) -> String {
    let mut s = String::new();
    for (i, t) in tokens.iter().enumerate() {
        if i == skip {
            continue;
        }
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(t);
    }
    s
}
