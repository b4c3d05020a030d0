//! The discovery service (Fabric's `discovery`): SDKs and the `discover` CLI ask a peer for
//! a channel's config (MSPs, orderer endpoints), its peers with their state (ledger height,
//! chaincodes), and which peers can endorse a chaincode invocation (endorsement descriptors
//! computed from the chaincode's policy, chaincode-to-chaincode calls and collections).
//!
//! Map of the rooms:
//! - [`service`]: the `discovery.Discovery` gRPC service over [`service::DiscoveryService`]
//!   (request checks, authorization, dispatch of the queries).
//! - [`authcache`]: the authorization cache (`peer.discovery.authCache*`).
//! - [`support`]: what the service asks of the peer ([`support::Support`]) and of gossip
//!   ([`support::MembershipSource`]).
//! - [`config`]: the config query from a channel config.
//! - [`endorsement`]: the endorsers and peers queries over the membership.
//! - [`inquire`]: the principal sets that satisfy a signature policy, and their merge.
//! - [`peer`]: the node's support, with this peer as the membership until gossip backs it.
//! - [`client`]: the client side (requests and Fabric's JSON views), used by `discover`.

pub mod authcache;
pub mod client;
pub mod config;
pub mod endorsement;
pub mod inquire;
pub mod peer;
pub mod service;
pub mod support;

pub use service::{DiscoveryGrpc, DiscoveryService, ServiceConfig};
pub use support::{MembershipSource, Support};
