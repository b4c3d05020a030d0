//! `peer node start` (Fabric's `peer/node`, `serve` in start.go): composes the ledger,
//! channels, services and listeners of a peer.
//!
//! Map of the rooms:
//! - [`admin`]: the Admin service (status, live log levels) behind the local admin policy.
//! - [`server`]: gRPC server settings (TLS, mutual TLS, keepalive, admin listener).
//! - [`lock`]: the file lock that tells the offline ledger commands a peer is running.
//! - [`PeerNode`]: everything bound and ready; [`PeerNode::serve`] runs until shutdown and
//!   drains (stop accepting, finish in-flight calls, stop channel work, close ledgers).

pub mod admin;
pub mod chaincode;
pub mod channels;
pub mod gossip;
pub mod gossip_adapters;
pub mod lock;
pub mod mcs;
pub mod metrics;
pub mod server;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::aclmgmt::{PolicyChecker, ResourceProvider};
use crate::chaincode::accesscontrol::Authenticator;
use crate::chaincode::launcher::Launcher;
use crate::chaincode::metrics::ChaincodeMetrics;
use crate::chaincode::{ChaincodeSupport, HandlerRegistry, SupportConfig};
use crate::comm::server::DRAIN_DEADLINE;
use crate::comm::shutdown::{exit_on_next_signal, next_signal};
use crate::comm::{
    end_streams_on_stop, serve_with_drain, stop_channel, CommError, ServerConfig, Stop,
    MAX_MESSAGE_SIZE,
};
use crate::committer::{LedgerCommitter, TxValidator};
use crate::config::{ConfigError, ConfigSource, CoreConfig};
use crate::deliver::client::DeliverClientConfig;
use crate::deliver::peer::service::DeliverService;
use crate::deliver::peer::DeliverServer;
use crate::discovery::{self, DiscoveryGrpc, DiscoveryService};
use crate::endorser::metrics::EndorserMetrics;
use crate::endorser::service::EndorserService;
use crate::endorser::{auth, Endorser, FilteredEndorser, ProposalProcessor};
use crate::flogging::Logging;
use crate::gossip::comm::Comm;
use crate::ledger::kvledger::KvLedgerProvider;
use crate::ledger::LedgerProvider;
use crate::metadata::BuildInfo;
use crate::msp::{load_local_msp, MspError, SigningIdentity, X509Msp};
use crate::operations::grpc::{count_connections, GrpcMetricsLayer};
use crate::operations::metrics::Metrics;
use crate::operations::{OperationsError, OperationsOptions, OperationsSystem};
use crate::peer::{Peer, PeerError};
use crate::policy::cauthdsl::builder::signed_by_any_admin;
use crate::policy::SignaturePolicyEvaluator;
use crate::protos::protos::admin_server::AdminServer as AdminGrpcServer;
use crate::scc::cscc::{Cscc, JoinHook};
use crate::scc::escc::OwnEndorsements;
use crate::scc::lscc::{ChaincodeStore, Lscc};
use crate::scc::qscc::Qscc;
use crate::scc::Registry;

use admin::{AdminServer, AdminService};
use channels::ChannelServices;
use lock::{FileSystemLock, LockError};

/// Why the peer could not start or stopped serving; one line each.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("failed to load the local MSP from {dir}: {reason}; check peer.mspConfigPath and peer.localMspId")]
    Msp { dir: String, reason: String },
    #[error("bad peer.BCCSP settings: {0}")]
    Bccsp(String),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("cannot open the ledgers: {0}")]
    Peer(#[from] PeerError),
    #[error("{0}")]
    Address(String),
    #[error("failed to listen on {addr}: {source}; check {key}")]
    Listen {
        addr: String,
        key: &'static str,
        source: std::io::Error,
    },
    #[error("bad TLS material: {0}; check peer.tls")]
    Tls(#[source] CommError),
    #[error(transparent)]
    Operations(#[from] OperationsError),
    #[error("failed to initialize the local admin policy: {0}")]
    Policy(String),
    #[error("cannot set up the endorser: {0}")]
    Endorser(String),
    #[error("bad peer.deliveryclient or peer.tls settings: {0}")]
    DeliverClient(String),
    #[error("cannot open the ledgers under {path}: {reason}; check peer.fileSystemPath")]
    LedgerProvider { path: String, reason: String },
    #[error("{0}")]
    Serve(#[source] CommError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(String),
    #[error("cannot set up chaincode TLS: {0}")]
    ChaincodeTls(String),
    #[error("cannot start the chaincode launcher: {0}")]
    Launcher(#[source] std::io::Error),
    #[error("failed to initialize the discovery service's local access policy: {0}")]
    Discovery(String),
    #[error("cannot set up gossip: {0}; check peer.gossip and peer.tls")]
    Gossip(String),
}

/// The peer's local MSP and its default signer (Fabric's InitCrypto for the node).
pub fn local_msp(config: &CoreConfig) -> Result<(X509Msp, Arc<dyn SigningIdentity>), NodeError> {
    let dir = config.msp_config_path();
    let msp_err = |e: MspError| NodeError::Msp {
        dir: dir.display().to_string(),
        reason: e.to_string(),
    };
    let opts = config
        .peer_bccsp()
        .map_err(|e| NodeError::Bccsp(e.to_string()))?;
    let msp = load_local_msp(&dir, &config.peer.local_msp_id, &opts).map_err(msp_err)?;
    let signer = msp.default_signing_identity().map_err(msp_err)?;
    Ok((msp, signer))
}

/// `peer.fileSystemPath`, resolved against the config folder.
pub fn file_system_path(config: &CoreConfig) -> PathBuf {
    config.resolve_path(&config.peer.file_system_path)
}

async fn bind(addr: &str, key: &'static str) -> Result<TcpListener, NodeError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| NodeError::Listen {
            addr: addr.to_string(),
            key,
            source,
        })
}

/// What `peer node start` reads: the typed core.yaml plus the keys it does not type.
#[derive(Debug, Clone)]
pub struct NodeSettings {
    pub config: CoreConfig,
    /// `peer.chaincodeListenAddress` (where Fabric's chaincode support would listen).
    pub chaincode_listen_address: Option<String>,
    /// What the `peer` binary was stamped with (the operations endpoint's /version).
    pub build: BuildInfo,
    /// The chaincode launcher's keys (`chaincode.externalBuilders`, ...).
    pub launch: chaincode::LaunchSettings,
}

impl NodeSettings {
    /// Reads the settings from a loaded core.yaml (with its CORE_* overrides).
    pub fn from_source(source: &ConfigSource) -> Result<Self, ConfigError> {
        let config = CoreConfig::from_source(source)?;
        Ok(NodeSettings {
            launch: chaincode::LaunchSettings::from_source(source, &config)?,
            config,
            chaincode_listen_address: source
                .get_string("peer.chaincodeListenAddress")?
                .filter(|a| !a.is_empty()),
            build: BuildInfo::default(),
        })
    }
}

/// A configured peer, its listeners bound, ready to serve.
pub struct PeerNode {
    config: CoreConfig,
    peer: Arc<Peer>,
    signer: Arc<dyn SigningIdentity>,
    metrics: Arc<Metrics>,
    listener: TcpListener,
    admin_listener: Option<TcpListener>,
    chaincode_listener: TcpListener,
    chaincode_support: Arc<ChaincodeSupport>,
    chaincode_auth: Option<Arc<Authenticator>>,
    operations: OperationsSystem,
    server_config: ServerConfig,
    admin: Arc<AdminServer>,
    endorser: Arc<dyn ProposalProcessor>,
    deliver: Arc<DeliverServer>,
    channels: Arc<ChannelServices>,
    discovery: Option<Arc<DiscoveryService>>,
    gossip_comm: gossip::GossipComm,
    gossip: gossip::PeerGossip,
    _lock: FileSystemLock,
}

impl PeerNode {
    /// Loads the local MSP, locks `peer.fileSystemPath`, opens the ledgers there, and binds
    /// the peer, admin and operations listeners (inside tokio).
    pub async fn build(settings: NodeSettings, logging: Logging) -> Result<Self, NodeError> {
        let fs_path = file_system_path(&settings.config);
        let lock = FileSystemLock::acquire(&fs_path)?;
        // As Fabric's SetChaincodesPath: the install folder exists from the first start.
        let chaincodes = fs_path.join("chaincodes");
        std::fs::create_dir_all(&chaincodes).map_err(|e| NodeError::LedgerProvider {
            path: chaincodes.display().to_string(),
            reason: e.to_string(),
        })?;
        let provider =
            KvLedgerProvider::open_default(&fs_path).map_err(|e| NodeError::LedgerProvider {
                path: fs_path.display().to_string(),
                reason: e.to_string(),
            })?;
        Self::build_with(settings, logging, Arc::new(provider), lock).await
    }

    /// As [`PeerNode::build`] over any ledger provider, with the fs lock already held.
    pub async fn build_with(
        settings: NodeSettings,
        logging: Logging,
        provider: Arc<dyn LedgerProvider>,
        lock: FileSystemLock,
    ) -> Result<Self, NodeError> {
        let NodeSettings {
            config,
            chaincode_listen_address,
            build,
            launch,
        } = settings;
        let (msp, signer) = local_msp(&config)?;
        let admin_policy = SignaturePolicyEvaluator::new(
            &signed_by_any_admin(&[config.peer.local_msp_id.as_str()]),
            Arc::new(msp.clone()),
        )
        .map_err(|e| NodeError::Policy(e.to_string()))?;
        let admin = Arc::new(AdminServer::new(Arc::new(admin_policy), logging.clone()));
        let peer = Arc::new(Peer::new(provider));
        let metrics = Metrics::new();
        let deliver_config = DeliverClientConfig::from_core(&config)
            .map_err(|e| NodeError::DeliverClient(e.to_string()))?;
        let pool = config.peer.validator_pool_size.unwrap_or(0).max(0) as usize;
        let channels = Arc::new(ChannelServices::new(
            LedgerCommitter::new(TxValidator::new(pool).trusting_own_endorsements(Arc::new(
                OwnEndorsements::new(signer.serialize(), OwnEndorsements::DEFAULT_CAPACITY),
            ))),
            signer.clone(),
            deliver_config,
            metrics.clone(),
        ));
        let local_msp = Arc::new(msp.clone());
        let gossip_comm = gossip::gossip_comm(&config, &signer, &msp, &peer, &metrics)?;
        let peer_gossip =
            gossip::PeerGossip::start(&config, &gossip_comm, &signer, &peer, &channels, &metrics)?;
        let checker = PolicyChecker::new(peer.clone(), msp.clone());
        let acl = Arc::new(ResourceProvider::new(checker.clone()));
        let chaincode_address = chaincode_listen_address
            .clone()
            .unwrap_or_else(|| default_chaincode_listen_address(&config.peer.address));
        if chaincode_listen_address.is_none() {
            tracing::warn!(target: "nodeCmd", "peer.chaincodeListenAddress is not set, using {chaincode_address}");
        }
        let chaincode_auth = chaincode::authenticator(&config)?;
        let launcher =
            Arc::new(
                Launcher::new(
                    launch.launcher_config(&config, &chaincode_address),
                    ChaincodeStore::new(&file_system_path(&config)),
                    Arc::new(HandlerRegistry::new().with_keepalive(Duration::from_secs(
                        config.chaincode.keepalive.max(0) as u64,
                    ))),
                    chaincode_auth.clone(),
                )
                .map_err(NodeError::Launcher)?,
            );
        let (endorser, chaincode_support) = compose_endorser(
            &config,
            (&chaincode_address, launcher, chaincode_auth.clone()),
            &peer,
            msp,
            acl.clone(),
            checker,
            &channels,
            &metrics,
        )?;
        let deliver = Arc::new(DeliverServer::new(
            peer.clone(),
            acl,
            config.peer.authentication_timewindow,
            &metrics,
        ));
        for channel in peer.initialize()? {
            tracing::info!(target: "peer", "Loaded channel {} from the ledger", channel.id());
        }
        let server_config = server::server_config(&config)?;
        let discovery = match config.peer.discovery.enabled {
            true => Some(Arc::new(discovery_service(
                &config,
                server_config.tls.is_some(),
                &peer,
                peer_gossip.membership(),
                local_msp,
            )?)),
            false => None,
        };
        let listener = bind(&config.peer.listen_address, "peer.listenAddress").await?;
        let admin_address = config.peer.admin_service.listen_address.as_deref();
        let admin_listener = match server::admin_has_separate_listener(
            &config.peer.listen_address,
            admin_address,
        )? {
            true => Some(
                bind(
                    admin_address.unwrap_or_default(),
                    "peer.adminService.listenAddress",
                )
                .await?,
            ),
            false => None,
        };
        let chaincode_listener = bind(&chaincode_address, "peer.chaincodeListenAddress").await?;
        let operations = OperationsSystem::bind(
            OperationsOptions {
                commit: build.commit().to_string(),
                ..OperationsOptions::from_core(&config)
            },
            Some(logging),
            metrics.clone(),
        )
        .await?;
        Ok(PeerNode {
            config,
            peer,
            signer,
            metrics,
            listener,
            admin_listener,
            chaincode_listener,
            chaincode_support,
            chaincode_auth,
            operations,
            server_config,
            admin,
            endorser,
            deliver,
            channels,
            discovery,
            gossip_comm,
            gossip: peer_gossip,
            _lock: lock,
        })
    }

    /// The peer's gRPC address actually bound (useful with port 0).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// The chaincode listener's address actually bound.
    pub fn chaincode_addr(&self) -> Option<SocketAddr> {
        self.chaincode_listener.local_addr().ok()
    }

    /// The chaincode support (registered chaincodes).
    pub fn chaincode_support(&self) -> &Arc<ChaincodeSupport> {
        &self.chaincode_support
    }

    /// The operations endpoint's address.
    pub fn operations_addr(&self) -> Option<SocketAddr> {
        self.operations.local_addr()
    }

    pub fn peer(&self) -> &Arc<Peer> {
        &self.peer
    }

    pub fn signer(&self) -> &Arc<dyn SigningIdentity> {
        &self.signer
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Gossip's connection layer (its `Gossip` service is on the peer's listener) and the
    /// message crypto service and security advisor over the peer's MSPs.
    pub fn gossip_comm(&self) -> &gossip::GossipComm {
        &self.gossip_comm
    }

    fn log_start_line(config: &CoreConfig, phase: &str) {
        let p = &config.peer;
        tracing::info!(
            target: "nodeCmd",
            "{phase} peer with ID=[{}], network ID=[{}], address=[{}]",
            server::peer_id_text(&p.id),
            p.network_id,
            p.address
        );
    }

    /// Serves until `shutdown` completes, then drains within [`DRAIN_DEADLINE`]: stops
    /// accepting, ends open streams (chaincode, Deliver), lets in-flight calls finish,
    /// finishes the block being committed, stops the operations endpoint and closes the
    /// ledgers.
    pub async fn serve(self, shutdown: impl Future<Output = ()>) -> Result<(), NodeError> {
        self.serve_with_drain(shutdown, DRAIN_DEADLINE).await
    }

    /// As [`PeerNode::serve`], with connections let go `drain` after the stop at the latest.
    pub async fn serve_with_drain(
        self,
        shutdown: impl Future<Output = ()>,
        drain: Duration,
    ) -> Result<(), NodeError> {
        Self::log_start_line(&self.config, "Starting");
        if self.server_config.tls.is_some() {
            tracing::info!(target: "nodeCmd", "Starting peer with TLS enabled");
        }
        self.log_unavailable_parts();
        let (stop_handle, stop) = stop_channel();
        let operations = tokio::spawn(self.operations.serve(stop.clone().into_stopped()));
        let separate_admin = match self.admin_listener {
            Some(listener) => Some(serve_admin(
                listener,
                &self.admin,
                &self.server_config,
                stop.clone(),
                drain,
            )?),
            None => None,
        };
        let chaincode_server = serve_chaincode(
            self.chaincode_listener,
            &self.chaincode_support,
            &chaincode::listener_config(
                &self.server_config,
                self.chaincode_auth.as_ref(),
                &self.chaincode_support.config().peer_address,
            )?,
            stop.clone(),
            drain,
        )?;
        for channel in self.peer.channel_ids() {
            if let Some(channel) = self.peer.channel(&channel) {
                self.channels.start_channel(&channel);
            }
        }
        // with TLS, the handshakes are ours so that a client certificate is requested even
        // without mutual TLS, as Fabric's listener does (gossip binds to it)
        let own_tls = self.server_config.rustls_config().map_err(NodeError::Tls)?;
        let router = self
            .server_config
            .builder_without_tls()
            .layer(GrpcMetricsLayer::new(&self.metrics))
            .add_service(
                EndorserService::new(self.endorser.clone())
                    .into_server()
                    .max_decoding_message_size(MAX_MESSAGE_SIZE)
                    .max_encoding_message_size(MAX_MESSAGE_SIZE),
            )
            .add_service(end_streams_on_stop(
                DeliverService::new(self.deliver.clone()).into_grpc(),
                stop.clone(),
            ))
            .add_service(self.gossip_comm.comm.service())
            .add_optional_service(separate_admin.is_none().then(|| admin_service(&self.admin)))
            .add_optional_service(self.discovery.as_ref().map(|d| {
                DiscoveryGrpc::new(d.clone())
                    .into_server()
                    .max_decoding_message_size(MAX_MESSAGE_SIZE)
                    .max_encoding_message_size(MAX_MESSAGE_SIZE)
            }));
        Self::log_start_line(&self.config, "Started");
        let server: Pin<Box<dyn Future<Output = Result<(), tonic::transport::Error>> + Send>> =
            match own_tls {
                Some(tls) => Box::pin(router.serve_with_incoming_shutdown(
                    count_connections(
                        self.server_config.tls_incoming(self.listener, tls),
                        &self.metrics,
                    ),
                    stop.clone().into_stopped(),
                )),
                None => Box::pin(router.serve_with_incoming_shutdown(
                    count_connections(self.server_config.incoming(self.listener), &self.metrics),
                    stop.clone().into_stopped(),
                )),
            };
        let mut main = tokio::spawn(serve_with_drain("peer", server, stop.clone(), drain));
        tokio::pin!(shutdown);
        let ended_early = tokio::select! {
            _ = &mut shutdown => None,
            result = &mut main => Some(result),
        };
        tracing::info!(target: "nodeCmd", "Stopping: no new connections; open streams are told to end; waiting at most {drain:?}");
        stop_handle.stop();
        self.gossip_comm.comm.stop();
        let result = match ended_early {
            Some(result) => result,
            None => main.await,
        };
        if let Some(task) = separate_admin {
            let _ = task.await;
        }
        let _ = chaincode_server.await;
        if let Some(launcher) = self.chaincode_support.launcher() {
            launcher.stop_all().await;
        }
        self.channels.stop_all().await;
        self.gossip.stop().await;
        if tokio::time::timeout(drain, operations).await.is_err() {
            tracing::warn!(target: "nodeCmd", "the operations endpoint did not stop within {drain:?}; leaving it");
        }
        drop(self.endorser);
        drop(self.deliver);
        drop(self.peer);
        tracing::info!(target: "nodeCmd", "Peer stopped; channels closed");
        match result {
            Ok(served) => served.map_err(NodeError::Serve),
            Err(join) => Err(NodeError::Runtime(format!(
                "the gRPC server task failed: {join}"
            ))),
        }
    }

    /// One line per part of Fabric's peer this build does not run, said once at start.
    fn log_unavailable_parts(&self) {
        if self.chaincode_support.config().user_runs_cc {
            tracing::info!(
                target: "nodeCmd",
                "Development mode: start each chaincode yourself with CORE_CHAINCODE_ID_NAME=<name>:<version> and --peer.address {}",
                self.chaincode_support.config().peer_address
            );
        } else if let Some(launcher) = self.chaincode_support.launcher() {
            let c = launcher.config();
            let builders: Vec<&str> = c
                .external_builders
                .iter()
                .map(|b| b.name.as_str())
                .collect();
            tracing::info!(
                target: "nodeCmd",
                "Chaincodes are launched by this peer: external builders {builders:?}, then the built-in golang and node builders; builds, runs and logs under {}",
                chaincode::chaincodes_dir(&self.config).display()
            );
        }
        if self.config.peer.profile.enabled {
            tracing::warn!(
                target: "nodeCmd",
                "peer.profile.enabled is set, but Go's pprof profiling server does not exist in this build; nothing listens on {}",
                self.config.peer.profile.listen_address
            );
        }
    }
}

/// Starts the admin service's own server (`peer.adminService.listenAddress`).
fn serve_admin(
    listener: TcpListener,
    admin: &Arc<AdminServer>,
    server_config: &ServerConfig,
    stop: Stop,
    drain: Duration,
) -> Result<tokio::task::JoinHandle<Result<(), CommError>>, NodeError> {
    let address = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    tracing::info!(target: "nodeCmd", "Creating gRPC server for admin service on {address}");
    let router = server_config
        .builder()
        .map_err(NodeError::Tls)?
        .add_service(admin_service(admin));
    let incoming = server_config.incoming(listener);
    let server = router.serve_with_incoming_shutdown(incoming, stop.clone().into_stopped());
    Ok(tokio::spawn(serve_with_drain("admin", server, stop, drain)))
}

/// Starts the chaincode listener's server with `config` (see [`chaincode::listener_config`]);
/// its Register streams end when `stop` fires.
fn serve_chaincode(
    listener: TcpListener,
    support: &Arc<ChaincodeSupport>,
    config: &ServerConfig,
    stop: Stop,
    drain: Duration,
) -> Result<tokio::task::JoinHandle<Result<(), CommError>>, NodeError> {
    let cc_address = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    match config.tls {
        Some(_) => {
            tracing::info!(target: "nodeCmd", "Starting chaincode support on {cc_address} with TLS: chaincodes present client certificates issued by the peer's chaincode CA")
        }
        None => {
            tracing::info!(target: "nodeCmd", "Starting chaincode support on {cc_address} (without TLS)")
        }
    }
    let router = config
        .builder()
        .map_err(NodeError::Tls)?
        .add_service(end_streams_on_stop(support.service(), stop.clone()));
    let server =
        router.serve_with_incoming_shutdown(config.incoming(listener), stop.clone().into_stopped());
    Ok(tokio::spawn(serve_with_drain(
        "chaincode",
        server,
        stop,
        drain,
    )))
}

/// The Admin gRPC service with Fabric's message limits.
fn admin_service(admin: &Arc<AdminServer>) -> AdminGrpcServer<AdminService> {
    AdminGrpcServer::new(AdminService::new(admin.clone()))
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE)
}

/// The endorser with its system chaincodes (cscc with the after-join hook that starts the
/// new channel's deliver client, qscc), the auth filters of `peer.handlers.authFilters` and
/// the endorser metrics.
#[allow(clippy::too_many_arguments)]
fn compose_endorser(
    config: &CoreConfig,
    (chaincode_address, launcher, chaincode_auth): (
        &str,
        Arc<Launcher>,
        Option<Arc<Authenticator>>,
    ),
    peer: &Arc<Peer>,
    msp: X509Msp,
    acl: Arc<ResourceProvider>,
    checker: PolicyChecker,
    channels: &Arc<ChannelServices>,
    metrics: &Arc<Metrics>,
) -> Result<(Arc<dyn ProposalProcessor>, Arc<ChaincodeSupport>), NodeError> {
    let services = channels.clone();
    let hook: JoinHook = Arc::new(move |channel| services.start_channel(channel));
    let mut sccs = Registry::new();
    let whitelist = &config.chaincode.system;
    let system_names = ["cscc", "lscc", "qscc", "escc", "vscc"]
        .map(String::from)
        .to_vec();
    sccs.register_enabled(
        Arc::new(Lscc::new(
            peer.clone(),
            acl.clone(),
            checker.clone(),
            ChaincodeStore::new(&file_system_path(config)),
            system_names,
        )),
        whitelist,
    );
    sccs.register_enabled(
        Arc::new(Cscc::new(peer.clone(), acl.clone(), checker, Some(hook))),
        whitelist,
    );
    sccs.register_enabled(Arc::new(Qscc::new(peer.clone(), acl.clone())), whitelist);
    let sccs = Arc::new(sccs);
    let mut support = ChaincodeSupport::with_registry(
        SupportConfig {
            execute_timeout: config.chaincode.executetimeout,
            user_runs_cc: config.chaincode.mode == "dev",
            peer_address: chaincode_address.to_string(),
            total_query_limit: config.ledger.state.total_query_limit.max(1) as usize,
        },
        sccs.clone(),
        launcher.registry().clone(),
    )
    .launching_with(launcher)
    .with_metrics(ChaincodeMetrics::new(metrics));
    if let Some(auth) = chaincode_auth {
        support = support.authenticating_with(auth);
    }
    let support = Arc::new(support);
    let mut endorser = Endorser::new(peer.clone(), msp, acl, sccs)
        .map_err(|e| NodeError::Endorser(e.to_string()))?
        .with_chaincode_support(support.clone())
        .with_metrics(EndorserMetrics::new(metrics));
    if let Some(own) = channels.committer().validator().own_endorsements() {
        endorser = endorser.remembering_endorsements(own);
    }
    let mut filters = Vec::new();
    for handler in &config.peer.handlers.auth_filters {
        match auth::builtin_filter(&handler.name) {
            Some(filter) => filters.push(filter),
            None => {
                return Err(NodeError::Endorser(format!(
                    "auth filter {:?} of peer.handlers.authFilters is not built in (plugins are not supported); use DefaultAuth or ExpirationCheck",
                    handler.name
                )))
            }
        }
    }
    let filtered = Arc::new(FilteredEndorser::new(Arc::new(endorser), filters));
    Ok((filtered, support))
}

/// The discovery service over gossip's membership.
fn discovery_service(
    config: &CoreConfig,
    tls: bool,
    peer: &Arc<Peer>,
    membership: Arc<dyn crate::discovery::MembershipSource>,
    local_msp: Arc<X509Msp>,
) -> Result<DiscoveryService, NodeError> {
    discovery::peer::node_service(
        &config.peer.discovery,
        &config.peer.local_msp_id,
        tls,
        peer.clone(),
        local_msp,
        membership,
    )
    .map_err(|e| NodeError::Discovery(e.to_string()))
}

/// Fabric's default chaincode listen address: the host of `peer.address` on port 7052.
pub fn default_chaincode_listen_address(peer_address: &str) -> String {
    let host = match peer_address.rsplit_once(':') {
        Some((host, _)) => host,
        None => peer_address,
    };
    format!("{host}:7052")
}

/// How long the runtime waits, after the servers stopped, for blocking work still running
/// (a chaincode call waiting for its answer) before the process exits anyway.
const RUNTIME_GRACE: Duration = Duration::from_secs(1);

/// `peer node start`: builds the peer and serves until SIGINT or SIGTERM, then drains
/// within the deadline; a second signal exits at once.
pub fn start(settings: NodeSettings, logging: Logging) -> Result<(), NodeError> {
    if settings.config.chaincode.mode == "dev" {
        tracing::info!(target: "nodeCmd", "Running in chaincode development mode");
        tracing::info!(target: "nodeCmd", "Disable loading validity system chaincode");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| NodeError::Runtime(e.to_string()))?;
    let result = runtime.block_on(async {
        let node = PeerNode::build(settings, logging).await?;
        node.serve(shutdown_signal()).await
    });
    runtime.shutdown_timeout(RUNTIME_GRACE);
    result
}

/// Completes on SIGINT or SIGTERM, logging it as Fabric does; a second one then ends the
/// process at once.
pub async fn shutdown_signal() {
    match next_signal().await {
        Ok(signal) => {
            tracing::info!(target: "nodeCmd", "Received signal: {} ({})", signal.number(), signal.name());
            exit_on_next_signal();
        }
        Err(e) => {
            tracing::error!(target: "nodeCmd", "cannot listen for SIGINT/SIGTERM ({e}); stop the peer with SIGKILL");
            std::future::pending::<()>().await;
        }
    }
}
