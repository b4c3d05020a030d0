//! The block writer against blocks Fabric v1.4.12's orderer wrote: given the same chain and
//! the same transactions, our next block has the same header (number, previous hash, data
//! hash) and the same LAST_CONFIG and SIGNATURES values, and our signature verifies as the
//! orderer's own does. Config blocks move LAST_CONFIG; a system channel block that creates a
//! channel does not.

use crate::support;

use std::path::Path;
use std::sync::Arc;

use fabric::crypto::SwOpts;
use fabric::msp::{load_local_msp, IdentityDeserializer, SigningIdentity};
use fabric::orderer::blockwriter::{last_config_index, BlockWriter};
use fabric::orderer::ledger::{BlockLedger, FileLedger, LedgerRef};
use fabric::protos::common::{Block, BlockMetadataIndex, Metadata, SignatureHeader};
use fabric::protoutil::{block_header_bytes, decode, envelope_from_block_data};

const ORDERER_MSP: &str =
    "network/crypto-config/ordererOrganizations/example.com/orderers/orderer.example.com/msp";

fn orderer_signer(vectors: &Path) -> Arc<dyn SigningIdentity> {
    let msp = load_local_msp(&vectors.join(ORDERER_MSP), "OrdererMSP", &SwOpts::default())
        .expect("the vector orderer MSP loads");
    msp.default_signing_identity().unwrap()
}

fn ledger_with(vectors: &Path, dir: &Path, chain: &str, channel: &str, upto: u64) -> LedgerRef {
    let ledger = Arc::new(FileLedger::open(dir).unwrap());
    for n in 0..=upto {
        ledger
            .append(&support::vector_block(vectors, chain, channel, n))
            .unwrap();
    }
    ledger
}

fn slot(block: &Block, index: BlockMetadataIndex) -> Metadata {
    decode(
        "Metadata",
        &block.metadata.as_ref().unwrap().metadata[index as usize],
    )
    .unwrap()
}

/// Rebuilds block `number` of a vector chain on top of its predecessors and compares.
fn rewrite(vectors: &Path, chain: &str, channel: &str, number: u64, config: bool) -> Block {
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger_with(vectors, dir.path(), chain, channel, number - 1);
    let want = support::vector_block(vectors, chain, channel, number);
    let envelopes: Vec<_> = want
        .data
        .as_ref()
        .unwrap()
        .data
        .iter()
        .map(|d| envelope_from_block_data(d).unwrap())
        .collect();
    let mut writer = BlockWriter::new(channel, ledger.clone(), orderer_signer(vectors)).unwrap();
    let block = writer.create_next_block(&envelopes);
    assert_eq!(block.header, want.header, "{channel} block {number} header");
    assert_eq!(block.data, want.data);
    let written = if config {
        writer.write_config_block(block, None).unwrap()
    } else {
        writer.write_block(block, None).unwrap()
    };
    assert_eq!(ledger.height(), number + 1);
    assert_eq!(ledger.block(number).unwrap().unwrap(), written);
    assert_eq!(
        written.metadata.as_ref().unwrap().metadata.len(),
        want.metadata.as_ref().unwrap().metadata.len(),
        "metadata slots of block {number}"
    );
    let ours = slot(&written, BlockMetadataIndex::LastConfig);
    let theirs = slot(&want, BlockMetadataIndex::LastConfig);
    assert_eq!(ours, theirs, "LAST_CONFIG of block {number}");
    let ours_sig = slot(&written, BlockMetadataIndex::Signatures);
    let theirs_sig = slot(&want, BlockMetadataIndex::Signatures);
    assert_eq!(
        ours_sig.value, theirs_sig.value,
        "SIGNATURES value of block {number}"
    );
    assert_eq!(
        written.metadata.as_ref().unwrap().metadata[BlockMetadataIndex::Orderer as usize],
        want.metadata.as_ref().unwrap().metadata[BlockMetadataIndex::Orderer as usize]
    );
    assert_eq!(
        writer.last_config_block(),
        last_config_index(&want).unwrap()
    );
    verify_signature(vectors, chain, channel, &written, &ours_sig);
    written
}

fn verify_signature(vectors: &Path, chain: &str, channel: &str, block: &Block, md: &Metadata) {
    let genesis = support::vector_block(vectors, chain, channel, 0);
    let msps = support::channel_msps(&support::config_group(&genesis));
    assert_eq!(md.signatures.len(), 1);
    let sig = &md.signatures[0];
    let sh: SignatureHeader = decode("SignatureHeader", &sig.signature_header).unwrap();
    let signed = [
        md.value.as_slice(),
        &sig.signature_header,
        &block_header_bytes(block.header.as_ref().unwrap()),
    ]
    .concat();
    let id = msps.deserialize_identity(&sh.creator).unwrap();
    id.validate().unwrap();
    assert_eq!(id.msp_identifier(), "OrdererMSP");
    id.verify(&signed, &sig.signature).unwrap();
    assert!(id.verify(b"other", &sig.signature).is_err());
}

#[test]
fn normal_blocks_match_fabric() {
    let v = support::vectors_dir();
    for number in [3, 4, 6, 13] {
        rewrite(&v, "ledger/mychannel/ordered", "mychannel", number, false);
    }
}

#[test]
fn config_blocks_become_the_last_config() {
    let v = support::vectors_dir();
    let written = rewrite(&v, "ledger/mychannel/ordered", "mychannel", 1, true);
    assert_eq!(last_config_index(&written).unwrap(), 1);
    rewrite(&v, "ledger/mychannel/ordered", "mychannel", 2, true);
}

#[test]
fn a_channel_creation_block_keeps_the_system_channel_last_config() {
    let v = support::vectors_dir();
    let written = rewrite(&v, "ledger/syschannel", "syschannel", 1, false);
    assert_eq!(last_config_index(&written).unwrap(), 0);
}

#[test]
fn an_empty_ledger_has_no_tip_to_write_on() {
    let v = support::vectors_dir();
    let dir = tempfile::tempdir().unwrap();
    let ledger: LedgerRef = Arc::new(FileLedger::open(dir.path()).unwrap());
    let err = BlockWriter::new("c", ledger, orderer_signer(&v))
        .err()
        .unwrap()
        .to_string();
    assert_eq!(
        err,
        "the ledger of channel c is empty; it must start with a genesis block"
    );
}
