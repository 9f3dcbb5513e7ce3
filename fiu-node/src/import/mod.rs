//! Importers: turn the FIU's exports (goAML XML reports, mapped CSV, JSON lines) into
//! [`matcher::subject::Subject`]s for the `fiu-node import` command.
//!
//! Every reader is an [`Iterator`] over `Result<ImportedSubject, ImportError>`, one item per
//! record, produced lazily so that a 1 GB export never sits in memory. A record error (one
//! party without a name, one CSV row without its local reference, one bad JSON line) is one
//! `Err` item and the stream goes on; a fatal error (XML not well-formed, a mapped column
//! missing from the header, an unreadable file) is the last item of the stream.
//! [`ImportError::is_fatal`] tells the two apart.
//!
//! # Layout
//!
//! - [`goaml`]: streaming reader of goAML XML reports (schema 5.x and 4.x).
//! - [`mapping`]: the CSV column-mapping file (TOML) that an FIU writes once for its export.
//! - [`csv_reader`]: reads a CSV file through a mapping.
//! - [`jsonl`]: reads JSON lines in the matcher's serde form of [`Subject`].
//!
//! # Design
//!
//! - Readers do not validate identifier values: the matcher does that when it builds keys,
//!   and reports each refused value by its field path. Importers report only structural
//!   problems (a missing required element or column, a row that cannot be read), so an
//!   odd-looking value is never dropped here without trace.
//! - No error carries a raw field value: errors name the file, the position (line, or XML
//!   element path and line) and the field. Third-party parser messages that can quote input
//!   (serde's "invalid type: string \"...\"", XML entity names) are rewritten.
//! - `local_ref` is derived from the source's own ids and the record's position in it, never
//!   from a counter or a clock, so importing the same file twice yields the same subjects.

pub mod csv_reader;
pub mod goaml;
pub mod jsonl;
pub mod mapping;

use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use matcher::subject::Subject;

pub use csv_reader::{CsvError, CsvReader};
pub use goaml::{GoamlCategories, GoamlError, GoamlReader};
pub use jsonl::{JsonlError, JsonlReader};
pub use mapping::{CsvMapping, MappingError};

/// A subject as read from a source file, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedSubject {
    /// The subject, with raw (unvalidated) values.
    pub subject: Subject,
    /// Where in the source the subject was found, for the operator's import report.
    pub origin: RecordOrigin,
}

/// Where a record came from: shown to the operator next to any problem the matcher later
/// finds with the record's values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordOrigin {
    /// The source file's name.
    pub source: String,
    /// The position in the source: `line 12` for CSV and JSON lines, the element path and
    /// line for XML (`report/transaction[3]/t_from_my_client/from_person (line 57)`).
    pub position: String,
}

impl fmt::Display for RecordOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.position)
    }
}

/// What can go wrong while importing, by source format.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The source file could not be opened.
    #[error("{file}: cannot open: {error}")]
    Open {
        /// The file's name.
        file: String,
        /// The operating system's reason.
        #[source]
        error: std::io::Error,
    },
    /// A goAML XML problem.
    #[error(transparent)]
    Goaml(#[from] GoamlError),
    /// A CSV problem (including the mapping file).
    #[error(transparent)]
    Csv(#[from] CsvError),
    /// A JSON-lines problem.
    #[error(transparent)]
    Jsonl(#[from] JsonlError),
}

impl ImportError {
    /// True when this error ended the stream: nothing after it in the file was read.
    /// A non-fatal error concerns one record only; the records before and after it stand.
    pub fn is_fatal(&self) -> bool {
        match self {
            ImportError::Open { .. } => true,
            ImportError::Goaml(e) => e.is_fatal(),
            ImportError::Csv(e) => e.is_fatal(),
            ImportError::Jsonl(e) => e.is_fatal(),
        }
    }
}

/// The stream of records a reader yields.
pub type Records = Box<dyn Iterator<Item = Result<ImportedSubject, ImportError>> + Send>;

/// The source formats, with what each needs besides the file.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Format {
    /// A goAML XML report, with the category policy for its parties.
    Goaml(GoamlCategories),
    /// A CSV export, read through a column mapping (boxed: a mapping is large beside the
    /// other variants).
    Csv(Box<CsvMapping>),
    /// JSON lines of the matcher's subject form.
    Jsonl,
}

/// Opens `path` and returns its records, read lazily.
///
/// The records' origin and the errors name the file by its file name only, so that import
/// reports do not show the operator's directory layout.
pub fn open(path: &Path, format: Format) -> Result<Records, ImportError> {
    let name = source_name(path);
    let file = File::open(path).map_err(|error| ImportError::Open {
        file: name.clone(),
        error,
    })?;
    let reader = BufReader::new(file);
    Ok(match format {
        Format::Goaml(categories) => Box::new(GoamlReader::new(reader, name, categories)),
        Format::Csv(mapping) => Box::new(CsvReader::new(reader, name, *mapping)),
        Format::Jsonl => Box::new(JsonlReader::new(reader, name)),
    })
}

/// The name a file is known by in origins and errors: its file name, or the whole path when
/// it has none.
pub fn source_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Trims a value and turns an empty one into `None`: sources write "absent" as an empty
/// element or cell.
pub(crate) fn non_empty(value: &str) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        None
    } else {
        Some(v.to_owned())
    }
}
