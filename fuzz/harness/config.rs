//! The node's configuration file (`fiu-node.toml`), which names the peers and their keys.

use fiu_node::config::{Config, valid_member_id};

/// Parses `data` as configuration text; an accepted one must name valid member ids only.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Config::parse(text, "fuzz.toml") {
        Ok(config) => {
            for peer in &config.peers {
                assert!(
                    valid_member_id(&peer.member_id),
                    "accepted an invalid member id"
                );
            }
            let _ = config.database_path();
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}
