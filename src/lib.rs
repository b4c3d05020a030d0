//! `fabric`: a drop-in, wire-compatible Rust implementation of the Hyperledger Fabric v1.4
//! `peer` toolchain. The binaries in `src/bin` are thin shells over this library; nothing
//! below [`cli`] prints to stdout.
//!
//! Modules carry Fabric's names so a Fabric engineer finds each concept in one step:
//! [`protos`] (generated wire types), [`protoutil`] (tx ids, headers, envelopes, block
//! hashing), [`config`] (core.yaml with viper's rules), [`crypto`] (the SW BCCSP), [`msp`]
//! (membership service providers), [`policy`] (signature and implicit-meta policies) and
//! [`cli`] (the `peer` command tree).

pub mod aclmgmt;
pub mod bench;
pub mod chaincode;
pub mod channelconfig;
pub mod cli;
pub mod comm;
pub mod committer;
pub mod config;
pub mod configtx;
pub mod crypto;
pub mod deliver;
pub mod discovery;
pub mod endorser;
pub mod flogging;
pub mod gossip;
pub mod ledger;
pub mod metadata;
pub mod msp;
pub mod node;
pub mod operations;
pub mod orderer;
pub mod peer;
pub mod policy;
pub mod protos;
pub mod protoutil;
pub mod scc;
pub mod test_network;
pub mod tools;

#[cfg(test)]
mod test_vectors;
