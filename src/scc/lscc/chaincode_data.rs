//! Fabric's `ccprovider.ChaincodeData`: what lscc stores under a chaincode's name in its
//! namespace. Field numbers are Fabric's (a Go struct with protobuf tags, not a .proto).

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

/// Fabric's `CDSData`: the hashes that identify a ChaincodeDeploymentSpec package.
#[derive(Clone, PartialEq, prost::Message)]
pub struct CdsData {
    #[prost(bytes = "vec", tag = "1")]
    pub code_hash: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub meta_data_hash: Vec<u8>,
}
