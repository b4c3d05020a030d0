//! Deliver (Fabric's `common/deliver`, `core/peer/deliverevents.go` and
//! `core/deliverservice`): block streams by SeekInfo, served to clients and pulled from
//! orderers.
//!
//! - [`handler`]: the one Deliver handler the orderer and the peer share, over the
//!   [`handler::ChainManager`] / [`handler::Chain`] / [`handler::PolicyChecker`] traits.
//! - [`peer`]: the peer's `protos.Deliver` service (Deliver and DeliverFiltered), with the
//!   ACL resources `event/Block` and `event/FilteredBlock`.
//! - [`client`]: the peer's deliver client, pulling a channel's blocks from its orderers,
//!   verifying them (Fabric's `VerifyBlock`) and handing them to a [`client::BlockSink`].

pub mod client;
pub mod handler;
pub mod peer;
