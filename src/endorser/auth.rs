//! Auth filters in front of the endorser (Fabric's `core/handlers/auth`): each filter looks at
//! a signed proposal and may refuse it before the endorser sees it. Built in, as core.yaml
//! `peer.handlers.authFilters` names them: `DefaultAuth` (passes everything on) and
//! `ExpirationCheck` (refuses proposals whose creator certificate has expired).

use std::time::SystemTime;

use prost::Message;

use super::EndorserError;

/// Why an auth filter refused a proposal; the texts are Fabric's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("failed parsing {what}: {source}")]
    Parse {
        what: &'static str,
        #[source]
        source: prost::DecodeError,
    },
    #[error("identity expired")]
    IdentityExpired,
}
use crate::msp::cert::expires_at;
use crate::protos::common::{Header, SignatureHeader};
use crate::protos::peer::{Proposal, SignedProposal};

/// One filter of the chain.
pub trait Filter: Send + Sync {
    /// `Ok` lets the proposal through to the next filter (or the endorser).
    fn check(&self, signed: &SignedProposal) -> Result<(), EndorserError>;
}

/// Fabric's `DefaultAuth`: lets every proposal through.
pub struct DefaultAuth;

impl Filter for DefaultAuth {
    fn check(&self, _signed: &SignedProposal) -> Result<(), EndorserError> {
        Ok(())
    }
}

/// Fabric's `ExpirationCheck`: refuses a proposal whose creator's certificate has expired.
pub struct ExpirationCheck;

impl Filter for ExpirationCheck {
    fn check(&self, signed: &SignedProposal) -> Result<(), EndorserError> {
        let parse = |what| move |source| AuthError::Parse { what, source };
        let proposal =
            Proposal::decode(signed.proposal_bytes.as_slice()).map_err(parse("proposal"))?;
        let header = Header::decode(proposal.header.as_slice()).map_err(parse("header"))?;
        let shdr = SignatureHeader::decode(header.signature_header.as_slice())
            .map_err(parse("signature header"))?;
        match expires_at(&shdr.creator) {
            Some(when) if SystemTime::now() > when => Err(AuthError::IdentityExpired.into()),
            _ => Ok(()),
        }
    }
}

/// The built-in filter of a core.yaml name, if there is one.
pub fn builtin_filter(name: &str) -> Option<Box<dyn Filter>> {
    match name {
        "DefaultAuth" => Some(Box::new(DefaultAuth)),
        "ExpirationCheck" => Some(Box::new(ExpirationCheck)),
        _ => None,
    }
}

/// Fabric's default chain: `DefaultAuth`, then `ExpirationCheck`.
pub fn default_filters() -> Vec<Box<dyn Filter>> {
    vec![Box::new(DefaultAuth), Box::new(ExpirationCheck)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_creators_have_no_expiry_and_bad_bytes_are_refused() {
        assert!(expires_at(b"nonsense").is_none());
        let bad = SignedProposal {
            proposal_bytes: vec![0xff],
            signature: vec![],
        };
        let e = ExpirationCheck.check(&bad).unwrap_err().to_string();
        assert!(e.starts_with("failed parsing proposal: "), "{e}");
        assert!(DefaultAuth.check(&bad).is_ok());
        assert!(builtin_filter("ExpirationCheck").is_some());
        assert!(builtin_filter("Nope").is_none());
    }
}
