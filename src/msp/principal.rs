//! Principal evaluation of the X.509 MSP (Fabric's `SatisfiesPrincipal` and its per-version
//! variants): ROLE (member, admin, client, peer, orderer), ORGANIZATION_UNIT, IDENTITY,
//! ANONYMITY (X.509 identities are nominal) and COMBINED (every part must hold).

use prost::Message;

use super::bccspmsp::{MspCore, MspVersion};
use super::pem;
use super::x509identity::X509Identity;
use super::{Identity, MspError};
use crate::protos::common::msp_identity_anonymity::MspIdentityAnonymityType;
use crate::protos::common::msp_principal::Classification;
use crate::protos::common::msp_role::MspRoleType;
use crate::protos::common::{
    CombinedPrincipal, MspIdentityAnonymity, MspPrincipal, MspRole, OrganizationUnit,
};
use crate::protos::msp::SerializedIdentity;

fn not_satisfied(reason: impl Into<String>) -> MspError {
    MspError::PrincipalNotSatisfied(reason.into())
}

fn decode<M: Message + Default>(bytes: &[u8], what: &str) -> Result<M, MspError> {
    M::decode(bytes)
        .map_err(|e| not_satisfied(format!("could not unmarshal {what} from principal: {e}")))
}

impl MspCore {
    /// Checks `id` against `principal`, flattening combined principals first.
    pub(crate) fn satisfies_principal(
        &self,
        id: &X509Identity,
        principal: &MspPrincipal,
    ) -> Result<(), MspError> {
        let mut flat = Vec::new();
        self.collect_principals(principal, &mut flat)?;
        for p in &flat {
            match self.version {
                MspVersion::V1_4_3 => self.satisfies_v143(id, p)?,
                MspVersion::V1_3 => self.satisfies_v13(id, p)?,
                _ => self.satisfies_pre_v13(id, p)?,
            }
        }
        Ok(())
    }

    fn collect_principals(
        &self,
        principal: &MspPrincipal,
        out: &mut Vec<MspPrincipal>,
    ) -> Result<(), MspError> {
        if principal.principal_classification != Classification::Combined as i32 {
            out.push(principal.clone());
            return Ok(());
        }
        if self.version <= MspVersion::V1_1 {
            return Err(not_satisfied(format!(
                "invalid principal type {}",
                principal.principal_classification
            )));
        }
        let combined: CombinedPrincipal = decode(&principal.principal, "CombinedPrincipal")?;
        if combined.principals.is_empty() {
            return Err(not_satisfied("no principals in CombinedPrincipal"));
        }
        for p in &combined.principals {
            self.collect_principals(p, out)?;
        }
        Ok(())
    }

    fn check_msp(&self, wanted: &str) -> Result<(), MspError> {
        if wanted != self.name {
            return Err(not_satisfied(format!(
                "the identity is a member of a different MSP (expected {wanted}, got {})",
                self.name
            )));
        }
        Ok(())
    }

    fn is_admin_cert(&self, id: &X509Identity) -> bool {
        self.admins.iter().any(|a| a.der() == id.cert().der())
    }

    fn validated_role(&self, id: &X509Identity, role: MspRoleType) -> Result<(), MspError> {
        id.validate().map_err(|e| {
            not_satisfied(format!(
                "the identity is not valid under this MSP [{}]: {e}",
                self.name
            ))
        })?;
        self.has_ou_role(id, role).map_err(|e| {
            not_satisfied(format!(
                "the identity is not a [{}] under this MSP [{}]: {e}",
                role.as_str_name(),
                self.name
            ))
        })
    }

    fn satisfies_v143(&self, id: &X509Identity, principal: &MspPrincipal) -> Result<(), MspError> {
        if principal.principal_classification == Classification::Role as i32 && self.ou_enforcement
        {
            let role: MspRole = decode(&principal.principal, "MSPRole")?;
            self.check_msp(&role.msp_identifier)?;
            match MspRoleType::try_from(role.role) {
                Ok(MspRoleType::Admin) => {
                    if self.is_admin_cert(id) {
                        return Ok(());
                    }
                    return self.validated_role(id, MspRoleType::Admin);
                }
                Ok(MspRoleType::Orderer) => return self.validated_role(id, MspRoleType::Orderer),
                _ => {}
            }
        }
        self.satisfies_v13(id, principal)
    }

    fn satisfies_v13(&self, id: &X509Identity, principal: &MspPrincipal) -> Result<(), MspError> {
        match Classification::try_from(principal.principal_classification) {
            Ok(Classification::Combined) => Err(not_satisfied(
                "a combined principal cannot be checked without flattening it",
            )),
            Ok(Classification::Anonymity) => {
                let anon: MspIdentityAnonymity =
                    decode(&principal.principal, "MSPIdentityAnonymity")?;
                match MspIdentityAnonymityType::try_from(anon.anonymity_type) {
                    Ok(MspIdentityAnonymityType::Nominal) => Ok(()),
                    Ok(MspIdentityAnonymityType::Anonymous) => Err(not_satisfied(
                        "principal is anonymous, but X.509 MSP does not support anonymous identities",
                    )),
                    Err(_) => Err(not_satisfied(format!(
                        "unknown principal anonymity type: {}",
                        anon.anonymity_type
                    ))),
                }
            }
            _ => self.satisfies_pre_v13(id, principal),
        }
    }

    fn satisfies_pre_v13(
        &self,
        id: &X509Identity,
        principal: &MspPrincipal,
    ) -> Result<(), MspError> {
        match Classification::try_from(principal.principal_classification) {
            Ok(Classification::Role) => self.satisfies_role(id, principal),
            Ok(Classification::Identity) => self.satisfies_identity(id, principal),
            Ok(Classification::OrganizationUnit) => {
                let ou: OrganizationUnit = decode(&principal.principal, "OrganizationUnit")?;
                self.check_msp(&ou.msp_identifier)?;
                id.validate()?;
                let matches = id.ous().iter().any(|o| {
                    o.organizational_unit_identifier == ou.organizational_unit_identifier
                        && o.certifiers_identifier == ou.certifiers_identifier
                });
                if matches {
                    Ok(())
                } else {
                    Err(not_satisfied(format!(
                        "the identity does not carry OU {} with the required certifiers",
                        ou.organizational_unit_identifier
                    )))
                }
            }
            _ => Err(not_satisfied(format!(
                "invalid principal type {}",
                principal.principal_classification
            ))),
        }
    }

    fn satisfies_role(&self, id: &X509Identity, principal: &MspPrincipal) -> Result<(), MspError> {
        let role: MspRole = decode(&principal.principal, "MSPRole")?;
        self.check_msp(&role.msp_identifier)?;
        match MspRoleType::try_from(role.role) {
            Ok(MspRoleType::Member) => id.validate(),
            Ok(MspRoleType::Admin) => {
                if self.is_admin_cert(id) {
                    Ok(())
                } else {
                    Err(not_satisfied("this identity is not an admin"))
                }
            }
            Ok(r @ (MspRoleType::Client | MspRoleType::Peer)) => self.validated_role(id, r),
            _ => Err(not_satisfied(format!(
                "invalid MSP role type {}",
                role.role
            ))),
        }
    }

    fn satisfies_identity(
        &self,
        id: &X509Identity,
        principal: &MspPrincipal,
    ) -> Result<(), MspError> {
        let sid = SerializedIdentity::decode(principal.principal.as_slice()).map_err(|e| {
            not_satisfied(format!(
                "invalid identity principal, not a serialized identity: {e}"
            ))
        })?;
        if sid.mspid != self.name {
            return Err(not_satisfied(format!(
                "invalid identity principal: expected MSP ID {}, received {}",
                self.name, sid.mspid
            )));
        }
        let (block, _) = pem::decode(&sid.id_bytes)
            .ok_or_else(|| not_satisfied("invalid identity principal, not a certificate"))?;
        let cert = super::cert::Certificate::from_der(&block.contents)
            .map_err(|e| not_satisfied(format!("invalid identity principal: {e}")))?;
        let cert = self
            .sanitize_cert(&cert)
            .map_err(|e| not_satisfied(format!("invalid identity principal: {e}")))?;
        if cert.der() != id.cert().der() {
            return Err(not_satisfied("the identities do not match"));
        }
        id.validate()
    }
}
