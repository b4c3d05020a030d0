//! Chaincode support's Fabric metrics (`core/chaincode/metrics.go`), counted where Fabric
//! counts them: each launch (duration by chaincode and success, failures, start-up
//! timeouts), each execution that ran out of `chaincode.executetimeout`, and each request a
//! chaincode makes of the peer during a transaction (GET_STATE, PUT_STATE, ...) by type,
//! channel, chaincode and — once answered — success.

use std::time::Duration;

use crate::operations::fabric::{
    CHAINCODE_EXECUTE_TIMEOUTS, CHAINCODE_LAUNCH_DURATION, CHAINCODE_LAUNCH_FAILURES,
    CHAINCODE_LAUNCH_TIMEOUTS, CHAINCODE_SHIM_REQUESTS_COMPLETED, CHAINCODE_SHIM_REQUESTS_RECEIVED,
    CHAINCODE_SHIM_REQUEST_DURATION,
};
use crate::operations::metrics::{Counter, Histogram, Metrics};
use crate::protos::peer::chaincode_message::Type;

/// The counters and histograms of chaincode support, registered in one registry.
#[derive(Clone)]
pub struct ChaincodeMetrics {
    launch_duration: Histogram,
    launch_failures: Counter,
    launch_timeouts: Counter,
    execute_timeouts: Counter,
    requests_received: Counter,
    requests_completed: Counter,
    request_duration: Histogram,
}

impl ChaincodeMetrics {
    pub fn new(metrics: &Metrics) -> Self {
        ChaincodeMetrics {
            launch_duration: metrics.histogram(CHAINCODE_LAUNCH_DURATION),
            launch_failures: metrics.counter(CHAINCODE_LAUNCH_FAILURES),
            launch_timeouts: metrics.counter(CHAINCODE_LAUNCH_TIMEOUTS),
            execute_timeouts: metrics.counter(CHAINCODE_EXECUTE_TIMEOUTS),
            requests_received: metrics.counter(CHAINCODE_SHIM_REQUESTS_RECEIVED),
            requests_completed: metrics.counter(CHAINCODE_SHIM_REQUESTS_COMPLETED),
            request_duration: metrics.histogram(CHAINCODE_SHIM_REQUEST_DURATION),
        }
    }

    /// A launch of `cname` (`name:version`) that took `took`; a failure is also counted as
    /// such, and as a timeout when it ran out of `chaincode.startuptimeout`.
    pub(crate) fn launched(&self, cname: &str, took: Duration, failure: Option<bool>) {
        let success = if failure.is_none() { "true" } else { "false" };
        self.launch_duration
            .observe_duration(&[cname, success], took);
        if let Some(timed_out) = failure {
            self.launch_failures.add(&[cname], 1.0);
            if timed_out {
                self.launch_timeouts.add(&[cname], 1.0);
            }
        }
    }

    pub(crate) fn execute_timed_out(&self, cname: &str) {
        self.execute_timeouts.add(&[cname], 1.0);
    }

    /// A request of `kind` from `cname` on `channel` arrived.
    pub(crate) fn request_received(&self, kind: i32, channel: &str, cname: &str) {
        self.requests_received
            .add(&[type_name(kind), channel, cname], 1.0);
    }

    /// The request was answered after `took` with `answer` (ERROR: not a success).
    pub(crate) fn request_completed(
        &self,
        kind: i32,
        channel: &str,
        cname: &str,
        answer: i32,
        took: Duration,
    ) {
        let success = if answer == Type::Error as i32 {
            "false"
        } else {
            "true"
        };
        let labels = [type_name(kind), channel, cname, success];
        self.requests_completed.add(&labels, 1.0);
        self.request_duration.observe_duration(&labels, took);
    }
}

impl Default for ChaincodeMetrics {
    /// Counted in a registry of its own, which nothing exposes.
    fn default() -> Self {
        ChaincodeMetrics::new(&Metrics::new())
    }
}

/// The message type's name as Fabric's `String()` writes it (`GET_STATE`).
fn type_name(kind: i32) -> &'static str {
    Type::try_from(kind).map_or("UNDEFINED", |t| t.as_str_name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_launches_carry_fabrics_labels() {
        let registry = Metrics::new();
        let m = ChaincodeMetrics::new(&registry);
        m.request_received(Type::GetState as i32, "ch", "mycc:1.0");
        m.request_completed(
            Type::GetState as i32,
            "ch",
            "mycc:1.0",
            Type::Response as i32,
            Duration::from_millis(1),
        );
        m.launched("mycc:1.0", Duration::from_secs(1), Some(true));
        m.execute_timed_out("mycc:1.0");
        let text = registry.render();
        for line in [
            "chaincode_shim_requests_received{type=\"GET_STATE\",channel=\"ch\",chaincode=\"mycc:1.0\"} 1",
            "chaincode_shim_requests_completed{type=\"GET_STATE\",channel=\"ch\",chaincode=\"mycc:1.0\",success=\"true\"} 1",
            "chaincode_launch_failures{chaincode=\"mycc:1.0\"} 1",
            "chaincode_launch_timeouts{chaincode=\"mycc:1.0\"} 1",
            "chaincode_execute_timeouts{chaincode=\"mycc:1.0\"} 1",
            "chaincode_launch_duration_count{chaincode=\"mycc:1.0\",success=\"false\"} 1",
        ] {
            assert!(text.contains(line), "{line}\n{text}");
        }
    }
}
