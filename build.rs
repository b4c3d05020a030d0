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

    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let encoded = prost::Message::encode_to_vec(&fds);
    std::fs::write(out_dir.join("fabric_descriptor_set.pb"), encoded)
        .expect("write descriptor set");

    // BTreeMap keeps map fields (config groups, transient maps) in key order, so encoding a
    // message is deterministic: the same config always yields the same bytes and hashes.
    tonic_prost_build::configure()
        .btree_map(".")
        .build_server(true)
        .build_client(true)
        .compile_fds(fds)
        .expect("generate Rust code from proto/");

    emit_build_identity();
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

/// Records the git commit and the compiler version for `peer version`
/// (FABRIC_COMMIT, FABRIC_RUSTC_VERSION); either is left unset when unknown.
fn emit_build_identity() {
    println!("cargo:rerun-if-env-changed=FABRIC_COMMIT");
    let commit = std::env::var("FABRIC_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| command_output("git", &["rev-parse", "--short", "HEAD"]));
    if let Some(commit) = commit {
        println!("cargo:rustc-env=FABRIC_COMMIT={commit}");
    }
    // Rerun when HEAD or the checked-out branch moves (works in worktrees too).
    let mut watched = vec!["HEAD".to_string()];
    watched.extend(command_output("git", &["symbolic-ref", "-q", "HEAD"]));
    for name in watched {
        if let Some(p) = command_output("git", &["rev-parse", "--git-path", &name]) {
            if Path::new(&p).exists() {
                println!("cargo:rerun-if-changed={p}");
            }
        }
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    if let Some(version) = command_output(&rustc, &["--version"]) {
        println!("cargo:rustc-env=FABRIC_RUSTC_VERSION={version}");
    }
}
