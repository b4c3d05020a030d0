//! Generated protobuf types and gRPC services for the Fabric v1.4.12 wire format.
//!
//! One Rust module per protobuf package, named exactly as Fabric names the package, so a
//! type is found where its .proto puts it: `common::Envelope`, `msp::SerializedIdentity`,
//! `protos::SignedProposal` (Fabric's peer package is called `protos`; [`peer`] is an alias).
//! The token messages of `token/transaction.proto` have no package and live at this level.
#![allow(clippy::all, clippy::pedantic, missing_docs, rustdoc::all)]

macro_rules! generated {
    ($name:ident) => {
        pub mod $name {
            include!(concat!(env!("OUT_DIR"), "/", stringify!($name), ".rs"));
        }
    };
}

generated!(common);
generated!(discovery);
generated!(etcdraft);
generated!(gossip);
generated!(kvrwset);
generated!(lifecycle);
generated!(msp);
generated!(orderer);
/// Fabric's peer package, plus the chaincode-as-a-service `Chaincode` service (generated
/// apart by build.rs, see there).
pub mod protos {
    include!(concat!(env!("OUT_DIR"), "/protos.rs"));
    include!(concat!(env!("OUT_DIR"), "/chaincode_service/protos.rs"));
}
generated!(queryresult);
generated!(rwset);
generated!(transientstore);
include!(concat!(env!("OUT_DIR"), "/_.rs"));

pub use self::protos as peer;

/// The binary `FileDescriptorSet` our proto/ tree compiles to (imports included).
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/fabric_descriptor_set.pb"));
