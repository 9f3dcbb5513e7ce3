//! JSON lines: one subject per line in the matcher's serde form of [`Subject`], e.g.
//! `{"local_ref":"STR-1","category":"suspect","type":"account","iban":"DE89..."}`.
//!
//! Blank lines are skipped. A line that is not a subject is one record error naming its line
//! number, column and serde's reason — rewritten where serde would quote the value.

use std::io::{self, BufRead};

use matcher::subject::Subject;

use crate::import::{ImportError, ImportedSubject, RecordOrigin};

/// Longest line accepted. A subject with many aliases and documents is a few KiB; a longer
/// line is refused without being held in memory.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// JSON-lines problems. None carries a field's value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JsonlError {
    /// The file could not be read further; nothing after this point was read.
    #[error("{file}: line {line}: read error: {error}")]
    Read {
        /// Source file name.
        file: String,
        /// Line being read.
        line: u64,
        /// The operating system's reason.
        #[source]
        error: io::Error,
    },
    /// The line is not a subject in the matcher's JSON form.
    #[error("{file}: line {line}, column {column}: {problem}")]
    Invalid {
        /// Source file name.
        file: String,
        /// Line number (1-based).
        line: u64,
        /// Column in the line (1-based; 0 when unknown).
        column: usize,
        /// Serde's reason, without any quoted value.
        problem: String,
    },
    /// The line is longer than [`MAX_LINE_BYTES`].
    #[error("{file}: line {line}: longer than {MAX_LINE_BYTES} bytes; skipped")]
    TooLong {
        /// Source file name.
        file: String,
        /// Line number (1-based).
        line: u64,
    },
    /// The line is not UTF-8.
    #[error("{file}: line {line}: not valid UTF-8")]
    NotUtf8 {
        /// Source file name.
        file: String,
        /// Line number (1-based).
        line: u64,
    },
}

impl JsonlError {
    /// True when the error ended the stream.
    pub fn is_fatal(&self) -> bool {
        matches!(self, JsonlError::Read { .. })
    }
}

/// Reads JSON lines of subjects, one result per non-blank line.
pub struct JsonlReader<R: BufRead> {
    reader: R,
    file: String,
    line: u64,
    buf: Vec<u8>,
    done: bool,
}

impl<R: BufRead> JsonlReader<R> {
    /// Reads from `reader`; `file` names the source in origins and errors.
    pub fn new(reader: R, file: impl Into<String>) -> Self {
        JsonlReader {
            reader,
            file: file.into(),
            line: 0,
            buf: Vec::new(),
            done: false,
        }
    }

    /// Reads the next line into `buf`, keeping at most [`MAX_LINE_BYTES`]. Returns
    /// `Ok(None)` at end of input, `Ok(Some(too_long))` otherwise.
    fn read_line(&mut self) -> io::Result<Option<bool>> {
        self.buf.clear();
        let mut too_long = false;
        let mut any = false;
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                return Ok(any.then_some(too_long));
            }
            any = true;
            let (part, used, end) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (&chunk[..i], i + 1, true),
                None => (chunk, chunk.len(), false),
            };
            if self.buf.len() + part.len() > MAX_LINE_BYTES {
                too_long = true;
            } else if !too_long {
                self.buf.extend_from_slice(part);
            }
            self.reader.consume(used);
            if end {
                return Ok(Some(too_long));
            }
        }
    }
}

impl<R: BufRead> Iterator for JsonlReader<R> {
    type Item = Result<ImportedSubject, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let too_long = match self.read_line() {
                Ok(Some(too_long)) => too_long,
                Ok(None) => {
                    self.done = true;
                    return None;
                }
                Err(error) => {
                    self.done = true;
                    return Some(Err(JsonlError::Read {
                        file: self.file.clone(),
                        line: self.line + 1,
                        error,
                    }
                    .into()));
                }
            };
            self.line += 1;
            let file = self.file.clone();
            let line = self.line;
            if too_long {
                return Some(Err(JsonlError::TooLong { file, line }.into()));
            }
            let Ok(text) = std::str::from_utf8(&self.buf) else {
                return Some(Err(JsonlError::NotUtf8 { file, line }.into()));
            };
            let text = text.trim_end_matches('\r');
            if text.trim().is_empty() {
                continue;
            }
            return Some(match serde_json::from_str::<Subject>(text) {
                Ok(subject) => Ok(ImportedSubject {
                    subject,
                    origin: RecordOrigin {
                        source: file,
                        position: format!("line {line}"),
                    },
                }),
                Err(e) => Err(JsonlError::Invalid {
                    file,
                    line,
                    column: e.column(),
                    problem: sanitize_serde_message(&e),
                }
                .into()),
            });
        }
        None
    }
}

/// Serde's message without any quoted input: "invalid type: string \"Ann\", expected ..."
/// becomes "invalid type: string, expected ...". Messages that name only types, fields and
/// positions pass through; anything not recognised is replaced by a generic reason.
pub fn sanitize_serde_message(error: &serde_json::Error) -> String {
    let full = error.to_string();
    // serde_json appends " at line L column C"; the column is reported separately.
    let msg = match full.rfind(" at line ") {
        Some(i) => &full[..i],
        None => full.as_str(),
    };
    let expected = |m: &str| m.find(", expected").map(|i| m[i..].to_owned());
    match error.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => msg.to_owned(),
        serde_json::error::Category::Io => "read error".to_owned(),
        serde_json::error::Category::Data => {
            if msg.starts_with("missing field")
                || msg.starts_with("unknown field")
                || msg.starts_with("duplicate field")
                || msg.starts_with("invalid length")
            {
                msg.to_owned()
            } else if let Some(rest) = msg.strip_prefix("invalid type: ") {
                const KINDS: [&str; 16] = [
                    "boolean",
                    "integer",
                    "floating point",
                    "char",
                    "string",
                    "byte array",
                    "unit value",
                    "Option value",
                    "newtype struct",
                    "sequence",
                    "map",
                    "enum",
                    "unit variant",
                    "newtype variant",
                    "tuple variant",
                    "struct variant",
                ];
                let kind = KINDS
                    .iter()
                    .find(|k| rest.starts_with(*k))
                    .copied()
                    .or_else(|| rest.starts_with("null").then_some("null"))
                    .unwrap_or("value");
                format!("invalid type: {kind}{}", expected(rest).unwrap_or_default())
            } else if msg.starts_with("unknown variant") {
                format!("unknown variant{}", expected(msg).unwrap_or_default())
            } else if msg.starts_with("invalid value") {
                format!("invalid value{}", expected(msg).unwrap_or_default())
            } else {
                "a value does not fit the subject form".to_owned()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(json: &str) -> String {
        let e = serde_json::from_str::<Subject>(json).unwrap_err();
        sanitize_serde_message(&e)
    }

    #[test]
    fn quoted_values_never_survive() {
        let cases = [
            r#"{"local_ref":"x","category":"villainXYZ","type":"phone","number":"1"}"#,
            r#"{"local_ref":"x","category":"suspect","type":"spaceshipXYZ"}"#,
            r#"{"local_ref":"x","category":"suspect","type":"person","aliases":"AnnXYZ"}"#,
            r#"{"local_ref":"x","category":"suspect","type":"person","given_name":["AnnXYZ"]}"#,
            r#"{"local_ref":"x","category":"suspect","expires":"XYZ-1","type":"email","address":"a"}"#,
            r#"{"local_ref":"x","category":"suspect","type":"person","documents":[{"number":"XYZ","kind":"XYZcard"}]}"#,
            r#"{"local_ref":"x","category":true,"type":"phone","number":"1"}"#,
        ];
        for case in cases {
            let p = problem(case);
            assert!(!p.contains("XYZ"), "{case} -> {p}");
        }
        assert!(problem(cases[0]).starts_with("unknown variant, expected one of"));
        assert!(problem(cases[2]).starts_with("invalid type: string, expected"));
    }

    #[test]
    fn field_names_are_kept() {
        let p = problem(r#"{"category":"suspect","type":"phone","number":"1"}"#);
        assert_eq!(p, "missing field `local_ref`");
    }
}
