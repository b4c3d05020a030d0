//! The `configtxlator` command tree, with Fabric v1.4's commands and flags (kingpin spells
//! them `--flag value` or `--flag=value`; clap accepts both). The caller hands in the
//! process's stdin and stdout, so this module itself never touches the terminal.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use prost::Message as _;

use super::protolator::{to_go_json, Protolator, ProtolatorError};
use super::update::{compute_update, UpdateError};
use crate::protos::common::Config;

/// Utility for generating Hyperledger Fabric channel configurations
#[derive(Debug, Parser)]
#[command(name = "configtxlator", version = "0.0.1")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The configtxlator commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the configtxlator REST server
    Start {
        /// The hostname or IP on which the REST server will listen
        #[arg(long, default_value = "0.0.0.0")]
        hostname: String,
        /// The port on which the REST server will listen
        #[arg(long, default_value_t = 7059)]
        port: u16,
        /// Allowable CORS domains, e.g. '*' or 'www.example.com' (may be repeated).
        #[arg(long = "CORS")]
        cors: Vec<String>,
    },
    /// Converts a JSON document to protobuf.
    #[command(name = "proto_encode")]
    ProtoEncode {
        /// The type of protobuf structure to encode to.  For example, 'common.Config'.
        #[arg(long = "type")]
        message_type: String,
        /// A file containing the JSON document.
        #[arg(long)]
        input: Option<PathBuf>,
        /// A file to write the output to.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Converts a proto message to JSON.
    #[command(name = "proto_decode")]
    ProtoDecode {
        /// The type of protobuf structure to decode from.  For example, 'common.Config'.
        #[arg(long = "type")]
        message_type: String,
        /// A file containing the proto message.
        #[arg(long)]
        input: Option<PathBuf>,
        /// A file to write the JSON document to.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Takes two marshaled common.Config messages and computes the config update which
    /// transitions between the two.
    #[command(name = "compute_update")]
    ComputeUpdate {
        /// The original config message.
        #[arg(long)]
        original: PathBuf,
        /// The updated config message.
        #[arg(long)]
        updated: PathBuf,
        /// The name of the channel for this update.
        #[arg(long = "channel_id")]
        channel_id: String,
        /// A file to write the JSON document to.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Show version information
    Version,
}

/// Why a configtxlator command failed; each prints as the one line the user sees.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("Error decoding: {0}")]
    Translate(#[from] ProtolatorError),
    #[error("Error decoding: error decoding input: the input is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("Error computing update: error unmarshaling {which} config: {source}")]
    BadConfig {
        which: &'static str,
        #[source]
        source: prost::DecodeError,
    },
    #[error("Error computing update: error computing config update: {0}")]
    Update(#[from] UpdateError),
    #[error("cannot read {what}: {source}")]
    Read {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {what}: {source}")]
    Write {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Rest(#[from] super::rest::RestError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

/// Runs one parsed command with the given standard input and output.
pub fn run(
    cli: Cli,
    build: &crate::metadata::BuildInfo,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
) -> Result<(), CommandError> {
    match cli.command {
        Command::Start {
            hostname,
            port,
            cors,
        } => start(&hostname, port, cors),
        Command::ProtoEncode {
            message_type,
            input,
            output,
        } => {
            let text = read_input(input.as_deref(), stdin)?;
            let json: serde_json::Value = serde_json::from_slice(&text)?;
            let bytes = Protolator::new()?.encode_from_json(&message_type, &json)?;
            write_output(output.as_deref(), stdout, &bytes)
        }
        Command::ProtoDecode {
            message_type,
            input,
            output,
        } => {
            let translator = Protolator::new()?;
            if !translator.knows(&message_type) {
                return Err(ProtolatorError::UnknownType(message_type).into());
            }
            let bytes = read_input(input.as_deref(), stdin)?;
            let json = translator.decode_to_json(&message_type, &bytes)?;
            write_output(output.as_deref(), stdout, to_go_json(&json).as_bytes())
        }
        Command::ComputeUpdate {
            original,
            updated,
            channel_id,
            output,
        } => {
            let original = read_config(&original, "original")?;
            let updated = read_config(&updated, "updated")?;
            let update = compute_update(&channel_id, &original, &updated)?;
            let bytes = crate::protoutil::marshal("common.ConfigUpdate", &update);
            write_output(output.as_deref(), stdout, &bytes)
        }
        Command::Version => {
            let text = build.version_info("configtxlator");
            write_output(None, stdout, text.as_bytes())
        }
    }
}

/// Serves the REST API on `hostname:port` until interrupted (Ctrl-C / SIGINT).
fn start(hostname: &str, port: u16, cors: Vec<String>) -> Result<(), CommandError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CommandError::Runtime)?;
    runtime.block_on(async {
        let server = super::rest::RestServer::bind(hostname, port, cors).await?;
        server
            .serve(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        Ok(())
    })
}

fn read_config(path: &Path, which: &'static str) -> Result<Config, CommandError> {
    let bytes = std::fs::read(path).map_err(|source| CommandError::Read {
        what: format!("{which} config {}", path.display()),
        source,
    })?;
    Config::decode(bytes.as_slice()).map_err(|source| CommandError::BadConfig { which, source })
}

fn read_input(path: Option<&Path>, stdin: &mut dyn Read) -> Result<Vec<u8>, CommandError> {
    match path {
        Some(path) => std::fs::read(path).map_err(|source| CommandError::Read {
            what: format!("input file {}", path.display()),
            source,
        }),
        None => {
            let mut bytes = Vec::new();
            stdin
                .read_to_end(&mut bytes)
                .map_err(|source| CommandError::Read {
                    what: "standard input".into(),
                    source,
                })?;
            Ok(bytes)
        }
    }
}

/// Writes the result only once it is complete, so a failed command leaves no partial file.
fn write_output(
    path: Option<&Path>,
    stdout: &mut dyn Write,
    bytes: &[u8],
) -> Result<(), CommandError> {
    match path {
        Some(path) => std::fs::write(path, bytes).map_err(|source| CommandError::Write {
            what: format!("output file {}", path.display()),
            source,
        }),
        None => stdout
            .write_all(bytes)
            .and_then(|()| stdout.flush())
            .map_err(|source| CommandError::Write {
                what: "standard output".into(),
                source,
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(args).unwrap()
    }

    #[test]
    fn flags_take_both_spellings() {
        let a = parse(&[
            "configtxlator",
            "proto_decode",
            "--type=common.Block",
            "--input",
            "x",
        ]);
        match a.command {
            Command::ProtoDecode {
                message_type,
                input,
                output,
            } => {
                assert_eq!(message_type, "common.Block");
                assert_eq!(input, Some(PathBuf::from("x")));
                assert_eq!(output, None);
            }
            other => panic!("parsed as {other:?}"),
        }
        assert!(Cli::try_parse_from(["configtxlator", "proto_decode"]).is_err());
        assert!(
            Cli::try_parse_from(["configtxlator", "compute_update", "--original", "a"]).is_err()
        );
    }

    #[test]
    fn start_on_a_taken_port_fails_with_one_clear_line() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port().to_string();
        let err = run(
            parse(&[
                "configtxlator",
                "start",
                "--hostname=127.0.0.1",
                "--port",
                &port,
            ]),
            &crate::metadata::BuildInfo::default(),
            &mut &b""[..],
            &mut Vec::new(),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(&format!("Could not bind to address '127.0.0.1:{port}': ")),
            "{text}"
        );
        assert!(!text.contains('\n'));
    }

    #[test]
    fn decode_reads_stdin_and_writes_stdout() {
        let envelope = crate::protos::common::Envelope {
            payload: vec![],
            signature: vec![1, 2],
        };
        let mut out = Vec::new();
        run(
            parse(&["configtxlator", "proto_decode", "--type", "common.Envelope"]),
            &crate::metadata::BuildInfo::default(),
            &mut envelope.encode_to_vec().as_slice(),
            &mut out,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\n\t\"payload\": null,\n\t\"signature\": \"AQI=\"\n}\n"
        );
    }
}
