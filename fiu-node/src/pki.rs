//! Certificates for mutual TLS, made without external tools: the network CA, each member's
//! certificate, each member's users CA and the certificates of its local users. `fiu-node
//! pki` (cli/pki.rs), the demo and the integration tests all use this module.
//!
//! # Certificate profile (docs/PROTOCOL.md, "Certificate profile")
//!
//! - **Network CA**: self-signed, CN `FIU network CA (<network>)`, path length 0. Signs member
//!   certificates only. Its key is kept offline by whoever runs the network.
//! - **Member certificate**: CN = member id, SAN DNS = member id (and any host names given),
//!   SAN URI `urn:fiu:member:<id>`, extended key usage server and client authentication.
//!   The manifest pins it by SHA-256; a node serves with it and dials its peers with it.
//! - **Users CA**: one per member, self-signed, CN `FIU users CA (<member id>)`. Signs the
//!   certificates of that member's own staff, and is trusted by that member's node only, so
//!   no other FIU (nor the network CA's holder) can make an investigator of this one.
//! - **User certificate**: CN = user name, SAN URI `urn:fiu:role:<role>` (operator,
//!   investigator or auditor), extended key usage client authentication.
//!
//! Keys are ECDSA P-256 in PKCS#8 PEM, written to new owner-only (0600) files.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use time::OffsetDateTime;
use zeroize::Zeroizing;

use std::collections::BTreeMap;

use crate::auth::Role;
use crate::identity::Identity;
use crate::manifest::{CertFingerprint, EpochPolicy, FilterParameters, Manifest, ManifestMember};

/// URI SAN prefix naming a member in its certificate.
pub const MEMBER_URI_PREFIX: &str = "urn:fiu:member:";
/// URI SAN prefix naming a local user's role in its certificate.
pub const ROLE_URI_PREFIX: &str = "urn:fiu:role:";
/// Validity of a CA certificate.
pub const CA_VALIDITY: Duration = Duration::from_secs(10 * 365 * 24 * 3600);
/// Validity of member and user certificates: a year, so a lost key stops working on its own.
pub const LEAF_VALIDITY: Duration = Duration::from_secs(365 * 24 * 3600);
/// A certificate is valid from this long before it was made, so that a clock a little behind
/// does not refuse a fresh certificate.
pub const CLOCK_SKEW: Duration = Duration::from_secs(3600);

/// Why a certificate could not be made, read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PkiError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A certificate or key file does not hold what it should.
    #[error("{path}: {reason}")]
    BadFile {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A name cannot go into a certificate.
    #[error("`{name}` cannot be used in a certificate: {reason}")]
    BadName {
        /// The name.
        name: String,
        /// Why.
        reason: String,
    },
    /// The certificate library refused the parameters.
    #[error("making a certificate: {0}")]
    Generate(#[from] rcgen::Error),
}

/// What a certificate says about its holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Profile {
    /// A member's node (peer role), with extra DNS names or IP addresses it is reached at.
    Member {
        /// Member id.
        id: String,
        /// Extra host names or IP addresses for the SAN.
        hosts: Vec<String>,
    },
    /// A local user with a role (never `Peer`).
    User {
        /// The role.
        role: Role,
        /// The user name.
        name: String,
    },
}

/// When a certificate is valid.
#[derive(Debug, Clone, Copy)]
pub struct Validity {
    /// Not before.
    pub not_before: OffsetDateTime,
    /// Not after.
    pub not_after: OffsetDateTime,
}

impl Validity {
    /// From [`CLOCK_SKEW`] ago for `length`.
    pub fn starting_now(length: Duration) -> Validity {
        let now = OffsetDateTime::now_utc();
        Validity {
            not_before: now - CLOCK_SKEW,
            not_after: now + length,
        }
    }
}

/// A certificate with its private key, both PEM.
pub struct IssuedCert {
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The private key, PKCS#8 PEM (zeroised on drop).
    pub key_pem: Zeroizing<String>,
    /// SHA-256 of the certificate's DER.
    pub fingerprint: CertFingerprint,
}

impl std::fmt::Debug for IssuedCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IssuedCert({})", self.fingerprint)
    }
}

impl IssuedCert {
    /// Writes the certificate (mode 0644) and the key (new file, 0600) next to each other.
    pub fn save(&self, cert_path: &Path, key_path: &Path) -> Result<(), PkiError> {
        write_public(cert_path, self.cert_pem.as_bytes())?;
        crate::secret_file::write_new(key_path, self.key_pem.as_bytes()).map_err(|source| {
            PkiError::Io {
                path: key_path.display().to_string(),
                source,
            }
        })
    }
}

/// A certificate authority that can issue certificates.
pub struct Authority {
    issuer: Issuer<'static, KeyPair>,
    cert_pem: String,
    cert_der: Vec<u8>,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Authority({})", self.fingerprint())
    }
}

impl Authority {
    /// A new self-signed CA named `common_name` (see [`network_ca_name`], [`users_ca_name`]).
    pub fn generate(common_name: &str, validity: Validity) -> Result<Authority, PkiError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::default();
        params.distinguished_name = dn(common_name);
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.not_before = validity.not_before;
        params.not_after = validity.not_after;
        params.serial_number = Some(random_serial()?);
        let cert = params.self_signed(&key)?;
        Ok(Authority {
            cert_pem: cert.pem(),
            cert_der: cert.der().to_vec(),
            issuer: Issuer::new(params, key),
        })
    }

    /// Loads a CA from its certificate and key files.
    pub fn load(cert_path: &Path, key_path: &Path) -> Result<Authority, PkiError> {
        let cert_pem = read(cert_path)?;
        let key_pem = Zeroizing::new(read(key_path)?);
        let key = KeyPair::from_pem(&key_pem).map_err(|e| PkiError::BadFile {
            path: key_path.display().to_string(),
            reason: format!("not a PEM private key ({e})"),
        })?;
        let der = first_certificate_der(&cert_pem).ok_or_else(|| PkiError::BadFile {
            path: cert_path.display().to_string(),
            reason: "holds no PEM certificate".into(),
        })?;
        let issuer =
            Issuer::from_ca_cert_der(&der.clone().into(), key).map_err(|e| PkiError::BadFile {
                path: cert_path.display().to_string(),
                reason: format!("not a CA certificate ({e})"),
            })?;
        Ok(Authority {
            issuer,
            cert_pem,
            cert_der: der,
        })
    }

    /// Writes the CA certificate and (new, 0600) key files.
    pub fn save(&self, cert_path: &Path, key_path: &Path) -> Result<(), PkiError> {
        write_public(cert_path, self.cert_pem.as_bytes())?;
        let key_pem = Zeroizing::new(self.issuer.key().serialize_pem());
        crate::secret_file::write_new(key_path, key_pem.as_bytes()).map_err(|source| PkiError::Io {
            path: key_path.display().to_string(),
            source,
        })
    }

    /// The CA certificate, PEM.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// SHA-256 of the CA certificate's DER.
    pub fn fingerprint(&self) -> CertFingerprint {
        CertFingerprint::of_der(&self.cert_der)
    }

    /// Issues a certificate for `profile` with a fresh key.
    pub fn issue(&self, profile: &Profile, validity: Validity) -> Result<IssuedCert, PkiError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::default();
        params.not_before = validity.not_before;
        params.not_after = validity.not_after;
        params.serial_number = Some(random_serial()?);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.use_authority_key_identifier_extension = true;
        match profile {
            Profile::Member { id, hosts } => {
                check_name(id)?;
                params.distinguished_name = dn(id);
                let mut sans = vec![
                    SanType::DnsName(ia5_of(id)?),
                    SanType::URI(ia5_of(&format!("{MEMBER_URI_PREFIX}{id}"))?),
                ];
                for h in hosts {
                    sans.push(match h.parse::<std::net::IpAddr>() {
                        Ok(ip) => SanType::IpAddress(ip),
                        Err(_) => SanType::DnsName(ia5_of(h)?),
                    });
                }
                params.subject_alt_names = sans;
                params.extended_key_usages = vec![
                    ExtendedKeyUsagePurpose::ServerAuth,
                    ExtendedKeyUsagePurpose::ClientAuth,
                ];
            }
            Profile::User { role, name } => {
                check_name(name)?;
                if *role == Role::Peer {
                    return Err(PkiError::BadName {
                        name: name.clone(),
                        reason: "the peer role belongs to member certificates; a user is an operator, investigator or auditor".into(),
                    });
                }
                params.distinguished_name = dn(name);
                params.subject_alt_names = vec![SanType::URI(ia5_of(&format!(
                    "{ROLE_URI_PREFIX}{}",
                    role.as_str()
                ))?)];
                params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
            }
        }
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(IssuedCert {
            fingerprint: CertFingerprint::of_der(cert.der()),
            cert_pem: cert.pem(),
            key_pem: Zeroizing::new(key.serialize_pem()),
        })
    }
}

/// The common name of a network's CA.
pub fn network_ca_name(network: &str) -> String {
    format!("FIU network CA ({network})")
}

/// The common name of a member's users CA.
pub fn users_ca_name(member: &str) -> String {
    format!("FIU users CA ({member})")
}

/// The DER of the first certificate in PEM text.
pub fn first_certificate_der(pem: &str) -> Option<Vec<u8>> {
    use tokio_rustls::rustls::pki_types::{CertificateDer, pem::PemObject};
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .next()
        .and_then(Result::ok)
        .map(|c| c.to_vec())
}

/// The SHA-256 fingerprint of the first certificate in a PEM file.
pub fn fingerprint_of_file(path: &Path) -> Result<CertFingerprint, PkiError> {
    let pem = read(path)?;
    let der = first_certificate_der(&pem).ok_or_else(|| PkiError::BadFile {
        path: path.display().to_string(),
        reason: "holds no PEM certificate".into(),
    })?;
    Ok(CertFingerprint::of_der(&der))
}

/// Where `fiu-node pki network` puts one member's files, relative to the member's directory
/// (its `data_dir`). The defaults of the configuration's `[tls]` section are these paths.
pub mod layout {
    /// The network CA certificate.
    pub const NETWORK_CA: &str = "tls/network-ca.pem";
    /// The member certificate.
    pub const MEMBER_CERT: &str = "tls/member.pem";
    /// The member certificate's key.
    pub const MEMBER_KEY: &str = "tls/member.key";
    /// The member's users CA certificate.
    pub const USERS_CA: &str = "tls/users-ca.pem";
    /// The users CA key (keep it off the node in production).
    pub const USERS_CA_KEY: &str = "tls/users-ca.key";
    /// Directory of the local users' certificates.
    pub const USERS_DIR: &str = "users";
    /// The manifest copy.
    pub const MANIFEST: &str = "manifest.toml";
}

/// A user certificate's file paths in a member directory: `users/<name>.pem`, `.key`.
pub fn user_files(member_dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let dir = member_dir.join(layout::USERS_DIR);
    (
        dir.join(format!("{name}.pem")),
        dir.join(format!("{name}.key")),
    )
}

/// One member of a network that [`write_network`] sets up.
#[derive(Debug, Clone)]
pub struct MemberSpec {
    /// Member id.
    pub id: String,
    /// Its ISO 3166-1 alpha-2 country code for the manifest.
    pub country: String,
    /// Its endpoint for the manifest (`https://host:port`).
    pub endpoint: String,
    /// Extra host names or addresses for its certificate (the endpoint's host is added).
    pub hosts: Vec<String>,
}

/// A whole network for a test, a demo or a pilot: [`write_network`].
#[derive(Debug, Clone)]
pub struct NetworkSpec {
    /// The network's name.
    pub network: String,
    /// Its members.
    pub members: Vec<MemberSpec>,
    /// Local users to issue at every member (role, name).
    pub users: Vec<(Role, String)>,
    /// The epoch the manifest starts at.
    pub epoch: u64,
    /// The filter false-positive rate for the manifest.
    pub target_fpr: f64,
}

/// What [`write_network`] made: the manifest, and the CAs to issue more certificates.
#[derive(Debug)]
pub struct NetworkFiles {
    /// The manifest (also written to `DIR/manifest.toml` and each member's directory).
    pub manifest: Manifest,
    /// The network CA.
    pub network_ca: Authority,
    /// Each member's users CA, by member id.
    pub users_cas: BTreeMap<String, Authority>,
}

/// Where the network CA's files are in a [`write_network`] directory.
pub const NETWORK_CA_CERT: &str = "network-ca.pem";
/// The network CA's key in a [`write_network`] directory (keep it offline).
pub const NETWORK_CA_KEY: &str = "network-ca.key";
/// The shared network secret of a development network, in each member directory.
pub const SECRET_FILE: &str = "network.secret";
/// The identity key in each member directory.
pub const IDENTITY_FILE: &str = "identity.key";
/// The X25519 exchange key in each member directory.
pub const EXCHANGE_FILE: &str = "exchange.key";

/// Sets up everything a network needs under `dir`: the network CA (`network-ca.pem`,
/// `network-ca.key`), and for each member a directory `<id>/` holding its identity and
/// exchange keys, a shared development network secret, its member certificate, its users CA,
/// a certificate per user (`users/<name>.pem`) and a copy of the manifest, which is also
/// written to `dir/manifest.toml`. Files that exist are kept (a directory can be reused; the
/// manifest is rewritten with the current endpoints). Key files are owner-only.
pub fn write_network(dir: &Path, spec: &NetworkSpec) -> Result<NetworkFiles, PkiError> {
    std::fs::create_dir_all(dir).map_err(|source| PkiError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let (ca_cert, ca_key) = (dir.join(NETWORK_CA_CERT), dir.join(NETWORK_CA_KEY));
    let network_ca = if ca_cert.exists() {
        Authority::load(&ca_cert, &ca_key)?
    } else {
        let ca = Authority::generate(
            &network_ca_name(&spec.network),
            Validity::starting_now(CA_VALIDITY),
        )?;
        ca.save(&ca_cert, &ca_key)?;
        ca
    };
    let secret_path = dir.join(SECRET_FILE);
    if !secret_path.exists() {
        let secret = crate::keys::generate_secret().map_err(|e| PkiError::BadFile {
            path: secret_path.display().to_string(),
            reason: e.to_string(),
        })?;
        crate::keys::write_secret_file(&secret_path, &secret, false).map_err(|e| {
            PkiError::BadFile {
                path: secret_path.display().to_string(),
                reason: e.to_string(),
            }
        })?;
    }
    let leaf = Validity::starting_now(LEAF_VALIDITY);
    let mut members = Vec::new();
    let mut users_cas = BTreeMap::new();
    for m in &spec.members {
        check_name(&m.id)?;
        let mdir = dir.join(&m.id);
        let bad = |path: &Path, e: &dyn std::fmt::Display| PkiError::BadFile {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        std::fs::create_dir_all(mdir.join("tls")).map_err(|source| PkiError::Io {
            path: mdir.display().to_string(),
            source,
        })?;
        let id_path = mdir.join(IDENTITY_FILE);
        let identity = if id_path.exists() {
            Identity::load(&id_path).map_err(|e| bad(&id_path, &e))?
        } else {
            let id = Identity::generate().map_err(|e| bad(&id_path, &e))?;
            id.save(&id_path).map_err(|e| bad(&id_path, &e))?;
            id
        };
        let x_path = mdir.join(EXCHANGE_FILE);
        let exchange = if x_path.exists() {
            crate::keys::ExchangeKey::load(&x_path).map_err(|e| bad(&x_path, &e))?
        } else {
            let k = crate::keys::ExchangeKey::generate();
            k.save(&x_path).map_err(|e| bad(&x_path, &e))?;
            k
        };
        let member_secret = mdir.join(SECRET_FILE);
        if !member_secret.exists() {
            let text = Zeroizing::new(read(&secret_path)?);
            crate::secret_file::write_new(&member_secret, text.as_bytes()).map_err(|source| {
                PkiError::Io {
                    path: member_secret.display().to_string(),
                    source,
                }
            })?;
        }
        std::fs::copy(&ca_cert, mdir.join(layout::NETWORK_CA)).map_err(|source| PkiError::Io {
            path: mdir.join(layout::NETWORK_CA).display().to_string(),
            source,
        })?;
        let (cert, key) = (
            mdir.join(layout::MEMBER_CERT),
            mdir.join(layout::MEMBER_KEY),
        );
        let fingerprint = if cert.exists() {
            fingerprint_of_file(&cert)?
        } else {
            let mut hosts = m.hosts.clone();
            if let Some(host) = endpoint_host(&m.endpoint) {
                if !hosts.contains(&host) {
                    hosts.push(host);
                }
            }
            let issued = network_ca.issue(
                &Profile::Member {
                    id: m.id.clone(),
                    hosts,
                },
                leaf,
            )?;
            issued.save(&cert, &key)?;
            issued.fingerprint
        };
        let (ucert, ukey) = (mdir.join(layout::USERS_CA), mdir.join(layout::USERS_CA_KEY));
        let users_ca = if ucert.exists() {
            Authority::load(&ucert, &ukey)?
        } else {
            let ca =
                Authority::generate(&users_ca_name(&m.id), Validity::starting_now(CA_VALIDITY))?;
            ca.save(&ucert, &ukey)?;
            ca
        };
        for (role, name) in &spec.users {
            let (c, k) = user_files(&mdir, name);
            if !c.exists() {
                users_ca
                    .issue(
                        &Profile::User {
                            role: *role,
                            name: name.clone(),
                        },
                        leaf,
                    )?
                    .save(&c, &k)?;
            }
        }
        users_cas.insert(m.id.clone(), users_ca);
        members.push(ManifestMember {
            id: m.id.clone(),
            name: format!("FIU {}", m.id),
            country: m.country.clone(),
            endpoint: m.endpoint.clone(),
            signing_key: identity.public_key().to_string(),
            x25519_key: exchange.public_key().to_string(),
            certificate_sha256: fingerprint.to_string(),
        });
    }
    let manifest = Manifest {
        version: crate::manifest::MANIFEST_VERSION,
        network: spec.network.clone(),
        revision: 1,
        ca_sha256: network_ca.fingerprint().to_string(),
        epoch: EpochPolicy {
            current: spec.epoch,
            max_age_days: 90,
        },
        filter: FilterParameters {
            target_fpr: spec.target_fpr,
        },
        members,
    };
    manifest
        .check(&dir.join(layout::MANIFEST).display().to_string())
        .map_err(|e| PkiError::BadFile {
            path: dir.join(layout::MANIFEST).display().to_string(),
            reason: e.to_string(),
        })?;
    let text = manifest.to_toml();
    write_public(&dir.join(layout::MANIFEST), text.as_bytes())?;
    for m in &spec.members {
        write_public(&dir.join(&m.id).join(layout::MANIFEST), text.as_bytes())?;
    }
    Ok(NetworkFiles {
        manifest,
        network_ca,
        users_cas,
    })
}

/// The country a member id ends with (`fiu-de` gives `DE`), if it ends with one.
pub fn country_of(member_id: &str) -> Option<String> {
    let last = member_id.rsplit(['-', '_', '.']).next()?;
    if last.len() != 2 {
        return None;
    }
    matcher::identifiers::country(last)
        .ok()
        .map(|c| c.as_str().to_owned())
}

/// The host of an endpoint URL (`https://host:port` gives `host`).
pub fn endpoint_host(endpoint: &str) -> Option<String> {
    let uri: tonic::codegen::http::Uri = endpoint.parse().ok()?;
    uri.host()
        .map(|h| h.trim_start_matches('[').trim_end_matches(']').to_owned())
}

fn dn(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn
}

fn ia5_of<T: TryFrom<String, Error = rcgen::Error>>(s: &str) -> Result<T, PkiError> {
    T::try_from(s.to_owned()).map_err(|_| PkiError::BadName {
        name: s.to_owned(),
        reason: "only ASCII is allowed".into(),
    })
}

/// Member ids and user names: the member id alphabet, so they are safe in URIs, DNS names,
/// file names and logs.
fn check_name(name: &str) -> Result<(), PkiError> {
    if crate::config::valid_member_id(name) {
        Ok(())
    } else {
        Err(PkiError::BadName {
            name: name.to_owned(),
            reason: "must be 1 to 64 of a-z, 0-9, '-', '_', '.'".into(),
        })
    }
}

fn random_serial() -> Result<rcgen::SerialNumber, PkiError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| PkiError::Io {
        path: "operating system random source".into(),
        source: std::io::Error::other(e.to_string()),
    })?;
    // A positive serial (RFC 5280 4.1.2.2) that is not zero.
    bytes[0] = (bytes[0] & 0x7f) | 0x01;
    Ok(rcgen::SerialNumber::from_slice(&bytes))
}

fn read(path: &Path) -> Result<String, PkiError> {
    std::fs::read_to_string(path).map_err(|source| PkiError::Io {
        path: path.display().to_string(),
        source,
    })
}

fn write_public(path: &Path, bytes: &[u8]) -> Result<(), PkiError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| PkiError::Io {
            path: parent.display().to_string(),
            source,
        })?;
    }
    std::fs::write(path, bytes).map_err(|source| PkiError::Io {
        path: path.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_certificates_carry_the_profile_and_load_back() {
        let ca = Authority::generate(&network_ca_name("t"), Validity::starting_now(CA_VALIDITY))
            .unwrap();
        let member = ca
            .issue(
                &Profile::Member {
                    id: "fiu-a".into(),
                    hosts: vec!["127.0.0.1".into(), "fiu-a.example".into()],
                },
                Validity::starting_now(LEAF_VALIDITY),
            )
            .unwrap();
        let der = first_certificate_der(&member.cert_pem).unwrap();
        assert_eq!(CertFingerprint::of_der(&der), member.fingerprint);
        let (_, x509) = x509_parser::parse_x509_certificate(&der).unwrap();
        let san = x509.subject_alternative_name().unwrap().unwrap();
        let text = format!("{:?}", san.value.general_names);
        assert!(text.contains("urn:fiu:member:fiu-a"), "{text}");
        assert!(text.contains("fiu-a.example"), "{text}");

        let dir = tempfile::tempdir().unwrap();
        let (c, k) = (dir.path().join("ca.pem"), dir.path().join("ca.key"));
        ca.save(&c, &k).unwrap();
        let back = Authority::load(&c, &k).unwrap();
        assert_eq!(back.fingerprint(), ca.fingerprint());
        assert_eq!(fingerprint_of_file(&c).unwrap(), ca.fingerprint());
        // Issued by the loaded CA: same issuer name.
        let user = back
            .issue(
                &Profile::User {
                    role: Role::Investigator,
                    name: "alice".into(),
                },
                Validity::starting_now(LEAF_VALIDITY),
            )
            .unwrap();
        let der = first_certificate_der(&user.cert_pem).unwrap();
        let (_, x509) = x509_parser::parse_x509_certificate(&der).unwrap();
        assert_eq!(x509.issuer().to_string(), "CN=FIU network CA (t)");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&k).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(ca.save(&c, &k).is_err(), "never overwrites a key");
    }

    #[test]
    fn bad_names_and_a_peer_user_are_refused() {
        let ca = Authority::generate("x", Validity::starting_now(CA_VALIDITY)).unwrap();
        let v = Validity::starting_now(LEAF_VALIDITY);
        let e = ca
            .issue(
                &Profile::User {
                    role: Role::Peer,
                    name: "mallory".into(),
                },
                v,
            )
            .unwrap_err();
        assert!(e.to_string().contains("peer role"), "{e}");
        let e = ca
            .issue(
                &Profile::User {
                    role: Role::Auditor,
                    name: "Bad Name".into(),
                },
                v,
            )
            .unwrap_err();
        assert!(e.to_string().contains("Bad Name"), "{e}");
    }
}
