//! The scale benchmark's parts that run a real node: bulk import and look-up latency; and the
//! wire sizes.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use clap::Parser as _;
use fiu_node::auth::Role;
use fiu_node::config::Config;
use fiu_node::demo::request;
use fiu_node::engine::snapshot_header;
use fiu_node::identity::Identity;
use fiu_node::store::SignedBlob;
use fiu_proto::v1::{self, investigator_client::InvestigatorClient};
use matcher::filter::{Filter, FilterParams};
use matcher::hits::tokens_of;
use matcher::keys::{KeyOptions, derive};
use matcher::subject::{DocumentKind, Record};
use matcher::{Epoch, Subject, Token};
use serde_json::json;

use super::{RandomTokens, load_average, peak_rss, report, reset_peak_rss, tokeniser};

/// The hex of the benchmark's network secret (the same as [`super::tokeniser`]'s).
const SECRET_HEX: &str = "0707070707070707070707070707070707070707070707070707070707070707";

/// Tokens per subject of a sample of the default mix (for the parts that use random tokens).
fn tokens_per_subject() -> f64 {
    let spec = synth::PopulationSpec::new(3, 20_000);
    let tok = tokeniser();
    let options = KeyOptions::default();
    let n: usize = synth::Population::stream(&spec)
        .map(|s| tokens_of(&derive(&s, &options).keys, &tok).len())
        .sum();
    n as f64 / 20_000.0
}

/// Snapshot and delta bytes per subject against the Bloom optimum.
pub fn wire(n: usize, fpr: f64) {
    let tps = tokens_per_subject();
    let tokens = (n as f64 * tps).round() as u64;
    let params = FilterParams::for_capacity(tokens, fpr).expect("params");
    let mut filter = Filter::new(Epoch(1), params);
    let mut rng = RandomTokens(42);
    // Half full, as a node's filter is between two resizes.
    let half: Vec<Token> = (0..tokens / 2).map(|_| rng.token()).collect();
    filter.insert_many(&half);
    drop(half);
    let snapshot = filter.to_bytes().len() as f64;
    let optimum_bits = std::f64::consts::LOG2_E * (1.0 / fpr).log2();
    let mut deltas = serde_json::Map::new();
    for batch in [1usize, 100, 10_000] {
        let count = ((batch as f64) * tps).round() as usize;
        let batch_tokens: Vec<Token> = (0..count).map(|_| rng.token()).collect();
        let delta = filter.insert_batch(&batch_tokens);
        deltas.insert(
            format!("delta_bytes_per_subject_batch_{batch}"),
            json!(delta.to_bytes().len() as f64 / batch as f64),
        );
    }
    let mut fields = json!({
        "fpr": fpr,
        "tokens_per_subject": tps,
        "bits_per_token": params.bits() as f64 / tokens as f64,
        "optimum_bits_per_token": optimum_bits,
        "snapshot_bytes": snapshot,
        "snapshot_bytes_per_subject": snapshot / n as f64,
        "optimum_bytes_per_subject": optimum_bits * tps / 8.0,
        "snapshot_x_optimum": snapshot * 8.0 / (tokens as f64 * optimum_bits),
    });
    if let Some(obj) = fields.as_object_mut() {
        obj.extend(deltas);
    }
    report("wire", n, fields);
}

/// The configuration of a bench node `member` under `dir` that follows `peers` (given by
/// public key) at an address where nothing listens: they are loaded directly.
fn node_config(dir: &Path, member: &str, peers: &[(String, String)], capacity: u64) -> Config {
    let data = dir.join(member);
    std::fs::create_dir_all(&data).expect("node directory");
    let identity = Identity::generate().expect("identity");
    identity
        .save(&data.join("identity.key"))
        .expect("save identity");
    fiu_node::secret_file::write_new(&data.join("network.secret"), SECRET_HEX.as_bytes())
        .expect("secret");
    let text = format!(
        "[node]\nmember_id = \"{member}\"\nlisten = \"127.0.0.1:0\"\ndata_dir = \"{}\"\n\
         identity_key_file = \"identity.key\"\n[network]\nsecret_file = \"network.secret\"\nepoch = 1\n\
         [filter]\ninitial_capacity = {capacity}\n",
        data.display()
    );
    let mut peers_text = String::new();
    for (p, key) in peers {
        peers_text.push_str(&format!(
            "[[peers]]\nmember_id = \"{p}\"\nendpoint = \"http://127.0.0.1:9\"\npublic_key = \"{key}\"\n"
        ));
    }
    // Plain TCP on loopback with callers named in request metadata, as the demo runs, and the
    // look-up rate limits raised out of the way (the bench measures latency, not the
    // limiter), where this version of the node has these settings.
    let plaintext = text.replace("[network]", "insecure_plaintext = true\n[network]");
    let limits =
        "[limits]\nlookups_per_minute_per_user = 1000000\nlookups_per_minute_node = 1000000\n";
    let mut last = None;
    for base in [&plaintext, &text] {
        for extra in [limits, ""] {
            match Config::parse(&format!("{base}{extra}{peers_text}"), "scale bench") {
                Ok(config) => return config,
                Err(e) => last = Some(e),
            }
        }
    }
    panic!("bench configuration: {last:?}")
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1e3
}

/// Ad hoc look-up latency over gRPC: one node holding `peers` peer filters of `n` subjects
/// each (random tokens, plus the tokens of a tenth of the looked-up persons, so some look-ups
/// hit), and 2 000 Investigator.Lookup calls of persons, one at a time, over one channel.
pub fn lookup(n: usize, peers: usize, fpr: f64) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async move {
        reset_peak_rss();
        let dir = tempfile::tempdir_in(super::target_dir()).expect("a temporary directory");
        let identities: Vec<(String, Identity)> = (0..peers)
            .map(|i| {
                (
                    format!("peer-{i:02}"),
                    Identity::generate().expect("identity"),
                )
            })
            .collect();
        let keys: Vec<(String, String)> = identities
            .iter()
            .map(|(p, id)| (p.clone(), id.public_key().to_string()))
            .collect();
        let config = node_config(dir.path(), "fiu-a", &keys, 1_000_000);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let node = fiu_node::server::spawn_on(config, listener)
            .await
            .expect("node starts");
        let channel = tonic::transport::Channel::from_shared(node.endpoint())
            .expect("endpoint")
            .connect()
            .await
            .expect("connect");

        let mut spec = synth::PopulationSpec::new(77, 2_000);
        spec.mix = synth::SubjectMix::persons_only();
        let targets: Vec<Subject> = synth::Population::generate(&spec);
        let tok = tokeniser();
        let options = KeyOptions::default();
        let tps = tokens_per_subject();
        let per_peer = (n as f64 * tps).round() as u64;
        let params = FilterParams::for_capacity(per_peer, fpr).expect("params");
        let t = Instant::now();
        for (k, (peer, identity)) in identities.iter().enumerate() {
            let mut filter = Filter::new(Epoch(1), params);
            for s in targets.iter().skip(k % 10).step_by(10) {
                for t in tokens_of(&derive(s, &options).keys, &tok) {
                    filter.insert(&t.token);
                }
            }
            let mut rng = RandomTokens(1000 + k as u64);
            while filter.item_count() < per_peer {
                let left = (per_peer - filter.item_count()).min(1 << 16) as usize;
                let batch: Vec<Token> = (0..left).map(|_| rng.token()).collect();
                filter.insert_many(&batch);
            }
            let mut blob = SignedBlob {
                seq: 1,
                epoch: Epoch(1),
                bytes: filter.to_bytes(),
                signature: Vec::new(),
            };
            drop(filter);
            let header = snapshot_header(peer, &blob, content_id(&blob.bytes));
            blob.signature = identity.sign(&fiu_proto::signing::Signed::signed_bytes(&header));
            let engine = node.engine.clone();
            let peer = peer.clone();
            tokio::task::spawn_blocking(move || engine.apply_peer_snapshot(&peer, blob))
                .await
                .expect("join")
                .expect("peer snapshot accepted");
        }
        let load_s = t.elapsed().as_secs_f64();

        let mut client = InvestigatorClient::new(channel);
        let mut latencies = Vec::with_capacity(targets.len());
        let mut hit_peers = 0usize;
        // Warm-up: the channel, the node's statements.
        for s in targets.iter().take(20) {
            let _ = client.lookup(lookup_request(s)).await;
        }
        for s in &targets {
            let start = Instant::now();
            let r = client.lookup(lookup_request(s)).await;
            latencies.push(start.elapsed());
            if let Ok(r) = r {
                hit_peers += r.into_inner().hits.len();
            }
        }
        latencies.sort();
        report(
            "lookup",
            n,
            json!({
                "peers": peers,
                "fpr": fpr,
                "lookups": latencies.len(),
                "peer_hits": hit_peers,
                "p50_ms": percentile(&latencies, 0.5),
                "p99_ms": percentile(&latencies, 0.99),
                "max_ms": latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
                "p99_goal_ms": 5.0,
                "met": percentile(&latencies, 0.99) < 5.0,
                "filter_bytes": params.byte_len() * peers as u64,
                "load_filters_s": load_s,
                "peak_rss": peak_rss(),
            }),
        );
        let _ = node.stop().await;
    });
}

/// The content id of a snapshot, as a reader computes it.
fn content_id(bytes: &[u8]) -> [u8; 32] {
    Filter::from_bytes(bytes).map_or([0; 32], |f| f.content_id())
}

fn lookup_request(s: &Subject) -> tonic::Request<v1::LookupRequest> {
    request(
        v1::LookupRequest {
            subject: Some(v1::Subject::from(s)),
            case_reference: "BENCH-1".into(),
            purpose: "scale benchmark".into(),
        },
        Role::Investigator,
    )
    .expect("request")
}

/// `fiu-node import`'s arguments.
#[derive(clap::Parser)]
struct ImportCommand {
    #[command(flatten)]
    opts: fiu_node::cli::client::ClientOpts,
    #[command(flatten)]
    args: fiu_node::cli::ingest::ImportArgs,
}

/// Bulk import through `fiu-node import`'s code (reader, batches, one Upsert stream per file)
/// into one node with SQLite, from CSV and from goAML XML, of `n` persons each.
///
/// `SCALE_IMPORT_FORMATS` (default `csv,goaml`) picks the formats. Each format's files are
/// written, imported and deleted, with the node's store, before the next: at 10 million
/// persons the goAML reports alone take about 15 GB.
pub fn import(n: usize, _threads: usize) {
    let formats = std::env::var("SCALE_IMPORT_FORMATS").unwrap_or_else(|_| "csv,goaml".into());
    for name in formats.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        let format = match name {
            "csv" => fiu_node::cli::ingest::ImportFormat::Csv,
            "goaml" => fiu_node::cli::ingest::ImportFormat::Goaml,
            other => panic!("SCALE_IMPORT_FORMATS: unknown format {other:?} (csv, goaml)"),
        };
        import_one(n, format);
    }
}

/// One format's import: files written, a node started, `fiu-node import` timed.
fn import_one(n: usize, format: fiu_node::cli::ingest::ImportFormat) {
    let dir = tempfile::tempdir_in(super::target_dir()).expect("a temporary directory");
    let mut spec = synth::PopulationSpec::new(11, n);
    spec.mix = synth::SubjectMix::persons_only();
    let mapping_path = dir.path().join("mapping.toml");
    std::fs::write(&mapping_path, CSV_MAPPING).expect("mapping");
    let writing = Instant::now();
    let files = if format == fiu_node::cli::ingest::ImportFormat::Csv {
        let csv_path = dir.path().join("persons.csv");
        write_csv(&csv_path, synth::Population::stream(&spec));
        vec![csv_path]
    } else {
        write_goaml(dir.path(), synth::Population::stream(&spec))
    };
    let label = format!("{format:?}").to_lowercase();
    eprintln!(
        "import {label}: {} file(s) written in {:.1} s",
        files.len(),
        writing.elapsed().as_secs_f64()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let node_dir = dir.path().join(format!("node-{label}"));
    let bytes: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
        .sum();
    runtime.block_on(async {
        reset_peak_rss();
        let rss_before = super::rss();
        let config = node_config(&node_dir, "fiu-a", &[], (n as u64 * 14).max(1_000));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let node = fiu_node::server::spawn_on(config, listener)
            .await
            .expect("node starts");
        // Parsed as the command line would be, so the bench follows the command's options.
        let mut argv: Vec<String> = vec![
            "import".into(),
            "--node".into(),
            node.endpoint(),
            "--user".into(),
            "bench".into(),
            "--json".into(),
            "--format".into(),
            label.clone(),
        ];
        if format == fiu_node::cli::ingest::ImportFormat::Csv {
            argv.extend(["--mapping".into(), mapping_path.display().to_string()]);
        }
        argv.extend(files.iter().map(|f| f.display().to_string()));
        let ImportCommand { opts, args } =
            ImportCommand::try_parse_from(argv).expect("import arguments");
        let start = Instant::now();
        // The command prints one JSON summary per file; keep the bench's output short.
        let outcome = fiu_node::cli::ingest::import(args, &opts).await;
        let secs = start.elapsed().as_secs_f64();
        let (tokens, _) = node.engine.own_filter_stats();
        let subjects = node.engine.metrics_state().subjects;
        let peak = peak_rss();
        let _ = node.stop().await;
        report(
            &format!("import_{label}"),
            n,
            json!({
                "ok": outcome.is_ok(),
                "seconds": secs,
                "subjects_per_s": n as f64 / secs,
                "subjects_stored": subjects,
                "file_bytes": bytes,
                "store_bytes": dir_bytes(&node_dir),
                "own_filter_tokens": tokens,
                "peak_rss": peak,
                "rss_before": rss_before,
                "load_after": load_average(),
            }),
        );
    });
}

/// Bytes of the files under `dir` (the node's store after an import).
fn dir_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_bytes(&e.path()),
            _ => e.metadata().map_or(0, |m| m.len()),
        })
        .sum()
}

const CSV_MAPPING: &str = r#"delimiter = ","
list_separator = ";"
record_type_column = "KIND"
local_ref_column = "REF"
category = "suspect"

[record_type_values]
P = "person"

[person]
given_name = "FIRST"
middle_name = "MIDDLE"
family_name = "LAST"
birth_date = "DOB"
birth_country = "BIRTH_COUNTRY"
nationalities = "NATIONALITY"
phones = "PHONE"
emails = "EMAIL"

[[person.documents]]
number = "DOC_NO"
kind_column = "DOC_TYPE"
country = "DOC_COUNTRY"
"#;

fn doc_kind(k: DocumentKind) -> &'static str {
    match k {
        DocumentKind::Passport => "passport",
        DocumentKind::NationalId => "national_id",
        DocumentKind::DrivingLicence => "driving_licence",
        DocumentKind::ResidencePermit => "residence_permit",
        DocumentKind::Other => "other",
    }
}

fn write_csv(path: &Path, subjects: impl Iterator<Item = Subject>) {
    let mut w = csv::Writer::from_path(path).expect("csv file");
    w.write_record([
        "REF",
        "KIND",
        "FIRST",
        "MIDDLE",
        "LAST",
        "DOB",
        "BIRTH_COUNTRY",
        "NATIONALITY",
        "PHONE",
        "EMAIL",
        "DOC_NO",
        "DOC_TYPE",
        "DOC_COUNTRY",
    ])
    .expect("csv header");
    for s in subjects {
        let Record::Person(p) = &s.record else {
            continue;
        };
        let doc = p.documents.first();
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        w.write_record([
            s.local_ref.clone(),
            "P".into(),
            o(&p.given_name),
            o(&p.middle_name),
            o(&p.family_name),
            o(&p.birth_date),
            o(&p.birth_country),
            p.nationalities.join(";"),
            p.phones.join(";"),
            p.emails.join(";"),
            doc.map(|d| d.number.clone()).unwrap_or_default(),
            doc.map(|d| doc_kind(d.kind).to_owned()).unwrap_or_default(),
            doc.and_then(|d| d.country.clone()).unwrap_or_default(),
        ])
        .expect("csv row");
    }
    w.flush().expect("csv flush");
}

/// Persons per goAML report file.
const GOAML_PERSONS_PER_FILE: usize = 10_000;

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// goAML 5 reports, one transaction per person (the person as the suspected conductor's
/// counterparty `from_person`), split into files of [`GOAML_PERSONS_PER_FILE`].
fn write_goaml(dir: &Path, subjects: impl Iterator<Item = Subject>) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut out: Option<std::io::BufWriter<std::fs::File>> = None;
    let mut in_file = 0usize;
    for (i, s) in subjects.enumerate() {
        let Record::Person(p) = &s.record else {
            continue;
        };
        if out.is_none() {
            let path = dir.join(format!("report-{:05}.xml", files.len()));
            let mut w = std::io::BufWriter::new(std::fs::File::create(&path).expect("goaml file"));
            write!(
                w,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<report>\n<schema_version>5.0.2</schema_version>\n\
                 <rentity_id>7</rentity_id>\n<submission_code>E</submission_code>\n<report_code>STR</report_code>\n\
                 <entity_reference>BENCH-{}</entity_reference>\n<submission_date>2026-01-02T00:00:00</submission_date>\n\
                 <currency_code_local>EUR</currency_code_local>\n<reason>bench</reason>\n",
                files.len()
            )
            .expect("write");
            files.push(path);
            out = Some(w);
        }
        let Some(w) = out.as_mut() else { continue };
        let mut person = String::new();
        let mut field = |name: &str, v: &Option<String>| {
            if let Some(v) = v {
                person.push_str(&format!("<{name}>{}</{name}>", xml(v)));
            }
        };
        field("first_name", &p.given_name);
        field("middle_name", &p.middle_name);
        field("last_name", &p.family_name);
        field(
            "birthdate",
            &p.birth_date.as_ref().map(|d| {
                if d.len() == 10 {
                    format!("{d}T00:00:00")
                } else {
                    d.clone()
                }
            }),
        );
        field("country_of_birth", &p.birth_country);
        if let Some(d) = p
            .documents
            .iter()
            .find(|d| d.kind == DocumentKind::Passport)
        {
            field("passport_number", &Some(d.number.clone()));
            field("passport_country", &d.country);
        }
        for (k, nat) in p.nationalities.iter().take(2).enumerate() {
            field(&format!("nationality{}", k + 1), &Some(nat.clone()));
        }
        writeln!(
            w,
            "<transaction><transactionnumber>T-{i}</transactionnumber><transaction_location>Branch</transaction_location>\
             <date_transaction>2026-01-01T10:00:00</date_transaction><transmode_code>ELCFT</transmode_code>\
             <amount_local>1000</amount_local><t_from><from_funds_code>CASH</from_funds_code>\
             <from_person>{person}</from_person><from_country>DE</from_country></t_from>\
             <t_to><to_funds_code>CASH</to_funds_code><to_country>DE</to_country></t_to></transaction>"
        )
        .expect("write");
        in_file += 1;
        if in_file == GOAML_PERSONS_PER_FILE {
            if let Some(mut w) = out.take() {
                w.write_all(b"</report>\n").expect("write");
                w.flush().expect("flush");
            }
            in_file = 0;
        }
    }
    if let Some(mut w) = out.take() {
        w.write_all(b"</report>\n").expect("write");
        w.flush().expect("flush");
    }
    files
}
