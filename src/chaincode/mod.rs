//! Chaincode support (Fabric's `core/chaincode`): the peer side of the chaincode shim
//! protocol.
//!
//! A chaincode process dials the peer's chaincode listener and opens the `Register` stream
//! ([`chaincode_support::ChaincodeSupportService`]); its first message is REGISTER with its
//! chaincode id, answered with REGISTERED and READY, after which its [`handler::Handler`] is
//! found in the [`handler_registry::HandlerRegistry`] under the canonical name
//! `name:version`. [`chaincode_support::ChaincodeSupport::execute`] sends one TRANSACTION
//! (or INIT) and serves the shim's state requests against the proposal's transaction
//! simulator ([`transaction_context::TransactionContext`]) until COMPLETED or ERROR.
//!
//! A chaincode that is not registered is launched ([`launcher`]): built from its installed
//! package and started as a supervised process, or dialed as a service; in dev mode
//! (`--peer-chaincodedev`) the user starts it and a missing one fails with a line saying so.
//! With TLS, [`accesscontrol`] issues each launch a client certificate and binds REGISTER
//! to it.

pub mod accesscontrol;
pub mod chaincode_support;
pub mod handler;
pub mod handler_registry;
pub mod launcher;
pub mod metrics;
pub mod platforms;
pub mod transaction_context;

pub use chaincode_support::{ChaincodeSupport, ChaincodeSupportService, SupportConfig, TxParams};
pub use handler::Handler;
pub use handler_registry::DuplicateChaincode;
pub use handler_registry::HandlerRegistry;

/// Why a chaincode execution failed; the texts follow Fabric's.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ExecError {
    /// No chaincode with this canonical name is registered and the peer is in development
    /// mode (the user starts chaincodes).
    #[error("failed to execute transaction {tx_id}: [channel {channel}] could not launch chaincode {cname}: it is not running and the peer is in development mode (--peer-chaincodedev), where chaincodes are started by hand; start it with CORE_CHAINCODE_ID_NAME={cname} and --peer.address {address}")]
    NotRunning {
        tx_id: String,
        channel: String,
        cname: String,
        address: String,
    },
    /// The chaincode could not be launched (Fabric's `Launch` error).
    #[error("failed to execute transaction {tx_id}: [channel {channel}] could not launch chaincode {cname}: {source}")]
    Launch {
        tx_id: String,
        channel: String,
        cname: String,
        #[source]
        source: std::sync::Arc<launcher::LaunchError>,
    },
    /// The execution could not complete (timeout, stream gone, duplicate tx id...).
    #[error("failed to execute transaction {tx_id}: {reason}")]
    Execute {
        tx_id: String,
        #[source]
        reason: ExecFailure,
    },
    /// The chaincode answered ERROR.
    #[error("transaction returned with failure: {0}")]
    Failure(String),
    /// The chaincode answered COMPLETED with a payload that is not a `Response`.
    #[error("failed to unmarshal response for transaction {tx_id}: {reason}")]
    BadResponse {
        tx_id: String,
        #[source]
        reason: prost::DecodeError,
    },
    /// The chaincode answered something other than COMPLETED or ERROR.
    #[error("unexpected response type {kind} for transaction {tx_id}")]
    UnexpectedType { kind: i32, tx_id: String },
}

/// Why a started execution did not reach the chaincode's final message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecFailure {
    #[error("failed getting proposal context. Signed proposal is nil")]
    NoSignedProposal,
    #[error("timeout expired while executing transaction")]
    Timeout,
    #[error("chaincode stream terminated")]
    StreamTerminated,
    #[error(transparent)]
    Duplicate(#[from] handler::DuplicateContext),
    #[error(transparent)]
    Send(#[from] handler::SendError),
    #[error("no async runtime to wait for the chaincode on")]
    NoRuntime,
}

/// Why a chaincode's definition could not be read from lscc's state.
#[derive(Debug, thiserror::Error)]
pub enum DefinitionError {
    #[error("could not retrieve state for chaincode {name}: {source}")]
    State {
        name: String,
        #[source]
        source: crate::ledger::LedgerError,
    },
    #[error("could not find chaincode with name '{0}'")]
    NotFound(String),
    #[error("chaincode {name} has bad definition: {source}")]
    Bad {
        name: String,
        #[source]
        source: prost::DecodeError,
    },
}

/// Runs ledger work that may block: on a thread given up to blocking work when the
/// runtime has several (tokio's `block_in_place`), inline otherwise.
pub(crate) fn blocking<R>(work: impl FnOnce() -> R) -> R {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

/// The canonical name of a chaincode (`name:version`), the registry key.
pub fn canonical_name(name: &str, version: &str) -> String {
    format!("{name}:{version}")
}

/// First eight characters of a tx id, for logs (Fabric's `shorttxid`).
pub(crate) fn short_txid(tx_id: &str) -> &str {
    tx_id.get(..8).unwrap_or(tx_id)
}
