//! Counting refused gRPC calls in one place: a tower layer around the whole gRPC server reads
//! each response's `grpc-status` and counts the refusals in `fiu_refused_calls_total`.
//!
//! Every service refuses at its start (identity, role, arguments, limits), and tonic then
//! answers with a trailers-only response whose headers carry the status, so the layer sees
//! every refusal without a line in any service, including those of services added later. A
//! stream that fails after it started carries its status in trailers and is not counted: those
//! are not refusals (shutdown, a slow subscriber).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response};
use tower::{Layer, Service};

use super::Metrics;

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

/// The counted codes and their label: a caller that is unknown, not allowed, sent something
/// invalid, or went over a limit.
fn refusal(code: &[u8]) -> Option<&'static str> {
    match code {
        b"3" => Some("invalid_argument"),
        b"7" => Some("permission_denied"),
        b"8" => Some("resource_exhausted"),
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

/// The layer: wraps the gRPC server's routes in [`CountRefusals`].
#[derive(Debug, Clone)]
pub struct RefusalLayer {
    metrics: Arc<Metrics>,
}

impl RefusalLayer {
    /// Counts into `metrics`.
    pub fn new(metrics: Arc<Metrics>) -> Self {
        RefusalLayer { metrics }
    }
}

impl<S> Layer<S> for RefusalLayer {
    type Service = CountRefusals<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CountRefusals {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

/// The service [`RefusalLayer`] makes.
#[derive(Debug, Clone)]
pub struct CountRefusals<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

impl<S, B, R> Service<Request<B>> for CountRefusals<S>
where
    S: Service<Request<B>, Response = Response<R>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let service = service_of(req.uri().path());
        let metrics = self.metrics.clone();
        let response = self.inner.call(req);
        Box::pin(async move {
            let response = response.await?;
            if let Some(code) = response
                .headers()
                .get("grpc-status")
                .and_then(|v| refusal(v.as_bytes()))
            {
                metrics.call_refused(service, code);
            }
            Ok(response)
        })
    }
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
