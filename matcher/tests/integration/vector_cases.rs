//! The known-answer cases of docs/vectors/, computed from the current code. Shared by the
//! vectors test and the `vectors` example that (re)writes the files.

#![allow(dead_code)]

use matcher::filter::{Filter, FilterParams};
use matcher::keys::{KeyKind, KeyOptions, derive};
use matcher::subject::Subject;
use matcher::{Epoch, NetworkSecret, Token, Tokeniser};
use serde_json::{Value, json};

/// The network secret of every vector: bytes 0x00, 0x01, ..., 0x1f.
pub fn secret() -> NetworkSecret {
    let mut b = [0u8; 32];
    for (i, x) in b.iter_mut().enumerate() {
        *x = i as u8;
    }
    NetworkSecret::from_bytes(b)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Subjects whose keys and tokens are pinned: one per record type, persons written the ways
/// two FIUs write the same person.
pub fn subjects() -> Vec<Value> {
    vec![
        json!({"local_ref":"V1","category":"suspect","type":"person","given_name":"Aleksandr","family_name":"Pushkin",
               "birth_date":"1979-06-26","documents":[{"kind":"passport","number":"72 1234567","country":"RUS"}]}),
        json!({"local_ref":"V2","category":"suspect","type":"person","given_name":"Пушкин","family_name":"Александр",
               "birth_date":"26.06.1979"}),
        json!({"local_ref":"V3","category":"associate","type":"person","given_name":"José María","family_name":"García-López",
               "birth_date":"1985-02-03","phones":["+34 612 345 678"],"emails":["J.Garcia@Example.ES"]}),
        json!({"local_ref":"V4","category":"suspect","type":"entity","name":"ACME Trading GmbH","registration_number":"HRB 12345",
               "registration_country":"DE","lei":"5493001KJTIIGC8Y1R12"}),
        json!({"local_ref":"V5","category":"suspect","type":"account","iban":"gb82 west 1234 5698 7654 32"}),
        json!({"local_ref":"V6","category":"suspect","type":"wallet","chain":"ETH","address":"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}),
        json!({"local_ref":"V7","category":"suspect","type":"wallet","chain":"bitcoin","address":"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4"}),
        json!({"local_ref":"V8","category":"suspect","type":"vessel","imo":"IMO 9074729"}),
        json!({"local_ref":"V9","category":"suspect","type":"container","number":"CSQU 305438 3"}),
        json!({"local_ref":"V10","category":"suspect","type":"aircraft","registration":"D-ABCD"}),
        json!({"local_ref":"V11","category":"suspect","type":"email","address":"Someone@Example.org"}),
        json!({"local_ref":"V12","category":"suspect","type":"phone","number":"+49 30 1234567"}),
    ]
}

/// docs/vectors/keys.json: subject -> keys (kind, bytes as text with 0x1F shown as `|`) and
/// tokens under epoch 1.
pub fn keys() -> Value {
    let tokeniser = Tokeniser::new(&secret().epoch_key(Epoch(1)));
    let cases: Vec<Value> = subjects()
        .into_iter()
        .map(|s| {
            let subject: Subject =
                serde_json::from_value(s.clone()).expect("vector subjects are valid JSON");
            let derived = derive(&subject, &KeyOptions::default());
            let keys: Vec<Value> = derived
                .keys
                .iter()
                .map(|k| {
                    json!({
                        "kind": k.kind().label(),
                        "code": k.kind().code(),
                        "bytes_hex": hex(k.bytes()),
                        "text": String::from_utf8_lossy(k.bytes()).replace('\u{1f}', "|"),
                        "token": tokeniser.token(k).to_hex(),
                    })
                })
                .collect();
            let refused: Vec<String> = derived.refused.iter().map(|e| e.to_string()).collect();
            json!({"subject": s, "keys": keys, "refused": refused})
        })
        .collect();
    json!({
        "about": "Format-1 match keys and their tokens. Secret: bytes 00..1f; epoch 1. `text` shows the key bytes with 0x1F as |.",
        "network_secret_hex": hex(secret().expose()),
        "epoch": 1,
        "cases": cases,
    })
}

/// docs/vectors/tokens.json: epoch keys and tokens of raw key bytes.
pub fn tokens() -> Value {
    let s = secret();
    let mut cases = Vec::new();
    for epoch in [0u64, 1, 2026] {
        let t = Tokeniser::new(&s.epoch_key(Epoch(epoch)));
        for (kind, bytes) in [
            (KeyKind::Iban, &b"GB82WEST12345698765432"[..]),
            (KeyKind::Lei, &b"GB82WEST12345698765432"[..]),
            (
                KeyKind::PersonNameDob,
                &b"aleksandr pushkin\x1f1979-06-26"[..],
            ),
            (KeyKind::Email, &b""[..]),
        ] {
            cases.push(json!({
                "epoch": epoch,
                "kind": kind.label(),
                "code": kind.code(),
                "key_hex": hex(bytes),
                "token": t.token_of(kind, bytes).to_hex(),
            }));
        }
    }
    json!({
        "about": "token = HMAC-SHA256(HKDF-SHA256(salt 'fiu-match/v1/epoch-key', ikm secret, info epoch u64 BE, 32 bytes), 0x01 || code u16 BE || key)",
        "network_secret_hex": hex(s.expose()),
        "cases": cases,
    })
}

/// docs/vectors/filter.json: a small filter, its bytes and its content id.
pub fn filter() -> Value {
    let params = FilterParams::for_capacity(16, 1e-3).expect("valid parameters");
    let mut f = Filter::new(Epoch(7), params);
    let tokens: Vec<Token> = (0u32..8)
        .map(|i| Token::from_bytes(*blake3::hash(&i.to_le_bytes()).as_bytes()))
        .collect();
    let delta = f.insert_batch(&tokens[..4]);
    let before_second = f.to_bytes();
    let delta2 = f.insert_batch(&tokens[4..]);
    json!({
        "about": "Tokens i = BLAKE3(u32 LE i) for i in 0..8; filter for capacity 16 at fpr 1e-3, epoch 7; first four inserted (delta_1), then the rest (delta_2).",
        "tokens": tokens.iter().map(|t| t.to_hex()).collect::<Vec<_>>(),
        "snapshot_after_first_four_hex": hex(&before_second),
        "delta_1_hex": hex(&delta.to_bytes()),
        "delta_2_hex": hex(&delta2.to_bytes()),
        "snapshot_hex": hex(&f.to_bytes()),
        "content_id": hex(&f.content_id()),
    })
}

/// Every vector file, by name.
pub fn all() -> Vec<(&'static str, Value)> {
    vec![
        ("tokens.json", tokens()),
        ("keys.json", keys()),
        ("filter.json", filter()),
    ]
}
