//! Small mock identities for policy tests. A serialized mock identity is the text
//! `MSPID:ID:role,role`; it satisfies a ROLE principal when the MSP ids match and the role is
//! MEMBER or one of its roles; a signature is valid when it equals `sign(id, data)`.

use std::sync::Arc;
use std::time::SystemTime;

use prost::Message;

use super::SignedData;
use crate::msp::{Identity, IdentityDeserializer, IdentityIdentifier, MspError, OuIdentifier};
use crate::protos::common::msp_principal::Classification;
use crate::protos::common::msp_role::MspRoleType;
use crate::protos::common::{MspPrincipal, MspRole};

#[derive(Debug)]
pub(crate) struct MockIdentity {
    msp_id: String,
    id: String,
    roles: Vec<MspRoleType>,
}

impl Identity for MockIdentity {
    fn identifier(&self) -> IdentityIdentifier {
        IdentityIdentifier {
            msp_id: self.msp_id.clone(),
            id: self.id.clone(),
        }
    }
    fn msp_identifier(&self) -> &str {
        &self.msp_id
    }
    fn expires_at(&self) -> Option<SystemTime> {
        None
    }
    fn validate(&self) -> Result<(), MspError> {
        Ok(())
    }
    fn organizational_units(&self) -> Vec<OuIdentifier> {
        Vec::new()
    }
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), MspError> {
        if signature == sign(&self.id, message).as_slice() {
            Ok(())
        } else {
            Err(MspError::BadSignature(format!(
                "bad signature by {}",
                self.id
            )))
        }
    }
    fn serialize(&self) -> Vec<u8> {
        let roles: Vec<&str> = self.roles.iter().map(|r| r.as_str_name()).collect();
        format!("{}:{}:{}", self.msp_id, self.id, roles.join(",")).into_bytes()
    }
    fn satisfies_principal(&self, principal: &MspPrincipal) -> Result<(), MspError> {
        let unsatisfied = || MspError::PrincipalNotSatisfied(format!("{} does not match", self.id));
        if principal.principal_classification != Classification::Role as i32 {
            return Err(unsatisfied());
        }
        let role = MspRole::decode(principal.principal.as_slice())
            .map_err(|e| MspError::PrincipalNotSatisfied(e.to_string()))?;
        let matches_role = role.role == MspRoleType::Member as i32
            || self.roles.iter().any(|r| *r as i32 == role.role);
        if role.msp_identifier == self.msp_id && matches_role {
            Ok(())
        } else {
            Err(unsatisfied())
        }
    }
}

/// Deserializes the mock text form; anything else is malformed.
pub(crate) struct MockDeserializer;

impl IdentityDeserializer for MockDeserializer {
    fn deserialize_identity(&self, serialized: &[u8]) -> Result<Arc<dyn Identity>, MspError> {
        let text = std::str::from_utf8(serialized)
            .map_err(|_| MspError::MalformedIdentity("not utf-8".into()))?;
        let mut parts = text.split(':');
        let (Some(msp_id), Some(id), Some(roles), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(MspError::MalformedIdentity(text.to_string()));
        };
        let roles = roles
            .split(',')
            .filter(|r| !r.is_empty())
            .map(|r| {
                MspRoleType::from_str_name(r).ok_or_else(|| MspError::MalformedIdentity(r.into()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Arc::new(MockIdentity {
            msp_id: msp_id.to_string(),
            id: id.to_string(),
            roles,
        }))
    }
}

pub(crate) fn deserializer() -> Arc<dyn IdentityDeserializer> {
    Arc::new(MockDeserializer)
}

/// The valid mock signature of `id` over `data`.
pub(crate) fn sign(id: &str, data: &[u8]) -> Vec<u8> {
    [id.as_bytes(), b"|", data].concat()
}

/// Signed data by identity `id` of `msp_id` with role `role` (e.g. `PEER`), validly signed.
pub(crate) fn signed(msp_id: &str, id: &str, role: &str) -> SignedData {
    let data = b"payload".to_vec();
    SignedData {
        signature: sign(id, &data),
        identity: format!("{msp_id}:{id}:{role}").into_bytes(),
        data,
    }
}

/// Signed data whose signature does not verify.
pub(crate) fn badly_signed(msp_id: &str, id: &str, role: &str) -> SignedData {
    SignedData {
        signature: b"forged".to_vec(),
        ..signed(msp_id, id, role)
    }
}
