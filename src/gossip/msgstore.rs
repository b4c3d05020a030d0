//! A store of messages where a newer message replaces the ones it invalidates, with optional
//! expiration (Fabric's `gossip/msgstore`). It holds no lock and starts no task: its owner
//! guards it and calls [`MessageStore::expire`] from its own periodic work.

use std::time::{Duration, Instant};

use super::comm::SignedGossipMessage;
use super::protoext::{compare, Invalidation};

/// Messages ordered by arrival, filtered by Fabric's gossip message comparator.
#[derive(Debug)]
pub(crate) struct MessageStore {
    max_blocks: u64,
    ttl: Option<Duration>,
    messages: Vec<(SignedGossipMessage, Instant)>,
}

impl MessageStore {
    /// A store using the comparator with `max_blocks` (0 for non-block stores), whose messages
    /// expire after `ttl` when given.
    pub(crate) fn new(max_blocks: u64, ttl: Option<Duration>) -> Self {
        MessageStore {
            max_blocks,
            ttl,
            messages: Vec::new(),
        }
    }

    /// Adds `msg` unless a stored message invalidates it; returns whether it was added and
    /// the stored messages it invalidated (removed).
    pub(crate) fn add(&mut self, msg: SignedGossipMessage) -> (bool, Vec<SignedGossipMessage>) {
        if !self.check_valid(&msg) {
            return (false, Vec::new());
        }
        let mut removed = Vec::new();
        let mut i = 0;
        while i < self.messages.len() {
            if compare(self.max_blocks, &msg.message, &self.messages[i].0.message)
                == Invalidation::Invalidates
            {
                removed.push(self.messages.remove(i).0);
            } else {
                i += 1;
            }
        }
        self.messages.push((msg, Instant::now()));
        (true, removed)
    }

    /// Whether `msg` would be added.
    pub(crate) fn check_valid(&self, msg: &SignedGossipMessage) -> bool {
        !self.messages.iter().any(|(m, _)| {
            compare(self.max_blocks, &msg.message, &m.message) == Invalidation::Invalidated
        })
    }

    /// Removes and returns the messages older than the TTL.
    pub(crate) fn expire(&mut self) -> Vec<SignedGossipMessage> {
        let Some(ttl) = self.ttl else {
            return Vec::new();
        };
        let (old, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut self.messages)
            .into_iter()
            .partition(|(_, at)| at.elapsed() > ttl);
        self.messages = keep;
        old.into_iter().map(|(m, _)| m).collect()
    }

    /// Removes the messages `pred` selects and returns them.
    pub(crate) fn purge(
        &mut self,
        pred: impl Fn(&SignedGossipMessage) -> bool,
    ) -> Vec<SignedGossipMessage> {
        let (gone, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut self.messages)
            .into_iter()
            .partition(|(m, _)| pred(m));
        self.messages = keep;
        gone.into_iter().map(|(m, _)| m).collect()
    }

    pub(crate) fn get(&self) -> Vec<SignedGossipMessage> {
        self.messages.iter().map(|(m, _)| m.clone()).collect()
    }

    #[cfg(test)]
    pub(crate) fn size(&self) -> usize {
        self.messages.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::gossip::{gossip_message::Content, DataMessage, GossipMessage, Payload};

    fn block(seq: u64) -> SignedGossipMessage {
        SignedGossipMessage {
            message: GossipMessage {
                content: Some(Content::DataMsg(DataMessage {
                    payload: Some(Payload {
                        seq_num: seq,
                        ..Default::default()
                    }),
                })),
                ..Default::default()
            },
            envelope: None,
        }
    }

    #[test]
    fn keeps_a_window_of_blocks_and_refuses_duplicates() {
        let mut s = MessageStore::new(2, None);
        assert!(s.add(block(1)).0);
        assert!(!s.add(block(1)).0);
        assert!(s.add(block(3)).0);
        let (added, removed) = s.add(block(4));
        assert!(added);
        assert_eq!(removed, vec![block(1)]);
        assert!(!s.check_valid(&block(1)));
        assert_eq!(s.size(), 2);
    }

    #[test]
    fn expires_after_ttl() {
        let mut s = MessageStore::new(10, Some(Duration::ZERO));
        s.add(block(1));
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(s.expire(), vec![block(1)]);
        assert_eq!(s.size(), 0);
    }
}
