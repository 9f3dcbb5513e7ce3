//! Who is calling, and what they may do.
//!
//! Every RPC starts by turning the request into a [`Caller`] and checking its [`Role`]
//! ([`require`]). The server's authentication layer ([`layer`]) runs first, on every call: it
//! identifies the caller once and leaves an [`Identification`] in the request's extensions,
//! where [`caller`] finds it. Services only ask "who is this and is that role allowed here".
//!
//! - **Mutual TLS** (the default): the identity comes from the client certificate the TLS
//!   handshake verified ([`crate::tls::CertIdentifier`]): a member certificate pinned by the
//!   network manifest makes a `peer`; a certificate from this node's users CA makes an
//!   `operator`, `investigator` or `auditor` (docs/PROTOCOL.md, "Certificate profile").
//! - **Development mode** (`--insecure-plaintext` only): the identity comes from request
//!   metadata (`x-fiu-role`, `x-fiu-user` or `x-fiu-member`) with no authentication at all;
//!   the node warns about it when it starts. With TLS these headers are ignored.
//!
//! A request that did not pass the layer has no identity and is refused. Every refusal is a
//! gRPC status (Unauthenticated: no usable identity; PermissionDenied: the wrong role), a
//! warning in the log, and an audit entry `call.refused` (written by audit_log/refusals.rs).

use std::fmt;
use std::sync::Arc;

use tonic::service::InterceptorLayer;
use tonic::{Code, Request, Status};

use crate::tls::CertIdentifier;

/// Metadata key naming the caller's role (development mode).
pub const ROLE_HEADER: &str = "x-fiu-role";
/// Metadata key naming the calling user (operators, investigators, auditors).
pub const USER_HEADER: &str = "x-fiu-user";
/// Metadata key naming the calling member (peers).
pub const MEMBER_HEADER: &str = "x-fiu-member";

/// What a caller may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Administers ingest and keys.
    Operator,
    /// Queries hits and sends follow-ups.
    Investigator,
    /// Reads the audit log.
    Auditor,
    /// Another member's node.
    Peer,
}

impl Role {
    /// Every role, for tables and tests that walk them all.
    pub const ALL: [Role; 4] = [
        Role::Operator,
        Role::Investigator,
        Role::Auditor,
        Role::Peer,
    ];

    /// The role named `s` (`operator`, `investigator`, `auditor`, `peer`).
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "operator" => Some(Role::Operator),
            "investigator" => Some(Role::Investigator),
            "auditor" => Some(Role::Auditor),
            "peer" => Some(Role::Peer),
            _ => None,
        }
    }

    /// The role's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Investigator => "investigator",
            Role::Auditor => "auditor",
            Role::Peer => "peer",
        }
    }
}

/// An identified caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The role.
    pub role: Role,
    /// User name, or member id for peers.
    pub name: String,
}

impl fmt::Display for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.role.as_str(), self.name)
    }
}

fn header<'a, T>(req: &'a Request<T>, key: &str) -> Option<&'a str> {
    req.metadata()
        .get(key)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// What the authentication layer found out about a call's caller.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Identification {
    /// An authenticated caller.
    Caller(Caller),
    /// An authenticated caller that may make no call at all (a member certificate from the
    /// network CA whose member is not in the manifest): PermissionDenied with the reason.
    Denied(Caller, String),
    /// No usable identity: Unauthenticated with the reason (no certificate, a certificate
    /// without a role, a member certificate the manifest does not pin).
    Unauthenticated(String),
    /// Development mode: the identity is read from request metadata.
    Development,
}

/// How the layer identifies callers.
#[derive(Debug, Clone)]
pub enum AuthMode {
    /// From client certificates.
    Certificates(Arc<CertIdentifier>),
    /// From request metadata, unauthenticated (`--insecure-plaintext` only).
    Development,
}

impl AuthMode {
    fn identify<T>(&self, req: &Request<T>) -> Identification {
        match self {
            AuthMode::Development => Identification::Development,
            AuthMode::Certificates(id) => {
                id.identify(req.peer_certs().as_deref().map(Vec::as_slice))
            }
        }
    }
}

/// The authentication layer: identifies the caller of every call once and attaches the
/// [`Identification`] to the request for [`caller`] and [`require`] (and for the audit
/// log's refusal layer, which must sit inside this one). It never refuses by itself: health
/// and reflection stay open (probes need no certificate), and each FIU service refuses with a
/// status that names its own rule.
pub fn layer(
    mode: AuthMode,
) -> InterceptorLayer<impl FnMut(Request<()>) -> Result<Request<()>, Status> + Clone> {
    InterceptorLayer::new(move |mut req: Request<()>| {
        let id = mode.identify(&req);
        req.extensions_mut().insert(id);
        Ok(req)
    })
}

/// The RPC's full name (`/fiu.v1.Ingest/Delete`), for refusal records.
fn rpc_name<T>(req: &Request<T>) -> String {
    match req.extensions().get::<tonic::GrpcMethod>() {
        Some(m) => format!("/{}/{}", m.service(), m.method()),
        None => "unknown".to_owned(),
    }
}

/// Logs a refusal and returns its status. (The audit log's refusal layer writes the audit
/// entry of every refused call: audit_log/refusals.rs.)
fn refuse<T>(req: &Request<T>, actor: Option<&Caller>, status: Status) -> Status {
    let rpc = rpc_name(req);
    let actor = actor.map_or_else(|| "unauthenticated".to_owned(), Caller::to_string);
    let remote = req.remote_addr().map(|a| a.to_string()).unwrap_or_default();
    tracing::warn!(%rpc, %actor, %remote, code = ?status.code(), reason = %status.message(), "call refused");
    status
}

/// Identifies the caller of `req`: from the authentication layer's [`Identification`] (in
/// development mode, from metadata). Has no side effect (the audit layer calls it to name
/// the actor of a refusal); [`require`] logs refusals.
pub fn caller<T>(req: &Request<T>) -> Result<Caller, Status> {
    match req.extensions().get::<Identification>() {
        Some(Identification::Caller(c)) => Ok(c.clone()),
        Some(Identification::Denied(_, reason)) => Err(Status::permission_denied(reason.clone())),
        Some(Identification::Unauthenticated(reason)) => {
            Err(Status::unauthenticated(reason.clone()))
        }
        Some(Identification::Development) => metadata_caller(req),
        None => Err(Status::unauthenticated(
            "no caller identity: the call did not pass the node's authentication layer",
        )),
    }
}

/// Development mode: the caller named by request metadata.
fn metadata_caller<T>(req: &Request<T>) -> Result<Caller, Status> {
    let role = header(req, ROLE_HEADER).ok_or_else(|| {
        Status::unauthenticated(format!(
            "no caller identity: `{ROLE_HEADER}` metadata is missing"
        ))
    })?;
    let role = Role::parse(role)
        .ok_or_else(|| Status::unauthenticated(format!("unknown role in `{ROLE_HEADER}`")))?;
    let key = if role == Role::Peer {
        MEMBER_HEADER
    } else {
        USER_HEADER
    };
    let name = header(req, key).ok_or_else(|| {
        Status::unauthenticated(format!("no caller identity: `{key}` metadata is missing"))
    })?;
    if name.len() > 128 {
        return Err(Status::unauthenticated(format!(
            "`{key}` is longer than 128 bytes"
        )));
    }
    Ok(Caller {
        role,
        name: name.to_owned(),
    })
}

/// The caller of `req`, if its role is `role`; otherwise PermissionDenied (or
/// Unauthenticated without an identity). Every refusal is logged (and audited by the audit
/// log's refusal layer).
pub fn require<T>(req: &Request<T>, role: Role) -> Result<Caller, Status> {
    let c = caller(req).map_err(|status| {
        let denied = match req.extensions().get::<Identification>() {
            Some(Identification::Denied(c, _)) => Some(c),
            _ => None,
        };
        refuse(req, denied, status)
    })?;
    if c.role != role {
        let status = Status::new(
            Code::PermissionDenied,
            format!(
                "this call needs the {} role; the caller is {}",
                role.as_str(),
                c.role.as_str()
            ),
        );
        return Err(refuse(req, Some(&c), status));
    }
    Ok(c)
}

/// Adds development-mode identity metadata to an outgoing request (ignored by a node that
/// runs TLS, where the client certificate says who is calling).
pub fn identify<T>(req: &mut Request<T>, role: Role, name: &str) -> Result<(), Status> {
    let bad = |_| Status::invalid_argument("caller name is not valid metadata");
    req.metadata_mut()
        .insert(ROLE_HEADER, role.as_str().parse().map_err(bad)?);
    let key = if role == Role::Peer {
        MEMBER_HEADER
    } else {
        USER_HEADER
    };
    req.metadata_mut().insert(key, name.parse().map_err(bad)?);
    Ok(())
}
