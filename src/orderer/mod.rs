//! The ordering node (Fabric's `orderer`):
//! - [`localconfig`]: orderer.yaml, every key with Fabric's default, ORDERER_* overrides;
//! - [`ledger`]: the per channel, crash-safe file ledger and a waiting block iterator;
//! - [`blockcutter`], [`blockwriter`]: batching, then block creation, signing and append;
//! - [`consensus`]: the Consenter/Chain traits and the [`consensus::solo`] consenter;
//! - [`msgprocessor`]: what a broadcast message must pass (size, expiry, Writers policy)
//!   and config updates, including channel creation on the system channel;
//! - [`multichannel`]: the Registrar of channels and each channel's ChainSupport;
//! - [`broadcast`], [`deliver`]: the AtomicBroadcast handlers, free of gRPC;
//! - [`server`]: the tonic service and the node that composes everything, [`operations`]
//!   (/healthz, /logspec, /metrics) and [`cli`] (`orderer start`, `orderer version`).

pub mod blockcutter;
pub mod blockwriter;
pub mod broadcast;
pub mod cli;
pub mod consensus;
pub mod deliver;
pub mod ledger;
pub mod localconfig;
pub mod msgprocessor;
pub mod multichannel;
pub mod operations;
pub mod server;
