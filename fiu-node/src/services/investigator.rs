//! The investigator service: look-ups, hits, follow-ups and statistics. Investigators see
//! their own FIU's subjects and hits only: every answer comes from this node's store and the
//! filters it holds.

use std::pin::Pin;
use std::sync::Arc;

use fiu_proto::limits;
use fiu_proto::v1::{self, investigator_server::Investigator};
use matcher::Subject;
use matcher::subject::{Category, Record};
use tokio::sync::{broadcast, mpsc, watch};
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use super::{
    blocking, follow_up_message, forward, hit_message, millis, next_event, strength_message,
};
use crate::auth::{Role, require};
use crate::engine::Engine;
use crate::peers::{PeerLinks, deliver_follow_up};
use crate::quota::{self, Quotas};
use crate::store::{
    Direction, FollowUpQuery, FollowUpRecord, FollowUpState, HitQuery, Period, StoredHit,
};

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

/// Messages buffered per watcher stream.
const WATCH_BUFFER: usize = 256;

/// The Investigator service.
#[derive(Debug, Clone)]
pub struct InvestigatorService {
    engine: Arc<Engine>,
    links: PeerLinks,
    shutdown: watch::Receiver<bool>,
    quotas: Arc<Quotas>,
    max_page_size: usize,
}

impl InvestigatorService {
    /// A service over `engine`, reaching peers through `links`; its watch streams end
    /// (UNAVAILABLE) when `shutdown` turns true.
    pub fn new(engine: Arc<Engine>, links: PeerLinks, shutdown: watch::Receiver<bool>) -> Self {
        InvestigatorService {
            engine,
            links,
            shutdown,
            quotas: Arc::new(Quotas::new(&crate::config::LimitsSection::default())),
            max_page_size: limits::MAX_PAGE_SIZE as usize,
        }
    }

    /// The same service counting look-ups against `quotas` (the node's configured ones)
    /// instead of the defaults, and returning pages of at most `max_page_size`
    /// (`limits.max_page_size`).
    pub fn with_limits(mut self, quotas: Arc<Quotas>, max_page_size: usize) -> Self {
        self.quotas = quotas;
        self.max_page_size = max_page_size.max(1);
        self
    }
}

/// The page size asked for, or the default, clamped to `cap` (`limits.max_page_size`).
fn page_size(p: Option<&v1::PageRequest>, cap: usize) -> usize {
    match p.map(|p| p.page_size).unwrap_or(0) {
        0 => (limits::DEFAULT_PAGE_SIZE as usize).min(cap),
        n => (n.min(limits::MAX_PAGE_SIZE) as usize).min(cap),
    }
}

fn page_cursor(p: Option<&v1::PageRequest>) -> Result<Option<i64>, Status> {
    match p.map(|p| p.page_token.as_str()).unwrap_or("") {
        "" => Ok(None),
        t => t.parse::<i64>().map(Some).map_err(|_| {
            Status::invalid_argument("page.page_token is not a token this node issued")
        }),
    }
}

fn hit_query(f: Option<&v1::HitFilter>) -> Result<HitQuery, Status> {
    let mut q = HitQuery::default();
    if let Some(f) = f {
        q.peer = (!f.peer.is_empty()).then(|| f.peer.clone());
        q.kind = match f.key_kind.as_str() {
            "" => None,
            k => Some(matcher::KeyKind::from_label(k).ok_or_else(|| {
                Status::invalid_argument(format!("filter.key_kind: unknown key kind `{k}`"))
            })?),
        };
        if !(0.0..=1.0).contains(&f.min_confidence) {
            return Err(Status::invalid_argument(
                "filter.min_confidence must be between 0 and 1",
            ));
        }
        q.min_confidence = (f.min_confidence > 0.0).then_some(f.min_confidence);
        q.since_ms = f.since.as_ref().map(millis);
        q.until_ms = f.until.as_ref().map(millis);
        q.local_ref = (!f.local_ref.is_empty()).then(|| f.local_ref.clone());
    }
    Ok(q)
}

/// Whether a hit passes a watch filter (the same rules as [`hit_query`] in the store).
fn matches(q: &HitQuery, h: &StoredHit) -> bool {
    q.peer.as_ref().is_none_or(|p| *p == h.hit.peer)
        && q.kind.is_none_or(|k| h.hit.kinds.contains(&k))
        && q.min_confidence.is_none_or(|c| h.hit.confidence >= c)
        && q.since_ms.is_none_or(|s| h.first_seen_ms >= s)
        && q.until_ms.is_none_or(|u| h.first_seen_ms < u)
        && q.local_ref.as_ref().is_none_or(|r| *r == h.hit.local_ref)
}

fn direction(d: i32) -> Result<Option<Direction>, Status> {
    match v1::Direction::try_from(d) {
        Ok(v1::Direction::Unspecified) => Ok(None),
        Ok(v1::Direction::Outgoing) => Ok(Some(Direction::Outgoing)),
        Ok(v1::Direction::Incoming) => Ok(Some(Direction::Incoming)),
        Err(_) => Err(Status::invalid_argument("direction: unknown value")),
    }
}

fn state(s: i32) -> Result<Option<FollowUpState>, Status> {
    Ok(
        match v1::FollowUpState::try_from(s)
            .map_err(|_| Status::invalid_argument("state: unknown value"))?
        {
            v1::FollowUpState::Unspecified => None,
            v1::FollowUpState::Pending => Some(FollowUpState::Pending),
            v1::FollowUpState::Sent => Some(FollowUpState::Open),
            v1::FollowUpState::Accepted => Some(FollowUpState::Accepted),
            v1::FollowUpState::Declined => Some(FollowUpState::Declined),
            v1::FollowUpState::Responded => Some(FollowUpState::Responded),
            v1::FollowUpState::Failed => Some(FollowUpState::Failed),
            v1::FollowUpState::NotFound => Some(FollowUpState::NotFound),
        },
    )
}

/// A watch stream: first `stored`, then every broadcast event that `select` turns into a
/// message, until the client leaves, the node shuts down (UNAVAILABLE) or the watcher falls
/// too far behind (RESOURCE_EXHAUSTED, with `behind` saying how to catch up).
fn watch_stream<E, M>(
    stored: Vec<M>,
    mut rx: broadcast::Receiver<E>,
    mut shutdown: watch::Receiver<bool>,
    mut select: impl FnMut(E) -> Option<M> + Send + 'static,
    behind: &'static str,
) -> ReceiverStream<Result<M, Status>>
where
    E: Clone + Send + 'static,
    M: Send + 'static,
{
    let (tx, out) = mpsc::channel(WATCH_BUFFER);
    tokio::spawn(async move {
        for m in stored {
            if !forward(&tx, Ok(m), &mut shutdown).await {
                return;
            }
        }
        while let Some(event) = next_event(&mut rx, &mut shutdown).await {
            match event {
                Ok(e) => {
                    if let Some(m) = select(e) {
                        if !forward(&tx, Ok(m), &mut shutdown).await {
                            return;
                        }
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    let status = Status::resource_exhausted(format!(
                        "watcher fell {n} {behind} and watch again"
                    ));
                    forward(&tx, Err(status), &mut shutdown).await;
                    return;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
        let _ = tx.try_send(Err(Status::unavailable("the node is shutting down")));
    });
    ReceiverStream::new(out)
}

#[tonic::async_trait]
impl Investigator for InvestigatorService {
    type WatchHitsStream = BoxStream<v1::Hit>;
    type WatchFollowUpsStream = BoxStream<v1::FollowUp>;

    async fn lookup(
        &self,
        request: Request<v1::LookupRequest>,
    ) -> Result<Response<v1::LookupResponse>, Status> {
        let caller = require(&request, Role::Investigator)?;
        if let Err(refusal) = self.quotas.check_lookup(&caller.name) {
            return Err(quota::refuse(refusal, "Lookup", &caller.name));
        }
        let req = request.into_inner();
        if req.case_reference.len() > limits::MAX_CASE_REFERENCE_BYTES
            || req.purpose.len() > limits::MAX_TEXT_BYTES
        {
            return Err(Status::invalid_argument(
                "case_reference or purpose is too long",
            ));
        }
        let wire = req
            .subject
            .ok_or_else(|| Status::invalid_argument("subject is required"))?;
        let record = wire
            .record
            .ok_or_else(|| Status::invalid_argument("subject.record is required"))
            .and_then(|r| {
                Record::try_from(r).map_err(|e| Status::invalid_argument(format!("subject: {e}")))
            })?;
        // A look-up subject is never stored: reference and category are placeholders.
        let subject = Subject {
            local_ref: "lookup".into(),
            category: Category::Other,
            expires: None,
            record,
        };
        let engine = self.engine.clone();
        let peers_probed = engine.peer_filter_stats().len() as u32;
        let epoch = engine.epoch().0;
        let result = blocking(move || {
            engine.lookup(&subject, &caller.name, &req.case_reference, &req.purpose)
        })
        .await?;
        Ok(Response::new(v1::LookupResponse {
            hits: result
                .hits
                .into_iter()
                .map(|(peer, m)| v1::PeerHit {
                    peer,
                    epoch,
                    key_kinds: m.kinds.iter().map(|k| k.label().to_owned()).collect(),
                    strength: strength_message(m.strength),
                    confidence: m.confidence,
                })
                .collect(),
            refused: result
                .refused
                .into_iter()
                .map(|e| v1::FieldError {
                    record_index: 0,
                    local_ref: String::new(),
                    field: e.field,
                    reason: e.error.to_string(),
                    location: String::new(),
                    record_refused: false,
                })
                .collect(),
            peers_probed,
        }))
    }

    async fn list_hits(
        &self,
        request: Request<v1::ListHitsRequest>,
    ) -> Result<Response<v1::ListHitsResponse>, Status> {
        require(&request, Role::Investigator)?;
        let req = request.into_inner();
        let mut q = hit_query(req.filter.as_ref())?;
        q.limit = page_size(req.page.as_ref(), self.max_page_size);
        q.after_id = page_cursor(req.page.as_ref())?;
        let limit = q.limit;
        let engine = self.engine.clone();
        let hits = blocking(move || Ok(engine.store().list_hits(&q)?)).await?;
        let next = if hits.len() == limit {
            hits.last().map(|h| h.id.to_string()).unwrap_or_default()
        } else {
            String::new()
        };
        Ok(Response::new(v1::ListHitsResponse {
            hits: hits.iter().map(hit_message).collect(),
            next_page_token: next,
        }))
    }

    async fn watch_hits(
        &self,
        request: Request<v1::WatchHitsRequest>,
    ) -> Result<Response<Self::WatchHitsStream>, Status> {
        require(&request, Role::Investigator)?;
        let q = hit_query(request.get_ref().filter.as_ref())?;
        if q.until_ms.is_some() {
            return Err(Status::invalid_argument(
                "filter.until cannot be used when watching",
            ));
        }
        // Subscribe before reading the stored hits, so nothing falls between the two; a hit
        // seen in both is sent once.
        let rx = self.engine.watch_hits();
        let stored = match q.since_ms {
            Some(_) => {
                let engine = self.engine.clone();
                let mut page = q.clone();
                page.limit = limits::MAX_PAGE_SIZE as usize;
                blocking(move || {
                    let mut all = Vec::new();
                    loop {
                        let batch = engine.store().list_hits(&page)?;
                        let done = batch.len() < page.limit;
                        page.after_id = batch.last().map(|h| h.id);
                        all.extend(batch);
                        if done {
                            return Ok(all);
                        }
                    }
                })
                .await?
            }
            None => Vec::new(),
        };
        let mut sent: std::collections::HashSet<i64> = stored.iter().map(|h| h.id).collect();
        let out = watch_stream(
            stored.iter().map(hit_message).collect(),
            rx,
            self.shutdown.clone(),
            move |hit: StoredHit| {
                (matches(&q, &hit) && sent.insert(hit.id)).then(|| hit_message(&hit))
            },
            "hits; catch up with ListHits",
        );
        Ok(Response::new(Box::pin(out)))
    }

    async fn request_follow_up(
        &self,
        request: Request<v1::RequestFollowUpRequest>,
    ) -> Result<Response<v1::FollowUp>, Status> {
        let caller = require(&request, Role::Investigator)?;
        let req = request.into_inner();
        let hit_id = i64::try_from(req.hit_id)
            .map_err(|_| Status::invalid_argument("hit_id is out of range"))?;
        let engine = self.engine.clone();
        let (record, msg) = blocking(move || {
            engine.create_follow_up(
                hit_id,
                &req.case_reference,
                &req.legal_basis,
                &req.purpose,
                &caller.name,
            )
        })
        .await?;
        deliver_follow_up(
            &self.engine,
            &self.links,
            record.id.clone(),
            record.peer.clone(),
            msg,
        )
        .await;
        let engine = self.engine.clone();
        let id = record.id.clone();
        let current = blocking(move || {
            Ok(engine
                .store()
                .follow_up(&id, Direction::Outgoing)?
                .unwrap_or(record))
        })
        .await?;
        Ok(Response::new(follow_up_message(&current)))
    }

    async fn respond_follow_up(
        &self,
        request: Request<v1::RespondFollowUpRequest>,
    ) -> Result<Response<v1::FollowUp>, Status> {
        let caller = require(&request, Role::Investigator)?;
        let req = request.into_inner();
        let decision = v1::Decision::try_from(req.decision)
            .map_err(|_| Status::invalid_argument("decision: unknown value"))?;
        let engine = self.engine.clone();
        let id = req.follow_up_id.clone();
        let (record, answer) = blocking(move || {
            engine.answer_follow_up(
                &id,
                decision,
                &req.message,
                req.disclose_results,
                &caller.name,
            )
        })
        .await?;
        let mut message = follow_up_message(&record);
        if let Err(status) = self
            .links
            .send_answer(&record.peer, &record.id, answer)
            .await
        {
            message.error = format!(
                "answer recorded but not yet delivered ({}); it is retried",
                status.message()
            );
        }
        Ok(Response::new(message))
    }

    async fn list_follow_ups(
        &self,
        request: Request<v1::ListFollowUpsRequest>,
    ) -> Result<Response<v1::ListFollowUpsResponse>, Status> {
        require(&request, Role::Investigator)?;
        let req = request.into_inner();
        let q = FollowUpQuery {
            direction: direction(req.direction)?,
            state: state(req.state)?,
            after_cursor: page_cursor(req.page.as_ref())?,
            limit: page_size(req.page.as_ref(), self.max_page_size),
        };
        let limit = q.limit;
        let engine = self.engine.clone();
        let rows = blocking(move || Ok(engine.store().list_follow_ups(&q)?)).await?;
        let next = if rows.len() == limit {
            rows.last().map(|(c, _)| c.to_string()).unwrap_or_default()
        } else {
            String::new()
        };
        Ok(Response::new(v1::ListFollowUpsResponse {
            follow_ups: rows.iter().map(|(_, f)| follow_up_message(f)).collect(),
            next_page_token: next,
        }))
    }

    async fn watch_follow_ups(
        &self,
        request: Request<v1::WatchFollowUpsRequest>,
    ) -> Result<Response<Self::WatchFollowUpsStream>, Status> {
        require(&request, Role::Investigator)?;
        let req = request.into_inner();
        let (dir, st) = (direction(req.direction)?, state(req.state)?);
        let since = req.since.as_ref().map(millis);
        let rx = self.engine.watch_follow_ups();
        let stored = match since {
            Some(since) => {
                let engine = self.engine.clone();
                blocking(move || {
                    let mut all = Vec::new();
                    let mut q = FollowUpQuery {
                        direction: dir,
                        state: st,
                        after_cursor: None,
                        limit: limits::MAX_PAGE_SIZE as usize,
                    };
                    loop {
                        let batch = engine.store().list_follow_ups(&q)?;
                        let done = batch.len() < q.limit;
                        q.after_cursor = batch.last().map(|(c, _)| *c);
                        all.extend(
                            batch
                                .into_iter()
                                .map(|(_, f)| f)
                                .filter(|f| f.updated_ms >= since),
                        );
                        if done {
                            return Ok(all);
                        }
                    }
                })
                .await?
            }
            None => Vec::new(),
        };
        let out = watch_stream(
            stored.iter().map(follow_up_message).collect(),
            rx,
            self.shutdown.clone(),
            move |f: FollowUpRecord| {
                (dir.is_none_or(|d| d == f.direction) && st.is_none_or(|s| s == f.state))
                    .then(|| follow_up_message(&f))
            },
            "changes; catch up with ListFollowUps",
        );
        Ok(Response::new(Box::pin(out)))
    }

    async fn get_statistics(
        &self,
        request: Request<v1::StatisticsRequest>,
    ) -> Result<Response<v1::StatisticsResponse>, Status> {
        require(&request, Role::Investigator)?;
        let req = request.into_inner();
        let period = match v1::Period::try_from(req.period) {
            Ok(v1::Period::Day) => Period::Day,
            Ok(v1::Period::Week) => Period::Week,
            Ok(v1::Period::Month) | Ok(v1::Period::Unspecified) => Period::Month,
            Err(_) => return Err(Status::invalid_argument("period: unknown value")),
        };
        let since = req.since.as_ref().map_or(0, millis);
        let until = req.until.as_ref().map_or(i64::MAX, millis);
        if until <= since {
            return Err(Status::invalid_argument("until must be after since"));
        }
        let engine = self.engine.clone();
        let rows = blocking(move || Ok(engine.store().statistics(period, since, until)?)).await?;
        let counts = |c: crate::store::FollowUpCounts| v1::FollowUpCounts {
            total: c.total,
            accepted: c.accepted,
            declined: c.declined,
            responded: c.responded,
            failed: c.failed,
        };
        Ok(Response::new(v1::StatisticsResponse {
            rows: rows
                .into_iter()
                .map(|r| v1::PeerPeriodStatistics {
                    peer: r.peer,
                    period_start: Some(super::timestamp(r.period_start_ms)),
                    hits: r.hits,
                    outgoing: Some(counts(r.outgoing)),
                    incoming: Some(counts(r.incoming)),
                })
                .collect(),
        }))
    }
}
