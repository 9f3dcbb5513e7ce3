//! The matcher's integration tests: one binary, a module per area.

mod recipe;
mod vector_cases;
mod vectors;
