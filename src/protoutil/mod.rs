//! Helpers every layer needs over the wire types, as Fabric's `protoutil` (1.4:
//! `protos/utils`) has them: nonces and tx ids, channel and signature headers, proposals and
//! signed proposals, signed transactions and envelopes, and block hashing exactly as Fabric
//! computes it.

mod blockutils;
mod commonutils;
mod marshal;
mod proputils;
mod txutils;

pub use blockutils::{
    block_data_hash, block_header_bytes, block_header_hash, new_block, BlockMetadataIndex,
};
pub use commonutils::{
    channel_header, create_nonce, decode, generate_uuid, make_channel_header, make_payload_header,
    make_signature_header, payload, signature_header, utc_timestamp, NONCE_SIZE,
};
pub use marshal::{marshal, marshal_dynamic, try_marshal};
pub use proputils::{
    check_tx_id, compute_proposal_binding, compute_tx_id, create_chaincode_proposal,
    create_proposal_response, proposal_hash, proposal_payload_for_tx, proposal_response_payload,
    sign_proposal, ChaincodeProposal,
};
pub use txutils::{
    create_signed_envelope, create_signed_tx, envelope_from_block_data, sign_config_update,
};

use crate::msp::MspError;

/// What went wrong while building or reading Fabric messages.
#[derive(Debug, thiserror::Error)]
pub enum ProtoutilError {
    #[error("malformed {what}: {source}")]
    Decode {
        what: &'static str,
        #[source]
        source: prost::DecodeError,
    },
    #[error("{0} is missing")]
    Missing(&'static str),
    #[error("invalid txid: got {got}, expected {expected}")]
    TxIdMismatch { got: String, expected: String },
    #[error("cannot sign: {0}")]
    Signing(#[from] MspError),
    #[error("{0}")]
    Invalid(String),
}
