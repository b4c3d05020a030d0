//! Checks of a signed proposal before anything runs (Fabric's
//! `core/common/validation/msgvalidation.go` `ValidateProposalMessage`): headers decode and
//! carry a supported type, epoch 0, a nonce and a creator; the creator is a valid identity of
//! the channel's MSPs (the local MSP for channel-less proposals) and signed the proposal
//! bytes; the tx id is the hash of nonce and creator; the chaincode header extension names a
//! chaincode.

use prost::Message;

use crate::committer::txvalidator::msgvalidation::{
    check_signature_from_creator, validate_signature_header,
};
use crate::msp::IdentityDeserializer;
use crate::protos::common::{ChannelHeader, Header, HeaderType, SignatureHeader};
use crate::protos::msp::SerializedIdentity;
use crate::protos::peer::{ChaincodeHeaderExtension, Proposal, SignedProposal};
use crate::protoutil::compute_tx_id;

/// A proposal that passed validation, with its decoded parts.
#[derive(Debug, Clone)]
pub struct ValidatedProposal {
    pub proposal: Proposal,
    pub header: Header,
    pub channel_header: ChannelHeader,
    pub signature_header: SignatureHeader,
    pub extension: ChaincodeHeaderExtension,
}

impl ValidatedProposal {
    /// The chaincode the proposal addresses.
    pub fn chaincode_name(&self) -> &str {
        self.extension
            .chaincode_id
            .as_ref()
            .map_or("", |c| c.name.as_str())
    }
}

/// Why a proposal failed validation; the texts are Fabric's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("error unmarshaling {what}: {source}")]
    Unmarshal {
        what: &'static str,
        #[source]
        source: prost::DecodeError,
    },
    #[error("invalid header type {0}")]
    HeaderType(String),
    #[error("invalid Epoch in ChannelHeader. Expected 0, got [{0}]")]
    Epoch(u64),
    /// The signature header's nonce or creator is missing (the committer's check's text).
    #[error("{0}")]
    SignatureHeader(String),
    /// The creator is unknown to the channel or did not sign the proposal (the reason is
    /// logged, not returned, as in Fabric).
    #[error("access denied: channel [{channel}] creator org [{msp_id}]")]
    AccessDenied { channel: String, msp_id: String },
    #[error("invalid txid. got [{got}], expected [{expected}]")]
    TxId { got: String, expected: String },
    #[error("unsupported proposal type {0}")]
    UnsupportedType(i32),
    #[error("invalid header extension for type CHAINCODE")]
    Extension,
    #[error("ChaincodeHeaderExtension.ChaincodeId is nil")]
    NoChaincodeId,
    #[error("invalid payload visibility field")]
    PayloadVisibility,
}

fn decode<T: Message + Default>(what: &'static str, bytes: &[u8]) -> Result<T, ValidationError> {
    T::decode(bytes).map_err(|source| ValidationError::Unmarshal { what, source })
}

/// Go's `%s` of a HeaderType: its name, or `HeaderType(n)` for unknown values.
fn header_type_name(value: i32) -> String {
    match HeaderType::try_from(value) {
        Ok(t) => t.as_str_name().to_string(),
        Err(_) => format!("{value}"),
    }
}

fn validate_channel_header(chdr: &ChannelHeader) -> Result<(), ValidationError> {
    let allowed = [
        HeaderType::EndorserTransaction,
        HeaderType::ConfigUpdate,
        HeaderType::Config,
        HeaderType::TokenTransaction,
    ];
    if !allowed.iter().any(|t| *t as i32 == chdr.r#type) {
        return Err(ValidationError::HeaderType(header_type_name(chdr.r#type)));
    }
    if chdr.epoch != 0 {
        return Err(ValidationError::Epoch(chdr.epoch));
    }
    Ok(())
}

/// Fabric's `checkSignatureFromCreator` for a proposal: the channel's (or local) MSPs
/// must know the creator; the check itself is the committer's, as in Fabric's one
/// `core/common/validation`.
fn check_proposal_creator(
    deserializer: Option<&dyn IdentityDeserializer>,
    signed: &SignedProposal,
    creator: &[u8],
    channel_id: &str,
) -> Result<(), String> {
    if signed.signature.is_empty() || signed.proposal_bytes.is_empty() {
        return Err("nil arguments".into());
    }
    let deserializer =
        deserializer.ok_or_else(|| format!("could not get msp for channel [{channel_id}]"))?;
    check_signature_from_creator(
        creator,
        &signed.signature,
        &signed.proposal_bytes,
        deserializer,
    )
    .map_err(|e| e.to_string())
}

/// Validates a signed proposal. `deserializer` is the identity deserializer of the channel
/// the proposal names (the local MSP when it names none); `None` when the channel is
/// unknown, which Fabric reports as access denied.
pub fn validate_proposal_message(
    signed: &SignedProposal,
    deserializer: Option<&dyn IdentityDeserializer>,
) -> Result<ValidatedProposal, ValidationError> {
    let proposal: Proposal = decode("Proposal", &signed.proposal_bytes)?;
    let header: Header = decode("Header", &proposal.header)?;
    let chdr: ChannelHeader = decode("ChannelHeader", &header.channel_header)?;
    let shdr: SignatureHeader = decode("SignatureHeader", &header.signature_header)?;
    validate_channel_header(&chdr)?;
    validate_signature_header(&shdr)
        .map_err(|e| ValidationError::SignatureHeader(e.to_string()))?;
    if let Err(e) = check_proposal_creator(deserializer, signed, &shdr.creator, &chdr.channel_id) {
        tracing::warn!(target: "protoutils", "channel [{}]: {e}", chdr.channel_id);
        let msp_id = SerializedIdentity::decode(shdr.creator.as_slice())
            .map(|s| s.mspid)
            .unwrap_or_default();
        return Err(ValidationError::AccessDenied {
            channel: chdr.channel_id.clone(),
            msp_id,
        });
    }
    let expected = compute_tx_id(&shdr.nonce, &shdr.creator);
    if chdr.tx_id != expected {
        return Err(ValidationError::TxId {
            got: chdr.tx_id.clone(),
            expected,
        });
    }
    let is_chaincode = chdr.r#type == HeaderType::Config as i32
        || chdr.r#type == HeaderType::EndorserTransaction as i32;
    if !is_chaincode {
        return Err(ValidationError::UnsupportedType(chdr.r#type));
    }
    let extension = ChaincodeHeaderExtension::decode(chdr.extension.as_slice())
        .map_err(|_| ValidationError::Extension)?;
    if extension.chaincode_id.is_none() {
        return Err(ValidationError::NoChaincodeId);
    }
    if !extension.payload_visibility.is_empty() {
        return Err(ValidationError::PayloadVisibility);
    }
    Ok(ValidatedProposal {
        proposal,
        header,
        channel_header: chdr,
        signature_header: shdr,
        extension,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed_with(chdr: ChannelHeader, shdr: SignatureHeader) -> SignedProposal {
        let header = Header {
            channel_header: chdr.encode_to_vec(),
            signature_header: shdr.encode_to_vec(),
        };
        SignedProposal {
            proposal_bytes: Proposal {
                header: header.encode_to_vec(),
                ..Default::default()
            }
            .encode_to_vec(),
            signature: vec![1],
        }
    }

    #[test]
    fn malformed_bytes_fail_with_fabric_wording() {
        let signed = SignedProposal {
            proposal_bytes: vec![0xff, 0xff],
            signature: vec![],
        };
        let e = validate_proposal_message(&signed, None).unwrap_err();
        assert!(matches!(
            e,
            ValidationError::Unmarshal {
                what: "Proposal",
                ..
            }
        ));
        assert!(
            e.to_string().starts_with("error unmarshaling Proposal: "),
            "{e}"
        );
    }

    #[test]
    fn header_checks_come_before_the_signature() {
        let shdr = SignatureHeader {
            creator: b"c".to_vec(),
            nonce: b"n".to_vec(),
        };
        let chdr = ChannelHeader {
            r#type: HeaderType::Message as i32,
            ..Default::default()
        };
        let e = validate_proposal_message(&signed_with(chdr, shdr.clone()), None).unwrap_err();
        assert_eq!(e.to_string(), "invalid header type MESSAGE");
        let chdr = ChannelHeader {
            r#type: HeaderType::EndorserTransaction as i32,
            epoch: 3,
            ..Default::default()
        };
        let e = validate_proposal_message(&signed_with(chdr, shdr), None).unwrap_err();
        assert_eq!(e, ValidationError::Epoch(3));
        assert_eq!(
            e.to_string(),
            "invalid Epoch in ChannelHeader. Expected 0, got [3]"
        );
        let chdr = ChannelHeader {
            r#type: HeaderType::EndorserTransaction as i32,
            ..Default::default()
        };
        let no_nonce = SignatureHeader {
            creator: b"c".to_vec(),
            nonce: vec![],
        };
        let e = validate_proposal_message(&signed_with(chdr, no_nonce), None).unwrap_err();
        assert_eq!(e.to_string(), "invalid nonce specified in the header");
    }

    #[test]
    fn unknown_channel_is_access_denied_naming_the_creator_org() {
        let creator = SerializedIdentity {
            mspid: "Org1MSP".into(),
            id_bytes: b"pem".to_vec(),
        }
        .encode_to_vec();
        let chdr = ChannelHeader {
            r#type: HeaderType::EndorserTransaction as i32,
            channel_id: "nochannel".into(),
            ..Default::default()
        };
        let shdr = SignatureHeader {
            creator,
            nonce: b"n".to_vec(),
        };
        let e = validate_proposal_message(&signed_with(chdr, shdr), None).unwrap_err();
        assert_eq!(
            e,
            ValidationError::AccessDenied {
                channel: "nochannel".into(),
                msp_id: "Org1MSP".into()
            }
        );
        assert_eq!(
            e.to_string(),
            "access denied: channel [nochannel] creator org [Org1MSP]"
        );
    }
}
