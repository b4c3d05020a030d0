//! The endorser's Fabric metrics (`core/endorser/metrics.go`), counted where Fabric counts
//! them: proposals received and successful, the duration of each proposal that passed
//! pre-processing (by channel, `name:version` of the chaincode as the proposal names it,
//! and success), and the failures by kind — validation, ACL, duplicate tx id, the Init of
//! an instantiation or upgrade, and endorsement (with `chaincodeerror` telling a chaincode's
//! own error status from a failure of the endorsement step).

use std::time::Duration;

use crate::operations::fabric::{
    ENDORSER_CHAINCODE_INSTANTIATION_FAILURES, ENDORSER_DUPLICATE_TRANSACTION_FAILURES,
    ENDORSER_ENDORSEMENT_FAILURES, ENDORSER_PROPOSALS_RECEIVED, ENDORSER_PROPOSAL_ACL_FAILURES,
    ENDORSER_PROPOSAL_DURATION, ENDORSER_PROPOSAL_VALIDATION_FAILURES,
    ENDORSER_SUCCESSFUL_PROPOSALS,
};
use crate::operations::metrics::{Counter, Histogram, Metrics};

/// The endorser's counters and histogram, registered in one [`Metrics`] registry.
#[derive(Clone)]
pub struct EndorserMetrics {
    received: Counter,
    successful: Counter,
    duration: Histogram,
    validation_failed: Counter,
    acl_failed: Counter,
    duplicate_tx: Counter,
    init_failed: Counter,
    endorsement_failed: Counter,
}

/// (channel, `name:version`) — the labels Fabric puts on the endorser's failure metrics.
pub(crate) struct Labels<'a> {
    pub channel: &'a str,
    pub chaincode: String,
}

impl EndorserMetrics {
    pub fn new(metrics: &Metrics) -> Self {
        EndorserMetrics {
            received: metrics.counter(ENDORSER_PROPOSALS_RECEIVED),
            successful: metrics.counter(ENDORSER_SUCCESSFUL_PROPOSALS),
            duration: metrics.histogram(ENDORSER_PROPOSAL_DURATION),
            validation_failed: metrics.counter(ENDORSER_PROPOSAL_VALIDATION_FAILURES),
            acl_failed: metrics.counter(ENDORSER_PROPOSAL_ACL_FAILURES),
            duplicate_tx: metrics.counter(ENDORSER_DUPLICATE_TRANSACTION_FAILURES),
            init_failed: metrics.counter(ENDORSER_CHAINCODE_INSTANTIATION_FAILURES),
            endorsement_failed: metrics.counter(ENDORSER_ENDORSEMENT_FAILURES),
        }
    }

    pub(crate) fn received(&self) {
        self.received.add(&[], 1.0);
    }

    pub(crate) fn successful(&self) {
        self.successful.add(&[], 1.0);
    }

    pub(crate) fn duration(&self, labels: &Labels, success: bool, elapsed: Duration) {
        let success = if success { "true" } else { "false" };
        self.duration
            .observe_duration(&[labels.channel, &labels.chaincode, success], elapsed);
    }

    pub(crate) fn validation_failed(&self) {
        self.validation_failed.add(&[], 1.0);
    }

    pub(crate) fn acl_failed(&self, labels: &Labels) {
        self.acl_failed
            .add(&[labels.channel, &labels.chaincode], 1.0);
    }

    pub(crate) fn duplicate_tx(&self, labels: &Labels) {
        self.duplicate_tx
            .add(&[labels.channel, &labels.chaincode], 1.0);
    }

    pub(crate) fn init_failed(&self, channel: &str, chaincode: &str) {
        self.init_failed.add(&[channel, chaincode], 1.0);
    }

    pub(crate) fn endorsement_failed(&self, labels: &Labels, chaincode_error: bool) {
        let chaincode_error = if chaincode_error { "true" } else { "false" };
        self.endorsement_failed
            .add(&[labels.channel, &labels.chaincode, chaincode_error], 1.0);
    }
}

impl Default for EndorserMetrics {
    /// Counted in a registry of its own, which nothing exposes.
    fn default() -> Self {
        EndorserMetrics::new(&Metrics::new())
    }
}
