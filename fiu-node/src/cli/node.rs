//! Commands on the node's own files: `init` (keys and a commented config), `serve` and
//! `show-key`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::Args;
use tokio::net::TcpListener;
use zeroize::Zeroizing;

use super::{CliError, Outcome};
use crate::config::{Config, valid_member_id};
use crate::identity::Identity;

/// The identity key file `init` writes, relative to the node directory.
pub const IDENTITY_FILE: &str = "identity.key";
/// The X25519 exchange key file `init` writes next to the identity key: it opens the network
/// secret sealed to this member in the key ceremony (`fiu-node keys unwrap`).
pub const EXCHANGE_FILE: &str = "exchange.key";
/// The network secret file `init` writes, relative to the node directory.
pub const SECRET_FILE: &str = "network.secret";
/// The configuration file `init` writes, in the node directory.
pub const CONFIG_FILE: &str = "config.toml";

/// `fiu-node init`
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The node's directory: created if needed; its key, secret, config and database go here.
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    /// This member's id in the network, e.g. `fiu-de` (a-z, 0-9, '-', '_', '.').
    #[arg(long, value_name = "ID")]
    pub member_id: String,
    /// Address the node's gRPC server will listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7400")]
    pub listen: SocketAddr,
    /// A network secret file (64 hex characters) to copy instead of generating a new one:
    /// every member of a network needs the same secret.
    #[arg(long, value_name = "FILE")]
    pub network_secret: Option<PathBuf>,
}

/// `fiu-node serve`
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The configuration file (written by `fiu-node init`).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Serve WITHOUT TLS, identifying callers by request metadata with no authentication
    /// (development only; the node logs a warning). Same as `node.insecure_plaintext`.
    #[arg(long)]
    pub insecure_plaintext: bool,
}

/// `fiu-node show-key`
#[derive(Debug, Args)]
pub struct ShowKeyArgs {
    /// The configuration file (written by `fiu-node init`).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Print a ready `[[peers]]` block for the other members' config instead of the bare key.
    #[arg(long)]
    pub peer_block: bool,
    /// Print the X25519 exchange public key (the manifest's `x25519_key`, which the key
    /// ceremony seals the network secret to) instead of the Ed25519 identity key.
    #[arg(long, conflicts_with = "peer_block")]
    pub x25519: bool,
}

/// Creates the node directory: identity key, network secret and `config.toml`. Refuses to
/// overwrite any of them (checked before anything is written).
pub fn init(args: InitArgs) -> Result<Outcome, CliError> {
    if !valid_member_id(&args.member_id) {
        return Err(CliError::bad(
            "--member-id",
            "must be 1 to 64 of a-z, 0-9, '-', '_', '.'",
        ));
    }
    std::fs::create_dir_all(&args.dir).map_err(|e| CliError::io(&args.dir, e))?;
    let dir = std::fs::canonicalize(&args.dir).map_err(|e| CliError::io(&args.dir, e))?;
    let key_path = dir.join(IDENTITY_FILE);
    let exchange_path = dir.join(EXCHANGE_FILE);
    let secret_path = dir.join(SECRET_FILE);
    let config_path = dir.join(CONFIG_FILE);
    for p in [&key_path, &exchange_path, &secret_path, &config_path] {
        if p.exists() {
            return Err(CliError::Exists {
                path: p.display().to_string(),
            });
        }
    }

    // The secret first: a bad --network-secret file should fail before a key is made.
    let generated_secret = match &args.network_secret {
        Some(source) => {
            // Checks that it holds 64 hex characters; the value itself is not kept here.
            crate::server::load_secret(source)?;
            let text = Zeroizing::new(
                std::fs::read_to_string(source).map_err(|e| CliError::io(source, e))?,
            );
            crate::secret_file::write_new(&secret_path, text.trim().as_bytes())
                .map_err(|e| CliError::io(&secret_path, e))?;
            false
        }
        None => {
            let mut bytes = Zeroizing::new([0u8; 32]);
            getrandom::fill(bytes.as_mut())
                .map_err(|e| CliError::Internal(format!("operating system random source: {e}")))?;
            let text = Zeroizing::new(hex::encode(bytes.as_ref()));
            crate::secret_file::write_new(&secret_path, text.as_bytes())
                .map_err(|e| CliError::io(&secret_path, e))?;
            true
        }
    };
    let identity = Identity::generate()?;
    identity.save(&key_path)?;
    let public_key = identity.public_key().to_string();
    let exchange = crate::keys::ExchangeKey::generate();
    exchange.save(&exchange_path)?;

    let text = config_template(&args.member_id, args.listen, &dir);
    write_new_file(&config_path, text.as_bytes())?;
    // The template must stay loadable: check it as `serve` will.
    Config::load(&config_path)?;

    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "Created node {member} in {dir}\n\
         \n  member id:  {member}\n  public key: {public_key}\n  x25519 key: {x25519}\n  identity:   {key}\n  exchange:   {exchange}\n  secret:     {secret}\n  config:     {config}\n",
        member = args.member_id,
        dir = dir.display(),
        x25519 = exchange.public_key(),
        key = key_path.display(),
        exchange = exchange_path.display(),
        secret = secret_path.display(),
        config = config_path.display(),
    );
    if generated_secret {
        let _ = writeln!(
            out,
            "A NEW network secret was generated for this node alone. Every member of a network must\n\
             use the SAME secret: one member runs the key ceremony (`fiu-node keys new-secret`,\n\
             docs/OPERATIONS.md) and each installs its sealed copy with `fiu-node keys unwrap\n\
             --force --out {secret}`.\n",
            secret = secret_path.display()
        );
    }
    let _ = writeln!(
        out,
        "Next steps:\n\
         \n  1. Give the other members this node's block for their config.toml (adjust the endpoint\n     to an address they can reach):\n\n{block}\n\
         \n  2. Add one [[peers]] block per other member to {config}.\n\
         \n  3. Start the node:\n\n     fiu-node serve --config {config}",
        block = indent(
            &peer_block(&args.member_id, &endpoint_for(args.listen), &public_key),
            "     "
        ),
        config = config_path.display(),
    );
    Ok(Outcome::Success)
}

/// Loads the configuration, binds its listen address and runs the node until Ctrl-C (or
/// SIGTERM on Unix).
pub async fn serve(args: ServeArgs) -> Result<Outcome, CliError> {
    let mut config = Config::load(&args.config)?;
    config.node.insecure_plaintext |= args.insecure_plaintext;
    let addr = config.node.listen;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| CliError::Io {
            path: format!("{}: node.listen = {addr}", args.config.display()),
            source,
        })?;
    tracing::info!(member = %config.node.member_id, config = %args.config.display(),
        "fiu-node starting; Ctrl-C stops it");
    let shutdown = async {
        let signal = shutdown_signal().await;
        tracing::info!(signal, "shutting down");
    };
    crate::server::run_reloading(config, Some(args.config.clone()), listener, shutdown).await?;
    Ok(Outcome::Success)
}

/// Completes on Ctrl-C, or SIGTERM on Unix (what container runtimes send), and says which.
/// If a signal handler cannot be installed, that signal is logged and ignored rather than
/// completing at once.
pub async fn shutdown_signal() -> &'static str {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => "Ctrl-C",
        _ = terminate => "SIGTERM",
    }
}

/// Prints the node's public key, or its `[[peers]]` block, or its X25519 exchange key.
pub fn show_key(args: ShowKeyArgs) -> Result<Outcome, CliError> {
    let config = Config::load(&args.config)?;
    let identity_path = config.data_path(&config.node.identity_key_file);
    if args.x25519 {
        let exchange = exchange_key_path(&identity_path);
        println!(
            "{}",
            crate::keys::ExchangeKey::load(&exchange)?.public_key()
        );
        return Ok(Outcome::Success);
    }
    let identity = Identity::load(&identity_path)?;
    let key = identity.public_key().to_string();
    if args.peer_block {
        println!(
            "{}",
            peer_block(
                &config.node.member_id,
                &endpoint_for(config.node.listen),
                &key
            )
        );
    } else {
        println!("{key}");
    }
    Ok(Outcome::Success)
}

/// The exchange key file of a node: [`EXCHANGE_FILE`] next to its identity key.
pub fn exchange_key_path(identity_key: &Path) -> PathBuf {
    identity_key
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join(EXCHANGE_FILE)
}

/// The `[[peers]]` block describing this node to another member.
fn peer_block(member_id: &str, endpoint: &str, public_key: &str) -> String {
    format!(
        "[[peers]]\nmember_id = {}\nendpoint = {}\npublic_key = {}",
        toml_string(member_id),
        toml_string(endpoint),
        toml_string(public_key)
    )
}

/// The URL peers would use for a listen address (an unspecified address becomes a
/// placeholder host the operator must replace).
fn endpoint_for(listen: SocketAddr) -> String {
    if listen.ip().is_unspecified() {
        format!("http://THIS-HOST:{}", listen.port())
    } else {
        format!("http://{listen}")
    }
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|l| format!("{prefix}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A TOML basic string, quoted and escaped.
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn write_new_file(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => CliError::Exists {
                path: path.display().to_string(),
            },
            _ => CliError::io(path, e),
        })?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| CliError::io(path, e))
}

/// The commented configuration `init` writes. Every option of [`crate::config`] appears,
/// with what it does and its default; optional ones are commented out at their default.
pub fn config_template(member_id: &str, listen: SocketAddr, dir: &Path) -> String {
    CONFIG_TEMPLATE
        .replace("@MEMBER_ID@", &toml_string(member_id))
        .replace("@LISTEN@", &toml_string(&listen.to_string()))
        .replace("@DATA_DIR@", &toml_string(&dir.display().to_string()))
        .replace("@IDENTITY_FILE@", &toml_string(IDENTITY_FILE))
        .replace("@SECRET_FILE@", &toml_string(SECRET_FILE))
}

const CONFIG_TEMPLATE: &str = r#"# fiu-node configuration, written by `fiu-node init`.
#
# Options shown commented out are at their default; remove the `#` to change one.
# `fiu-node serve --config THIS-FILE` checks the whole file and names the field of any error.

# ---------------------------------------------------------------------------------------------
# This node.
[node]
# This member's id in the network (1 to 64 of a-z, 0-9, '-', '_', '.'). Peers know this node by
# it; it appears in their hits and logs. Required.
member_id = @MEMBER_ID@
# Address the gRPC server listens on (ingest, investigator and peering services). Required.
# Use 0.0.0.0:PORT to accept connections from other machines.
listen = @LISTEN@
# Directory of the SQLite database (node.sqlite) and, by default, of the key files. Required.
data_dir = @DATA_DIR@
# The Ed25519 identity key file (hex seed), which signs this node's filters and follow-ups.
# A relative path is under data_dir. Default: "identity.key".
# identity_key_file = @IDENTITY_FILE@
# Serve and dial peers WITHOUT TLS, identifying callers by request metadata with no
# authentication at all: development only (the node logs a warning). Also
# `fiu-node serve --insecure-plaintext`. Default: false (mutual TLS, which needs
# network.manifest and the [tls] files).
# insecure_plaintext = false

# ---------------------------------------------------------------------------------------------
# The network secret and epoch. Tokens are keyed by a key derived from both: every member must
# use the same secret and epoch, or no hit is ever found.
[network]
# File holding the 32-byte network secret in hex, readable by the owner only. A relative path
# is under data_dir. Until the key ceremony exists, one member generates it (`fiu-node init`)
# and gives it to the others securely. Required.
secret_file = @SECRET_FILE@
# The current epoch (a number agreed by the network). Changing it rebuilds every filter.
# Required.
epoch = 1
# The network manifest: members, endpoints, public keys and certificate pins, the same file at
# every member (docs/PROTOCOL.md, "Network manifest"). A relative path is under data_dir.
# Required with TLS; `fiu-node pki network` writes one. With it, [[peers]] stays empty.
# manifest = "manifest.toml"

# ---------------------------------------------------------------------------------------------
# The Bloom filter this node publishes.
[filter]
# Target false-positive rate of the published filter at its capacity, between 0 and 0.5.
# Lower means larger filters and fewer false hits (which follow-ups resolve anyway).
# Default: 1e-8 (fewer than one false hit per peer per sweep up to ten million subjects).
# target_fpr = 1e-8
# Tokens the first snapshot is sized for; the filter is rebuilt larger when it fills.
# Default: 1000000.
# initial_capacity = 1000000

# ---------------------------------------------------------------------------------------------
# What is shared, and with whom.
[policy]
# Data-subject categories whose tokens enter the shared filter: any of "suspect", "associate",
# "victim", "witness", "other". Subjects of other categories are still stored and matched
# locally, but never published. Default: ["suspect", "associate"].
# share_categories = ["suspect", "associate"]
# Member ids allowed to fetch this node's filter; "*" means every configured peer.
# Default: ["*"].
# share_with = ["*"]
# ISO 3166 country code used for phone numbers written without a country code (e.g. "DE").
# Default: none (such numbers are refused as a phone key and reported at import).
# phone_region = "DE"

# ---------------------------------------------------------------------------------------------
# Resource limits.
[limits]
# Largest gRPC message accepted or sent, in bytes; bounds memory per call. Filter snapshots
# travel in chunks well below it. Default: 536870912 (512 MiB).
# max_message_bytes = 536870912
# Subjects per ingest batch (1 to 1000, the gRPC contract's limit). Default: 1000.
# max_batch_subjects = 1000
# Largest page a list call returns (1 to 1000). Default: 1000.
# max_page_size = 1000
# Batches in one ingest upsert stream; a longer stream is ended (the batches before it are
# stored) and the client continues in a new call. Default: 100000.
# max_batches_per_stream = 100000
# Seconds an ingest upsert stream may send nothing before the node ends it. Default: 120.
# stream_idle_timeout_secs = 120
# Look-ups one investigator may run per minute: a burst of this many, then refilled at this
# rate; over it, RESOURCE_EXHAUSTED says when to retry. Default: 60.
# lookups_per_minute_per_user = 60
# Look-ups all investigators of this node together may run per minute. Default: 600.
# lookups_per_minute_node = 600
# Follow-up requests one peer may send per minute. Default: 120.
# follow_ups_per_minute_per_peer = 120

# ---------------------------------------------------------------------------------------------
# The signed audit log (see "Audit: get and check a log" in docs/OPERATIONS.md).
[audit]
# Seconds between signed tree heads (a head is signed only when the log grew) and rounds of
# countersigning by the peers. Default: 60.
# head_interval_secs = 60

# ---------------------------------------------------------------------------------------------
# Prometheus metrics (see "Metrics and alerts" in docs/OPERATIONS.md).
[metrics]
# Address of an HTTP listener serving the metrics at /metrics, on its own port. Default: none
# (no metrics are served). Metrics carry no personal data, but show activity: keep the port
# on the monitoring network.
# listen = "127.0.0.1:9464"

# ---------------------------------------------------------------------------------------------
# ---------------------------------------------------------------------------------------------
# Mutual TLS files (PEM); relative paths are under data_dir. The defaults are where
# `fiu-node pki network` puts them (docs/OPERATIONS.md, "Certificates").
[tls]
# The network CA certificate, which issued every member certificate.
# network_ca = "tls/network-ca.pem"
# This member's certificate (the manifest pins its SHA-256) and its private key.
# cert = "tls/member.pem"
# key = "tls/member.key"
# This member's users CA, which issued its operators', investigators' and auditors'
# certificates.
# users_ca = "tls/users-ca.pem"

# ---------------------------------------------------------------------------------------------
# Development networks without a manifest (insecure_plaintext only):
# the other members this node exchanges filters with: one [[peers]] block each. Each member
# prints its own block with `fiu-node show-key --config ITS-CONFIG --peer-block`.
#
# [[peers]]
# # The peer's member id, as in its own [node] member_id.
# member_id = "fiu-xx"
# # The peer's gRPC endpoint (http:// or https://).
# endpoint = "http://127.0.0.1:7401"
# # The peer's Ed25519 public key, 64 hex characters.
# public_key = "0000000000000000000000000000000000000000000000000000000000000000"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_parses_with_every_commented_option_enabled() {
        let text = config_template(
            "fiu-a",
            "127.0.0.1:7400".parse().unwrap(),
            Path::new("/tmp/fiu \"a\""),
        );
        let c = Config::parse(&text, "template").unwrap();
        assert_eq!(c.node.member_id, "fiu-a");
        assert_eq!(c.node.data_dir, Path::new("/tmp/fiu \"a\""));
        // Uncommenting every option (not the peers example, whose key is a placeholder) must
        // still parse and give the defaults.
        let enabled: String = text
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(rest)
                    if rest.contains(" = ")
                        && !rest.starts_with('#')
                        && !rest.contains("fiu-xx")
                        && !rest.starts_with("endpoint")
                        && !rest.starts_with("public_key") =>
                {
                    format!("{rest}\n")
                }
                _ => format!("{l}\n"),
            })
            .collect();
        let d = Config::parse(&enabled, "enabled").unwrap();
        assert_eq!(d.filter, c.filter);
        assert_eq!(d.limits, c.limits);
        assert_eq!(d.node.identity_key_file, c.node.identity_key_file);
        assert_eq!(d.policy.share_categories, c.policy.share_categories);
        assert_eq!(d.policy.phone_region.as_deref(), Some("DE"));
    }
}
