//! The Endorser gRPC service (`/protos.Endorser/ProcessProposal`): hands each signed proposal
//! to a [`ProposalProcessor`] (whose ledger work runs as blocking work and whose chaincode
//! waits are awaits) and renders a refusal as the error status Fabric's server returns
//! (code Unknown, Fabric's message).

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
        let signed = request.into_inner();
        self.processor
            .process_proposal_async(&signed)
            .await
            .map(tonic::Response::new)
            .map_err(|e| status(&e))
    }
}

/// The gRPC status of a refusal: Fabric's endorser answers every refusal with code Unknown
/// and the error's text.
pub fn status(error: &super::EndorserError) -> tonic::Status {
    tonic::Status::unknown(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_code_unknown_with_fabric_text() {
        let s = status(&super::super::EndorserError::NotInvokable("vscc".into()));
        assert_eq!(s.code(), tonic::Code::Unknown);
        assert_eq!(
            s.message(),
            "chaincode vscc cannot be invoked through a proposal"
        );
    }
}
