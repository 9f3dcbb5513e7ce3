//! What the gRPC client commands share: the `--node`, `--user` and `--json` options,
//! connecting, development-mode caller identity, and output (tables or JSON lines).

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use fiu_proto::limits;
use fiu_proto::v1;
use serde_json::{Value, json};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};
use tonic::{Code, Request};

use super::CliError;
use crate::auth::{Role, identify};

/// How long connecting to the node may take before the command gives up.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Options of every command that talks to a running node (global: accepted before or after
/// the command name; the node's own commands ignore them).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Client options (import, delete, lookup, hits, follow-up, stats)")]
pub struct ClientOpts {
    /// The node's gRPC endpoint.
    #[arg(
        long,
        global = true,
        env = "FIU_NODE",
        value_name = "URL",
        default_value = "http://127.0.0.1:7400"
    )]
    pub node: String,
    /// Who is calling, for the node's audit log (default: the OS user, from $USER).
    #[arg(long, global = true, env = "FIU_USER", value_name = "NAME")]
    pub user: Option<String>,
    /// Print one JSON object per line instead of human-readable tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// The network CA certificate (PEM) that issued the node's certificate; with an
    /// https:// --node.
    #[arg(long, global = true, env = "FIU_CA", value_name = "PEM")]
    pub ca: Option<PathBuf>,
    /// Your certificate (PEM, from `fiu-node pki user`): the node takes your role and name
    /// from it.
    #[arg(long, global = true, env = "FIU_CERT", value_name = "PEM")]
    pub cert: Option<PathBuf>,
    /// The private key of --cert (PEM).
    #[arg(long, global = true, env = "FIU_KEY", value_name = "PEM")]
    pub key: Option<PathBuf>,
    /// The name in the node's certificate (its member id), when it differs from the host of
    /// --node (e.g. https://127.0.0.1:7401 and fiu-de).
    #[arg(long, global = true, env = "FIU_SERVER_NAME", value_name = "NAME")]
    pub server_name: Option<String>,
}

impl ClientOpts {
    /// The caller's name: `--user`, `FIU_USER`, else `$USER` (or `%USERNAME%`); over TLS
    /// (an https:// --node) the certificate names the caller and none is needed.
    pub fn user_name(&self) -> Result<String, CliError> {
        let name = self
            .user
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .or_else(|| std::env::var("LOGNAME").ok())
            .or_else(|| std::env::var("USERNAME").ok())
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
            // Over TLS the certificate names the caller; the name is only for the metadata
            // the node ignores.
            .or_else(|| {
                self.node
                    .starts_with("https://")
                    .then(|| "certificate".to_owned())
            });
        name.ok_or_else(|| {
            CliError::bad("--user", "no user name: give --user NAME or set FIU_USER")
        })
    }

    /// Connects to the node: over mutual TLS with --ca, --cert and --key when --node is
    /// https://.
    pub async fn connect(&self) -> Result<Channel, CliError> {
        self.connect_with(true).await
    }

    /// Connects like [`connect`](Self::connect), but over TLS presents a client certificate
    /// only when --cert and --key are given: for `health`, which the node answers without
    /// one.
    pub async fn connect_without_identity(&self) -> Result<Channel, CliError> {
        self.connect_with(self.cert.is_some() || self.key.is_some())
            .await
    }

    async fn connect_with(&self, identity: bool) -> Result<Channel, CliError> {
        let mut endpoint = Endpoint::from_shared(self.node.clone())
            .map_err(|e| CliError::bad("--node", format!("`{}` is not a URL: {e}", self.node)))?
            .connect_timeout(CONNECT_TIMEOUT)
            .tcp_nodelay(true);
        if self.node.starts_with("https://") {
            endpoint = endpoint
                .tls_config(self.tls_config(identity)?)
                .map_err(|e| CliError::bad("--ca", format!("unusable TLS settings: {e}")))?;
        }
        endpoint.connect().await.map_err(|e| CliError::Connect {
            endpoint: self.node.clone(),
            reason: error_chain(&e),
        })
    }

    /// The TLS settings of an https:// --node; with `identity`, --cert and --key are
    /// required and presented.
    fn tls_config(&self, identity: bool) -> Result<ClientTlsConfig, CliError> {
        let read = |flag: &str, path: &Option<PathBuf>| -> Result<String, CliError> {
            let path = path.as_ref().ok_or_else(|| {
                CliError::bad(flag, "is required with an https:// --node (mutual TLS)")
            })?;
            std::fs::read_to_string(path).map_err(|source| CliError::Io {
                path: path.display().to_string(),
                source,
            })
        };
        let ca = read("--ca", &self.ca)?;
        let mut config = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(ca));
        if identity {
            let cert = read("--cert", &self.cert)?;
            let key = zeroize::Zeroizing::new(read("--key", &self.key)?);
            config = config.identity(Identity::from_pem(cert, key.as_bytes()));
        }
        if let Some(name) = &self.server_name {
            config = config.domain_name(name.clone());
        }
        Ok(config)
    }

    /// A request carrying this caller's identity in `role` (over TLS the node takes the
    /// identity from the certificate and ignores this).
    pub fn request<T>(&self, message: T, role: Role) -> Result<Request<T>, CliError> {
        let user = self.user_name()?;
        let mut req = Request::new(message);
        identify(&mut req, role, &user).map_err(|_| {
            CliError::bad(
                "--user",
                "must be printable ASCII (it travels as gRPC metadata)",
            )
        })?;
        Ok(req)
    }
}

/// The investigator client over a connected channel.
pub async fn investigator(
    opts: &ClientOpts,
) -> Result<v1::investigator_client::InvestigatorClient<Channel>, CliError> {
    Ok(
        v1::investigator_client::InvestigatorClient::new(opts.connect().await?)
            .max_decoding_message_size(limits::MAX_MESSAGE_BYTES)
            .max_encoding_message_size(limits::MAX_MESSAGE_BYTES),
    )
}

/// The ingest client over a connected channel.
pub async fn ingest(
    opts: &ClientOpts,
) -> Result<v1::ingest_client::IngestClient<Channel>, CliError> {
    Ok(v1::ingest_client::IngestClient::new(opts.connect().await?)
        .max_decoding_message_size(limits::MAX_MESSAGE_BYTES)
        .max_encoding_message_size(limits::MAX_MESSAGE_BYTES))
}

/// An error and its causes, `outer: inner: innermost`, without repeats.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cause = e.source();
    while let Some(c) = cause {
        let s = c.to_string();
        if parts.last() != Some(&s) {
            parts.push(s);
        }
        cause = c.source();
    }
    parts.join(": ")
}

/// The canonical gRPC name of a status code, as the contract's documentation writes it.
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

// ---- Time ----------------------------------------------------------------------------------

/// Parses `--since`/`--until`: RFC 3339 (`2025-03-01T12:00:00Z`) or a date (`2025-03-01`,
/// midnight UTC).
pub fn parse_time(flag: &str, text: &str) -> Result<prost_types::Timestamp, CliError> {
    let t = chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&chrono::Utc))
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
        })
        .map_err(|_| {
            CliError::bad(
                flag,
                "not an RFC 3339 time (2025-03-01T12:00:00Z) or a date (2025-03-01)",
            )
        })?;
    Ok(prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: i32::try_from(t.timestamp_subsec_nanos()).unwrap_or(0),
    })
}

/// A timestamp in RFC 3339 (UTC, seconds); empty when unset or out of range.
pub fn format_time(t: Option<&prost_types::Timestamp>) -> String {
    t.and_then(|t| chrono::DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).unwrap_or(0)))
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

fn time_value(t: Option<&prost_types::Timestamp>) -> Value {
    match format_time(t) {
        s if s.is_empty() => Value::Null,
        s => Value::String(s),
    }
}

// ---- Enum words ----------------------------------------------------------------------------

/// `strong`, `medium`, `weak`.
pub fn strength_word(value: i32) -> &'static str {
    match v1::Strength::try_from(value) {
        Ok(v1::Strength::Strong) => "strong",
        Ok(v1::Strength::Medium) => "medium",
        Ok(v1::Strength::Weak) => "weak",
        _ => "unspecified",
    }
}

/// `incoming`, `outgoing`.
pub fn direction_word(value: i32) -> &'static str {
    match v1::Direction::try_from(value) {
        Ok(v1::Direction::Incoming) => "incoming",
        Ok(v1::Direction::Outgoing) => "outgoing",
        _ => "unspecified",
    }
}

/// `pending`, `sent`, `accepted`, ...
pub fn state_word(value: i32) -> &'static str {
    match v1::FollowUpState::try_from(value) {
        Ok(v1::FollowUpState::Pending) => "pending",
        Ok(v1::FollowUpState::Sent) => "sent",
        Ok(v1::FollowUpState::Accepted) => "accepted",
        Ok(v1::FollowUpState::Declined) => "declined",
        Ok(v1::FollowUpState::Responded) => "responded",
        Ok(v1::FollowUpState::Failed) => "failed",
        Ok(v1::FollowUpState::NotFound) => "not_found",
        _ => "unspecified",
    }
}

/// `found`, `not_found`, `withheld`, or `open` before an answer.
pub fn finding_word(value: i32) -> &'static str {
    match v1::TokenFinding::try_from(value) {
        Ok(v1::TokenFinding::Found) => "found",
        Ok(v1::TokenFinding::NotFound) => "not_found",
        Ok(v1::TokenFinding::Withheld) => "withheld",
        _ => "open",
    }
}

// ---- JSON forms ----------------------------------------------------------------------------

/// A hit as one JSON object.
pub fn hit_json(h: &v1::Hit) -> Value {
    json!({
        "id": h.id,
        "local_ref": h.local_ref,
        "peer": h.peer,
        "epoch": h.epoch,
        "key_kinds": h.key_kinds,
        "strength": strength_word(h.strength),
        "confidence": h.confidence,
        "tokens": h.tokens.iter().map(|t| json!({"key_kind": t.key_kind, "token": hex::encode(&t.token)})).collect::<Vec<_>>(),
        "first_seen": time_value(h.first_seen.as_ref()),
        "last_seen": time_value(h.last_seen.as_ref()),
    })
}

/// A follow-up as one JSON object.
pub fn follow_up_json(f: &v1::FollowUp) -> Value {
    json!({
        "id": f.id,
        "direction": direction_word(f.direction),
        "peer": f.peer,
        "hit_id": f.hit_id,
        "case_reference": f.case_reference,
        "legal_basis": f.legal_basis,
        "purpose": f.purpose,
        "state": state_word(f.state),
        "local_refs": f.local_refs,
        "results": f.results.iter().map(|r| json!({
            "key_kind": r.token.as_ref().map(|t| t.key_kind.as_str()).unwrap_or_default(),
            "token": r.token.as_ref().map(|t| hex::encode(&t.token)).unwrap_or_default(),
            "finding": finding_word(r.finding),
        })).collect::<Vec<_>>(),
        "message": f.message,
        "error": f.error,
        "created": time_value(f.created.as_ref()),
        "updated": time_value(f.updated.as_ref()),
        "answered": time_value(f.answered.as_ref()),
    })
}

/// A field error as one JSON object (without its record index, which only the caller can
/// map back to a position).
pub fn field_error_json(e: &v1::FieldError) -> Value {
    json!({
        "local_ref": e.local_ref,
        "field": e.field,
        "reason": e.reason,
        "record_refused": e.record_refused,
    })
}

/// Prints one JSON object on its own line.
pub fn print_json(value: &Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{value}");
    let _ = out.flush();
}

// ---- Tables --------------------------------------------------------------------------------

/// A table printed with aligned columns.
#[derive(Debug, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (as many cells as columns).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Whether no row was added.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table as text, one line per row after the header; the last column is not padded.
    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(c.chars().count());
                }
            }
        }
        let line = |cells: &[String]| {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate() {
                if i + 1 == cells.len() {
                    s.push_str(c);
                } else {
                    let pad = widths
                        .get(i)
                        .copied()
                        .unwrap_or(0)
                        .saturating_sub(c.chars().count());
                    s.push_str(c);
                    s.push_str(&" ".repeat(pad + 2));
                }
            }
            s.trim_end().to_owned()
        };
        let mut out = line(&self.header);
        for r in &self.rows {
            out.push('\n');
            out.push_str(&line(r));
        }
        out
    }

    /// Prints the table to stdout.
    pub fn print(&self) {
        println!("{}", self.render());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_as_rfc3339_or_date() {
        assert_eq!(parse_time("--since", "1970-01-02").unwrap().seconds, 86_400);
        assert_eq!(
            parse_time("--since", "1970-01-01T00:01:00Z")
                .unwrap()
                .seconds,
            60
        );
        let e = parse_time("--since", "yesterday").unwrap_err().to_string();
        assert!(e.starts_with("--since:"), "{e}");
        let t = prost_types::Timestamp {
            seconds: 60,
            nanos: 0,
        };
        assert_eq!(format_time(Some(&t)), "1970-01-01T00:01:00Z");
    }

    #[test]
    fn tables_align_columns() {
        let mut t = Table::new(&["ID", "PEER"]);
        t.row(vec!["1".into(), "fiu-b".into()]);
        t.row(vec!["1000".into(), "x".into()]);
        assert_eq!(t.render(), "ID    PEER\n1     fiu-b\n1000  x");
    }

    #[test]
    fn status_codes_read_as_the_contract_writes_them() {
        let e = CliError::from(tonic::Status::permission_denied("needs operator"));
        assert_eq!(e.to_string(), "PERMISSION_DENIED: needs operator");
    }
}
