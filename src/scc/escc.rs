//! The default endorsement (Fabric's builtin `escc`, `core/handlers/endorsement/builtin`):
//! the peer signs the proposal response payload followed by its own serialized identity.

use std::sync::Arc;

use crate::msp::{MspError, SigningIdentity};
use crate::protos::peer::Endorsement;

/// Fabric's `DefaultEndorsement`, signing with the peer's local identity.
#[derive(Clone)]
pub struct DefaultEndorsement {
    signer: Arc<dyn SigningIdentity>,
}

impl DefaultEndorsement {
    pub fn new(signer: Arc<dyn SigningIdentity>) -> Self {
        DefaultEndorsement { signer }
    }

    /// The endorsement of `prp_bytes` (a marshalled ProposalResponsePayload): the signature
    /// over `prp_bytes ‖ endorser` and the endorser's serialized identity.
    pub fn endorse(&self, prp_bytes: &[u8]) -> Result<Endorsement, MspError> {
        let endorser = self.signer.serialize();
        let mut message = Vec::with_capacity(prp_bytes.len() + endorser.len());
        message.extend_from_slice(prp_bytes);
        message.extend_from_slice(&endorser);
        let signature = self.signer.sign(&message)?;
        Ok(Endorsement {
            endorser,
            signature,
        })
    }
}
