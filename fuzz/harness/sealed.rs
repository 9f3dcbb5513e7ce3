//! The key ceremony's sealed network secret (`fiu-node keys unwrap`): a sealed box from
//! whoever ran the ceremony, and the package inside it.

use fiu_node::keys::{ExchangeKey, seal, unseal};

/// Input: a mode byte, then bytes. Mode bit 0 clear: the bytes are a sealed box, opened with
/// a fixed member key (random bytes never authenticate; this checks the length and format
/// checks before the box is opened). Set: the bytes are sealed to that key first, so the
/// package reader sees them as a box's plaintext.
pub fn run(data: &[u8]) {
    let Some((&mode, bytes)) = data.split_first() else {
        return;
    };
    let key = ExchangeKey::from_bytes([3; 32]);
    let sealed = if mode & 1 == 0 {
        bytes.to_vec()
    } else {
        let public = crypto_box::PublicKey::from_bytes(key.public_key().to_bytes());
        match public.seal(&mut crypto_box::aead::OsRng, bytes) {
            Ok(sealed) => sealed,
            Err(_) => return,
        }
    };
    match unseal("fuzz.sealed", &sealed, &key) {
        Ok(package) => {
            // An opened package seals and opens again to the same member and epoch.
            let again = seal(&package, &key.public_key()).expect("an opened package seals");
            let back = unseal("again", &again, &key).expect("a sealed package opens");
            assert_eq!(back.member_id, package.member_id);
            assert_eq!(back.epoch, package.epoch);
            assert_eq!(back.secret.expose(), package.secret.expose());
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}
