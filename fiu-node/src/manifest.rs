//! The network manifest: the one document every member holds that says who is in the network,
//! where each member listens, which keys and certificate are its own, and the parameters every
//! member must share (epoch, filter false-positive rate).
//!
//! The file is TOML (format in docs/PROTOCOL.md, "Network manifest"). A node loads it at
//! start with [`Manifest::load`], and [`Manifest::check_own`] then compares the manifest with
//! what the node itself holds (its identity key, its certificate). Any inconsistency is a
//! [`ManifestError`] naming the member and field, and the node refuses to start: a node that
//! runs on a manifest that disagrees with its peers' copies would be refused by them later, in
//! ways much harder to understand.
//!
//! The manifest holds public values only (public keys, certificate fingerprints), so it can
//! be distributed by any channel; its integrity is what matters, and the operators compare
//! its [`Manifest::digest`] out of band (see docs/OPERATIONS.md).

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{PeerSection, valid_member_id};
use crate::identity::{IdentityError, PublicKey};

/// The manifest format version this code reads.
pub const MANIFEST_VERSION: u32 = 1;

/// Most members a manifest may list: the product's scale target is 200.
pub const MAX_MEMBERS: usize = 1_000;

/// Why a manifest was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// The file could not be read.
    #[error("reading manifest {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not TOML of the manifest's shape.
    #[error("manifest {path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What is wrong, with the line and field.
        message: String,
    },
    /// A value is malformed or inconsistent with another.
    #[error("manifest {path}: `{field}` {reason}")]
    Invalid {
        /// The file.
        path: String,
        /// The field, e.g. `members[2].signing_key` (member fiu-c).
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// This node's member id is not listed.
    #[error("manifest {path}: this node's member id `{member}` is not listed in `members`")]
    NotAMember {
        /// The file.
        path: String,
        /// This node's member id.
        member: String,
    },
    /// What the node holds differs from what the manifest says about it.
    #[error("manifest {path}: member `{member}` `{field}` is {listed}, but this node's {held}")]
    OwnMismatch {
        /// The file.
        path: String,
        /// This node's member id.
        member: String,
        /// The manifest field.
        field: &'static str,
        /// The manifest's value.
        listed: String,
        /// What the node holds and its value (`identity key is 3f2a...`).
        held: String,
    },
}

/// SHA-256 of a certificate's DER encoding: how the manifest pins each member's certificate.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CertFingerprint(pub [u8; 32]);

impl CertFingerprint {
    /// The fingerprint of a DER certificate.
    pub fn of_der(der: &[u8]) -> CertFingerprint {
        CertFingerprint(Sha256::digest(der).into())
    }

    /// Parses 64 hex characters (colons between bytes are allowed, as `openssl x509
    /// -fingerprint` prints them).
    pub fn from_hex(text: &str) -> Option<CertFingerprint> {
        let clean: String = text.trim().chars().filter(|c| *c != ':').collect();
        let mut out = [0u8; 32];
        hex::decode_to_slice(clean, &mut out).ok()?;
        Some(CertFingerprint(out))
    }
}

impl fmt::Display for CertFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for CertFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CertFingerprint({self})")
    }
}

/// The whole manifest file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The format version, [`MANIFEST_VERSION`].
    pub version: u32,
    /// The network's name (shown in logs and in the CA's name).
    pub network: String,
    /// Revision of this manifest; every change (member added or removed, key or certificate
    /// replaced) increases it, so members can tell an old copy from a new one.
    pub revision: u64,
    /// SHA-256 of the network CA certificate (DER), hex: a node checks that the CA file it is
    /// configured with is this network's.
    pub ca_sha256: String,
    /// Epoch policy.
    pub epoch: EpochPolicy,
    /// Filter parameters every member uses.
    pub filter: FilterParameters,
    /// The members, this node included.
    pub members: Vec<ManifestMember>,
}

/// `[epoch]`: which epoch the network is in and how long an epoch may last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpochPolicy {
    /// The current epoch; every member's `network.epoch` must equal it.
    pub current: u64,
    /// Days after which the network rotates to a new epoch (expiry bounds how long a member
    /// can test guesses against filters it received: SECURITY.md).
    pub max_age_days: u32,
}

/// `[filter]`: parameters of the shared filters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterParameters {
    /// Target false-positive rate every member builds its filter for; every member's
    /// `filter.target_fpr` must equal it, so that a hit means the same everywhere.
    pub target_fpr: f64,
}

/// `[[members]]`: one member of the network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestMember {
    /// Member id (`fiu-de`): a-z, 0-9, `-`, `_`, `.`, at most 64.
    pub id: String,
    /// The FIU's name.
    pub name: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// Its gRPC endpoint, `https://host:port` (`http://` only for development networks run
    /// with `--insecure-plaintext`).
    pub endpoint: String,
    /// Its Ed25519 identity public key (signs filters, follow-ups, tree heads), 64 hex.
    pub signing_key: String,
    /// Its X25519 public key (receives the wrapped network secret), 64 hex. Written by the
    /// key ceremony (`fiu-node keys`).
    pub x25519_key: String,
    /// SHA-256 of its TLS member certificate (DER), 64 hex.
    pub certificate_sha256: String,
}

impl ManifestMember {
    /// The member's Ed25519 public key (checked at load, so an error only comes from a
    /// member built by hand).
    pub fn signing_key(&self) -> Result<PublicKey, IdentityError> {
        PublicKey::from_hex(
            &format!("member {} signing_key", self.id),
            &self.signing_key,
        )
    }

    /// The member's X25519 public key bytes (checked at load).
    pub fn x25519_key(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        let _ = hex::decode_to_slice(self.x25519_key.trim(), &mut out);
        out
    }

    /// The member's certificate fingerprint (checked at load).
    pub fn certificate_fingerprint(&self) -> CertFingerprint {
        CertFingerprint::from_hex(&self.certificate_sha256).unwrap_or(CertFingerprint([0; 32]))
    }

    /// The member as this node's peering code knows a peer.
    pub fn as_peer(&self) -> PeerSection {
        PeerSection {
            member_id: self.id.clone(),
            endpoint: self.endpoint.clone(),
            public_key: self.signing_key.clone(),
        }
    }
}

impl Manifest {
    /// Reads and checks a manifest file.
    pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
        let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Manifest::parse(&text, &path.display().to_string())
    }

    /// Parses and checks manifest text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Manifest, ManifestError> {
        let manifest: Manifest = toml::from_str(text).map_err(|e| ManifestError::Parse {
            path: origin.to_owned(),
            message: e.to_string(),
        })?;
        manifest.check(origin)?;
        Ok(manifest)
    }

    /// The manifest as TOML text (what `fiu-node pki network` writes).
    pub fn to_toml(&self) -> String {
        // Invariant: every field is a string, number or table of them: TOML can hold it.
        toml::to_string_pretty(self).expect("a manifest serialises to TOML")
    }

    /// SHA-256 of the manifest's TOML text as [`Manifest::to_toml`] writes it: what operators
    /// compare out of band to know they hold the same manifest.
    pub fn digest(&self) -> String {
        hex::encode(Sha256::digest(self.to_toml().as_bytes()))
    }

    /// Checks every field and the consistency between members.
    pub fn check(&self, origin: &str) -> Result<(), ManifestError> {
        let invalid = |field: String, reason: &str| ManifestError::Invalid {
            path: origin.to_owned(),
            field,
            reason: reason.to_owned(),
        };
        if self.version != MANIFEST_VERSION {
            return Err(invalid(
                "version".into(),
                &format!(
                    "is {}; this node reads version {MANIFEST_VERSION}",
                    self.version
                ),
            ));
        }
        if self.network.trim().is_empty() || self.network.len() > 128 {
            return Err(invalid("network".into(), "must be 1 to 128 characters"));
        }
        if CertFingerprint::from_hex(&self.ca_sha256).is_none() {
            return Err(invalid(
                "ca_sha256".into(),
                "is not a SHA-256 fingerprint (64 hex characters)",
            ));
        }
        if self.epoch.max_age_days == 0 {
            return Err(invalid("epoch.max_age_days".into(), "must be at least 1"));
        }
        if !(self.filter.target_fpr > 0.0 && self.filter.target_fpr < 0.5) {
            return Err(invalid(
                "filter.target_fpr".into(),
                "must be between 0 and 0.5",
            ));
        }
        if self.members.is_empty() {
            return Err(invalid("members".into(), "lists no member"));
        }
        if self.members.len() > MAX_MEMBERS {
            return Err(invalid(
                "members".into(),
                &format!("lists more than {MAX_MEMBERS} members"),
            ));
        }
        let mut ids = BTreeSet::new();
        let mut endpoints = BTreeSet::new();
        let mut signing = BTreeSet::new();
        let mut x25519 = BTreeSet::new();
        let mut certs = BTreeSet::new();
        for (i, m) in self.members.iter().enumerate() {
            let field = |name: &str| format!("members[{i}].{name} (member {})", m.id);
            if !valid_member_id(&m.id) {
                return Err(invalid(
                    format!("members[{i}].id"),
                    "must be 1 to 64 of a-z, 0-9, '-', '_', '.'",
                ));
            }
            if !ids.insert(m.id.as_str()) {
                return Err(invalid(field("id"), "appears twice"));
            }
            if m.name.trim().is_empty() || m.name.len() > 200 {
                return Err(invalid(field("name"), "must be 1 to 200 characters"));
            }
            match matcher::identifiers::country(&m.country) {
                Ok(c) if c.as_str() == m.country => {}
                _ => {
                    return Err(invalid(
                        field("country"),
                        "must be an upper-case ISO 3166-1 alpha-2 code (e.g. DE)",
                    ));
                }
            }
            check_endpoint(&m.endpoint).map_err(|r| invalid(field("endpoint"), &r))?;
            if !endpoints.insert(m.endpoint.as_str()) {
                return Err(invalid(
                    field("endpoint"),
                    "is also another member's endpoint",
                ));
            }
            let key = PublicKey::from_hex(&m.id, &m.signing_key).map_err(|_| {
                invalid(
                    field("signing_key"),
                    "is not a valid Ed25519 public key (64 hex characters)",
                )
            })?;
            if !signing.insert(key.to_bytes()) {
                return Err(invalid(
                    field("signing_key"),
                    "is also another member's signing key",
                ));
            }
            let mut xk = [0u8; 32];
            if hex::decode_to_slice(m.x25519_key.trim(), &mut xk).is_err() || xk == [0u8; 32] {
                return Err(invalid(
                    field("x25519_key"),
                    "is not an X25519 public key (64 hex characters, not all zero)",
                ));
            }
            if !x25519.insert(xk) {
                return Err(invalid(
                    field("x25519_key"),
                    "is also another member's X25519 key",
                ));
            }
            let fp = CertFingerprint::from_hex(&m.certificate_sha256).ok_or_else(|| {
                invalid(
                    field("certificate_sha256"),
                    "is not a SHA-256 fingerprint (64 hex characters)",
                )
            })?;
            if !certs.insert(fp) {
                return Err(invalid(
                    field("certificate_sha256"),
                    "is also another member's certificate",
                ));
            }
        }
        Ok(())
    }

    /// The member `id`, if listed.
    pub fn member(&self, id: &str) -> Option<&ManifestMember> {
        self.members.iter().find(|m| m.id == id)
    }

    /// The member whose certificate has fingerprint `fp`, if any.
    pub fn member_by_certificate(&self, fp: &CertFingerprint) -> Option<&ManifestMember> {
        self.members
            .iter()
            .find(|m| m.certificate_fingerprint() == *fp)
    }

    /// Every member but `me`, as peers.
    pub fn peers_of(&self, me: &str) -> Vec<PeerSection> {
        self.members
            .iter()
            .filter(|m| m.id != me)
            .map(ManifestMember::as_peer)
            .collect()
    }

    /// The network CA fingerprint (checked at load).
    pub fn ca_fingerprint(&self) -> CertFingerprint {
        CertFingerprint::from_hex(&self.ca_sha256).unwrap_or(CertFingerprint([0; 32]))
    }

    /// Checks what this node holds against what the manifest says about it: the member is
    /// listed, its identity key is the listed one, and (with TLS) its certificate and the
    /// network CA are the listed ones. `origin` names the manifest in errors.
    pub fn check_own(&self, origin: &str, own: &OwnCredentials) -> Result<(), ManifestError> {
        let me = self
            .member(&own.member_id)
            .ok_or_else(|| ManifestError::NotAMember {
                path: origin.to_owned(),
                member: own.member_id.clone(),
            })?;
        let mismatch =
            |field, what: &str, listed: String, held: String| ManifestError::OwnMismatch {
                path: origin.to_owned(),
                member: own.member_id.clone(),
                field,
                listed,
                held: format!("{what} is {held}"),
            };
        if me.signing_key().ok() != Some(own.signing_key) {
            return Err(mismatch(
                "signing_key",
                "identity key",
                me.signing_key.clone(),
                own.signing_key.to_string(),
            ));
        }
        if let Some(cert) = own.certificate {
            if me.certificate_fingerprint() != cert {
                return Err(mismatch(
                    "certificate_sha256",
                    "certificate",
                    me.certificate_sha256.clone(),
                    cert.to_string(),
                ));
            }
        }
        if let Some(ca) = own.ca {
            if self.ca_fingerprint() != ca {
                return Err(mismatch(
                    "ca_sha256",
                    "network CA certificate",
                    self.ca_sha256.clone(),
                    ca.to_string(),
                ));
            }
        }
        Ok(())
    }
}

/// What a node holds, to compare with the manifest ([`Manifest::check_own`]).
#[derive(Debug, Clone)]
pub struct OwnCredentials {
    /// `node.member_id`.
    pub member_id: String,
    /// The public half of the identity key file.
    pub signing_key: PublicKey,
    /// The fingerprint of the node's member certificate (None without TLS).
    pub certificate: Option<CertFingerprint>,
    /// The fingerprint of the network CA certificate it trusts (None without TLS).
    pub ca: Option<CertFingerprint>,
}

fn check_endpoint(endpoint: &str) -> Result<(), String> {
    let uri: tonic::codegen::http::Uri = endpoint
        .parse()
        .map_err(|e| format!("is not a URL ({e})"))?;
    match uri.scheme_str() {
        Some("https") | Some("http") => {}
        _ => return Err("must start with https:// (or http:// for development)".into()),
    }
    let authority = uri.authority().ok_or_else(|| "has no host".to_owned())?;
    if authority.port_u16().is_none() {
        return Err("must name a port (https://host:port)".into());
    }
    if uri.path() != "/" && !uri.path().is_empty() {
        return Err("must not have a path".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Identity;

    fn member(id: &str, port: u16, key: &PublicKey, x: u8, cert: u8) -> ManifestMember {
        ManifestMember {
            id: id.into(),
            name: format!("FIU {id}"),
            country: "DE".into(),
            endpoint: format!("https://{id}.example:{port}"),
            signing_key: key.to_string(),
            x25519_key: hex::encode([x; 32]),
            certificate_sha256: hex::encode([cert; 32]),
        }
    }

    fn sample() -> (Manifest, Identity) {
        let a = Identity::generate().unwrap();
        let b = Identity::generate().unwrap();
        let m = Manifest {
            version: 1,
            network: "test".into(),
            revision: 1,
            ca_sha256: hex::encode([9u8; 32]),
            epoch: EpochPolicy {
                current: 1,
                max_age_days: 90,
            },
            filter: FilterParameters { target_fpr: 1e-6 },
            members: vec![
                member("fiu-a", 7401, &a.public_key(), 1, 1),
                member("fiu-b", 7402, &b.public_key(), 2, 2),
            ],
        };
        (m, a)
    }

    fn refused(m: &Manifest) -> String {
        Manifest::parse(&m.to_toml(), "net.toml")
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_manifest_round_trips_through_its_file_format() {
        let (m, _) = sample();
        let back = Manifest::parse(&m.to_toml(), "net.toml").unwrap();
        assert_eq!(back, m);
        assert_eq!(back.digest(), m.digest());
        assert_eq!(back.peers_of("fiu-a").len(), 1);
        assert_eq!(back.peers_of("fiu-a")[0].member_id, "fiu-b");
    }

    #[test]
    fn each_inconsistency_is_refused_naming_the_member_and_field() {
        let (m, _) = sample();
        let mut dup = m.clone();
        dup.members[1].id = "fiu-a".into();
        let e = refused(&dup);
        assert!(e.contains("members[1].id") && e.contains("twice"), "{e}");

        let mut bad_key = m.clone();
        bad_key.members[1].signing_key = "abcd".into();
        let e = refused(&bad_key);
        assert!(e.contains("members[1].signing_key (member fiu-b)"), "{e}");

        let mut same_key = m.clone();
        same_key.members[1].signing_key = m.members[0].signing_key.clone();
        assert!(refused(&same_key).contains("another member's signing key"));

        let mut bad_x = m.clone();
        bad_x.members[0].x25519_key = "00".repeat(32);
        assert!(refused(&bad_x).contains("members[0].x25519_key (member fiu-a)"));

        let mut bad_cert = m.clone();
        bad_cert.members[1].certificate_sha256 = "not hex".into();
        assert!(refused(&bad_cert).contains("members[1].certificate_sha256"));

        let mut bad_endpoint = m.clone();
        bad_endpoint.members[0].endpoint = "fiu-a.example".into();
        let e = refused(&bad_endpoint);
        assert!(e.contains("members[0].endpoint"), "{e}");
        bad_endpoint.members[0].endpoint = "https://fiu-a.example".into();
        assert!(refused(&bad_endpoint).contains("port"));

        let mut bad_country = m.clone();
        bad_country.members[0].country = "Germany".into();
        assert!(refused(&bad_country).contains("members[0].country"));

        let mut bad_fpr = m.clone();
        bad_fpr.filter.target_fpr = 0.7;
        assert!(refused(&bad_fpr).contains("filter.target_fpr"));

        let mut empty = m.clone();
        empty.members.clear();
        assert!(refused(&empty).contains("lists no member"));

        let e = Manifest::parse(&format!("{}\nsurprise = 1\n", m.to_toml()), "net.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("surprise"), "{e}");
    }

    #[test]
    fn a_node_whose_keys_differ_from_the_manifest_is_told_which() {
        let (m, a) = sample();
        let own = OwnCredentials {
            member_id: "fiu-a".into(),
            signing_key: a.public_key(),
            certificate: Some(CertFingerprint([1; 32])),
            ca: Some(CertFingerprint([9; 32])),
        };
        m.check_own("net.toml", &own).unwrap();

        let e = m
            .check_own(
                "net.toml",
                &OwnCredentials {
                    member_id: "fiu-z".into(),
                    ..own.clone()
                },
            )
            .unwrap_err()
            .to_string();
        assert!(e.contains("fiu-z") && e.contains("not listed"), "{e}");

        let other = Identity::generate().unwrap().public_key();
        let e = m
            .check_own(
                "net.toml",
                &OwnCredentials {
                    signing_key: other,
                    ..own.clone()
                },
            )
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("signing_key") && e.contains("identity key"),
            "{e}"
        );

        let e = m
            .check_own(
                "net.toml",
                &OwnCredentials {
                    certificate: Some(CertFingerprint([2; 32])),
                    ..own.clone()
                },
            )
            .unwrap_err()
            .to_string();
        assert!(e.contains("certificate_sha256"), "{e}");

        let e = m
            .check_own(
                "net.toml",
                &OwnCredentials {
                    ca: Some(CertFingerprint([3; 32])),
                    ..own
                },
            )
            .unwrap_err()
            .to_string();
        assert!(e.contains("ca_sha256"), "{e}");
    }
}
