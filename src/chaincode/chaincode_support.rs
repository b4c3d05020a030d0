//! Fabric's `ChaincodeSupport`: the `Register` gRPC service chaincodes connect to, and
//! [`ChaincodeSupport::execute`], which runs one transaction (or Init) in a registered
//! chaincode and turns its final message into a `Response` and an optional event.

use std::sync::Arc;
use std::time::{Duration, Instant};

use prost::Message;

use super::handler::{serve_stream, Handler};
use super::handler_registry::HandlerRegistry;
use super::transaction_context::TransactionContext;
use super::{canonical_name, short_txid, ExecError};
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
    /// Whether the channel has the V1_3 application capability (state metadata APIs).
    pub key_level_endorsement: bool,
}

/// The peer's chaincode support: registered handlers and execution.
pub struct ChaincodeSupport {
    registry: Arc<HandlerRegistry>,
    config: SupportConfig,
    sccs: Arc<crate::scc::Registry>,
}

impl ChaincodeSupport {
    /// Chaincode support with an empty handler registry; `sccs` are the system chaincodes
    /// (refused or special in chaincode-to-chaincode calls).
    pub fn new(config: SupportConfig, sccs: Arc<crate::scc::Registry>) -> Self {
        ChaincodeSupport {
            registry: Arc::new(HandlerRegistry::new()),
            config,
            sccs,
        }
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
        })
        .max_decoding_message_size(crate::node::server::MAX_MESSAGE_SIZE)
        .max_encoding_message_size(crate::node::server::MAX_MESSAGE_SIZE)
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
    ) -> Result<ChaincodeData, String> {
        chaincode_definition(qe, name)
    }

    /// The instantiated version of `name`.
    pub fn chaincode_version(&self, qe: &dyn QueryExecutor, name: &str) -> Result<String, String> {
        chaincode_definition(qe, name).map(|d| d.version)
    }

    /// Runs one transaction (INIT when `is_init`) in chaincode `name:version` and returns
    /// its response and event (Fabric's `Execute` / `ExecuteLegacyInit`).
    pub fn execute(
        &self,
        params: &TxParams<'_>,
        name: &str,
        version: &str,
        input: ChaincodeInput,
        is_init: bool,
    ) -> Result<(Response, Option<ChaincodeEvent>), ExecError> {
        let msg = self.invoke(params, name, version, input, is_init)?;
        let tx_id = params.tx_id.to_string();
        let event = msg.chaincode_event.map(|mut e| {
            e.chaincode_id = name.to_string();
            e.tx_id = tx_id.clone();
            e
        });
        match Type::try_from(msg.r#type) {
            Ok(Type::Completed) => {
                let response = Response::decode(msg.payload.as_slice()).map_err(|e| {
                    ExecError::BadResponse {
                        tx_id,
                        reason: e.to_string(),
                    }
                })?;
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

    /// Sends the TRANSACTION (or INIT) and serves the chaincode's requests until its final
    /// message, which is returned as is (Fabric's `Invoke`).
    pub fn invoke(
        &self,
        params: &TxParams<'_>,
        name: &str,
        version: &str,
        input: ChaincodeInput,
        is_init: bool,
    ) -> Result<ChaincodeMessage, ExecError> {
        let cname = canonical_name(name, version);
        let Some(handler) = self.registry.handler(&cname) else {
            if self.config.user_runs_cc {
                tracing::error!(target: "chaincode", "You are attempting to perform an action other than Deploy on Chaincode that is not ready and you are in developer mode. Did you forget to Deploy your chaincode?");
            }
            return Err(ExecError::NotRunning {
                tx_id: params.tx_id.to_string(),
                channel: params.channel_id.to_string(),
                cname,
                address: self.config.peer_address.clone(),
            });
        };
        let fail = |reason: String| ExecError::Execute {
            tx_id: params.tx_id.to_string(),
            reason,
        };
        let inbox = handler
            .open_context(params.channel_id, params.tx_id)
            .map_err(fail)?;
        let outcome = self.run(&handler, params, input, is_init, inbox);
        handler.close_context(params.channel_id, params.tx_id);
        outcome.map_err(fail)
    }

    fn run(
        &self,
        handler: &Arc<Handler>,
        params: &TxParams<'_>,
        input: ChaincodeInput,
        is_init: bool,
        inbox: std::sync::mpsc::Receiver<ChaincodeMessage>,
    ) -> Result<ChaincodeMessage, String> {
        let kind = if is_init {
            Type::Init
        } else {
            Type::Transaction
        };
        if params.proposal.is_some() && params.signed_proposal.is_none() {
            return Err("failed getting proposal context. Signed proposal is nil".into());
        }
        let start = ChaincodeMessage {
            r#type: kind as i32,
            payload: input.encode_to_vec(),
            txid: params.tx_id.to_string(),
            channel_id: params.channel_id.to_string(),
            proposal: params.proposal.and(params.signed_proposal).cloned(),
            ..Default::default()
        };
        handler.send(start)?;
        let timeout = self.config.execute_timeout;
        let deadline = Instant::now() + timeout;
        let mut ctx = TransactionContext::new(self, params, handler.chaincode_name(), is_init);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let msg = match inbox.recv_timeout(left) {
                Ok(m) => m,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    tracing::error!(target: "chaincode", "[{}] timeout expired while executing transaction {} on {} ({timeout:?}, chaincode.executetimeout)", short_txid(params.tx_id), params.tx_id, handler.canonical_name());
                    return Err("timeout expired while executing transaction".into());
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    return Err("chaincode stream terminated".into())
                }
            };
            if msg.r#type == Type::Completed as i32 || msg.r#type == Type::Error as i32 {
                return Ok(msg);
            }
            handler.send(ctx.handle(&msg))?;
        }
    }
}

/// The definition lscc stored for `name`, read through `qe` (so a simulator records the
/// read, as Fabric's `ChaincodeDefinition`); a missing one is lscc's "could not find".
pub fn chaincode_definition(qe: &dyn QueryExecutor, name: &str) -> Result<ChaincodeData, String> {
    let bytes = qe
        .get_state(LSCC_NAMESPACE, name)
        .map_err(|e| format!("could not retrieve state for chaincode {name}: {e}"))?;
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
        return Err(format!("could not find chaincode with name '{name}'"));
    };
    ChaincodeData::from_bytes(&bytes)
        .map_err(|e| format!("chaincode {name} has bad definition: {e}"))
}

/// The tonic `ChaincodeSupport` service: each `Register` stream is served by a task.
#[derive(Clone)]
pub struct ChaincodeSupportService {
    registry: Arc<HandlerRegistry>,
}

#[tonic::async_trait]
impl ChaincodeSupportGrpc for ChaincodeSupportService {
    type RegisterStream =
        tokio_stream::wrappers::UnboundedReceiverStream<Result<ChaincodeMessage, tonic::Status>>;

    async fn register(
        &self,
        request: tonic::Request<tonic::Streaming<ChaincodeMessage>>,
    ) -> Result<tonic::Response<Self::RegisterStream>, tonic::Status> {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(serve_stream(
            request.into_inner(),
            tx,
            self.registry.clone(),
        ));
        Ok(tonic::Response::new(
            tokio_stream::wrappers::UnboundedReceiverStream::new(rx),
        ))
    }
}
