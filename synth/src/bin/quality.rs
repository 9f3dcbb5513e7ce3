//! Matching-quality benchmark: recall and precision of the key recipe on a synthetic pair of
//! FIUs, overall, per key kind, per subject type and per corruption.
//!
//! `cargo run --release -p synth --bin quality -- [--size N] [--shared S] [--seed X]
//! [--fpr P] [--corruption-size N] [--no-per-corruption] [--show-misses K] [--json FILE]`

use std::process::ExitCode;

use synth::quality::{self, QualityOptions, QualityReport, SetOutcome};
use synth::{Corruption, CorruptionProfile, PairSpec};

/// Recall the recipe must reach at the default profile.
const RECALL_GOAL: f64 = 0.99;
/// Precision the recipe must reach at the default profile.
const PRECISION_GOAL: f64 = 0.999;

struct Args {
    size: usize,
    shared: usize,
    seed: u64,
    fpr: f64,
    corruption_size: usize,
    per_corruption: bool,
    show_misses: usize,
    json: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        size: 50_000,
        shared: 10_000,
        seed: 1,
        fpr: 1e-6,
        corruption_size: 10_000,
        per_corruption: true,
        show_misses: 0,
        json: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match flag.as_str() {
            "--size" => args.size = parse(&value("--size")?)?,
            "--shared" => args.shared = parse(&value("--shared")?)?,
            "--seed" => args.seed = parse(&value("--seed")?)?,
            "--fpr" => args.fpr = parse(&value("--fpr")?)?,
            "--corruption-size" => args.corruption_size = parse(&value("--corruption-size")?)?,
            "--no-per-corruption" => args.per_corruption = false,
            "--show-misses" => args.show_misses = parse(&value("--show-misses")?)?,
            "--json" => args.json = Some(value("--json")?),
            "--help" | "-h" => {
                return Err(
                    "usage: quality [--size N] [--shared S] [--seed X] [--fpr P] \
                     [--corruption-size N] [--no-per-corruption] [--show-misses K] [--json FILE]"
                        .to_string(),
                );
            }
            other => return Err(format!("unknown argument {other} (try --help)")),
        }
    }
    Ok(args)
}

fn parse<T: std::str::FromStr>(s: &str) -> Result<T, String> {
    s.parse()
        .map_err(|_| format!("cannot read {s:?} as a number"))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let options = QualityOptions {
        fpr: args.fpr,
        ..QualityOptions::default()
    };
    let spec = PairSpec::new(args.seed, args.size, args.size, args.shared);
    let started = std::time::Instant::now();
    let pair = synth::pair(&spec)?;
    let generated = started.elapsed();
    let report = quality::evaluate(&pair, &options)?;
    let evaluated = started.elapsed() - generated;

    println!(
        "matching quality: {} subjects per side, {} shared, seed {}, filter fpr {:e}",
        args.size, args.shared, args.seed, args.fpr
    );
    println!(
        "  generated in {:.1} s, evaluated in {:.1} s; {:.1} keys per subject; B: {} tokens, filter {} KiB (estimated fpr {:.2e})",
        generated.as_secs_f64(),
        evaluated.as_secs_f64(),
        report.keys_per_subject,
        report.tokens_b,
        report.filter_bytes / 1024,
        report.filter_fpr
    );
    if report.refused > 0 {
        println!(
            "  WARNING: the matcher refused {} generated values:",
            report.refused
        );
        for (field, n) in &report.refused_fields {
            println!("    {field}: {n}");
        }
    }
    println!(
        "  truth pairs: {} ({} with no corruption)",
        report.pairs, report.clean_pairs
    );
    println!();
    overall(&report);
    kinds_table(&report);
    types_table(&report);
    println!("corruptions in the default profile (pairs can carry several):");
    corruption_rows(&report.exact, &report.bloom, report.pairs);
    println!();

    let mut isolated = Vec::new();
    if args.per_corruption {
        let size = args.corruption_size.min(args.size).max(1);
        let shared = (args.shared * size / args.size.max(1)).max(1).min(size);
        println!(
            "one corruption at a time ({size} subjects per side, {shared} shared, every applicable pair corrupted):"
        );
        println!(
            "  {:<20} {:>7} {:>12} {:>12} {:>8}",
            "corruption", "pairs", "recall exact", "recall bloom", "missed"
        );
        // The first row is the baseline: no corruption at all, so what the others lose beyond
        // it is the corruption's.
        let kinds = std::iter::once(None).chain(Corruption::ALL.into_iter().map(Some));
        for kind in kinds {
            let spec = PairSpec {
                corruption: kind.map_or_else(CorruptionProfile::none, CorruptionProfile::only),
                ..PairSpec::new(args.seed, size, size, shared)
            };
            let p = synth::pair(&spec)?;
            let r = quality::evaluate(&p, &options)?;
            let label = kind.map_or("(none)", Corruption::label);
            let (applied, found) = r.exact.per_corruption.get(label).copied().unwrap_or((0, 0));
            let (_, found_bloom) = r.bloom.per_corruption.get(label).copied().unwrap_or((0, 0));
            println!(
                "  {label:<20} {applied:>7} {:>12.4} {:>12.4} {:>8}",
                frac(found, applied),
                frac(found_bloom, applied),
                applied - found
            );
            isolated.push((label, applied, found, found_bloom));
        }
        println!();
    }

    if args.show_misses > 0 {
        println!("missed pairs (A copy, B copy):");
        for &k in report.missed.iter().take(args.show_misses) {
            let (i, j) = pair.truth[k];
            let labels: Vec<&str> = pair.applied[k].iter().map(|c| c.label()).collect();
            println!("  corruptions: {labels:?}");
            println!("    A {}", serde_json::to_string(&pair.a[i])?);
            println!("    B {}", serde_json::to_string(&pair.b[j])?);
        }
        println!("false hits (A subject, B subjects sharing a token):");
        for (i, others) in report.false_hits.iter().take(args.show_misses) {
            println!("    A {}", serde_json::to_string(&pair.a[*i])?);
            for j in others.iter().take(3) {
                println!("    B {}", serde_json::to_string(&pair.b[*j])?);
            }
        }
        println!();
    }

    if let Some(path) = &args.json {
        let json = serde_json::json!({
            "size": args.size,
            "shared": args.shared,
            "seed": args.seed,
            "fpr": args.fpr,
            "report": &report,
            "isolated": isolated
                .iter()
                .map(|(l, a, f, fb)| serde_json::json!({"corruption": l, "pairs": a, "found_exact": f, "found_bloom": fb}))
                .collect::<Vec<_>>(),
        });
        std::fs::write(path, serde_json::to_string_pretty(&json)?)?;
        println!("report written to {path}");
    }
    Ok(())
}

fn frac(n: usize, d: usize) -> f64 {
    if d == 0 {
        f64::NAN
    } else {
        n as f64 / d as f64
    }
}

fn overall(r: &QualityReport) {
    println!(
        "  {:<14} {:>8} {:>10} {:>9} {:>11} {:>10} {:>9}",
        "token set", "recall", "precision", "decided", "false hits", "collision", "bloom fp"
    );
    for (name, o) in [("exact", &r.exact), ("bloom filter", &r.bloom)] {
        println!(
            "  {name:<14} {:>8.4} {:>10.5} {:>9} {:>11} {:>10} {:>9}",
            o.recall(r.pairs),
            o.precision(),
            o.decided,
            o.decided - o.true_decided,
            o.false_by_collision,
            o.false_by_bloom
        );
    }
    for (name, o) in [("exact", &r.exact), ("bloom filter", &r.bloom)] {
        let recall_ok = o.recall(r.pairs) >= RECALL_GOAL;
        let precision_ok = o.precision() >= PRECISION_GOAL;
        println!(
            "  goals on {name}: recall >= {RECALL_GOAL}: {}, precision >= {PRECISION_GOAL}: {}",
            if recall_ok { "met" } else { "NOT met" },
            if precision_ok { "met" } else { "NOT met" }
        );
    }
    println!();
}

fn kinds_table(r: &QualityReport) {
    println!("key kinds among decided hits (a hit can carry several kinds):");
    println!(
        "  {:<26} {:>10} {:>12} {:>12}",
        "kind", "true hits", "false exact", "false bloom"
    );
    let mut kinds: Vec<&String> = r
        .exact
        .true_hit_kinds
        .keys()
        .chain(r.exact.false_hit_kinds.keys())
        .chain(r.bloom.false_hit_kinds.keys())
        .collect();
    kinds.sort();
    kinds.dedup();
    for k in kinds {
        let get =
            |o: &SetOutcome, m: fn(&SetOutcome) -> &std::collections::BTreeMap<String, usize>| {
                m(o).get(k).copied().unwrap_or(0)
            };
        println!(
            "  {k:<26} {:>10} {:>12} {:>12}",
            get(&r.exact, |o| &o.true_hit_kinds),
            get(&r.exact, |o| &o.false_hit_kinds),
            get(&r.bloom, |o| &o.false_hit_kinds)
        );
    }
    println!();
}

fn types_table(r: &QualityReport) {
    println!("recall per subject type (exact set):");
    for (t, (n, found)) in &r.exact.per_type {
        println!("  {t:<12} {n:>7} pairs  recall {:.4}", frac(*found, *n));
    }
    println!();
}

fn corruption_rows(exact: &SetOutcome, bloom: &SetOutcome, _pairs: usize) {
    println!(
        "  {:<20} {:>7} {:>12} {:>12}",
        "corruption", "pairs", "recall exact", "recall bloom"
    );
    for (label, (n, found)) in &exact.per_corruption {
        let found_bloom = bloom.per_corruption.get(label).map_or(0, |e| e.1);
        println!(
            "  {label:<20} {n:>7} {:>12.4} {:>12.4}",
            frac(*found, *n),
            frac(found_bloom, *n)
        );
    }
}
