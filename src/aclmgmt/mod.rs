//! Access control for peer resources (Fabric's `core/aclmgmt`): each resource name
//! (`peer/Propose`, `qscc/GetChainInfo`, `event/Block`, ...) maps to a policy, from the
//! channel config's ACLs when the application has the ACLs capability, else from Fabric's
//! defaults; a request is allowed when its signed data satisfies that policy.

use crate::policy::SignedData;
use crate::protos::common::Envelope;
use crate::protos::peer::SignedProposal;

pub mod defaultaclprovider;
pub mod policy_checker;
pub mod resourceprovider;
pub mod resources;

pub use defaultaclprovider::DefaultAclProvider;
pub use policy_checker::{BundleSource, PolicyChecker};
pub use resourceprovider::ResourceProvider;

/// What a request is signed with.
#[derive(Debug, Clone, Copy)]
pub enum AclSubject<'a> {
    Proposal(&'a SignedProposal),
    Envelope(&'a Envelope),
    SignedData(&'a [SignedData]),
}

/// Why access was refused; the text is what Fabric reports.
#[derive(Debug, thiserror::Error)]
pub enum AclError {
    #[error("access denied for [{resource}]: [{reason}]")]
    Denied { resource: String, reason: String },
    #[error("channel {0} not found")]
    UnknownChannel(String),
    #[error("Unmapped policy for {0}")]
    UnknownResource(String),
    #[error("{0}")]
    BadRequest(String),
    /// A policy was evaluated and not satisfied (Fabric's wording, naming channel and policy).
    #[error("{0}")]
    Evaluation(String),
}

/// Decides whether a signed request may use a resource on a channel.
pub trait AclProvider: Send + Sync {
    fn check_acl(
        &self,
        resource: &str,
        channel_id: &str,
        subject: AclSubject<'_>,
    ) -> Result<(), AclError>;
}
