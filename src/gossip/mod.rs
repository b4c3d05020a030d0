//! Gossip (Fabric's `gossip/*`): peers of one organization share blocks through a leader,
//! organizations find each other through the anchor peers of the channel config, and every
//! peer publishes per-channel state (ledger height, chaincodes) that the discovery service
//! reads. Wire-compatible with Fabric v1.4 (`proto/gossip/message.proto`).
//!
//! Map of the rooms (Fabric's package names):
//! - [`common`]: PKI-IDs, identities, network members, the message acceptor type.
//! - [`api`]: what gossip asks of the peer: the message crypto service (sign, verify,
//!   identity validation through the channel MSPs) and the channel join message.
//! - [`join`]: the join channel message built from a channel's config (orgs, anchor peers).
//! - [`comm`]: the `Gossip` gRPC service and the connections between peers (handshake,
//!   send, probe, accept).
//! - [`protoext`]: signed gossip messages, their kinds and validation rules.
//! - [`identity`]: the identity mapper (PKI-ID → certificate, expiry).
//! - `discovery`: membership (alive messages, dead and alive peers, bootstrap).
//! - `channel`: per-channel state info, channel membership, anchor peers, block pull.
//! - `election`, `state`: leader election and the block payload buffer / state transfer.
//! - `service`: what `peer node start` composes (Fabric's `gossip/service`).

pub mod api;
pub mod channel;
pub mod comm;
pub mod common;
pub mod discovery;
pub mod election;
pub mod filter;
// Fabric's package is gossip/gossip; the facade keeps its name.
#[allow(clippy::module_inception)]
pub mod gossip;
pub mod gossip_impl;
pub mod identity;
pub mod join;
pub mod metrics;
pub(crate) mod msgstore;
pub mod protoext;
pub mod pull;
pub mod service;
pub mod state;
#[cfg(test)]
pub(crate) mod testutil;

pub use protoext::ProtoextError;
