//! Hostile inputs against the real `peer node start` on loopback (issue 13, part 3; the
//! catalog is HOSTILE_INPUTS.md): the Admin service, the ChaincodeSupport listener and the
//! Discovery service get garbage, wrong header types, missing fields and streams left
//! open; each gets Fabric's status and text, and the same peer then serves a good request.

use crate::support;

use support::network::Network;
use support::orderer::msp_signer;

use std::time::Duration;

use fabric::msp::SigningIdentity;
use fabric::protos::common::{Envelope, HeaderType};
use fabric::protos::discovery::discovery_client::DiscoveryClient;
use fabric::protos::discovery::{query, AuthInfo, LocalPeerQuery, Query, Request, SignedRequest};
use fabric::protos::peer::admin_client::AdminClient;
use fabric::protos::peer::chaincode_message::Type as CcType;
use fabric::protos::peer::chaincode_support_client::ChaincodeSupportClient;
use fabric::protos::peer::{AdminOperation, ChaincodeMessage};
use fabric::protoutil::create_signed_envelope;
use prost::Message;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::Channel;

fn sample_admin() -> std::sync::Arc<dyn SigningIdentity> {
    msp_signer(
        &support::network::repo_sampleconfig().join("msp"),
        "SampleOrg",
    )
}

fn admin_request(signer: &dyn SigningIdentity, kind: HeaderType) -> Envelope {
    create_signed_envelope(
        kind,
        "",
        Some(signer),
        &AdminOperation::default(),
        0,
        0,
        vec![],
    )
    .unwrap()
}

async fn channel(addr: String) -> Channel {
    tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap()
}

async fn get_status(c: &mut AdminClient<Channel>, env: Envelope) -> Result<i32, tonic::Status> {
    c.get_status(env).await.map(|r| r.into_inner().status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_admin_chaincode_and_discovery_requests_get_fabrics_answers() {
    let net = Network::new();
    let _peer = net.start_peer();
    let admin = sample_admin();
    let admin = admin.as_ref();
    let mut a = AdminClient::new(channel(net.peer_address()).await);
    let started = get_status(&mut a, admin_request(admin, HeaderType::PeerAdminOperation))
        .await
        .expect("the admin's GetStatus is served");

    // Admin: garbage, no header, the wrong header type, an unsigned request.
    let e = get_status(
        &mut a,
        Envelope {
            payload: vec![0xff; 9],
            signature: vec![],
        },
    )
    .await
    .unwrap_err();
    assert!(e.message().starts_with("bad request: "), "{}", e.message());
    let no_header = Envelope {
        payload: fabric::protos::common::Payload::default().encode_to_vec(),
        signature: vec![1],
    };
    let e = get_status(&mut a, no_header).await.unwrap_err();
    assert_eq!(e.message(), "bad request: envelope must have a Header");
    let e = get_status(
        &mut a,
        admin_request(admin, HeaderType::EndorserTransaction),
    )
    .await
    .unwrap_err();
    assert_eq!(
        e.message(),
        "bad request: invalid type ENDORSER_TRANSACTION, expected PEER_ADMIN_OPERATION"
    );
    let mut unsigned = admin_request(admin, HeaderType::PeerAdminOperation);
    unsigned.signature = vec![0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01];
    let e = get_status(&mut a, unsigned).await.unwrap_err();
    assert_eq!(e.message(), "access denied");
    let again = get_status(&mut a, admin_request(admin, HeaderType::PeerAdminOperation)).await;
    assert_eq!(again.unwrap(), started);

    // ChaincodeSupport: a first message that is not REGISTER (KEEPALIVEs are skipped, as
    // Fabric's ProcessStream skips them), a REGISTER whose payload is
    // garbage, and a stream opened and never written to, held while the others are served.
    let mut cc = ChaincodeSupportClient::new(channel(net.chaincode_address()).await);
    let (_held_tx, held_rx) = tokio::sync::mpsc::channel::<ChaincodeMessage>(1);
    let _held = cc.register(ReceiverStream::new(held_rx)).await.unwrap();
    let first = |kind: CcType, payload: Vec<u8>| ChaincodeMessage {
        r#type: kind as i32,
        payload,
        ..Default::default()
    };
    let not_register = vec![
        first(CcType::Keepalive, vec![]),
        first(CcType::GetState, vec![0xff; 16]),
    ];
    let status = chaincode_answer(&mut cc, not_register).await;
    assert!(
        status.message().ends_with(
            "Fabric side handler cannot handle message (GET_STATE) while in created state"
        ),
        "{}",
        status.message()
    );
    let status = chaincode_answer(
        &mut cc,
        vec![first(CcType::Register, vec![0x0a, 0xff, 0xff])],
    )
    .await;
    assert!(
        status
            .message()
            .starts_with("could not unmarshal the REGISTER chaincode id"),
        "{}",
        status.message()
    );

    // Discovery: garbage, no authentication, no identity; then a good local query.
    let mut d = DiscoveryClient::new(channel(net.peer_address()).await);
    let signed = |req: Option<Request>, payload: Option<Vec<u8>>| {
        let payload = payload.unwrap_or_else(|| req.unwrap().encode_to_vec());
        let signature = admin.sign(&payload).unwrap();
        SignedRequest { payload, signature }
    };
    let local = Query {
        channel: String::new(),
        query: Some(query::Query::LocalPeers(LocalPeerQuery {})),
    };
    let e = d
        .discover(signed(None, Some(vec![0x12, 0xff])))
        .await
        .unwrap_err();
    assert!(
        e.message().starts_with("failed parsing request: "),
        "{}",
        e.message()
    );
    let no_auth = Request {
        authentication: None,
        queries: vec![local.clone()],
    };
    let e = d.discover(signed(Some(no_auth), None)).await.unwrap_err();
    assert_eq!(
        e.message(),
        "access denied, no authentication info in request"
    );
    let no_identity = Request {
        authentication: Some(AuthInfo::default()),
        queries: vec![local.clone()],
    };
    let e = d
        .discover(signed(Some(no_identity), None))
        .await
        .unwrap_err();
    assert_eq!(
        e.message(),
        "access denied, client identity wasn't supplied"
    );
    let good = Request {
        authentication: Some(AuthInfo {
            client_identity: admin.serialize(),
            client_tls_cert_hash: vec![],
        }),
        queries: vec![local],
    };
    let answer = d
        .discover(signed(Some(good), None))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.results.len(), 1);

    let last = get_status(&mut a, admin_request(admin, HeaderType::PeerAdminOperation)).await;
    assert_eq!(last.unwrap(), started, "the peer still serves its admin");
}

/// Opens a chaincode stream, sends `messages`, and returns the status that ends it.
async fn chaincode_answer(
    cc: &mut ChaincodeSupportClient<Channel>,
    messages: Vec<ChaincodeMessage>,
) -> tonic::Status {
    let mut stream = match cc.register(tokio_stream::iter(messages)).await {
        Ok(s) => s.into_inner(),
        Err(status) => return status,
    };
    loop {
        let next = tokio::time::timeout(Duration::from_secs(20), stream.message())
            .await
            .expect("the peer answered in time");
        match next {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the stream ended without a status"),
            Err(status) => return status,
        }
    }
}
