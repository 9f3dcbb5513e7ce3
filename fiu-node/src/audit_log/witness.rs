//! Witnessing: members countersign each other's audit tree heads.
//!
//! As a **witness**, this node countersigns a head of a peer's log only after checking that
//! the peer signed it and that it extends the last head of that log this node countersigned
//! (a consistency proof from that head's size, RFC 9162 2.1.4). It keeps every head it
//! countersigned. A head that is smaller than, or not consistent with, one countersigned
//! earlier is a rewritten or truncated history: it is refused with an error saying so and the
//! refusal is written to this node's own log (`audit.witness_refused`).
//!
//! As a **log**, this node asks every peer, after each new head, for the latest of its heads
//! the peer countersigned, proves the new head extends it, and stores the countersignature
//! it gets back after checking it with the peer's key.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use fiu_audit::{Countersignature, Hash32, SignedTreeHead, TreeSize, verify_consistency};
use fiu_proto::v1;
use serde_json::json;
use tokio::sync::watch;

use super::{
    AuditLog, countersignature_from_message, head_from_message, head_message, signed_head,
    stored_head,
};
use crate::engine::Engine;
use crate::peers::PeerLinks;
use crate::store::{AuditEvent, StoreError};

/// Serialises countersigning: two heads of one log checked at once against the same earlier
/// head could both be countersigned although they fork. Countersigning is a few store calls
/// and a signature, so one lock for every log costs nothing.
static WITNESS_LOCK: Mutex<()> = Mutex::new(());

/// Why this node refused to countersign a head.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WitnessError {
    /// The caller is not a configured member.
    #[error("{0} is not a configured member")]
    UnknownMember(String),
    /// The head is of another log than the caller's.
    #[error(
        "the head is of log {log_id}, but the caller is {caller}: a member asks only for its own heads"
    )]
    NotCallersLog {
        /// The head's log.
        log_id: String,
        /// The caller.
        caller: String,
    },
    /// A field of the request is malformed.
    #[error("{0}")]
    Malformed(String),
    /// The log's signature over the head does not verify.
    #[error("the signature of {log_id}'s head at size {size} does not verify with its key")]
    BadSignature {
        /// The log.
        log_id: String,
        /// The head's size.
        size: u64,
    },
    /// The proof starts at another size than the last countersigned head's.
    #[error(
        "the consistency proof must start at size {expected} (the last head of {log_id} this node countersigned), not {given}"
    )]
    WrongBase {
        /// The log.
        log_id: String,
        /// The size it must start at.
        expected: u64,
        /// The size given.
        given: u64,
    },
    /// The head contradicts one this node countersigned: the log was rewritten or truncated.
    #[error(
        "the head of {log_id} at size {size} is not consistent with its head at size {witnessed} that this node countersigned: {reason}"
    )]
    Inconsistent {
        /// The log.
        log_id: String,
        /// The head's size.
        size: u64,
        /// The size of the countersigned head it contradicts.
        witnessed: u64,
        /// How.
        reason: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl WitnessError {
    /// The gRPC status: malformed or contradicting heads are the caller's fault.
    pub fn status(self) -> tonic::Status {
        use tonic::Status;
        match self {
            WitnessError::UnknownMember(_) | WitnessError::NotCallersLog { .. } => {
                Status::permission_denied(self.to_string())
            }
            WitnessError::WrongBase { .. } => Status::failed_precondition(self.to_string()),
            WitnessError::Malformed(_)
            | WitnessError::BadSignature { .. }
            | WitnessError::Inconsistent { .. } => Status::invalid_argument(self.to_string()),
            WitnessError::Store(cause) => {
                tracing::error!(error = %cause, "storage failure while witnessing");
                Status::internal("storage failure; the node's log has the cause")
            }
        }
    }
}

/// Runs blocking witness work off the async threads; errors become their status.
pub async fn blocking<T, F>(f: F) -> Result<T, tonic::Status>
where
    F: FnOnce() -> Result<T, WitnessError> + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(WitnessError::status),
        Err(join) => {
            tracing::error!(error = %join, "a witness task failed");
            Err(tonic::Status::internal(
                "internal failure; the node's log has the cause",
            ))
        }
    }
}

/// The latest head of `caller`'s log that this node countersigned. Blocking.
pub fn latest_witnessed(
    engine: &Engine,
    caller: &str,
) -> Result<Option<SignedTreeHead>, WitnessError> {
    if engine.peer_key(caller).is_none() {
        return Err(WitnessError::UnknownMember(caller.to_owned()));
    }
    engine
        .store()
        .latest_tree_head(caller)?
        .map(|h| signed_head(&h).map_err(|e| WitnessError::Malformed(e.to_string())))
        .transpose()
}

/// Checks a head of `caller`'s log and countersigns it (see the module docs). Blocking.
pub fn countersign(
    engine: &Engine,
    caller: &str,
    request: &v1::WitnessRequest,
) -> Result<Countersignature, WitnessError> {
    let key = engine
        .peer_key(caller)
        .ok_or_else(|| WitnessError::UnknownMember(caller.to_owned()))?
        .verifying_key();
    let head = request
        .head
        .as_ref()
        .ok_or_else(|| WitnessError::Malformed("head: missing".into()))?;
    let sth = head_from_message(head)
        .map_err(|field| WitnessError::Malformed(format!("head.{field}")))?;
    if sth.head.log_id != caller {
        return Err(WitnessError::NotCallersLog {
            log_id: sth.head.log_id.clone(),
            caller: caller.to_owned(),
        });
    }
    let proof = super::hashes_from_message("consistency_proof", &request.consistency_proof)
        .map_err(WitnessError::Malformed)?;
    let size = sth.head.size.get();
    let result = (|| {
        sth.verify(&key).map_err(|_| WitnessError::BadSignature {
            log_id: caller.to_owned(),
            size,
        })?;
        let _one_at_a_time = WITNESS_LOCK.lock().unwrap_or_else(PoisonError::into_inner);
        let previous = engine.store().latest_tree_head(caller)?;
        check_extends(caller, &sth, previous.as_ref(), request.from_size, &proof)?;
        match engine.store().save_tree_head(&stored_head(&sth)) {
            // The same size and root again with another time: countersigned, not kept twice.
            Ok(()) | Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
        let signature = engine.identity().sign(&sth.head.signed_bytes());
        let signature = ed25519_dalek::Signature::from_slice(&signature)
            .map_err(|e| WitnessError::Malformed(format!("own signature: {e}")))?;
        Ok(Countersignature {
            witness: engine.member_id().to_owned(),
            size: sth.head.size,
            signature,
        })
    })();
    if let Err(e @ (WitnessError::BadSignature { .. } | WitnessError::Inconsistent { .. })) =
        &result
    {
        tracing::warn!(peer = %caller, size, error = %e, "refused to countersign an audit tree head");
        let event = AuditEvent {
            kind: "audit.witness_refused".into(),
            actor: caller.to_owned(),
            detail: json!({
                "log_id": caller,
                "size": size,
                "root": sth.head.root.to_hex(),
                "reason": e.to_string(),
            })
            .to_string(),
        };
        if let Err(store) = engine.store().append_audit(&[event]) {
            tracing::error!(error = %store, "could not record a refused witnessing");
        }
    }
    result
}

/// Whether `sth` extends `previous`, the last head of the log this node countersigned.
fn check_extends(
    log_id: &str,
    sth: &SignedTreeHead,
    previous: Option<&crate::store::StoredTreeHead>,
    from_size: u64,
    proof: &[Hash32],
) -> Result<(), WitnessError> {
    let size = sth.head.size.get();
    let Some(prev) = previous else {
        if from_size != 0 {
            return Err(WitnessError::WrongBase {
                log_id: log_id.to_owned(),
                expected: 0,
                given: from_size,
            });
        }
        return Ok(());
    };
    let inconsistent = |reason: String| WitnessError::Inconsistent {
        log_id: log_id.to_owned(),
        size,
        witnessed: prev.size,
        reason,
    };
    if size < prev.size {
        return Err(inconsistent(
            "it is smaller: the log was truncated".to_owned(),
        ));
    }
    let prev_root = Hash32::from_bytes(prev.root);
    if size == prev.size {
        if sth.head.root != prev_root {
            return Err(inconsistent(
                "same size, another root: the log was rewritten".to_owned(),
            ));
        }
        return Ok(());
    }
    if from_size != prev.size {
        return Err(WitnessError::WrongBase {
            log_id: log_id.to_owned(),
            expected: prev.size,
            given: from_size,
        });
    }
    verify_consistency(
        TreeSize::new(prev.size),
        sth.head.size,
        &prev_root,
        &sth.head.root,
        proof,
    )
    .map_err(|e| {
        inconsistent(format!(
            "the consistency proof fails ({e}): the log was rewritten"
        ))
    })
}

/// Has every peer countersign this log's latest head; returns how many did now.
pub async fn witness_round(log: &Arc<AuditLog>, links: &PeerLinks) -> usize {
    let latest = {
        let log = log.clone();
        tokio::task::spawn_blocking(move || log.latest_head()).await
    };
    let head = match latest {
        Ok(Ok(Some(h))) => h,
        Ok(Ok(None)) => return 0,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "reading the latest audit head failed");
            return 0;
        }
        Err(e) => {
            tracing::error!(error = %e, "audit task failed");
            return 0;
        }
    };
    let mut done = 0;
    for peer in links.peers() {
        match witness_by(log, links, &peer, &head).await {
            Ok(true) => done += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(%peer, size = head.head.size.get(), error = %e, "witnessing failed")
            }
        }
    }
    done
}

/// Has `peer` countersign `head`; false when it already had.
async fn witness_by(
    log: &Arc<AuditLog>,
    links: &PeerLinks,
    peer: &str,
    head: &SignedTreeHead,
) -> Result<bool, String> {
    let key = log
        .engine
        .peer_key(peer)
        .ok_or_else(|| format!("{peer} is not a configured member"))?
        .verifying_key();
    let last = links
        .latest_witnessed(peer)
        .await
        .map_err(|s| format!("{}: {}", s.code(), s.message()))?;
    let from = match last {
        Some(m) => {
            let seen =
                head_from_message(&m).map_err(|f| format!("{peer} answered a bad head: {f}"))?;
            if seen.head.size == head.head.size && seen.head.root == head.head.root {
                return Ok(false);
            }
            if seen.head.size > head.head.size {
                // The peer will refuse and record it; nothing here can prove otherwise.
                tracing::error!(%peer, witnessed = seen.head.size.get(), latest = head.head.size.get(),
                    "a peer countersigned a larger head of this log than the latest: this log was truncated");
            }
            seen.head.size
        }
        None => TreeSize::new(0),
    };
    let proof = if from > head.head.size {
        Vec::new()
    } else {
        let log = log.clone();
        let to = head.head.size;
        tokio::task::spawn_blocking(move || log.raw_consistency_proof(from, to))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?
    };
    let response = links
        .witness(
            peer,
            v1::WitnessRequest {
                head: Some(head_message(head)),
                from_size: from.get(),
                consistency_proof: proof.iter().map(|h| h.as_bytes().to_vec()).collect(),
            },
        )
        .await
        .map_err(|s| format!("{}: {}", s.code(), s.message()))?;
    let cs = response
        .countersignature
        .as_ref()
        .ok_or("the answer has no countersignature")
        .and_then(|m| countersignature_from_message(m).map_err(|_| "bad countersignature"))?;
    if cs.witness != peer {
        return Err(format!(
            "the countersignature names {}, not {peer}",
            cs.witness
        ));
    }
    let log2 = log.clone();
    let head2 = head.head.clone();
    tokio::task::spawn_blocking(move || log2.add_countersignature(&head2, &cs, &key))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    Ok(true)
}

/// Signs a head every `interval` (when the log grew) and has the peers countersign it; a
/// head signed on demand is witnessed at once. Ends on shutdown.
pub async fn head_loop(
    log: Arc<AuditLog>,
    links: PeerLinks,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let l = log.clone();
        match tokio::task::spawn_blocking(move || l.sign_head()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "signing an audit tree head failed"),
            Err(e) => tracing::error!(error = %e, "audit task failed"),
        }
        witness_round(&log, &links).await;
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = log.head_signed() => {}
            _ = shutdown.changed() => return,
        }
    }
}
