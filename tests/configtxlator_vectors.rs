//! configtxlator against what Fabric v1.4.12's configtxlator printed for the recorded blocks
//! and channel artifacts: our JSON must equal Fabric's, the printed text must be
//! byte-identical, and JSON → protobuf must give back the recorded bytes.

use std::path::{Path, PathBuf};

use fabric::tools::configtxlator::protolator::{to_go_json, Protolator};

fn vectors() -> Option<PathBuf> {
    match std::env::var_os("FABRIC_VECTORS") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => {
            eprintln!("skipped: FABRIC_VECTORS is not set");
            None
        }
    }
}

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
        out.push(("common.Block", block, ledger.join("committed-json").join(format!("{stem}.json"))));
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
            for key in a.keys().chain(b.keys()) {
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
    let Some(root) = vectors() else { return };
    let translator = Protolator::new().unwrap();
    let mut checked = 0;
    for (ty, bin, json) in pairs(&root) {
        let ours = translator
            .decode_to_json(ty, &read(&bin))
            .unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
        let text = read(&json);
        let theirs: serde_json::Value = serde_json::from_slice(&text).unwrap();
        if let Some(diff) = first_diff(&ours, &theirs, "") {
            panic!("{} decodes differently from Fabric at {diff}", bin.display());
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
    let Some(root) = vectors() else { return };
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
            assert_eq!(encoded.len(), recorded.len(), "{}: re-encoded size differs", bin.display());
            maps_only += 1;
        } else {
            assert!(encoded == recorded, "{}: re-encoded bytes differ from Fabric's", bin.display());
            exact += 1;
        }
    }
    assert_eq!((exact, maps_only), (11, 8));
}
