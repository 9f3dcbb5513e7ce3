//! `fiu-node`: the node binary. Parses the command line, sets up tracing and hands over to
//! [`fiu_node::cli::run`], which holds every command.

use std::process::ExitCode;

use clap::Parser;
use fiu_node::cli::{Cli, LogFormat, run};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // RUST_LOG chooses the level; logs go to stderr, output to stdout. The default is `info`,
    // except for the demo, whose tour on stdout is the point: there only warnings (such as
    // the one about running without TLS) are logged, and the nodes' expected reconnection
    // noise while they stop is left out.
    let default = match cli.command {
        fiu_node::cli::Command::Demo(_) => "warn,fiu_node::peers=error",
        _ => "info",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
    run(cli)
}
