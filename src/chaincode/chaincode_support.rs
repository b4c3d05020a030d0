//! Fabric's `ChaincodeSupport`: the `Register` gRPC service chaincodes connect to, and
//! [`ChaincodeSupport::execute`], which runs one transaction (or Init) in a registered
//! chaincode and turns its final message into a `Response` and an optional event. The
//! wait for the chaincode is an await bounded by `chaincode.executetimeout`: no thread is
//! held while the chaincode works.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use prost::Message;
use tokio::sync::mpsc;

use super::accesscontrol::Authenticator;
use super::handler::{serve_stream, Handler, StreamAuth, OUTBOUND_QUEUE};
use super::handler_registry::HandlerRegistry;
use super::launcher::Launcher;
use super::metrics::ChaincodeMetrics;
use super::transaction_context::TransactionContext;
use super::{canonical_name, short_txid, DefinitionError, ExecError, ExecFailure};
use crate::ledger::{HistoryQueryExecutor, QueryExecutor, TxSimulator};
use crate::protos::peer::chaincode_message::Type;
use crate::protos::peer::chaincode_support_server::{
    ChaincodeSupport as ChaincodeSupportGrpc, ChaincodeSupportServer,
};
use crate::protos::peer::{
    ChaincodeEvent, ChaincodeInput, ChaincodeMessage, Proposal, Response, SignedProposal,
};
use crate::scc::lscc::chaincode_data::{ChaincodeData, LSCC_NAMESPACE};

/// Settings of chaincode support (core.yaml `chaincode.*`, `ledger.state.totalQueryLimit`).
#[derive(Debug, Clone)]
pub struct SupportConfig {
    /// `chaincode.executetimeout` (Fabric's default 30s).
    pub execute_timeout: Duration,
    /// Dev mode (`--peer-chaincodedev`): chaincodes are started by the user.
    pub user_runs_cc: bool,
    /// Where chaincodes reach this peer (the chaincode endpoint), for messages.
    pub peer_address: String,
    /// Most results one query returns in all (`ledger.state.totalQueryLimit`, 100000).
    pub total_query_limit: usize,
}

impl Default for SupportConfig {
    fn default() -> Self {
        SupportConfig {
            execute_timeout: Duration::from_secs(30),
            user_runs_cc: false,
            peer_address: "0.0.0.0:7052".into(),
            total_query_limit: 100_000,
        }
    }
}

/// What a transaction executes with (Fabric's `TransactionParams`).
pub struct TxParams<'a> {
    pub channel_id: &'a str,
    pub tx_id: &'a str,
    pub signed_proposal: Option<&'a SignedProposal>,
    pub proposal: Option<&'a Proposal>,
    pub simulator: &'a dyn TxSimulator,
    pub history: Option<&'a dyn HistoryQueryExecutor>,
    /// Other channels for chaincode-to-chaincode calls, and their ACL (none: same channel
    /// only, no ACL check).
    pub channels: Option<&'a dyn super::transaction_context::ChannelAccess>,
    /// Whether the channel has the V1_3 application capability (state metadata APIs).
    pub key_level_endorsement: bool,
}

/// The peer's chaincode support: registered handlers, the launcher and execution.
pub struct ChaincodeSupport {
    registry: Arc<HandlerRegistry>,
    config: SupportConfig,
    sccs: Arc<crate::scc::Registry>,
    launcher: Option<Arc<Launcher>>,
    authenticator: Option<Arc<Authenticator>>,
    metrics: ChaincodeMetrics,
}

impl ChaincodeSupport {
    /// Chaincode support with an empty handler registry; `sccs` are the system chaincodes
    /// (refused or special in chaincode-to-chaincode calls).
    pub fn new(config: SupportConfig, sccs: Arc<crate::scc::Registry>) -> Self {
        Self::with_registry(config, sccs, Arc::new(HandlerRegistry::new()))
    }

    /// Chaincode support over an existing handler registry (the one a launcher waits on).
    pub fn with_registry(
        config: SupportConfig,
        sccs: Arc<crate::scc::Registry>,
        registry: Arc<HandlerRegistry>,
    ) -> Self {
        ChaincodeSupport {
            registry,
            config,
            sccs,
            launcher: None,
            authenticator: None,
            metrics: ChaincodeMetrics::default(),
        }
    }

    /// Counts into `metrics` (the peer's registry) instead of a private one.
    pub fn with_metrics(mut self, metrics: ChaincodeMetrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// Launches chaincodes that are not running with `launcher` (not in dev mode).
    pub fn launching_with(mut self, launcher: Arc<Launcher>) -> Self {
        self.launcher = Some(launcher);
        self
    }

    /// Checks each REGISTER against the client certificate of its TLS stream.
    pub fn authenticating_with(mut self, authenticator: Arc<Authenticator>) -> Self {
        self.authenticator = Some(authenticator);
        self
    }

    pub fn launcher(&self) -> Option<&Arc<Launcher>> {
        self.launcher.as_ref()
    }

    pub fn config(&self) -> &SupportConfig {
        &self.config
    }

    pub fn registry(&self) -> &Arc<HandlerRegistry> {
        &self.registry
    }

    /// The gRPC `Register` service over this support.
    pub fn service(self: &Arc<Self>) -> ChaincodeSupportServer<ChaincodeSupportService> {
        ChaincodeSupportServer::new(ChaincodeSupportService {
            registry: self.registry.clone(),
            authenticator: self.authenticator.clone(),
        })
        .max_decoding_message_size(crate::comm::MAX_MESSAGE_SIZE)
        .max_encoding_message_size(crate::comm::MAX_MESSAGE_SIZE)
    }

    pub fn is_sys_cc(&self, name: &str) -> bool {
        self.sccs.is_sys_cc(name)
    }

    pub fn is_sys_cc_and_not_invokable_cc2cc(&self, name: &str) -> bool {
        self.sccs.is_sys_cc_and_not_invokable_cc2cc(name)
    }

    /// The definition lscc stored for `name` (see [`chaincode_definition`]).
    pub fn chaincode_definition(
        &self,
        qe: &dyn QueryExecutor,
        name: &str,
    ) -> Result<ChaincodeData, DefinitionError> {
        chaincode_definition(qe, name)
    }

    /// The instantiated version of `name`.
    pub fn chaincode_version(
        &self,
        qe: &dyn QueryExecutor,
        name: &str,
    ) -> Result<String, DefinitionError> {
        chaincode_definition(qe, name).map(|d| d.version)
    }

    /// Runs one transaction (INIT when `is_init`) in chaincode `name:version` and returns
    /// its response and event (Fabric's `Execute` / `ExecuteLegacyInit`).
    pub async fn execute(
        &self,
        params: &TxParams<'_>,
        name: &str,
        version: &str,
        input: ChaincodeInput,
        is_init: bool,
    ) -> Result<(Response, Option<ChaincodeEvent>), ExecError> {
        let msg = self.invoke(params, name, version, input, is_init).await?;
        let tx_id = params.tx_id.to_string();
        let event = msg.chaincode_event.map(|mut e| {
            e.chaincode_id = name.to_string();
            e.tx_id = tx_id.clone();
            e
        });
        match Type::try_from(msg.r#type) {
            Ok(Type::Completed) => {
                let response = Response::decode(msg.payload.as_slice())
                    .map_err(|reason| ExecError::BadResponse { tx_id, reason })?;
                Ok((response, event))
            }
            Ok(Type::Error) => Err(ExecError::Failure(
                String::from_utf8_lossy(&msg.payload).into_owned(),
            )),
            _ => Err(ExecError::UnexpectedType {
                kind: msg.r#type,
                tx_id,
            }),
        }
    }

    /// [`ChaincodeSupport::execute`] for synchronous callers on a blocking thread of the
    /// runtime (a system chaincode's deploy running the new chaincode's Init).
    pub fn execute_blocking(
        &self,
        params: &TxParams<'_>,
        name: &str,
        version: &str,
        input: ChaincodeInput,
        is_init: bool,
    ) -> Result<(Response, Option<ChaincodeEvent>), ExecError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| ExecError::Execute {
            tx_id: params.tx_id.to_string(),
            reason: ExecFailure::NoRuntime,
        })?;
        runtime.block_on(self.execute(params, name, version, input, is_init))
    }

    /// Sends the TRANSACTION (or INIT) and serves the chaincode's requests until its final
    /// message, which is returned as is (Fabric's `Invoke`). Boxed: a chaincode may call
    /// another one from inside.
    pub fn invoke<'a>(
        &'a self,
        params: &'a TxParams<'a>,
        name: &'a str,
        version: &'a str,
        input: ChaincodeInput,
        is_init: bool,
    ) -> Pin<Box<dyn Future<Output = Result<ChaincodeMessage, ExecError>> + Send + 'a>> {
        Box::pin(async move {
            let cname = canonical_name(name, version);
            let handler = self
                .handler_or_launch(params, name, version, &cname)
                .await?;
            let fail = |reason: ExecFailure| ExecError::Execute {
                tx_id: params.tx_id.to_string(),
                reason,
            };
            let inbox = handler
                .open_context(params.channel_id, params.tx_id)
                .map_err(|e| fail(e.into()))?;
            let _open = OpenContext {
                handler: &handler,
                channel: params.channel_id,
                tx_id: params.tx_id,
            };
            self.run(&handler, params, input, is_init, inbox)
                .await
                .map_err(fail)
        })
    }

    /// The registered handler of `cname`, launching the chaincode first when it is not
    /// registered (Fabric's `Launch`); in dev mode, or without a launcher, a chaincode that
    /// is not running is an error saying how to start it.
    async fn handler_or_launch(
        &self,
        params: &TxParams<'_>,
        name: &str,
        version: &str,
        cname: &str,
    ) -> Result<Arc<Handler>, ExecError> {
        if let Some(handler) = self.registry.handler(cname) {
            return Ok(handler);
        }
        let launcher = match &self.launcher {
            Some(l) if !self.config.user_runs_cc => l,
            _ => {
                if self.config.user_runs_cc {
                    tracing::error!(target: "chaincode", "You are attempting to perform an action other than Deploy on Chaincode that is not ready and you are in developer mode. Did you forget to Deploy your chaincode?");
                }
                return Err(ExecError::NotRunning {
                    tx_id: params.tx_id.to_string(),
                    channel: params.channel_id.to_string(),
                    cname: cname.to_string(),
                    address: self.config.peer_address.clone(),
                });
            }
        };
        let launch_err = |source| ExecError::Launch {
            tx_id: params.tx_id.to_string(),
            channel: params.channel_id.to_string(),
            cname: cname.to_string(),
            source,
        };
        let started = std::time::Instant::now();
        let launched = launcher.launch(name, version).await;
        let failure = launched
            .as_ref()
            .err()
            .map(|e| matches!(**e, super::launcher::LaunchError::StartupTimeout { .. }));
        self.metrics.launched(cname, started.elapsed(), failure);
        launched.map_err(launch_err)?;
        self.registry.handler(cname).ok_or_else(|| {
            launch_err(std::sync::Arc::new(
                super::launcher::LaunchError::NoHandler(cname.to_string()),
            ))
        })
    }

    async fn run(
        &self,
        handler: &Arc<Handler>,
        params: &TxParams<'_>,
        input: ChaincodeInput,
        is_init: bool,
        mut inbox: mpsc::Receiver<ChaincodeMessage>,
    ) -> Result<ChaincodeMessage, ExecFailure> {
        let kind = if is_init {
            Type::Init
        } else {
            Type::Transaction
        };
        if params.proposal.is_some() && params.signed_proposal.is_none() {
            return Err(ExecFailure::NoSignedProposal);
        }
        let start = ChaincodeMessage {
            r#type: kind as i32,
            payload: input.encode_to_vec(),
            txid: params.tx_id.to_string(),
            channel_id: params.channel_id.to_string(),
            proposal: params.proposal.and(params.signed_proposal).cloned(),
            ..Default::default()
        };
        handler.send(start).await?;
        let timeout = self.config.execute_timeout;
        let deadline = tokio::time::Instant::now() + timeout;
        let mut ctx = TransactionContext::new(self, params, handler.chaincode_name(), is_init);
        loop {
            let msg = match tokio::time::timeout_at(deadline, inbox.recv()).await {
                Ok(Some(m)) => m,
                Ok(None) => return Err(ExecFailure::StreamTerminated),
                Err(_) => {
                    tracing::error!(target: "chaincode", "[{}] timeout expired while executing transaction {} on {} ({timeout:?}, chaincode.executetimeout)", short_txid(params.tx_id), params.tx_id, handler.canonical_name());
                    self.metrics.execute_timed_out(handler.canonical_name());
                    return Err(ExecFailure::Timeout);
                }
            };
            if msg.r#type == Type::Completed as i32 || msg.r#type == Type::Error as i32 {
                return Ok(msg);
            }
            let (cname, channel) = (handler.canonical_name(), params.channel_id);
            self.metrics.request_received(msg.r#type, channel, cname);
            let started = std::time::Instant::now();
            let answer = ctx.handle(&msg).await;
            self.metrics.request_completed(
                msg.r#type,
                channel,
                cname,
                answer.r#type,
                started.elapsed(),
            );
            handler.send(answer).await?;
        }
    }
}

/// A transaction context open on a handler; closed when dropped, also when the caller
/// stops waiting (a cancelled request).
struct OpenContext<'a> {
    handler: &'a Arc<Handler>,
    channel: &'a str,
    tx_id: &'a str,
}

impl Drop for OpenContext<'_> {
    fn drop(&mut self) {
        self.handler.close_context(self.channel, self.tx_id);
    }
}

/// The definition lscc stored for `name`, read through `qe` (so a simulator records the
/// read, as Fabric's `ChaincodeDefinition`); a missing one is lscc's "could not find".
pub fn chaincode_definition(
    qe: &dyn QueryExecutor,
    name: &str,
) -> Result<ChaincodeData, DefinitionError> {
    let bytes = qe
        .get_state(LSCC_NAMESPACE, name)
        .map_err(|source| DefinitionError::State {
            name: name.to_string(),
            source,
        })?;
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
        return Err(DefinitionError::NotFound(name.to_string()));
    };
    ChaincodeData::from_bytes(&bytes).map_err(|source| DefinitionError::Bad {
        name: name.to_string(),
        source,
    })
}

/// The tonic `ChaincodeSupport` service: each `Register` stream is served by a task.
#[derive(Clone)]
pub struct ChaincodeSupportService {
    registry: Arc<HandlerRegistry>,
    authenticator: Option<Arc<Authenticator>>,
}

#[tonic::async_trait]
impl ChaincodeSupportGrpc for ChaincodeSupportService {
    type RegisterStream =
        tokio_stream::wrappers::ReceiverStream<Result<ChaincodeMessage, tonic::Status>>;

    async fn register(
        &self,
        request: tonic::Request<tonic::Streaming<ChaincodeMessage>>,
    ) -> Result<tonic::Response<Self::RegisterStream>, tonic::Status> {
        let auth = self.authenticator.as_ref().map(|a| StreamAuth {
            authenticator: a.clone(),
            client_cert: request
                .peer_certs()
                .and_then(|certs| certs.first().map(|c| c.to_vec())),
        });
        let (tx, rx) = mpsc::channel(OUTBOUND_QUEUE);
        tokio::spawn(serve_stream(
            request.into_inner(),
            tx,
            self.registry.clone(),
            auth,
        ));
        Ok(tonic::Response::new(
            tokio_stream::wrappers::ReceiverStream::new(rx),
        ))
    }
}
