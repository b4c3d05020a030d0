use std::collections::BTreeMap;
use std::sync::Arc;

use prost::Message;

use super::*;
use crate::committer::testutil::{block_of, endorser_tx, rwset, FakeLedger, Network};
use crate::msp::SigningIdentity;
use crate::protos::common::{ChannelHeader, Envelope, Header};
use crate::protos::peer::TxValidationCode as Code;
use crate::scc::vscc::ChaincodeData;

const AND_PEERS: &str = "AND('Org1MSP.peer','Org2MSP.peer')";

fn ledger_with_mycc() -> Arc<FakeLedger> {
    let ledger = FakeLedger::default();
    let cd = ChaincodeData {
        name: "mycc".into(),
        version: "1.0".into(),
        escc: "escc".into(),
        vscc: "vscc".into(),
        policy: crate::policy::from_string(AND_PEERS)
            .unwrap()
            .encode_to_vec(),
        ..Default::default()
    };
    ledger.put("lscc", "mycc", cd.encode_to_vec());
    Arc::new(ledger)
}

fn invoke(net: &Network, endorsers: &[u8], writes: &[(&str, &[u8])]) -> Envelope {
    let peers: Vec<Arc<dyn SigningIdentity>> = endorsers.iter().map(|o| net.peer(*o)).collect();
    let refs: Vec<&dyn SigningIdentity> = peers.iter().map(|p| p.as_ref()).collect();
    endorser_tx(
        net.user(1).as_ref(),
        &refs,
        "mycc",
        "1.0",
        &[b"invoke"],
        rwset("mycc", writes),
    )
}

fn codes_with(
    net: &Network,
    ledger: &Arc<FakeLedger>,
    pool: usize,
    envs: &[Envelope],
) -> Vec<TxValidationCode> {
    let mut block = block_of(1, envs);
    let v = TxValidator::new(pool)
        .validate(ledger.clone(), Arc::new(net.bundle()), &mut block)
        .unwrap();
    let filter = &block.metadata.as_ref().unwrap().metadata[2];
    assert_eq!(
        filter,
        &v.codes.iter().map(|c| *c as i32 as u8).collect::<Vec<_>>()
    );
    v.codes
}

fn codes(net: &Network, envs: &[Envelope]) -> Vec<TxValidationCode> {
    codes_with(net, &ledger_with_mycc(), 2, envs)
}

/// Rewrites the payload's channel header and re-signs the envelope with `signer`.
fn with_channel_header(
    env: &Envelope,
    signer: &dyn SigningIdentity,
    edit: impl FnOnce(&mut ChannelHeader),
) -> Envelope {
    let mut payload = Payload::decode(env.payload.as_slice()).unwrap();
    let header: &mut Header = payload.header.as_mut().unwrap();
    let mut chdr = ChannelHeader::decode(header.channel_header.as_slice()).unwrap();
    edit(&mut chdr);
    header.channel_header = chdr.encode_to_vec();
    let payload = payload.encode_to_vec();
    Envelope {
        signature: signer.sign(&payload).unwrap(),
        payload,
    }
}

#[test]
fn endorsed_by_both_orgs_is_valid_and_and_policy_needs_both() {
    let net = &Network::new("V1_4_2");
    let good = invoke(net, &[1, 2], &[("a", b"1")]);
    let one_org = invoke(net, &[1], &[("a", b"1")]);
    let same_org_twice = invoke(net, &[1, 1], &[("a", b"1")]);
    assert_eq!(
        codes(net, &[good, one_org, same_org_twice]),
        [
            Code::Valid,
            Code::EndorsementPolicyFailure,
            Code::EndorsementPolicyFailure
        ]
    );
}

#[test]
fn tampered_and_foreign_creators_are_bad_creator_signatures() {
    let net = &Network::new("V1_4_2");
    let mut tampered = invoke(net, &[1, 2], &[("a", b"1")]);
    let last = tampered.signature.len() - 2;
    tampered.signature[last] ^= 0x01;
    let foreign = endorser_tx(
        net.user(3).as_ref(),
        &[net.peer(1).as_ref(), net.peer(2).as_ref()],
        "mycc",
        "1.0",
        &[b"invoke"],
        rwset("mycc", &[("a", b"1")]),
    );
    let other_channel = with_channel_header(
        &invoke(net, &[1, 2], &[("a", b"1")]),
        net.user(1).as_ref(),
        |c| c.channel_id = "otherchannel".into(),
    );
    assert_eq!(
        codes(net, &[tampered, foreign, other_channel]),
        [Code::BadCreatorSignature; 3]
    );
}

#[test]
fn header_checks_come_first() {
    let net = &Network::new("V1_4_2");
    let user = net.user(1);
    let base = invoke(net, &[1, 2], &[("a", b"1")]);
    let bad_txid = with_channel_header(&base, user.as_ref(), |c| c.tx_id = "0badc0de".into());
    let message_type = with_channel_header(&base, user.as_ref(), |c| c.r#type = 0);
    let epoch = with_channel_header(&base, user.as_ref(), |c| c.epoch = 1);
    let config_update = with_channel_header(&base, user.as_ref(), |c| {
        c.r#type = HeaderType::ConfigUpdate as i32
    });
    let token = with_channel_header(&base, user.as_ref(), |c| {
        c.r#type = HeaderType::TokenTransaction as i32
    });
    let garbage_payload = Envelope {
        payload: vec![0xff, 0xff, 0xff],
        signature: vec![1],
    };
    let mut block = block_of(
        1,
        &[
            bad_txid,
            message_type,
            epoch,
            config_update,
            token,
            garbage_payload,
        ],
    );
    let data = &mut block.data.as_mut().unwrap().data;
    data.push(vec![0xff, 0x01]); // not an envelope
    data.push(vec![]); // an empty envelope: no header
    let ledger = ledger_with_mycc();
    let v = TxValidator::new(3)
        .validate(ledger.clone(), Arc::new(net.bundle()), &mut block)
        .unwrap();
    assert_eq!(
        v.codes,
        [
            Code::BadProposalTxid,
            Code::BadCommonHeader,
            Code::BadCommonHeader,
            Code::UnsupportedTxPayload,
            Code::UnknownTxType,
            Code::BadPayload,
            Code::InvalidOtherReason,
            Code::BadCommonHeader,
        ]
    );
}

#[test]
fn duplicate_tx_ids_in_ledger_and_in_block() {
    let net = &Network::new("V1_4_2");
    let first = invoke(net, &[1, 2], &[("a", b"1")]);
    let in_ledger = invoke(net, &[1, 2], &[("b", b"1")]);
    let ledger = ledger_with_mycc();
    let tx_id = |e: &Envelope| {
        let p = Payload::decode(e.payload.as_slice()).unwrap();
        ChannelHeader::decode(p.header.unwrap().channel_header.as_slice())
            .unwrap()
            .tx_id
    };
    ledger.tx_ids.lock().unwrap().insert(tx_id(&in_ledger));
    assert_eq!(
        codes_with(net, &ledger, 4, &[first.clone(), in_ledger, first]),
        [Code::Valid, Code::DuplicateTxid, Code::DuplicateTxid]
    );
}

#[test]
fn unknown_chaincode_expired_version_and_illegal_writes() {
    let net = &Network::new("V1_4_2");
    let peers = [net.peer(1), net.peer(2)];
    let endorsers: Vec<&dyn SigningIdentity> = peers.iter().map(|p| p.as_ref()).collect();
    let user = net.user(1);
    let unknown = endorser_tx(
        user.as_ref(),
        &endorsers,
        "nosuchcc",
        "1.0",
        &[b"invoke"],
        rwset("nosuchcc", &[("a", b"1")]),
    );
    let old_version = endorser_tx(
        user.as_ref(),
        &endorsers,
        "mycc",
        "0.9",
        &[b"invoke"],
        rwset("mycc", &[("a", b"1")]),
    );
    let writes_lscc = endorser_tx(
        user.as_ref(),
        &endorsers,
        "mycc",
        "1.0",
        &[b"invoke"],
        rwset("lscc", &[("mycc", b"x")]),
    );
    let invokes_vscc = endorser_tx(
        user.as_ref(),
        &endorsers,
        "vscc",
        "1.0",
        &[b"invoke"],
        rwset("vscc", &[("a", b"1")]),
    );
    assert_eq!(
        codes(net, &[unknown, old_version, writes_lscc, invokes_vscc]),
        [
            Code::InvalidOtherReason,
            Code::ExpiredChaincode,
            Code::IllegalWriteset,
            Code::IllegalWriteset
        ]
    );
}

#[test]
fn key_level_validation_parameter_overrides_the_chaincode_policy() {
    let net = &Network::new("V1_4_2");
    let ledger = ledger_with_mycc();
    let org1_only = crate::policy::from_string("OR('Org1MSP.peer')")
        .unwrap()
        .encode_to_vec();
    let md = BTreeMap::from([("VALIDATION_PARAMETER".to_string(), org1_only)]);
    ledger
        .metadata
        .lock()
        .unwrap()
        .insert(("mycc".into(), "k".into()), md);
    // key k only needs Org1; key a still needs the chaincode's AND policy
    let k_by_org1 = invoke(net, &[1], &[("k", b"1")]);
    let both_keys_by_org1 = invoke(net, &[1], &[("k", b"1"), ("a", b"1")]);
    let k_by_org2 = invoke(net, &[2], &[("k", b"1")]);
    assert_eq!(
        codes_with(net, &ledger, 2, &[k_by_org1, both_keys_by_org1, k_by_org2]),
        [
            Code::Valid,
            Code::EndorsementPolicyFailure,
            Code::EndorsementPolicyFailure
        ]
    );
}

#[test]
fn v1_2_channels_use_the_v12_logic() {
    let net = &Network::new("V1_2");
    let ledger = ledger_with_mycc();
    let good = invoke(net, &[2, 1], &[("a", b"1")]);
    let bad = invoke(net, &[2], &[("a", b"1")]);
    assert_eq!(
        codes_with(net, &ledger, 1, &[good, bad]),
        [Code::Valid, Code::EndorsementPolicyFailure]
    );
}

#[test]
fn pool_size_does_not_change_the_verdicts() {
    let net = &Network::new("V1_4_2");
    let envs: Vec<Envelope> = (0..12)
        .map(|i| {
            if i % 3 == 0 {
                invoke(net, &[1], &[("a", b"1")])
            } else {
                invoke(net, &[1, 2], &[("a", b"1")])
            }
        })
        .collect();
    let ledger = ledger_with_mycc();
    let sequential = codes_with(net, &ledger, 1, &envs);
    assert_eq!(codes_with(net, &ledger, 4, &envs), sequential);
    assert_eq!(
        sequential
            .iter()
            .filter(|c| **c == Code::EndorsementPolicyFailure)
            .count(),
        4
    );
}

#[test]
fn a_block_without_header_is_refused() {
    let net = &Network::new("V1_4_2");
    let mut block = block_of(1, &[invoke(net, &[1, 2], &[("a", b"1")])]);
    block.header = None;
    let err = TxValidator::new(1)
        .validate(ledger_with_mycc(), Arc::new(net.bundle()), &mut block)
        .unwrap_err();
    assert_eq!(err.to_string(), "the block has no header or no data");
}
