//! `--connectionProfile` (Fabric's `peer/common/networkconfig.go`): a YAML or JSON file
//! describing a network; the `peer chaincode` commands take from it the endorsing peers of
//! the command's channel (URL and TLS root certificate path) in place of `--peerAddresses`
//! and `--tlsRootCertFiles`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::CliError;

/// The parts of a connection profile the CLI reads (other keys are accepted and ignored).
#[derive(Debug, Default, Deserialize)]
pub struct NetworkConfig {
    #[serde(default)]
    pub channels: BTreeMap<String, ChannelNetworkConfig>,
    #[serde(default)]
    pub peers: BTreeMap<String, PeerConfig>,
}

/// `channels.<name>`.
#[derive(Debug, Default, Deserialize)]
pub struct ChannelNetworkConfig {
    #[serde(default)]
    pub peers: BTreeMap<String, PeerChannelConfig>,
}

/// `channels.<name>.peers.<peer>`.
#[derive(Debug, Default, Deserialize)]
pub struct PeerChannelConfig {
    #[serde(default, rename = "endorsingPeer")]
    pub endorsing_peer: bool,
}

/// `peers.<peer>`.
#[derive(Debug, Default, Deserialize)]
pub struct PeerConfig {
    #[serde(default)]
    pub url: String,
    #[serde(default, rename = "tlsCACerts")]
    pub tls_ca_certs: TlsConfig,
}

/// `tlsCACerts` (only `path` is used, as by Fabric's CLI).
#[derive(Debug, Default, Deserialize)]
pub struct TlsConfig {
    #[serde(default)]
    pub path: Option<PathBuf>,
}

impl NetworkConfig {
    /// Reads a profile file (YAML, or JSON, which YAML reads too).
    pub fn load(file: &Path) -> Result<Self, CliError> {
        let text = std::fs::read_to_string(file).map_err(|e| CliError::ReadFile {
            what: "the connection profile",
            path: file.to_path_buf(),
            reason: super::client::describe_io(&e),
        })?;
        serde_yaml::from_str(&text).map_err(|e| {
            CliError::usage(format!(
                "error unmarshaling the connection profile {}: {e}",
                file.display()
            ))
        })
    }

    /// The endorsing peers of `channel` as (address, TLS root cert path), in peer-name
    /// order; `None` when the profile lists no peers for the channel (the flags then stand).
    pub fn endorsers(&self, channel: &str) -> Result<Option<Vec<(String, PathBuf)>>, CliError> {
        let Some(peers) = self.channels.get(channel).map(|c| &c.peers) else {
            return Ok(None);
        };
        if peers.is_empty() {
            return Ok(None);
        }
        let mut out = Vec::new();
        for (name, _) in peers.iter().filter(|(_, p)| p.endorsing_peer) {
            let peer = self.peers.get(name).ok_or_else(|| {
                CliError::usage(format!(
                    "peer '{name}' is defined in the channel config but doesn't have associated peer config"
                ))
            })?;
            let address = peer
                .url
                .trim_start_matches("grpcs://")
                .trim_start_matches("grpc://")
                .to_string();
            out.push((address, peer.tls_ca_certs.path.clone().unwrap_or_default()));
        }
        Ok(Some(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROFILE: &str = r#"
name: test
version: 1.0.0
channels:
  mychannel:
    orderers: [orderer.example.com]
    peers:
      peer0.org2.example.com: {endorsingPeer: true}
      peer0.org1.example.com: {endorsingPeer: true, chaincodeQuery: true}
      peer1.org1.example.com: {endorsingPeer: false}
peers:
  peer0.org1.example.com:
    url: grpcs://127.0.0.1:7051
    tlsCACerts: {path: /tmp/org1-ca.pem}
  peer0.org2.example.com:
    url: 127.0.0.1:9051
    tlsCACerts: {path: /tmp/org2-ca.pem}
"#;

    #[test]
    fn endorsing_peers_of_the_channel_replace_the_flags() {
        let config: NetworkConfig = serde_yaml::from_str(PROFILE).unwrap();
        let peers = config.endorsers("mychannel").unwrap().unwrap();
        assert_eq!(
            peers,
            vec![
                (
                    "127.0.0.1:7051".to_string(),
                    PathBuf::from("/tmp/org1-ca.pem")
                ),
                (
                    "127.0.0.1:9051".to_string(),
                    PathBuf::from("/tmp/org2-ca.pem")
                ),
            ]
        );
        assert!(config.endorsers("other").unwrap().is_none());
        assert!(config.endorsers("").unwrap().is_none());
    }

    #[test]
    fn json_profiles_read_too_and_a_peer_without_config_is_named() {
        let json =
            r#"{"channels": {"ch": {"peers": {"p9": {"endorsingPeer": true}}}}, "peers": {}}"#;
        let config: NetworkConfig = serde_yaml::from_str(json).unwrap();
        let err = config.endorsers("ch").unwrap_err().to_string();
        assert!(
            err.contains("peer 'p9' is defined in the channel config but doesn't have associated peer config"),
            "{err}"
        );
    }
}
