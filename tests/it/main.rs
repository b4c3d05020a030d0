//! Every integration test, linked into ONE test binary (`[[test]] name = "it"` in
//! Cargo.toml, `autotests = false`): one link of the library instead of one per file.
//!
//! To add tests: write `tests/it/<topic>.rs` and add `mod <topic>;` below (keep the list
//! sorted). Shared helpers live in `tests/it/support/` and are reached from a test module
//! with `use crate::support;`. A file directly under tests/ is not compiled any more.
//! Run one file's tests with `cargo test --test it <topic>::`.

mod support;

mod chaincode_launch;
mod chaincode_package;
mod chaincode_python;
mod chaincode_shim;
mod channelconfig_vectors;
mod cli_flags;
mod committer_replay;
mod config_keys;
mod configtxgen;
mod configtxlator_cli;
mod configtxlator_rest;
mod configtxlator_vectors;
mod cryptogen;
mod deliver;
mod discovery;
mod endorser;
mod fabric_bench;
mod generated_docs;
mod gossip_comm;
mod gossip_network;
mod hostile_orderer;
mod hostile_peer;
mod ledger_state;
mod ledger_store;
mod ledger_vectors;
mod module_graph;
mod msp_vectors;
mod network_e2e;
mod node_shutdown;
mod operations_endpoint;
mod operations_metrics;
mod orderer_backpressure;
mod orderer_blockwriter;
mod orderer_channels;
mod orderer_config;
mod orderer_e2e;
mod peer_cli;
mod peer_node;
mod peer_requests;
mod policy_vectors;
mod proto_conformance;
mod rust_shim;
mod sampleconfig;
mod sdk_node;
mod sdk_py;
mod signature_vectors;
mod test_network;
