//! Streaming reader of goAML XML reports (schema 5.x; 4.x where element names differ).
//!
//! The report is read event by event. Header fields (`rentity_id`, `entity_reference`) are
//! kept; each *unit* — a `report/transaction` or a `report/activity/report_parties/report_party`
//! — is collected into a small tree ([`tree`]) and mapped to subjects ([`map`]) when it
//! closes. Memory is bounded by the largest unit, not by the report.
//!
//! Which element becomes which subject field, and how categories and `local_ref` are chosen,
//! is documented in docs/IMPORT.md.
//!
//! Not imported, on purpose: `reporting_person` (the reporting entity's own compliance
//! officer, not a subject of the report), `location`, and goods and services.

mod map;
mod tree;

use std::collections::{HashMap, VecDeque};
use std::io::{self, BufRead, Read};

use matcher::subject::Category;
use quick_xml::events::Event;

use crate::import::{ImportError, ImportedSubject};

pub use tree::{MAX_TEXT_BYTES, MAX_UNIT_ELEMENTS};

/// Deepest element nesting accepted. goAML's deepest legitimate path is about 15 levels
/// (account → signatory → person → related person → ...); a deeper document is refused
/// rather than risking the stack or memory on hostile input.
pub const MAX_DEPTH: usize = 64;

/// Which data-subject category each kind of goAML party gets.
///
/// goAML does not say "suspect" for most parties; a report is filed *about* its parties, so
/// by default they are suspects. People only connected to a party (signatories that are not
/// holders, directors, related persons) are associates, and the flags goAML does carry
/// (`is_suspected`, `conductor_is_suspected`, role `WITN`) are honoured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoamlCategories {
    /// Main parties: the person, entity or account of `t_from`, `t_from_my_client`, `t_to`,
    /// `t_to_my_client`, `involved_parties/party` and `report_party`; account holders
    /// (`t_entity` of an account, signatories with role `PAH`/`JAH` or `is_primary`) inherit
    /// their account's category; a conductor with `conductor_is_suspected` true.
    pub party: Category,
    /// A main party whose `is_suspected` / `from_is_suspected` / `to_is_suspected` is false.
    pub not_suspected: Category,
    /// Connected persons and entities: other signatories and account-related persons,
    /// directors (`director_id`), related persons, entities and accounts, and conductors not
    /// flagged as suspected.
    pub connected: Category,
    /// A party with role `WITN`.
    pub witness: Category,
}

impl Default for GoamlCategories {
    fn default() -> Self {
        GoamlCategories {
            party: Category::Suspect,
            not_suspected: Category::Associate,
            connected: Category::Associate,
            witness: Category::Witness,
        }
    }
}

/// goAML problems. None carries a field's value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GoamlError {
    /// The XML is not well-formed (or cannot be read); nothing after this point was read.
    #[error("{file}: XML not well-formed at {path} (line {line}, byte {byte}): {problem}")]
    Malformed {
        /// Source file name.
        file: String,
        /// Element path of the innermost open element.
        path: String,
        /// Line number (1-based).
        line: u64,
        /// Byte offset of the problem.
        byte: u64,
        /// What is wrong.
        problem: String,
    },
    /// Well-formed XML that is not a goAML report where the whole file depends on it (root
    /// element, report reference, nesting depth); nothing after this point was read.
    #[error("{file}: {path} (line {line}): {problem}")]
    NotAReport {
        /// Source file name.
        file: String,
        /// Element path.
        path: String,
        /// Line number (1-based).
        line: u64,
        /// What is wrong.
        problem: String,
    },
    /// One party (or part of it) lacks a required element; the rest of the report stands.
    #[error("{file}: {path} (line {line}): field `{field}`: {problem}")]
    Record {
        /// Source file name.
        file: String,
        /// Element path of the party or part.
        path: String,
        /// Line number (1-based).
        line: u64,
        /// The goAML element that is missing or wrong.
        field: String,
        /// What is wrong.
        problem: String,
    },
}

impl GoamlError {
    /// True when the error ended the stream.
    pub fn is_fatal(&self) -> bool {
        !matches!(self, GoamlError::Record { .. })
    }
}

/// Counts lines as the XML parser consumes bytes, so errors and origins can name a line.
struct LineCounter<R> {
    inner: R,
    newlines: u64,
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.newlines += count_newlines(&buf[..n]);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        // fill_buf returns the already buffered bytes without I/O, since `amt` of them are
        // there to be consumed.
        if let Ok(buf) = self.inner.fill_buf() {
            self.newlines += count_newlines(&buf[..amt.min(buf.len())]);
        }
        self.inner.consume(amt);
    }
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// The report header fields that local references are built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeaderField {
    RentityId,
    EntityReference,
}

/// An open element outside any unit.
#[derive(Debug)]
struct Frame {
    segment: String,
    name: String,
    /// Children seen so far, by name, for sibling indexes.
    counts: HashMap<String, usize>,
    /// Text being collected for a header field.
    capture: Option<(HeaderField, String)>,
}

/// Reads a goAML report and yields its subjects one at a time.
///
/// See the module documentation for what is read; [`GoamlCategories`] for categories.
pub struct GoamlReader<R: BufRead> {
    xml: quick_xml::Reader<LineCounter<R>>,
    file: String,
    categories: GoamlCategories,
    buf: Vec<u8>,
    stack: Vec<Frame>,
    unit: Option<tree::TreeBuilder>,
    rentity_id: Option<String>,
    entity_reference: Option<String>,
    /// Transaction numbers seen, to keep local references unique within a report.
    seen_units: HashMap<String, usize>,
    root_seen: bool,
    pending: VecDeque<Result<ImportedSubject, ImportError>>,
    done: bool,
}

/// An event reduced to what the reader uses, owning its data so the buffer can be reused.
enum Step {
    Open(String),
    OpenClose(String),
    Close,
    Text(String),
    Skip,
    Eof,
}

impl<R: BufRead> GoamlReader<R> {
    /// Reads a report from `reader`; `file` names it in origins and errors.
    pub fn new(reader: R, file: impl Into<String>, categories: GoamlCategories) -> Self {
        let mut xml = quick_xml::Reader::from_reader(LineCounter {
            inner: reader,
            newlines: 0,
        });
        let config = xml.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = false;
        GoamlReader {
            xml,
            file: file.into(),
            categories,
            buf: Vec::new(),
            stack: Vec::new(),
            unit: None,
            rentity_id: None,
            entity_reference: None,
            seen_units: HashMap::new(),
            root_seen: false,
            pending: VecDeque::new(),
            done: false,
        }
    }

    fn line(&self) -> u64 {
        self.xml.get_ref().newlines + 1
    }

    fn path(&self) -> String {
        if let Some(unit) = &self.unit {
            return unit.current_path();
        }
        let segments: Vec<&str> = self.stack.iter().map(|f| f.segment.as_str()).collect();
        if segments.is_empty() {
            "/".to_owned()
        } else {
            segments.join("/")
        }
    }

    fn depth(&self) -> usize {
        self.stack.len() + self.unit.as_ref().map_or(0, |u| u.depth())
    }

    /// Ends the stream with `error`.
    fn fatal(&mut self, error: GoamlError) {
        self.unit = None;
        self.pending.push_back(Err(error.into()));
        self.done = true;
    }

    fn not_a_report(&mut self, problem: String) {
        let error = GoamlError::NotAReport {
            file: self.file.clone(),
            path: self.path(),
            line: self.line(),
            problem,
        };
        self.fatal(error);
    }

    fn malformed(&mut self, problem: String, byte: u64) {
        let error = GoamlError::Malformed {
            file: self.file.clone(),
            path: self.path(),
            line: self.line(),
            byte,
            problem,
        };
        self.fatal(error);
    }

    /// Reads events until at least one result is pending or the input is done.
    fn advance(&mut self) {
        while self.pending.is_empty() && !self.done {
            let mut buf = std::mem::take(&mut self.buf);
            buf.clear();
            let step = match self.xml.read_event_into(&mut buf) {
                Ok(event) => self.step(event),
                Err(e) => Err(describe(&e)),
            };
            self.buf = buf;
            match step {
                Ok(Step::Open(name)) => self.open(name),
                Ok(Step::OpenClose(name)) => {
                    self.open(name);
                    if !self.done {
                        self.close();
                    }
                }
                Ok(Step::Close) => self.close(),
                Ok(Step::Text(text)) => self.text(&text),
                Ok(Step::Skip) => {}
                Ok(Step::Eof) => self.eof(),
                Err(problem) => {
                    let byte = self.xml.error_position();
                    self.malformed(problem, byte);
                }
            }
        }
    }

    /// Reduces an event; text is copied only where it is kept.
    fn step(&self, event: Event<'_>) -> Result<Step, String> {
        let wants_text =
            self.unit.is_some() || self.stack.last().is_some_and(|f| f.capture.is_some());
        Ok(match event {
            Event::Start(e) => Step::Open(e.local_name().as_ref().to_owned()),
            Event::Empty(e) => Step::OpenClose(e.local_name().as_ref().to_owned()),
            Event::End(_) => Step::Close,
            Event::Text(t) if wants_text => Step::Text(t.xml10_content().into_owned()),
            Event::CData(t) if wants_text => Step::Text(t.xml10_content().into_owned()),
            Event::GeneralRef(r) => {
                let text = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => match r.as_ref() {
                        "amp" => "&".to_owned(),
                        "lt" => "<".to_owned(),
                        "gt" => ">".to_owned(),
                        "apos" => "'".to_owned(),
                        "quot" => "\"".to_owned(),
                        _ => {
                            return Err(
                                "reference to an entity other than the five predefined ones"
                                    .to_owned(),
                            );
                        }
                    },
                    Err(_) => return Err("invalid character reference".to_owned()),
                };
                if wants_text {
                    Step::Text(text)
                } else {
                    Step::Skip
                }
            }
            Event::Eof => Step::Eof,
            _ => Step::Skip,
        })
    }

    fn open(&mut self, name: String) {
        if self.depth() >= MAX_DEPTH {
            self.not_a_report(format!("elements nested deeper than {MAX_DEPTH}"));
            return;
        }
        let line = self.line();
        if let Some(unit) = &mut self.unit {
            unit.start(name, line);
            return;
        }
        let Some(parent) = self.stack.last_mut() else {
            if self.root_seen {
                self.not_a_report("a second root element after `report`".to_owned());
            } else if name != "report" {
                self.not_a_report(format!("root element is `{name}`, expected `report`"));
            } else {
                self.root_seen = true;
                self.stack.push(Frame {
                    segment: name.clone(),
                    name,
                    counts: HashMap::new(),
                    capture: None,
                });
            }
            return;
        };
        let count = parent.counts.entry(name.clone()).or_insert(0);
        *count += 1;
        let index = *count;
        let names: Vec<&str> = self.stack.iter().map(|f| f.name.as_str()).collect();
        let unit_start = matches!(
            (names.as_slice(), name.as_str()),
            (["report"], "transaction")
                | (["report", "activity", "report_parties"], "report_party")
        );
        if unit_start {
            if self.entity_reference.is_none() {
                self.not_a_report(
                    "`report/entity_reference` must come before the first party (schema order); \
                     it is missing"
                        .to_owned(),
                );
                return;
            }
            self.unit = Some(tree::TreeBuilder::new(self.path(), name, index, line));
            return;
        }
        let capture = match (names.as_slice(), name.as_str()) {
            (["report"], "rentity_id") => Some((HeaderField::RentityId, String::new())),
            (["report"], "entity_reference") => Some((HeaderField::EntityReference, String::new())),
            _ => None,
        };
        let segment = if index > 1 {
            format!("{name}[{index}]")
        } else {
            name.clone()
        };
        self.stack.push(Frame {
            segment,
            name,
            counts: HashMap::new(),
            capture,
        });
    }

    fn close(&mut self) {
        if let Some(unit) = &mut self.unit {
            if let Some(tree) = unit.end() {
                self.unit = None;
                self.finish_unit(&tree);
            }
            return;
        }
        if let Some(frame) = self.stack.pop() {
            match frame.capture {
                Some((HeaderField::RentityId, text)) => {
                    self.rentity_id = crate::import::non_empty(&text);
                }
                Some((HeaderField::EntityReference, text)) => {
                    self.entity_reference = crate::import::non_empty(&text);
                }
                None => {}
            }
        }
    }

    fn text(&mut self, text: &str) {
        if let Some(unit) = &mut self.unit {
            unit.text(text);
        } else if let Some(Frame {
            capture: Some((_, buf)),
            ..
        }) = self.stack.last_mut()
        {
            let room = MAX_TEXT_BYTES.saturating_sub(buf.len());
            if text.len() <= room {
                buf.push_str(text);
            }
        }
    }

    fn eof(&mut self) {
        if !self.stack.is_empty() || self.unit.is_some() {
            let byte = self.xml.buffer_position();
            self.malformed("input ends inside this element".to_owned(), byte);
        } else if !self.root_seen {
            self.not_a_report("no `report` element".to_owned());
        } else {
            self.done = true;
        }
    }

    fn finish_unit(&mut self, tree: &tree::Tree) {
        let root = tree.root();
        let report_ref = match (&self.rentity_id, &self.entity_reference) {
            (Some(id), Some(reference)) => format!("{id}:{reference}"),
            (None, Some(reference)) => reference.clone(),
            // open() refuses units before entity_reference.
            (_, None) => String::new(),
        };
        let unit_ref = if root.name() == "transaction" {
            let base = root.child_text("transactionnumber").unwrap_or_else(|| {
                // Schema requires the number; fall back to the position, which is stable for
                // the same file.
                root.path()
                    .rsplit('/')
                    .next()
                    .unwrap_or("transaction")
                    .to_owned()
            });
            let seen = self.seen_units.entry(base.clone()).or_insert(0);
            *seen += 1;
            if *seen > 1 {
                format!("{base}#{seen}")
            } else {
                base
            }
        } else {
            root.path()
                .rsplit('/')
                .next()
                .unwrap_or("report_party")
                .to_owned()
        };
        let ctx = map::UnitContext {
            file: &self.file,
            report_ref: &report_ref,
            unit_ref: &unit_ref,
            categories: &self.categories,
        };
        self.pending.extend(map::map_unit(tree, &ctx));
    }
}

/// A parser error in words that never quote the document's text (entity names and
/// character references can be field content).
fn describe(error: &quick_xml::Error) -> String {
    use quick_xml::Error as E;
    match error {
        E::Io(e) => format!("read error: {e}"),
        E::Syntax(e) => e.to_string(),
        E::IllFormed(e) => e.to_string(),
        E::Encoding(_) => "text is not valid UTF-8".to_owned(),
        E::Escape(_) => "invalid character or entity reference".to_owned(),
        E::InvalidAttr(_) => "malformed attribute".to_owned(),
        E::Namespace(_) => "undeclared or invalid namespace prefix".to_owned(),
    }
}

impl<R: BufRead> Iterator for GoamlReader<R> {
    type Item = Result<ImportedSubject, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.advance();
        self.pending.pop_front()
    }
}
