//! `fiu-node pki`: the certificates of mutual TLS, without external tools (docs/OPERATIONS.md,
//! "Certificates"). The certificate profile is in `crate::pki` and docs/PROTOCOL.md.
//!
//! - `pki network`: everything a test network, a demo or a pilot needs in one directory.
//! - `pki ca`, `pki member`: the network CA and a member certificate (whoever runs the
//!   network).
//! - `pki users-ca`, `pki user`: a member's own users CA and its staff's certificates.
//! - `pki fingerprint`: the SHA-256 the manifest pins.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::{CliError, Outcome};
use crate::auth::Role;
use crate::config::{Config, NetworkSection, NodeSection};
use crate::pki::{
    self, Authority, CA_VALIDITY, LEAF_VALIDITY, MemberSpec, NetworkSpec, Profile, Validity,
};

/// `fiu-node pki`
#[derive(Debug, Args)]
pub struct PkiArgs {
    /// What to make.
    #[command(subcommand)]
    pub command: PkiCommand,
}

/// The `pki` subcommands.
#[derive(Debug, Subcommand)]
pub enum PkiCommand {
    /// A whole network in one directory: the network CA, and per member its keys, member
    /// certificate, users CA, user certificates, the manifest and a config.toml.
    Network(NetworkArgs),
    /// A new network CA (`network-ca.pem`, `network-ca.key`).
    Ca(CaArgs),
    /// A member certificate signed by the network CA (`tls/member.pem`, `tls/member.key`).
    Member(MemberArgs),
    /// A member's users CA (`tls/users-ca.pem`, `tls/users-ca.key`).
    UsersCa(UsersCaArgs),
    /// A local user's certificate signed by the member's users CA (`users/NAME.pem`, `.key`).
    User(UserArgs),
    /// Print the SHA-256 fingerprint of a certificate, as the manifest pins it.
    Fingerprint(FingerprintArgs),
}

/// `fiu-node pki network`
#[derive(Debug, Args)]
pub struct NetworkArgs {
    /// The network's name.
    #[arg(long, default_value = "fiu-network")]
    pub name: String,
    /// Member ids, comma-separated (e.g. fiu-de,fiu-fr,fiu-gr).
    #[arg(long, value_delimiter = ',', required = true)]
    pub members: Vec<String>,
    /// Each member's endpoint, comma-separated in the order of --members
    /// (default: https://127.0.0.1:7401, :7402, ...).
    #[arg(long, value_delimiter = ',')]
    pub endpoints: Vec<String>,
    /// Each member's country (ISO 3166-1 alpha-2), comma-separated in the order of --members
    /// (default: the two letters a member id ends with, e.g. fiu-de gives DE).
    #[arg(long, value_delimiter = ',')]
    pub countries: Vec<String>,
    /// Local users issued at every member, ROLE:NAME, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "operator:operator,investigator:investigator,auditor:auditor"
    )]
    pub users: Vec<String>,
    /// The directory to write (files that exist are kept).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// `fiu-node pki ca`
#[derive(Debug, Args)]
pub struct CaArgs {
    /// The network's name (in the CA's name).
    #[arg(long)]
    pub name: String,
    /// The directory to write `network-ca.pem` and `network-ca.key` to.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// `fiu-node pki member`
#[derive(Debug, Args)]
pub struct MemberArgs {
    /// The directory holding `network-ca.pem` and `network-ca.key`.
    #[arg(long, value_name = "DIR")]
    pub ca_dir: PathBuf,
    /// The member id.
    #[arg(long)]
    pub id: String,
    /// Host names or IP addresses the member is reached at (repeatable).
    #[arg(long = "host")]
    pub hosts: Vec<String>,
    /// The member's directory (its `data_dir`); files go to `tls/` under it.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// `fiu-node pki users-ca`
#[derive(Debug, Args)]
pub struct UsersCaArgs {
    /// The member id (in the CA's name).
    #[arg(long)]
    pub member: String,
    /// The member's directory; files go to `tls/` under it.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// `fiu-node pki user`
#[derive(Debug, Args)]
pub struct UserArgs {
    /// The member's directory holding `tls/users-ca.pem` and `tls/users-ca.key`.
    #[arg(long, value_name = "DIR")]
    pub member_dir: PathBuf,
    /// The user's role: operator, investigator or auditor.
    #[arg(long)]
    pub role: String,
    /// The user's name (1 to 64 of a-z, 0-9, '-', '_', '.').
    #[arg(long)]
    pub name: String,
}

/// `fiu-node pki fingerprint`
#[derive(Debug, Args)]
pub struct FingerprintArgs {
    /// A PEM certificate file.
    pub cert: PathBuf,
}

/// Runs a `pki` subcommand.
pub fn run(args: PkiArgs) -> Result<Outcome, CliError> {
    match args.command {
        PkiCommand::Network(a) => network(a),
        PkiCommand::Ca(a) => {
            let ca = Authority::generate(
                &pki::network_ca_name(&a.name),
                Validity::starting_now(CA_VALIDITY),
            )?;
            let cert = a.out.join(pki::NETWORK_CA_CERT);
            ca.save(&cert, &a.out.join(pki::NETWORK_CA_KEY))?;
            println!(
                "network CA {} (sha256 {}) for the manifest's ca_sha256; keep {} offline",
                cert.display(),
                ca.fingerprint(),
                a.out.join(pki::NETWORK_CA_KEY).display()
            );
            Ok(Outcome::Success)
        }
        PkiCommand::Member(a) => {
            let ca = Authority::load(
                &a.ca_dir.join(pki::NETWORK_CA_CERT),
                &a.ca_dir.join(pki::NETWORK_CA_KEY),
            )?;
            let issued = ca.issue(
                &Profile::Member {
                    id: a.id.clone(),
                    hosts: a.hosts,
                },
                Validity::starting_now(LEAF_VALIDITY),
            )?;
            let cert = a.out.join(pki::layout::MEMBER_CERT);
            issued.save(&cert, &a.out.join(pki::layout::MEMBER_KEY))?;
            std::fs::copy(
                a.ca_dir.join(pki::NETWORK_CA_CERT),
                a.out.join(pki::layout::NETWORK_CA),
            )
            .map_err(|source| CliError::Io {
                path: a.out.join(pki::layout::NETWORK_CA).display().to_string(),
                source,
            })?;
            println!(
                "member certificate {} for {}: certificate_sha256 = \"{}\"",
                cert.display(),
                a.id,
                issued.fingerprint
            );
            Ok(Outcome::Success)
        }
        PkiCommand::UsersCa(a) => {
            let ca = Authority::generate(
                &pki::users_ca_name(&a.member),
                Validity::starting_now(CA_VALIDITY),
            )?;
            let cert = a.out.join(pki::layout::USERS_CA);
            ca.save(&cert, &a.out.join(pki::layout::USERS_CA_KEY))?;
            println!("users CA {} for {}", cert.display(), a.member);
            Ok(Outcome::Success)
        }
        PkiCommand::User(a) => {
            let role = user_role(&a.role).ok_or_else(|| {
                CliError::bad("--role", "must be operator, investigator or auditor")
            })?;
            let ca = Authority::load(
                &a.member_dir.join(pki::layout::USERS_CA),
                &a.member_dir.join(pki::layout::USERS_CA_KEY),
            )?;
            let issued = ca.issue(
                &Profile::User {
                    role,
                    name: a.name.clone(),
                },
                Validity::starting_now(LEAF_VALIDITY),
            )?;
            let (cert, key) = pki::user_files(&a.member_dir, &a.name);
            issued.save(&cert, &key)?;
            println!(
                "{} certificate for {}: {} (key {})",
                role.as_str(),
                a.name,
                cert.display(),
                key.display()
            );
            Ok(Outcome::Success)
        }
        PkiCommand::Fingerprint(a) => {
            println!("{}", pki::fingerprint_of_file(&a.cert)?);
            Ok(Outcome::Success)
        }
    }
}

fn user_role(s: &str) -> Option<Role> {
    Role::parse(s).filter(|r| *r != Role::Peer)
}

fn network(a: NetworkArgs) -> Result<Outcome, CliError> {
    let n = a.members.len();
    if !a.endpoints.is_empty() && a.endpoints.len() != n {
        return Err(CliError::bad(
            "--endpoints",
            format!("gives {} endpoints for {n} members", a.endpoints.len()),
        ));
    }
    if !a.countries.is_empty() && a.countries.len() != n {
        return Err(CliError::bad(
            "--countries",
            format!("gives {} countries for {n} members", a.countries.len()),
        ));
    }
    let mut members = Vec::new();
    for (i, id) in a.members.iter().enumerate() {
        let endpoint = a
            .endpoints
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("https://127.0.0.1:{}", 7401 + i));
        let country = match a.countries.get(i) {
            Some(c) => c.trim().to_ascii_uppercase(),
            None => pki::country_of(id).ok_or_else(|| {
                CliError::bad(
                    "--countries",
                    format!("member id `{id}` does not end with a country code; give --countries"),
                )
            })?,
        };
        members.push(MemberSpec {
            id: id.clone(),
            country,
            endpoint,
            hosts: vec!["localhost".into()],
        });
    }
    let mut users = Vec::new();
    for u in &a.users {
        let (role, name) = u
            .split_once(':')
            .and_then(|(r, n)| Some((user_role(r)?, n.to_owned())))
            .ok_or_else(|| {
                CliError::bad(
                    "--users",
                    format!("`{u}` is not ROLE:NAME with role operator, investigator or auditor"),
                )
            })?;
        users.push((role, name));
    }
    let spec = NetworkSpec {
        network: a.name.clone(),
        members,
        users,
        epoch: 1,
        target_fpr: crate::config::FilterSection::default().target_fpr,
    };
    let files = pki::write_network(&a.out, &spec)?;
    let out = std::fs::canonicalize(&a.out).map_err(|source| CliError::Io {
        path: a.out.display().to_string(),
        source,
    })?;
    for m in &spec.members {
        let dir = out.join(&m.id);
        let path = dir.join(super::node::CONFIG_FILE);
        if path.exists() {
            continue;
        }
        let config = member_config(&m.id, &m.endpoint, &dir)?;
        let text = toml::to_string_pretty(&config)
            .map_err(|e| CliError::Internal(format!("config for {}: {e}", m.id)))?;
        std::fs::write(
            &path,
            format!("# Written by `fiu-node pki network`.\n{text}"),
        )
        .map_err(|source| CliError::Io {
            path: path.display().to_string(),
            source,
        })?;
    }
    println!(
        "network `{}` in {}: manifest {} (digest {}), network CA key {} (keep it offline)",
        a.name,
        out.display(),
        out.join(pki::layout::MANIFEST).display(),
        files.manifest.digest(),
        out.join(pki::NETWORK_CA_KEY).display()
    );
    for m in &spec.members {
        println!(
            "  {}: fiu-node serve --config {}",
            m.id,
            out.join(&m.id).join(super::node::CONFIG_FILE).display()
        );
    }
    Ok(Outcome::Success)
}

/// A member's configuration for a `pki network` directory: listens on its endpoint's port
/// (on that address when it is an IP address, else on every interface).
fn member_config(id: &str, endpoint: &str, dir: &Path) -> Result<Config, CliError> {
    let uri: tonic::codegen::http::Uri = endpoint
        .parse()
        .map_err(|e| CliError::bad("--endpoints", format!("`{endpoint}`: {e}")))?;
    let port = uri
        .port_u16()
        .ok_or_else(|| CliError::bad("--endpoints", format!("`{endpoint}` names no port")))?;
    let ip = uri
        .host()
        .map(|h| h.trim_start_matches('[').trim_end_matches(']'))
        .and_then(|h| h.parse().ok())
        .unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
    Ok(Config {
        node: NodeSection {
            member_id: id.to_owned(),
            listen: SocketAddr::new(ip, port),
            data_dir: dir.to_path_buf(),
            identity_key_file: pki::IDENTITY_FILE.into(),
            insecure_plaintext: false,
        },
        network: NetworkSection {
            secret_file: pki::SECRET_FILE.into(),
            epoch: 1,
            manifest: Some(pki::layout::MANIFEST.into()),
        },
        filter: Default::default(),
        policy: Default::default(),
        limits: Default::default(),
        storage: Default::default(),
        metrics: Default::default(),
        audit: Default::default(),
        tls: Default::default(),
        peers: Vec::new(),
    })
}
