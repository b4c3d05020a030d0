//! The `cryptogen` command line, shaped like Fabric v1.4.12's kingpin application:
//! `generate [--config=FILE] [--output=DIR]`, `showtemplate`, `version`,
//! `extend [--input=DIR] [--config=FILE]`, `help [COMMAND]` and `--version`. Flags take
//! their value as `--flag=value` or `--flag value`.
//!
//! [`run`] is the whole program; it writes to the streams it is given (the binary passes
//! stdout and stderr) and returns the exit status: 0 on success or help, 1 on any error,
//! reported as one `cryptogen: error: ...` line.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use super::config::{Config, DEFAULT_TEMPLATE};
use super::generate::{self, GenerateError};
use crate::metadata::BuildInfo;

/// What `cryptogen --version` prints: the application version Fabric's cryptogen gives
/// its command-line parser (not the release; `cryptogen version` shows that).
pub const APP_VERSION: &str = "0.0.1";

/// The root of the tree: `cryptogen`.
#[derive(Parser, Debug)]
#[command(
    name = "cryptogen",
    about = "Utility for generating Hyperledger Fabric key material",
    disable_version_flag = true
)]
pub struct Cryptogen {
    /// Show application version.
    #[arg(long = "version", global = true)]
    pub show_version: bool,

    #[command(subcommand)]
    pub command: Option<CryptogenCommand>,
}

/// The commands of `cryptogen`, in Fabric's order.
#[derive(Subcommand, Debug)]
pub enum CryptogenCommand {
    /// Generate key material
    Generate {
        /// The output directory in which to place artifacts
        #[arg(long, value_name = "OUTPUT", default_value = "crypto-config")]
        output: PathBuf,
        /// The configuration template to use
        #[arg(long, value_name = "CONFIG")]
        config: Option<PathBuf>,
    },
    /// Show the default configuration template
    Showtemplate,
    /// Show version information
    Version,
    /// Extend existing network
    Extend {
        /// The input directory that holds the existing network
        #[arg(long, value_name = "INPUT", default_value = "crypto-config")]
        input: PathBuf,
        /// The configuration template to use
        #[arg(long, value_name = "CONFIG")]
        config: Option<PathBuf>,
    },
}

/// The whole clap tree (for documentation and tests).
pub fn command() -> clap::Command {
    Cryptogen::command()
}

/// Runs `cryptogen` with `args` (the first item is the program name) and returns its exit
/// status.
pub fn run<I, T>(args: I, build: &BuildInfo, out: &mut dyn Write, err: &mut dyn Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let mut cmd = command();
    let parsed = cmd
        .try_get_matches_from_mut(args)
        .and_then(|m| Cryptogen::from_arg_matches(&m));
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(e) => return report_parse_error(&e.with_cmd(&cmd), out, err),
    };
    let result = match &parsed.command {
        _ if parsed.show_version => writeln!(out, "{APP_VERSION}").map_err(write_error),
        None => {
            let _ = writeln!(
                err,
                "cryptogen: error: command not specified, try --help (commands: generate, showtemplate, version, extend)"
            );
            return 1;
        }
        Some(command) => execute(command, build, out),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(err, "cryptogen: error: {e}");
            1
        }
    }
}

fn execute(
    command: &CryptogenCommand,
    build: &BuildInfo,
    out: &mut dyn Write,
) -> Result<(), GenerateError> {
    let mut progress = |domain: &str| {
        // Progress lines are informative; a closed stdout must not stop the generation.
        let _ = writeln!(out, "{domain}");
    };
    match command {
        CryptogenCommand::Generate { output, config } => {
            let config = load_config(config.as_ref())?;
            generate::generate(&config, output, &mut progress)
        }
        CryptogenCommand::Extend { input, config } => {
            let config = load_config(config.as_ref())?;
            generate::extend(&config, input, &mut progress)
        }
        CryptogenCommand::Showtemplate => out
            .write_all(DEFAULT_TEMPLATE.as_bytes())
            .map_err(write_error),
        CryptogenCommand::Version => out
            .write_all(build.version_info("cryptogen").as_bytes())
            .map_err(write_error),
    }
}

fn load_config(path: Option<&PathBuf>) -> Result<Config, GenerateError> {
    Ok(match path {
        Some(path) => Config::load(path)?,
        None => Config::default_config()?,
    })
}

fn write_error(e: std::io::Error) -> GenerateError {
    GenerateError::Cryptogen(super::io_error(std::path::Path::new("stdout"), e))
}

fn report_parse_error(e: &clap::Error, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = write!(out, "{}", e.render());
            0
        }
        _ => {
            let _ = writeln!(
                err,
                "cryptogen: error: {}, try --help",
                crate::config::flag_error_line(e)
            );
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_args(args: &[&str]) -> (u8, String, String) {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let code = run(
            std::iter::once("cryptogen").chain(args.iter().copied()),
            &BuildInfo::default(),
            &mut out,
            &mut err,
        );
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn flags_take_values_with_equals_or_a_space() {
        for args in [
            &["generate", "--config=c.yaml", "--output=out"][..],
            &["generate", "--config", "c.yaml", "--output", "out"][..],
        ] {
            let parsed =
                Cryptogen::try_parse_from(std::iter::once("cryptogen").chain(args.iter().copied()))
                    .unwrap();
            match parsed.command {
                Some(CryptogenCommand::Generate { output, config }) => {
                    assert_eq!(output, PathBuf::from("out"));
                    assert_eq!(config, Some(PathBuf::from("c.yaml")));
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        let parsed = Cryptogen::try_parse_from(["cryptogen", "extend"]).unwrap();
        match parsed.command {
            Some(CryptogenCommand::Extend { input, config }) => {
                assert_eq!(input, PathBuf::from("crypto-config"));
                assert_eq!(config, None);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn version_showtemplate_and_help() {
        let (code, out, _) = run_args(&["version"]);
        assert_eq!(code, 0);
        assert!(out.starts_with("cryptogen:\n Version: 1.4.12\n"), "{out}");
        let (code, out, _) = run_args(&["--version"]);
        assert_eq!((code, out.as_str()), (0, "0.0.1\n"));
        let (code, out, _) = run_args(&["showtemplate"]);
        assert_eq!((code, out.as_str()), (0, DEFAULT_TEMPLATE));
        let (code, out, _) = run_args(&["--help"]);
        assert_eq!(code, 0);
        assert!(out.contains("generate") && out.contains("extend"), "{out}");
    }

    #[test]
    fn usage_errors_are_one_line_with_status_1() {
        for args in [&[][..], &["frobnicate"][..], &["generate", "--bogus"][..]] {
            let (code, out, err) = run_args(args);
            assert_eq!(code, 1, "{args:?}");
            assert!(out.is_empty());
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(err.starts_with("cryptogen: error: "), "{err}");
        }
    }
}
