//! Synthetic FIU populations (being written).
