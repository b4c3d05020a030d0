//! `peer node`: start the peer, ask a running peer for its status, and the offline
//! maintenance commands reset and rollback.

use clap::{Args, Subcommand};

use super::common::require;
use super::init::init_cmd;
use super::{reach_then_stop, CliError};

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
    Reset,
    /// Roll a channel of the peer back to a block number (the peer must be stopped)
    Rollback(RollbackArgs),
    /// Start the peer
    Start(StartArgs),
    /// Ask a running peer for its status
    Status,
}

/// `peer node rollback`.
#[derive(Args, Debug)]
pub struct RollbackArgs {
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
pub fn run(cmd: &NodeCmd, legacy: Option<&str>) -> Result<(), CliError> {
    match &cmd.command {
        NodeCommand::Reset => {
            init_cmd(legacy)?;
            Err(CliError::NotAvailable {
                command: "peer node reset",
                missing: "the peer ledger is not available in this build yet",
            })
        }
        NodeCommand::Rollback(a) => {
            require(&a.channel_id, "-c/--channelID", "the channel ID")?;
            if a.block_number.is_none() {
                return Err(CliError::usage(
                    "the block number is required: pass it with -b/--blockNumber",
                ));
            }
            init_cmd(legacy)?;
            Err(CliError::NotAvailable {
                command: "peer node rollback",
                missing: "the peer ledger is not available in this build yet",
            })
        }
        NodeCommand::Start(_) => {
            init_cmd(legacy)?;
            Err(CliError::NotAvailable {
                command: "peer node start",
                missing: "the peer server is not available in this build yet",
            })
        }
        NodeCommand::Status => {
            let ctx = init_cmd(legacy)?;
            reach_then_stop(
                "peer node status",
                vec![ctx.settings.peer.client(None, None)],
            )
        }
    }
}
