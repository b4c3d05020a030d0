//! `peer chaincode package | signpackage | install` as a user runs them: our packages of the
//! same inputs against the packages Fabric v1.4.12's CLI wrote (tests/vectors/packages),
//! signatures checked with the vector MSPs, install from -p and from a package file into
//! our peer with `list --installed` showing Fabric's package id, and the one-line errors.
//!
//! Byte equality of whole packages holds when the packaged files belong to `root:root`, as
//! they did for Fabric's goldens: Go's tar header carries the file owner's *names* (Fabric
//! zeroes times and sets uid/gid 500, but keeps them). Otherwise the packages are compared
//! entry by entry, names in headers aside.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use prost::Message;
use sha2::{Digest, Sha256};

use crate::support;
use crate::support::network::{repo_sampleconfig, Network};
use fabric::msp::IdentityDeserializer;
use fabric::protos::common::{Envelope, HeaderType};
use fabric::protos::peer::ChaincodeDeploymentSpec;
use fabric::scc::lscc::ccprovider_signed::{extract_signed_cds, SignedCdsData};

const PEER: &str = env!("CARGO_BIN_EXE_peer");

fn packages_dir() -> PathBuf {
    support::vectors_dir().join("packages")
}

fn go_gopath() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/chaincode_go/gopath")
}

fn org_admin_msp(org: u8) -> PathBuf {
    support::vectors_dir().join(format!(
        "network/crypto-config/peerOrganizations/org{org}.example.com/users/Admin@org{org}.example.com/msp"
    ))
}

/// Our `peer` in `dir` with sampleconfig, the given MSP (org 1 or 2), PATH/HOME for `go`.
fn peer_in(dir: &Path, org: u8, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(PEER);
    cmd.args(args)
        .current_dir(dir)
        .env_clear()
        .env("FABRIC_CFG_PATH", repo_sampleconfig())
        .env("CORE_PEER_MSPCONFIGPATH", org_admin_msp(org))
        .env("CORE_PEER_LOCALMSPID", format!("Org{org}MSP"))
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env(
            "HOME",
            std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into()),
        );
    cmd.envs(env.iter().copied());
    cmd.output().expect("run peer")
}

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "peer failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The one `Error:` line a failed command printed.
fn error_line(out: &Output) -> String {
    assert!(!out.status.success(), "the command should have failed");
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("Error: ")).collect();
    assert_eq!(lines.len(), 1, "one error line expected, got:\n{text}");
    lines[0].to_string()
}

fn read_cds(path: &Path) -> ChaincodeDeploymentSpec {
    ChaincodeDeploymentSpec::decode(std::fs::read(path).unwrap().as_slice()).unwrap()
}

/// (name, mode, uid, gid, mtime, content) of each tar entry of a code package.
type Entry = (String, u32, u64, u64, u64, Vec<u8>);

fn entries(code: &[u8]) -> Vec<Entry> {
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(code)
        .read_to_end(&mut tar)
        .unwrap();
    let mut archive = tar::Archive::new(tar.as_slice());
    archive
        .entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let h = e.header().clone();
            let mut body = Vec::new();
            e.read_to_end(&mut body).unwrap();
            (
                e.path().unwrap().display().to_string(),
                h.mode().unwrap(),
                h.uid().unwrap(),
                h.gid().unwrap(),
                h.mtime().unwrap(),
                body,
            )
        })
        .collect()
}

fn owned_by_root(path: &Path) -> bool {
    let meta = std::fs::metadata(path).unwrap();
    fabric::chaincode::platforms::writer::owner_of(&meta)
        == fabric::chaincode::platforms::writer::Owner {
            user: "root".into(),
            group: "root".into(),
        }
}

/// Our package against Fabric's: the same bytes when the sources belong to root:root,
/// else the same spec and the same entries (headers' owner names aside).
fn assert_same_package(ours: &Path, fabrics: &Path, source_file: &Path) {
    let (a, b) = (read_cds(ours), read_cds(fabrics));
    assert_eq!(a.chaincode_spec, b.chaincode_spec);
    assert_eq!(entries(&a.code_package), entries(&b.code_package));
    if owned_by_root(source_file) {
        assert_eq!(
            std::fs::read(ours).unwrap(),
            std::fs::read(fabrics).unwrap(),
            "the package bytes (and so the code hash) must be Fabric's"
        );
    }
}

/// Writes the files of Fabric's node package back into `dir/nodecc` (the vector's source).
fn nodecc_source(dir: &Path) -> PathBuf {
    let golden = read_cds(&packages_dir().join("nodecc-node.cds"));
    let folder = dir.join("nodecc");
    for (name, _, _, _, _, body) in entries(&golden.code_package) {
        let path = folder.join(name.strip_prefix("src/").unwrap());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
    folder
}

#[test]
fn node_package_is_fabrics() {
    let dir = tempfile::tempdir().unwrap();
    let folder = nodecc_source(dir.path());
    let args = ["chaincode", "package", "-n", "nodecc", "-v", "1.0"];
    ok(peer_in(
        dir.path(),
        1,
        &[&args[..], &["-l", "NODE", "-p", "nodecc", "nodecc.cds"]].concat(),
        &[],
    ));
    let out = dir.path().join("nodecc.cds");
    assert_same_package(
        &out,
        &packages_dir().join("nodecc-node.cds"),
        &folder.join("package.json"),
    );
    // The JSON Fabric's configtxlator printed for its package says the same.
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(packages_dir().join("nodecc-node.cds.json")).unwrap(),
    )
    .unwrap();
    let spec = read_cds(&out).chaincode_spec.unwrap();
    assert_eq!(json["chaincode_spec"]["type"], "NODE");
    assert_eq!(spec.r#type, 2);
    assert_eq!(json["chaincode_spec"]["chaincode_id"]["path"], "nodecc");
    let mode = std::fs::metadata(&out).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        mode.permissions().mode() & 0o777,
        0o700,
        "Fabric writes 0700"
    );
}

fn channel_msps() -> std::sync::Arc<fabric::msp::MspManager> {
    let block = support::vector_block(
        &support::vectors_dir(),
        "ledger/mychannel/committed",
        "mychannel",
        0,
    );
    support::channel_msps(&support::config_group(&block))
}

/// Every owner endorsement verifies over cds ‖ policy ‖ endorser; returns the MSP ids.
fn verified_owners(package: &Path) -> (Vec<String>, Vec<u8>, Vec<u8>) {
    let env = Envelope::decode(std::fs::read(package).unwrap().as_slice()).unwrap();
    let (header, spec) = extract_signed_cds(&env).unwrap();
    assert_eq!(header.r#type, HeaderType::ChaincodePackage as i32);
    assert!(header.channel_id.is_empty() && env.signature.is_empty());
    let msps = channel_msps();
    let owners = spec
        .owner_endorsements
        .iter()
        .map(|e| {
            let id = msps.deserialize_identity(&e.endorser).unwrap();
            let message = [
                spec.chaincode_deployment_spec.as_slice(),
                &spec.instantiation_policy,
                &e.endorser,
            ]
            .concat();
            id.verify(&message, &e.signature).unwrap();
            id.msp_identifier().to_string()
        })
        .collect();
    (
        owners,
        spec.chaincode_deployment_spec,
        spec.instantiation_policy,
    )
}

#[test]
fn signed_and_twice_signed_packages_match_fabrics() {
    let dir = tempfile::tempdir().unwrap();
    nodecc_source(dir.path());
    let policy = "AND('Org1MSP.admin')";
    ok(peer_in(
        dir.path(),
        1,
        &[
            "chaincode",
            "package",
            "-n",
            "nodecc",
            "-v",
            "1.0",
            "-l",
            "node",
            "-p",
            "nodecc",
            "-s",
            "-S",
            "-i",
            policy,
            "signed.pkg",
        ],
        &[],
    ));
    let out = ok(peer_in(
        dir.path(),
        2,
        &["chaincode", "signpackage", "signed.pkg", "signed-twice.pkg"],
        &[],
    ));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Wrote signed package to signed-twice.pkg successfully\n"
    );
    for (ours, fabrics, owners) in [
        ("signed.pkg", "nodecc-signed.pkg", vec!["Org1MSP"]),
        (
            "signed-twice.pkg",
            "nodecc-signed-twice.pkg",
            vec!["Org1MSP", "Org2MSP"],
        ),
    ] {
        let (our_owners, our_cds, our_policy) = verified_owners(&dir.path().join(ours));
        let (their_owners, their_cds, their_policy) =
            verified_owners(&packages_dir().join(fabrics));
        assert_eq!(our_owners, owners);
        assert_eq!(their_owners, owners);
        assert_eq!(our_policy, their_policy, "{ours}: instantiation policy");
        let (a, b) = (
            ChaincodeDeploymentSpec::decode(our_cds.as_slice()).unwrap(),
            ChaincodeDeploymentSpec::decode(their_cds.as_slice()).unwrap(),
        );
        assert_eq!(a.chaincode_spec, b.chaincode_spec);
        assert_eq!(entries(&a.code_package), entries(&b.code_package));
        if owned_by_root(&dir.path().join("nodecc/package.json")) {
            assert_eq!(our_cds, their_cds, "{ours}: deployment spec bytes");
        }
    }
    // Without -i the policy is "admins of the local MSP".
    ok(peer_in(
        dir.path(),
        2,
        &[
            "chaincode",
            "package",
            "-n",
            "nodecc",
            "-v",
            "1.0",
            "-l",
            "node",
            "-p",
            "nodecc",
            "-s",
            "-S",
            "default.pkg",
        ],
        &[],
    ));
    let (_, _, policy) = verified_owners(&dir.path().join("default.pkg"));
    let expected = fabric::policy::from_string("AND('Org2MSP.admin')")
        .unwrap()
        .encode_to_vec();
    assert_eq!(policy, expected);
}

#[test]
#[ignore = "needs the go tool (Debian golang-go; .ci/run installs it); run with --include-ignored"]
fn golang_package_is_fabrics() {
    let dir = tempfile::tempdir().unwrap();
    let gp = go_gopath().display().to_string();
    ok(peer_in(
        dir.path(),
        1,
        &[
            "chaincode",
            "package",
            "-n",
            "hellocc",
            "-v",
            "1.0",
            "-p",
            "example.com/hellocc",
            "hellocc.cds",
        ],
        &[("GOPATH", gp.as_str())],
    ));
    let source = go_gopath().join("src/example.com/hellocc/main.go");
    assert_same_package(
        &dir.path().join("hellocc.cds"),
        &packages_dir().join("hellocc-golang.cds"),
        &source,
    );
    let names: Vec<String> = entries(&read_cds(&dir.path().join("hellocc.cds")).code_package)
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(
        names,
        [
            "META-INF/statedb/couchdb/indexes/indexOwner.json",
            "src/example.com/hellocc/config.yaml",
            "src/example.com/hellocc/main.go",
            "src/example.com/hellocc/vendor/example.com/greeting/greeting.go"
        ]
    );
}

#[test]
#[ignore = "needs FABRIC_REFERENCE (a Fabric v1.4.12 build, /work/shared/tools/build-fabric-reference.sh) and go"]
fn fabric_reference_packages_are_byte_identical() {
    let reference = PathBuf::from(
        std::env::var_os("FABRIC_REFERENCE").expect("FABRIC_REFERENCE names the Fabric build"),
    );
    let dir = tempfile::tempdir().unwrap();
    nodecc_source(dir.path());
    let fabric_gopath = reference.join("gopath");
    // Names Go's tar writer cannot put in a plain USTAR header: split at a slash, or PAX.
    let odd = dir.path().join("odd");
    for (path, body) in [
        ("package.json".to_string(), "{}".to_string()),
        ("ünïcode.js".into(), "1".into()),
        (
            format!("{}/{}.js", "d".repeat(60), "f".repeat(120)),
            "2".into(),
        ),
        (format!("{}/h.js", "g".repeat(150)), "3".repeat(5000)),
        (
            format!("{}/{}/k.js", "i".repeat(30), "j".repeat(140)),
            "4".into(),
        ),
    ] {
        std::fs::create_dir_all(odd.join(&path).parent().unwrap()).unwrap();
        std::fs::write(odd.join(&path), body).unwrap();
    }
    // An 18 MB folder: many deflate blocks, window slides and a hash-offset rebase.
    let big = fabric_gopath
        .join("src/github.com/hyperledger/fabric/vendor/golang.org")
        .display()
        .to_string();
    let cases: [(&str, &[&str], PathBuf); 5] = [
        ("odd", &["-l", "node", "-p", "odd"], go_gopath()),
        ("big", &["-l", "java", "-p", &big], go_gopath()),
        ("hello", &["-p", "example.com/hellocc"], go_gopath()),
        (
            "e02",
            &[
                "-p",
                "github.com/hyperledger/fabric/examples/chaincode/go/example02/cmd",
            ],
            fabric_gopath.clone(),
        ),
        ("node", &["-l", "node", "-p", "nodecc"], go_gopath()),
    ];
    for (name, args, gopath) in cases {
        let common = ["chaincode", "package", "-n", name, "-v", "1"];
        let fabric_out = Command::new(reference.join("bin/peer"))
            .args(common)
            .args(args)
            .arg(format!("{name}-fabric.cds"))
            .current_dir(dir.path())
            .env("FABRIC_CFG_PATH", repo_sampleconfig())
            .env("GOPATH", &gopath)
            .env("GO111MODULE", "off")
            .output()
            .unwrap();
        ok(fabric_out);
        let ours = format!("{name}-ours.cds");
        let gp = gopath.display().to_string();
        ok(peer_in(
            dir.path(),
            1,
            &[&common[..], args, &[ours.as_str()]].concat(),
            &[("GOPATH", &gp)],
        ));
        assert_eq!(
            std::fs::read(dir.path().join(&ours)).unwrap(),
            std::fs::read(dir.path().join(format!("{name}-fabric.cds"))).unwrap(),
            "{name}: our package differs from Fabric's"
        );
    }
}

/// Fabric's package id of a plain CDS: sha256(sha256(code) ‖ sha256(name ‖ version)).
fn cds_id(path: &Path) -> String {
    let cds = read_cds(path);
    let id = cds.chaincode_spec.unwrap().chaincode_id.unwrap();
    let mut h = Sha256::new();
    h.update(Sha256::digest(&cds.code_package));
    h.update(Sha256::digest(format!("{}{}", id.name, id.version)));
    hex::encode(h.finalize())
}

/// Fabric's id of a signed package: sha256(code hash ‖ metadata hash ‖ signature hash).
fn signed_id(path: &Path) -> String {
    let env = Envelope::decode(std::fs::read(path).unwrap().as_slice()).unwrap();
    let (_, spec) = extract_signed_cds(&env).unwrap();
    let cds = ChaincodeDeploymentSpec::decode(spec.chaincode_deployment_spec.as_slice()).unwrap();
    let id = cds.chaincode_spec.unwrap().chaincode_id.unwrap();
    let mut sig = Sha256::new();
    sig.update(&spec.instantiation_policy);
    for e in &spec.owner_endorsements {
        sig.update(&e.endorser);
    }
    let data = SignedCdsData {
        code_hash: Sha256::digest(&cds.code_package).to_vec(),
        meta_data_hash: Sha256::digest(format!("{}{}", id.name, id.version)).to_vec(),
        signature_hash: sig.finalize().to_vec(),
    };
    let mut h = Sha256::new();
    h.update(&data.code_hash);
    h.update(&data.meta_data_hash);
    h.update(&data.signature_hash);
    hex::encode(h.finalize())
}

#[test]
#[ignore = "needs the go tool (Debian golang-go; .ci/run installs it); run with --include-ignored"]
fn install_from_path_and_files_then_list_shows_fabrics_ids() {
    let net = Network::new();
    let _peer = net.start_peer();
    let cli = |args: &[&str], extra: &[(&str, &str)]| {
        let out = Command::new(PEER)
            .args(args)
            .current_dir(net.dir.path())
            .env_clear()
            .envs(net.peer_env())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env(
                "HOME",
                std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into()),
            )
            .envs(extra.iter().copied())
            .output()
            .unwrap();
        ok(out)
    };
    let gp = go_gopath().display().to_string();
    cli(
        &[
            "chaincode",
            "install",
            "-n",
            "hellocc",
            "-v",
            "1.0",
            "-p",
            "example.com/hellocc",
        ],
        &[("GOPATH", &gp)],
    );
    nodecc_source(net.dir.path());
    cli(
        &[
            "chaincode",
            "install",
            "-n",
            "nodecc",
            "-v",
            "1.0",
            "-l",
            "node",
            "-p",
            "nodecc",
        ],
        &[],
    );
    let signed = packages_dir().join("nodecc-signed-twice.pkg");
    // A package file with a different version: Fabric's signed vector, renamed via -v check.
    let mismatch = net.cli(&[
        "chaincode",
        "install",
        "-v",
        "2.0",
        signed.to_str().unwrap(),
    ]);
    assert_eq!(
        error_line(&mismatch),
        "Error: chaincode version 2.0 does not match version 1.0 in packages"
    );
    let plain = packages_dir().join("nodecc-node.cds");
    let again = net.cli(&["chaincode", "install", plain.to_str().unwrap()]);
    assert!(
        error_line(&again).contains("exists"),
        "nodecc 1.0 is installed already"
    );
    let out = cli(&["chaincode", "list", "--installed"], &[]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let hello_id = cds_id(&packages_dir().join("hellocc-golang.cds"));
    let node_id = cds_id(&plain);
    assert!(
        text.contains(&format!(
            "Name: hellocc, Version: 1.0, Path: example.com/hellocc, Id: {hello_id}"
        )),
        "{text}"
    );
    if owned_by_root(&go_gopath().join("src/example.com/hellocc/main.go")) {
        assert!(
            text.contains(&format!(
                "Name: nodecc, Version: 1.0, Path: nodecc, Id: {node_id}"
            )),
            "{text}"
        );
    }

    // A signed package file (Fabric's own, signed twice) installs as Fabric's SignedCDS.
    let net2 = Network::new();
    let _peer2 = net2.start_peer();
    let out = net2.cli(&["chaincode", "install", signed.to_str().unwrap()]);
    ok(out);
    let out = net2.cli_ok(&["chaincode", "list", "--installed"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains(&format!(
            "Name: nodecc, Version: 1.0, Path: nodecc, Id: {}",
            signed_id(&signed)
        )),
        "{text}"
    );
}

#[test]
fn bad_inputs_fail_with_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = |args: &[&str], env: &[(&str, &str)]| error_line(&peer_in(d, 1, args, env));
    let pkg = ["chaincode", "package", "-n", "cc", "-v", "1"];
    let line = run(
        &[&pkg[..], &["-l", "node", "-p", "/no/such/folder", "x.cds"]].concat(),
        &[],
    );
    assert_eq!(
        line,
        "Error: peer chaincode package: error getting chaincode package bytes: path to chaincode does not exist: /no/such/folder"
    );
    let line = run(
        &[&pkg[..], &["-l", "cobol", "-p", "x", "x.cds"]].concat(),
        &[],
    );
    assert_eq!(
        line,
        "Error: unknown chaincode language \"cobol\": use golang, node, java, car, rust or ccaas"
    );
    std::fs::write(d.join("corrupt.cds"), b"\x0a\x05garbage that is no package").unwrap();
    let line = run(&["chaincode", "install", "corrupt.cds"], &[]);
    assert_eq!(
        line,
        "Error: peer chaincode install: corrupt.cds is not a chaincode package made by `peer chaincode package` (could not unmarshal chaincode package to CDS or SignedCDS)"
    );
    nodecc_source(d);
    ok(peer_in(
        d,
        1,
        &[
            &pkg[..],
            &["-l", "node", "-p", "nodecc", "-s", "unsigned.pkg"],
        ]
        .concat(),
        &[],
    ));
    let line = run(
        &["chaincode", "signpackage", "unsigned.pkg", "out.pkg"],
        &[],
    );
    assert!(line.contains("unsigned.pkg is not a signed chaincode package (invalid signed deployment spec: it carries no owner endorsement)"), "{line}");
    let line = run(&["chaincode", "signpackage", "corrupt.cds", "out.pkg"], &[]);
    assert!(
        line.contains("corrupt.cds is not a signed chaincode package"),
        "{line}"
    );
    let line = run(&[&pkg[..], &["-l", "node", "-p", "nodecc"]].concat(), &[]);
    assert!(line.contains("the output file is required"), "{line}");
    for never in ["x.cds", "out.pkg"] {
        assert!(
            !d.join(never).exists(),
            "{never} must not be written by a failed command"
        );
    }
    assert_eq!(
        std::fs::read_dir(d)
            .unwrap()
            .filter(|e| e
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".tmp"))
            .count(),
        0,
        "no temporary file left behind"
    );
}

#[test]
#[ignore = "needs the go tool (Debian golang-go; .ci/run installs it); run with --include-ignored"]
fn gopath_without_the_import_path_is_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let gopath = dir.path().display().to_string();
    let out = peer_in(
        dir.path(),
        1,
        &[
            "chaincode",
            "install",
            "-n",
            "cc",
            "-v",
            "1",
            "-p",
            "example.com/missing",
        ],
        &[("GOPATH", &gopath)],
    );
    assert_eq!(
        error_line(&out),
        format!("Error: peer chaincode install: error getting chaincode package bytes: path to chaincode does not exist: {gopath}/src/example.com/missing")
    );
    // An import go cannot find: go's diagnostics, on the one line.
    let cc = dir.path().join("src/example.com/cc");
    std::fs::create_dir_all(&cc).unwrap();
    std::fs::write(
        cc.join("main.go"),
        "package main\n\nimport \"example.com/notthere\"\n\nfunc main() { notthere.X() }\n",
    )
    .unwrap();
    let out = peer_in(
        dir.path(),
        1,
        &[
            "chaincode",
            "package",
            "-n",
            "cc",
            "-v",
            "1",
            "-p",
            "example.com/cc",
            "cc.cds",
        ],
        &[("GOPATH", &gopath)],
    );
    let line = error_line(&out);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim().lines().count(),
        1
    );
    assert!(
        line.contains("cannot find package \"example.com/notthere\" in any of:"),
        "{line}"
    );
    assert!(!dir.path().join("cc.cds").exists());
}

#[test]
fn signed_package_brings_its_instantiation_policy() {
    let net = Network::new();
    let _orderer = net.start_orderer();
    let _peer = net.start_peer();
    let block = net.create_channel("pkgchannel");
    net.cli_ok(&["channel", "join", "-b", block.to_str().unwrap()]);
    // Fabric's package: only an Org1MSP admin may instantiate it; we are SampleOrg's admin.
    let fabrics = packages_dir().join("nodecc-signed-twice.pkg");
    net.cli_ok(&["chaincode", "install", fabrics.to_str().unwrap()]);
    // Ours, made and signed by SampleOrg's admin, names SampleOrg's admins.
    nodecc_source(net.dir.path());
    let package = [
        "chaincode",
        "package",
        "-n",
        "own",
        "-v",
        "1.0",
        "-l",
        "node",
        "-p",
        "nodecc",
        "-s",
        "-S",
        "own.pkg",
    ];
    net.cli_ok(&package);
    net.cli_ok(&["chaincode", "install", "own.pkg"]);
    let orderer = net.orderer_address();
    let instantiate = |name: &str| {
        net.cli(&[
            "chaincode",
            "instantiate",
            "-o",
            &orderer,
            "-C",
            "pkgchannel",
            "-n",
            name,
            "-v",
            "1.0",
            "-l",
            "node",
            "-c",
            r#"{"Args":["init"]}"#,
        ])
    };
    let out = instantiate("nodecc");
    let line = error_line(&out);
    assert!(line.contains("instantiation policy violation"), "{line}");
    // Our own package passes its policy: whatever happens next (launching the chaincode)
    // is not a policy failure.
    let out = instantiate("own");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!text.contains("instantiation policy violation"), "{text}");
}

/// A folder of `n` files mixing text, repeats and noise: many deflate blocks, matches at
/// every distance and window slides.
fn generated_folder(root: &Path, n: usize) {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for i in 0..n {
        let dir = root.join(format!("d{}", i % 7));
        std::fs::create_dir_all(&dir).unwrap();
        let mut body = Vec::new();
        let size = (next() % 200_000) as usize;
        while body.len() < size {
            match next() % 4 {
                0 => body.extend_from_slice(
                    b"function put(stub, key, value) { return stub.putState(key, value); }\n",
                ),
                1 => body.extend((0..(next() % 300)).map(|_| (next() & 0xff) as u8)),
                2 if body.len() > 40_000 => {
                    let from = body.len() - 1 - (next() % 40_000) as usize;
                    let take = (next() % 400) as usize;
                    let piece: Vec<u8> = body[from..].iter().take(take).copied().collect();
                    body.extend(piece);
                }
                _ => body.extend(format!("line {i} {}\n", next() % 1000).bytes()),
            }
        }
        std::fs::write(dir.join(format!("f{i}.js")), body).unwrap();
    }
}

#[test]
#[ignore = "needs the go tool (Debian golang-go; .ci/run installs it); run with --include-ignored"]
fn large_packages_compress_as_gos_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("big");
    generated_folder(&folder, 40);
    let oracle =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/chaincode_go/tarref/main.go");
    let go = Command::new("go")
        .arg("run")
        .arg(&oracle)
        .arg(&folder)
        .env("GO111MODULE", "off")
        .env("GOCACHE", dir.path().join("gocache"))
        .env("GOPATH", dir.path().join("gopath"))
        .output()
        .expect("run go");
    assert!(
        go.status.success(),
        "{}",
        String::from_utf8_lossy(&go.stderr)
    );
    ok(peer_in(
        dir.path(),
        1,
        &[
            "chaincode",
            "package",
            "-n",
            "big",
            "-v",
            "1",
            "-l",
            "node",
            "-p",
            "big",
            "big.cds",
        ],
        &[],
    ));
    let ours = read_cds(&dir.path().join("big.cds")).code_package;
    assert!(
        ours.len() > 1_000_000,
        "the input must be large ({} bytes)",
        ours.len()
    );
    assert_eq!(entries(&ours), entries(&go.stdout));
    assert!(
        ours == go.stdout,
        "our gzip bytes differ from Go's compress/gzip"
    );
}
