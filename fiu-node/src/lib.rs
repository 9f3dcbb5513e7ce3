//! The FIU node (being written: see the node issue).
