//! One property per entry point. Each starts from real bytes, so most cases get past the
//! first decode and reach the validation behind it.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use fabric::channelconfig::Bundle;
use fabric::crypto::SwOpts;
use fabric::discovery::service::ServiceConfig;
use fabric::discovery::support::{ChaincodeMetadata, SupportError};
use fabric::discovery::{inquire, DiscoveryService, MembershipSource, Support};
use fabric::endorser::validation::validate_proposal_message;
use fabric::gossip::comm::SignedGossipMessage;
use fabric::gossip::common::{NetworkMember, PeerIdentityInfo};
use fabric::gossip::protoext::{GossipMessageExt, MessageSummary};
use fabric::msp::identity::{IdentityDeserializer, SigningIdentity};
use fabric::msp::{load_local_msp, MspManager, X509Msp};
use fabric::policy::{from_string, Policy, SignaturePolicyEvaluator, SignedData};
use fabric::protos::common::{Block, Envelope, HeaderType, MspPrincipal, SignaturePolicyEnvelope};
use fabric::protos::discovery::{ConfigResult, SignedRequest};
use fabric::protos::gossip::{self, gossip_message, GossipMessage};
use fabric::protos::peer::{ChaincodeId, ChaincodeInvocationSpec, ChaincodeSpec, SignedProposal};
use fabric::protoutil;
use proptest::prelude::*;
use prost::Message;

use crate::corpus::{bounded, config, mutated, read};

const ORG1_USER: &str =
    "network/crypto-config/peerOrganizations/org1.example.com/users/User1@org1.example.com/msp";

struct Fixture {
    msp: X509Msp,
    signer: Arc<dyn SigningIdentity>,
    manager: Arc<MspManager>,
    /// The channel's config as its genesis block carries it.
    bundle: Bundle,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = crate::corpus::vectors().join(ORG1_USER);
        let msp = load_local_msp(&dir, "Org1MSP", &SwOpts::default()).expect("Org1 MSP");
        let signer = msp.default_signing_identity().expect("signer");
        let manager = Arc::new(MspManager::new([msp.clone()]));
        let bundle = Bundle::from_config_envelope(&genesis_config_envelope()).expect("bundle");
        Fixture {
            msp,
            signer,
            manager,
            bundle,
        }
    })
}

fn genesis_config_envelope() -> Envelope {
    let block = Block::decode(read("ledger/mychannel/committed/mychannel_0.block").as_slice())
        .expect("genesis block");
    let data = &block.data.expect("block data").data[0];
    protoutil::envelope_from_block_data(data).expect("config envelope")
}

fn anchors_update() -> Envelope {
    Envelope::decode(read("network/artifacts/Org1MSPanchors.tx").as_slice()).expect("anchors tx")
}

/// The `data` of an envelope's payload (what the layers below the envelope parse).
fn payload_data(envelope: &Envelope) -> Vec<u8> {
    protoutil::payload(envelope).expect("payload").data
}

/// `envelope` with its payload's data replaced (the signature left as it was: the
/// validation behind a bad signature is what a hostile client reaches first).
fn with_payload_data(envelope: &Envelope, data: Vec<u8>) -> Envelope {
    let mut p = protoutil::payload(envelope).expect("payload");
    p.data = data;
    Envelope {
        payload: p.encode_to_vec(),
        signature: envelope.signature.clone(),
    }
}

fn signed_proposal() -> Vec<u8> {
    let f = fixture();
    let cis = ChaincodeInvocationSpec {
        chaincode_spec: Some(ChaincodeSpec {
            chaincode_id: Some(ChaincodeId {
                name: "mycc".into(),
                ..Default::default()
            }),
            ..Default::default()
        }),
    };
    let proposal = protoutil::create_chaincode_proposal(
        HeaderType::EndorserTransaction,
        "mychannel",
        &cis,
        f.signer.serialize(),
        BTreeMap::new(),
    );
    protoutil::sign_proposal(&proposal.proposal, f.signer.as_ref())
        .expect("sign")
        .encode_to_vec()
}

/// Everything a block carries, parsed as the committer and deliver clients parse it.
fn walk_block(bytes: &[u8]) {
    let Ok(block) = Block::decode(bytes) else {
        return;
    };
    if let Some(header) = &block.header {
        let _ = protoutil::block_header_hash(header);
    }
    let Some(data) = &block.data else { return };
    let _ = protoutil::block_data_hash(data);
    for d in &data.data {
        walk_envelope(d);
    }
}

fn walk_envelope(bytes: &[u8]) {
    let Ok(envelope) = protoutil::envelope_from_block_data(bytes) else {
        return;
    };
    let _ = SignedData::from_envelope(&envelope);
    let Ok(payload) = protoutil::payload(&envelope) else {
        return;
    };
    let _ = protoutil::channel_header(&payload);
    let _ = protoutil::signature_header(&payload);
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn fuzz_block_parsing(bytes in mutated(read("ledger/mychannel/committed/mychannel_4.block"))) {
        bounded("block", || walk_block(&bytes));
    }

    #[test]
    fn fuzz_config_block_parsing(bytes in mutated(read("network/artifacts/genesis.block"))) {
        bounded("config block", || walk_block(&bytes));
    }

    #[test]
    fn fuzz_envelope_parsing(bytes in mutated(read("network/artifacts/mychannel.tx"))) {
        bounded("envelope", || walk_envelope(&bytes));
    }
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn fuzz_proposal_validation(bytes in mutated(signed_proposal())) {
        let f = fixture();
        bounded("proposal", || {
            if let Ok(signed) = SignedProposal::decode(bytes.as_slice()) {
                let de: &dyn IdentityDeserializer = f.manager.as_ref();
                let _ = validate_proposal_message(&signed, Some(de));
                let _ = validate_proposal_message(&signed, None);
            }
        });
    }

    #[test]
    fn fuzz_proposal_bytes(bytes in mutated(SignedProposal::decode(signed_proposal().as_slice()).unwrap().proposal_bytes)) {
        let f = fixture();
        let signed = SignedProposal { proposal_bytes: bytes, signature: vec![0x30, 0x06, 2, 1, 1, 2, 1, 1] };
        bounded("proposal bytes", || {
            let de: &dyn IdentityDeserializer = f.manager.as_ref();
            prop_assert!(validate_proposal_message(&signed, Some(de)).is_err());
            Ok(())
        })?;
    }

    #[test]
    fn fuzz_config_update_validation(bytes in mutated(read("network/artifacts/Org1MSPanchors.tx"))) {
        let f = fixture();
        bounded("config update", || {
            if let Ok(envelope) = Envelope::decode(bytes.as_slice()) {
                let _ = f.bundle.validator().propose_config_update(&envelope);
            }
        });
    }

    #[test]
    fn fuzz_channel_config(bytes in mutated(genesis_config_envelope().encode_to_vec())) {
        bounded("channel config", || {
            if let Ok(envelope) = Envelope::decode(bytes.as_slice()) {
                let _ = Bundle::from_config_envelope(&envelope);
            }
        });
    }

    #[test]
    fn fuzz_config_envelope(data in mutated(payload_data(&genesis_config_envelope()))) {
        let envelope = with_payload_data(&genesis_config_envelope(), data);
        bounded("config envelope", || {
            let _ = Bundle::from_config_envelope(&envelope);
        });
    }

    #[test]
    fn fuzz_config_update_envelope(data in mutated(payload_data(&anchors_update()))) {
        let f = fixture();
        let envelope = with_payload_data(&anchors_update(), data);
        bounded("config update envelope", || {
            let _ = f.bundle.validator().propose_config_update(&envelope);
        });
    }

    #[test]
    fn fuzz_identity_deserialization(bytes in mutated(fixture().signer.serialize())) {
        let f = fixture();
        bounded("identity", || {
            let _ = f.manager.deserialize_identity(&bytes).map(|id| id.validate());
            if let Ok(id) = f.msp.deserialize_identity_bytes(&bytes) {
                let _ = f.msp.validate(&id);
            }
        });
    }

    #[test]
    fn fuzz_identity_pem(bytes in mutated(f_pem())) {
        let f = fixture();
        bounded("identity pem", || {
            if let Ok(id) = f.msp.deserialize_identity_bytes(&bytes) {
                let _ = f.msp.validate(&id);
            }
        });
    }
}

fn f_pem() -> Vec<u8> {
    fabric::protos::msp::SerializedIdentity::decode(fixture().signer.serialize().as_slice())
        .expect("serialized identity")
        .id_bytes
}

const POLICIES: &[&str] = &[
    "OR('Org1MSP.member', 'Org2MSP.member')",
    "AND('Org1MSP.peer', OutOf(2, 'Org2MSP.admin', 'Org3MSP.client', 'Org1MSP.member'))",
    "OutOf(1, AND('A.member', 'B.member'), OR('C.peer', 'D.admin'))",
];

fn policy_text() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => (prop::sample::select(POLICIES), prop::collection::vec((any::<usize>(), any::<char>(), any::<bool>()), 1..6))
            .prop_map(|(seed, edits)| {
                let mut chars: Vec<char> = seed.chars().collect();
                for (pos, c, insert) in edits {
                    let i = pos % (chars.len() + 1);
                    match (insert, i < chars.len()) {
                        (true, _) => chars.insert(i, c),
                        (false, true) => chars[i] = c,
                        (false, false) => chars.push(c),
                    }
                }
                chars.into_iter().collect()
            }),
        1 => "[A-Za-z()',.0-9 ]{0,200}",
        1 => (1usize..200).prop_map(|depth| format!("{}'A.member'{}", "OR(".repeat(depth), ")".repeat(depth))),
        1 => (0usize..400, 0i64..i64::MAX).prop_map(|(n, k)| {
            let members = vec!["'A.member'"; n].join(", ");
            format!("OutOf({k}, {members})")
        }),
    ]
}

fn policy_envelope_bytes() -> Vec<u8> {
    from_string(POLICIES[1]).expect("policy").encode_to_vec()
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn fuzz_policy_parser(text in policy_text()) {
        bounded("policy text", || {
            if let Ok(envelope) = from_string(&text) {
                let _ = inquire::satisfied_by(&envelope);
            }
        });
    }

    #[test]
    fn fuzz_signature_policy_envelope(bytes in mutated(policy_envelope_bytes())) {
        let f = fixture();
        bounded("signature policy", || {
            let de: Arc<dyn IdentityDeserializer> = f.manager.clone();
            if let Ok(policy) = SignaturePolicyEvaluator::from_bytes(&bytes, de) {
                let signed = SignedData { data: b"x".to_vec(), identity: f.signer.serialize(), signature: vec![1] };
                let _ = policy.evaluate(&[signed.clone(), signed]);
            }
            if let Ok(envelope) = SignaturePolicyEnvelope::decode(bytes.as_slice()) {
                let _ = inquire::satisfied_by(&envelope);
            }
        });
    }
}

fn admin_seed() -> Vec<u8> {
    use fabric::protos::peer::{admin_operation, AdminOperation, LogLevelRequest};
    let op = AdminOperation {
        content: Some(admin_operation::Content::LogReq(LogLevelRequest {
            log_module: "gossip".into(),
            log_level: "debug".into(),
        })),
    };
    let signer = fixture().signer.as_ref();
    protoutil::create_signed_envelope(
        HeaderType::PeerAdminOperation,
        "",
        Some(signer),
        &op,
        0,
        0,
        vec![],
    )
    .expect("admin envelope")
    .encode_to_vec()
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn fuzz_admin_request(bytes in mutated(admin_seed())) {
        bounded("admin request", || {
            if let Ok(envelope) = Envelope::decode(bytes.as_slice()) {
                let _ = fabric::node::admin::validate_structure(&envelope, "fuzz", std::time::SystemTime::now());
            }
        });
    }
}

fn gossip_seed() -> Vec<u8> {
    let f = fixture();
    let message = GossipMessage {
        tag: gossip_message::Tag::Empty as i32,
        content: Some(gossip_message::Content::AliveMsg(gossip::AliveMessage {
            membership: Some(gossip::Member {
                endpoint: "127.0.0.1:7051".into(),
                metadata: vec![],
                pki_id: vec![7; 32],
            }),
            timestamp: Some(gossip::PeerTime {
                inc_num: 1,
                seq_num: 2,
            }),
            identity: f.signer.serialize(),
        })),
        ..GossipMessage::default()
    };
    let mut signed = SignedGossipMessage::unsigned(message);
    signed
        .sign(|payload: &[u8]| f.signer.sign(payload))
        .expect("sign gossip");
    signed.envelope.expect("envelope").encode_to_vec()
}

/// An accept-everything support: what matters here is the request parsing and the
/// endorsement computation over a hostile policy, not access control.
struct OpenSupport {
    policy: Vec<u8>,
}

impl MembershipSource for OpenSupport {
    fn channel_exists(&self, _: &str) -> bool {
        true
    }
    fn peers_of_channel(&self, _: &str) -> Vec<NetworkMember> {
        Vec::new()
    }
    fn peers(&self) -> Vec<NetworkMember> {
        Vec::new()
    }
    fn identity_info(&self) -> Vec<PeerIdentityInfo> {
        Vec::new()
    }
}

impl Support for OpenSupport {
    fn eligible_for_service(&self, _: &str, _: &SignedData) -> Result<(), SupportError> {
        Ok(())
    }
    fn config_sequence(&self, _: &str) -> u64 {
        1
    }
    fn config(&self, channel: &str) -> Result<ConfigResult, SupportError> {
        Err(SupportError::NoChannel(channel.into()))
    }
    fn satisfies_principal(&self, _: &str, _: &[u8], _: &MspPrincipal) -> Result<(), SupportError> {
        Ok(())
    }
    fn chaincode_metadata(&self, _: &str, cc: &str, _: bool) -> Option<ChaincodeMetadata> {
        Some(ChaincodeMetadata {
            name: cc.into(),
            version: "1.0".into(),
            policy: self.policy.clone(),
            ..Default::default()
        })
    }
}

fn discovery_seed() -> Vec<u8> {
    use fabric::protos::discovery::{
        query, AuthInfo, ChaincodeCall, ChaincodeInterest, ChaincodeQuery, Query, Request,
    };
    let f = fixture();
    let queries = vec![
        Query {
            channel: "mychannel".into(),
            query: Some(query::Query::CcQuery(ChaincodeQuery {
                interests: vec![ChaincodeInterest {
                    chaincodes: vec![ChaincodeCall {
                        name: "mycc".into(),
                        collection_names: vec!["c".into()],
                    }],
                }],
            })),
        },
        Query {
            channel: "mychannel".into(),
            query: Some(query::Query::PeerQuery(Default::default())),
        },
        Query {
            channel: "mychannel".into(),
            query: Some(query::Query::ConfigQuery(Default::default())),
        },
        Query {
            channel: String::new(),
            query: Some(query::Query::LocalPeers(Default::default())),
        },
    ];
    let payload = Request {
        authentication: Some(AuthInfo {
            client_identity: f.signer.serialize(),
            client_tls_cert_hash: vec![],
        }),
        queries,
    }
    .encode_to_vec();
    let signature = f.signer.sign(&payload).expect("sign");
    SignedRequest { payload, signature }.encode_to_vec()
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn fuzz_gossip_message(bytes in mutated(gossip_seed())) {
        let f = fixture();
        bounded("gossip message", || {
            let Ok(envelope) = gossip::Envelope::decode(bytes.as_slice()) else { return };
            let Ok(signed) = SignedGossipMessage::from_envelope(envelope) else { return };
            let _ = signed.message.is_tag_legal();
            let _ = format!("{signed} {}", MessageSummary(&signed.message));
            if let Some(gossip_message::Content::AliveMsg(alive)) = &signed.message.content {
                let _ = signed.verify(&alive.identity, |identity: &[u8], sig: &[u8], msg: &[u8]| {
                    f.manager.deserialize_identity(identity).and_then(|id| id.verify(msg, sig))
                });
            }
        });
    }

    #[test]
    fn fuzz_discovery_request(bytes in mutated(discovery_seed()), policy in mutated(policy_envelope_bytes())) {
        let service = DiscoveryService::new(
            ServiceConfig { tls: false, auth_cache: Default::default() },
            Arc::new(OpenSupport { policy }),
        );
        bounded("discovery request", || {
            if let Ok(request) = SignedRequest::decode(bytes.as_slice()) {
                let _ = service.discover(&request, None, "fuzz");
            }
        });
    }
}

/// The seeds are valid, so the mutations start from bytes that reach the deepest checks.
#[test]
fn seeds_pass_the_checks_they_are_mutated_against() {
    let f = fixture();
    let signed = SignedProposal::decode(signed_proposal().as_slice()).unwrap();
    let de: &dyn IdentityDeserializer = f.manager.as_ref();
    validate_proposal_message(&signed, Some(de)).expect("the seed proposal is valid");

    let envelope = gossip::Envelope::decode(gossip_seed().as_slice()).unwrap();
    let signed = SignedGossipMessage::from_envelope(envelope).unwrap();
    signed.message.is_tag_legal().expect("legal tag");
    signed
        .verify(
            &f.signer.serialize(),
            |identity: &[u8], sig: &[u8], msg: &[u8]| {
                f.manager
                    .deserialize_identity(identity)
                    .and_then(|id| id.verify(msg, sig))
            },
        )
        .expect("the seed gossip message verifies");

    let service = DiscoveryService::new(
        ServiceConfig {
            tls: false,
            auth_cache: Default::default(),
        },
        Arc::new(OpenSupport {
            policy: policy_envelope_bytes(),
        }),
    );
    let request = SignedRequest::decode(discovery_seed().as_slice()).unwrap();
    let response = service
        .discover(&request, None, "seed")
        .expect("the seed request is served");
    assert_eq!(response.results.len(), 4);

    let policy = SignaturePolicyEvaluator::from_bytes(&policy_envelope_bytes(), f.manager.clone());
    assert!(policy.is_ok());
    assert!(!inquire::satisfied_by(&from_string(POLICIES[1]).unwrap()).is_empty());
    f.msp
        .validate(&f.msp.deserialize_identity_bytes(&f_pem()).unwrap())
        .expect("the seed identity is valid");
    let admin = Envelope::decode(admin_seed().as_slice()).unwrap();
    fabric::node::admin::validate_structure(&admin, "seed", std::time::SystemTime::now())
        .expect("the seed admin request is well formed");
    f.bundle
        .validator()
        .propose_config_update(&anchors_update())
        .expect_err("an unsigned anchor peer update is refused by the Admins policy");
}
