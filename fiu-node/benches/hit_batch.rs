//! Recording a peer snapshot's hits: one transaction per hit (`Store::record_hit` in a loop,
//! as the engine did before) against one transaction for all (`Store::record_hits`), on a
//! SQLite store in a temporary directory. `HIT_BATCH=N` sets the number of hits (default
//! 2 000). Run: `cargo bench -p fiu-node --bench hit_batch`.

use std::time::Instant;

use fiu_node::store::{AuditEvent, NewHit, PreparedSubject, SqliteStore, Store};
use matcher::hits::KeyedToken;
use matcher::subject::{Person, Record};
use matcher::{Category, Epoch, KeyKind, Strength, Subject, Token};

fn token(seed: u32) -> Token {
    let mut b = [0u8; 32];
    b[..4].copy_from_slice(&seed.to_be_bytes());
    Token::from_bytes(b)
}

fn main() {
    let n: u32 = std::env::var("HIT_BATCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    for batched in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("n.db")).unwrap();
        let subjects: Vec<PreparedSubject> = (0..n)
            .map(|i| PreparedSubject {
                subject: Subject {
                    local_ref: format!("S{i}"),
                    category: Category::Suspect,
                    expires: None,
                    record: Record::Person(Person {
                        family_name: Some(format!("F{i}")),
                        birth_date: Some("1980-01-01".into()),
                        ..Person::default()
                    }),
                },
                content_hash: [i as u8; 32],
                tokens: vec![KeyedToken {
                    kind: KeyKind::Iban,
                    token: token(i),
                }],
                shared: true,
            })
            .collect();
        store.upsert_subjects(Epoch(1), &subjects, &[]).unwrap();
        let hits: Vec<(NewHit, Vec<AuditEvent>)> = (0..n)
            .map(|i| {
                (
                    NewHit {
                        local_ref: format!("S{i}"),
                        peer: "fiu-b".into(),
                        epoch: Epoch(1),
                        kinds: vec![KeyKind::Iban],
                        strength: Strength::Strong,
                        confidence: 0.99,
                        tokens: vec![KeyedToken {
                            kind: KeyKind::Iban,
                            token: token(i),
                        }],
                        at_ms: 1,
                    },
                    vec![AuditEvent {
                        kind: "hit.recorded".into(),
                        actor: "node".into(),
                        detail: "{}".into(),
                    }],
                )
            })
            .collect();
        let t = Instant::now();
        if batched {
            store.record_hits(&hits).unwrap();
        } else {
            for (h, a) in &hits {
                store.record_hit(h, a).unwrap();
            }
        }
        let s = t.elapsed().as_secs_f64();
        println!(
            "batched={batched}: {n} hits in {s:.3} s = {:.0} hits/s",
            f64::from(n) / s
        );
    }
}
