//! `fiu-node`: the node binary. Parses the command line, sets up tracing and hands over to
//! [`fiu_node::cli::run`], which holds every command.

use std::process::ExitCode;

use clap::Parser;
use fiu_node::cli::{Cli, LogFormat, run};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // RUST_LOG chooses the level (default `info`); logs go to stderr, output to stdout.
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
    run(cli)
}
