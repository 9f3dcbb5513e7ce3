//! Tokens: match keys turned into keyed one-way values.
//!
//! The network secret never leaves a member. Each epoch has its own key,
//! `HKDF-SHA256(salt = "fiu-match/v1/epoch-key", ikm = network secret, info = epoch as u64
//! big-endian)`, and a token is `HMAC-SHA256(epoch key, 0x01 || kind code (u16 big-endian) ||
//! key bytes)`: the leading format byte and the key-kind code separate domains, so the same
//! bytes under two kinds or two format versions never give the same token. docs/PROTOCOL.md
//! pins all of it with test vectors.
//!
//! [`Tokeniser`] absorbs the epoch key once (HMAC's inner and outer pads) and clones that
//! state per token, so the per-token cost is the two SHA-256 compressions HMAC needs and
//! nothing else.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::keys::{KeyKind, MatchKey};

/// The token format version: the first byte of every HMAC input.
pub const TOKEN_FORMAT_VERSION: u8 = 1;

/// HKDF salt for epoch keys (format 1).
pub const EPOCH_KEY_SALT: &[u8] = b"fiu-match/v1/epoch-key";

/// Length of a token in bytes.
pub const TOKEN_LEN: usize = 32;

/// A filter and key epoch. Tokens of different epochs never match: rotation to a new epoch
/// makes every earlier filter useless to whoever holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Epoch(pub u64);

impl fmt::Display for Epoch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "epoch {}", self.0)
    }
}

/// The network secret shared by all members, from which every epoch key derives.
///
/// Zeroised on drop; `Debug` prints nothing of it.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct NetworkSecret([u8; 32]);

impl NetworkSecret {
    /// Wraps 32 secret bytes (from the key ceremony or a secret file).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        NetworkSecret(bytes)
    }

    /// The raw secret, for wrapping to a member's key or writing to an owner-only file.
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }

    /// Derives the key of `epoch`.
    pub fn epoch_key(&self, epoch: Epoch) -> EpochKey {
        let hk = hkdf::Hkdf::<Sha256>::new(Some(EPOCH_KEY_SALT), &self.0);
        let mut key = [0u8; 32];
        // HKDF-SHA256 can expand up to 255 * 32 bytes; 32 is always within range.
        hk.expand(&epoch.0.to_be_bytes(), &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        EpochKey { epoch, key }
    }
}

impl fmt::Debug for NetworkSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NetworkSecret(<redacted>)")
    }
}

/// The key of one epoch. Zeroised on drop; `Debug` shows only the epoch.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct EpochKey {
    #[zeroize(skip)]
    epoch: Epoch,
    key: [u8; 32],
}

impl EpochKey {
    /// The epoch this key belongs to.
    pub fn epoch(&self) -> Epoch {
        self.epoch
    }
}

impl fmt::Debug for EpochKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EpochKey({}, <redacted>)", self.epoch)
    }
}

/// A 32-byte token. Compares in constant time.
///
/// Made by [`Tokeniser::token`]; [`Token::from_bytes`] exists for tokens read back from the
/// node's store or from a peer's follow-up message.
#[derive(Clone, Copy)]
pub struct Token([u8; TOKEN_LEN]);

impl std::hash::Hash for Token {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // Consistent with the constant-time `PartialEq`: equal tokens have equal bytes.
        self.0.hash(state)
    }
}

impl Token {
    /// A token read back from storage or a peer message.
    pub fn from_bytes(bytes: [u8; TOKEN_LEN]) -> Self {
        Token(bytes)
    }

    /// The token's bytes.
    pub fn as_bytes(&self) -> &[u8; TOKEN_LEN] {
        &self.0
    }

    /// Lower-case hex, as used in test vectors, logs and follow-up messages.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }
}

impl PartialEq for Token {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}
impl Eq for Token {}

impl PartialOrd for Token {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Token {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({})", self.to_hex())
    }
}

/// Turns match keys into tokens under one epoch key.
///
/// Holds one prepared HMAC state per key kind, with the epoch key and the domain prefix
/// already absorbed; making a token clones that state and absorbs only the key bytes.
#[derive(Clone)]
pub struct Tokeniser {
    epoch: Epoch,
    prepared: Vec<Hmac<Sha256>>,
}

impl Tokeniser {
    /// Sets up the keyed state for `key`'s epoch.
    pub fn new(key: &EpochKey) -> Self {
        let prepared = KeyKind::ALL
            .iter()
            .map(|kind| {
                let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key.key)
                    .expect("HMAC accepts keys of any length");
                mac.update(&[TOKEN_FORMAT_VERSION]);
                mac.update(&kind.code().to_be_bytes());
                mac
            })
            .collect();
        Tokeniser {
            epoch: key.epoch,
            prepared,
        }
    }

    /// The epoch of every token this tokeniser makes.
    pub fn epoch(&self) -> Epoch {
        self.epoch
    }

    /// The token of one match key.
    pub fn token(&self, key: &MatchKey) -> Token {
        self.token_of(key.kind(), key.bytes())
    }

    /// The token of `bytes` under `kind`.
    pub fn token_of(&self, kind: KeyKind, bytes: &[u8]) -> Token {
        let mut mac = self.prepared[kind.index()].clone();
        mac.update(bytes);
        Token(mac.finalize().into_bytes().into())
    }
}

impl fmt::Debug for Tokeniser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tokeniser({}, <redacted>)", self.epoch)
    }
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> NetworkSecret {
        NetworkSecret::from_bytes([7u8; 32])
    }

    #[test]
    fn secrets_never_print() {
        let s = secret();
        assert_eq!(format!("{s:?}"), "NetworkSecret(<redacted>)");
        let k = s.epoch_key(Epoch(3));
        assert_eq!(format!("{k:?}"), "EpochKey(epoch 3, <redacted>)");
        assert!(!format!("{:?}", Tokeniser::new(&k)).contains("07"));
    }

    #[test]
    fn epochs_and_kinds_separate_domains() {
        let s = secret();
        let t1 = Tokeniser::new(&s.epoch_key(Epoch(1)));
        let t2 = Tokeniser::new(&s.epoch_key(Epoch(2)));
        let a = t1.token_of(KeyKind::Iban, b"DE89370400440532013000");
        assert_eq!(a, t1.token_of(KeyKind::Iban, b"DE89370400440532013000"));
        assert_ne!(a, t2.token_of(KeyKind::Iban, b"DE89370400440532013000"));
        assert_ne!(a, t1.token_of(KeyKind::Lei, b"DE89370400440532013000"));
        let other = NetworkSecret::from_bytes([8u8; 32]);
        assert_ne!(
            a,
            Tokeniser::new(&other.epoch_key(Epoch(1)))
                .token_of(KeyKind::Iban, b"DE89370400440532013000")
        );
    }

    #[test]
    fn prepared_state_equals_plain_hmac() {
        let key = secret().epoch_key(Epoch(9));
        let t = Tokeniser::new(&key);
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key.key).unwrap();
        mac.update(&[1]);
        mac.update(&KeyKind::Iban.code().to_be_bytes());
        mac.update(b"GB82WEST12345698765432");
        let plain: [u8; 32] = mac.finalize().into_bytes().into();
        assert_eq!(
            t.token_of(KeyKind::Iban, b"GB82WEST12345698765432")
                .as_bytes(),
            &plain
        );
    }
}
