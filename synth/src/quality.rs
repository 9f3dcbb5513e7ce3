//! Matching quality: recall and precision of the matcher's key recipe on a dataset pair.
//!
//! FIU B's subjects become keys, tokens, an exact token set and a Bloom filter; every one of
//! FIU A's subjects is probed against both and the hit policy decides. With the truth of the
//! pair:
//!
//! - **recall**: the share of truth pairs whose A subject got a decided hit;
//! - **precision**: the share of A subjects with a decided hit that really are shared.
//!
//! The exact set measures the key recipe alone; the Bloom filter adds its false positives.
//! A false hit is attributed to an *exact-key collision* (two different people share a key,
//! so the exact set decides a hit too) or to a *Bloom false positive* (only the filter does).

use std::collections::{BTreeMap, HashSet};

use matcher::FilterError;
use matcher::filter::{Filter, FilterParams};
use matcher::hits::{self, HitMatch, HitPolicy, KeyedToken};
use matcher::keys::{self, KeyKind, KeyOptions};
use matcher::subject::Subject;
use matcher::token::{Epoch, NetworkSecret, Token, Tokeniser};
use serde::Serialize;

use crate::corrupt::Corruption;
use crate::population::DatasetPair;

/// How to evaluate.
#[derive(Debug, Clone)]
pub struct QualityOptions {
    /// Target false-positive rate of B's Bloom filter.
    pub fpr: f64,
    /// The hit decision rule.
    pub policy: HitPolicy,
    /// Options of the key recipe.
    pub key_options: KeyOptions,
}

impl Default for QualityOptions {
    /// A filter at 1e-6 (what a node would publish for precise hits) and the default policy.
    fn default() -> Self {
        QualityOptions {
            fpr: 1e-6,
            policy: HitPolicy::default(),
            key_options: KeyOptions::default(),
        }
    }
}

/// The outcome against one token set (exact or Bloom).
#[derive(Debug, Clone, Default, Serialize)]
pub struct SetOutcome {
    /// Truth pairs whose A subject got a decided hit.
    pub found: usize,
    /// A subjects with a decided hit.
    pub decided: usize,
    /// A subjects with a decided hit that are shared.
    pub true_decided: usize,
    /// False hits that the exact set decides too: different subjects sharing keys.
    pub false_by_collision: usize,
    /// False hits that only the filter decides.
    pub false_by_bloom: usize,
    /// For decided hits on shared subjects, how often each key kind was among the hit kinds.
    pub true_hit_kinds: BTreeMap<String, usize>,
    /// For false hits, how often each key kind was among the hit kinds.
    pub false_hit_kinds: BTreeMap<String, usize>,
    /// Per corruption: (truth pairs it was applied to, of which found).
    pub per_corruption: BTreeMap<String, (usize, usize)>,
    /// Per subject type of the A copy: (truth pairs, of which found).
    pub per_type: BTreeMap<String, (usize, usize)>,
}

impl SetOutcome {
    /// Found truth pairs over all truth pairs (1 when there are none).
    pub fn recall(&self, pairs: usize) -> f64 {
        ratio(self.found, pairs)
    }

    /// True decided hits over all decided hits (1 when there are none).
    pub fn precision(&self) -> f64 {
        ratio(self.true_decided, self.decided)
    }
}

fn ratio(n: usize, d: usize) -> f64 {
    if d == 0 { 1.0 } else { n as f64 / d as f64 }
}

/// Everything one evaluation measured.
#[derive(Debug, Clone, Serialize)]
pub struct QualityReport {
    /// Subjects of A and B.
    pub size_a: usize,
    /// Subjects of B.
    pub size_b: usize,
    /// Truth pairs.
    pub pairs: usize,
    /// Truth pairs with no corruption applied.
    pub clean_pairs: usize,
    /// Tokens in B's exact set (distinct).
    pub tokens_b: usize,
    /// Mean keys per A subject.
    pub keys_per_subject: f64,
    /// Values the matcher refused in A and B (should be 0: the generator makes valid data).
    pub refused: usize,
    /// Field paths of refused values, with counts.
    pub refused_fields: BTreeMap<String, usize>,
    /// Size of B's filter in bytes.
    pub filter_bytes: u64,
    /// The filter's estimated false-positive rate once filled.
    pub filter_fpr: f64,
    /// Against B's exact token set.
    pub exact: SetOutcome,
    /// Against B's Bloom filter.
    pub bloom: SetOutcome,
    /// Indexes into the truth of pairs the exact set missed (for inspection).
    pub missed: Vec<usize>,
    /// Indexes into A of false hits against the exact set, with the B subjects that share a
    /// token with them (for inspection).
    pub false_hits: Vec<(usize, Vec<usize>)>,
}

/// Why an evaluation could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QualityError {
    /// The filter parameters could not be made (bad `fpr`, or too many tokens).
    #[error("cannot size B's filter: {0}")]
    Filter(#[from] FilterError),
}

/// The fixed secret of every evaluation: the figures do not depend on it.
const SECRET: [u8; 32] = [1; 32];

/// Evaluates the key recipe and hit policy on `pair`.
pub fn evaluate(
    pair: &DatasetPair,
    options: &QualityOptions,
) -> Result<QualityReport, QualityError> {
    let tokeniser = Tokeniser::new(&NetworkSecret::from_bytes(SECRET).epoch_key(Epoch(1)));
    let mut refused_fields: BTreeMap<String, usize> = BTreeMap::new();
    let mut tokens_of = |s: &Subject| -> Vec<KeyedToken> {
        let derived = keys::derive(s, &options.key_options);
        for r in &derived.refused {
            // Strip list indexes so `person.documents[0].number` and `[1]` count together.
            let field: String = r
                .field
                .split('[')
                .map(|p| p.split_once(']').map_or(p, |(_, rest)| rest))
                .collect();
            *refused_fields.entry(field).or_default() += 1;
        }
        hits::tokens_of(&derived.keys, &tokeniser)
    };

    // B: the token index (exact), the filter, and which B subjects hold each token (to name
    // the other side of a false hit).
    let b_tokens: Vec<Vec<KeyedToken>> = pair.b.iter().map(&mut tokens_of).collect();
    let mut exact: HashSet<Token> = HashSet::new();
    let mut holders: std::collections::HashMap<Token, Vec<usize>> =
        std::collections::HashMap::new();
    for (j, ts) in b_tokens.iter().enumerate() {
        for t in ts {
            exact.insert(t.token);
            holders.entry(t.token).or_default().push(j);
        }
    }
    let params = FilterParams::for_capacity(exact.len().max(1) as u64, options.fpr)?;
    let mut filter = Filter::new(Epoch(1), params);
    for t in &exact {
        filter.insert(t);
    }

    let mut shared_at: Vec<Option<usize>> = vec![None; pair.a.len()];
    for (k, &(i, _)) in pair.truth.iter().enumerate() {
        if let Some(slot) = shared_at.get_mut(i) {
            *slot = Some(k);
        }
    }

    let mut report = QualityReport {
        size_a: pair.a.len(),
        size_b: pair.b.len(),
        pairs: pair.truth.len(),
        clean_pairs: pair.applied.iter().filter(|a| a.is_empty()).count(),
        tokens_b: exact.len(),
        keys_per_subject: 0.0,
        refused: 0,
        refused_fields: BTreeMap::new(),
        filter_bytes: filter_bytes(&filter),
        filter_fpr: filter.estimated_fpr(),
        exact: SetOutcome::default(),
        bloom: SetOutcome::default(),
        missed: Vec::new(),
        false_hits: Vec::new(),
    };
    let mut total_keys = 0usize;
    for (i, subject) in pair.a.iter().enumerate() {
        let tokens = tokens_of(subject);
        total_keys += tokens.len();
        let on_exact = hits::evaluate(&tokens, &exact, &options.policy);
        let on_bloom = hits::evaluate(&tokens, &filter, &options.policy);
        let shared = shared_at[i];
        let corruptions: &[Corruption] = shared
            .and_then(|k| pair.applied.get(k))
            .map_or(&[], Vec::as_slice);
        let type_name = subject.record.type_name();
        record(
            &mut report.exact,
            on_exact.as_ref(),
            on_exact.is_some(),
            shared.is_some(),
            corruptions,
            type_name,
        );
        record(
            &mut report.bloom,
            on_bloom.as_ref(),
            on_exact.is_some(),
            shared.is_some(),
            corruptions,
            type_name,
        );
        match (shared, &on_exact) {
            (Some(k), None) => report.missed.push(k),
            (None, Some(hit)) => {
                let mut others: Vec<usize> = hit
                    .tokens
                    .iter()
                    .filter_map(|t| holders.get(&t.token))
                    .flatten()
                    .copied()
                    .collect();
                others.sort_unstable();
                others.dedup();
                report.false_hits.push((i, others));
            }
            _ => {}
        }
    }
    report.keys_per_subject = ratio_f(total_keys, pair.a.len());
    report.refused = refused_fields.values().sum();
    report.refused_fields = refused_fields;
    Ok(report)
}

fn ratio_f(n: usize, d: usize) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}

fn filter_bytes(filter: &Filter) -> u64 {
    // 512-bit blocks.
    u64::from(filter.params().num_blocks()) * 64
}

fn record(
    out: &mut SetOutcome,
    hit: Option<&HitMatch>,
    exact_decides: bool,
    shared: bool,
    corruptions: &[Corruption],
    type_name: &str,
) {
    let found = hit.is_some();
    if shared {
        let t = out.per_type.entry(type_name.to_string()).or_default();
        t.0 += 1;
        t.1 += usize::from(found);
        for c in corruptions {
            let e = out.per_corruption.entry(c.label().to_string()).or_default();
            e.0 += 1;
            e.1 += usize::from(found);
        }
        if corruptions.is_empty() {
            let e = out.per_corruption.entry("(none)".to_string()).or_default();
            e.0 += 1;
            e.1 += usize::from(found);
        }
    }
    let Some(hit) = hit else { return };
    out.decided += 1;
    let kinds = if shared {
        out.found += 1;
        out.true_decided += 1;
        &mut out.true_hit_kinds
    } else {
        if exact_decides {
            out.false_by_collision += 1;
        } else {
            out.false_by_bloom += 1;
        }
        &mut out.false_hit_kinds
    };
    for k in &hit.kinds {
        *kinds.entry(kind_label(*k)).or_default() += 1;
    }
}

fn kind_label(k: KeyKind) -> String {
    k.label().to_string()
}
