//! Client side of [`super`]: one dialer for the CLI and the peer's deliver client.

use std::time::Duration;

use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity};

use super::{host_of, CommError};

/// TCP keepalive idle time of dialed sockets (Go's dialer default, 15s).
pub const TCP_KEEPALIVE: Duration = Duration::from_secs(15);

/// A client's TLS material (PEM).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientTls {
    /// The CA certificates the server's certificate must chain to (a PEM bundle; empty
    /// when none is configured).
    pub roots: Vec<u8>,
    /// Our certificate and key, for servers that require mutual TLS.
    pub identity: Option<(Vec<u8>, Vec<u8>)>,
    /// The name the server's certificate is checked against instead of the address's
    /// host (`peer.tls.serverhostoverride`, `--ordererTLSHostnameOverride`).
    pub server_name_override: Option<String>,
}

/// HTTP/2 keepalive of a client (`peer.keepalive.client.*`,
/// `peer.keepalive.deliveryClient.*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientKeepalive {
    /// How long the connection may be idle before the client pings.
    pub interval: Duration,
    /// How long the client waits for the answer.
    pub timeout: Duration,
}

/// How a client dials (Fabric's `ClientConfig`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    pub tls: Option<ClientTls>,
    /// How long to wait for the connection.
    pub connect_timeout: Duration,
    /// Longest wait for one request's answer (`None`: no limit, for streams).
    pub request_timeout: Option<Duration>,
    pub keepalive: Option<ClientKeepalive>,
}

impl ClientConfig {
    /// A plaintext client with `connect_timeout` and nothing else.
    pub fn plaintext(connect_timeout: Duration) -> Self {
        ClientConfig {
            tls: None,
            connect_timeout,
            request_timeout: None,
            keepalive: None,
        }
    }

    /// The endpoint of `address` (`host:port`) with these settings; its sockets get
    /// TCP_NODELAY and TCP keepalive.
    pub fn endpoint(&self, address: &str) -> Result<Endpoint, CommError> {
        if address.is_empty() || !address.contains(':') {
            return Err(CommError::Address(address.to_string()));
        }
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        let mut ep = Endpoint::from_shared(format!("{scheme}://{address}"))
            .map_err(|_| CommError::Address(address.to_string()))?
            .tcp_nodelay(true)
            .tcp_keepalive(Some(TCP_KEEPALIVE))
            .connect_timeout(self.connect_timeout);
        if let Some(timeout) = self.request_timeout {
            ep = ep.timeout(timeout);
        }
        if let Some(k) = self.keepalive {
            ep = ep
                .http2_keep_alive_interval(k.interval)
                .keep_alive_timeout(k.timeout)
                .keep_alive_while_idle(true);
        }
        if let Some(tls) = &self.tls {
            ep = ep
                .tls_config(tls_config(address, tls))
                .map_err(CommError::Tls)?;
        }
        Ok(ep)
    }
}

fn tls_config(address: &str, tls: &ClientTls) -> ClientTlsConfig {
    let host = match &tls.server_name_override {
        Some(name) => name.as_str(),
        None => host_of(address),
    };
    let mut config = ClientTlsConfig::new().domain_name(host);
    if !tls.roots.is_empty() {
        config = config.ca_certificate(Certificate::from_pem(&tls.roots));
    }
    if let Some((cert, key)) = &tls.identity {
        config = config.identity(Identity::from_pem(cert, key));
    }
    config
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_must_be_host_and_port() {
        let c = ClientConfig::plaintext(Duration::from_secs(1));
        assert!(matches!(c.endpoint(""), Err(CommError::Address(_))));
        assert!(matches!(c.endpoint("nohost"), Err(CommError::Address(_))));
        assert!(c.endpoint("127.0.0.1:7051").is_ok());
    }

    #[tokio::test]
    async fn tls_endpoints_use_https() {
        let c = ClientConfig {
            tls: Some(ClientTls {
                server_name_override: Some("peer0".into()),
                ..ClientTls::default()
            }),
            ..ClientConfig::plaintext(Duration::from_secs(1))
        };
        let ep = c.endpoint("127.0.0.1:7051").unwrap();
        assert_eq!(ep.uri().scheme_str(), Some("https"));
    }
}
