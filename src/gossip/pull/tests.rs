use std::sync::Arc;

use super::*;
use crate::gossip::comm::inmem::{InMemComm, InMemNetwork};
use crate::gossip::comm::Comm;
use crate::gossip::common::PkiId;
use crate::protos::gossip::{DataMessage, Payload};

struct Adapter {
    comm: Arc<InMemComm>,
    others: Vec<NetworkMember>,
    consumed: Mutex<Vec<u64>>,
    hide: Option<String>,
}

impl PullAdapter for Adapter {
    fn send(&self, msg: SignedGossipMessage, peers: &[RemotePeer]) {
        self.comm.send(&msg, peers);
    }
    fn membership(&self) -> Vec<NetworkMember> {
        self.others.clone()
    }
    fn id_of(&self, msg: &SignedGossipMessage) -> Vec<u8> {
        match &msg.message.content {
            Some(Content::DataMsg(d)) => d
                .payload
                .as_ref()
                .map(|p| p.seq_num.to_string().into_bytes())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }
    fn consume(&self, msg: SignedGossipMessage) {
        let id = String::from_utf8(self.id_of(&msg))
            .unwrap()
            .parse()
            .unwrap();
        self.consumed.lock().unwrap().push(id);
    }
    fn egress_filter(&self, _msg: &dyn ReceivedMessage) -> EgressFilter {
        let hide = self.hide.clone();
        Box::new(move |id| Some(id) != hide.as_deref().map(str::as_bytes))
    }
}

fn block(seq: u64) -> SignedGossipMessage {
    SignedGossipMessage::noop_sign(GossipMessage {
        channel: b"ch".to_vec(),
        tag: Tag::ChanAndOrg as i32,
        content: Some(Content::DataMsg(DataMessage {
            payload: Some(Payload {
                seq_num: seq,
                data: vec![seq as u8],
                private_data: vec![],
            }),
        })),
        ..Default::default()
    })
}

fn conf() -> PullConfig {
    PullConfig {
        msg_type: PullMsgType::BlockMsg,
        channel: b"ch".to_vec(),
        tag: Tag::ChanAndOrg,
        peer_count: 3,
        pull_interval: Duration::from_millis(30),
        digest_wait: Duration::from_millis(20),
        request_wait: Duration::from_millis(50),
        response_wait: Duration::from_millis(20),
    }
}

fn member(ep: &str, id: u8) -> NetworkMember {
    NetworkMember {
        endpoint: ep.into(),
        pki_id: PkiId(vec![id]),
        ..Default::default()
    }
}

/// Wires a node: its mediator gets the pull messages its comm accepts.
fn node(
    net: &InMemNetwork,
    ep: &str,
    id: u8,
    other: NetworkMember,
    hide: Option<&str>,
) -> (Arc<Adapter>, Arc<PullMediator>) {
    let comm = net.join(ep, PkiId(vec![id]), vec![id]);
    let mut rx = comm.accept(Box::new(|m| m.message().message.is_pull_msg()));
    let adapter = Arc::new(Adapter {
        comm,
        others: vec![other],
        consumed: Mutex::default(),
        hide: hide.map(String::from),
    });
    let med = Arc::new(PullMediator::start(conf(), adapter.clone()));
    let m = med.clone();
    tokio::spawn(async move {
        while let Some(r) = rx.recv().await {
            m.handle_message(&r.message().message, r.as_ref());
        }
    });
    (adapter, med)
}

#[tokio::test]
async fn a_peer_pulls_the_items_it_lacks_and_not_the_filtered_ones() {
    let net = InMemNetwork::new();
    let (_a, ma) = node(&net, "a:1", 1, member("b:1", 2), Some("3"));
    let (b, mb) = node(&net, "b:1", 2, member("a:1", 1), None);
    for s in [1, 2, 3] {
        ma.add(block(s));
    }
    mb.add(block(1));
    let got = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if b.consumed.lock().unwrap().contains(&2) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(got.is_ok(), "block 2 was not pulled");
    // More rounds pass: block 3 is hidden by a's egress filter, block 1 was never requested.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let consumed = b.consumed.lock().unwrap().clone();
    assert!(!consumed.contains(&3), "{consumed:?}");
    assert!(!consumed.contains(&1), "{consumed:?}");
    let mut ids = mb.item_ids();
    ids.sort();
    assert_eq!(ids, vec![b"1".to_vec(), b"2".to_vec()]);
    ma.stop().await;
    mb.stop().await;
}
