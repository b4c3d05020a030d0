//! Fabric's `ccprovider.ChaincodeData`: what lscc stores under a chaincode's name in its
//! namespace when the chaincode is instantiated or upgraded (Fabric v1.4 lifecycle). The
//! committer reads it to find a chaincode's version, validation plugin and endorsement
//! policy; lscc writes it; `peer chaincode list --instantiated` shows it.

use prost::Message;

/// The lscc namespace in the state database.
pub const LSCC_NAMESPACE: &str = "lscc";

/// One instantiated chaincode, with the field numbers of Fabric's `ChaincodeData`.
#[derive(Clone, PartialEq, Message)]
pub struct ChaincodeData {
    /// The chaincode name.
    #[prost(string, tag = "1")]
    pub name: String,
    /// The instantiated version.
    #[prost(string, tag = "2")]
    pub version: String,
    /// The endorsement plugin (`escc`).
    #[prost(string, tag = "3")]
    pub escc: String,
    /// The validation plugin (`vscc`).
    #[prost(string, tag = "4")]
    pub vscc: String,
    /// The endorsement policy: a marshalled `common.SignaturePolicyEnvelope`.
    #[prost(bytes = "vec", tag = "5")]
    pub policy: Vec<u8>,
    /// The code fingerprint: a marshalled `CDSData` (code hash and metadata hash).
    #[prost(bytes = "vec", tag = "6")]
    pub data: Vec<u8>,
    /// The hash of the chaincode package (`id`).
    #[prost(bytes = "vec", tag = "7")]
    pub id: Vec<u8>,
    /// Who may instantiate or upgrade: a marshalled `common.SignaturePolicyEnvelope`.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_numbers_match_fabric() {
        let cd = ChaincodeData {
            name: "mycc".into(),
            version: "1.0".into(),
            escc: "escc".into(),
            vscc: "vscc".into(),
            policy: vec![1],
            data: vec![2],
            id: vec![3],
            instantiation_policy: vec![4],
        };
        let bytes = cd.encode_to_vec();
        // tag 1 (name) .. tag 8 (instantiation_policy), each length-delimited
        assert_eq!(
            bytes,
            [
                &[0x0a, 4][..],
                b"mycc",
                &[0x12, 3],
                b"1.0",
                &[0x1a, 4],
                b"escc",
                &[0x22, 4],
                b"vscc",
                &[0x2a, 1, 1, 0x32, 1, 2, 0x3a, 1, 3, 0x42, 1, 4],
            ]
            .concat()
        );
        assert_eq!(ChaincodeData::from_bytes(&bytes).unwrap(), cd);
        assert_eq!(collection_key("mycc"), "mycc~collection");
    }
}
