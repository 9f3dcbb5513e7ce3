//! `fiu-node keys`: the key ceremony on the command line.
//!
//! - `new-secret`: generates a network secret and seals it to every member's X25519 key, one
//!   file per member (`DIR/<member>.sealed`);
//! - `rekey`: the same for every member except the removed ones (a member leaves the
//!   network);
//! - `unwrap`: a member opens its sealed file with its own exchange key and writes the secret
//!   to an owner-only file, for `[network] secret_file`.
//!
//! The secret is never printed, logged or put in an error: the commands print file names, the
//! epoch and the secret's public id ([`crate::keys::secret_id`]), which members compare to
//! know they hold the same secret. docs/OPERATIONS.md walks through the ceremony.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use matcher::Epoch;

use super::{CliError, Outcome};
use crate::config::valid_member_id;
use crate::keys::{self, ExchangeKey, ExchangePublicKey, SecretPackage};
use crate::manifest::Manifest;

/// File name suffix of a sealed network secret.
pub const SEALED_SUFFIX: &str = ".sealed";

/// `fiu-node keys`
#[derive(Debug, Args)]
pub struct KeysArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: KeysCommand,
}

/// The `keys` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Generate a new network secret and seal it to every member (the key ceremony).
    NewSecret(NewSecretArgs),
    /// Generate a new network secret for every member except the removed ones (re-key).
    Rekey(RekeyArgs),
    /// Open this member's sealed network secret and write it to an owner-only secret file.
    Unwrap(UnwrapArgs),
}

/// Who the secret is sealed to: the manifest's members, or members named on the command line.
#[derive(Debug, Clone, Args)]
pub struct Recipients {
    /// The network manifest: the secret is sealed to each member's `x25519_key`.
    #[arg(long, value_name = "FILE", required_unless_present = "member")]
    pub manifest: Option<PathBuf>,
    /// A member and its X25519 public key as `ID=HEX` (64 hex characters), instead of or in
    /// addition to the manifest; repeat for each member.
    #[arg(long, value_name = "ID=HEX")]
    pub member: Vec<String>,
}

/// `fiu-node keys new-secret`
#[derive(Debug, Args)]
pub struct NewSecretArgs {
    /// Members to seal the secret to.
    #[command(flatten)]
    pub recipients: Recipients,
    /// The first epoch to use the secret (default: the manifest's `epoch.current`).
    #[arg(long, value_name = "N")]
    pub epoch: Option<u64>,
    /// Directory for the sealed files, one `<member>.sealed` each (created if needed).
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
}

/// `fiu-node keys rekey`
#[derive(Debug, Args)]
pub struct RekeyArgs {
    /// Members of the network (the removed ones included or not).
    #[command(flatten)]
    pub recipients: Recipients,
    /// A member that leaves the network and gets no new secret; repeat for several.
    #[arg(long, value_name = "ID", required = true)]
    pub remove: Vec<String>,
    /// The new epoch: after the current one (the manifest's `epoch.current`, when given).
    #[arg(long, value_name = "N")]
    pub epoch: u64,
    /// Directory for the sealed files, one `<member>.sealed` each (created if needed).
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
}

/// `fiu-node keys unwrap`
#[derive(Debug, Args)]
pub struct UnwrapArgs {
    /// The sealed file this member received.
    #[arg(long, value_name = "FILE")]
    pub sealed: PathBuf,
    /// This member's X25519 exchange key file (`exchange.key`, written by `fiu-node init`).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// The secret file to write (owner-only), for `[network] secret_file`.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Refuse the file unless it is sealed for this member id.
    #[arg(long, value_name = "ID")]
    pub member_id: Option<String>,
    /// Replace an existing secret file (atomically).
    #[arg(long)]
    pub force: bool,
}

/// Runs a `keys` subcommand.
pub fn run(args: KeysArgs) -> Result<Outcome, CliError> {
    match args.command {
        KeysCommand::NewSecret(a) => new_secret(a),
        KeysCommand::Rekey(a) => rekey(a),
        KeysCommand::Unwrap(a) => unwrap(a),
    }
}

/// The members to seal to, by id, and the manifest's current epoch if one was given.
fn recipients(
    r: &Recipients,
) -> Result<(BTreeMap<String, ExchangePublicKey>, Option<u64>), CliError> {
    let mut out = BTreeMap::new();
    let mut current = None;
    if let Some(path) = &r.manifest {
        let manifest =
            Manifest::load(path).map_err(|e| CliError::bad("--manifest", e.to_string()))?;
        current = Some(manifest.epoch.current);
        for m in &manifest.members {
            out.insert(m.id.clone(), ExchangePublicKey::from_bytes(m.x25519_key()));
        }
    }
    for spec in &r.member {
        let (id, key) = spec
            .split_once('=')
            .ok_or_else(|| CliError::bad("--member", format!("`{spec}` is not ID=HEX")))?;
        if !valid_member_id(id) {
            return Err(CliError::bad(
                "--member",
                format!("`{id}` is not a member id (1 to 64 of a-z, 0-9, '-', '_', '.')"),
            ));
        }
        let key = ExchangePublicKey::from_hex(&format!("--member {id}"), key)?;
        if out.insert(id.to_owned(), key).is_some() {
            return Err(CliError::bad("--member", format!("{id} is given twice")));
        }
    }
    Ok((out, current))
}

fn new_secret(args: NewSecretArgs) -> Result<Outcome, CliError> {
    let (members, current) = recipients(&args.recipients)?;
    let epoch = args.epoch.or(current).ok_or_else(|| {
        CliError::bad(
            "--epoch",
            "is required when no --manifest gives the current epoch",
        )
    })?;
    seal_to_all(&members, Epoch(epoch), &args.out_dir, "New network secret")
}

fn rekey(args: RekeyArgs) -> Result<Outcome, CliError> {
    let (mut members, current) = recipients(&args.recipients)?;
    if let Some(current) = current {
        if args.epoch <= current {
            return Err(CliError::bad(
                "--epoch",
                format!("must be after the manifest's current epoch {current}"),
            ));
        }
    }
    for id in &args.remove {
        if members.remove(id).is_none() {
            return Err(CliError::bad(
                "--remove",
                format!("{id} is not among the members"),
            ));
        }
    }
    seal_to_all(
        &members,
        Epoch(args.epoch),
        &args.out_dir,
        &format!(
            "Re-keyed network secret (without {})",
            args.remove.join(", ")
        ),
    )
}

/// Generates a secret and writes one sealed file per member; refuses before writing anything
/// when a file exists.
fn seal_to_all(
    members: &BTreeMap<String, ExchangePublicKey>,
    epoch: Epoch,
    out_dir: &std::path::Path,
    title: &str,
) -> Result<Outcome, CliError> {
    if members.is_empty() {
        return Err(CliError::bad("--member", "no member to seal the secret to"));
    }
    std::fs::create_dir_all(out_dir).map_err(|e| CliError::io(out_dir, e))?;
    let paths: Vec<(String, PathBuf)> = members
        .keys()
        .map(|id| (id.clone(), out_dir.join(format!("{id}{SEALED_SUFFIX}"))))
        .collect();
    for (_, p) in &paths {
        if p.exists() {
            return Err(CliError::Exists {
                path: p.display().to_string(),
            });
        }
    }
    let secret = keys::generate_secret()?;
    for (id, path) in &paths {
        let package = SecretPackage {
            member_id: id.clone(),
            epoch,
            secret: secret.clone(),
        };
        let sealed = keys::seal(&package, &members[id])?;
        crate::secret_file::write_new(path, &sealed).map_err(|e| CliError::io(path, e))?;
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{title} for {epoch}, secret id {id}, sealed to {n} members:\n",
        id = keys::secret_id(&secret),
        n = paths.len()
    );
    for (member, path) in &paths {
        let _ = writeln!(out, "  {member:<20} {}", path.display());
    }
    let _ = writeln!(
        out,
        "\nSend each member its own file (any channel: only its X25519 key opens it). Each member\n\
         runs `fiu-node keys unwrap`, checks that it prints secret id {id}, sets [network]\n\
         secret_file and epoch = {e} in its config, and restarts (or reloads) its node.",
        id = keys::secret_id(&secret),
        e = epoch.0
    );
    Ok(Outcome::Success)
}

fn unwrap(args: UnwrapArgs) -> Result<Outcome, CliError> {
    let key = ExchangeKey::load(&args.key)?;
    let package = keys::unseal_file(&args.sealed, &key)?;
    if let Some(expected) = &args.member_id {
        if *expected != package.member_id {
            return Err(CliError::bad(
                "--member-id",
                format!(
                    "{} is sealed for member {}, not {expected}",
                    args.sealed.display(),
                    package.member_id
                ),
            ));
        }
    }
    if args.out.exists() && !args.force {
        return Err(CliError::Exists {
            path: args.out.display().to_string(),
        });
    }
    keys::write_secret_file(&args.out, &package.secret, args.force)?;
    println!(
        "Network secret for member {member}, starting at {epoch}, secret id {id}, written to {out} (owner-only).\n\
         Set [network] secret_file = {out:?} and epoch = {e} in the node's config, then restart or reload it.",
        member = package.member_id,
        epoch = package.epoch,
        id = keys::secret_id(&package.secret),
        out = args.out.display().to_string(),
        e = package.epoch.0,
    );
    Ok(Outcome::Success)
}
