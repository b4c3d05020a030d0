//! How a new gossip message relates to one a store already holds (Fabric's
//! `NewGossipMessageComparator` and `common.InvalidationResult`).

use crate::protos::gossip::gossip_message::Content;
use crate::protos::gossip::{GossipMessage, PeerTime};

/// What adding a message to a store does to a message already there
/// (Fabric's `common.InvalidationResult`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalidation {
    NoAction,
    /// The new message invalidates the stored one.
    Invalidates,
    /// The new message is invalidated by the stored one.
    Invalidated,
}

fn compare_timestamps(this: Option<&PeerTime>, that: Option<&PeerTime>) -> Invalidation {
    let (a, b) = (
        this.cloned().unwrap_or_default(),
        that.cloned().unwrap_or_default(),
    );
    if a.inc_num == b.inc_num {
        if a.seq_num > b.seq_num {
            return Invalidation::Invalidates;
        }
        return Invalidation::Invalidated;
    }
    if a.inc_num < b.inc_num {
        return Invalidation::Invalidated;
    }
    Invalidation::Invalidates
}

/// Fabric's `NewGossipMessageComparator(maxBlocks)`: how `this` (new) relates to `that`.
pub fn compare(max_blocks: u64, this: &GossipMessage, that: &GossipMessage) -> Invalidation {
    match (&this.content, &that.content) {
        (Some(Content::AliveMsg(a)), Some(Content::AliveMsg(b))) => {
            let id = |m: &crate::protos::gossip::AliveMessage| {
                m.membership
                    .as_ref()
                    .map(|x| x.pki_id.clone())
                    .unwrap_or_default()
            };
            if id(a) != id(b) {
                return Invalidation::NoAction;
            }
            compare_timestamps(a.timestamp.as_ref(), b.timestamp.as_ref())
        }
        (Some(Content::DataMsg(a)), Some(Content::DataMsg(b))) => {
            let s = |m: &crate::protos::gossip::DataMessage| {
                m.payload.as_ref().map_or(0, |p| p.seq_num)
            };
            let (x, y) = (s(a), s(b));
            if x == y {
                return Invalidation::Invalidated;
            }
            if x.abs_diff(y) <= max_blocks {
                return Invalidation::NoAction;
            }
            if x > y {
                Invalidation::Invalidates
            } else {
                Invalidation::Invalidated
            }
        }
        (Some(Content::StateInfo(a)), Some(Content::StateInfo(b))) => {
            if a.pki_id != b.pki_id {
                return Invalidation::NoAction;
            }
            compare_timestamps(a.timestamp.as_ref(), b.timestamp.as_ref())
        }
        (Some(Content::PeerIdentity(a)), Some(Content::PeerIdentity(b))) => {
            if a.pki_id == b.pki_id {
                Invalidation::Invalidated
            } else {
                Invalidation::NoAction
            }
        }
        (Some(Content::LeadershipMsg(a)), Some(Content::LeadershipMsg(b))) => {
            if a.pki_id != b.pki_id {
                return Invalidation::NoAction;
            }
            compare_timestamps(a.timestamp.as_ref(), b.timestamp.as_ref())
        }
        _ => Invalidation::NoAction,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::gossip::gossip_message::Tag;
    use crate::protos::gossip::{AliveMessage, DataMessage, Member, Payload};

    fn alive(pki: &[u8], inc: u64, seq: u64) -> GossipMessage {
        GossipMessage {
            tag: Tag::Empty as i32,
            content: Some(Content::AliveMsg(AliveMessage {
                membership: Some(Member {
                    pki_id: pki.to_vec(),
                    ..Default::default()
                }),
                timestamp: Some(PeerTime {
                    inc_num: inc,
                    seq_num: seq,
                }),
                identity: vec![],
            })),
            ..Default::default()
        }
    }

    fn block(seq: u64) -> GossipMessage {
        GossipMessage {
            tag: Tag::ChanAndOrg as i32,
            content: Some(Content::DataMsg(DataMessage {
                payload: Some(Payload {
                    seq_num: seq,
                    ..Default::default()
                }),
            })),
            ..Default::default()
        }
    }

    #[test]
    fn newer_alive_invalidates_older_of_the_same_peer_only() {
        assert_eq!(
            compare(0, &alive(b"a", 1, 2), &alive(b"a", 1, 1)),
            Invalidation::Invalidates
        );
        assert_eq!(
            compare(0, &alive(b"a", 1, 1), &alive(b"a", 1, 1)),
            Invalidation::Invalidated
        );
        assert_eq!(
            compare(0, &alive(b"a", 1, 9), &alive(b"a", 2, 1)),
            Invalidation::Invalidated
        );
        assert_eq!(
            compare(0, &alive(b"a", 1, 9), &alive(b"b", 0, 1)),
            Invalidation::NoAction
        );
    }

    #[test]
    fn blocks_are_kept_within_the_window() {
        assert_eq!(compare(10, &block(5), &block(5)), Invalidation::Invalidated);
        assert_eq!(compare(10, &block(15), &block(5)), Invalidation::NoAction);
        assert_eq!(
            compare(10, &block(16), &block(5)),
            Invalidation::Invalidates
        );
        assert_eq!(
            compare(10, &block(5), &block(16)),
            Invalidation::Invalidated
        );
    }
}
