//! The ordering node's server (Fabric's `orderer/common/server`): loads the local MSP,
//! opens the ledgers, bootstraps the system channel, and serves `orderer.AtomicBroadcast`
//! on General.ListenAddress:ListenPort (with server or mutual TLS from General.TLS).

mod service;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

pub use service::AtomicBroadcastService;

use super::broadcast::BroadcastHandler;
use super::consensus::solo::SoloConsenter;
use super::deliver::DeliverHandler;
use super::ledger::{FileLedgerFactory, LedgerError};
use super::localconfig::TopLevel;
use super::multichannel::{Registrar, RegistrarError};
use super::operations::grpc::{count_connections, GrpcMetricsLayer};
use super::operations::metrics::Metrics;
use super::operations::{OperationsError, OperationsOptions, OperationsSystem};
use crate::comm::server::DRAIN_DEADLINE;
use crate::comm::{
    end_streams_on_stop, read_pem, serve_with_drain, stop_channel, CommError, KeepaliveOptions,
    ServerConfig, ServerTls, MAX_MESSAGE_SIZE,
};
use crate::config::Environment;
use crate::crypto::SwOpts;
use crate::flogging::Logging;
use crate::metadata::BuildInfo;
use crate::msp::{load_local_msp, MspError};
use crate::protos::common::Block;
use crate::protos::orderer::atomic_broadcast_server::AtomicBroadcastServer;
use crate::protoutil::decode;
use crate::tools::configtxgen::encoder::{genesis_block as configtxgen_genesis, new_channel_group};
use crate::tools::configtxgen::localconfig::load_profile;
use crate::tools::configtxgen::ConfigtxgenError;

/// Why the orderer could not start or stopped serving.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("failed to load the local MSP from {dir}: {source}; check General.LocalMSPDir and General.LocalMSPID")]
    Msp { dir: String, source: MspError },
    #[error("bad General.BCCSP settings: {0}")]
    Bccsp(String),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Registrar(#[from] RegistrarError),
    #[error("could not read the genesis block {path}: {reason}; check General.GenesisFile")]
    Genesis { path: String, reason: String },
    #[error("could not make the provisional genesis block from profile {profile} of configtx.yaml: {reason}; check General.GenesisProfile and FABRIC_CFG_PATH")]
    Provisional { profile: String, reason: String },
    #[error("General.GenesisMethod {0:?} is not supported; use \"file\" (with General.GenesisFile) or \"provisional\"")]
    GenesisMethod(String),
    #[error(
        "failed to listen on {addr}: {source}; check General.ListenAddress and General.ListenPort"
    )]
    Listen {
        addr: String,
        source: std::io::Error,
    },
    #[error("bad TLS material: {0}; check General.TLS")]
    Tls(#[source] CommError),
    #[error(transparent)]
    Operations(#[from] OperationsError),
    #[error("{0}")]
    Serve(#[source] CommError),
    #[error("the gRPC server task failed: {0}")]
    Task(#[source] tokio::task::JoinError),
}

/// A configured orderer, bound to its port, ready to serve.
pub struct OrdererServer {
    registrar: Arc<Registrar>,
    metrics: Arc<Metrics>,
    operations: OperationsSystem,
    listener: TcpListener,
    service: AtomicBroadcastService,
    server_config: ServerConfig,
}

impl OrdererServer {
    /// Loads everything orderer.yaml names and binds the listener (must run inside tokio).
    /// `logging` backs the operations endpoint's /logspec, `build` its /version.
    /// `env` is the environment orderer.yaml was read with (a provisional genesis block
    /// finds configtx.yaml through its FABRIC_CFG_PATH).
    pub async fn new(
        config: &TopLevel,
        env: &Environment,
        logging: Option<Logging>,
        build: &BuildInfo,
    ) -> Result<Self, ServerError> {
        let sw = &config.general.bccsp.sw;
        let keystore = sw.file_key_store.as_deref().map(|p| config.resolve_path(p));
        let opts = SwOpts::new(&sw.hash, sw.security as u16, keystore)
            .map_err(|e| ServerError::Bccsp(e.to_string()))?;
        let msp_dir = config.local_msp_dir();
        let msp =
            load_local_msp(&msp_dir, &config.general.local_msp_id, &opts).map_err(|source| {
                ServerError::Msp {
                    dir: msp_dir.display().to_string(),
                    source,
                }
            })?;
        let signer = msp
            .default_signing_identity()
            .map_err(|source| ServerError::Msp {
                dir: msp_dir.display().to_string(),
                source,
            })?;
        let factory = FileLedgerFactory::new(config.ledger_location())?;
        let genesis = if factory.channel_ids()?.is_empty() {
            Some(genesis_block(config, env)?)
        } else {
            None
        };
        let metrics = Metrics::new();
        let registrar = Arc::new(
            Registrar::new(factory, signer, Arc::new(SoloConsenter)).with_metrics(&metrics),
        );
        registrar.initialize(genesis.as_ref())?;
        let addr = format!(
            "{}:{}",
            config.general.listen_address, config.general.listen_port
        );
        let listener = TcpListener::bind(&addr)
            .await
            .map_err(|source| ServerError::Listen { addr, source })?;
        let service = AtomicBroadcastService::new(
            Arc::new(BroadcastHandler::new(registrar.clone()).with_metrics(&metrics)),
            Arc::new(DeliverHandler::new(
                registrar.clone(),
                config.general.authentication.time_window,
                &metrics,
            )),
        );
        let server_config = server_config(config)?;
        let options = OperationsOptions {
            commit: build.commit().to_string(),
            ..super::operations::options(config)
        };
        let operations = OperationsSystem::bind(options, logging, metrics.clone()).await?;
        Ok(OrdererServer {
            registrar,
            metrics,
            operations,
            listener,
            service,
            server_config,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> Option<std::net::SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// The operations endpoint's address.
    pub fn operations_addr(&self) -> Option<std::net::SocketAddr> {
        self.operations.local_addr()
    }

    pub fn registrar(&self) -> &Arc<Registrar> {
        &self.registrar
    }

    /// Serves until `shutdown` completes, then drains within [`DRAIN_DEADLINE`]: stops
    /// accepting, ends open Broadcast and Deliver streams, halts every chain (the block
    /// being written is finished) and stops the operations endpoint.
    pub async fn serve(self, shutdown: impl Future<Output = ()>) -> Result<(), ServerError> {
        self.serve_with_drain(shutdown, DRAIN_DEADLINE).await
    }

    /// As [`OrdererServer::serve`], with connections let go `drain` after the stop at the
    /// latest.
    pub async fn serve_with_drain(
        self,
        shutdown: impl Future<Output = ()>,
        drain: Duration,
    ) -> Result<(), ServerError> {
        if let Some(addr) = self.local_addr() {
            tracing::info!(target: "orderer.common.server", "Beginning to serve requests on {addr}");
        }
        let builder = self.server_config.builder().map_err(ServerError::Tls)?;
        if let Some(addr) = self.operations.local_addr() {
            tracing::info!(target: "orderer.common.server", "Operations endpoint listening on {addr}");
        }
        let (stop_handle, stop) = stop_channel();
        let operations = tokio::spawn(self.operations.serve(stop.clone().into_stopped()));
        let incoming = count_connections(self.server_config.incoming(self.listener), &self.metrics);
        let service = AtomicBroadcastServer::new(self.service)
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE);
        let server = builder
            .layer(GrpcMetricsLayer::new(&self.metrics))
            .add_service(end_streams_on_stop(service, stop.clone()))
            .serve_with_incoming_shutdown(incoming, stop.clone().into_stopped());
        let mut main = tokio::spawn(serve_with_drain("orderer", server, stop.clone(), drain));
        tokio::pin!(shutdown);
        let ended_early = tokio::select! {
            _ = &mut shutdown => None,
            result = &mut main => Some(result),
        };
        tracing::info!(target: "orderer.common.server", "Stopping: no new connections; open streams are told to end; waiting at most {drain:?}");
        stop_handle.stop();
        let result = match ended_early {
            Some(result) => result,
            None => main.await,
        };
        self.registrar.halt();
        if !self.registrar.halted(CHAIN_STOP_DEADLINE).await {
            tracing::warn!(target: "orderer.common.server",
                "Some chains did not stop within {CHAIN_STOP_DEADLINE:?}");
        }
        if tokio::time::timeout(drain, operations).await.is_err() {
            tracing::warn!(target: "orderer.common.server", "the operations endpoint did not stop within {drain:?}; leaving it");
        }
        result
            .map_err(ServerError::Task)?
            .map_err(ServerError::Serve)
    }
}

/// How long a stop waits for the chains to write the block in flight and end.
const CHAIN_STOP_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// The system channel's genesis block: read from General.GenesisFile ("file"), or made from
/// General.GenesisProfile of configtx.yaml for General.SystemChannel ("provisional").
fn genesis_block(config: &TopLevel, env: &Environment) -> Result<Block, ServerError> {
    match config.general.genesis_method.as_str() {
        "file" => {
            let path = config.genesis_file();
            let err = |reason: String| ServerError::Genesis {
                path: path.display().to_string(),
                reason,
            };
            let bytes = std::fs::read(&path).map_err(|e| err(e.to_string()))?;
            decode("Block", &bytes).map_err(|e| err(e.to_string()))
        }
        "provisional" => {
            let profile = &config.general.genesis_profile;
            let err = |e: ConfigtxgenError| ServerError::Provisional {
                profile: profile.clone(),
                reason: e.to_string(),
            };
            let loaded = load_profile(profile, None, env).map_err(err)?;
            let group = new_channel_group(&loaded).map_err(err)?;
            Ok(configtxgen_genesis(&config.general.system_channel, group))
        }
        other => Err(ServerError::GenesisMethod(other.to_string())),
    }
}

fn read(config: &TopLevel, what: &'static str, path: &str) -> Result<Vec<u8>, ServerError> {
    read_pem(what, config.resolve_path(path)).map_err(ServerError::Tls)
}

/// The orderer's server settings: General.TLS (with ClientAuthRequired, the client roots
/// are General.TLS.ClientRootCAs and RootCAs, as Fabric's) and General.Keepalive.
fn server_config(config: &TopLevel) -> Result<ServerConfig, ServerError> {
    let keepalive = &config.general.keepalive;
    let mut server = ServerConfig {
        keepalive: KeepaliveOptions {
            server_interval: keepalive.server_interval,
            server_timeout: keepalive.server_timeout,
        },
        ..ServerConfig::default()
    };
    let t = &config.general.tls;
    if !t.enabled {
        return Ok(server);
    }
    let cert = read(config, "General.TLS.Certificate", &t.certificate)?;
    let key = read(config, "General.TLS.PrivateKey", &t.private_key)?;
    let client_roots = if t.client_auth_required {
        let mut roots = Vec::new();
        for ca in t.client_root_cas.iter().flatten().chain(t.root_cas.iter()) {
            roots.push(read(config, "General.TLS.ClientRootCAs", ca)?);
        }
        Some(crate::comm::pem_bundle(roots.iter().map(Vec::as_slice)))
    } else {
        None
    };
    server.tls = Some(ServerTls {
        cert,
        key,
        client_roots,
    });
    server.builder().map_err(ServerError::Tls)?;
    Ok(server)
}
