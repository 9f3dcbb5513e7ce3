//! Hits (being written).
/// Placeholder.
pub struct Hit;
/// Placeholder.
pub struct HitPolicy;
/// Placeholder.
pub struct Prober;
