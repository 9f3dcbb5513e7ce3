//! The gRPC services, one module each, and what they share: the one place where engine and
//! store errors become gRPC statuses, and the conversions of stored records to wire messages.

pub mod audit;
pub mod ingest;
pub mod investigator;
pub mod peering;

use fiu_proto::v1;
use matcher::keys::Strength;
use tonic::Status;

use crate::engine::EngineError;
use crate::store::{Direction, FollowUpRecord, FollowUpState, StoreError, StoredHit};

/// Maps an engine error to a status. Caller mistakes keep their message (it names the
/// field); storage faults are logged here with their cause and sent as a bare `Internal`.
pub fn status(e: EngineError) -> Status {
    match e {
        EngineError::InvalidArgument(m) => Status::invalid_argument(m),
        EngineError::NotFound(m) => Status::not_found(m),
        EngineError::FailedPrecondition(m) => Status::failed_precondition(m),
        EngineError::PeerRefused { peer, reason } => {
            tracing::warn!(%peer, %reason, "refused a peer message");
            Status::invalid_argument(format!("refused: {reason}"))
        }
        EngineError::Store(StoreError::NotFound(m)) => Status::not_found(m),
        EngineError::Store(StoreError::Conflict(m)) => Status::failed_precondition(m),
        EngineError::Store(cause) => {
            tracing::error!(error = %cause, "storage failure");
            Status::internal("storage failure; the node's log has the cause")
        }
        EngineError::Filter(cause) => {
            tracing::error!(error = %cause, "filter failure");
            Status::internal("internal filter failure; the node's log has the cause")
        }
    }
}

/// Sends one stream item unless the node is shutting down first. Returns false when the
/// stream is over (the client left, or shutdown: then the client gets UNAVAILABLE).
pub async fn forward<T>(
    tx: &tokio::sync::mpsc::Sender<Result<T, Status>>,
    item: Result<T, Status>,
    shutdown: &mut tokio::sync::watch::Receiver<bool>,
) -> bool {
    if *shutdown.borrow() {
        let _ = tx.try_send(Err(Status::unavailable("the node is shutting down")));
        return false;
    }
    tokio::select! {
        sent = tx.send(item) => sent.is_ok(),
        _ = shutdown.wait_for(|s| *s) => {
            let _ = tx.try_send(Err(Status::unavailable("the node is shutting down")));
            false
        }
    }
}

/// Waits for the next broadcast event, or for shutdown (`None`).
pub async fn next_event<T: Clone>(
    rx: &mut tokio::sync::broadcast::Receiver<T>,
    shutdown: &mut tokio::sync::watch::Receiver<bool>,
) -> Option<Result<T, tokio::sync::broadcast::error::RecvError>> {
    if *shutdown.borrow() {
        return None;
    }
    tokio::select! {
        r = rx.recv() => Some(r),
        _ = shutdown.wait_for(|s| *s) => None,
    }
}

/// Runs blocking engine work off the async threads.
pub async fn blocking<T, F>(f: F) -> Result<T, Status>
where
    F: FnOnce() -> Result<T, EngineError> + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(status),
        Err(join) => {
            tracing::error!(error = %join, "a blocking task failed");
            Err(Status::internal(
                "internal failure; the node's log has the cause",
            ))
        }
    }
}

pub use crate::clock::{millis, timestamp};

/// A stored hit on the wire.
pub fn hit_message(h: &StoredHit) -> v1::Hit {
    v1::Hit {
        id: h.id.max(0) as u64,
        local_ref: h.hit.local_ref.clone(),
        peer: h.hit.peer.clone(),
        epoch: h.hit.epoch.0,
        key_kinds: h.hit.kinds.iter().map(|k| k.label().to_owned()).collect(),
        strength: v1::Strength::from(h.hit.strength) as i32,
        confidence: h.hit.confidence,
        tokens: h.hit.tokens.iter().map(v1::KeyedToken::from).collect(),
        first_seen: Some(timestamp(h.first_seen_ms)),
        last_seen: Some(timestamp(h.hit.at_ms)),
    }
}

/// The wire state of a stored follow-up.
pub fn state_message(s: FollowUpState) -> v1::FollowUpState {
    match s {
        FollowUpState::Pending => v1::FollowUpState::Pending,
        FollowUpState::Open => v1::FollowUpState::Sent,
        FollowUpState::Accepted => v1::FollowUpState::Accepted,
        FollowUpState::Declined => v1::FollowUpState::Declined,
        FollowUpState::Responded => v1::FollowUpState::Responded,
        FollowUpState::NotFound => v1::FollowUpState::NotFound,
        FollowUpState::Failed => v1::FollowUpState::Failed,
    }
}

/// A stored follow-up on the wire.
pub fn follow_up_message(f: &FollowUpRecord) -> v1::FollowUp {
    let answered = matches!(
        f.state,
        FollowUpState::Accepted
            | FollowUpState::Declined
            | FollowUpState::Responded
            | FollowUpState::NotFound
    );
    let results = f
        .tokens
        .iter()
        .enumerate()
        .map(|(i, t)| v1::TokenResult {
            token: Some(v1::KeyedToken::from(t)),
            finding: match f.token_found.get(i) {
                Some(true) => v1::TokenFinding::Found,
                Some(false) => v1::TokenFinding::NotFound,
                // Answered without results: the answering investigator withheld them.
                None if answered => v1::TokenFinding::Withheld,
                None => v1::TokenFinding::Unspecified,
            } as i32,
        })
        .collect();
    v1::FollowUp {
        id: f.id.clone(),
        direction: match f.direction {
            Direction::Outgoing => v1::Direction::Outgoing,
            Direction::Incoming => v1::Direction::Incoming,
        } as i32,
        peer: f.peer.clone(),
        hit_id: f.hit_id.map_or(0, |h| h.max(0) as u64),
        case_reference: f.case_reference.clone(),
        legal_basis: f.legal_basis.clone(),
        purpose: f.purpose.clone(),
        state: state_message(f.state) as i32,
        local_refs: if f.direction == Direction::Incoming {
            f.local_refs.clone()
        } else {
            Vec::new()
        },
        results,
        message: if f.state == FollowUpState::Failed {
            String::new()
        } else {
            f.message.clone().unwrap_or_default()
        },
        error: if f.state == FollowUpState::Failed {
            f.message.clone().unwrap_or_default()
        } else {
            String::new()
        },
        created: Some(timestamp(f.created_ms)),
        updated: Some(timestamp(f.updated_ms)),
        answered: answered.then(|| timestamp(f.updated_ms)),
    }
}

/// The wire strength.
pub fn strength_message(s: Strength) -> i32 {
    v1::Strength::from(s) as i32
}
