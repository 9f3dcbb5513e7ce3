//! A node on PostgreSQL in a real network: fiu-a keeps its data in a PostgreSQL schema, fiu-b
//! in SQLite. Ingest, hits and a restart behave as on SQLite: what was stored is there after
//! the restart, and hits are not duplicated.
//!
//! Needs `FIU_TEST_POSTGRES_URL` (see `scripts/test-postgres.sh`, which `.ci/run` uses);
//! without it the test says on stderr that it skipped, and passes, unless
//! `FIU_TEST_POSTGRES_REQUIRED` is set.

use std::io::Write;

use fiu_node::config::StorageBackend;
use integration_tests::Network;
use integration_tests::subjects::account;

const SHARED_IBAN: &str = "GB82WEST12345698765432";
const OTHER_IBAN: &str = "DE89370400440532013000";

/// The server URL, or `None` after saying why the test is skipped.
fn server_url() -> Option<String> {
    match std::env::var("FIU_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("FIU_TEST_POSTGRES_REQUIRED").is_none(),
                "FIU_TEST_POSTGRES_REQUIRED is set but FIU_TEST_POSTGRES_URL is not"
            );
            let _ = writeln!(
                std::io::stderr(),
                "postgres network test: SKIPPED: FIU_TEST_POSTGRES_URL is not set"
            );
            None
        }
    }
}

/// Drops the test's schema when the test ends, however it ends.
struct Schema {
    url: String,
    name: String,
}

impl Drop for Schema {
    fn drop(&mut self) {
        let (url, sql) = (
            self.url.clone(),
            format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name),
        );
        // On a thread of its own: the test's runtime is still running here.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                    .await
                    .ok()?;
                let task = tokio::spawn(connection);
                let _ = client.batch_execute(&sql).await;
                drop(client);
                let _ = task.await;
                Some(())
            })
        })
        .join();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_on_postgres_ingests_matches_and_keeps_its_data_across_a_restart() {
    let Some(url) = server_url() else { return };
    let schema = Schema {
        name: format!("network_test_{}", std::process::id()),
        url: url.clone(),
    };
    // The password goes through the password file, as an operator would configure it.
    let mut parsed: tokio_postgres::Config = url.parse().expect("FIU_TEST_POSTGRES_URL");
    let password = parsed.get_password().map(|p| p.to_vec());
    parsed.password(Vec::<u8>::new());
    let url_without_password = match &password {
        Some(p) => url.replacen(&format!(":{}@", String::from_utf8_lossy(p)), "@", 1),
        None => url.clone(),
    };
    let schema_name = schema.name.clone();
    let mut net = Network::start_with(2, |id, config| {
        if id == "fiu-a" {
            config.storage.backend = StorageBackend::Postgres;
            config.storage.url = Some(url_without_password.clone());
            config.storage.schema = Some(schema_name.clone());
            if let Some(p) = &password {
                let file = config.node.data_dir.join("postgres.password");
                std::fs::write(&file, [p.as_slice(), b"\n"].concat()).expect("password file");
                config.storage.password_file = Some(file);
            }
        }
    })
    .await;
    assert!(
        !net.node("fiu-a")
            .config
            .node
            .data_dir
            .join("node.sqlite")
            .exists(),
        "fiu-a keeps no SQLite file"
    );

    let summary = net
        .node("fiu-a")
        .import(&[account("A-1", SHARED_IBAN), account("A-2", OTHER_IBAN)])
        .await;
    assert_eq!(summary.imported, 2);
    net.node("fiu-b")
        .import(&[account("B-1", SHARED_IBAN)])
        .await;
    let before = net.node("fiu-a").hit_for("A-1", "fiu-b").await;
    net.node("fiu-b").hit_for("B-1", "fiu-a").await;

    net.stop("fiu-a").await;
    net.restart("fiu-a").await;
    let a = net.node("fiu-a");
    // The subjects survived: importing them again changes nothing.
    let again = a
        .import(&[account("A-1", SHARED_IBAN), account("A-2", OTHER_IBAN)])
        .await;
    assert_eq!((again.imported, again.unchanged), (0, 2));
    // The hit survived with its id, and is not found a second time.
    let hits = a.hits().await;
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].id, before.id);
    assert_eq!(hits[0].first_seen, before.first_seen);
    // The audit log went on from where it was, without a gap.
    let events = a.engine().store().audit_events(1, u64::MAX).expect("audit");
    assert!(events.len() >= 3, "{}", events.len());
    assert!(
        events
            .iter()
            .enumerate()
            .all(|(i, e)| e.seq == i as u64 + 1)
    );

    // And it keeps matching after the restart.
    net.node("fiu-b")
        .import(&[account("B-2", OTHER_IBAN)])
        .await;
    net.node("fiu-a").hit_for("A-2", "fiu-b").await;
    drop(net);
    drop(schema);
}
