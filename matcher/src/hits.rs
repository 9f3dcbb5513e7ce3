//! Hits: a local subject's tokens probed against peer filters.
//!
//! A probe asks, per token, "might this peer hold it?". The answers become a hit only by the
//! decision rule of [`HitPolicy`]: one strong key kind, or at least two distinct medium kinds.
//! Weak kinds never decide; they only add confidence. The confidence combines what each
//! key kind says on its own with the chance that every hit token of that kind is a filter false
//! positive (docs/PROTOCOL.md, "Hits").

use std::collections::HashSet;

use crate::filter::Filter;
use crate::keys::{KeyKind, MatchKey, Strength};
use crate::token::{Token, Tokeniser};

/// Anything that can answer "might this token be held?": a peer's filter, or an exact set
/// (the node's own token index; tests).
pub trait TokenSet {
    /// Whether `token` may be in the set. Never a false negative.
    fn contains(&self, token: &Token) -> bool;
    /// The chance that [`TokenSet::contains`] says yes for a token that is not in the set.
    fn false_positive_rate(&self) -> f64;
}

impl TokenSet for HashSet<Token> {
    fn contains(&self, token: &Token) -> bool {
        HashSet::contains(self, token)
    }
    fn false_positive_rate(&self) -> f64 {
        0.0
    }
}

impl TokenSet for Filter {
    fn contains(&self, token: &Token) -> bool {
        Filter::contains(self, token)
    }
    fn false_positive_rate(&self) -> f64 {
        self.estimated_fpr()
    }
}

impl<T: TokenSet + ?Sized> TokenSet for &T {
    fn contains(&self, token: &Token) -> bool {
        (**self).contains(token)
    }
    fn false_positive_rate(&self) -> f64 {
        (**self).false_positive_rate()
    }
}

/// A token with the kind of the key it was made from. The kind travels with the token inside
/// the node (and in follow-up messages); it is never inside a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyedToken {
    /// Kind of the key the token was made from.
    pub kind: KeyKind,
    /// The token.
    pub token: Token,
}

/// Tokenises `keys` under `tokeniser`'s epoch.
pub fn tokens_of(keys: &[MatchKey], tokeniser: &Tokeniser) -> Vec<KeyedToken> {
    keys.iter()
        .map(|k| KeyedToken {
            kind: k.kind(),
            token: tokeniser.token(k),
        })
        .collect()
}

/// When a set of token answers is a hit, and how confident it is.
#[derive(Debug, Clone, PartialEq)]
pub struct HitPolicy {
    /// Distinct medium kinds that together decide a hit (at least 2: one never decides).
    pub medium_kinds_to_decide: usize,
    /// What a match on a strong kind says on its own, in [0, 1].
    pub strong_weight: f64,
    /// What a match on a medium kind says on its own.
    pub medium_weight: f64,
    /// What a match on a weak kind says on its own.
    pub weak_weight: f64,
}

impl Default for HitPolicy {
    fn default() -> Self {
        HitPolicy {
            medium_kinds_to_decide: 2,
            strong_weight: 0.99,
            medium_weight: 0.8,
            weak_weight: 0.5,
        }
    }
}

impl HitPolicy {
    fn weight(&self, strength: Strength) -> f64 {
        match strength {
            Strength::Strong => self.strong_weight,
            Strength::Medium => self.medium_weight,
            Strength::Weak => self.weak_weight,
        }
    }
}

/// What one set said about one subject's tokens, when the policy decides it is a hit.
#[derive(Debug, Clone, PartialEq)]
pub struct HitMatch {
    /// The key kinds that hit, distinct, in kind order.
    pub kinds: Vec<KeyKind>,
    /// Every token that hit, with its kind (what a follow-up request carries).
    pub tokens: Vec<KeyedToken>,
    /// The strongest kind that hit.
    pub strength: Strength,
    /// Confidence in [0, 1]: `1 - prod over hit kinds of (1 - weight(kind) * (1 - fpr^n))`,
    /// where `n` is how many tokens of that kind hit. A score for ranking, not a calibrated
    /// probability.
    pub confidence: f64,
}

/// Probes `tokens` against `set` and applies `policy`. `None` when nothing hit or only weak
/// or too few medium kinds did.
pub fn evaluate(
    tokens: &[KeyedToken],
    set: &impl TokenSet,
    policy: &HitPolicy,
) -> Option<HitMatch> {
    let hit: Vec<KeyedToken> = tokens
        .iter()
        .copied()
        .filter(|t| set.contains(&t.token))
        .collect();
    decide(hit, set.false_positive_rate(), policy)
}

/// Applies `policy` to the tokens that hit one set whose false-positive rate is `fpr`.
pub fn decide(mut hit: Vec<KeyedToken>, fpr: f64, policy: &HitPolicy) -> Option<HitMatch> {
    if hit.is_empty() {
        return None;
    }
    hit.sort_by_key(|t| (t.kind, t.token));
    hit.dedup();
    let mut kinds: Vec<(KeyKind, i32)> = Vec::new();
    for t in &hit {
        match kinds.last_mut() {
            Some((k, n)) if *k == t.kind => *n += 1,
            _ => kinds.push((t.kind, 1)),
        }
    }
    let strength = kinds.iter().map(|(k, _)| k.strength()).max()?;
    let mediums = kinds
        .iter()
        .filter(|(k, _)| k.strength() == Strength::Medium)
        .count();
    let decided = strength == Strength::Strong || mediums >= policy.medium_kinds_to_decide.max(2);
    if !decided {
        return None;
    }
    let fpr = fpr.clamp(0.0, 1.0);
    let miss: f64 = kinds
        .iter()
        .map(|(k, n)| 1.0 - policy.weight(k.strength()) * (1.0 - fpr.powi(*n)))
        .product();
    Some(HitMatch {
        kinds: kinds.into_iter().map(|(k, _)| k).collect(),
        tokens: hit,
        strength,
        confidence: (1.0 - miss).clamp(0.0, 1.0),
    })
}

/// A decided hit of one local subject at one peer.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit<P> {
    /// The peer whose filter hit.
    pub peer: P,
    /// What hit and how confidently.
    pub matched: HitMatch,
}

/// Probes subjects against every peer filter held.
#[derive(Debug)]
pub struct Prober<'a, P> {
    filters: Vec<(P, &'a Filter)>,
    policy: HitPolicy,
}

impl<'a, P: Clone> Prober<'a, P> {
    /// A prober over `filters` (peer id, filter) with `policy`.
    pub fn new(filters: Vec<(P, &'a Filter)>, policy: HitPolicy) -> Self {
        Prober { filters, policy }
    }

    /// Every decided hit of one subject's tokens, one per peer at most, in peer order.
    pub fn probe(&self, tokens: &[KeyedToken]) -> Vec<Hit<P>> {
        self.filters
            .iter()
            .filter_map(|(peer, filter)| {
                evaluate(tokens, *filter, &self.policy).map(|matched| Hit {
                    peer: peer.clone(),
                    matched,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kt(kind: KeyKind, b: u8) -> KeyedToken {
        KeyedToken {
            kind,
            token: Token::from_bytes([b; 32]),
        }
    }

    /// Says "maybe" to everything: the worst filter there is.
    struct AlwaysMaybe;
    impl TokenSet for AlwaysMaybe {
        fn contains(&self, _: &Token) -> bool {
            true
        }
        fn false_positive_rate(&self) -> f64 {
            1.0
        }
    }

    fn exact(tokens: &[KeyedToken]) -> HashSet<Token> {
        tokens.iter().map(|t| t.token).collect()
    }

    #[test]
    fn weak_keys_never_decide_alone() {
        let mine = [kt(KeyKind::PersonNameYear, 1)];
        assert_eq!(evaluate(&mine, &exact(&mine), &HitPolicy::default()), None);
    }

    #[test]
    fn one_medium_kind_does_not_decide_two_do() {
        let p = HitPolicy::default();
        let one = [
            kt(KeyKind::PersonPhoneticDob, 1),
            kt(KeyKind::PersonNameYear, 2),
        ];
        assert_eq!(evaluate(&one, &exact(&one), &p), None);
        // Two tokens of the same medium kind are still one kind.
        let same = [
            kt(KeyKind::PersonTokenInitialDob, 1),
            kt(KeyKind::PersonTokenInitialDob, 2),
        ];
        assert_eq!(evaluate(&same, &exact(&same), &p), None);
        let two = [
            kt(KeyKind::PersonPhoneticDob, 1),
            kt(KeyKind::PersonTokenInitialDob, 2),
        ];
        let m = evaluate(&two, &exact(&two), &p).expect("two medium kinds decide");
        assert_eq!(m.strength, Strength::Medium);
        assert_eq!(
            m.kinds,
            vec![KeyKind::PersonPhoneticDob, KeyKind::PersonTokenInitialDob]
        );
    }

    #[test]
    fn strong_decides_and_reports_only_what_hit() {
        let mine = [kt(KeyKind::Iban, 1), kt(KeyKind::Email, 2)];
        let theirs: HashSet<Token> = [mine[0].token].into();
        let m = evaluate(&mine, &theirs, &HitPolicy::default()).expect("strong decides");
        assert_eq!(m.kinds, vec![KeyKind::Iban]);
        assert_eq!(m.tokens, vec![mine[0]]);
        assert!((m.confidence - 0.99).abs() < 1e-12);
    }

    #[test]
    fn confidence_falls_with_the_false_positive_rate_and_rises_with_corroboration() {
        let p = HitPolicy::default();
        let one = decide(vec![kt(KeyKind::Iban, 1)], 0.0, &p).unwrap();
        let noisy = decide(vec![kt(KeyKind::Iban, 1)], 0.5, &p).unwrap();
        let two = decide(
            vec![kt(KeyKind::Iban, 1), kt(KeyKind::PersonNameDob, 2)],
            0.0,
            &p,
        )
        .unwrap();
        assert!(noisy.confidence < one.confidence);
        assert!(two.confidence > one.confidence);
        // A filter that says yes to everything gives hits with zero confidence.
        let worthless = evaluate(&[kt(KeyKind::Iban, 1)], &AlwaysMaybe, &p).unwrap();
        assert_eq!(worthless.confidence, 0.0);
    }
}
