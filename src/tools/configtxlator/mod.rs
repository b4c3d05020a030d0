//! `configtxlator`: translate Fabric protobuf messages to and from JSON ([`protolator`]) and
//! compute the config update between two channel configs ([`update`]), also as a REST
//! server ([`rest`]). The command tree is
//! in [`cmd`]; `src/bin/configtxlator.rs` only wires it to the process.

pub mod cmd;
pub mod protolator;
pub mod rest;
pub mod update;

pub use protolator::{decode_to_json, encode_from_json, Protolator, ProtolatorError};
pub use update::{compute_update, UpdateError};
