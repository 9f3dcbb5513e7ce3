//! A deliberately naive, independent implementation of RFC 9162 2.1 over slices of leaf
//! hashes (`MTH`, `PATH`, `PROOF`/`SUBPROOF` transcribed from the RFC, hashing with `blake3`
//! directly), to cross-check the crate's incremental tree and frontier.

use fiu_audit::Hash32;

fn h(parts: &[&[u8]]) -> Hash32 {
    let mut hasher = blake3::Hasher::new();
    for p in parts {
        hasher.update(p);
    }
    Hash32::from_bytes(*hasher.finalize().as_bytes())
}

/// `BLAKE3(0x00 || data)`.
pub fn leaf(data: &[u8]) -> Hash32 {
    h(&[&[0x00], data])
}

fn node(l: &Hash32, r: &Hash32) -> Hash32 {
    h(&[&[0x01], l.as_bytes(), r.as_bytes()])
}

/// The largest power of two smaller than n (n > 1), by counting.
fn k(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// `MTH(D[n])`.
pub fn mth(d: &[Hash32]) -> Hash32 {
    match d.len() {
        0 => h(&[]),
        1 => d[0],
        n => {
            let k = k(n);
            node(&mth(&d[..k]), &mth(&d[k..]))
        }
    }
}

/// `PATH(m, D[n])`.
pub fn path(m: usize, d: &[Hash32]) -> Vec<Hash32> {
    let n = d.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = k(n);
    if m < k {
        let mut p = path(m, &d[..k]);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = path(m - k, &d[k..]);
        p.push(mth(&d[..k]));
        p
    }
}

/// `PROOF(m, D[n])`, empty for m = 0 or m = n.
pub fn proof(m: usize, d: &[Hash32]) -> Vec<Hash32> {
    if m == 0 || m == d.len() {
        return Vec::new();
    }
    subproof(m, d, true)
}

fn subproof(m: usize, d: &[Hash32], b: bool) -> Vec<Hash32> {
    let n = d.len();
    if m == n {
        return if b { Vec::new() } else { vec![mth(d)] };
    }
    let k = k(n);
    if m <= k {
        let mut p = subproof(m, &d[..k], b);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = subproof(m - k, &d[k..], false);
        p.push(mth(&d[..k]));
        p
    }
}
