//! `peer logging`: read and change the log levels of a running peer through its admin
//! service.

use clap::{Args, Subcommand};

use super::init::init_cmd;
use super::{reach_then_stop, CliError};

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
    const LEVELS: [&str; 8] = [
        "debug", "info", "warn", "warning", "error", "dpanic", "panic", "fatal",
    ];
    if LEVELS.iter().any(|l| l.eq_ignore_ascii_case(level)) {
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "invalid log level \"{level}\": use debug, info, warning, error, panic or fatal"
        )))
    }
}

/// Checks a logging spec: `:`-separated terms, each a level or `logger[,logger]=level`.
pub fn check_spec(spec: &str) -> Result<(), CliError> {
    for term in spec.split(':').filter(|t| !t.is_empty()) {
        let level = match term.split_once('=') {
            Some((loggers, level)) if !loggers.is_empty() => level,
            Some(_) => {
                return Err(CliError::usage(format!(
                    "invalid logging spec term \"{term}\": a logger name must come before '='"
                )))
            }
            None => term,
        };
        check_level(level)?;
    }
    Ok(())
}

/// Runs a `peer logging` subcommand.
pub fn run(cmd: &LoggingCmd, legacy: Option<&str>) -> Result<(), CliError> {
    let name = match &cmd.command {
        LoggingCommand::Getlevel { .. } => "peer logging getlevel",
        LoggingCommand::Getlogspec => "peer logging getlogspec",
        LoggingCommand::Revertlevels => "peer logging revertlevels",
        LoggingCommand::Setlevel { level, .. } => {
            check_level(level)?;
            "peer logging setlevel"
        }
        LoggingCommand::Setlogspec { spec } => {
            check_spec(spec)?;
            "peer logging setlogspec"
        }
    };
    let ctx = init_cmd(legacy)?;
    reach_then_stop(name, vec![ctx.settings.peer.client(None, None)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_specs() {
        check_level("DEBUG").unwrap();
        check_level("warning").unwrap();
        assert!(check_level("loud").is_err());
        check_spec("gossip=warning:msp,ledger=debug:info").unwrap();
        assert!(check_spec("gossip=loud").is_err());
        assert!(check_spec("=debug").is_err());
    }
}
