//! Signed tree heads and witness countersignatures.
//!
//! The bytes an Ed25519 signature covers ([`TreeHead::signed_bytes`]):
//!
//! ```text
//! u64 LE length, then the context "fiu-audit/v1/tree-head" (22 bytes)
//! u64 LE length, then the log id (the member id, UTF-8)
//! u64 LE tree size
//! 32 bytes root hash
//! i64 LE timestamp, milliseconds since the Unix epoch
//! ```
//!
//! The log signs them with its node's identity key; a witness (another member) countersigns
//! the very same bytes with its own key. The context string keeps these signatures apart from
//! every other message the same keys sign (filters, deltas, follow-ups).

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::merkle::{Hash32, TreeSize};

/// The context string that starts the signed bytes of a tree head.
pub const TREE_HEAD_CONTEXT: &str = "fiu-audit/v1/tree-head";

/// A signature that does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The log's own signature over a tree head does not verify.
    #[error("the tree head signature of log {log_id} at size {size} does not verify")]
    TreeHead {
        /// The log.
        log_id: String,
        /// The head's size.
        size: TreeSize,
    },
    /// A witness's countersignature does not verify.
    #[error("the countersignature of {witness} on size {size} does not verify")]
    Countersignature {
        /// The witness.
        witness: String,
        /// The head's size.
        size: TreeSize,
    },
}

/// What a log commits to at one moment: its first `size` entries have this `root`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeHead {
    /// The log's id: the member id of the node that keeps it.
    pub log_id: String,
    /// Number of entries covered (entries `1..=size`).
    pub size: TreeSize,
    /// Merkle root of those entries.
    pub root: Hash32,
    /// When the head was made, milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
}

impl TreeHead {
    /// The exact bytes the log's signature and every countersignature cover.
    pub fn signed_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + TREE_HEAD_CONTEXT.len() + 8 + self.log_id.len() + 48);
        // usize is at most 64 bits on every supported target.
        out.extend_from_slice(&(TREE_HEAD_CONTEXT.len() as u64).to_le_bytes());
        out.extend_from_slice(TREE_HEAD_CONTEXT.as_bytes());
        out.extend_from_slice(&(self.log_id.len() as u64).to_le_bytes());
        out.extend_from_slice(self.log_id.as_bytes());
        out.extend_from_slice(&self.size.get().to_le_bytes());
        out.extend_from_slice(self.root.as_bytes());
        out.extend_from_slice(&self.timestamp_ms.to_le_bytes());
        out
    }

    /// Signs the head with the log's key.
    pub fn sign(self, key: &SigningKey) -> SignedTreeHead {
        let signature = key.sign(&self.signed_bytes());
        SignedTreeHead {
            head: self,
            signature,
        }
    }
}

/// A tree head with the log's signature. The signature is not checked on construction (heads
/// arrive from untrusted files); call [`SignedTreeHead::verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTreeHead {
    /// The head.
    pub head: TreeHead,
    /// The log's Ed25519 signature over [`TreeHead::signed_bytes`].
    pub signature: Signature,
}

impl SignedTreeHead {
    /// Checks the log's signature (strict: no malleable signatures, no small-order keys).
    pub fn verify(&self, log_key: &VerifyingKey) -> Result<(), SignatureError> {
        log_key
            .verify_strict(&self.head.signed_bytes(), &self.signature)
            .map_err(|_| SignatureError::TreeHead {
                log_id: self.head.log_id.clone(),
                size: self.head.size,
            })
    }

    /// A witness countersigns the head after checking the log's signature. The witness
    /// should also have checked, with a consistency proof, that the head extends the last
    /// head it countersigned for this log: that is what catches a rewritten history, and
    /// it needs the log's proof, so it is the caller's step.
    pub fn countersign(
        &self,
        log_key: &VerifyingKey,
        witness: &str,
        witness_key: &SigningKey,
    ) -> Result<Countersignature, SignatureError> {
        self.verify(log_key)?;
        Ok(Countersignature {
            witness: witness.to_owned(),
            size: self.head.size,
            signature: witness_key.sign(&self.head.signed_bytes()),
        })
    }
}

/// A witness's signature over another log's tree head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Countersignature {
    /// The witness's member id.
    pub witness: String,
    /// The size of the head it covers (how an export refers to the head).
    pub size: TreeSize,
    /// The witness's Ed25519 signature over the head's [`TreeHead::signed_bytes`].
    pub signature: Signature,
}

impl Countersignature {
    /// Checks the countersignature over `head` with the witness's key; refused too when
    /// `head` is not of the size the countersignature names.
    pub fn verify(
        &self,
        head: &TreeHead,
        witness_key: &VerifyingKey,
    ) -> Result<(), SignatureError> {
        let bad = || SignatureError::Countersignature {
            witness: self.witness.clone(),
            size: self.size,
        };
        if head.size != self.size {
            return Err(bad());
        }
        witness_key
            .verify_strict(&head.signed_bytes(), &self.signature)
            .map_err(|_| bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head() -> TreeHead {
        TreeHead {
            log_id: "fiu-a".into(),
            size: TreeSize::new(3),
            root: crate::merkle::leaf_hash(b"x"),
            timestamp_ms: 42,
        }
    }

    #[test]
    fn signed_bytes_layout() {
        let b = head().signed_bytes();
        assert_eq!(&b[..8], &22u64.to_le_bytes());
        assert_eq!(&b[8..30], TREE_HEAD_CONTEXT.as_bytes());
        assert_eq!(&b[30..38], &5u64.to_le_bytes());
        assert_eq!(&b[38..43], b"fiu-a");
        assert_eq!(&b[43..51], &3u64.to_le_bytes());
        assert_eq!(b.len(), 8 + 22 + 8 + 5 + 8 + 32 + 8);
    }

    #[test]
    fn sign_countersign_verify() {
        let log = SigningKey::from_bytes(&[1; 32]);
        let wit = SigningKey::from_bytes(&[2; 32]);
        let sth = head().sign(&log);
        sth.verify(&log.verifying_key()).expect("own signature");
        assert!(sth.verify(&wit.verifying_key()).is_err());
        let cs = sth
            .countersign(&log.verifying_key(), "fiu-b", &wit)
            .expect("countersign");
        cs.verify(&sth.head, &wit.verifying_key())
            .expect("countersignature");
        assert!(cs.verify(&sth.head, &log.verifying_key()).is_err());
        let mut other = sth.head.clone();
        other.timestamp_ms += 1;
        assert!(cs.verify(&other, &wit.verifying_key()).is_err());
        let mut forged = sth.clone();
        forged.head.root = crate::merkle::leaf_hash(b"y");
        assert!(forged.verify(&log.verifying_key()).is_err());
        assert!(
            forged
                .countersign(&log.verifying_key(), "fiu-b", &wit)
                .is_err()
        );
    }
}
