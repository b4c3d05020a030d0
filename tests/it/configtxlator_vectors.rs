//! configtxlator against what Fabric v1.4.12's configtxlator printed for the recorded blocks
//! and channel artifacts: our JSON must equal Fabric's, the printed text must be
//! byte-identical, and JSON → protobuf must give back the recorded bytes.

use std::path::{Path, PathBuf};

use fabric::tools::configtxlator::protolator::{to_go_json, Protolator};

use crate::support;

use support::vectors_dir as vectors;

/// (message type, protobuf file, Fabric's JSON of it) for every recorded pair.
fn pairs(root: &Path) -> Vec<(&'static str, PathBuf, PathBuf)> {
    let mut out = Vec::new();
    let ledger = root.join("ledger/mychannel");
    let mut blocks: Vec<_> = std::fs::read_dir(ledger.join("committed"))
        .expect("ledger/mychannel/committed")
        .map(|e| e.expect("entry").path())
        .collect();
    blocks.sort();
    for block in blocks {
        let stem = block.file_stem().unwrap().to_string_lossy().to_string();
        out.push((
            "common.Block",
            block,
            ledger.join("committed-json").join(format!("{stem}.json")),
        ));
    }
    let artifacts = root.join("network/artifacts");
    for (name, ty) in [
        ("genesis.block", "common.Block"),
        ("genesis-raft.block", "common.Block"),
        ("mychannel.tx", "common.Envelope"),
        ("Org1MSPanchors.tx", "common.Envelope"),
        ("Org2MSPanchors.tx", "common.Envelope"),
    ] {
        let file = artifacts.join(name);
        out.push((ty, file.clone(), file.with_extension("json")));
    }
    out
}

/// The first place two JSON trees differ, for a readable failure.
fn first_diff(ours: &serde_json::Value, theirs: &serde_json::Value, path: &str) -> Option<String> {
    use serde_json::Value;
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            let missing_in_ours = b.keys().filter(|k| !a.contains_key(*k));
            for key in a.keys().chain(missing_in_ours) {
                let child = format!("{path}.{key}");
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => {
                        if let Some(d) = first_diff(x, y, &child) {
                            return Some(d);
                        }
                    }
                    (x, y) => return Some(format!("{child}: ours {x:?}, Fabric's {y:?}")),
                }
            }
            None
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| first_diff(x, y, &format!("{path}[{i}]"))),
        (a, b) if a == b => None,
        (a, b) => {
            let short = |v: &Value| v.to_string().chars().take(200).collect::<String>();
            Some(format!("{path}: ours {}, Fabric's {}", short(a), short(b)))
        }
    }
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn decode_matches_fabric_json_exactly() {
    let root = vectors();
    let translator = Protolator::new().unwrap();
    let mut checked = 0;
    for (ty, bin, json) in pairs(&root) {
        let ours = translator
            .decode_to_json(ty, &read(&bin))
            .unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
        let text = read(&json);
        let theirs: serde_json::Value = serde_json::from_slice(&text).unwrap();
        if let Some(diff) = first_diff(&ours, &theirs, "") {
            panic!(
                "{} decodes differently from Fabric at {diff}",
                bin.display()
            );
        }
        assert_eq!(
            to_go_json(&ours).as_bytes(),
            text.as_slice(),
            "{} prints differently from Fabric",
            bin.display()
        );
        checked += 1;
    }
    assert_eq!(checked, 19);
}

#[test]
fn encode_of_fabric_json_gives_back_the_recorded_bytes() {
    let root = vectors();
    let translator = Protolator::new().unwrap();
    let (mut exact, mut maps_only) = (0, 0);
    for (ty, bin, json) in pairs(&root) {
        let theirs: serde_json::Value = serde_json::from_slice(&read(&json)).unwrap();
        let encoded = translator
            .encode_from_json(ty, &theirs)
            .unwrap_or_else(|e| panic!("{}: {e}", json.display()));
        let again = translator.decode_to_json(ty, &encoded).unwrap();
        if let Some(diff) = first_diff(&again, &theirs, "") {
            panic!("{} does not round-trip at {diff}", json.display());
        }
        let recorded = read(&bin);
        // Go marshals top-level maps (config groups, values, policies) in random order, so
        // Fabric's bytes of configs are not canonical: there our bytes must have the same
        // length (every field encoded the same way) and decode to the same tree. Everything
        // else must come back byte for byte.
        let has_config_maps = theirs.to_string().contains("\"mod_policy\"");
        if has_config_maps {
            assert_eq!(
                encoded.len(),
                recorded.len(),
                "{}: re-encoded size differs",
                bin.display()
            );
            maps_only += 1;
        } else {
            assert!(
                encoded == recorded,
                "{}: re-encoded bytes differ from Fabric's",
                bin.display()
            );
            exact += 1;
        }
    }
    assert_eq!((exact, maps_only), (11, 8));
}

/// The channel config carried by a config block.
fn block_config(bytes: &[u8]) -> fabric::protos::common::Config {
    use fabric::protos::common::{Block, ConfigEnvelope, Envelope, Payload};
    use prost::Message as _;
    let block = Block::decode(bytes).unwrap();
    let envelope = Envelope::decode(block.data.unwrap().data[0].as_slice()).unwrap();
    let payload = Payload::decode(envelope.payload.as_slice()).unwrap();
    ConfigEnvelope::decode(payload.data.as_slice())
        .unwrap()
        .config
        .unwrap()
}

#[test]
fn compute_update_between_recorded_configs_touches_only_the_anchor_peers() {
    use fabric::tools::configtxlator::compute_update;
    let root = vectors();
    let committed = root.join("ledger/mychannel/committed");
    let original = block_config(&read(&committed.join("mychannel_0.block")));
    let updated = block_config(&read(&committed.join("mychannel_1.block")));
    let update = compute_update("mychannel", &original, &updated).unwrap();
    assert_eq!(update.channel_id, "mychannel");

    let (read_set, write_set) = (update.read_set.unwrap(), update.write_set.unwrap());
    let app_before = &original.channel_group.as_ref().unwrap().groups["Application"];
    let org_before = &app_before.groups["Org1MSP"];
    for set in [&read_set, &write_set] {
        assert_eq!(
            set.version,
            original.channel_group.as_ref().unwrap().version
        );
        assert_eq!(set.groups.keys().collect::<Vec<_>>(), ["Application"]);
        assert!(set.values.is_empty() && set.policies.is_empty());
        let app = &set.groups["Application"];
        assert_eq!(app.version, app_before.version);
        assert_eq!(app.mod_policy, "");
        assert_eq!(app.groups.keys().collect::<Vec<_>>(), ["Org1MSP"]);
    }
    let org_read = &read_set.groups["Application"].groups["Org1MSP"];
    let org_write = &write_set.groups["Application"].groups["Org1MSP"];
    assert_eq!(org_read.version, org_before.version);
    assert_eq!(org_write.version, org_before.version + 1);
    assert_eq!(org_write.mod_policy, "Admins");
    assert_eq!(org_read.values.keys().collect::<Vec<_>>(), ["MSP"]);
    assert_eq!(
        org_write.values.keys().collect::<Vec<_>>(),
        ["AnchorPeers", "MSP"]
    );
    assert_eq!(org_write.values["AnchorPeers"].version, 0);
    assert_eq!(
        org_write.values["MSP"].value,
        Vec::<u8>::new(),
        "unchanged members carry no content"
    );
    let updated_org =
        &updated.channel_group.as_ref().unwrap().groups["Application"].groups["Org1MSP"];
    assert_eq!(
        org_write.values["AnchorPeers"].value,
        updated_org.values["AnchorPeers"].value
    );
    assert_eq!(org_read.policies.len(), 3);
    assert_eq!(org_write.policies.len(), 3);
}

#[test]
fn compute_update_after_editing_the_json_bumps_only_the_edited_value() {
    use fabric::tools::configtxlator::compute_update;
    use prost::Message as _;
    let root = vectors();
    let translator = Protolator::new().unwrap();
    let original = block_config(&read(&root.join("network/artifacts/genesis.block")));
    let mut json = translator
        .decode_to_json("common.Config", &original.encode_to_vec())
        .unwrap();
    let batch = &mut json["channel_group"]["groups"]["Orderer"]["values"]["BatchSize"];
    assert_eq!(batch["value"]["max_message_count"], serde_json::json!(10));
    batch["value"]["max_message_count"] = serde_json::json!(20);
    let updated = fabric::protos::common::Config::decode(
        translator
            .encode_from_json("common.Config", &json)
            .unwrap()
            .as_slice(),
    )
    .unwrap();
    let update = compute_update("syschannel", &original, &updated).unwrap();

    let update_json = translator
        .decode_to_json("common.ConfigUpdate", &update.encode_to_vec())
        .unwrap();
    let write = &update_json["write_set"];
    assert_eq!(write["version"], "0");
    assert_eq!(write["groups"].as_object().unwrap().len(), 1);
    let orderer = &write["groups"]["Orderer"];
    assert_eq!(orderer["version"], "0");
    assert_eq!(orderer["groups"], serde_json::json!({}));
    assert_eq!(orderer["values"].as_object().unwrap().len(), 1);
    let batch = &orderer["values"]["BatchSize"];
    assert_eq!(batch["version"], "1");
    assert_eq!(batch["mod_policy"], "Admins");
    assert_eq!(batch["value"]["max_message_count"], 20);
    let read_orderer = &update_json["read_set"]["groups"]["Orderer"];
    assert_eq!(read_orderer["values"], serde_json::json!({}));

    assert_eq!(
        compute_update("syschannel", &original, &original)
            .unwrap_err()
            .to_string(),
        "no differences detected between original and updated config"
    );
}

#[test]
fn ordered_and_system_channel_blocks_round_trip() {
    let root = vectors();
    let translator = Protolator::new().unwrap();
    let mut files = Vec::new();
    for dir in ["ledger/mychannel/ordered", "ledger/syschannel"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            files.push(entry.unwrap().path());
        }
    }
    assert_eq!(files.len(), 16);
    for file in files {
        let bytes = read(&file);
        let json = translator
            .decode_to_json("common.Block", &bytes)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let encoded = translator.encode_from_json("common.Block", &json).unwrap();
        assert_eq!(encoded.len(), bytes.len(), "{}", file.display());
        let again = translator.decode_to_json("common.Block", &encoded).unwrap();
        if let Some(diff) = first_diff(&again, &json, "") {
            panic!("{} does not round-trip at {diff}", file.display());
        }
    }
}
