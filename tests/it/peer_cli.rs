//! The built `peer` binary, run as a user would: help, version, flag errors, InitCmd over a
//! real (vector) MSP, the one-line errors for unreachable nodes and bad MSPs, and the first
//! real requests (admin service, cscc/qscc proposals, signconfigtx) against in-process fake
//! peers that check every signature.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PEER: &str = env!("CARGO_BIN_EXE_peer");

fn peer(args: &[&str], cfg: Option<&Path>) -> Output {
    peer_with_env(args, cfg, &[])
}

fn peer_with_env(args: &[&str], cfg: Option<&Path>, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(PEER);
    cmd.args(args)
        .env_remove("FABRIC_LOGGING_SPEC")
        .env_remove("CORE_PEER_ADDRESS")
        .env_remove("CORE_PEER_MSPCONFIGPATH")
        .env_remove("CORE_PEER_LOCALMSPID")
        .env_remove("CORE_PEER_TLS_ENABLED")
        .env_remove("FABRIC_LOGGING_FORMAT");
    match cfg {
        Some(dir) => cmd.env("FABRIC_CFG_PATH", dir),
        None => cmd.env("FABRIC_CFG_PATH", "/nonexistent-fabric-cfg"),
    };
    cmd.envs(env.iter().copied());
    cmd.output().expect("run peer")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const COMMANDS: &[&str] = &[
    "chaincode install",
    "chaincode instantiate",
    "chaincode invoke",
    "chaincode list",
    "chaincode package",
    "chaincode query",
    "chaincode signpackage",
    "chaincode upgrade",
    "channel create",
    "channel fetch",
    "channel getinfo",
    "channel join",
    "channel list",
    "channel signconfigtx",
    "channel update",
    "logging getlevel",
    "logging getlogspec",
    "logging revertlevels",
    "logging setlevel",
    "logging setlogspec",
    "node reset",
    "node rollback",
    "node start",
    "node status",
    "version",
];

#[test]
fn help_exits_zero_everywhere() {
    let out = peer(&["--help"], None);
    assert!(out.status.success());
    assert!(stdout(&out).contains("chaincode"));
    let out = peer(&[], None);
    assert!(out.status.success(), "bare peer prints help");
    for command in COMMANDS {
        let mut args: Vec<&str> = command.split(' ').collect();
        args.push("--help");
        let out = peer(&args, None);
        assert!(
            out.status.success(),
            "peer {command} --help: {}",
            stderr(&out)
        );
        assert!(stdout(&out).contains("Usage:"), "peer {command} --help");
    }
    let out = peer(&["help", "channel", "fetch"], None);
    assert!(out.status.success());
    assert!(stdout(&out).contains("newest|oldest|config|(number)"));
    // cobra's help command has help of its own, and names an unknown topic.
    let out = peer(&["help", "--help"], None);
    assert!(out.status.success(), "peer help --help: {}", stderr(&out));
    assert!(stdout(&out).contains("Help provides help for any command"));
    let out = peer(&["help", "nosuch"], None);
    assert!(out.status.success());
    assert!(stdout(&out).starts_with("Unknown help topic [`nosuch`]\nUsage: peer"));
}

#[test]
fn version_prints_every_field() {
    let out = peer(&["version"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "peer:");
    assert_eq!(lines[1], " Version: 1.4.12");
    assert!(
        lines[2].starts_with(" Commit SHA: ") && lines[2].len() > 13,
        "{text}"
    );
    assert!(lines[3].starts_with(" Rust version: rustc "), "{text}");
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    assert_eq!(
        lines[4],
        format!(" OS/Arch: {}/{arch}", std::env::consts::OS)
    );
    let out = peer(&["version", "extra"], None);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn unknown_flag_is_one_error_line() {
    let out = peer(&["channel", "list", "--bogus"], None);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("Error: ") && err.contains("--bogus"),
        "{err}"
    );
}

#[test]
fn bad_duration_names_the_flag() {
    let out = peer(
        &["channel", "create", "-c", "ch", "--timeout", "soon"],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("Error: ") && err.contains("--timeout"),
        "{err}"
    );
}

#[test]
fn missing_config_is_one_clear_line() {
    let out = peer(&["channel", "list"], None);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("core.yaml") && err.contains("FABRIC_CFG_PATH"),
        "{err}"
    );
}

#[test]
fn missing_input_file_is_named() {
    let out = peer(
        &["channel", "signconfigtx", "-f", "/no/such/update.tx"],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("/no/such/update.tx") && err.contains("no such file"),
        "{err}"
    );
}

fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    drop(listener);
    addr
}

/// The vector MSP folder of Org1's admin.
fn admin_msp(vectors: &Path) -> PathBuf {
    vectors.join(
        "network/crypto-config/peerOrganizations/org1.example.com/users/Admin@org1.example.com/msp",
    )
}

fn write_core_yaml(dir: &Path, address: &str) {
    let yaml = format!(
        "peer:\n  address: {address}\n  mspConfigPath: msp\n  localMspId: Org1MSP\n  \
         localMspType: bccsp\n  tls:\n    enabled: false\n  client:\n    connTimeout: 3s\n"
    );
    std::fs::write(dir.join("core.yaml"), yaml).unwrap();
}

/// A config folder whose MSP folder is empty: enough for the checks InitCmd makes before
/// loading the MSP.
fn bare_config_dir(address: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("msp")).unwrap();
    write_core_yaml(dir.path(), address);
    dir
}

/// A config folder holding a copy of Org1's admin MSP from the reference vectors.
fn config_dir(address: &str) -> tempfile::TempDir {
    let vectors = support::vectors_dir();
    let dir = tempfile::tempdir().unwrap();
    support::copy_dir(&admin_msp(&vectors), &dir.path().join("msp"));
    write_core_yaml(dir.path(), address);
    dir
}

#[test]
fn unreachable_peer_is_one_clear_line() {
    let addr = closed_port();
    let dir = config_dir(&addr);
    let out = peer(&["channel", "list"], Some(dir.path()));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "Error: cannot reach the peer at {addr}: connection refused \
             (is `peer node start` running there?)\n"
        )
    );
}

#[test]
fn core_peer_address_overrides_the_file() {
    let addr = closed_port();
    let dir = config_dir("127.0.0.1:7051");
    let out = peer_with_env(
        &["channel", "list"],
        Some(dir.path()),
        &[("CORE_PEER_ADDRESS", &addr)],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!("Error: cannot reach the peer at {addr}: ")),
        "{err}"
    );
}

#[test]
fn unreachable_orderer_is_one_clear_line() {
    let addr = closed_port();
    let dir = config_dir("127.0.0.1:7051");
    let out = peer(
        &["channel", "fetch", "newest", "-c", "mych", "-o", &addr],
        Some(dir.path()),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "Error: cannot reach the orderer at {addr}: connection refused \
             (is the orderer running there?)\n"
        )
    );
}

#[test]
fn msp_checks_follow_fabric() {
    let dir = bare_config_dir("127.0.0.1:7051");
    std::fs::remove_dir(dir.path().join("msp")).unwrap();
    let out = peer(&["node", "status"], Some(dir.path()));
    let err = stderr(&out);
    assert!(
        err.contains("cannot init crypto, folder") && err.contains("does not exist"),
        "{err}"
    );
    let dir = bare_config_dir("127.0.0.1:7051");
    std::fs::write(
        dir.path().join("core.yaml"),
        "peer:\n  mspConfigPath: msp\n  localMspId: \"\"\n",
    )
    .unwrap();
    let out = peer(&["node", "status"], Some(dir.path()));
    assert!(
        stderr(&out).contains("the local MSP must have an ID"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn garbage_signcert_gives_the_msp_line() {
    let dir = config_dir("127.0.0.1:7051");
    let signcerts = dir.path().join("msp/signcerts");
    for entry in std::fs::read_dir(&signcerts).unwrap() {
        std::fs::write(entry.unwrap().path(), "this is not a certificate\n").unwrap();
    }
    let out = peer(&["channel", "list"], Some(dir.path()));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let last = err.lines().last().unwrap_or("");
    assert!(
        last.starts_with(&format!(
            "Error: cannot run peer because error when setting up MSP of type bccsp from \
             directory {}: ",
            dir.path().join("msp").display()
        )),
        "{err}"
    );
}

#[test]
fn sampleconfig_works() {
    let sampleconfig = Path::new(env!("CARGO_MANIFEST_DIR")).join("sampleconfig");
    let addr = closed_port();
    let out = peer_with_env(
        &["channel", "list"],
        Some(&sampleconfig),
        &[("CORE_PEER_ADDRESS", &addr)],
    );
    assert_eq!(
        stderr(&out),
        format!(
            "Error: cannot reach the peer at {addr}: connection refused \
             (is `peer node start` running there?)\n"
        )
    );
}

#[test]
fn bad_logging_spec_is_one_line() {
    let dir = bare_config_dir("127.0.0.1:7051");
    let out = peer_with_env(
        &["node", "status"],
        Some(dir.path()),
        &[("FABRIC_LOGGING_SPEC", "gossip=loud")],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("FABRIC_LOGGING_SPEC"), "{err}");
}

#[test]
fn legacy_logging_level_warns() {
    let addr = closed_port();
    let dir = config_dir(&addr);
    let out = peer(
        &["node", "status", "--logging-level", "debug"],
        Some(dir.path()),
    );
    let err = stderr(&out);
    assert!(
        err.contains("CORE_LOGGING_LEVEL is no longer supported"),
        "{err}"
    );
    assert!(err.contains("cannot reach the peer"), "{err}");
    assert_eq!(stdout(&out), "status:UNKNOWN \n");
}

#[test]
fn node_start_on_a_busy_port_is_one_clear_line() {
    let dir = config_dir("127.0.0.1:7051");
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let fs = tempfile::tempdir().unwrap();
    let out = peer_with_env(
        &["node", "start"],
        Some(dir.path()),
        &[
            ("CORE_PEER_LISTENADDRESS", addr.as_str()),
            ("CORE_PEER_FILESYSTEMPATH", fs.path().to_str().unwrap()),
            ("CORE_OPERATIONS_LISTENADDRESS", "127.0.0.1:0"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let last = err.lines().last().unwrap_or_default();
    assert!(
        last.starts_with(&format!("Error: failed to listen on {addr}: "))
            && last.ends_with("check peer.listenAddress"),
        "{err}"
    );
}

#[test]
fn json_logging_format_is_honoured() {
    let addr = closed_port();
    let dir = config_dir(&addr);
    let out = peer_with_env(
        &["node", "status", "--logging-level", "debug"],
        Some(dir.path()),
        &[("FABRIC_LOGGING_FORMAT", "json")],
    );
    let err = stderr(&out);
    let warning = err
        .lines()
        .find(|l| l.contains("CORE_LOGGING_LEVEL"))
        .unwrap_or_else(|| panic!("no warning in {err}"));
    let parsed: serde_json::Value = serde_json::from_str(warning).expect("a JSON log line");
    assert!(parsed.is_object(), "{warning}");
}
