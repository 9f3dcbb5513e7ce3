//! Integration tests of fiu-audit: one binary, one module per area.

mod export;
mod proofs;
mod reference;
mod vector_cases;
mod vectors;
