//! National scale: how the node's work grows from 100 000 to 10 million subjects, against the
//! goals of the scale issue. docs/BENCHMARKS.md ("National scale") explains every figure.
//!
//! `cargo bench -p fiu-node --bench scale` with, in the environment:
//! - `SCALE_SUBJECTS` local subjects (default 100 000), also the size of each peer;
//! - `SCALE_PEERS` peer filters (default 30);
//! - `SCALE_FPR` the filters' target false-positive rate (default: the node's default, 1e-8);
//! - `SCALE_SHARED_PERMILLE` local subjects each peer also holds, per mille (default 10);
//! - `SCALE_PARTS` which parts to run, comma-separated, of `sweep`, `wire`, `import`,
//!   `lookup` (default all);
//! - `SCALE_THREADS` probing threads (default: the cores);
//! - `SCALE_ORDER=block` probes the tokens sorted by filter block instead of in stored order;
//! - `SCALE_OUT` a JSON-lines file the results are appended to (default
//!   `target/scale-results.jsonl`), which `scripts/plot_scale.py` turns into the table and
//!   plot of docs/BENCHMARKS.md.
//!
//! Parts:
//! - `sweep`: the local subjects are generated (`synth`, default mix), keyed and tokenised as
//!   the node does, in parallel, and written to a token file in chunks (as a node reads them
//!   from its store); each peer filter holds the tokens of the local subjects it shares plus
//!   uniformly random 32-byte tokens up to a peer population of the same size (HMAC output is
//!   uniformly random, so random tokens are an honest stand-in for the peers' other
//!   subjects). Then the full cross-match: every local token against every peer filter,
//!   batched and prefetched, parallel across threads, with the node's hit decision; wall
//!   time, peak memory against the filters' bytes, and the false hits (decided hits on
//!   subjects the peer does not hold).
//! - `wire`: snapshot and delta bytes per subject against the Bloom optimum.
//! - `import`, `lookup`: see their functions.

use std::io::{BufReader, BufWriter, Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use matcher::filter::{Filter, FilterParams};
use matcher::hits::{HitPolicy, KeyedToken, decide, tokens_of};
use matcher::keys::{KeyOptions, derive};
use matcher::{Epoch, KeyKind, NetworkSecret, Strength, Token, Tokeniser};
use serde_json::json;

mod parts;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn env_f64(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Peak resident memory of this process so far, in bytes (`VmHWM`).
pub fn peak_rss() -> u64 {
    status_kib("VmHWM:") * 1024
}

/// Current resident memory, in bytes.
pub fn rss() -> u64 {
    status_kib("VmRSS:") * 1024
}

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Resets the peak so that each part measures its own (Linux: write 5 to clear_refs).
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The 1-minute load average, recorded beside every figure (the machine is shared).
pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0.0)
}

/// Appends one result line to the output file and prints it.
pub fn report(part: &str, subjects: usize, fields: serde_json::Value) {
    let mut line = json!({
        "part": part,
        "subjects": subjects,
        "load": load_average(),
        "at": chrono::Utc::now().to_rfc3339(),
    });
    if let (Some(obj), Some(extra)) = (line.as_object_mut(), fields.as_object()) {
        for (k, v) in extra {
            obj.insert(k.clone(), v.clone());
        }
    }
    println!("{line}");
    let path = std::env::var("SCALE_OUT").map_or_else(
        |_| target_dir().join("scale-results.jsonl"),
        std::path::PathBuf::from,
    );
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    {
        let _ = writeln!(f, "{line}");
    }
}

/// The workspace's target directory (cargo runs benchmarks from the package's directory):
/// the token files, the results and the benchmark nodes' files go there.
pub fn target_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
        std::path::PathBuf::from,
    )
}

/// Subjects per chunk of the token file: one chunk is what a probing round holds.
const CHUNK_SUBJECTS: usize = 65_536;

/// The local subjects' tokens, in chunks: `[n_subjects u32][n_tokens u32][offsets
/// (n_subjects + 1) x u32][kinds n_tokens x u16][tokens n_tokens x 32]`.
struct TokenFile {
    path: std::path::PathBuf,
    subjects: usize,
    tokens: u64,
    strong_tokens: u64,
}

/// One chunk in memory.
#[derive(Default)]
struct Chunk {
    first_subject: usize,
    offsets: Vec<u32>,
    kinds: Vec<KeyKind>,
    tokens: Vec<Token>,
}

impl Chunk {
    fn subjects(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    fn subject_range(&self, i: usize) -> std::ops::Range<usize> {
        self.offsets[i] as usize..self.offsets[i + 1] as usize
    }

    fn read(r: &mut impl Read, first_subject: usize, into: &mut Chunk) -> std::io::Result<bool> {
        let mut head = [0u8; 8];
        match r.read_exact(&mut head) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(false),
            Err(e) => return Err(e),
        }
        let ns = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let nt = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
        let mut buf = vec![0u8; (ns + 1) * 4 + nt * 2 + nt * 32];
        r.read_exact(&mut buf)?;
        into.first_subject = first_subject;
        into.offsets.clear();
        into.kinds.clear();
        into.tokens.clear();
        let (offs, rest) = buf.split_at((ns + 1) * 4);
        let (kinds, toks) = rest.split_at(nt * 2);
        into.offsets.extend(
            offs.chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        );
        into.kinds.extend(kinds.chunks_exact(2).map(|c| {
            KeyKind::from_code(u16::from_le_bytes([c[0], c[1]])).unwrap_or(KeyKind::ALL[0])
        }));
        into.tokens.extend(toks.chunks_exact(32).map(|c| {
            let mut t = [0u8; 32];
            t.copy_from_slice(c);
            Token::from_bytes(t)
        }));
        Ok(true)
    }

    fn write(&self, w: &mut impl Write) -> std::io::Result<()> {
        w.write_all(&(self.subjects() as u32).to_le_bytes())?;
        w.write_all(&(self.tokens.len() as u32).to_le_bytes())?;
        for o in &self.offsets {
            w.write_all(&o.to_le_bytes())?;
        }
        for k in &self.kinds {
            w.write_all(&k.code().to_le_bytes())?;
        }
        for t in &self.tokens {
            w.write_all(t.as_bytes())?;
        }
        Ok(())
    }
}

impl TokenFile {
    fn for_each_chunk(&self, mut f: impl FnMut(&Chunk)) -> std::io::Result<()> {
        let mut r = BufReader::with_capacity(1 << 22, std::fs::File::open(&self.path)?);
        let mut chunk = Chunk::default();
        let mut first = 0;
        while Chunk::read(&mut r, first, &mut chunk)? {
            f(&chunk);
            first += chunk.subjects();
        }
        Ok(())
    }
}

/// The node's tokeniser under a fixed test secret, epoch 1.
pub fn tokeniser() -> Tokeniser {
    Tokeniser::new(&NetworkSecret::from_bytes([7; 32]).epoch_key(Epoch(1)))
}

/// The token file of `n` subjects, made by [`prepare_local`] unless a previous run left it
/// (`target/scale-tokens-N.bin` with its counts beside it; delete them to measure the
/// preparation again).
fn local_tokens(n: usize, threads: usize) -> TokenFile {
    let path = target_dir().join(format!("scale-tokens-{n}.bin"));
    let counts = path.with_extension("counts");
    if let Some((tokens, strong)) = std::fs::read_to_string(&counts).ok().and_then(|s| {
        let mut it = s.split_whitespace().filter_map(|v| v.parse::<u64>().ok());
        Some((it.next()?, it.next()?))
    }) {
        if path.exists() {
            println!("reusing {} (delete it to prepare again)", path.display());
            return TokenFile {
                path,
                subjects: n,
                tokens,
                strong_tokens: strong,
            };
        }
    }
    let file = prepare_local(n, threads, &path);
    let _ = std::fs::write(&counts, format!("{} {}", file.tokens, file.strong_tokens));
    file
}

/// Generates, keys and tokenises `n` subjects (threads in parallel) into a token file.
fn prepare_local(n: usize, threads: usize, path: &std::path::Path) -> TokenFile {
    let spec = synth::PopulationSpec::new(1, n);
    let mut stream = synth::Population::stream(&spec);
    let tok = tokeniser();
    let options = KeyOptions::default();
    let mut w = BufWriter::with_capacity(
        1 << 22,
        std::fs::File::create(path).expect("a token file in target/"),
    );
    let (mut tokens, mut strong) = (0u64, 0u64);
    let mut generate_s = 0.0;
    let mut prepare_s = 0.0;
    loop {
        let t0 = Instant::now();
        let subjects: Vec<matcher::Subject> = stream.by_ref().take(CHUNK_SUBJECTS).collect();
        generate_s += t0.elapsed().as_secs_f64();
        if subjects.is_empty() {
            break;
        }
        let t1 = Instant::now();
        let per = subjects.len().div_ceil(threads);
        let parts: Vec<Vec<Vec<KeyedToken>>> = std::thread::scope(|s| {
            let handles: Vec<_> = subjects
                .chunks(per)
                .map(|part| {
                    let tok = &tok;
                    let options = &options;
                    s.spawn(move || {
                        part.iter()
                            .map(|subject| tokens_of(&derive(subject, options).keys, tok))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a preparing thread"))
                .collect()
        });
        prepare_s += t1.elapsed().as_secs_f64();
        let mut chunk = Chunk {
            offsets: vec![0],
            ..Chunk::default()
        };
        for ts in parts.into_iter().flatten() {
            for t in ts {
                strong += u64::from(t.kind.strength() == Strength::Strong);
                chunk.kinds.push(t.kind);
                chunk.tokens.push(t.token);
            }
            chunk.offsets.push(chunk.tokens.len() as u32);
        }
        tokens += chunk.tokens.len() as u64;
        chunk.write(&mut w).expect("write the token file");
    }
    w.flush().expect("flush the token file");
    drop(w);
    report(
        "prepare",
        n,
        json!({
            "threads": threads,
            "generate_s": generate_s,
            "prepare_s": prepare_s,
            "subjects_per_s": n as f64 / prepare_s,
            "tokens": tokens,
            "tokens_per_subject": tokens as f64 / n.max(1) as f64,
            "strong_tokens": strong,
        }),
    );
    TokenFile {
        path: path.to_owned(),
        subjects: n,
        tokens,
        strong_tokens: strong,
    }
}

/// Whether peer `p` holds local subject `i` (a fixed pseudo-random choice).
fn shared(i: usize, p: usize, permille: u64) -> bool {
    let mut x = (i as u64) ^ ((p as u64 + 1) << 40);
    x = x.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 29;
    x % 1000 < permille
}

/// A small fast generator of uniformly random tokens (splitmix64).
struct RandomTokens(u64);

impl RandomTokens {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn token(&mut self) -> Token {
        let mut t = [0u8; 32];
        for c in t.chunks_exact_mut(8) {
            c.copy_from_slice(&self.next_u64().to_le_bytes());
        }
        Token::from_bytes(t)
    }
}

/// Builds the peer filters: each peer's shared local subjects plus random tokens up to the
/// local population's token count.
fn build_peers(
    local: &TokenFile,
    peers: usize,
    fpr: f64,
    permille: u64,
    threads: usize,
) -> Vec<Filter> {
    let params = FilterParams::for_capacity(local.tokens.max(1), fpr).expect("filter parameters");
    let mut filters: Vec<Filter> = (0..peers).map(|_| Filter::new(Epoch(1), params)).collect();
    // Shared subjects first (one pass over the token file).
    local
        .for_each_chunk(|chunk| {
            for (p, f) in filters.iter_mut().enumerate() {
                for i in 0..chunk.subjects() {
                    if shared(chunk.first_subject + i, p, permille) {
                        for t in &chunk.tokens[chunk.subject_range(i)] {
                            f.insert(t);
                        }
                    }
                }
            }
        })
        .expect("read the token file");
    let next = AtomicU64::new(0);
    std::thread::scope(|s| {
        let per = filters.len().div_ceil(threads).max(1);
        for (n, part) in filters.chunks_mut(per).enumerate() {
            let next = &next;
            s.spawn(move || {
                for (j, f) in part.iter_mut().enumerate() {
                    let mut rng = RandomTokens(0xC0FFEE ^ ((n * per + j) as u64) << 32);
                    let mut batch = Vec::with_capacity(1 << 16);
                    while f.item_count() < local.tokens {
                        let left = (local.tokens - f.item_count()).min(1 << 16) as usize;
                        batch.clear();
                        batch.extend((0..left).map(|_| rng.token()));
                        f.insert_many(&batch);
                    }
                    next.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    filters
}

/// What one probing thread found.
#[derive(Default, Clone)]
struct SweepCount {
    probes: u64,
    true_hits: u64,
    missed_shared: u64,
    /// Decided hits on subjects the peer does not hold: (subject, peer, tokens that hit).
    /// Either Bloom false positives or exact-key collisions with a subject the peer holds
    /// (two synthetic subjects sharing a key); told apart after the sweep.
    false_hits: Vec<(usize, usize, Vec<Token>)>,
}

/// How the sweep orders a thread's tokens before probing them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ProbeOrder {
    /// In subject order, as stored.
    Stored,
    /// Sorted by the first block they probe (the same for every filter of one geometry, so
    /// sorted once per chunk): the first block's memory accesses then move forward through
    /// each filter instead of jumping.
    ByBlock,
}

/// Probes subjects `range` of `chunk` against every filter, batched, and decides hits.
fn sweep_part(
    chunk: &Chunk,
    range: std::ops::Range<usize>,
    filters: &[Filter],
    policy: &HitPolicy,
    permille: u64,
    order: ProbeOrder,
) -> SweepCount {
    let mut count = SweepCount::default();
    if range.is_empty() {
        return count;
    }
    let from = chunk.offsets[range.start] as usize;
    let to = chunk.offsets[range.end] as usize;
    let tokens = &chunk.tokens[from..to];
    // Sorted copy of the tokens and where each came from (ByBlock only).
    let same_geometry = filters.iter().all(|f| f.params() == filters[0].params());
    let (sorted, positions): (Vec<Token>, Vec<u32>) =
        if order == ProbeOrder::ByBlock && same_geometry {
            let params = filters[0].params();
            let mut keyed: Vec<(u64, u32)> = tokens
                .iter()
                .enumerate()
                .map(|(i, t)| (params.blocks_of(t)[0], i as u32))
                .collect();
            keyed.sort_unstable();
            (
                keyed.iter().map(|&(_, i)| tokens[i as usize]).collect(),
                keyed.iter().map(|&(_, i)| i).collect(),
            )
        } else {
            (Vec::new(), Vec::new())
        };
    let mut answers = vec![false; tokens.len()];
    let mut sorted_answers = Vec::with_capacity(tokens.len());
    let mut hit: Vec<KeyedToken> = Vec::new();
    for (p, f) in filters.iter().enumerate() {
        let fpr = f.estimated_fpr();
        if sorted.is_empty() {
            f.contains_many(tokens, &mut answers);
        } else {
            f.contains_many(&sorted, &mut sorted_answers);
            for (&a, &i) in sorted_answers.iter().zip(&positions) {
                answers[i as usize] = a;
            }
        }
        count.probes += tokens.len() as u64;
        for i in range.clone() {
            let r = chunk.subject_range(i);
            let local = (r.start - from)..(r.end - from);
            if !answers[local.clone()].iter().any(|&a| a) {
                if shared(chunk.first_subject + i, p, permille) && !r.is_empty() {
                    count.missed_shared += 1;
                }
                continue;
            }
            hit.clear();
            hit.extend(local.clone().filter(|&k| answers[k]).map(|k| KeyedToken {
                kind: chunk.kinds[from + k],
                token: tokens[k],
            }));
            let is_shared = shared(chunk.first_subject + i, p, permille);
            match decide(std::mem::take(&mut hit), fpr, policy) {
                Some(_) if is_shared => count.true_hits += 1,
                Some(m) => count.false_hits.push((
                    chunk.first_subject + i,
                    p,
                    m.tokens.iter().map(|t| t.token).collect(),
                )),
                None if is_shared => count.missed_shared += 1,
                None => {}
            }
        }
    }
    count
}

/// Splits the decided hits on subjects a peer does not hold into Bloom false positives
/// (`(subject, peer)`, none of the hit tokens is in the peer's set) and exact-key collisions
/// (a hit token belongs to another local subject that the peer does hold: two synthetic
/// subjects with a key in common, which the matching-quality benchmark measures). One pass
/// over the token file.
fn classify_false_hits(
    local: &TokenFile,
    candidates: &[(usize, usize, Vec<Token>)],
    permille: u64,
) -> (Vec<(usize, usize)>, usize) {
    let wanted: std::collections::HashSet<Token> = candidates
        .iter()
        .flat_map(|c| c.2.iter().copied())
        .collect();
    // (token, peer) pairs that the peer really holds.
    let mut held: std::collections::HashSet<(Token, usize)> = std::collections::HashSet::new();
    let peers = candidates.iter().map(|c| c.1 + 1).max().unwrap_or(0);
    if !wanted.is_empty() {
        local
            .for_each_chunk(|chunk| {
                for i in 0..chunk.subjects() {
                    let r = chunk.subject_range(i);
                    if !chunk.tokens[r.clone()].iter().any(|t| wanted.contains(t)) {
                        continue;
                    }
                    for p in 0..peers {
                        if shared(chunk.first_subject + i, p, permille) {
                            for t in &chunk.tokens[r.clone()] {
                                if wanted.contains(t) {
                                    held.insert((*t, p));
                                }
                            }
                        }
                    }
                }
            })
            .expect("read the token file");
    }
    let mut bloom = Vec::new();
    let mut collisions = 0;
    for (subject, p, tokens) in candidates {
        if tokens.iter().any(|t| held.contains(&(*t, *p))) {
            collisions += 1;
        } else {
            bloom.push((*subject, *p));
        }
    }
    (bloom, collisions)
}

fn sweep(n: usize, peers: usize, fpr: f64, permille: u64, threads: usize, order: ProbeOrder) {
    let local = local_tokens(n, threads);
    // The peak of the sweep itself: the filters, the chunk in flight, the false hits.
    reset_peak_rss();
    let t = Instant::now();
    let filters = build_peers(&local, peers, fpr, permille, threads);
    let build_s = t.elapsed().as_secs_f64();
    let filter_bytes: u64 = filters.iter().map(|f| f.params().byte_len()).sum();
    let params = filters[0].params();
    // Warm the token file into the page cache, so that the sweep measures probing and not
    // the first read from disk (a node's store is warm in the same way).
    local.for_each_chunk(|_| {}).expect("read the token file");
    let policy = HitPolicy::default();
    let t = Instant::now();
    let mut total = SweepCount::default();
    local
        .for_each_chunk(|chunk| {
            let per = chunk.subjects().div_ceil(threads).max(1);
            let results: Vec<SweepCount> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..threads)
                    .map(|k| {
                        let range =
                            (k * per).min(chunk.subjects())..((k + 1) * per).min(chunk.subjects());
                        let filters = &filters;
                        let policy = &policy;
                        s.spawn(move || sweep_part(chunk, range, filters, policy, permille, order))
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("a probing thread"))
                    .collect()
            });
            for c in results {
                total.probes += c.probes;
                total.true_hits += c.true_hits;
                total.missed_shared += c.missed_shared;
                total.false_hits.extend(c.false_hits);
            }
        })
        .expect("read the token file");
    let sweep_s = t.elapsed().as_secs_f64();
    let peak = peak_rss();
    let (bloom_false, collisions) = classify_false_hits(&local, &total.false_hits, permille);
    let mut false_per_peer = vec![0u64; peers];
    for &(_, p) in &bloom_false {
        false_per_peer[p] += 1;
    }
    let goal_bytes = 1.2 * filter_bytes as f64 + 1e9;
    let max_false = false_per_peer.iter().copied().max().unwrap_or(0);
    // Expected false hits per peer per sweep: every strong token alone decides a hit, so
    // about strong tokens x FPR (medium pairs add a negligible FPR^2 term).
    let expected_false = local.strong_tokens as f64 * filters[0].estimated_fpr();
    // The FPR at which the expected false hits per peer per sweep is 0.5, and its size.
    let fpr_for_half = 0.5 / local.strong_tokens.max(1) as f64;
    let tuned = FilterParams::for_capacity(local.tokens.max(1), fpr_for_half).expect("params");
    report(
        "sweep",
        n,
        json!({
            "peers": peers,
            "threads": threads,
            "fpr_target": fpr,
            "fpr_estimated": filters[0].estimated_fpr(),
            "params": params.to_string(),
            "bits_per_token": params.bits() as f64 / local.tokens as f64,
            "local_subjects": local.subjects,
            "tokens": local.tokens,
            "strong_tokens": local.strong_tokens,
            "build_s": build_s,
            "sweep_s": sweep_s,
            "sweep_goal_s": 60.0,
            "probes": total.probes,
            "probes_per_s": total.probes as f64 / sweep_s,
            "true_hits": total.true_hits,
            "missed_shared": total.missed_shared,
            "order": if order == ProbeOrder::ByBlock { "by_block" } else { "stored" },
            "false_hits": bloom_false.len(),
            "false_hits_per_peer": bloom_false.len() as f64 / peers as f64,
            "exact_key_collisions": collisions,
            "false_hits_max_peer": max_false,
            "false_hits_expected_per_peer": expected_false,
            "fpr_for_half_false_hit": fpr_for_half,
            "bits_per_token_at_that_fpr": tuned.bits() as f64 / local.tokens as f64,
            "filter_bytes": filter_bytes,
            "peak_rss": peak,
            "memory_goal_bytes": goal_bytes,
            "memory_met": (peak as f64) <= goal_bytes,
            "time_met": sweep_s <= 60.0,
            // Whether the filters got huge pages (matcher asks for them; 0 when the kernel's
            // transparent huge pages are `never`).
            "anon_huge_pages_bytes": anon_huge_pages(),
        }),
    );
}

/// `AnonHugePages` of /proc/meminfo in bytes, while the filters are still held.
fn anon_huge_pages() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("AnonHugePages:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

fn main() {
    let n = env_usize("SCALE_SUBJECTS", 100_000);
    let peers = env_usize("SCALE_PEERS", 30).max(1);
    let fpr = env_f64("SCALE_FPR", fiu_node::config::DEFAULT_TARGET_FPR);
    let permille = env_usize("SCALE_SHARED_PERMILLE", 10) as u64;
    let threads = env_usize(
        "SCALE_THREADS",
        std::thread::available_parallelism().map_or(2, |n| n.get()),
    )
    .max(1);
    let parts = std::env::var("SCALE_PARTS").unwrap_or_else(|_| "sweep,wire,import,lookup".into());
    println!(
        "scale bench: {n} subjects, {peers} peers, fpr {fpr:e}, {threads} threads, load {:.2}",
        load_average()
    );
    for part in parts.split(',').map(str::trim) {
        match part {
            "sweep" => {
                let order = if std::env::var("SCALE_ORDER").is_ok_and(|v| v == "block") {
                    ProbeOrder::ByBlock
                } else {
                    ProbeOrder::Stored
                };
                sweep(n, peers, fpr, permille, threads, order)
            }
            "wire" => parts::wire(n, fpr),
            "prepare" => {
                local_tokens(n, threads);
            }
            "import" => parts::import(n, threads),
            "lookup" => parts::lookup(n, peers, fpr),
            "" => {}
            other => eprintln!("unknown part {other:?}: sweep, wire, import, lookup"),
        }
    }
}
