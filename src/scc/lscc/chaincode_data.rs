//! Fabric's `ccprovider.ChaincodeData`: what lscc stores under a chaincode's name in its
//! namespace when the chaincode is instantiated or upgraded (Fabric v1.4 lifecycle). Field
//! numbers are Fabric's (a Go struct with protobuf tags, not a .proto). lscc writes it, the
//! committer's VSCC reads it for the version, validation plugin and endorsement policy, and
//! `peer chaincode list --instantiated` shows it.

use prost::Message;

/// The lscc namespace in the state database.
pub const LSCC_NAMESPACE: &str = "lscc";

/// The instantiated definition of a chaincode on a channel.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ChaincodeData {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(string, tag = "2")]
    pub version: String,
    /// The endorsement plugin (`escc`).
    #[prost(string, tag = "3")]
    pub escc: String,
    /// The validation plugin (`vscc`).
    #[prost(string, tag = "4")]
    pub vscc: String,
    /// The marshalled endorsement policy (SignaturePolicyEnvelope).
    #[prost(bytes = "vec", tag = "5")]
    pub policy: Vec<u8>,
    /// The marshalled CDSData (code hash and metadata hash) of the package.
    #[prost(bytes = "vec", tag = "6")]
    pub data: Vec<u8>,
    /// The package fingerprint: SHA-256(code hash ‖ metadata hash).
    #[prost(bytes = "vec", tag = "7")]
    pub id: Vec<u8>,
    /// The marshalled instantiation policy (SignaturePolicyEnvelope).
    #[prost(bytes = "vec", tag = "8")]
    pub instantiation_policy: Vec<u8>,
}

impl ChaincodeData {
    /// Decodes the value lscc stored for a chaincode.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, prost::DecodeError> {
        ChaincodeData::decode(bytes)
    }
}

/// The lscc key under which a chaincode's private data collection config is stored
/// (Fabric's `privdata.BuildCollectionKVSKey`).
pub fn collection_key(chaincode_name: &str) -> String {
    format!("{chaincode_name}~collection")
}

/// Fabric's `CDSData`: the hashes that identify a ChaincodeDeploymentSpec package.
#[derive(Clone, PartialEq, prost::Message)]
pub struct CdsData {
    #[prost(bytes = "vec", tag = "1")]
    pub code_hash: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub meta_data_hash: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    // The wire tags themselves are pinned by lscc's `chaincode_data_uses_fabrics_field_numbers`.
    #[test]
    fn stored_bytes_round_trip_and_collection_key() {
        let cd = ChaincodeData {
            name: "mycc".into(),
            version: "1.0".into(),
            escc: "escc".into(),
            vscc: "vscc".into(),
            ..Default::default()
        };
        assert_eq!(ChaincodeData::from_bytes(&cd.encode_to_vec()).unwrap(), cd);
        assert!(ChaincodeData::from_bytes(&[0x0a, 9]).is_err());
        assert_eq!(collection_key("mycc"), "mycc~collection");
    }
}
