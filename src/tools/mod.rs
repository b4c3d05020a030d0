//! The network tools that sit beside the peer, each under its Fabric name: `cryptogen`
//! (crypto material and MSP folders), `configtxgen` (genesis blocks and channel
//! transactions from configtx.yaml) and `configtxlator` (protobuf <-> JSON translation and
//! config update computation).

pub mod configtxgen;
pub mod configtxlator;
pub mod cryptogen;
