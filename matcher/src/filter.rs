//! The portable blocked Bloom filter (being written).
/// Placeholder until the filter lands.
pub struct Filter;
/// Placeholder until the filter lands.
pub struct FilterParams;
/// Placeholder until the filter lands.
pub struct Delta;
/// Placeholder until the filter lands.
#[derive(Debug, thiserror::Error)]
#[error("placeholder")]
pub struct FilterError;
