//! Fabric's implicit meta policies: a rule (ANY, ALL, MAJORITY) over the policy of the same
//! sub-policy name in every child group. `/Channel/Application/Writers` = `ANY Writers` is
//! satisfied when any organization's `Writers` policy is.
//!
//! As in Fabric, the sub-policies are resolved when the policy is built; a child that lacks
//! the sub-policy contributes a policy that always fails (it still counts towards ALL and
//! MAJORITY); with no children at all, the policy is always satisfied.

use std::collections::BTreeMap;
use std::sync::Arc;

use prost::Message;

use super::manager::PolicyManager;
use super::{Policy, PolicyError, SignedData};
use crate::protos::common::implicit_meta_policy::Rule;
use crate::protos::common::ImplicitMetaPolicy as ImplicitMetaPolicyProto;

/// Parses configtx.yaml's text form, `"<ANY|ALL|MAJORITY> <SubPolicy>"`.
pub fn from_string(input: &str) -> Result<ImplicitMetaPolicyProto, PolicyError> {
    let tokens: Vec<&str> = input.split(' ').collect();
    let [rule, sub_policy] = tokens.as_slice() else {
        return Err(PolicyError::Malformed(format!(
            "expected two space separated tokens, but got {} in implicit meta policy '{input}'; write it as 'ANY Writers'",
            tokens.len()
        )));
    };
    let rule = match *rule {
        "ANY" => Rule::Any,
        "ALL" => Rule::All,
        "MAJORITY" => Rule::Majority,
        other => {
            return Err(PolicyError::Malformed(format!(
                "unknown rule type '{other}', expected ALL, ANY, or MAJORITY"
            )))
        }
    };
    Ok(ImplicitMetaPolicyProto {
        sub_policy: sub_policy.to_string(),
        rule: rule as i32,
    })
}

/// A policy that fails for want of the named policy (Fabric's `rejectPolicy`).
struct MissingPolicy(String);

impl Policy for MissingPolicy {
    fn evaluate(&self, _signed: &[SignedData]) -> Result<(), PolicyError> {
        Err(PolicyError::NoSuchPolicy(self.0.clone()))
    }
}

/// An implicit meta policy bound to the sub-policies of its group's children.
pub struct ImplicitMetaPolicy {
    threshold: usize,
    sub_policy: String,
    /// (child group name, that child's sub-policy), in child name order.
    sub_policies: Vec<(String, Arc<dyn Policy>)>,
}

impl ImplicitMetaPolicy {
    /// Binds `definition` to the children of the group that holds it.
    pub fn new(
        definition: &ImplicitMetaPolicyProto,
        children: &BTreeMap<String, PolicyManager>,
    ) -> Result<Self, PolicyError> {
        let sub_policies: Vec<(String, Arc<dyn Policy>)> = children
            .iter()
            .map(|(name, child)| {
                let policy = child
                    .get_policy(&definition.sub_policy)
                    .unwrap_or_else(|_| {
                        Arc::new(MissingPolicy(definition.sub_policy.clone())) as Arc<dyn Policy>
                    });
                (name.clone(), policy)
            })
            .collect();
        let count = sub_policies.len();
        let threshold = match Rule::try_from(definition.rule) {
            _ if count == 0 => 0,
            Ok(Rule::Any) => 1,
            Ok(Rule::All) => count,
            Ok(Rule::Majority) => count / 2 + 1,
            Err(_) => {
                return Err(PolicyError::Malformed(format!(
                "unknown implicit meta policy rule {}, expected ANY (0), ALL (1) or MAJORITY (2)",
                definition.rule
            )))
            }
        };
        Ok(ImplicitMetaPolicy {
            threshold,
            sub_policy: definition.sub_policy.clone(),
            sub_policies,
        })
    }

    /// Binds the marshaled `common.ImplicitMetaPolicy` (a config policy's value).
    pub fn from_bytes(
        bytes: &[u8],
        children: &BTreeMap<String, PolicyManager>,
    ) -> Result<Self, PolicyError> {
        let definition = ImplicitMetaPolicyProto::decode(bytes).map_err(|e| {
            PolicyError::Malformed(format!("Error unmarshaling to ImplicitMetaPolicy: {e}"))
        })?;
        Self::new(&definition, children)
    }

    /// How many sub-policies must be satisfied.
    pub fn threshold(&self) -> usize {
        self.threshold
    }

    /// The name of the sub-policy looked up in each child (`Writers`).
    pub fn sub_policy(&self) -> &str {
        &self.sub_policy
    }
}

impl Policy for ImplicitMetaPolicy {
    fn evaluate(&self, signed: &[SignedData]) -> Result<(), PolicyError> {
        let mut remaining = self.threshold;
        if remaining == 0 {
            return Ok(());
        }
        for (child, policy) in &self.sub_policies {
            match policy.evaluate(signed) {
                Ok(()) => {
                    remaining -= 1;
                    if remaining == 0 {
                        return Ok(());
                    }
                }
                Err(e) => {
                    tracing::debug!(target: "policies", "sub-policy {child}/{} not satisfied: {e}", self.sub_policy)
                }
            }
        }
        Err(PolicyError::ImplicitMetaUnsatisfied {
            satisfied: self.threshold - remaining,
            required: self.threshold,
            sub_policy: self.sub_policy.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::cauthdsl::{signed_by_msp_member, SignaturePolicyEvaluator};
    use crate::policy::testutil::{deserializer, signed};

    /// A group with one child per org, each with a `Writers` policy "a member of the org".
    fn orgs(names: &[&str]) -> BTreeMap<String, PolicyManager> {
        names
            .iter()
            .map(|org| {
                let writers =
                    SignaturePolicyEvaluator::new(&signed_by_msp_member(org), deserializer())
                        .unwrap();
                let child = PolicyManager::new(format!("Channel/Application/{org}"))
                    .with_policy("Writers", Arc::new(writers));
                (org.to_string(), child)
            })
            .collect()
    }

    fn meta(rule: &str, names: &[&str]) -> ImplicitMetaPolicy {
        ImplicitMetaPolicy::new(&from_string(rule).unwrap(), &orgs(names)).unwrap()
    }

    fn sigs(orgs: &[&str]) -> Vec<SignedData> {
        orgs.iter()
            .map(|o| signed(o, &format!("user-of-{o}"), "CLIENT"))
            .collect()
    }

    #[test]
    fn parses_the_text_form() {
        let parsed = from_string("MAJORITY Admins").unwrap();
        assert_eq!(parsed.rule, Rule::Majority as i32);
        assert_eq!(parsed.sub_policy, "Admins");
        assert_eq!(from_string("ANY Readers").unwrap().rule, Rule::Any as i32);
        assert_eq!(from_string("ALL Writers").unwrap().rule, Rule::All as i32);
        assert_eq!(
            from_string("SOME Writers").unwrap_err().to_string(),
            "malformed policy: unknown rule type 'SOME', expected ALL, ANY, or MAJORITY"
        );
        assert!(from_string("ANY")
            .unwrap_err()
            .to_string()
            .contains("but got 1"));
        assert!(from_string("ANY  Writers")
            .unwrap_err()
            .to_string()
            .contains("but got 3"));
        assert!(from_string("any Writers").is_err());
    }

    #[test]
    fn thresholds() {
        assert_eq!(meta("ANY Writers", &["A", "B", "C"]).threshold(), 1);
        assert_eq!(meta("ALL Writers", &["A", "B", "C"]).threshold(), 3);
        assert_eq!(meta("MAJORITY Writers", &["A"]).threshold(), 1);
        assert_eq!(meta("MAJORITY Writers", &["A", "B"]).threshold(), 2);
        assert_eq!(meta("MAJORITY Writers", &["A", "B", "C"]).threshold(), 2);
        assert_eq!(meta("ALL Writers", &[]).threshold(), 0);
    }

    #[test]
    fn any_needs_one_org() {
        let policy = meta("ANY Writers", &["A", "B", "C"]);
        assert!(policy.evaluate(&sigs(&["B"])).is_ok());
        assert!(policy.evaluate(&sigs(&["D"])).is_err());
        assert!(meta("ANY Writers", &["A"]).evaluate(&sigs(&["A"])).is_ok());
    }

    #[test]
    fn all_needs_every_org() {
        let policy = meta("ALL Writers", &["A", "B", "C"]);
        assert!(policy.evaluate(&sigs(&["A", "B", "C"])).is_ok());
        let err = policy.evaluate(&sigs(&["A", "C"])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "implicit policy evaluation failed - 2 sub-policies were satisfied, but this policy \
             requires 3 of the 'Writers' sub-policies to be satisfied"
        );
    }

    #[test]
    fn majority_needs_more_than_half() {
        let two = meta("MAJORITY Writers", &["A", "B"]);
        assert!(two.evaluate(&sigs(&["A"])).is_err());
        assert!(two.evaluate(&sigs(&["A", "B"])).is_ok());
        let three = meta("MAJORITY Writers", &["A", "B", "C"]);
        assert!(three.evaluate(&sigs(&["C"])).is_err());
        assert!(three.evaluate(&sigs(&["A", "C"])).is_ok());
        let one = meta("MAJORITY Writers", &["A"]);
        assert!(one.evaluate(&sigs(&["A"])).is_ok());
    }

    #[test]
    fn no_children_is_always_satisfied() {
        assert!(meta("ALL Writers", &[]).evaluate(&[]).is_ok());
    }

    #[test]
    fn a_child_without_the_sub_policy_still_counts() {
        let mut children = orgs(&["A"]);
        children.insert("B".into(), PolicyManager::new("Channel/Application/B"));
        let all = ImplicitMetaPolicy::new(&from_string("ALL Writers").unwrap(), &children).unwrap();
        assert_eq!(all.threshold(), 2);
        assert!(all.evaluate(&sigs(&["A", "B"])).is_err());
        let any = ImplicitMetaPolicy::new(&from_string("ANY Writers").unwrap(), &children).unwrap();
        assert!(any.evaluate(&sigs(&["A"])).is_ok());
    }

    #[test]
    fn unknown_rule_is_rejected() {
        let definition = ImplicitMetaPolicyProto {
            sub_policy: "Writers".into(),
            rule: 7,
        };
        assert!(ImplicitMetaPolicy::new(&definition, &orgs(&["A"])).is_err());
        assert!(ImplicitMetaPolicy::from_bytes(&[0xff], &orgs(&["A"])).is_err());
    }
}
