//! The key ceremony: each member's X25519 exchange key, and the network secret sealed to it.
//!
//! A member generates an [`ExchangeKey`] once (`fiu-node init` writes it next to the identity
//! key) and publishes its public half in the network manifest. Whoever runs the ceremony
//! generates a [`NetworkSecret`] and seals one [`SecretPackage`] to each member's public
//! exchange key ([`seal`]); each member opens its own ([`unseal`]) and writes the secret to an
//! owner-only file ([`write_secret_file`]). Epoch keys derive from the secret
//! ([`NetworkSecret::epoch_key`]).
//!
//! # Design
//!
//! - The sealed box is libsodium's `crypto_box_seal` (X25519 with an ephemeral key, then
//!   XSalsa20-Poly1305 with the nonce `BLAKE2b-192(ephemeral public key || recipient public
//!   key)`), from the RustCrypto `crypto_box` crate: any libsodium binding can open one, and
//!   no cryptography is written here. docs/PROTOCOL.md gives the byte format and a test vector.
//! - The sealed plaintext names the member it is for and the epoch it starts
//!   ([`SecretPackage`]), inside the authenticated box: a box handed to the wrong member, or
//!   edited on the way, is refused with a message saying so, never silently installed.
//! - Secrets live in zeroising types ([`NetworkSecret`], `crypto_box::SecretKey`,
//!   [`Zeroizing`] buffers); `Debug` shows public halves only. No function here prints, logs or
//!   returns a secret in an error.

use std::fmt;
use std::path::Path;

use crypto_box::aead::OsRng;
use matcher::{Epoch, NetworkSecret};
use zeroize::Zeroizing;

use crate::config::valid_member_id;

/// Context string at the start of every sealed plaintext (format version 1).
pub const PACKAGE_CONTEXT: &[u8] = b"fiu-network-secret/v1";

/// Bytes a sealed box adds to its plaintext: the ephemeral public key and the Poly1305 tag.
pub const SEAL_OVERHEAD: usize = 32 + 16;

/// Largest sealed file accepted: the overhead and the longest package (a 64-byte member id).
pub const MAX_SEALED_BYTES: usize = SEAL_OVERHEAD + PACKAGE_CONTEXT.len() + 1 + 64 + 8 + 32;

/// Why a key operation failed. No variant carries secret bytes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// A key, sealed or secret file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A key file or argument does not hold a 32-byte key in hex.
    #[error("{what} is not a 32-byte X25519 key in hex (64 hex characters)")]
    BadKey {
        /// Which key (file path or argument).
        what: String,
    },
    /// The sealed box does not open with this key: it was sealed to another member's key, or
    /// it was changed after sealing.
    #[error(
        "{what} does not open with this exchange key: it is sealed to another member's key, or it was changed"
    )]
    WrongKey {
        /// The sealed file.
        what: String,
    },
    /// The box opened but its content is not a network secret package of a known format.
    #[error("{what}: {reason}")]
    BadPackage {
        /// The sealed file.
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// The operating system's random source failed.
    #[error("operating system random source: {0}")]
    Random(String),
}

fn io_error(path: &Path, source: std::io::Error) -> KeyError {
    KeyError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// A member's private X25519 key, which opens the network secret sealed to it. Zeroised on
/// drop (by `crypto_box`); `Debug` shows only the public key.
pub struct ExchangeKey {
    key: crypto_box::SecretKey,
}

impl ExchangeKey {
    /// A fresh random key.
    pub fn generate() -> ExchangeKey {
        ExchangeKey {
            key: crypto_box::SecretKey::generate(&mut OsRng),
        }
    }

    /// The key from its 32 secret bytes (test vectors).
    pub fn from_bytes(bytes: [u8; 32]) -> ExchangeKey {
        let bytes = Zeroizing::new(bytes);
        ExchangeKey {
            key: crypto_box::SecretKey::from_bytes(*bytes),
        }
    }

    /// Loads a key file holding the 32 secret bytes in hex.
    pub fn load(path: &Path) -> Result<ExchangeKey, KeyError> {
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| io_error(path, e))?);
        let mut bytes = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text.trim(), bytes.as_mut()).map_err(|_| KeyError::BadKey {
            what: path.display().to_string(),
        })?;
        Ok(ExchangeKey {
            key: crypto_box::SecretKey::from_bytes(*bytes),
        })
    }

    /// Writes the key in hex to a new owner-only file; never overwrites one.
    pub fn save(&self, path: &Path) -> Result<(), KeyError> {
        let bytes = Zeroizing::new(self.key.to_bytes());
        let text = Zeroizing::new(hex::encode(bytes.as_ref()));
        crate::secret_file::write_new(path, text.as_bytes()).map_err(|e| io_error(path, e))
    }

    /// The public half, for the network manifest.
    pub fn public_key(&self) -> ExchangePublicKey {
        ExchangePublicKey(self.key.public_key().to_bytes())
    }
}

impl fmt::Debug for ExchangeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ExchangeKey(public {})", self.public_key())
    }
}

/// A member's public X25519 key: what the network secret is sealed to.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExchangePublicKey([u8; 32]);

impl ExchangePublicKey {
    /// Parses 64 hex characters; `what` names the source in the error.
    pub fn from_hex(what: &str, text: &str) -> Result<ExchangePublicKey, KeyError> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut bytes).map_err(|_| KeyError::BadKey {
            what: what.to_owned(),
        })?;
        Ok(ExchangePublicKey(bytes))
    }

    /// The key from its bytes (as the manifest's `x25519_key` holds them).
    pub fn from_bytes(bytes: [u8; 32]) -> ExchangePublicKey {
        ExchangePublicKey(bytes)
    }

    /// The key bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }
}

impl fmt::Display for ExchangePublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for ExchangePublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ExchangePublicKey({self})")
    }
}

/// What one sealed box carries: the network secret, the member it is for and the epoch it
/// starts.
///
/// Plaintext layout (format 1): [`PACKAGE_CONTEXT`], the member id's length (one byte, 1 to
/// 64), the member id (ASCII), the epoch (u64 big-endian), the 32-byte secret.
#[derive(Debug)]
pub struct SecretPackage {
    /// The member the package is sealed to.
    pub member_id: String,
    /// The first epoch to use the secret.
    pub epoch: Epoch,
    /// The secret (zeroised on drop, redacted in `Debug`).
    pub secret: NetworkSecret,
}

impl SecretPackage {
    fn to_plaintext(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(
            PACKAGE_CONTEXT.len() + 1 + self.member_id.len() + 8 + 32,
        ));
        out.extend_from_slice(PACKAGE_CONTEXT);
        out.push(self.member_id.len() as u8);
        out.extend_from_slice(self.member_id.as_bytes());
        out.extend_from_slice(&self.epoch.0.to_be_bytes());
        out.extend_from_slice(self.secret.expose());
        out
    }

    fn from_plaintext(what: &str, bytes: &[u8]) -> Result<SecretPackage, KeyError> {
        let bad = |reason: &str| KeyError::BadPackage {
            what: what.to_owned(),
            reason: reason.to_owned(),
        };
        let rest = bytes
            .strip_prefix(PACKAGE_CONTEXT)
            .ok_or_else(|| bad("is not a network secret package of format 1"))?;
        let (&len, rest) = rest.split_first().ok_or_else(|| bad("is cut short"))?;
        let len = len as usize;
        if rest.len() != len + 8 + 32 {
            return Err(bad("has the wrong length for its member id"));
        }
        let (id, rest) = rest.split_at(len);
        let member_id = std::str::from_utf8(id)
            .ok()
            .filter(|id| valid_member_id(id))
            .ok_or_else(|| bad("names an invalid member id"))?
            .to_owned();
        let (epoch, secret) = rest.split_at(8);
        let mut epoch_bytes = [0u8; 8];
        epoch_bytes.copy_from_slice(epoch);
        let mut secret_bytes = Zeroizing::new([0u8; 32]);
        secret_bytes.copy_from_slice(secret);
        Ok(SecretPackage {
            member_id,
            epoch: Epoch(u64::from_be_bytes(epoch_bytes)),
            secret: NetworkSecret::from_bytes(*secret_bytes),
        })
    }
}

/// A fresh random network secret.
pub fn generate_secret() -> Result<NetworkSecret, KeyError> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    getrandom::fill(bytes.as_mut()).map_err(|e| KeyError::Random(e.to_string()))?;
    Ok(NetworkSecret::from_bytes(*bytes))
}

/// A public identifier of a network secret: the first 8 bytes of
/// `BLAKE3-keyed(secret, "fiu-network-secret-id/v1")`, in hex. Members compare it (the
/// `keys unwrap` output, the `epoch.rotated` audit event) to know they hold the same secret
/// without showing it; it reveals nothing of the secret.
pub fn secret_id(secret: &NetworkSecret) -> String {
    let id = blake3::keyed_hash(secret.expose(), b"fiu-network-secret-id/v1");
    hex::encode(&id.as_bytes()[..8])
}

/// Seals `package` to `recipient` (libsodium `crypto_box_seal`).
pub fn seal(package: &SecretPackage, recipient: &ExchangePublicKey) -> Result<Vec<u8>, KeyError> {
    if !valid_member_id(&package.member_id) {
        return Err(KeyError::BadPackage {
            what: format!("package for {:?}", package.member_id),
            reason: "member id must be 1 to 64 of a-z, 0-9, '-', '_', '.'".into(),
        });
    }
    let plaintext = package.to_plaintext();
    crypto_box::PublicKey::from_bytes(recipient.0)
        .seal(&mut OsRng, &plaintext)
        // Sealing fails only when the random source does.
        .map_err(|_| KeyError::Random("sealing failed".into()))
}

/// Opens a sealed box with this member's key; `what` names the box in errors.
pub fn unseal(what: &str, sealed: &[u8], key: &ExchangeKey) -> Result<SecretPackage, KeyError> {
    if sealed.len() > MAX_SEALED_BYTES {
        return Err(KeyError::BadPackage {
            what: what.to_owned(),
            reason: format!(
                "is {} bytes; a sealed network secret is at most {MAX_SEALED_BYTES}",
                sealed.len()
            ),
        });
    }
    let plaintext = Zeroizing::new(key.key.unseal(sealed).map_err(|_| KeyError::WrongKey {
        what: what.to_owned(),
    })?);
    SecretPackage::from_plaintext(what, &plaintext)
}

/// Reads a sealed file (bounded in size) and opens it.
pub fn unseal_file(path: &Path, key: &ExchangeKey) -> Result<SecretPackage, KeyError> {
    let meta = std::fs::metadata(path).map_err(|e| io_error(path, e))?;
    let what = path.display().to_string();
    if meta.len() > MAX_SEALED_BYTES as u64 {
        return Err(KeyError::BadPackage {
            what,
            reason: format!(
                "is {} bytes; a sealed network secret is at most {MAX_SEALED_BYTES}",
                meta.len()
            ),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| io_error(path, e))?;
    unseal(&what, &bytes, key)
}

/// Writes `secret` in hex to `path`, owner-only. Refuses an existing file unless `replace`,
/// in which case it is replaced atomically (a new owner-only file renamed over it).
pub fn write_secret_file(
    path: &Path,
    secret: &NetworkSecret,
    replace: bool,
) -> Result<(), KeyError> {
    let text = Zeroizing::new(hex::encode(secret.expose()));
    let written = if replace {
        crate::secret_file::replace(path, text.as_bytes())
    } else {
        crate::secret_file::write_new(path, text.as_bytes())
    };
    written.map_err(|e| io_error(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(member: &str, epoch: u64, byte: u8) -> SecretPackage {
        SecretPackage {
            member_id: member.into(),
            epoch: Epoch(epoch),
            secret: NetworkSecret::from_bytes([byte; 32]),
        }
    }

    #[test]
    fn a_sealed_secret_opens_only_with_its_members_key() {
        let alice = ExchangeKey::generate();
        let bob = ExchangeKey::generate();
        let sealed = seal(&package("fiu-a", 7, 9), &alice.public_key()).unwrap();
        assert_eq!(
            sealed.len(),
            SEAL_OVERHEAD + PACKAGE_CONTEXT.len() + 1 + 5 + 8 + 32
        );
        let opened = unseal("box", &sealed, &alice).unwrap();
        assert_eq!(opened.member_id, "fiu-a");
        assert_eq!(opened.epoch, Epoch(7));
        assert_eq!(opened.secret.expose(), &[9u8; 32]);
        let e = unseal("box", &sealed, &bob).unwrap_err();
        assert!(matches!(e, KeyError::WrongKey { .. }), "{e}");
        // Every single bit flipped anywhere is refused.
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 1;
            assert!(unseal("box", &bad, &alice).is_err(), "bit flip at {i}");
        }
        assert!(unseal("box", &sealed[..sealed.len() - 1], &alice).is_err());
        assert!(unseal("box", &[], &alice).is_err());
        let mut long = sealed.clone();
        long.push(0);
        assert!(unseal("box", &long, &alice).is_err());
    }

    #[test]
    fn a_package_of_another_format_is_refused_by_name() {
        let alice = ExchangeKey::generate();
        let sealed = crypto_box::PublicKey::from_bytes(alice.public_key().to_bytes())
            .seal(&mut OsRng, b"not a package")
            .unwrap();
        let e = unseal("x.sealed", &sealed, &alice).unwrap_err().to_string();
        assert!(e.contains("x.sealed") && e.contains("format 1"), "{e}");
    }

    #[test]
    fn secrets_never_print() {
        let p = package("fiu-a", 1, 0xab);
        assert!(!format!("{p:?}").contains("abab"), "{p:?}");
        let k = ExchangeKey::from_bytes([0x5a; 32]);
        assert!(!format!("{k:?}").contains("5a5a"), "{k:?}");
    }

    #[test]
    fn key_and_secret_files_are_owner_only_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let key_path = dir.path().join("exchange.key");
        let key = ExchangeKey::generate();
        key.save(&key_path).unwrap();
        assert!(key.save(&key_path).is_err());
        assert_eq!(
            ExchangeKey::load(&key_path).unwrap().public_key(),
            key.public_key()
        );
        let secret_path = dir.path().join("network.secret");
        let s = NetworkSecret::from_bytes([3; 32]);
        write_secret_file(&secret_path, &s, false).unwrap();
        assert!(write_secret_file(&secret_path, &s, false).is_err());
        write_secret_file(&secret_path, &NetworkSecret::from_bytes([4; 32]), true).unwrap();
        assert_eq!(
            std::fs::read_to_string(&secret_path).unwrap(),
            hex::encode([4u8; 32])
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for p in [&key_path, &secret_path] {
                let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o600, "{}", p.display());
            }
        }
    }

    /// The vector in docs/vectors/sealed_secret.json (docs/PROTOCOL.md): sealed once, and
    /// checked to open with libsodium itself (PyNaCl `SealedBox`), so the format is the
    /// standard one.
    #[test]
    fn the_documented_vector_opens() {
        let text = include_str!("../../docs/vectors/sealed_secret.json");
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        let field = |k: &str| v[k].as_str().unwrap().to_owned();
        let mut sk = [0u8; 32];
        hex::decode_to_slice(field("recipient_secret_key"), &mut sk).unwrap();
        let key = ExchangeKey::from_bytes(sk);
        assert_eq!(key.public_key().to_string(), field("recipient_public_key"));
        let sealed = hex::decode(field("sealed")).unwrap();
        let p = unseal("vector", &sealed, &key).unwrap();
        assert_eq!(p.member_id, field("member_id"));
        assert_eq!(p.epoch.0, v["epoch"].as_u64().unwrap());
        assert_eq!(hex::encode(p.secret.expose()), field("network_secret"));
        assert_eq!(hex::encode(&*p.to_plaintext()), field("plaintext"));
        let mut bad = sealed.clone();
        bad[40] ^= 0x80;
        assert!(unseal("vector", &bad, &key).is_err());
    }
}
