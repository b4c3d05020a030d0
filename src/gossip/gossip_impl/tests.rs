//! Gossip among peers on the in-memory network, with intervals of tens of milliseconds;
//! timeouts are only upper bounds for "it happened".

use std::collections::HashMap;

use super::*;
use crate::gossip::api::AnchorPeer;
use crate::gossip::comm::inmem::InMemNetwork;
use crate::gossip::testutil::{eventually, identity, pki_of, FakeMcs, FakeSa, JoinMsg};
use crate::protos::gossip::{gossip_message::Tag, DataMessage, Payload};

const LIMIT: Duration = Duration::from_secs(20);

fn settings(endpoint: &str, external: bool, bootstrap: &[&str]) -> GossipSettings {
    let ms = Duration::from_millis;
    GossipSettings {
        internal_endpoint: endpoint.into(),
        external_endpoint: if external {
            endpoint.into()
        } else {
            String::new()
        },
        bootstrap_peers: bootstrap.iter().map(|s| s.to_string()).collect(),
        propagate_iterations: 1,
        propagate_peer_num: 3,
        max_propagation_burst_size: 10,
        max_propagation_burst_latency: ms(10),
        pull_interval: ms(100),
        pull_peer_num: 3,
        publish_cert_period: Duration::from_secs(60),
        publish_state_info_interval: ms(50),
        digest_wait: ms(30),
        request_wait: ms(80),
        response_wait: ms(30),
        discovery: DiscoveryConfig {
            alive_time_interval: ms(50),
            alive_expiration_timeout: ms(500),
            alive_expiration_check_interval: ms(50),
            reconnect_interval: ms(100),
            max_connection_attempts: 100,
            msg_expiration_factor: 20,
            bootstrap_peers: bootstrap.iter().map(|s| s.to_string()).collect(),
        },
        channel: ChannelConfig {
            publish_state_info_interval: ms(50),
            request_state_info_interval: ms(100),
            max_block_count_to_store: 100,
            pull_peer_num: 3,
            pull_interval: ms(100),
            block_expiration_interval: Duration::from_secs(60),
            state_info_cache_sweep_interval: ms(500),
            digest_wait: ms(30),
            request_wait: ms(80),
            response_wait: ms(30),
            msg_expiration_timeout: Duration::from_secs(10),
            membership_tracker_interval: ms(100),
        },
    }
}

struct Peer {
    name: String,
    pki_id: PkiId,
    g: GossipImpl,
}

fn start_peer(
    net: &InMemNetwork,
    org: &str,
    name: &str,
    external: bool,
    bootstrap: &[&str],
) -> Peer {
    let endpoint = format!("{name}:7051");
    let me = identity(org, name);
    let mcs: Arc<dyn MessageCryptoService> = Arc::new(FakeMcs { me: me.clone() });
    let sa: Arc<dyn SecurityAdvisor> = Arc::new(FakeSa);
    let deps = GossipDeps {
        comm: net.join(&endpoint, pki_of(&me), me.clone()),
        id_mapper: Arc::new(
            crate::gossip::identity::IdentityMapper::new(
                mcs.clone(),
                sa.clone(),
                me.clone(),
                Box::new(|_, _| {}),
            )
            .unwrap(),
        ),
        mcs,
        sa,
        self_identity: me.clone(),
    };
    let g = GossipImpl::start(settings(&endpoint, external, bootstrap), deps).unwrap();
    Peer {
        name: name.into(),
        pki_id: pki_of(&me),
        g,
    }
}

fn names(peers: &[&Peer], members: &[NetworkMember]) -> Vec<String> {
    let mut v: Vec<String> = members
        .iter()
        .map(|m| {
            peers
                .iter()
                .find(|p| p.pki_id == m.pki_id)
                .map_or("?".into(), |p| p.name.clone())
        })
        .collect();
    v.sort();
    v
}

fn join_msg(orgs: &[&str], anchors: &[(&str, &str)]) -> JoinMsg {
    let mut a: HashMap<OrgId, Vec<AnchorPeer>> = HashMap::new();
    for (org, host) in anchors {
        a.entry(org.as_bytes().to_vec())
            .or_default()
            .push(AnchorPeer {
                host: host.to_string(),
                port: 7051,
            });
    }
    JoinMsg {
        seq: 1,
        orgs: orgs.iter().map(|o| o.as_bytes().to_vec()).collect(),
        anchors: a,
    }
}

fn block(seq: u64, data: &[u8]) -> GossipMessage {
    GossipMessage {
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
    }
}

fn seq_of(m: &GossipMessage) -> Option<u64> {
    match &m.content {
        Some(Content::DataMsg(d)) => d.payload.as_ref().map(|p| p.seq_num),
        _ => None,
    }
}

async fn stop_all(peers: Vec<Peer>) {
    for p in peers {
        p.g.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn membership_converges_across_two_orgs_from_bootstrap_and_anchor_peers() {
    let net = InMemNetwork::new();
    let p1 = start_peer(&net, "Org1MSP", "p1", true, &[]);
    let p2 = start_peer(&net, "Org1MSP", "p2", true, &["p1:7051"]);
    // p3 has no external endpoint: its organization knows it, the other does not, and (as
    // in Fabric) it learns no peers of the other organization either.
    let p3 = start_peer(&net, "Org1MSP", "p3", false, &["p1:7051"]);
    let q1 = start_peer(&net, "Org2MSP", "q1", true, &[]);
    let q2 = start_peer(&net, "Org2MSP", "q2", true, &["q1:7051"]);
    let join = join_msg(
        &["Org1MSP", "Org2MSP"],
        &[("Org1MSP", "p1"), ("Org2MSP", "q1")],
    );
    for p in [&p1, &p2, &p3, &q1, &q2] {
        p.g.join_chan(&join, b"ch");
    }
    let all = [&p1, &p2, &p3, &q1, &q2];
    let want: [(&Peer, &[&str]); 5] = [
        (&p1, &["p2", "p3", "q1", "q2"]),
        (&p2, &["p1", "p3", "q1", "q2"]),
        (&p3, &["p1", "p2"]),
        (&q1, &["p1", "p2", "q2"]),
        (&q2, &["p1", "p2", "q1"]),
    ];
    let converged = eventually(LIMIT, || {
        want.iter().all(|(p, w)| names(&all, &p.g.peers()) == *w)
    })
    .await;
    let views: Vec<_> = want
        .iter()
        .map(|(p, _)| (p.name.clone(), names(&all, &p.g.peers())))
        .collect();
    assert!(converged, "membership did not converge: {views:?}");
    // The internal endpoint travels only inside the organization.
    let p3_seen_by_p1 =
        p1.g.peers()
            .into_iter()
            .find(|m| m.pki_id == p3.pki_id)
            .unwrap();
    assert_eq!(p3_seen_by_p1.internal_endpoint, "p3:7051");
    let org1_seen_by_q1: Vec<_> =
        q1.g.peers()
            .into_iter()
            .filter(|m| m.pki_id != q2.pki_id)
            .collect();
    assert!(
        org1_seen_by_q1
            .iter()
            .all(|m| m.internal_endpoint.is_empty()),
        "{org1_seen_by_q1:?}"
    );
    assert!(p1.g.is_in_my_org(&p2.g.self_membership_info()));
    assert!(!p1.g.is_in_my_org(&q1.g.self_membership_info()));
    // Identities were learned (alive messages and the identity pull).
    assert!(q2
        .g
        .identity_info()
        .iter()
        .any(|i| i.pki_id == p1.pki_id && i.organization == b"Org1MSP"));
    stop_all(vec![p1, p2, p3, q1, q2]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_peer_is_declared_dead_and_alive_again_after_restart() {
    let net = InMemNetwork::new();
    let p1 = start_peer(&net, "Org1MSP", "p1", true, &[]);
    let p2 = start_peer(&net, "Org1MSP", "p2", true, &["p1:7051"]);
    let all = [&p1, &p2];
    assert!(eventually(LIMIT, || names(&all, &p1.g.peers()) == ["p2"]).await);
    p2.g.stop().await;
    // Dead after aliveExpirationTimeout (500 ms) without alive messages.
    assert!(
        eventually(LIMIT, || p1.g.peers().is_empty()).await,
        "p2 was never declared dead"
    );
    let p2 = start_peer(&net, "Org1MSP", "p2", true, &["p1:7051"]);
    let all = [&p1, &p2];
    assert!(
        eventually(LIMIT, || names(&all, &p1.g.peers()) == ["p2"]).await,
        "p2 did not come back alive"
    );
    stop_all(vec![p1, p2]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_of_channel_lists_channel_members_with_their_heights() {
    let net = InMemNetwork::new();
    let p1 = start_peer(&net, "Org1MSP", "p1", true, &[]);
    let p2 = start_peer(&net, "Org1MSP", "p2", true, &["p1:7051"]);
    let p3 = start_peer(&net, "Org1MSP", "p3", true, &["p1:7051"]);
    let join = join_msg(&["Org1MSP"], &[]);
    p1.g.join_chan(&join, b"ch");
    p2.g.join_chan(&join, b"ch");
    p3.g.join_chan(&join, b"other");
    p2.g.update_ledger_height(5, b"ch");
    let all = [&p1, &p2, &p3];
    let height_of_p2 = |p: &Peer| {
        p.g.peers_of_channel(b"ch")
            .iter()
            .find(|m| m.pki_id == p2.pki_id)
            .and_then(|m| m.properties.as_ref().map(|x| x.ledger_height))
    };
    assert!(
        eventually(LIMIT, || names(&all, &p1.g.peers()) == ["p2", "p3"]
            && height_of_p2(&p1) == Some(5))
        .await,
        "p1 sees {:?} in ch",
        names(&all, &p1.g.peers_of_channel(b"ch"))
    );
    // p3 is a member but not of the channel.
    assert_eq!(names(&all, &p1.g.peers_of_channel(b"ch")), ["p2"]);
    assert!(p1.g.peers_of_channel(b"nosuch").is_empty());
    assert_eq!(
        p2.g.self_channel_info(b"ch")
            .map(|m| m.message.content.is_some()),
        Some(true)
    );
    stop_all(vec![p1, p2, p3]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_block_reaches_every_peer_by_push_and_a_late_peer_by_pull() {
    let net = InMemNetwork::new();
    let p1 = start_peer(&net, "Org1MSP", "p1", true, &[]);
    let others: Vec<Peer> = ["p2", "p3", "p4"]
        .iter()
        .map(|n| start_peer(&net, "Org1MSP", n, true, &["p1:7051"]))
        .collect();
    let join = join_msg(&["Org1MSP"], &[]);
    p1.g.join_chan(&join, b"ch");
    let mut inboxes = Vec::new();
    for p in &others {
        p.g.join_chan(&join, b"ch");
        inboxes.push(p.g.accept(Box::new(|m| seq_of(m).is_some())));
    }
    // Every peer sees the three others in the channel before the block is pushed.
    assert!(eventually(LIMIT, || p1.g.peers_of_channel(b"ch").len() == 3).await);
    p1.g.gossip(block(1, b"bad"));
    p1.g.gossip(block(2, b"good"));
    for (p, inbox) in others.iter().zip(inboxes.iter_mut()) {
        let first = tokio::time::timeout(LIMIT, inbox.recv()).await;
        let got = first.ok().flatten().as_ref().and_then(seq_of);
        // Block 1 does not verify: the first block taken is block 2.
        assert_eq!(got, Some(2), "{} got {got:?}", p.name);
    }
    // A peer that joins now missed the push; it pulls block 2 from the others.
    let late = start_peer(&net, "Org1MSP", "p5", true, &["p1:7051"]);
    late.g.join_chan(&join, b"ch");
    let mut inbox = late.g.accept(Box::new(|m| seq_of(m).is_some()));
    let pulled = tokio::time::timeout(LIMIT, inbox.recv())
        .await
        .ok()
        .flatten();
    assert_eq!(pulled.as_ref().and_then(seq_of), Some(2));
    let mut peers = others;
    peers.push(p1);
    peers.push(late);
    stop_all(peers).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_info_of_a_foreign_org_not_in_the_channel_is_dropped() {
    let net = InMemNetwork::new();
    let p1 = start_peer(&net, "Org1MSP", "p1", true, &[]);
    let p2 = start_peer(&net, "Org1MSP", "p2", true, &["p1:7051"]);
    let q1 = start_peer(&net, "Org2MSP", "q1", true, &[]);
    let q1_id = q1.pki_id.clone();
    let mut raw = p1.g.accept_pass_through(Box::new(move |m| {
        matches!(&m.message().message.content, Some(Content::StateInfo(si)) if si.pki_id == q1_id.0)
    }));
    // For Org1 the channel has Org1 only; q1 believes Org2 is in it and publishes state info.
    let org1_view = join_msg(&["Org1MSP"], &[]);
    p1.g.join_chan(&org1_view, b"ch");
    p2.g.join_chan(&org1_view, b"ch");
    q1.g.join_chan(
        &join_msg(&["Org1MSP", "Org2MSP"], &[("Org1MSP", "p1")]),
        b"ch",
    );
    q1.g.update_ledger_height(9, b"ch");
    p2.g.update_ledger_height(4, b"ch");
    let all = [&p1, &p2, &q1];
    assert!(eventually(LIMIT, || names(&all, &p1.g.peers()) == ["p2", "q1"]).await);
    assert!(
        eventually(LIMIT, || names(&all, &p1.g.peers_of_channel(b"ch"))
            == ["p2"])
        .await
    );
    // Once p1 has received q1's state info, a newer state info of p2 (queued behind it)
    // shows it was handled: q1 is still not a peer of the channel for Org1.
    assert!(
        tokio::time::timeout(LIMIT, raw.recv()).await.is_ok(),
        "q1's state info never reached p1"
    );
    p2.g.update_ledger_height(6, b"ch");
    let p2_height = || {
        p1.g.peers_of_channel(b"ch")
            .iter()
            .find(|m| m.pki_id == p2.pki_id)
            .and_then(|m| m.properties.as_ref().map(|x| x.ledger_height))
    };
    assert!(eventually(LIMIT, || p2_height() == Some(6)).await);
    assert_eq!(names(&all, &p1.g.peers_of_channel(b"ch")), ["p2"]);
    assert_eq!(names(&all, &p2.g.peers_of_channel(b"ch")), ["p1"]);
    stop_all(vec![p1, p2, q1]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bootstrap_peers_must_be_of_our_org() {
    let net = InMemNetwork::new();
    let p1 = start_peer(&net, "Org1MSP", "p1", true, &[]);
    let p2 = start_peer(&net, "Org1MSP", "p2", true, &[]);
    let q1 = start_peer(&net, "Org2MSP", "q1", true, &[]);
    let own =
        p1.g.inner
            .handshake_identifier("p2:7051".into(), true, None)()
        .await;
    assert_eq!(
        own.unwrap(),
        PeerIdentification {
            id: p2.pki_id.clone(),
            self_org: true
        }
    );
    let foreign =
        p1.g.inner
            .handshake_identifier("q1:7051".into(), true, None)()
        .await;
    assert!(
        matches!(&foreign, Err(IdentifyError::Refused(why)) if why.contains("cannot be a bootstrap peer")),
        "{foreign:?}"
    );
    // An anchor peer of another organization is identified, not refused.
    let anchor =
        p1.g.inner
            .handshake_identifier("q1:7051".into(), false, Some("ch".into()))()
        .await;
    assert!(matches!(
        anchor,
        Ok(PeerIdentification {
            self_org: false,
            ..
        })
    ));
    stop_all(vec![p1, p2, q1]).await;
}
