//! `fabric-bench`: a load generator for any Fabric v1.4 network over its public gRPC
//! services only, so it measures ours and Fabric's alike.
//!
//! The pipeline of one transaction: the client's [`signer`] builds and signs a proposal,
//! the [`pipeline`] sends it to one peer of each endorsing org (`protos.Endorser`), checks
//! the responses carry identical payloads (Fabric's `CreateSignedTx`), signs the envelope,
//! submits it on one of several pipelined `orderer.AtomicBroadcast/Broadcast` streams
//! ([`broadcast`]) and sees it committed on the peers' `protos.Deliver/DeliverFiltered`
//! streams ([`observe`]). Signing runs on a fixed pool of threads ([`workers`]); every queue is bounded.
//! [`stats`] keeps counts and latency histograms, [`report`] prints them, [`sink`] is an
//! in-process network that accepts everything (the tool's own ceiling).

pub mod broadcast;
pub mod cli;
pub mod config;
pub mod connect;
pub mod observe;
pub mod pipeline;
pub mod plot;
pub mod procstat;
pub mod report;
pub mod signer;
pub mod sink;
pub mod stats;
pub mod template;
pub mod workers;

use std::path::PathBuf;

/// Everything that can stop a benchmark before or during its run. Each renders as one line
/// naming what was wrong and what to do.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("cannot read the config file {}: {source}", path.display())]
    ReadConfig {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the config file {} is not valid: {source}", path.display())]
    ParseConfig {
        path: PathBuf,
        #[source]
        source: serde_yaml::Error,
    },
    #[error("bad configuration: {0}")]
    Config(String),
    #[error("cannot load the client MSP {msp_id} from {}: {source}; check client.msp_dir and client.msp_id", dir.display())]
    Msp {
        msp_id: String,
        dir: PathBuf,
        #[source]
        source: crate::msp::MspError,
    },
    #[error("cannot read {what} {}: {source}", path.display())]
    ReadFile {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot set up the connection to {name} ({address}): {source}")]
    Endpoint {
        name: String,
        address: String,
        #[source]
        source: crate::comm::CommError,
    },
    #[error(
        "cannot reach {name} at {address}: {reason}; is it running, and do its TLS settings match?"
    )]
    Unreachable {
        name: String,
        address: String,
        reason: String,
    },
    #[error("TLS mismatch with {name} at {address}: {hint} ({reason})")]
    TlsMismatch {
        name: String,
        address: String,
        hint: &'static str,
        reason: String,
    },
    #[error("{name} ({address}) refused the probe: {reason}")]
    Probe {
        name: String,
        address: String,
        reason: String,
    },
    #[error("cannot build a transaction: {0}")]
    Build(#[source] crate::protoutil::ProtoutilError),
    #[error("cannot sign: {0}")]
    Sign(#[source] crate::msp::MspError),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the in-process sink cannot listen on loopback: {0}")]
    SinkListen(#[source] std::io::Error),
    #[error("cannot measure the P-256 verify rate: {0}")]
    Crypto(#[source] crate::crypto::CryptoError),
    #[error("a signing task failed: {0}")]
    Task(#[source] tokio::task::JoinError),
    #[error("the signing threads stopped")]
    WorkersGone,
    #[error("cannot write the summary as JSON: {0}")]
    Json(#[source] serde_json::Error),
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
}
