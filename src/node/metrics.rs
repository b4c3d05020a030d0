//! The endorser's Fabric metrics (`endorser_proposals_received`,
//! `endorser_successful_proposals`), counted around any [`ProposalProcessor`].

use std::sync::Arc;

use crate::endorser::{EndorseFuture, EndorserError, ProposalProcessor};
use crate::operations::metrics::{Counter, MetricOpts, Metrics};
use crate::protos::protos::{ProposalResponse, SignedProposal};

pub const PROPOSALS_RECEIVED: MetricOpts = MetricOpts {
    namespace: "endorser",
    subsystem: "",
    name: "proposals_received",
    help: "The number of proposals received.",
    label_names: &[],
};

pub const SUCCESSFUL_PROPOSALS: MetricOpts = MetricOpts {
    namespace: "endorser",
    subsystem: "",
    name: "successful_proposals",
    help: "The number of successful proposals.",
    label_names: &[],
};

/// Counts proposals in and successful answers out.
pub struct CountingEndorser {
    inner: Arc<dyn ProposalProcessor>,
    received: Counter,
    successful: Counter,
}

impl CountingEndorser {
    pub fn new(inner: Arc<dyn ProposalProcessor>, metrics: &Metrics) -> Self {
        CountingEndorser {
            inner,
            received: metrics.counter(PROPOSALS_RECEIVED),
            successful: metrics.counter(SUCCESSFUL_PROPOSALS),
        }
    }
}

impl ProposalProcessor for CountingEndorser {
    fn process_proposal(&self, signed: &SignedProposal) -> Result<ProposalResponse, EndorserError> {
        self.received.add(&[], 1.0);
        self.count(self.inner.process_proposal(signed))
    }

    fn process_proposal_async<'a>(&'a self, signed: &'a SignedProposal) -> EndorseFuture<'a> {
        self.received.add(&[], 1.0);
        Box::pin(async move { self.count(self.inner.process_proposal_async(signed).await) })
    }
}

impl CountingEndorser {
    fn count(
        &self,
        result: Result<ProposalResponse, EndorserError>,
    ) -> Result<ProposalResponse, EndorserError> {
        if let Ok(response) = &result {
            if response.response.as_ref().is_some_and(|r| r.status == 200) {
                self.successful.add(&[], 1.0);
            }
        }
        result
    }
}
