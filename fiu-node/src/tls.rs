//! Mutual TLS on the node's listener and on its connections to peers.
//!
//! - [`NodeTls::load`] reads the node's PEM files (`[tls]` in the configuration): the network
//!   CA, this member's certificate and key, and this member's users CA.
//! - The listener ([`incoming`]) runs its own accept loop with `tokio-rustls` rather than
//!   tonic's built-in TLS, so that every refused handshake (a certificate from another CA, an
//!   expired one, garbage) is logged and counted ([`TlsStats`]); a handshake cannot answer
//!   with a gRPC status. Handshakes run concurrently, each with a deadline, so a slow or
//!   silent client holds nothing but its own task.
//! - Client certificates are verified against two roots, the network CA and the users CA
//!   (chain, validity period, client-auth usage); a client without a certificate completes
//!   the handshake so that it gets a clear Unauthenticated status from any FIU RPC (and
//!   health probes need no certificate).
//! - [`CertIdentifier`] turns the verified certificate into a caller (auth.rs): a member
//!   certificate is accepted only if it is the exact certificate the manifest pins for that
//!   member; a user certificate only if this node's users CA issued it.
//! - Outgoing connections to peers ([`NodeTls::peer_client_config`]) present the member
//!   certificate and accept only a server certificate from the network CA for the peer's
//!   member id.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{self, RootCertStore, ServerConfig};
use tokio_rustls::server::TlsStream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::{Certificate, ClientTlsConfig, Identity};
use x509_parser::extensions::GeneralName;

use crate::auth::{AuthMode, Caller, Identification, Role};
use crate::config::Config;
use crate::manifest::{CertFingerprint, Manifest, OwnCredentials};
use crate::pki::{MEMBER_URI_PREFIX, ROLE_URI_PREFIX};

/// How long a client may take to complete the TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Handshakes in progress at once; further connections wait in the kernel's backlog.
pub const MAX_PENDING_HANDSHAKES: usize = 256;
/// Established connections queued for the gRPC server.
const ACCEPTED_QUEUE: usize = 64;

/// Why the TLS set-up failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A file could not be read.
    #[error("tls file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: io::Error,
    },
    /// A file does not hold what it should.
    #[error("tls file {path}: {reason}")]
    BadFile {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// rustls refused the configuration.
    #[error("tls configuration: {0}")]
    Config(String),
}

/// The node's TLS files (absolute paths, resolved from `[tls]`).
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The network CA certificate.
    pub network_ca: PathBuf,
    /// This member's certificate.
    pub cert: PathBuf,
    /// This member's private key.
    pub key: PathBuf,
    /// This member's users CA certificate.
    pub users_ca: PathBuf,
}

/// Counts of the listener's handshakes.
#[derive(Debug, Default)]
pub struct TlsStats {
    accepted: AtomicU64,
    refused: AtomicU64,
}

impl TlsStats {
    /// Handshakes that completed.
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }

    /// Handshakes that failed (bad certificate, timeout, not TLS).
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

/// The loaded TLS material of a node.
#[derive(Clone)]
pub struct NodeTls {
    server: Arc<ServerConfig>,
    network_ca_pem: String,
    cert_pem: String,
    key_pem: zeroize::Zeroizing<String>,
    /// SHA-256 of this member's certificate.
    pub own_certificate: CertFingerprint,
    /// SHA-256 of the network CA certificate.
    pub network_ca: CertFingerprint,
    network_ca_subject: Vec<u8>,
    users_ca_subject: Vec<u8>,
}

impl std::fmt::Debug for NodeTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "NodeTls(certificate {}, network CA {})",
            self.own_certificate, self.network_ca
        )
    }
}

fn read(path: &std::path::Path) -> Result<String, TlsError> {
    std::fs::read_to_string(path).map_err(|source| TlsError::Io {
        path: path.display().to_string(),
        source,
    })
}

fn certs(path: &std::path::Path, pem: &str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|e| TlsError::BadFile {
            path: path.display().to_string(),
            reason: format!("not PEM certificates ({e})"),
        })?;
    if certs.is_empty() {
        return Err(TlsError::BadFile {
            path: path.display().to_string(),
            reason: "holds no certificate".into(),
        });
    }
    Ok(certs)
}

fn subject_of(path: &std::path::Path, der: &[u8]) -> Result<Vec<u8>, TlsError> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).map_err(|e| TlsError::BadFile {
        path: path.display().to_string(),
        reason: format!("not an X.509 certificate ({e})"),
    })?;
    Ok(cert.subject().as_raw().to_vec())
}

/// The ring crypto provider: the one tonic's `tls-ring` feature uses too.
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

impl NodeTls {
    /// Reads and checks the node's TLS files.
    pub fn load(files: &TlsFiles) -> Result<NodeTls, TlsError> {
        let network_ca_pem = read(&files.network_ca)?;
        let users_ca_pem = read(&files.users_ca)?;
        let cert_pem = read(&files.cert)?;
        let key_pem = zeroize::Zeroizing::new(read(&files.key)?);
        let network_ca = certs(&files.network_ca, &network_ca_pem)?;
        let users_ca = certs(&files.users_ca, &users_ca_pem)?;
        let chain = certs(&files.cert, &cert_pem)?;
        let key =
            PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|e| TlsError::BadFile {
                path: files.key.display().to_string(),
                reason: format!("not a PEM private key ({e})"),
            })?;
        let network_ca_subject = subject_of(&files.network_ca, &network_ca[0])?;
        let users_ca_subject = subject_of(&files.users_ca, &users_ca[0])?;
        if network_ca_subject == users_ca_subject {
            return Err(TlsError::BadFile {
                path: files.users_ca.display().to_string(),
                reason: "has the same subject name as the network CA: the node could not tell \
                         a user certificate from a member certificate"
                    .into(),
            });
        }
        let mut roots = RootCertStore::empty();
        for (path, c) in [
            (&files.network_ca, &network_ca[0]),
            (&files.users_ca, &users_ca[0]),
        ] {
            roots.add(c.clone()).map_err(|e| TlsError::BadFile {
                path: path.display().to_string(),
                reason: format!("not usable as a CA ({e})"),
            })?;
        }
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
            .allow_unauthenticated()
            .build()
            .map_err(|e| TlsError::Config(e.to_string()))?;
        let own_certificate = CertFingerprint::of_der(&chain[0]);
        let mut server = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Config(e.to_string()))?
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, key)
            .map_err(|e| TlsError::BadFile {
                path: files.key.display().to_string(),
                reason: format!(
                    "does not fit the certificate {} ({e})",
                    files.cert.display()
                ),
            })?;
        server.alpn_protocols = vec![b"h2".to_vec()];
        Ok(NodeTls {
            server: Arc::new(server),
            network_ca: CertFingerprint::of_der(&network_ca[0]),
            network_ca_pem,
            cert_pem,
            key_pem,
            own_certificate,
            network_ca_subject,
            users_ca_subject,
        })
    }

    /// The client TLS settings for dialling member `peer`: this member's certificate, and
    /// only a server certificate from the network CA issued for `peer` is accepted.
    pub fn peer_client_config(&self, peer: &str) -> ClientTlsConfig {
        ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(&self.network_ca_pem))
            .identity(Identity::from_pem(&self.cert_pem, self.key_pem.as_bytes()))
            .domain_name(peer)
    }

    /// The identifier of callers for this node under `manifest`.
    pub fn identifier(&self, manifest: Arc<Manifest>) -> CertIdentifier {
        CertIdentifier {
            manifest,
            network_ca_subject: self.network_ca_subject.clone(),
            users_ca_subject: self.users_ca_subject.clone(),
        }
    }
}

/// Turns a verified client certificate into a caller.
#[derive(Debug)]
pub struct CertIdentifier {
    manifest: Arc<Manifest>,
    network_ca_subject: Vec<u8>,
    users_ca_subject: Vec<u8>,
}

impl CertIdentifier {
    /// Identifies the holder of `certs` (the end-entity certificate first), which the TLS
    /// handshake has verified against the network CA or the users CA.
    pub fn identify(&self, certs: Option<&[CertificateDer<'static>]>) -> Identification {
        let unauthenticated = |s: String| Identification::Unauthenticated(s);
        let Some(der) = certs.and_then(|c| c.first()) else {
            return unauthenticated(
                "no client certificate: this node requires mutual TLS; connect with the \
                 certificate issued to you (`fiu-node pki user`) or to your member node"
                    .into(),
            );
        };
        let fingerprint = CertFingerprint::of_der(der);
        let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
            return unauthenticated(format!(
                "client certificate sha256 {fingerprint} cannot be read"
            ));
        };
        let uris: Vec<&str> = match cert.subject_alternative_name() {
            Ok(Some(san)) => san
                .value
                .general_names
                .iter()
                .filter_map(|n| match n {
                    GeneralName::URI(u) => Some(*u),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let issuer = cert.issuer().as_raw();
        if issuer == self.network_ca_subject.as_slice() {
            let Some(member) = uris.iter().find_map(|u| u.strip_prefix(MEMBER_URI_PREFIX)) else {
                return unauthenticated(format!(
                    "certificate sha256 {fingerprint} from the network CA names no member \
                     (no `{MEMBER_URI_PREFIX}<id>` subject alternative name)"
                ));
            };
            let caller = Caller {
                role: Role::Peer,
                name: member.to_owned(),
            };
            match self.manifest.member(member) {
                None => Identification::Denied(
                    caller,
                    format!(
                        "member `{member}` is not in the network manifest (revision {}): \
                         it may make no call",
                        self.manifest.revision
                    ),
                ),
                Some(m) if m.certificate_fingerprint() != fingerprint => unauthenticated(format!(
                    "certificate sha256 {fingerprint} names member `{member}`, but the \
                     manifest pins sha256 {} for it",
                    m.certificate_sha256
                )),
                Some(_) => Identification::Caller(caller),
            }
        } else if issuer == self.users_ca_subject.as_slice() {
            let Some(role) = uris.iter().find_map(|u| u.strip_prefix(ROLE_URI_PREFIX)) else {
                return unauthenticated(format!(
                    "user certificate sha256 {fingerprint} names no role \
                     (no `{ROLE_URI_PREFIX}<role>` subject alternative name)"
                ));
            };
            let role = match Role::parse(role) {
                Some(Role::Peer) | None => {
                    return unauthenticated(format!(
                        "user certificate sha256 {fingerprint} names role `{role}`; a user is an \
                         operator, investigator or auditor"
                    ));
                }
                Some(r) => r,
            };
            let name = cert
                .subject()
                .iter_common_name()
                .next()
                .and_then(|cn| cn.as_str().ok())
                .filter(|n| crate::config::valid_member_id(n));
            match name {
                Some(name) => Identification::Caller(Caller {
                    role,
                    name: name.to_owned(),
                }),
                None => unauthenticated(format!(
                    "user certificate sha256 {fingerprint} has no usable user name (CN)"
                )),
            }
        } else {
            unauthenticated(format!(
                "certificate sha256 {fingerprint} was issued neither by the network CA nor by \
                 this node's users CA"
            ))
        }
    }
}

/// Accepts TCP connections on `listener` and completes TLS handshakes concurrently; yields
/// the established connections for tonic's `serve_with_incoming_shutdown`. Refused
/// handshakes are logged (address and reason, nothing secret) and counted in `stats`. Stops
/// accepting when `shutdown` turns true.
pub fn incoming(
    listener: TcpListener,
    tls: &NodeTls,
    stats: Arc<TlsStats>,
    mut shutdown: watch::Receiver<bool>,
) -> ReceiverStream<Result<TlsStream<TcpStream>, io::Error>> {
    let (tx, rx) = mpsc::channel(ACCEPTED_QUEUE);
    let acceptor = TlsAcceptor::from(tls.server.clone());
    let permits = Arc::new(Semaphore::new(MAX_PENDING_HANDSHAKES));
    tokio::spawn(async move {
        loop {
            let Ok(permit) = permits.clone().acquire_owned().await else {
                return;
            };
            let (tcp, remote) = tokio::select! {
                r = listener.accept() => match r {
                    Ok(c) => c,
                    Err(e) => {
                        // Out of file descriptors and the like: wait a little, keep serving.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                },
                _ = async { let _ = shutdown.wait_for(|s| *s).await; } => return,
                _ = tx.closed() => return,
            };
            let _ = tcp.set_nodelay(true);
            let (acceptor, tx, stats) = (acceptor.clone(), tx.clone(), stats.clone());
            tokio::spawn(async move {
                let _permit = permit;
                match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                    Ok(Ok(stream)) => {
                        stats.accepted.fetch_add(1, Ordering::Relaxed);
                        let _ = tx.send(Ok(stream)).await;
                    }
                    Ok(Err(e)) => {
                        stats.refused.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(%remote, reason = %e, "TLS handshake refused");
                    }
                    Err(_) => {
                        stats.refused.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(%remote, timeout = ?HANDSHAKE_TIMEOUT, "TLS handshake timed out");
                    }
                }
            });
        }
    });
    ReceiverStream::new(rx)
}

/// Why the node's transport (manifest, TLS files) could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The manifest is unreadable, inconsistent, or disagrees with this node.
    #[error(transparent)]
    Manifest(#[from] crate::manifest::ManifestError),
    /// A TLS file is unusable.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The identity key could not be read.
    #[error(transparent)]
    Identity(#[from] crate::identity::IdentityError),
    /// The configuration disagrees with the manifest.
    #[error("{0}")]
    Config(String),
}

/// How the node reaches the network and is reached: the manifest it runs on and its TLS
/// material (none in plaintext development mode).
#[derive(Debug, Clone)]
pub struct Transport {
    /// The manifest, when `network.manifest` is set.
    pub manifest: Option<Arc<Manifest>>,
    /// TLS material; `None` only with `node.insecure_plaintext`.
    pub tls: Option<NodeTls>,
    /// The listener's handshake counts.
    pub stats: Arc<TlsStats>,
}

impl Transport {
    /// Loads the manifest and TLS files `config` names and checks them against each other,
    /// against the configuration and against the node's identity key; then replaces
    /// `config.peers` with the manifest's other members. Any disagreement is an error naming
    /// the file and field: the node does not start.
    pub fn prepare(config: &mut Config) -> Result<Transport, TransportError> {
        let plaintext = config.node.insecure_plaintext;
        let tls = if plaintext {
            None
        } else {
            Some(NodeTls::load(&config.tls_files())?)
        };
        let manifest = match &config.network.manifest {
            None if plaintext => None,
            None => {
                return Err(TransportError::Config(
                    "network.manifest is not set: a node runs mutual TLS with the members its \
                     manifest lists (make one with `fiu-node pki network`, docs/OPERATIONS.md); \
                     only a development node runs without, with --insecure-plaintext"
                        .into(),
                ));
            }
            Some(path) => {
                let path = config.data_path(path);
                let origin = path.display().to_string();
                let manifest = Manifest::load(&path)?;
                let identity = crate::identity::Identity::load(
                    &config.data_path(&config.node.identity_key_file),
                )?;
                manifest.check_own(
                    &origin,
                    &OwnCredentials {
                        member_id: config.node.member_id.clone(),
                        signing_key: identity.public_key(),
                        certificate: tls.as_ref().map(|t| t.own_certificate),
                        ca: tls.as_ref().map(|t| t.network_ca),
                    },
                )?;
                if manifest.epoch.current != config.network.epoch {
                    return Err(TransportError::Config(format!(
                        "network.epoch is {} but the manifest {origin} says epoch.current = {}",
                        config.network.epoch, manifest.epoch.current
                    )));
                }
                if manifest.filter.target_fpr != config.filter.target_fpr {
                    return Err(TransportError::Config(format!(
                        "filter.target_fpr is {} but the manifest {origin} says filter.target_fpr = {}",
                        config.filter.target_fpr, manifest.filter.target_fpr
                    )));
                }
                for m in &manifest.members {
                    let https = m.endpoint.starts_with("https://");
                    if https == plaintext && m.id != config.node.member_id {
                        return Err(TransportError::Config(format!(
                            "manifest {origin}: member `{}` endpoint {} {}",
                            m.id,
                            m.endpoint,
                            if plaintext {
                                "is https:// but this node runs without TLS (insecure_plaintext)"
                            } else {
                                "is not https://: peers are reached over mutual TLS"
                            }
                        )));
                    }
                }
                config.peers = manifest.peers_of(&config.node.member_id);
                Some(Arc::new(manifest))
            }
        };
        Ok(Transport {
            manifest,
            tls,
            stats: Arc::default(),
        })
    }

    /// How the server identifies callers.
    pub fn auth_mode(&self) -> AuthMode {
        match (&self.tls, &self.manifest) {
            (Some(tls), Some(manifest)) => {
                AuthMode::Certificates(Arc::new(tls.identifier(manifest.clone())))
            }
            _ => AuthMode::Development,
        }
    }
}
