//! The `fiu-node` command line: argument types (clap derive) and what each command does.
//!
//! The binary (`src/main.rs`) only parses [`Cli`], sets up tracing and calls [`run`]; every
//! command lives here so that it can be read, tested and reused (the demo) as library code.
//!
//! # Layout
//!
//! - this module: [`Cli`], the [`Command`] enum, [`run`] and [`CliError`].
//! - [`node`]: commands that act on a node's own files: `init`, `serve`, `show-key`.
//! - [`pki`]: `pki network|ca|member|users-ca|user|fingerprint`, the certificates of mutual TLS.
//! - [`keys`]: the key ceremony: `keys new-secret|rekey|unwrap`.
//! - [`client`]: what every gRPC client command shares: the global `--node`, `--user` and
//!   `--json` ([`client::ClientOpts`], accepted before or after the command name),
//!   connecting, identifying the caller, tables and JSON lines.
//! - [`ingest`]: the operator's `import` and `delete`.
//! - [`investigate`]: the investigator's `lookup`, `hits` and `stats`.
//! - [`follow_up`]: the investigator's `follow-up request|respond|list`.
//! - [`audit`]: the auditor's `audit export|head|entries`, and `audit verify` (offline).
//!
//! # Adding a command
//!
//! 1. Add a variant to [`Command`] holding its clap `Args` struct (its doc comment becomes the
//!    command's help line);
//! 2. add an arm to the `match` in [`dispatch`] that runs it and returns an [`Outcome`]
//!    (a client command also takes `client`, the global `--node`/`--user`/`--json`);
//! 3. if it has its own error type, add a variant to [`CliError`] with `#[from]`.
//!
//! Commands are `async` and run on one tokio runtime that [`run`] builds.
//!
//! # Design
//!
//! - Exit codes: 0 success, 1 error (shown as `error: ...` on stderr; a gRPC error as
//!   `error: CODE: message`), 2 bad usage (clap's own), 3 an import that finished but refused
//!   records. Scripts can tell "the node is down" from "the data had bad rows".
//! - Human output goes to stdout as aligned tables; `--json` prints one JSON object per line
//!   instead, built by hand from the gRPC messages so that field names are stable and enums
//!   read as words (`strong`, `outgoing`).
//! - Nothing here logs subject values: errors name files, lines and fields. A look-up's own
//!   output may echo what the investigator typed, but no log line does.

pub mod audit;
pub mod client;
pub mod follow_up;
pub mod health;
pub mod ingest;
pub mod investigate;
pub mod keys;
pub mod node;
pub mod pki;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit code of an import that completed but refused some records.
pub const EXIT_REFUSED: u8 = 3;

/// `fiu-node`: pseudonymised cross-matching between financial intelligence units.
#[derive(Debug, Parser)]
#[command(name = "fiu-node", version, propagate_version = true)]
pub struct Cli {
    /// Log format on stderr. The level comes from RUST_LOG (default `info`).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Options of the commands that talk to a running node.
    #[command(flatten)]
    pub client: client::ClientOpts,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The commands. See the module doc for how to add one.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a local network of three FIU nodes with synthetic subjects and live hits.
    Demo(DemoArgs),
    /// Create a node's directory: identity key, network secret and a commented config file.
    Init(node::InitArgs),
    /// Run the node until Ctrl-C; SIGHUP re-reads the config and rotates to a new epoch.
    Serve(node::ServeArgs),
    /// Certificates for mutual TLS: network CA, member, users CA and user certificates.
    Pki(pki::PkiArgs),
    /// Print this node's public key, for the other members' configuration.
    ShowKey(node::ShowKeyArgs),
    /// The key ceremony: generate, seal, re-key and unwrap the network secret.
    Keys(keys::KeysArgs),
    /// Load subjects from goAML XML, mapped CSV or JSON-lines files (operator).
    Import(ingest::ImportArgs),
    /// Delete subjects by local reference (operator).
    Delete(ingest::DeleteArgs),
    /// Ad hoc hit/no-hit look-up of one subject against every peer filter (investigator).
    Lookup(Box<investigate::LookupArgs>),
    /// List or watch this node's hits (investigator).
    Hits(investigate::HitsArgs),
    /// Request, answer and list follow-ups (investigator).
    #[command(name = "follow-up")]
    FollowUp(follow_up::FollowUpArgs),
    /// Hit and follow-up counts per peer per period (investigator).
    Stats(investigate::StatsArgs),
    /// Export, inspect and verify the signed audit log (auditor; `verify` works offline).
    Audit(audit::AuditArgs),
    /// Ask a running node for its gRPC health (exit 0 only when SERVING; for probes).
    Health(health::HealthArgs),
}

/// Options of `fiu-node demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Keep the nodes' keys and databases in this directory (default: a temporary one).
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
    /// Synthetic background subjects loaded at each node.
    #[arg(long, default_value_t = 2000)]
    pub background: usize,
    /// Keep the nodes running after the tour, for exploring with the CLI, until Ctrl-C.
    #[arg(long)]
    pub keep_running: bool,
}

/// How a command that did not fail ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything went as asked.
    Success,
    /// An import finished but refused records (exit code [`EXIT_REFUSED`]).
    Refused,
}

/// Why a command failed. Messages name the file, field or flag; none carries subject data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// The configuration file is unreadable or invalid.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// A key file is unreadable or invalid.
    #[error(transparent)]
    Identity(#[from] crate::identity::IdentityError),
    /// A certificate could not be made, read or written.
    #[error(transparent)]
    Pki(#[from] crate::pki::PkiError),
    /// A key-ceremony step failed (exchange key, sealed file, secret file).
    #[error(transparent)]
    Key(#[from] crate::keys::KeyError),
    /// The node could not start or failed while serving.
    #[error(transparent)]
    Node(#[from] crate::server::NodeError),
    /// The demo failed.
    #[error("demo: {0}")]
    Demo(#[from] crate::demo::DemoError),
    /// A CSV mapping file is unusable.
    #[error(transparent)]
    Mapping(#[from] crate::import::MappingError),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// `init` would overwrite a file.
    #[error("{path} already exists; refusing to overwrite it (choose another --dir)")]
    Exists {
        /// The file.
        path: String,
    },
    /// A command-line value is unusable.
    #[error("{flag}: {reason}")]
    BadArgument {
        /// The flag (or argument) at fault.
        flag: String,
        /// What is wrong.
        reason: String,
    },
    /// The node could not be reached.
    #[error("cannot connect to the node at {endpoint}: {reason}")]
    Connect {
        /// The `--node` URL.
        endpoint: String,
        /// The transport error and its causes.
        reason: String,
    },
    /// The node answered with a gRPC error.
    #[error("{}: {}", client::code_name(.0.code()), .0.message())]
    Rpc(#[from] tonic::Status),
    /// An audit export does not verify; the fault names the entry or tree head.
    #[error("{file} does not verify: {fault}")]
    AuditVerify {
        /// The export file.
        file: String,
        /// What fails, and where (boxed: it is large and rare).
        fault: Box<fiu_audit::VerifyError>,
    },
    /// `fiu-node health`: the node answered, but the entry is not SERVING.
    #[error("{service} is {status}")]
    NotServing {
        /// The health entry asked about (`node` for the node itself).
        service: String,
        /// The status the node reported.
        status: String,
    },
    /// A background task of the command itself failed (a bug).
    #[error("internal error: {0}")]
    Internal(String),
}

impl CliError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> CliError {
        CliError::Io {
            path: path.display().to_string(),
            source,
        }
    }

    pub(crate) fn bad(flag: &str, reason: impl Into<String>) -> CliError {
        CliError::BadArgument {
            flag: flag.to_owned(),
            reason: reason.into(),
        }
    }
}

/// Runs a parsed command line to completion and returns the process exit code. Errors are
/// printed to stderr as `error: ...`.
pub fn run(cli: Cli) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Refused) => ExitCode::from(EXIT_REFUSED),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one command. Add an arm here for a new [`Command`] variant.
pub async fn dispatch(cli: Cli) -> Result<Outcome, CliError> {
    let client = &cli.client;
    match cli.command {
        Command::Demo(args) => {
            let report = crate::demo::run(crate::demo::DemoOptions {
                dir: args.dir,
                background: args.background,
                keep_running: args.keep_running,
                verbose: true,
            })
            .await?;
            let missing = crate::demo::expected_hits()
                .difference(&report.hits)
                .count();
            if missing > 0 {
                return Err(CliError::BadArgument {
                    flag: "demo".into(),
                    reason: format!("{missing} expected hits did not appear"),
                });
            }
            Ok(Outcome::Success)
        }
        Command::Init(args) => node::init(args),
        Command::Serve(args) => node::serve(args).await,
        Command::ShowKey(args) => node::show_key(args),
        Command::Pki(args) => pki::run(args),
        Command::Keys(args) => keys::run(args),
        Command::Import(args) => ingest::import(args, client).await,
        Command::Delete(args) => ingest::delete(args, client).await,
        Command::Lookup(args) => investigate::lookup(*args, client).await,
        Command::Hits(args) => investigate::hits(args, client).await,
        Command::FollowUp(args) => follow_up::run(args, client).await,
        Command::Stats(args) => investigate::stats(args, client).await,
        Command::Audit(args) => audit::run(args, client).await,
        Command::Health(args) => health::run(args, client).await,
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
