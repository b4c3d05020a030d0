//! Gossip's comm metrics under Fabric's names (`gossip/metrics`: `CommMetrics`); the state
//! provider's and the leader election's are in `state::metrics`.

use crate::operations::metrics::{Counter, MetricOpts, Metrics};

/// `gossip_comm_messages_sent`.
pub const SENT_MESSAGES: MetricOpts =
    MetricOpts::new("gossip", "comm", "messages_sent", "Number of messages sent");

/// `gossip_comm_overflow_count`.
pub const BUFFER_OVERFLOW: MetricOpts = MetricOpts::new(
    "gossip",
    "comm",
    "overflow_count",
    "Number of outgoing queue buffer overflows",
);

/// `gossip_comm_messages_received`.
pub const RECEIVED_MESSAGES: MetricOpts = MetricOpts::new(
    "gossip",
    "comm",
    "messages_received",
    "Number of messages received",
);

/// Fabric's `CommMetrics`: what every connection counts.
#[derive(Debug, Clone)]
pub struct CommMetrics {
    pub sent_messages: Counter,
    pub buffer_overflow: Counter,
    pub received_messages: Counter,
}

impl CommMetrics {
    /// The comm metrics registered on `metrics`; `None` when the peer has no operations
    /// metrics to report them on.
    pub fn new(metrics: Option<&Metrics>) -> Option<Self> {
        let metrics = metrics?;
        Some(CommMetrics {
            sent_messages: metrics.counter(SENT_MESSAGES),
            buffer_overflow: metrics.counter(BUFFER_OVERFLOW),
            received_messages: metrics.counter(RECEIVED_MESSAGES),
        })
    }
}

/// Adds one to `counter` when there are metrics.
pub(crate) fn count(counter: Option<&Counter>) {
    if let Some(c) = counter {
        c.add(&[], 1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fabric_names() {
        let metrics = Metrics::new();
        let comm = CommMetrics::new(Some(&metrics)).unwrap();
        count(Some(&comm.sent_messages));
        count(Some(&comm.received_messages));
        count(Some(&comm.received_messages));
        let text = metrics.render();
        assert!(text.contains("gossip_comm_messages_sent 1"), "{text}");
        assert!(text.contains("gossip_comm_messages_received 2"), "{text}");
        assert!(
            text.contains("# HELP gossip_comm_messages_sent Number of messages sent"),
            "{text}"
        );
        assert!(!text.contains("gossip_comm_overflow_count 1"), "{text}");
        count(Some(&comm.buffer_overflow));
        count(None);
        assert!(
            metrics.render().contains("gossip_comm_overflow_count 1"),
            "{text}"
        );
        assert!(CommMetrics::new(None).is_none());
    }
}
