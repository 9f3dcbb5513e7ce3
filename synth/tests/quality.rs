//! The key recipe's matching quality on a small synthetic pair, against B's exact token set
//! (the recipe alone) and against its Bloom filter at 1e-6 (recipe and filter together).
//!
//! The product goal is recall of at least 0.99 with precision of at least 0.999. The recipe
//! meets the precision goal at this size but not the recall goal: most misses are persons
//! with only a partial or no date of birth on one side and no shared identifier, which the
//! decision rule deliberately never decides on (docs/BENCHMARKS.md, "Matching quality"). This
//! test holds the recipe to what it measurably achieves, so a change that loses quality
//! fails here; `cargo run --release -p synth --bin quality -- --show-misses 20` shows the
//! misses and why.

use synth::quality::{self, QualityOptions};
use synth::{PairSpec, pair};

/// The product's recall goal (not met yet; see the module docs).
const RECALL_GOAL: f64 = 0.99;
/// Recall measured for this pair (0.970 on 2026-11-23), less a small margin.
const RECALL_FLOOR: f64 = 0.965;
/// The product's precision goal, met at this size.
const PRECISION_GOAL: f64 = 0.999;

#[test]
fn recipe_holds_its_measured_recall_and_meets_the_precision_goal() {
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
        eprintln!(
            "{name}: recall {recall:.4} (goal {RECALL_GOAL}), precision {precision:.5} (goal {PRECISION_GOAL})"
        );
        assert!(
            recall >= RECALL_FLOOR,
            "{name}: recall {recall:.4} fell below the measured {RECALL_FLOOR}; misses by corruption: {:?}",
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
    // The filter adds no misses (it has no false negatives) and at this size no false hits.
    assert_eq!(
        report.exact.recall(report.pairs),
        report.bloom.recall(report.pairs)
    );
}
