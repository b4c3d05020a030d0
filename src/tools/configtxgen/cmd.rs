//! The configtxgen command line. Flags follow Go's `flag` package: `-name value`,
//! `-name=value`, `--name value`, `--name=value`; `-version` is a boolean; parsing stops at
//! the first non-flag argument or `--`.

use std::path::{Path, PathBuf};

use prost::Message;

use super::encoder;
use super::localconfig::{self, Profile, DEFAULT_PROFILE, TEST_CHAIN_ID};
use super::ConfigtxgenError;
use crate::config::Environment;

const TARGET: &str = "common.tools.configtxgen";

/// The string flags: name, help text, default.
const STRING_FLAGS: [(&str, &str, &str); 11] = [
    ("asOrg", "Performs the config generation as a particular organization (by name), only including values in the write set that org (likely) has privilege to set", ""),
    ("channelCreateTxBaseProfile", "Specifies a profile to consider as the orderer system channel current state to allow modification of non-application parameters during channel create tx generation. Only valid in conjuction with 'outputCreateChannelTx'.", ""),
    ("channelID", "The channel ID to use in the configtx", ""),
    ("configPath", "The path containing the configuration to use (if set)", ""),
    ("inspectBlock", "Prints the configuration contained in the block at the specified path", ""),
    ("inspectChannelCreateTx", "Prints the configuration contained in the transaction at the specified path", ""),
    ("outputAnchorPeersUpdate", "Creates an config update to update an anchor peer (works only with the default channel creation, and only for the first update)", ""),
    ("outputBlock", "The path to write the genesis block to (if set)", ""),
    ("outputCreateChannelTx", "The path to write a channel creation configtx to (if set)", ""),
    ("printOrg", "Prints the definition of an organization as JSON. (useful for adding an org to a channel manually)", ""),
    ("profile", "The profile from configtx.yaml to use for generation.", DEFAULT_PROFILE),
];

/// Parsed flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    pub as_org: String,
    pub channel_create_tx_base_profile: String,
    pub channel_id: String,
    pub config_path: String,
    pub inspect_block: String,
    pub inspect_channel_create_tx: String,
    pub output_anchor_peers_update: String,
    pub output_block: String,
    pub output_create_channel_tx: String,
    pub print_org: String,
    pub profile: String,
    pub version: bool,
}

impl Flags {
    fn slot(&mut self, name: &str) -> Option<&mut String> {
        Some(match name {
            "asOrg" => &mut self.as_org,
            "channelCreateTxBaseProfile" => &mut self.channel_create_tx_base_profile,
            "channelID" => &mut self.channel_id,
            "configPath" => &mut self.config_path,
            "inspectBlock" => &mut self.inspect_block,
            "inspectChannelCreateTx" => &mut self.inspect_channel_create_tx,
            "outputAnchorPeersUpdate" => &mut self.output_anchor_peers_update,
            "outputBlock" => &mut self.output_block,
            "outputCreateChannelTx" => &mut self.output_create_channel_tx,
            "printOrg" => &mut self.print_org,
            "profile" => &mut self.profile,
            _ => return None,
        })
    }
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Run(Box<Flags>),
    /// `-h` / `-help`: print [`usage`] and exit 0.
    Help,
}

/// The usage text, as Go's flag package prints it.
pub fn usage() -> String {
    let mut entries: Vec<(&str, String)> = STRING_FLAGS
        .iter()
        .map(|(name, help, default)| {
            let default = if default.is_empty() {
                String::new()
            } else {
                format!(" (default \"{default}\")")
            };
            (*name, format!("  -{name} string\n    \t{help}{default}\n"))
        })
        .collect();
    entries.push((
        "version",
        "  -version\n    \tShow version information\n".to_string(),
    ));
    entries.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = String::from("Usage of configtxgen:\n");
    entries
        .into_iter()
        .for_each(|(_, text)| out.push_str(&text));
    out
}

/// The command line as a clap tree, for the generated reference (completions, man page,
/// Markdown). The binary does not parse with it: [`parse`] implements Go's `flag` grammar,
/// which also takes every flag with a single dash (`-profile X`, `-help`) — a spelling clap
/// cannot express. Every spelling this tree accepts, [`parse`] accepts with the same meaning.
pub fn command() -> clap::Command {
    use clap::{Arg, ArgAction};
    let mut cmd = clap::Command::new("configtxgen")
        .about("Generates and inspects Hyperledger Fabric channel configuration artifacts")
        .long_about(
            "Generates and inspects Hyperledger Fabric channel configuration artifacts \
             (genesis blocks, channel creation transactions, anchor peer updates) from \
             configtx.yaml.\n\nFlags follow Go's flag package: each may be written with one \
             dash or two, its value after a space or an `=` (`-profile X`, `--profile=X`); \
             parsing stops at the first argument that is not a flag, or after `--`.",
        )
        .disable_help_flag(true)
        .disable_version_flag(true)
        .args_override_self(true);
    for (name, help, default) in STRING_FLAGS {
        let mut arg = Arg::new(name)
            .long(name)
            .value_name("string")
            .help(help)
            .action(ArgAction::Set);
        if !default.is_empty() {
            arg = arg.default_value(default);
        }
        cmd = cmd.arg(arg);
    }
    cmd.arg(
        Arg::new("version")
            .long("version")
            .help("Show version information")
            .num_args(0..=1)
            .require_equals(true)
            .default_missing_value("true")
            .value_name("true|false")
            .hide_possible_values(true)
            // Go's strconv.ParseBool spellings (tools must not depend on cli's parsers).
            .value_parser(clap::builder::TypedValueParser::map(
                clap::builder::PossibleValuesParser::new([
                    "1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False",
                ]),
                |v| matches!(v.as_str(), "1" | "t" | "T" | "TRUE" | "true" | "True"),
            )),
    )
    .arg(
        Arg::new("help")
            .short('h')
            .long("help")
            .help("Print the usage and exit")
            .action(ArgAction::Help),
    )
    .arg(
        Arg::new("ignored")
            .value_name("ARGS")
            .help("Ignored: parsing stops at the first argument that is not a flag")
            .num_args(0..)
            .trailing_var_arg(true)
            .allow_hyphen_values(true),
    )
}

fn parse_bool(name: &str, value: &str) -> Result<bool, ConfigtxgenError> {
    match value {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err(ConfigtxgenError::Usage(format!(
            "invalid boolean value \"{value}\" for -{name}: parse error"
        ))),
    }
}

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Parsed, ConfigtxgenError> {
    let mut flags = Flags {
        profile: DEFAULT_PROFILE.to_string(),
        ..Default::default()
    };
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg == "--" || arg.len() < 2 || !arg.starts_with('-') {
            break;
        }
        let body = arg.strip_prefix("--").unwrap_or(&arg[1..]);
        if body.is_empty() || body.starts_with('-') || body.starts_with('=') {
            return Err(ConfigtxgenError::Usage(format!("bad flag syntax: {arg}")));
        }
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (body, None),
        };
        if name == "h" || name == "help" {
            return Ok(Parsed::Help);
        }
        if name == "version" {
            flags.version = inline.map_or(Ok(true), |v| parse_bool(name, v))?;
            continue;
        }
        let slot = flags.slot(name).ok_or_else(|| {
            ConfigtxgenError::Usage(format!("flag provided but not defined: -{name}"))
        })?;
        *slot = match inline {
            Some(v) => v.to_string(),
            None => {
                let v = args.get(i).ok_or_else(|| {
                    ConfigtxgenError::Usage(format!("flag needs an argument: -{name}"))
                })?;
                i += 1;
                v.clone()
            }
        };
    }
    Ok(Parsed::Run(Box::new(flags)))
}

fn op(operation: &'static str) -> impl Fn(ConfigtxgenError) -> ConfigtxgenError {
    move |e| ConfigtxgenError::Operation {
        operation,
        reason: e.to_string(),
    }
}

fn write_file(
    path: &str,
    env: &Environment,
    bytes: &[u8],
    what: &str,
) -> Result<(), ConfigtxgenError> {
    let target = absolute(path, env);
    std::fs::write(&target, bytes).map_err(|e| {
        ConfigtxgenError::Config(format!("Error writing {what} to {}: {e}", target.display()))
    })
}

fn absolute(path: &str, env: &Environment) -> PathBuf {
    let p = Path::new(path);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        env.cwd().join(p)
    }
}

/// Runs configtxgen with parsed flags; `stdout` receives what Fabric prints there
/// (the version text, `-printOrg` and inspection JSON).
pub fn run(
    mut flags: Flags,
    env: &Environment,
    build: &crate::metadata::BuildInfo,
    stdout: &mut dyn std::io::Write,
) -> Result<(), ConfigtxgenError> {
    let outputs = !flags.output_block.is_empty()
        || !flags.output_create_channel_tx.is_empty()
        || !flags.output_anchor_peers_update.is_empty();
    if flags.channel_id.is_empty() && outputs {
        flags.channel_id = TEST_CHAIN_ID.to_string();
        tracing::warn!(target: TARGET, "Omitting the channel ID for configtxgen for output operations is deprecated.  Explicitly passing the channel ID will be required in the future, defaulting to '{TEST_CHAIN_ID}'.");
    }
    if flags.version {
        stdout
            .write_all(build.version_info("configtxgen").as_bytes())
            .map_err(|e| ConfigtxgenError::Config(e.to_string()))?;
        return Ok(());
    }
    tracing::info!(target: TARGET, "Loading configuration");
    let config_path = (!flags.config_path.is_empty()).then(|| PathBuf::from(&flags.config_path));
    let config_path = config_path.as_deref();
    let profile = if outputs {
        Some(localconfig::load_profile(&flags.profile, config_path, env)?)
    } else {
        None
    };
    if !flags.channel_create_tx_base_profile.is_empty() {
        return Err(ConfigtxgenError::Usage(
            "-channelCreateTxBaseProfile is not supported yet; create the channel from the consortium defaults (omit the flag)".into(),
        ));
    }
    if let Some(profile) = &profile {
        run_outputs(&flags, profile, env)?;
    }
    if !flags.inspect_block.is_empty() {
        tracing::info!(target: TARGET, "Inspecting block");
        inspect(&flags.inspect_block, "common.Block", env, stdout).map_err(op("inspectBlock"))?;
    }
    if !flags.inspect_channel_create_tx.is_empty() {
        tracing::info!(target: TARGET, "Inspecting transaction");
        inspect(
            &flags.inspect_channel_create_tx,
            "common.Envelope",
            env,
            stdout,
        )
        .map_err(op("inspectChannelCreateTx"))?;
    }
    if !flags.print_org.is_empty() {
        let top = localconfig::load_top_level(config_path, env)?;
        let org = top
            .organizations
            .iter()
            .flatten()
            .find(|o| o.name == flags.print_org)
            .ok_or_else(|| {
                op("printOrg")(ConfigtxgenError::Config(format!(
                    "organization {} not found",
                    flags.print_org
                )))
            })?;
        print_org(org, stdout).map_err(op("printOrg"))?;
    }
    Ok(())
}

/// `-printOrg`: the org's consortium member group as deep JSON, as Fabric prints it.
fn print_org(
    org: &localconfig::Organization,
    stdout: &mut dyn std::io::Write,
) -> Result<(), ConfigtxgenError> {
    use crate::tools::configtxlator::protolator::{to_go_json, Protolator};
    let group = encoder::new_consortium_org_group(org).map_err(|e| {
        ConfigtxgenError::Config(format!("bad org definition for org {}: {e}", org.name))
    })?;
    let malformed = |e: crate::tools::configtxlator::ProtolatorError| {
        ConfigtxgenError::Config(format!(
            "malformed org definition for org: {}: {e}",
            org.name
        ))
    };
    let json = Protolator::new()
        .and_then(|p| p.consortium_org_group_to_json(&group.encode_to_vec()))
        .map_err(malformed)?;
    stdout
        .write_all(to_go_json(&json).as_bytes())
        .map_err(|e| ConfigtxgenError::Config(format!("cannot write to stdout: {e}")))
}

/// Prints the deep JSON of the `message_type` in `path` (configtxlator's protolator).
fn inspect(
    path: &str,
    message_type: &str,
    env: &Environment,
    stdout: &mut dyn std::io::Write,
) -> Result<(), ConfigtxgenError> {
    use crate::tools::configtxlator::protolator;
    let file = absolute(path, env);
    let bytes = std::fs::read(&file)
        .map_err(|e| ConfigtxgenError::Config(format!("could not read {}: {e}", file.display())))?;
    let json = protolator::decode_to_json(message_type, &bytes).map_err(|e| {
        ConfigtxgenError::Config(format!("malformed contents of {}: {e}", file.display()))
    })?;
    stdout
        .write_all(protolator::to_go_json(&json).as_bytes())
        .map_err(|e| ConfigtxgenError::Config(format!("cannot write to stdout: {e}")))
}

fn run_outputs(
    flags: &Flags,
    profile: &Profile,
    env: &Environment,
) -> Result<(), ConfigtxgenError> {
    if !flags.output_block.is_empty() {
        tracing::info!(target: TARGET, "Generating genesis block");
        let block = (|| {
            if profile.orderer.is_none() {
                return Err(ConfigtxgenError::Config("refusing to generate block which is missing orderer section".into()));
            }
            if profile.consortiums.is_none() {
                tracing::warn!(target: TARGET, "Genesis block does not contain a consortiums group definition.  This block cannot be used for orderer bootstrap.");
            }
            let group = encoder::new_channel_group(profile)?;
            Ok(encoder::genesis_block(&flags.channel_id, group))
        })()
        .map_err(op("outputBlock"))?;
        tracing::info!(target: TARGET, "Writing genesis block");
        write_file(
            &flags.output_block,
            env,
            &block.encode_to_vec(),
            "genesis block",
        )
        .map_err(op("outputBlock"))?;
    }
    if !flags.output_create_channel_tx.is_empty() {
        tracing::info!(target: TARGET, "Generating new channel configtx");
        let tx = encoder::make_channel_creation_transaction(&flags.channel_id, profile)
            .map_err(op("outputCreateChannelTx"))?;
        tracing::info!(target: TARGET, "Writing new channel tx");
        write_file(
            &flags.output_create_channel_tx,
            env,
            &tx.encode_to_vec(),
            "channel create tx",
        )
        .map_err(op("outputCreateChannelTx"))?;
    }
    if !flags.output_anchor_peers_update.is_empty() {
        tracing::info!(target: TARGET, "Generating anchor peer update");
        let update = anchor_peers_update(flags, profile).map_err(op("outputAnchorPeersUpdate"))?;
        tracing::info!(target: TARGET, "Writing anchor peer update");
        write_file(
            &flags.output_anchor_peers_update,
            env,
            &update.encode_to_vec(),
            "channel anchor peer update",
        )
        .map_err(op("outputAnchorPeersUpdate"))?;
    }
    Ok(())
}

fn anchor_peers_update(
    flags: &Flags,
    profile: &Profile,
) -> Result<crate::protos::common::Envelope, ConfigtxgenError> {
    if flags.as_org.is_empty() {
        return Err(ConfigtxgenError::Usage(
            "Must specify an organization to update the anchor peer for (-asOrg)".into(),
        ));
    }
    let application = profile.application.as_ref().ok_or_else(|| {
        ConfigtxgenError::Config("Cannot update anchor peers without an application section".into())
    })?;
    let org = application
        .organizations
        .iter()
        .flatten()
        .rfind(|o| o.name == flags.as_org)
        .ok_or_else(|| {
            ConfigtxgenError::Config(format!("No organization name matching: {}", flags.as_org))
        })?;
    Ok(encoder::make_anchor_peers_update(&flags.channel_id, org))
}

/// The whole command: parses `args` (after the program name), runs, and returns the exit
/// code (0 success, 1 failure, 2 bad flags). Errors are written to `stderr` as one line.
pub fn main(
    args: &[String],
    env: &Environment,
    build: &crate::metadata::BuildInfo,
    stdout: &mut dyn std::io::Write,
    stderr: &mut dyn std::io::Write,
) -> i32 {
    let flags = match parse(args) {
        Ok(Parsed::Run(flags)) => *flags,
        Ok(Parsed::Help) => {
            let _ = stderr.write_all(usage().as_bytes());
            return 0;
        }
        Err(e) => {
            let _ = writeln!(stderr, "{e}");
            let _ = stderr.write_all(usage().as_bytes());
            return 2;
        }
    };
    match run(flags, env, build, stdout) {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(stderr, "Error: {e}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn flags(list: &[&str]) -> Flags {
        match parse(&args(list)).unwrap() {
            Parsed::Run(f) => *f,
            Parsed::Help => panic!("help"),
        }
    }

    #[test]
    fn go_flag_spellings() {
        for spelling in [
            &["-profile", "X"][..],
            &["-profile=X"],
            &["--profile", "X"],
            &["--profile=X"],
        ] {
            assert_eq!(flags(spelling).profile, "X", "{spelling:?}");
        }
        assert_eq!(flags(&[]).profile, "SampleInsecureSolo");
        let f = flags(&["-channelID", "mychannel", "-version", "-outputBlock", "b"]);
        assert_eq!(
            (f.channel_id.as_str(), f.version, f.output_block.as_str()),
            ("mychannel", true, "b")
        );
        assert!(!flags(&["-version=false"]).version);
        // Parsing stops at the first non-flag argument.
        assert_eq!(
            flags(&["stray", "-profile", "X"]).profile,
            "SampleInsecureSolo"
        );
        assert_eq!(
            flags(&["--", "-profile", "X"]).profile,
            "SampleInsecureSolo"
        );
    }

    /// What the clap tree of [`command`] makes of `list`, as [`Flags`].
    fn clap_flags(list: &[&str]) -> Flags {
        let m = command()
            .try_get_matches_from(std::iter::once("configtxgen").chain(list.iter().copied()))
            .unwrap_or_else(|e| panic!("{list:?}: {e}"));
        let mut f = Flags {
            version: *m.get_one::<bool>("version").unwrap_or(&false),
            ..Flags::default()
        };
        for (name, _, _) in STRING_FLAGS {
            if let Some(v) = m.get_one::<String>(name) {
                *f.slot(name).unwrap() = v.clone();
            }
        }
        f
    }

    #[test]
    fn clap_tree_means_what_the_go_parser_means() {
        for list in [
            &[][..],
            &[
                "--profile",
                "X",
                "--channelID=ch",
                "--outputBlock",
                "g.block",
            ],
            &["--version"],
            &["--version=false", "--asOrg", "Org1"],
            &["--version=T", "--printOrg=Org2", "--configPath", "/c"],
            &["--profile", "A", "--profile", "B"],
            &["stray", "--profile", "X"],
            &["--inspectBlock", "b", "--", "--profile", "X"],
            &[
                "--outputAnchorPeersUpdate=a",
                "--inspectChannelCreateTx",
                "t",
            ],
            &[
                "--channelCreateTxBaseProfile",
                "P",
                "--outputCreateChannelTx",
                "c.tx",
            ],
        ] {
            assert_eq!(clap_flags(list), flags(list), "{list:?}");
        }
        let names: Vec<String> = command()
            .get_arguments()
            .filter_map(|a| a.get_long().map(String::from))
            .collect();
        for line in usage().lines().filter(|l| l.starts_with("  -")) {
            let name = line[3..].split(' ').next().unwrap();
            assert!(
                names.iter().any(|n| n == name),
                "{name} missing from the clap tree"
            );
        }
        assert!(names.iter().any(|n| n == "help"));
    }

    #[test]
    fn bad_flags() {
        let err = |list: &[&str]| parse(&args(list)).unwrap_err().to_string();
        assert_eq!(err(&["-nope"]), "flag provided but not defined: -nope");
        assert_eq!(err(&["-profile"]), "flag needs an argument: -profile");
        assert_eq!(err(&["---profile"]), "bad flag syntax: ---profile");
        assert!(err(&["-version=maybe"]).contains("invalid boolean value"));
        assert_eq!(parse(&args(&["-h"])).unwrap(), Parsed::Help);
        assert_eq!(parse(&args(&["--help"])).unwrap(), Parsed::Help);
    }

    #[test]
    fn usage_lists_flags_sorted_with_defaults() {
        let text = usage();
        assert!(text.starts_with("Usage of configtxgen:\n  -asOrg string\n"));
        assert!(text.contains("  -profile string\n    \tThe profile from configtx.yaml to use for generation. (default \"SampleInsecureSolo\")\n"));
        assert!(text.ends_with("  -version\n    \tShow version information\n"));
    }

    #[test]
    fn version_and_missing_config() {
        let env = Environment::new(Vec::<(String, String)>::new(), "/nonexistent-dir");
        let mut out = Vec::new();
        let mut err = Vec::new();
        let build = crate::metadata::BuildInfo::default();
        assert_eq!(
            main(&args(&["-version"]), &env, &build, &mut out, &mut err),
            0
        );
        assert!(String::from_utf8(out)
            .unwrap()
            .starts_with("configtxgen:\n Version: 1.4.12\n"));
        let mut out = Vec::new();
        let code = main(
            &args(&["-outputBlock", "x.block", "-configPath", "/nonexistent-dir"]),
            &env,
            &build,
            &mut out,
            &mut err,
        );
        assert_eq!(code, 1);
        assert!(String::from_utf8(err)
            .unwrap()
            .contains("could not find configtx.yaml"));
    }
}
