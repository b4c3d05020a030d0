//! `peer node`: start the peer, ask a running peer for its status, and the offline
//! maintenance commands reset and rollback.

use clap::{Args, Subcommand};

use std::io::{IsTerminal, Write};

use super::admin::{admin_envelope, status_text, unknown_status_text};
use super::common::require;
use super::init::{InitCmd, PeerContext};
use super::rpc::NodeConnection;
use super::{write_out, CliError};
use crate::node::lock::FileSystemLock;
use crate::protos::protos::AdminOperation;

/// The `chaincode.mode` value of development mode (Fabric's DevModeUserRunsChaincode).
pub const DEV_MODE: &str = "dev";

/// Start a peer, ask a peer for its status, or reset or roll back its ledgers
#[derive(Args, Debug)]
#[command(after_long_help = EXAMPLES)]
pub struct NodeCmd {
    #[command(subcommand)]
    pub command: NodeCommand,
}

const EXAMPLES: &str = "Examples:
  peer node start
  peer node status
  peer node rollback -c mychannel -b 10";

/// The node subcommands.
#[derive(Subcommand, Debug)]
pub enum NodeCommand {
    /// Reset every channel of the peer to its genesis block (the peer must be stopped)
    Reset(ResetArgs),
    /// Roll a channel of the peer back to a block number (the peer must be stopped)
    Rollback(RollbackArgs),
    /// Start the peer
    Start(StartArgs),
    /// Ask a running peer for its status
    Status,
}

/// `peer node reset`.
#[derive(Args, Debug)]
pub struct ResetArgs {
    /// Do not ask for confirmation (needed when stdin is not a terminal)
    #[arg(short = 'y', long = "yes")]
    pub yes: bool,
}

/// `peer node rollback`.
#[derive(Args, Debug)]
pub struct RollbackArgs {
    /// Do not ask for confirmation (needed when stdin is not a terminal)
    #[arg(short = 'y', long = "yes")]
    pub yes: bool,
    /// Block number to roll the channel back to
    #[arg(short = 'b', long = "blockNumber")]
    pub block_number: Option<u64>,
    /// Channel to roll back
    #[arg(short = 'c', long = "channelID")]
    pub channel_id: Option<String>,
}

/// `peer node start`.
#[derive(Args, Debug)]
pub struct StartArgs {
    /// Run chaincodes in development mode: they are started by the user, not by the peer
    #[arg(long = "peer-chaincodedev")]
    pub peer_chaincodedev: bool,
}

/// Runs a `peer node` subcommand.
pub fn run(
    cmd: &NodeCmd,
    init: &InitCmd,
    build: &crate::metadata::BuildInfo,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    match &cmd.command {
        NodeCommand::Reset(a) => {
            let ctx = init.run()?;
            confirm(
                "peer node reset",
                "Reset every channel of this peer to its genesis block? The ledgers are rebuilt at the next start",
                a.yes,
            )?;
            offline_ledger_operation("peer node reset", &ctx, |fs| {
                tracing::info!(target: "nodeCmd", "Resetting all channel ledgers to genesis block");
                crate::ledger::kvledger::reset_all(fs).map_err(|e| e.to_string())
            })
        }
        NodeCommand::Rollback(a) => {
            let channel = require(&a.channel_id, "-c/--channelID", "the channel ID")?;
            let Some(block) = a.block_number else {
                return Err(CliError::usage(
                    "the block number is required: pass it with -b/--blockNumber",
                ));
            };
            let ctx = init.run()?;
            confirm(
                "peer node rollback",
                &format!("Roll channel {channel} of this peer back to block {block}? Later blocks are dropped"),
                a.yes,
            )?;
            offline_ledger_operation("peer node rollback", &ctx, |fs| {
                tracing::info!(target: "nodeCmd", "Rolling back channel [{channel}] to block [{block}]");
                crate::ledger::kvledger::rollback(fs, channel, block).map_err(|e| e.to_string())
            })
        }
        NodeCommand::Start(a) => {
            let ctx = init.run_with(&start_overrides(a))?;
            let mut settings = crate::node::NodeSettings::from_source(&ctx.source)
                .map_err(|e| CliError::Config(e.to_string()))?;
            settings.build = build.clone();
            crate::node::start(settings, ctx.logging.clone())
                .map_err(|e| CliError::Node(e.to_string()))
        }
        NodeCommand::Status => {
            let ctx = init.run()?;
            match status(&ctx) {
                Ok(text) => write_out(out, &format!("{text}\n")),
                Err(e) => {
                    // Fabric prints the UNKNOWN status before reporting the error.
                    write_out(out, &format!("{}\n", unknown_status_text()))?;
                    Err(e)
                }
            }
        }
    }
}

/// Asks the user to confirm a destructive command. `yes` (from -y/--yes) skips the question;
/// without it and without a terminal on stdin the command is refused, so that a script
/// never destroys data by accident.
pub fn confirm(command: &'static str, question: &str, yes: bool) -> Result<(), CliError> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::usage(format!(
            "{command} changes the ledgers and needs confirmation, but stdin is not a terminal: pass --yes (-y) to confirm"
        )));
    }
    let answer = dialoguer::Confirm::new()
        .with_prompt(question)
        .default(false)
        .interact()
        .map_err(|e| CliError::usage(format!("{command}: cannot ask for confirmation: {e}")))?;
    if answer {
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "{command}: aborted, nothing was changed"
        )))
    }
}

/// Runs an offline ledger operation on `peer.fileSystemPath` after checking no peer is
/// running there (the peer holds [`FileSystemLock`] while it runs).
pub fn offline_ledger_operation(
    command: &'static str,
    ctx: &PeerContext,
    operation: impl FnOnce(&std::path::Path) -> Result<(), String>,
) -> Result<(), CliError> {
    let fs_path = crate::node::file_system_path(&ctx.config);
    let _lock = FileSystemLock::acquire(&fs_path).map_err(|e| CliError::Request {
        command,
        problem: e.to_string(),
    })?;
    operation(&fs_path).map_err(|problem| CliError::Request { command, problem })
}

/// The configuration overrides `peer node start`'s flags make (viper.Set in Fabric).
pub fn start_overrides(args: &StartArgs) -> Vec<(&'static str, serde_yaml::Value)> {
    if args.peer_chaincodedev {
        vec![("chaincode.mode", DEV_MODE.into())]
    } else {
        Vec::new()
    }
}

/// `peer node status`: Admin.GetStatus with a signed envelope; returns the status text.
pub fn status(ctx: &PeerContext) -> Result<String, CliError> {
    let env = admin_envelope(
        "peer node status",
        &AdminOperation::default(),
        ctx.signer.as_ref(),
    )?;
    let peer = NodeConnection::open(ctx.peer.client(None, None))?;
    Ok(status_text(&peer.get_status(env)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chaincodedev_sets_dev_mode() {
        let dev = start_overrides(&StartArgs {
            peer_chaincodedev: true,
        });
        assert_eq!(
            dev,
            vec![("chaincode.mode", serde_yaml::Value::from("dev"))]
        );
        assert!(start_overrides(&StartArgs {
            peer_chaincodedev: false
        })
        .is_empty());
    }
}
