//! The CSV column-mapping file: how an FIU's own export columns become subject fields,
//! written once per export format in TOML, so no code changes when the export changes.
//!
//! ```toml
//! delimiter = ","              # optional, default ","
//! list_separator = ";"         # optional, default ";": splits multi-valued cells
//! record_type = "person"       # every row is a person; or record_type_column = "KIND"
//! local_ref_column = "CASE_ID"
//! category = "suspect"         # default category; or/and category_column = "ROLE"
//! category_column = "ROLE"
//! [category_values]            # optional: the export's own words for categories
//! SUSP = "suspect"
//!
//! [person]
//! given_name = "FIRST_NAME"
//! family_name = "LAST_NAME"
//! birth_date = "DOB"
//! nationalities = "NATIONALITY"  # multi-valued, split on list_separator
//! [[person.documents]]
//! number = "PASSPORT_NO"
//! kind = "passport"
//! country = "PASSPORT_COUNTRY"
//! ```
//!
//! docs/IMPORT.md lists every key. Unknown keys are refused, so a typo in the mapping
//! file is caught when it is loaded, not discovered as silently missing data.

use std::collections::BTreeMap;
use std::path::Path;

use matcher::subject::{Category, DocumentKind};
use serde::Deserialize;

/// Mapping-file problems; the mapping is configuration, not personal data, so messages may
/// quote it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MappingError {
    /// The mapping file could not be read.
    #[error("{file}: cannot read mapping: {error}")]
    Read {
        /// Mapping file name.
        file: String,
        /// The operating system's reason.
        #[source]
        error: std::io::Error,
    },
    /// The mapping file is not valid TOML or has an unknown or mistyped key.
    #[error("{file}: invalid mapping: {message}")]
    Parse {
        /// Mapping file name.
        file: String,
        /// The TOML parser's reason, with the offending line of the mapping.
        message: String,
    },
    /// The mapping parses but is incomplete or contradictory.
    #[error("{file}: mapping key `{key}`: {problem}")]
    Invalid {
        /// Mapping file name.
        file: String,
        /// The mapping key at fault.
        key: String,
        /// What is wrong.
        problem: String,
    },
}

/// Record types a CSV row can hold: the matcher's record types by their snake_case names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum RecordType {
    Person,
    Entity,
    Account,
    Wallet,
    Vessel,
    Aircraft,
    Container,
    Phone,
    Email,
}

impl RecordType {
    /// All record types.
    pub const ALL: [RecordType; 9] = [
        RecordType::Person,
        RecordType::Entity,
        RecordType::Account,
        RecordType::Wallet,
        RecordType::Vessel,
        RecordType::Aircraft,
        RecordType::Container,
        RecordType::Phone,
        RecordType::Email,
    ];

    /// The snake_case name, as in the subject's JSON `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::Person => "person",
            RecordType::Entity => "entity",
            RecordType::Account => "account",
            RecordType::Wallet => "wallet",
            RecordType::Vessel => "vessel",
            RecordType::Aircraft => "aircraft",
            RecordType::Container => "container",
            RecordType::Phone => "phone",
            RecordType::Email => "email",
        }
    }

    /// Parses a type name, ignoring case.
    pub fn parse(name: &str) -> Option<RecordType> {
        RecordType::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(name))
    }
}

/// A column mapping for one CSV export format. Field values are column names of the export.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvMapping {
    /// Field delimiter, one ASCII character (default `,`).
    #[serde(default = "default_delimiter")]
    pub delimiter: String,
    /// Separator of multi-valued cells (default `;`).
    #[serde(default = "default_list_separator")]
    pub list_separator: String,
    /// Every row has this record type.
    pub record_type: Option<RecordType>,
    /// The column holding each row's record type.
    pub record_type_column: Option<String>,
    /// The export's own words for record types, e.g. `P = "person"`.
    #[serde(default)]
    pub record_type_values: BTreeMap<String, RecordType>,
    /// The column holding the row's local reference (case or report id). Required.
    pub local_ref_column: String,
    /// Put before every local reference, to keep this export's references apart from other
    /// sources' (e.g. `"casedb/"`).
    #[serde(default)]
    pub local_ref_prefix: String,
    /// Category of rows whose category cell is empty or absent.
    pub category: Option<Category>,
    /// The column holding each row's category.
    pub category_column: Option<String>,
    /// The export's own words for categories, e.g. `SUSP = "suspect"`.
    #[serde(default)]
    pub category_values: BTreeMap<String, Category>,
    /// The column holding the retention date (`YYYY-MM-DD`).
    pub expires_column: Option<String>,
    /// Person columns.
    pub person: Option<PersonColumns>,
    /// Legal-entity columns.
    pub entity: Option<EntityColumns>,
    /// Account columns.
    pub account: Option<AccountColumns>,
    /// Wallet columns.
    pub wallet: Option<WalletColumns>,
    /// Vessel columns.
    pub vessel: Option<VesselColumns>,
    /// Aircraft columns.
    pub aircraft: Option<AircraftColumns>,
    /// Container columns.
    pub container: Option<ContainerColumns>,
    /// Stand-alone phone columns.
    pub phone: Option<PhoneColumns>,
    /// Stand-alone e-mail columns.
    pub email: Option<EmailColumns>,
}

fn default_delimiter() -> String {
    ",".to_owned()
}

fn default_list_separator() -> String {
    ";".to_owned()
}

/// Person columns. Multi-valued ones are split on `list_separator`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct PersonColumns {
    pub given_name: Option<String>,
    pub middle_name: Option<String>,
    pub family_name: Option<String>,
    /// A whole name in one cell; becomes the first alias (a full name written in full).
    pub full_name: Option<String>,
    /// Multi-valued.
    pub aliases: Option<String>,
    pub original_script_name: Option<String>,
    pub birth_date: Option<String>,
    pub birth_place: Option<String>,
    pub birth_country: Option<String>,
    /// Multi-valued.
    pub nationalities: Option<String>,
    #[serde(default)]
    pub documents: Vec<DocumentColumns>,
    #[serde(default)]
    pub tax_numbers: Vec<TaxColumns>,
    #[serde(default)]
    pub addresses: Vec<AddressColumns>,
    /// Multi-valued.
    pub phones: Option<String>,
    /// Multi-valued.
    pub emails: Option<String>,
}

/// One identity document per row, from these columns.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentColumns {
    /// Document number column; an empty cell means no document.
    pub number: String,
    /// Fixed kind for this document column (e.g. `passport`).
    pub kind: Option<DocumentKind>,
    /// Column holding the kind (`passport`, `national_id`, `driving_licence`,
    /// `residence_permit`, `other`, or goAML codes `PASSP`, `EID`, `DRIVL`); unknown words
    /// become `other`.
    pub kind_column: Option<String>,
    /// The export's own words for kinds, e.g. `PP = "passport"`.
    #[serde(default)]
    pub kind_values: BTreeMap<String, DocumentKind>,
    /// Issuing-country column.
    pub country: Option<String>,
    /// Issuing country when the column is absent or empty (e.g. national ids of one
    /// country).
    pub country_default: Option<String>,
}

/// One tax number per row, from these columns.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxColumns {
    /// Tax number column; an empty cell means none.
    pub number: String,
    /// Issuing-country column.
    pub country: Option<String>,
    /// Issuing country when the column is absent or empty.
    pub country_default: Option<String>,
}

/// One postal address per row, from these columns.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct AddressColumns {
    pub street: Option<String>,
    pub city: Option<String>,
    pub postcode: Option<String>,
    pub country: Option<String>,
}

/// Legal-entity columns.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct EntityColumns {
    /// Required per row.
    pub name: Option<String>,
    /// Multi-valued.
    pub aliases: Option<String>,
    pub legal_form: Option<String>,
    pub registration_number: Option<String>,
    pub registration_country: Option<String>,
    pub lei: Option<String>,
    #[serde(default)]
    pub tax_numbers: Vec<TaxColumns>,
    #[serde(default)]
    pub addresses: Vec<AddressColumns>,
    /// Multi-valued.
    pub phones: Option<String>,
    /// Multi-valued.
    pub emails: Option<String>,
}

/// Account columns; each row needs an IBAN or a number.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct AccountColumns {
    pub iban: Option<String>,
    pub number: Option<String>,
    /// BIC or national bank code.
    pub institution: Option<String>,
    pub country: Option<String>,
    pub holder: Option<String>,
}

/// Wallet columns.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalletColumns {
    /// Chain column (`bitcoin`, `ethereum`, ...).
    pub chain: Option<String>,
    /// Chain when the column is absent or empty.
    pub chain_default: Option<String>,
    /// Address column. Required per row.
    pub address: Option<String>,
}

/// Vessel columns.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct VesselColumns {
    /// Required per row.
    pub imo: Option<String>,
    pub name: Option<String>,
}

/// Aircraft columns.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AircraftColumns {
    /// Registration-mark column. Required per row.
    pub registration: Option<String>,
}

/// Container columns.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerColumns {
    /// ISO 6346 number column. Required per row.
    pub number: Option<String>,
}

/// Stand-alone phone columns.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhoneColumns {
    /// Number column. Required per row.
    pub number: Option<String>,
}

/// Stand-alone e-mail columns.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailColumns {
    /// Address column. Required per row.
    pub address: Option<String>,
}

impl CsvMapping {
    /// Reads and checks a mapping file.
    pub fn load(path: &Path) -> Result<CsvMapping, MappingError> {
        let file = crate::import::source_name(path);
        let text = std::fs::read_to_string(path).map_err(|error| MappingError::Read {
            file: file.clone(),
            error,
        })?;
        CsvMapping::from_toml(&text, &file)
    }

    /// Parses and checks a mapping; `file` names it in errors.
    pub fn from_toml(text: &str, file: &str) -> Result<CsvMapping, MappingError> {
        let mapping: CsvMapping = toml::from_str(text).map_err(|e| MappingError::Parse {
            file: file.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        mapping.check(file)?;
        Ok(mapping)
    }

    fn check(&self, file: &str) -> Result<(), MappingError> {
        let invalid = |key: &str, problem: &str| MappingError::Invalid {
            file: file.to_owned(),
            key: key.to_owned(),
            problem: problem.to_owned(),
        };
        if self.delimiter.len() != 1 {
            return Err(invalid("delimiter", "must be one ASCII character"));
        }
        if self.list_separator.is_empty() {
            return Err(invalid("list_separator", "must not be empty"));
        }
        match (self.record_type, &self.record_type_column) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "record_type",
                    "give either record_type or record_type_column, not both",
                ));
            }
            (None, None) => {
                return Err(invalid(
                    "record_type",
                    "give record_type (one type for every row) or record_type_column",
                ));
            }
            (Some(t), None) if !self.has_section(t) => {
                return Err(invalid(
                    t.as_str(),
                    "record_type names this type but the mapping has no section for it",
                ));
            }
            _ => {}
        }
        if RecordType::ALL.iter().all(|t| !self.has_section(*t)) {
            return Err(invalid(
                "person",
                "no record section ([person], [entity], [account], ...)",
            ));
        }
        if self.category.is_none() && self.category_column.is_none() {
            return Err(invalid(
                "category",
                "give a default category or a category_column: a wrong guess could share \
                 victims' or witnesses' data",
            ));
        }
        if let Some(w) = &self.wallet {
            if w.address.is_none() {
                return Err(invalid("wallet.address", "required"));
            }
            if w.chain.is_none() && w.chain_default.is_none() {
                return Err(invalid("wallet.chain", "give chain or chain_default"));
            }
        }
        let required: [(&str, bool); 6] = [
            (
                "entity.name",
                self.entity.as_ref().is_some_and(|e| e.name.is_none()),
            ),
            (
                "vessel.imo",
                self.vessel.as_ref().is_some_and(|v| v.imo.is_none()),
            ),
            (
                "aircraft.registration",
                self.aircraft
                    .as_ref()
                    .is_some_and(|a| a.registration.is_none()),
            ),
            (
                "container.number",
                self.container.as_ref().is_some_and(|c| c.number.is_none()),
            ),
            (
                "phone.number",
                self.phone.as_ref().is_some_and(|p| p.number.is_none()),
            ),
            (
                "email.address",
                self.email.as_ref().is_some_and(|e| e.address.is_none()),
            ),
        ];
        if let Some((key, _)) = required.iter().find(|(_, missing)| *missing) {
            return Err(invalid(key, "required"));
        }
        let account_unkeyed = self
            .account
            .as_ref()
            .is_some_and(|a| a.iban.is_none() && a.number.is_none());
        if account_unkeyed {
            return Err(invalid("account.iban", "give iban or number (or both)"));
        }
        let person_unnamed = self.person.as_ref().is_some_and(|p| {
            p.given_name.is_none()
                && p.family_name.is_none()
                && p.full_name.is_none()
                && p.aliases.is_none()
                && p.original_script_name.is_none()
        });
        if person_unnamed {
            return Err(invalid(
                "person.family_name",
                "map at least one name column (given_name, family_name, full_name, ...)",
            ));
        }
        Ok(())
    }

    /// True when the mapping has a section for `t`.
    pub fn has_section(&self, t: RecordType) -> bool {
        match t {
            RecordType::Person => self.person.is_some(),
            RecordType::Entity => self.entity.is_some(),
            RecordType::Account => self.account.is_some(),
            RecordType::Wallet => self.wallet.is_some(),
            RecordType::Vessel => self.vessel.is_some(),
            RecordType::Aircraft => self.aircraft.is_some(),
            RecordType::Container => self.container.is_some(),
            RecordType::Phone => self.phone.is_some(),
            RecordType::Email => self.email.is_some(),
        }
    }

    /// Every column the mapping names, each with the mapping key that names it: all must be
    /// in the CSV header.
    pub fn columns(&self) -> Vec<(String, String)> {
        fn add(out: &mut Vec<(String, String)>, key: &str, col: Option<&String>) {
            if let Some(c) = col {
                out.push((key.to_owned(), c.clone()));
            }
        }
        fn docs(out: &mut Vec<(String, String)>, prefix: &str, docs: &[DocumentColumns]) {
            for (i, d) in docs.iter().enumerate() {
                add(
                    out,
                    &format!("{prefix}.documents[{i}].number"),
                    Some(&d.number),
                );
                let k = format!("{prefix}.documents[{i}].kind_column");
                add(out, &k, d.kind_column.as_ref());
                let k = format!("{prefix}.documents[{i}].country");
                add(out, &k, d.country.as_ref());
            }
        }
        fn taxes(out: &mut Vec<(String, String)>, prefix: &str, taxes: &[TaxColumns]) {
            for (i, t) in taxes.iter().enumerate() {
                add(
                    out,
                    &format!("{prefix}.tax_numbers[{i}].number"),
                    Some(&t.number),
                );
                let k = format!("{prefix}.tax_numbers[{i}].country");
                add(out, &k, t.country.as_ref());
            }
        }
        fn addrs(out: &mut Vec<(String, String)>, prefix: &str, addrs: &[AddressColumns]) {
            for (i, a) in addrs.iter().enumerate() {
                for (f, c) in [
                    ("street", &a.street),
                    ("city", &a.city),
                    ("postcode", &a.postcode),
                    ("country", &a.country),
                ] {
                    add(out, &format!("{prefix}.addresses[{i}].{f}"), c.as_ref());
                }
            }
        }
        let mut out = Vec::new();
        add(
            &mut out,
            "record_type_column",
            self.record_type_column.as_ref(),
        );
        add(&mut out, "local_ref_column", Some(&self.local_ref_column));
        add(&mut out, "category_column", self.category_column.as_ref());
        add(&mut out, "expires_column", self.expires_column.as_ref());
        if let Some(p) = &self.person {
            for (f, c) in [
                ("given_name", &p.given_name),
                ("middle_name", &p.middle_name),
                ("family_name", &p.family_name),
                ("full_name", &p.full_name),
                ("aliases", &p.aliases),
                ("original_script_name", &p.original_script_name),
                ("birth_date", &p.birth_date),
                ("birth_place", &p.birth_place),
                ("birth_country", &p.birth_country),
                ("nationalities", &p.nationalities),
                ("phones", &p.phones),
                ("emails", &p.emails),
            ] {
                add(&mut out, &format!("person.{f}"), c.as_ref());
            }
            docs(&mut out, "person", &p.documents);
            taxes(&mut out, "person", &p.tax_numbers);
            addrs(&mut out, "person", &p.addresses);
        }
        if let Some(e) = &self.entity {
            for (f, c) in [
                ("name", &e.name),
                ("aliases", &e.aliases),
                ("legal_form", &e.legal_form),
                ("registration_number", &e.registration_number),
                ("registration_country", &e.registration_country),
                ("lei", &e.lei),
                ("phones", &e.phones),
                ("emails", &e.emails),
            ] {
                add(&mut out, &format!("entity.{f}"), c.as_ref());
            }
            taxes(&mut out, "entity", &e.tax_numbers);
            addrs(&mut out, "entity", &e.addresses);
        }
        if let Some(a) = &self.account {
            for (f, c) in [
                ("iban", &a.iban),
                ("number", &a.number),
                ("institution", &a.institution),
                ("country", &a.country),
                ("holder", &a.holder),
            ] {
                add(&mut out, &format!("account.{f}"), c.as_ref());
            }
        }
        if let Some(w) = &self.wallet {
            add(&mut out, "wallet.chain", w.chain.as_ref());
            add(&mut out, "wallet.address", w.address.as_ref());
        }
        if let Some(v) = &self.vessel {
            add(&mut out, "vessel.imo", v.imo.as_ref());
            add(&mut out, "vessel.name", v.name.as_ref());
        }
        if let Some(a) = &self.aircraft {
            add(&mut out, "aircraft.registration", a.registration.as_ref());
        }
        if let Some(c) = &self.container {
            add(&mut out, "container.number", c.number.as_ref());
        }
        if let Some(p) = &self.phone {
            add(&mut out, "phone.number", p.number.as_ref());
        }
        if let Some(e) = &self.email {
            add(&mut out, "email.address", e.address.as_ref());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
        record_type = "person"
        local_ref_column = "ID"
        category = "suspect"
        [person]
        family_name = "LAST"
    "#;

    #[test]
    fn minimal_mapping_loads() {
        let m = CsvMapping::from_toml(MINIMAL, "m.toml").unwrap();
        let cols: Vec<String> = m.columns().into_iter().map(|(_, c)| c).collect();
        assert_eq!(cols, ["ID", "LAST"]);
    }

    #[test]
    fn typos_and_gaps_are_refused_by_key() {
        let typo = MINIMAL.replace("family_name", "famly_name");
        let e = CsvMapping::from_toml(&typo, "m.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("famly_name"), "{e}");
        let no_cat = MINIMAL.replace("category = \"suspect\"", "");
        let e = CsvMapping::from_toml(&no_cat, "m.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`category`"), "{e}");
        let no_section = MINIMAL.replace("record_type = \"person\"", "record_type = \"entity\"");
        let e = CsvMapping::from_toml(&no_section, "m.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`entity`"), "{e}");
    }
}
