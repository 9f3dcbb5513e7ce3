//! Every refused gRPC call, in one place: a tower layer around the whole gRPC server reads
//! each response's `grpc-status` and, for a refusal, counts it in `fiu_refused_calls_total`
//! and appends a `call.refused` entry (method, status code and message, caller) to the audit
//! log before the response leaves. One layer, so the metric and the log agree on what a
//! refusal is.
//!
//! Every service refuses at its start (identity, role, arguments, limits), and tonic then
//! answers with a trailers-only response whose headers carry the status, so the layer sees
//! every refusal of every service, including services added later, without a line in them.
//! A stream that fails after it started carries its status in trailers and is not a refusal.
//! Status messages name fields, never values (the services' rule), so they are safe to keep.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response};
use serde_json::json;
use tonic::Code;
use tower::{Layer, Service};

use crate::metrics::Metrics;
use crate::metrics::refusals::{refusal, service_of};
use crate::store::{AuditEvent, Store};

/// Longest method path and status message kept in an entry: a client chooses both, and must
/// not be able to make entries of any size.
pub const MAX_TEXT: usize = 256;

/// Whether a status code is a refusal: the caller is unknown, not allowed, sent something
/// invalid, called in the wrong state or went over a limit.
pub fn is_refusal(code: Code) -> bool {
    matches!(
        code,
        Code::InvalidArgument
            | Code::PermissionDenied
            | Code::ResourceExhausted
            | Code::Unauthenticated
            | Code::FailedPrecondition
            | Code::OutOfRange
    )
}

/// The layer: wraps the gRPC server's routes in [`Refusals`].
#[derive(Clone)]
pub struct RefusalLayer {
    store: Arc<dyn Store>,
    metrics: Arc<Metrics>,
}

impl std::fmt::Debug for RefusalLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefusalLayer").finish_non_exhaustive()
    }
}

impl RefusalLayer {
    /// Writes refusals to `store`'s audit log and counts them in `metrics`.
    pub fn new(store: Arc<dyn Store>, metrics: Arc<Metrics>) -> Self {
        RefusalLayer { store, metrics }
    }
}

impl<S> Layer<S> for RefusalLayer {
    type Service = Refusals<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Refusals {
            inner,
            store: self.store.clone(),
            metrics: self.metrics.clone(),
        }
    }
}

/// The service [`RefusalLayer`] makes.
#[derive(Clone)]
pub struct Refusals<S> {
    inner: S,
    store: Arc<dyn Store>,
    metrics: Arc<Metrics>,
}

impl<S> std::fmt::Debug for Refusals<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Refusals").finish_non_exhaustive()
    }
}

impl<S, B, R> Service<Request<B>> for Refusals<S>
where
    S: Service<Request<B>, Response = Response<R>>,
    S::Future: Send + 'static,
    R: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let method = truncate(req.uri().path());
        let service = service_of(req.uri().path());
        // Who called, as the services see it (metadata or certificate, whatever `auth` reads).
        let mut probe = Request::new(());
        *probe.headers_mut() = req.headers().clone();
        *probe.extensions_mut() = req.extensions().clone();
        let caller = crate::auth::caller(&tonic::Request::from_http(probe));
        let store = self.store.clone();
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
            let status = response
                .headers()
                .get("grpc-status")
                .map(|_| tonic::Status::from_header_map(response.headers()));
            if let Some(Some(status)) = status
                && is_refusal(status.code())
            {
                let (actor, role) = match &caller {
                    Ok(c) => (c.name.clone(), c.role.as_str()),
                    Err(_) => ("unknown".to_owned(), "none"),
                };
                let event = AuditEvent {
                    kind: "call.refused".into(),
                    actor,
                    detail: json!({
                        "method": method,
                        "role": role,
                        "code": format!("{:?}", status.code()),
                        "message": truncate(status.message()),
                    })
                    .to_string(),
                };
                // Written before the refusal reaches the caller.
                match tokio::task::spawn_blocking(move || store.append_audit(&[event])).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => tracing::error!(error = %e, "could not log a refused call"),
                    Err(e) => tracing::error!(error = %e, "could not log a refused call"),
                }
            }
            Ok(response)
        })
    }
}

fn truncate(text: &str) -> String {
    if text.len() <= MAX_TEXT {
        return text.to_owned();
    }
    let mut end = MAX_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_the_callers_faults_only() {
        assert!(is_refusal(Code::PermissionDenied));
        assert!(is_refusal(Code::Unauthenticated));
        assert!(is_refusal(Code::InvalidArgument));
        assert!(!is_refusal(Code::Ok));
        assert!(!is_refusal(Code::Internal));
        assert!(!is_refusal(Code::Unavailable));
        assert!(!is_refusal(Code::NotFound));
    }

    #[test]
    fn the_metric_and_the_log_count_the_same_codes() {
        for n in 0..=16 {
            assert_eq!(
                is_refusal(Code::from(n)),
                refusal(n.to_string().as_bytes()).is_some(),
                "code {n}"
            );
        }
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        let long = "é".repeat(MAX_TEXT);
        let cut = truncate(&long);
        assert!(cut.len() <= MAX_TEXT + '…'.len_utf8());
        assert_eq!(truncate("short"), "short");
    }
}
