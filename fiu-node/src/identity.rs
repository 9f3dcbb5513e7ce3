//! The node's Ed25519 identity: signs its filter snapshots and deltas and its follow-up
//! messages, and checks peers' signatures.
//!
//! What a signature covers is the contract's business: `fiu_proto::signing::Signed` gives the
//! exact bytes of every signed peering message (a context string naming the message type, then
//! its fields length-prefixed), so a signature for one kind of message never verifies as
//! another.

use std::fmt;
use std::path::Path;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use zeroize::Zeroizing;

/// Why a key or signature was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// A key file could not be read or written.
    #[error("key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A key is not 32 bytes of hex, or not a valid Ed25519 point.
    #[error("{what} is not a valid Ed25519 key")]
    BadKey {
        /// Which key (file path or config field).
        what: String,
    },
    /// A signature is not 64 bytes or does not verify.
    #[error("signature does not verify")]
    BadSignature,
}

/// The node's private identity key. `Debug` shows only the public key.
pub struct Identity {
    key: SigningKey,
}

impl Identity {
    /// A fresh random identity.
    pub fn generate() -> Result<Identity, IdentityError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).map_err(|e| IdentityError::Io {
            path: "operating system random source".into(),
            source: std::io::Error::other(e.to_string()),
        })?;
        Ok(Identity {
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// Loads the identity from a file holding the 32-byte seed in hex.
    pub fn load(path: &Path) -> Result<Identity, IdentityError> {
        let text =
            Zeroizing::new(
                std::fs::read_to_string(path).map_err(|source| IdentityError::Io {
                    path: path.display().to_string(),
                    source,
                })?,
            );
        let mut seed = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text.trim(), seed.as_mut()).map_err(|_| IdentityError::BadKey {
            what: path.display().to_string(),
        })?;
        Ok(Identity {
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// Writes the seed in hex to a new file readable by the owner only.
    pub fn save(&self, path: &Path) -> Result<(), IdentityError> {
        let hex = Zeroizing::new(hex::encode(self.key.to_bytes()));
        crate::secret_file::write_new(path, hex.as_bytes()).map_err(|source| IdentityError::Io {
            path: path.display().to_string(),
            source,
        })
    }

    /// The public key, as peers hold it.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.key.verifying_key())
    }

    /// Signs `message` (the signed bytes of a peering message).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.key.sign(message).to_bytes().to_vec()
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Identity(public {})", self.public_key())
    }
}

/// A member's Ed25519 public key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Parses 64 hex characters.
    pub fn from_hex(what: &str, hex_text: &str) -> Result<PublicKey, IdentityError> {
        let bad = || IdentityError::BadKey {
            what: what.to_owned(),
        };
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(hex_text.trim(), &mut bytes).map_err(|_| bad())?;
        VerifyingKey::from_bytes(&bytes)
            .map(PublicKey)
            .map_err(|_| bad())
    }

    /// Checks a signature over `message` (strict verification: no malleable signatures, no
    /// small-order keys).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), IdentityError> {
        let sig = Signature::from_slice(signature).map_err(|_| IdentityError::BadSignature)?;
        self.0
            .verify_strict(message, &sig)
            .map_err(|_| IdentityError::BadSignature)
    }

    /// The key as `ed25519_dalek` holds it (the audit crate checks tree heads with it).
    pub fn verifying_key(&self) -> VerifyingKey {
        self.0
    }

    /// The 32 key bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0.to_bytes()))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_for_their_key_and_message() {
        let id = Identity::generate().unwrap();
        let pk = id.public_key();
        let sig = id.sign(b"fiu.v1.SignedDelta/7");
        pk.verify(b"fiu.v1.SignedDelta/7", &sig).unwrap();
        assert!(pk.verify(b"fiu.v1.SignedDelta/8", &sig).is_err());
        let other = Identity::generate().unwrap().public_key();
        assert!(other.verify(b"fiu.v1.SignedDelta/7", &sig).is_err());
        assert!(pk.verify(b"fiu.v1.SignedDelta/7", &sig[..63]).is_err());
        let back = PublicKey::from_hex("test", &pk.to_string()).unwrap();
        assert_eq!(back, pk);
    }

    #[test]
    fn key_files_round_trip_and_debug_hides_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("identity.key");
        let id = Identity::generate().unwrap();
        id.save(&path).unwrap();
        let back = Identity::load(&path).unwrap();
        assert_eq!(back.public_key(), id.public_key());
        let seed_hex = std::fs::read_to_string(&path).unwrap();
        assert!(!format!("{id:?}").contains(seed_hex.trim()));
        assert!(id.save(&path).is_err(), "never overwrites a key file");
    }
}
