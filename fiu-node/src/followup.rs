//! Follow-ups: the formal, human step after a hit.
//!
//! The requesting node's investigator asks for a follow-up on a hit; the node signs a request
//! carrying the case reference, legal basis, purpose and the hit tokens, and sends it to the
//! peer. The peer checks the signature, resolves the tokens against its **exact** token index
//! (so a Bloom false positive comes back as "not found" and goes no further), and shows the
//! request to its investigator against its own subjects. The peer's investigator accepts,
//! declines or responds with a message; the peer signs the answer and sends it back. Both
//! sides store and audit every step.
//!
//! States, outgoing: `Pending` (stored, not delivered) → `Open` (delivered) → `Accepted` |
//! `Declined` | `Responded` | `NotFound`. Incoming: `Open` → `Accepted` | `Declined` |
//! `Responded`, or `NotFound` at once when no token resolves.

use matcher::hits::KeyedToken;
use matcher::keys::KeyKind;
use matcher::Token;
use serde_json::json;
use tokio::sync::broadcast;

use crate::engine::{Engine, EngineError};
use crate::identity::{DOMAIN_FOLLOW_UP, DOMAIN_FOLLOW_UP_ANSWER};
use crate::store::{AuditEvent, Direction, FollowUpRecord, FollowUpState};

/// Longest accepted case reference, legal basis or purpose, in bytes.
pub const MAX_TEXT_FIELD: usize = 1024;

/// Longest accepted answer message, in bytes.
pub const MAX_MESSAGE: usize = 16 * 1024;

/// Most tokens one follow-up may carry (a subject's tokens are far fewer).
pub const MAX_FOLLOW_UP_TOKENS: usize = 256;

/// A follow-up request as it crosses the network (signed by the requester).
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUpRequest {
    /// Globally unique id chosen by the requester.
    pub id: String,
    /// Requesting member.
    pub from: String,
    /// Receiving member.
    pub to: String,
    /// Case reference.
    pub case_reference: String,
    /// Legal basis.
    pub legal_basis: String,
    /// Purpose.
    pub purpose: String,
    /// The hit tokens.
    pub tokens: Vec<KeyedToken>,
    /// Creation time, ms since the Unix epoch.
    pub created_ms: i64,
}

/// The answering investigator's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The peer will cooperate through the formal channel.
    Accept,
    /// The peer declines.
    Decline,
    /// The peer answers with a message.
    Respond,
    /// No token resolved to a subject (automatic answer).
    NotFound,
}

impl Decision {
    fn code(self) -> u8 {
        match self {
            Decision::Accept => 1,
            Decision::Decline => 2,
            Decision::Respond => 3,
            Decision::NotFound => 4,
        }
    }

    fn state(self) -> FollowUpState {
        match self {
            Decision::Accept => FollowUpState::Accepted,
            Decision::Decline => FollowUpState::Declined,
            Decision::Respond => FollowUpState::Responded,
            Decision::NotFound => FollowUpState::NotFound,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Decision::Accept => "accept",
            Decision::Decline => "decline",
            Decision::Respond => "respond",
            Decision::NotFound => "not_found",
        }
    }
}

/// A follow-up answer as it crosses the network (signed by the answering member).
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUpAnswer {
    /// The request's id.
    pub id: String,
    /// Answering member.
    pub from: String,
    /// Requesting member.
    pub to: String,
    /// The decision.
    pub decision: Decision,
    /// The message (may be empty).
    pub message: String,
    /// Per request token, whether the answering member holds it exactly; empty when the
    /// answering investigator chose not to disclose it.
    pub token_found: Vec<bool>,
    /// Answer time, ms since the Unix epoch.
    pub answered_ms: i64,
}

fn token_bytes(tokens: &[KeyedToken]) -> Vec<u8> {
    let mut out = Vec::with_capacity(tokens.len() * 34);
    for t in tokens {
        out.extend_from_slice(&t.kind.code().to_be_bytes());
        out.extend_from_slice(t.token.as_bytes());
    }
    out
}

impl FollowUpRequest {
    /// The fields its signature covers, in order (docs/PROTOCOL.md, "Signed messages").
    pub fn signed_fields(&self) -> Vec<Vec<u8>> {
        vec![
            self.id.as_bytes().to_vec(),
            self.from.as_bytes().to_vec(),
            self.to.as_bytes().to_vec(),
            self.case_reference.as_bytes().to_vec(),
            self.legal_basis.as_bytes().to_vec(),
            self.purpose.as_bytes().to_vec(),
            token_bytes(&self.tokens),
            self.created_ms.to_be_bytes().to_vec(),
        ]
    }
}

impl FollowUpAnswer {
    /// The fields its signature covers, in order.
    pub fn signed_fields(&self) -> Vec<Vec<u8>> {
        vec![
            self.id.as_bytes().to_vec(),
            self.from.as_bytes().to_vec(),
            self.to.as_bytes().to_vec(),
            vec![self.decision.code()],
            self.message.as_bytes().to_vec(),
            self.token_found.iter().map(|f| u8::from(*f)).collect(),
            self.answered_ms.to_be_bytes().to_vec(),
        ]
    }
}

fn as_refs(fields: &[Vec<u8>]) -> Vec<&[u8]> {
    fields.iter().map(Vec::as_slice).collect()
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn new_id() -> Result<String, EngineError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| EngineError::FailedPrecondition(format!("no random source: {e}")))?;
    Ok(hex::encode(b))
}

fn text_field(name: &str, value: &str, max: usize, required: bool) -> Result<(), EngineError> {
    if required && value.trim().is_empty() {
        return Err(EngineError::InvalidArgument(format!("{name} is required")));
    }
    if value.len() > max {
        return Err(EngineError::InvalidArgument(format!("{name} is longer than {max} bytes")));
    }
    Ok(())
}

fn audit(kind: &str, actor: &str, f: &FollowUpRecord) -> AuditEvent {
    AuditEvent {
        kind: kind.to_owned(),
        actor: actor.to_owned(),
        detail: json!({
            "id": f.id,
            "peer": f.peer,
            "case_reference": f.case_reference,
            "legal_basis": f.legal_basis,
            "purpose": f.purpose,
            "state": format!("{:?}", f.state),
            "local_refs": f.local_refs,
            "tokens": f.tokens.iter().map(|t| t.token.to_hex()).collect::<Vec<_>>(),
        })
        .to_string(),
    }
}

/// Follow-up changes as they happen, for watchers.
pub type FollowUpWatch = broadcast::Receiver<FollowUpRecord>;

impl Engine {
    /// Creates an outgoing follow-up on hit `hit_id` and the signed request to deliver.
    pub fn create_follow_up(
        &self,
        hit_id: i64,
        case_reference: &str,
        legal_basis: &str,
        purpose: &str,
        user: &str,
    ) -> Result<(FollowUpRecord, FollowUpRequest, Vec<u8>), EngineError> {
        text_field("case_reference", case_reference, MAX_TEXT_FIELD, true)?;
        text_field("legal_basis", legal_basis, MAX_TEXT_FIELD, true)?;
        text_field("purpose", purpose, MAX_TEXT_FIELD, true)?;
        let hit = self
            .store()
            .hit(hit_id)?
            .ok_or_else(|| EngineError::NotFound(format!("hit {hit_id} does not exist")))?;
        let now = now_ms();
        let request = FollowUpRequest {
            id: new_id()?,
            from: self.member_id().to_owned(),
            to: hit.hit.peer.clone(),
            case_reference: case_reference.to_owned(),
            legal_basis: legal_basis.to_owned(),
            purpose: purpose.to_owned(),
            tokens: hit.hit.tokens.clone(),
            created_ms: now,
        };
        let signature = self.identity().sign(DOMAIN_FOLLOW_UP, &as_refs(&request.signed_fields()));
        let record = FollowUpRecord {
            id: request.id.clone(),
            direction: Direction::Outgoing,
            peer: request.to.clone(),
            hit_id: Some(hit_id),
            local_refs: vec![hit.hit.local_ref.clone()],
            case_reference: request.case_reference.clone(),
            legal_basis: request.legal_basis.clone(),
            purpose: request.purpose.clone(),
            tokens: request.tokens.clone(),
            token_found: Vec::new(),
            state: FollowUpState::Pending,
            message: None,
            requested_by: user.to_owned(),
            created_ms: now,
            updated_ms: now,
        };
        self.store().insert_follow_up(&record, &[audit("follow_up.created", user, &record)])?;
        self.notify_follow_up(&record);
        Ok((record, request, signature))
    }

    /// Records that an outgoing request reached its peer.
    pub fn follow_up_delivered(&self, id: &str) -> Result<FollowUpRecord, EngineError> {
        let mut record = self.outgoing(id)?;
        if record.state == FollowUpState::Pending {
            record.state = FollowUpState::Open;
            record.updated_ms = now_ms();
            self.store().update_follow_up(&record, &[audit("follow_up.delivered", "node", &record)])?;
            self.notify_follow_up(&record);
        }
        Ok(record)
    }

    fn outgoing(&self, id: &str) -> Result<FollowUpRecord, EngineError> {
        self.store()
            .follow_up(id, Direction::Outgoing)?
            .ok_or_else(|| EngineError::NotFound(format!("follow-up {id} does not exist")))
    }

    /// Accepts a signed request from `peer`: checks it, resolves its tokens exactly, stores
    /// it. A request whose tokens all fail to resolve is answered `NotFound` at once; the
    /// returned answer (if any) must be sent back.
    pub fn receive_follow_up(
        &self,
        peer: &str,
        request: FollowUpRequest,
        signature: &[u8],
    ) -> Result<(FollowUpRecord, Option<(FollowUpAnswer, Vec<u8>)>), EngineError> {
        let refused = |reason: String| EngineError::PeerRefused {
            peer: peer.to_owned(),
            reason,
        };
        if request.from != peer {
            return Err(refused(format!("follow-up claims to come from {}", request.from)));
        }
        if request.to != self.member_id() {
            return Err(refused(format!("follow-up is addressed to {}", request.to)));
        }
        let key = self.peer_key(peer).ok_or_else(|| refused("is not a configured member".into()))?;
        key.verify(DOMAIN_FOLLOW_UP, &as_refs(&request.signed_fields()), signature)
            .map_err(|_| refused("follow-up signature does not verify".into()))?;
        text_field("case_reference", &request.case_reference, MAX_TEXT_FIELD, true)?;
        text_field("legal_basis", &request.legal_basis, MAX_TEXT_FIELD, true)?;
        text_field("purpose", &request.purpose, MAX_TEXT_FIELD, true)?;
        if request.tokens.is_empty() || request.tokens.len() > MAX_FOLLOW_UP_TOKENS {
            return Err(EngineError::InvalidArgument(format!(
                "a follow-up carries 1 to {MAX_FOLLOW_UP_TOKENS} tokens"
            )));
        }
        if let Some(existing) = self.store().follow_up(&request.id, Direction::Incoming)? {
            // A retried delivery: same answer as before.
            return Ok((existing, None));
        }
        let tokens: Vec<Token> = request.tokens.iter().map(|t| t.token).collect();
        let resolved = self.resolve(&tokens)?;
        let token_found: Vec<bool> = resolved.iter().map(|r| !r.is_empty()).collect();
        let mut local_refs: Vec<String> = resolved.into_iter().flatten().collect();
        local_refs.sort();
        local_refs.dedup();
        let now = now_ms();
        let not_found = local_refs.is_empty();
        let record = FollowUpRecord {
            id: request.id.clone(),
            direction: Direction::Incoming,
            peer: peer.to_owned(),
            hit_id: None,
            local_refs,
            case_reference: request.case_reference,
            legal_basis: request.legal_basis,
            purpose: request.purpose,
            tokens: request.tokens,
            token_found: token_found.clone(),
            state: if not_found { FollowUpState::NotFound } else { FollowUpState::Open },
            message: None,
            requested_by: peer.to_owned(),
            created_ms: now,
            updated_ms: now,
        };
        self.store().insert_follow_up(&record, &[audit("follow_up.received", peer, &record)])?;
        self.notify_follow_up(&record);
        let answer = if not_found {
            Some(self.sign_answer(&record, Decision::NotFound, String::new(), token_found))
        } else {
            None
        };
        Ok((record, answer))
    }

    fn sign_answer(&self, record: &FollowUpRecord, decision: Decision, message: String, token_found: Vec<bool>) -> (FollowUpAnswer, Vec<u8>) {
        let answer = FollowUpAnswer {
            id: record.id.clone(),
            from: self.member_id().to_owned(),
            to: record.peer.clone(),
            decision,
            message,
            token_found,
            answered_ms: now_ms(),
        };
        let sig = self.identity().sign(DOMAIN_FOLLOW_UP_ANSWER, &as_refs(&answer.signed_fields()));
        (answer, sig)
    }

    /// This node's investigator answers an incoming follow-up. Returns the updated record
    /// and the signed answer to send to the requester.
    pub fn answer_follow_up(
        &self,
        id: &str,
        decision: Decision,
        message: &str,
        disclose_results: bool,
        user: &str,
    ) -> Result<(FollowUpRecord, FollowUpAnswer, Vec<u8>), EngineError> {
        if decision == Decision::NotFound {
            return Err(EngineError::InvalidArgument("decision must be accept, decline or respond".into()));
        }
        text_field("message", message, MAX_MESSAGE, decision == Decision::Respond)?;
        let mut record = self
            .store()
            .follow_up(id, Direction::Incoming)?
            .ok_or_else(|| EngineError::NotFound(format!("incoming follow-up {id} does not exist")))?;
        if record.state != FollowUpState::Open {
            return Err(EngineError::FailedPrecondition(format!(
                "follow-up {id} is {:?}, only an open follow-up can be answered",
                record.state
            )));
        }
        record.state = decision.state();
        record.message = (!message.is_empty()).then(|| message.to_owned());
        record.updated_ms = now_ms();
        let disclosed = if disclose_results && decision != Decision::Decline {
            record.token_found.clone()
        } else {
            Vec::new()
        };
        let mut event = audit("follow_up.answered", user, &record);
        event.detail = json!({"id": record.id, "peer": record.peer, "decision": decision.label(),
                              "disclosed_results": !disclosed.is_empty()})
        .to_string();
        self.store().update_follow_up(&record, &[event])?;
        self.notify_follow_up(&record);
        let (answer, sig) = self.sign_answer(&record, decision, message.to_owned(), disclosed);
        Ok((record, answer, sig))
    }

    /// Takes a signed answer from `peer` to one of this node's requests.
    pub fn receive_follow_up_answer(&self, peer: &str, answer: FollowUpAnswer, signature: &[u8]) -> Result<FollowUpRecord, EngineError> {
        let refused = |reason: String| EngineError::PeerRefused {
            peer: peer.to_owned(),
            reason,
        };
        if answer.from != peer || answer.to != self.member_id() {
            return Err(refused("answer is not from this peer to this node".into()));
        }
        let key = self.peer_key(peer).ok_or_else(|| refused("is not a configured member".into()))?;
        key.verify(DOMAIN_FOLLOW_UP_ANSWER, &as_refs(&answer.signed_fields()), signature)
            .map_err(|_| refused("answer signature does not verify".into()))?;
        text_field("message", &answer.message, MAX_MESSAGE, false)?;
        let mut record = self.outgoing(&answer.id)?;
        if record.peer != peer {
            return Err(refused(format!("follow-up {} was sent to another member", answer.id)));
        }
        if !answer.token_found.is_empty() && answer.token_found.len() != record.tokens.len() {
            return Err(refused("answer's token results do not match the request".into()));
        }
        if !matches!(record.state, FollowUpState::Pending | FollowUpState::Open) {
            // Already answered: a retried delivery.
            return Ok(record);
        }
        record.state = answer.decision.state();
        record.message = (!answer.message.is_empty()).then_some(answer.message);
        record.token_found = answer.token_found;
        record.updated_ms = now_ms();
        self.store().update_follow_up(&record, &[audit("follow_up.answer_received", peer, &record)])?;
        self.notify_follow_up(&record);
        Ok(record)
    }

    /// Outgoing follow-ups not yet delivered (for the retry loop).
    pub fn pending_follow_ups(&self) -> Result<Vec<FollowUpRecord>, EngineError> {
        Ok(self
            .store()
            .list_follow_ups(&crate::store::FollowUpQuery {
                direction: Some(Direction::Outgoing),
                state: Some(FollowUpState::Pending),
                after_cursor: None,
                limit: 1000,
            })?
            .into_iter()
            .map(|(_, f)| f)
            .collect())
    }

    /// The signed request of a stored outgoing follow-up (to retry delivery).
    pub fn resign_request(&self, record: &FollowUpRecord) -> (FollowUpRequest, Vec<u8>) {
        let request = FollowUpRequest {
            id: record.id.clone(),
            from: self.member_id().to_owned(),
            to: record.peer.clone(),
            case_reference: record.case_reference.clone(),
            legal_basis: record.legal_basis.clone(),
            purpose: record.purpose.clone(),
            tokens: record.tokens.clone(),
            created_ms: record.created_ms,
        };
        let sig = self.identity().sign(DOMAIN_FOLLOW_UP, &as_refs(&request.signed_fields()));
        (request, sig)
    }
}

/// Parses a key kind label from the wire.
pub fn kind_from_label(label: &str) -> Result<KeyKind, EngineError> {
    KeyKind::from_label(label).ok_or_else(|| EngineError::InvalidArgument(format!("unknown key kind `{label}`")))
}
