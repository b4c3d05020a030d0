//! Gossip's connection layer for `peer node start`: the message crypto service over the
//! peer's MSPs, the identity mapper, and [`CommImpl`] with `peer.gossip.*` and the peer's
//! TLS material (Fabric's gossip dial options: the client certificate is
//! `peer.tls.clientCert.file` when set, else the server certificate; the roots are
//! `peer.tls.rootcert.file` plus every joined channel's organizations' TLS CAs).

use std::sync::Arc;

use super::NodeError;
use crate::comm::client::ClientKeepalive;
use crate::comm::read_pem;
use crate::config::CoreConfig;
use crate::gossip::api::{MessageCryptoService, SecurityAdvisor};
use crate::gossip::comm::{CommConfig, CommImpl, CommTls};
use crate::gossip::identity::IdentityMapper;
use crate::msp::{SigningIdentity, X509Msp};
use crate::node::mcs::{ChannelBundles, ChannelTlsRoots, PeerMcs, PeerSecurityAdvisor};
use crate::peer::Peer;

fn read(config: &CoreConfig, key: &'static str, path: &str) -> Result<Vec<u8>, NodeError> {
    read_pem(key, config.resolve_path(path)).map_err(NodeError::Tls)
}

/// Gossip's TLS material from `peer.tls.*`, or None without TLS.
pub fn comm_tls(config: &CoreConfig, peer: &Arc<Peer>) -> Result<Option<CommTls>, NodeError> {
    let t = &config.peer.tls;
    if !t.enabled {
        return Ok(None);
    }
    let server_cert = read(config, "peer.tls.cert.file", &t.cert_file)?;
    let (client_cert, client_key) = match (&t.client_cert_file, &t.client_key_file) {
        (Some(cert), Some(key)) if !cert.is_empty() && !key.is_empty() => (
            read(config, "peer.tls.clientCert.file", cert)?,
            read(config, "peer.tls.clientKey.file", key)?,
        ),
        _ => (
            server_cert.clone(),
            read(config, "peer.tls.key.file", &t.key_file)?,
        ),
    };
    let roots = if t.rootcert_file.is_empty() {
        Vec::new()
    } else {
        read(config, "peer.tls.rootcert.file", &t.rootcert_file)?
    };
    let mut tls = CommTls::new(&server_cert, client_cert, client_key, roots)
        .map_err(|e| NodeError::Gossip(e.to_string()))?;
    let channels: Arc<dyn ChannelBundles> = peer.clone();
    tls.more_roots = Some(Arc::new(ChannelTlsRoots(channels)));
    Ok(Some(tls))
}

/// Gossip's connection layer and the crypto the layers above it share.
#[derive(Clone)]
pub struct GossipComm {
    /// Connections, the `Gossip` service, the identity mapper (`comm.id_mapper()`).
    pub comm: CommImpl,
    pub mcs: Arc<dyn MessageCryptoService>,
    pub sa: Arc<dyn SecurityAdvisor>,
}

/// The peer's gossip comm (inside tokio: the identity mapper's purge task starts here).
pub fn gossip_comm(
    config: &CoreConfig,
    signer: &Arc<dyn SigningIdentity>,
    local_msp: &X509Msp,
    peer: &Arc<Peer>,
) -> Result<GossipComm, NodeError> {
    let channels: Arc<dyn ChannelBundles> = peer.clone();
    let mcs = Arc::new(PeerMcs::new(
        signer.clone(),
        local_msp.clone(),
        channels.clone(),
    ));
    let sa = Arc::new(PeerSecurityAdvisor::new(local_msp.clone(), channels));
    let identity = signer.serialize();
    let mapper = IdentityMapper::new(
        mcs.clone(),
        sa.clone(),
        identity.clone(),
        Box::new(|_, _| {}),
    )
    .map_err(|e| NodeError::Gossip(format!("the peer's own identity: {e}")))?;
    let k = &config.peer.keepalive.client;
    let keepalive = ClientKeepalive {
        interval: k.interval,
        timeout: k.timeout,
    };
    let comm_config = CommConfig::from_gossip(
        &config.peer.gossip,
        Some(keepalive),
        comm_tls(config, peer)?,
    );
    Ok(GossipComm {
        comm: CommImpl::new(comm_config, identity, Arc::new(mapper), sa.clone()),
        mcs,
        sa,
    })
}
