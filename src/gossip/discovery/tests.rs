use super::*;

#[test]
fn self_endpoint_must_be_host_and_port() {
    assert_eq!(self_port("peer0:7051").unwrap(), 7051);
    assert!(self_port("peer0").is_err());
    assert!(self_port(":7051").is_err());
    assert!(self_port("peer0:70510").is_err());
}

mod tables {
    use std::time::Duration;

    use super::super::state::State;
    use crate::gossip::comm::SignedGossipMessage;
    use crate::gossip::common::{NetworkMember, PkiId};
    use crate::protos::gossip::{
        gossip_message::{Content, Tag},
        AliveMessage, GossipMessage, Member, PeerTime,
    };

    fn alive(id: u8, endpoint: &str, inc: u64, seq: u64) -> SignedGossipMessage {
        SignedGossipMessage::noop_sign(GossipMessage {
            tag: Tag::Empty as i32,
            content: Some(Content::AliveMsg(AliveMessage {
                membership: Some(Member {
                    endpoint: endpoint.into(),
                    metadata: vec![],
                    pki_id: vec![id],
                }),
                timestamp: Some(PeerTime {
                    inc_num: inc,
                    seq_num: seq,
                }),
                identity: vec![],
            })),
            ..Default::default()
        })
    }

    fn me() -> NetworkMember {
        NetworkMember {
            endpoint: "me:7051".into(),
            internal_endpoint: "me:7051".into(),
            pki_id: PkiId(vec![0]),
            ..Default::default()
        }
    }

    #[test]
    fn a_dead_peer_comes_back_only_with_a_newer_timestamp() {
        let mut st = State::new(me(), Duration::from_secs(60));
        st.handle_alive_message(&alive(1, "a:7051", 10, 1));
        assert_eq!(st.membership().len(), 1);
        assert_eq!(st.move_to_dead(&[PkiId(vec![1])]).len(), 1);
        assert!(st.membership().is_empty());
        assert_eq!(st.dead_members().len(), 1);
        // Same incarnation, same sequence: still dead.
        st.handle_alive_message(&alive(1, "a:7051", 10, 1));
        assert!(st.membership().is_empty());
        // A restart (newer incarnation): alive again.
        st.handle_alive_message(&alive(1, "a:7051", 11, 1));
        assert_eq!(st.membership().len(), 1);
        assert!(st.dead_members().is_empty());
        // Alive messages about ourselves are not members.
        st.handle_alive_message(&alive(0, "me:7051", 10, 1));
        assert_eq!(st.membership().len(), 1);
    }

    #[test]
    fn expired_members_are_forgotten_unless_bootstrap_or_anchor() {
        let mut st = State::new(me(), Duration::ZERO);
        for (id, ep) in [(1, "a:7051"), (2, "boot:7051")] {
            let m = alive(id, ep, 10, 1);
            st.msg_store.add(m.clone());
            st.handle_alive_message(&m);
        }
        std::thread::sleep(Duration::from_millis(2));
        st.expire_messages(|ep| ep == "boot:7051");
        let left: Vec<_> = st.membership().into_iter().map(|m| m.endpoint).collect();
        assert_eq!(left, vec!["boot:7051".to_string()]);
        assert!(!st.id2member.contains_key(&PkiId(vec![1])));
    }
}
