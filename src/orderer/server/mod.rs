//! The ordering node's server (Fabric's `orderer/common/server`): loads the local MSP,
//! opens the ledgers, bootstraps the system channel, and serves `orderer.AtomicBroadcast`
//! on General.ListenAddress:ListenPort (with server or mutual TLS from General.TLS).

mod service;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;
use tonic::transport::{Certificate, Identity, Server, ServerTlsConfig};

pub use service::AtomicBroadcastService;

use super::broadcast::BroadcastHandler;
use super::consensus::solo::SoloConsenter;
use super::deliver::DeliverHandler;
use super::ledger::{FileLedgerFactory, LedgerError};
use super::localconfig::TopLevel;
use super::multichannel::{Registrar, RegistrarError};
use super::operations::{OperationsError, OperationsSystem};
use crate::config::Environment;
use crate::crypto::SwOpts;
use crate::flogging::Logging;
use crate::msp::{load_local_msp, MspError};
use crate::protos::common::Block;
use crate::protos::orderer::atomic_broadcast_server::AtomicBroadcastServer;
use crate::protoutil::decode;
use crate::tools::configtxgen::encoder::{genesis_block as configtxgen_genesis, new_channel_group};
use crate::tools::configtxgen::localconfig::load_profile;
use crate::tools::configtxgen::ConfigtxgenError;

/// The largest gRPC message accepted or sent, as Fabric's server (100 MiB).
pub const MAX_MESSAGE_SIZE: usize = 100 * 1024 * 1024;

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
    Tls(String),
    #[error(transparent)]
    Operations(#[from] OperationsError),
    #[error("the gRPC server failed: {0}")]
    Serve(String),
}

/// A configured orderer, bound to its port, ready to serve.
pub struct OrdererServer {
    registrar: Arc<Registrar>,
    operations: OperationsSystem,
    listener: TcpListener,
    service: AtomicBroadcastService,
    tls: Option<ServerTlsConfig>,
}

impl OrdererServer {
    /// Loads everything orderer.yaml names and binds the listener (must run inside tokio).
    /// `logging` backs the operations endpoint's /logspec.
    /// `env` is the environment orderer.yaml was read with (a provisional genesis block
    /// finds configtx.yaml through its FABRIC_CFG_PATH).
    pub async fn new(
        config: &TopLevel,
        env: &Environment,
        logging: Option<Logging>,
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
        let registrar = Arc::new(Registrar::new(factory, signer, Arc::new(SoloConsenter)));
        registrar.initialize(genesis.as_ref())?;
        let addr = format!(
            "{}:{}",
            config.general.listen_address, config.general.listen_port
        );
        let listener = TcpListener::bind(&addr)
            .await
            .map_err(|source| ServerError::Listen { addr, source })?;
        let service = AtomicBroadcastService::new(
            Arc::new(BroadcastHandler::new(registrar.clone())),
            Arc::new(DeliverHandler::new(
                registrar.clone(),
                config.general.authentication.time_window,
            )),
        );
        let tls = tls_config(config)?;
        let operations = OperationsSystem::bind(
            &config.operations.listen_address,
            config.operations.tls.enabled,
            &config.metrics.provider,
            logging,
        )
        .await?;
        Ok(OrdererServer {
            registrar,
            operations,
            listener,
            service,
            tls,
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

    /// Serves until `shutdown` completes, then halts every chain.
    pub async fn serve(self, shutdown: impl Future<Output = ()>) -> Result<(), ServerError> {
        if let Some(addr) = self.local_addr() {
            tracing::info!(target: "orderer.common.server", "Beginning to serve requests on {addr}");
        }
        let mut builder = Server::builder();
        if let Some(tls) = self.tls {
            builder = builder
                .tls_config(tls)
                .map_err(|e| ServerError::Tls(e.to_string()))?;
        }
        if let Some(addr) = self.operations.local_addr() {
            tracing::info!(target: "orderer.common.server", "Operations endpoint listening on {addr}");
        }
        let (stop_ops, ops_stopped) = tokio::sync::oneshot::channel::<()>();
        let operations = tokio::spawn(self.operations.serve(async {
            let _ = ops_stopped.await;
        }));
        let incoming = tokio_stream::wrappers::TcpListenerStream::new(self.listener);
        let result = builder
            .add_service(
                AtomicBroadcastServer::new(self.service)
                    .max_decoding_message_size(MAX_MESSAGE_SIZE)
                    .max_encoding_message_size(MAX_MESSAGE_SIZE),
            )
            .serve_with_incoming_shutdown(incoming, shutdown)
            .await;
        self.registrar.halt();
        if !self.registrar.halted(CHAIN_STOP_DEADLINE).await {
            tracing::warn!(target: "orderer.common.server",
                "Some chains did not stop within {CHAIN_STOP_DEADLINE:?}");
        }
        let _ = stop_ops.send(());
        let _ = operations.await;
        result.map_err(|e| ServerError::Serve(e.to_string()))
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

fn read(config: &TopLevel, path: &str) -> Result<Vec<u8>, ServerError> {
    let full: PathBuf = config.resolve_path(path);
    std::fs::read(&full).map_err(|e| ServerError::Tls(format!("{}: {e}", full.display())))
}

fn tls_config(config: &TopLevel) -> Result<Option<ServerTlsConfig>, ServerError> {
    let t = &config.general.tls;
    if !t.enabled {
        return Ok(None);
    }
    let identity = Identity::from_pem(read(config, &t.certificate)?, read(config, &t.private_key)?);
    let mut tls = ServerTlsConfig::new().identity(identity);
    if t.client_auth_required {
        let mut roots = Vec::new();
        for ca in t.client_root_cas.iter().flatten().chain(t.root_cas.iter()) {
            roots.extend(read(config, ca)?);
            roots.push(b'\n');
        }
        tls = tls.client_ca_root(Certificate::from_pem(roots));
    }
    Ok(Some(tls))
}
