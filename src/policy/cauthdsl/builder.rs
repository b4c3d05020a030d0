//! Builders for signature policies (Fabric's `cauthdsl_builder.go`): the same envelopes, so
//! they marshal to the same bytes.

use prost::Message;

use crate::protos::common::msp_principal::Classification;
use crate::protos::common::msp_role::MspRoleType;
use crate::protos::common::signature_policy::{NOutOf, Type};
use crate::protos::common::{MspPrincipal, MspRole, SignaturePolicy, SignaturePolicyEnvelope};

/// Wraps a rule with IDENTITY principals made of the given serialized identities.
pub fn envelope(rule: SignaturePolicy, identities: &[Vec<u8>]) -> SignaturePolicyEnvelope {
    SignaturePolicyEnvelope {
        version: 0,
        rule: Some(rule),
        identities: identities
            .iter()
            .map(|identity| MspPrincipal {
                principal_classification: Classification::Identity as i32,
                principal: identity.clone(),
            })
            .collect(),
    }
}

/// A leaf requiring a signature from the principal at `index`.
pub fn signed_by(index: i32) -> SignaturePolicy {
    SignaturePolicy {
        r#type: Some(Type::SignedBy(index)),
    }
}

/// A gate satisfied when at least `n` of `rules` are.
pub fn n_out_of(n: i32, rules: Vec<SignaturePolicy>) -> SignaturePolicy {
    SignaturePolicy {
        r#type: Some(Type::NOutOf(NOutOf { n, rules })),
    }
}

/// Both `lhs` and `rhs`.
pub fn and(lhs: SignaturePolicy, rhs: SignaturePolicy) -> SignaturePolicy {
    n_out_of(2, vec![lhs, rhs])
}

/// Either `lhs` or `rhs`.
pub fn or(lhs: SignaturePolicy, rhs: SignaturePolicy) -> SignaturePolicy {
    n_out_of(1, vec![lhs, rhs])
}

/// The ROLE principal `msp_id.role`.
pub fn role_principal(msp_id: &str, role: MspRoleType) -> MspPrincipal {
    MspPrincipal {
        principal_classification: Classification::Role as i32,
        principal: MspRole {
            msp_identifier: msp_id.to_string(),
            role: role as i32,
        }
        .encode_to_vec(),
    }
}

fn signed_by_role(msp_id: &str, role: MspRoleType) -> SignaturePolicyEnvelope {
    SignaturePolicyEnvelope {
        version: 0,
        rule: Some(n_out_of(1, vec![signed_by(0)])),
        identities: vec![role_principal(msp_id, role)],
    }
}

/// One signature by any member of `msp_id`.
pub fn signed_by_msp_member(msp_id: &str) -> SignaturePolicyEnvelope {
    signed_by_role(msp_id, MspRoleType::Member)
}

/// One signature by an admin of `msp_id`.
pub fn signed_by_msp_admin(msp_id: &str) -> SignaturePolicyEnvelope {
    signed_by_role(msp_id, MspRoleType::Admin)
}

/// One signature by a client of `msp_id`.
pub fn signed_by_msp_client(msp_id: &str) -> SignaturePolicyEnvelope {
    signed_by_role(msp_id, MspRoleType::Client)
}

/// One signature by a peer of `msp_id`.
pub fn signed_by_msp_peer(msp_id: &str) -> SignaturePolicyEnvelope {
    signed_by_role(msp_id, MspRoleType::Peer)
}

/// One signature with `role` from any of the MSPs, principals sorted by MSP id as Fabric
/// sorts them.
fn signed_by_any_of_role<S: AsRef<str>>(
    role: MspRoleType,
    msp_ids: &[S],
) -> SignaturePolicyEnvelope {
    let mut ids: Vec<&str> = msp_ids.iter().map(AsRef::as_ref).collect();
    ids.sort_unstable();
    SignaturePolicyEnvelope {
        version: 0,
        rule: Some(n_out_of(1, (0..ids.len() as i32).map(signed_by).collect())),
        identities: ids.iter().map(|id| role_principal(id, role)).collect(),
    }
}

/// One signature by a member of any of `msp_ids`.
pub fn signed_by_any_member<S: AsRef<str>>(msp_ids: &[S]) -> SignaturePolicyEnvelope {
    signed_by_any_of_role(MspRoleType::Member, msp_ids)
}

/// One signature by a client of any of `msp_ids`.
pub fn signed_by_any_client<S: AsRef<str>>(msp_ids: &[S]) -> SignaturePolicyEnvelope {
    signed_by_any_of_role(MspRoleType::Client, msp_ids)
}

/// One signature by a peer of any of `msp_ids`.
pub fn signed_by_any_peer<S: AsRef<str>>(msp_ids: &[S]) -> SignaturePolicyEnvelope {
    signed_by_any_of_role(MspRoleType::Peer, msp_ids)
}

/// One signature by an admin of any of `msp_ids`.
pub fn signed_by_any_admin<S: AsRef<str>>(msp_ids: &[S]) -> SignaturePolicyEnvelope {
    signed_by_any_of_role(MspRoleType::Admin, msp_ids)
}

/// The policy every signature set satisfies (0 out of nothing).
pub fn accept_all_policy() -> SignaturePolicyEnvelope {
    envelope(n_out_of(0, Vec::new()), &[])
}

/// The policy no signature set satisfies (1 out of nothing).
pub fn reject_all_policy() -> SignaturePolicyEnvelope {
    envelope(n_out_of(1, Vec::new()), &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role_of(principal: &MspPrincipal) -> (String, i32) {
        let role = MspRole::decode(principal.principal.as_slice()).unwrap();
        (role.msp_identifier, role.role)
    }

    #[test]
    fn single_role_envelopes() {
        for (envelope, role) in [
            (signed_by_msp_member("A"), MspRoleType::Member),
            (signed_by_msp_admin("A"), MspRoleType::Admin),
            (signed_by_msp_client("A"), MspRoleType::Client),
            (signed_by_msp_peer("A"), MspRoleType::Peer),
        ] {
            assert_eq!(envelope.identities.len(), 1);
            assert_eq!(
                role_of(&envelope.identities[0]),
                ("A".to_string(), role as i32)
            );
            assert_eq!(envelope.rule, Some(n_out_of(1, vec![signed_by(0)])));
        }
    }

    #[test]
    fn any_of_role_sorts_msp_ids() {
        let envelope = signed_by_any_member(&["Org2MSP", "Org1MSP", "Org3MSP"]);
        let ids: Vec<String> = envelope.identities.iter().map(|p| role_of(p).0).collect();
        assert_eq!(ids, ["Org1MSP", "Org2MSP", "Org3MSP"]);
        assert_eq!(
            envelope.rule,
            Some(n_out_of(1, vec![signed_by(0), signed_by(1), signed_by(2)]))
        );
        assert_eq!(
            role_of(&signed_by_any_peer(&["B"]).identities[0]).1,
            MspRoleType::Peer as i32
        );
        assert_eq!(
            role_of(&signed_by_any_client(&["B"]).identities[0]).1,
            MspRoleType::Client as i32
        );
        assert_eq!(
            role_of(&signed_by_any_admin(&["B"]).identities[0]).1,
            MspRoleType::Admin as i32
        );
    }

    #[test]
    fn accept_and_reject_all_encode_like_fabric() {
        // rule (field 2) holding an n_out_of (field 2): empty for n = 0, n = 1 otherwise.
        assert_eq!(
            accept_all_policy().encode_to_vec(),
            [0x12, 0x02, 0x12, 0x00]
        );
        assert_eq!(
            reject_all_policy().encode_to_vec(),
            [0x12, 0x04, 0x12, 0x02, 0x08, 0x01]
        );
    }

    #[test]
    fn identity_envelope_uses_identity_principals() {
        let envelope = envelope(
            and(signed_by(0), signed_by(1)),
            &[b"x".to_vec(), b"y".to_vec()],
        );
        assert_eq!(envelope.identities.len(), 2);
        assert_eq!(
            envelope.identities[1].principal_classification,
            Classification::Identity as i32
        );
        assert_eq!(envelope.identities[1].principal, b"y");
        assert_eq!(
            or(signed_by(0), signed_by(1)),
            n_out_of(1, vec![signed_by(0), signed_by(1)])
        );
    }
}
