//! Reads a CSV export through a [`CsvMapping`]: one subject per row.
//!
//! The header row is required. Every column the mapping names must be in it (a missing one
//! ends the import before any row, naming the column). A row that lacks a required field, or
//! has a value the mapping cannot place (an unknown category word), is one record error; the
//! other rows are imported.

use std::collections::HashMap;
use std::io::Read;

use chrono::NaiveDate;
use matcher::subject::{
    Account, Address, Aircraft, Category, Container, DocumentKind, Email, IdentityDocument,
    LegalEntity, Person, Phone, Record, Subject, TaxNumber, Vessel, Wallet,
};

use crate::import::mapping::{
    AddressColumns, CsvMapping, DocumentColumns, MappingError, RecordType, TaxColumns,
};
use crate::import::{ImportError, ImportedSubject, RecordOrigin};

/// CSV problems. None carries a cell's value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CsvError {
    /// The mapping file is unusable; nothing was read.
    #[error(transparent)]
    Mapping(#[from] MappingError),
    /// The header row is missing or unreadable; nothing was read.
    #[error("{file}: header: {problem}")]
    Header {
        /// Source file name.
        file: String,
        /// What is wrong.
        problem: String,
    },
    /// A column named by the mapping is not in the header; nothing was read.
    #[error("{file}: header has no column `{column}` (mapped by `{key}`)")]
    UnknownColumn {
        /// Source file name.
        file: String,
        /// The mapping key naming the column.
        key: String,
        /// The column name as the mapping gives it.
        column: String,
    },
    /// The file could not be read further; nothing after this point was read.
    #[error("{file}: line {line}: read error: {problem}")]
    Read {
        /// Source file name.
        file: String,
        /// Line of the last row read.
        line: u64,
        /// What went wrong.
        problem: String,
    },
    /// The row does not have as many fields as the header.
    #[error("{file}: line {line}: row has {found} fields, header has {expected}")]
    RowLength {
        /// Source file name.
        file: String,
        /// Line where the row starts.
        line: u64,
        /// Fields in the row.
        found: usize,
        /// Fields in the header.
        expected: usize,
    },
    /// A required field is empty.
    #[error("{file}: line {line}: field `{field}` is required but empty")]
    Missing {
        /// Source file name.
        file: String,
        /// Line where the row starts.
        line: u64,
        /// The subject field (mapping key) that is missing.
        field: String,
    },
    /// A cell cannot be used as the mapping says.
    #[error("{file}: line {line}: field `{field}`: {problem}")]
    BadValue {
        /// Source file name.
        file: String,
        /// Line where the row starts.
        line: u64,
        /// The subject field (mapping key).
        field: String,
        /// What is wrong, without the value.
        problem: String,
    },
}

impl CsvError {
    /// True when the error ended the stream.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            CsvError::Mapping(_)
                | CsvError::Header { .. }
                | CsvError::UnknownColumn { .. }
                | CsvError::Read { .. }
        )
    }
}

/// Reads subjects from a CSV export, one result per data row.
pub struct CsvReader<R: Read> {
    csv: csv::Reader<R>,
    file: String,
    mapping: CsvMapping,
    /// Header name to index, once the header is read.
    columns: Option<HashMap<String, usize>>,
    header_len: usize,
    record: csv::ByteRecord,
    done: bool,
}

impl<R: Read> CsvReader<R> {
    /// Reads from `reader` through `mapping`; `file` names the source in origins and errors.
    pub fn new(reader: R, file: impl Into<String>, mapping: CsvMapping) -> Self {
        let delimiter = mapping
            .delimiter
            .as_bytes()
            .first()
            .copied()
            .unwrap_or(b',');
        let csv = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(true)
            .from_reader(reader);
        CsvReader {
            csv,
            file: file.into(),
            mapping,
            columns: None,
            header_len: 0,
            record: csv::ByteRecord::new(),
            done: false,
        }
    }

    fn read_header(&mut self) -> Result<(), CsvError> {
        let file = self.file.clone();
        let headers = self.csv.byte_headers().map_err(|e| CsvError::Header {
            file: file.clone(),
            problem: describe(&e),
        })?;
        if headers.is_empty() {
            return Err(CsvError::Header {
                file,
                problem: "the file is empty".to_owned(),
            });
        }
        let mut columns = HashMap::new();
        for (i, raw) in headers.iter().enumerate() {
            let name = std::str::from_utf8(raw).map_err(|_| CsvError::Header {
                file: file.clone(),
                problem: format!("column {} name is not valid UTF-8", i + 1),
            })?;
            let name = name.trim_start_matches('\u{feff}').trim();
            columns.entry(name.to_owned()).or_insert(i);
        }
        for (key, column) in self.mapping.columns() {
            if !columns.contains_key(&column) {
                return Err(CsvError::UnknownColumn { file, key, column });
            }
        }
        self.header_len = headers.len();
        self.columns = Some(columns);
        Ok(())
    }
}

impl<R: Read> Iterator for CsvReader<R> {
    type Item = Result<ImportedSubject, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if self.columns.is_none() {
            let header = self.read_header();
            if let Err(e) = header {
                self.done = true;
                return Some(Err(e.into()));
            }
        }
        loop {
            match self.csv.read_byte_record(&mut self.record) {
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Ok(true) => {}
                Err(e) => {
                    self.done = true;
                    let line = e
                        .position()
                        .map(|p| p.line())
                        .unwrap_or_else(|| self.csv.position().line());
                    return Some(Err(CsvError::Read {
                        file: self.file.clone(),
                        line,
                        problem: describe(&e),
                    }
                    .into()));
                }
            }
            let line = self
                .record
                .position()
                .map(|p| p.line())
                .unwrap_or_else(|| self.csv.position().line());
            // A line holding nothing at all is not a row.
            if self.record.len() == 1 && self.record.get(0).is_some_and(|f| f.is_empty()) {
                continue;
            }
            let Some(columns) = &self.columns else {
                return None;
            };
            if self.record.len() != self.header_len {
                return Some(Err(CsvError::RowLength {
                    file: self.file.clone(),
                    line,
                    found: self.record.len(),
                    expected: self.header_len,
                }
                .into()));
            }
            let row = Row {
                record: &self.record,
                columns,
                file: &self.file,
                line,
                separator: &self.mapping.list_separator,
            };
            return Some(
                row.subject(&self.mapping)
                    .map(|subject| ImportedSubject {
                        subject,
                        origin: RecordOrigin {
                            source: self.file.clone(),
                            position: format!("line {line}"),
                        },
                    })
                    .map_err(ImportError::from),
            );
        }
    }
}

/// csv's error in words that never quote a cell.
fn describe(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Io(e) => e.to_string(),
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_owned(),
        csv::ErrorKind::UnequalLengths { .. } => "rows of unequal length".to_owned(),
        _ => "unreadable CSV".to_owned(),
    }
}

/// One data row with what is needed to read its cells.
struct Row<'a> {
    record: &'a csv::ByteRecord,
    columns: &'a HashMap<String, usize>,
    file: &'a str,
    line: u64,
    separator: &'a str,
}

impl Row<'_> {
    fn missing(&self, field: &str) -> CsvError {
        CsvError::Missing {
            file: self.file.to_owned(),
            line: self.line,
            field: field.to_owned(),
        }
    }

    fn bad(&self, field: &str, problem: &str) -> CsvError {
        CsvError::BadValue {
            file: self.file.to_owned(),
            line: self.line,
            field: field.to_owned(),
            problem: problem.to_owned(),
        }
    }

    /// The trimmed cell of `column` for subject field `field`; `None` when not mapped or
    /// empty.
    fn get(&self, field: &str, column: Option<&String>) -> Result<Option<String>, CsvError> {
        let Some(column) = column else {
            return Ok(None);
        };
        // Every mapped column was checked against the header before the first row.
        let Some(raw) = self.columns.get(column).and_then(|&i| self.record.get(i)) else {
            return Ok(None);
        };
        let text = std::str::from_utf8(raw).map_err(|_| self.bad(field, "not valid UTF-8"))?;
        Ok(crate::import::non_empty(text))
    }

    /// A multi-valued cell, split on the list separator.
    fn list(&self, field: &str, column: Option<&String>) -> Result<Vec<String>, CsvError> {
        Ok(self
            .get(field, column)?
            .map(|v| {
                v.split(self.separator)
                    .filter_map(crate::import::non_empty)
                    .collect()
            })
            .unwrap_or_default())
    }

    fn require(&self, field: &str, column: Option<&String>) -> Result<String, CsvError> {
        self.get(field, column)?.ok_or_else(|| self.missing(field))
    }

    fn subject(&self, m: &CsvMapping) -> Result<Subject, CsvError> {
        let local_ref = self.require("local_ref", Some(&m.local_ref_column))?;
        let local_ref = format!("{}{local_ref}", m.local_ref_prefix);
        let category = self.category(m)?;
        let expires = match self.get("expires", m.expires_column.as_ref())? {
            Some(v) => Some(
                NaiveDate::parse_from_str(&v, "%Y-%m-%d")
                    .map_err(|_| self.bad("expires", "not a date in YYYY-MM-DD form"))?,
            ),
            None => None,
        };
        let record_type = match (m.record_type, &m.record_type_column) {
            (Some(t), _) => t,
            (None, column) => {
                let v = self.require("record_type", column.as_ref())?;
                m.record_type_values
                    .get(&v)
                    .copied()
                    .or_else(|| RecordType::parse(&v))
                    .ok_or_else(|| {
                        self.bad(
                            "record_type",
                            "not a record type name nor a key of record_type_values",
                        )
                    })?
            }
        };
        let record = self.record(m, record_type)?;
        Ok(Subject {
            local_ref,
            category,
            expires,
            record,
        })
    }

    fn category(&self, m: &CsvMapping) -> Result<Category, CsvError> {
        match self.get("category", m.category_column.as_ref())? {
            Some(v) => m
                .category_values
                .get(&v)
                .copied()
                .or_else(|| {
                    Category::ALL
                        .into_iter()
                        .find(|c| c.as_str().eq_ignore_ascii_case(&v))
                })
                .ok_or_else(|| {
                    self.bad(
                        "category",
                        "not a category name nor a key of category_values",
                    )
                }),
            None => m.category.ok_or_else(|| self.missing("category")),
        }
    }

    fn record(&self, m: &CsvMapping, t: RecordType) -> Result<Record, CsvError> {
        let no_section = || {
            self.bad(
                "record_type",
                &format!("the mapping has no [{}] section", t.as_str()),
            )
        };
        Ok(match t {
            RecordType::Person => {
                let c = m.person.as_ref().ok_or_else(no_section)?;
                let mut p = Person {
                    given_name: self.get("person.given_name", c.given_name.as_ref())?,
                    middle_name: self.get("person.middle_name", c.middle_name.as_ref())?,
                    family_name: self.get("person.family_name", c.family_name.as_ref())?,
                    original_script_name: self.get(
                        "person.original_script_name",
                        c.original_script_name.as_ref(),
                    )?,
                    birth_date: self.get("person.birth_date", c.birth_date.as_ref())?,
                    birth_place: self.get("person.birth_place", c.birth_place.as_ref())?,
                    birth_country: self.get("person.birth_country", c.birth_country.as_ref())?,
                    nationalities: self.list("person.nationalities", c.nationalities.as_ref())?,
                    documents: self.documents("person", &c.documents)?,
                    tax_numbers: self.taxes("person", &c.tax_numbers)?,
                    addresses: self.addresses("person", &c.addresses)?,
                    phones: self.list("person.phones", c.phones.as_ref())?,
                    emails: self.list("person.emails", c.emails.as_ref())?,
                    ..Person::default()
                };
                p.aliases
                    .extend(self.get("person.full_name", c.full_name.as_ref())?);
                p.aliases
                    .extend(self.list("person.aliases", c.aliases.as_ref())?);
                if p.given_name.is_none()
                    && p.family_name.is_none()
                    && p.aliases.is_empty()
                    && p.original_script_name.is_none()
                {
                    return Err(self.missing("person.family_name"));
                }
                Record::Person(p)
            }
            RecordType::Entity => {
                let c = m.entity.as_ref().ok_or_else(no_section)?;
                Record::Entity(LegalEntity {
                    name: self.require("entity.name", c.name.as_ref())?,
                    aliases: self.list("entity.aliases", c.aliases.as_ref())?,
                    legal_form: self.get("entity.legal_form", c.legal_form.as_ref())?,
                    registration_number: self
                        .get("entity.registration_number", c.registration_number.as_ref())?,
                    registration_country: self.get(
                        "entity.registration_country",
                        c.registration_country.as_ref(),
                    )?,
                    lei: self.get("entity.lei", c.lei.as_ref())?,
                    tax_numbers: self.taxes("entity", &c.tax_numbers)?,
                    addresses: self.addresses("entity", &c.addresses)?,
                    phones: self.list("entity.phones", c.phones.as_ref())?,
                    emails: self.list("entity.emails", c.emails.as_ref())?,
                })
            }
            RecordType::Account => {
                let c = m.account.as_ref().ok_or_else(no_section)?;
                let a = Account {
                    iban: self.get("account.iban", c.iban.as_ref())?,
                    number: self.get("account.number", c.number.as_ref())?,
                    institution: self.get("account.institution", c.institution.as_ref())?,
                    country: self.get("account.country", c.country.as_ref())?,
                    holder: self.get("account.holder", c.holder.as_ref())?,
                };
                if a.iban.is_none() && a.number.is_none() {
                    return Err(self.missing(if c.iban.is_some() {
                        "account.iban"
                    } else {
                        "account.number"
                    }));
                }
                Record::Account(a)
            }
            RecordType::Wallet => {
                let c = m.wallet.as_ref().ok_or_else(no_section)?;
                let chain = self
                    .get("wallet.chain", c.chain.as_ref())?
                    .or_else(|| c.chain_default.clone())
                    .ok_or_else(|| self.missing("wallet.chain"))?;
                Record::Wallet(Wallet {
                    chain,
                    address: self.require("wallet.address", c.address.as_ref())?,
                })
            }
            RecordType::Vessel => {
                let c = m.vessel.as_ref().ok_or_else(no_section)?;
                Record::Vessel(Vessel {
                    imo: self.require("vessel.imo", c.imo.as_ref())?,
                    name: self.get("vessel.name", c.name.as_ref())?,
                })
            }
            RecordType::Aircraft => {
                let c = m.aircraft.as_ref().ok_or_else(no_section)?;
                Record::Aircraft(Aircraft {
                    registration: self.require("aircraft.registration", c.registration.as_ref())?,
                })
            }
            RecordType::Container => {
                let c = m.container.as_ref().ok_or_else(no_section)?;
                Record::Container(Container {
                    number: self.require("container.number", c.number.as_ref())?,
                })
            }
            RecordType::Phone => {
                let c = m.phone.as_ref().ok_or_else(no_section)?;
                Record::Phone(Phone {
                    number: self.require("phone.number", c.number.as_ref())?,
                })
            }
            RecordType::Email => {
                let c = m.email.as_ref().ok_or_else(no_section)?;
                Record::Email(Email {
                    address: self.require("email.address", c.address.as_ref())?,
                })
            }
        })
    }

    fn documents(
        &self,
        prefix: &str,
        specs: &[DocumentColumns],
    ) -> Result<Vec<IdentityDocument>, CsvError> {
        let mut out = Vec::new();
        for (i, d) in specs.iter().enumerate() {
            let field = |f: &str| format!("{prefix}.documents[{i}].{f}");
            let Some(number) = self.get(&field("number"), Some(&d.number))? else {
                continue;
            };
            let kind = match self.get(&field("kind_column"), d.kind_column.as_ref())? {
                Some(word) => d
                    .kind_values
                    .get(&word)
                    .copied()
                    .unwrap_or_else(|| document_kind(&word)),
                None => d.kind.unwrap_or_default(),
            };
            let country = self
                .get(&field("country"), d.country.as_ref())?
                .or_else(|| d.country_default.clone());
            out.push(IdentityDocument {
                kind,
                number,
                country,
            });
        }
        Ok(out)
    }

    fn taxes(&self, prefix: &str, specs: &[TaxColumns]) -> Result<Vec<TaxNumber>, CsvError> {
        let mut out = Vec::new();
        for (i, t) in specs.iter().enumerate() {
            let field = |f: &str| format!("{prefix}.tax_numbers[{i}].{f}");
            let Some(number) = self.get(&field("number"), Some(&t.number))? else {
                continue;
            };
            let country = self
                .get(&field("country"), t.country.as_ref())?
                .or_else(|| t.country_default.clone());
            out.push(TaxNumber { number, country });
        }
        Ok(out)
    }

    fn addresses(&self, prefix: &str, specs: &[AddressColumns]) -> Result<Vec<Address>, CsvError> {
        let mut out = Vec::new();
        for (i, a) in specs.iter().enumerate() {
            let field = |f: &str| format!("{prefix}.addresses[{i}].{f}");
            let address = Address {
                street: self.get(&field("street"), a.street.as_ref())?,
                city: self.get(&field("city"), a.city.as_ref())?,
                postcode: self.get(&field("postcode"), a.postcode.as_ref())?,
                country: self.get(&field("country"), a.country.as_ref())?,
            };
            if address != Address::default() {
                out.push(address);
            }
        }
        Ok(out)
    }
}

/// A document-kind word: the matcher's snake_case names or goAML's codes, ignoring case;
/// anything else is `other` (the kind only refines matching, the number and country carry it).
fn document_kind(word: &str) -> DocumentKind {
    match word.to_ascii_lowercase().as_str() {
        "passport" | "passp" => DocumentKind::Passport,
        "national_id" | "eid" | "nid" | "id_card" => DocumentKind::NationalId,
        "driving_licence" | "driving_license" | "drivl" => DocumentKind::DrivingLicence,
        "residence_permit" => DocumentKind::ResidencePermit,
        _ => DocumentKind::Other,
    }
}
