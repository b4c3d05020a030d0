//! Batching ordered messages into blocks (Fabric's `blockcutter`), with Fabric's exact rules:
//! a message larger than PreferredMaxBytes is isolated in its own batch (after cutting what
//! is pending); a message that would push the pending batch past PreferredMaxBytes cuts the
//! pending batch first; a batch is cut when it reaches MaxMessageCount. The batch timer
//! belongs to the consenter, which calls [`Receiver::cut`] when it fires. Messages over
//! AbsoluteMaxBytes never get here: broadcast filtering rejects them.

use std::time::Instant;

use crate::operations::fabric::BLOCKCUTTER_BLOCK_FILL_DURATION;
use crate::operations::metrics::{Histogram, Metrics};
use crate::protos::common::Envelope;
use crate::protos::orderer::BatchSize;

/// The size Fabric counts for a message: payload plus signature bytes.
pub fn message_size_bytes(message: &Envelope) -> u32 {
    (message.payload.len() + message.signature.len()) as u32
}

/// `blockcutter_block_fill_duration`: from the first message of a batch to its cut.
#[derive(Clone)]
pub struct BlockCutterMetrics {
    block_fill_duration: Histogram,
}

impl BlockCutterMetrics {
    pub fn new(metrics: &Metrics) -> Self {
        BlockCutterMetrics {
            block_fill_duration: metrics.histogram(BLOCKCUTTER_BLOCK_FILL_DURATION),
        }
    }
}

/// The pending batch of one channel.
#[derive(Default)]
pub struct Receiver {
    pending: Vec<Envelope>,
    pending_bytes: u32,
    /// When the pending batch got its first message.
    started: Option<Instant>,
    /// The channel's label and the histogram each cut is timed in.
    fill: Option<(String, Histogram)>,
}

/// What [`Receiver::ordered`] produced: zero, one or two batches to write, and whether a
/// batch is left pending (the consenter then keeps or starts its batch timer).
#[derive(Debug, Default, PartialEq)]
pub struct Ordered {
    pub batches: Vec<Vec<Envelope>>,
    pub pending: bool,
}

impl Receiver {
    pub fn new() -> Self {
        Self::default()
    }

    /// A receiver that times how long each batch of `channel` took to fill.
    pub fn with_metrics(channel: &str, metrics: &BlockCutterMetrics) -> Self {
        Receiver {
            fill: Some((channel.to_string(), metrics.block_fill_duration.clone())),
            ..Self::default()
        }
    }

    /// Adds a message under the channel's current batch size settings.
    pub fn ordered(&mut self, message: Envelope, batch_size: &BatchSize) -> Ordered {
        let size = message_size_bytes(&message);
        let mut out = Ordered::default();
        if size > batch_size.preferred_max_bytes {
            tracing::debug!(target: "orderer.common.blockcutter",
                "The current message, with {size} bytes, is larger than the preferred batch size of {} bytes and will be isolated.",
                batch_size.preferred_max_bytes);
            if !self.pending.is_empty() {
                out.batches.push(self.cut());
            }
            out.batches.push(vec![message]);
            return out;
        }
        if self.pending_bytes.saturating_add(size) > batch_size.preferred_max_bytes {
            tracing::debug!(target: "orderer.common.blockcutter",
                "Pending batch would overflow if current message is added, cutting batch now.");
            out.batches.push(self.cut());
        }
        if self.pending.is_empty() {
            self.started = Some(Instant::now());
        }
        self.pending.push(message);
        self.pending_bytes += size;
        out.pending = true;
        if self.pending.len() as u64 >= u64::from(batch_size.max_message_count) {
            tracing::debug!(target: "orderer.common.blockcutter", "Batch size met, cutting batch");
            out.batches.push(self.cut());
            out.pending = false;
        }
        out
    }

    /// Returns the pending batch (possibly empty) and starts a new one.
    pub fn cut(&mut self) -> Vec<Envelope> {
        if let (Some(started), Some((channel, fill))) = (self.started.take(), &self.fill) {
            fill.observe_duration(&[channel], started.elapsed());
        }
        self.pending_bytes = 0;
        std::mem::take(&mut self.pending)
    }

    /// Whether messages are waiting in the pending batch.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(bytes: usize) -> Envelope {
        Envelope {
            payload: vec![7; bytes],
            signature: Vec::new(),
        }
    }

    fn batch_size(count: u32, preferred: u32) -> BatchSize {
        BatchSize {
            max_message_count: count,
            absolute_max_bytes: 100 * preferred,
            preferred_max_bytes: preferred,
        }
    }

    #[test]
    fn a_small_message_stays_pending() {
        let mut r = Receiver::new();
        let out = r.ordered(msg(10), &batch_size(2, 100));
        assert_eq!(
            out,
            Ordered {
                batches: vec![],
                pending: true
            }
        );
        assert!(r.has_pending());
    }

    #[test]
    fn reaching_max_message_count_cuts() {
        let mut r = Receiver::new();
        let bs = batch_size(2, 100);
        r.ordered(msg(10), &bs);
        let out = r.ordered(msg(11), &bs);
        assert!(!out.pending);
        assert_eq!(out.batches, vec![vec![msg(10), msg(11)]]);
        assert!(!r.has_pending());
    }

    #[test]
    fn a_message_over_preferred_bytes_is_isolated_with_nothing_pending() {
        let mut r = Receiver::new();
        let out = r.ordered(msg(101), &batch_size(10, 100));
        assert_eq!(
            out,
            Ordered {
                batches: vec![vec![msg(101)]],
                pending: false
            }
        );
    }

    #[test]
    fn a_large_message_cuts_the_pending_batch_then_is_isolated() {
        let mut r = Receiver::new();
        let bs = batch_size(10, 100);
        r.ordered(msg(10), &bs);
        let out = r.ordered(msg(101), &bs);
        assert_eq!(out.batches, vec![vec![msg(10)], vec![msg(101)]]);
        assert!(!out.pending);
        assert!(!r.has_pending());
    }

    #[test]
    fn overflowing_preferred_bytes_cuts_before_adding() {
        let mut r = Receiver::new();
        let bs = batch_size(10, 100);
        r.ordered(msg(60), &bs);
        let out = r.ordered(msg(50), &bs);
        assert_eq!(out.batches, vec![vec![msg(60)]]);
        assert!(out.pending);
        assert_eq!(r.cut(), vec![msg(50)]);
    }

    #[test]
    fn overflow_cut_and_count_cut_in_one_call() {
        let mut r = Receiver::new();
        let bs = batch_size(1, 100);
        // Count 1: every message is cut at once, nothing ever pends.
        let out = r.ordered(msg(60), &bs);
        assert_eq!(out.batches, vec![vec![msg(60)]]);
        let mut r = Receiver::new();
        let bs = batch_size(2, 100);
        r.ordered(msg(60), &bs);
        let out = r.ordered(msg(50), &bs);
        assert_eq!(out.batches.len(), 1);
        let out = r.ordered(msg(10), &bs);
        assert_eq!(out.batches, vec![vec![msg(50), msg(10)]]);
    }

    #[test]
    fn exactly_preferred_bytes_is_not_isolated_and_size_counts_the_signature() {
        let mut r = Receiver::new();
        let bs = batch_size(10, 100);
        let out = r.ordered(msg(100), &bs);
        assert!(out.pending && out.batches.is_empty());
        let signed = Envelope {
            payload: vec![1; 95],
            signature: vec![2; 6],
        };
        assert_eq!(message_size_bytes(&signed), 101);
        let out = r.ordered(signed.clone(), &bs);
        assert_eq!(out.batches, vec![vec![msg(100)], vec![signed]]);
    }

    #[test]
    fn cut_empties_the_batch() {
        let mut r = Receiver::new();
        assert!(r.cut().is_empty());
        r.ordered(msg(5), &batch_size(10, 100));
        assert_eq!(r.cut(), vec![msg(5)]);
        assert!(!r.has_pending());
    }

    #[test]
    fn each_cut_batch_is_timed_once_by_channel_and_an_empty_cut_is_not() {
        let metrics = Metrics::new();
        let mut r = Receiver::with_metrics("mychannel", &BlockCutterMetrics::new(&metrics));
        let fill = metrics.histogram(BLOCKCUTTER_BLOCK_FILL_DURATION);
        r.ordered(msg(5), &batch_size(2, 100));
        assert_eq!(fill.count(&["mychannel"]), None, "nothing cut yet");
        let out = r.ordered(msg(5), &batch_size(2, 100));
        assert_eq!(out.batches.len(), 1);
        assert_eq!(fill.count(&["mychannel"]), Some(1));
        assert!(r.cut().is_empty());
        assert_eq!(
            fill.count(&["mychannel"]),
            Some(1),
            "an empty cut is not a batch"
        );
        r.ordered(msg(5), &batch_size(2, 100));
        r.cut();
        assert_eq!(fill.count(&["mychannel"]), Some(2));
    }
}
