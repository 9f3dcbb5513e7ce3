//! Who is calling, and what they may do.
//!
//! Every RPC starts by turning the request into a [`Caller`] and checking its [`Role`]. Today
//! the identity comes from request metadata (`x-fiu-role`, `x-fiu-user` or `x-fiu-member`):
//! that is **development mode**, with no authentication at all, and the node warns about it
//! when it starts. The security issue replaces [`caller`] with identities taken from mutual-TLS
//! client certificates (and signed tokens) without changing any service: each service already
//! asks only "who is this and is that role allowed here".

use std::fmt;

use tonic::{Request, Status};

/// Metadata key naming the caller's role (development mode).
pub const ROLE_HEADER: &str = "x-fiu-role";
/// Metadata key naming the calling user (operators, investigators, auditors).
pub const USER_HEADER: &str = "x-fiu-user";
/// Metadata key naming the calling member (peers).
pub const MEMBER_HEADER: &str = "x-fiu-member";

/// What a caller may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    fn parse(s: &str) -> Option<Role> {
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

/// Identifies the caller of `req` (development mode: from metadata).
pub fn caller<T>(req: &Request<T>) -> Result<Caller, Status> {
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

/// The caller of `req`, if its role is `role`; otherwise PermissionDenied.
pub fn require<T>(req: &Request<T>, role: Role) -> Result<Caller, Status> {
    let c = caller(req)?;
    if c.role != role {
        return Err(Status::permission_denied(format!(
            "this call needs the {} role; the caller is {}",
            role.as_str(),
            c.role.as_str()
        )));
    }
    Ok(c)
}

/// Adds development-mode identity metadata to an outgoing request.
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
