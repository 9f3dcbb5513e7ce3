//! The client side of peering: one subscription task per configured peer, and delivery of
//! follow-up messages.
//!
//! A subscription asks the peer for every update after the last sequence this node applied
//! (so a restarted node resumes where it stopped), assembles chunked snapshots, hands each
//! update to the engine, and on any failure reconnects with exponential backoff. A stopped
//! peer only stops its own task.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fiu_proto::v1::{self, peering_client::PeeringClient};
use matcher::Epoch;
use tokio::sync::watch;
use tokio_stream::StreamExt;
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Request, Status};

use crate::auth::{Role, identify};
use crate::config::PeerSection;
use crate::engine::{Engine, EngineError};
use crate::metrics::UpdateKind;
use crate::store::SignedBlob;
use crate::tls::NodeTls;

/// First reconnection delay.
pub const BACKOFF_START: Duration = Duration::from_millis(200);
/// Longest reconnection delay.
pub const BACKOFF_MAX: Duration = Duration::from_secs(15);
/// How often undelivered follow-ups and answers are retried.
pub const RETRY_INTERVAL: Duration = Duration::from_secs(5);
/// Largest snapshot accepted from a peer: the filter format's own limit.
pub const MAX_SNAPSHOT_BYTES: u64 = matcher::filter::MAX_FILTER_BYTES;
/// Time allowed to connect to a peer.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time allowed for one unary call to a peer.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// Time allowed for one witnessing call: small messages, and a peer that is down must not
/// hold up the others' countersignatures for long.
pub const WITNESS_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections to the configured peers.
#[derive(Debug, Clone)]
pub struct PeerLinks {
    me: String,
    channels: Arc<HashMap<String, Channel>>,
    max_message_bytes: usize,
    /// Signed answers whose delivery failed, by follow-up id; retried by [`retry_loop`].
    undelivered_answers: Arc<Mutex<HashMap<String, (String, v1::SignedFollowUpAnswer)>>>,
}

impl PeerLinks {
    /// Lazy connections to `peers` (nothing is dialled until used), over mutual TLS with
    /// this member's certificate when `tls` is given (each peer must present a network CA
    /// certificate for its member id).
    pub fn new(
        me: &str,
        peers: &[PeerSection],
        max_message_bytes: usize,
        tls: Option<&NodeTls>,
    ) -> Result<PeerLinks, String> {
        let mut channels = HashMap::new();
        for p in peers {
            let mut endpoint = Endpoint::from_shared(p.endpoint.clone())
                .map_err(|e| format!("peer {}: endpoint: {e}", p.member_id))?
                .connect_timeout(CONNECT_TIMEOUT)
                .tcp_nodelay(true);
            if let Some(tls) = tls {
                endpoint = endpoint
                    .tls_config(tls.peer_client_config(&p.member_id))
                    .map_err(|e| format!("peer {}: TLS: {e}", p.member_id))?;
            }
            channels.insert(p.member_id.clone(), endpoint.connect_lazy());
        }
        Ok(PeerLinks {
            me: me.to_owned(),
            channels: Arc::new(channels),
            max_message_bytes,
            undelivered_answers: Arc::default(),
        })
    }

    /// The configured peer ids.
    pub fn peers(&self) -> Vec<String> {
        let mut v: Vec<String> = self.channels.keys().cloned().collect();
        v.sort();
        v
    }

    fn client(&self, peer: &str) -> Result<PeeringClient<Channel>, Status> {
        let channel = self
            .channels
            .get(peer)
            .cloned()
            .ok_or_else(|| Status::not_found(format!("{peer} is not a configured peer")))?;
        Ok(PeeringClient::new(channel)
            .max_decoding_message_size(self.max_message_bytes)
            .max_encoding_message_size(self.max_message_bytes))
    }

    fn request<T>(&self, msg: T, timeout: Option<Duration>) -> Result<Request<T>, Status> {
        let mut req = Request::new(msg);
        identify(&mut req, Role::Peer, &self.me)?;
        if let Some(t) = timeout {
            req.set_timeout(t);
        }
        Ok(req)
    }

    /// Delivers a follow-up request; returns the peer's automatic answer, if any.
    pub async fn send_follow_up(
        &self,
        peer: &str,
        msg: v1::SignedFollowUpRequest,
    ) -> Result<Option<v1::SignedFollowUpAnswer>, Status> {
        let receipt = self
            .client(peer)?
            .submit_follow_up(self.request(msg, Some(CALL_TIMEOUT))?)
            .await?;
        Ok(receipt.into_inner().automatic_answer)
    }

    /// The latest head of this node's audit log that `peer` countersigned.
    pub async fn latest_witnessed(&self, peer: &str) -> Result<Option<v1::SignedTreeHead>, Status> {
        let response = self
            .client(peer)?
            .latest_witnessed(self.request(v1::LatestWitnessedRequest {}, Some(WITNESS_TIMEOUT))?)
            .await?;
        Ok(response.into_inner().head)
    }

    /// Asks `peer` to countersign a head of this node's audit log.
    pub async fn witness(
        &self,
        peer: &str,
        msg: v1::WitnessRequest,
    ) -> Result<v1::WitnessResponse, Status> {
        Ok(self
            .client(peer)?
            .witness(self.request(msg, Some(WITNESS_TIMEOUT))?)
            .await?
            .into_inner())
    }

    /// Delivers a follow-up answer; on a transport failure keeps it for [`retry_loop`].
    pub async fn send_answer(
        &self,
        peer: &str,
        id: &str,
        msg: v1::SignedFollowUpAnswer,
    ) -> Result<(), Status> {
        let result = async {
            self.client(peer)?
                .submit_follow_up_answer(self.request(msg.clone(), Some(CALL_TIMEOUT))?)
                .await
        }
        .await;
        match result {
            Ok(_) => Ok(()),
            Err(status) => {
                if is_transient(&status) {
                    self.lock_undelivered()
                        .insert(id.to_owned(), (peer.to_owned(), msg));
                }
                Err(status)
            }
        }
    }

    fn lock_undelivered(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, (String, v1::SignedFollowUpAnswer)>> {
        self.undelivered_answers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }
}

/// Whether a failed call may succeed if tried again later.
pub fn is_transient(status: &Status) -> bool {
    matches!(
        status.code(),
        Code::Unavailable
            | Code::DeadlineExceeded
            | Code::Unknown
            | Code::Aborted
            | Code::ResourceExhausted
            | Code::Cancelled
    )
}

/// Runs blocking engine work.
async fn on_engine<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, EngineError> + Send + 'static,
) -> Result<T, String> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(e) => Err(format!("engine task failed: {e}")),
    }
}

/// Follows one peer until `shutdown` turns true.
pub async fn subscribe(
    engine: Arc<Engine>,
    links: PeerLinks,
    peer: String,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut backoff = BACKOFF_START;
    // After an epoch rotation the subscription restarts at once, asking for the new epoch.
    let mut epoch = engine.watch_epoch();
    loop {
        if *shutdown.borrow() {
            return;
        }
        let outcome = tokio::select! {
            r = follow_once(&engine, &links, &peer) => r,
            Ok(()) = epoch.changed() => {
                engine.metrics().set_peer_connected(&peer, false);
                tracing::info!(%peer, epoch = epoch.borrow_and_update().0, "epoch changed; resubscribing");
                backoff = BACKOFF_START;
                continue;
            }
            _ = shutdown.changed() => {
                engine.metrics().set_peer_connected(&peer, false);
                return;
            }
        };
        engine.metrics().set_peer_connected(&peer, false);
        engine.metrics().peer_reconnect(&peer);
        match outcome {
            Ok(progressed) => {
                tracing::info!(%peer, "peer closed its update stream; reconnecting");
                if progressed {
                    backoff = BACKOFF_START;
                }
            }
            Err((progressed, reason)) => {
                if progressed {
                    backoff = BACKOFF_START;
                }
                tracing::warn!(%peer, %reason, retry_in_ms = backoff.as_millis() as u64, "peer subscription failed");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            Ok(()) = epoch.changed() => {
                epoch.borrow_and_update();
                backoff = BACKOFF_START;
                continue;
            }
            _ = shutdown.changed() => return,
        }
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

/// Most deltas applied with one scan of the local tokens.
pub const MAX_DELTAS_PER_SCAN: usize = 256;

fn delta_blob(d: v1::SignedDelta) -> SignedBlob {
    SignedBlob {
        seq: d.sequence,
        epoch: Epoch(d.epoch),
        bytes: d.delta,
        signature: d.signature,
    }
}

/// A snapshot being received in chunks.
struct Assembly {
    header: v1::SignedFilter,
    bytes: Vec<u8>,
}

/// One connection's worth of following. `Ok(progressed)` when the stream ended cleanly,
/// `Err((progressed, reason))` otherwise; `progressed` says whether anything was applied.
async fn follow_once(
    engine: &Arc<Engine>,
    links: &PeerLinks,
    peer: &str,
) -> Result<bool, (bool, String)> {
    let after = engine.peer_position(peer).unwrap_or(0);
    let epoch: Epoch = engine.epoch();
    let mut progressed = false;
    let req = links
        .request(
            v1::UpdatesRequest {
                epoch: epoch.0,
                after_sequence: after,
            },
            None,
        )
        .map_err(|s| (false, s.message().to_owned()))?;
    let mut stream = links
        .client(peer)
        .map_err(|s| (false, s.message().to_owned()))?
        .stream_updates(req)
        .await
        .map_err(|s| (false, format!("{}: {}", s.code(), s.message())))?
        .into_inner();
    // The peer accepted the subscription: it is reachable, whatever comes next.
    engine.metrics().set_peer_connected(peer, true);
    let mut assembly: Option<Assembly> = None;
    // An update read ahead while collecting deltas, to be handled next.
    let mut pending: Option<Result<v1::FilterUpdate, Status>> = None;
    loop {
        let item = match pending.take() {
            Some(item) => item,
            None => match stream.next().await {
                Some(item) => item,
                None => break,
            },
        };
        let update = item.map_err(|s| (progressed, format!("{}: {}", s.code(), s.message())))?;
        match update.update {
            Some(v1::filter_update::Update::Snapshot(header)) => {
                if header.filter_length > MAX_SNAPSHOT_BYTES {
                    return Err((
                        progressed,
                        format!(
                            "snapshot of {} bytes is over the limit",
                            header.filter_length
                        ),
                    ));
                }
                let len = header.filter_length as usize;
                assembly = Some(Assembly {
                    header,
                    bytes: Vec::with_capacity(len),
                });
            }
            Some(v1::filter_update::Update::SnapshotChunk(chunk)) => {
                let a = assembly
                    .as_mut()
                    .ok_or_else(|| (progressed, "snapshot chunk without a header".to_owned()))?;
                if chunk.offset != a.bytes.len() as u64
                    || (a.bytes.len() + chunk.data.len()) as u64 > a.header.filter_length
                {
                    return Err((
                        progressed,
                        "snapshot chunk out of order or past the declared length".to_owned(),
                    ));
                }
                a.bytes.extend_from_slice(&chunk.data);
                if a.bytes.len() as u64 == a.header.filter_length {
                    if let Some(a) = assembly.take() {
                        let blob = SignedBlob {
                            seq: a.header.sequence,
                            epoch: Epoch(a.header.epoch),
                            bytes: a.bytes,
                            signature: a.header.signature,
                        };
                        let (e, p) = (engine.clone(), peer.to_owned());
                        let hits = on_engine(move || e.apply_peer_snapshot(&p, blob))
                            .await
                            .map_err(|r| {
                                engine.metrics().peer_update_refused(peer);
                                (progressed, r)
                            })?;
                        progressed = true;
                        engine
                            .metrics()
                            .peer_updates_applied(peer, UpdateKind::Snapshot, 1);
                        tracing::info!(%peer, seq = a.header.sequence, new_hits = hits, "peer snapshot applied");
                    }
                }
            }
            Some(v1::filter_update::Update::Delta(d)) => {
                // Deltas that are already waiting are applied together: one scan of the local
                // tokens for all of them, so a busy peer never leaves this node behind.
                let mut blobs = vec![delta_blob(d)];
                while blobs.len() < MAX_DELTAS_PER_SCAN {
                    // A zero timeout polls once: it takes only what has already arrived.
                    match tokio::time::timeout(Duration::ZERO, stream.next()).await {
                        Ok(Some(Ok(v1::FilterUpdate {
                            update: Some(v1::filter_update::Update::Delta(d)),
                        }))) => blobs.push(delta_blob(d)),
                        Ok(Some(other)) => {
                            pending = Some(other);
                            break;
                        }
                        Ok(None) | Err(_) => break,
                    }
                }
                let (count, last) = (blobs.len(), blobs.last().map_or(0, |b| b.seq));
                let (e, p) = (engine.clone(), peer.to_owned());
                let hits = on_engine(move || e.apply_peer_deltas(&p, blobs))
                    .await
                    .map_err(|r| {
                        engine.metrics().peer_update_refused(peer);
                        (progressed, r)
                    })?;
                progressed = true;
                engine
                    .metrics()
                    .peer_updates_applied(peer, UpdateKind::Delta, count as u64);
                tracing::debug!(%peer, deltas = count, seq = last, new_hits = hits, "peer deltas applied");
            }
            None => return Err((progressed, "empty update message".to_owned())),
        }
    }
    Ok(progressed)
}

/// Retries undelivered follow-ups and answers every [`RETRY_INTERVAL`] until `shutdown`.
pub async fn retry_loop(
    engine: Arc<Engine>,
    links: PeerLinks,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(RETRY_INTERVAL) => {}
            _ = shutdown.changed() => return,
        }
        let e = engine.clone();
        let pending = match on_engine(move || e.pending_follow_ups()).await {
            Ok(p) => p,
            Err(reason) => {
                tracing::error!(%reason, "cannot list pending follow-ups");
                continue;
            }
        };
        for record in pending {
            deliver_follow_up(
                &engine,
                &links,
                record.id.clone(),
                record.peer.clone(),
                engine.signed_request(&record),
            )
            .await;
        }
        let answers: Vec<(String, (String, v1::SignedFollowUpAnswer))> =
            links.lock_undelivered().drain().collect();
        for (id, (peer, msg)) in answers {
            match links.send_answer(&peer, &id, msg).await {
                Ok(()) => {
                    tracing::info!(%peer, follow_up = %id, "follow-up answer delivered on retry")
                }
                Err(s) => {
                    tracing::warn!(%peer, follow_up = %id, error = %s.message(), "follow-up answer still undelivered")
                }
            }
        }
    }
}

/// Sends a follow-up request and records the outcome: delivered (with the automatic answer
/// if the peer found nothing), failed for good, or still pending (retried later).
pub async fn deliver_follow_up(
    engine: &Arc<Engine>,
    links: &PeerLinks,
    id: String,
    peer: String,
    msg: v1::SignedFollowUpRequest,
) {
    match links.send_follow_up(&peer, msg).await {
        Ok(automatic) => {
            let e = engine.clone();
            if let Err(reason) = on_engine(move || e.follow_up_delivered(&id, automatic)).await {
                tracing::error!(%peer, %reason, "cannot record a follow-up delivery");
            }
        }
        Err(status) if is_transient(&status) => {
            tracing::warn!(%peer, follow_up = %id, error = %status.message(), "follow-up not delivered; will retry");
        }
        Err(status) => {
            let e = engine.clone();
            let reason = format!("{}: {}", status.code(), status.message());
            if let Err(r) = on_engine(move || e.follow_up_failed(&id, &reason)).await {
                tracing::error!(%peer, reason = %r, "cannot record a follow-up failure");
            }
        }
    }
}
