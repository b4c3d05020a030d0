//! The peer's gRPC server settings from core.yaml: TLS and mutual TLS (`peer.tls.*`),
//! keepalive (Fabric's server defaults; `peer.keepalive.minInterval` is not enforced, see
//! [`crate::comm::ServerConfig`]), and where the admin service listens
//! (`peer.adminService.listenAddress`).

use super::NodeError;
use crate::comm::{read_pem, CommError, ServerConfig, ServerTls};
use crate::config::CoreConfig;

fn read(config: &CoreConfig, key: &'static str, path: &str) -> Result<Vec<u8>, NodeError> {
    read_pem(key, config.resolve_path(path)).map_err(NodeError::Tls)
}

/// The peer's server settings: TLS when `peer.tls.enabled` (our certificate and key, and
/// with `peer.tls.clientAuthRequired` the client roots from `peer.tls.clientRootCAs.files`),
/// Fabric's keepalive and message limits.
pub fn server_config(config: &CoreConfig) -> Result<ServerConfig, NodeError> {
    let t = &config.peer.tls;
    if !t.enabled {
        return Ok(ServerConfig::plaintext());
    }
    let cert = read(config, "peer.tls.cert.file", &t.cert_file)?;
    let key = read(config, "peer.tls.key.file", &t.key_file)?;
    let client_roots = if t.client_auth_required {
        if t.client_root_cas_files.is_empty() {
            return Err(NodeError::Tls(CommError::NoClientRoots));
        }
        let mut roots = Vec::new();
        for file in &t.client_root_cas_files {
            roots.push(read(config, "peer.tls.clientRootCAs.files", file)?);
        }
        Some(crate::comm::pem_bundle(roots.iter().map(Vec::as_slice)))
    } else {
        None
    };
    let config = ServerConfig {
        tls: Some(ServerTls {
            cert,
            key,
            client_roots,
        }),
        ..ServerConfig::default()
    };
    config.builder().map_err(NodeError::Tls)?;
    Ok(config)
}

/// Whether the admin service gets its own listener: `peer.adminService.listenAddress` is set
/// and names a port other than the peer's (Fabric's `adminHasSeparateListener`).
pub fn admin_has_separate_listener(
    peer_listen: &str,
    admin_listen: Option<&str>,
) -> Result<bool, NodeError> {
    let Some(admin) = admin_listen.filter(|a| !a.is_empty()) else {
        return Ok(false);
    };
    let port = |addr: &str, key: &str| {
        addr.rsplit_once(':')
            .map(|(_, p)| p.to_string())
            .ok_or_else(|| NodeError::Address(format!("{key} {addr:?} is not host:port")))
    };
    Ok(port(peer_listen, "peer.listenAddress")? != port(admin, "peer.adminService.listenAddress")?)
}

/// The peer endpoint id as Fabric logs it: the `PeerID` message in protobuf text form.
pub fn peer_id_text(id: &str) -> String {
    format!("name:{} ", go_quote(id))
}

/// A string quoted the way protobuf's text format writes it.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for b in s.bytes() {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            0x20..=0x7e => out.push(b as char),
            other => out.push_str(&format!("\\{other:03o}")),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_text_is_proto_text() {
        assert_eq!(peer_id_text("jdoe"), "name:\"jdoe\" ");
        assert_eq!(peer_id_text("a\"b"), "name:\"a\\\"b\" ");
    }

    #[test]
    fn admin_listener_is_separate_only_on_another_port() {
        assert!(!admin_has_separate_listener("0.0.0.0:7051", None).unwrap());
        assert!(!admin_has_separate_listener("0.0.0.0:7051", Some("")).unwrap());
        assert!(!admin_has_separate_listener("0.0.0.0:7051", Some("127.0.0.1:7051")).unwrap());
        assert!(admin_has_separate_listener("0.0.0.0:7051", Some("127.0.0.1:7055")).unwrap());
        assert!(admin_has_separate_listener("0.0.0.0:7051", Some("nope")).is_err());
    }
}
