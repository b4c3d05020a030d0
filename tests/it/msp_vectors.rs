//! The X.509 MSP against the MSP trees Fabric v1.4.12's cryptogen produced
//! (tests/vectors/network/crypto-config) and the genesis block configtxgen built from them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use fabric::crypto::SwOpts;
use fabric::msp::cert::Certificate;
use fabric::msp::config::{get_verifying_msp_config, CRLS};
use fabric::msp::{
    load_local_msp, Identity, IdentityDeserializer, MspError, MspManager, MspVersion, X509Msp,
};
use fabric::protos::common::{msp_role::MspRoleType, Block, ConfigEnvelope, Envelope, Payload};
use fabric::protos::msp::SerializedIdentity;
use fabric::protos::protos::{ChaincodeActionPayload, Transaction};
use prost::Message;

use crate::support;

use support::{copy_dir, role_principal as role, vectors_dir as vectors};

fn crypto_config(v: &Path) -> PathBuf {
    v.join("network/crypto-config")
}

fn org_dir(v: &Path, org: &str) -> PathBuf {
    crypto_config(v).join(format!("peerOrganizations/{org}.example.com"))
}

fn orderer_org_dir(v: &Path) -> PathBuf {
    crypto_config(v).join("ordererOrganizations/example.com")
}

fn channel_msp(dir: &Path, id: &str) -> X509Msp {
    let conf = get_verifying_msp_config(dir, id).unwrap();
    X509Msp::new(&conf, MspVersion::V1_4_3, None).unwrap()
}

fn channel_manager(v: &Path) -> MspManager {
    MspManager::new([
        channel_msp(&org_dir(v, "org1").join("msp"), "Org1MSP"),
        channel_msp(&org_dir(v, "org2").join("msp"), "Org2MSP"),
        channel_msp(&orderer_org_dir(v).join("msp"), "OrdererMSP"),
    ])
}

/// (local MSP folder, MSP id) of every signing identity cryptogen made.
fn local_msps(v: &Path) -> Vec<(PathBuf, &'static str)> {
    let mut out = Vec::new();
    for (org, id) in [("org1", "Org1MSP"), ("org2", "Org2MSP")] {
        let base = org_dir(v, org);
        for node in [
            format!("peers/peer0.{org}.example.com"),
            format!("peers/peer1.{org}.example.com"),
            format!("users/Admin@{org}.example.com"),
            format!("users/User1@{org}.example.com"),
        ] {
            out.push((base.join(node).join("msp"), id));
        }
    }
    let o = orderer_org_dir(v);
    out.push((o.join("orderers/orderer.example.com/msp"), "OrdererMSP"));
    out.push((o.join("users/Admin@example.com/msp"), "OrdererMSP"));
    out
}

fn local_identity(v: &Path, rel: &str, id: &str) -> Arc<dyn Identity> {
    let msp = load_local_msp(&v.join(rel), id, &SwOpts::default()).unwrap();
    let si = msp.default_signing_identity().unwrap();
    channel_manager(v)
        .deserialize_identity(&si.serialize())
        .unwrap()
}

fn config_group_msp_bytes(block: &Block, path: &[&str]) -> Vec<u8> {
    let env = Envelope::decode(block.data.as_ref().unwrap().data[0].as_slice()).unwrap();
    let payload = Payload::decode(env.payload.as_slice()).unwrap();
    let cfg = ConfigEnvelope::decode(payload.data.as_slice()).unwrap();
    let mut group = cfg.config.unwrap().channel_group.unwrap();
    for name in path {
        group = group.groups.remove(*name).unwrap();
    }
    group.values.remove("MSP").unwrap().value
}

#[test]
fn verifying_msp_configs_match_the_genesis_block() {
    let v = vectors();
    let raw = std::fs::read(v.join("network/artifacts/genesis.block")).unwrap();
    let block = Block::decode(raw.as_slice()).unwrap();
    for (org, id) in [("org1", "Org1MSP"), ("org2", "Org2MSP")] {
        let ours = get_verifying_msp_config(&org_dir(&v, org).join("msp"), id).unwrap();
        let fabric = config_group_msp_bytes(&block, &["Consortiums", "SampleConsortium", id]);
        assert_eq!(
            ours.encode_to_vec(),
            fabric,
            "{id} MSPConfig differs from Fabric's"
        );
    }
    let ours = get_verifying_msp_config(&orderer_org_dir(&v).join("msp"), "OrdererMSP").unwrap();
    let fabric = config_group_msp_bytes(&block, &["Orderer", "OrdererOrg"]);
    assert_eq!(
        ours.encode_to_vec(),
        fabric,
        "OrdererMSP MSPConfig differs from Fabric's"
    );
}

#[test]
fn every_signing_identity_loads_validates_and_round_trips_signatures() {
    let v = vectors();
    let manager = channel_manager(&v);
    let locals = local_msps(&v);
    assert_eq!(locals.len(), 10);
    for (dir, id) in locals {
        let msp = load_local_msp(&dir, id, &SwOpts::default())
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let signer = msp.default_signing_identity().unwrap();
        signer
            .validate()
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let public = manager.deserialize_identity(&signer.serialize()).unwrap();
        public
            .validate()
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        assert_eq!(public.identifier(), signer.identifier());
        assert_eq!(public.msp_identifier(), id);
        let msg = format!("message signed by {}", dir.display());
        let sig = signer.sign(msg.as_bytes()).unwrap();
        public.verify(msg.as_bytes(), &sig).unwrap();
        assert!(public.verify(b"another message", &sig).is_err());
        assert!(public
            .satisfies_principal(&role(id, MspRoleType::Member))
            .is_ok());
        // Identity ids are the hex SHA-256 of the certificate, as Fabric computes them.
        let pem_cert = SerializedIdentity::decode(public.serialize().as_slice())
            .unwrap()
            .id_bytes;
        let der = Certificate::from_pem(&pem_cert).unwrap();
        assert_eq!(
            public.identifier().id,
            hex::encode(fabric::crypto::sha256(der.der()))
        );
    }
}

#[test]
fn roles_follow_node_ous_and_admincerts() {
    let v = vectors();
    let peer0 = local_identity(
        &v,
        "network/crypto-config/peerOrganizations/org1.example.com/peers/peer0.org1.example.com/msp",
        "Org1MSP",
    );
    assert!(peer0
        .satisfies_principal(&role("Org1MSP", MspRoleType::Peer))
        .is_ok());
    assert!(peer0
        .satisfies_principal(&role("Org1MSP", MspRoleType::Member))
        .is_ok());
    assert!(peer0
        .satisfies_principal(&role("Org1MSP", MspRoleType::Admin))
        .is_err());
    assert!(peer0
        .satisfies_principal(&role("Org1MSP", MspRoleType::Client))
        .is_err());
    let err = peer0
        .satisfies_principal(&role("Org2MSP", MspRoleType::Member))
        .unwrap_err();
    assert!(err.to_string().contains("different MSP"), "{err}");

    let admin = local_identity(
        &v,
        "network/crypto-config/peerOrganizations/org1.example.com/users/Admin@org1.example.com/msp",
        "Org1MSP",
    );
    assert!(admin
        .satisfies_principal(&role("Org1MSP", MspRoleType::Admin))
        .is_ok());
    assert!(admin
        .satisfies_principal(&role("Org1MSP", MspRoleType::Peer))
        .is_err());

    let user = local_identity(
        &v,
        "network/crypto-config/peerOrganizations/org1.example.com/users/User1@org1.example.com/msp",
        "Org1MSP",
    );
    assert!(user
        .satisfies_principal(&role("Org1MSP", MspRoleType::Client))
        .is_ok());
    assert!(user
        .satisfies_principal(&role("Org1MSP", MspRoleType::Admin))
        .is_err());

    let org2_peer = local_identity(
        &v,
        "network/crypto-config/peerOrganizations/org2.example.com/peers/peer0.org2.example.com/msp",
        "Org2MSP",
    );
    for r in [MspRoleType::Member, MspRoleType::Peer, MspRoleType::Admin] {
        assert!(org2_peer.satisfies_principal(&role("Org1MSP", r)).is_err());
    }

    // The orderer org has no NodeOUs: admins are its admincerts.
    let ord_admin = local_identity(
        &v,
        "network/crypto-config/ordererOrganizations/example.com/users/Admin@example.com/msp",
        "OrdererMSP",
    );
    assert!(ord_admin
        .satisfies_principal(&role("OrdererMSP", MspRoleType::Admin))
        .is_ok());
    let orderer = local_identity(
        &v,
        "network/crypto-config/ordererOrganizations/example.com/orderers/orderer.example.com/msp",
        "OrdererMSP",
    );
    assert!(orderer
        .satisfies_principal(&role("OrdererMSP", MspRoleType::Admin))
        .is_err());
    assert!(orderer
        .satisfies_principal(&role("OrdererMSP", MspRoleType::Member))
        .is_ok());
}

#[test]
fn endorsements_in_a_fabric_block_deserialize_and_verify() {
    let v = vectors();
    let manager = channel_manager(&v);
    let raw = std::fs::read(v.join("ledger/mychannel/ordered/mychannel_4.block")).unwrap();
    let block = Block::decode(raw.as_slice()).unwrap();
    let env = Envelope::decode(block.data.unwrap().data[0].as_slice()).unwrap();
    let payload = Payload::decode(env.payload.as_slice()).unwrap();
    let tx = Transaction::decode(payload.data.as_slice()).unwrap();
    let cap = ChaincodeActionPayload::decode(tx.actions[0].payload.as_slice()).unwrap();
    let action = cap.action.unwrap();
    assert_eq!(action.endorsements.len(), 2);
    let peer0_org1 = load_local_msp(
        &org_dir(&v, "org1").join("peers/peer0.org1.example.com/msp"),
        "Org1MSP",
        &SwOpts::default(),
    )
    .unwrap();
    let mut seen_ours = false;
    for e in &action.endorsements {
        let id = manager.deserialize_identity(&e.endorser).unwrap();
        id.validate().unwrap();
        assert!(id
            .satisfies_principal(&role(id.msp_identifier(), MspRoleType::Peer))
            .is_ok());
        let signed = [
            action.proposal_response_payload.as_slice(),
            e.endorser.as_slice(),
        ]
        .concat();
        id.verify(&signed, &e.signature).unwrap();
        // Our serialization of the same peer is byte-identical to what Fabric put on chain.
        let ours = peer0_org1.default_signing_identity().unwrap().serialize();
        seen_ours |= ours == e.endorser;
    }
    assert!(
        seen_ours,
        "peer0.org1's serialized identity differs from Fabric's endorser bytes"
    );
}

#[test]
fn foreign_unknown_and_malformed_identities_are_rejected() {
    let v = vectors();
    let manager = channel_manager(&v);

    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "ca.org1.example.com");
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut leaf = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    leaf.distinguished_name
        .push(rcgen::DnType::OrganizationalUnitName, "client");
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let issuer = rcgen::Issuer::from_params(&ca_params, &ca_key);
    let foreign = leaf.signed_by(&leaf_key, &issuer).unwrap();
    let sid = SerializedIdentity {
        mspid: "Org1MSP".into(),
        id_bytes: foreign.pem().into_bytes(),
    };
    let err = manager
        .deserialize_identity(&sid.encode_to_vec())
        .unwrap_err();
    assert!(err.to_string().contains("unknown authority"), "{err}");

    let peer = std::fs::read(
        org_dir(&v, "org1")
            .join("peers/peer0.org1.example.com/msp/signcerts/peer0.org1.example.com-cert.pem"),
    )
    .unwrap();
    let sid = SerializedIdentity {
        mspid: "NoSuchMSP".into(),
        id_bytes: peer.clone(),
    };
    let err = manager
        .deserialize_identity(&sid.encode_to_vec())
        .unwrap_err();
    assert!(
        matches!(err, MspError::UnknownMsp(ref m) if m == "NoSuchMSP"),
        "{err}"
    );

    let err = manager
        .deserialize_identity(b"\xff\xff\xff\xff")
        .unwrap_err();
    assert!(matches!(err, MspError::MalformedIdentity(_)), "{err}");
    let sid = SerializedIdentity {
        mspid: "Org1MSP".into(),
        id_bytes: b"not a pem".to_vec(),
    };
    let err = manager
        .deserialize_identity(&sid.encode_to_vec())
        .unwrap_err();
    assert!(matches!(err, MspError::MalformedIdentity(_)), "{err}");

    // A single MSP refuses identities of another MSP id.
    let org2 = manager.msp("Org2MSP").unwrap();
    let sid = SerializedIdentity {
        mspid: "Org1MSP".into(),
        id_bytes: peer,
    };
    let err = org2.deserialize_identity(&sid.encode_to_vec()).unwrap_err();
    assert!(matches!(err, MspError::WrongMsp { .. }), "{err}");
}

#[test]
fn revoked_certificate_fails_validation() {
    let v = vectors();
    let org1 = org_dir(&v, "org1");
    let ca_pem = std::fs::read_to_string(org1.join("ca/ca.org1.example.com-cert.pem")).unwrap();
    let ca_cert = Certificate::from_pem(ca_pem.as_bytes()).unwrap();
    let ski = ca_cert.subject_key_id.clone().unwrap();
    let key_file = std::fs::read_dir(org1.join("ca"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with("_sk"))
        .unwrap();
    let ca_key = rcgen::KeyPair::from_pem(&std::fs::read_to_string(key_file).unwrap()).unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "ca.org1.example.com");
    ca_params.key_identifier_method = rcgen::KeyIdMethod::PreSpecified(ski.clone());
    let issuer = rcgen::Issuer::from_params(&ca_params, &ca_key);

    let mut leaf = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    leaf.distinguished_name
        .push(rcgen::DnType::CommonName, "revoked@org1.example.com");
    leaf.distinguished_name
        .push(rcgen::DnType::OrganizationalUnitName, "client");
    leaf.serial_number = Some(rcgen::SerialNumber::from(vec![0x0a, 0xbc, 0xde]));
    leaf.use_authority_key_identifier_extension = true;
    // Fabric checks the chain at the leaf's notBefore + 1s: issue it inside the CA's window.
    leaf.not_before = time::OffsetDateTime::from_unix_timestamp(ca_cert.not_before + 60).unwrap();
    leaf.not_after = time::OffsetDateTime::now_utc() + time::Duration::days(30);
    let leaf = leaf
        .signed_by(&rcgen::KeyPair::generate().unwrap(), &issuer)
        .unwrap();
    let sid = SerializedIdentity {
        mspid: "Org1MSP".into(),
        id_bytes: leaf.pem().into_bytes(),
    }
    .encode_to_vec();

    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&org1.join("msp"), tmp.path());
    let before = channel_msp(tmp.path(), "Org1MSP");
    before
        .deserialize_identity(&sid)
        .unwrap()
        .validate()
        .unwrap();

    let now = time::OffsetDateTime::now_utc();
    let crl = rcgen::CertificateRevocationListParams {
        this_update: now - time::Duration::hours(1),
        next_update: now + time::Duration::days(1),
        crl_number: rcgen::SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs: vec![rcgen::RevokedCertParams {
            serial_number: rcgen::SerialNumber::from(vec![0x0a, 0xbc, 0xde]),
            revocation_time: now - time::Duration::minutes(5),
            reason_code: None,
            invalidity_date: None,
        }],
        key_identifier_method: rcgen::KeyIdMethod::PreSpecified(ski),
    }
    .signed_by(&issuer)
    .unwrap();
    std::fs::create_dir_all(tmp.path().join(CRLS)).unwrap();
    std::fs::write(tmp.path().join(CRLS).join("crl.pem"), crl.pem().unwrap()).unwrap();
    let after = channel_msp(tmp.path(), "Org1MSP");
    let err = after
        .deserialize_identity(&sid)
        .unwrap()
        .validate()
        .unwrap_err();
    assert!(err.to_string().contains("revoked"), "{err}");
    // Identities the CRL does not list stay valid.
    let user = std::fs::read(
        org1.join("users/User1@org1.example.com/msp/signcerts/User1@org1.example.com-cert.pem"),
    )
    .unwrap();
    let sid = SerializedIdentity {
        mspid: "Org1MSP".into(),
        id_bytes: user,
    }
    .encode_to_vec();
    after
        .deserialize_identity(&sid)
        .unwrap()
        .validate()
        .unwrap();
}

#[test]
fn ou_identifiers_reject_identities_without_a_listed_ou() {
    let v = vectors();
    let org1 = org_dir(&v, "org1");
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&org1.join("msp"), tmp.path());
    let mut yaml = std::fs::read_to_string(tmp.path().join("config.yaml")).unwrap();
    yaml.push_str("OrganizationalUnitIdentifiers:\n  - Certificate: cacerts/ca.org1.example.com-cert.pem\n    OrganizationalUnitIdentifier: client\n");
    std::fs::write(tmp.path().join("config.yaml"), yaml).unwrap();
    let msp = channel_msp(tmp.path(), "Org1MSP");
    let read = |rel: &str| std::fs::read(org1.join(rel)).unwrap();
    let sid = |pem: Vec<u8>| {
        SerializedIdentity {
            mspid: "Org1MSP".into(),
            id_bytes: pem,
        }
        .encode_to_vec()
    };
    let user = msp
        .deserialize_identity(&sid(read(
            "users/User1@org1.example.com/msp/signcerts/User1@org1.example.com-cert.pem",
        )))
        .unwrap();
    user.validate().unwrap();
    let peer = msp
        .deserialize_identity(&sid(read(
            "peers/peer0.org1.example.com/msp/signcerts/peer0.org1.example.com-cert.pem",
        )))
        .unwrap();
    let err = peer.validate().unwrap_err();
    assert!(
        err.to_string()
            .contains("none of the identity's organizational units"),
        "{err}"
    );
}

#[test]
fn garbage_signcert_gives_a_clear_error() {
    let v = vectors();
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(
        &org_dir(&v, "org1").join("peers/peer0.org1.example.com/msp"),
        tmp.path(),
    );
    let signcert = tmp.path().join("signcerts/peer0.org1.example.com-cert.pem");
    std::fs::write(&signcert, b"this is not a certificate").unwrap();
    let err = load_local_msp(tmp.path(), "Org1MSP", &SwOpts::default()).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("signcerts") && msg.contains("peer0.org1.example.com-cert.pem"),
        "{msg}"
    );
    let err = load_local_msp(tmp.path(), "", &SwOpts::default()).unwrap_err();
    assert!(err.to_string().contains("localMspId"), "{err}");
}
