//! The state provider's metrics, with Fabric's names (`gossip/metrics`).

use crate::operations::metrics::{Gauge, Histogram, HistogramOpts, MetricOpts, Metrics};

/// `gossip_state_height{channel}`.
pub const HEIGHT: MetricOpts = MetricOpts {
    label_names: &["channel"],
    ..MetricOpts::new("gossip", "state", "height", "Current ledger height")
};

/// `gossip_state_commit_duration{channel}` (seconds).
pub const COMMIT_DURATION: HistogramOpts = HistogramOpts {
    opts: MetricOpts {
        label_names: &["channel"],
        ..MetricOpts::new(
            "gossip",
            "state",
            "commit_duration",
            "Time it takes to commit a block in seconds",
        )
    },
    buckets: &[],
};

/// `gossip_payload_buffer_size{channel}`.
pub const PAYLOAD_BUFFER_SIZE: MetricOpts = MetricOpts {
    label_names: &["channel"],
    ..MetricOpts::new(
        "gossip",
        "payload_buffer",
        "size",
        "Size of the payload buffer",
    )
};

/// `gossip_leader_election_leader{channel}`: what an election adapter's `report_metrics`
/// sets (1 leader, 0 follower).
pub const LEADER_ELECTION_LEADER: MetricOpts = MetricOpts {
    label_names: &["channel"],
    ..MetricOpts::new(
        "gossip",
        "leader_election",
        "leader",
        "Peer is leader (1) or follower (0)",
    )
};

/// Fabric's `StateMetrics`.
#[derive(Debug, Clone)]
pub struct StateMetrics {
    pub height: Gauge,
    pub commit_duration: Histogram,
    pub payload_buffer_size: Gauge,
}

impl StateMetrics {
    pub fn new(metrics: &Metrics) -> Self {
        StateMetrics {
            height: metrics.gauge(HEIGHT),
            commit_duration: metrics.histogram(COMMIT_DURATION),
            payload_buffer_size: metrics.gauge(PAYLOAD_BUFFER_SIZE),
        }
    }
}
