//! The metrics listener: plain HTTP/1.1 serving `GET /metrics` in the OpenMetrics text format
//! (which Prometheus scrapes natively), on its own port (`[metrics] listen`).
//!
//! A separate listener rather than a route on the gRPC port: scrapers speak HTTP/1, the gRPC
//! port's access rules are about roles, and the metrics port can be opened to the monitoring
//! network alone. Metrics hold no personal data (see the parent module), but they do show
//! activity (ingest volumes, hits per peer), so keep the port off public networks.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use http::{Method, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use super::Handshakes;
use crate::engine::Engine;
use crate::tls::TlsStats;

/// The path that serves the metrics.
pub const METRICS_PATH: &str = "/metrics";

/// The content type of the OpenMetrics text format that [`super::Metrics::render`] writes.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Scrape connections served at once; more wait to be accepted. Prometheus uses one per
/// scrape, so a few cover several scrapers and a curl.
pub const MAX_CONNECTIONS: usize = 8;

/// Time a client has to send its request headers: a stalled client cannot hold a slot.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest a connection is kept, whatever it does (one scrape per connection: keep-alive is
/// off, so an idle scraper cannot hold a slot either).
pub const CONNECTION_TIMEOUT: Duration = Duration::from_secs(30);

/// Pause after a failed `accept` (out of file descriptors), so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves `engine`'s metrics, with the gRPC listener's TLS handshake counts when it speaks
/// TLS, on `listener` until `shutdown` turns true.
pub async fn serve(
    listener: TcpListener,
    engine: Arc<Engine>,
    tls: Option<Arc<TlsStats>>,
    mut shutdown: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(member = %engine.member_id(), %addr, path = METRICS_PATH, "serving metrics");
    }
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                // The semaphore is never closed.
                Err(_) => return,
            },
            _ = stopped(&mut shutdown) => return,
        };
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "metrics listener cannot accept a connection");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            _ = stopped(&mut shutdown) => return,
        };
        let engine = engine.clone();
        let tls = tls.clone();
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let service = service_fn(move |req| respond(engine.clone(), tls.clone(), req));
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .keep_alive(false);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                r = tokio::time::timeout(CONNECTION_TIMEOUT, connection) => match r {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => tracing::debug!(error = %e, "metrics connection failed"),
                    Err(_) => tracing::debug!("metrics connection timed out"),
                },
                _ = stopped(&mut stop) => {}
            }
        });
    }
}

/// Completes when `shutdown` turns true (or its sender is gone).
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|s| *s).await;
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

async fn respond(
    engine: Arc<Engine>,
    tls: Option<Arc<TlsStats>>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if req.uri().path() != METRICS_PATH {
        return Ok(plain(
            StatusCode::NOT_FOUND,
            "not found: metrics are at /metrics\n",
        ));
    }
    if req.method() != Method::GET {
        let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "only GET\n");
        r.headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("GET"));
        return Ok(r);
    }
    // Reading the state takes the engine's locks briefly: a blocking thread, not the runtime.
    let body = tokio::task::spawn_blocking(move || {
        let mut state = engine.metrics_state();
        state.tls_handshakes = tls.map(|s| Handshakes {
            accepted: s.accepted(),
            refused: s.refused(),
        });
        engine.metrics().render(&state)
    })
    .await;
    Ok(match body {
        Ok(text) => {
            let mut r = Response::new(Full::new(Bytes::from(text)));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static(CONTENT_TYPE),
            );
            r
        }
        Err(e) => {
            tracing::error!(error = %e, "rendering the metrics failed");
            plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "rendering the metrics failed; the node's log has the cause\n",
            )
        }
    })
}
