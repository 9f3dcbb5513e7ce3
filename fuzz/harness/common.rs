//! What every harness does with a subject that a reader accepted: derive its keys and tokens,
//! as `fiu-node ingest` does, so the importers' output also exercises the key recipe.

use matcher::identifiers::country;
use matcher::keys::{self, KeyOptions};
use matcher::subject::Subject;
use matcher::token::{Epoch, NetworkSecret, Tokeniser};

/// Derives keys with and without a default phone region, tokenises them, and checks that
/// every refused value names its field.
pub fn derive_all(subject: &Subject) {
    let tokeniser = Tokeniser::new(&NetworkSecret::from_bytes([7; 32]).epoch_key(Epoch(1)));
    let regional = KeyOptions {
        default_phone_region: country("DE").ok(),
    };
    for options in [KeyOptions::default(), regional] {
        let derived = keys::derive(subject, &options);
        for key in &derived.keys {
            let _ = tokeniser.token(key);
        }
        for refused in &derived.refused {
            assert!(!refused.field.is_empty(), "a refused value names no field");
        }
    }
}
