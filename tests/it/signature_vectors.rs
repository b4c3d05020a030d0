//! Every signature in the ledger Fabric v1.4.12 recorded, verified with our MSP and crypto
//! code: the orderer's block signatures (SIGNATURES and LAST_CONFIG metadata), every
//! envelope creator's signature, every endorsement, and every config update signature.
//! The MSPs come from the channels' own genesis config, as a peer sets them up.

use crate::support;

use fabric::msp::{IdentityDeserializer, MspManager};
use fabric::protos::common::{
    Block, ConfigEnvelope, ConfigUpdateEnvelope, HeaderType, LastConfig, Metadata,
    OrdererBlockMetadata, SignatureHeader,
};
use fabric::protos::protos::{ChaincodeActionPayload, Transaction};
use fabric::protoutil::{self, decode, BlockMetadataIndex};

#[derive(Default, Debug)]
struct Tally {
    block_signatures: usize,
    creators: usize,
    endorsements: usize,
    config_signatures: usize,
}

/// Deserializes `creator`, validates it against its MSP and verifies `signature` over `data`.
fn verify(msps: &MspManager, creator: &[u8], data: &[u8], signature: &[u8], what: &str) {
    let identity = msps
        .deserialize_identity(creator)
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    identity
        .validate()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    identity
        .verify(data, signature)
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let mut tampered = data.to_vec();
    tampered.push(0);
    assert!(
        identity.verify(&tampered, signature).is_err(),
        "{what}: tampered data verified"
    );
}

/// The orderer signs the SIGNATURES metadata: its value (an OrdererBlockMetadata naming the
/// last config block) ‖ signature header ‖ ASN.1 block header. In v1.4.12 the LAST_CONFIG
/// slot carries the same index, unsigned. Genesis blocks are written, not cut: unsigned.
fn verify_block_signatures(msps: &MspManager, block: &Block, tally: &mut Tally) {
    let number = block.header.as_ref().unwrap().number;
    let header_bytes = protoutil::block_header_bytes(block.header.as_ref().unwrap());
    let metadata = &block.metadata.as_ref().unwrap().metadata;
    let last_config: Metadata = decode(
        "Metadata",
        &metadata[BlockMetadataIndex::LastConfig as usize],
    )
    .unwrap();
    assert!(last_config.signatures.is_empty(), "block {number}");
    let md: Metadata = decode(
        "Metadata",
        &metadata[BlockMetadataIndex::Signatures as usize],
    )
    .unwrap();
    assert_eq!(
        md.signatures.is_empty(),
        number == 0,
        "block {number} signatures"
    );
    if number > 0 {
        let obm: OrdererBlockMetadata = decode("OrdererBlockMetadata", &md.value).unwrap();
        let index: LastConfig = decode("LastConfig", &last_config.value).unwrap();
        assert_eq!(obm.last_config, Some(index), "block {number} last config");
    }
    for sig in &md.signatures {
        let sh: SignatureHeader = decode("SignatureHeader", &sig.signature_header).unwrap();
        let signed = [md.value.as_slice(), &sig.signature_header, &header_bytes].concat();
        let what = format!("block {number} signature");
        verify(msps, &sh.creator, &signed, &sig.signature, &what);
        tally.block_signatures += 1;
    }
}

fn verify_endorsements(msps: &MspManager, data: &[u8], what: &str, tally: &mut Tally) {
    let tx: Transaction = decode("Transaction", data).unwrap();
    for action in &tx.actions {
        let cap: ChaincodeActionPayload =
            decode("ChaincodeActionPayload", &action.payload).unwrap();
        let endorsed = cap.action.unwrap();
        for e in &endorsed.endorsements {
            let signed = [endorsed.proposal_response_payload.as_slice(), &e.endorser].concat();
            verify(
                msps,
                &e.endorser,
                &signed,
                &e.signature,
                &format!("{what} endorsement"),
            );
            tally.endorsements += 1;
        }
    }
}

fn verify_config_update(msps: &MspManager, config: &ConfigEnvelope, what: &str, tally: &mut Tally) {
    let Some(update) = &config.last_update else {
        return;
    };
    let payload = protoutil::payload(update).unwrap();
    let sh = protoutil::signature_header(&payload).unwrap();
    verify(
        msps,
        &sh.creator,
        &update.payload,
        &update.signature,
        &format!("{what} last update"),
    );
    tally.creators += 1;
    let cue: ConfigUpdateEnvelope = decode("ConfigUpdateEnvelope", &payload.data).unwrap();
    for sig in &cue.signatures {
        let signer: SignatureHeader = decode("SignatureHeader", &sig.signature_header).unwrap();
        let signed = [sig.signature_header.as_slice(), &cue.config_update].concat();
        verify(
            msps,
            &signer.creator,
            &signed,
            &sig.signature,
            &format!("{what} config signature"),
        );
        tally.config_signatures += 1;
    }
}

fn verify_envelopes(msps: &MspManager, block: &Block, tally: &mut Tally) {
    let number = block.header.as_ref().unwrap().number;
    for (i, entry) in block.data.as_ref().unwrap().data.iter().enumerate() {
        let what = format!("block {number} tx {i}");
        let env = protoutil::envelope_from_block_data(entry).unwrap();
        let payload = protoutil::payload(&env).unwrap();
        let ch = protoutil::channel_header(&payload).unwrap();
        let sh = protoutil::signature_header(&payload).unwrap();
        if sh.creator.is_empty() && number == 0 {
            // configtxgen's genesis envelope carries no creator and no signature.
            assert!(env.signature.is_empty(), "{what}");
        } else {
            verify(msps, &sh.creator, &env.payload, &env.signature, &what);
            tally.creators += 1;
        }
        match HeaderType::try_from(ch.r#type).unwrap() {
            HeaderType::EndorserTransaction => {
                verify_endorsements(msps, &payload.data, &what, tally)
            }
            HeaderType::Config => {
                let config: ConfigEnvelope = decode("ConfigEnvelope", &payload.data).unwrap();
                verify_config_update(msps, &config, &what, tally);
            }
            HeaderType::OrdererTransaction => {
                let inner = decode("Envelope", &payload.data).unwrap();
                let inner_payload = protoutil::payload(&inner).unwrap();
                let config: ConfigEnvelope = decode("ConfigEnvelope", &inner_payload.data).unwrap();
                verify_config_update(msps, &config, &format!("{what} (wrapped)"), tally);
            }
            other => panic!("{what}: unexpected type {other:?}"),
        }
    }
}

fn verify_chain(vectors: &std::path::Path, dir: &str, channel: &str, blocks: u64) -> Tally {
    let genesis = support::vector_block(vectors, dir, channel, 0);
    let msps = support::channel_msps(&support::config_group(&genesis));
    let mut tally = Tally::default();
    for n in 0..blocks {
        let block = support::vector_block(vectors, dir, channel, n);
        verify_block_signatures(&msps, &block, &mut tally);
        verify_envelopes(&msps, &block, &mut tally);
    }
    tally
}

#[test]
fn every_signature_in_the_application_channel_verifies() {
    let v = support::vectors_dir();
    let t = verify_chain(&v, "ledger/mychannel/committed", "mychannel", 14);
    eprintln!("verified: {t:?}");
    // 13 cut blocks, one orderer signature each; 9 transactions endorsed by both orgs and 3
    // by Org1 alone (the two lscc deploys and block 5's policy failure).
    assert_eq!(t.block_signatures, 13, "{t:?}");
    assert_eq!(t.endorsements, 2 * 9 + 3, "{t:?}");
    // 15 envelope creators plus the 3 config updates' own creators (channel creation inside
    // the genesis config, two anchor peer updates), each carrying one admin signature.
    assert_eq!(t.creators, 18, "{t:?}");
    assert_eq!(t.config_signatures, 3, "{t:?}");
}

#[test]
fn every_signature_in_the_system_channel_verifies() {
    let v = support::vectors_dir();
    let t = verify_chain(&v, "ledger/syschannel", "syschannel", 2);
    eprintln!("verified: {t:?}");
    assert_eq!(t.block_signatures, 1, "{t:?}");
    assert_eq!((t.creators, t.config_signatures), (2, 1), "{t:?}");
}

#[test]
fn a_signature_by_an_unknown_org_is_refused() {
    let v = support::vectors_dir();
    // The system channel's genesis knows no application channel's anchor-peer signer set
    // beyond its consortium; an empty manager knows nobody at all.
    let empty = MspManager::new(Vec::new());
    let block = support::vector_block(&v, "ledger/mychannel/committed", "mychannel", 4);
    let env = protoutil::envelope_from_block_data(&block.data.unwrap().data[0]).unwrap();
    let sh = protoutil::signature_header(&protoutil::payload(&env).unwrap()).unwrap();
    let err = empty
        .deserialize_identity(&sh.creator)
        .unwrap_err()
        .to_string();
    assert!(err.contains("Org1MSP"), "{err}");
}
