//! The peer's Fabric metrics that wrap its components: the endorser's
//! (`endorser_proposals_received`, `endorser_successful_proposals`,
//! `endorser_proposal_duration`), counted around any [`ProposalProcessor`], and the
//! ledger's commit timings (`ledger_block_processing_time`, `ledger_blockstorage_commit_time`,
//! `ledger_blockstorage_and_pvtdata_commit_time`, `ledger_statedb_commit_time`).

use std::sync::Arc;
use std::time::Instant;

use prost::Message;

use crate::endorser::{EndorseFuture, EndorserError, ProposalProcessor};
use crate::ledger::CommitTimings;
use crate::operations::fabric::{
    ENDORSER_PROPOSALS_RECEIVED, ENDORSER_PROPOSAL_DURATION, ENDORSER_SUCCESSFUL_PROPOSALS,
    LEDGER_BLOCKSTORAGE_AND_PVTDATA_COMMIT_TIME, LEDGER_BLOCKSTORAGE_COMMIT_TIME,
    LEDGER_BLOCK_PROCESSING_TIME, LEDGER_STATEDB_COMMIT_TIME,
};
use crate::operations::metrics::{Counter, Histogram, MetricOpts, Metrics};
use crate::protos::common::{ChannelHeader, Header};
use crate::protos::peer::{ChaincodeHeaderExtension, Proposal};
use crate::protos::protos::{ProposalResponse, SignedProposal};

pub const PROPOSALS_RECEIVED: MetricOpts = ENDORSER_PROPOSALS_RECEIVED;

pub const SUCCESSFUL_PROPOSALS: MetricOpts = ENDORSER_SUCCESSFUL_PROPOSALS;

/// Counts proposals in and successful answers out, and times them.
pub struct CountingEndorser {
    inner: Arc<dyn ProposalProcessor>,
    received: Counter,
    successful: Counter,
    duration: Histogram,
}

impl CountingEndorser {
    pub fn new(inner: Arc<dyn ProposalProcessor>, metrics: &Metrics) -> Self {
        CountingEndorser {
            inner,
            received: metrics.counter(PROPOSALS_RECEIVED),
            successful: metrics.counter(SUCCESSFUL_PROPOSALS),
            duration: metrics.histogram(ENDORSER_PROPOSAL_DURATION),
        }
    }
}

/// (channel, `name:version` of the chaincode) of a proposal whose headers decode, as
/// Fabric labels `endorser_proposal_duration` (which it leaves out for proposals that fail
/// before their headers are read).
fn proposal_labels(signed: &SignedProposal) -> Option<(String, String)> {
    let proposal = Proposal::decode(signed.proposal_bytes.as_slice()).ok()?;
    let header = Header::decode(proposal.header.as_slice()).ok()?;
    let channel = ChannelHeader::decode(header.channel_header.as_slice()).ok()?;
    let extension = ChaincodeHeaderExtension::decode(channel.extension.as_slice()).ok()?;
    let id = extension.chaincode_id?;
    Some((channel.channel_id, format!("{}:{}", id.name, id.version)))
}

impl ProposalProcessor for CountingEndorser {
    fn process_proposal(&self, signed: &SignedProposal) -> Result<ProposalResponse, EndorserError> {
        let started = Instant::now();
        self.received.add(&[], 1.0);
        let result = self.inner.process_proposal(signed);
        self.count(signed, started, result)
    }

    fn process_proposal_async<'a>(&'a self, signed: &'a SignedProposal) -> EndorseFuture<'a> {
        let started = Instant::now();
        self.received.add(&[], 1.0);
        Box::pin(async move {
            let result = self.inner.process_proposal_async(signed).await;
            self.count(signed, started, result)
        })
    }
}

impl CountingEndorser {
    /// Counts a successful answer and times the proposal by channel and chaincode.
    fn count(
        &self,
        signed: &SignedProposal,
        started: Instant,
        result: Result<ProposalResponse, EndorserError>,
    ) -> Result<ProposalResponse, EndorserError> {
        let success = result
            .as_ref()
            .is_ok_and(|r| r.response.as_ref().is_some_and(|r| r.status == 200));
        if success {
            self.successful.add(&[], 1.0);
        }
        if let Some((channel, chaincode)) = proposal_labels(signed) {
            let success = if success { "true" } else { "false" };
            self.duration
                .observe_duration(&[&channel, &chaincode, success], started.elapsed());
        }
        result
    }
}

/// The kvledger's and the block store's commit histograms for the peer's channels.
/// Blocks, index, state and history are committed here as one durable write after the
/// block is appended to its file: `blockstorage_commit_time` (and, with no private data
/// store, `blockstorage_and_pvtdata_commit_time`) times the append, `statedb_commit_time`
/// the durable write, `block_processing_time` the whole commit with MVCC validation.
#[derive(Clone)]
pub struct LedgerTimingMetrics {
    block_processing: Histogram,
    blockstorage: Histogram,
    blockstorage_and_pvtdata: Histogram,
    statedb: Histogram,
}

impl LedgerTimingMetrics {
    pub fn new(metrics: &Metrics) -> Self {
        LedgerTimingMetrics {
            block_processing: metrics.histogram(LEDGER_BLOCK_PROCESSING_TIME),
            blockstorage: metrics.histogram(LEDGER_BLOCKSTORAGE_COMMIT_TIME),
            blockstorage_and_pvtdata: metrics
                .histogram(LEDGER_BLOCKSTORAGE_AND_PVTDATA_COMMIT_TIME),
            statedb: metrics.histogram(LEDGER_STATEDB_COMMIT_TIME),
        }
    }

    /// Records one commit of `channel`.
    pub fn observe(&self, channel: &str, timings: &CommitTimings) {
        let labels = [channel];
        self.block_processing
            .observe_duration(&labels, timings.block_processing);
        self.blockstorage
            .observe_duration(&labels, timings.blockstorage);
        self.blockstorage_and_pvtdata
            .observe_duration(&labels, timings.blockstorage);
        self.statedb.observe_duration(&labels, timings.statedb);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::peer::ChaincodeId;
    use crate::protos::protos::Response;

    struct Answer(i32);

    impl ProposalProcessor for Answer {
        fn process_proposal(&self, _: &SignedProposal) -> Result<ProposalResponse, EndorserError> {
            Ok(ProposalResponse {
                response: Some(Response {
                    status: self.0,
                    ..Default::default()
                }),
                ..Default::default()
            })
        }
    }

    fn proposal(channel: &str, chaincode: &str) -> SignedProposal {
        let extension = ChaincodeHeaderExtension {
            chaincode_id: Some(ChaincodeId {
                name: chaincode.into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        let channel_header = ChannelHeader {
            channel_id: channel.into(),
            extension: extension.encode_to_vec(),
            ..Default::default()
        };
        let header = Header {
            channel_header: channel_header.encode_to_vec(),
            ..Default::default()
        };
        let proposal = Proposal {
            header: header.encode_to_vec(),
            ..Default::default()
        };
        SignedProposal {
            proposal_bytes: proposal.encode_to_vec(),
            signature: Vec::new(),
        }
    }

    #[test]
    fn counts_and_times_proposals_with_fabric_labels() {
        let metrics = Metrics::new();
        let ok = CountingEndorser::new(Arc::new(Answer(200)), &metrics);
        let failing = CountingEndorser::new(Arc::new(Answer(500)), &metrics);
        ok.process_proposal(&proposal("mychannel", "qscc")).unwrap();
        failing.process_proposal(&proposal("", "cscc")).unwrap();
        failing
            .process_proposal(&SignedProposal::default())
            .unwrap();
        assert_eq!(metrics.counter(PROPOSALS_RECEIVED).value(&[]), Some(3.0));
        assert_eq!(metrics.counter(SUCCESSFUL_PROPOSALS).value(&[]), Some(1.0));
        let duration = metrics.histogram(ENDORSER_PROPOSAL_DURATION);
        assert_eq!(duration.count(&["mychannel", "qscc:", "true"]), Some(1));
        assert_eq!(duration.count(&["", "cscc:", "false"]), Some(1));
        assert!(metrics
            .render()
            .contains("# TYPE endorser_proposal_duration histogram"));
    }
}
