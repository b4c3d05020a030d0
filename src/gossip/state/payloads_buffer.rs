//! The blocks waiting for their turn to be committed (Fabric's `state.PayloadsBuffer`):
//! kept by sequence number, handed out strictly in order from `next`, a gap holding back
//! everything after it until it is filled.

use std::collections::BTreeMap;
use std::sync::Mutex;

use tokio::sync::{watch, Notify};

use crate::operations::metrics::Gauge;
use crate::protos::common::Block;

/// Blocks keyed by sequence number, popped in order.
pub struct PayloadsBuffer {
    inner: Mutex<Inner>,
    /// Signalled when the block numbered `next` arrives.
    ready: Notify,
    /// The number of blocks held (waiters for room watch it).
    size: watch::Sender<usize>,
    /// `gossip_payload_buffer_size` and the channel label.
    gauge: Option<(Gauge, String)>,
}

struct Inner {
    next: u64,
    blocks: BTreeMap<u64, Block>,
}

impl PayloadsBuffer {
    /// An empty buffer expecting block `next` first (the ledger height).
    pub fn new(next: u64) -> Self {
        PayloadsBuffer {
            inner: Mutex::new(Inner {
                next,
                blocks: BTreeMap::new(),
            }),
            ready: Notify::new(),
            size: watch::channel(0).0,
            gauge: None,
        }
    }

    /// Reports the size to `gauge` under the label `channel`.
    pub fn with_gauge(mut self, gauge: Gauge, channel: &str) -> Self {
        self.gauge = Some((gauge, channel.to_string()));
        self
    }

    /// Publishes the size (called with the lock held, so the last change is the last
    /// value published).
    fn publish(&self, len: usize) {
        self.size.send_replace(len);
        if let Some((gauge, channel)) = &self.gauge {
            gauge.set(&[channel], len as f64);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds block `seq_num`; `false` when it was already processed or is already held.
    pub fn push(&self, seq_num: u64, block: Block) -> bool {
        let mut inner = self.lock();
        if seq_num < inner.next || inner.blocks.contains_key(&seq_num) {
            tracing::debug!(target: "gossip.state", "Payload with sequence number = {seq_num} has been already processed");
            return false;
        }
        inner.blocks.insert(seq_num, block);
        self.publish(inner.blocks.len());
        let is_next = seq_num == inner.next;
        drop(inner);
        if is_next {
            self.ready.notify_one();
        }
        true
    }

    /// The sequence number expected next.
    pub fn next(&self) -> u64 {
        self.lock().next
    }

    /// The block numbered `next`, if held (and `next` moves on).
    pub fn pop(&self) -> Option<Block> {
        let mut inner = self.lock();
        let next = inner.next;
        let block = inner.blocks.remove(&next)?;
        inner.next += 1;
        self.publish(inner.blocks.len());
        Some(block)
    }

    /// How many blocks are held.
    pub fn size(&self) -> usize {
        *self.size.borrow()
    }

    /// Resolves when the next block may be there (check with [`pop`](Self::pop)).
    pub async fn ready(&self) {
        self.ready.notified().await
    }

    /// Waits until at most `max` blocks are held.
    pub async fn wait_for_room(&self, max: usize) {
        let mut size = self.size.subscribe();
        let _ = size.wait_for(|s| *s <= max).await;
    }

    /// Starts again from `next` (after a failed commit): blocks below it are dropped.
    pub fn reset(&self, next: u64) {
        let mut inner = self.lock();
        inner.next = next;
        inner.blocks = inner.blocks.split_off(&next);
        self.publish(inner.blocks.len());
        let ready = inner.blocks.contains_key(&next);
        drop(inner);
        if ready {
            self.ready.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::common::BlockHeader;

    fn block(n: u64) -> Block {
        Block {
            header: Some(BlockHeader {
                number: n,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn number(b: Option<Block>) -> Option<u64> {
        b.and_then(|b| b.header).map(|h| h.number)
    }

    #[test]
    fn pops_in_order_and_a_gap_holds_back_what_follows_until_filled() {
        let buf = PayloadsBuffer::new(5);
        assert!(buf.push(7, block(7)));
        assert!(buf.push(6, block(6)));
        assert_eq!(number(buf.pop()), None, "5 is missing");
        assert_eq!(buf.size(), 2);
        assert!(buf.push(5, block(5)));
        assert_eq!(number(buf.pop()), Some(5));
        assert_eq!(number(buf.pop()), Some(6));
        assert_eq!(number(buf.pop()), Some(7));
        assert_eq!(number(buf.pop()), None);
        assert_eq!(buf.next(), 8);
        assert_eq!(buf.size(), 0);
    }

    #[test]
    fn old_and_duplicate_blocks_are_refused() {
        let buf = PayloadsBuffer::new(3);
        assert!(!buf.push(2, block(2)));
        assert!(buf.push(4, block(4)));
        assert!(!buf.push(4, block(4)));
        assert_eq!(buf.size(), 1);
    }

    #[test]
    fn reset_drops_what_is_below_the_new_start() {
        let buf = PayloadsBuffer::new(10);
        buf.push(10, block(10));
        buf.push(12, block(12));
        assert_eq!(number(buf.pop()), Some(10));
        buf.reset(12);
        assert_eq!(number(buf.pop()), Some(12));
        buf.push(20, block(20));
        buf.reset(11);
        assert_eq!(buf.size(), 1);
        assert_eq!(buf.next(), 11);
    }

    #[tokio::test]
    async fn ready_fires_when_the_next_block_arrives() {
        let buf = std::sync::Arc::new(PayloadsBuffer::new(1));
        let waiter = {
            let buf = buf.clone();
            tokio::spawn(async move {
                loop {
                    buf.ready().await;
                    if let Some(b) = buf.pop() {
                        return b;
                    }
                }
            })
        };
        buf.push(2, block(2));
        buf.push(1, block(1));
        let got = tokio::time::timeout(std::time::Duration::from_secs(10), waiter)
            .await
            .expect("ready fired")
            .unwrap();
        assert_eq!(number(Some(got)), Some(1));
    }
}
