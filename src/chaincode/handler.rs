//! Fabric's chaincode `Handler`: one per registered chaincode stream. The stream task
//! ([`serve_stream`]) handles REGISTER and then routes every message of the chaincode to the
//! transaction it belongs to, keyed by (channel, tx id); the executing task
//! ([`super::transaction_context`]) answers the shim's requests and awaits COMPLETED or
//! ERROR. Both directions are bounded queues: a slow side makes the other wait.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use prost::Message;
use tokio::sync::mpsc;

use super::accesscontrol::Authenticator;
use super::handler_registry::HandlerRegistry;
use super::short_txid;
use crate::protos::peer::chaincode_message::Type;
use crate::protos::peer::{ChaincodeId, ChaincodeMessage};

/// What goes out on the stream (a message, or the status that ends the stream).
pub type Outbound = Result<ChaincodeMessage, tonic::Status>;

/// Messages queued for one chaincode stream before senders wait: a transaction sends one
/// message at a time, so this bounds the stream's memory whatever the chaincode reads.
pub const OUTBOUND_QUEUE: usize = 64;

/// Messages of the chaincode queued for one transaction before the stream waits: the shim
/// sends one request and waits for its answer, so more than a few means a misbehaving
/// chaincode, which is then slowed down rather than buffered.
pub const CONTEXT_QUEUE: usize = 8;

type ContextKey = (String, String);

/// Why a message could not go to the chaincode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[{tx}] error sending {kind}: the chaincode stream is closed")]
pub struct SendError {
    pub tx: String,
    pub kind: String,
}

/// Why a transaction context could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("txid: {tx_id}({channel}) exists")]
pub struct DuplicateContext {
    pub tx_id: String,
    pub channel: String,
}

/// Why a chaincode stream is ended by the peer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// A message the ready state does not accept (Fabric's text).
    #[error("[{txid}] Fabric side handler cannot handle message ({kind}) while in ready state")]
    NotInReadyState { txid: String, kind: String },
    #[error(transparent)]
    Send(#[from] SendError),
}

/// A registered chaincode: its id, the stream to it and its open transaction contexts.
pub struct Handler {
    chaincode_id: ChaincodeId,
    /// The chaincode name (before `:version`), the state namespace it writes.
    name: String,
    outbound: mpsc::Sender<Outbound>,
    contexts: Mutex<HashMap<ContextKey, mpsc::Sender<ChaincodeMessage>>>,
}

impl Handler {
    /// A handler for a chaincode that registered as `chaincode_id`, sending on `outbound`.
    pub fn new(chaincode_id: ChaincodeId, outbound: mpsc::Sender<Outbound>) -> Self {
        let name = parse_name(&chaincode_id.name).to_string();
        Handler {
            chaincode_id,
            name,
            outbound,
            contexts: Mutex::new(HashMap::new()),
        }
    }

    /// The name it registered under (`name:version`), the registry key.
    pub fn canonical_name(&self) -> &str {
        &self.chaincode_id.name
    }

    /// The chaincode name without version (Fabric's `ChaincodeName`).
    pub fn chaincode_name(&self) -> &str {
        &self.name
    }

    fn contexts(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<ContextKey, mpsc::Sender<ChaincodeMessage>>> {
        self.contexts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens the context of one transaction; the receiver gets the chaincode's messages for
    /// it (at most [`CONTEXT_QUEUE`] waiting). A second context for the same (channel, tx
    /// id) fails as in Fabric.
    pub fn open_context(
        &self,
        channel: &str,
        tx_id: &str,
    ) -> Result<mpsc::Receiver<ChaincodeMessage>, DuplicateContext> {
        let mut contexts = self.contexts();
        let key = (channel.to_string(), tx_id.to_string());
        if contexts.contains_key(&key) {
            return Err(DuplicateContext {
                tx_id: tx_id.to_string(),
                channel: channel.to_string(),
            });
        }
        let (tx, rx) = mpsc::channel(CONTEXT_QUEUE);
        contexts.insert(key, tx);
        Ok(rx)
    }

    /// Ends every open transaction context (their executions see the stream gone).
    pub fn close_all(&self) {
        self.contexts().clear();
    }

    /// Closes a transaction context.
    pub fn close_context(&self, channel: &str, tx_id: &str) {
        self.contexts()
            .remove(&(channel.to_string(), tx_id.to_string()));
    }

    /// Sends a message to the chaincode, waiting while its queue is full.
    pub async fn send(&self, msg: ChaincodeMessage) -> Result<(), SendError> {
        let kind = type_name(msg.r#type);
        let tx = short_txid(&msg.txid).to_string();
        self.outbound
            .send(Ok(msg))
            .await
            .map_err(|_| SendError { tx, kind })
    }

    /// Routes a message from the chaincode (in ready state) to its transaction, waiting
    /// while that transaction's queue is full. `Err` ends the stream.
    async fn route(&self, msg: ChaincodeMessage) -> Result<(), RouteError> {
        let kind = Type::try_from(msg.r#type).unwrap_or(Type::Undefined);
        match kind {
            Type::Keepalive => return Ok(()),
            Type::Completed
            | Type::Error
            | Type::GetState
            | Type::PutState
            | Type::DelState
            | Type::InvokeChaincode
            | Type::GetStateByRange
            | Type::GetQueryResult
            | Type::QueryStateNext
            | Type::QueryStateClose
            | Type::GetHistoryForKey
            | Type::GetStateMetadata
            | Type::PutStateMetadata
            | Type::GetPrivateDataHash => {}
            _ => {
                return Err(RouteError::NotInReadyState {
                    txid: msg.txid.clone(),
                    kind: type_name(msg.r#type),
                })
            }
        }
        let key = (msg.channel_id.clone(), msg.txid.clone());
        let target = self.contexts().get(&key).cloned();
        match target {
            Some(tx) => {
                // A context closed meanwhile has nobody left to answer.
                let _ = tx.send(msg).await;
            }
            None if matches!(kind, Type::Completed | Type::Error) => {
                tracing::debug!(target: "chaincode", "notifier Txid:{}, channelID:{} does not exist for handling message {}", msg.txid, msg.channel_id, kind.as_str_name());
            }
            None => {
                let text = format!(
                    "{} failed: transaction ID: {}: no ledger context",
                    kind.as_str_name(),
                    msg.txid
                );
                tracing::error!(target: "chaincode", "[{}] Failed to handle {}. error: {text}", short_txid(&msg.txid), kind.as_str_name());
                self.send(error_message(&msg, text)).await?;
            }
        }
        Ok(())
    }
}

/// The ERROR answer to `msg` carrying `text`.
pub fn error_message(msg: &ChaincodeMessage, text: String) -> ChaincodeMessage {
    ChaincodeMessage {
        r#type: Type::Error as i32,
        payload: text.into_bytes(),
        txid: msg.txid.clone(),
        channel_id: msg.channel_id.clone(),
        ..Default::default()
    }
}

/// A message type's protobuf name (`GET_STATE`), or its number when unknown.
pub fn type_name(kind: i32) -> String {
    Type::try_from(kind)
        .map(|t| t.as_str_name().to_string())
        .unwrap_or_else(|_| kind.to_string())
}

/// The chaincode name of `name[:version][/channel]` (Fabric's `ParseName`).
pub fn parse_name(cname: &str) -> &str {
    let before_channel = cname.split('/').next().unwrap_or(cname);
    before_channel.split(':').next().unwrap_or(before_channel)
}

/// With chaincode TLS on: the authenticator and the client certificate (DER) of the
/// stream, checked against the chaincode REGISTER names.
pub struct StreamAuth {
    pub authenticator: Arc<Authenticator>,
    pub client_cert: Option<Vec<u8>>,
}

/// Handles one chaincode stream: REGISTER first (→ REGISTERED, READY, registered under its
/// canonical name), then routes messages until the stream ends or its answer side is gone
/// (the peer stopping ends it); the handler is then deregistered and its open transactions
/// see the stream gone.
pub async fn serve_stream(
    mut inbound: tonic::Streaming<ChaincodeMessage>,
    outbound: mpsc::Sender<Outbound>,
    registry: Arc<HandlerRegistry>,
    auth: Option<StreamAuth>,
) {
    let keepalive = registry
        .keepalive()
        .map(|every| tokio::spawn(send_keepalives(outbound.clone(), every)));
    serve_registered(&mut inbound, &outbound, &registry, auth).await;
    if let Some(task) = keepalive {
        task.abort();
    }
}

/// Fabric's keepalive ticker: a KEEPALIVE every `every` from the stream's start, queued
/// only when there is room (a full queue already shows the stream is alive), until the
/// stream ends.
async fn send_keepalives(outbound: mpsc::Sender<Outbound>, every: std::time::Duration) {
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = outbound.closed() => return,
        }
        let msg = ChaincodeMessage {
            r#type: Type::Keepalive as i32,
            ..Default::default()
        };
        if let Err(mpsc::error::TrySendError::Closed(_)) = outbound.try_send(Ok(msg)) {
            return;
        }
    }
}

/// REGISTER, then the routing loop of [`serve_stream`].
async fn serve_registered(
    inbound: &mut tonic::Streaming<ChaincodeMessage>,
    outbound: &mpsc::Sender<Outbound>,
    registry: &Arc<HandlerRegistry>,
    auth: Option<StreamAuth>,
) {
    let handler = match register(inbound, outbound, registry, auth.as_ref()).await {
        Ok(h) => h,
        Err(status) => {
            let _ = outbound.send(Err(status)).await;
            return;
        }
    };
    let end = loop {
        let next = tokio::select! {
            next = inbound.message() => next,
            _ = outbound.closed() => break None,
        };
        match next {
            Ok(Some(msg)) => {
                if let Err(e) = handler.route(msg).await {
                    tracing::error!(target: "chaincode", "error handling message, ending stream: {e}");
                    break Some(tonic::Status::unknown(format!(
                        "error handling message, ending stream: {e}"
                    )));
                }
            }
            Ok(None) => break None,
            Err(e) => {
                tracing::error!(target: "chaincode", "handling chaincode support stream: receive failed: {}", e.message());
                break None;
            }
        }
    };
    registry.deregister(&handler);
    handler.contexts().clear();
    tracing::info!(target: "chaincode", "chaincode {} disconnected", handler.canonical_name());
    if let Some(status) = end {
        let _ = outbound.send(Err(status)).await;
    }
}

async fn register(
    inbound: &mut tonic::Streaming<ChaincodeMessage>,
    outbound: &mpsc::Sender<Outbound>,
    registry: &Arc<HandlerRegistry>,
    auth: Option<&StreamAuth>,
) -> Result<Arc<Handler>, tonic::Status> {
    let first = loop {
        match inbound.message().await {
            Ok(Some(m)) if m.r#type == Type::Keepalive as i32 => continue,
            Ok(Some(m)) => break m,
            Ok(None) => return Err(tonic::Status::cancelled("stream closed before REGISTER")),
            Err(e) => return Err(e),
        }
    };
    if first.r#type != Type::Register as i32 {
        return Err(tonic::Status::unknown(format!(
            "error handling message, ending stream: [{}] Fabric side handler cannot handle message ({}) while in created state",
            first.txid,
            type_name(first.r#type)
        )));
    }
    let id = ChaincodeId::decode(first.payload.as_slice()).map_err(|e| {
        tonic::Status::invalid_argument(format!(
            "could not unmarshal the REGISTER chaincode id: {e}"
        ))
    })?;
    if let Some(auth) = auth {
        let name = parse_name(&id.name);
        if let Err(e) = auth
            .authenticator
            .authenticate(name, auth.client_cert.as_deref())
        {
            tracing::error!(target: "chaincode", "refusing the REGISTER of {}: {e}", id.name);
            return Err(tonic::Status::permission_denied(e.to_string()));
        }
    }
    let handler = Arc::new(Handler::new(id, outbound.clone()));
    if let Err(e) = registry.register(handler.clone()) {
        tracing::error!(target: "chaincode", "failed to start {}: {e}", handler.canonical_name());
        return Err(tonic::Status::already_exists(e.to_string()));
    }
    for kind in [Type::Registered, Type::Ready] {
        let msg = ChaincodeMessage {
            r#type: kind as i32,
            ..Default::default()
        };
        if let Err(e) = handler.send(msg).await {
            registry.deregister(&handler);
            return Err(tonic::Status::unavailable(e.to_string()));
        }
    }
    // REGISTERED and READY are queued ahead of anything else: only now may a transaction
    // be sent (Fabric's notifyRegistry after sendReady).
    registry.ready(&handler);
    tracing::info!(target: "chaincode", "chaincode {} registered and ready", handler.canonical_name());
    Ok(handler)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_name_strips_version_and_channel() {
        assert_eq!(parse_name("mycc:1.0"), "mycc");
        assert_eq!(parse_name("mycc:1.0/ch"), "mycc");
        assert_eq!(parse_name("mycc"), "mycc");
    }

    #[tokio::test]
    async fn requests_without_context_get_fabric_error_and_contexts_are_unique() {
        let (tx, mut rx) = mpsc::channel(OUTBOUND_QUEUE);
        let h = Handler::new(
            ChaincodeId {
                name: "cc:1".into(),
                ..Default::default()
            },
            tx,
        );
        assert_eq!(h.chaincode_name(), "cc");
        let msg = ChaincodeMessage {
            r#type: Type::GetState as i32,
            txid: "t1".into(),
            channel_id: "ch".into(),
            ..Default::default()
        };
        h.route(msg.clone()).await.unwrap();
        let answer = rx.try_recv().unwrap().unwrap();
        assert_eq!(answer.r#type, Type::Error as i32);
        assert_eq!(
            String::from_utf8(answer.payload).unwrap(),
            "GET_STATE failed: transaction ID: t1: no ledger context"
        );
        let mut ctx = h.open_context("ch", "t1").unwrap();
        assert_eq!(
            h.open_context("ch", "t1").unwrap_err().to_string(),
            "txid: t1(ch) exists"
        );
        h.route(msg).await.unwrap();
        assert_eq!(ctx.try_recv().unwrap().r#type, Type::GetState as i32);
        let reg = ChaincodeMessage {
            r#type: Type::Register as i32,
            ..Default::default()
        };
        assert!(matches!(
            h.route(reg).await.unwrap_err(),
            RouteError::NotInReadyState { .. }
        ));
        h.close_context("ch", "t1");
        assert!(h.open_context("ch", "t1").is_ok());
    }

    #[tokio::test]
    async fn a_full_context_queue_holds_the_stream_back() {
        let (tx, _rx) = mpsc::channel(OUTBOUND_QUEUE);
        let h = Handler::new(
            ChaincodeId {
                name: "cc:1".into(),
                ..Default::default()
            },
            tx,
        );
        let mut ctx = h.open_context("ch", "t1").unwrap();
        let msg = ChaincodeMessage {
            r#type: Type::PutState as i32,
            txid: "t1".into(),
            channel_id: "ch".into(),
            ..Default::default()
        };
        for _ in 0..CONTEXT_QUEUE {
            h.route(msg.clone()).await.unwrap();
        }
        let blocked =
            tokio::time::timeout(std::time::Duration::from_millis(50), h.route(msg.clone())).await;
        assert!(blocked.is_err(), "a full queue must make the stream wait");
        ctx.recv().await.unwrap();
        h.route(msg).await.unwrap();
    }
}
