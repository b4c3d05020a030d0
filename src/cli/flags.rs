//! pflag compatibility for the clap tree: Fabric's CLI is built on cobra/pflag, whose flag
//! grammar differs from clap's defaults in a few places a drop-in must honour:
//! boolean flags take an optional `=value` (`--tls`, `--tls=true`, `--tls=false`, `-s=0`),
//! every value-taking flag shows its pflag type as the value name (`--connTimeout duration`),
//! and help output lists defaults the way pflag does.
//!
//! [`pflagify`] rewrites a derived clap tree into that grammar; [`pflag_type`] and
//! [`pflag_default`] read a flag back as pflag would describe it (used by the generated
//! reference pages and by the conformance test against Fabric's recorded flag table).

use std::any::TypeId;

use clap::builder::{PossibleValue, TypedValueParser, ValueParserFactory};
use clap::{Arg, ArgAction, Command};

use super::duration::GoDuration;

/// Parses booleans the way Go's `strconv.ParseBool` does.
pub fn parse_go_bool(text: &str) -> Result<bool, String> {
    match text {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        other => Err(format!(
            "\"{other}\" is not a boolean (use true or false, or give the flag alone for true)"
        )),
    }
}

/// clap value parser for pflag booleans (possible values are shown as true|false).
#[derive(Clone, Copy, Debug, Default)]
pub struct GoBoolParser;

impl TypedValueParser for GoBoolParser {
    type Value = bool;

    fn parse_ref(
        &self,
        cmd: &Command,
        arg: Option<&Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<bool, clap::Error> {
        let text = value.to_str().unwrap_or_default();
        parse_go_bool(text).map_err(|reason| invalid_value(cmd, arg, text, &reason))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            [PossibleValue::new("true"), PossibleValue::new("false")].into_iter(),
        ))
    }
}

/// clap value parser for Go durations, so the error names the flag.
#[derive(Clone, Copy, Debug, Default)]
pub struct GoDurationParser;

impl TypedValueParser for GoDurationParser {
    type Value = GoDuration;

    fn parse_ref(
        &self,
        cmd: &Command,
        arg: Option<&Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<GoDuration, clap::Error> {
        let text = value.to_str().unwrap_or_default();
        text.parse().map_err(|e: super::duration::DurationError| {
            invalid_value(cmd, arg, text, &e.to_string())
        })
    }
}

impl ValueParserFactory for GoDuration {
    type Parser = GoDurationParser;

    fn value_parser() -> Self::Parser {
        GoDurationParser
    }
}

fn invalid_value(cmd: &Command, arg: Option<&Arg>, text: &str, reason: &str) -> clap::Error {
    let flag = arg
        .map(display_flag)
        .unwrap_or_else(|| "a flag".to_string());
    let mut err = clap::Error::raw(
        clap::error::ErrorKind::ValueValidation,
        format!("invalid value \"{text}\" for {flag}: {reason}\n"),
    );
    err = err.with_cmd(cmd);
    err
}

fn display_flag(arg: &Arg) -> String {
    match (arg.get_long(), arg.get_short()) {
        (Some(long), _) => format!("--{long}"),
        (None, Some(short)) => format!("-{short}"),
        (None, None) => arg.get_id().to_string(),
    }
}

/// The pflag type name of a flag: bool, string, stringArray, duration or uint.
pub fn pflag_type(arg: &Arg) -> &'static str {
    match arg.get_action() {
        ArgAction::SetTrue
        | ArgAction::SetFalse
        | ArgAction::Help
        | ArgAction::HelpShort
        | ArgAction::HelpLong
        | ArgAction::Version => return "bool",
        ArgAction::Append => return "stringArray",
        _ => {}
    }
    let id = arg.get_value_parser().type_id();
    if id == TypeId::of::<bool>() {
        "bool"
    } else if id == TypeId::of::<GoDuration>() {
        "duration"
    } else if id == TypeId::of::<u64>() || id == TypeId::of::<u32>() {
        "uint"
    } else {
        "string"
    }
}

/// The default as pflag's usage text writes it: zero values are omitted, strings quoted,
/// descriptive placeholders such as `./<channelID>.block` written as they are.
pub fn pflag_default(arg: &Arg) -> String {
    let Some(value) = arg.get_default_values().first() else {
        return String::new();
    };
    let text = value.to_string_lossy().into_owned();
    match pflag_type(arg) {
        "bool" if text == "false" => String::new(),
        "duration" if matches!(text.as_str(), "0" | "0s") => String::new(),
        "uint" if text == "0" => String::new(),
        "string" if text.is_empty() => String::new(),
        "string" if !text.contains('<') => format!("\"{text}\""),
        _ => text,
    }
}

/// Rewrites one flag into pflag's grammar: booleans accept an optional `=value`, value
/// names show the pflag type.
fn pflagify_arg(arg: Arg) -> Arg {
    if arg.is_positional() {
        return arg;
    }
    match arg.get_action() {
        ArgAction::SetTrue => arg
            .action(ArgAction::Set)
            .num_args(0..=1)
            .require_equals(true)
            .default_missing_value("true")
            .default_value("false")
            .hide_default_value(true)
            .hide_possible_values(true)
            .value_name("true|false")
            .value_parser(GoBoolParser),
        ArgAction::Set | ArgAction::Append => {
            let kind = pflag_type(&arg);
            arg.value_name(kind)
        }
        _ => arg,
    }
}

/// Applies pflag's grammar to every flag of `cmd` and its subcommands. Command groups get no
/// `help` subcommand of their own (cobra only has `peer help ...`).
pub fn pflagify(cmd: Command) -> Command {
    cmd.mut_args(pflagify_arg)
        .mut_subcommands(|sub| pflagify(sub).disable_help_subcommand(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Command {
        pflagify(
            Command::new("t")
                .arg(Arg::new("tls").long("tls").action(ArgAction::SetTrue))
                .arg(Arg::new("sign").short('S').action(ArgAction::SetTrue))
                .arg(Arg::new("pkg").short('s').action(ArgAction::SetTrue))
                .arg(
                    Arg::new("timeout")
                        .long("timeout")
                        .value_parser(clap::value_parser!(GoDuration))
                        .default_value("3s"),
                )
                .arg(Arg::new("rest").num_args(0..)),
        )
    }

    fn tls_of(args: &[&str]) -> (bool, Vec<String>) {
        let m = sample().try_get_matches_from(args).expect("parses");
        let rest = m
            .get_many::<String>("rest")
            .map(|v| v.cloned().collect())
            .unwrap_or_default();
        (*m.get_one::<bool>("tls").unwrap(), rest)
    }

    #[test]
    fn bool_flags_follow_pflag() {
        assert!(!tls_of(&["t"]).0);
        assert!(tls_of(&["t", "--tls"]).0);
        assert!(tls_of(&["t", "--tls=true"]).0);
        assert!(!tls_of(&["t", "--tls=false"]).0);
        assert!(!tls_of(&["t", "--tls=0"]).0);
        // pflag never takes the next word as a boolean's value.
        assert_eq!(
            tls_of(&["t", "--tls", "false"]),
            (true, vec!["false".into()])
        );
        assert!(sample().try_get_matches_from(["t", "--tls=maybe"]).is_err());
    }

    #[test]
    fn short_bools_cluster_and_take_equals() {
        let m = sample()
            .try_get_matches_from(["t", "-sS"])
            .expect("cluster");
        assert!(*m.get_one::<bool>("pkg").unwrap());
        assert!(*m.get_one::<bool>("sign").unwrap());
        let m = sample()
            .try_get_matches_from(["t", "-s=false"])
            .expect("equals");
        assert!(!*m.get_one::<bool>("pkg").unwrap());
    }

    #[test]
    fn bad_duration_names_the_flag() {
        let err = sample()
            .try_get_matches_from(["t", "--timeout", "soon"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("--timeout"), "{err}");
        assert!(err.contains("invalid duration"), "{err}");
    }

    #[test]
    fn types_and_defaults_read_back_as_pflag() {
        let mut cmd = sample();
        cmd.build();
        let arg = |id: &str| {
            cmd.get_arguments()
                .find(|a| a.get_id() == id)
                .unwrap()
                .clone()
        };
        assert_eq!(pflag_type(&arg("tls")), "bool");
        assert_eq!(pflag_default(&arg("tls")), "");
        assert_eq!(pflag_type(&arg("timeout")), "duration");
        assert_eq!(pflag_default(&arg("timeout")), "3s");
        let s = Arg::new("c").long("ctor").default_value("{}");
        assert_eq!(pflag_default(&s), "\"{}\"");
        let a = Arg::new("p")
            .long("peerAddresses")
            .action(ArgAction::Append);
        assert_eq!(pflag_type(&a), "stringArray");
    }
}
