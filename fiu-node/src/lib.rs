//! The FIU node (being written: see the node issue).

pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod engine;
pub mod followup;
pub mod identity;
pub mod import;
pub mod peers;
pub mod secret_file;
pub mod server;
pub mod services;
pub mod store;
