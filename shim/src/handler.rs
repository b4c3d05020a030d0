//! The shim side of the chaincode stream (Fabric's Go shim `Handler`): the state machine
//! created → established (REGISTERED) → ready (READY), KEEPALIVE echoed, each INIT or
//! TRANSACTION run on a blocking thread of its own, and the answers of the peer (RESPONSE,
//! ERROR) handed to the transaction waiting for them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};
use tokio_stream::{Stream, StreamExt};

use crate::error::{Error, StreamError};
use crate::proto::protos::chaincode_message::Type;
use crate::proto::protos::{ChaincodeId, ChaincodeInput, ChaincodeMessage};
use crate::stub::ChaincodeStub;
use crate::Chaincode;

/// Messages queued towards the peer before senders wait.
pub(crate) const OUTBOUND_QUEUE: usize = 64;

/// One chaincode stream: where messages to the peer go, and who waits for which answer.
pub(crate) struct Handler {
    outbound: mpsc::Sender<ChaincodeMessage>,
    waiting: Mutex<HashMap<String, oneshot::Sender<ChaincodeMessage>>>,
}

/// First eight characters of a tx id, for logs and errors (Go's `shorttxid`).
pub(crate) fn short_txid(txid: &str) -> &str {
    txid.get(..8).unwrap_or(txid)
}

/// A message type's protobuf name, or its number when unknown.
pub(crate) fn type_name(kind: i32) -> String {
    Type::try_from(kind)
        .map(|t| t.as_str_name().to_string())
        .unwrap_or_else(|_| kind.to_string())
}

impl Handler {
    pub(crate) fn new(outbound: mpsc::Sender<ChaincodeMessage>) -> Self {
        Handler {
            outbound,
            waiting: Mutex::new(HashMap::new()),
        }
    }

    fn waiting(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, oneshot::Sender<ChaincodeMessage>>> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sends a request of a transaction and waits for the peer's answer (Go's
    /// `callPeerWithChaincodeMsg`). Blocks: called from the transaction's thread.
    pub(crate) fn call(&self, msg: ChaincodeMessage) -> Result<ChaincodeMessage, Error> {
        let key = format!("{}{}", msg.channel_id, msg.txid);
        let (tx, rx) = oneshot::channel();
        {
            let mut waiting = self.waiting();
            if waiting.contains_key(&key) {
                return Err(Error::ChannelExists(short_txid(&key).to_string()));
            }
            waiting.insert(key.clone(), tx);
        }
        let txid = short_txid(&msg.txid).to_string();
        let kind = Type::try_from(msg.r#type)
            .unwrap_or(Type::Undefined)
            .as_str_name();
        let sent = self.outbound.blocking_send(msg);
        let answer = match sent {
            Ok(()) => rx.blocking_recv().map_err(|_| Error::Send { txid, kind }),
            Err(_) => Err(Error::Send { txid, kind }),
        };
        self.waiting().remove(&key);
        answer
    }

    /// Sends a message without waiting for an answer (blocking; from a transaction thread).
    pub(crate) fn send_blocking(&self, msg: ChaincodeMessage) -> Result<(), StreamError> {
        self.outbound
            .blocking_send(msg)
            .map_err(|_| StreamError::Send)
    }

    async fn send(&self, msg: ChaincodeMessage) -> Result<(), StreamError> {
        self.outbound.send(msg).await.map_err(|_| StreamError::Send)
    }

    /// Hands a RESPONSE or ERROR to the transaction waiting for it.
    fn deliver(&self, msg: ChaincodeMessage) -> Result<(), StreamError> {
        let key = format!("{}{}", msg.channel_id, msg.txid);
        match self.waiting().remove(&key) {
            Some(waiter) => {
                let _ = waiter.send(msg);
                Ok(())
            }
            None => Err(StreamError::NoWaiter(short_txid(&msg.txid).to_string())),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    Created,
    Established,
    Ready,
}

impl State {
    fn name(self) -> &'static str {
        match self {
            State::Created => "created",
            State::Established => "established",
            State::Ready => "ready",
        }
    }
}

/// The REGISTER message a chaincode opens its stream with.
pub(crate) fn register_message(chaincode_id: &str) -> ChaincodeMessage {
    ChaincodeMessage {
        r#type: Type::Register as i32,
        payload: prost::Message::encode_to_vec(&ChaincodeId {
            name: chaincode_id.to_string(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Serves one chaincode stream until it ends: `inbound` are the peer's messages, `handler`
/// sends on the other direction (REGISTER must already be queued there).
pub(crate) async fn chat<S>(
    handler: Arc<Handler>,
    mut inbound: S,
    chaincode: Arc<dyn Chaincode>,
) -> Result<(), StreamError>
where
    S: Stream<Item = Result<ChaincodeMessage, tonic::Status>> + Unpin,
{
    let mut state = State::Created;
    loop {
        let msg = match inbound.next().await {
            None => return Err(StreamError::Eof),
            Some(Err(status)) => {
                tracing::error!("Received error from server, ending chaincode stream: {status}");
                return Err(StreamError::Receive(status));
            }
            Some(Ok(msg)) => msg,
        };
        let kind = Type::try_from(msg.r#type).unwrap_or(Type::Undefined);
        tracing::debug!(
            "[{}]Received message {} from peer",
            short_txid(&msg.txid),
            type_name(msg.r#type)
        );
        match (state, kind) {
            (_, Type::Keepalive) => {
                // Answered as the Go shim does: the same message back; a failed send is
                // retried by the next KEEPALIVE.
                let _ = handler.send(msg).await;
            }
            (State::Created, Type::Registered) => state = State::Established,
            (State::Established, Type::Ready) => state = State::Ready,
            (State::Ready, Type::Response) => handler.deliver(msg)?,
            (State::Ready, Type::Error) => {
                if let Err(e) = handler.deliver(msg) {
                    tracing::error!("{e}");
                }
            }
            (State::Ready, Type::Init | Type::Transaction) => {
                let (handler, chaincode) = (handler.clone(), chaincode.clone());
                tokio::task::spawn_blocking(move || run_transaction(&handler, &*chaincode, msg));
            }
            _ => {
                let err = StreamError::CannotHandle {
                    txid: msg.txid.clone(),
                    kind: type_name(msg.r#type),
                    size: msg.payload.len(),
                    state: state.name(),
                };
                let text = err.to_string();
                let text = text
                    .trim_start_matches("error handling message: ")
                    .to_string();
                let _ = handler
                    .send(ChaincodeMessage {
                        r#type: Type::Error as i32,
                        payload: text.into_bytes(),
                        txid: msg.txid,
                        ..Default::default()
                    })
                    .await;
                return Err(err);
            }
        }
    }
}

/// Runs one INIT or TRANSACTION in the chaincode and sends its COMPLETED or ERROR (Go's
/// `handleInit` / `handleTransaction`).
fn run_transaction(handler: &Arc<Handler>, chaincode: &dyn Chaincode, msg: ChaincodeMessage) {
    let is_init = msg.r#type == Type::Init as i32;
    let answer = transaction_answer(handler, chaincode, &msg, is_init);
    let kind = type_name(answer.r#type);
    if handler.send_blocking(answer).is_err() {
        tracing::error!(
            "[{}] error sending {kind}: the stream to the peer is closed",
            short_txid(&msg.txid)
        );
    }
}

fn transaction_answer(
    handler: &Arc<Handler>,
    chaincode: &dyn Chaincode,
    msg: &ChaincodeMessage,
    is_init: bool,
) -> ChaincodeMessage {
    let error = |payload: Vec<u8>, event| ChaincodeMessage {
        r#type: Type::Error as i32,
        payload,
        txid: msg.txid.clone(),
        channel_id: msg.channel_id.clone(),
        chaincode_event: event,
        ..Default::default()
    };
    let input = match <ChaincodeInput as prost::Message>::decode(msg.payload.as_slice()) {
        Ok(input) => input,
        Err(e) => {
            tracing::error!(
                "[{}] Incorrect payload format. Sending ERROR",
                short_txid(&msg.txid)
            );
            return error(e.to_string().into_bytes(), None);
        }
    };
    let mut stub = match ChaincodeStub::new(
        handler.clone(),
        &msg.channel_id,
        &msg.txid,
        input,
        msg.proposal.clone(),
    ) {
        Ok(stub) => stub,
        Err(e) => return error(e.to_string().into_bytes(), None),
    };
    let response = if is_init {
        chaincode.init(&mut stub)
    } else {
        chaincode.invoke(&mut stub)
    };
    let event = stub.take_event();
    if is_init && response.status >= crate::ERROR {
        tracing::error!(
            "[{}] Init get error response. Sending ERROR",
            short_txid(&msg.txid)
        );
        return error(response.message.into_bytes(), event);
    }
    ChaincodeMessage {
        r#type: Type::Completed as i32,
        payload: prost::Message::encode_to_vec(&response),
        txid: msg.txid.clone(),
        channel_id: msg.channel_id.clone(),
        chaincode_event: event,
        ..Default::default()
    }
}
