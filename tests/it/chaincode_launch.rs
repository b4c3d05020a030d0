//! The peer launches chaincodes itself (issue 9, part 2): a Node.js chaincode (fabric-shim
//! 2.5.8 from the npm registry) installed as a package is built by the built-in Node
//! builder, started, supervised and relaunched; an external builder written by the test
//! proves Fabric 2.x's builder contract; a chaincode served by the test is reached as a
//! service through the shipped ccaas builder; failures (execute and startup timeouts, a
//! failed build, a missing toolchain, a killed chaincode, a peer killed with -9) each give a
//! clear error and leave a healthy peer; with TLS the launched chaincode registers with the
//! certificate the peer issued it and a stranger's is refused.
//!
//! Needs node and npm (and the npm registry or its cache): `#[ignore]`d with the reason, run
//! by CI with --include-ignored. Every process is stopped by a kill-on-drop guard.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use prost::Message;

use crate::support;

use support::network::{free_port, Guard, Network};

const PEER: &str = env!("CARGO_BIN_EXE_peer");

/// A chaincode for these tests (fabric-shim 2.5.8): init(k, v, ...) puts pairs;
/// put(k, v); get(k); env() -> JSON {argv, env}; sleep(ms); exit(code).
const CHAINCODE_JS: &str = r#"'use strict';
const shim = require('fabric-shim');
const Chaincode = class {
    async Init(stub) {
        const { params } = stub.getFunctionAndParameters();
        for (let i = 0; i + 1 < params.length; i += 2) {
            await stub.putState(params[i], Buffer.from(params[i + 1]));
        }
        return shim.success();
    }
    async Invoke(stub) {
        const { fcn, params } = stub.getFunctionAndParameters();
        switch (fcn) {
        case 'put':
            await stub.putState(params[0], Buffer.from(params[1]));
            return shim.success();
        case 'get': {
            const v = await stub.getState(params[0]);
            return shim.success(v);
        }
        case 'env': {
            const env = {};
            for (const k of Object.keys(process.env)) {
                if (k.startsWith('CORE_')) { env[k] = process.env[k]; }
            }
            return shim.success(Buffer.from(JSON.stringify({ argv: process.argv.slice(2), env, pid: process.pid })));
        }
        case 'sleep':
            console.log(`sleeping ${params[0]}`);
            await new Promise((r) => setTimeout(r, parseInt(params[0], 10)));
            return shim.success(Buffer.from('slept'));
        case 'exit':
            process.exit(parseInt(params[0], 10));
            return shim.success();
        default:
            return shim.error(`unknown function ${fcn}`);
        }
    }
};
if (process.env.CHAINCODE_SERVER_ADDRESS) {
    const opts = {
        ccid: process.env.CHAINCODE_ID,
        address: process.env.CHAINCODE_SERVER_ADDRESS,
    };
    const tls = process.env.CHAINCODE_TLS_DIR;
    if (tls) {
        const fs = require('fs');
        opts.tlsProps = {
            key: fs.readFileSync(tls + '/server.key'),
            cert: fs.readFileSync(tls + '/server.crt'),
            clientCACerts: fs.readFileSync(tls + '/ca.crt'),
        };
    }
    shim.server(new Chaincode(), opts).start();
} else {
    shim.start(new Chaincode());
}
"#;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// node and npm on PATH, or why not.
fn node_setup() -> Result<(), String> {
    for tool in ["node", "npm"] {
        if find_on_path(tool).is_none() {
            return Err(format!("{tool} is not installed (CI installs it)"));
        }
    }
    Ok(())
}

fn find_on_path(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(tool))
            .find(|p| p.is_file())
    })
}

/// A gzipped tar of `files` (path, content, mode).
fn tgz(files: &[(String, Vec<u8>, u32)]) -> Vec<u8> {
    let mut b = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    for (path, data, mode) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(*mode);
        h.set_cksum();
        b.append_data(&mut h, path, data.as_slice()).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

/// A ChaincodeDeploymentSpec of `kind` whose code package holds `files` under `src/`.
fn write_cds(
    path: &Path,
    name: &str,
    version: &str,
    kind: fabric::protos::peer::chaincode_spec::Type,
    cc_path: &str,
    files: &[(&str, Vec<u8>)],
) {
    use fabric::protos::peer::{ChaincodeDeploymentSpec, ChaincodeId, ChaincodeSpec};
    let entries: Vec<(String, Vec<u8>, u32)> = files
        .iter()
        .map(|(p, d)| (format!("src/{p}"), d.clone(), 0o644))
        .collect();
    let cds = ChaincodeDeploymentSpec {
        chaincode_spec: Some(ChaincodeSpec {
            r#type: kind as i32,
            chaincode_id: Some(ChaincodeId {
                name: name.into(),
                version: version.into(),
                path: cc_path.into(),
            }),
            ..Default::default()
        }),
        code_package: tgz(&entries),
        ..Default::default()
    };
    std::fs::write(path, cds.encode_to_vec()).unwrap();
}

/// The Node chaincode's files: package.json with Fabric's `npm start` contract, the lock
/// of tests/chaincode_support (so the builder runs `npm ci`), and CHAINCODE_JS.
fn node_files() -> Vec<(&'static str, Vec<u8>)> {
    let support = repo().join("tests/chaincode_support");
    let mut package: serde_json::Value =
        serde_json::from_slice(&std::fs::read(support.join("package.json")).unwrap()).unwrap();
    package["main"] = "chaincode.js".into();
    package["scripts"] = serde_json::json!({ "start": "node chaincode.js" });
    vec![
        ("package.json", serde_json::to_vec_pretty(&package).unwrap()),
        (
            "package-lock.json",
            std::fs::read(support.join("package-lock.json")).unwrap(),
        ),
        ("chaincode.js", CHAINCODE_JS.as_bytes().to_vec()),
    ]
}

fn write_node_cds(net: &Network, name: &str, version: &str) -> PathBuf {
    let path = net.path(&format!("{name}-{version}.cds"));
    write_cds(
        &path,
        name,
        version,
        fabric::protos::peer::chaincode_spec::Type::Node,
        "chaincode",
        &node_files(),
    );
    path
}

/// The environment the peer starts with beyond the network's: PATH and HOME (npm's cache)
/// from the test's, npm told to prefer its cache.
fn tool_env() -> Vec<(String, String)> {
    let mut env = vec![("npm_config_prefer_offline".to_string(), "true".to_string())];
    for k in ["PATH", "HOME"] {
        if let Ok(v) = std::env::var(k) {
            env.push((k.to_string(), v));
        }
    }
    env
}

/// `peer node start` with the network's environment plus `extra`; waits for its start.
fn start_peer(net: &Network, extra: &[(String, String)]) -> Guard {
    let started = |text: &str| text.matches("Started peer with ID=").count();
    let before = started(&std::fs::read_to_string(net.path("peer.log")).unwrap_or_default());
    let guard = net.spawn(
        "peer",
        Command::new(PEER)
            .args(["node", "start"])
            .env_clear()
            .envs(net.peer_env())
            .envs(extra.iter().cloned()),
    );
    let start = Instant::now();
    while started(&guard.log_text()) == before {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "peer did not start; log:\n{}",
            guard.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    guard
}

fn env_of(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env = tool_env();
    env.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    env
}

fn create_and_join(net: &Network, channel: &str) {
    let block = net.create_channel(channel);
    net.cli_ok(&["channel", "join", "-b", block.to_str().unwrap()]);
}

fn instantiate(
    net: &Network,
    name: &str,
    version: &str,
    lang: &str,
    ctor: &str,
) -> std::process::Output {
    net.cli(&[
        "chaincode",
        "instantiate",
        "-o",
        &net.orderer_address(),
        "-C",
        "ch",
        "-n",
        name,
        "-v",
        version,
        "-l",
        lang,
        "-c",
        ctor,
    ])
}

fn query(net: &Network, name: &str, ctor: &str) -> std::process::Output {
    net.cli(&["chaincode", "query", "-C", "ch", "-n", name, "-c", ctor])
}

fn invoke(net: &Network, name: &str, ctor: &str) -> std::process::Output {
    net.cli(&[
        "chaincode",
        "invoke",
        "-o",
        &net.orderer_address(),
        "-C",
        "ch",
        "-n",
        name,
        "-c",
        ctor,
    ])
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `peer chaincode query` until it prints `want` (commits are asynchronous).
fn query_until(net: &Network, name: &str, ctor: &str, want: &str) {
    let start = Instant::now();
    loop {
        let out = query(net, name, ctor);
        if out.status.success() && stdout(&out) == want {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "query {ctor} never answered {want:?}; last: {:?} {}",
            stdout(&out),
            stderr(&out)
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// `peer chaincode query` until it succeeds (the instantiation commits asynchronously).
fn query_ok(net: &Network, name: &str, ctor: &str) -> String {
    let start = Instant::now();
    loop {
        let out = query(net, name, ctor);
        if out.status.success() {
            return stdout(&out);
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "query {ctor} kept failing: {}",
            stderr(&out)
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// The pid in the peer's last "launched chaincode <cname> (pid N" line.
fn launched_pid(peer: &Guard, cname: &str) -> i32 {
    let needle = format!("launched chaincode {cname} (pid ");
    let text = peer.log_text();
    let at = text
        .rfind(&needle)
        .unwrap_or_else(|| panic!("no launch of {cname} logged"));
    text[at + needle.len()..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Whether `pid` runs (a zombie counts as gone).
fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().to_string())
        })
        .is_some_and(|rest| !rest.starts_with('Z'))
}

/// Every process of process group `pgid` (from /proc).
fn group_members(pgid: i32) -> Vec<i32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // fields[0] = state, [1] = ppid, [2] = pgrp
        if fields.len() > 2 && fields[2] == pgid.to_string() && fields[0] != "Z" {
            pids.push(pid);
        }
    }
    pids
}

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < limit,
            "{what} did not happen within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn fsp(net: &Network) -> PathBuf {
    net.path("peer-production")
}

#[test]
#[ignore = "needs node and npm with the npm registry (or its cache); run with --include-ignored"]
fn node_chaincode_is_built_launched_supervised_and_relaunched_by_the_peer() {
    node_setup().unwrap_or_else(|why| panic!("cannot run the Node.js chaincode: {why}"));
    let net = Network::new();
    let _orderer = net.start_orderer();
    let peer = start_peer(&net, &env_of(&[]));
    create_and_join(&net, "ch");
    let cds = write_node_cds(&net, "mycc", "1.0");
    net.cli_ok(&["chaincode", "install", cds.to_str().unwrap()]);

    // Instantiate launches it: build (npm ci), start, REGISTER, Init.
    let out = instantiate(
        &net,
        "mycc",
        "1.0",
        "node",
        r#"{"Args":["init","a","100","b","200"]}"#,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    query_until(&net, "mycc", r#"{"Args":["get","a"]}"#, "100");
    let out = invoke(&net, "mycc", r#"{"Args":["put","a","90"]}"#);
    assert!(out.status.success(), "{}", stderr(&out));
    query_until(&net, "mycc", r#"{"Args":["get","a"]}"#, "90");

    // What Fabric hands a node chaincode container: `npm start -- --peer.address <cc
    // address>` and its environment.
    let out = query(&net, "mycc", r#"{"Args":["env"]}"#);
    assert!(out.status.success(), "{}", stderr(&out));
    let got: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        got["argv"],
        serde_json::json!(["--peer.address", net.chaincode_address()])
    );
    let env = &got["env"];
    assert_eq!(env["CORE_CHAINCODE_ID_NAME"], "mycc:1.0");
    assert_eq!(env["CORE_PEER_TLS_ENABLED"], "false");
    assert_eq!(env["CORE_PEER_ADDRESS"], net.chaincode_address().as_str());
    assert_eq!(env["CORE_CHAINCODE_LOGGING_LEVEL"], "info");
    assert_eq!(env["CORE_CHAINCODE_LOGGING_SHIM"], "warning");

    // One build per code hash, its log kept; the chaincode's output in its own log.
    let builds: Vec<_> = std::fs::read_dir(fsp(&net).join("chaincodes/builds"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("mycc-"))
        .collect();
    assert_eq!(builds.len(), 1);
    let build = builds[0].path();
    assert!(build.join("build.log").is_file());
    assert_eq!(
        std::fs::read_to_string(build.join("build-info.json")).unwrap(),
        r#"{"builder_name":"builtin-node"}"#
    );
    let cc_log = fsp(&net).join("chaincodes/logs/mycc-1.0.log");
    assert!(cc_log.is_file());
    let pid = launched_pid(&peer, "mycc:1.0");
    assert!(peer
        .log_text()
        .contains(&format!("its log: {}", cc_log.display())));
    assert!(!group_members(pid).is_empty());

    // `peer chaincode list --installed` shows it as before.
    let out = net.cli_ok(&["chaincode", "list", "--installed"]);
    assert!(
        stdout(&out).contains("Name: mycc, Version: 1.0"),
        "{}",
        stdout(&out)
    );

    // Killed mid-transaction: that call fails with a clear error, the next one relaunches.
    let slow = {
        let (dir, env) = (net.dir.path().to_path_buf(), net.peer_env());
        std::thread::spawn(move || {
            Command::new(PEER)
                .args([
                    "chaincode",
                    "query",
                    "-C",
                    "ch",
                    "-n",
                    "mycc",
                    "-c",
                    r#"{"Args":["sleep","60000"]}"#,
                ])
                .current_dir(dir)
                .env_clear()
                .envs(env)
                .output()
                .unwrap()
        })
    };
    // The chaincode says when it is inside the transaction.
    wait_until("the chaincode's sleep", Duration::from_secs(60), || {
        std::fs::read_to_string(&cc_log)
            .unwrap_or_default()
            .contains("sleeping 60000")
    });
    // SAFETY: signalling the chaincode's process group by its id.
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
    }
    let out = slow.join().unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("chaincode stream terminated"), "{err}");
    peer.wait_log(&format!("chaincode mycc:1.0 (pid {pid}) exited"));
    query_until(&net, "mycc", r#"{"Args":["get","a"]}"#, "90");
    let relaunched = launched_pid(&peer, "mycc:1.0");
    assert_ne!(relaunched, pid);
    assert_eq!(
        peer.log_text()
            .matches("building chaincode mycc:1.0")
            .count(),
        1,
        "the relaunch reuses the build"
    );

    // A chaincode that exits by itself is relaunched on the next call too.
    let out = query(&net, "mycc", r#"{"Args":["exit","3"]}"#);
    assert!(!out.status.success());
    peer.wait_log("exited: exit status 3");
    query_until(&net, "mycc", r#"{"Args":["get","a"]}"#, "90");

    // Stopping the peer stops its chaincodes.
    let pid = launched_pid(&peer, "mycc:1.0");
    let mut peer = peer;
    peer.signal("TERM");
    assert_eq!(peer.wait(Duration::from_secs(30)), Some(0));
    wait_until("the chaincode's end", Duration::from_secs(10), || {
        group_members(pid).is_empty()
    });
}

/// A Node chaincode with no dependencies (builds in a second): package.json's start script
/// is `start`, chaincode.js is `js`.
fn write_plain_node_cds(net: &Network, name: &str, start: &str, package: Option<&str>) -> PathBuf {
    let path = net.path(&format!("{name}.cds"));
    let package = package.map(str::to_string).unwrap_or_else(|| {
        serde_json::json!({ "name": name, "version": "1.0.0", "scripts": { "start": start } })
            .to_string()
    });
    write_cds(
        &path,
        name,
        "1.0",
        fabric::protos::peer::chaincode_spec::Type::Node,
        name,
        &[("package.json", package.into_bytes())],
    );
    path
}

#[test]
#[ignore = "needs node and npm with the npm registry (or its cache); run with --include-ignored"]
fn launch_failures_are_one_clear_line_and_the_peer_stays_healthy() {
    node_setup().unwrap_or_else(|why| panic!("cannot run the Node.js chaincode: {why}"));
    let net = Network::new();
    let _orderer = net.start_orderer();
    let peer = start_peer(
        &net,
        &env_of(&[
            ("CORE_CHAINCODE_STARTUPTIMEOUT", "20s"),
            ("CORE_CHAINCODE_EXECUTETIMEOUT", "4s"),
        ]),
    );
    create_and_join(&net, "ch");

    // Startup timeout: a process that never registers.
    let cds = write_plain_node_cds(&net, "silent", "sh -c 'sleep 600' start", None);
    net.cli_ok(&["chaincode", "install", cds.to_str().unwrap()]);
    let out = instantiate(&net, "silent", "1.0", "node", r#"{"Args":["init"]}"#);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("could not launch chaincode silent:1.0: timeout expired while starting chaincode silent:1.0 for transaction"),
        "{err}"
    );
    assert!(err.contains("chaincodes/logs/silent-1.0.log"), "{err}");
    let pid = launched_pid(&peer, "silent:1.0");
    wait_until(
        "the silent chaincode's stop",
        Duration::from_secs(15),
        || group_members(pid).is_empty(),
    );

    // A process that exits before registering.
    let cds = write_plain_node_cds(
        &net,
        "quitter",
        "sh -c 'echo giving up; exit 7' start",
        None,
    );
    net.cli_ok(&["chaincode", "install", cds.to_str().unwrap()]);
    let out = instantiate(&net, "quitter", "1.0", "node", r#"{"Args":["init"]}"#);
    let err = stderr(&out);
    assert!(
        err.contains(
            "chaincode quitter:1.0 exited with exit status 7 before registering; see its log"
        ),
        "{err}"
    );
    let log = fsp(&net).join("chaincodes/logs/quitter-1.0.log");
    assert!(std::fs::read_to_string(log).unwrap().contains("giving up"));

    // A build that fails names its log.
    let cds = write_plain_node_cds(&net, "broken", "", Some("{ not json"));
    net.cli_ok(&["chaincode", "install", cds.to_str().unwrap()]);
    let out = instantiate(&net, "broken", "1.0", "node", r#"{"Args":["init"]}"#);
    let err = stderr(&out);
    assert!(
        err.contains("the built-in node builder failed to build chaincode broken:1.0"),
        "{err}"
    );
    let at = err.find("see the build log ").unwrap() + "see the build log ".len();
    let log_path = err[at..]
        .split_whitespace()
        .next()
        .unwrap()
        .trim_end_matches('"');
    assert!(Path::new(log_path).is_file(), "{log_path}");

    // Execute timeout with Fabric's text, then the chaincode still answers.
    let cds = write_node_cds(&net, "slow", "1.0");
    net.cli_ok(&["chaincode", "install", cds.to_str().unwrap()]);
    let out = instantiate(&net, "slow", "1.0", "node", r#"{"Args":["init","k","v"]}"#);
    assert!(out.status.success(), "{}", stderr(&out));
    query_until(&net, "slow", r#"{"Args":["get","k"]}"#, "v");
    let out = query(&net, "slow", r#"{"Args":["sleep","8000"]}"#);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("timeout expired while executing transaction"),
        "{}",
        stderr(&out)
    );
    query_until(&net, "slow", r#"{"Args":["get","k"]}"#, "v");
    drop(peer);
}

#[test]
#[ignore = "needs node and npm; run with --include-ignored"]
fn a_missing_toolchain_is_one_line_naming_it() {
    node_setup().unwrap_or_else(|why| panic!("cannot run the Node.js chaincode: {why}"));
    let net = Network::new();
    let _orderer = net.start_orderer();
    let empty = net.path("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    let _peer = start_peer(&net, &[("PATH".into(), empty.display().to_string())]);
    create_and_join(&net, "ch");
    let cds = write_plain_node_cds(&net, "nonpm", "node x.js", None);
    net.cli_ok(&["chaincode", "install", cds.to_str().unwrap()]);
    let out = instantiate(&net, "nonpm", "1.0", "node", r#"{"Args":["init"]}"#);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(
            "cannot build chaincode nonpm:1.0: npm is not installed or not on the peer's PATH"
        ),
        "{err}"
    );
    // The peer still answers.
    net.cli_ok(&["chaincode", "list", "--installed"]);
}

#[test]
#[ignore = "needs node and npm with the npm registry (or its cache); run with --include-ignored"]
fn a_peer_killed_with_sigkill_leaves_no_chaincode_process() {
    node_setup().unwrap_or_else(|why| panic!("cannot run the Node.js chaincode: {why}"));
    let net = Network::new();
    let _orderer = net.start_orderer();
    let mut peer = start_peer(&net, &env_of(&[]));
    create_and_join(&net, "ch");
    let cds = write_node_cds(&net, "mycc", "1.0");
    net.cli_ok(&["chaincode", "install", cds.to_str().unwrap()]);
    let out = instantiate(&net, "mycc", "1.0", "node", r#"{"Args":["init","a","1"]}"#);
    assert!(out.status.success(), "{}", stderr(&out));
    let got: serde_json::Value =
        serde_json::from_str(&query_ok(&net, "mycc", r#"{"Args":["env"]}"#)).unwrap();
    let node_pid = got["pid"].as_i64().unwrap() as i32;
    let group = launched_pid(&peer, "mycc:1.0");
    assert!(alive(node_pid) && group_members(group).contains(&node_pid));
    peer.signal("9");
    assert_eq!(peer.wait(Duration::from_secs(10)), None);
    wait_until(
        "the chaincode processes' end",
        Duration::from_secs(15),
        || !alive(node_pid) && group_members(group).is_empty(),
    );
}

/// Writes an executable script.
fn script(path: &Path, body: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut f = std::fs::File::create(path).unwrap();
    f.write_all(body.as_bytes()).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Replaces `chaincode.externalBuilders` of the network's core.yaml with `builders`
/// (name, path, propagateEnvironment).
fn set_external_builders(net: &Network, builders: &[(&str, &Path, &[&str])]) {
    let core = net.cfg.join("core.yaml");
    let text = std::fs::read_to_string(&core).unwrap();
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    let mut replaced = false;
    while let Some(line) = lines.next() {
        if line == "    externalBuilders:" {
            out.push_str(line);
            out.push('\n');
            while lines.peek().is_some_and(|l| l.starts_with("        ")) {
                lines.next();
            }
            for (name, path, propagate) in builders {
                out.push_str(&format!(
                    "        - name: {name}\n          path: {}\n          propagateEnvironment: [{}]\n",
                    path.display(),
                    propagate.join(", ")
                ));
            }
            replaced = true;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(
        replaced,
        "sampleconfig/core.yaml has chaincode.externalBuilders"
    );
    std::fs::write(&core, out).unwrap();
}

#[test]
#[ignore = "needs node and npm with the npm registry (or its cache); run with --include-ignored"]
fn an_external_builder_gets_fabric_2_arguments_metadata_and_chaincode_json() {
    node_setup().unwrap_or_else(|why| panic!("cannot run the Node.js chaincode: {why}"));
    let net = Network::new();
    let _orderer = net.start_orderer();
    let builder = net.path("builders/test-node");
    let record = net.path("record");
    std::fs::create_dir_all(&record).unwrap();
    let r = record.display();
    // detect claims only NODE packages and records its arguments; build installs with npm
    // into BUILD_OUTPUT_DIR; release leaves nothing; run reads chaincode.json and execs node.
    script(
        &builder.join("bin/detect"),
        &format!(
            "#!/bin/sh\necho \"$@\" > {r}/detect.args\ncp \"$2/metadata.json\" {r}/metadata.json\nenv > {r}/detect.env\ngrep -q '\"type\":\"node\"' \"$2/metadata.json\"\n"
        ),
    );
    script(
        &builder.join("bin/build"),
        &format!(
            "#!/bin/sh\nset -e\necho \"$@\" > {r}/build.args\ncp -R \"$1/src/.\" \"$3\"\ncd \"$3\" && npm ci --production\n"
        ),
    );
    script(
        &builder.join("bin/release"),
        &format!("#!/bin/sh\necho \"$@\" > {r}/release.args\n"),
    );
    script(
        &builder.join("bin/run"),
        &format!(
            "#!/bin/sh\necho \"$@\" > {r}/run.args\ncp \"$2/chaincode.json\" {r}/chaincode.json\nID=$(sed -n 's/.*\"chaincode_id\":\"\\([^\"]*\\)\".*/\\1/p' \"$2/chaincode.json\")\nADDR=$(sed -n 's/.*\"peer_address\":\"\\([^\"]*\\)\".*/\\1/p' \"$2/chaincode.json\")\ncd \"$1\"\nexec env CORE_CHAINCODE_ID_NAME=\"$ID\" CORE_PEER_TLS_ENABLED=false node chaincode.js --peer.address \"$ADDR\"\n"
        ),
    );
    let never = net.path("builders/never");
    script(
        &never.join("bin/detect"),
        &format!("#!/bin/sh\ntouch {r}/never-asked\nexit 1\n"),
    );
    set_external_builders(
        &net,
        &[
            ("never", &never, &[]),
            (
                "test-node",
                &builder,
                &["HOME", "npm_config_prefer_offline"],
            ),
        ],
    );
    let _peer = start_peer(&net, &env_of(&[("SECRET_OF_THE_PEER", "x")]));
    create_and_join(&net, "ch");
    let cds = write_node_cds(&net, "extcc", "2.0");
    net.cli_ok(&["chaincode", "install", cds.to_str().unwrap()]);
    let out = instantiate(&net, "extcc", "2.0", "node", r#"{"Args":["init","a","7"]}"#);
    assert!(out.status.success(), "{}", stderr(&out));
    query_until(&net, "extcc", r#"{"Args":["get","a"]}"#, "7");

    let read = |f: &str| std::fs::read_to_string(record.join(f)).unwrap();
    assert!(
        record.join("never-asked").exists(),
        "builders are tried in order"
    );
    let build_dir = fsp(&net).join("chaincodes/builds");
    let detect: Vec<String> = read("detect.args")
        .split_whitespace()
        .map(String::from)
        .collect();
    assert_eq!(detect.len(), 2);
    assert!(detect[0].starts_with(build_dir.to_str().unwrap()) && detect[0].ends_with("/source"));
    assert!(detect[1].ends_with("/metadata"));
    assert_eq!(
        read("metadata.json"),
        r#"{"type":"node","path":"chaincode","label":"extcc:2.0"}"#
    );
    let env = read("detect.env");
    assert!(env.contains("PATH=") && env.contains("HOME="), "{env}");
    assert!(
        !env.contains("SECRET_OF_THE_PEER"),
        "only propagated variables: {env}"
    );
    let build: Vec<String> = read("build.args")
        .split_whitespace()
        .map(String::from)
        .collect();
    assert_eq!(build[..2], detect[..]);
    assert!(build[2].ends_with("/bld"));
    let release: Vec<String> = read("release.args")
        .split_whitespace()
        .map(String::from)
        .collect();
    assert_eq!(release[0], build[2]);
    assert!(release[1].ends_with("/release"));
    let run: Vec<String> = read("run.args")
        .split_whitespace()
        .map(String::from)
        .collect();
    assert_eq!(run[0], build[2]);
    let cc: serde_json::Value = serde_json::from_str(&read("chaincode.json")).unwrap();
    assert_eq!(
        cc,
        serde_json::json!({
            "chaincode_id": "extcc:2.0",
            "peer_address": net.chaincode_address(),
            "client_cert": "",
            "client_key": "",
            "root_cert": "",
            "mspid": "SampleOrg",
        })
    );
    let build_info = std::fs::read_dir(&build_dir)
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with("extcc-"))
        .unwrap()
        .path()
        .join("build-info.json");
    assert_eq!(
        std::fs::read_to_string(build_info).unwrap(),
        r#"{"builder_name":"test-node"}"#
    );
}

/// Starts the test's chaincode server (fabric-shim's server mode) as `svc:1.0` on a free
/// port, with mutual TLS from `tls` (sampleconfig's certificate) when given; returns its
/// guard and address.
fn start_chaincode_server(net: &Network, tls: Option<&Path>) -> (Guard, String) {
    let support_modules = repo().join("tests/chaincode_support/node_modules");
    assert!(
        support_modules.join("fabric-shim").is_dir(),
        "run npm ci --prefix tests/chaincode_support"
    );
    let server_dir = net.path("ccserver");
    std::fs::create_dir_all(&server_dir).unwrap();
    std::fs::write(server_dir.join("chaincode.js"), CHAINCODE_JS).unwrap();
    std::os::unix::fs::symlink(&support_modules, server_dir.join("node_modules")).unwrap();
    let port = free_port();
    let address = format!("127.0.0.1:{port}");
    let mut cmd = Command::new(find_on_path("node").unwrap());
    cmd.arg(server_dir.join("chaincode.js"))
        .env_clear()
        .env("CHAINCODE_ID", "svc:1.0")
        .env("CHAINCODE_SERVER_ADDRESS", &address);
    if let Some(dir) = tls {
        cmd.env("CHAINCODE_TLS_DIR", dir);
    }
    let guard = net.spawn("ccserver", &mut cmd);
    support::network::wait_for_port(port);
    (guard, address)
}

/// Installs `svc:1.0` as a package holding only `connection` (src/connection.json) and
/// returns the instantiate's output.
fn install_and_instantiate_service(
    net: &Network,
    name: &str,
    connection: &serde_json::Value,
) -> std::process::Output {
    let cds = net.path(&format!("{name}.cds"));
    write_cds(
        &cds,
        name,
        "1.0",
        fabric::protos::peer::chaincode_spec::Type::Node,
        name,
        &[("connection.json", connection.to_string().into_bytes())],
    );
    net.cli_ok(&["chaincode", "install", cds.to_str().unwrap()]);
    instantiate(net, name, "1.0", "node", r#"{"Args":["init","s","42"]}"#)
}

/// The build folder of chaincode `name`.
fn build_dir_of(net: &Network, name: &str) -> PathBuf {
    std::fs::read_dir(fsp(net).join("chaincodes/builds"))
        .unwrap()
        .flatten()
        .find(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&format!("{name}-"))
        })
        .unwrap()
        .path()
}

#[test]
#[ignore = "needs node, npm and `npm ci --prefix tests/chaincode_support`; run with --include-ignored"]
fn a_chaincode_server_is_reached_through_the_shipped_ccaas_builder() {
    node_setup().unwrap_or_else(|why| panic!("cannot run the Node.js chaincode: {why}"));
    let net = Network::new();
    let _orderer = net.start_orderer();
    let (_server, address) = start_chaincode_server(&net, None);
    let _peer = start_peer(&net, &env_of(&[]));
    create_and_join(&net, "ch");
    let connection = serde_json::json!({
        "address": address,
        "dial_timeout": "10s",
        "tls_required": false,
    });
    let out = install_and_instantiate_service(&net, "svc", &connection);
    assert!(out.status.success(), "{}", stderr(&out));
    query_until(&net, "svc", r#"{"Args":["get","s"]}"#, "42");
    let out = invoke(&net, "svc", r#"{"Args":["put","s","43"]}"#);
    assert!(out.status.success(), "{}", stderr(&out));
    query_until(&net, "svc", r#"{"Args":["get","s"]}"#, "43");
    let build = build_dir_of(&net, "svc");
    assert_eq!(
        std::fs::read_to_string(build.join("build-info.json")).unwrap(),
        r#"{"builder_name":"ccaas"}"#
    );
    assert!(build
        .join("release/chaincode/server/connection.json")
        .is_file());
}

#[test]
#[ignore = "needs node, npm and `npm ci --prefix tests/chaincode_support`; run with --include-ignored"]
fn a_chaincode_server_with_mutual_tls_is_dialed_with_the_connection_file_s_material() {
    node_setup().unwrap_or_else(|why| panic!("cannot run the Node.js chaincode: {why}"));
    let net = Network::new();
    let _orderer = net.start_orderer();
    let tls = net.cfg.join("tls");
    let (_server, address) = start_chaincode_server(&net, Some(&tls));
    let _peer = start_peer(&net, &env_of(&[]));
    create_and_join(&net, "ch");
    let pem = |f: &str| std::fs::read_to_string(tls.join(f)).unwrap();

    // Without a client certificate the server refuses: one line naming the service.
    let refused = serde_json::json!({
        "address": address,
        "tls_required": true,
        "root_cert": pem("ca.crt"),
    });
    let out = install_and_instantiate_service(&net, "nocert", &refused);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("could not launch chaincode nocert:1.0: chaincode nocert:1.0 as a service: "),
        "{err}"
    );

    let connection = serde_json::json!({
        "address": address,
        "dial_timeout": "10s",
        "tls_required": true,
        "client_auth_required": true,
        "root_cert": pem("ca.crt"),
        "client_cert": pem("server.crt"),
        "client_key": pem("server.key"),
    });
    let out = install_and_instantiate_service(&net, "svc", &connection);
    assert!(out.status.success(), "{}", stderr(&out));
    query_until(&net, "svc", r#"{"Args":["get","s"]}"#, "42");
}

/// The `peer` CLI with the network's environment plus `extra`.
fn cli_with(net: &Network, extra: &[(String, String)], args: &[&str]) -> std::process::Output {
    Command::new(PEER)
        .args(args)
        .current_dir(net.dir.path())
        .env_clear()
        .envs(net.peer_env())
        .envs(extra.iter().cloned())
        .output()
        .unwrap()
}

#[test]
#[ignore = "needs node and npm with the npm registry (or its cache); run with --include-ignored"]
fn with_tls_the_launched_chaincode_registers_with_the_certificate_the_peer_issued() {
    use base64::Engine;
    node_setup().unwrap_or_else(|why| panic!("cannot run the Node.js chaincode: {why}"));
    let net = Network::new();
    let tls = net.cfg.join("tls");
    let _orderer = net.spawn(
        "orderer",
        Command::new(env!("CARGO_BIN_EXE_orderer"))
            .env_clear()
            .env("FABRIC_CFG_PATH", &net.cfg)
            .env("FABRIC_LOGGING_SPEC", "info")
            .env("ORDERER_GENERAL_LISTENADDRESS", "127.0.0.1")
            .env("ORDERER_GENERAL_LISTENPORT", net.orderer_port.to_string())
            .env(
                "ORDERER_OPERATIONS_LISTENADDRESS",
                format!("127.0.0.1:{}", free_port()),
            )
            .env("ORDERER_FILELEDGER_LOCATION", net.path("orderer-ledger"))
            .env("ORDERER_GENERAL_TLS_ENABLED", "true")
            .env("ORDERER_GENERAL_TLS_CERTIFICATE", tls.join("server.crt"))
            .env("ORDERER_GENERAL_TLS_PRIVATEKEY", tls.join("server.key"))
            .env("ORDERER_GENERAL_TLS_ROOTCAS", tls.join("ca.crt")),
    );
    support::network::wait_for_port(net.orderer_port);
    let tls_env = vec![("CORE_PEER_TLS_ENABLED".to_string(), "true".to_string())];
    let mut peer_env = env_of(&[]);
    peer_env.extend(tls_env.clone());
    let peer = start_peer(&net, &peer_env);
    assert!(peer.log_text().contains(
        "with TLS: chaincodes present client certificates issued by the peer's chaincode CA"
    ));
    let cafile = tls.join("ca.crt");
    let orderer_tls = [
        "-o",
        &net.orderer_address(),
        "--tls",
        "--cafile",
        cafile.to_str().unwrap(),
    ];
    let ok = |args: &[&str]| {
        let out = cli_with(&net, &tls_env, args);
        assert!(out.status.success(), "peer {args:?}: {}", stderr(&out));
        out
    };
    let tx = net.path("ch.tx");
    net.configtxgen(&[
        "-profile",
        "SampleSingleMSPChannel",
        "-channelID",
        "ch",
        "-outputCreateChannelTx",
        tx.to_str().unwrap(),
    ]);
    let block = net.path("ch.block");
    let mut create = vec!["channel", "create", "-c", "ch", "-f", tx.to_str().unwrap()];
    create.extend(["--outputBlock", block.to_str().unwrap()]);
    create.extend(orderer_tls);
    ok(&create);
    ok(&["channel", "join", "-b", block.to_str().unwrap()]);
    let cds = write_node_cds(&net, "mycc", "1.0");
    ok(&["chaincode", "install", cds.to_str().unwrap()]);
    let mut inst = vec![
        "chaincode",
        "instantiate",
        "-C",
        "ch",
        "-n",
        "mycc",
        "-v",
        "1.0",
    ];
    inst.extend(["-l", "node", "-c", r#"{"Args":["init","a","5"]}"#]);
    inst.extend(orderer_tls);
    ok(&inst);

    // Registered over TLS with what the peer handed it.
    let env_query = [
        "chaincode",
        "query",
        "-C",
        "ch",
        "-n",
        "mycc",
        "-c",
        r#"{"Args":["env"]}"#,
    ];
    let start = Instant::now();
    let got: serde_json::Value = loop {
        let out = cli_with(&net, &tls_env, &env_query);
        if out.status.success() {
            break serde_json::from_str(&stdout(&out)).unwrap();
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "{}",
            stderr(&out)
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    let env = &got["env"];
    assert_eq!(env["CORE_PEER_TLS_ENABLED"], "true");
    let run_dir = fsp(&net).join("chaincodes/run/mycc-1.0");
    for (var, file) in [
        ("CORE_TLS_CLIENT_KEY_PATH", "client.key"),
        ("CORE_TLS_CLIENT_CERT_PATH", "client.crt"),
        ("CORE_PEER_TLS_ROOTCERT_FILE", "peer.crt"),
    ] {
        let path = run_dir.join(file);
        assert_eq!(env[var], path.to_str().unwrap());
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{file}");
    }
    // The client certificate (base64 of a PEM, as Fabric writes it) was issued by the
    // chaincode CA for the chaincode's name.
    let cert_pem = base64::engine::general_purpose::STANDARD
        .decode(std::fs::read(run_dir.join("client.crt")).unwrap())
        .unwrap();
    let der = rustls_pemfile::certs(&mut cert_pem.as_slice())
        .next()
        .unwrap()
        .unwrap();
    let (_, cert) = x509_parser::parse_x509_certificate(&der).unwrap();
    assert_eq!(cert.subject().to_string(), "CN=mycc");
    assert!(cert.issuer().to_string().contains("CN=chaincode-ca"));
    peer.wait_log("chaincode mycc:1.0 registered and ready");
}

/// `go` on PATH, or why not.
fn go_setup() -> Result<(), String> {
    find_on_path("go")
        .map(|_| ())
        .ok_or_else(|| "go is not installed (CI installs golang-go)".into())
}

#[test]
#[ignore = "needs go (Debian's golang-go); run with --include-ignored"]
fn the_go_builder_builds_and_starts_go_chaincode_with_fabric_s_environment() {
    go_setup().unwrap_or_else(|why| panic!("cannot build Go chaincode: {why}"));
    let net = Network::new();
    let _orderer = net.start_orderer();
    let shimless = net.path("empty-gopath");
    std::fs::create_dir_all(&shimless).unwrap();
    let _peer = start_peer(
        &net,
        &env_of(&[
            ("CORE_CHAINCODE_STARTUPTIMEOUT", "45s"),
            ("CORE_CHAINCODE_GOLANG_GOPATH", shimless.to_str().unwrap()),
        ]),
    );
    create_and_join(&net, "ch");
    let golang = fabric::protos::peer::chaincode_spec::Type::Golang;

    // A dependency-free program: built, started with Fabric's arguments and environment;
    // it never registers, so the call ends with Fabric's startup-timeout text.
    let main_go = std::fs::read(repo().join("tests/chaincode_go/envrecorder/main.go")).unwrap();
    let cds = net.path("goenv.cds");
    let import = "example.com/envrecorder";
    write_cds(
        &cds,
        "goenv",
        "1.0",
        golang,
        import,
        &[(&format!("{import}/main.go"), main_go)],
    );
    net.cli_ok(&["chaincode", "install", cds.to_str().unwrap()]);
    let out = instantiate(&net, "goenv", "1.0", "golang", r#"{"Args":["init"]}"#);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("could not launch chaincode goenv:1.0: timeout expired while starting chaincode goenv:1.0 for transaction"),
        "{err}"
    );
    let record = fsp(&net).join("chaincodes/run/goenv-1.0/launch-record.json");
    let got: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&record).expect("the program ran")).unwrap();
    assert_eq!(
        got["args"],
        serde_json::json!([format!("-peer.address={}", net.chaincode_address())])
    );
    let env = &got["env"];
    assert_eq!(env["CORE_CHAINCODE_ID_NAME"], "goenv:1.0");
    assert_eq!(env["CORE_PEER_TLS_ENABLED"], "false");
    assert_eq!(env["CORE_CHAINCODE_LOGGING_LEVEL"], "info");
    assert_eq!(env["CORE_CHAINCODE_LOGGING_SHIM"], "warning");
    assert!(env["CORE_CHAINCODE_LOGGING_FORMAT"]
        .as_str()
        .unwrap()
        .contains("%{message}"));

    // A package with its own go.mod is built in module mode (no GOPATH layout needed).
    let cds = net.path("gomod.cds");
    let import = "example.com/gomod";
    let main_go =
        "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"module mode ran\") }\n";
    let go_mod = "module example.com/gomod\n\ngo 1.19\n";
    write_cds(
        &cds,
        "gomod",
        "1.0",
        golang,
        import,
        &[
            (&format!("{import}/main.go"), main_go.as_bytes().to_vec()),
            (&format!("{import}/go.mod"), go_mod.as_bytes().to_vec()),
        ],
    );
    net.cli_ok(&["chaincode", "install", cds.to_str().unwrap()]);
    let out = instantiate(&net, "gomod", "1.0", "golang", r#"{"Args":["init"]}"#);
    let err = stderr(&out);
    assert!(
        err.contains("chaincode gomod:1.0 exited with exit status 0 before registering"),
        "{err}"
    );
    let log = fsp(&net).join("chaincodes/logs/gomod-1.0.log");
    assert!(std::fs::read_to_string(log)
        .unwrap()
        .contains("module mode ran"));

    // A chaincode importing the Go shim, with a GOPATH that lacks it: the error says so
    // and names the setting.
    let cds = net.path("needshim.cds");
    let import = "example.com/needshim";
    let source = "package main\n\nimport \"github.com/hyperledger/fabric/core/chaincode/shim\"\n\nfunc main() { _ = shim.Start }\n";
    write_cds(
        &cds,
        "needshim",
        "1.0",
        golang,
        import,
        &[(&format!("{import}/main.go"), source.as_bytes().to_vec())],
    );
    net.cli_ok(&["chaincode", "install", cds.to_str().unwrap()]);
    let out = instantiate(&net, "needshim", "1.0", "golang", r#"{"Args":["init"]}"#);
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "the Go shim (github.com/hyperledger/fabric/core/chaincode/shim) is not in GOPATH {}",
            shimless.display()
        )),
        "{err}"
    );
    assert!(err.contains("chaincode.golang.gopath"), "{err}");
}

/// `instantiate --collections-config`: the collections file becomes Fabric's
/// CollectionConfigPackage, lscc checks it and stores it under `<name>~collection`, VSCC
/// accepts it (the chaincode answers), and lscc's getcollectionsconfig returns exactly those
/// bytes; a malformed file is one line and nothing is sent.
#[test]
#[ignore = "needs node, npm and `npm ci --prefix tests/chaincode_support`; run with --include-ignored"]
fn instantiate_with_a_collections_config_stores_it_as_lscc_does() {
    node_setup().unwrap_or_else(|why| panic!("cannot run the Node.js chaincode: {why}"));
    let net = Network::new();
    let _orderer = net.start_orderer();
    let (_server, address) = start_chaincode_server(&net, None);
    let _peer = start_peer(&net, &env_of(&[]));
    create_and_join(&net, "ch");
    let cds = net.path("svc.cds");
    let connection =
        serde_json::json!({"address": address, "dial_timeout": "10s", "tls_required": false});
    write_cds(
        &cds,
        "svc",
        "1.0",
        fabric::protos::peer::chaincode_spec::Type::Node,
        "svc",
        &[("connection.json", connection.to_string().into_bytes())],
    );
    net.cli_ok(&["chaincode", "install", cds.to_str().unwrap()]);
    let collections = net.path("collections.json");
    let json = r#"[{"name":"secret","policy":"OR('SampleOrg.member')","requiredPeerCount":0,"maxPeerCount":1,"blockToLive":10,"memberOnlyRead":true}]"#;
    let deploy = |file: &Path| {
        net.cli(&[
            "chaincode",
            "instantiate",
            "-o",
            &net.orderer_address(),
            "-C",
            "ch",
            "-n",
            "svc",
            "-v",
            "1.0",
            "-c",
            r#"{"Args":["init","s","42"]}"#,
            "--collections-config",
            file.to_str().unwrap(),
        ])
    };
    std::fs::write(&collections, "[{\"name\": ").unwrap();
    let out = deploy(&collections);
    assert!(!out.status.success());
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("could not parse the collection configuration"));

    std::fs::write(&collections, json).unwrap();
    let out = deploy(&collections);
    assert!(out.status.success(), "{}", stderr(&out));
    query_until(&net, "svc", r#"{"Args":["get","s"]}"#, "42");
    let out = net.cli_ok(&[
        "chaincode",
        "query",
        "-C",
        "ch",
        "-n",
        "lscc",
        "-x",
        "-c",
        r#"{"Args":["getcollectionsconfig","svc"]}"#,
    ]);
    let want = fabric::cli::chaincode_ops::collection_config_package(json.as_bytes()).unwrap();
    let hex: String = want.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(stdout(&out), hex);
}
