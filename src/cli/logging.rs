//! `peer logging`: read and change the log levels of a running peer through its admin
//! service.

use clap::{Args, Subcommand};

use super::admin::{admin_envelope, log_level_operation, log_spec_operation};
use super::init::{InitCmd, PeerContext};
use super::rpc::NodeConnection;
use super::CliError;
use crate::protos::protos::AdminOperation;

/// Read or change the logging levels of a running peer
#[derive(Args, Debug)]
#[command(after_long_help = EXAMPLES)]
pub struct LoggingCmd {
    #[command(subcommand)]
    pub command: LoggingCommand,
}

const EXAMPLES: &str = "Examples:
  peer logging getlogspec
  peer logging setlogspec gossip=warning:msp,ledger=debug:info
  peer logging setlevel gossip debug";

/// The logging subcommands.
#[derive(Subcommand, Debug)]
pub enum LoggingCommand {
    /// Show the level of one logger
    Getlevel {
        /// Logger name, e.g. gossip
        logger: String,
    },
    /// Show the peer's whole logging spec
    Getlogspec,
    /// Put every logger back to the level it had when the peer started
    Revertlevels,
    /// Set the level of the loggers whose names start with a prefix
    Setlevel {
        /// Logger name or prefix, e.g. gossip
        logger: String,
        /// Level: debug, info, warning, error, panic or fatal
        level: String,
    },
    /// Replace the peer's logging spec
    Setlogspec {
        /// Spec such as gossip=warning:msp,ledger=debug:info
        spec: String,
    },
}

/// Checks a level name as Fabric's flogging accepts it (case-insensitive).
pub fn check_level(level: &str) -> Result<(), CliError> {
    if crate::flogging::Level::is_valid(level) {
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "invalid log level provided - {level} (use debug, info, warning, error, panic or fatal)"
        )))
    }
}

/// Runs a `peer logging` subcommand. As in Fabric, the result is reported through the
/// `cli.logging` logger (stderr), not on stdout.
pub fn run(cmd: &LoggingCmd, init: &InitCmd) -> Result<(), CliError> {
    if let LoggingCommand::Setlevel { level, .. } = &cmd.command {
        check_level(level)?;
    }
    let ctx = init.run()?;
    let message = request(&cmd.command, &ctx)?;
    tracing::info!(target: "cli.logging", "{message}");
    Ok(())
}

/// Sends the admin request of a logging subcommand and returns the line Fabric logs.
pub fn request(command: &LoggingCommand, ctx: &PeerContext) -> Result<String, CliError> {
    let peer = NodeConnection::open(ctx.peer.client(None, None))?;
    let signer = ctx.signer.as_ref();
    match command {
        LoggingCommand::Getlevel { logger } => {
            let env = admin_envelope(
                "peer logging getlevel",
                &log_level_operation(logger, ""),
                signer,
            )?;
            let r = peer.get_module_log_level(env)?;
            Ok(format!(
                "Current log level for logger '{}': {}",
                r.log_module, r.log_level
            ))
        }
        LoggingCommand::Getlogspec => {
            let env = admin_envelope(
                "peer logging getlogspec",
                &AdminOperation::default(),
                signer,
            )?;
            let r = peer.get_log_spec(env)?;
            Ok(format!("Current logging spec: {}", r.log_spec))
        }
        LoggingCommand::Revertlevels => {
            let env = admin_envelope(
                "peer logging revertlevels",
                &AdminOperation::default(),
                signer,
            )?;
            peer.revert_log_levels(env)?;
            Ok("Logging spec reverted to the peer's spec at startup.".into())
        }
        LoggingCommand::Setlevel { logger, level } => {
            let env = admin_envelope(
                "peer logging setlevel",
                &log_level_operation(logger, level),
                signer,
            )?;
            let r = peer.set_module_log_level(env)?;
            Ok(format!(
                "Log level set for logger name/prefix '{}': {}",
                r.log_module, r.log_level
            ))
        }
        LoggingCommand::Setlogspec { spec } => {
            let env = admin_envelope("peer logging setlogspec", &log_spec_operation(spec), signer)?;
            let r = peer.set_log_spec(env)?;
            if !r.error.is_empty() {
                return Err(CliError::BadResponse {
                    command: "peer logging setlogspec",
                    problem: format!("the peer rejected the spec: {}", r.error),
                });
            }
            Ok(format!("Current logging spec set to: {}", r.log_spec))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_checked_as_fabric_does() {
        check_level("DEBUG").unwrap();
        check_level("warning").unwrap();
        let err = check_level("loud").unwrap_err().to_string();
        assert!(
            err.starts_with("invalid log level provided - loud"),
            "{err}"
        );
    }
}
