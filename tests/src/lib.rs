//! Helpers for the multi-node integration tests: a small network of real FIU nodes on
//! loopback ports, each with its own SQLite store in a temporary directory, and the gRPC
//! clients an operator and an investigator use against them.
//!
//! # Layout
//!
//! - [`network`]: [`Network`] starts, stops and restarts nodes; [`Member`] is one node with
//!   the operator's and investigator's calls on it; [`eventually`] polls for a condition with
//!   a deadline.
//! - [`subjects`]: builders for the subjects the tests ingest (people, accounts with valid
//!   IBANs, legal entities).
//!
//! # Design
//!
//! - Peers need each other's endpoints before any of them starts, so [`Network::start`]
//!   binds every listener first (port 0), writes the configurations with the real endpoints
//!   and public keys, and only then starts each node on its listener. A restarted node binds
//!   its old port again, so its peers' configurations stay right.
//! - No fixed sleeps: every wait is a poll with a deadline ([`PROPAGATION`]), so a fast
//!   machine runs the suite fast and a slow one fails with a message that says what never
//!   happened.

pub mod network;
pub mod subjects;

pub use network::{Member, Network, PROPAGATION, as_role, eventually};
