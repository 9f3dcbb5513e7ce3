//! Epoch rotation: moving a running node (or one at start) to a new epoch key.
//!
//! A rotation re-tokenises every stored subject under the new epoch's key (from the raw
//! subjects in the store: nothing is re-imported), then switches the engine
//! ([`Engine::install_epoch`]): the local tokens of the new epoch replace the old ones in
//! memory, every peer filter of the retired epoch is dropped, and the node publishes a
//! snapshot of the new epoch, which replaces the old filter at every subscribed peer. Peer
//! filters of the retired epoch that still arrive are refused with an audit event
//! (`filter.refused`). Hits of the old epoch stay in the store: they are history.
//!
//! A re-key (removing a member) is a rotation with a new network secret: the removed member
//! does not receive the new secret, so its tokens no longer match anyone's, and the filters it
//! still receives are of a key it does not hold.
//!
//! # Design
//!
//! - Epochs only move forward: a rotation to an epoch at or below the current one is refused,
//!   and a node refuses to start with a configured epoch older than its store's.
//! - The store keeps the tokens of the previous epoch (follow-ups on old hits resolve against
//!   them) and records the epoch it is at in its metadata (`epoch`), so a node restarted with
//!   a new `network.epoch` in its configuration catches up on its own ([`catch_up`]).
//! - Ingest, deletion and peer updates wait while a rotation runs (the engine's rotation
//!   gate): nothing is tokenised under an epoch that is being replaced. Look-ups keep being
//!   answered from the old epoch until the switch.

use matcher::hits::tokens_of;
use matcher::keys::derive;
use matcher::{Epoch, NetworkSecret, Tokeniser};
use serde_json::json;

use crate::engine::{Engine, EngineError};
use crate::store::{AuditEvent, PreparedSubject};

/// Store metadata key of the epoch the store's subjects are tokenised under.
pub const EPOCH_META_KEY: &str = "epoch";

/// Subjects re-tokenised per store transaction: bounds memory and the time one transaction
/// holds the database.
pub const RETOKENISE_BATCH: usize = 1000;

/// What a rotation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationReport {
    /// The retired epoch.
    pub from: Epoch,
    /// The new epoch.
    pub to: Epoch,
    /// Subjects re-tokenised.
    pub subjects: u64,
    /// Peers whose filters of the retired epoch were dropped.
    pub dropped_peers: Vec<String>,
}

/// Rotates the running engine to `epoch` under `secret` (the same network secret for a
/// scheduled rotation, a new one for a re-key). Refuses an epoch that is not after the current
/// one. Writes the audit event `epoch.rotated` (epochs, counts and the secret's public id;
/// never the secret).
pub fn rotate(
    engine: &Engine,
    secret: &NetworkSecret,
    epoch: Epoch,
) -> Result<RotationReport, EngineError> {
    let _gate = engine.rotation_gate();
    let from = engine.epoch();
    if epoch <= from {
        return Err(EngineError::FailedPrecondition(format!(
            "cannot rotate to epoch {}: this node is at epoch {} and epochs only move forward",
            epoch.0, from.0
        )));
    }
    switch(engine, secret, from, epoch)
}

/// At start: when the store's subjects are tokenised under an older epoch than the engine was
/// opened at (the operator changed `network.epoch`), re-tokenises them and switches, as a
/// live rotation would. Refuses a configured epoch older than the store's. Records the epoch
/// of a store that has none yet.
pub fn catch_up(engine: &Engine, secret: &NetworkSecret) -> Result<(), EngineError> {
    let _gate = engine.rotation_gate();
    let configured = engine.epoch();
    let stored = match engine.store().meta(EPOCH_META_KEY)? {
        None => {
            engine
                .store()
                .set_meta(EPOCH_META_KEY, &configured.0.to_string())?;
            return Ok(());
        }
        Some(text) => Epoch(text.trim().parse::<u64>().map_err(|_| {
            EngineError::FailedPrecondition(format!(
                "the store's recorded epoch `{text}` is not a number"
            ))
        })?),
    };
    if stored == configured {
        return Ok(());
    }
    if stored > configured {
        return Err(EngineError::FailedPrecondition(format!(
            "network.epoch is {}, but this node's store is already at epoch {}: an epoch, once retired, is never used again (set network.epoch to {} or later)",
            configured.0, stored.0, stored.0
        )));
    }
    let report = switch(engine, secret, stored, configured)?;
    tracing::info!(
        from = report.from.0,
        to = report.to.0,
        subjects = report.subjects,
        "store caught up with the configured epoch"
    );
    Ok(())
}

/// Re-tokenises the subjects of `from` under `to`, switches the engine and records it. The
/// caller holds the rotation gate.
fn switch(
    engine: &Engine,
    secret: &NetworkSecret,
    from: Epoch,
    to: Epoch,
) -> Result<RotationReport, EngineError> {
    let tokeniser = Tokeniser::new(&secret.epoch_key(to));
    let subjects = retokenise(engine, &tokeniser, from, to)?;
    let dropped_peers = engine.install_epoch(secret, to)?;
    let store = engine.store();
    store.set_meta(EPOCH_META_KEY, &to.0.to_string())?;
    store.append_audit(&[AuditEvent {
        kind: "epoch.rotated".to_owned(),
        actor: "node".to_owned(),
        detail: json!({
            "from": from.0,
            "to": to.0,
            "subjects": subjects,
            "dropped_peers": dropped_peers,
            "secret_id": crate::keys::secret_id(secret),
        })
        .to_string(),
    }])?;
    tracing::info!(
        from = from.0,
        to = to.0,
        subjects,
        dropped = dropped_peers.len(),
        "epoch rotated"
    );
    Ok(RotationReport {
        from,
        to,
        subjects,
        dropped_peers,
    })
}

/// Writes the tokens of `to` for every subject that has tokens of `from`, in batches. Returns
/// how many subjects were re-tokenised.
fn retokenise(
    engine: &Engine,
    tokeniser: &Tokeniser,
    from: Epoch,
    to: Epoch,
) -> Result<u64, EngineError> {
    let store = engine.store();
    let settings = engine.settings();
    // The scan is grouped by subject: a reference repeats only on consecutive tokens.
    let mut refs: Vec<String> = Vec::new();
    store.for_each_token(from, &mut |local_ref, _, _| {
        if refs.last().is_none_or(|last| last != local_ref) {
            refs.push(local_ref.to_owned());
        }
    })?;
    let mut done = 0u64;
    for chunk in refs.chunks(RETOKENISE_BATCH) {
        let mut batch = Vec::with_capacity(chunk.len());
        for local_ref in chunk {
            // Deleted since the scan: nothing to carry over.
            let Some(subject) = store.subject(local_ref)? else {
                continue;
            };
            let keys = derive(&subject, &settings.key_options);
            if keys.keys.is_empty() {
                continue;
            }
            let content_hash = match serde_json::to_vec(&subject) {
                Ok(bytes) => *blake3::hash(&bytes).as_bytes(),
                Err(e) => {
                    return Err(EngineError::Store(crate::store::StoreError::Corrupt(
                        format!("subject {local_ref} cannot be serialised: {e}"),
                    )));
                }
            };
            batch.push(PreparedSubject {
                tokens: tokens_of(&keys.keys, tokeniser),
                shared: settings.share_categories.contains(&subject.category),
                subject,
                content_hash,
            });
        }
        store.upsert_subjects(to, &batch, &[])?;
        done += batch.len() as u64;
    }
    Ok(done)
}

/// Why re-reading the configuration did not rotate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReloadError {
    /// The configuration file is unreadable or invalid.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The network secret file named by the configuration is unusable.
    #[error(transparent)]
    Secret(Box<crate::server::NodeError>),
    /// The network manifest is unreadable, or names another epoch than the configuration.
    #[error("{0}")]
    Manifest(String),
    /// The rotation itself was refused or failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Re-reads the configuration at `config_path` and, when its `[network] epoch` is after the
/// running one, rotates to it with the secret in its `[network] secret_file` (a new file for
/// a re-key). With `[network] manifest`, the manifest's `epoch.current` must name the same
/// epoch. Returns `None` when the epoch is unchanged. Other changed settings (the manifest's
/// members among them) take effect at the next start.
pub fn reload(
    engine: &Engine,
    config_path: &std::path::Path,
) -> Result<Option<RotationReport>, ReloadError> {
    let config = crate::config::Config::load(config_path)?;
    let epoch = Epoch(config.network.epoch);
    if epoch == engine.epoch() {
        return Ok(None);
    }
    // With a manifest, the network's epoch is the manifest's: as at start, both must agree.
    if let Some(path) = &config.network.manifest {
        let path = config.data_path(path);
        let manifest = crate::manifest::Manifest::load(&path)
            .map_err(|e| ReloadError::Manifest(e.to_string()))?;
        if manifest.epoch.current != epoch.0 {
            return Err(ReloadError::Manifest(format!(
                "network.epoch is {} but the manifest {} says epoch.current = {}: install the manifest revision of the new epoch first",
                epoch.0,
                path.display(),
                manifest.epoch.current
            )));
        }
    }
    let secret = crate::server::load_secret(&config.data_path(&config.network.secret_file))
        .map_err(|e| ReloadError::Secret(Box::new(e)))?;
    Ok(Some(rotate(engine, &secret, epoch)?))
}

/// Runs [`reload`] on every SIGHUP (`systemctl reload fiu-node`, `kill -HUP`) until
/// `shutdown`; outcomes go to the log. Does nothing where there is no SIGHUP.
pub async fn reload_on_hangup(
    engine: std::sync::Arc<Engine>,
    config_path: std::path::PathBuf,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hangup = match signal(SignalKind::hangup()) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGHUP; an epoch change needs a restart");
                return;
            }
        };
        loop {
            tokio::select! {
                r = hangup.recv() => if r.is_none() { return },
                _ = shutdown.changed() => return,
            }
            let (e, path) = (engine.clone(), config_path.clone());
            match tokio::task::spawn_blocking(move || reload(&e, &path)).await {
                Ok(Ok(Some(r))) => tracing::info!(
                    from = r.from.0,
                    to = r.to.0,
                    subjects = r.subjects,
                    "configuration reloaded: epoch rotated"
                ),
                Ok(Ok(None)) => tracing::info!(
                    "configuration reloaded: epoch unchanged (other settings take effect at the next start)"
                ),
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "configuration reload refused; the node goes on at its epoch")
                }
                Err(e) => tracing::error!(error = %e, "configuration reload task failed"),
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (engine, config_path);
        let _ = shutdown.changed().await;
    }
}
