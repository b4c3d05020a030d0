//! The `peer` command tree (clap), one file per command group, and the shared InitCmd path.
//!
//! The tree mirrors Fabric v1.4.12's cobra tree exactly (commands, flags, short forms,
//! types, defaults, inherited flags) and accepts pflag's flag grammar (see [`flags`]).
//! [`main`] is the whole `peer` binary: it parses, runs, and turns every failure into one
//! `Error: ...` line on stderr with exit status 1. Help (`-h`, `--help`, `peer help ...`, or
//! a command group given without a subcommand) prints to stdout with exit status 0.

pub mod admin;
pub mod chaincode;
pub mod chaincode_ops;
pub mod channel;
pub mod client;
pub mod common;
pub mod connection_profile;
pub mod discover;
pub mod docs;
pub mod duration;
pub mod error;
pub mod flags;
pub mod init;
pub mod logging;
pub mod node;
pub mod ordering;
pub mod rpc;
pub mod scc;
pub mod signconfigtx;

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::config::flag_error_line;
use crate::flogging::{FloggingError, Logging};
use crate::metadata::BuildInfo;

pub use error::{CliError, NodeKind};
pub use init::{InitCmd, PeerContext};

/// The root of the tree: `peer`.
#[derive(Parser, Debug)]
#[command(
    name = "peer",
    about = "Operate a Hyperledger Fabric peer: run it, and manage its channels and chaincodes",
    disable_version_flag = true,
    disable_help_subcommand = true,
    after_long_help = ROOT_EXAMPLES
)]
pub struct Peer {
    /// Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)
    #[arg(long = "logging-level", global = true, hide = true)]
    pub logging_level: Option<String>,

    #[command(subcommand)]
    pub command: PeerCommand,
}

const ROOT_EXAMPLES: &str = "Examples:
  peer node start
  peer channel list
  peer chaincode query -C mychannel -n mycc -c '{\"Args\":[\"query\",\"a\"]}'";

/// The command groups under `peer`.
#[derive(Subcommand, Debug)]
pub enum PeerCommand {
    /// Install, instantiate, invoke, query and package chaincodes
    Chaincode(Box<chaincode::ChaincodeCmd>),
    /// Create, join, fetch from and update channels
    Channel(Box<channel::ChannelCmd>),
    /// Read and change the log levels of a running peer
    Logging(logging::LoggingCmd),
    /// Start the peer, ask for its status, reset or roll back its ledgers
    Node(node::NodeCmd),
    /// Print the version of this peer build
    #[command(
        long_about = "Print the version, source commit, compiler and platform of this peer build."
    )]
    Version,
    /// Help about any command
    #[command(long_about = HELP_LONG_ABOUT)]
    Help(HelpCmd),
}

const HELP_LONG_ABOUT: &str = "Help provides help for any command in the application.
Simply type peer help [path to command] for full details.";

/// `peer help [command]`: cobra's help command (it also answers `peer help --help`).
#[derive(clap::Args, Debug)]
pub struct HelpCmd {
    /// The command to describe (for example: channel fetch)
    #[arg(value_name = "command")]
    pub command: Vec<String>,
}

impl HelpCmd {
    /// The long help of the named command, or cobra's "Unknown help topic" line followed by
    /// the root's usage when no command has that path.
    pub fn render(&self) -> String {
        let mut cmd = command();
        cmd.build();
        let mut target = &mut cmd;
        for name in &self.command {
            match target.find_subcommand_mut(name) {
                Some(sub) => target = sub,
                None => {
                    let topic = self
                        .command
                        .iter()
                        .map(|c| format!("`{c}`"))
                        .collect::<Vec<_>>();
                    return format!(
                        "Unknown help topic [{}]\n{}\n",
                        topic.join(" "),
                        command().render_usage()
                    );
                }
            }
        }
        target.render_long_help().to_string()
    }
}

/// The whole clap tree, in pflag's grammar. Documentation and tests walk this.
pub fn command() -> clap::Command {
    flags::pflagify(Peer::command())
}

/// Parses a command line (the first item is the program name).
pub fn parse<I, T>(args: I) -> Result<Peer, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let mut cmd = command();
    let matches = cmd.try_get_matches_from_mut(args)?;
    Peer::from_arg_matches(&matches).map_err(|e| e.with_cmd(&cmd))
}

/// Runs a parsed command; `logging` is the logging system the binary built from
/// FABRIC_LOGGING_SPEC / FABRIC_LOGGING_FORMAT, and output meant for the user goes to `out`.
pub fn run(
    peer: &Peer,
    logging: Result<Logging, FloggingError>,
    build: &BuildInfo,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let init = InitCmd::new(peer.logging_level.clone(), logging);
    match &peer.command {
        PeerCommand::Version => write_out(out, &build.version_info("peer")),
        PeerCommand::Help(h) => write_out(out, &h.render()),
        PeerCommand::Chaincode(c) => chaincode::run(c, &init, out),
        PeerCommand::Channel(c) => channel::run(c, &init, out),
        PeerCommand::Logging(c) => logging::run(c, &init),
        PeerCommand::Node(c) => node::run(c, &init, build, out),
    }
}

/// Writes user output, turning a closed stdout into one clear line.
pub(crate) fn write_out(out: &mut dyn Write, text: &str) -> Result<(), CliError> {
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| CliError::usage(format!("cannot write to stdout: {e}")))
}

/// The `peer` program: parse, run, report. Exit status 0 on success or help, 1 on any error.
/// `logging` is the logging system the binary built (and installed as the global tracing
/// subscriber) from FABRIC_LOGGING_SPEC / FABRIC_LOGGING_FORMAT; `build` is what the binary
/// was stamped with (`peer version`).
pub fn main<I, T>(args: I, logging: Result<Logging, FloggingError>, build: &BuildInfo) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let peer = match parse(args) {
        Ok(peer) => peer,
        Err(err) => return report_parse_error(&err),
    };
    let stdout = std::io::stdout();
    match run(&peer, logging, build, &mut stdout.lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn report_parse_error(err: &clap::Error) -> ExitCode {
    match err.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let help = err.render();
            if std::io::stdout().is_terminal() {
                print!("{}", help.ansi());
            } else {
                print!("{help}");
            }
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("Error: {}", flag_error_line(err));
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn inherited_flags_reach_subcommands() {
        let p = parse([
            "peer",
            "channel",
            "list",
            "-o",
            "127.0.0.1:7050",
            "--tls=false",
        ])
        .unwrap();
        let PeerCommand::Channel(c) = p.command else {
            panic!("channel")
        };
        assert_eq!(c.orderer.orderer.as_deref(), Some("127.0.0.1:7050"));
        assert!(!c.orderer.tls);
        let p = parse([
            "peer",
            "chaincode",
            "invoke",
            "--tls",
            "--peerAddresses",
            "a:1",
            "--peerAddresses=b:2",
        ])
        .unwrap();
        let PeerCommand::Chaincode(c) = p.command else {
            panic!("chaincode")
        };
        assert!(c.orderer.tls);
        let chaincode::ChaincodeCommand::Invoke(i) = c.command else {
            panic!("invoke")
        };
        assert_eq!(i.peers.peer_addresses, ["a:1", "b:2"]);
        assert_eq!(i.wait_for_event_timeout.to_string(), "30s");
    }

    #[test]
    fn legacy_logging_level_is_accepted_anywhere() {
        let p = parse(["peer", "node", "status", "--logging-level", "debug"]).unwrap();
        assert_eq!(p.logging_level.as_deref(), Some("debug"));
    }

    #[test]
    fn bad_duration_is_one_line_naming_the_flag() {
        let err = parse(["peer", "channel", "list", "--connTimeout", "soon"]).unwrap_err();
        let line = flag_error_line(&err);
        assert!(
            line.contains("--connTimeout") && !line.contains('\n'),
            "{line}"
        );
    }
}
