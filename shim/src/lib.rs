//! Hyperledger Fabric v1.4 chaincode in Rust.
//!
//! Implement [`Chaincode`] and call [`start`] from `main`: the process reads what Fabric's
//! Go shim reads (CORE_CHAINCODE_ID_NAME, `--peer.address` or CORE_PEER_ADDRESS,
//! CORE_PEER_TLS_ENABLED with CORE_TLS_CLIENT_KEY_PATH / CORE_TLS_CLIENT_CERT_PATH /
//! CORE_PEER_TLS_ROOTCERT_FILE, CORE_CHAINCODE_LOGGING_LEVEL / _SHIM), registers with the
//! peer and runs every INIT and TRANSACTION the peer sends, each on a thread of its own.
//! The [`ChaincodeStub`] has the Go shim's API: state, ranges with pagination, composite
//! keys, history, other chaincodes, events, transient data, creator, tx id and timestamp.
//! For chaincode-as-a-service, [`ChaincodeServer`] listens and the peer dials it;
//! [`start_or_serve`] picks one or the other from the environment (CHAINCODE_SERVER_ADDRESS).
//!
//! ```no_run
//! use fabric_shim::{Chaincode, ChaincodeStub, Response};
//!
//! struct Counter;
//!
//! impl Chaincode for Counter {
//!     fn init(&self, _stub: &mut ChaincodeStub) -> Response {
//!         fabric_shim::success(Vec::new())
//!     }
//!
//!     fn invoke(&self, stub: &mut ChaincodeStub) -> Response {
//!         let (function, params) = stub.get_function_and_parameters();
//!         match function.as_str() {
//!             "put" if params.len() == 2 => match stub.put_state(&params[0], params[1].clone().into_bytes()) {
//!                 Ok(()) => fabric_shim::success(Vec::new()),
//!                 Err(e) => fabric_shim::error(e.to_string()),
//!             },
//!             "get" if params.len() == 1 => match stub.get_state(&params[0]) {
//!                 Ok(value) => fabric_shim::success(value),
//!                 Err(e) => fabric_shim::error(e.to_string()),
//!             },
//!             _ => fabric_shim::error(format!("unknown function {function}")),
//!         }
//!     }
//! }
//!
//! fn main() {
//!     if let Err(e) = fabric_shim::start(Counter) {
//!         eprintln!("Error starting Counter chaincode: {e}");
//!         std::process::exit(1);
//!     }
//! }
//! ```

mod error;
mod handler;
pub mod keys;
pub mod proto;
mod server;
mod start;
mod stub;

pub use error::{Error, StartError, StreamError};
pub use keys::{create_composite_key, split_composite_key};
pub use proto::protos::{QueryResponseMetadata, Response, SignedProposal};
pub use proto::queryresult::{KeyModification, Kv};
pub use server::{ChaincodeServer, ServerTls};
pub use start::{run, setup_logging, start, start_or_serve, ClientTls, PeerConfig};
pub use stub::{ChaincodeStub, HistoryQueryIterator, StateQueryIterator};

/// Status of a successful response.
pub const OK: i32 = 200;
/// Statuses from this one on are errors (the endorser refuses the proposal).
pub const ERRORTHRESHOLD: i32 = 400;
/// Status of an error response.
pub const ERROR: i32 = 500;

/// A chaincode: Init when instantiated or upgraded, Invoke for every other transaction.
/// Both run on a blocking thread of their own; the stub's calls wait for the peer.
pub trait Chaincode: Send + Sync + 'static {
    fn init(&self, stub: &mut ChaincodeStub) -> Response;
    fn invoke(&self, stub: &mut ChaincodeStub) -> Response;
}

/// A successful response with `payload` (Go's `shim.Success`).
pub fn success(payload: Vec<u8>) -> Response {
    Response {
        status: OK,
        message: String::new(),
        payload,
    }
}

/// An error response with `message` (Go's `shim.Error`).
pub fn error(message: impl Into<String>) -> Response {
    Response {
        status: ERROR,
        message: message.into(),
        payload: Vec::new(),
    }
}

#[cfg(test)]
mod tests;
