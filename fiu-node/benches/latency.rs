//! Real-time latency: from ingest at one node to the hit in another node's WatchHits stream,
//! with three nodes on loopback each holding a large population.
//!
//! `cargo bench -p fiu-node --bench latency` (LATENCY_SUBJECTS, default 1 000 000 per node;
//! LATENCY_PROBES, default 200; LATENCY_BACKGROUND_RATE, default 1 000 subjects per second
//! ingested at fiu-a beside the probes, 0 for none). Prints the bulk ingest rate, the latency
//! percentiles, the background rate reached and the peak memory of the process (all three
//! nodes).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use fiu_node::auth::Role;
use fiu_node::demo::{connect_all, request, start_local_network, upsert};
use fiu_proto::v1::{self, investigator_client::InvestigatorClient};
use matcher::Subject;
use tokio_stream::StreamExt;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_owned)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let subjects = env("LATENCY_SUBJECTS", 1_000_000);
    let probes = env("LATENCY_PROBES", 200);
    let background_rate = env("LATENCY_BACKGROUND_RATE", 1_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async move {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let members = ["fiu-a", "fiu-b", "fiu-c"];
        let capacity = (subjects as u64 + probes as u64) * 12;
        let nodes = start_local_network(dir.path(), &members, capacity)
            .await
            .expect("nodes start");
        let channels = connect_all(dir.path(), &nodes).await.expect("connect");
        println!(
            "latency bench: {subjects} subjects per node, {probes} probes, 3 nodes, filters sized for {capacity} tokens"
        );

        // Bulk load: each node its own synthetic population.
        for (i, ch) in channels.iter().enumerate() {
            let mut spec = synth::PopulationSpec::new(500 + i as u64, subjects);
            spec.ref_prefix = format!("{}-BG", members[i].to_uppercase());
            let start = Instant::now();
            let mut stream = synth::Population::stream(&spec);
            let mut loaded = 0usize;
            loop {
                let chunk: Vec<Subject> = stream.by_ref().take(50_000).collect();
                if chunk.is_empty() {
                    break;
                }
                loaded += chunk.len();
                upsert(ch, "bench", chunk).await.expect("bulk upsert");
            }
            let secs = start.elapsed().as_secs_f64();
            println!(
                "  {}: {loaded} subjects ingested in {secs:.1} s ({:.0} subjects/s)",
                members[i],
                loaded as f64 / secs
            );
        }
        // Time only the steady state: wait until every node has applied everything the others
        // published during the bulk load (their deltas queue up at the peers).
        let catching_up = Instant::now();
        loop {
            let latest: Vec<u64> = nodes
                .iter()
                .map(|n| n.engine.metrics_state().own.sequence)
                .collect();
            let behind = nodes.iter().enumerate().any(|(i, n)| {
                members.iter().enumerate().any(|(j, m)| {
                    i != j && n.engine.peer_position(m).is_none_or(|p| p < latest[j])
                })
            });
            if !behind {
                break;
            }
            if catching_up.elapsed() > Duration::from_secs(1800) {
                panic!("the nodes did not apply each other's filters within 30 minutes");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        println!(
            "  peers caught up with the bulk loads {:.1} s after the last one",
            catching_up.elapsed().as_secs_f64()
        );

        // Targets: persons fiu-b holds, then ingested one at a time at fiu-a.
        // Only persons whose keys can decide a hit on their own (a strong kind): the others
        // (no full date of birth and no identifier) cannot become hits by design.
        let mut spec = synth::PopulationSpec::new(9_999, probes * 3);
        spec.mix = synth::SubjectMix::persons_only();
        spec.ref_prefix = "TARGET".into();
        let options = matcher::keys::KeyOptions::default();
        let targets: Vec<Subject> = synth::Population::generate(&spec)
            .into_iter()
            .filter(|s| {
                matcher::keys::derive(s, &options)
                    .keys
                    .iter()
                    .any(|k| k.kind().strength() == matcher::Strength::Strong)
            })
            .take(probes)
            .collect();
        upsert(&channels[1], "bench targets", targets.clone())
            .await
            .expect("targets at fiu-b");
        tokio::time::sleep(Duration::from_secs(2)).await;

        let filter = v1::HitFilter {
            peer: "fiu-a".into(),
            ..Default::default()
        };
        let mut watch = InvestigatorClient::new(channels[1].clone())
            .watch_hits(
                request(v1::WatchHitsRequest { filter: Some(filter) }, Role::Investigator)
                    .expect("request"),
            )
            .await
            .expect("watch")
            .into_inner();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(String, Instant)>();
        tokio::spawn(async move {
            while let Some(Ok(hit)) = watch.next().await {
                let _ = tx.send((hit.local_ref, Instant::now()));
            }
        });
        // Sustained real-time load: new subjects at fiu-a (a tenth of the rate every 100 ms)
        // for as long as the probes run, so that fiu-b and fiu-c match a stream of deltas.
        let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
        let background = {
            let channel = channels[0].clone();
            tokio::spawn(async move {
                let mut spec = synth::PopulationSpec::new(4_242, usize::MAX / 2);
                spec.ref_prefix = "FIU-A-LIVE".into();
                let mut stream = synth::Population::stream(&spec);
                let per_tick = background_rate / 10;
                let mut tick = tokio::time::interval(Duration::from_millis(100));
                let start = Instant::now();
                let mut sent = 0usize;
                while per_tick > 0 && !*stop_rx.borrow_and_update() {
                    tick.tick().await;
                    let batch: Vec<Subject> = stream.by_ref().take(per_tick).collect();
                    sent += batch.len();
                    if upsert(&channel, "bench live", batch).await.is_err() {
                        break;
                    }
                }
                sent as f64 / start.elapsed().as_secs_f64().max(1e-9)
            })
        };
        let mut sent: HashMap<String, Instant> = HashMap::new();
        let mut latencies = Vec::new();
        for (i, t) in targets.iter().enumerate() {
            let mut copy = t.clone();
            copy.local_ref = format!("A-PROBE-{i}");
            // Only shared categories enter fiu-a's filter (policy default: suspects and
            // associates).
            copy.category = matcher::Category::Suspect;
            sent.insert(t.local_ref.clone(), Instant::now());
            upsert(&channels[0], "bench probe", vec![copy])
                .await
                .expect("probe upsert");
            while let Ok((r, at)) = rx.try_recv() {
                if let Some(s) = sent.get(&r) {
                    latencies.push(at - *s);
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while latencies.len() < sent.len() {
            match tokio::time::timeout_at(deadline.into(), rx.recv()).await {
                Ok(Some((r, at))) => {
                    if let Some(s) = sent.get(&r) {
                        latencies.push(at - *s);
                    }
                }
                _ => break,
            }
        }
        let _ = stop_tx.send(true);
        let background_reached = background.await.unwrap_or(0.0);
        latencies.sort();
        if std::env::var("LATENCY_DEBUG").is_ok() {
            let stored = InvestigatorClient::new(channels[1].clone())
                .list_hits(request(v1::ListHitsRequest { filter: Some(v1::HitFilter { peer: "fiu-a".into(), ..Default::default() }), page: Some(v1::PageRequest { page_size: 1000, page_token: String::new() }) }, Role::Investigator).expect("request"))
                .await
                .expect("list")
                .into_inner()
                .hits;
            let hit_refs: std::collections::HashSet<String> = stored.iter().map(|h| h.local_ref.clone()).collect();
            for t in &targets {
                if !hit_refs.contains(&t.local_ref) {
                    println!("no hit at fiu-b for {}: {}", t.local_ref, serde_json::to_string(t).unwrap_or_default());
                }
            }
        }
        println!(
            "ingest at fiu-a -> hit in fiu-b's WatchHits: {} of {} probes hit; p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            latencies.len(),
            sent.len(),
            percentile(&latencies, 0.5).as_secs_f64() * 1e3,
            percentile(&latencies, 0.99).as_secs_f64() * 1e3,
            latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        );
        println!(
            "background ingest at fiu-a during the probes: {background_reached:.0} subjects/s (asked {background_rate})"
        );
        println!(
            "peak resident memory of the process (three nodes): {:.0} MiB",
            peak_rss_mib()
        );
        for n in nodes {
            let _ = n.stop().await;
        }
    });
}
