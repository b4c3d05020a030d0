//! The lifecycle system chaincode (Fabric's `core/scc/lscc`).

pub mod chaincode_data;

use prost::Message;

use crate::protos::peer::ChaincodeDeploymentSpec;

/// The chaincode name inside ChaincodeDeploymentSpec bytes (empty if unreadable).
pub fn deployment_spec_name(cds: &[u8]) -> String {
    ChaincodeDeploymentSpec::decode(cds)
        .ok()
        .and_then(|c| c.chaincode_spec)
        .and_then(|s| s.chaincode_id)
        .map(|id| id.name)
        .unwrap_or_default()
}
