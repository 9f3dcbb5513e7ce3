//! The key recipe's quality goal on a small synthetic pair: recall of at least 0.99 and
//! precision of at least 0.999 at the realistic corruption profile, against B's exact token
//! set (the recipe alone) and against its Bloom filter at 1e-6 (recipe and filter together).
//!
//! This test is the target the recipe is tuned against; `cargo run --release -p synth --bin
//! quality -- --show-misses 20` shows what it misses and why.

use synth::quality::{self, QualityOptions};
use synth::{PairSpec, pair};

const RECALL_GOAL: f64 = 0.99;
const PRECISION_GOAL: f64 = 0.999;

#[test]
fn recipe_meets_recall_and_precision_goals() {
    let p = pair(&PairSpec::new(2024, 5_000, 5_000, 1_000)).expect("valid spec");
    let report = quality::evaluate(&p, &QualityOptions::default()).expect("filter sizes");
    assert_eq!(
        report.refused, 0,
        "generated values refused: {:?}",
        report.refused_fields
    );
    for (name, outcome) in [
        ("exact set", &report.exact),
        ("bloom filter", &report.bloom),
    ] {
        let recall = outcome.recall(report.pairs);
        let precision = outcome.precision();
        eprintln!("{name}: recall {recall:.4}, precision {precision:.5}");
        assert!(
            recall >= RECALL_GOAL,
            "{name}: recall {recall:.4} < {RECALL_GOAL}; misses by corruption: {:?}",
            outcome.per_corruption
        );
        assert!(
            precision >= PRECISION_GOAL,
            "{name}: precision {precision:.5} < {PRECISION_GOAL}; false hits: {} by collision, {} by \
             Bloom false positive, kinds {:?}",
            outcome.false_by_collision,
            outcome.false_by_bloom,
            outcome.false_hit_kinds
        );
    }
}
