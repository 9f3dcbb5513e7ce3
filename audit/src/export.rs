//! The self-contained export file and its offline verifier.
//!
//! An export is JSON lines (UTF-8, one JSON object per line, `\n` after each), in this order:
//!
//! 1. one header: `{"type":"header","format":1,"hash":"blake3","log_id":…,"public_key":…,
//!    "prefix_size":m,"prefix":[…]}`: the log's member id, its Ed25519 public key (64 hex),
//!    and, for an export that starts after entry 1, the [`Frontier`] of the first `m` leaves
//!    (hex hashes, largest subtree first; `m = 0` and `[]` for a whole log);
//! 2. the entries `m + 1, m + 2, …` in order:
//!    `{"type":"entry","seq":…,"at_ms":…,"kind":…,"actor":…,"detail":…}`, the detail as a JSON
//!    *string* holding the stored JSON text (hashed as that text, never re-serialised);
//! 3. signed tree heads in ascending size,
//!    `{"type":"tree_head","size":…,"root":…,"timestamp_ms":…,"signature":…}` (the log id is
//!    the header's), and countersignatures naming the head by its size,
//!    `{"type":"countersignature","size":…,"witness":…,"signature":…}` (signatures as 128 hex
//!    characters). [`Export::to_json_lines`] writes all heads, then all countersignatures;
//!    the parser accepts the two kinds interleaved.
//!
//! [`Verifier::verify`] trusts nothing in the file: the public key must equal the one the
//! auditor supplies, the prefix is authenticated only through the roots it leads to, and every
//! head's root is recomputed from the entries. Two heads whose roots are both recomputed from
//! one sequence of leaves are consistent by construction (a stronger check than a consistency
//! proof, which only shows that *some* such sequence exists).

use std::collections::BTreeMap;

use ed25519_dalek::{Signature, VerifyingKey};
use serde::Deserialize;
use serde_json::json;

use crate::entry::Entry;
use crate::merkle::{Frontier, Hash32, TreeSize};
use crate::tree_head::{Countersignature, SignedTreeHead, TreeHead};

/// Export format version in the header.
pub const EXPORT_FORMAT: u32 = 1;

/// Name of the hash function in the header.
pub const EXPORT_HASH: &str = "blake3";

/// Longest line accepted, in bytes: an entry's detail is a few kilobytes at most, and a
/// line without limit would let a hostile file make the verifier buffer gigabytes.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// An export, parsed but not verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// The log's member id.
    pub log_id: String,
    /// The key the file claims; the verifier compares it with the auditor's.
    pub public_key: VerifyingKey,
    /// The leaves before the first entry, as a frontier (empty for a whole log).
    pub prefix: Frontier,
    /// Entries, in file order.
    pub entries: Vec<Entry>,
    /// Signed tree heads, in file order.
    pub heads: Vec<SignedTreeHead>,
    /// Countersignatures, in file order.
    pub countersignatures: Vec<Countersignature>,
}

/// Why an entry fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EntryFault {
    /// The entry is not the next in sequence.
    #[error("expected entry {expected} here: an entry was removed, inserted, duplicated or moved")]
    OutOfSequence {
        /// The sequence number due at this place.
        expected: u64,
    },
}

/// Why a tree head fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeadFault {
    /// The log's signature does not verify with the auditor's key.
    #[error("the log's signature does not verify")]
    BadSignature,
    /// The head is of another log.
    #[error("the head is of log {found}, not {expected}")]
    LogIdMismatch {
        /// The export's log.
        expected: String,
        /// The head's log.
        found: String,
    },
    /// Heads are not in strictly ascending size.
    #[error("it does not follow the head at size {previous}")]
    NotAscending {
        /// The previous head's size.
        previous: u64,
    },
    /// The head covers entries the export does not have.
    #[error(
        "it covers entries up to {size} but the export ends at entry {last_seq}: the log was truncated"
    )]
    Truncated {
        /// The head's size.
        size: u64,
        /// The last entry in the export (the prefix size when there is none).
        last_seq: u64,
    },
    /// The head is older than the export's first entry, so it cannot be recomputed.
    #[error("it precedes the export's prefix of {prefix_size} entries and cannot be checked")]
    BeforeRange {
        /// Entries covered by the prefix.
        prefix_size: u64,
    },
    /// The entries do not hash to the signed root.
    #[error(
        "the signed root is {signed} but entries {from}..={to} lead to {computed}: an entry in \
         that range was changed, removed, inserted or reordered"
    )]
    RootMismatch {
        /// First entry since the last head that matched (or since the prefix).
        from: u64,
        /// Last entry covered by this head.
        to: u64,
        /// The signed root.
        signed: Hash32,
        /// The root of the exported entries.
        computed: Hash32,
    },
    /// A countersignature does not verify with the witness's key.
    #[error("the countersignature of {witness} does not verify")]
    BadCountersignature {
        /// The witness.
        witness: String,
    },
    /// A countersignature names a size for which the export has no head.
    #[error("{witness} countersigned it, but the export has no head of this size")]
    NoSuchHead {
        /// The witness.
        witness: String,
    },
}

/// Why an export does not verify. Faults in the file name the entry (sequence number) or the
/// head (tree size) that fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// A line is not part of the export format (bad JSON, missing field, wrong order, bad
    /// hex, too long).
    #[error("line {line}: {reason}")]
    Malformed {
        /// Line number, from 1.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The file names another public key than the auditor's.
    #[error("the export is for key {found}, not the expected {expected}")]
    KeyMismatch {
        /// The auditor's key, hex.
        expected: String,
        /// The file's key, hex.
        found: String,
    },
    /// An entry fails.
    #[error("entry {seq}: {fault}")]
    Entry {
        /// The entry's sequence number as exported.
        seq: u64,
        /// Why.
        fault: EntryFault,
    },
    /// A tree head in the export fails.
    #[error("tree head at size {size}: {fault}")]
    Head {
        /// The head's size.
        size: u64,
        /// Why.
        fault: HeadFault,
    },
    /// A tree head the auditor holds from elsewhere (a witness, an earlier audit) fails.
    #[error("known tree head at size {size}: {fault}")]
    KnownHead {
        /// The head's size.
        size: u64,
        /// Why.
        fault: HeadFault,
    },
    /// Nothing in the export is signed.
    #[error("the export has no signed tree head, so none of it is authenticated")]
    NoTreeHead,
}

/// A tree head that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedHead {
    /// The head.
    pub head: TreeHead,
    /// Witnesses whose countersignatures verified.
    pub witnessed_by: Vec<String>,
}

/// What a successful verification established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedExport {
    /// The log.
    pub log_id: String,
    /// Entries before the export (covered by the prefix).
    pub prefix_size: u64,
    /// The last entry's sequence number (the prefix size when there are no entries).
    pub last_seq: u64,
    /// The export's heads, all verified, ascending.
    pub heads: Vec<VerifiedHead>,
    /// Entries after the last signed head: well-formed but covered by no signature.
    pub unsigned_entries: u64,
    /// Countersignatures by witnesses whose keys were not supplied: (size, witness).
    pub unchecked_countersignatures: Vec<(u64, String)>,
}

/// Checks exports against the log's key, witnesses' keys and heads known from elsewhere.
#[derive(Debug, Clone)]
pub struct Verifier {
    log_key: VerifyingKey,
    witnesses: BTreeMap<String, VerifyingKey>,
    known_heads: Vec<SignedTreeHead>,
}

/// Verifies an export with the log's public key alone (countersignatures are reported as
/// unchecked). See [`Verifier`] for witnesses and known heads.
pub fn verify_export(
    bytes: &[u8],
    public_key: &VerifyingKey,
) -> Result<VerifiedExport, VerifyError> {
    Verifier::new(*public_key).verify(bytes)
}

impl Verifier {
    /// A verifier for the log with this key.
    pub fn new(log_key: VerifyingKey) -> Verifier {
        Verifier {
            log_key,
            witnesses: BTreeMap::new(),
            known_heads: Vec::new(),
        }
    }

    /// Adds a witness whose countersignatures are to be checked.
    pub fn witness(mut self, member_id: &str, key: VerifyingKey) -> Verifier {
        self.witnesses.insert(member_id.to_owned(), key);
        self
    }

    /// Adds a head of this log held from elsewhere (a peer's witnessed copy, an earlier
    /// audit): the export must reproduce its root, and cover its size (else it was
    /// truncated).
    pub fn known_head(mut self, head: SignedTreeHead) -> Verifier {
        self.known_heads.push(head);
        self
    }

    /// Parses and verifies an export file.
    pub fn verify(&self, bytes: &[u8]) -> Result<VerifiedExport, VerifyError> {
        self.verify_parsed(&Export::parse(bytes)?)
    }

    /// Verifies a parsed export.
    pub fn verify_parsed(&self, export: &Export) -> Result<VerifiedExport, VerifyError> {
        if export.public_key != self.log_key {
            return Err(VerifyError::KeyMismatch {
                expected: hex::encode(self.log_key.as_bytes()),
                found: hex::encode(export.public_key.as_bytes()),
            });
        }
        let prefix_size = export.prefix.size().get();

        // Entries: consecutive from the prefix on.
        let mut expected = prefix_size.saturating_add(1);
        for e in &export.entries {
            if e.seq != expected {
                return Err(VerifyError::Entry {
                    seq: e.seq,
                    fault: EntryFault::OutOfSequence { expected },
                });
            }
            expected = expected.saturating_add(1);
        }
        let last_seq = prefix_size + export.entries.len() as u64;

        // Heads: this log's, ascending, signed, within the export.
        let mut previous: Option<u64> = None;
        for sth in &export.heads {
            let size = sth.head.size.get();
            let fail = |fault| VerifyError::Head { size, fault };
            if let Some(p) = previous.filter(|p| size <= *p) {
                return Err(fail(HeadFault::NotAscending { previous: p }));
            }
            previous = Some(size);
            self.check_head(sth, &export.log_id, prefix_size, last_seq)
                .map_err(fail)?;
        }
        if export.heads.is_empty() && self.known_heads.is_empty() {
            return Err(VerifyError::NoTreeHead);
        }
        for sth in &self.known_heads {
            let size = sth.head.size.get();
            self.check_head(sth, &export.log_id, prefix_size, last_seq)
                .map_err(|fault| VerifyError::KnownHead { size, fault })?;
        }

        // Countersignatures.
        let mut witnessed: BTreeMap<u64, Vec<String>> = BTreeMap::new();
        let mut unchecked = Vec::new();
        for cs in &export.countersignatures {
            let size = cs.size.get();
            let Some(sth) = export.heads.iter().find(|h| h.head.size == cs.size) else {
                return Err(VerifyError::Head {
                    size,
                    fault: HeadFault::NoSuchHead {
                        witness: cs.witness.clone(),
                    },
                });
            };
            match self.witnesses.get(&cs.witness) {
                Some(key) => {
                    cs.verify(&sth.head, key).map_err(|_| VerifyError::Head {
                        size,
                        fault: HeadFault::BadCountersignature {
                            witness: cs.witness.clone(),
                        },
                    })?;
                    witnessed.entry(size).or_default().push(cs.witness.clone());
                }
                None => unchecked.push((size, cs.witness.clone())),
            }
        }

        // Roots: recompute from the prefix and the entries, checking every head on the way.
        let mut checkpoints: Vec<(u64, &SignedTreeHead, bool)> = export
            .heads
            .iter()
            .map(|h| (h.head.size.get(), h, false))
            .chain(
                self.known_heads
                    .iter()
                    .map(|h| (h.head.size.get(), h, true)),
            )
            .collect();
        checkpoints.sort_by_key(|c| c.0);
        let mut frontier = export.prefix.clone();
        let mut next = 0;
        let mut from = prefix_size + 1;
        let check = |frontier: &Frontier, next: &mut usize, from: &mut u64| {
            let size = frontier.size().get();
            let since = *from;
            while let Some(&(_, sth, known)) = checkpoints.get(*next).filter(|c| c.0 == size) {
                let computed = frontier.root();
                if computed != sth.head.root {
                    let fault = HeadFault::RootMismatch {
                        from: since,
                        to: size,
                        signed: sth.head.root,
                        computed,
                    };
                    return Err(if known {
                        VerifyError::KnownHead { size, fault }
                    } else {
                        VerifyError::Head { size, fault }
                    });
                }
                *from = size + 1;
                *next += 1;
            }
            Ok(())
        };
        check(&frontier, &mut next, &mut from)?;
        for e in &export.entries {
            frontier.append(e.leaf_hash());
            check(&frontier, &mut next, &mut from)?;
        }

        let last_signed = export
            .heads
            .last()
            .map_or(prefix_size, |h| h.head.size.get());
        Ok(VerifiedExport {
            log_id: export.log_id.clone(),
            prefix_size,
            last_seq,
            heads: export
                .heads
                .iter()
                .map(|h| VerifiedHead {
                    head: h.head.clone(),
                    witnessed_by: witnessed.remove(&h.head.size.get()).unwrap_or_default(),
                })
                .collect(),
            unsigned_entries: last_seq.saturating_sub(last_signed),
            unchecked_countersignatures: unchecked,
        })
    }

    /// The checks of one head that need no entries.
    fn check_head(
        &self,
        sth: &SignedTreeHead,
        log_id: &str,
        prefix_size: u64,
        last_seq: u64,
    ) -> Result<(), HeadFault> {
        let size = sth.head.size.get();
        if sth.head.log_id != log_id {
            return Err(HeadFault::LogIdMismatch {
                expected: log_id.to_owned(),
                found: sth.head.log_id.clone(),
            });
        }
        sth.verify(&self.log_key)
            .map_err(|_| HeadFault::BadSignature)?;
        if size < prefix_size {
            return Err(HeadFault::BeforeRange { prefix_size });
        }
        if size > last_seq {
            return Err(HeadFault::Truncated { size, last_seq });
        }
        Ok(())
    }
}

/// One line of the file, as read.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum Line {
    Header {
        format: u32,
        hash: String,
        log_id: String,
        public_key: String,
        prefix_size: u64,
        prefix: Vec<String>,
    },
    Entry {
        seq: u64,
        at_ms: i64,
        kind: String,
        actor: String,
        detail: String,
    },
    TreeHead {
        size: u64,
        root: String,
        timestamp_ms: i64,
        signature: String,
    },
    Countersignature {
        size: u64,
        witness: String,
        signature: String,
    },
}

fn signature_from_hex(text: &str) -> Option<Signature> {
    let mut bytes = [0u8; 64];
    hex::decode_to_slice(text, &mut bytes).ok()?;
    Some(Signature::from_bytes(&bytes))
}

impl Export {
    /// The file: JSON lines, each ending in `\n`.
    pub fn to_json_lines(&self) -> Vec<u8> {
        let mut lines = Vec::with_capacity(1 + self.entries.len() + self.heads.len());
        lines.push(json!({
            "type": "header",
            "format": EXPORT_FORMAT,
            "hash": EXPORT_HASH,
            "log_id": self.log_id,
            "public_key": hex::encode(self.public_key.as_bytes()),
            "prefix_size": self.prefix.size().get(),
            "prefix": self.prefix.nodes().iter().map(Hash32::to_hex).collect::<Vec<_>>(),
        }));
        for e in &self.entries {
            lines.push(json!({
                "type": "entry",
                "seq": e.seq,
                "at_ms": e.at_ms,
                "kind": e.kind,
                "actor": e.actor,
                "detail": e.detail,
            }));
        }
        for h in &self.heads {
            lines.push(json!({
                "type": "tree_head",
                "size": h.head.size.get(),
                "root": h.head.root.to_hex(),
                "timestamp_ms": h.head.timestamp_ms,
                "signature": hex::encode(h.signature.to_bytes()),
            }));
        }
        for c in &self.countersignatures {
            lines.push(countersignature_line(c));
        }
        let mut out = Vec::new();
        for l in lines {
            out.extend_from_slice(l.to_string().as_bytes());
            out.push(b'\n');
        }
        out
    }

    /// Parses an export file. Checks the syntax and the order of the sections only; never
    /// panics on any input.
    pub fn parse(bytes: &[u8]) -> Result<Export, VerifyError> {
        let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
        if lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        let bad = |line: usize, reason: &str| VerifyError::Malformed {
            line,
            reason: reason.to_owned(),
        };
        let mut export: Option<Export> = None;
        let mut in_heads = false;
        for (i, raw) in lines.iter().enumerate() {
            let n = i + 1;
            if raw.len() > MAX_LINE_BYTES {
                return Err(bad(n, "line longer than the limit"));
            }
            let line: Line = serde_json::from_slice(raw).map_err(|e| VerifyError::Malformed {
                line: n,
                reason: e.to_string(),
            })?;
            let Some(ex) = export.as_mut() else {
                let Line::Header {
                    format,
                    hash,
                    log_id,
                    public_key,
                    prefix_size,
                    prefix,
                } = line
                else {
                    return Err(bad(n, "the first line must be the header"));
                };
                if format != EXPORT_FORMAT {
                    return Err(bad(n, "unknown export format"));
                }
                if hash != EXPORT_HASH {
                    return Err(bad(n, "unknown hash function"));
                }
                let mut key = [0u8; 32];
                hex::decode_to_slice(&public_key, &mut key)
                    .map_err(|_| bad(n, "public key is not 64 hex characters"))?;
                let public_key = VerifyingKey::from_bytes(&key)
                    .map_err(|_| bad(n, "public key is not an Ed25519 point"))?;
                if prefix.len() > 64 {
                    return Err(bad(n, "prefix has more than 64 hashes"));
                }
                let nodes = prefix
                    .iter()
                    .map(|h| Hash32::from_hex(h))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| bad(n, "prefix hash is not 64 hex characters"))?;
                let prefix = Frontier::from_parts(TreeSize::new(prefix_size), nodes)
                    .map_err(|e| bad(n, &e.to_string()))?;
                export = Some(Export {
                    log_id,
                    public_key,
                    prefix,
                    entries: Vec::new(),
                    heads: Vec::new(),
                    countersignatures: Vec::new(),
                });
                continue;
            };
            match line {
                Line::Header { .. } => return Err(bad(n, "a second header")),
                Line::Entry {
                    seq,
                    at_ms,
                    kind,
                    actor,
                    detail,
                } => {
                    if in_heads {
                        return Err(bad(n, "an entry after the tree heads"));
                    }
                    ex.entries.push(Entry {
                        seq,
                        at_ms,
                        kind,
                        actor,
                        detail,
                    });
                }
                Line::TreeHead {
                    size,
                    root,
                    timestamp_ms,
                    signature,
                } => {
                    in_heads = true;
                    let root =
                        Hash32::from_hex(&root).ok_or_else(|| bad(n, "root is not 64 hex"))?;
                    let signature = signature_from_hex(&signature)
                        .ok_or_else(|| bad(n, "signature is not 128 hex"))?;
                    ex.heads.push(SignedTreeHead {
                        head: TreeHead {
                            log_id: ex.log_id.clone(),
                            size: TreeSize::new(size),
                            root,
                            timestamp_ms,
                        },
                        signature,
                    });
                }
                Line::Countersignature {
                    size,
                    witness,
                    signature,
                } => {
                    in_heads = true;
                    let signature = signature_from_hex(&signature)
                        .ok_or_else(|| bad(n, "signature is not 128 hex"))?;
                    ex.countersignatures.push(Countersignature {
                        witness,
                        size: TreeSize::new(size),
                        signature,
                    });
                }
            }
        }
        export.ok_or_else(|| bad(1, "the file is empty: no header"))
    }
}

/// A signed tree head on its own, as an auditor keeps it (a head a witness holds, or one
/// from an earlier audit): one JSON object,
/// `{"type":"tree_head","log_id":…,"size":…,"root":…,"timestamp_ms":…,"signature":…}`.
pub fn head_to_json(h: &SignedTreeHead) -> String {
    json!({
        "type": "tree_head",
        "log_id": h.head.log_id,
        "size": h.head.size.get(),
        "root": h.head.root.to_hex(),
        "timestamp_ms": h.head.timestamp_ms,
        "signature": hex::encode(h.signature.to_bytes()),
    })
    .to_string()
}

/// Parses [`head_to_json`]'s form. The signature is not checked here.
pub fn head_from_json(bytes: &[u8]) -> Result<SignedTreeHead, VerifyError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct HeadFile {
        r#type: String,
        log_id: String,
        size: u64,
        root: String,
        timestamp_ms: i64,
        signature: String,
    }
    let bad = |reason: String| VerifyError::Malformed { line: 1, reason };
    let text = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8".into()))?;
    let f: HeadFile = serde_json::from_str(text.trim()).map_err(|e| bad(e.to_string()))?;
    if f.r#type != "tree_head" {
        return Err(bad(format!("type is {}, not tree_head", f.r#type)));
    }
    Ok(SignedTreeHead {
        head: TreeHead {
            log_id: f.log_id,
            size: TreeSize::new(f.size),
            root: Hash32::from_hex(&f.root).ok_or_else(|| bad("root is not 64 hex".into()))?,
            timestamp_ms: f.timestamp_ms,
        },
        signature: signature_from_hex(&f.signature)
            .ok_or_else(|| bad("signature is not 128 hex".into()))?,
    })
}

fn countersignature_line(c: &Countersignature) -> serde_json::Value {
    json!({
        "type": "countersignature",
        "size": c.size.get(),
        "witness": c.witness,
        "signature": hex::encode(c.signature.to_bytes()),
    })
}
