//! The FIU node: gRPC services (ingest, peering, investigator, audit) over mutual TLS, the
//! engine that tokenises, publishes and probes filters, storage (SQLite or PostgreSQL), the
//! signed audit log, key ceremony and epoch rotation, quotas, metrics and health, and the
//! `fiu-node` CLI. docs/ARCHITECTURE.md maps the modules.

pub mod audit_log;
pub mod auth;
pub mod block_index;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod engine;
pub mod followup;
pub mod health;
pub mod identities;
pub mod identity;
pub mod import;
pub mod keys;
pub mod manifest;
pub mod metrics;
pub mod peers;
pub mod pki;
pub mod quota;
pub mod rotation;
pub mod secret_file;
pub mod server;
pub mod services;
pub mod store;
pub mod tls;
