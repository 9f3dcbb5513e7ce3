//! The byte strings that the Ed25519 signatures of the peering messages cover.
//!
//! peering.proto gives the layout: a context string naming the message type, then the fields
//! in a fixed order, each length-prefixed or fixed-width, little-endian. This module is the one
//! implementation of it; the node signs and checks [`Signed::signed_bytes`] with its identity
//! keys (this crate holds no key and does no cryptography).
//!
//! Protobuf's own encoding is not used because it is not canonical: the same message has
//! several valid encodings, so a receiver that decoded and re-encoded could not reproduce the
//! bytes the sender signed.

use prost_types::Timestamp;

use crate::v1;

/// A peering message that carries an Ed25519 signature over [`Signed::signed_bytes`].
pub trait Signed {
    /// The context string that starts the signed bytes: the message's full protobuf name, so a
    /// signature over one message type never verifies as another.
    const CONTEXT: &'static str;

    /// The exact bytes the signature covers (every field but the signature, in the documented
    /// order).
    fn signed_bytes(&self) -> Vec<u8>;

    /// The signature as carried in the message (64 bytes when well formed; the node checks).
    fn signature(&self) -> &[u8];
}

/// Writes the fields of a signed byte string.
struct Writer(Vec<u8>);

impl Writer {
    fn new(context: &str) -> Writer {
        let mut w = Writer(Vec::with_capacity(256));
        w.bytes(context.as_bytes());
        w
    }

    fn bytes(&mut self, b: &[u8]) {
        self.len(b.len());
        self.0.extend_from_slice(b);
    }

    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }

    fn enumeration(&mut self, v: i32) {
        self.0.extend_from_slice(&i64::from(v).to_le_bytes());
    }

    /// A length or count. `usize` is at most 64 bits on every supported target.
    fn len(&mut self, n: usize) {
        self.u64(n as u64);
    }

    fn timestamp(&mut self, t: Option<&Timestamp>) {
        let (seconds, nanos) = t.map_or((0, 0), |t| (t.seconds, t.nanos));
        self.0.extend_from_slice(&seconds.to_le_bytes());
        self.0.extend_from_slice(&nanos.to_le_bytes());
    }

    fn keyed_token(&mut self, t: &v1::KeyedToken) {
        self.str(&t.key_kind);
        self.bytes(&t.token);
    }

    fn finish(self) -> Vec<u8> {
        self.0
    }
}

impl Signed for v1::SignedFilter {
    const CONTEXT: &'static str = "fiu.v1.SignedFilter";

    fn signed_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(Self::CONTEXT);
        w.str(&self.member_id);
        w.u64(self.epoch);
        w.u64(self.sequence);
        w.u64(self.filter_length);
        w.bytes(&self.content_id);
        w.timestamp(self.published_at.as_ref());
        w.finish()
    }

    fn signature(&self) -> &[u8] {
        &self.signature
    }
}

impl Signed for v1::SignedDelta {
    const CONTEXT: &'static str = "fiu.v1.SignedDelta";

    fn signed_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(Self::CONTEXT);
        w.str(&self.member_id);
        w.u64(self.epoch);
        w.u64(self.sequence);
        w.bytes(&self.delta);
        w.finish()
    }

    fn signature(&self) -> &[u8] {
        &self.signature
    }
}

impl Signed for v1::SignedFollowUpRequest {
    const CONTEXT: &'static str = "fiu.v1.SignedFollowUpRequest";

    fn signed_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(Self::CONTEXT);
        w.str(&self.request_id);
        w.str(&self.from_member);
        w.str(&self.to_member);
        w.u64(self.epoch);
        w.str(&self.case_reference);
        w.str(&self.legal_basis);
        w.str(&self.purpose);
        w.len(self.tokens.len());
        for t in &self.tokens {
            w.keyed_token(t);
        }
        w.timestamp(self.created.as_ref());
        w.finish()
    }

    fn signature(&self) -> &[u8] {
        &self.signature
    }
}

impl Signed for v1::SignedFollowUpAnswer {
    const CONTEXT: &'static str = "fiu.v1.SignedFollowUpAnswer";

    fn signed_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(Self::CONTEXT);
        w.str(&self.request_id);
        w.str(&self.from_member);
        w.str(&self.to_member);
        w.enumeration(self.decision);
        w.str(&self.message);
        w.len(self.results.len());
        for r in &self.results {
            // A result without its token is written as an empty kind and token, so it still
            // differs from any result that has one.
            match &r.token {
                Some(t) => w.keyed_token(t),
                None => w.keyed_token(&v1::KeyedToken::default()),
            }
            w.enumeration(r.finding);
        }
        w.timestamp(self.created.as_ref());
        w.finish()
    }

    fn signature(&self) -> &[u8] {
        &self.signature
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(seconds: i64, nanos: i32) -> Option<Timestamp> {
        Some(Timestamp { seconds, nanos })
    }

    fn token(kind: &str, b: u8) -> v1::KeyedToken {
        v1::KeyedToken {
            key_kind: kind.into(),
            token: vec![b; 32],
        }
    }

    fn filter() -> v1::SignedFilter {
        v1::SignedFilter {
            member_id: "fiu-de".into(),
            epoch: 7,
            sequence: 42,
            filter_length: 1 << 20,
            content_id: vec![0xab; 32],
            published_at: ts(1_750_000_000, 5),
            signature: vec![1; 64],
        }
    }

    fn request() -> v1::SignedFollowUpRequest {
        v1::SignedFollowUpRequest {
            request_id: "00112233445566778899aabbccddeeff".into(),
            from_member: "fiu-de".into(),
            to_member: "fiu-fr".into(),
            epoch: 7,
            case_reference: "CASE-1".into(),
            legal_basis: "Art. 53 AMLD".into(),
            purpose: "money laundering".into(),
            tokens: vec![token("iban", 1), token("person_name_dob", 2)],
            created: ts(1_750_000_000, 0),
            signature: vec![2; 64],
        }
    }

    fn answer() -> v1::SignedFollowUpAnswer {
        v1::SignedFollowUpAnswer {
            request_id: "00112233445566778899aabbccddeeff".into(),
            from_member: "fiu-fr".into(),
            to_member: "fiu-de".into(),
            decision: v1::Decision::Respond as i32,
            message: "call us".into(),
            results: vec![
                v1::TokenResult {
                    token: Some(token("iban", 1)),
                    finding: v1::TokenFinding::Found as i32,
                },
                v1::TokenResult {
                    token: Some(token("person_name_dob", 2)),
                    finding: v1::TokenFinding::NotFound as i32,
                },
            ],
            created: ts(1_750_000_100, 0),
            signature: vec![3; 64],
        }
    }

    /// A named change to one field of a message.
    type Mutation<M> = (&'static str, fn(&mut M));

    /// Asserts that each mutation changes the signed bytes.
    fn every_field_is_covered<M: Signed + Clone>(base: &M, mutations: &[Mutation<M>]) {
        let reference = base.signed_bytes();
        for (name, mutate) in mutations {
            let mut m = base.clone();
            mutate(&mut m);
            assert_ne!(m.signed_bytes(), reference, "field {name} is not signed");
        }
    }

    #[test]
    fn the_filter_layout_is_pinned() {
        let mut expected = Vec::new();
        let field = |out: &mut Vec<u8>, b: &[u8]| {
            out.extend_from_slice(&(b.len() as u64).to_le_bytes());
            out.extend_from_slice(b);
        };
        field(&mut expected, b"fiu.v1.SignedFilter");
        field(&mut expected, b"fiu-de");
        expected.extend_from_slice(&7u64.to_le_bytes());
        expected.extend_from_slice(&42u64.to_le_bytes());
        expected.extend_from_slice(&(1u64 << 20).to_le_bytes());
        field(&mut expected, &[0xab; 32]);
        expected.extend_from_slice(&1_750_000_000i64.to_le_bytes());
        expected.extend_from_slice(&5i32.to_le_bytes());
        assert_eq!(filter().signed_bytes(), expected);
    }

    #[test]
    fn the_signature_is_not_signed() {
        let mut f = filter();
        let before = f.signed_bytes();
        f.signature = vec![9; 64];
        assert_eq!(f.signed_bytes(), before);
        assert_eq!(f.signature(), &[9; 64][..]);
    }

    #[test]
    fn every_filter_and_delta_field_is_signed() {
        every_field_is_covered(
            &filter(),
            &[
                ("member_id", |m| m.member_id.push('x')),
                ("epoch", |m| m.epoch += 1),
                ("sequence", |m| m.sequence += 1),
                ("filter_length", |m| m.filter_length += 1),
                ("content_id", |m| m.content_id[31] ^= 1),
                ("published_at.seconds", |m| {
                    m.published_at = ts(1_750_000_001, 5)
                }),
                ("published_at.nanos", |m| {
                    m.published_at = ts(1_750_000_000, 6)
                }),
                ("published_at unset", |m| m.published_at = None),
            ],
        );
        let delta = v1::SignedDelta {
            member_id: "fiu-de".into(),
            epoch: 7,
            sequence: 43,
            delta: vec![5; 100],
            signature: vec![4; 64],
        };
        every_field_is_covered(
            &delta,
            &[
                ("member_id", |m| m.member_id.push('x')),
                ("epoch", |m| m.epoch += 1),
                ("sequence", |m| m.sequence += 1),
                ("delta", |m| m.delta[50] ^= 1),
                ("delta length", |m| m.delta.push(0)),
            ],
        );
    }

    #[test]
    fn every_follow_up_field_is_signed() {
        every_field_is_covered(
            &request(),
            &[
                ("request_id", |m| m.request_id.push('0')),
                ("from_member", |m| m.from_member.push('x')),
                ("to_member", |m| m.to_member.push('x')),
                ("epoch", |m| m.epoch += 1),
                ("case_reference", |m| m.case_reference.push('x')),
                ("legal_basis", |m| m.legal_basis.push('x')),
                ("purpose", |m| m.purpose.push('x')),
                ("tokens removed", |m| {
                    m.tokens.pop();
                }),
                ("tokens reordered", |m| m.tokens.reverse()),
                ("token kind", |m| m.tokens[0].key_kind = "lei".into()),
                ("token bytes", |m| m.tokens[1].token[0] ^= 1),
                ("created", |m| m.created = ts(1_750_000_001, 0)),
            ],
        );
        every_field_is_covered(
            &answer(),
            &[
                ("request_id", |m| m.request_id.push('0')),
                ("from_member", |m| m.from_member.push('x')),
                ("to_member", |m| m.to_member.push('x')),
                ("decision", |m| m.decision = v1::Decision::Accept as i32),
                ("message", |m| m.message.push('x')),
                ("results removed", |m| {
                    m.results.pop();
                }),
                ("result token", |m| m.results[0].token = None),
                ("result finding", |m| {
                    m.results[1].finding = v1::TokenFinding::Found as i32
                }),
                ("created", |m| m.created = None),
            ],
        );
    }

    #[test]
    fn length_prefixes_keep_neighbouring_fields_apart() {
        // Moving a byte from one string to the next must change the signed bytes.
        let mut a = request();
        a.case_reference = "AB".into();
        a.legal_basis = "C".into();
        let mut b = request();
        b.case_reference = "A".into();
        b.legal_basis = "BC".into();
        assert_ne!(a.signed_bytes(), b.signed_bytes());
    }

    #[test]
    fn contexts_differ_between_message_types() {
        let contexts = [
            v1::SignedFilter::CONTEXT,
            v1::SignedDelta::CONTEXT,
            v1::SignedFollowUpRequest::CONTEXT,
            v1::SignedFollowUpAnswer::CONTEXT,
        ];
        for (i, a) in contexts.iter().enumerate() {
            for b in &contexts[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}
