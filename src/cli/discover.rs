//! The `discover` command (Fabric's `cmd/discover`, `cmd/common` and `discovery/cmd`):
//! `peers`, `config` and `endorsers` queries against a peer's discovery service, printed as
//! Fabric prints them, and `saveConfig` to keep the flags in a YAML file for `--configFile`.
//! Errors are one line on stderr and exit status 1, as Fabric's CLI does.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use serde::{Deserialize, Serialize};

use crate::comm::{ClientConfig, ClientTls};
use crate::crypto::{sha256, PrivateKey};
use crate::discovery::client::{
    chaincode_calls, config_json, endorsers_json, peers_json, ClientError, ClientSigner,
};
use crate::protos::discovery::discovery_client::DiscoveryClient;
use crate::protos::discovery::query::Query as QueryKind;
use crate::protos::discovery::{
    ChaincodeInterest, ChaincodeQuery, ConfigQuery, LocalPeerQuery, PeerMembershipQuery, Query,
    QueryResult,
};

/// How long a query may take (Fabric's `defaultTimeout` of `discovery/cmd`).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to wait for the connection (Fabric's `cmd/common/comm` default).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a `discover` command failed; each is the one line the user sees.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("no server specified")]
    NoServer,
    #[error("no channel specified")]
    NoChannel,
    #[error("{0}")]
    Client(#[from] ClientError),
    #[error("Failed opening file {path}: {reason}")]
    ReadFile { path: String, reason: String },
    #[error("failed to parse private key from {path}: {reason}")]
    Key { path: String, reason: String },
    #[error("Failed loading config {0}")]
    LoadConfig(String),
    #[error("Failed persisting configuration: {0}")]
    SaveConfig(String),
    #[error("failed connecting to {server}: {reason}")]
    Connect { server: String, reason: String },
    #[error("cannot create a TLS client certificate: {0}")]
    SelfSigned(String),
    #[error("cannot start the async runtime: {0}")]
    Runtime(String),
}

/// `discover`: the root of the tree and its global flags.
#[derive(Parser, Debug)]
#[command(
    name = "discover",
    about = "Command line client for fabric discovery service",
    disable_version_flag = true
)]
pub struct Discover {
    /// Specifies the config file to load the configuration from
    #[arg(long = "configFile", global = true, value_name = "CONFIGFILE")]
    pub config_file: Option<PathBuf>,
    /// Sets the TLS CA certificate file path that verifies the TLS peer's certificate
    #[arg(long = "peerTLSCA", global = true, value_name = "PEERTLSCA", value_parser = existing_file)]
    pub peer_tls_ca: Option<PathBuf>,
    /// (Optional) Sets the client TLS certificate file path that is used when the peer enforces client authentication
    #[arg(long = "tlsCert", global = true, value_name = "TLSCERT", value_parser = existing_file)]
    pub tls_cert: Option<PathBuf>,
    /// (Optional) Sets the client TLS key file path that is used when the peer enforces client authentication
    #[arg(long = "tlsKey", global = true, value_name = "TLSKEY", value_parser = existing_file)]
    pub tls_key: Option<PathBuf>,
    /// Sets the user's key file path that is used to sign messages sent to the peer
    #[arg(long = "userKey", global = true, value_name = "USERKEY", value_parser = existing_file)]
    pub user_key: Option<PathBuf>,
    /// Sets the user's certificate file path that is used to authenticate the messages sent to the peer
    #[arg(long = "userCert", global = true, value_name = "USERCERT", value_parser = existing_file)]
    pub user_cert: Option<PathBuf>,
    /// Sets the MSP ID of the user, which represents the CA(s) that issued its user certificate
    #[arg(long = "MSP", global = true, value_name = "MSP")]
    pub msp: Option<String>,

    #[command(subcommand)]
    pub command: DiscoverCommand,
}

/// The server and channel flags every query takes.
#[derive(Args, Debug, Clone, Default)]
pub struct Target {
    /// Sets the endpoint of the server to connect
    #[arg(long = "server", value_name = "SERVER")]
    pub server: Option<String>,
    /// Sets the channel the query is intended to
    #[arg(long = "channel", value_name = "CHANNEL")]
    pub channel: Option<String>,
}

/// `discover endorsers` flags.
#[derive(Args, Debug, Clone, Default)]
pub struct EndorsersArgs {
    /// Specifies the chaincode name(s)
    #[arg(long = "chaincode", value_name = "CHAINCODE")]
    pub chaincode: Vec<String>,
    /// Specifies the collection name(s) as a mapping from chaincode to a comma separated list of collections
    #[arg(long = "collection", value_name = "CC:C1,C2", value_parser = collection_flag)]
    pub collection: Vec<(String, String)>,
    #[command(flatten)]
    pub target: Target,
}

/// The commands of `discover`.
#[derive(Subcommand, Debug)]
pub enum DiscoverCommand {
    /// Discover peers
    Peers(Target),
    /// Discover channel config
    Config(Target),
    /// Discover chaincode endorsers
    Endorsers(EndorsersArgs),
    /// Save the config passed by flags into the file specified by --configFile
    #[command(name = "saveConfig")]
    SaveConfig,
}

/// A file flag: it must exist; kept as an absolute path (kingpin's `File()` + `filepath.Abs`).
fn existing_file(text: &str) -> Result<PathBuf, String> {
    let path = Path::new(text);
    std::fs::metadata(path)
        .map_err(|e| format!("open {text}: {}", super::client::describe_io(&e)))?;
    std::path::absolute(path).map_err(|e| e.to_string())
}

/// `CC:C1,C2` or `CC=C1,C2` (kingpin's string map splits at the first `:` or `=`).
fn collection_flag(text: &str) -> Result<(String, String), String> {
    match text.find([':', '=']) {
        Some(i) => Ok((text[..i].to_string(), text[i + 1..].to_string())),
        None => Err(format!("expected KEY=VALUE got '{text}'")),
    }
}

/// `tlsconfig` of the config file (Fabric's `cmd/common/comm.Config`, yaml.v2 keys).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct TlsFileConfig {
    pub certpath: String,
    pub keypath: String,
    pub peercacertpath: String,
    pub timeout: String,
}

/// `signerconfig` of the config file (Fabric's `cmd/common/signer.Config`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct SignerFileConfig {
    pub mspid: String,
    pub identitypath: String,
    pub keypath: String,
}

/// The `--configFile` YAML (Fabric's `cmd/common.Config`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct FileConfig {
    pub version: i32,
    pub tlsconfig: TlsFileConfig,
    pub signerconfig: SignerFileConfig,
}

impl FileConfig {
    fn from_flags(cli: &Discover) -> Self {
        let path = |p: &Option<PathBuf>| {
            p.as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        };
        FileConfig {
            version: 0,
            tlsconfig: TlsFileConfig {
                certpath: path(&cli.tls_cert),
                keypath: path(&cli.tls_key),
                peercacertpath: path(&cli.peer_tls_ca),
                timeout: "0s".into(),
            },
            signerconfig: SignerFileConfig {
                mspid: cli.msp.clone().unwrap_or_default(),
                identitypath: path(&cli.user_cert),
                keypath: path(&cli.user_key),
            },
        }
    }

    /// Fabric's `validateConfig`.
    fn validate(&self) -> Result<(), String> {
        let s = &self.signerconfig;
        if s.mspid.is_empty() || s.identitypath.is_empty() || s.keypath.is_empty() {
            return Err("empty string that is mandatory".into());
        }
        Ok(())
    }

    fn load(path: &Path) -> Result<Self, DiscoverError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            DiscoverError::LoadConfig(format!(
                "open {}: {}",
                path.display(),
                super::client::describe_io(&e)
            ))
        })?;
        let conf: FileConfig = serde_yaml::from_str(&text).map_err(|e| {
            DiscoverError::LoadConfig(format!(
                "error unmarshaling YAML file {}: {e}",
                path.display()
            ))
        })?;
        conf.validate().map_err(DiscoverError::LoadConfig)?;
        Ok(conf)
    }

    fn save(&self, path: &Path) -> Result<(), DiscoverError> {
        self.validate()
            .map_err(|e| DiscoverError::SaveConfig(format!("config isn't valid: {e}")))?;
        let text =
            serde_yaml::to_string(self).map_err(|e| DiscoverError::SaveConfig(e.to_string()))?;
        write_private(path, text.as_bytes()).map_err(|e| {
            DiscoverError::SaveConfig(format!("failed writing file {}: {e}", path.display()))
        })
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)
}

fn read(path: &str) -> Result<Vec<u8>, DiscoverError> {
    std::fs::read(path).map_err(|e| DiscoverError::ReadFile {
        path: path.to_string(),
        reason: super::client::describe_io(&e),
    })
}

fn signer(conf: &SignerFileConfig) -> Result<ClientSigner, DiscoverError> {
    let cert = read(&conf.identitypath)?;
    let key_pem = read(&conf.keypath)?;
    let key = PrivateKey::from_pem(&key_pem).map_err(|e| DiscoverError::Key {
        path: conf.keypath.clone(),
        reason: e.to_string(),
    })?;
    Ok(ClientSigner::new(&conf.mspid, cert, key))
}

/// The TLS settings and the hash of the client certificate (empty without TLS); without a
/// client certificate, a self-signed one is made as Fabric's CLI does.
fn tls(conf: &TlsFileConfig) -> Result<(Option<ClientTls>, Vec<u8>), DiscoverError> {
    if conf.peercacertpath.is_empty() {
        return Ok((None, Vec::new()));
    }
    let roots = read(&conf.peercacertpath)?;
    let (cert, key) = if conf.certpath.is_empty() && conf.keypath.is_empty() {
        let made = rcgen::generate_simple_self_signed(vec!["discover".to_string()])
            .map_err(|e| DiscoverError::SelfSigned(e.to_string()))?;
        (
            made.cert.pem().into_bytes(),
            made.signing_key.serialize_pem().into_bytes(),
        )
    } else {
        (read(&conf.certpath)?, read(&conf.keypath)?)
    };
    let der = rustls_pemfile::certs(&mut cert.as_slice())
        .next()
        .and_then(Result::ok)
        .map(|c| c.as_ref().to_vec())
        .unwrap_or_default();
    let hash = sha256(&der).to_vec();
    let tls = ClientTls {
        roots,
        identity: Some((cert, key)),
        server_name_override: None,
    };
    Ok((Some(tls), hash))
}

fn query(channel: &str, kind: QueryKind) -> Query {
    Query {
        channel: channel.to_string(),
        query: Some(kind),
    }
}

/// Signs and sends one request, returning its results.
fn send(
    conf: &FileConfig,
    server: &str,
    queries: Vec<Query>,
) -> Result<Vec<QueryResult>, DiscoverError> {
    let signer = signer(&conf.signerconfig)?;
    let (tls, hash) = tls(&conf.tlsconfig)?;
    let request = signer.sign(queries, hash)?;
    let connect_timeout = crate::config::parse_go_duration(&conf.tlsconfig.timeout)
        .filter(|d| !d.is_zero())
        .unwrap_or(CONNECT_TIMEOUT);
    let client = ClientConfig {
        tls,
        connect_timeout,
        request_timeout: Some(REQUEST_TIMEOUT),
        keepalive: None,
    };
    let failed = |reason: String| DiscoverError::Connect {
        server: server.to_string(),
        reason,
    };
    let endpoint = client.endpoint(server).map_err(|e| failed(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| DiscoverError::Runtime(e.to_string()))?;
    runtime.block_on(async {
        let channel = endpoint
            .connect()
            .await
            .map_err(|e| failed(error_chain(&e)))?;
        let response = DiscoveryClient::new(channel)
            .discover(request)
            .await
            .map_err(|s| {
                failed(format!(
                    "rpc error: code = {:?} desc = {}",
                    s.code(),
                    s.message()
                ))
            })?;
        Ok(response.into_inner().results)
    })
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn required(v: &Option<String>, missing: DiscoverError) -> Result<String, DiscoverError> {
    v.clone().filter(|s| !s.is_empty()).ok_or(missing)
}

/// Runs a parsed command, writing its JSON to `out`.
pub fn run(cli: Discover, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), DiscoverError> {
    if let DiscoverCommand::SaveConfig = cli.command {
        let Some(path) = &cli.config_file else {
            let _ = writeln!(
                err,
                "--configFile must be used to specify the configuration file"
            );
            return Ok(());
        };
        return FileConfig::from_flags(&cli).save(path);
    }
    let conf = match &cli.config_file {
        Some(path) => FileConfig::load(path)?,
        None => FileConfig::from_flags(&cli),
    };
    let json = match &cli.command {
        DiscoverCommand::Peers(t) => {
            let server = required(&t.server, DiscoverError::NoServer)?;
            let channel = t.channel.clone().unwrap_or_default();
            let q = match channel.is_empty() {
                true => query("", QueryKind::LocalPeers(LocalPeerQuery {})),
                false => query(
                    &channel,
                    QueryKind::PeerQuery(PeerMembershipQuery {
                        filter: Some(ChaincodeInterest { chaincodes: vec![] }),
                    }),
                ),
            };
            peers_json(&send(&conf, &server, vec![q])?, !channel.is_empty())?
        }
        DiscoverCommand::Config(t) => {
            let server = required(&t.server, DiscoverError::NoServer)?;
            let channel = required(&t.channel, DiscoverError::NoChannel)?;
            let q = query(&channel, QueryKind::ConfigQuery(ConfigQuery {}));
            config_json(&send(&conf, &server, vec![q])?)?
        }
        DiscoverCommand::Endorsers(a) => {
            let channel = required(&a.target.channel, DiscoverError::NoChannel)?;
            let server = required(&a.target.server, DiscoverError::NoServer)?;
            let chaincodes = chaincode_calls(&a.chaincode, &a.collection)?;
            let q = query(
                &channel,
                QueryKind::CcQuery(ChaincodeQuery {
                    interests: vec![ChaincodeInterest { chaincodes }],
                }),
            );
            endorsers_json(&send(&conf, &server, vec![q])?)?
        }
        DiscoverCommand::SaveConfig => unreachable!("handled above"),
    };
    let _ = writeln!(out, "{json}");
    Ok(())
}

/// The clap tree of `discover` (for the generated reference).
pub fn command() -> clap::Command {
    <Discover as clap::CommandFactory>::command()
}

/// The whole `discover` binary: parse, run, one line on stderr and status 1 on failure.
pub fn main(args: impl IntoIterator<Item = std::ffi::OsString>) -> std::process::ExitCode {
    let cli = match Discover::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.use_stderr() {
                true => std::process::ExitCode::from(1),
                false => std::process::ExitCode::SUCCESS,
            };
        }
    };
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    match run(cli, &mut out, &mut err) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(err, "{e}");
            std::process::ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse_as_fabrics_kingpin_tree() {
        let cli = Discover::try_parse_from([
            "discover",
            "--MSP",
            "Org1MSP",
            "endorsers",
            "--channel",
            "ch",
            "--server=localhost:7051",
            "--chaincode",
            "a",
            "--chaincode=b",
            "--collection",
            "b:c1,c2",
        ])
        .unwrap();
        assert_eq!(cli.msp.as_deref(), Some("Org1MSP"));
        let DiscoverCommand::Endorsers(e) = cli.command else {
            panic!("not endorsers");
        };
        assert_eq!(e.chaincode, ["a", "b"]);
        assert_eq!(e.collection, [("b".to_string(), "c1,c2".to_string())]);
        assert!(Discover::try_parse_from(["discover", "saveConfig"]).is_ok());
        assert!(
            Discover::try_parse_from(["discover", "--userKey", "/no/such/file", "peers"]).is_err()
        );
    }

    #[test]
    fn config_file_round_trips_with_fabrics_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conf.yaml");
        let conf = FileConfig {
            version: 0,
            tlsconfig: TlsFileConfig {
                peercacertpath: "/ca.pem".into(),
                timeout: "0s".into(),
                ..Default::default()
            },
            signerconfig: SignerFileConfig {
                mspid: "Org1MSP".into(),
                identitypath: "/cert.pem".into(),
                keypath: "/key".into(),
            },
        };
        conf.save(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("signerconfig:\n  mspid: Org1MSP"), "{text}");
        assert!(text.contains("peercacertpath: /ca.pem"), "{text}");
        assert_eq!(FileConfig::load(&path).unwrap(), conf);
        let bad = FileConfig::default();
        assert_eq!(
            bad.save(&path).unwrap_err().to_string(),
            "Failed persisting configuration: config isn't valid: empty string that is mandatory"
        );
    }

    #[test]
    fn queries_need_server_and_channel() {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let cli = Discover::try_parse_from(["discover", "config", "--server", "x:1"]).unwrap();
        assert_eq!(
            run(cli, &mut out, &mut err).unwrap_err().to_string(),
            "no channel specified"
        );
        let cli = Discover::try_parse_from(["discover", "peers"]).unwrap();
        assert_eq!(
            run(cli, &mut out, &mut err).unwrap_err().to_string(),
            "no server specified"
        );
    }
}
