//! Policies against what Fabric v1.4.12 recorded in the vector ledger: the parser must
//! produce byte-identical endorsement policies, the channel config must compile into a
//! policy tree, and the recorded endorsements must satisfy (or fail) the recorded policies
//! exactly as Fabric's validation codes say.

use std::sync::Arc;

use fabric::msp::MspManager;
use fabric::policy::manager::{
    BLOCK_VALIDATION, CHANNEL_APPLICATION_ADMINS, CHANNEL_APPLICATION_WRITERS,
};
use fabric::policy::{
    from_string, Policy, PolicyError, PolicyManager, SignaturePolicyEvaluator, SignedData,
};
use fabric::protos::common::{Block, ConfigEnvelope, Envelope, Payload};
use fabric::protos::protos::{
    ChaincodeActionPayload, ChaincodeInvocationSpec, ChaincodeProposalPayload, Transaction,
};
use prost::Message;

use crate::support;

use support::vectors_dir as vectors;

/// The real X.509 MSPs of mychannel, from its genesis config block.
fn channel_msps(dir: &std::path::Path) -> Arc<MspManager> {
    support::channel_msps(&support::config_group(&committed_block(dir, 0)))
}

fn committed_block(dir: &std::path::Path, number: u64) -> Block {
    let path = dir.join(format!(
        "ledger/mychannel/committed/mychannel_{number}.block"
    ));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    Block::decode(bytes.as_slice()).expect("block decodes")
}

fn first_payload(block: &Block) -> Payload {
    let data = block.data.as_ref().expect("block data");
    let envelope = Envelope::decode(data.data[0].as_slice()).expect("envelope");
    Payload::decode(envelope.payload.as_slice()).expect("payload")
}

fn first_action(block: &Block) -> ChaincodeActionPayload {
    let transaction =
        Transaction::decode(first_payload(block).data.as_slice()).expect("transaction");
    ChaincodeActionPayload::decode(transaction.actions[0].payload.as_slice())
        .expect("action payload")
}

/// The arguments of the chaincode invocation in a block's first transaction.
fn invocation_args(block: &Block) -> Vec<Vec<u8>> {
    let action = first_action(block);
    let proposal = ChaincodeProposalPayload::decode(action.chaincode_proposal_payload.as_slice())
        .expect("proposal payload");
    let spec = ChaincodeInvocationSpec::decode(proposal.input.as_slice()).expect("invocation spec");
    spec.chaincode_spec
        .expect("spec")
        .input
        .expect("input")
        .args
}

/// The endorsement policy of an lscc deploy: `args[3]`.
fn deployed_policy(dir: &std::path::Path, block: u64) -> Vec<u8> {
    let args = invocation_args(&committed_block(dir, block));
    assert_eq!(args[0], b"deploy", "block {block} is an lscc deploy");
    args[3].clone()
}

#[test]
fn and_policy_is_byte_identical_to_fabric() {
    let dir = vectors();
    let ours = from_string("AND('Org1MSP.peer','Org2MSP.peer')")
        .unwrap()
        .encode_to_vec();
    assert_eq!(ours, deployed_policy(&dir, 3));
}

#[test]
fn or_policy_is_byte_identical_to_fabric() {
    let dir = vectors();
    let ours = from_string("OR('Org1MSP.peer','Org2MSP.peer')")
        .unwrap()
        .encode_to_vec();
    assert_eq!(ours, deployed_policy(&dir, 7));
}

/// The endorsements of a block's first transaction as the validator sees them: each covers
/// the proposal response payload followed by the endorser.
fn endorsements(block: &Block) -> Vec<SignedData> {
    let action = first_action(block).action.expect("endorsed action");
    action
        .endorsements
        .iter()
        .map(|e| SignedData {
            data: [
                action.proposal_response_payload.as_slice(),
                e.endorser.as_slice(),
            ]
            .concat(),
            identity: e.endorser.clone(),
            signature: e.signature.clone(),
        })
        .collect()
}

#[test]
fn recorded_endorsements_meet_the_policy_as_fabric_decided() {
    let dir = vectors();
    let and_policy =
        SignaturePolicyEvaluator::from_bytes(&deployed_policy(&dir, 3), channel_msps(&dir))
            .unwrap();
    // Block 4: endorsed by both orgs, VALID. Block 5: Org1 only, ENDORSEMENT_POLICY_FAILURE.
    let both = endorsements(&committed_block(&dir, 4));
    assert_eq!(both.len(), 2);
    assert_eq!(and_policy.evaluate(&both), Ok(()));
    let only_org1 = endorsements(&committed_block(&dir, 5));
    assert_eq!(only_org1.len(), 1);
    assert_eq!(
        and_policy.evaluate(&only_org1),
        Err(PolicyError::Unsatisfied)
    );
    // The same endorsement twice still counts once.
    let twice = vec![only_org1[0].clone(), only_org1[0].clone()];
    assert_eq!(and_policy.evaluate(&twice), Err(PolicyError::Unsatisfied));
    // A tampered payload no longer verifies.
    let mut tampered = both.clone();
    tampered[1].data.push(0);
    assert_eq!(
        and_policy.evaluate(&tampered),
        Err(PolicyError::Unsatisfied)
    );

    let or_policy =
        SignaturePolicyEvaluator::from_bytes(&deployed_policy(&dir, 7), channel_msps(&dir))
            .unwrap();
    assert_eq!(or_policy.evaluate(&only_org1), Ok(()));
    let marbles = endorsements(&committed_block(&dir, 8));
    assert_eq!(or_policy.evaluate(&marbles[1..]), Ok(()));
}

#[test]
fn channel_config_compiles_into_a_policy_tree() {
    let dir = vectors();
    let config = ConfigEnvelope::decode(first_payload(&committed_block(&dir, 0)).data.as_slice())
        .expect("config envelope");
    let root = config
        .config
        .and_then(|c| c.channel_group)
        .expect("channel group");
    let channel = PolicyManager::for_channel(&root, channel_msps(&dir)).unwrap();
    for path in [
        "/Channel/Readers",
        "/Channel/Writers",
        "/Channel/Admins",
        CHANNEL_APPLICATION_WRITERS,
        CHANNEL_APPLICATION_ADMINS,
        BLOCK_VALIDATION,
        "/Channel/Application/Org1MSP/Admins",
        "/Channel/Application/Org2MSP/Writers",
    ] {
        assert!(
            channel.get_policy(path).is_ok(),
            "{path} is in the channel config"
        );
    }
    // Org Writers are "OR('OrgNMSP.admin', 'OrgNMSP.client')", Readers also admit peers.
    // The invoker who signed block 4's envelope is a writer; a peer's endorsement is only
    // a reader; MAJORITY Admins of two orgs needs two org admins.
    let block = committed_block(&dir, 4);
    let envelope = Envelope::decode(block.data.as_ref().unwrap().data[0].as_slice()).unwrap();
    let creator = SignedData::from_envelope(&envelope).unwrap();
    let org1_peer = endorsements(&committed_block(&dir, 5));
    let writers = channel.get_policy(CHANNEL_APPLICATION_WRITERS).unwrap();
    assert_eq!(writers.evaluate(&creator), Ok(()));
    assert_eq!(
        writers.evaluate(&org1_peer),
        Err(PolicyError::ImplicitMetaUnsatisfied {
            satisfied: 0,
            required: 1,
            sub_policy: "Writers".into()
        })
    );
    let readers = channel.get_policy("/Channel/Application/Readers").unwrap();
    assert_eq!(readers.evaluate(&org1_peer), Ok(()));
    let channel_writers = channel.get_policy("/Channel/Writers").unwrap();
    assert_eq!(channel_writers.evaluate(&creator), Ok(()));
    let admins = channel.get_policy(CHANNEL_APPLICATION_ADMINS).unwrap();
    assert!(matches!(
        admins.evaluate(&creator),
        Err(PolicyError::ImplicitMetaUnsatisfied { required: 2, .. })
    ));
}

#[test]
fn configtx_rules_encode_like_configtxgen() {
    let dir = vectors();
    let config = ConfigEnvelope::decode(first_payload(&committed_block(&dir, 0)).data.as_slice())
        .expect("config envelope");
    let root = config
        .config
        .and_then(|c| c.channel_group)
        .expect("channel group");
    let application = &root.groups["Application"];
    let value = |group: &fabric::protos::common::ConfigGroup, name: &str| {
        group.policies[name]
            .policy
            .as_ref()
            .expect("policy")
            .value
            .clone()
    };
    // The rules of network/configtx.yaml, as configtxgen marshaled them.
    for org in ["Org1MSP", "Org2MSP"] {
        let group = &application.groups[org];
        for (name, rule) in [
            (
                "Readers",
                format!("OR('{org}.admin', '{org}.peer', '{org}.client')"),
            ),
            ("Writers", format!("OR('{org}.admin', '{org}.client')")),
            ("Admins", format!("OR('{org}.admin')")),
        ] {
            let ours = from_string(&rule).unwrap().encode_to_vec();
            assert_eq!(ours, value(group, name), "{org} {name} = {rule}");
        }
    }
    for (name, rule) in [
        ("Readers", "ANY Readers"),
        ("Writers", "ANY Writers"),
        ("Admins", "MAJORITY Admins"),
    ] {
        let ours = fabric::policy::implicitmeta::from_string(rule)
            .unwrap()
            .encode_to_vec();
        assert_eq!(
            ours,
            value(application, name),
            "Application {name} = {rule}"
        );
        assert_eq!(ours, value(&root, name), "Channel {name} = {rule}");
    }
}
