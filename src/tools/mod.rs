//! Fabric's standalone tools, each under its Fabric name: `configtxlator` (protobuf <-> JSON
//! translation and config update computation).

pub mod configtxlator;
