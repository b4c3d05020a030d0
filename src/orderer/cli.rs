//! The `orderer` command line, as Fabric's kingpin tree: `orderer start` (also the default
//! with no command) and `orderer version`.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use super::localconfig::TopLevel;
use super::server::OrdererServer;
use crate::config::Environment;
use crate::flogging::Logging;

#[derive(Parser, Debug)]
#[command(
    name = "orderer",
    about = "Hyperledger Fabric orderer node",
    disable_version_flag = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Start the orderer.
    Start,
    /// Show version information.
    Version,
}

/// The whole clap tree (for the generated reference: completions, man pages, Markdown).
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// Runs the command line; returns the process exit code. `build` is what the binary was
/// stamped with (`orderer version`).
pub fn main(
    args: impl IntoIterator<Item = OsString>,
    build: &crate::metadata::BuildInfo,
) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli.command.unwrap_or(Command::Start) {
        Command::Version => {
            print!("{}", build.version_info("orderer"));
            ExitCode::SUCCESS
        }
        Command::Start => match start(build) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("Error: {e}");
                ExitCode::from(1)
            }
        },
    }
}

fn start(build: &crate::metadata::BuildInfo) -> Result<(), String> {
    let logging = Logging::from_env().map_err(|e| e.to_string())?;
    logging.install_global().map_err(|e| e.to_string())?;
    let (source, config) =
        TopLevel::load(Environment::from_process()).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("could not start the async runtime: {e}"))?;
    let result = runtime.block_on(async {
        let server =
            OrdererServer::new(&config, source.environment(), Some(logging.clone()), build)
                .await
                .map_err(|e| e.to_string())?;
        server
            .serve(shutdown_signal())
            .await
            .map_err(|e| e.to_string())
    });
    // Blocking work still running after the drain (a block write) gets a moment, no more.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    result
}

/// Completes on SIGINT or SIGTERM; a second one then ends the process at once.
async fn shutdown_signal() {
    use crate::comm::shutdown::{exit_on_next_signal, next_signal};
    match next_signal().await {
        Ok(signal) => {
            tracing::info!(target: "orderer.common.server", "Received signal: {} ({})", signal.number(), signal.name());
            exit_on_next_signal();
        }
        Err(e) => {
            tracing::error!(target: "orderer.common.server", "cannot listen for SIGINT/SIGTERM ({e}); stop the orderer with SIGKILL");
            std::future::pending::<()>().await;
        }
    }
}
