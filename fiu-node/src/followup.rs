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

use fiu_proto::convert::keyed_token_from_wire;
use fiu_proto::signing::Signed;
use fiu_proto::v1;
use matcher::Token;
use matcher::hits::KeyedToken;
use serde_json::json;
use tokio::sync::broadcast;

use crate::clock::{millis, now_ms, timestamp};
use crate::engine::{Engine, EngineError};
use crate::store::{AuditEvent, Direction, FollowUpRecord, FollowUpState};

/// Longest accepted case reference, legal basis or purpose, in bytes.
pub const MAX_TEXT_FIELD: usize = fiu_proto::limits::MAX_TEXT_BYTES;

/// Longest accepted answer message, in bytes.
pub const MAX_MESSAGE: usize = fiu_proto::limits::MAX_FOLLOW_UP_MESSAGE_BYTES;

/// Most tokens one follow-up may carry (a subject's tokens are far fewer).
pub const MAX_FOLLOW_UP_TOKENS: usize = fiu_proto::limits::MAX_TOKENS_PER_FOLLOW_UP;

fn new_id() -> Result<String, EngineError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b)
        .map_err(|e| EngineError::FailedPrecondition(format!("no random source: {e}")))?;
    Ok(hex::encode(b))
}

fn text_field(name: &str, value: &str, max: usize, required: bool) -> Result<(), EngineError> {
    if required && value.trim().is_empty() {
        return Err(EngineError::InvalidArgument(format!("{name} is required")));
    }
    if value.len() > max {
        return Err(EngineError::InvalidArgument(format!(
            "{name} is longer than {max} bytes"
        )));
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

fn state_of(decision: v1::Decision) -> Option<FollowUpState> {
    match decision {
        v1::Decision::Accept => Some(FollowUpState::Accepted),
        v1::Decision::Decline => Some(FollowUpState::Declined),
        v1::Decision::Respond => Some(FollowUpState::Responded),
        v1::Decision::NotFound => Some(FollowUpState::NotFound),
        v1::Decision::Unspecified => None,
    }
}

/// The store id of an incoming follow-up: the requester's id and its request id, so two
/// peers can never collide (or be made to).
pub fn incoming_id(peer: &str, request_id: &str) -> String {
    format!("{peer}/{request_id}")
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
    ) -> Result<(FollowUpRecord, v1::SignedFollowUpRequest), EngineError> {
        text_field("case_reference", case_reference, MAX_TEXT_FIELD, true)?;
        text_field("legal_basis", legal_basis, MAX_TEXT_FIELD, true)?;
        text_field("purpose", purpose, MAX_TEXT_FIELD, true)?;
        let hit = self
            .store()
            .hit(hit_id)?
            .ok_or_else(|| EngineError::NotFound(format!("hit {hit_id} does not exist")))?;
        let now = now_ms();
        let record = FollowUpRecord {
            id: new_id()?,
            direction: Direction::Outgoing,
            peer: hit.hit.peer.clone(),
            hit_id: Some(hit_id),
            local_refs: vec![hit.hit.local_ref.clone()],
            case_reference: case_reference.to_owned(),
            legal_basis: legal_basis.to_owned(),
            purpose: purpose.to_owned(),
            tokens: hit.hit.tokens.clone(),
            token_found: Vec::new(),
            state: FollowUpState::Pending,
            message: None,
            requested_by: user.to_owned(),
            created_ms: now,
            updated_ms: now,
        };
        self.store()
            .insert_follow_up(&record, &[audit("follow_up.created", user, &record)])?;
        self.notify_follow_up(&record);
        let request = self.signed_request(&record);
        Ok((record, request))
    }

    /// The signed request of a stored outgoing follow-up (first delivery and retries).
    pub fn signed_request(&self, record: &FollowUpRecord) -> v1::SignedFollowUpRequest {
        let mut request = v1::SignedFollowUpRequest {
            request_id: record.id.clone(),
            from_member: self.member_id().to_owned(),
            to_member: record.peer.clone(),
            epoch: self.epoch().0,
            case_reference: record.case_reference.clone(),
            legal_basis: record.legal_basis.clone(),
            purpose: record.purpose.clone(),
            tokens: record.tokens.iter().map(v1::KeyedToken::from).collect(),
            created: Some(timestamp(record.created_ms)),
            signature: Vec::new(),
        };
        request.signature = self.identity().sign(&request.signed_bytes());
        request
    }

    fn outgoing(&self, id: &str) -> Result<FollowUpRecord, EngineError> {
        self.store()
            .follow_up(id, Direction::Outgoing)?
            .ok_or_else(|| EngineError::NotFound(format!("follow-up {id} does not exist")))
    }

    /// Records that an outgoing request reached its peer, with the peer's automatic answer
    /// when none of its tokens resolved there.
    pub fn follow_up_delivered(
        &self,
        id: &str,
        automatic_answer: Option<v1::SignedFollowUpAnswer>,
    ) -> Result<FollowUpRecord, EngineError> {
        let mut record = self.outgoing(id)?;
        if let Some(answer) = automatic_answer {
            let peer = record.peer.clone();
            return self.receive_follow_up_answer(&peer, answer);
        }
        if record.state == FollowUpState::Pending {
            record.state = FollowUpState::Open;
            record.updated_ms = now_ms();
            self.store()
                .update_follow_up(&record, &[audit("follow_up.delivered", "node", &record)])?;
            self.notify_follow_up(&record);
        }
        Ok(record)
    }

    /// Records that delivery failed for good (the peer refused the message).
    pub fn follow_up_failed(&self, id: &str, reason: &str) -> Result<FollowUpRecord, EngineError> {
        let mut record = self.outgoing(id)?;
        record.state = FollowUpState::Failed;
        record.message = Some(reason.to_owned());
        record.updated_ms = now_ms();
        self.store()
            .update_follow_up(&record, &[audit("follow_up.failed", "node", &record)])?;
        self.notify_follow_up(&record);
        Ok(record)
    }

    /// Accepts a signed request from `peer`: checks it, resolves its tokens exactly, stores
    /// it. A request none of whose tokens resolve is answered `NOT_FOUND` at once: the
    /// returned answer goes back in the receipt.
    pub fn receive_follow_up(
        &self,
        peer: &str,
        request: v1::SignedFollowUpRequest,
    ) -> Result<(FollowUpRecord, Option<v1::SignedFollowUpAnswer>), EngineError> {
        let refused = |reason: String| EngineError::PeerRefused {
            peer: peer.to_owned(),
            reason,
        };
        if request.from_member != peer {
            return Err(refused("follow-up claims another sender".into()));
        }
        if request.to_member != self.member_id() {
            return Err(refused("follow-up is addressed to another member".into()));
        }
        let key = self
            .peer_key(peer)
            .ok_or_else(|| refused("is not a configured member".into()))?;
        key.verify(&request.signed_bytes(), &request.signature)
            .map_err(|_| refused("follow-up signature does not verify".into()))?;
        if request.epoch != self.epoch().0 {
            return Err(EngineError::FailedPrecondition(format!(
                "follow-up is of epoch {}, this node is at epoch {}",
                request.epoch,
                self.epoch().0
            )));
        }
        text_field("request_id", &request.request_id, 128, true)?;
        text_field(
            "case_reference",
            &request.case_reference,
            MAX_TEXT_FIELD,
            true,
        )?;
        text_field("legal_basis", &request.legal_basis, MAX_TEXT_FIELD, true)?;
        text_field("purpose", &request.purpose, MAX_TEXT_FIELD, true)?;
        if request.tokens.is_empty() || request.tokens.len() > MAX_FOLLOW_UP_TOKENS {
            return Err(EngineError::InvalidArgument(format!(
                "a follow-up carries 1 to {MAX_FOLLOW_UP_TOKENS} tokens"
            )));
        }
        let tokens: Vec<KeyedToken> = request
            .tokens
            .iter()
            .enumerate()
            .map(|(i, t)| {
                keyed_token_from_wire(t, &format!("tokens[{i}]"))
                    .map_err(|e| EngineError::InvalidArgument(e.to_string()))
            })
            .collect::<Result<_, _>>()?;
        let id = incoming_id(peer, &request.request_id);
        if let Some(existing) = self.store().follow_up(&id, Direction::Incoming)? {
            // A retried delivery: answer as before.
            let answer = (existing.state == FollowUpState::NotFound)
                .then(|| self.sign_answer(&existing, v1::Decision::NotFound, String::new(), true));
            return Ok((existing, answer));
        }
        let plain: Vec<Token> = tokens.iter().map(|t| t.token).collect();
        let resolved = self.resolve(&plain)?;
        let token_found: Vec<bool> = resolved.iter().map(|r| !r.is_empty()).collect();
        let mut local_refs: Vec<String> = resolved.into_iter().flatten().collect();
        local_refs.sort();
        local_refs.dedup();
        let now = now_ms();
        let not_found = local_refs.is_empty();
        let created_ms = request.created.as_ref().map_or(now, millis);
        let record = FollowUpRecord {
            id,
            direction: Direction::Incoming,
            peer: peer.to_owned(),
            hit_id: None,
            local_refs,
            case_reference: request.case_reference,
            legal_basis: request.legal_basis,
            purpose: request.purpose,
            tokens,
            token_found,
            state: if not_found {
                FollowUpState::NotFound
            } else {
                FollowUpState::Open
            },
            message: None,
            requested_by: peer.to_owned(),
            created_ms,
            updated_ms: now,
        };
        self.store()
            .insert_follow_up(&record, &[audit("follow_up.received", peer, &record)])?;
        self.notify_follow_up(&record);
        let answer = not_found
            .then(|| self.sign_answer(&record, v1::Decision::NotFound, String::new(), true));
        Ok((record, answer))
    }

    fn sign_answer(
        &self,
        record: &FollowUpRecord,
        decision: v1::Decision,
        message: String,
        disclose: bool,
    ) -> v1::SignedFollowUpAnswer {
        let request_id = record
            .id
            .split_once('/')
            .map_or(record.id.as_str(), |(_, r)| r)
            .to_owned();
        let results = record
            .tokens
            .iter()
            .zip(record.token_found.iter().chain(std::iter::repeat(&false)))
            .map(|(t, found)| v1::TokenResult {
                token: Some(v1::KeyedToken::from(t)),
                finding: if !disclose {
                    v1::TokenFinding::Withheld
                } else if *found {
                    v1::TokenFinding::Found
                } else {
                    v1::TokenFinding::NotFound
                } as i32,
            })
            .collect();
        let mut answer = v1::SignedFollowUpAnswer {
            request_id,
            from_member: self.member_id().to_owned(),
            to_member: record.peer.clone(),
            decision: decision as i32,
            message,
            results,
            created: Some(timestamp(now_ms())),
            signature: Vec::new(),
        };
        answer.signature = self.identity().sign(&answer.signed_bytes());
        answer
    }

    /// This node's investigator answers an incoming follow-up. Returns the updated record
    /// and the signed answer to send to the requester.
    pub fn answer_follow_up(
        &self,
        id: &str,
        decision: v1::Decision,
        message: &str,
        disclose_results: bool,
        user: &str,
    ) -> Result<(FollowUpRecord, v1::SignedFollowUpAnswer), EngineError> {
        let state = match decision {
            v1::Decision::Accept | v1::Decision::Decline | v1::Decision::Respond => {
                state_of(decision)
            }
            _ => None,
        }
        .ok_or_else(|| {
            EngineError::InvalidArgument("decision must be accept, decline or respond".into())
        })?;
        text_field(
            "message",
            message,
            MAX_MESSAGE,
            decision == v1::Decision::Respond,
        )?;
        let mut record = self
            .store()
            .follow_up(id, Direction::Incoming)?
            .ok_or_else(|| {
                EngineError::NotFound(format!("incoming follow-up {id} does not exist"))
            })?;
        if record.state != FollowUpState::Open {
            return Err(EngineError::FailedPrecondition(format!(
                "follow-up {id} is {:?}; only an open follow-up can be answered",
                record.state
            )));
        }
        record.state = state;
        record.message = (!message.is_empty()).then(|| message.to_owned());
        record.updated_ms = now_ms();
        let disclose = disclose_results && decision != v1::Decision::Decline;
        let mut event = audit("follow_up.answered", user, &record);
        event.detail =
            json!({"id": record.id, "peer": record.peer, "decision": format!("{decision:?}"),
                              "disclosed_results": disclose})
            .to_string();
        self.store().update_follow_up(&record, &[event])?;
        self.notify_follow_up(&record);
        let answer = self.sign_answer(&record, decision, message.to_owned(), disclose);
        Ok((record, answer))
    }

    /// Takes a signed answer from `peer` to one of this node's requests.
    pub fn receive_follow_up_answer(
        &self,
        peer: &str,
        answer: v1::SignedFollowUpAnswer,
    ) -> Result<FollowUpRecord, EngineError> {
        let refused = |reason: String| EngineError::PeerRefused {
            peer: peer.to_owned(),
            reason,
        };
        if answer.from_member != peer || answer.to_member != self.member_id() {
            return Err(refused("answer is not from this peer to this node".into()));
        }
        let key = self
            .peer_key(peer)
            .ok_or_else(|| refused("is not a configured member".into()))?;
        key.verify(&answer.signed_bytes(), &answer.signature)
            .map_err(|_| refused("answer signature does not verify".into()))?;
        text_field("message", &answer.message, MAX_MESSAGE, false)?;
        let decision = v1::Decision::try_from(answer.decision).unwrap_or(v1::Decision::Unspecified);
        let state = state_of(decision).ok_or_else(|| refused("answer has no decision".into()))?;
        let mut record = self.outgoing(&answer.request_id)?;
        if record.peer != peer {
            return Err(refused(format!(
                "follow-up {} was sent to another member",
                answer.request_id
            )));
        }
        if answer.results.len() != record.tokens.len() {
            return Err(refused(
                "answer's token results do not match the request".into(),
            ));
        }
        if !matches!(record.state, FollowUpState::Pending | FollowUpState::Open) {
            // Already answered: a retried delivery.
            return Ok(record);
        }
        let withheld = answer
            .results
            .iter()
            .any(|r| r.finding == v1::TokenFinding::Withheld as i32);
        record.token_found = if withheld {
            Vec::new()
        } else {
            answer
                .results
                .iter()
                .map(|r| r.finding == v1::TokenFinding::Found as i32)
                .collect()
        };
        record.state = state;
        record.message = (!answer.message.is_empty()).then_some(answer.message);
        record.updated_ms = now_ms();
        self.store().update_follow_up(
            &record,
            &[audit("follow_up.answer_received", peer, &record)],
        )?;
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
}
