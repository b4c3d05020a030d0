//! In-memory fakes for the state provider's seams: a ledger, a message crypto service that
//! refuses forged blocks, and peers of one channel joined by in-memory channels.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use prost::Message;
use tokio::sync::{mpsc, watch};

use super::{CommitError, CommitReceipt, GossipAdapter, LedgerResources, StoreFuture};
use crate::gossip::api::{CryptoError, MessageCryptoService};
use crate::gossip::comm::{ConnectionInfo, ReceivedMessage, RemotePeer, SignedGossipMessage};
use crate::gossip::common::{NetworkMember, PkiId};
use crate::ledger::LedgerError;
use crate::protos::common::{Block, BlockData, BlockHeader};
use crate::protos::gossip::gossip_message::{Content, Tag};
use crate::protos::gossip::{DataMessage, GossipMessage, Payload, Properties};

pub const CHANNEL: &str = "ch";

/// A block a fake crypto service accepts (`forged`: one it refuses).
pub fn block(n: u64, forged: bool) -> Block {
    Block {
        header: Some(BlockHeader {
            number: n,
            previous_hash: Vec::new(),
            data_hash: if forged {
                b"forged".to_vec()
            } else {
                Vec::new()
            },
        }),
        data: Some(BlockData {
            data: vec![format!("tx of block {n}").into_bytes()],
        }),
        metadata: None,
    }
}

pub fn is_forged(b: &Block) -> bool {
    b.header.as_ref().is_some_and(|h| h.data_hash == b"forged")
}

/// A DataMessage carrying `b`, as a leader gossips it.
pub fn data_message(b: &Block) -> GossipMessage {
    GossipMessage {
        nonce: 0,
        channel: CHANNEL.as_bytes().to_vec(),
        tag: Tag::ChanAndOrg as i32,
        content: Some(Content::DataMsg(DataMessage {
            payload: Some(Payload {
                seq_num: b.header.as_ref().map_or(0, |h| h.number),
                data: b.encode_to_vec(),
                private_data: Vec::new(),
            }),
        })),
    }
}

/// A ledger that commits blocks in sequence (others are refused).
pub struct FakeLedger {
    blocks: Mutex<Vec<Block>>,
    height: watch::Sender<u64>,
}

impl FakeLedger {
    /// A ledger holding blocks `0..height`.
    pub fn with_height(height: u64) -> Arc<Self> {
        let blocks: Vec<Block> = (0..height).map(|n| block(n, false)).collect();
        Arc::new(FakeLedger {
            blocks: Mutex::new(blocks),
            height: watch::channel(height).0,
        })
    }

    pub fn blocks(&self) -> Vec<Block> {
        self.blocks.lock().unwrap().clone()
    }

    /// Waits (at most `bound`) until the ledger reaches `height`.
    pub async fn wait_for_height(&self, height: u64, bound: Duration) {
        let mut rx = self.height.subscribe();
        tokio::time::timeout(bound, rx.wait_for(|h| *h >= height))
            .await
            .unwrap_or_else(|_| panic!("height {height} not reached; at {}", *self.height.borrow()))
            .unwrap();
    }
}

impl LedgerResources for FakeLedger {
    fn store_block(&self, block: Block) -> StoreFuture<'_> {
        let mut blocks = self.blocks.lock().unwrap();
        let number = block.header.as_ref().map_or(0, |h| h.number);
        let result = if number == blocks.len() as u64 {
            blocks.push(block);
            self.height.send_replace(blocks.len() as u64);
            Ok(())
        } else {
            Err(CommitError::Rejected(
                format!("expected block {} got {number}", blocks.len()).into(),
            ))
        };
        Box::pin(async move { Ok(CommitReceipt::ready(result)) })
    }
    fn ledger_height(&self) -> Result<u64, LedgerError> {
        Ok(self.blocks.lock().unwrap().len() as u64)
    }
    fn block_by_number(&self, number: u64) -> Result<Block, LedgerError> {
        self.blocks
            .lock()
            .unwrap()
            .get(number as usize)
            .cloned()
            .ok_or_else(|| LedgerError::NotFound(format!("block {number}")))
    }
}

/// Accepts every block but the forged ones.
pub struct FakeMcs;

impl MessageCryptoService for FakeMcs {
    fn pki_id_of_cert(&self, identity: &[u8]) -> PkiId {
        PkiId(identity.to_vec())
    }
    fn verify_block(&self, _channel: &str, seq_num: u64, block: &[u8]) -> Result<(), CryptoError> {
        let b = Block::decode(block).map_err(|e| CryptoError::Invalid(e.to_string()))?;
        if is_forged(&b) {
            return Err(CryptoError::Invalid("bad orderer signature".into()));
        }
        if b.header.map(|h| h.number) != Some(seq_num) {
            return Err(CryptoError::Invalid("wrong number".into()));
        }
        Ok(())
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Ok(msg.to_vec())
    }
    fn verify(&self, _: &[u8], _: &[u8], _: &[u8]) -> Result<(), CryptoError> {
        Ok(())
    }
    fn verify_by_channel(&self, _: &str, _: &[u8], _: &[u8], _: &[u8]) -> Result<(), CryptoError> {
        Ok(())
    }
    fn validate_identity(&self, _: &[u8]) -> Result<(), CryptoError> {
        Ok(())
    }
    fn expiration(&self, _: &[u8]) -> Result<Option<SystemTime>, CryptoError> {
        Ok(None)
    }
}

/// One peer's inboxes and published height.
#[derive(Default)]
struct PeerSlot {
    data: Option<mpsc::Sender<GossipMessage>>,
    state: Option<mpsc::Sender<Arc<dyn ReceivedMessage>>>,
    height: Option<u64>,
}

/// The peers of one channel.
#[derive(Default)]
pub struct Hub {
    peers: Mutex<BTreeMap<u8, PeerSlot>>,
    /// Every message sent with `send` (from, message).
    pub sent: Mutex<Vec<(u8, GossipMessage)>>,
}

impl Hub {
    /// Delivers a data message to every peer but `from` (a leader's gossip).
    pub fn gossip(&self, from: u8, msg: &GossipMessage) {
        for (id, slot) in self.peers.lock().unwrap().iter() {
            if *id != from {
                if let Some(tx) = &slot.data {
                    let _ = tx.try_send(msg.clone());
                }
            }
        }
    }

    fn deliver_state(self: &Arc<Self>, from: u8, to: u8, msg: GossipMessage) {
        let tx = self
            .peers
            .lock()
            .unwrap()
            .get(&to)
            .and_then(|s| s.state.clone());
        if let Some(tx) = tx {
            let received = FakeReceived {
                msg: SignedGossipMessage {
                    message: msg,
                    envelope: None,
                },
                info: ConnectionInfo {
                    id: PkiId(vec![from]),
                    identity: vec![from],
                    endpoint: format!("peer{from}"),
                    tls_cert_hash: Vec::new(),
                },
                me: to,
                hub: self.clone(),
            };
            let _ = tx.try_send(Arc::new(received));
        }
    }

    pub fn published_height(&self, id: u8) -> Option<u64> {
        self.peers.lock().unwrap().get(&id).and_then(|s| s.height)
    }

    /// The state requests sent so far: (from, start, end).
    pub fn requests(&self) -> Vec<(u8, u64, u64)> {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .filter_map(|(from, m)| match &m.content {
                Some(Content::StateRequest(r)) => Some((*from, r.start_seq_num, r.end_seq_num)),
                _ => None,
            })
            .collect()
    }
}

#[derive(Debug)]
struct FakeReceived {
    msg: SignedGossipMessage,
    info: ConnectionInfo,
    /// Who received it (answers come from there).
    me: u8,
    hub: Arc<Hub>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hub")
    }
}

impl ReceivedMessage for FakeReceived {
    fn message(&self) -> &SignedGossipMessage {
        &self.msg
    }
    fn respond(&self, msg: GossipMessage) {
        let to = self.info.id.0[0];
        self.hub.sent.lock().unwrap().push((self.me, msg.clone()));
        self.hub.deliver_state(self.me, to, msg);
    }
    fn connection_info(&self) -> &ConnectionInfo {
        &self.info
    }
    fn ack(&self, _err: Option<String>) {}
}

/// One peer's view of the hub (its [`GossipAdapter`]).
pub struct FakeGossip {
    pub id: u8,
    pub hub: Arc<Hub>,
}

impl FakeGossip {
    pub fn join(hub: &Arc<Hub>, id: u8) -> Arc<Self> {
        hub.peers.lock().unwrap().entry(id).or_default();
        Arc::new(FakeGossip {
            id,
            hub: hub.clone(),
        })
    }
}

impl GossipAdapter for FakeGossip {
    fn send(&self, msg: GossipMessage, peers: &[RemotePeer]) {
        self.hub.sent.lock().unwrap().push((self.id, msg.clone()));
        for p in peers {
            self.hub.deliver_state(self.id, p.pki_id.0[0], msg.clone());
        }
    }
    fn accept_data(&self, _channel: &str) -> mpsc::Receiver<GossipMessage> {
        let (tx, rx) = mpsc::channel(64);
        self.hub
            .peers
            .lock()
            .unwrap()
            .entry(self.id)
            .or_default()
            .data = Some(tx);
        rx
    }
    fn accept_state(&self, _channel: &str) -> mpsc::Receiver<Arc<dyn ReceivedMessage>> {
        let (tx, rx) = mpsc::channel(64);
        self.hub
            .peers
            .lock()
            .unwrap()
            .entry(self.id)
            .or_default()
            .state = Some(tx);
        rx
    }
    fn update_ledger_height(&self, _channel: &str, height: u64) {
        self.hub
            .peers
            .lock()
            .unwrap()
            .entry(self.id)
            .or_default()
            .height = Some(height);
    }
    fn peers_of_channel(&self, _channel: &str) -> Vec<NetworkMember> {
        self.hub
            .peers
            .lock()
            .unwrap()
            .iter()
            .filter(|(id, _)| **id != self.id)
            .map(|(id, slot)| NetworkMember {
                endpoint: format!("peer{id}"),
                pki_id: PkiId(vec![*id]),
                properties: slot.height.map(|h| Properties {
                    ledger_height: h,
                    left_channel: false,
                    chaincodes: Vec::new(),
                }),
                ..Default::default()
            })
            .collect()
    }
}
