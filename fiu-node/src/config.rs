//! The node's configuration file (TOML). `fiu-node init` writes a commented one; every field
//! is documented there and in docs/OPERATIONS.md.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use matcher::Category;
use serde::{Deserialize, Serialize};

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid TOML of the expected shape.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What is wrong, with the line and field.
        message: String,
    },
    /// A value is out of range or inconsistent with another.
    #[error("{path}: `{field}` {reason}")]
    Invalid {
        /// The file.
        path: String,
        /// The field.
        field: String,
        /// What is wrong.
        reason: String,
    },
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// This node.
    pub node: NodeSection,
    /// The network secret and epoch.
    pub network: NetworkSection,
    /// Filter parameters.
    #[serde(default)]
    pub filter: FilterSection,
    /// What is shared, with whom.
    #[serde(default)]
    pub policy: PolicySection,
    /// Abuse and resource limits.
    #[serde(default)]
    pub limits: LimitsSection,
    /// Where the node keeps its data: SQLite (the default) or PostgreSQL.
    #[serde(default)]
    pub storage: StorageSection,
    /// The Prometheus metrics listener (off unless set).
    #[serde(default)]
    pub metrics: MetricsSection,
    /// The audit log's signed tree heads.
    #[serde(default)]
    pub audit: AuditSection,
    /// Mutual TLS files.
    #[serde(default)]
    pub tls: TlsSection,
    /// The other members this node exchanges filters with, for a development network run
    /// without a manifest (`insecure_plaintext`); with a manifest, its members are the peers.
    #[serde(default)]
    pub peers: Vec<PeerSection>,
}

/// `[node]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSection {
    /// This member's id in the network (e.g. `fiu-de`).
    pub member_id: String,
    /// Address the gRPC server listens on.
    pub listen: SocketAddr,
    /// Directory of the SQLite database and, by default, the key files.
    pub data_dir: PathBuf,
    /// The Ed25519 identity key file (hex seed); relative paths are under `data_dir`.
    #[serde(default = "default_identity_file")]
    pub identity_key_file: PathBuf,
    /// Serve and dial peers without TLS, identifying callers by request metadata with no
    /// authentication at all (development only; the node logs a warning). Also
    /// `fiu-node serve --insecure-plaintext`.
    #[serde(default)]
    pub insecure_plaintext: bool,
}

fn default_identity_file() -> PathBuf {
    PathBuf::from("identity.key")
}

/// `[network]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSection {
    /// File with the 32-byte network secret in hex, as `fiu-node keys unwrap` writes it
    /// from the key ceremony's sealed box; relative paths are under `data_dir`.
    pub secret_file: PathBuf,
    /// The current epoch.
    pub epoch: u64,
    /// The network manifest (members, keys, certificate pins; docs/PROTOCOL.md); relative
    /// paths are under `data_dir`. Required with TLS; without it (plaintext development
    /// networks only) the peers come from `[[peers]]`.
    #[serde(default)]
    pub manifest: Option<PathBuf>,
}

/// `[tls]`: the PEM files of mutual TLS; relative paths are under `data_dir`. The defaults
/// are where `fiu-node pki network` puts them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsSection {
    /// The network CA certificate (issues member certificates).
    pub network_ca: PathBuf,
    /// This member's certificate (the manifest pins its SHA-256).
    pub cert: PathBuf,
    /// This member's private key.
    pub key: PathBuf,
    /// This member's users CA certificate (issues its operators', investigators' and
    /// auditors' certificates).
    pub users_ca: PathBuf,
}

impl Default for TlsSection {
    fn default() -> Self {
        use crate::pki::layout;
        TlsSection {
            network_ca: layout::NETWORK_CA.into(),
            cert: layout::MEMBER_CERT.into(),
            key: layout::MEMBER_KEY.into(),
            users_ca: layout::USERS_CA.into(),
        }
    }
}

/// The default target false-positive rate of published filters (and of `pki network`'s
/// manifest), chosen for national scale: a full sweep shows investigators fewer than one
/// false hit per peer when the prober holds up to about ten million subjects (about 47
/// million strong tokens; one strong token decides a hit, so false hits ≈ strong tokens ×
/// rate). 1e-6 kept that only up to about 100 000 subjects. The cost is 45 bits per token
/// instead of 31.5 (+43 % filter bytes); docs/BENCHMARKS.md, "National scale".
pub const DEFAULT_TARGET_FPR: f64 = 1e-8;

/// `[filter]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FilterSection {
    /// Target false-positive rate of the published filter at its capacity.
    pub target_fpr: f64,
    /// Tokens the first snapshot is sized for; the filter is rebuilt larger when it fills.
    pub initial_capacity: u64,
}

impl Default for FilterSection {
    fn default() -> Self {
        FilterSection {
            target_fpr: DEFAULT_TARGET_FPR,
            initial_capacity: 1_000_000,
        }
    }
}

/// `[policy]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicySection {
    /// Categories whose tokens go into the shared filter.
    pub share_categories: Vec<Category>,
    /// Members allowed to fetch this node's filter; `"*"` means every configured peer.
    pub share_with: Vec<String>,
    /// ISO 3166 region for phone numbers written without a country code.
    pub phone_region: Option<String>,
}

impl Default for PolicySection {
    fn default() -> Self {
        PolicySection {
            share_categories: vec![Category::Suspect, Category::Associate],
            share_with: vec!["*".to_owned()],
            phone_region: None,
        }
    }
}

impl PolicySection {
    /// Whether `member` may fetch this node's filter.
    pub fn shares_with(&self, member: &str) -> bool {
        self.share_with.iter().any(|m| m == "*" || m == member)
    }
}

/// `[limits]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsSection {
    /// Largest gRPC message accepted or sent, in bytes. Bounds memory per call; filter
    /// snapshots must fit.
    pub max_message_bytes: usize,
    /// Subjects per ingest batch message, at most the contract's
    /// [`fiu_proto::limits::MAX_SUBJECTS_PER_BATCH`].
    pub max_batch_subjects: usize,
    /// Page size cap for list calls, at most the contract's
    /// [`fiu_proto::limits::MAX_PAGE_SIZE`].
    pub max_page_size: usize,
    /// Batches in one ingest upsert stream; a longer stream is ended (the batches before are
    /// stored), so one call cannot hold the ingest path forever.
    pub max_batches_per_stream: u64,
    /// Seconds an ingest upsert stream may stay silent before the node ends it: a stalled
    /// client cannot hold a call open without limit.
    pub stream_idle_timeout_secs: u64,
    /// Look-ups one investigator may run per minute (a burst of this many, then refilled at
    /// this rate). Look-ups test guesses against peers' filters: the quota bounds probing.
    pub lookups_per_minute_per_user: u32,
    /// Look-ups all investigators of this node together may run per minute.
    pub lookups_per_minute_node: u32,
    /// Follow-up requests one peer may send per minute; each makes this node resolve tokens
    /// against its own index.
    pub follow_ups_per_minute_per_peer: u32,
}

impl Default for LimitsSection {
    fn default() -> Self {
        LimitsSection {
            max_message_bytes: 512 * 1024 * 1024,
            max_batch_subjects: fiu_proto::limits::MAX_SUBJECTS_PER_BATCH,
            max_page_size: fiu_proto::limits::MAX_PAGE_SIZE as usize,
            max_batches_per_stream: 100_000,
            stream_idle_timeout_secs: 120,
            lookups_per_minute_per_user: 60,
            lookups_per_minute_node: 600,
            follow_ups_per_minute_per_peer: 120,
        }
    }
}

/// `[storage]`: the store backend. SQLite keeps `node.sqlite` in `data_dir`; PostgreSQL keeps
/// the same tables in a database that several node processes can share
/// (docs/OPERATIONS.md, "Choosing the store"). `Debug` shows no password.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageSection {
    /// `sqlite` or `postgres`.
    pub backend: StorageBackend,
    /// PostgreSQL only: `postgres://user@host:port/database`. A password may stand in it,
    /// but `password_file` (or the `FIU_POSTGRES_PASSWORD` environment variable) keeps it
    /// out of the configuration file.
    pub url: Option<String>,
    /// PostgreSQL only: a file holding the password (one line); relative paths are under
    /// `data_dir`. Takes precedence over `FIU_POSTGRES_PASSWORD` and the URL's password.
    pub password_file: Option<PathBuf>,
    /// PostgreSQL only: the schema of the node's tables, created if absent (default: the
    /// role's `search_path`, usually `public`).
    pub schema: Option<String>,
    /// PostgreSQL only: connections each node process opens at most.
    pub max_connections: usize,
}

impl Default for StorageSection {
    fn default() -> Self {
        StorageSection {
            backend: StorageBackend::Sqlite,
            url: None,
            password_file: None,
            schema: None,
            max_connections: crate::store::postgres::DEFAULT_MAX_CONNECTIONS,
        }
    }
}

impl std::fmt::Debug for StorageSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorageSection")
            .field("backend", &self.backend)
            .field(
                "url",
                &self
                    .url
                    .as_deref()
                    .map(crate::store::postgres::redacted_url),
            )
            .field("password_file", &self.password_file)
            .field("schema", &self.schema)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

/// The store backend of `[storage]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageBackend {
    /// One SQLite file per node (`data_dir/node.sqlite`).
    #[default]
    Sqlite,
    /// A PostgreSQL database (`[storage] url`).
    Postgres,
}

/// `[metrics]`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSection {
    /// Address of the HTTP listener that serves Prometheus metrics at `/metrics`; none (the
    /// default) serves no metrics. A separate port from gRPC, so that scrapers need no gRPC
    /// access and the metrics port can be firewalled on its own.
    pub listen: Option<SocketAddr>,
}

/// `[audit]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditSection {
    /// Seconds between signed tree heads of the audit log (a head is signed only when the
    /// log grew) and rounds of witnessing by the peers. Shorter means less of the log is
    /// unsigned at any moment; each head costs one signature and one call per peer.
    pub head_interval_secs: u64,
}

impl Default for AuditSection {
    fn default() -> Self {
        AuditSection {
            head_interval_secs: 60,
        }
    }
}

/// `[[peers]]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerSection {
    /// The peer's member id.
    pub member_id: String,
    /// The peer's gRPC endpoint, e.g. `http://127.0.0.1:7401`.
    pub endpoint: String,
    /// The peer's Ed25519 public key, 64 hex characters.
    pub public_key: String,
}

impl Config {
    /// Reads and checks a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Config::parse(&text, &path.display().to_string())
    }

    /// Parses and checks configuration text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: origin.to_owned(),
            message: e.to_string(),
        })?;
        config.check(origin)?;
        Ok(config)
    }

    fn check(&self, origin: &str) -> Result<(), ConfigError> {
        let invalid = |field: &str, reason: &str| ConfigError::Invalid {
            path: origin.to_owned(),
            field: field.to_owned(),
            reason: reason.to_owned(),
        };
        if !valid_member_id(&self.node.member_id) {
            return Err(invalid(
                "node.member_id",
                "must be 1 to 64 of a-z, 0-9, '-', '_', '.'",
            ));
        }
        if !(self.filter.target_fpr > 0.0 && self.filter.target_fpr < 0.5) {
            return Err(invalid("filter.target_fpr", "must be between 0 and 0.5"));
        }
        if self.filter.initial_capacity == 0 {
            return Err(invalid("filter.initial_capacity", "must be at least 1"));
        }
        if let Some(region) = &self.policy.phone_region {
            matcher::identifiers::country(region)
                .map_err(|e| invalid("policy.phone_region", &e.to_string()))?;
        }
        if self.network.manifest.is_some() && !self.peers.is_empty() {
            return Err(invalid(
                "peers",
                "must be empty when network.manifest is set: the manifest's members are the peers",
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, p) in self.peers.iter().enumerate() {
            if !valid_member_id(&p.member_id) {
                return Err(invalid(
                    &format!("peers[{i}].member_id"),
                    "must be 1 to 64 of a-z, 0-9, '-', '_', '.'",
                ));
            }
            if p.member_id == self.node.member_id {
                return Err(invalid(
                    &format!("peers[{i}].member_id"),
                    "is this node's own id",
                ));
            }
            if !seen.insert(&p.member_id) {
                return Err(invalid(&format!("peers[{i}].member_id"), "appears twice"));
            }
            if !(p.endpoint.starts_with("http://") || p.endpoint.starts_with("https://")) {
                return Err(invalid(
                    &format!("peers[{i}].endpoint"),
                    "must start with http:// or https://",
                ));
            }
            crate::identity::PublicKey::from_hex("key", &p.public_key).map_err(|_| {
                invalid(
                    &format!("peers[{i}].public_key"),
                    "is not a valid Ed25519 public key (64 hex characters)",
                )
            })?;
        }
        if self.audit.head_interval_secs == 0 {
            return Err(invalid("audit.head_interval_secs", "must be at least 1"));
        }
        let limits = &self.limits;
        let max_batch = fiu_proto::limits::MAX_SUBJECTS_PER_BATCH;
        if !(1..=max_batch).contains(&limits.max_batch_subjects) {
            return Err(invalid(
                "limits.max_batch_subjects",
                &format!("must be 1 to {max_batch} (the gRPC contract's limit)"),
            ));
        }
        let max_page = fiu_proto::limits::MAX_PAGE_SIZE as usize;
        if !(1..=max_page).contains(&limits.max_page_size) {
            return Err(invalid(
                "limits.max_page_size",
                &format!("must be 1 to {max_page} (the gRPC contract's limit)"),
            ));
        }
        for (field, value) in [
            (
                "limits.max_batches_per_stream",
                limits.max_batches_per_stream,
            ),
            (
                "limits.stream_idle_timeout_secs",
                limits.stream_idle_timeout_secs,
            ),
            (
                "limits.lookups_per_minute_per_user",
                limits.lookups_per_minute_per_user.into(),
            ),
            (
                "limits.lookups_per_minute_node",
                limits.lookups_per_minute_node.into(),
            ),
            (
                "limits.follow_ups_per_minute_per_peer",
                limits.follow_ups_per_minute_per_peer.into(),
            ),
        ] {
            if value == 0 {
                return Err(invalid(field, "must be at least 1"));
            }
        }
        self.check_storage(origin)
    }

    /// `[storage]`: a PostgreSQL backend needs a parseable URL; the PostgreSQL settings are
    /// refused with the SQLite backend, where they would silently do nothing. Errors never
    /// quote the URL (it may hold a password).
    fn check_storage(&self, origin: &str) -> Result<(), ConfigError> {
        let invalid = |field: &str, reason: &str| ConfigError::Invalid {
            path: origin.to_owned(),
            field: format!("storage.{field}"),
            reason: reason.to_owned(),
        };
        let s = &self.storage;
        match s.backend {
            StorageBackend::Sqlite => {
                let set = [
                    ("url", s.url.is_some()),
                    ("password_file", s.password_file.is_some()),
                    ("schema", s.schema.is_some()),
                ];
                if let Some((field, _)) = set.iter().find(|(_, set)| *set) {
                    return Err(invalid(field, "is only used with backend = \"postgres\""));
                }
            }
            StorageBackend::Postgres => {
                let Some(url) = &s.url else {
                    return Err(invalid("url", "is required with backend = \"postgres\""));
                };
                let is_url = url.starts_with("postgres://") || url.starts_with("postgresql://");
                if !is_url || url.parse::<tokio_postgres::Config>().is_err() {
                    return Err(invalid(
                        "url",
                        "is not a PostgreSQL URL (postgres://user@host:port/database)",
                    ));
                }
                if let Some(schema) = &s.schema
                    && !crate::store::postgres::valid_schema_name(schema)
                {
                    return Err(invalid(
                        "schema",
                        "must be 1 to 63 of a-z, 0-9, '_', not starting with a digit",
                    ));
                }
            }
        }
        if !(1..=256).contains(&s.max_connections) {
            return Err(invalid("max_connections", "must be between 1 and 256"));
        }
        Ok(())
    }

    /// A path from the config, resolved against `data_dir` when relative.
    pub fn data_path(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.node.data_dir.join(p)
        }
    }

    /// The TLS files, resolved against `data_dir`.
    pub fn tls_files(&self) -> crate::tls::TlsFiles {
        crate::tls::TlsFiles {
            network_ca: self.data_path(&self.tls.network_ca),
            cert: self.data_path(&self.tls.cert),
            key: self.data_path(&self.tls.key),
            users_ca: self.data_path(&self.tls.users_ca),
        }
    }

    /// The SQLite database file.
    pub fn database_path(&self) -> PathBuf {
        self.node.data_dir.join("node.sqlite")
    }
}

/// Member ids appear in logs, metrics and file names: a small safe alphabet.
pub fn valid_member_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
[node]
member_id = "fiu-a"
listen = "127.0.0.1:0"
data_dir = "/tmp/fiu-a"
[network]
secret_file = "network.secret"
epoch = 1
"#;

    #[test]
    fn defaults_apply_to_a_minimal_file() {
        let c = Config::parse(MINIMAL, "test").unwrap();
        assert_eq!(
            c.policy.share_categories,
            vec![Category::Suspect, Category::Associate]
        );
        assert!(c.policy.shares_with("anyone"));
        assert_eq!(c.filter.target_fpr, DEFAULT_TARGET_FPR);
    }

    #[test]
    fn storage_defaults_to_sqlite_and_postgres_settings_are_checked() {
        let c = Config::parse(MINIMAL, "test").unwrap();
        assert_eq!(c.storage.backend, StorageBackend::Sqlite);
        let pg = format!(
            "{MINIMAL}[storage]\nbackend = \"postgres\"\n\
             url = \"postgres://fiu:s3cret@db:5432/fiu\"\nschema = \"fiu_a\"\n"
        );
        let c = Config::parse(&pg, "test").unwrap();
        assert_eq!(c.storage.backend, StorageBackend::Postgres);
        assert!(
            !format!("{c:?}").contains("s3cret"),
            "Debug hides the password"
        );

        let refused = |text: &str| Config::parse(text, "x.toml").unwrap_err().to_string();
        let e = refused(&format!("{MINIMAL}[storage]\nbackend = \"postgres\"\n"));
        assert!(e.contains("storage.url") && e.contains("required"), "{e}");
        let e = refused(&pg.replace("postgres://", "mysql://"));
        assert!(e.contains("storage.url"), "{e}");
        assert!(!e.contains("s3cret"), "the URL is not quoted: {e}");
        let e = refused(&pg.replace("fiu_a", "Fiu-A"));
        assert!(e.contains("storage.schema"), "{e}");
        let e = refused(&format!(
            "{MINIMAL}[storage]\nurl = \"postgres://db/fiu\"\n"
        ));
        assert!(e.contains("storage.url") && e.contains("only used"), "{e}");
        let e = refused(&format!("{MINIMAL}[storage]\nbackend = \"oracle\"\n"));
        assert!(e.contains("backend"), "{e}");
    }

    #[test]
    fn a_manifest_and_a_peers_list_are_refused_together() {
        let with_manifest = MINIMAL.replace("epoch = 1", "epoch = 1\nmanifest = \"net.toml\"");
        let c = Config::parse(&with_manifest, "x.toml").unwrap();
        assert_eq!(c.network.manifest.as_deref(), Some(Path::new("net.toml")));
        assert!(!c.node.insecure_plaintext, "TLS unless asked otherwise");
        assert_eq!(c.tls_files().cert, Path::new("/tmp/fiu-a/tls/member.pem"));
        let both = format!(
            "{with_manifest}\n[[peers]]\nmember_id = \"fiu-b\"\nendpoint = \"http://127.0.0.1:1\"\npublic_key = \"{}\"\n",
            "11".repeat(32)
        );
        let e = Config::parse(&both, "x.toml").unwrap_err().to_string();
        assert!(e.contains("`peers`") && e.contains("manifest"), "{e}");
    }

    #[test]
    fn refusals_name_the_field() {
        let bad = MINIMAL.replace("fiu-a\"", "FIU A\"");
        let e = Config::parse(&bad, "x.toml").unwrap_err().to_string();
        assert!(e.contains("node.member_id"), "{e}");
        let bad = format!(
            "{MINIMAL}\n[[peers]]\nmember_id = \"fiu-b\"\nendpoint = \"127.0.0.1:1\"\npublic_key = \"00\"\n"
        );
        let e = Config::parse(&bad, "x.toml").unwrap_err().to_string();
        assert!(e.contains("peers[0].endpoint"), "{e}");
        let e = Config::parse(&format!("{MINIMAL}\nsurprise = 1\n"), "x.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("surprise"), "{e}");
    }

    #[test]
    fn limits_are_checked_by_field() {
        for (line, field) in [
            (
                "lookups_per_minute_per_user = 0",
                "limits.lookups_per_minute_per_user",
            ),
            (
                "lookups_per_minute_node = 0",
                "limits.lookups_per_minute_node",
            ),
            (
                "follow_ups_per_minute_per_peer = 0",
                "limits.follow_ups_per_minute_per_peer",
            ),
            (
                "stream_idle_timeout_secs = 0",
                "limits.stream_idle_timeout_secs",
            ),
            (
                "max_batches_per_stream = 0",
                "limits.max_batches_per_stream",
            ),
            ("max_batch_subjects = 1001", "limits.max_batch_subjects"),
            ("max_page_size = 0", "limits.max_page_size"),
        ] {
            let e = Config::parse(&format!("{MINIMAL}\n[limits]\n{line}\n"), "x.toml")
                .unwrap_err()
                .to_string();
            assert!(e.contains(field), "{line}: {e}");
        }
        let ok = Config::parse(
            &format!("{MINIMAL}\n[limits]\nlookups_per_minute_per_user = 5\n"),
            "x.toml",
        )
        .unwrap();
        assert_eq!(ok.limits.lookups_per_minute_per_user, 5);
        assert_eq!(ok.limits.lookups_per_minute_node, 600);
    }
}
