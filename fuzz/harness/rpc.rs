//! Every RPC message a node decodes from a caller or a peer, and the conversions its services
//! apply to it: protobuf decoding, wire subject → matcher subject, keyed tokens, enum values,
//! timestamps, the signed byte strings and the Ed25519 check, and filter bytes inside peer
//! updates.

use ed25519_dalek::{Signer as _, SigningKey};
use fiu_node::clock::millis;
use fiu_node::identity::PublicKey;
use fiu_proto::convert::keyed_token_from_wire;
use fiu_proto::signing::Signed;
use fiu_proto::v1;
use matcher::filter::{Delta, Filter};
use matcher::subject::{Category, Record, Subject};
use prost::Message;
use prost_types::Timestamp;

/// The messages, in the order of the selector byte.
const MESSAGES: u8 = 17;

/// Input: a selector byte choosing the message type, then the protobuf encoding.
pub fn run(data: &[u8]) {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    match which % MESSAGES {
        0 => decode::<v1::UpsertBatch>(bytes).map_or((), upsert_batch),
        1 => decode::<v1::DeleteRequest>(bytes).map_or((), |_| ()),
        2 => decode::<v1::LookupRequest>(bytes).map_or((), lookup),
        3 => decode::<v1::ListHitsRequest>(bytes).map_or((), |r| {
            if let Some(f) = r.filter {
                timestamps(&[f.since, f.until]);
            }
        }),
        4 => decode::<v1::WatchHitsRequest>(bytes).map_or((), |_| ()),
        5 => decode::<v1::RequestFollowUpRequest>(bytes).map_or((), |r| {
            let _ = i64::try_from(r.hit_id);
        }),
        6 => decode::<v1::RespondFollowUpRequest>(bytes).map_or((), |r| {
            let _ = v1::Decision::try_from(r.decision);
        }),
        7 => decode::<v1::ListFollowUpsRequest>(bytes).map_or((), |r| {
            let _ = v1::Direction::try_from(r.direction);
            let _ = v1::FollowUpState::try_from(r.state);
        }),
        8 => decode::<v1::WatchFollowUpsRequest>(bytes).map_or((), |r| timestamps(&[r.since])),
        9 => decode::<v1::StatisticsRequest>(bytes).map_or((), |r| {
            let _ = v1::Period::try_from(r.period);
            timestamps(&[r.since, r.until]);
        }),
        10 => decode::<v1::SnapshotRequest>(bytes).map_or((), |_| ()),
        11 => decode::<v1::UpdatesRequest>(bytes).map_or((), |_| ()),
        12 => decode::<v1::SignedFollowUpRequest>(bytes).map_or((), follow_up_request),
        13 => decode::<v1::SignedFollowUpAnswer>(bytes).map_or((), follow_up_answer),
        14 => decode::<v1::SnapshotPart>(bytes).map_or((), snapshot_part),
        15 => decode::<v1::FilterUpdate>(bytes).map_or((), filter_update),
        _ => decode::<v1::FollowUpReceipt>(bytes).map_or((), |r| timestamps(&[r.received])),
    }
}

/// Decodes `bytes`; a decoded message must encode to bytes that decode and encode to the same
/// bytes again (compared as bytes: a `double` field may hold NaN).
fn decode<M: Message + Default>(bytes: &[u8]) -> Option<M> {
    let message = M::decode(bytes).ok()?;
    let encoded = message.encode_to_vec();
    let again = M::decode(encoded.as_slice()).expect("re-encoded message decodes");
    assert_eq!(again.encode_to_vec(), encoded, "re-encoding is not stable");
    Some(message)
}

fn timestamps(ts: &[Option<Timestamp>]) {
    for t in ts.iter().flatten() {
        let _ = millis(t);
    }
}

/// Ingest: each subject converts or is refused by index with a field path; a converted one
/// goes through the key recipe.
fn upsert_batch(batch: v1::UpsertBatch) {
    for (i, wire) in batch.subjects.into_iter().enumerate() {
        let local_ref = wire.local_ref.clone();
        match Subject::try_from(wire) {
            Ok(subject) => {
                // What converts must convert back to the same.
                let back = Subject::try_from(v1::Subject::from(&subject))
                    .expect("a converted subject converts again");
                assert_eq!(back, subject, "wire subject conversion does not round-trip");
                super::common::derive_all(&subject);
            }
            Err(e) => {
                let field = e.to_field_error(i as u64, &local_ref);
                assert!(!field.field.is_empty(), "a refused subject names no field");
            }
        }
    }
}

/// Look-up: only the record is used.
fn lookup(request: v1::LookupRequest) {
    let Some(record) = request.subject.and_then(|s| s.record) else {
        return;
    };
    if let Ok(record) = Record::try_from(record) {
        super::common::derive_all(&Subject {
            local_ref: "lookup".to_owned(),
            category: Category::Suspect,
            expires: None,
            record,
        });
    }
}

/// A fixed member key: the harness signs decoded messages with it so that the checks after
/// the signature are reached too.
fn member_key() -> (SigningKey, PublicKey) {
    let signing = SigningKey::from_bytes(&[42; 32]);
    let hex: String = signing
        .verifying_key()
        .to_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let public = PublicKey::from_hex("fuzz member", &hex).expect("a valid public key");
    (signing, public)
}

/// Checks the carried signature (random bytes must not verify, and must not panic), then
/// that a signature the member makes over the signed bytes does.
fn check_signature<M: Signed>(message: &M) {
    let (signing, public) = member_key();
    let bytes = message.signed_bytes();
    assert!(
        bytes.starts_with(&(M::CONTEXT.len() as u64).to_le_bytes()),
        "signed bytes do not start with the context"
    );
    assert!(public.verify(&bytes, message.signature()).is_err());
    let signature = signing.sign(&bytes).to_bytes();
    public
        .verify(&bytes, &signature)
        .expect("the member's own signature verifies");
}

fn follow_up_request(request: v1::SignedFollowUpRequest) {
    check_signature(&request);
    let _ = fiu_node::followup::incoming_id(&request.from_member, &request.request_id);
    for (i, t) in request.tokens.iter().enumerate() {
        let field = format!("tokens[{i}]");
        if let Err(e) = keyed_token_from_wire(t, &field) {
            assert!(
                e.field().starts_with(&field),
                "token error names another field"
            );
        }
    }
    timestamps(&[request.created]);
}

fn follow_up_answer(answer: v1::SignedFollowUpAnswer) {
    check_signature(&answer);
    let _ = v1::Decision::try_from(answer.decision);
    for r in &answer.results {
        let _ = v1::TokenFinding::try_from(r.finding);
    }
    timestamps(&[answer.created]);
}

fn snapshot_part(part: v1::SnapshotPart) {
    match part.part {
        Some(v1::snapshot_part::Part::Header(h)) => signed_filter(&h),
        Some(v1::snapshot_part::Part::Chunk(c)) => {
            let _ = Filter::from_bytes(&c.data);
        }
        None => {}
    }
}

fn filter_update(update: v1::FilterUpdate) {
    match update.update {
        Some(v1::filter_update::Update::Snapshot(h)) => signed_filter(&h),
        Some(v1::filter_update::Update::SnapshotChunk(c)) => {
            let _ = Filter::from_bytes(&c.data);
        }
        Some(v1::filter_update::Update::Delta(d)) => {
            check_signature(&d);
            let _ = Delta::from_bytes(&d.delta);
        }
        None => {}
    }
}

fn signed_filter(header: &v1::SignedFilter) {
    check_signature(header);
    timestamps(&[header.published_at]);
}
