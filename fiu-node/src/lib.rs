//! The FIU node (being written: see the node issue).

pub mod import;
pub mod store;
