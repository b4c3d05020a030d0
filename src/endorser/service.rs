//! The Endorser gRPC service (`/protos.Endorser/ProcessProposal`): hands each signed proposal
//! to a [`ProposalProcessor`] on the blocking pool (the ledger is synchronous) and maps a
//! refusal to the error status Fabric's server returns (code Unknown, Fabric's message).

use std::sync::Arc;

use super::ProposalProcessor;
use crate::protos::peer::endorser_server::{Endorser, EndorserServer};
use crate::protos::peer::{ProposalResponse, SignedProposal};

/// The tonic service over a processor (normally a [`super::FilteredEndorser`]).
#[derive(Clone)]
pub struct EndorserService {
    processor: Arc<dyn ProposalProcessor>,
}

impl EndorserService {
    pub fn new(processor: Arc<dyn ProposalProcessor>) -> Self {
        EndorserService { processor }
    }

    /// The service wrapped for a tonic router.
    pub fn into_server(self) -> EndorserServer<Self> {
        EndorserServer::new(self)
    }
}

#[tonic::async_trait]
impl Endorser for EndorserService {
    async fn process_proposal(
        &self,
        request: tonic::Request<SignedProposal>,
    ) -> Result<tonic::Response<ProposalResponse>, tonic::Status> {
        let processor = self.processor.clone();
        let signed = request.into_inner();
        let outcome = tokio::task::spawn_blocking(move || processor.process_proposal(&signed))
            .await
            .map_err(|e| tonic::Status::internal(format!("the endorser task failed: {e}")))?;
        outcome
            .map(tonic::Response::new)
            .map_err(|e| tonic::Status::unknown(e.to_string()))
    }
}
