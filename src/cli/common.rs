//! Flags shared by several commands, as Fabric's `peer/common` defines them: the orderer
//! connection flags every `chaincode` and `channel` subcommand inherits, and the per-command
//! peer connection flags of the chaincode commands.

use std::path::PathBuf;

use clap::Args;

use super::duration::GoDuration;

/// Orderer connection flags, declared once on the `chaincode` and `channel` groups and
/// inherited by all their subcommands.
#[derive(Args, Debug, Clone, Default)]
pub struct OrdererFlags {
    /// Ordering service endpoint (host:port)
    #[arg(short = 'o', long = "orderer", global = true)]
    pub orderer: Option<String>,

    /// Use TLS when talking to the orderer
    #[arg(long = "tls", global = true)]
    pub tls: bool,

    /// PEM file of the CA certificates that sign the orderer's TLS certificate
    #[arg(long = "cafile", global = true)]
    pub cafile: Option<PathBuf>,

    /// Present a client certificate to the orderer (mutual TLS)
    #[arg(long = "clientauth", global = true)]
    pub clientauth: bool,

    /// PEM file of our TLS client certificate for the orderer (with --clientauth)
    #[arg(long = "certfile", global = true)]
    pub certfile: Option<PathBuf>,

    /// PEM file of our TLS client private key for the orderer (with --clientauth)
    #[arg(long = "keyfile", global = true)]
    pub keyfile: Option<PathBuf>,

    /// Host name to check the orderer's TLS certificate against instead of the address
    #[arg(long = "ordererTLSHostnameOverride", global = true)]
    pub orderer_tls_hostname_override: Option<String>,

    /// How long to wait for a connection to be established (Go duration, e.g. 3s)
    #[arg(long = "connTimeout", global = true, default_value = "3s")]
    pub conn_timeout: GoDuration,

    /// Shift the clock used in the TLS handshake with the orderer by this amount
    #[arg(long = "tlsHandshakeTimeShift", global = true)]
    pub tls_handshake_time_shift: Option<GoDuration>,
}

/// Which peers a chaincode command talks to.
#[derive(Args, Debug, Clone, Default)]
pub struct PeerConnFlags {
    /// Peer to connect to (host:port); repeat for several peers [default: peer.address]
    #[arg(long = "peerAddresses")]
    pub peer_addresses: Vec<String>,

    /// PEM file of the TLS root certificates of the peer given at the same position in
    /// --peerAddresses (when TLS is enabled); repeat as often as --peerAddresses
    #[arg(long = "tlsRootCertFiles")]
    pub tls_root_cert_files: Vec<PathBuf>,

    /// Connection profile (YAML or JSON) describing the network, instead of --peerAddresses
    #[arg(long = "connectionProfile")]
    pub connection_profile: Option<PathBuf>,
}

/// Fails with a usage error naming `flag` when `value` is empty.
pub fn require<'a>(
    value: &'a Option<String>,
    flag: &str,
    what: &str,
) -> Result<&'a str, super::CliError> {
    match value.as_deref() {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(super::CliError::usage(format!(
            "{what} is required: pass it with {flag}"
        ))),
    }
}

/// Fails with a clear error when a file named on the command line is missing.
pub fn require_file(path: &std::path::Path, what: &'static str) -> Result<(), super::CliError> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(()),
        Ok(_) => Err(super::CliError::ReadFile {
            what,
            path: path.to_path_buf(),
            reason: "it is not a regular file".into(),
        }),
        Err(e) => Err(super::CliError::ReadFile {
            what,
            path: path.to_path_buf(),
            reason: super::client::describe_io(&e),
        }),
    }
}
