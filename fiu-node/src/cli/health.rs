//! `fiu-node health`: asks a running node for its gRPC health, for container and Kubernetes
//! exec probes and for operators.
//!
//! The kubelet's built-in gRPC probe cannot speak TLS, and the node listens only on mutual
//! TLS; health answers without a client certificate (docs/OPERATIONS.md), so this command
//! needs only the network CA (`--ca`), and uses `--cert`/`--key` when they are given.

use std::time::Duration;

use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use super::client::ClientOpts;
use super::{CliError, Outcome};

/// Options of `fiu-node health`.
#[derive(Debug, Clone, clap::Args)]
pub struct HealthArgs {
    /// The health entry to check: empty for the node itself (its storage), `fiu.peers` (every
    /// peer connected), `fiu.peers.MEMBER` (one peer), or a gRPC service such as
    /// `fiu.v1.Investigator`.
    #[arg(long, default_value = "")]
    pub service: String,
    /// Give up after this many seconds (connecting and asking).
    #[arg(long, default_value_t = 5, value_name = "SECONDS")]
    pub timeout: u64,
}

/// Checks the node's health; success only when the entry is SERVING. Prints the status.
pub async fn run(args: HealthArgs, opts: &ClientOpts) -> Result<Outcome, CliError> {
    let deadline = Duration::from_secs(args.timeout.max(1));
    let check = async {
        let channel = opts.connect_without_identity().await?;
        let response = HealthClient::new(channel)
            .check(HealthCheckRequest {
                service: args.service.clone(),
            })
            .await?;
        Ok::<_, CliError>(response.into_inner().status)
    };
    let status = tokio::time::timeout(deadline, check)
        .await
        .map_err(|_| CliError::Connect {
            endpoint: opts.node.clone(),
            reason: format!("no health answer within {} s", deadline.as_secs()),
        })??;
    let name = if args.service.is_empty() {
        "node"
    } else {
        args.service.as_str()
    };
    let status = ServingStatus::try_from(status).unwrap_or(ServingStatus::Unknown);
    if opts.json {
        println!(
            "{}",
            serde_json::json!({"service": name, "status": status.as_str_name()})
        );
    } else {
        println!("{name}: {}", status.as_str_name());
    }
    if status == ServingStatus::Serving {
        Ok(Outcome::Success)
    } else {
        Err(CliError::NotServing {
            service: name.to_owned(),
            status: status.as_str_name().to_owned(),
        })
    }
}
