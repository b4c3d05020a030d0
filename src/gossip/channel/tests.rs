use std::collections::HashMap;

use super::*;
use crate::gossip::api::SecurityAdvisor;
use crate::gossip::comm::ConnectionInfo;
use crate::gossip::testutil::{identity, pki_of, FakeMcs, FakeSa, JoinMsg};
use crate::protos::gossip::{DataMessage, Payload};

#[derive(Default)]
struct FakeAdapter {
    ids: HashMap<PkiId, PeerIdentity>,
    members: Vec<NetworkMember>,
    gossiped: Mutex<Vec<GossipMessage>>,
    forwarded: Mutex<Vec<GossipMessage>>,
    demuxed: Mutex<Vec<GossipMessage>>,
}

impl Adapter for FakeAdapter {
    fn sign(&self, msg: GossipMessage) -> Result<SignedGossipMessage, ProtoextError> {
        let me = FakeMcs {
            me: identity("Org1MSP", "p1"),
        };
        SignedGossipMessage::signed(msg, |b| me.sign(b))
    }
    fn gossip(&self, msg: SignedGossipMessage) {
        self.gossiped.lock().unwrap().push(msg.message);
    }
    fn forward(&self, msg: Arc<dyn ReceivedMessage>) {
        self.forwarded
            .lock()
            .unwrap()
            .push(msg.message().message.clone());
    }
    fn send(&self, _msg: SignedGossipMessage, _peers: &[RemotePeer]) {}
    fn validate_state_info_message(&self, _msg: &SignedGossipMessage) -> Result<(), ProtoextError> {
        Ok(())
    }
    fn membership(&self) -> Vec<NetworkMember> {
        self.members.clone()
    }
    fn lookup(&self, pki_id: &PkiId) -> Option<NetworkMember> {
        self.members.iter().find(|m| m.pki_id == *pki_id).cloned()
    }
    fn demultiplex(&self, msg: SignedGossipMessage) {
        self.demuxed.lock().unwrap().push(msg.message);
    }
    fn org_of_peer(&self, pki_id: &PkiId) -> Option<OrgId> {
        FakeSa.org_by_peer_identity(self.ids.get(pki_id)?)
    }
    fn identity_by_pki_id(&self, pki_id: &PkiId) -> Option<PeerIdentity> {
        self.ids.get(pki_id).cloned()
    }
}

#[derive(Debug)]
struct Received {
    msg: SignedGossipMessage,
    info: ConnectionInfo,
    responses: Mutex<Vec<GossipMessage>>,
}

impl ReceivedMessage for Received {
    fn message(&self) -> &SignedGossipMessage {
        &self.msg
    }
    fn respond(&self, msg: GossipMessage) {
        self.responses.lock().unwrap().push(msg);
    }
    fn connection_info(&self) -> &ConnectionInfo {
        &self.info
    }
    fn ack(&self, _err: Option<String>) {}
}

fn received(msg: SignedGossipMessage, from: &PeerIdentity) -> Arc<Received> {
    Arc::new(Received {
        msg,
        info: ConnectionInfo {
            id: pki_of(from),
            identity: from.clone(),
            endpoint: "sender:7051".into(),
            tls_cert_hash: vec![],
        },
        responses: Mutex::default(),
    })
}

fn state_info_of(author: &PeerIdentity, channel: &[u8], height: u64) -> SignedGossipMessage {
    let id = pki_of(author);
    let msg = GossipMessage {
        tag: Tag::ChanOrOrg as i32,
        content: Some(Content::StateInfo(StateInfo {
            channel_mac: generate_mac(&id, channel),
            pki_id: id.0.clone(),
            timestamp: Some(PeerTime {
                inc_num: 1,
                seq_num: height,
            }),
            properties: Some(Properties {
                ledger_height: height,
                left_channel: false,
                chaincodes: vec![],
            }),
        })),
        ..Default::default()
    };
    let mcs = FakeMcs { me: author.clone() };
    SignedGossipMessage::signed(msg, |b| mcs.sign(b)).unwrap()
}

fn block(seq: u64, data: &[u8]) -> SignedGossipMessage {
    SignedGossipMessage::noop_sign(GossipMessage {
        channel: b"ch".to_vec(),
        tag: Tag::ChanAndOrg as i32,
        content: Some(Content::DataMsg(DataMessage {
            payload: Some(Payload {
                seq_num: seq,
                data: data.to_vec(),
                private_data: vec![],
            }),
        })),
        ..Default::default()
    })
}

fn conf() -> ChannelConfig {
    let ms = Duration::from_millis;
    ChannelConfig {
        publish_state_info_interval: ms(3_600_000),
        request_state_info_interval: ms(3_600_000),
        max_block_count_to_store: 10,
        pull_peer_num: 3,
        pull_interval: ms(3_600_000),
        block_expiration_interval: ms(3_600_000),
        state_info_cache_sweep_interval: ms(3_600_000),
        digest_wait: ms(10),
        request_wait: ms(10),
        response_wait: ms(10),
        msg_expiration_timeout: ms(3_600_000),
        membership_tracker_interval: ms(3_600_000),
    }
}

/// p1 (ourselves) and p2 of Org1 in channel "ch"; q1 of Org2 is a member but Org2 is not in
/// the channel.
fn setup() -> (Arc<FakeAdapter>, GossipChannel, PeerIdentity, PeerIdentity) {
    let (p1, p2, q1) = (
        identity("Org1MSP", "p1"),
        identity("Org1MSP", "p2"),
        identity("Org2MSP", "q1"),
    );
    let mut adapter = FakeAdapter::default();
    for (i, who) in [&p1, &p2, &q1].into_iter().enumerate() {
        adapter.ids.insert(pki_of(who), who.clone());
        if i > 0 {
            adapter.members.push(NetworkMember {
                endpoint: format!("peer{i}:7051"),
                pki_id: pki_of(who),
                ..Default::default()
            });
        }
    }
    let adapter = Arc::new(adapter);
    let join = JoinMsg {
        seq: 1,
        orgs: vec![b"Org1MSP".to_vec()],
        ..Default::default()
    };
    let gc = GossipChannel::start(
        pki_of(&p1),
        b"Org1MSP".to_vec(),
        Arc::new(FakeMcs { me: p1 }),
        b"ch".to_vec(),
        adapter.clone(),
        &join,
        conf(),
    );
    (adapter, gc, p2, q1)
}

#[tokio::test]
async fn state_info_of_a_peer_whose_org_is_not_in_the_channel_is_dropped() {
    let (adapter, gc, p2, q1) = setup();
    // Relayed by p2 (in the channel), authored by q1 (Org2, not in the channel): dropped.
    gc.handle_message(received(state_info_of(&q1, b"ch", 9), &p2));
    // Sent by q1 itself: dropped before the state info is even looked at.
    gc.handle_message(received(state_info_of(&q1, b"ch", 9), &q1));
    assert!(adapter.forwarded.lock().unwrap().is_empty());
    assert!(gc.get_peers().is_empty());
    // p2's own state info is taken, forwarded and listed with its height.
    gc.handle_message(received(state_info_of(&p2, b"ch", 7), &p2));
    let peers = gc.get_peers();
    assert_eq!(peers.len(), 1);
    assert_eq!(peers[0].pki_id, pki_of(&p2));
    assert_eq!(peers[0].properties.as_ref().unwrap().ledger_height, 7);
    assert_eq!(adapter.forwarded.lock().unwrap().len(), 1);
    // An older state info of p2 does not replace the newer one.
    gc.handle_message(received(state_info_of(&p2, b"ch", 3), &p2));
    assert_eq!(
        gc.get_peers()[0].properties.as_ref().unwrap().ledger_height,
        7
    );
    // A state info with the MAC of another channel is refused.
    gc.handle_message(received(state_info_of(&p2, b"other", 8), &p2));
    assert_eq!(
        gc.get_peers()[0].properties.as_ref().unwrap().ledger_height,
        7
    );
    gc.stop().await;
}

#[tokio::test]
async fn blocks_are_verified_and_taken_once() {
    let (adapter, gc, p2, q1) = setup();
    gc.handle_message(received(block(1, b"bad"), &p2));
    assert!(adapter.demuxed.lock().unwrap().is_empty());
    gc.handle_message(received(block(1, b"good"), &p2));
    gc.handle_message(received(block(1, b"good"), &p2));
    gc.handle_message(received(block(2, b"good"), &q1));
    let demuxed = adapter.demuxed.lock().unwrap().clone();
    assert_eq!(demuxed, vec![block(1, b"good").message]);
    gc.stop().await;
}

#[tokio::test]
async fn state_info_snapshot_goes_to_channel_orgs_only() {
    let (_adapter, gc, p2, q1) = setup();
    gc.handle_message(received(state_info_of(&p2, b"ch", 7), &p2));
    let req = |from: &PeerIdentity| {
        SignedGossipMessage::noop_sign(GossipMessage {
            tag: Tag::ChanOrOrg as i32,
            content: Some(Content::StateInfoPullReq(StateInfoPullRequest {
                channel_mac: generate_mac(&pki_of(from), b"ch"),
            })),
            ..Default::default()
        })
    };
    let from_p2 = received(req(&p2), &p2);
    gc.handle_message(from_p2.clone());
    let answer = from_p2.responses.lock().unwrap().clone();
    assert_eq!(answer.len(), 1);
    let Some(Content::StateSnapshot(s)) = &answer[0].content else {
        panic!("expected a snapshot, got {answer:?}");
    };
    // p2's (ours is in the cache only once published).
    assert_eq!(s.elements.len(), 1);
    assert_eq!(
        SignedGossipMessage::from_envelope(s.elements[0].clone()).unwrap(),
        state_info_of(&p2, b"ch", 7)
    );
    let from_q1 = received(req(&q1), &q1);
    gc.handle_message(from_q1.clone());
    assert!(from_q1.responses.lock().unwrap().is_empty());
    gc.stop().await;
}
