//! The peer's gRPC server settings from core.yaml: TLS and mutual TLS (`peer.tls.*`),
//! keepalive (`peer.keepalive.*`), message sizes, and where the admin service listens
//! (`peer.adminService.listenAddress`).

use std::time::Duration;

use tonic::transport::{Certificate, Identity, Server, ServerTlsConfig};

use super::NodeError;
use crate::config::CoreConfig;

/// The largest gRPC message accepted or sent, as Fabric's comm package (100 MiB).
pub const MAX_MESSAGE_SIZE: usize = 100 * 1024 * 1024;
/// How often the server pings an idle client (Fabric's default ServerInterval, 2h).
pub const SERVER_KEEPALIVE_INTERVAL: Duration = Duration::from_secs(2 * 60 * 60);
/// How long the server waits for a ping answer (Fabric's default ServerTimeout, 20s).
pub const SERVER_KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(20);

fn read(config: &CoreConfig, key: &str, path: &str) -> Result<Vec<u8>, NodeError> {
    let full = config.resolve_path(path);
    std::fs::read(&full).map_err(|e| NodeError::Tls(format!("{key} {}: {e}", full.display())))
}

/// The server TLS settings (`None` when `peer.tls.enabled` is false): our certificate and
/// key, and with `peer.tls.clientAuthRequired` the client roots from
/// `peer.tls.clientRootCAs.files`.
pub fn tls_config(config: &CoreConfig) -> Result<Option<ServerTlsConfig>, NodeError> {
    let t = &config.peer.tls;
    if !t.enabled {
        return Ok(None);
    }
    let cert = read(config, "peer.tls.cert.file", &t.cert_file)?;
    let key = read(config, "peer.tls.key.file", &t.key_file)?;
    let mut tls = ServerTlsConfig::new().identity(Identity::from_pem(cert, key));
    if t.client_auth_required {
        if t.client_root_cas_files.is_empty() {
            return Err(NodeError::Tls(
                "peer.tls.clientAuthRequired is true but peer.tls.clientRootCAs.files is empty"
                    .into(),
            ));
        }
        let mut roots = Vec::new();
        for file in &t.client_root_cas_files {
            roots.extend(read(config, "peer.tls.clientRootCAs.files", file)?);
            roots.push(b'\n');
        }
        tls = tls.client_ca_root(Certificate::from_pem(roots));
    }
    Ok(Some(tls))
}

/// A server builder with Fabric's keepalive and, when given, TLS.
pub fn builder(tls: Option<ServerTlsConfig>) -> Result<Server, NodeError> {
    let mut builder = Server::builder()
        .http2_keepalive_interval(Some(SERVER_KEEPALIVE_INTERVAL))
        .http2_keepalive_timeout(Some(SERVER_KEEPALIVE_TIMEOUT));
    if let Some(tls) = tls {
        builder = builder
            .tls_config(tls)
            .map_err(|e| NodeError::Tls(e.to_string()))?;
    }
    Ok(builder)
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
