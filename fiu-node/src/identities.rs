//! A client connection to one node for a program that acts as several callers at once (the
//! demo's operator and investigator, the integration tests' users and peers).
//!
//! With mutual TLS a connection carries exactly one identity, the client certificate. An
//! [`IdentityChannel`] keeps one connection per identity and sends each call over the one
//! whose identity the call names in its development-mode metadata ([`crate::auth::identify`]:
//! role and user or member). The metadata only chooses the certificate here: the node reads
//! the identity from the certificate and ignores the metadata. A call that names no known
//! identity goes over a connection without a client certificate, which the node refuses as
//! Unauthenticated. Without TLS (development mode) every call shares one connection and the
//! metadata is the identity.
//!
//! Real clients (the CLI) hold one identity and use a plain tonic `Channel`.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tonic::body::Body;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};
use zeroize::Zeroizing;

use crate::auth::{MEMBER_HEADER, ROLE_HEADER, Role, USER_HEADER};

/// A certificate and its private key, PEM.
#[derive(Clone)]
pub struct ClientCert {
    /// The certificate.
    pub cert_pem: String,
    /// The private key.
    pub key_pem: Zeroizing<String>,
}

impl std::fmt::Debug for ClientCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientCert(..)")
    }
}

/// Makes the certificate of an identity on first use (tests issue them from their CAs).
pub type Issuer = Arc<dyn Fn(Role, &str) -> Option<ClientCert> + Send + Sync>;

/// How to reach the node over TLS.
#[derive(Debug, Clone)]
pub struct ServerTls {
    /// The CA that issued the node's certificate (the network CA).
    pub ca_pem: String,
    /// The name the node's certificate is for (its member id).
    pub server_name: String,
}

struct Inner {
    endpoint: Endpoint,
    tls: Option<ServerTls>,
    anonymous: Channel,
    channels: Mutex<HashMap<(Role, String), Channel>>,
    issuer: Option<Issuer>,
}

/// A gRPC channel that picks its client certificate per call; see the module doc.
#[derive(Clone)]
pub struct IdentityChannel {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for IdentityChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdentityChannel({})", self.inner.endpoint.uri())
    }
}

impl IdentityChannel {
    /// Lazy connections to `url` (nothing is dialled until the first call); over TLS when
    /// `tls` is given.
    pub fn new(url: &str, tls: Option<ServerTls>) -> Result<IdentityChannel, String> {
        let endpoint = Endpoint::from_shared(url.to_owned())
            .map_err(|e| format!("`{url}` is not a URL: {e}"))?
            .tcp_nodelay(true);
        let anonymous = connect(&endpoint, tls.as_ref(), None)?;
        Ok(IdentityChannel {
            inner: Arc::new(Inner {
                endpoint,
                tls,
                anonymous,
                channels: Mutex::default(),
                issuer: None,
            }),
        })
    }

    /// Adds an identity this channel can call as.
    pub fn with_identity(
        self,
        role: Role,
        name: &str,
        cert: &ClientCert,
    ) -> Result<IdentityChannel, String> {
        let channel = connect(&self.inner.endpoint, self.inner.tls.as_ref(), Some(cert))?;
        self.lock().insert((role, name.to_owned()), channel);
        Ok(self)
    }

    /// Makes the certificate of an identity the first time a call names it.
    pub fn with_issuer(self, issuer: Issuer) -> IdentityChannel {
        let inner = Inner {
            endpoint: self.inner.endpoint.clone(),
            tls: self.inner.tls.clone(),
            anonymous: self.inner.anonymous.clone(),
            channels: Mutex::new(self.lock().clone()),
            issuer: Some(issuer),
        };
        IdentityChannel {
            inner: Arc::new(inner),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(Role, String), Channel>> {
        // A panic while holding this lock leaves the map usable: recover it.
        self.inner
            .channels
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The connection for a call with these headers.
    fn pick(&self, headers: &tonic::codegen::http::HeaderMap) -> Channel {
        if self.inner.tls.is_none() {
            return self.inner.anonymous.clone();
        }
        let text = |k: &str| headers.get(k).and_then(|v| v.to_str().ok());
        let Some(role) = text(ROLE_HEADER).and_then(Role::parse) else {
            return self.inner.anonymous.clone();
        };
        let key = if role == Role::Peer {
            MEMBER_HEADER
        } else {
            USER_HEADER
        };
        let Some(name) = text(key) else {
            return self.inner.anonymous.clone();
        };
        let id = (role, name.to_owned());
        if let Some(c) = self.lock().get(&id) {
            return c.clone();
        }
        let made = self
            .inner
            .issuer
            .as_ref()
            .and_then(|issue| issue(role, name))
            .and_then(|cert| {
                connect(&self.inner.endpoint, self.inner.tls.as_ref(), Some(&cert)).ok()
            });
        match made {
            Some(c) => {
                self.lock().insert(id, c.clone());
                c
            }
            None => self.inner.anonymous.clone(),
        }
    }
}

fn connect(
    endpoint: &Endpoint,
    tls: Option<&ServerTls>,
    cert: Option<&ClientCert>,
) -> Result<Channel, String> {
    let endpoint = match tls {
        None => endpoint.clone(),
        Some(t) => {
            let mut config = ClientTlsConfig::new()
                .ca_certificate(Certificate::from_pem(&t.ca_pem))
                .domain_name(t.server_name.clone());
            if let Some(c) = cert {
                config = config.identity(Identity::from_pem(&c.cert_pem, c.key_pem.as_bytes()));
            }
            endpoint
                .clone()
                .tls_config(config)
                .map_err(|e| format!("TLS settings: {e}"))?
        }
    };
    Ok(endpoint.connect_lazy())
}

impl tonic::codegen::Service<tonic::codegen::http::Request<Body>> for IdentityChannel {
    type Response = tonic::codegen::http::Response<Body>;
    type Error = tonic::transport::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // Readiness is the chosen connection's, awaited in `call`.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: tonic::codegen::http::Request<Body>) -> Self::Future {
        let mut channel = self.pick(req.headers());
        Box::pin(async move {
            std::future::poll_fn(|cx| tonic::codegen::Service::poll_ready(&mut channel, cx))
                .await?;
            tonic::codegen::Service::call(&mut channel, req).await
        })
    }
}
