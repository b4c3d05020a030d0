//! Replays the blocks Fabric v1.4.12's orderer delivered on `mychannel` through our committer
//! (TxValidator + VSCC + the real ledger) and checks that we decide and store exactly what
//! Fabric's peer did: every validation code, every committed block byte for byte (filter and
//! commit hash), the world state, lscc's chaincode definitions and key history.

use crate::support;

use std::collections::BTreeSet;
use std::sync::Arc;

use prost::Message;

use fabric::committer::{LedgerCommitter, TxValidator};
use fabric::ledger::kvledger::KvLedgerProvider;
use fabric::ledger::PeerLedger;
use fabric::peer::Peer;
use fabric::protos::common::Block;
use fabric::protos::peer::TxValidationCode;
use fabric::scc::vscc::ChaincodeData;
use support::{vector_block, vectors_dir};

const ORDERED: &str = "ledger/mychannel/ordered";
const COMMITTED: &str = "ledger/mychannel/committed";
const LAST_BLOCK: u64 = 13;

fn filter(block: &Block) -> Vec<u8> {
    block.metadata.as_ref().unwrap().metadata[2].clone()
}

/// The endorsement policies as `peer chaincode instantiate -P` sent them (README table).
const MYCC_POLICY: &[u8] = b"\x12\x0c\x12\n\x08\x02\x12\x02\x08\x00\x12\x02\x08\x01\x1a\r\x12\x0b\n\x07Org1MSP\x10\x03\x1a\r\x12\x0b\n\x07Org2MSP\x10\x03";
const MARBLES_POLICY: &[u8] = b"\x12\x0c\x12\n\x08\x01\x12\x02\x08\x00\x12\x02\x08\x01\x1a\r\x12\x0b\n\x07Org1MSP\x10\x03\x1a\r\x12\x0b\n\x07Org2MSP\x10\x03";

#[test]
fn replaying_the_ordered_blocks_commits_what_fabric_committed() {
    let vectors = vectors_dir();
    let dir = tempfile::tempdir().unwrap();
    let provider = KvLedgerProvider::open_default(dir.path()).unwrap();
    let peer = Peer::new(Arc::new(provider));
    let channel = peer
        .create_channel_from_block(&vector_block(&vectors, ORDERED, "mychannel", 0))
        .unwrap();
    let committer = LedgerCommitter::new(TxValidator::new(0));

    for number in 1..=LAST_BLOCK {
        let ordered = vector_block(&vectors, ORDERED, "mychannel", number);
        let expected = vector_block(&vectors, COMMITTED, "mychannel", number);
        let result = committer.store_block(&channel, ordered).unwrap();
        let codes: Vec<u8> = result
            .tx_validation_codes
            .iter()
            .map(|c| *c as i32 as u8)
            .collect();
        assert_eq!(
            codes,
            filter(&expected),
            "validation codes of block {number}"
        );
        let stored = channel.ledger().get_block_by_number(number).unwrap();
        assert_eq!(
            stored.encode_to_vec(),
            expected.encode_to_vec(),
            "committed block {number}"
        );
    }
    assert_eq!(
        channel.bundle().sequence(),
        3,
        "the created channel (1) and two anchor peer updates"
    );

    let block5 = vector_block(&vectors, COMMITTED, "mychannel", 5);
    let block6 = vector_block(&vectors, COMMITTED, "mychannel", 6);
    assert_eq!(
        filter(&block5),
        [TxValidationCode::EndorsementPolicyFailure as u8]
    );
    assert_eq!(
        filter(&block6),
        [
            TxValidationCode::Valid as u8,
            TxValidationCode::MvccReadConflict as u8
        ]
    );

    let ledger = channel.ledger();
    assert_eq!(ledger.get_blockchain_info().unwrap().height, 14);
    check_world_state(ledger.as_ref());
    check_chaincode_definitions(ledger.as_ref());
    check_marble1_history(ledger.as_ref());
}

fn check_world_state(ledger: &dyn PeerLedger) {
    let qe = ledger.new_query_executor().unwrap();
    assert_eq!(qe.get_state("mycc", "a").unwrap().unwrap(), b"89");
    assert_eq!(qe.get_state("mycc", "b").unwrap().unwrap(), b"211");
    assert_eq!(qe.get_state("marbles", "marble1").unwrap(), None);
    let json = |key: &str| -> serde_json::Value {
        serde_json::from_slice(&qe.get_state("marbles", key).unwrap().unwrap()).unwrap()
    };
    assert_eq!(
        json("marble2"),
        serde_json::json!({"docType":"marble","name":"marble2","color":"red","size":50,"owner":"jerry"})
    );
    assert_eq!(
        json("marble3"),
        serde_json::json!({"docType":"marble","name":"marble3","color":"blue","size":70,"owner":"jerry"})
    );
}

fn check_chaincode_definitions(ledger: &dyn PeerLedger) {
    let qe = ledger.new_query_executor().unwrap();
    for (name, policy, language) in [
        ("mycc", MYCC_POLICY, "AND('Org1MSP.peer','Org2MSP.peer')"),
        (
            "marbles",
            MARBLES_POLICY,
            "OR('Org1MSP.peer','Org2MSP.peer')",
        ),
    ] {
        let bytes = qe.get_state("lscc", name).unwrap().unwrap();
        let cd = ChaincodeData::from_bytes(&bytes).unwrap();
        assert_eq!(cd.name, name);
        assert_eq!(cd.version, "1.0");
        assert_eq!(cd.escc, "escc");
        assert_eq!(cd.vscc, "vscc");
        assert_eq!(cd.policy, policy, "{name} policy");
        assert_eq!(
            cd.policy,
            fabric::policy::from_string(language)
                .unwrap()
                .encode_to_vec(),
            "{name} policy from the policy language"
        );
        assert!(!cd.instantiation_policy.is_empty());
        assert_eq!(cd.encode_to_vec(), bytes, "{name} ChaincodeData re-encodes");
    }
}

fn check_marble1_history(ledger: &dyn PeerLedger) {
    let history = ledger.new_history_query_executor().unwrap();
    let entries: Vec<_> = history
        .get_history_for_key("marbles", "marble1")
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    let prefixes: BTreeSet<&str> = entries.iter().map(|e| &e.tx_id[..8]).collect();
    assert_eq!(
        prefixes,
        BTreeSet::from(["2aec1b16", "e7036c0f", "241c1b5c"])
    );
    let deleted = entries
        .iter()
        .find(|e| e.tx_id.starts_with("241c1b5c"))
        .unwrap();
    assert!(deleted.is_delete);
    assert!(deleted.value.is_empty());
    let created = entries
        .iter()
        .find(|e| e.tx_id.starts_with("2aec1b16"))
        .unwrap();
    let record: serde_json::Value = serde_json::from_slice(&created.value).unwrap();
    assert_eq!(record["owner"], "tom");
}
