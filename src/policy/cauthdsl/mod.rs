//! Fabric's `cauthdsl`: signature policies. A `common.SignaturePolicyEnvelope` is compiled
//! once into a [`SignaturePolicyEvaluator`], which then decides signature sets with exactly
//! Fabric's rules:
//!
//! - every signer's identity is deserialized once; identities that do not deserialize are
//!   skipped (with a warning), and an identity that appears twice (same MSP id and id) only
//!   counts once (its first occurrence);
//! - a `signed_by` leaf is satisfied by the first not-yet-used signer that satisfies the
//!   leaf's principal and whose signature verifies; that signer is then used up;
//! - an `n_out_of` gate tries each of its rules in order on a scratch copy of the "used"
//!   marks; a rule that succeeds keeps the marks it made, a rule that fails gives them back.
//!   The gate succeeds when at least `n` rules succeeded (all rules are tried).
//!
//! [`builder`] holds the envelope builders of `cauthdsl_builder.go`.

pub mod builder;

use std::sync::Arc;

use prost::Message;

use super::{Policy, PolicyError, SignedData};
use crate::msp::{Identity, IdentityDeserializer};
use crate::protos::common::{
    signature_policy, MspPrincipal, SignaturePolicy, SignaturePolicyEnvelope,
};

pub use builder::*;

/// A compiled rule: indexes into the envelope's principals, thresholds as Fabric has them.
#[derive(Debug, Clone)]
enum Rule {
    SignedBy(usize),
    NOutOf { n: i32, rules: Vec<Rule> },
}

/// A signature policy ready to evaluate signature sets (Fabric's cauthdsl `policy`).
pub struct SignaturePolicyEvaluator {
    rule: Rule,
    principals: Vec<MspPrincipal>,
    deserializer: Arc<dyn IdentityDeserializer>,
}

impl std::fmt::Debug for SignaturePolicyEvaluator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignaturePolicyEvaluator")
            .field("rule", &self.rule)
            .field("principals", &self.principals.len())
            .finish()
    }
}

/// A signer that survived deduplication, with its verification result once computed.
struct Signer<'a> {
    identity: Arc<dyn Identity>,
    signed: &'a SignedData,
    verified: std::cell::Cell<Option<bool>>,
}

impl Signer<'_> {
    /// Verifies the signature once; later calls reuse the answer (verification is pure).
    fn signature_is_valid(&self, index: usize) -> bool {
        if let Some(known) = self.verified.get() {
            return known;
        }
        let valid = match self
            .identity
            .verify(&self.signed.data, &self.signed.signature)
        {
            Ok(()) => true,
            Err(e) => {
                tracing::debug!(target: "cauthdsl", "signature for identity {index} is invalid: {e}");
                false
            }
        };
        self.verified.set(Some(valid));
        valid
    }
}

impl SignaturePolicyEvaluator {
    /// Compiles an envelope. The version must be 0 and every rule well formed.
    pub fn new(
        envelope: &SignaturePolicyEnvelope,
        deserializer: Arc<dyn IdentityDeserializer>,
    ) -> Result<Self, PolicyError> {
        if envelope.version != 0 {
            return Err(PolicyError::Malformed(format!(
                "This evaluator only understands messages of version 0, but version was {}",
                envelope.version
            )));
        }
        let rule = compile(envelope.rule.as_ref(), envelope.identities.len())?;
        Ok(SignaturePolicyEvaluator {
            rule,
            principals: envelope.identities.clone(),
            deserializer,
        })
    }

    /// Compiles the marshaled `common.SignaturePolicyEnvelope` (what config policies of type
    /// SIGNATURE and chaincode endorsement policies carry).
    pub fn from_bytes(
        bytes: &[u8],
        deserializer: Arc<dyn IdentityDeserializer>,
    ) -> Result<Self, PolicyError> {
        let envelope = SignaturePolicyEnvelope::decode(bytes).map_err(|e| {
            PolicyError::Malformed(format!(
                "Error unmarshaling to SignaturePolicy: {e}; expected a common.SignaturePolicyEnvelope"
            ))
        })?;
        Self::new(&envelope, deserializer)
    }

    /// The principals the envelope's `signed_by` leaves index into.
    pub fn principals(&self) -> &[MspPrincipal] {
        &self.principals
    }

    /// Deserializes each signer once, skipping those that fail and later duplicates.
    fn deduplicate<'a>(&self, signed: &'a [SignedData]) -> Vec<Signer<'a>> {
        let mut seen = std::collections::HashSet::new();
        let mut signers = Vec::with_capacity(signed.len());
        for (index, datum) in signed.iter().enumerate() {
            let identity = match self.deserializer.deserialize_identity(&datum.identity) {
                Ok(identity) => identity,
                Err(e) => {
                    tracing::warn!(target: "cauthdsl", "Principal deserialization failure ({e}) for identity {index}");
                    continue;
                }
            };
            let id = identity.identifier();
            // Fabric keys identities by the plain concatenation of MSP id and id.
            let key = format!("{}{}", id.msp_id, id.id);
            if seen.insert(key.clone()) {
                signers.push(Signer {
                    identity,
                    signed: datum,
                    verified: std::cell::Cell::new(None),
                });
            } else {
                tracing::warn!(target: "cauthdsl", "De-duplicating identity [{key}] at index {index} in signature set");
            }
        }
        signers
    }

    fn evaluate_rule(&self, rule: &Rule, signers: &[Signer<'_>], used: &mut [bool]) -> bool {
        match rule {
            Rule::SignedBy(principal_index) => {
                let principal = &self.principals[*principal_index];
                for (index, signer) in signers.iter().enumerate() {
                    if used[index] {
                        continue;
                    }
                    if let Err(e) = signer.identity.satisfies_principal(principal) {
                        tracing::debug!(target: "cauthdsl", "identity {index} does not satisfy principal {principal_index}: {e}");
                        continue;
                    }
                    if !signer.signature_is_valid(index) {
                        continue;
                    }
                    tracing::debug!(target: "cauthdsl", "principal {principal_index} satisfied by identity {index}");
                    used[index] = true;
                    return true;
                }
                tracing::debug!(target: "cauthdsl", "principal {principal_index} evaluation fails");
                false
            }
            Rule::NOutOf { n, rules } => {
                let mut satisfied: i64 = 0;
                let mut scratch = used.to_vec();
                for sub_rule in rules {
                    scratch.copy_from_slice(used);
                    if self.evaluate_rule(sub_rule, signers, &mut scratch) {
                        satisfied += 1;
                        used.copy_from_slice(&scratch);
                    }
                }
                satisfied >= i64::from(*n)
            }
        }
    }
}

impl Policy for SignaturePolicyEvaluator {
    fn evaluate(&self, signed: &[SignedData]) -> Result<(), PolicyError> {
        let signers = self.deduplicate(signed);
        let mut used = vec![false; signers.len()];
        if self.evaluate_rule(&self.rule, &signers, &mut used) {
            Ok(())
        } else {
            Err(PolicyError::Unsatisfied)
        }
    }
}

/// Checks a rule tree against the number of principals and turns it into [`Rule`]s.
fn compile(rule: Option<&SignaturePolicy>, principals: usize) -> Result<Rule, PolicyError> {
    let rule = rule.ok_or_else(|| {
        PolicyError::Malformed("Empty policy element: a signature policy rule is missing".into())
    })?;
    match &rule.r#type {
        Some(signature_policy::Type::SignedBy(index)) => usize::try_from(*index)
            .ok()
            .filter(|i| *i < principals)
            .map(Rule::SignedBy)
            .ok_or_else(|| {
                PolicyError::Malformed(format!(
                    "identity index out of range, requested {index}, but identities length is {principals}"
                ))
            }),
        Some(signature_policy::Type::NOutOf(gate)) => {
            let rules = gate
                .rules
                .iter()
                .map(|sub_rule| compile(Some(sub_rule), principals))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Rule::NOutOf { n: gate.n, rules })
        }
        None => Err(PolicyError::Malformed(
            "signature policy element has neither signed_by nor n_out_of set".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::from_string;
    use crate::policy::testutil::{badly_signed, deserializer, signed};

    fn evaluator(policy: &str) -> SignaturePolicyEvaluator {
        SignaturePolicyEvaluator::new(&from_string(policy).unwrap(), deserializer()).unwrap()
    }

    fn passes(policy: &str, signatures: &[SignedData]) -> bool {
        evaluator(policy).evaluate(signatures).is_ok()
    }

    #[test]
    fn and_needs_both_orgs() {
        let policy = "AND('Org1MSP.peer','Org2MSP.peer')";
        let p1 = signed("Org1MSP", "peer0.org1", "PEER");
        let p2 = signed("Org2MSP", "peer0.org2", "PEER");
        assert!(passes(policy, &[p1.clone(), p2.clone()]));
        assert!(passes(policy, &[p2.clone(), p1.clone()]));
        assert!(!passes(policy, std::slice::from_ref(&p1)));
        assert!(!passes(policy, std::slice::from_ref(&p2)));
        assert!(!passes(policy, &[]));
        let err = evaluator(policy).evaluate(&[p1]).unwrap_err();
        assert_eq!(err.to_string(), "signature set did not satisfy policy");
    }

    #[test]
    fn or_needs_either_org() {
        let policy = "OR('Org1MSP.peer','Org2MSP.peer')";
        assert!(passes(policy, &[signed("Org1MSP", "p1", "PEER")]));
        assert!(passes(policy, &[signed("Org2MSP", "p2", "PEER")]));
        assert!(!passes(policy, &[signed("Org3MSP", "p3", "PEER")]));
    }

    #[test]
    fn out_of_thresholds() {
        let policy = "OutOf(2, 'A.member', 'B.member', 'C.member')";
        let a = signed("A", "a", "CLIENT");
        let b = signed("B", "b", "CLIENT");
        let c = signed("C", "c", "CLIENT");
        assert!(!passes(policy, std::slice::from_ref(&a)));
        assert!(passes(policy, &[a.clone(), b.clone()]));
        assert!(passes(policy, &[c.clone(), a.clone()]));
        assert!(passes(policy, &[a, b, c]));
    }

    #[test]
    fn the_same_signer_twice_counts_once() {
        let peer = signed("Org1MSP", "peer0", "PEER");
        assert!(!passes(
            "AND('Org1MSP.member','Org1MSP.member')",
            &[peer.clone(), peer.clone()]
        ));
        let other = signed("Org1MSP", "peer1", "PEER");
        assert!(passes(
            "AND('Org1MSP.member','Org1MSP.member')",
            &[peer, other]
        ));
    }

    #[test]
    fn one_signer_satisfies_at_most_one_leaf() {
        // A peer is a member too, but one signature cannot fill both leaves.
        let peer = signed("Org1MSP", "peer0", "PEER");
        assert!(!passes(
            "AND('Org1MSP.peer','Org1MSP.member')",
            std::slice::from_ref(&peer)
        ));
        let admin = signed("Org1MSP", "admin", "ADMIN");
        assert!(passes(
            "AND('Org1MSP.peer','Org1MSP.member')",
            &[admin, peer]
        ));
    }

    #[test]
    fn failed_branches_give_their_signers_back() {
        // The first OR branch uses the peer for its first leaf, then fails on the admin
        // leaf; the peer must then still be available to the second branch.
        let policy = "OR(AND('Org1MSP.peer','Org1MSP.admin'), 'Org1MSP.peer')";
        assert!(passes(policy, &[signed("Org1MSP", "peer0", "PEER")]));
    }

    #[test]
    fn successful_branches_keep_their_signers() {
        // Both rules of the outer AND can only be filled by the single member signature.
        let policy = "AND(OR('Org1MSP.member','Org2MSP.member'), 'Org1MSP.member')";
        assert!(!passes(policy, &[signed("Org1MSP", "u1", "CLIENT")]));
        assert!(passes(
            policy,
            &[
                signed("Org1MSP", "u1", "CLIENT"),
                signed("Org1MSP", "u2", "CLIENT")
            ]
        ));
    }

    #[test]
    fn bad_signature_does_not_count() {
        let policy = "OR('Org1MSP.peer','Org2MSP.peer')";
        assert!(!passes(policy, &[badly_signed("Org1MSP", "p1", "PEER")]));
        // A bad signature does not hide a good one from the same MSP.
        assert!(passes(
            policy,
            &[
                badly_signed("Org1MSP", "p1", "PEER"),
                signed("Org1MSP", "p2", "PEER")
            ]
        ));
    }

    #[test]
    fn principal_mismatch_does_not_count() {
        assert!(!passes(
            "OR('Org1MSP.peer')",
            &[signed("Org1MSP", "c", "CLIENT")]
        ));
        assert!(!passes(
            "OR('Org1MSP.admin')",
            &[signed("Org2MSP", "a", "ADMIN")]
        ));
        assert!(passes(
            "OR('Org1MSP.admin')",
            &[signed("Org1MSP", "a", "ADMIN")]
        ));
    }

    #[test]
    fn undeserializable_identities_are_skipped() {
        let garbage = SignedData {
            data: b"payload".to_vec(),
            identity: b"not an identity".to_vec(),
            signature: vec![],
        };
        let good = signed("Org1MSP", "p1", "PEER");
        assert!(passes("OR('Org1MSP.peer')", &[garbage.clone(), good]));
        assert!(!passes("OR('Org1MSP.peer')", &[garbage]));
    }

    #[test]
    fn accept_all_and_reject_all() {
        let accept = SignaturePolicyEvaluator::new(&accept_all_policy(), deserializer()).unwrap();
        let reject = SignaturePolicyEvaluator::new(&reject_all_policy(), deserializer()).unwrap();
        assert!(accept.evaluate(&[]).is_ok());
        assert!(reject.evaluate(&[signed("A", "a", "ADMIN")]).is_err());
    }

    #[test]
    fn malformed_envelopes_are_errors() {
        let mut envelope = signed_by_msp_member("A");
        envelope.version = 1;
        let err = SignaturePolicyEvaluator::new(&envelope, deserializer()).unwrap_err();
        assert!(
            err.to_string().contains("version 0, but version was 1"),
            "{err}"
        );

        let out_of_range = SignaturePolicyEnvelope {
            version: 0,
            rule: Some(and(signed_by(-1), signed_by(-2))),
            identities: signed_by_msp_member("A").identities,
        };
        let err = SignaturePolicyEvaluator::new(&out_of_range, deserializer()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "malformed policy: identity index out of range, requested -1, but identities length is 1"
        );

        let empty = SignaturePolicyEnvelope::default();
        assert!(SignaturePolicyEvaluator::new(&empty, deserializer()).is_err());
        let typeless = SignaturePolicyEnvelope {
            rule: Some(SignaturePolicy { r#type: None }),
            ..Default::default()
        };
        assert!(SignaturePolicyEvaluator::new(&typeless, deserializer()).is_err());
        assert!(SignaturePolicyEvaluator::from_bytes(&[0xff, 0x01], deserializer()).is_err());
    }

    #[test]
    fn from_bytes_round_trips() {
        let bytes = from_string("OR('A.member')").unwrap().encode_to_vec();
        let policy = SignaturePolicyEvaluator::from_bytes(&bytes, deserializer()).unwrap();
        assert_eq!(policy.principals().len(), 1);
        assert!(policy.evaluate(&[signed("A", "a", "CLIENT")]).is_ok());
    }
}
