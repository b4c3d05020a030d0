//! The configtxgen binary against Fabric v1.4.12's own outputs: with the vector network's
//! configtx.yaml (found through FABRIC_CFG_PATH), our genesis blocks (solo and etcdraft),
//! channel creation transaction and anchor peer updates equal `network/artifacts/*` field for
//! field once timestamps, nonces and transaction ids are blanked, and byte for byte once
//! those per-run fields are set to Fabric's (so map entries, field order and sizes are Go's).
//! Also the command line itself: flag spellings, errors and exit codes.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fabric::protos::common::{
    Block, ChannelHeader, ConfigEnvelope, ConfigGroup, ConfigUpdate, ConfigUpdateEnvelope,
    Envelope, Payload, SignatureHeader,
};
use fabric::protoutil::decode;
use support::vectors_dir;

fn configtxgen(cfg: &Path, cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_configtxgen"))
        .args(args)
        .current_dir(cwd)
        .env("FABRIC_CFG_PATH", cfg)
        .env_remove("FABRIC_LOGGING_SPEC")
        .output()
        .expect("run configtxgen")
}

fn run_ok(cfg: &Path, cwd: &Path, args: &[&str]) {
    let out = configtxgen(cfg, cwd, args);
    assert!(
        out.status.success(),
        "configtxgen {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The first path at which two config groups differ, if any.
fn group_diff(path: &str, ours: &ConfigGroup, theirs: &ConfigGroup) -> Option<String> {
    if ours.version != theirs.version || ours.mod_policy != theirs.mod_policy {
        return Some(format!(
            "{path}: version/mod_policy ({}, {:?}) vs ({}, {:?})",
            ours.version, ours.mod_policy, theirs.version, theirs.mod_policy
        ));
    }
    let keys = |a: Vec<&String>, b: Vec<&String>, what: &str| {
        (a != b).then(|| format!("{path}: {what} {a:?} vs {b:?}"))
    };
    keys(
        ours.groups.keys().collect(),
        theirs.groups.keys().collect(),
        "groups",
    )
    .or_else(|| {
        keys(
            ours.values.keys().collect(),
            theirs.values.keys().collect(),
            "values",
        )
    })
    .or_else(|| {
        keys(
            ours.policies.keys().collect(),
            theirs.policies.keys().collect(),
            "policies",
        )
    })
    .or_else(|| {
        ours.values
            .iter()
            .find(|(k, v)| theirs.values[*k] != **v)
            .map(|(k, v)| format!("{path}/{k} (value): {v:?} vs {:?}", theirs.values[k]))
    })
    .or_else(|| {
        ours.policies
            .iter()
            .find(|(k, p)| theirs.policies[*k] != **p)
            .map(|(k, _)| format!("{path}/{k} (policy) differs"))
    })
    .or_else(|| {
        ours.groups
            .iter()
            .find_map(|(k, g)| group_diff(&format!("{path}/{k}"), g, &theirs.groups[k]))
    })
}

fn assert_groups_equal(what: &str, ours: &ConfigGroup, theirs: &ConfigGroup) {
    if let Some(diff) = group_diff(what, ours, theirs) {
        panic!("first difference: {diff}");
    }
    assert_eq!(ours, theirs, "{what}");
}

/// Header fields that differ on every run (timestamp, tx id, nonce) blanked.
fn blanked_headers(payload: &Payload) -> (ChannelHeader, SignatureHeader) {
    let header = payload.header.clone().unwrap_or_default();
    let mut channel: ChannelHeader = decode("ChannelHeader", &header.channel_header).unwrap();
    channel.timestamp = None;
    channel.tx_id.clear();
    let mut signature: SignatureHeader =
        decode("SignatureHeader", &header.signature_header).unwrap();
    assert!(signature.nonce.is_empty() || signature.nonce.len() == 24);
    signature.nonce.clear();
    (channel, signature)
}

/// `ours` (an envelope's bytes) with its per-run header fields (timestamp, tx id, nonce)
/// replaced by those of `theirs`, re-encoded. The header messages have no map fields, so
/// this re-encoding is the same in prost and Go; everything else keeps our bytes.
fn with_their_run_fields(ours: &[u8], theirs: &[u8]) -> Vec<u8> {
    use prost::Message;
    let envelope: Envelope = decode("Envelope", ours).unwrap();
    let mut payload: Payload = decode("Payload", &envelope.payload).unwrap();
    let their_envelope: Envelope = decode("Envelope", theirs).unwrap();
    let their_payload: Payload = decode("Payload", &their_envelope.payload).unwrap();
    let their_header = their_payload.header.unwrap();
    let header = payload.header.as_mut().unwrap();
    let mut channel: ChannelHeader = decode("ChannelHeader", &header.channel_header).unwrap();
    let theirs_ch: ChannelHeader = decode("ChannelHeader", &their_header.channel_header).unwrap();
    channel.timestamp = theirs_ch.timestamp;
    channel.tx_id = theirs_ch.tx_id;
    header.channel_header = channel.encode_to_vec();
    if !header.signature_header.is_empty() {
        let mut signature: SignatureHeader =
            decode("SignatureHeader", &header.signature_header).unwrap();
        let theirs_sh: SignatureHeader =
            decode("SignatureHeader", &their_header.signature_header).unwrap();
        signature.nonce = theirs_sh.nonce;
        header.signature_header = signature.encode_to_vec();
    }
    Envelope {
        payload: payload.encode_to_vec(),
        signature: envelope.signature,
    }
    .encode_to_vec()
}

/// Every map in a config group (its groups, values and policies, and the Capabilities and
/// ACLs values) re-marshaled in key order, as Go's deterministic marshal writes them.
fn canonical_group(group: &mut ConfigGroup) {
    use fabric::protos::common::Capabilities;
    use fabric::protos::protos::AcLs;
    use fabric::protoutil::marshal;
    for (key, value) in group.values.iter_mut() {
        match key.as_str() {
            "Capabilities" => {
                let caps: Capabilities = decode("Capabilities", &value.value).unwrap();
                value.value = marshal("common.Capabilities", &caps);
            }
            "ACLs" => {
                let acls: AcLs = decode("ACLs", &value.value).unwrap();
                value.value = marshal("protos.ACLs", &acls);
            }
            _ => {}
        }
    }
    group.groups.values_mut().for_each(canonical_group);
}

/// A configtxgen envelope (config update or, with `config`, a config envelope) in canonical
/// form. Go marshals maps in random order, so two runs of Fabric's configtxgen may differ
/// in entry order only; this form is what its deterministic marshal would write.
fn canonical_envelope(bytes: &[u8], config: bool) -> Vec<u8> {
    use fabric::protoutil::marshal;
    use prost::Message;
    let envelope: Envelope = decode("Envelope", bytes).unwrap();
    let mut payload: Payload = decode("Payload", &envelope.payload).unwrap();
    payload.data = if config {
        let mut ce: ConfigEnvelope = decode("ConfigEnvelope", &payload.data).unwrap();
        let config = ce.config.as_mut().unwrap();
        canonical_group(config.channel_group.as_mut().unwrap());
        marshal("common.ConfigEnvelope", &ce)
    } else {
        let mut cue: ConfigUpdateEnvelope = decode("ConfigUpdateEnvelope", &payload.data).unwrap();
        let mut update: ConfigUpdate = decode("ConfigUpdate", &cue.config_update).unwrap();
        canonical_group(update.read_set.as_mut().unwrap());
        canonical_group(update.write_set.as_mut().unwrap());
        cue.config_update = marshal("common.ConfigUpdate", &update);
        cue.encode_to_vec()
    };
    Envelope {
        payload: payload.encode_to_vec(),
        signature: envelope.signature,
    }
    .encode_to_vec()
}

/// Our file equals Fabric's byte for byte apart from the per-run fields and Go's random
/// map order: ours is already canonical, and has the size of Fabric's file.
fn assert_update_bytes_equal(ours: &Path, theirs: &Path) {
    let (ours, theirs) = (std::fs::read(ours).unwrap(), std::fs::read(theirs).unwrap());
    assert_eq!(canonical_envelope(&ours, false), ours, "ours is canonical");
    let spliced = with_their_run_fields(&ours, &theirs);
    assert_eq!(spliced.len(), theirs.len(), "file size");
    assert_eq!(spliced, canonical_envelope(&theirs, false), "bytes");
}

/// The same for a genesis block: its one envelope with Fabric's per-run fields and the data
/// hash recomputed over it.
fn assert_block_bytes_equal(ours: &Path, theirs: &Path) {
    use prost::Message;
    let theirs = std::fs::read(theirs).unwrap();
    let their_block: Block = decode("Block", &theirs).unwrap();
    let their_envelope = &their_block.data.as_ref().unwrap().data[0];
    let rebuild = |mut block: Block, envelope: Vec<u8>| {
        let data = block.data.as_mut().unwrap();
        data.data[0] = envelope;
        let hash = fabric::protoutil::block_data_hash(data);
        block.header.as_mut().unwrap().data_hash = hash;
        block.encode_to_vec()
    };
    let block: Block = decode("Block", &std::fs::read(ours).unwrap()).unwrap();
    let envelope = &block.data.as_ref().unwrap().data[0];
    assert_eq!(
        &canonical_envelope(envelope, true),
        envelope,
        "ours is canonical"
    );
    let spliced = with_their_run_fields(envelope, their_envelope);
    let spliced = rebuild(block, spliced);
    assert_eq!(spliced.len(), theirs.len(), "block size");
    let canonical = canonical_envelope(their_envelope, true);
    assert_eq!(spliced, rebuild(their_block, canonical), "bytes");
}

fn block_parts(bytes: &[u8]) -> (Block, ChannelHeader, SignatureHeader, ConfigEnvelope) {
    let mut block: Block = decode("Block", bytes).unwrap();
    let data = block.data.take().unwrap();
    assert_eq!(data.data.len(), 1);
    let envelope: Envelope = decode("Envelope", &data.data[0]).unwrap();
    assert!(envelope.signature.is_empty());
    let payload: Payload = decode("Payload", &envelope.payload).unwrap();
    let (channel, signature) = blanked_headers(&payload);
    let config: ConfigEnvelope = decode("ConfigEnvelope", &payload.data).unwrap();
    block.header.as_mut().unwrap().data_hash.clear();
    (block, channel, signature, config)
}

fn compare_blocks(ours: &Path, theirs: &Path) {
    let (ob, oc, os, oe) = block_parts(&std::fs::read(ours).unwrap());
    let (tb, tc, ts, te) = block_parts(&std::fs::read(theirs).unwrap());
    assert_eq!(ob, tb, "block header and metadata");
    assert_eq!(oc, tc, "channel header");
    assert_eq!(os, ts, "signature header");
    let (oconf, tconf) = (oe.config.unwrap(), te.config.unwrap());
    assert_eq!(oconf.sequence, tconf.sequence);
    assert_groups_equal(
        "/Channel",
        oconf.channel_group.as_ref().unwrap(),
        tconf.channel_group.as_ref().unwrap(),
    );
    assert_eq!(oe.last_update, te.last_update);
}

fn update_parts(bytes: &[u8]) -> (ChannelHeader, SignatureHeader, Vec<u8>, ConfigUpdate) {
    let envelope: Envelope = decode("Envelope", bytes).unwrap();
    assert!(envelope.signature.is_empty());
    let payload: Payload = decode("Payload", &envelope.payload).unwrap();
    let (channel, signature) = blanked_headers(&payload);
    let cue: ConfigUpdateEnvelope = decode("ConfigUpdateEnvelope", &payload.data).unwrap();
    assert!(cue.signatures.is_empty());
    let update: ConfigUpdate = decode("ConfigUpdate", &cue.config_update).unwrap();
    (
        channel,
        signature,
        payload.header.unwrap_or_default().signature_header,
        update,
    )
}

fn compare_updates(ours: &Path, theirs: &Path) {
    let (oc, os, osh, ou) = update_parts(&std::fs::read(ours).unwrap());
    let (tc, ts, tsh, tu) = update_parts(&std::fs::read(theirs).unwrap());
    assert_eq!(oc, tc, "channel header");
    assert_eq!((os, osh), (ts, tsh), "signature header");
    assert_eq!(ou.channel_id, tu.channel_id);
    assert_groups_equal(
        "read_set /Channel",
        ou.read_set.as_ref().unwrap(),
        tu.read_set.as_ref().unwrap(),
    );
    assert_groups_equal(
        "write_set /Channel",
        ou.write_set.as_ref().unwrap(),
        tu.write_set.as_ref().unwrap(),
    );
    assert_eq!(ou, tu);
}

fn network(v: &Path) -> (PathBuf, PathBuf) {
    (v.join("network"), v.join("network/artifacts"))
}

#[test]
fn genesis_blocks_match_fabric() {
    let v = vectors_dir();
    let (cfg, artifacts) = network(&v);
    let tmp = tempfile::tempdir().unwrap();
    for (profile, file) in [
        ("TwoOrgsOrdererGenesis", "genesis.block"),
        ("TwoOrgsRaftGenesis", "genesis-raft.block"),
    ] {
        run_ok(
            &cfg,
            tmp.path(),
            &[
                "-profile",
                profile,
                "-channelID",
                "syschannel",
                "-outputBlock",
                file,
            ],
        );
        compare_blocks(&tmp.path().join(file), &artifacts.join(file));
        assert_block_bytes_equal(&tmp.path().join(file), &artifacts.join(file));
    }
}

#[test]
fn channel_creation_tx_matches_fabric() {
    let v = vectors_dir();
    let (cfg, artifacts) = network(&v);
    let tmp = tempfile::tempdir().unwrap();
    run_ok(
        &cfg,
        tmp.path(),
        &[
            "--profile=TwoOrgsChannel",
            "--channelID",
            "mychannel",
            "-outputCreateChannelTx=mychannel.tx",
        ],
    );
    compare_updates(
        &tmp.path().join("mychannel.tx"),
        &artifacts.join("mychannel.tx"),
    );
    assert_update_bytes_equal(
        &tmp.path().join("mychannel.tx"),
        &artifacts.join("mychannel.tx"),
    );
}

#[test]
fn anchor_peer_updates_match_fabric() {
    let v = vectors_dir();
    let (cfg, artifacts) = network(&v);
    let tmp = tempfile::tempdir().unwrap();
    for org in ["Org1MSP", "Org2MSP"] {
        let file = format!("{org}anchors.tx");
        run_ok(
            &cfg,
            tmp.path(),
            &[
                "-profile",
                "TwoOrgsChannel",
                "-channelID",
                "mychannel",
                "-outputAnchorPeersUpdate",
                &file,
                "-asOrg",
                org,
            ],
        );
        compare_updates(&tmp.path().join(&file), &artifacts.join(&file));
        assert_update_bytes_equal(&tmp.path().join(&file), &artifacts.join(&file));
    }
}

#[test]
fn config_path_flag_and_errors() {
    let v = vectors_dir();
    let (cfg, _) = network(&v);
    let tmp = tempfile::tempdir().unwrap();
    let elsewhere = tmp.path().join("nowhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let cfg_arg = cfg.display().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_configtxgen"))
        .args([
            "-configPath",
            &cfg_arg,
            "-profile",
            "TwoOrgsChannel",
            "-channelID",
            "mychannel",
            "-outputCreateChannelTx",
            "c.tx",
        ])
        .current_dir(tmp.path())
        .env_remove("FABRIC_CFG_PATH")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(tmp.path().join("c.tx").is_file());

    let out = configtxgen(
        &cfg,
        tmp.path(),
        &["-profile", "NoSuchProfile", "-outputBlock", "x.block"],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("could not find profile: NoSuchProfile"),
        "{stderr}"
    );

    let out = configtxgen(
        &elsewhere,
        tmp.path(),
        &["-profile", "TwoOrgsChannel", "-outputBlock", "x.block"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("could not find configtx.yaml"));

    let out = configtxgen(
        &cfg,
        tmp.path(),
        &[
            "-profile",
            "TwoOrgsChannel",
            "-channelID",
            "mychannel",
            "-outputBlock",
            "x.block",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("refusing to generate block which is missing orderer section"));

    let out = configtxgen(&cfg, tmp.path(), &["-bogus"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("flag provided but not defined: -bogus\nUsage of configtxgen:\n"),
        "{stderr}"
    );

    let out = configtxgen(
        &cfg,
        tmp.path(),
        &[
            "-outputAnchorPeersUpdate",
            "a.tx",
            "-profile",
            "TwoOrgsChannel",
            "-channelID",
            "mychannel",
            "-asOrg",
            "Org9MSP",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("No organization name matching: Org9MSP"));
}

#[test]
fn version_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let out = configtxgen(tmp.path(), tmp.path(), &["--version"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("configtxgen:\n Version: 1.4.12\n"));
}

/// The shipped sampleconfig/configtx.yaml produces a loadable genesis block for each orderer
/// profile and a channel creation transaction the system channel's validator accepts.
#[test]
fn sampleconfig_profiles_work() {
    let cfg = Path::new(env!("CARGO_MANIFEST_DIR")).join("sampleconfig");
    let tmp = tempfile::tempdir().unwrap();
    for profile in ["SampleInsecureSolo", "SampleDevModeEtcdRaft"] {
        run_ok(
            &cfg,
            tmp.path(),
            &[
                "-profile",
                profile,
                "-channelID",
                "syschannel",
                "-outputBlock",
                "g.block",
            ],
        );
        let block: Block =
            decode("Block", &std::fs::read(tmp.path().join("g.block")).unwrap()).unwrap();
        let envelope =
            fabric::protoutil::envelope_from_block_data(&block.data.unwrap().data[0]).unwrap();
        let bundle = fabric::channelconfig::Bundle::from_config_envelope(&envelope)
            .unwrap_or_else(|e| panic!("{profile}: {e}"));
        assert_eq!(
            bundle
                .orderer_config()
                .unwrap()
                .batch_size()
                .max_message_count,
            500
        );
        assert!(bundle
            .consortiums_config()
            .unwrap()
            .consortiums()
            .contains_key("SampleConsortium"));
    }
    run_ok(
        &cfg,
        tmp.path(),
        &[
            "-profile",
            "SampleSingleMSPChannel",
            "-channelID",
            "mychannel",
            "-outputCreateChannelTx",
            "c.tx",
        ],
    );
    let (_, _, _, update) = update_parts(&std::fs::read(tmp.path().join("c.tx")).unwrap());
    assert_eq!(update.channel_id, "mychannel");
    let app = &update.write_set.unwrap().groups["Application"];
    assert_eq!(app.groups.keys().collect::<Vec<_>>(), ["SampleOrg"]);
}

/// `-inspectBlock` and `-inspectChannelCreateTx` print the protolator JSON of the artifact,
/// the same JSON `configtxlator proto_decode` gave for the vectors.
#[test]
fn inspect_prints_protolator_json() {
    let v = vectors_dir();
    let (cfg, artifacts) = network(&v);
    let tmp = tempfile::tempdir().unwrap();
    for (flag, file, json) in [
        ("-inspectBlock", "genesis.block", "genesis.json"),
        ("-inspectChannelCreateTx", "mychannel.tx", "mychannel.json"),
    ] {
        let path = artifacts.join(file).display().to_string();
        let out = configtxgen(&cfg, tmp.path(), &[flag, &path]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ours: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let theirs: serde_json::Value =
            serde_json::from_slice(&std::fs::read(artifacts.join(json)).unwrap()).unwrap();
        assert_eq!(ours, theirs, "{flag} {file}");
    }
    let out = configtxgen(&cfg, tmp.path(), &["-inspectBlock", "missing.block"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Error on inspectBlock: could not read"));
}

#[test]
fn print_org_matches_the_consortium_member_in_fabrics_genesis_block() {
    let v = vectors_dir();
    let (cfg, artifacts) = network(&v);
    let tmp = tempfile::tempdir().unwrap();
    let genesis: serde_json::Value =
        serde_json::from_slice(&std::fs::read(artifacts.join("genesis.json")).unwrap()).unwrap();
    let members = &genesis["data"]["data"][0]["payload"]["data"]["config"]["channel_group"]
        ["groups"]["Consortiums"]["groups"]["SampleConsortium"]["groups"];
    for org in ["Org1MSP", "Org2MSP"] {
        let out = configtxgen(&cfg, tmp.path(), &["-printOrg", org]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.starts_with("{\n\t\"groups\": {},\n"), "{text}");
        let printed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(printed, members[org], "{org}");
    }
    let out = configtxgen(&cfg, tmp.path(), &["-printOrg", "Org9MSP"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("Error on printOrg: organization Org9MSP not found"));
}
