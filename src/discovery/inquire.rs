//! Which sets of principals satisfy a signature policy, and how the sets of several
//! chaincodes merge (Fabric's `common/policies/inquire`: `SatisfiedBy`, `ComparablePrincipal`,
//! `Merge`). The endorsement analyzer turns these sets into layouts.

use prost::Message;

use crate::protos::common::msp_principal::Classification;
use crate::protos::common::msp_role::MspRoleType;
use crate::protos::common::signature_policy::Type;
use crate::protos::common::{
    MspPrincipal, MspRole, OrganizationUnit, SignaturePolicy, SignaturePolicyEnvelope,
};

/// A multiset of principals that together satisfy a policy (Fabric's `policies.PrincipalSet`).
pub type PrincipalSet = Vec<MspPrincipal>;

/// Fabric's bound on the combinations of one gate's sub-rules.
const COMBINATIONS_UPPER_BOUND: u128 = 10_000;

/// `n` choose `k`, saturating.
fn binomial(n: usize, k: usize) -> u128 {
    if k > n {
        return 0;
    }
    let k = k.min(n - k) as u128;
    let mut acc: u128 = 1;
    for i in 0..k {
        acc = acc.saturating_mul(n as u128 - i) / (i + 1);
    }
    acc
}

/// Every choice of `k` indices out of `0..n`, in Fabric's order (take the first, then not).
fn choose(n: usize, k: usize) -> Vec<Vec<usize>> {
    fn walk(n: usize, k: usize, i: usize, current: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if current.len() == k {
            out.push(current.clone());
            return;
        }
        if k - current.len() > n - i {
            return;
        }
        current.push(i);
        walk(n, k, i + 1, current, out);
        current.pop();
        walk(n, k, i + 1, current, out);
    }
    let mut out = Vec::new();
    walk(n, k, 0, &mut Vec::new(), &mut out);
    out
}

/// Indices of principals per way of satisfying `rule`; `None` when a leaf is not a
/// `SignedBy` (Fabric then gives up on the whole policy).
fn leaf_sets(rule: &SignaturePolicy) -> Option<Vec<Vec<i32>>> {
    match &rule.r#type {
        Some(Type::SignedBy(index)) => Some(vec![vec![*index]]),
        Some(Type::NOutOf(gate)) if !gate.rules.is_empty() => {
            let n = gate.n.max(0) as usize;
            if n == 0 {
                // A gate that picks nothing is a leaf of the wrong type in Fabric's tree.
                return None;
            }
            let mut rules: Vec<&SignaturePolicy> = gate.rules.iter().collect();
            // Fabric drops random sub-rules until the combinations fit; dropping the last
            // ones keeps the answer deterministic.
            while binomial(rules.len(), n) > COMBINATIONS_UPPER_BOUND {
                rules.pop();
            }
            let children: Vec<Vec<Vec<i32>>> =
                rules.iter().map(|r| leaf_sets(r)).collect::<Option<_>>()?;
            let mut out = Vec::new();
            for combination in choose(children.len(), n) {
                let mut acc: Vec<Vec<i32>> = vec![Vec::new()];
                for child in combination {
                    let mut next = Vec::with_capacity(acc.len() * children[child].len());
                    for prefix in &acc {
                        for set in &children[child] {
                            let mut joined = prefix.clone();
                            joined.extend_from_slice(set);
                            next.push(joined);
                        }
                    }
                    acc = next;
                }
                out.extend(acc);
            }
            Some(out)
        }
        _ => None,
    }
}

/// The principal sets that satisfy `policy` (Fabric's `inquireableSignaturePolicy.SatisfiedBy`);
/// empty when the policy cannot be inquired (a bad index, a leaf that is not `SignedBy`).
pub fn satisfied_by(policy: &SignaturePolicyEnvelope) -> Vec<PrincipalSet> {
    let Some(rule) = &policy.rule else {
        return Vec::new();
    };
    let Some(sets) = leaf_sets(rule) else {
        tracing::warn!(target: "policies.inquire", "a leaf of the policy is not a SignedBy rule");
        return Vec::new();
    };
    let mut out = Vec::with_capacity(sets.len());
    for set in sets {
        let mut principals = Vec::with_capacity(set.len());
        for index in set {
            match usize::try_from(index)
                .ok()
                .and_then(|i| policy.identities.get(i))
            {
                Some(p) => principals.push(p.clone()),
                None => {
                    tracing::warn!(target: "policies.inquire", "Failed computing principalsOfTree, index out of bounds");
                    return Vec::new();
                }
            }
        }
        if principals.is_empty() {
            return Vec::new();
        }
        out.push(principals);
    }
    out
}

/// A principal that can be compared with another by MSP, role and OU (Fabric's
/// `ComparablePrincipal`); only ROLE and ORGANIZATION_UNIT principals are comparable.
#[derive(Clone, Debug, PartialEq)]
pub struct ComparablePrincipal {
    principal: MspPrincipal,
    msp_id: String,
    role: Option<MspRole>,
    ou: Option<OrganizationUnit>,
}

impl ComparablePrincipal {
    /// `None` for other classifications or undecodable principals (Fabric logs and gives up).
    pub fn new(principal: &MspPrincipal) -> Option<Self> {
        let classification = principal.principal_classification;
        if classification == Classification::Role as i32 {
            let role = MspRole::decode(principal.principal.as_slice()).ok()?;
            return Some(ComparablePrincipal {
                principal: principal.clone(),
                msp_id: role.msp_identifier.clone(),
                role: Some(role),
                ou: None,
            });
        }
        if classification == Classification::OrganizationUnit as i32 {
            let ou = OrganizationUnit::decode(principal.principal.as_slice()).ok()?;
            return Some(ComparablePrincipal {
                principal: principal.clone(),
                msp_id: ou.msp_identifier.clone(),
                role: None,
                ou: Some(ou),
            });
        }
        tracing::warn!(target: "policies.inquire", "Received an unsupported principal type: {classification}");
        None
    }

    pub fn principal(&self) -> &MspPrincipal {
        &self.principal
    }

    /// Whether an identity with this principal also satisfies `other` (Fabric's `IsA`).
    pub fn is_a(&self, other: &ComparablePrincipal) -> bool {
        if self.msp_id != other.msp_id {
            return false;
        }
        if other
            .role
            .as_ref()
            .is_some_and(|r| r.role == MspRoleType::Member as i32)
        {
            return true;
        }
        if let (Some(a), Some(b)) = (&self.ou, &other.ou) {
            return a.organizational_unit_identifier == b.organizational_unit_identifier
                && a.certifiers_identifier == b.certifiers_identifier;
        }
        if let (Some(a), Some(b)) = (&self.role, &other.role) {
            return a.role == b.role;
        }
        false
    }
}

/// A set of comparable principals.
pub type ComparablePrincipalSet = Vec<ComparablePrincipal>;

/// Converts a principal set; `None` when one of its principals is not comparable.
pub fn comparable_set(set: &[MspPrincipal]) -> Option<ComparablePrincipalSet> {
    set.iter().map(ComparablePrincipal::new).collect()
}

fn contains(set: &[ComparablePrincipal], p: &ComparablePrincipal) -> bool {
    set.iter().any(|cp| cp.is_a(p))
}

fn is_contained_in(a: &[ComparablePrincipal], b: &[ComparablePrincipal]) -> bool {
    a.iter().all(|p| contains(b, p))
}

fn is_subset(a: &[ComparablePrincipal], b: &[ComparablePrincipal]) -> bool {
    a.iter().all(|p| b.iter().any(|q| p == q))
}

/// `containing` plus the principals of `contained` it does not already cover, each covering
/// principal used once (Fabric's `MergeWithPlurality`).
fn merge_with_plurality(
    contained: &[ComparablePrincipal],
    containing: &[ComparablePrincipal],
) -> ComparablePrincipalSet {
    let mut used = vec![false; containing.len()];
    let mut to_add = Vec::new();
    for p in contained {
        let cover = containing
            .iter()
            .enumerate()
            .find(|(i, c)| !used[*i] && c.is_a(p))
            .map(|(i, _)| i);
        match cover {
            Some(i) => used[i] = true,
            None => to_add.push(p.clone()),
        }
    }
    let mut out = containing.to_vec();
    out.extend(to_add);
    out
}

/// For each set of `s1`, the sets of `s2` that contain it.
fn contained_in_mapping(
    s1: &[ComparablePrincipalSet],
    s2: &[ComparablePrincipalSet],
) -> Vec<(usize, Vec<usize>)> {
    s1.iter()
        .enumerate()
        .filter_map(|(i, a)| {
            let js: Vec<usize> = s2
                .iter()
                .enumerate()
                .filter(|(_, b)| is_contained_in(a, b))
                .map(|(j, _)| j)
                .collect();
            (!js.is_empty()).then_some((i, js))
        })
        .collect()
}

fn exclude(sets: &[ComparablePrincipalSet], indices: &[usize]) -> Vec<ComparablePrincipalSet> {
    sets.iter()
        .enumerate()
        .filter(|(i, _)| !indices.contains(i))
        .map(|(_, s)| s.clone())
        .collect()
}

/// Drops every set that strictly contains another (Fabric's `Reduce`).
fn reduce(mut current: Vec<ComparablePrincipalSet>) -> Vec<ComparablePrincipalSet> {
    loop {
        let mut next = Vec::new();
        for (i, s1) in current.iter().enumerate() {
            let mut is_containing = false;
            for (j, s2) in current.iter().enumerate() {
                if i == j {
                    continue;
                }
                if is_subset(s2, s1) {
                    is_containing = true;
                }
                if is_subset(s1, s2) && i < j {
                    is_containing = false;
                }
            }
            if !is_containing {
                next.push(s1.clone());
            }
        }
        if next.len() == current.len() {
            return next;
        }
        current = next;
    }
}

/// The principal sets that satisfy both sides: a set of one side contained in a set of the
/// other is merged into it; the rest are combined pairwise (Fabric's `inquire.Merge`, step by
/// step, including its reuse of indices of the first `s2` on the shortened one).
pub fn merge(
    s1: Vec<ComparablePrincipalSet>,
    s2: Vec<ComparablePrincipalSet>,
) -> Vec<ComparablePrincipalSet> {
    let mut res = Vec::new();
    let one_in_two = contained_in_mapping(&s1, &s2);
    for (i, js) in &one_in_two {
        for j in js {
            res.push(merge_with_plurality(&s1[*i], &s2[*j]));
        }
    }
    let keys = |m: &[(usize, Vec<usize>)]| m.iter().map(|(k, _)| *k).collect::<Vec<_>>();
    let values =
        |m: &[(usize, Vec<usize>)]| m.iter().flat_map(|(_, v)| v.clone()).collect::<Vec<_>>();
    let s1 = exclude(&s1, &keys(&one_in_two));
    let two_in_one = contained_in_mapping(&s2, &s1);
    for (j, is) in &two_in_one {
        for i in is {
            res.push(merge_with_plurality(&s2[*j], &s1[*i]));
        }
    }
    let s2 = exclude(&s2, &keys(&two_in_one));
    let s1 = exclude(&s1, &values(&two_in_one));
    let s2 = exclude(&s2, &values(&one_in_two));
    if s1.is_empty() || s2.is_empty() {
        return reduce(res);
    }
    for x in &s1 {
        for y in &s2 {
            res.push(merge_with_plurality(x, y));
        }
    }
    reduce(res)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::cauthdsl::builder::role_principal;
    use crate::policy::from_string;

    fn member(msp: &str) -> MspPrincipal {
        role_principal(msp, MspRoleType::Member)
    }

    fn peer(msp: &str) -> MspPrincipal {
        role_principal(msp, MspRoleType::Peer)
    }

    fn names(sets: &[PrincipalSet]) -> Vec<Vec<String>> {
        sets.iter()
            .map(|s| {
                s.iter()
                    .map(|p| {
                        let r = MspRole::decode(p.principal.as_slice()).unwrap();
                        format!("{}.{}", r.msp_identifier, r.role)
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn or_and_and_give_fabrics_sets() {
        let or = from_string("OR('A.member', 'B.member')").unwrap();
        assert_eq!(names(&satisfied_by(&or)), [["A.0"], ["B.0"]]);
        let and = from_string("AND('A.member', 'B.member')").unwrap();
        assert_eq!(names(&satisfied_by(&and)), [["A.0", "B.0"]]);
        let two_of_three = from_string("OutOf(2, 'A.member', 'B.member', 'C.member')").unwrap();
        assert_eq!(
            names(&satisfied_by(&two_of_three)),
            [["A.0", "B.0"], ["A.0", "C.0"], ["B.0", "C.0"]]
        );
        let nested = from_string("AND('A.member', OR('B.member', 'C.member'))").unwrap();
        assert_eq!(
            names(&satisfied_by(&nested)),
            [["A.0", "B.0"], ["A.0", "C.0"]]
        );
    }

    #[test]
    fn bad_index_gives_nothing() {
        let mut p = from_string("OR('A.member', 'B.member')").unwrap();
        p.identities.pop();
        assert!(satisfied_by(&p).is_empty());
    }

    #[test]
    fn member_covers_peer_but_not_the_other_way() {
        let m = ComparablePrincipal::new(&member("A")).unwrap();
        let p = ComparablePrincipal::new(&peer("A")).unwrap();
        assert!(p.is_a(&m));
        assert!(!m.is_a(&p));
        assert!(!p.is_a(&ComparablePrincipal::new(&member("B")).unwrap()));
    }

    fn cps(sets: &[&[MspPrincipal]]) -> Vec<ComparablePrincipalSet> {
        sets.iter().map(|s| comparable_set(s).unwrap()).collect()
    }

    fn merged_names(sets: Vec<ComparablePrincipalSet>) -> Vec<Vec<String>> {
        let plain: Vec<PrincipalSet> = sets
            .into_iter()
            .map(|s| s.into_iter().map(|c| c.principal).collect())
            .collect();
        names(&plain)
    }

    #[test]
    fn merge_keeps_what_satisfies_both() {
        // Fabric's example: {A.peer} merged with {A.member} or {B.member}: A.peer covers
        // A.member, so {A.peer} alone satisfies both.
        let s1 = cps(&[&[peer("A")]]);
        let s2 = cps(&[&[member("A")], &[member("B")]]);
        assert_eq!(merged_names(merge(s1, s2)), [["A.3"]]);
        // Disjoint sides combine pairwise.
        let s1 = cps(&[&[member("A")]]);
        let s2 = cps(&[&[member("B")], &[member("C")]]);
        assert_eq!(
            merged_names(merge(s1, s2)),
            [["B.0", "A.0"], ["C.0", "A.0"]]
        );
    }

    #[test]
    fn binomial_and_choose_agree() {
        assert_eq!(binomial(5, 2), 10);
        assert_eq!(choose(5, 2).len(), 10);
        assert_eq!(choose(3, 2), [vec![0, 1], vec![0, 2], vec![1, 2]]);
        assert!(choose(2, 3).is_empty());
    }
}
