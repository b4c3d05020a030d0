//! The message flow against an in-process fake peer: registration, KEEPALIVE, requests and
//! answers, batched iterators, concurrent transactions, errors.

use std::sync::Arc;
use std::time::Duration;

use prost::Message;
use tokio::sync::mpsc;

use crate::handler::{chat, register_message, Handler};
use crate::proto::protos::chaincode_message::Type;
use crate::proto::protos::{
    ChaincodeInput, ChaincodeMessage, GetState, GetStateByRange, PutState, QueryMetadata,
    QueryResponse, QueryResponseMetadata, QueryResultBytes, QueryStateNext, Response,
};
use crate::proto::queryresult::Kv;
use crate::{Chaincode, ChaincodeStub, StreamError};

struct TestCc;

impl Chaincode for TestCc {
    fn init(&self, _stub: &mut ChaincodeStub) -> Response {
        crate::error("init refused")
    }

    fn invoke(&self, stub: &mut ChaincodeStub) -> Response {
        let (function, params) = stub.get_function_and_parameters();
        let result = match function.as_str() {
            "put" => stub
                .put_state(&params[0], params[1].clone().into_bytes())
                .map(|()| Vec::new()),
            "get" => stub.get_state(&params[0]),
            "range" => stub.get_state_by_range("a", "z").and_then(|it| {
                let keys: Result<Vec<String>, _> = it.map(|kv| kv.map(|kv| kv.key)).collect();
                keys.map(|k| k.join(",").into_bytes())
            }),
            "page" => stub
                .get_state_by_range_with_pagination("a", "z", 2, "")
                .map(|(_, m)| format!("{}:{}", m.fetched_records_count, m.bookmark).into_bytes()),
            "ep" => stub
                .set_state_validation_parameter(&params[0], b"policy".to_vec())
                .and_then(|()| stub.get_state_validation_parameter(&params[0])),
            _ => return crate::error("unknown"),
        };
        if let Err(e) = stub.set_event("done", function.into_bytes()) {
            return crate::error(e.to_string());
        }
        match result {
            Ok(payload) => crate::success(payload),
            Err(e) => crate::error(e.to_string()),
        }
    }
}

struct FakePeer {
    to_cc: mpsc::Sender<Result<ChaincodeMessage, tonic::Status>>,
    from_cc: mpsc::Receiver<ChaincodeMessage>,
    chat: tokio::task::JoinHandle<Result<(), StreamError>>,
}

impl FakePeer {
    async fn registered() -> FakePeer {
        let (tx, from_cc) = mpsc::channel(16);
        tx.send(register_message("testcc:1.0")).await.unwrap();
        let (to_cc, inbound) = mpsc::channel(16);
        let chat = tokio::spawn(chat(
            Arc::new(Handler::new(tx)),
            tokio_stream::wrappers::ReceiverStream::new(inbound),
            Arc::new(TestCc),
        ));
        let mut peer = FakePeer {
            to_cc,
            from_cc,
            chat,
        };
        let register = peer.recv().await;
        assert_eq!(register.r#type, Type::Register as i32);
        let id = crate::proto::protos::ChaincodeId::decode(register.payload.as_slice()).unwrap();
        assert_eq!(id.name, "testcc:1.0");
        peer.send(Type::Registered, "", Vec::new()).await;
        peer.send(Type::Ready, "", Vec::new()).await;
        peer
    }

    async fn send(&self, kind: Type, txid: &str, payload: Vec<u8>) {
        let msg = ChaincodeMessage {
            r#type: kind as i32,
            payload,
            txid: txid.into(),
            channel_id: "ch".into(),
            ..Default::default()
        };
        self.to_cc.send(Ok(msg)).await.unwrap();
    }

    async fn recv(&mut self) -> ChaincodeMessage {
        tokio::time::timeout(Duration::from_secs(10), self.from_cc.recv())
            .await
            .expect("the chaincode answers")
            .expect("the stream is open")
    }

    async fn transaction(&self, txid: &str, args: &[&str]) {
        let input = ChaincodeInput {
            args: args.iter().map(|a| a.as_bytes().to_vec()).collect(),
            ..Default::default()
        };
        self.send(Type::Transaction, txid, input.encode_to_vec())
            .await;
    }
}

fn completed(msg: &ChaincodeMessage) -> Response {
    assert_eq!(msg.r#type, Type::Completed as i32, "{msg:?}");
    Response::decode(msg.payload.as_slice()).unwrap()
}

fn kv_batch(keys: &[&str], has_more: bool, metadata: Vec<u8>) -> Vec<u8> {
    QueryResponse {
        results: keys
            .iter()
            .map(|k| QueryResultBytes {
                result_bytes: Kv {
                    namespace: "testcc".into(),
                    key: k.to_string(),
                    value: b"v".to_vec(),
                }
                .encode_to_vec(),
            })
            .collect(),
        has_more,
        id: "q1".into(),
        metadata,
    }
    .encode_to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keepalive_put_and_the_peer_error_text() {
    let mut peer = FakePeer::registered().await;
    peer.send(Type::Keepalive, "", Vec::new()).await;
    assert_eq!(peer.recv().await.r#type, Type::Keepalive as i32);

    peer.transaction("tx1", &["put", "k", "v"]).await;
    let put = peer.recv().await;
    assert_eq!(
        (put.r#type, put.txid.as_str()),
        (Type::PutState as i32, "tx1")
    );
    let q = PutState::decode(put.payload.as_slice()).unwrap();
    assert_eq!((q.key.as_str(), q.value.as_slice()), ("k", b"v".as_slice()));
    peer.send(Type::Response, "tx1", Vec::new()).await;
    let done = peer.recv().await;
    assert_eq!(completed(&done).status, 200);
    let event = done.chaincode_event.unwrap();
    assert_eq!(
        (event.event_name.as_str(), event.payload.as_slice()),
        ("done", b"put".as_slice())
    );

    peer.transaction("tx2", &["get", "k"]).await;
    assert_eq!(peer.recv().await.r#type, Type::GetState as i32);
    peer.send(Type::Error, "tx2", b"GET_STATE failed: boom".to_vec())
        .await;
    let r = completed(&peer.recv().await);
    assert_eq!(
        (r.status, r.message.as_str()),
        (500, "GET_STATE failed: boom")
    );

    // Init answering 500 is sent as ERROR with the message, as the Go shim does.
    peer.send(Type::Init, "tx3", ChaincodeInput::default().encode_to_vec())
        .await;
    let init = peer.recv().await;
    assert_eq!(
        (init.r#type, init.payload.as_slice()),
        (Type::Error as i32, b"init refused".as_slice())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iterators_fetch_the_next_batch_and_pagination_sends_metadata() {
    let mut peer = FakePeer::registered().await;
    peer.transaction("tx1", &["range"]).await;
    let range = peer.recv().await;
    let q = GetStateByRange::decode(range.payload.as_slice()).unwrap();
    assert_eq!((q.start_key.as_str(), q.end_key.as_str()), ("a", "z"));
    assert!(q.metadata.is_empty());
    peer.send(
        Type::Response,
        "tx1",
        kv_batch(&["a", "b"], true, Vec::new()),
    )
    .await;
    let next = peer.recv().await;
    assert_eq!(next.r#type, Type::QueryStateNext as i32);
    assert_eq!(
        QueryStateNext::decode(next.payload.as_slice()).unwrap().id,
        "q1"
    );
    peer.send(Type::Response, "tx1", kv_batch(&["c"], false, Vec::new()))
        .await;
    assert_eq!(completed(&peer.recv().await).payload, b"a,b,c");

    peer.transaction("tx2", &["page"]).await;
    let range = peer.recv().await;
    let q = GetStateByRange::decode(range.payload.as_slice()).unwrap();
    let m = QueryMetadata::decode(q.metadata.as_slice()).unwrap();
    assert_eq!((m.page_size, m.bookmark.as_str()), (2, ""));
    let meta = QueryResponseMetadata {
        fetched_records_count: 2,
        bookmark: "c".into(),
    };
    peer.send(
        Type::Response,
        "tx2",
        kv_batch(&["a", "b"], true, meta.encode_to_vec()),
    )
    .await;
    // The iterator is dropped unread while the peer holds more: it is closed there.
    let close = peer.recv().await;
    assert_eq!(close.r#type, Type::QueryStateClose as i32);
    peer.send(
        Type::Response,
        "tx2",
        QueryResponse::default().encode_to_vec(),
    )
    .await;
    assert_eq!(completed(&peer.recv().await).payload, b"2:c");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_transactions_get_their_own_answers() {
    let mut peer = FakePeer::registered().await;
    peer.transaction("t1", &["get", "x"]).await;
    peer.transaction("t2", &["get", "y"]).await;
    let mut asked = Vec::new();
    for _ in 0..2 {
        let m = peer.recv().await;
        asked.push((
            m.txid.clone(),
            GetState::decode(m.payload.as_slice()).unwrap().key,
        ));
    }
    asked.sort();
    assert_eq!(
        asked,
        vec![("t1".into(), "x".into()), ("t2".into(), "y".into())]
    );
    peer.send(Type::Response, "t2", b"Y".to_vec()).await;
    peer.send(Type::Response, "t1", b"X".to_vec()).await;
    let mut answers = Vec::new();
    for _ in 0..2 {
        let m = peer.recv().await;
        answers.push((m.txid.clone(), completed(&m).payload));
    }
    answers.sort();
    assert_eq!(
        answers,
        vec![("t1".into(), b"X".to_vec()), ("t2".into(), b"Y".to_vec())]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unexpected_message_is_answered_with_error_and_ends_the_stream() {
    let mut peer = FakePeer::registered().await;
    peer.send(Type::Registered, "tx9", vec![1, 2, 3]).await;
    let err = peer.recv().await;
    assert_eq!(err.r#type, Type::Error as i32);
    assert_eq!(
        String::from_utf8(err.payload).unwrap(),
        "[tx9] Chaincode handler cannot handle message (REGISTERED) with payload size (3) while in state: ready"
    );
    let end = peer.chat.await.unwrap().unwrap_err();
    assert!(matches!(end, StreamError::CannotHandle { .. }), "{end}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_nobody_waits_for_ends_the_stream() {
    let peer = FakePeer::registered().await;
    peer.send(Type::Response, "ghost", Vec::new()).await;
    let end = peer.chat.await.unwrap().unwrap_err();
    assert_eq!(
        end.to_string(),
        "error handling message: [ghost] sendChannel does not exist"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_sends_register_first_and_serves_the_peer_that_dials_it() {
    use crate::proto::protos::chaincode_client::ChaincodeClient;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let server = crate::ChaincodeServer {
        address: address.clone(),
        chaincode_id: "ccaas:1.0".into(),
        tls: None,
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.serve_on(listener, Arc::new(TestCc), async {
        let _ = stopped.await;
    }));

    let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let (to_cc, rx) = mpsc::channel(16);
    let mut from_cc = ChaincodeClient::new(channel)
        .connect(tokio_stream::wrappers::ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    let mut recv = async || {
        tokio::time::timeout(Duration::from_secs(10), from_cc.message())
            .await
            .expect("the chaincode answers")
            .unwrap()
            .expect("the stream is open")
    };
    let register = recv().await;
    assert_eq!(register.r#type, Type::Register as i32);
    let id = crate::proto::protos::ChaincodeId::decode(register.payload.as_slice()).unwrap();
    assert_eq!(id.name, "ccaas:1.0");
    let send = |kind: Type, txid: &str, payload: Vec<u8>| ChaincodeMessage {
        r#type: kind as i32,
        payload,
        txid: txid.into(),
        channel_id: "ch".into(),
        ..Default::default()
    };
    to_cc
        .send(send(Type::Registered, "", Vec::new()))
        .await
        .unwrap();
    to_cc.send(send(Type::Ready, "", Vec::new())).await.unwrap();
    let input = ChaincodeInput {
        args: vec![b"get".to_vec(), b"k".to_vec()],
        ..Default::default()
    };
    to_cc
        .send(send(Type::Transaction, "tx1", input.encode_to_vec()))
        .await
        .unwrap();
    let get = recv().await;
    assert_eq!(get.r#type, Type::GetState as i32);
    to_cc
        .send(send(Type::Response, "tx1", b"value".to_vec()))
        .await
        .unwrap();
    assert_eq!(completed(&recv().await).payload, b"value");

    drop(to_cc);
    stop.send(()).unwrap();
    serving.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_parameters_travel_as_state_metadata() {
    use crate::proto::protos::{
        GetStateMetadata, PutStateMetadata, StateMetadata, StateMetadataResult,
    };
    let mut peer = FakePeer::registered().await;
    peer.transaction("tx1", &["ep", "k"]).await;
    let put = peer.recv().await;
    assert_eq!(put.r#type, Type::PutStateMetadata as i32);
    let q = PutStateMetadata::decode(put.payload.as_slice()).unwrap();
    let entry = q.metadata.unwrap();
    assert_eq!(
        (
            q.key.as_str(),
            entry.metakey.as_str(),
            entry.value.as_slice()
        ),
        ("k", "VALIDATION_PARAMETER", b"policy".as_slice())
    );
    peer.send(Type::Response, "tx1", Vec::new()).await;
    let get = peer.recv().await;
    assert_eq!(get.r#type, Type::GetStateMetadata as i32);
    assert_eq!(
        GetStateMetadata::decode(get.payload.as_slice())
            .unwrap()
            .key,
        "k"
    );
    let result = StateMetadataResult {
        entries: vec![
            StateMetadata {
                metakey: "OTHER".into(),
                value: b"x".to_vec(),
            },
            StateMetadata {
                metakey: "VALIDATION_PARAMETER".into(),
                value: b"policy".to_vec(),
            },
        ],
    };
    peer.send(Type::Response, "tx1", result.encode_to_vec())
        .await;
    assert_eq!(completed(&peer.recv().await).payload, b"policy");
}
