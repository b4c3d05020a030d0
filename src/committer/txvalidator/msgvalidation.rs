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

/// A payload that passed the checks, with its decoded headers.
#[derive(Debug, Clone)]
pub struct ValidatedPayload {
    pub payload: Payload,
    pub channel_header: ChannelHeader,
    pub signature_header: SignatureHeader,
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
) -> Result<(ChannelHeader, SignatureHeader), String> {
    let header = header.ok_or("nil header")?;
    let chdr = ChannelHeader::decode(header.channel_header.as_slice())
        .map_err(|e| format!("error unmarshaling ChannelHeader: {e}"))?;
    let shdr = SignatureHeader::decode(header.signature_header.as_slice())
        .map_err(|e| format!("error unmarshaling SignatureHeader: {e}"))?;
    if !header_type_allowed(chdr.r#type) {
        return Err(format!("invalid header type {}", chdr.r#type));
    }
    if chdr.epoch != 0 {
        return Err(format!(
            "invalid Epoch in ChannelHeader. Expected 0, got [{}]",
            chdr.epoch
        ));
    }
    validate_signature_header(&shdr)?;
    Ok((chdr, shdr))
}

pub fn validate_signature_header(shdr: &SignatureHeader) -> Result<(), String> {
    if shdr.nonce.is_empty() {
        return Err("invalid nonce specified in the header".into());
    }
    if shdr.creator.is_empty() {
        return Err("invalid creator specified in the header".into());
    }
    Ok(())
}

/// The creator must deserialize in the channel's MSPs, be valid, and have signed `message`.
pub fn check_signature_from_creator(
    creator: &[u8],
    signature: &[u8],
    message: &[u8],
    deserializer: &dyn IdentityDeserializer,
) -> Result<(), String> {
    if creator.is_empty() || signature.is_empty() || message.is_empty() {
        return Err("nil arguments".into());
    }
    let identity = deserializer
        .deserialize_identity(creator)
        .map_err(|e| format!("MSP error: {e}"))?;
    identity
        .validate()
        .map_err(|e| format!("creator certificate is not valid: {e}"))?;
    identity
        .verify(message, signature)
        .map_err(|e| format!("creator's signature over the proposal is not valid: {e}"))
}

pub use crate::protoutil::proposal_hash;

/// An endorser transaction carries exactly one action, with a valid signature header and a
/// proposal response bound to the proposal by its hash.
fn validate_endorser_transaction(data: &[u8], header: &Header) -> Result<(), String> {
    if data.is_empty() {
        return Err("nil arguments".into());
    }
    let tx =
        Transaction::decode(data).map_err(|e| format!("error unmarshaling Transaction: {e}"))?;
    if tx.actions.len() != 1 {
        return Err(format!(
            "only one action per transaction is supported, tx contains {}",
            tx.actions.len()
        ));
    }
    for action in &tx.actions {
        let shdr = SignatureHeader::decode(action.header.as_slice())
            .map_err(|e| format!("error unmarshaling SignatureHeader: {e}"))?;
        validate_signature_header(&shdr)?;
        let cap = ChaincodeActionPayload::decode(action.payload.as_slice())
            .map_err(|e| format!("error unmarshaling ChaincodeActionPayload: {e}"))?;
        let endorsed = cap.action.as_ref().ok_or("nil chaincode endorsed action")?;
        let prp = ProposalResponsePayload::decode(endorsed.proposal_response_payload.as_slice())
            .map_err(|e| format!("error unmarshaling ProposalResponsePayload: {e}"))?;
        if header.channel_header.is_empty() || cap.chaincode_proposal_payload.is_empty() {
            return Err("nil arguments".into());
        }
        let hash = proposal_hash(
            &header.channel_header,
            &action.header,
            &cap.chaincode_proposal_payload,
        );
        if hash != prp.proposal_hash {
            return Err("proposal hash does not match".into());
        }
    }
    Ok(())
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
        Err(format!(
            "could not get msp for channel [{}]",
            chdr.channel_id
        ))
    };
    if let Err(e) = signature_check {
        tracing::error!(target: "protoutils", "checkSignatureFromCreator returns err {e}");
        return Err(TxValidationCode::BadCreatorSignature);
    }
    let header = payload.header.clone().unwrap_or_default();
    let t = chdr.r#type;
    if t == HeaderType::EndorserTransaction as i32 {
        check_tx_id(&chdr.tx_id, &shdr.nonce, &shdr.creator).map_err(|e| {
            tracing::error!(target: "protoutils", "CheckTxID returns err {e}");
            TxValidationCode::BadProposalTxid
        })?;
        validate_endorser_transaction(&payload.data, &header).map_err(|e| {
            tracing::error!(target: "protoutils", "validateEndorserTransaction returns err {e}");
            TxValidationCode::InvalidEndorserTransaction
        })?;
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
    })
}
