//! The network tools that sit beside the peer, each under its Fabric name: `cryptogen`
//! (crypto material and MSP folders) and `configtxlator` (protobuf <-> JSON translation and
//! config update computation).

pub mod configtxlator;
pub mod cryptogen;
