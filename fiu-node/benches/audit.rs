//! What the verifiable audit log costs, and what its proofs cost at ten million entries.
//!
//! `cargo bench -p fiu-node --bench audit`. Environment (defaults in brackets):
//! AUDIT_BENCH_LOOKUPS [300], AUDIT_BENCH_SUBJECTS [20000], AUDIT_BENCH_STORE_ENTRIES
//! [1000000], AUDIT_BENCH_TREE_ENTRIES [10000000].
//!
//! 1. Appends: one event per transaction (a look-up, a refused call) and many per transaction
//!    (ingest writes its events in the batch's own transaction).
//! 2. Ingest and look-ups through the engine, and the share of each that is the audit entry.
//!    The node has no "log off" switch (every change is written with its entry), so the
//!    slowdown is measured as the audit part's own cost against the whole operation. Then
//!    concurrent look-ups (8 and 32 callers, AUDIT_BENCH_LOOKUPS in all per run) with group
//!    commit (the store's behaviour) against one commit per call (the callers serialised by a
//!    lock in the bench, which is what the store's writer lock did before group commit).
//! 3. Building the tree (sealing) and proofs from the SQLite store at AUDIT_BENCH_STORE_ENTRIES.
//! 4. Proof sizes and verification time over AUDIT_BENCH_TREE_ENTRIES leaves (in memory,
//!    the pure crate; the verifier's cost does not depend on where the proof came from).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fiu_audit::{Entry, LeafIndex, Tree, TreeSize, verify_consistency, verify_inclusion};
use fiu_node::audit_log::AuditLog;
use fiu_node::engine::{Engine, EngineSettings};
use fiu_node::identity::Identity;
use fiu_node::store::{AuditEvent, SqliteStore};
use matcher::hits::HitPolicy;
use matcher::keys::KeyOptions;
use matcher::{Category, Epoch, NetworkSecret, Subject};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn open_engine(dir: &std::path::Path) -> Arc<Engine> {
    open_engine_and_store(dir).0
}

/// The engine and its store as the concrete type (for its transaction counter).
fn open_engine_and_store(dir: &std::path::Path) -> (Arc<Engine>, Arc<SqliteStore>) {
    let store = Arc::new(SqliteStore::open(&dir.join("node.sqlite")).expect("store"));
    let settings = EngineSettings {
        member_id: "fiu-bench".into(),
        epoch: Epoch(1),
        target_fpr: 1e-6,
        initial_capacity: 1_000_000,
        share_categories: vec![Category::Suspect, Category::Associate],
        key_options: KeyOptions::default(),
        hit_policy: HitPolicy::default(),
    };
    let engine = Arc::new(
        Engine::open(
            settings,
            store.clone(),
            &NetworkSecret::from_bytes([7; 32]),
            Identity::generate().expect("identity"),
            HashMap::new(),
        )
        .expect("engine"),
    );
    (engine, store)
}

/// Runs `total` look-ups from `callers` threads at once and returns each one's latency and
/// the wall time. With `serialise`, a lock lets one look-up run at a time: one commit per
/// call, as before group commit.
fn concurrent_lookups(
    engine: &Engine,
    probes: &[Subject],
    callers: usize,
    total: usize,
    serialise: bool,
) -> (Vec<Duration>, Duration) {
    let per_caller = total.div_ceil(callers);
    let lock = std::sync::Mutex::new(());
    let start_line = std::sync::Barrier::new(callers);
    let start = Instant::now();
    let mut latencies: Vec<Duration> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..callers)
            .map(|c| {
                let (lock, start_line) = (&lock, &start_line);
                s.spawn(move || {
                    start_line.wait();
                    (0..per_caller)
                        .map(|i| {
                            let n = c * per_caller + i;
                            let subject = &probes[n % probes.len()];
                            let t = Instant::now();
                            let _one_at_a_time = serialise.then(|| lock.lock().expect("lock"));
                            engine
                                .lookup(subject, "alice", &format!("CASE-C{n}"), "bench")
                                .expect("lookup");
                            t.elapsed()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("caller"))
            .collect()
    });
    let wall = start.elapsed();
    latencies.sort();
    (latencies, wall)
}

/// An event shaped like a look-up's.
fn lookup_event(i: usize) -> AuditEvent {
    AuditEvent {
        kind: "lookup".into(),
        actor: "alice".into(),
        detail: format!(
            r#"{{"case_reference":"CASE-{i}","purpose":"check whether the subject is known abroad","tokens":6,"peers_hit":[]}}"#
        ),
    }
}

fn per_second(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

fn micros(d: Duration, n: usize) -> f64 {
    d.as_secs_f64() * 1e6 / n as f64
}

fn main() {
    let lookups = env("AUDIT_BENCH_LOOKUPS", 300);
    let subjects = env("AUDIT_BENCH_SUBJECTS", 20_000);
    let store_entries = env("AUDIT_BENCH_STORE_ENTRIES", 1_000_000);
    let tree_entries = env("AUDIT_BENCH_TREE_ENTRIES", 10_000_000);
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average at start: {}", load.trim());
    }

    // 1. Appends.
    let dir = tempfile::tempdir().expect("temp dir");
    let (engine, sqlite) = open_engine_and_store(dir.path());
    let store = engine.store().clone();
    let n = 300;
    let start = Instant::now();
    for i in 0..n {
        store.append_audit(&[lookup_event(i)]).expect("append");
    }
    let single = start.elapsed();
    println!(
        "append, one event per transaction (fsync each): {:.0} appends/s, {:.0} µs each",
        per_second(n, single),
        micros(single, n)
    );
    let batch: Vec<AuditEvent> = (0..1000).map(lookup_event).collect();
    let rounds = 20;
    let start = Instant::now();
    for _ in 0..rounds {
        store.append_audit(&batch).expect("append batch");
    }
    let batched = start.elapsed();
    let per_row = micros(batched, rounds * batch.len());
    println!(
        "append, 1000 events per transaction: {:.0} appends/s ({per_row:.1} µs per event)",
        per_second(rounds * batch.len(), batched)
    );
    let log = AuditLog::open(engine.clone()).expect("audit log");
    let before = store.audit_len().expect("len") as usize;
    let start = Instant::now();
    let sealed = log.seal().expect("seal").get() as usize;
    let seal = start.elapsed();
    println!(
        "sealing (leaf hashes and tree nodes into the store): {:.0} entries/s ({:.1} µs per entry, {sealed} entries)",
        per_second(before, seal),
        micros(seal, before)
    );
    let seal_per_entry = micros(seal, before);

    // 2. Ingest and look-ups through the engine.
    let mut spec = synth::PopulationSpec::new(11, subjects);
    spec.ref_prefix = "BENCH".into();
    let population: Vec<Subject> = synth::Population::stream(&spec).collect();
    let batch_size = 1000;
    let start = Instant::now();
    let mut batches = 0;
    for chunk in population.chunks(batch_size) {
        engine
            .ingest(chunk.to_vec(), "olga", "bench")
            .expect("ingest");
        batches += 1;
    }
    let ingest = start.elapsed();
    let ingest_batch_us = micros(ingest, batches);
    // Ingest writes one event per batch, in the batch's transaction (no extra fsync), and
    // sealing hashes it later.
    let audit_us = per_row + seal_per_entry;
    println!(
        "ingest: {:.0} subjects/s in batches of {batch_size} ({ingest_batch_us:.0} µs a batch); the audit part: 1 row in the batch's transaction + sealing = {audit_us:.1} µs a batch = {:.3} % of the batch",
        per_second(population.len(), ingest),
        100.0 * audit_us / ingest_batch_us
    );

    // Interleaved, and medians: the machine is shared and fsync times vary widely.
    let probes: Vec<Subject> = population.iter().take(lookups).cloned().collect();
    let mut look = Vec::new();
    let mut alone = Vec::new();
    for (i, s) in probes.iter().enumerate() {
        let t = Instant::now();
        engine
            .lookup(s, "alice", &format!("CASE-{i}"), "bench")
            .expect("lookup");
        look.push(t.elapsed());
        let t = Instant::now();
        store.append_audit(&[lookup_event(i)]).expect("append");
        alone.push(t.elapsed());
    }
    look.sort();
    alone.sort();
    let lookup_us = micros(look[look.len() / 2], 1);
    let append_us = micros(alone[alone.len() / 2], 1);
    println!(
        "look-up (no peer filters: the least work a look-up does), medians: {lookup_us:.0} µs each; its audit entry alone (one transaction, fsync) {append_us:.0} µs: the entry's commit is most of a look-up"
    );
    for callers in [8, 32] {
        for (serialise, name) in [(true, "one commit per call"), (false, "group commit")] {
            let before = sqlite.audit_transactions();
            let (lat, wall) = concurrent_lookups(&engine, &probes, callers, lookups, serialise);
            let commits = sqlite.audit_transactions() - before;
            println!(
                "look-ups, {callers} concurrent callers, {name}: {:.0} look-ups/s; latency median {:.1} ms, p90 {:.1} ms; {:.2} transactions a look-up",
                per_second(lat.len(), wall),
                lat[lat.len() / 2].as_secs_f64() * 1e3,
                lat[lat.len() * 9 / 10].as_secs_f64() * 1e3,
                commits as f64 / lat.len() as f64
            );
        }
    }
    drop(log);
    drop(engine);
    drop(store);
    drop(sqlite);
    drop(dir);

    // 3. The tree in the store at scale.
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = open_engine(dir.path());
    let store = engine.store().clone();
    let chunk: Vec<AuditEvent> = (0..10_000).map(lookup_event).collect();
    let start = Instant::now();
    let mut written = 0;
    while written < store_entries {
        let take = chunk.len().min(store_entries - written);
        store.append_audit(&chunk[..take]).expect("append");
        written += take;
    }
    let append_big = start.elapsed();
    let log = AuditLog::open(engine.clone()).expect("audit log");
    let start = Instant::now();
    let head = log.sign_head().expect("sign");
    let seal_big = start.elapsed();
    println!(
        "store at {written} entries: appended at {:.0}/s (10 000 a transaction), sealed and signed at {:.0}/s ({:.1} s)",
        per_second(written, append_big),
        per_second(written, seal_big),
        seal_big.as_secs_f64()
    );
    let size = head.head.size.get();
    let tries = 200;
    let start = Instant::now();
    let mut path_len = 0;
    for k in 0..tries {
        let seq = 1 + (k as u64 * 7_919_993) % size;
        let (_, _, p) = log.inclusion_proof(seq, size).expect("proof");
        path_len = path_len.max(p.len());
    }
    let incl = start.elapsed();
    store.append_audit(&chunk[..1000]).expect("append");
    let newer = log.sign_head().expect("sign");
    let start = Instant::now();
    let (_, _, cons) = log
        .consistency_proof(size, newer.head.size.get())
        .expect("consistency");
    let cons_time = start.elapsed();
    println!(
        "proofs from the store at {size} entries: inclusion {:.2} ms each (up to {path_len} hashes, {} bytes, read from the store and checked), consistency {size}->{} {:.2} ms ({} hashes)",
        incl.as_secs_f64() * 1e3 / tries as f64,
        path_len * 32,
        newer.head.size,
        cons_time.as_secs_f64() * 1e3,
        cons.len()
    );
    let db_bytes = std::fs::metadata(dir.path().join("node.sqlite")).map_or(0, |m| m.len())
        + std::fs::metadata(dir.path().join("node.sqlite-wal")).map_or(0, |m| m.len());
    println!(
        "database with {} entries and their tree: {:.0} MB ({:.0} bytes an entry)",
        newer.head.size,
        db_bytes as f64 / 1e6,
        db_bytes as f64 / newer.head.size.get() as f64
    );
    drop(log);
    drop(engine);
    drop(store);
    drop(dir);

    // 4. Proof sizes and verification at ten million leaves.
    let start = Instant::now();
    let entry = |i: u64| Entry {
        seq: i + 1,
        at_ms: 1_750_000_000_000 + i as i64,
        kind: "lookup".into(),
        actor: "alice".into(),
        detail: format!(r#"{{"case_reference":"CASE-{i}","purpose":"bench","tokens":6}}"#),
    };
    let tree = Tree::from_leaves((0..tree_entries as u64).map(|i| entry(i).leaf_hash()));
    let build = start.elapsed();
    let size = tree.size();
    let root = tree.root();
    println!(
        "in-memory tree of {size} entries built in {:.1} s ({:.0} entries/s, encoding and hashing included)",
        build.as_secs_f64(),
        per_second(tree_entries, build)
    );
    let tries = 10_000u64;
    let proofs: Vec<(u64, Vec<fiu_audit::Hash32>)> = (0..tries)
        .map(|k| {
            let i = (k * 7_919_993) % size.get();
            (
                i,
                tree.inclusion_proof(LeafIndex::new(i), size)
                    .expect("proof"),
            )
        })
        .collect();
    let max_len = proofs.iter().map(|p| p.1.len()).max().unwrap_or(0);
    let leaves: Vec<_> = proofs.iter().map(|(i, _)| entry(*i).leaf_hash()).collect();
    let start = Instant::now();
    for ((i, p), leaf) in proofs.iter().zip(&leaves) {
        verify_inclusion(leaf, LeafIndex::new(*i), size, p, &root).expect("verifies");
    }
    let verify = start.elapsed();
    let old = TreeSize::new(size.get() - 12_345);
    let cons = tree.consistency_proof(old, size).expect("consistency");
    let old_root = tree.root_at(old).expect("old root");
    let start = Instant::now();
    for _ in 0..1000 {
        verify_consistency(old, size, &old_root, &root, &cons).expect("verifies");
    }
    let cverify = start.elapsed();
    println!(
        "at {size} entries: inclusion proof up to {max_len} hashes ({} bytes), verified in {:.2} µs; consistency proof {old}->{size}: {} hashes ({} bytes), verified in {:.2} µs",
        max_len * 32,
        micros(verify, tries as usize),
        cons.len(),
        cons.len() * 32,
        micros(cverify, 1000)
    );
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average at end: {}", load.trim());
    }
}
