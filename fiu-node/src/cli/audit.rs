//! The auditor's `audit` commands: `export`, `head` and `entries` ask a running node (the
//! auditor role); `verify` checks an export file offline, with the node's public key alone
//! (plus, optionally, witnesses' keys and heads held from elsewhere).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use fiu_audit::{SignedTreeHead, VerifiedExport, Verifier, head_from_json, head_to_json};
use fiu_proto::{limits, v1};
use serde_json::json;
use tokio_stream::StreamExt;
use tonic::transport::Channel;

use super::client::{ClientOpts, Table, parse_time, print_json};
use super::{CliError, Outcome};
use crate::auth::Role;

/// `fiu-node audit ...`
#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: AuditCommand,
}

/// The audit commands.
#[derive(Debug, Clone, Subcommand)]
pub enum AuditCommand {
    /// Export a range of the node's log as a self-contained file (auditor).
    Export(ExportArgs),
    /// Show the node's latest signed tree head, or a peer's head it witnessed (auditor).
    Head(HeadArgs),
    /// List log entries matching filters (auditor).
    Entries(EntriesArgs),
    /// Verify an export file offline with the log's public key (`--key PUBKEY`): entries,
    /// tree heads, signatures, countersignatures.
    Verify(VerifyArgs),
}

/// Options of `audit export`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// First entry (default: the first).
    #[arg(long, default_value_t = 1)]
    pub from: u64,
    /// Last entry (default: the latest signed head); moved on to the next signed head.
    #[arg(long)]
    pub to: Option<u64>,
    /// Sign a head first, so the export reaches the last entry.
    #[arg(long)]
    pub sign_now: bool,
    /// The file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// Options of `audit head`.
#[derive(Debug, Clone, Args)]
pub struct HeadArgs {
    /// Sign a new head first if the log grew.
    #[arg(long)]
    pub sign_now: bool,
    /// Another member's log: the latest of its heads this node countersigned as a witness.
    #[arg(long, value_name = "MEMBER")]
    pub log: Option<String>,
    /// Also write the head to this file, for `audit verify --known-head`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Options of `audit entries`.
#[derive(Debug, Clone, Args)]
pub struct EntriesArgs {
    /// First entry.
    #[arg(long, default_value_t = 1)]
    pub from: u64,
    /// Last entry.
    #[arg(long)]
    pub to: Option<u64>,
    /// Only this event kind (e.g. `lookup`, `call.refused`).
    #[arg(long)]
    pub kind: Option<String>,
    /// Only this actor (user or member id).
    #[arg(long)]
    pub actor: Option<String>,
    /// Only entries about this case reference.
    #[arg(long = "case")]
    pub case_reference: Option<String>,
    /// Only entries at or after this time (RFC 3339 or YYYY-MM-DD).
    #[arg(long)]
    pub since: Option<String>,
    /// Only entries before this time.
    #[arg(long)]
    pub until: Option<String>,
    /// At most this many entries.
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
}

/// Options of `audit verify`. The log's Ed25519 public key is given with the global
/// `--key PUBKEY`: 64 hex characters (from `fiu-node show-key` or the network manifest), or
/// a file holding them.
#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// The export file. Give the log's public key with --key PUBKEY (hex, or a file).
    pub file: PathBuf,
    /// A witness whose countersignatures to check, as MEMBER=PUBKEY (repeatable).
    #[arg(long, value_name = "MEMBER=PUBKEY")]
    pub witness: Vec<String>,
    /// A head of this log held from elsewhere (`audit head --log ... --out FILE` at a
    /// witness, or an earlier audit): the export must reproduce it (repeatable).
    #[arg(long, value_name = "FILE")]
    pub known_head: Vec<PathBuf>,
}

/// Runs an `audit` command.
pub async fn run(args: AuditArgs, client: &ClientOpts) -> Result<Outcome, CliError> {
    match args.command {
        AuditCommand::Export(a) => export(a, client).await,
        AuditCommand::Head(a) => head(a, client).await,
        AuditCommand::Entries(a) => entries(a, client).await,
        AuditCommand::Verify(a) => verify(a, client),
    }
}

/// The audit client over a connected channel.
pub async fn audit_client(
    opts: &ClientOpts,
) -> Result<v1::audit_client::AuditClient<Channel>, CliError> {
    Ok(v1::audit_client::AuditClient::new(opts.connect().await?)
        .max_decoding_message_size(limits::MAX_MESSAGE_BYTES)
        .max_encoding_message_size(limits::MAX_MESSAGE_BYTES))
}

/// Downloads an export (entries `from..=to`, `to` 0 for the latest head) as file bytes.
pub async fn fetch_export(
    client: &mut v1::audit_client::AuditClient<Channel>,
    request: tonic::Request<v1::ExportRequest>,
) -> Result<Vec<u8>, CliError> {
    let mut stream = client.export(request).await?.into_inner();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        bytes.extend_from_slice(&chunk?.data);
    }
    Ok(bytes)
}

async fn export(args: ExportArgs, opts: &ClientOpts) -> Result<Outcome, CliError> {
    let mut client = audit_client(opts).await?;
    let request = opts.request(
        v1::ExportRequest {
            from_seq: args.from,
            to_seq: args.to.unwrap_or(0),
            sign_now: args.sign_now,
        },
        Role::Auditor,
    )?;
    let bytes = fetch_export(&mut client, request).await?;
    std::fs::write(&args.out, &bytes).map_err(|e| CliError::io(&args.out, e))?;
    let lines = bytes.iter().filter(|b| **b == b'\n').count();
    if opts.json {
        print_json(
            &json!({"file": args.out.display().to_string(), "bytes": bytes.len(), "lines": lines}),
        );
    } else {
        println!(
            "wrote {} ({} bytes, {lines} lines); check it with `fiu-node audit verify {} --key PUBKEY`",
            args.out.display(),
            bytes.len(),
            args.out.display()
        );
    }
    Ok(Outcome::Success)
}

async fn head(args: HeadArgs, opts: &ClientOpts) -> Result<Outcome, CliError> {
    let mut client = audit_client(opts).await?;
    let request = opts.request(
        v1::GetTreeHeadRequest {
            sign_now: args.sign_now,
            log_id: args.log.clone().unwrap_or_default(),
        },
        Role::Auditor,
    )?;
    let m = client.get_tree_head(request).await?.into_inner();
    let sth = crate::audit_log::head_from_message(&m)
        .map_err(|f| CliError::Internal(format!("the node sent a bad head: {f}")))?;
    let text = head_to_json(&sth);
    if let Some(out) = &args.out {
        std::fs::write(out, format!("{text}\n")).map_err(|e| CliError::io(out, e))?;
    }
    if opts.json {
        println!("{text}");
    } else {
        println!(
            "log {} size {} root {} signed at {}",
            sth.head.log_id,
            sth.head.size,
            sth.head.root,
            super::client::format_time(Some(&crate::clock::timestamp(sth.head.timestamp_ms)))
        );
    }
    Ok(Outcome::Success)
}

async fn entries(args: EntriesArgs, opts: &ClientOpts) -> Result<Outcome, CliError> {
    let mut client = audit_client(opts).await?;
    let request = opts.request(
        v1::ListEntriesRequest {
            from_seq: args.from,
            to_seq: args.to.unwrap_or(0),
            since: args
                .since
                .as_deref()
                .map(|t| parse_time("--since", t))
                .transpose()?,
            until: args
                .until
                .as_deref()
                .map(|t| parse_time("--until", t))
                .transpose()?,
            kind: args.kind.unwrap_or_default(),
            actor: args.actor.unwrap_or_default(),
            case_reference: args.case_reference.unwrap_or_default(),
            page_size: args.limit,
        },
        Role::Auditor,
    )?;
    let page = client.list_entries(request).await?.into_inner();
    if opts.json {
        for e in &page.entries {
            print_json(&json!({
                "seq": e.seq, "at_ms": e.at_ms, "kind": e.kind, "actor": e.actor,
                "detail": e.detail,
            }));
        }
    } else {
        let mut table = Table::new(&["SEQ", "TIME", "KIND", "ACTOR", "DETAIL"]);
        for e in &page.entries {
            table.row(vec![
                e.seq.to_string(),
                super::client::format_time(Some(&crate::clock::timestamp(e.at_ms))),
                e.kind.clone(),
                e.actor.clone(),
                e.detail.clone(),
            ]);
        }
        table.print();
        if page.next_from_seq != 0 {
            println!("more from --from {}", page.next_from_seq);
        }
    }
    Ok(Outcome::Success)
}

/// Parses a 64-hex Ed25519 public key; `flag` names the option in the error.
pub fn parse_key(flag: &str, text: &str) -> Result<ed25519_dalek::VerifyingKey, CliError> {
    crate::identity::PublicKey::from_hex(flag, text)
        .map(|k| k.verifying_key())
        .map_err(|_| CliError::bad(flag, "not an Ed25519 public key (64 hex characters)"))
}

/// The verifier that `audit verify`'s options describe.
pub fn verifier(
    key: &str,
    witnesses: &[String],
    known_heads: &[PathBuf],
) -> Result<Verifier, CliError> {
    let mut v = Verifier::new(parse_key("--key", key)?);
    for w in witnesses {
        let (member, key) = w
            .split_once('=')
            .ok_or_else(|| CliError::bad("--witness", format!("`{w}` is not MEMBER=PUBKEY")))?;
        v = v.witness(member, parse_key("--witness", key)?);
    }
    for path in known_heads {
        v = v.known_head(read_head(path)?);
    }
    Ok(v)
}

fn read_head(path: &Path) -> Result<SignedTreeHead, CliError> {
    let bytes = std::fs::read(path).map_err(|e| CliError::io(path, e))?;
    head_from_json(&bytes)
        .map_err(|e| CliError::bad("--known-head", format!("{}: {e}", path.display())))
}

/// One line saying what a verification established.
pub fn summary(v: &VerifiedExport) -> String {
    let latest = v.heads.last();
    let mut witnesses: Vec<&str> = v
        .heads
        .iter()
        .flat_map(|h| h.witnessed_by.iter().map(String::as_str))
        .collect();
    witnesses.sort_unstable();
    witnesses.dedup();
    let witnessed = latest.map_or(0, |h| h.witnessed_by.len());
    format!(
        "log {}: entries {}..={} verified, {} signed heads (latest size {}, root {}), latest head countersigned by {} checked witness(es) [{}], {} entries after the last head",
        v.log_id,
        v.prefix_size + 1,
        v.last_seq,
        v.heads.len(),
        latest.map_or(0, |h| h.head.size.get()),
        latest.map_or_else(String::new, |h| h.head.root.to_hex()[..16].to_owned()),
        witnessed,
        witnesses.join(", "),
        v.unsigned_entries,
    )
}

/// The text of `--key`: the hex key itself, or the contents of the file it names.
fn key_text(opts: &ClientOpts) -> Result<String, CliError> {
    let key = opts.key.as_ref().ok_or_else(|| {
        CliError::bad(
            "--key",
            "give the log's public key: --key PUBKEY (64 hex characters)",
        )
    })?;
    if key.is_file() {
        return std::fs::read_to_string(key)
            .map(|t| t.trim().to_owned())
            .map_err(|e| CliError::io(key, e));
    }
    Ok(key.to_string_lossy().into_owned())
}

fn verify(args: VerifyArgs, opts: &ClientOpts) -> Result<Outcome, CliError> {
    let verifier = verifier(&key_text(opts)?, &args.witness, &args.known_head)?;
    let bytes = std::fs::read(&args.file).map_err(|e| CliError::io(&args.file, e))?;
    let verified = verifier.verify(&bytes).map_err(|e| CliError::AuditVerify {
        file: args.file.display().to_string(),
        fault: Box::new(e),
    })?;
    if opts.json {
        print_json(&json!({
            "file": args.file.display().to_string(),
            "ok": true,
            "log_id": verified.log_id,
            "first_seq": verified.prefix_size + 1,
            "last_seq": verified.last_seq,
            "heads": verified.heads.iter().map(|h| json!({
                "size": h.head.size.get(),
                "root": h.head.root.to_hex(),
                "witnessed_by": h.witnessed_by,
            })).collect::<Vec<_>>(),
            "unsigned_entries": verified.unsigned_entries,
            "unchecked_countersignatures": verified.unchecked_countersignatures.len(),
        }));
    } else {
        println!("OK {}", summary(&verified));
        if !verified.unchecked_countersignatures.is_empty() {
            println!(
                "note: {} countersignatures by witnesses whose keys were not given (--witness MEMBER=PUBKEY) were not checked",
                verified.unchecked_countersignatures.len()
            );
        }
    }
    Ok(Outcome::Success)
}
