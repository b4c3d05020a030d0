//! Policies: signature policies (cauthdsl) and the Fabric policy language, implicit meta
//! policies, evaluation against signed data.
//!
//! - [`SignedData`] and the [`Policy`] trait are Fabric's `common.SignedData` and
//!   `policies.Policy`.
//! - [`cauthdsl`] compiles a `common.SignaturePolicyEnvelope` into an evaluator with Fabric's
//!   exact semantics, and holds the envelope builders (`cauthdsl_builder.go`).
//! - [`parser`] is Fabric's policy language (`AND('Org1MSP.peer','Org2MSP.peer')`).
//! - [`implicitmeta`] holds `ImplicitMetaPolicy` (`ANY Writers`) and [`manager`] the policy
//!   tree (`/Channel/Application/Writers`).

pub mod cauthdsl;
pub mod implicitmeta;
pub mod manager;
pub mod parser;
mod signed_data;

#[cfg(test)]
pub(crate) mod testutil;

pub use cauthdsl::SignaturePolicyEvaluator;
pub use implicitmeta::ImplicitMetaPolicy;
pub use manager::{PolicyManager, PolicyProvider};
pub use parser::{from_string, ParseError};
pub use signed_data::SignedData;

/// What went wrong while building or evaluating a policy. Each message is one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The signature set does not satisfy a signature policy (Fabric's own wording).
    #[error("signature set did not satisfy policy")]
    Unsatisfied,
    /// An implicit meta policy did not reach its threshold of satisfied sub-policies.
    #[error(
        "implicit policy evaluation failed - {satisfied} sub-policies were satisfied, but this \
         policy requires {required} of the '{sub_policy}' sub-policies to be satisfied"
    )]
    ImplicitMetaUnsatisfied {
        satisfied: usize,
        required: usize,
        sub_policy: String,
    },
    /// A policy was looked up by a name or path the manager does not have.
    #[error("No such policy: '{0}'")]
    NoSuchPolicy(String),
    /// A policy definition is malformed and cannot be compiled.
    #[error("malformed policy: {0}")]
    Malformed(String),
    /// A policy in a config tree could not be compiled (names the policy and its group).
    #[error("policy {name} at path {path} did not compile: {reason}")]
    Compile {
        name: String,
        path: String,
        reason: String,
    },
    /// Signed data could not be extracted from a message (envelope, config update).
    #[error("cannot extract signed data: {0}")]
    SignedData(String),
}

/// A policy: decides whether a set of signatures over data satisfies it.
pub trait Policy: Send + Sync {
    /// `Ok(())` when `signed` satisfies the policy, an error saying why not otherwise.
    fn evaluate(&self, signed: &[SignedData]) -> Result<(), PolicyError>;
}
