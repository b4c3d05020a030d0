//! The committer's first look at a transaction envelope (Fabric's
//! `core/common/validation/msgvalidation.go`, `ValidateTransaction`): payload and headers well
//! formed, creator known to the channel and its signature good, tx id bound to nonce and
//! creator, and an endorser transaction's single action bound to its proposal.
//!
//! Each failure maps to the validation code Fabric gives it, in Fabric's order.

use prost::Message;

use crate::msp::IdentityDeserializer;
use crate::protos::common::{
    ChannelHeader, Envelope, Header, HeaderType, Payload, SignatureHeader,
};
use crate::protos::peer::{
    ChaincodeActionPayload, ProposalResponsePayload, Transaction, TxValidationCode,
};
use crate::protoutil::check_tx_id;

/// Why a transaction's message checks failed (logged; the validation code says which
/// check failed).
#[derive(Debug, thiserror::Error)]
pub enum MsgValidationError {
    #[error("nil arguments")]
    NilArguments,
    #[error("nil header")]
    NilHeader,
    #[error("error unmarshaling {what}: {source}")]
    Decode {
        what: &'static str,
        #[source]
        source: prost::DecodeError,
    },
    #[error("invalid header type {0}")]
    HeaderType(i32),
    #[error("invalid Epoch in ChannelHeader. Expected 0, got [{0}]")]
    Epoch(u64),
    #[error("invalid nonce specified in the header")]
    NoNonce,
    #[error("invalid creator specified in the header")]
    NoCreator,
    #[error("MSP error: {0}")]
    UnknownCreator(#[source] crate::msp::MspError),
    #[error("creator certificate is not valid: {0}")]
    InvalidCreator(#[source] crate::msp::MspError),
    #[error("creator's signature over the proposal is not valid: {0}")]
    BadSignature(#[source] crate::msp::MspError),
    #[error("could not get msp for channel [{0}]")]
    UnknownChannel(String),
    #[error("only one action per transaction is supported, tx contains {0}")]
    ActionCount(usize),
    #[error("nil chaincode endorsed action")]
    NoEndorsedAction,
    #[error("proposal hash does not match")]
    ProposalHash,
}

fn decode<M: Message + Default>(what: &'static str, bytes: &[u8]) -> Result<M, MsgValidationError> {
    M::decode(bytes).map_err(|source| MsgValidationError::Decode { what, source })
}

/// A payload that passed the checks, with its decoded headers and, for an endorser
/// transaction, its decoded action (so later stages decode nothing again).
#[derive(Debug, Clone)]
pub struct ValidatedPayload {
    pub payload: Payload,
    pub channel_header: ChannelHeader,
    pub signature_header: SignatureHeader,
    pub endorser: Option<EndorserAction>,
}

/// The single action of an endorser transaction, decoded.
#[derive(Debug, Clone)]
pub struct EndorserAction {
    pub action_payload: ChaincodeActionPayload,
    pub prp: ProposalResponsePayload,
}

/// Header types the channel header check lets through (the others are BAD_COMMON_HEADER).
fn header_type_allowed(t: i32) -> bool {
    [
        HeaderType::EndorserTransaction,
        HeaderType::ConfigUpdate,
        HeaderType::Config,
        HeaderType::TokenTransaction,
    ]
    .iter()
    .any(|h| *h as i32 == t)
}

/// Decodes and checks the common header: channel header (allowed type, epoch 0) and
/// signature header (nonce and creator present).
fn validate_common_header(
    header: Option<&Header>,
) -> Result<(ChannelHeader, SignatureHeader), MsgValidationError> {
    let header = header.ok_or(MsgValidationError::NilHeader)?;
    let chdr: ChannelHeader = decode("ChannelHeader", &header.channel_header)?;
    let shdr: SignatureHeader = decode("SignatureHeader", &header.signature_header)?;
    if !header_type_allowed(chdr.r#type) {
        return Err(MsgValidationError::HeaderType(chdr.r#type));
    }
    if chdr.epoch != 0 {
        return Err(MsgValidationError::Epoch(chdr.epoch));
    }
    validate_signature_header(&shdr)?;
    Ok((chdr, shdr))
}

pub fn validate_signature_header(shdr: &SignatureHeader) -> Result<(), MsgValidationError> {
    if shdr.nonce.is_empty() {
        return Err(MsgValidationError::NoNonce);
    }
    if shdr.creator.is_empty() {
        return Err(MsgValidationError::NoCreator);
    }
    Ok(())
}

/// The creator must deserialize in the channel's MSPs, be valid, and have signed `message`.
pub fn check_signature_from_creator(
    creator: &[u8],
    signature: &[u8],
    message: &[u8],
    deserializer: &dyn IdentityDeserializer,
) -> Result<(), MsgValidationError> {
    if creator.is_empty() || signature.is_empty() || message.is_empty() {
        return Err(MsgValidationError::NilArguments);
    }
    let identity = deserializer
        .deserialize_identity(creator)
        .map_err(MsgValidationError::UnknownCreator)?;
    identity
        .validate()
        .map_err(MsgValidationError::InvalidCreator)?;
    identity
        .verify(message, signature)
        .map_err(MsgValidationError::BadSignature)
}

pub use crate::protoutil::proposal_hash;

/// An endorser transaction carries exactly one action, with a valid signature header and a
/// proposal response bound to the proposal by its hash.
fn validate_endorser_transaction(
    data: &[u8],
    header: &Header,
) -> Result<EndorserAction, MsgValidationError> {
    if data.is_empty() {
        return Err(MsgValidationError::NilArguments);
    }
    let tx: Transaction = decode("Transaction", data)?;
    if tx.actions.len() != 1 {
        return Err(MsgValidationError::ActionCount(tx.actions.len()));
    }
    let action = &tx.actions[0];
    let shdr: SignatureHeader = decode("SignatureHeader", &action.header)?;
    validate_signature_header(&shdr)?;
    let cap: ChaincodeActionPayload = decode("ChaincodeActionPayload", &action.payload)?;
    let endorsed = cap
        .action
        .as_ref()
        .ok_or(MsgValidationError::NoEndorsedAction)?;
    let prp: ProposalResponsePayload = decode(
        "ProposalResponsePayload",
        &endorsed.proposal_response_payload,
    )?;
    if header.channel_header.is_empty() || cap.chaincode_proposal_payload.is_empty() {
        return Err(MsgValidationError::NilArguments);
    }
    let hash = proposal_hash(
        &header.channel_header,
        &action.header,
        &cap.chaincode_proposal_payload,
    );
    if hash != prp.proposal_hash {
        return Err(MsgValidationError::ProposalHash);
    }
    Ok(EndorserAction {
        action_payload: cap,
        prp,
    })
}

/// Fabric's `ValidateTransaction` for a transaction of `channel_id` whose creator the
/// channel's MSPs must know. A creator naming another channel cannot be checked against
/// that channel's MSPs here and fails the signature check.
pub fn validate_transaction(
    env: &Envelope,
    channel_id: &str,
    deserializer: &dyn IdentityDeserializer,
) -> Result<ValidatedPayload, TxValidationCode> {
    let payload = Payload::decode(env.payload.as_slice()).map_err(|e| {
        tracing::error!(target: "protoutils", "GetPayload returns err {e}");
        TxValidationCode::BadPayload
    })?;
    let (chdr, shdr) = validate_common_header(payload.header.as_ref()).map_err(|e| {
        tracing::error!(target: "protoutils", "validateCommonHeader returns err {e}");
        TxValidationCode::BadCommonHeader
    })?;
    let signature_check = if chdr.channel_id == channel_id {
        check_signature_from_creator(&shdr.creator, &env.signature, &env.payload, deserializer)
    } else {
        Err(MsgValidationError::UnknownChannel(chdr.channel_id.clone()))
    };
    if let Err(e) = signature_check {
        tracing::error!(target: "protoutils", "checkSignatureFromCreator returns err {e}");
        return Err(TxValidationCode::BadCreatorSignature);
    }
    let t = chdr.r#type;
    let mut endorser = None;
    if t == HeaderType::EndorserTransaction as i32 {
        check_tx_id(&chdr.tx_id, &shdr.nonce, &shdr.creator).map_err(|e| {
            tracing::error!(target: "protoutils", "CheckTxID returns err {e}");
            TxValidationCode::BadProposalTxid
        })?;
        let header = payload
            .header
            .as_ref()
            .ok_or(TxValidationCode::BadCommonHeader)?;
        let action = validate_endorser_transaction(&payload.data, header).map_err(|e| {
            tracing::error!(target: "protoutils", "validateEndorserTransaction returns err {e}");
            TxValidationCode::InvalidEndorserTransaction
        })?;
        endorser = Some(action);
    } else if t == HeaderType::Config as i32 {
        if payload.data.is_empty() {
            tracing::error!(target: "protoutils", "validateConfigTransaction returns err nil arguments");
            return Err(TxValidationCode::InvalidConfigTransaction);
        }
    } else if t == HeaderType::TokenTransaction as i32 {
        check_tx_id(&chdr.tx_id, &shdr.nonce, &shdr.creator).map_err(|e| {
            tracing::error!(target: "protoutils", "CheckTxID returns err {e}");
            TxValidationCode::BadProposalTxid
        })?;
    } else {
        return Err(TxValidationCode::UnsupportedTxPayload);
    }
    Ok(ValidatedPayload {
        payload,
        channel_header: chdr,
        signature_header: shdr,
        endorser,
    })
}
