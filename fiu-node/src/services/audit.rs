//! The audit service: entries, signed tree heads, proofs, countersignatures and exports of
//! this node's audit log, for the auditor role only.

use std::pin::Pin;
use std::sync::Arc;

use fiu_proto::v1::{self, audit_server::Audit};
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

use super::millis;
use crate::audit_log::{AuditError, AuditLog, countersignature_message, entry_of, head_message};
use crate::auth::{Role, require};
use crate::store::AuditQuery;

/// Bytes per export chunk: well under the gRPC message limit, large enough to keep the
/// per-message overhead small.
pub const EXPORT_CHUNK_BYTES: usize = 256 * 1024;

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

/// The Audit service over one node's log.
#[derive(Debug, Clone)]
pub struct AuditService {
    log: Arc<AuditLog>,
    max_page_size: usize,
}

impl AuditService {
    /// A service over `log`; list pages hold at most `max_page_size` entries.
    pub fn new(log: Arc<AuditLog>, max_page_size: usize) -> Self {
        AuditService { log, max_page_size }
    }
}

/// Maps an audit error to a status; storage faults and corruption are logged with their
/// cause and sent bare.
pub fn status(e: AuditError) -> Status {
    match e {
        AuditError::NotFound(m) => Status::not_found(m),
        AuditError::OutOfRange(m) => Status::out_of_range(m),
        AuditError::TooLarge(m) => Status::resource_exhausted(m),
        AuditError::BadCountersignature(m) => Status::invalid_argument(m),
        AuditError::Corrupt(m) => {
            tracing::error!(error = %m, "the audit log is inconsistent");
            Status::internal("the audit log is inconsistent; the node's log has the cause")
        }
        AuditError::Store(cause) => {
            tracing::error!(error = %cause, "storage failure");
            Status::internal("storage failure; the node's log has the cause")
        }
    }
}

async fn blocking<T, F>(f: F) -> Result<T, Status>
where
    F: FnOnce() -> Result<T, AuditError> + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(status),
        Err(join) => {
            tracing::error!(error = %join, "an audit task failed");
            Err(Status::internal(
                "internal failure; the node's log has the cause",
            ))
        }
    }
}

fn entry_message(e: &fiu_audit::Entry) -> v1::AuditEntry {
    v1::AuditEntry {
        seq: e.seq,
        at_ms: e.at_ms,
        kind: e.kind.clone(),
        actor: e.actor.clone(),
        detail: e.detail.clone(),
        leaf_hash: e.leaf_hash().as_bytes().to_vec(),
    }
}

fn text(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

#[tonic::async_trait]
impl Audit for AuditService {
    async fn list_entries(
        &self,
        request: Request<v1::ListEntriesRequest>,
    ) -> Result<Response<v1::ListEntriesResponse>, Status> {
        require(&request, Role::Auditor)?;
        let r = request.into_inner();
        let limit = match r.page_size as usize {
            0 => self.max_page_size,
            n => n.min(self.max_page_size),
        };
        let query = AuditQuery {
            from_seq: r.from_seq,
            to_seq: (r.to_seq != 0).then(|| r.to_seq.saturating_add(1)),
            since_ms: r.since.as_ref().map(millis),
            until_ms: r.until.as_ref().map(millis),
            kind: text(&r.kind),
            actor: text(&r.actor),
            case_reference: text(&r.case_reference),
            // One more than a page tells whether there is a next page.
            limit: limit + 1,
        };
        let log = self.log.clone();
        let mut rows = blocking(move || log.list(&query)).await?;
        let next_from_seq = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map_or(0, |e| e.seq + 1)
        } else {
            0
        };
        Ok(Response::new(v1::ListEntriesResponse {
            entries: rows.iter().map(|e| entry_message(&entry_of(e))).collect(),
            next_from_seq,
        }))
    }

    async fn get_tree_head(
        &self,
        request: Request<v1::GetTreeHeadRequest>,
    ) -> Result<Response<v1::SignedTreeHead>, Status> {
        require(&request, Role::Auditor)?;
        let r = request.into_inner();
        let log = self.log.clone();
        let head = if !r.log_id.is_empty() && r.log_id != log.log_id() {
            blocking(move || log.witnessed_head(&r.log_id)).await?
        } else if r.sign_now {
            blocking(move || log.sign_head_now()).await?
        } else {
            blocking(move || log.head_at(0)).await?
        };
        Ok(Response::new(head_message(&head)))
    }

    async fn get_inclusion_proof(
        &self,
        request: Request<v1::InclusionProofRequest>,
    ) -> Result<Response<v1::InclusionProof>, Status> {
        require(&request, Role::Auditor)?;
        let r = request.into_inner();
        let log = self.log.clone();
        let (entry, head, path) = blocking(move || log.inclusion_proof(r.seq, r.tree_size)).await?;
        Ok(Response::new(v1::InclusionProof {
            leaf_index: entry.seq - 1,
            entry: Some(entry_message(&entry)),
            head: Some(head_message(&head)),
            path: path.iter().map(|h| h.as_bytes().to_vec()).collect(),
        }))
    }

    async fn get_consistency_proof(
        &self,
        request: Request<v1::ConsistencyProofRequest>,
    ) -> Result<Response<v1::ConsistencyProof>, Status> {
        require(&request, Role::Auditor)?;
        let r = request.into_inner();
        let log = self.log.clone();
        let (old, new, proof) =
            blocking(move || log.consistency_proof(r.old_size, r.new_size)).await?;
        Ok(Response::new(v1::ConsistencyProof {
            old_head: Some(head_message(&old)),
            new_head: Some(head_message(&new)),
            proof: proof.iter().map(|h| h.as_bytes().to_vec()).collect(),
        }))
    }

    async fn list_countersignatures(
        &self,
        request: Request<v1::ListCountersignaturesRequest>,
    ) -> Result<Response<v1::ListCountersignaturesResponse>, Status> {
        require(&request, Role::Auditor)?;
        let r = request.into_inner();
        let log = self.log.clone();
        let list = blocking(move || log.countersignatures(r.from_size, r.to_size)).await?;
        Ok(Response::new(v1::ListCountersignaturesResponse {
            countersignatures: list.iter().map(countersignature_message).collect(),
        }))
    }

    type ExportStream = BoxStream<v1::ExportChunk>;

    async fn export(
        &self,
        request: Request<v1::ExportRequest>,
    ) -> Result<Response<Self::ExportStream>, Status> {
        require(&request, Role::Auditor)?;
        let r = request.into_inner();
        let log = self.log.clone();
        let bytes = blocking(move || {
            if r.sign_now {
                log.sign_head_now()?;
            }
            Ok(log.export(r.from_seq, r.to_seq)?.to_json_lines())
        })
        .await?;
        let chunks: Vec<Result<v1::ExportChunk, Status>> = bytes
            .chunks(EXPORT_CHUNK_BYTES)
            .map(|c| Ok(v1::ExportChunk { data: c.to_vec() }))
            .collect();
        Ok(Response::new(Box::pin(tokio_stream::iter(chunks))))
    }
}
