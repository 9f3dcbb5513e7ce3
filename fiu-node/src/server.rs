//! Starting a node: open the store and the engine from a configuration, serve the gRPC
//! services on a listener, follow every peer, and stop everything on one shutdown signal.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

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
use tokio_stream::wrappers::TcpListenerStream;
use zeroize::Zeroizing;

use crate::config::Config;
use crate::engine::{Engine, EngineError, EngineSettings};
use crate::identity::{Identity, IdentityError, PublicKey};
use crate::peers::{PeerLinks, retry_loop, subscribe};
use crate::services::{
    ingest::IngestService, investigator::InvestigatorService, peering::PeeringService,
};
use crate::store::{SqliteStore, StoreError};

/// How often expired subjects are removed.
pub const EXPIRY_INTERVAL: Duration = Duration::from_secs(3600);

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

/// Opens the engine a configuration describes.
pub fn open_engine(config: &Config) -> Result<Arc<Engine>, NodeError> {
    std::fs::create_dir_all(&config.node.data_dir)?;
    let identity = Identity::load(&config.data_path(&config.node.identity_key_file))?;
    let secret = load_secret(&config.data_path(&config.network.secret_file))?;
    let store = Arc::new(SqliteStore::open(&config.database_path())?);
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
    Ok(Arc::new(Engine::open(
        settings, store, &secret, identity, known,
    )?))
}

/// A node running in this process (tests, the demo).
#[derive(Debug)]
pub struct RunningNode {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Its engine.
    pub engine: Arc<Engine>,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<Result<(), NodeError>>,
}

impl RunningNode {
    /// Its endpoint URL.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
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
    let engine = tokio::task::spawn_blocking({
        let config = config.clone();
        move || open_engine(&config)
    })
    .await
    .map_err(|e| NodeError::Serve(format!("start-up task failed: {e}")))??;
    let (tx, rx) = watch::channel(false);
    let task = tokio::spawn(serve(config, engine.clone(), listener, rx));
    Ok(RunningNode {
        addr,
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
    let engine = tokio::task::spawn_blocking({
        let config = config.clone();
        move || open_engine(&config)
    })
    .await
    .map_err(|e| NodeError::Serve(format!("start-up task failed: {e}")))??;
    let (tx, rx) = watch::channel(false);
    let server = serve(config, engine, listener, rx);
    tokio::pin!(server);
    tokio::select! {
        r = &mut server => r,
        _ = shutdown => {
            let _ = tx.send(true);
            server.await
        }
    }
}

async fn serve(
    config: Config,
    engine: Arc<Engine>,
    listener: TcpListener,
    shutdown: watch::Receiver<bool>,
) -> Result<(), NodeError> {
    let limits = &config.limits;
    let links = PeerLinks::new(
        &config.node.member_id,
        &config.peers,
        limits.max_message_bytes,
    )
    .map_err(NodeError::Config)?;
    tracing::warn!(
        member = %config.node.member_id,
        addr = %listener.local_addr()?,
        "serving without TLS: callers are identified by request metadata and NOT authenticated (development mode)"
    );
    let mut tasks = Vec::new();
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

    let (health, health_service) = tonic_health::server::health_reporter();
    health.set_serving::<IngestServer<IngestService>>().await;
    health.set_serving::<PeeringServer<PeeringService>>().await;
    health
        .set_serving::<InvestigatorServer<InvestigatorService>>()
        .await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(fiu_proto::FILE_DESCRIPTOR_SET)
        .build_v1()
        .map_err(|e| NodeError::Serve(format!("reflection: {e}")))?;

    let max = limits.max_message_bytes;
    let policy = Arc::new(config.policy.clone());
    let router = tonic::transport::Server::builder()
        .tcp_nodelay(true)
        .add_service(health_service)
        .add_service(reflection)
        .add_service(
            IngestServer::new(IngestService::new(engine.clone()))
                .max_decoding_message_size(max)
                .max_encoding_message_size(max),
        )
        .add_service(
            PeeringServer::new(PeeringService::new(
                engine.clone(),
                policy,
                shutdown.clone(),
            ))
            .max_decoding_message_size(max)
            .max_encoding_message_size(max),
        )
        .add_service(
            InvestigatorServer::new(InvestigatorService::new(
                engine.clone(),
                links,
                shutdown.clone(),
            ))
            .max_decoding_message_size(max)
            .max_encoding_message_size(max),
        );
    let mut stop = shutdown.clone();
    let result = router
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), async move {
            let _ = stop.wait_for(|s| *s).await;
        })
        .await
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
