//! Compiles every .proto under `proto/` with protox (a pure-Rust protobuf compiler, so a fresh
//! machine needs no system `protoc`) and generates prost messages plus tonic clients and servers.
//! The compiled descriptor set is also written to OUT_DIR so tests can compare it with Fabric's.

use std::path::{Path, PathBuf};

fn collect_protos(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_protos(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "proto") {
            out.push(path);
        }
    }
}

fn main() {
    let root = Path::new("proto");
    println!("cargo:rerun-if-changed=proto");
    let mut files = Vec::new();
    collect_protos(root, &mut files);
    let relative: Vec<PathBuf> = files
        .iter()
        .map(|p| p.strip_prefix(root).expect("under proto/").to_path_buf())
        .collect();

    let fds = protox::Compiler::new([root])
        .expect("protox compiler")
        .include_imports(true)
        .open_files(&relative)
        .unwrap_or_else(|e| panic!("proto/ does not compile: {e}"))
        .file_descriptor_set();

    println!("cargo:rerun-if-changed=build.rs");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let encoded = prost::Message::encode_to_vec(&fds);
    std::fs::write(out_dir.join("fabric_descriptor_set.pb"), encoded)
        .expect("write descriptor set");

    // BTreeMap keeps map fields (config groups, transient maps) in key order, so encoding a
    // message is deterministic: the same config always yields the same bytes and hashes.
    let (fds, chaincode_service) = split_chaincode_service(fds);
    tonic_prost_build::configure()
        .btree_map(".")
        .build_server(true)
        .build_client(true)
        .compile_fds(fds)
        .expect("generate Rust code from proto/");
    // Fabric 2.x's chaincode-as-a-service `Chaincode` has a method `Connect`, whose client
    // method would clash with the transport constructor `connect` of generated clients: it is
    // generated apart, without that constructor, and included in the `protos` module.
    let service_dir = out_dir.join("chaincode_service");
    std::fs::create_dir_all(&service_dir).expect("create the chaincode service out dir");
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .build_transport(false)
        .out_dir(&service_dir)
        .compile_fds(chaincode_service)
        .expect("generate the Chaincode service");

    emit_build_identity(&out_dir);
}

/// Splits the `Chaincode` service (peer/chaincode_shim.proto) off `fds`: returns the set
/// without it, and a set of that file holding only the service (its message types resolve
/// to the `protos` module it is included in).
fn split_chaincode_service(
    mut fds: prost_types::FileDescriptorSet,
) -> (
    prost_types::FileDescriptorSet,
    prost_types::FileDescriptorSet,
) {
    let shim = fds
        .file
        .iter_mut()
        .find(|f| f.name() == "peer/chaincode_shim.proto")
        .expect("proto/peer/chaincode_shim.proto");
    let (service, rest): (Vec<_>, Vec<_>) = shim
        .service
        .drain(..)
        .partition(|s| s.name() == "Chaincode");
    shim.service = rest;
    let only_service = prost_types::FileDescriptorProto {
        service,
        message_type: Vec::new(),
        enum_type: Vec::new(),
        dependency: Vec::new(),
        ..shim.clone()
    };
    let alone = prost_types::FileDescriptorSet {
        file: vec![only_service],
    };
    (fds, alone)
}

/// Output of a command, trimmed, when it succeeds.
fn command_output(program: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

/// Tells the binaries where to read their build identity (`fabric::build_info!`), without
/// making the library depend on the commit:
///
/// - FABRIC_RUSTC_VERSION: the compiler's `--version` (a new compiler rebuilds everything
///   anyway).
/// - FABRIC_GIT_HEAD_LOG: a file whose last line names the checked-out commit. In a git
///   checkout that is HEAD's reflog, which git appends to on every commit, checkout, reset or
///   pull; the binaries `include_str!` it, so rustc records it in THEIR dep-info and a new
///   commit relinks the binaries only. This script does not watch it: a commit neither
///   reruns the proto compilation nor recompiles the library.
///   When there is no reflog (no git, reflogs disabled, or the reflog disagrees with HEAD),
///   the script writes the commit it resolved (or nothing) to a file in OUT_DIR and watches
///   HEAD instead, the slower but always-correct fallback.
///
/// FABRIC_COMMIT in the environment of the build overrides the commit (read by the macro
/// with `option_env!`, so it too only rebuilds the binaries).
fn emit_build_identity(out_dir: &Path) {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = command_output(&rustc, &["--version"]).unwrap_or_default();
    println!("cargo:rustc-env=FABRIC_RUSTC_VERSION={version}");

    let head = command_output("git", &["rev-parse", "HEAD"]);
    let log = command_output(
        "git",
        &[
            "rev-parse",
            "--path-format=absolute",
            "--git-path",
            "logs/HEAD",
        ],
    );
    if let (Some(head), Some(log)) = (&head, &log) {
        let last = std::fs::read_to_string(log).ok().and_then(|text| {
            text.lines()
                .last()
                .and_then(|l| l.split(' ').nth(1))
                .map(str::to_string)
        });
        if last.as_deref() == Some(head.as_str()) {
            println!("cargo:rustc-env=FABRIC_GIT_HEAD_LOG={log}");
            return;
        }
    }
    // Fallback: a one-line "reflog" of our own, rewritten whenever HEAD or its branch moves.
    let stamp = out_dir.join("git-head-log");
    let line = head
        .map(|h| format!("0 {h} fallback\n"))
        .unwrap_or_default();
    std::fs::write(&stamp, line).expect("write the build identity stamp");
    println!("cargo:rustc-env=FABRIC_GIT_HEAD_LOG={}", stamp.display());
    let mut watched = vec!["HEAD".to_string()];
    watched.extend(command_output("git", &["symbolic-ref", "-q", "HEAD"]));
    for name in watched {
        if let Some(p) = command_output("git", &["rev-parse", "--git-path", &name]) {
            if Path::new(&p).exists() {
                println!("cargo:rerun-if-changed={p}");
            }
        }
    }
}
