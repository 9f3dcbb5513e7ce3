//! Starting a node: open the store and the engine from a configuration, serve the gRPC
//! services on a listener, follow every peer, and stop everything on one shutdown signal.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use fiu_proto::v1::audit_server::AuditServer;
use fiu_proto::v1::{
    ingest_server::IngestServer, investigator_server::InvestigatorServer,
    peering_server::PeeringServer,
};
use matcher::hits::HitPolicy;
use matcher::keys::KeyOptions;
use matcher::{Epoch, NetworkSecret};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tonic::server::NamedService;
use zeroize::Zeroizing;

use crate::audit_log::refusals::RefusalLayer;
use crate::config::{Config, StorageBackend};
use crate::engine::{Engine, EngineError, EngineSettings};
use crate::identity::{Identity, IdentityError, PublicKey};
use crate::peers::{PeerLinks, retry_loop, subscribe};
use crate::quota::Quotas;
use crate::services::audit::AuditService;
use crate::services::{
    ingest::IngestService, investigator::InvestigatorService, peering::PeeringService,
};
use crate::store::{PostgresSettings, PostgresStore, SqliteStore, Store, StoreError};
use crate::tls::{TlsStats, Transport, TransportError};

/// How often expired subjects are removed.
pub const EXPIRY_INTERVAL: Duration = Duration::from_secs(3600);

/// How often the server pings an idle HTTP/2 connection: a client that vanished without
/// closing (a dropped network path) is found within this and [`KEEPALIVE_TIMEOUT`].
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(30);

/// How long a ping may go unanswered before the connection and its calls are closed.
pub const KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(20);

/// Concurrent calls (HTTP/2 streams) on one connection: a peer's subscription, an
/// investigator's watches and a few unary calls fit easily; a client cannot open thousands
/// of long-lived streams on one connection.
pub const MAX_STREAMS_PER_CONNECTION: u32 = 64;

/// Why a node could not start or stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    /// The configuration refers to something unusable.
    #[error("configuration: {0}")]
    Config(String),
    /// A key could not be loaded.
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// The store could not be opened.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The engine could not start.
    #[error("engine: {0}")]
    Engine(#[from] EngineError),
    /// The gRPC server failed.
    #[error("server: {0}")]
    Serve(String),
    /// Binding or reading the listener failed.
    #[error("listener: {0}")]
    Io(#[from] std::io::Error),
    /// The manifest or a TLS file is unusable, or disagrees with this node (boxed: a rare,
    /// large error).
    #[error("{0}")]
    Transport(Box<TransportError>),
}

impl From<TransportError> for NodeError {
    fn from(e: TransportError) -> Self {
        NodeError::Transport(Box::new(e))
    }
}

/// Reads the 32-byte network secret (hex) from a file.
pub fn load_secret(path: &Path) -> Result<NetworkSecret, NodeError> {
    let text =
        Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
            NodeError::Config(format!("network secret file {}: {e}", path.display()))
        })?);
    let mut bytes = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(text.trim(), bytes.as_mut()).map_err(|_| {
        NodeError::Config(format!(
            "network secret file {} does not hold 64 hex characters",
            path.display()
        ))
    })?;
    Ok(NetworkSecret::from_bytes(*bytes))
}

/// Environment variable with the PostgreSQL password, when `[storage] password_file` is not
/// set (the URL's own password, if any, is the last resort).
pub const POSTGRES_PASSWORD_ENV: &str = "FIU_POSTGRES_PASSWORD";

/// Opens the store `[storage]` names. Logs the backend and where it is, never a password.
pub fn open_store(config: &Config) -> Result<Arc<dyn Store>, NodeError> {
    let storage = &config.storage;
    match storage.backend {
        StorageBackend::Sqlite => {
            let path = config.database_path();
            tracing::info!(backend = "sqlite", path = %path.display(), "opening the store");
            Ok(Arc::new(SqliteStore::open(&path)?))
        }
        StorageBackend::Postgres => {
            let url = storage.url.clone().ok_or_else(|| {
                NodeError::Config("storage.url is required with backend = \"postgres\"".into())
            })?;
            let password = match &storage.password_file {
                Some(file) => {
                    let path = config.data_path(file);
                    let text = Zeroizing::new(std::fs::read_to_string(&path).map_err(|e| {
                        NodeError::Config(format!("storage.password_file {}: {e}", path.display()))
                    })?);
                    Some(Zeroizing::new(
                        text.trim_end_matches(['\r', '\n']).to_owned(),
                    ))
                }
                None => std::env::var(POSTGRES_PASSWORD_ENV)
                    .ok()
                    .map(Zeroizing::new),
            };
            let settings = PostgresSettings {
                url,
                password,
                schema: storage.schema.clone(),
                max_connections: storage.max_connections,
            };
            tracing::info!(
                backend = "postgres",
                url = %crate::store::postgres::redacted_url(&settings.url),
                schema = settings.schema.as_deref().unwrap_or("(search_path)"),
                "opening the store"
            );
            Ok(Arc::new(PostgresStore::open(&settings)?))
        }
    }
}

/// Opens the engine a configuration describes.
pub fn open_engine(config: &Config) -> Result<Arc<Engine>, NodeError> {
    std::fs::create_dir_all(&config.node.data_dir)?;
    let identity = Identity::load(&config.data_path(&config.node.identity_key_file))?;
    let secret = load_secret(&config.data_path(&config.network.secret_file))?;
    let store = open_store(config)?;
    let mut known = HashMap::new();
    for p in &config.peers {
        known.insert(
            p.member_id.clone(),
            PublicKey::from_hex(&format!("peer {}", p.member_id), &p.public_key)?,
        );
    }
    let phone_region = match &config.policy.phone_region {
        Some(r) => Some(
            matcher::identifiers::country(r)
                .map_err(|e| NodeError::Config(format!("policy.phone_region {e}")))?,
        ),
        None => None,
    };
    let settings = EngineSettings {
        member_id: config.node.member_id.clone(),
        epoch: Epoch(config.network.epoch),
        target_fpr: config.filter.target_fpr,
        initial_capacity: config.filter.initial_capacity,
        share_categories: config.policy.share_categories.clone(),
        key_options: KeyOptions {
            default_phone_region: phone_region,
        },
        hit_policy: HitPolicy::default(),
    };
    let engine = Engine::open(settings, store, &secret, identity, known)?;
    // A store tokenised under an older epoch than configured is brought up to date here.
    crate::rotation::catch_up(&engine, &secret)?;
    Ok(Arc::new(engine))
}

/// A node running in this process (tests, the demo).
#[derive(Debug)]
pub struct RunningNode {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// The address of its metrics listener, when `[metrics] listen` is set.
    pub metrics_addr: Option<SocketAddr>,
    /// Its listener's TLS handshake counts (refused handshakes cannot answer with a gRPC
    /// status: they are logged and counted here).
    pub tls_stats: Arc<TlsStats>,
    /// Its engine.
    pub engine: Arc<Engine>,
    tls: bool,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<Result<(), NodeError>>,
}

impl RunningNode {
    /// Its endpoint URL.
    pub fn endpoint(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Stops it and waits until it has stopped.
    pub async fn stop(self) -> Result<(), NodeError> {
        let _ = self.shutdown.send(true);
        match self.task.await {
            Ok(r) => r,
            Err(e) => Err(NodeError::Serve(format!("node task failed: {e}"))),
        }
    }
}

/// Binds `config.node.listen` (port 0 picks a free port) and starts the node in the
/// background.
pub async fn spawn(config: Config) -> Result<RunningNode, NodeError> {
    let listener = TcpListener::bind(config.node.listen).await?;
    spawn_on(config, listener).await
}

/// Starts the node on an already bound listener.
pub async fn spawn_on(config: Config, listener: TcpListener) -> Result<RunningNode, NodeError> {
    let addr = listener.local_addr()?;
    let metrics_listener = bind_metrics(&config).await?;
    let metrics_addr = match &metrics_listener {
        Some(l) => Some(l.local_addr()?),
        None => None,
    };
    let (config, transport, engine) = start_up(config).await?;
    let (tls_stats, tls) = (transport.stats.clone(), transport.tls.is_some());
    let (tx, rx) = watch::channel(false);
    let task = tokio::spawn(serve(
        config,
        engine.clone(),
        listener,
        metrics_listener,
        transport,
        rx,
    ));
    Ok(RunningNode {
        addr,
        metrics_addr,
        tls_stats,
        tls,
        engine,
        shutdown: tx,
        task,
    })
}

/// Runs the node on `listener` until `shutdown` completes (the binary passes Ctrl-C).
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), NodeError> {
    run_reloading(config, None, listener, shutdown).await
}

/// As [`run`]; with `config_path`, a SIGHUP re-reads that file and rotates to a new
/// `[network] epoch` ([`crate::rotation::reload`]).
pub async fn run_reloading(
    config: Config,
    config_path: Option<std::path::PathBuf>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), NodeError> {
    let metrics_listener = bind_metrics(&config).await?;
    let (config, transport, engine) = start_up(config).await?;
    let (tx, rx) = watch::channel(false);
    if let Some(path) = config_path {
        tokio::spawn(crate::rotation::reload_on_hangup(
            engine.clone(),
            path,
            rx.clone(),
        ));
    }
    let server = serve(config, engine, listener, metrics_listener, transport, rx);
    tokio::pin!(server);
    tokio::select! {
        r = &mut server => r,
        _ = shutdown => {
            let _ = tx.send(true);
            server.await
        }
    }
}

/// Loads the manifest and TLS files (peers come from the manifest) and opens the engine, on a
/// blocking thread.
async fn start_up(mut config: Config) -> Result<(Config, Transport, Arc<Engine>), NodeError> {
    tokio::task::spawn_blocking(move || {
        let transport = Transport::prepare(&mut config)?;
        let engine = open_engine(&config)?;
        Ok((config, transport, engine))
    })
    .await
    .map_err(|e| NodeError::Serve(format!("start-up task failed: {e}")))?
}

/// Binds `[metrics] listen`, if set (port 0 picks a free port).
async fn bind_metrics(config: &Config) -> Result<Option<TcpListener>, NodeError> {
    match config.metrics.listen {
        Some(addr) => Ok(Some(TcpListener::bind(addr).await.map_err(|e| {
            NodeError::Config(format!("metrics.listen {addr}: cannot bind: {e}"))
        })?)),
        None => Ok(None),
    }
}

async fn serve(
    config: Config,
    engine: Arc<Engine>,
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    transport: Transport,
    shutdown: watch::Receiver<bool>,
) -> Result<(), NodeError> {
    let limits = &config.limits;
    let links = PeerLinks::new(
        &config.node.member_id,
        &config.peers,
        limits.max_message_bytes,
        transport.tls.as_ref(),
    )
    .map_err(NodeError::Config)?;
    if transport.tls.is_none() {
        tracing::warn!(
            member = %config.node.member_id,
            addr = %listener.local_addr()?,
            "INSECURE: serving and dialling peers WITHOUT TLS (insecure_plaintext): callers are identified by request metadata and NOT authenticated; development only"
        );
    } else {
        tracing::info!(
            member = %config.node.member_id,
            addr = %listener.local_addr()?,
            "serving mutual TLS"
        );
    }
    let mut tasks = Vec::new();
    let audit = crate::audit_log::start(&config, engine.clone())
        .await
        .map_err(|e| NodeError::Serve(format!("audit log: {e}")))?;
    tasks.push(tokio::spawn(crate::audit_log::witness::head_loop(
        audit.clone(),
        links.clone(),
        Duration::from_secs(config.audit.head_interval_secs),
        shutdown.clone(),
    )));
    for peer in links.peers() {
        tasks.push(tokio::spawn(subscribe(
            engine.clone(),
            links.clone(),
            peer,
            shutdown.clone(),
        )));
    }
    tasks.push(tokio::spawn(retry_loop(
        engine.clone(),
        links.clone(),
        shutdown.clone(),
    )));
    tasks.push(tokio::spawn(expiry_loop(engine.clone(), shutdown.clone())));
    if let Some(l) = metrics_listener {
        tasks.push(tokio::spawn(crate::metrics::http::serve(
            l,
            engine.clone(),
            (transport.tls.is_some()).then(|| transport.stats.clone()),
            shutdown.clone(),
        )));
    }

    let (health, health_service) = tonic_health::server::health_reporter();
    health.set_serving::<IngestServer<IngestService>>().await;
    health.set_serving::<AuditServer<AuditService>>().await;
    health.set_serving::<PeeringServer<PeeringService>>().await;
    health
        .set_serving::<InvestigatorServer<InvestigatorService>>()
        .await;
    // Storage state for "" and these services, peer state under `fiu.peers` (health.rs).
    let served = vec![
        <IngestServer<IngestService> as NamedService>::NAME,
        <PeeringServer<PeeringService> as NamedService>::NAME,
        <InvestigatorServer<InvestigatorService> as NamedService>::NAME,
        <AuditServer<AuditService> as NamedService>::NAME,
    ];
    let monitor = crate::health::Monitor::new(
        health.clone(),
        engine.member_id(),
        engine.metrics().clone(),
        crate::health::store_check(engine.store().clone()),
        served,
        links.peers(),
    );
    tasks.push(tokio::spawn(monitor.run(shutdown.clone())));
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(fiu_proto::FILE_DESCRIPTOR_SET)
        .build_v1()
        .map_err(|e| NodeError::Serve(format!("reflection: {e}")))?;

    let max = limits.max_message_bytes;
    let policy = Arc::new(config.policy.clone());
    let quotas = Arc::new(Quotas::new(limits));
    let router = tonic::transport::Server::builder()
        .tcp_nodelay(true)
        // Dead or stalled connections are found and closed; one connection cannot open
        // streams without bound.
        .http2_keepalive_interval(Some(KEEPALIVE_INTERVAL))
        .http2_keepalive_timeout(Some(KEEPALIVE_TIMEOUT))
        .max_concurrent_streams(Some(MAX_STREAMS_PER_CONNECTION))
        .concurrency_limit_per_connection(MAX_STREAMS_PER_CONNECTION as usize)
        // Outermost: identifies the caller, for the services and the refusal layers inside.
        .layer(crate::auth::layer(transport.auth_mode()))
        .layer(RefusalLayer::new(
            engine.store().clone(),
            engine.metrics().clone(),
        ))
        .add_service(health_service)
        .add_service(reflection)
        .add_service(
            IngestServer::new(IngestService::new(engine.clone()).with_limits(limits))
                .max_decoding_message_size(max)
                .max_encoding_message_size(max),
        )
        .add_service(
            PeeringServer::new(
                PeeringService::new(engine.clone(), policy, shutdown.clone())
                    .with_quotas(quotas.clone()),
            )
            .max_decoding_message_size(max)
            .max_encoding_message_size(max),
        )
        .add_service(
            InvestigatorServer::new(
                InvestigatorService::new(engine.clone(), links, shutdown.clone())
                    .with_limits(quotas, limits.max_page_size),
            )
            .max_decoding_message_size(max)
            .max_encoding_message_size(max),
        )
        .add_service(
            AuditServer::new(AuditService::new(audit, limits.max_page_size))
                .max_decoding_message_size(max)
                .max_encoding_message_size(max),
        );
    let mut stop = shutdown.clone();
    let stopped = async move {
        let _ = stop.wait_for(|s| *s).await;
    };
    let result = match &transport.tls {
        Some(tls) => {
            let incoming =
                crate::tls::incoming(listener, tls, transport.stats.clone(), shutdown.clone());
            router.serve_with_incoming_shutdown(incoming, stopped).await
        }
        None => {
            router
                .serve_with_incoming_shutdown(nodelay(listener), stopped)
                .await
        }
    }
    .map_err(|e| NodeError::Serve(e.to_string()));
    // The server has stopped (shutdown, or a failure): stop every background task too. They
    // hold no state that a stop mid-way could corrupt: every change goes through the store's
    // transactions.
    let _ = shutdown.has_changed();
    for t in tasks {
        t.abort();
        let _ = t.await;
    }
    tracing::info!(member = %config.node.member_id, "node stopped");
    result
}

async fn expiry_loop(engine: Arc<Engine>, mut shutdown: watch::Receiver<bool>) {
    loop {
        let e = engine.clone();
        let today = chrono::Utc::now().date_naive();
        match tokio::task::spawn_blocking(move || e.expire(today)).await {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => tracing::info!(expired = n, "expired subjects deleted"),
            Ok(Err(e)) => tracing::error!(error = %e, "expiry failed"),
            Err(e) => tracing::error!(error = %e, "expiry task failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(EXPIRY_INTERVAL) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// The plain-TCP connections of `listener`, with Nagle's algorithm off: the builder's
/// `tcp_nodelay` applies only to listeners tonic binds itself, and with Nagle on, a response
/// written in several segments waits for the client's delayed acknowledgement (40 ms on
/// Linux: a look-up of 30 peers took 48 ms at the median instead of well under one).
fn nodelay(listener: TcpListener) -> tonic::transport::server::TcpIncoming {
    tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true))
}
