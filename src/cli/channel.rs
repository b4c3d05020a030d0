//! `peer channel`: create, fetch, getinfo, join, list, signconfigtx and update.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use prost::Message;

use super::client::ClientSettings;
use super::common::{require, require_file, OrdererFlags};
use super::duration::GoDuration;
use super::init::{InitCmd, PeerContext};
use super::ordering::{self, SeekTarget};
use super::rpc::NodeConnection;
use super::{scc, signconfigtx, write_out, CliError};
use crate::protos::common::Envelope;

/// The `--outputBlock` default: the channel ID followed by `.block`, in the current folder.
pub const OUTPUT_BLOCK_DEFAULT: &str = "./<channelID>.block";

/// Create a channel, join peers to it, fetch its blocks, update its configuration...
#[derive(Args, Debug)]
#[command(after_long_help = EXAMPLES)]
pub struct ChannelCmd {
    #[command(flatten)]
    pub orderer: OrdererFlags,

    #[command(subcommand)]
    pub command: ChannelCommand,
}

const EXAMPLES: &str = "Examples:
  peer channel create -o 127.0.0.1:7050 -c mychannel -f mychannel.tx
  peer channel join -b mychannel.block
  peer channel fetch newest -c mychannel -o 127.0.0.1:7050";

/// The channel subcommands.
#[derive(Subcommand, Debug)]
pub enum ChannelCommand {
    /// Ask the ordering service to create a channel and save its genesis block
    Create(CreateArgs),
    /// Fetch a block of a channel and write it to a file
    Fetch(FetchArgs),
    /// Show the height and current block hashes of a channel
    Getinfo(GetinfoArgs),
    /// Join the peer to a channel, given the channel's genesis block
    Join(JoinArgs),
    /// List the channels the peer has joined
    List(ListArgs),
    /// Add this identity's signature to a config update transaction file
    Signconfigtx(SignconfigtxArgs),
    /// Sign a config update transaction file and send it to the ordering service
    Update(UpdateArgs),
}

/// `peer channel create`.
#[derive(Args, Debug)]
pub struct CreateArgs {
    /// Name of the channel
    #[arg(short = 'c', long = "channelID")]
    pub channel_id: Option<String>,
    /// Channel creation transaction file (made by configtxgen)
    #[arg(short = 'f', long = "file")]
    pub file: Option<PathBuf>,
    /// Where to write the channel's genesis block
    #[arg(long = "outputBlock", default_value = OUTPUT_BLOCK_DEFAULT)]
    pub output_block: String,
    /// How long to wait for the channel to be created
    #[arg(short = 't', long = "timeout", default_value = "10s")]
    pub timeout: GoDuration,
}

/// `peer channel fetch <newest|oldest|config|(number)> [outputfile]`.
#[derive(Args, Debug)]
pub struct FetchArgs {
    /// Which block: newest, oldest, config or a block number
    #[arg(value_name = "newest|oldest|config|(number)")]
    pub target: String,
    /// File to write the block to [default: ./<channelID>_<target>.block]
    pub outputfile: Option<PathBuf>,
    /// Ignore delivery errors and return whatever blocks can be delivered
    #[arg(long = "bestEffort")]
    pub best_effort: bool,
    /// Name of the channel
    #[arg(short = 'c', long = "channelID")]
    pub channel_id: Option<String>,
}

/// `peer channel getinfo`.
#[derive(Args, Debug)]
pub struct GetinfoArgs {
    /// Name of the channel
    #[arg(short = 'c', long = "channelID")]
    pub channel_id: Option<String>,
}

/// `peer channel join`.
#[derive(Args, Debug)]
pub struct JoinArgs {
    /// Genesis block file of the channel
    #[arg(short = 'b', long = "blockpath")]
    pub blockpath: Option<PathBuf>,
}

/// `peer channel list`.
#[derive(Args, Debug)]
pub struct ListArgs {}

/// `peer channel signconfigtx`.
#[derive(Args, Debug)]
pub struct SignconfigtxArgs {
    /// Config update transaction file to sign in place
    #[arg(short = 'f', long = "file")]
    pub file: Option<PathBuf>,
}

/// `peer channel update`.
#[derive(Args, Debug)]
pub struct UpdateArgs {
    /// Name of the channel
    #[arg(short = 'c', long = "channelID")]
    pub channel_id: Option<String>,
    /// Config update transaction file
    #[arg(short = 'f', long = "file")]
    pub file: Option<PathBuf>,
}

fn require_channel(channel: &Option<String>) -> Result<&str, CliError> {
    require(channel, "-c/--channelID", "the channel ID")
}

fn require_path<'a>(
    path: &'a Option<PathBuf>,
    flag: &str,
    what: &'static str,
) -> Result<&'a PathBuf, CliError> {
    let path = path
        .as_ref()
        .filter(|p| !p.as_os_str().is_empty())
        .ok_or_else(|| CliError::usage(format!("{what} is required: pass it with {flag}")))?;
    require_file(path, what)?;
    Ok(path)
}

/// Where `peer channel create` writes the genesis block.
pub fn output_block_path(output_block: &str, channel_id: &str) -> PathBuf {
    if output_block.is_empty() || output_block == OUTPUT_BLOCK_DEFAULT {
        PathBuf::from(format!("./{channel_id}.block"))
    } else {
        PathBuf::from(output_block)
    }
}

/// Checks the fetch target: newest, oldest, config or a block number.
pub fn check_fetch_target(target: &str) -> Result<(), CliError> {
    match target {
        "newest" | "oldest" | "config" => Ok(()),
        n if n.parse::<u64>().is_ok() => Ok(()),
        other => Err(CliError::usage(format!(
            "\"{other}\" is not a block to fetch: use newest, oldest, config or a block number"
        ))),
    }
}

/// Runs a `peer channel` subcommand.
pub fn run(cmd: &ChannelCmd, init: &InitCmd, out: &mut dyn Write) -> Result<(), CliError> {
    match &cmd.command {
        ChannelCommand::Create(a) => {
            let channel = require_channel(&a.channel_id)?;
            let file = match &a.file {
                Some(_) => Some(require_path(
                    &a.file,
                    "-f/--file",
                    "the channel creation transaction file",
                )?),
                None => None,
            };
            let orderer = cmd.orderer.client()?;
            let ctx = init.run()?;
            create(&ctx, &orderer, channel, file.map(PathBuf::as_path), a)
        }
        ChannelCommand::Fetch(a) => {
            check_fetch_target(&a.target)?;
            let channel = require_channel(&a.channel_id)?;
            let ctx = init.run()?;
            let target = match cmd.orderer.orderer {
                Some(_) => cmd.orderer.client()?,
                None => ctx.peer.client(None, None),
            };
            fetch(&ctx, &target, channel, a)
        }
        ChannelCommand::Getinfo(a) => {
            let channel = require_channel(&a.channel_id)?;
            let ctx = init.run()?;
            write_out(out, &getinfo(&ctx, channel)?)
        }
        ChannelCommand::Join(a) => {
            let block = require_path(&a.blockpath, "-b/--blockpath", "the genesis block file")?;
            let ctx = init.run()?;
            join(&ctx, block)
        }
        ChannelCommand::List(_) => {
            let ctx = init.run()?;
            write_out(out, &list(&ctx)?)
        }
        ChannelCommand::Signconfigtx(a) => {
            let file = require_path(&a.file, "-f/--file", "the config update transaction file")?;
            let ctx = init.run()?;
            sign_file(&ctx, file)
        }
        ChannelCommand::Update(a) => {
            let channel = require_channel(&a.channel_id)?;
            let file = require_path(&a.file, "-f/--file", "the config update transaction file")?;
            let orderer = cmd.orderer.client()?;
            let ctx = init.run()?;
            update(&ctx, &orderer, channel, file)
        }
    }
}

/// Reads a config update transaction file, checks it is a CONFIG_UPDATE for `channel`, adds
/// our signature and wraps it in an envelope we sign (Fabric's `sanityCheckAndSignConfigTx`).
pub fn signed_config_update(
    command: &'static str,
    ctx: &PeerContext,
    channel: &str,
    file: &Path,
) -> Result<Envelope, CliError> {
    let bytes = std::fs::read(file).map_err(|e| CliError::ReadFile {
        what: "the config update transaction file",
        path: file.to_path_buf(),
        reason: super::client::describe_io(&e),
    })?;
    let envelope = Envelope::decode(bytes.as_slice()).map_err(|e| CliError::Request {
        command,
        problem: format!("{} is not a config update transaction: {e}", file.display()),
    })?;
    let (in_file, _) = signconfigtx::open_config_update(&envelope)?;
    if in_file != channel {
        return Err(CliError::Request {
            command,
            problem: format!(
                "Invalid channel create transaction : mismatched channel ID {in_file} != {channel}"
            ),
        });
    }
    let signed = signconfigtx::sign_config_tx(&bytes, ctx.signer.as_ref())?;
    Envelope::decode(signed.as_slice()).map_err(|e| CliError::Request {
        command,
        problem: format!("cannot re-read the signed config update: {e}"),
    })
}

/// The configtx.yaml profile Fabric's CLI builds a channel from when no `-f` is given.
pub const DEFAULT_CHANNEL_PROFILE: &str = "SampleSingleMSPChannel";

/// The channel creation transaction `peer channel create` sends without `-f`, as Fabric's
/// `createChannelFromDefaults`: the [`DEFAULT_CHANNEL_PROFILE`] profile of the configtx.yaml
/// found through FABRIC_CFG_PATH, signed by the local signer, then put through the same
/// sanity check and signature as a transaction read from a file (so it carries two
/// signatures of ours, as Fabric's does).
pub fn default_channel_creation_tx(
    command: &'static str,
    ctx: &PeerContext,
    channel: &str,
) -> Result<Envelope, CliError> {
    use crate::tools::configtxgen::{encoder, localconfig};
    let env = crate::config::Environment::from_process();
    let unusable = |e: &dyn std::fmt::Display| {
        CliError::Request {
        command,
        problem: format!(
            "no -f/--file was given, and the default channel creation transaction (profile {DEFAULT_CHANNEL_PROFILE} of configtx.yaml in FABRIC_CFG_PATH) cannot be built: {e}"
        ),
    }
    };
    let profile =
        localconfig::load_profile(DEFAULT_CHANNEL_PROFILE, None, &env).map_err(|e| unusable(&e))?;
    let tx =
        encoder::make_channel_creation_transaction(channel, &profile).map_err(|e| unusable(&e))?;
    let once = signconfigtx::sign_config_tx(&tx.encode_to_vec(), ctx.signer.as_ref())?;
    let twice = signconfigtx::sign_config_tx(&once, ctx.signer.as_ref())?;
    Envelope::decode(twice.as_slice()).map_err(|e| CliError::Request {
        command,
        problem: format!("cannot re-read the signed config update: {e}"),
    })
}

/// `peer channel create`: broadcast the signed channel creation transaction, then ask the
/// orderer for block 0 until it exists or the timeout passes, and write it out.
pub fn create(
    ctx: &PeerContext,
    orderer: &ClientSettings,
    channel: &str,
    file: Option<&Path>,
    args: &CreateArgs,
) -> Result<(), CliError> {
    const COMMAND: &str = "peer channel create";
    let env = match file {
        Some(file) => signed_config_update(COMMAND, ctx, channel, file)?,
        None => default_channel_creation_tx(COMMAND, ctx, channel)?,
    };
    let runtime = super::rpc::runtime()?;
    runtime.block_on(ordering::broadcast(COMMAND, orderer, env))?;
    let deadline = tokio::time::Instant::now() + args.timeout.to_std();
    let hash = ordering::tls_cert_hash(orderer)?;
    let block = runtime.block_on(async {
        loop {
            let seek = ordering::seek_envelope(
                COMMAND,
                channel,
                SeekTarget::Specified(0),
                false,
                ctx.signer.as_ref(),
                hash.clone(),
            )?;
            let attempt =
                tokio::time::timeout_at(deadline, ordering::fetch_block(COMMAND, orderer, seek))
                    .await;
            match attempt {
                Ok(Ok(block)) => return Ok(block),
                Ok(Err(e)) => {
                    tracing::debug!(target: "channelCmd", "genesis block not there yet: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    if tokio::time::Instant::now() >= deadline {
                        return Err(timeout_error());
                    }
                }
                Err(_) => return Err(timeout_error()),
            }
        }
    })?;
    ordering::write_block(&output_block_path(&args.output_block, channel), &block)
}

fn timeout_error() -> CliError {
    CliError::BadResponse {
        command: "peer channel create",
        problem: "timeout waiting for channel creation (raise it with -t/--timeout)".into(),
    }
}

/// `peer channel update`: broadcast the signed config update.
pub fn update(
    ctx: &PeerContext,
    orderer: &ClientSettings,
    channel: &str,
    file: &Path,
) -> Result<(), CliError> {
    const COMMAND: &str = "peer channel update";
    let env = signed_config_update(COMMAND, ctx, channel, file)?;
    super::rpc::runtime()?.block_on(ordering::broadcast(COMMAND, orderer, env))?;
    tracing::info!(target: "channelCmd", "Successfully submitted channel update");
    Ok(())
}

/// Where `peer channel fetch` writes the block: the given file or `<channel>_<target>.block`.
pub fn fetch_output_path(args: &FetchArgs, channel: &str) -> PathBuf {
    args.outputfile
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{channel}_{}.block", args.target)))
}

/// `peer channel fetch`: one block from the orderer (with -o) or the peer's deliver service.
pub fn fetch(
    ctx: &PeerContext,
    target: &ClientSettings,
    channel: &str,
    args: &FetchArgs,
) -> Result<(), CliError> {
    const COMMAND: &str = "peer channel fetch";
    let hash = ordering::tls_cert_hash(target)?;
    let seek = |which: SeekTarget| {
        ordering::seek_envelope(
            COMMAND,
            channel,
            which,
            args.best_effort,
            ctx.signer.as_ref(),
            hash.clone(),
        )
    };
    let runtime = super::rpc::runtime()?;
    let block = match args.target.as_str() {
        "oldest" => runtime.block_on(ordering::fetch_block(
            COMMAND,
            target,
            seek(SeekTarget::Oldest)?,
        ))?,
        "newest" => runtime.block_on(ordering::fetch_block(
            COMMAND,
            target,
            seek(SeekTarget::Newest)?,
        ))?,
        "config" => {
            let newest = runtime.block_on(ordering::fetch_block(
                COMMAND,
                target,
                seek(SeekTarget::Newest)?,
            ))?;
            let index =
                crate::peer::last_config_index(&newest).map_err(|e| CliError::BadResponse {
                    command: COMMAND,
                    problem: e.to_string(),
                })?;
            tracing::info!(target: "channelCmd", "Retrieving last config block: {index}");
            runtime.block_on(ordering::fetch_block(
                COMMAND,
                target,
                seek(SeekTarget::Specified(index))?,
            ))?
        }
        number => {
            let n = number
                .parse::<u64>()
                .map_err(|_| CliError::usage(format!("fetch target illegal: {number}")))?;
            runtime.block_on(ordering::fetch_block(
                COMMAND,
                target,
                seek(SeekTarget::Specified(n))?,
            ))?
        }
    };
    ordering::write_block(&fetch_output_path(args, channel), &block)
}

/// `peer channel join -b B`: cscc JoinChain with the genesis block.
pub fn join(ctx: &PeerContext, block_file: &Path) -> Result<(), CliError> {
    const COMMAND: &str = "peer channel join";
    let block = std::fs::read(block_file).map_err(|e| CliError::ReadFile {
        what: "the genesis block file",
        path: block_file.to_path_buf(),
        reason: super::client::describe_io(&e),
    })?;
    crate::protos::common::Block::decode(block.as_slice()).map_err(|e| CliError::Request {
        command: COMMAND,
        problem: format!("{} is not a block: {e}", block_file.display()),
    })?;
    let cis = scc::invocation("cscc", &[scc::CSCC_JOIN_CHAIN.as_bytes(), &block]);
    let (signed, _) = scc::signed_query(COMMAND, &cis, ctx.signer.as_ref())?;
    let peer = NodeConnection::open(ctx.peer.client(None, None))?;
    let response = peer.process_proposal(signed)?;
    scc::response_payload(COMMAND, &response)?;
    tracing::info!(target: "channelCmd", "Successfully submitted proposal to join channel");
    Ok(())
}

/// `peer channel list`: asks cscc for the joined channels; returns what Fabric prints.
pub fn list(ctx: &PeerContext) -> Result<String, CliError> {
    const COMMAND: &str = "peer channel list";
    let cis = scc::invocation("cscc", &[scc::CSCC_GET_CHANNELS.as_bytes()]);
    let (signed, _) = scc::signed_query(COMMAND, &cis, ctx.signer.as_ref())?;
    let peer = NodeConnection::open(ctx.peer.client(None, None))?;
    let response = peer.process_proposal(signed)?;
    let channels = scc::channels(COMMAND, scc::response_payload(COMMAND, &response)?)?;
    let mut text = String::from("Channels peers has joined: \n");
    for channel in channels {
        text.push_str(&channel);
        text.push('\n');
    }
    Ok(text)
}

/// `peer channel getinfo -c C`: asks qscc for the chain info; returns what Fabric prints.
pub fn getinfo(ctx: &PeerContext, channel: &str) -> Result<String, CliError> {
    const COMMAND: &str = "peer channel getinfo";
    let cis = scc::invocation(
        "qscc",
        &[scc::QSCC_GET_CHAIN_INFO.as_bytes(), channel.as_bytes()],
    );
    let (signed, _) = scc::signed_query(COMMAND, &cis, ctx.signer.as_ref())?;
    let peer = NodeConnection::open(ctx.peer.client(None, None))?;
    let response = peer.process_proposal(signed)?;
    let info = scc::chain_info(COMMAND, scc::response_payload(COMMAND, &response)?)?;
    Ok(format!(
        "Blockchain info: {}\n",
        scc::chain_info_json(&info)
    ))
}

/// `peer channel signconfigtx -f F`: signs the config update in F and writes it back.
pub fn sign_file(ctx: &PeerContext, file: &Path) -> Result<(), CliError> {
    let bytes = std::fs::read(file).map_err(|e| CliError::ReadFile {
        what: "the config update transaction file",
        path: file.to_path_buf(),
        reason: super::client::describe_io(&e),
    })?;
    let signed = signconfigtx::sign_config_tx(&bytes, ctx.signer.as_ref())?;
    std::fs::write(file, signed).map_err(|e| CliError::WriteFile {
        what: "the config update transaction file",
        path: file.to_path_buf(),
        reason: super::client::describe_io(&e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_block_defaults_to_the_channel_name() {
        assert_eq!(
            output_block_path(OUTPUT_BLOCK_DEFAULT, "mych"),
            PathBuf::from("./mych.block")
        );
        assert_eq!(output_block_path("", "mych"), PathBuf::from("./mych.block"));
        assert_eq!(
            output_block_path("/tmp/x.block", "mych"),
            PathBuf::from("/tmp/x.block")
        );
    }

    #[test]
    fn fetch_targets() {
        for ok in ["newest", "oldest", "config", "0", "42"] {
            check_fetch_target(ok).unwrap();
        }
        assert!(check_fetch_target("latest").is_err());
        assert!(check_fetch_target("-1").is_err());
    }

    #[test]
    fn missing_file_is_named() {
        let err = require_path(
            &Some("/no/such.tx".into()),
            "-f/--file",
            "the config update transaction file",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("/no/such.tx") && err.contains("no such file"),
            "{err}"
        );
        let err = require_path(&None, "-f/--file", "the config update transaction file")
            .unwrap_err()
            .to_string();
        assert!(err.contains("-f/--file"), "{err}");
    }
}
