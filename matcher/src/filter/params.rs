//! Filter parameters, their limits, and the false-positive model that chooses them.

use std::fmt;

use super::{BLOCK_BITS, CHECKSUM_LEN, FIELD_BITS, FilterError, HEADER_LEN, MAX_FILTER_BYTES};

/// The smallest step, in bits per token, by which [`FilterParams::for_capacity`] grows a filter.
const BITS_PER_TOKEN_STEP: f64 = 0.25;

/// The most bits per token [`FilterParams::for_capacity`] tries before giving up: enough for a
/// target of about 1e-30 with two blocks, far beyond any useful rate.
const MAX_BITS_PER_TOKEN: f64 = 256.0;

/// The shape of a filter: how many blocks, and how many bits a token sets in how many blocks.
///
/// Invariants, checked by [`FilterParams::new`] and therefore by every reader:
/// `num_blocks >= 1`; `blocks_per_token` is 1 or 2; `bits_per_block >= 1`;
/// `32 * blocks_per_token + 9 * bits_per_block * blocks_per_token <= 256` (every bit position
/// comes from its own bits of the 256-bit token); and the snapshot fits [`MAX_FILTER_BYTES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FilterParams {
    num_blocks: u32,
    blocks_per_token: u8,
    bits_per_block: u8,
}

impl FilterParams {
    /// Checks and makes parameters. Two nodes must use the same parameters to combine filters,
    /// and a reader must know them before it trusts a header, hence one checked constructor.
    pub fn new(
        num_blocks: u32,
        blocks_per_token: u8,
        bits_per_block: u8,
    ) -> Result<FilterParams, FilterError> {
        if !(1..=2).contains(&blocks_per_token) {
            return Err(FilterError::ParamOutOfRange {
                field: "blocks_per_token",
                expected: "1 or 2",
                found: u64::from(blocks_per_token),
            });
        }
        let bpt = u32::from(blocks_per_token);
        let k = u32::from(bits_per_block);
        if k == 0 || 32 * bpt + FIELD_BITS * k * bpt > 256 {
            return Err(FilterError::ParamOutOfRange {
                field: "bits_per_block",
                expected: if bpt == 1 { "1 to 24" } else { "1 to 10" },
                found: u64::from(bits_per_block),
            });
        }
        if num_blocks == 0 {
            return Err(FilterError::ParamOutOfRange {
                field: "num_blocks",
                expected: "at least 1",
                found: 0,
            });
        }
        let params = FilterParams {
            num_blocks,
            blocks_per_token,
            bits_per_block,
        };
        if params.byte_len() > MAX_FILTER_BYTES {
            return Err(FilterError::TooLarge {
                size: params.byte_len(),
                max: MAX_FILTER_BYTES,
            });
        }
        Ok(params)
    }

    /// The smallest parameters whose modelled false-positive rate at `capacity` items is at
    /// most `target_fpr`.
    ///
    /// Grows the filter from the information-theoretic floor `log2(1 / target_fpr)` bits per
    /// token in steps of 0.25 bit; at each size it tries every `bits_per_block` with two blocks
    /// per token, then with one, and takes the first size at which either reaches the target
    /// (two blocks win a tie, and the lowest modelled rate wins among `bits_per_block`).
    pub fn for_capacity(capacity: u64, target_fpr: f64) -> Result<FilterParams, FilterError> {
        if !(target_fpr > 0.0 && target_fpr < 0.5) {
            return Err(FilterError::InvalidTargetFpr { found: target_fpr });
        }
        if capacity == 0 {
            return Err(FilterError::ZeroCapacity);
        }
        let floor = (target_fpr.recip().log2() / BITS_PER_TOKEN_STEP).floor() * BITS_PER_TOKEN_STEP;
        let mut c = floor.max(1.0);
        while c <= MAX_BITS_PER_TOKEN {
            let blocks = (capacity as f64 * c / f64::from(BLOCK_BITS)).ceil();
            if blocks > f64::from(u32::MAX) {
                return Err(FilterError::TooLarge {
                    size: ((HEADER_LEN + CHECKSUM_LEN) as u64)
                        .saturating_add((blocks as u64).saturating_mul(64)),
                    max: MAX_FILTER_BYTES,
                });
            }
            let num_blocks = (blocks as u32).max(1);
            for bpt in [2u8, 1] {
                let best = (1..=max_bits_per_block(bpt))
                    .map(|k| (k, model_fpr(num_blocks, bpt, k, capacity)))
                    .min_by(|a, b| a.1.total_cmp(&b.1));
                if let Some((k, fpr)) = best
                    && fpr <= target_fpr
                {
                    return FilterParams::new(num_blocks, bpt, k);
                }
            }
            c += BITS_PER_TOKEN_STEP;
        }
        Err(FilterError::TargetUnreachable {
            target: target_fpr,
            max_bits_per_token: MAX_BITS_PER_TOKEN,
        })
    }

    /// The number of 512-bit blocks.
    pub fn num_blocks(&self) -> u32 {
        self.num_blocks
    }

    /// How many blocks each token sets bits in (1 or 2).
    pub fn blocks_per_token(&self) -> u8 {
        self.blocks_per_token
    }

    /// How many bits each token sets in each of its blocks.
    pub fn bits_per_block(&self) -> u8 {
        self.bits_per_block
    }

    /// The number of bits in the filter body.
    pub fn bits(&self) -> u64 {
        u64::from(self.num_blocks) * u64::from(BLOCK_BITS)
    }

    /// The length of a snapshot in bytes: header, body and checksum.
    pub fn byte_len(&self) -> u64 {
        (HEADER_LEN + CHECKSUM_LEN) as u64 + u64::from(self.num_blocks) * 64
    }

    /// The most bits one token can set (fewer when two of its fields coincide).
    pub fn bits_per_token(&self) -> u64 {
        u64::from(self.blocks_per_token) * u64::from(self.bits_per_block)
    }

    /// The modelled false-positive rate once `items` distinct tokens are in the filter.
    ///
    /// The model, also what [`FilterParams::for_capacity`] sizes by: a block's load is
    /// Poisson with mean `items * blocks_per_token / num_blocks`; a block holding `i` tokens
    /// has each bit set with probability `q_i = 1 - (1 - 1/512)^(bits_per_block * i)`; an
    /// absent token's fields name `d` distinct bits with the occupancy probability `P(d)`; and
    /// `FPR = (sum_i Poisson(i) * sum_d P(d) * q_i^d) ^ blocks_per_token`.
    pub fn expected_fpr(&self, items: u64) -> f64 {
        model_fpr(
            self.num_blocks,
            self.blocks_per_token,
            self.bits_per_block,
            items,
        )
    }
}

impl fmt::Display for FilterParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "num_blocks {} blocks_per_token {} bits_per_block {}",
            self.num_blocks, self.blocks_per_token, self.bits_per_block
        )
    }
}

/// The largest `bits_per_block` the 256 token bits allow with `bpt` blocks per token.
fn max_bits_per_block(bpt: u8) -> u8 {
    let bpt = u32::from(bpt);
    // (256 - 32 * bpt) / (9 * bpt) is 24 for one block and 10 for two.
    ((256 - 32 * bpt) / (FIELD_BITS * bpt)) as u8
}

/// The modelled false-positive rate of a blocked filter holding `items` random tokens.
///
/// A block's load is Poisson with mean `lambda = items * bpt / num_blocks`. A block holding
/// `i` tokens has had `k * i` bit positions drawn with replacement, so a given bit is set with
/// probability `q_i = 1 - (1 - 1/512)^(k i)`. An absent token's `k` positions in the block are
/// also drawn with replacement: they name `d` distinct bits with probability `P_k(d)` (the
/// occupancy distribution), and all are set with probability `q_i^d`. So
///
/// `FPR = ( sum_i Poisson(i; lambda) * sum_d P_k(d) * q_i^d ) ^ bpt`.
///
/// Taking `d = k` always gives the textbook `q_i^k`; with `k = 9` that understates the rate by
/// about 13 % for two blocks, because a probe whose fields coincide checks fewer bits.
pub(super) fn model_fpr(num_blocks: u32, bpt: u8, k: u8, items: u64) -> f64 {
    if items == 0 {
        return 0.0;
    }
    let k = usize::from(k);
    let lambda = items as f64 * f64::from(bpt) / f64::from(num_blocks.max(1));
    let miss = 1.0 - 1.0 / f64::from(BLOCK_BITS);
    // Beyond this load every bit of a block is set with probability above 1 - e^-40.
    if lambda * k as f64 > 40.0 * f64::from(BLOCK_BITS) {
        return 1.0;
    }
    let distinct = occupancy(k);
    let block_rate = |i: u64| {
        let q = 1.0 - miss.powf((k as u64 * i) as f64);
        distinct
            .iter()
            .enumerate()
            .map(|(d, p)| p * q.powi(d as i32))
            .sum::<f64>()
    };
    // Walk the Poisson mass outwards from its mode until the terms no longer count.
    let mode = lambda.floor() as u64;
    let p_mode = (-lambda + mode as f64 * lambda.ln() - ln_factorial(mode)).exp();
    let mut total = p_mode * block_rate(mode);
    let mut p = p_mode;
    let mut i = mode;
    while i > 0 {
        p *= i as f64 / lambda;
        i -= 1;
        total += p * block_rate(i);
        if p < 1e-20 * p_mode {
            break;
        }
    }
    let mut p = p_mode;
    let mut i = mode;
    loop {
        i += 1;
        p *= lambda / i as f64;
        total += p * block_rate(i);
        if p < 1e-20 * p_mode {
            break;
        }
    }
    total.clamp(0.0, 1.0).powi(i32::from(bpt))
}

/// `P(d)` for `d = 0..=k`: the probability that `k` uniform draws from 512 bits name exactly
/// `d` distinct bits.
fn occupancy(k: usize) -> Vec<f64> {
    let n = f64::from(BLOCK_BITS);
    let mut dist = vec![0.0; k + 1];
    dist[0] = 1.0;
    for _ in 0..k {
        for d in (0..k).rev() {
            let p = dist[d];
            dist[d + 1] += p * (n - d as f64) / n;
            dist[d] = p * d as f64 / n;
        }
    }
    dist
}

/// `ln(n!)`: summed exactly below 256, Stirling's series above (error below 1e-12).
fn ln_factorial(n: u64) -> f64 {
    if n < 256 {
        (2..=n).map(|i| (i as f64).ln()).sum()
    } else {
        let x = n as f64;
        x * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI * x).ln() + 1.0 / (12.0 * x)
            - 1.0 / (360.0 * x * x * x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructor_checks_every_limit() {
        assert!(FilterParams::new(1, 2, 10).is_ok());
        assert!(FilterParams::new(1, 1, 24).is_ok());
        assert!(FilterParams::new(1, 2, 11).is_err());
        assert!(FilterParams::new(1, 1, 25).is_err());
        assert!(FilterParams::new(1, 3, 1).is_err());
        assert!(FilterParams::new(1, 0, 1).is_err());
        assert!(FilterParams::new(1, 2, 0).is_err());
        assert!(FilterParams::new(0, 2, 9).is_err());
        assert!(matches!(
            FilterParams::new(u32::MAX, 2, 9),
            Err(FilterError::TooLarge { .. })
        ));
        let max = ((MAX_FILTER_BYTES - (HEADER_LEN + CHECKSUM_LEN) as u64) / 64) as u32;
        assert!(FilterParams::new(max, 2, 9).is_ok());
        assert!(FilterParams::new(max + 1, 2, 9).is_err());
    }

    #[test]
    fn for_capacity_rejects_bad_input() {
        for fpr in [0.0, 0.5, -1.0, 1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                FilterParams::for_capacity(1000, fpr),
                Err(FilterError::InvalidTargetFpr { .. })
            ));
        }
        assert_eq!(
            FilterParams::for_capacity(0, 0.01),
            Err(FilterError::ZeroCapacity)
        );
        assert!(matches!(
            FilterParams::for_capacity(u64::MAX / 2, 1e-6),
            Err(FilterError::TooLarge { .. })
        ));
        assert!(matches!(
            FilterParams::for_capacity(1000, 1e-300),
            Err(FilterError::TargetUnreachable { .. })
        ));
    }

    #[test]
    fn params_near_the_bloom_optimum() {
        for p in [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6] {
            let n = 1_000_000;
            let params = FilterParams::for_capacity(n, p).unwrap();
            let per_token = params.bits() as f64 / n as f64;
            let optimum = std::f64::consts::LOG2_E * p.recip().log2();
            assert!(params.expected_fpr(n) <= p);
            assert!(
                per_token <= 1.2 * optimum,
                "{p}: {per_token} vs {optimum} ({params})"
            );
            assert_eq!(params.blocks_per_token(), 2, "{p}: {params}");
        }
        let p = FilterParams::for_capacity(10_000_000, 1e-6).unwrap();
        assert_eq!(p.bits_per_block(), 9, "{p}");
    }

    #[test]
    fn model_agrees_with_closed_forms() {
        // One item per block on average, one bit per block: rate = P(bit set) ~ 1/512 * ...
        let r = model_fpr(1 << 20, 1, 1, 1 << 20);
        let classic = 1.0 - (-1.0f64 / 512.0).exp();
        assert!((r - classic).abs() / classic < 1e-3, "{r} vs {classic}");
        assert_eq!(model_fpr(10, 2, 9, 0), 0.0);
        assert_eq!(model_fpr(1, 2, 9, u64::MAX), 1.0);
        let occ = occupancy(9);
        assert!((occ.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((ln_factorial(300) - (2..=300).map(|i| (i as f64).ln()).sum::<f64>()).abs() < 1e-9);
    }
}
