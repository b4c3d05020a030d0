//! The channel config bundle and the configtx validator against the Fabric v1.4.12 vectors:
//! every recorded config block loads with the expected values, and the recorded anchor peer
//! updates are accepted against the config before them (reproducing the next config exactly),
//! while tampered, misdirected, stale or wrongly signed updates are refused.

use crate::support;

use std::path::Path;

use prost::Message;

use fabric::channelconfig::Bundle;
use fabric::configtx::ConfigtxError;
use fabric::crypto::SwOpts;
use fabric::msp::load_local_msp;
use fabric::protos::common::{
    Block, ConfigEnvelope, ConfigSignature, ConfigUpdate, ConfigUpdateEnvelope, Envelope, Payload,
    SignatureHeader,
};
use fabric::protoutil::{self, decode};
use support::{vector_block, vectors_dir};

fn config_envelope(block: &Block) -> ConfigEnvelope {
    let envelope =
        protoutil::envelope_from_block_data(&block.data.as_ref().unwrap().data[0]).unwrap();
    let payload = protoutil::payload(&envelope).unwrap();
    decode("ConfigEnvelope", &payload.data).unwrap()
}

fn block_bundle(block: &Block) -> Bundle {
    let envelope =
        protoutil::envelope_from_block_data(&block.data.as_ref().unwrap().data[0]).unwrap();
    Bundle::from_config_envelope(&envelope).unwrap_or_else(|e| panic!("bundle: {e}"))
}

fn mychannel(v: &Path, n: u64) -> Block {
    vector_block(v, "ledger/mychannel/committed", "mychannel", n)
}

fn artifact_block(v: &Path, name: &str) -> Block {
    decode(
        "Block",
        &std::fs::read(v.join("network/artifacts").join(name)).unwrap(),
    )
    .unwrap()
}

#[test]
fn bundle_loads_every_vector_config_block() {
    let v = vectors_dir();
    let blocks = [
        (
            "syschannel",
            vector_block(&v, "ledger/syschannel", "syschannel", 0),
        ),
        ("syschannel", artifact_block(&v, "genesis.block")),
        ("syschannel", artifact_block(&v, "genesis-raft.block")),
        ("mychannel", mychannel(&v, 0)),
        ("mychannel", mychannel(&v, 1)),
        ("mychannel", mychannel(&v, 2)),
    ];
    for (channel, block) in &blocks {
        let bundle = block_bundle(block);
        assert_eq!(bundle.channel_id(), *channel);
        let cc = bundle.channel_config();
        assert_eq!(cc.orderer_addresses(), ["127.0.0.1:7050"]);
        assert_eq!(cc.block_data_hashing_structure_width(), u32::MAX);
        assert_eq!(cc.capabilities().names().collect::<Vec<_>>(), ["V1_4_3"]);
        assert_eq!(
            cc.capabilities().msp_version(),
            fabric::msp::MspVersion::V1_4_3
        );
        let orderer = bundle.orderer_config().expect("orderer section");
        assert_eq!(orderer.batch_size().max_message_count, 10);
        assert_eq!(orderer.batch_size().absolute_max_bytes, 99 * 1024 * 1024);
        assert_eq!(orderer.batch_size().preferred_max_bytes, 512 * 1024);
        assert_eq!(orderer.batch_timeout(), std::time::Duration::from_secs(2));
        assert_eq!(
            orderer.capabilities().names().collect::<Vec<_>>(),
            ["V1_4_2"]
        );
        assert_eq!(
            orderer.organizations().keys().collect::<Vec<_>>(),
            ["OrdererOrg"]
        );
        assert_eq!(orderer.organizations()["OrdererOrg"].msp_id(), "OrdererMSP");
        assert!(bundle.msp_manager().msp("OrdererMSP").is_some());
        assert!(bundle
            .policy_manager()
            .get_policy("/Channel/Orderer/BlockValidation")
            .is_ok());
    }

    let raft = block_bundle(&blocks[2].1);
    let orderer = raft.orderer_config().unwrap();
    assert_eq!(orderer.consensus_type(), "etcdraft");
    let metadata = orderer.etcdraft().unwrap();
    assert_eq!(metadata.consenters.len(), 1);
    assert_eq!(metadata.consenters[0].host, "127.0.0.1");
    assert_eq!(metadata.consenters[0].port, 7050);
    assert!(metadata.consenters[0]
        .client_tls_cert
        .starts_with(b"-----BEGIN CERTIFICATE-----"));
    assert_eq!(metadata.options.as_ref().unwrap().tick_interval, "500ms");

    let system = block_bundle(&blocks[0].1);
    assert_eq!(system.orderer_config().unwrap().consensus_type(), "solo");
    let consortiums = system
        .consortiums_config()
        .expect("system channel consortiums");
    let sample = &consortiums.consortiums()["SampleConsortium"];
    assert_eq!(
        sample.organizations().keys().collect::<Vec<_>>(),
        ["Org1MSP", "Org2MSP"]
    );
    assert!(sample.channel_creation_policy().is_some());
    assert!(system.application_config().is_none());
    assert_eq!(system.sequence(), 0);

    let genesis = block_bundle(&blocks[3].1);
    assert_eq!(
        genesis.channel_config().consortium_name(),
        "SampleConsortium"
    );
    let app = genesis.application_config().unwrap();
    assert!(app
        .organizations()
        .values()
        .all(|o| o.anchor_peers().is_empty()));
    assert!(app.capabilities().acls());
    assert_eq!(app.capabilities().names().collect::<Vec<_>>(), ["V1_4_2"]);

    let after = block_bundle(&blocks[5].1);
    // The orderer created mychannel at sequence 1; two anchor peer updates followed.
    assert_eq!(after.sequence(), 3);
    let orgs = after.application_config().unwrap().organizations();
    for (org, port) in [("Org1MSP", 7051), ("Org2MSP", 9051)] {
        let peers = orgs[org].anchor_peers();
        assert_eq!(peers.len(), 1, "{org}");
        assert_eq!((peers[0].host.as_str(), peers[0].port), ("127.0.0.1", port));
    }
}

#[test]
fn validator_accepts_the_recorded_anchor_peer_updates() {
    let v = vectors_dir();
    for n in 1..=2 {
        let before = block_bundle(&mychannel(&v, n - 1));
        let recorded = config_envelope(&mychannel(&v, n));
        let update = recorded.last_update.clone().unwrap();
        let proposed = before.validator().propose_config_update(&update).unwrap();
        assert_eq!(
            proposed.config, recorded.config,
            "block {n}: the update reproduces the config"
        );
        before.validator().validate(&recorded).unwrap();
    }
}

/// The recorded update of block `n` split into its parts.
fn recorded_update(v: &Path, n: u64) -> (Payload, ConfigUpdateEnvelope, ConfigUpdate) {
    let update = config_envelope(&mychannel(v, n)).last_update.unwrap();
    let payload: Payload = decode("Payload", &update.payload).unwrap();
    let cue: ConfigUpdateEnvelope = decode("ConfigUpdateEnvelope", &payload.data).unwrap();
    let cu: ConfigUpdate = decode("ConfigUpdate", &cue.config_update).unwrap();
    (payload, cue, cu)
}

fn rewrap(mut payload: Payload, cue: &ConfigUpdateEnvelope) -> Envelope {
    payload.data = cue.encode_to_vec();
    Envelope {
        payload: payload.encode_to_vec(),
        signature: vec![],
    }
}

fn reject(v: &Path, envelope: &Envelope) -> ConfigtxError {
    let before = block_bundle(&mychannel(v, 0));
    before
        .validator()
        .propose_config_update(envelope)
        .unwrap_err()
}

#[test]
fn validator_rejects_a_tampered_signature() {
    let v = vectors_dir();
    let (payload, mut cue, _) = recorded_update(&v, 1);
    let signature = &mut cue.signatures[0].signature;
    let last = signature.len() - 3;
    signature[last] ^= 0x01;
    let err = reject(&v, &rewrap(payload, &cue));
    let text = err.to_string();
    assert!(matches!(err, ConfigtxError::DeltaSet(_)), "{text}");
    assert!(
        text.contains("policy for [Group]  /Channel/Application/Org1MSP not satisfied"),
        "{text}"
    );
}

#[test]
fn validator_rejects_a_wrong_channel_id() {
    let v = vectors_dir();
    let (payload, mut cue, mut cu) = recorded_update(&v, 1);
    cu.channel_id = "otherchannel".into();
    cue.config_update = cu.encode_to_vec();
    let err = reject(&v, &rewrap(payload, &cue));
    assert_eq!(
        err.to_string(),
        "ConfigUpdate for channel 'otherchannel' but envelope for channel 'mychannel'"
    );
}

#[test]
fn validator_rejects_a_stale_read_set() {
    let v = vectors_dir();
    // Org2's update (block 2) read the application group at version 1; apply it to the
    // config of block 0, where the group is still at version 0.
    let (payload, cue, cu) = recorded_update(&v, 2);
    assert_eq!(
        cu.read_set.as_ref().unwrap().groups["Application"].version,
        1
    );
    let mut stale = cu.clone();
    stale
        .read_set
        .as_mut()
        .unwrap()
        .groups
        .get_mut("Application")
        .unwrap()
        .version = 0;
    let block1 = block_bundle(&mychannel(&v, 1));
    let mut cue2 = cue.clone();
    cue2.config_update = stale.encode_to_vec();
    let err = block1
        .validator()
        .propose_config_update(&rewrap(payload, &cue2))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "error validating ReadSet: proposed update requires that key [Group]  \
         /Channel/Application be at version 0, but it is currently at version 1"
    );
}

#[test]
fn validator_rejects_an_update_signed_by_the_wrong_org() {
    let v = vectors_dir();
    let (payload, mut cue, _) = recorded_update(&v, 1);
    let admin = v.join(
        "network/crypto-config/peerOrganizations/org2.example.com/users/Admin@org2.example.com/msp",
    );
    let msp = load_local_msp(&admin, "Org2MSP", &SwOpts::default()).unwrap();
    let signer = msp.default_signing_identity().unwrap();
    let header = SignatureHeader {
        creator: signer.serialize(),
        nonce: protoutil::create_nonce(),
    }
    .encode_to_vec();
    let signature = signer
        .sign(&[header.as_slice(), cue.config_update.as_slice()].concat())
        .unwrap();
    cue.signatures = vec![ConfigSignature {
        signature_header: header.clone(),
        signature: signature.clone(),
    }];
    let err = reject(&v, &rewrap(payload.clone(), &cue));
    let text = err.to_string();
    assert!(
        text.contains("policy for [Group]  /Channel/Application/Org1MSP not satisfied"),
        "{text}"
    );

    // The same Org2 admin signature does satisfy Org2's own update (block 2 after block 1).
    let (payload2, mut cue2, _) = recorded_update(&v, 2);
    let signature2 = signer
        .sign(&[header.as_slice(), cue2.config_update.as_slice()].concat())
        .unwrap();
    cue2.signatures = vec![ConfigSignature {
        signature_header: header,
        signature: signature2,
    }];
    let block1 = block_bundle(&mychannel(&v, 1));
    block1
        .validator()
        .propose_config_update(&rewrap(payload2, &cue2))
        .unwrap();
}
