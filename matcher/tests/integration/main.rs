//! The matcher's integration tests: one binary, a module per area.

mod identifier_properties;
mod recipe;
mod vector_cases;
mod vectors;
