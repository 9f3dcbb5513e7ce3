//! The operator's `import` and `delete`.
//!
//! `import` reads each file with the [`crate::import`] readers on a blocking thread and sends
//! its subjects over one `Ingest.Upsert` stream per file, in batches of at most
//! [`limits::MAX_SUBJECTS_PER_BATCH`] subjects and [`BATCH_BYTES`] bytes. It remembers where
//! each sent subject came from, so the node's errors (by record index in the stream) are shown
//! by file position; reader errors (a bad line) are shown the same way and counted as refused.

use std::fs::File;
use std::io::{BufReader, IsTerminal};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use fiu_proto::limits;
use fiu_proto::v1;
use indicatif::{ProgressBar, ProgressStyle};
use prost::Message as _;
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;

use super::client::{self, ClientOpts};
use super::{CliError, Outcome};
use crate::auth::Role;
use crate::import::{
    CsvMapping, CsvReader, GoamlCategories, GoamlReader, ImportError, JsonlReader, Records,
    source_name,
};

/// Encoded bytes of the subjects of one batch: half of [`limits::MAX_MESSAGE_BYTES`], so a
/// batch with its framing always fits in one gRPC message whatever the subjects' sizes.
pub const BATCH_BYTES: usize = limits::MAX_MESSAGE_BYTES / 2;

/// Batches read ahead of what the node has taken: enough to keep the node busy while the next
/// batch is read, few enough that memory stays a few batches.
const READ_AHEAD_BATCHES: usize = 2;

/// `fiu-node import`
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The files' format.
    #[arg(long, value_enum)]
    pub format: ImportFormat,
    /// The column-mapping file (TOML) for `--format csv`.
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,
    /// The files to import; each is sent as its own stream.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Source formats on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    /// goAML XML reports (schema 5.x and 4.x).
    Goaml,
    /// CSV through a column mapping (`--mapping`).
    Csv,
    /// JSON lines of the subject model.
    Jsonl,
}

impl ImportFormat {
    fn label(self) -> &'static str {
        match self {
            ImportFormat::Goaml => "goaml",
            ImportFormat::Csv => "csv",
            ImportFormat::Jsonl => "jsonl",
        }
    }
}

/// `fiu-node delete`
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// Why the subjects are deleted (retention, correction, court order), for the audit log.
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// Local references of the subjects to delete.
    #[arg(required = true, value_name = "LOCAL_REF")]
    pub local_refs: Vec<String>,
}

/// Imports every file; a file's summary is printed as soon as it is done.
pub async fn import(args: ImportArgs, opts: &ClientOpts) -> Result<Outcome, CliError> {
    let mapping = match (args.format, &args.mapping) {
        (ImportFormat::Csv, Some(path)) => Some(CsvMapping::load(path)?),
        (ImportFormat::Csv, None) => {
            return Err(CliError::bad("--mapping", "is required with --format csv"));
        }
        (_, Some(_)) => return Err(CliError::bad("--mapping", "only applies to --format csv")),
        (_, None) => None,
    };
    // Checked before connecting, so that a bad user name is reported as such.
    opts.user_name()?;
    let mut ingest = client::ingest(opts).await?;
    let mut outcome = Outcome::Success;
    for path in &args.files {
        let report = import_file(&mut ingest, opts, path, args.format, mapping.as_ref()).await?;
        if report.refused() > 0 || report.stopped {
            outcome = Outcome::Refused;
        }
        if opts.json {
            client::print_json(&report.to_json());
        } else {
            println!("{}", report.render());
        }
    }
    Ok(outcome)
}

/// Deletes subjects, in requests of at most [`limits::MAX_DELETE_REFS`] references.
pub async fn delete(args: DeleteArgs, opts: &ClientOpts) -> Result<Outcome, CliError> {
    opts.user_name()?;
    let mut ingest = client::ingest(opts).await?;
    let mut deleted = 0u64;
    let mut not_found = Vec::new();
    for chunk in args.local_refs.chunks(limits::MAX_DELETE_REFS) {
        let req = opts.request(
            v1::DeleteRequest {
                local_refs: chunk.to_vec(),
                reason: args.reason.clone(),
            },
            Role::Operator,
        )?;
        let summary = ingest.delete(req).await?.into_inner();
        deleted += summary.deleted;
        not_found.extend(summary.not_found);
    }
    if opts.json {
        client::print_json(&json!({"deleted": deleted, "not_found": not_found}));
    } else {
        println!("deleted {deleted} of {} subjects", args.local_refs.len());
        if !not_found.is_empty() {
            println!("no subject with local reference: {}", not_found.join(", "));
        }
    }
    Ok(Outcome::Success)
}

// ---- One file ------------------------------------------------------------------------------

/// Sends one file over one Upsert stream and returns what happened.
async fn import_file(
    ingest: &mut v1::ingest_client::IngestClient<tonic::transport::Channel>,
    opts: &ClientOpts,
    path: &Path,
    format: ImportFormat,
    mapping: Option<&CsvMapping>,
) -> Result<FileReport, CliError> {
    let name = source_name(path);
    let source = truncate(
        format!("{}:{name}", format.label()),
        limits::MAX_SOURCE_BYTES,
    );
    let progress = progress_bar(path, &name);
    let records = match open_records(path, &name, format, mapping, &progress) {
        Ok(r) => r,
        Err(e) => {
            // Nothing was read: no stream is opened, and the file counts as stopped.
            progress.finish_and_clear();
            return Ok(FileReport::unreadable(name, source, e.to_string()));
        }
    };

    let (tx, rx) = mpsc::channel(READ_AHEAD_BATCHES);
    let (stop_tx, stop_rx) = watch::channel(false);
    let request = opts.request(ReceiverStream::new(rx), Role::Operator)?;
    let handle = tokio::runtime::Handle::current();
    let reader = tokio::task::spawn_blocking({
        let source = source.clone();
        move || {
            read_and_send(
                records,
                &source,
                &Sender {
                    handle,
                    tx,
                    stop: stop_rx,
                },
            )
        }
    });
    let response = ingest.upsert(request).await;
    // Stops the reader if the node ended the stream early (it may be waiting to send).
    let _ = stop_tx.send(true);
    let read = reader
        .await
        .map_err(|e| CliError::Internal(format!("reading {name}: {e}")))?;
    progress.finish_and_clear();
    let summary = response?.into_inner();
    Ok(FileReport {
        name,
        source,
        read,
        summary,
        stopped: false,
    }
    .settle())
}

/// Opens the file through the progress bar and picks its reader.
fn open_records(
    path: &Path,
    name: &str,
    format: ImportFormat,
    mapping: Option<&CsvMapping>,
    progress: &ProgressBar,
) -> Result<Records, ImportError> {
    let file = File::open(path).map_err(|error| ImportError::Open {
        file: name.to_owned(),
        error,
    })?;
    let reader = BufReader::new(progress.wrap_read(file));
    let name = name.to_owned();
    Ok(match (format, mapping) {
        (ImportFormat::Goaml, _) => {
            Box::new(GoamlReader::new(reader, name, GoamlCategories::default()))
        }
        (ImportFormat::Csv, Some(m)) => Box::new(CsvReader::new(reader, name, m.clone())),
        (ImportFormat::Jsonl, _) => Box::new(JsonlReader::new(reader, name)),
        (ImportFormat::Csv, None) => {
            // `import` refuses csv without a mapping before any file is opened.
            return Err(ImportError::Open {
                file: name,
                error: std::io::Error::other("no --mapping given"),
            });
        }
    })
}

/// A byte progress bar on stderr when it is a terminal; hidden otherwise.
fn progress_bar(path: &Path, name: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let bar = ProgressBar::new(len);
    let style = ProgressStyle::with_template(
        "{msg} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    )
    .map(|s| s.progress_chars("=> "))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(name.to_owned());
    bar
}

/// The reader thread's way to hand batches to the async stream.
struct Sender {
    handle: tokio::runtime::Handle,
    tx: mpsc::Sender<v1::UpsertBatch>,
    stop: watch::Receiver<bool>,
}

impl Sender {
    /// Sends a batch, waiting for room; false when the stream is gone (the node ended the
    /// call) and reading should stop.
    fn send(&self, batch: v1::UpsertBatch) -> bool {
        let mut stop = self.stop.clone();
        self.handle.block_on(async {
            tokio::select! {
                r = self.tx.send(batch) => r.is_ok(),
                _ = stop.wait_for(|s| *s) => false,
            }
        })
    }
}

/// Reads every record, sends the subjects in batches, and keeps what the report needs.
fn read_and_send(records: Records, source: &str, sender: &Sender) -> ReadOutcome {
    let mut out = ReadOutcome::default();
    let mut batch: Vec<v1::Subject> = Vec::new();
    let mut batch_bytes = 0usize;
    let flush =
        |batch: &mut Vec<v1::Subject>, batch_bytes: &mut usize, out: &mut ReadOutcome| -> bool {
            if batch.is_empty() {
                return true;
            }
            *batch_bytes = 0;
            out.batches += 1;
            sender.send(v1::UpsertBatch {
                source: source.to_owned(),
                subjects: std::mem::take(batch),
            })
        };
    for item in records {
        match item {
            Ok(imported) => {
                out.records += 1;
                let wire = v1::Subject::from(&imported.subject);
                let size = wire.encoded_len();
                if size > BATCH_BYTES {
                    out.problem(format!(
                        "{}: record is {size} bytes encoded, over the {BATCH_BYTES}-byte batch limit; not sent",
                        imported.origin
                    ));
                    continue;
                }
                let full = batch.len() >= limits::MAX_SUBJECTS_PER_BATCH
                    || batch_bytes + size > BATCH_BYTES;
                if full && !flush(&mut batch, &mut batch_bytes, &mut out) {
                    return out;
                }
                out.positions.push(&imported.origin.position);
                batch_bytes += size;
                batch.push(wire);
            }
            Err(e) => {
                out.records += 1;
                let fatal = e.is_fatal();
                out.problem(if fatal {
                    format!("stopped reading: {e}")
                } else {
                    e.to_string()
                });
                if fatal {
                    out.stopped = true;
                    break;
                }
            }
        }
    }
    flush(&mut batch, &mut batch_bytes, &mut out);
    out
}

/// Where each sent subject came from, by its index in the stream. A `line N` position (CSV,
/// JSON lines) is kept as the number alone, so a 10-million-line file costs 80 MB here rather
/// than a string per line; other positions (XML element paths) are kept as text.
#[derive(Debug, Default)]
struct Positions {
    codes: Vec<u64>,
    texts: Vec<String>,
}

impl Positions {
    const TEXT: u64 = 1 << 63;

    fn push(&mut self, position: &str) {
        let line = position.strip_prefix("line ").and_then(|n| {
            n.parse::<u64>()
                .ok()
                .filter(|v| v.to_string() == n && *v < Self::TEXT)
        });
        match line {
            Some(n) => self.codes.push(n),
            None => {
                self.codes.push(Self::TEXT | self.texts.len() as u64);
                self.texts.push(position.to_owned());
            }
        }
    }

    fn get(&self, index: u64) -> Option<String> {
        let code = *self.codes.get(usize::try_from(index).ok()?)?;
        if code & Self::TEXT == 0 {
            Some(format!("line {code}"))
        } else {
            self.texts
                .get(usize::try_from(code & !Self::TEXT).ok()?)
                .cloned()
        }
    }

    fn len(&self) -> u64 {
        self.codes.len() as u64
    }
}

/// A problem found while reading, before the node saw the record.
#[derive(Debug)]
struct ReadProblem {
    /// Subjects sent before it: orders it among the node's errors.
    at: u64,
    /// The reader's message (file, position, field; never a value).
    message: String,
}

/// What the reader thread did.
#[derive(Debug, Default)]
struct ReadOutcome {
    records: u64,
    batches: u64,
    positions: Positions,
    problems: Vec<ReadProblem>,
    /// Problems counted but not kept (over [`limits::MAX_REPORTED_ERRORS`]).
    problems_omitted: u64,
    stopped: bool,
}

impl ReadOutcome {
    fn problem(&mut self, message: String) {
        if self.problems.len() < limits::MAX_REPORTED_ERRORS {
            self.problems.push(ReadProblem {
                at: self.positions.len(),
                message,
            });
        } else {
            self.problems_omitted += 1;
        }
    }

    fn refused(&self) -> u64 {
        self.problems.len() as u64 + self.problems_omitted
    }
}

/// One file's result.
#[derive(Debug)]
struct FileReport {
    name: String,
    source: String,
    read: ReadOutcome,
    summary: v1::IngestSummary,
    stopped: bool,
}

/// One line of the error list, in file order.
struct ReportLine {
    order: (u64, u8),
    json: Value,
    text: String,
}

impl FileReport {
    fn unreadable(name: String, source: String, message: String) -> FileReport {
        let mut read = ReadOutcome::default();
        read.problem(message);
        read.stopped = true;
        FileReport {
            name,
            source,
            read,
            summary: v1::IngestSummary::default(),
            stopped: true,
        }
    }

    fn settle(mut self) -> FileReport {
        self.stopped = self.read.stopped;
        self
    }

    fn refused(&self) -> u64 {
        self.summary.refused + self.read.refused()
    }

    fn lines(&self) -> Vec<ReportLine> {
        let mut lines: Vec<ReportLine> = self
            .read
            .problems
            .iter()
            .map(|p| ReportLine {
                order: (p.at, 0),
                json: json!({"message": p.message, "record_refused": true}),
                text: format!("{} [record refused]", p.message),
            })
            .collect();
        for e in &self.summary.errors {
            let position = self
                .read
                .positions
                .get(e.record_index)
                .unwrap_or_else(|| format!("record {}", e.record_index));
            let mut text = format!("{}: {position}", self.name);
            if !e.local_ref.is_empty() {
                text.push_str(&format!(" ({})", e.local_ref));
            }
            if !e.field.is_empty() {
                text.push_str(&format!(": {}", e.field));
            }
            text.push_str(&format!(": {}", e.reason));
            let mut j = client::field_error_json(e);
            if let Value::Object(m) = &mut j {
                m.insert("position".into(), Value::String(position));
                m.insert("message".into(), Value::String(text.clone()));
            }
            text.push_str(if e.record_refused {
                " [record refused]"
            } else {
                " [value left out; record kept]"
            });
            lines.push(ReportLine {
                order: (e.record_index, 1),
                json: j,
                text,
            });
        }
        lines.sort_by_key(|l| l.order);
        lines
    }

    fn omitted(&self) -> u64 {
        self.summary.errors_omitted + self.read.problems_omitted
    }

    fn to_json(&self) -> Value {
        json!({
            "file": self.name,
            "source": self.source,
            "records": self.read.records,
            "batches": self.summary.batches,
            "imported": self.summary.imported,
            "updated": self.summary.updated,
            "unchanged": self.summary.unchanged,
            "refused": self.refused(),
            "complete": !self.stopped,
            "errors": self.lines().into_iter().map(|l| l.json).collect::<Vec<_>>(),
            "errors_omitted": self.omitted(),
        })
    }

    fn render(&self) -> String {
        let s = &self.summary;
        let mut out = format!(
            "{}: {} imported, {} updated, {} unchanged, {} refused ({} records read{})",
            self.name,
            s.imported,
            s.updated,
            s.unchanged,
            self.refused(),
            self.read.records,
            if self.stopped { "; stopped early" } else { "" },
        );
        for l in self.lines() {
            out.push_str("\n  ");
            out.push_str(&l.text);
        }
        if self.omitted() > 0 {
            out.push_str(&format!(
                "\n  ... and {} more errors not listed",
                self.omitted()
            ));
        }
        out
    }
}

/// `text` cut to at most `max` bytes at a character boundary.
fn truncate(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_keep_lines_as_numbers_and_other_positions_as_text() {
        let mut p = Positions::default();
        p.push("line 7");
        p.push("report/transaction[1]/t_from (line 12)");
        p.push("line 007");
        assert_eq!(p.get(0).as_deref(), Some("line 7"));
        assert_eq!(
            p.get(1).as_deref(),
            Some("report/transaction[1]/t_from (line 12)")
        );
        assert_eq!(p.get(2).as_deref(), Some("line 007"));
        assert_eq!(p.get(3), None);
        assert_eq!(p.texts.len(), 2);
    }

    #[test]
    fn node_and_reader_errors_are_listed_in_file_order() {
        let mut read = ReadOutcome::default();
        read.positions.push("line 1");
        read.problem("f.jsonl: line 2, column 1: expected value".into());
        read.positions.push("line 3");
        read.records = 3;
        let summary = v1::IngestSummary {
            imported: 1,
            refused: 1,
            errors: vec![
                v1::FieldError {
                    record_index: 1,
                    local_ref: "R3".into(),
                    field: "account.iban".into(),
                    reason: "IBAN check digits do not match".into(),
                    record_refused: true,
                    ..Default::default()
                },
                v1::FieldError {
                    record_index: 0,
                    local_ref: "R1".into(),
                    field: "person.birth_date".into(),
                    reason: "not a date".into(),
                    record_refused: false,
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let r = FileReport {
            name: "f.jsonl".into(),
            source: "jsonl:f.jsonl".into(),
            read,
            summary,
            stopped: false,
        };
        assert_eq!(r.refused(), 2);
        let text = r.render();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "f.jsonl: 1 imported, 0 updated, 0 unchanged, 2 refused (3 records read)"
        );
        assert!(
            lines[1].contains("line 1 (R1): person.birth_date: not a date [value left out"),
            "{text}"
        );
        assert!(
            lines[2].starts_with("  f.jsonl: line 2, column 1"),
            "{text}"
        );
        assert!(lines[3].contains("line 3 (R3): account.iban"), "{text}");
        assert_eq!(r.to_json()["errors"][2]["position"], "line 3");
    }

    #[test]
    fn sources_are_cut_at_a_character_boundary() {
        assert_eq!(truncate("ééé".into(), 3), "é");
        assert_eq!(truncate("abc".into(), 5), "abc");
    }
}
