//! The gRPC plumbing every node and client shares (Fabric's `core/comm`).
//!
//! - [`server`]: [`ServerConfig`] (TLS or mutual TLS from PEM, HTTP/2 keepalive as core.yaml
//!   `peer.keepalive.*` / orderer.yaml `General.Keepalive.*`, TCP keepalive, a bound on
//!   concurrent streams per connection) and [`serve_with_drain`], which serves a router
//!   over a listener whose accepted sockets get TCP_NODELAY and TCP keepalive, and stops
//!   within a deadline.
//! - [`client`]: [`ClientConfig`] (TLS roots, client certificate, server-name override,
//!   timeouts, keepalive) and the dialer: every dialed socket gets TCP_NODELAY.
//! - [`shutdown`]: the stop signal the servers and their long-lived streams watch, the
//!   wrapper that ends open response streams when it fires, and SIGINT/SIGTERM handling
//!   (a second signal exits at once).
//!
//! Without TCP_NODELAY a response written in two pieces (HTTP/2 headers, then data)
//! waits for the client's delayed ACK: about 40 ms per unary call on Linux.

pub mod client;
pub mod server;
pub mod server_tls;
pub mod shutdown;

use std::path::PathBuf;

pub use client::{ClientConfig, ClientTls};
pub use server::{serve_with_drain, KeepaliveOptions, ServerConfig, ServerTls};
pub use shutdown::{end_streams_on_stop, stop_channel, EndStreamsOnStop, Stop, StopHandle};

/// The largest gRPC message sent or received (Fabric's `DefaultMaxRecvMsgSize` and
/// `DefaultMaxSendMsgSize`, 100 MiB).
pub const MAX_MESSAGE_SIZE: usize = 100 * 1024 * 1024;

/// Concurrent HTTP/2 streams one client connection may open. grpc-go leaves this
/// unlimited unless configured; a peer or orderer client holds a handful (one Deliver,
/// one Broadcast, one Register, a few unary calls), an SDK multiplexing many proposals a
/// few hundred, so 1024 never limits a real client and stops one connection from opening
/// streams without bound.
pub const MAX_CONCURRENT_STREAMS: u32 = 1024;

/// Why a server or a client connection could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum CommError {
    #[error("cannot read {what} {}: {source}", path.display())]
    ReadPem {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("mutual TLS is required but no client root CA is configured")]
    NoClientRoots,
    #[error("bad TLS settings: {0}")]
    Tls(#[source] tonic::transport::Error),
    #[error("the address {0:?} is not host:port")]
    Address(String),
    #[error("the gRPC server failed: {0}")]
    Serve(#[source] tonic::transport::Error),
    #[error("bad TLS settings: {0}")]
    Rustls(String),
}

/// Reads a PEM file, naming it in the error.
pub fn read_pem(what: &'static str, path: PathBuf) -> Result<Vec<u8>, CommError> {
    std::fs::read(&path).map_err(|source| CommError::ReadPem { what, path, source })
}

/// PEM blocks joined into one bundle (each ends with a newline).
pub fn pem_bundle<'a>(pems: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for pem in pems {
        out.extend_from_slice(pem);
        if !pem.ends_with(b"\n") {
            out.push(b'\n');
        }
    }
    out
}

/// The host of `host:port` (brackets of an IPv6 literal removed).
pub fn host_of(address: &str) -> &str {
    let host = address.rsplit_once(':').map_or(address, |(h, _)| h);
    host.trim_start_matches('[').trim_end_matches(']')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_bundles() {
        assert_eq!(host_of("peer0:7051"), "peer0");
        assert_eq!(host_of("[::1]:7051"), "::1");
        assert_eq!(host_of("nohost"), "nohost");
        assert_eq!(pem_bundle([&b"a"[..], b"b\n"]), b"a\nb\n");
    }
}
