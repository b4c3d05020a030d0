//! The Fabric protobuf messages the shim speaks, generated from the repository's `proto/`.
//! Fabric's peer package is called `protos`; [`peer`] is an alias.
#![allow(clippy::all, clippy::pedantic, missing_docs, rustdoc::all)]

/// Fabric's `common` package (headers of a proposal).
pub mod common {
    include!(concat!(env!("OUT_DIR"), "/common.rs"));
}
/// Fabric's peer package (`protos`): the chaincode messages and services.
pub mod protos {
    include!(concat!(env!("OUT_DIR"), "/protos.rs"));
}
/// Fabric's `queryresult` package: `KV` and `KeyModification`.
pub mod queryresult {
    include!(concat!(env!("OUT_DIR"), "/queryresult.rs"));
}
pub use self::protos as peer;

// The token messages of `token/transaction.proto` (no package), which the proposal's
// token expectations refer to.
include!(concat!(env!("OUT_DIR"), "/_.rs"));
