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
    /// The other members this node exchanges filters with.
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
}

fn default_identity_file() -> PathBuf {
    PathBuf::from("identity.key")
}

/// `[network]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSection {
    /// File with the 32-byte network secret in hex (until the key ceremony delivers it
    /// wrapped); relative paths are under `data_dir`.
    pub secret_file: PathBuf,
    /// The current epoch.
    pub epoch: u64,
}

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
            target_fpr: 1e-6,
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
    /// Subjects per ingest batch message.
    pub max_batch_subjects: usize,
    /// Page size cap for list calls.
    pub max_page_size: usize,
}

impl Default for LimitsSection {
    fn default() -> Self {
        LimitsSection {
            max_message_bytes: 512 * 1024 * 1024,
            max_batch_subjects: 10_000,
            max_page_size: 1_000,
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
        if self.limits.max_batch_subjects == 0 || self.limits.max_page_size == 0 {
            return Err(invalid(
                "limits",
                "batch and page limits must be at least 1",
            ));
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
        assert_eq!(c.filter.target_fpr, 1e-6);
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
}
