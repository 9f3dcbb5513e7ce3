//! The labels of `fiu_refused_calls_total`: which service a refused call went to and how it
//! was refused. The refusals are found, counted and audited by one tower layer,
//! [`crate::audit_log::refusals::RefusalLayer`], around the whole gRPC server.

/// The gRPC services whose name may appear as a label; any other path counts as `other`, so
/// a client cannot create series by calling made-up paths.
pub const SERVICES: &[&str] = &[
    "fiu.v1.Ingest",
    "fiu.v1.Investigator",
    "fiu.v1.Peering",
    "fiu.v1.Audit",
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
];

/// The label of a refusal's `grpc-status` code (the codes
/// [`crate::audit_log::refusals::is_refusal`] names: a caller that is unknown, not allowed,
/// sent something invalid, called in the wrong state or went over a limit), `None` for any
/// other code.
pub fn refusal(code: &[u8]) -> Option<&'static str> {
    match code {
        b"3" => Some("invalid_argument"),
        b"7" => Some("permission_denied"),
        b"8" => Some("resource_exhausted"),
        b"9" => Some("failed_precondition"),
        b"11" => Some("out_of_range"),
        b"16" => Some("unauthenticated"),
        _ => None,
    }
}

/// The service label of a gRPC request path (`/package.Service/Method`).
pub fn service_of(path: &str) -> &'static str {
    let name = path
        .strip_prefix('/')
        .and_then(|p| p.split_once('/'))
        .map_or("", |(service, _)| service);
    SERVICES
        .iter()
        .find(|s| **s == name)
        .copied()
        .unwrap_or("other")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_are_labelled_only_when_known() {
        assert_eq!(service_of("/fiu.v1.Ingest/Upsert"), "fiu.v1.Ingest");
        assert_eq!(
            service_of("/fiu.v1.Peering/StreamUpdates"),
            "fiu.v1.Peering"
        );
        assert_eq!(service_of("/made.up.Service/X"), "other");
        assert_eq!(service_of("fiu.v1.Ingest"), "other");
        assert_eq!(service_of(""), "other");
    }

    #[test]
    fn only_refusal_codes_count() {
        assert_eq!(refusal(b"7"), Some("permission_denied"));
        assert_eq!(refusal(b"16"), Some("unauthenticated"));
        assert_eq!(refusal(b"0"), None);
        assert_eq!(refusal(b"13"), None);
        assert_eq!(refusal(b"14"), None);
    }
}
