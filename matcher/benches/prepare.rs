//! Subject preparation speed: normalise + derive keys + tokenise, per person, and tokens per
//! second against raw HMAC-SHA256 on the same key bytes in the same run.
//!
//! `cargo bench -p matcher --bench prepare`

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use matcher::hits::tokens_of;
use matcher::keys::{KeyOptions, derive};
use matcher::subject::{Category, DocumentKind, IdentityDocument, Person, Record, Subject};
use matcher::{Epoch, NetworkSecret, Tokeniser};
use sha2::Sha256;

const GIVEN: &[&str] = &[
    "John",
    "Maria",
    "Aleksandr",
    "Mohammed",
    "Wei",
    "Giorgos",
    "Anna",
    "José",
];
const FAMILY: &[&str] = &[
    "Smith",
    "García",
    "Pushkin",
    "Al-Rashid",
    "Zhang",
    "Papadopoulos",
    "Kowalska",
    "Müller",
];

/// Persons with two names, a full date of birth and one passport: the benchmark's subject.
fn persons(n: usize) -> Vec<Subject> {
    (0..n)
        .map(|i| Subject {
            local_ref: format!("P{i}"),
            category: Category::Suspect,
            expires: None,
            record: Record::Person(Person {
                given_name: Some(GIVEN[i % GIVEN.len()].to_owned()),
                family_name: Some(FAMILY[(i / GIVEN.len()) % FAMILY.len()].to_owned()),
                birth_date: Some(format!(
                    "{}-{:02}-{:02}",
                    1950 + i % 50,
                    1 + i % 12,
                    1 + i % 28
                )),
                documents: vec![IdentityDocument {
                    kind: DocumentKind::Passport,
                    number: format!("X{:08}", i),
                    country: Some("DE".to_owned()),
                }],
                ..Person::default()
            }),
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let secret = NetworkSecret::from_bytes([42; 32]);
    let key = secret.epoch_key(Epoch(1));
    let tokeniser = Tokeniser::new(&key);
    let options = KeyOptions::default();
    let people = persons(1024);

    let keys_per_person: usize = people
        .iter()
        .map(|p| derive(p, &options).keys.len())
        .sum::<usize>()
        / people.len();
    eprintln!(
        "default recipe: {keys_per_person} tokens per person (two names, full date of birth, one passport)"
    );

    let mut g = c.benchmark_group("prepare");
    g.measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(people.len() as u64));
    g.bench_function("person: normalise + keys + tokens", |b| {
        b.iter(|| {
            for p in &people {
                let keys = derive(p, &options);
                black_box(tokens_of(&keys.keys, &tokeniser));
            }
        })
    });
    g.bench_function("person: normalise + keys", |b| {
        b.iter(|| {
            for p in &people {
                black_box(derive(p, &options));
            }
        })
    });
    g.finish();

    // Same key bytes through the tokeniser and through raw HMAC-SHA256.
    let all_keys: Vec<_> = people
        .iter()
        .flat_map(|p| derive(p, &options).keys)
        .collect();
    let mut g = c.benchmark_group("tokens");
    g.measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(all_keys.len() as u64));
    g.bench_function("tokeniser", |b| {
        b.iter(|| {
            for k in &all_keys {
                black_box(tokeniser.token(k));
            }
        })
    });
    let raw_key = [7u8; 32];
    let prepared = <Hmac<Sha256> as KeyInit>::new_from_slice(&raw_key).expect("any key length");
    g.bench_function("raw HMAC-SHA256, key prepared once", |b| {
        b.iter(|| {
            for k in &all_keys {
                let mut mac = prepared.clone();
                mac.update(k.bytes());
                black_box(mac.finalize().into_bytes());
            }
        })
    });
    g.bench_function("raw HMAC-SHA256, key set per token", |b| {
        b.iter(|| {
            for k in &all_keys {
                let mut mac =
                    <Hmac<Sha256> as KeyInit>::new_from_slice(&raw_key).expect("any key length");
                mac.update(k.bytes());
                black_box(mac.finalize().into_bytes());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
