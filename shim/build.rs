//! Compiles the few Fabric protos the shim speaks (from the repository's `proto/`) with protox,
//! a pure-Rust protobuf compiler, into prost messages and the tonic client and server of the
//! chaincode streams.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let root = manifest.join("../proto");
    println!("cargo:rerun-if-changed={}", root.display());
    println!("cargo:rerun-if-changed=build.rs");
    let files = [
        "peer/chaincode_shim.proto",
        "peer/proposal_response.proto",
        "ledger/queryresult/kv_query_result.proto",
        "common/common.proto",
    ];
    let fds = protox::Compiler::new([&root])
        .expect("protox compiler")
        .include_imports(true)
        .open_files(files)
        .unwrap_or_else(|e| panic!("{} does not compile: {e}", root.display()))
        .file_descriptor_set();
    tonic_prost_build::configure()
        .btree_map(".")
        .build_server(true)
        .build_client(true)
        // Clients are made with `new(channel)`: without the transport constructor
        // `connect`, which would clash with the `Chaincode` service's `Connect` method.
        .build_transport(false)
        .compile_fds(fds)
        .expect("generate Rust code from the Fabric protos");
}
