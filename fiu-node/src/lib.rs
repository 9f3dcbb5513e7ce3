//! The FIU node (being written: see the node issue).

pub mod import;
pub mod store;
pub mod config;
pub mod engine;
pub mod followup;
pub mod identity;
pub mod secret_file;
pub mod auth;
pub mod peers;
pub mod services;
pub mod server;
pub mod cli;
pub mod demo;
