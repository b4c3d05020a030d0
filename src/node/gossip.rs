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
use crate::discovery::MembershipSource;
use crate::gossip::api::{MessageCryptoService, SecurityAdvisor};
use crate::gossip::comm::Comm;
use crate::gossip::comm::{CommConfig, CommImpl, CommTls};
use crate::gossip::gossip::Gossip;
use crate::gossip::gossip_impl::{GossipDeps, GossipImpl, GossipSettings};
use crate::gossip::identity::IdentityMapper;
use crate::gossip::service::{GossipService, ServiceConfig};
use crate::msp::{SigningIdentity, X509Msp};
use crate::node::channels::ChannelServices;
use crate::node::gossip_adapters::{ChannelGossipJoiner, GossipMembership, ServiceAdapter};
use crate::node::mcs::{ChannelBundles, ChannelTlsRoots, PeerMcs, PeerSecurityAdvisor};
use crate::operations::metrics::Metrics;
use crate::peer::Peer;
use crate::scc::lscc::ChaincodeStore;

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
    metrics: &Metrics,
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
    )
    .with_metrics(Some(metrics));
    Ok(GossipComm {
        comm: CommImpl::new(comm_config, identity, Arc::new(mapper), sa.clone()),
        mcs,
        sa,
    })
}

/// The gossip facade over the peer's comm (membership, channels, identity exchange), with
/// `peer.gossip.*` and this peer's endpoints: inside its organization
/// `peer.gossip.endpoint`, else `peer.address`; outside it `peer.gossip.externalEndpoint`.
pub fn gossip_facade(
    config: &CoreConfig,
    comm: &GossipComm,
    signer: &Arc<dyn SigningIdentity>,
) -> Result<Arc<GossipImpl>, NodeError> {
    let internal = config
        .peer
        .gossip
        .endpoint
        .clone()
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| config.peer.address.clone());
    let deps = GossipDeps {
        comm: Arc::new(comm.comm.clone()),
        mcs: comm.mcs.clone(),
        sa: comm.sa.clone(),
        id_mapper: comm.comm.id_mapper().clone(),
        self_identity: signer.serialize(),
    };
    GossipImpl::start(
        GossipSettings::from_core(&config.peer.gossip, internal),
        deps,
    )
    .map(Arc::new)
    .map_err(|e| NodeError::Gossip(e.to_string()))
}

/// Gossip as the node runs it: the facade, the per-channel gossip service (state provider,
/// leader election or static leader) enabled on `channels`, and the joiner that joins each
/// channel with its config as it starts.
pub struct PeerGossip {
    pub facade: Arc<GossipImpl>,
    pub joiner: Arc<ChannelGossipJoiner>,
}

impl PeerGossip {
    /// Builds and enables gossip for every channel started from now on.
    pub fn start(
        config: &CoreConfig,
        comm: &GossipComm,
        signer: &Arc<dyn SigningIdentity>,
        peer: &Arc<Peer>,
        channels: &ChannelServices,
        metrics: &Metrics,
    ) -> Result<Self, NodeError> {
        let facade = gossip_facade(config, comm, signer)?;
        let pki_id = comm.comm.pki_id();
        let service_config = ServiceConfig::from_config(&config.peer.gossip)
            .map_err(|e| NodeError::Gossip(e.to_string()))?
            .with_metrics(metrics);
        let dyn_facade: Arc<dyn Gossip> = facade.clone();
        let adapter = ServiceAdapter::new(
            dyn_facade.clone(),
            comm.sa.clone(),
            peer.clone(),
            pki_id.clone(),
            metrics,
        );
        let service =
            GossipService::new(service_config, pki_id, comm.mcs.clone(), Arc::new(adapter));
        let joiner = Arc::new(ChannelGossipJoiner::new(
            dyn_facade,
            ChaincodeStore::new(&super::file_system_path(config)),
            peer.clone(),
        ));
        channels.enable_gossip(Arc::new(service), joiner.clone());
        Ok(PeerGossip { facade, joiner })
    }

    /// The discovery service's view of membership.
    pub fn membership(&self) -> Arc<dyn MembershipSource> {
        Arc::new(GossipMembership {
            gossip: self.facade.clone(),
        })
    }

    /// Stops following channels, then membership, channels and comm (within gossip's own
    /// deadlines).
    pub async fn stop(&self) {
        self.joiner.stop();
        Gossip::stop(self.facade.as_ref()).await;
    }
}
