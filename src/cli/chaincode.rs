//! `peer chaincode`: install, instantiate, invoke, list, package, query, signpackage and
//! upgrade of v1.4 (lscc) chaincodes.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use prost::Message;

use super::chaincode_ops as ops;
use super::client::ClientSettings;
use super::common::{require, require_file, OrdererFlags, PeerConnFlags};
use super::duration::GoDuration;
use super::init::{InitCmd, PeerContext};
use super::rpc::NodeConnection;
use super::{scc, write_out, CliError};
use crate::protos::common::Envelope;
use crate::protos::protos::{ChaincodeDeploymentSpec, ChaincodeInvocationSpec};
use crate::scc::lscc::ccprovider_signed;

/// Operate a chaincode: install, instantiate, invoke, package, query, upgrade...
#[derive(Args, Debug)]
#[command(after_long_help = EXAMPLES)]
pub struct ChaincodeCmd {
    #[command(flatten)]
    pub orderer: OrdererFlags,

    /// Transient map for the proposal, as a JSON object of base64 values
    #[arg(long = "transient", global = true)]
    pub transient: Option<String>,

    #[command(subcommand)]
    pub command: ChaincodeCommand,
}

const EXAMPLES: &str = "Examples:
  peer chaincode install -n mycc -v 1.0 -p github.com/example/cc
  peer chaincode instantiate -o 127.0.0.1:7050 -C mychannel -n mycc -v 1.0 -c '{\"Args\":[\"init\",\"a\",\"100\"]}'
  peer chaincode query -C mychannel -n mycc -c '{\"Args\":[\"query\",\"a\"]}'";

/// The chaincode subcommands.
#[derive(Subcommand, Debug)]
pub enum ChaincodeCommand {
    /// Install a chaincode package (or build one from -n/-v/-p) on a peer
    Install(InstallArgs),
    /// Deploy an installed chaincode on a channel
    Instantiate(InstantiateArgs),
    /// Submit a transaction invoking a chaincode
    Invoke(InvokeArgs),
    /// List the chaincodes installed on a peer or instantiated on a channel
    List(ListArgs),
    /// Write a chaincode deployment package to a file, optionally signed
    Package(PackageArgs),
    /// Evaluate a chaincode function on a peer without submitting a transaction
    Query(QueryArgs),
    /// Add this identity's signature to a signed chaincode package
    Signpackage(SignPackageArgs),
    /// Replace a chaincode on a channel with a newer installed version
    Upgrade(UpgradeArgs),
}

/// `peer chaincode install [<ccpackfile>]`.
#[derive(Args, Debug)]
pub struct InstallArgs {
    /// A chaincode package made by `peer chaincode package`; without it -n, -v and -p build one
    pub ccpackfile: Option<PathBuf>,
    #[command(flatten)]
    pub peers: PeerConnFlags,
    /// Constructor message as JSON: {"Args":[...]} or {"Function":"...","Args":[...]}
    #[arg(short = 'c', long = "ctor", default_value = "{}")]
    pub ctor: String,
    /// Language of the chaincode: golang, node, java, car, rust or ccaas (case-insensitive)
    #[arg(short = 'l', long = "lang", default_value = "golang")]
    pub lang: String,
    /// Name of the chaincode
    #[arg(short = 'n', long = "name")]
    pub name: Option<String>,
    /// Path to the chaincode source
    #[arg(short = 'p', long = "path")]
    pub path: Option<String>,
    /// Version of the chaincode
    #[arg(short = 'v', long = "version")]
    pub version: Option<String>,
}

/// Flags shared by instantiate and upgrade.
#[derive(Args, Debug)]
pub struct DeployFlags {
    /// Channel the command applies to
    #[arg(short = 'C', long = "channelID")]
    pub channel_id: Option<String>,
    /// JSON file with the private data collections of the chaincode
    #[arg(long = "collections-config")]
    pub collections_config: Option<PathBuf>,
    #[command(flatten)]
    pub peers: PeerConnFlags,
    /// Constructor message as JSON: {"Args":[...]} or {"Function":"...","Args":[...]}
    #[arg(short = 'c', long = "ctor", default_value = "{}")]
    pub ctor: String,
    /// Endorsement system chaincode to use [default: escc]
    #[arg(short = 'E', long = "escc")]
    pub escc: Option<String>,
    /// Language of the chaincode: golang, node, java, car, rust or ccaas (case-insensitive)
    #[arg(short = 'l', long = "lang", default_value = "golang")]
    pub lang: String,
    /// Name of the chaincode
    #[arg(short = 'n', long = "name")]
    pub name: Option<String>,
    /// Endorsement policy, e.g. "AND('Org1MSP.peer','Org2MSP.peer')"
    #[arg(short = 'P', long = "policy")]
    pub policy: Option<String>,
    /// Version of the chaincode
    #[arg(short = 'v', long = "version")]
    pub version: Option<String>,
    /// Validation system chaincode to use [default: vscc]
    #[arg(short = 'V', long = "vscc")]
    pub vscc: Option<String>,
}

/// `peer chaincode instantiate`.
#[derive(Args, Debug)]
pub struct InstantiateArgs {
    #[command(flatten)]
    pub deploy: DeployFlags,
}

/// `peer chaincode upgrade`.
#[derive(Args, Debug)]
pub struct UpgradeArgs {
    #[command(flatten)]
    pub deploy: DeployFlags,
    /// Path to the chaincode source
    #[arg(short = 'p', long = "path")]
    pub path: Option<String>,
}

/// `peer chaincode invoke`.
#[derive(Args, Debug)]
pub struct InvokeArgs {
    /// Channel the command applies to
    #[arg(short = 'C', long = "channelID")]
    pub channel_id: Option<String>,
    #[command(flatten)]
    pub peers: PeerConnFlags,
    /// Invocation message as JSON: {"Args":[...]} or {"Function":"...","Args":[...]}
    #[arg(short = 'c', long = "ctor", default_value = "{}")]
    pub ctor: String,
    /// Name of the chaincode
    #[arg(short = 'n', long = "name")]
    pub name: Option<String>,
    /// Wait until every peer reports the transaction committed
    #[arg(long = "waitForEvent")]
    pub wait_for_event: bool,
    /// How long --waitForEvent waits for the commit events
    #[arg(long = "waitForEventTimeout", default_value = "30s")]
    pub wait_for_event_timeout: GoDuration,
}

/// `peer chaincode list`.
#[derive(Args, Debug)]
pub struct ListArgs {
    /// Channel the command applies to (with --instantiated)
    #[arg(short = 'C', long = "channelID")]
    pub channel_id: Option<String>,
    #[command(flatten)]
    pub peers: PeerConnFlags,
    /// List the chaincodes installed on the peer
    #[arg(long = "installed")]
    pub installed: bool,
    /// List the chaincodes instantiated on the channel given with -C
    #[arg(long = "instantiated")]
    pub instantiated: bool,
}

/// `peer chaincode package [<outputfile>]`.
#[derive(Args, Debug)]
pub struct PackageArgs {
    /// File to write the package to
    pub outputfile: Option<PathBuf>,
    /// Wrap the deployment spec in a package that owners can sign (SignedCDS)
    #[arg(short = 's', long = "cc-package")]
    pub cc_package: bool,
    /// Constructor message as JSON: {"Args":[...]} or {"Function":"...","Args":[...]}
    #[arg(short = 'c', long = "ctor", default_value = "{}")]
    pub ctor: String,
    /// Policy saying who may instantiate the package, e.g. "AND('Org1MSP.admin')"
    #[arg(short = 'i', long = "instantiate-policy")]
    pub instantiate_policy: Option<String>,
    /// Language of the chaincode: golang, node, java, car, rust or ccaas (case-insensitive)
    #[arg(short = 'l', long = "lang", default_value = "golang")]
    pub lang: String,
    /// Name of the chaincode
    #[arg(short = 'n', long = "name")]
    pub name: Option<String>,
    /// Path to the chaincode source
    #[arg(short = 'p', long = "path")]
    pub path: Option<String>,
    /// Sign the package with the local MSP identity (with -s)
    #[arg(short = 'S', long = "sign")]
    pub sign: bool,
    /// Version of the chaincode
    #[arg(short = 'v', long = "version")]
    pub version: Option<String>,
}

/// `peer chaincode signpackage <inputpackage> <outputpackage>`.
#[derive(Args, Debug)]
pub struct SignPackageArgs {
    /// Signed package to add a signature to
    pub inputpackage: PathBuf,
    /// File to write the package with the extra signature to
    pub outputpackage: PathBuf,
}

/// Checks the constructor JSON as Fabric does: an object with `Args`, optionally `Function`.
pub fn check_ctor(ctor: &str, empty_allowed: bool) -> Result<(), CliError> {
    const KEYS: &str = "the -c/--ctor JSON must have the keys 'Args' or 'Function' and 'Args', \
                        e.g. '{\"Args\":[\"init\",\"a\",\"100\"]}'";
    if ctor == "{}" {
        return if empty_allowed {
            Ok(())
        } else {
            Err(CliError::usage(KEYS))
        };
    }
    let value: serde_json::Value = serde_json::from_str(ctor)
        .map_err(|e| CliError::usage(format!("the -c/--ctor value is not valid JSON: {e}")))?;
    let Some(map) = value.as_object() else {
        return Err(CliError::usage(KEYS));
    };
    let has = |key: &str| map.keys().any(|k| k.eq_ignore_ascii_case(key));
    let ok = has("args") && (map.len() == 1 || (map.len() == 2 && has("function")));
    if ok {
        Ok(())
    } else {
        Err(CliError::usage(KEYS))
    }
}

fn require_channel(channel: &Option<String>) -> Result<&str, CliError> {
    require(channel, "-C/--channelID", "the channel ID")
}

/// The peers a command talks to: --peerAddresses (with --tlsRootCertFiles when TLS is on)
/// or peer.address from core.yaml.
pub fn peer_targets(
    ctx: &PeerContext,
    peers: &PeerConnFlags,
    command: &str,
    channel: &str,
) -> Result<Vec<ClientSettings>, CliError> {
    let (addresses, roots) = peer_addresses(peers, channel)?;
    if command != "invoke" && addresses.len() > 1 {
        return Err(CliError::usage(format!(
            "'{command}' can only be run against one peer, but {} were given with --peerAddresses",
            addresses.len()
        )));
    }
    let settings = &ctx.peer;
    if addresses.is_empty() {
        return Ok(vec![settings.client(None, None)]);
    }
    if settings.tls_enabled && roots.len() != addresses.len() {
        return Err(CliError::usage(format!(
            "TLS is enabled, so each of the {} --peerAddresses needs a --tlsRootCertFiles (got {})",
            addresses.len(),
            roots.len()
        )));
    }
    Ok(addresses
        .iter()
        .enumerate()
        .map(|(i, a)| settings.client(Some(a), roots.get(i).map(PathBuf::as_path)))
        .collect())
}

/// The peers and TLS roots from `--connectionProfile` (the channel's endorsing peers, as
/// Fabric's validatePeerConnectionParameters) when it names any, else from the flags.
fn peer_addresses(
    peers: &PeerConnFlags,
    channel: &str,
) -> Result<(Vec<String>, Vec<PathBuf>), CliError> {
    if let Some(file) = &peers.connection_profile {
        let profile = super::connection_profile::NetworkConfig::load(file)?;
        if let Some(endorsers) = profile.endorsers(channel)? {
            return Ok(endorsers.into_iter().unzip());
        }
    }
    Ok((
        peers.peer_addresses.clone(),
        peers.tls_root_cert_files.clone(),
    ))
}

fn check_deploy(d: &DeployFlags) -> Result<(), CliError> {
    require_channel(&d.channel_id)?;
    require(&d.name, "-n/--name", "the chaincode name")?;
    require(&d.version, "-v/--version", "the chaincode version")?;
    if let Some(file) = &d.collections_config {
        require_file(file, "the collections config file")?;
    }
    check_ctor(&d.ctor, false)
}

fn run_deploy(
    cmd: &ChaincodeCmd,
    d: &DeployFlags,
    path: Option<&str>,
    sub: &'static str,
    init: &InitCmd,
) -> Result<(), CliError> {
    check_deploy(d)?;
    let command = name_of(sub);
    let collections = match &d.collections_config {
        Some(file) => {
            let json = std::fs::read(file).map_err(|e| CliError::ReadFile {
                what: "the collections config file",
                path: file.clone(),
                reason: super::client::describe_io(&e),
            })?;
            Some(ops::collection_config_package(&json)?)
        }
        None => None,
    };
    let ctx = init.run()?;
    let channel = require_channel(&d.channel_id)?;
    let peers = peer_targets(&ctx, &d.peers, sub, channel)?;
    let orderer = cmd.orderer.client()?;
    let spec = ops::chaincode_spec(
        &d.lang,
        d.name.as_deref().unwrap_or_default(),
        d.version.as_deref().unwrap_or_default(),
        path.unwrap_or_default(),
        ops::ctor_args(&d.ctor)?,
    )?;
    let cds = ChaincodeDeploymentSpec {
        chaincode_spec: Some(spec),
        ..Default::default()
    };
    let policy = match d.policy.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => crate::policy::from_string(p)
            .map_err(|e| CliError::usage(format!("invalid policy {p}: {e}")))?
            .encode_to_vec(),
        None => Vec::new(),
    };
    let escc = d.escc.clone().unwrap_or_else(|| "escc".into());
    let vscc = d.vscc.clone().unwrap_or_else(|| "vscc".into());
    let cds_bytes = cds.encode_to_vec();
    let mut args: Vec<&[u8]> = vec![
        if sub == "upgrade" {
            b"upgrade"
        } else {
            b"deploy"
        },
        channel.as_bytes(),
        &cds_bytes,
        &policy,
        escc.as_bytes(),
        vscc.as_bytes(),
    ];
    // As Fabric's CreateDeployProposalFromCDS: the seventh argument only with a config.
    if let Some(c) = &collections {
        args.push(c);
    }
    let cis = scc::invocation("lscc", &args);
    let transient = ops::transient_map(cmd.transient.as_deref())?;
    let (proposal, signed, _) =
        ops::signed_proposal(command, channel, &cis, transient, ctx.signer.as_ref())?;
    let responses = ops::endorse(command, &peers, &signed)?;
    ops::submit(
        command,
        &orderer,
        &proposal,
        &responses,
        ctx.signer.as_ref(),
    )
}

fn name_of(sub: &str) -> &'static str {
    match sub {
        "install" => "peer chaincode install",
        "instantiate" => "peer chaincode instantiate",
        "invoke" => "peer chaincode invoke",
        "list" => "peer chaincode list",
        "query" => "peer chaincode query",
        _ => "peer chaincode upgrade",
    }
}

fn run_install(a: &InstallArgs, init: &InitCmd) -> Result<(), CliError> {
    const COMMAND: &str = "peer chaincode install";
    let package = match &a.ccpackfile {
        None => {
            let name = require(&a.name, "-n/--name", "the chaincode name")?;
            let version = require(&a.version, "-v/--version", "the chaincode version")?;
            let path = require(&a.path, "-p/--path", "the chaincode path")?;
            check_ctor(&a.ctor, true)?;
            let spec = ops::chaincode_spec(&a.lang, name, version, path, ops::ctor_args(&a.ctor)?)?;
            init.run()?;
            ops::deployment_spec(COMMAND, &a.lang, spec)?.encode_to_vec()
        }
        Some(file) => {
            require_file(file, "the chaincode package")?;
            let (bytes, package) = ops::read_package(file)?;
            check_package_names(a, &package.data.name, &package.data.version)?;
            bytes
        }
    };
    let ctx = init.run()?;
    let peers = peer_targets(&ctx, &a.peers, "install", "")?;
    let cis = scc::invocation("lscc", &[b"install", &package]);
    let (_, signed, _) =
        ops::signed_proposal(COMMAND, "", &cis, BTreeMap::new(), ctx.signer.as_ref())?;
    for target in peers {
        let response = NodeConnection::open(target)?.process_proposal(signed.clone())?;
        scc::response_payload(COMMAND, &response)?;
        tracing::info!(target: "chaincodeCmd", "Installed remotely {}", ops::response_text(&response));
    }
    Ok(())
}

/// Fabric's check of -n/-v against the names inside a package file.
fn check_package_names(a: &InstallArgs, name: &str, version: &str) -> Result<(), CliError> {
    if let Some(n) = a.name.as_deref().filter(|n| !n.is_empty() && *n != name) {
        return Err(CliError::usage(format!(
            "chaincode name {n} does not match name {name} in package"
        )));
    }
    if let Some(v) = a
        .version
        .as_deref()
        .filter(|v| !v.is_empty() && *v != version)
    {
        return Err(CliError::usage(format!(
            "chaincode version {v} does not match version {version} in packages"
        )));
    }
    Ok(())
}

fn invocation_of(
    lang: &str,
    name: &Option<String>,
    ctor: &str,
) -> Result<ChaincodeInvocationSpec, CliError> {
    Ok(ChaincodeInvocationSpec {
        chaincode_spec: Some(ops::chaincode_spec(
            lang,
            name.as_deref().unwrap_or_default(),
            "",
            "",
            ops::ctor_args(ctor)?,
        )?),
    })
}

fn run_invoke(cmd: &ChaincodeCmd, a: &InvokeArgs, init: &InitCmd) -> Result<(), CliError> {
    const COMMAND: &str = "peer chaincode invoke";
    let channel = require_channel(&a.channel_id)?;
    require(&a.name, "-n/--name", "the chaincode name")?;
    check_ctor(&a.ctor, false)?;
    let ctx = init.run()?;
    let peers = peer_targets(&ctx, &a.peers, "invoke", channel)?;
    let orderer = cmd.orderer.client()?;
    let cis = invocation_of("golang", &a.name, &a.ctor)?;
    let transient = ops::transient_map(cmd.transient.as_deref())?;
    let (proposal, signed, tx_id) =
        ops::signed_proposal(COMMAND, channel, &cis, transient, ctx.signer.as_ref())?;
    let responses = ops::endorse(COMMAND, &peers, &signed)?;
    ops::submit(
        COMMAND,
        &orderer,
        &proposal,
        &responses,
        ctx.signer.as_ref(),
    )?;
    if a.wait_for_event {
        ops::wait_for_event(
            COMMAND,
            &peers,
            channel,
            &tx_id,
            a.wait_for_event_timeout.to_std(),
            ctx.signer.as_ref(),
        )?;
    }
    tracing::info!(target: "chaincodeCmd", "Chaincode invoke successful. result: {}", ops::response_text(&responses[0]));
    Ok(())
}

fn run_query(a: &QueryArgs, init: &InitCmd, out: &mut dyn Write) -> Result<(), CliError> {
    const COMMAND: &str = "peer chaincode query";
    let channel = require_channel(&a.channel_id)?;
    require(&a.name, "-n/--name", "the chaincode name")?;
    check_ctor(&a.ctor, false)?;
    if a.raw && a.hex {
        return Err(CliError::usage(
            "options --raw (-r) and --hex (-x) are not compatible",
        ));
    }
    let ctx = init.run()?;
    let peers = peer_targets(&ctx, &a.peers, "query", channel)?;
    let cis = invocation_of("golang", &a.name, &a.ctor)?;
    let (_, signed, _) =
        ops::signed_proposal(COMMAND, channel, &cis, BTreeMap::new(), ctx.signer.as_ref())?;
    let responses = ops::endorse(COMMAND, &peers, &signed)?;
    let payload = responses[0]
        .response
        .as_ref()
        .map(|r| r.payload.as_slice())
        .unwrap_or_default();
    write_out(out, &ops::query_output(payload, a.raw, a.hex))
}

fn run_list(a: &ListArgs, init: &InitCmd, out: &mut dyn Write) -> Result<(), CliError> {
    const COMMAND: &str = "peer chaincode list";
    let (args, channel, heading): (Vec<&[u8]>, &str, String) = match (a.installed, a.instantiated) {
        (true, false) => (
            vec![b"getinstalledchaincodes"],
            "",
            "Get installed chaincodes on peer:".into(),
        ),
        (false, true) => {
            let channel = require_channel(&a.channel_id)?;
            (
                vec![b"getchaincodes"],
                channel,
                format!("Get instantiated chaincodes on channel {channel}:"),
            )
        }
        _ => {
            return Err(CliError::usage(
                "Must explicitly specify \"--installed\" or \"--instantiated\"",
            ))
        }
    };
    let ctx = init.run()?;
    let target = peer_targets(
        &ctx,
        &a.peers,
        "list",
        a.channel_id.as_deref().unwrap_or(""),
    )?
    .remove(0);
    let cis = scc::invocation("lscc", &args);
    let (_, signed, _) =
        ops::signed_proposal(COMMAND, channel, &cis, BTreeMap::new(), ctx.signer.as_ref())?;
    let response = NodeConnection::open(target)?.process_proposal(signed)?;
    let mut text = format!("{heading}\n");
    for info in ops::chaincode_list(COMMAND, &response)? {
        text.push_str(&ops::chaincode_info_line(&info));
        text.push('\n');
    }
    write_out(out, &text)
}

fn run_package(a: &PackageArgs, init: &InitCmd) -> Result<(), CliError> {
    const COMMAND: &str = "peer chaincode package";
    let name = require(&a.name, "-n/--name", "the chaincode name")?;
    let version = require(&a.version, "-v/--version", "the chaincode version")?;
    let path = require(&a.path, "-p/--path", "the chaincode path")?;
    check_ctor(&a.ctor, true)?;
    if a.sign && !a.cc_package {
        return Err(CliError::usage("-S/--sign needs -s/--cc-package"));
    }
    let Some(output) = &a.outputfile else {
        return Err(CliError::usage(
            "the output file is required: peer chaincode package [flags] <outputfile>",
        ));
    };
    let spec = ops::chaincode_spec(&a.lang, name, version, path, ops::ctor_args(&a.ctor)?)?;
    let ctx = init.run()?;
    let cds = ops::deployment_spec(COMMAND, &a.lang, spec)?;
    let bytes = if a.cc_package {
        let policy_text = match a.instantiate_policy.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => p.to_string(),
            None => format!("AND('{}.admin')", ctx.signer.msp_identifier()),
        };
        let policy = crate::policy::from_string(&policy_text)
            .map_err(|e| CliError::usage(format!("Invalid policy {policy_text}, err {e}")))?;
        let owner = a.sign.then_some(ctx.signer.as_ref());
        ccprovider_signed::owner_create_signed_cds(&cds, &policy, owner)
            .map_err(|e| CliError::Request {
                command: COMMAND,
                problem: e.to_string(),
            })?
            .encode_to_vec()
    } else {
        cds.encode_to_vec()
    };
    ops::write_package_file(output, &bytes)
}

fn run_signpackage(
    a: &SignPackageArgs,
    init: &InitCmd,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    const COMMAND: &str = "peer chaincode signpackage";
    require_file(&a.inputpackage, "the input package")?;
    let ctx = init.run()?;
    let bytes = std::fs::read(&a.inputpackage).map_err(|e| CliError::ReadFile {
        what: "the input package",
        path: a.inputpackage.clone(),
        reason: super::client::describe_io(&e),
    })?;
    let not_signed = |reason: String| {
        CliError::Request {
        command: COMMAND,
        problem: format!(
            "{} is not a signed chaincode package ({reason}); make one with `peer chaincode package -s -S`",
            a.inputpackage.display()
        ),
    }
    };
    let envelope = Envelope::decode(bytes.as_slice()).map_err(|e| not_signed(e.to_string()))?;
    let signed = ccprovider_signed::sign_existing_package(&envelope, ctx.signer.as_ref())
        .map_err(|e| not_signed(e.to_string()))?;
    ops::write_package_file(&a.outputpackage, &signed.encode_to_vec())?;
    write_out(
        out,
        &format!(
            "Wrote signed package to {} successfully\n",
            a.outputpackage.display()
        ),
    )
}

/// Runs a `peer chaincode` subcommand; query and list answers go to `out`.
pub fn run(cmd: &ChaincodeCmd, init: &InitCmd, out: &mut dyn Write) -> Result<(), CliError> {
    match &cmd.command {
        ChaincodeCommand::Install(a) => run_install(a, init),
        ChaincodeCommand::Instantiate(a) => run_deploy(cmd, &a.deploy, None, "instantiate", init),
        ChaincodeCommand::Upgrade(a) => {
            run_deploy(cmd, &a.deploy, a.path.as_deref(), "upgrade", init)
        }
        ChaincodeCommand::Invoke(a) => run_invoke(cmd, a, init),
        ChaincodeCommand::Query(a) => run_query(a, init, out),
        ChaincodeCommand::List(a) => run_list(a, init, out),
        ChaincodeCommand::Package(a) => run_package(a, init),
        ChaincodeCommand::Signpackage(a) => run_signpackage(a, init, out),
    }
}

/// `peer chaincode query`.
#[derive(Args, Debug)]
pub struct QueryArgs {
    /// Channel the command applies to
    #[arg(short = 'C', long = "channelID")]
    pub channel_id: Option<String>,
    #[command(flatten)]
    pub peers: PeerConnFlags,
    /// Query message as JSON: {"Args":[...]} or {"Function":"...","Args":[...]}
    #[arg(short = 'c', long = "ctor", default_value = "{}")]
    pub ctor: String,
    /// Print the answer as hex
    #[arg(short = 'x', long = "hex")]
    pub hex: bool,
    /// Name of the chaincode
    #[arg(short = 'n', long = "name")]
    pub name: Option<String>,
    /// Print the answer as raw bytes
    #[arg(short = 'r', long = "raw")]
    pub raw: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctor_rules_follow_fabric() {
        check_ctor(r#"{"Args":["init","a","100"]}"#, false).unwrap();
        check_ctor(r#"{"function":"f","args":[]}"#, false).unwrap();
        check_ctor("{}", true).unwrap();
        assert!(check_ctor("{}", false).is_err());
        assert!(check_ctor(r#"{"Function":"f"}"#, false).is_err());
        assert!(check_ctor(r#"{"Args":[],"x":1}"#, false).is_err());
        assert!(check_ctor("[1]", false).is_err());
        assert!(check_ctor("{", false)
            .unwrap_err()
            .to_string()
            .contains("not valid JSON"));
    }
}
