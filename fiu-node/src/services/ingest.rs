//! The operator's ingest service: streaming upserts and deletions.

use std::sync::Arc;

use fiu_proto::limits;
use fiu_proto::v1::{self, ingest_server::Ingest};
use matcher::Subject;
use tokio_stream::StreamExt;
use tonic::{Request, Response, Status, Streaming};

use super::blocking;
use crate::auth::{Role, require};
use crate::engine::{Engine, IngestReport};
use crate::metrics::DeleteCause;

/// The Ingest service over one engine.
#[derive(Debug, Clone)]
pub struct IngestService {
    engine: Arc<Engine>,
    max_batch_subjects: usize,
    max_batches_per_stream: u64,
    idle_timeout: std::time::Duration,
}

impl IngestService {
    /// A service over `engine` with the default limits.
    pub fn new(engine: Arc<Engine>) -> Self {
        IngestService {
            engine,
            max_batch_subjects: limits::MAX_SUBJECTS_PER_BATCH,
            max_batches_per_stream: crate::config::LimitsSection::default().max_batches_per_stream,
            idle_timeout: std::time::Duration::from_secs(
                crate::config::LimitsSection::default().stream_idle_timeout_secs,
            ),
        }
    }

    /// The same service with the configured limits: subjects per batch (never above the
    /// contract's), batches per upsert stream, and how long a stream may stay silent.
    pub fn with_limits(mut self, config: &crate::config::LimitsSection) -> Self {
        self.max_batch_subjects = config
            .max_batch_subjects
            .clamp(1, limits::MAX_SUBJECTS_PER_BATCH);
        self.max_batches_per_stream = config.max_batches_per_stream.max(1);
        self.idle_timeout = std::time::Duration::from_secs(config.stream_idle_timeout_secs.max(1));
        self
    }
}

/// Adds one batch's report to the running summary, renumbering record indexes to positions in
/// the whole stream.
fn merge(summary: &mut v1::IngestSummary, report: IngestReport, offset: u64) {
    summary.imported += report.inserted;
    summary.updated += report.updated;
    summary.unchanged += report.unchanged;
    summary.refused += report.refused;
    for issue in report.issues {
        if summary.errors.len() >= limits::MAX_REPORTED_ERRORS {
            summary.errors_omitted += 1;
            continue;
        }
        summary.errors.push(v1::FieldError {
            record_index: offset + issue.index as u64,
            local_ref: issue.local_ref,
            field: issue.field,
            reason: issue.reason,
            location: String::new(),
            record_refused: issue.record_refused,
        });
    }
}

#[tonic::async_trait]
impl Ingest for IngestService {
    async fn upsert(
        &self,
        request: Request<Streaming<v1::UpsertBatch>>,
    ) -> Result<Response<v1::IngestSummary>, Status> {
        let caller = require(&request, Role::Operator)?;
        let mut stream = request.into_inner();
        let mut summary = v1::IngestSummary::default();
        let mut offset = 0u64;
        loop {
            let next = match tokio::time::timeout(self.idle_timeout, stream.next()).await {
                Ok(next) => next,
                Err(_) => {
                    return Err(Status::deadline_exceeded(format!(
                        "no batch for {} s after batch {} (limits.stream_idle_timeout_secs); the batches before were stored",
                        self.idle_timeout.as_secs(),
                        summary.batches
                    )));
                }
            };
            let Some(batch) = next else { break };
            let batch = batch?;
            summary.batches += 1;
            if summary.batches > self.max_batches_per_stream {
                return Err(Status::resource_exhausted(format!(
                    "an upsert stream holds at most {} batches (limits.max_batches_per_stream); the batches before were stored: continue in a new call",
                    self.max_batches_per_stream
                )));
            }
            if batch.subjects.len() > self.max_batch_subjects {
                return Err(Status::resource_exhausted(format!(
                    "batch {} has {} subjects; at most {} per batch (batches before it were stored)",
                    summary.batches,
                    batch.subjects.len(),
                    self.max_batch_subjects
                )));
            }
            if batch.source.len() > limits::MAX_SOURCE_BYTES {
                return Err(Status::invalid_argument(format!(
                    "source is longer than {} bytes",
                    limits::MAX_SOURCE_BYTES
                )));
            }
            let n = batch.subjects.len() as u64;
            // Structural conversion first: a record that does not convert is refused by index.
            let mut subjects: Vec<Subject> = Vec::with_capacity(batch.subjects.len());
            let mut positions: Vec<u64> = Vec::with_capacity(batch.subjects.len());
            for (i, s) in batch.subjects.into_iter().enumerate() {
                let local_ref = s.local_ref.clone();
                match Subject::try_from(s) {
                    Ok(subject) => {
                        subjects.push(subject);
                        positions.push(offset + i as u64);
                    }
                    Err(e) => {
                        summary.refused += 1;
                        if summary.errors.len() < limits::MAX_REPORTED_ERRORS {
                            summary
                                .errors
                                .push(e.to_field_error(offset + i as u64, &local_ref));
                        } else {
                            summary.errors_omitted += 1;
                        }
                    }
                }
            }
            let unconvertible = (n as usize - subjects.len()) as u64;
            if unconvertible > 0 {
                // Refused before the engine saw them; the engine counts the rest.
                self.engine
                    .metrics()
                    .subjects_ingested(0, 0, 0, unconvertible);
            }
            let engine = self.engine.clone();
            let actor = caller.name.clone();
            let source = batch.source.clone();
            let mut report = blocking(move || engine.ingest(subjects, &actor, &source)).await?;
            // The engine numbers records within what it was given; map back to the stream.
            for issue in &mut report.issues {
                issue.index = positions
                    .get(issue.index)
                    .map_or(issue.index, |p| (*p - offset) as usize);
            }
            merge(&mut summary, report, offset);
            offset += n;
        }
        tracing::info!(caller = %caller, imported = summary.imported, updated = summary.updated,
            unchanged = summary.unchanged, refused = summary.refused, "ingest finished");
        Ok(Response::new(summary))
    }

    async fn delete(
        &self,
        request: Request<v1::DeleteRequest>,
    ) -> Result<Response<v1::DeleteSummary>, Status> {
        let caller = require(&request, Role::Operator)?;
        let req = request.into_inner();
        if req.local_refs.len() > limits::MAX_DELETE_REFS {
            return Err(Status::resource_exhausted(format!(
                "at most {} local references per delete",
                limits::MAX_DELETE_REFS
            )));
        }
        if req.reason.trim().is_empty() {
            return Err(Status::invalid_argument(
                "reason is required for a deletion",
            ));
        }
        let engine = self.engine.clone();
        let refs = req.local_refs.clone();
        let reason = req.reason.clone();
        let existed = blocking(move || engine.delete(&refs, &caller.name, &reason)).await?;
        let mut summary = v1::DeleteSummary::default();
        for (r, e) in req.local_refs.into_iter().zip(existed) {
            if e {
                summary.deleted += 1;
            } else {
                summary.not_found.push(r);
            }
        }
        self.engine
            .metrics()
            .subjects_deleted(DeleteCause::Request, summary.deleted);
        Ok(Response::new(summary))
    }
}
