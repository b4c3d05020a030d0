//! Signed chaincode packages (Fabric's `core/common/ccpackage` and `ccprovider`'s
//! `SignedCDSPackage`): an Envelope of type CHAINCODE_PACKAGE whose payload data is a
//! `SignedChaincodeDeploymentSpec` (the marshalled CDS, the marshalled instantiation policy,
//! and one endorsement per owner who signed `cds ‖ policy ‖ endorser`).

use prost::Message;
use sha2::{Digest, Sha256};

use crate::msp::SigningIdentity;
use crate::protos::common::{
    ChannelHeader, Envelope, Header, HeaderType, Payload, SignaturePolicyEnvelope,
};
use crate::protos::peer::{ChaincodeDeploymentSpec, Endorsement, SignedChaincodeDeploymentSpec};
use crate::protoutil::make_channel_header;

/// Why a signed package cannot be made, read or signed (Fabric's texts where it has one).
#[derive(Debug, thiserror::Error)]
pub enum SignedPackageError {
    #[error("failed to unmarshal envelope from bytes")]
    Envelope(#[source] prost::DecodeError),
    #[error("cannot read the signed package's {what}")]
    Decode {
        what: &'static str,
        #[source]
        source: prost::DecodeError,
    },
    #[error("channel header cannot be nil")]
    NoHeader,
    #[error("invalid type of envelope for chaincode package")]
    WrongType,
    #[error("instantiation policy cannot be nil for chaincode ({0})")]
    NoPolicy(String),
    #[error("invalid signed deployment spec: it carries no owner endorsement")]
    NotSigned,
    #[error("Could not sign the ccpackage, err {0}")]
    Sign(#[source] crate::msp::MspError),
}

/// Fabric's `SignedCDSData`: the hashes that identify a signed package.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SignedCdsData {
    #[prost(bytes = "vec", tag = "1")]
    pub code_hash: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub meta_data_hash: Vec<u8>,
    #[prost(bytes = "vec", tag = "3")]
    pub signature_hash: Vec<u8>,
}

/// Fabric's `ExtractSignedCCDepSpec`: the channel header and signed spec of an envelope.
pub fn extract_signed_cds(
    env: &Envelope,
) -> Result<(ChannelHeader, SignedChaincodeDeploymentSpec), SignedPackageError> {
    let decode = |what, source| SignedPackageError::Decode { what, source };
    let payload = Payload::decode(env.payload.as_slice()).map_err(|e| decode("payload", e))?;
    let header = payload.header.ok_or(SignedPackageError::NoHeader)?;
    let channel_header = ChannelHeader::decode(header.channel_header.as_slice())
        .map_err(|e| decode("channel header", e))?;
    let spec = SignedChaincodeDeploymentSpec::decode(payload.data.as_slice())
        .map_err(|e| decode("signed deployment spec", e))?;
    Ok((channel_header, spec))
}

/// A signed package read from bytes (Fabric's `SignedCDSPackage.InitFromBuffer`).
#[derive(Debug, Clone)]
pub struct SignedParts {
    pub spec: SignedChaincodeDeploymentSpec,
    pub deployment: ChaincodeDeploymentSpec,
}

impl SignedParts {
    /// Reads an Envelope of type CHAINCODE_PACKAGE.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SignedPackageError> {
        let env = Envelope::decode(bytes).map_err(SignedPackageError::Envelope)?;
        let (header, spec) = extract_signed_cds(&env)?;
        if header.r#type != HeaderType::ChaincodePackage as i32 {
            return Err(SignedPackageError::WrongType);
        }
        let deployment = ChaincodeDeploymentSpec::decode(spec.chaincode_deployment_spec.as_slice())
            .map_err(|source| SignedPackageError::Decode {
                what: "deployment spec",
                source,
            })?;
        Ok(SignedParts { spec, deployment })
    }

    /// Fabric's `getCDSData`: the package data and its id.
    pub fn cds_data(
        &self,
        name: &str,
        version: &str,
    ) -> Result<(SignedCdsData, Vec<u8>), SignedPackageError> {
        if self.spec.instantiation_policy.is_empty() {
            return Err(SignedPackageError::NoPolicy(format!("{name}:{version}")));
        }
        let mut meta = Sha256::new();
        meta.update(name.as_bytes());
        meta.update(version.as_bytes());
        let mut signature = Sha256::new();
        signature.update(&self.spec.instantiation_policy);
        for e in &self.spec.owner_endorsements {
            signature.update(&e.endorser);
        }
        let data = SignedCdsData {
            code_hash: Sha256::digest(&self.deployment.code_package).to_vec(),
            meta_data_hash: meta.finalize().to_vec(),
            signature_hash: signature.finalize().to_vec(),
        };
        let mut id = Sha256::new();
        id.update(&data.code_hash);
        id.update(&data.meta_data_hash);
        id.update(&data.signature_hash);
        Ok((data, id.finalize().to_vec()))
    }
}

fn endorse(
    cds: &[u8],
    policy: &[u8],
    owner: &dyn SigningIdentity,
) -> Result<Endorsement, SignedPackageError> {
    let endorser = owner.serialize();
    let message = [cds, policy, &endorser].concat();
    let signature = owner.sign(&message).map_err(SignedPackageError::Sign)?;
    Ok(Endorsement {
        endorser,
        signature,
    })
}

/// Fabric's `createSignedCCDepSpec`: the CHAINCODE_PACKAGE envelope (unsigned envelope,
/// channel header stamped now in whole seconds, no channel).
fn create_envelope(spec: SignedChaincodeDeploymentSpec) -> Envelope {
    let header = make_channel_header(HeaderType::ChaincodePackage, 0, "", 0);
    let payload = Payload {
        header: Some(Header {
            channel_header: header.encode_to_vec(),
            signature_header: Vec::new(),
        }),
        data: spec.encode_to_vec(),
    };
    Envelope {
        payload: payload.encode_to_vec(),
        signature: Vec::new(),
    }
}

/// Fabric's `OwnerCreateSignedCCDepSpec`: the package, endorsed by `owner` when given.
pub fn owner_create_signed_cds(
    cds: &ChaincodeDeploymentSpec,
    policy: &SignaturePolicyEnvelope,
    owner: Option<&dyn SigningIdentity>,
) -> Result<Envelope, SignedPackageError> {
    let cds_bytes = cds.encode_to_vec();
    let policy_bytes = policy.encode_to_vec();
    let owner_endorsements = match owner {
        Some(owner) => vec![endorse(&cds_bytes, &policy_bytes, owner)?],
        None => Vec::new(),
    };
    Ok(create_envelope(SignedChaincodeDeploymentSpec {
        chaincode_deployment_spec: cds_bytes,
        instantiation_policy: policy_bytes,
        owner_endorsements,
    }))
}

/// Fabric's `SignExistingPackage`: adds `owner`'s endorsement to a package that already
/// carries at least one.
pub fn sign_existing_package(
    env: &Envelope,
    owner: &dyn SigningIdentity,
) -> Result<Envelope, SignedPackageError> {
    let (_, mut spec) = extract_signed_cds(env)?;
    if spec.chaincode_deployment_spec.is_empty()
        || spec.instantiation_policy.is_empty()
        || spec.owner_endorsements.is_empty()
    {
        return Err(SignedPackageError::NotSigned);
    }
    let e = endorse(
        &spec.chaincode_deployment_spec,
        &spec.instantiation_policy,
        owner,
    )?;
    spec.owner_endorsements.push(e);
    Ok(create_envelope(spec))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scc::lscc::CdsPackage;

    fn vectors() -> std::path::PathBuf {
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
    }

    fn admin(org: u8) -> std::sync::Arc<dyn SigningIdentity> {
        let dir = vectors().join(format!(
            "network/crypto-config/peerOrganizations/org{org}.example.com/users/Admin@org{org}.example.com/msp"
        ));
        crate::msp::load_local_msp(&dir, &format!("Org{org}MSP"), &Default::default())
            .unwrap()
            .default_signing_identity()
            .unwrap()
    }

    #[test]
    fn fabrics_signed_package_reads_as_signed_cds() {
        let bytes = std::fs::read(vectors().join("packages/nodecc-signed-twice.pkg")).unwrap();
        let package = CdsPackage::from_bytes(&bytes).unwrap();
        let signed = package.signed.as_ref().expect("a signed package");
        assert_eq!(signed.spec.owner_endorsements.len(), 2);
        assert_eq!(package.data.name, "nodecc");
        assert_eq!(
            package.data.instantiation_policy,
            signed.spec.instantiation_policy
        );
        let data = SignedCdsData::decode(package.data.data.as_slice()).unwrap();
        assert_eq!(data.signature_hash.len(), 32);
        package.validate_cc(&package.data).unwrap();
        let plain = std::fs::read(vectors().join("packages/nodecc-node.cds")).unwrap();
        let plain = CdsPackage::from_bytes(&plain).unwrap();
        assert!(plain.signed.is_none());
        assert_ne!(plain.data.id, package.data.id);
        assert_eq!(plain.spec.code_package, package.spec.code_package);
    }

    #[test]
    fn owners_sign_cds_policy_and_endorser() {
        let bytes = std::fs::read(vectors().join("packages/nodecc-node.cds")).unwrap();
        let cds = ChaincodeDeploymentSpec::decode(bytes.as_slice()).unwrap();
        let policy = crate::policy::from_string("AND('Org1MSP.admin')").unwrap();
        let unsigned = owner_create_signed_cds(&cds, &policy, None).unwrap();
        assert!(matches!(
            sign_existing_package(&unsigned, admin(1).as_ref()),
            Err(SignedPackageError::NotSigned)
        ));
        let once = owner_create_signed_cds(&cds, &policy, Some(admin(1).as_ref())).unwrap();
        let twice = sign_existing_package(&once, admin(2).as_ref()).unwrap();
        let (header, spec) = extract_signed_cds(&twice).unwrap();
        assert_eq!(header.r#type, HeaderType::ChaincodePackage as i32);
        assert_eq!(spec.chaincode_deployment_spec, bytes);
        for (e, who) in spec.owner_endorsements.iter().zip([admin(1), admin(2)]) {
            assert_eq!(e.endorser, who.serialize());
            let message = [bytes.as_slice(), &spec.instantiation_policy, &e.endorser].concat();
            who.public().verify(&message, &e.signature).unwrap();
        }
    }
}
