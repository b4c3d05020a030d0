//! protoutil over the ledger Fabric v1.4.12 recorded: every block and envelope decodes down
//! to read/write sets, every data hash and header hash is recomputed exactly, every tx id
//! derives from its nonce and creator, and the committed blocks carry Fabric's codes.

use crate::support;

use std::path::Path;

use fabric::protos::common::{Block, ConfigEnvelope, HeaderType, Metadata};
use fabric::protos::kvrwset::KvrwSet;
use fabric::protos::protos::{
    ChaincodeAction, ChaincodeActionPayload, ProposalResponsePayload, Transaction, TxValidationCode,
};
use fabric::protos::rwset::TxReadWriteSet;
use fabric::protoutil::{self, decode};

fn read_chain(dir: &Path, channel: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    for n in 0.. {
        let path = dir.join(format!("{channel}_{n}.block"));
        if !path.exists() {
            break;
        }
        let bytes = std::fs::read(&path).unwrap();
        blocks.push(decode::<Block>("Block", &bytes).unwrap());
    }
    assert!(!blocks.is_empty(), "no blocks in {}", dir.display());
    blocks
}

fn assert_chain_hashes(blocks: &[Block]) {
    for (n, block) in blocks.iter().enumerate() {
        let header = block.header.as_ref().unwrap();
        assert_eq!(header.number, n as u64);
        let data = block.data.as_ref().unwrap();
        assert_eq!(
            protoutil::block_data_hash(data),
            header.data_hash,
            "data hash of block {n}"
        );
        if let Some(next) = blocks.get(n + 1) {
            assert_eq!(
                protoutil::block_header_hash(header),
                next.header.as_ref().unwrap().previous_hash,
                "header hash of block {n} vs previous_hash of block {}",
                n + 1
            );
        }
    }
}

/// Decodes an endorser transaction down to its key-value read/write sets; returns the
/// number of namespaces seen.
fn decode_endorser_tx(data: &[u8]) -> usize {
    let tx: Transaction = decode("Transaction", data).unwrap();
    let mut namespaces = 0;
    for action in &tx.actions {
        let cap: ChaincodeActionPayload =
            decode("ChaincodeActionPayload", &action.payload).unwrap();
        let endorsed = cap.action.unwrap();
        assert!(!endorsed.endorsements.is_empty());
        let prp: ProposalResponsePayload = decode(
            "ProposalResponsePayload",
            &endorsed.proposal_response_payload,
        )
        .unwrap();
        let cc_action: ChaincodeAction = decode("ChaincodeAction", &prp.extension).unwrap();
        let rwset: TxReadWriteSet = decode("TxReadWriteSet", &cc_action.results).unwrap();
        for ns in &rwset.ns_rwset {
            let _kv: KvrwSet = decode("KVRWSet", &ns.rwset).unwrap();
            namespaces += 1;
        }
    }
    namespaces
}

/// Decodes every envelope of every block; returns (config txs, endorser txs, namespaces).
fn decode_all(blocks: &[Block]) -> (usize, usize, usize) {
    let (mut configs, mut endorser, mut namespaces) = (0, 0, 0);
    for block in blocks {
        for entry in &block.data.as_ref().unwrap().data {
            let env = protoutil::envelope_from_block_data(entry).unwrap();
            let payload = protoutil::payload(&env).unwrap();
            let ch = protoutil::channel_header(&payload).unwrap();
            let sh = protoutil::signature_header(&payload).unwrap();
            match HeaderType::try_from(ch.r#type).unwrap() {
                HeaderType::Config => {
                    let ce: ConfigEnvelope = decode("ConfigEnvelope", &payload.data).unwrap();
                    assert!(ce.config.unwrap().channel_group.is_some());
                    configs += 1;
                }
                HeaderType::EndorserTransaction => {
                    protoutil::check_tx_id(&ch.tx_id, &sh.nonce, &sh.creator).unwrap();
                    namespaces += decode_endorser_tx(&payload.data);
                    endorser += 1;
                }
                HeaderType::OrdererTransaction => {
                    let inner = decode("Envelope", &payload.data).unwrap();
                    protoutil::payload(&inner).unwrap();
                    configs += 1;
                }
                other => panic!("unexpected header type {other:?}"),
            }
        }
    }
    (configs, endorser, namespaces)
}

#[test]
fn every_vector_block_decodes_down_to_read_write_sets() {
    let v = support::vectors_dir();
    let committed = read_chain(&v.join("ledger/mychannel/committed"), "mychannel");
    let (configs, endorser, namespaces) = decode_all(&committed);
    assert_eq!((configs, endorser), (3, 12));
    assert!(namespaces >= endorser, "{namespaces} namespaces");
    let sys = read_chain(&v.join("ledger/syschannel"), "syschannel");
    assert_eq!(decode_all(&sys), (2, 0, 0));
}

#[test]
fn hash_chains_recompute_exactly() {
    let v = support::vectors_dir();
    for (dir, channel) in [
        ("ledger/mychannel/ordered", "mychannel"),
        ("ledger/mychannel/committed", "mychannel"),
        ("ledger/syschannel", "syschannel"),
    ] {
        assert_chain_hashes(&read_chain(&v.join(dir), channel));
    }
}

#[test]
fn a_tampered_block_breaks_the_chain() {
    let v = support::vectors_dir();
    let mut blocks = read_chain(&v.join("ledger/mychannel/ordered"), "mychannel");
    let header = blocks[4].header.as_mut().unwrap();
    let honest = protoutil::block_header_hash(header);
    header.data_hash[0] ^= 1;
    assert_ne!(protoutil::block_header_hash(header), honest);
    blocks[4].data.as_mut().unwrap().data[0].push(0);
    assert_ne!(
        protoutil::block_data_hash(blocks[4].data.as_ref().unwrap()),
        blocks[4].header.as_ref().unwrap().data_hash
    );
}

#[test]
fn committed_blocks_are_the_ordered_ones_plus_fabric_validation_codes() {
    let v = support::vectors_dir();
    let ordered = read_chain(&v.join("ledger/mychannel/ordered"), "mychannel");
    let committed = read_chain(&v.join("ledger/mychannel/committed"), "mychannel");
    assert_eq!(ordered.len(), 14);
    let mut codes = Vec::new();
    for (o, c) in ordered.iter().zip(&committed) {
        assert_eq!(o.header, c.header);
        assert_eq!(o.data, c.data);
        let (om, cm) = (
            &o.metadata.as_ref().unwrap().metadata,
            &c.metadata.as_ref().unwrap().metadata,
        );
        // The committing peer writes two slots: the validation codes, and (capability
        // V1_4_2) the commit hash, a Metadata whose value is a 32-byte hash.
        let filter = protoutil::BlockMetadataIndex::TransactionsFilter as usize;
        let commit_hash = protoutil::BlockMetadataIndex::CommitHash as usize;
        for i in (0..om.len().max(cm.len())).filter(|i| *i != filter && *i != commit_hash) {
            assert_eq!(om.get(i), cm.get(i), "metadata {i}");
        }
        assert!(om.get(commit_hash).is_none_or(|m| m.is_empty()));
        // The genesis block carries none: the chain of commit hashes starts at block 1.
        let hash: Metadata = decode("Metadata", &cm[commit_hash]).unwrap();
        let number = c.header.as_ref().unwrap().number;
        assert_eq!(
            hash.value.len(),
            if number == 0 { 0 } else { 32 },
            "block {number}"
        );
        codes.push(cm[filter].clone());
    }
    use TxValidationCode::*;
    let code = |c: TxValidationCode| c as u8;
    let mut expected = vec![vec![code(Valid)]; 14];
    expected[5] = vec![code(EndorsementPolicyFailure)];
    expected[6] = vec![code(Valid), code(MvccReadConflict)];
    assert_eq!(codes, expected);
}
