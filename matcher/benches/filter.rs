//! Filter probe throughput: our blocked filter against the `bloomfilter` crate.
//!
//! Builds a 10-million-token filter at a target false-positive rate of 1e-6 with each, once,
//! outside the timing loops; then times probes in batches of 100 000 tokens, moving through
//! 10 million distinct tokens so that the probes miss the cache as they would on a real node.
//! Prints a summary table (one core, timed with `Instant` over 2 million probes per case)
//! before the criterion runs. Figures and machine: docs/BENCHMARKS.md.
//!
//! Run with `cargo bench -p matcher --bench filter`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use bloomfilter::Bloom;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use matcher::{Epoch, Filter, FilterParams, Token};

/// Tokens in each filter, unless `FILTER_BENCH_ITEMS` says otherwise (50 000 000 is the
/// spec's per-node scale; it needs about 4 GB of memory).
const DEFAULT_ITEMS: u64 = 10_000_000;

/// The target false-positive rate of both filters.
const TARGET_FPR: f64 = 1e-6;

/// Tokens per timed batch.
const BATCH: usize = 100_000;

/// Probes per case in the summary table.
const SUMMARY_PROBES: usize = 2_000_000;

/// `n` distinct pseudo-random tokens; different `domain`s give disjoint sets.
fn tokens(domain: &str, n: u64) -> Vec<Token> {
    let mut xof = blake3::Hasher::new_derive_key(domain).finalize_xof();
    (0..n)
        .map(|_| {
            let mut b = [0u8; 32];
            xof.fill(&mut b);
            Token::from_bytes(b)
        })
        .collect()
}

/// The number of tokens per filter: `FILTER_BENCH_ITEMS` or [`DEFAULT_ITEMS`].
fn items() -> u64 {
    std::env::var("FILTER_BENCH_ITEMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n: &u64| n >= SUMMARY_PROBES as u64)
        .unwrap_or(DEFAULT_ITEMS)
}

struct Setup {
    items: u64,
    present: Vec<Token>,
    absent: Vec<Token>,
    ours: Filter,
    theirs: Bloom<[u8; 32]>,
}

fn setup() -> Setup {
    let items = items();
    let t = Instant::now();
    let present = tokens("fiu bench present", items);
    let absent = tokens("fiu bench absent", items);
    println!("generated 2 x {items} tokens in {:.1?}", t.elapsed());

    let params = FilterParams::for_capacity(items, TARGET_FPR).expect("valid bench parameters");
    let t = Instant::now();
    let mut ours = Filter::new(Epoch(1), params);
    for tok in &present {
        ours.insert(tok);
    }
    println!("built ours ({params}) in {:.1?}", t.elapsed());

    let t = Instant::now();
    let mut theirs =
        Bloom::new_for_fp_rate(items as usize, TARGET_FPR).expect("valid bench parameters");
    for tok in &present {
        theirs.set(tok.as_bytes());
    }
    println!(
        "built bloomfilter ({} bits, {} hash functions) in {:.1?}",
        theirs.len(),
        theirs.number_of_hash_functions(),
        t.elapsed()
    );
    Setup {
        items,
        present,
        absent,
        ours,
        theirs,
    }
}

/// Probes per second of `probe` over the first [`SUMMARY_PROBES`] of `tokens`, in batches.
fn rate(tokens: &[Token], mut probe: impl FnMut(&[Token]) -> usize) -> f64 {
    let t = Instant::now();
    let mut hits = 0;
    for batch in tokens[..SUMMARY_PROBES].chunks(BATCH) {
        hits += probe(batch);
    }
    black_box(hits);
    SUMMARY_PROBES as f64 / t.elapsed().as_secs_f64()
}

fn summary(s: &Setup) {
    let mut out = Vec::with_capacity(BATCH);
    let mut many = |batch: &[Token]| {
        s.ours.contains_many(batch, &mut out);
        out.iter().filter(|&&b| b).count()
    };
    // Warm up page tables and frequency once, untimed.
    rate(&s.absent, &mut many);
    let ours_many = [rate(&s.absent, &mut many), rate(&s.present, &mut many)];
    let one = |batch: &[Token]| batch.iter().filter(|t| s.ours.contains(t)).count();
    let ours_one = [rate(&s.absent, one), rate(&s.present, one)];
    let crate_ = |batch: &[Token]| {
        batch
            .iter()
            .filter(|t| s.theirs.check(t.as_bytes()))
            .count()
    };
    let theirs = [rate(&s.absent, crate_), rate(&s.present, crate_)];

    let mut fp = 0;
    for batch in s.absent.chunks(BATCH) {
        s.ours.contains_many(batch, &mut out);
        fp += out.iter().filter(|&&b| b).count();
    }
    let ours_fpr = fp as f64 / s.absent.len() as f64;
    let crate_sample = &s.absent[..1_000_000];
    let crate_fp = crate_sample
        .iter()
        .filter(|t| s.theirs.check(t.as_bytes()))
        .count();
    let crate_fpr = crate_fp as f64 / crate_sample.len() as f64;
    let ours_bits = s.ours.params().bits() as f64 / s.items as f64;
    let crate_bits = s.theirs.len() as f64 / s.items as f64;
    let optimum = std::f64::consts::LOG2_E * TARGET_FPR.recip().log2();

    println!();
    println!(
        "filter probes, {} tokens, target FPR {TARGET_FPR:e}, one core",
        s.items
    );
    println!("| probe | negative probes/s | x crate | positive probes/s | x crate |");
    println!("|---|---:|---:|---:|---:|");
    for (name, r) in [
        ("ours, contains_many", ours_many),
        ("ours, contains one by one", ours_one),
        ("bloomfilter 3, check", theirs),
    ] {
        println!(
            "| {name} | {:.2} M | {:.1} | {:.2} M | {:.1} |",
            r[0] / 1e6,
            r[0] / theirs[0],
            r[1] / 1e6,
            r[1] / theirs[1]
        );
    }
    println!();
    println!("| filter | bits/token | x optimum ({optimum:.2}) | measured FPR | absent probes |");
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| ours | {ours_bits:.2} | {:.3} | {ours_fpr:.2e} ({fp}) | {} |",
        ours_bits / optimum,
        s.absent.len()
    );
    println!(
        "| bloomfilter 3 | {crate_bits:.2} | {:.3} | {crate_fpr:.2e} ({crate_fp}) | {} |",
        crate_bits / optimum,
        crate_sample.len()
    );
    println!(
        "ours: modelled FPR at {} items {:.3e}, fill ratio {:.3}",
        s.items,
        s.ours.estimated_fpr(),
        s.ours.fill_ratio()
    );
    println!();
}

fn bench(c: &mut Criterion) {
    let s = setup();
    summary(&s);

    let mut g = c.benchmark_group("probe_1e-6");
    g.throughput(Throughput::Elements(BATCH as u64))
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    let batches = s.items as usize / BATCH;
    for (kind, set) in [("negative", &s.absent), ("positive", &s.present)] {
        let mut next = 0;
        let mut out = Vec::with_capacity(BATCH);
        g.bench_function(format!("ours_contains_many/{kind}"), |b| {
            b.iter(|| {
                let batch = &set[next * BATCH..(next + 1) * BATCH];
                next = (next + 1) % batches;
                s.ours.contains_many(batch, &mut out);
                black_box(&out);
            })
        });
        let mut next = 0;
        g.bench_function(format!("ours_contains/{kind}"), |b| {
            b.iter(|| {
                let batch = &set[next * BATCH..(next + 1) * BATCH];
                next = (next + 1) % batches;
                black_box(batch.iter().filter(|t| s.ours.contains(t)).count())
            })
        });
        let mut next = 0;
        g.bench_function(format!("bloomfilter_check/{kind}"), |b| {
            b.iter(|| {
                let batch = &set[next * BATCH..(next + 1) * BATCH];
                next = (next + 1) % batches;
                black_box(
                    batch
                        .iter()
                        .filter(|t| s.theirs.check(t.as_bytes()))
                        .count(),
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
