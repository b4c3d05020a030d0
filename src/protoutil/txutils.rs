//! Transactions and envelopes: assembling endorsed transactions, signing envelopes.

use prost::Message;

use super::commonutils::{create_nonce, decode, make_channel_header, make_payload_header};
use super::proputils::proposal_payload_for_tx;
use super::ProtoutilError;
use crate::msp::SigningIdentity;
use crate::protos::common::{
    ConfigSignature, ConfigUpdateEnvelope, Envelope, Header, HeaderType, Payload, SignatureHeader,
};
use crate::protos::protos::{
    ChaincodeActionPayload, ChaincodeEndorsedAction, ChaincodeProposalPayload, Proposal,
    ProposalResponse, Transaction, TransactionAction,
};

/// Decodes one entry of a block's data as an envelope.
pub fn envelope_from_block_data(data: &[u8]) -> Result<Envelope, ProtoutilError> {
    decode("Envelope", data)
}

/// Wraps `data` in a payload of `header_type` on `channel_id`, signed by `signer` (or unsigned
/// when `signer` is `None`, as Fabric allows for some config messages), like Fabric's
/// CreateSignedEnvelopeWithTLSBinding.
pub fn create_signed_envelope(
    header_type: HeaderType,
    channel_id: &str,
    signer: Option<&dyn SigningIdentity>,
    data: &impl Message,
    msg_version: i32,
    epoch: u64,
    tls_cert_hash: Vec<u8>,
) -> Result<Envelope, ProtoutilError> {
    let mut channel = make_channel_header(header_type, msg_version, channel_id, epoch);
    channel.tls_cert_hash = tls_cert_hash;
    let signature_header = match signer {
        Some(s) => SignatureHeader {
            creator: s.serialize(),
            nonce: create_nonce(),
        },
        None => SignatureHeader::default(),
    };
    let payload = Payload {
        header: Some(make_payload_header(&channel, &signature_header)),
        data: data.encode_to_vec(),
    }
    .encode_to_vec();
    let signature = match signer {
        Some(s) => s.sign(&payload)?,
        None => Vec::new(),
    };
    Ok(Envelope { payload, signature })
}

/// Adds `signer`'s signature to a config update: a `ConfigSignature` whose signature covers
/// its own signature header (creator and fresh nonce) followed by the config update bytes,
/// as `peer channel create/update/signconfigtx` and configtxgen sign them.
pub fn sign_config_update(
    update: &mut ConfigUpdateEnvelope,
    signer: &dyn SigningIdentity,
) -> Result<(), ProtoutilError> {
    let signature_header = SignatureHeader {
        creator: signer.serialize(),
        nonce: create_nonce(),
    }
    .encode_to_vec();
    let signature = signer.sign(&[signature_header.as_slice(), &update.config_update].concat())?;
    update.signatures.push(ConfigSignature {
        signature_header,
        signature,
    });
    Ok(())
}

/// Assembles the transaction envelope from a proposal and its endorsements, as Fabric's
/// CreateSignedTx: the signer must be the proposal's creator, every response must carry the
/// same payload, and the first must be successful.
pub fn create_signed_tx(
    proposal: &Proposal,
    signer: &dyn SigningIdentity,
    responses: &[ProposalResponse],
) -> Result<Envelope, ProtoutilError> {
    let first = responses.first().ok_or_else(|| {
        ProtoutilError::Invalid("at least one proposal response is required".into())
    })?;
    let header: Header = decode("Header", &proposal.header)?;
    let proposal_payload: ChaincodeProposalPayload =
        decode("ChaincodeProposalPayload", &proposal.payload)?;
    let signature_header: SignatureHeader = decode("SignatureHeader", &header.signature_header)?;
    if signer.serialize() != signature_header.creator {
        return Err(ProtoutilError::Invalid(
            "signer must be the same as the one referenced in the header".into(),
        ));
    }
    let status = first.response.as_ref().map_or(0, |r| r.status);
    if !(200..400).contains(&status) {
        let message = first.response.as_ref().map_or("", |r| r.message.as_str());
        return Err(ProtoutilError::Invalid(format!(
            "proposal response was not successful, error code {status}, msg {message}"
        )));
    }
    if responses.iter().any(|r| r.payload != first.payload) {
        return Err(ProtoutilError::Invalid(
            "ProposalResponsePayloads do not match".into(),
        ));
    }
    let action = ChaincodeActionPayload {
        chaincode_proposal_payload: proposal_payload_for_tx(&proposal_payload),
        action: Some(ChaincodeEndorsedAction {
            proposal_response_payload: first.payload.clone(),
            endorsements: responses
                .iter()
                .filter_map(|r| r.endorsement.clone())
                .collect(),
        }),
    };
    let transaction = Transaction {
        actions: vec![TransactionAction {
            header: header.signature_header.clone(),
            payload: action.encode_to_vec(),
        }],
    };
    let payload = Payload {
        header: Some(header),
        data: transaction.encode_to_vec(),
    }
    .encode_to_vec();
    let signature = signer.sign(&payload)?;
    Ok(Envelope { payload, signature })
}
