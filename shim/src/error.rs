//! The shim's errors: what a stub call returns ([`Error`]) and why a chaincode could not
//! start or serve ([`StartError`]). Texts follow Fabric's Go shim where it has one.

/// Why a stub call failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The peer answered ERROR; its text is the error, as the Go shim returns it.
    #[error("{0}")]
    Peer(String),
    /// The request could not reach the peer (the stream is gone).
    #[error("[{txid}] error sending {kind}")]
    Send { txid: String, kind: &'static str },
    /// Another request of this transaction is still waiting for its answer.
    #[error("[{0}] channel exists")]
    ChannelExists(String),
    /// The peer answered with neither RESPONSE nor ERROR.
    #[error("[{txid}] incorrect chaincode message {kind} received. Expecting RESPONSE or ERROR")]
    UnexpectedMessage { txid: String, kind: String },
    /// An answer of the peer did not decode.
    #[error("[{txid}] unmarshal error")]
    Decode {
        txid: String,
        #[source]
        source: prost::DecodeError,
    },
    /// A key or composite key attribute the Go shim refuses.
    #[error("{0}")]
    InvalidKey(String),
    /// A private data call without a collection.
    #[error("collection must not be an empty string")]
    EmptyCollection,
    /// `set_event` without a name.
    #[error("event name can not be nil string")]
    EmptyEventName,
    /// `next` on an exhausted iterator.
    #[error("no such key")]
    NoSuchKey,
    /// The transaction's proposal could not be read.
    #[error("failed extracting signedProposal fields: {0}")]
    Proposal(#[source] prost::DecodeError),
    /// The transaction carries no proposal (a peer-internal call).
    #[error("the transaction has no signed proposal")]
    NoProposal,
}

/// Why [`crate::start`] or a [`crate::ChaincodeServer`] could not run the chaincode.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("error chaincode id not provided: set CORE_CHAINCODE_ID_NAME to name:version")]
    NoChaincodeId,
    #[error("peer.address not configured, can't connect to peer: pass --peer.address host:port or set CORE_PEER_ADDRESS")]
    NoPeerAddress,
    #[error("error trying to read file content {path}: {source}")]
    ReadFile {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("failed decoding {what} from base64 in {path}: {source}")]
    Base64 {
        what: &'static str,
        path: String,
        #[source]
        source: base64::DecodeError,
    },
    #[error("invalid peer address {address}: {source}")]
    Address {
        address: String,
        #[source]
        source: tonic::transport::Error,
    },
    #[error("error trying to connect to local peer at {address}: {source}")]
    Connect {
        address: String,
        #[source]
        source: tonic::transport::Error,
    },
    #[error("error chatting with leader at address={address}: {source}")]
    Register {
        address: String,
        #[source]
        source: tonic::Status,
    },
    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: String,
        #[source]
        source: std::io::Error,
    },
    #[error("chaincode server on {address} failed: {source}")]
    Serve {
        address: String,
        #[source]
        source: tonic::transport::Error,
    },
    #[error("cannot start the shim's runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error(transparent)]
    Stream(#[from] StreamError),
}

/// Why a chaincode stream ended.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error("received EOF, ending chaincode stream")]
    Eof,
    #[error("receive failed: {0}")]
    Receive(#[source] tonic::Status),
    #[error("error handling message: [{txid}] Chaincode handler cannot handle message ({kind}) with payload size ({size}) while in state: {state}")]
    CannotHandle {
        txid: String,
        kind: String,
        size: usize,
        state: &'static str,
    },
    #[error("error handling message: [{0}] sendChannel does not exist")]
    NoWaiter(String),
    #[error("error sending: the stream to the peer is closed")]
    Send,
}
