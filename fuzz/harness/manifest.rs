//! The network manifest (`network.toml`): who is in the network, their endpoints and keys.

use fiu_node::manifest::Manifest;

/// Parses `data` as a manifest; an accepted one must write back to TOML that parses to the
/// same manifest with the same digest, and every member's keys must read.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Manifest::parse(text, "fuzz.toml") {
        Ok(manifest) => {
            let written = manifest.to_toml();
            let again =
                Manifest::parse(&written, "written.toml").expect("a written manifest parses again");
            assert!(
                again == manifest,
                "a written manifest reads back differently"
            );
            assert_eq!(again.digest(), manifest.digest());
            for member in &manifest.members {
                member.signing_key().expect("an accepted member key reads");
                let _ = member.x25519_key();
                let _ = member.certificate_fingerprint();
                let _ = member.as_peer();
                let _ = manifest.peers_of(&member.id);
            }
            let _ = manifest.ca_fingerprint();
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}
