//! The peering service: this node's filter for peers (snapshot and live updates) and the
//! follow-up messages peers send.

use std::pin::Pin;
use std::sync::Arc;

use fiu_proto::limits;
use fiu_proto::v1::{self, peering_server::Peering};
use tokio::sync::{broadcast, mpsc, watch};
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use super::{blocking, forward, next_event, timestamp};
use crate::audit_log::witness;
use crate::auth::{Caller, Role, require};
use crate::config::PolicySection;
use crate::engine::{Engine, FilterUpdate, delta_message, snapshot_header};
use crate::quota::{self, Quotas};
use crate::store::SignedBlob;

/// Messages buffered per subscriber stream before the sender waits for the network.
const STREAM_BUFFER: usize = 64;

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

/// The Peering service over one engine.
#[derive(Debug, Clone)]
pub struct PeeringService {
    engine: Arc<Engine>,
    policy: Arc<PolicySection>,
    shutdown: watch::Receiver<bool>,
    quotas: Arc<Quotas>,
}

impl PeeringService {
    /// A service over `engine` that shares its filter as `policy` says; its update streams
    /// end (UNAVAILABLE) when `shutdown` turns true.
    pub fn new(
        engine: Arc<Engine>,
        policy: Arc<PolicySection>,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        PeeringService {
            engine,
            policy,
            shutdown,
            quotas: Arc::new(Quotas::new(&crate::config::LimitsSection::default())),
        }
    }

    /// The same service counting peers' follow-up requests against `quotas` (the node's
    /// configured ones) instead of the defaults.
    pub fn with_quotas(mut self, quotas: Arc<Quotas>) -> Self {
        self.quotas = quotas;
        self
    }

    /// The calling peer, if it is a configured member.
    fn peer<T>(&self, request: &Request<T>) -> Result<Caller, Status> {
        let caller = require(request, Role::Peer)?;
        if self.engine.peer_key(&caller.name).is_none() {
            return Err(Status::permission_denied(format!(
                "{} is not a configured member",
                caller.name
            )));
        }
        Ok(caller)
    }

    /// The calling peer, if the sharing policy lets it fetch this node's filter.
    fn sharing_peer<T>(&self, request: &Request<T>) -> Result<Caller, Status> {
        let caller = self.peer(request)?;
        if !self.policy.shares_with(&caller.name) {
            return Err(Status::permission_denied(format!(
                "this node's sharing policy does not share its filter with {}",
                caller.name
            )));
        }
        Ok(caller)
    }

    fn check_epoch(&self, epoch: u64) -> Result<(), Status> {
        if epoch != self.engine.epoch().0 {
            return Err(Status::failed_precondition(format!(
                "epoch {epoch} asked; this node publishes epoch {}",
                self.engine.epoch().0
            )));
        }
        Ok(())
    }
}

/// A snapshot as a signed header followed by its bytes in chunks.
fn snapshot_messages(member: &str, blob: &SignedBlob) -> Vec<v1::FilterUpdate> {
    let content_id = content_id_of(&blob.bytes);
    let mut out = vec![v1::FilterUpdate {
        update: Some(v1::filter_update::Update::Snapshot(snapshot_header(
            member, blob, content_id,
        ))),
    }];
    for (i, chunk) in blob
        .bytes
        .chunks(limits::MAX_FILTER_CHUNK_BYTES)
        .enumerate()
    {
        out.push(v1::FilterUpdate {
            update: Some(v1::filter_update::Update::SnapshotChunk(v1::FilterChunk {
                offset: (i * limits::MAX_FILTER_CHUNK_BYTES) as u64,
                data: chunk.to_vec(),
            })),
        });
    }
    out
}

/// The content id of snapshot bytes: the BLAKE3 checksum the format ends with.
fn content_id_of(bytes: &[u8]) -> [u8; 32] {
    use matcher::filter::CHECKSUM_LEN;
    let mut id = [0u8; 32];
    if let Some(tail) = bytes.len().checked_sub(CHECKSUM_LEN).map(|at| &bytes[at..]) {
        id.copy_from_slice(tail);
    }
    id
}

fn update_messages(member: &str, update: &FilterUpdate) -> Vec<v1::FilterUpdate> {
    match update {
        FilterUpdate::Snapshot(blob) => snapshot_messages(member, blob),
        FilterUpdate::Delta(blob) => vec![v1::FilterUpdate {
            update: Some(v1::filter_update::Update::Delta(delta_message(
                member, blob,
            ))),
        }],
    }
}

#[tonic::async_trait]
impl Peering for PeeringService {
    type GetSnapshotStream = BoxStream<v1::SnapshotPart>;
    type StreamUpdatesStream = BoxStream<v1::FilterUpdate>;

    async fn get_snapshot(
        &self,
        request: Request<v1::SnapshotRequest>,
    ) -> Result<Response<Self::GetSnapshotStream>, Status> {
        let caller = self.sharing_peer(&request)?;
        self.check_epoch(request.get_ref().epoch)?;
        let blob = self.engine.own_snapshot();
        tracing::debug!(peer = %caller.name, seq = blob.seq, "serving snapshot");
        let parts: Vec<Result<v1::SnapshotPart, Status>> =
            snapshot_messages(self.engine.member_id(), &blob)
                .into_iter()
                .filter_map(|u| match u.update {
                    Some(v1::filter_update::Update::Snapshot(h)) => {
                        Some(v1::snapshot_part::Part::Header(h))
                    }
                    Some(v1::filter_update::Update::SnapshotChunk(c)) => {
                        Some(v1::snapshot_part::Part::Chunk(c))
                    }
                    _ => None,
                })
                .map(|p| Ok(v1::SnapshotPart { part: Some(p) }))
                .collect();
        Ok(Response::new(Box::pin(tokio_stream::iter(parts))))
    }

    async fn stream_updates(
        &self,
        request: Request<v1::UpdatesRequest>,
    ) -> Result<Response<Self::StreamUpdatesStream>, Status> {
        let caller = self.sharing_peer(&request)?;
        let req = request.into_inner();
        self.check_epoch(req.epoch)?;
        let (backlog, mut live) = self.engine.own_updates_since(req.after_sequence);
        let member = self.engine.member_id().to_owned();
        let (tx, rx) = mpsc::channel(STREAM_BUFFER);
        let mut shutdown = self.shutdown.clone();
        tracing::info!(peer = %caller.name, after = req.after_sequence, backlog = backlog.len(), "peer subscribed");
        tokio::spawn(async move {
            // After a replacing snapshot, sequence numbers may restart lower than the
            // subscriber's: count from what this stream actually sent.
            let mut last = match backlog.first() {
                Some(FilterUpdate::Snapshot(_)) => 0,
                _ => req.after_sequence,
            };
            for update in backlog {
                last = update.seq();
                for m in update_messages(&member, &update) {
                    if !forward(&tx, Ok(m), &mut shutdown).await {
                        return;
                    }
                }
            }
            while let Some(event) = next_event(&mut live, &mut shutdown).await {
                match event {
                    Ok(update) if update.seq() <= last => continue,
                    Ok(update) => {
                        last = update.seq();
                        for m in update_messages(&member, &update) {
                            if !forward(&tx, Ok(m), &mut shutdown).await {
                                return;
                            }
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        let status = Status::resource_exhausted(format!(
                            "subscriber fell {n} updates behind; subscribe again from sequence {last}"
                        ));
                        forward(&tx, Err(status), &mut shutdown).await;
                        return;
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
            let _ = tx.try_send(Err(Status::unavailable("the node is shutting down")));
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn submit_follow_up(
        &self,
        request: Request<v1::SignedFollowUpRequest>,
    ) -> Result<Response<v1::FollowUpReceipt>, Status> {
        let caller = self.peer(&request)?;
        if let Err(refusal) = self.quotas.check_follow_up(&caller.name) {
            return Err(quota::refuse(refusal, "SubmitFollowUp", &caller.name));
        }
        let msg = request.into_inner();
        let engine = self.engine.clone();
        let request_id = msg.request_id.clone();
        let (_, automatic_answer) =
            blocking(move || engine.receive_follow_up(&caller.name, msg)).await?;
        Ok(Response::new(v1::FollowUpReceipt {
            request_id,
            member_id: self.engine.member_id().to_owned(),
            received: Some(timestamp(crate::clock::now_ms())),
            automatic_answer,
        }))
    }

    async fn submit_follow_up_answer(
        &self,
        request: Request<v1::SignedFollowUpAnswer>,
    ) -> Result<Response<v1::FollowUpReceipt>, Status> {
        let caller = self.peer(&request)?;
        let msg = request.into_inner();
        let engine = self.engine.clone();
        let request_id = msg.request_id.clone();
        blocking(move || engine.receive_follow_up_answer(&caller.name, msg)).await?;
        Ok(Response::new(v1::FollowUpReceipt {
            request_id,
            member_id: self.engine.member_id().to_owned(),
            received: Some(timestamp(crate::clock::now_ms())),
            automatic_answer: None,
        }))
    }

    async fn latest_witnessed(
        &self,
        request: Request<v1::LatestWitnessedRequest>,
    ) -> Result<Response<v1::LatestWitnessedResponse>, Status> {
        let caller = self.peer(&request)?;
        let engine = self.engine.clone();
        let head =
            witness::blocking(move || witness::latest_witnessed(&engine, &caller.name)).await?;
        Ok(Response::new(v1::LatestWitnessedResponse {
            head: head.as_ref().map(crate::audit_log::head_message),
        }))
    }

    async fn witness(
        &self,
        request: Request<v1::WitnessRequest>,
    ) -> Result<Response<v1::WitnessResponse>, Status> {
        let caller = self.peer(&request)?;
        let msg = request.into_inner();
        let engine = self.engine.clone();
        let cs =
            witness::blocking(move || witness::countersign(&engine, &caller.name, &msg)).await?;
        Ok(Response::new(v1::WitnessResponse {
            countersignature: Some(crate::audit_log::countersignature_message(&cs)),
        }))
    }
}
