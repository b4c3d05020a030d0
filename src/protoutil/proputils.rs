//! Proposals: tx ids, chaincode proposals, signing, and the proposal binding.

use std::collections::BTreeMap;

use prost::Message;
use sha2::{Digest, Sha256};

use super::commonutils::{create_nonce, decode, utc_timestamp};
use super::ProtoutilError;
use crate::msp::SigningIdentity;
use crate::protos::common::{ChannelHeader, Header, HeaderType, SignatureHeader};
use crate::protos::protos::{
    ChaincodeAction, ChaincodeHeaderExtension, ChaincodeInvocationSpec, ChaincodeProposalPayload,
    Endorsement, Proposal, ProposalResponse, ProposalResponsePayload, SignedProposal,
};

/// Fabric's transaction id: the hex SHA-256 of nonce ‖ creator.
pub fn compute_tx_id(nonce: &[u8], creator: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(nonce);
    h.update(creator);
    hex::encode(h.finalize())
}

/// Checks that `tx_id` is the one `nonce` and `creator` produce.
pub fn check_tx_id(tx_id: &str, nonce: &[u8], creator: &[u8]) -> Result<(), ProtoutilError> {
    let expected = compute_tx_id(nonce, creator);
    if tx_id == expected {
        Ok(())
    } else {
        Err(ProtoutilError::TxIdMismatch {
            got: tx_id.to_string(),
            expected,
        })
    }
}

/// The binding of a proposal to its creator: SHA-256(nonce ‖ creator ‖ epoch as 8 bytes
/// little-endian), as Fabric's ComputeProposalBinding.
pub fn compute_proposal_binding(proposal: &Proposal) -> Result<Vec<u8>, ProtoutilError> {
    if proposal.header.is_empty() {
        return Err(ProtoutilError::Missing("proposal header"));
    }
    let header: Header = decode("Header", &proposal.header)?;
    let channel: ChannelHeader = decode("ChannelHeader", &header.channel_header)?;
    let signature: SignatureHeader = decode("SignatureHeader", &header.signature_header)?;
    let mut h = Sha256::new();
    h.update(&signature.nonce);
    h.update(&signature.creator);
    h.update(channel.epoch.to_le_bytes());
    Ok(h.finalize().to_vec())
}

/// A chaincode proposal and the tx id it carries.
#[derive(Debug, Clone)]
pub struct ChaincodeProposal {
    pub proposal: Proposal,
    pub tx_id: String,
}

/// Builds a chaincode proposal of `header_type` on `channel_id` for `cis`, with a fresh
/// nonce and the tx id derived from it, as Fabric's CreateChaincodeProposalWithTransient.
pub fn create_chaincode_proposal(
    header_type: HeaderType,
    channel_id: &str,
    cis: &ChaincodeInvocationSpec,
    creator: Vec<u8>,
    transient_map: BTreeMap<String, Vec<u8>>,
) -> ChaincodeProposal {
    let nonce = create_nonce();
    let tx_id = compute_tx_id(&nonce, &creator);
    let extension = ChaincodeHeaderExtension {
        chaincode_id: cis
            .chaincode_spec
            .as_ref()
            .and_then(|s| s.chaincode_id.clone()),
        ..Default::default()
    };
    let payload = ChaincodeProposalPayload {
        input: cis.encode_to_vec(),
        transient_map,
    };
    let channel_header = ChannelHeader {
        r#type: header_type as i32,
        tx_id: tx_id.clone(),
        timestamp: Some(utc_timestamp()),
        channel_id: channel_id.to_string(),
        extension: extension.encode_to_vec(),
        epoch: 0,
        ..Default::default()
    };
    let header = Header {
        channel_header: channel_header.encode_to_vec(),
        signature_header: SignatureHeader { creator, nonce }.encode_to_vec(),
    };
    ChaincodeProposal {
        proposal: Proposal {
            header: header.encode_to_vec(),
            payload: payload.encode_to_vec(),
            extension: Vec::new(),
        },
        tx_id,
    }
}

/// Signs a proposal with `signer`.
pub fn sign_proposal(
    proposal: &Proposal,
    signer: &dyn SigningIdentity,
) -> Result<SignedProposal, ProtoutilError> {
    let proposal_bytes = proposal.encode_to_vec();
    let signature = signer.sign(&proposal_bytes)?;
    Ok(SignedProposal {
        proposal_bytes,
        signature,
    })
}

/// The proposal payload as it goes into a transaction: the transient map never leaves the
/// endorsers, so it is stripped.
pub fn proposal_payload_for_tx(payload: &ChaincodeProposalPayload) -> Vec<u8> {
    ChaincodeProposalPayload {
        input: payload.input.clone(),
        transient_map: BTreeMap::new(),
    }
    .encode_to_vec()
}

/// The hash an endorsement binds to (Fabric's `GetProposalHash2`): SHA-256 of the channel
/// header bytes ‖ signature header bytes ‖ the proposal payload as carried in the
/// transaction (transient map stripped).
pub fn proposal_hash(
    channel_header: &[u8],
    signature_header: &[u8],
    payload_for_tx: &[u8],
) -> Vec<u8> {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(channel_header);
    h.update(signature_header);
    h.update(payload_for_tx);
    h.finalize().to_vec()
}

/// The ProposalResponsePayload bytes an endorsement signs for `action`, the result of
/// simulating `proposal` (Fabric's `GetBytesProposalResponsePayload` with the proposal hash
/// of [`proposal_hash`]).
pub fn proposal_response_payload(
    proposal: &Proposal,
    action: &ChaincodeAction,
) -> Result<Vec<u8>, ProtoutilError> {
    let header: Header = decode("Header", &proposal.header)?;
    let payload: ChaincodeProposalPayload = decode("ChaincodeProposalPayload", &proposal.payload)?;
    let hash = proposal_hash(
        &header.channel_header,
        &header.signature_header,
        &proposal_payload_for_tx(&payload),
    );
    Ok(ProposalResponsePayload {
        proposal_hash: hash,
        extension: action.encode_to_vec(),
    }
    .encode_to_vec())
}

/// A proposal response endorsing `action` (Fabric's `CreateProposalResponse`): the payload of
/// [`proposal_response_payload`], signed by `endorser` over payload ‖ endorser identity as
/// ESCC signs it, with the action's response as the response.
pub fn create_proposal_response(
    proposal: &Proposal,
    action: &ChaincodeAction,
    endorser: &dyn SigningIdentity,
) -> Result<ProposalResponse, ProtoutilError> {
    let payload = proposal_response_payload(proposal, action)?;
    let identity = endorser.serialize();
    let signature = endorser.sign(&[payload.as_slice(), &identity].concat())?;
    Ok(ProposalResponse {
        version: 1,
        response: action.response.clone(),
        payload,
        endorsement: Some(Endorsement {
            endorser: identity,
            signature,
        }),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::protos::{ChaincodeId, ChaincodeInput, ChaincodeSpec};

    fn cis() -> ChaincodeInvocationSpec {
        ChaincodeInvocationSpec {
            chaincode_spec: Some(ChaincodeSpec {
                chaincode_id: Some(ChaincodeId {
                    name: "mycc".into(),
                    ..Default::default()
                }),
                input: Some(ChaincodeInput {
                    args: vec![b"query".to_vec(), b"a".to_vec()],
                    ..Default::default()
                }),
                ..Default::default()
            }),
        }
    }

    #[test]
    fn tx_id_is_sha256_of_nonce_then_creator() {
        // sha256("ab") computed independently.
        assert_eq!(
            compute_tx_id(b"a", b"b"),
            "fb8e20fc2e4c3f248c60c39bd652f3c1347298bb977b8b4d5903b85055620603"
        );
        assert!(check_tx_id(&compute_tx_id(b"n", b"c"), b"n", b"c").is_ok());
        assert!(check_tx_id("00", b"n", b"c").is_err());
    }

    #[test]
    fn proposal_carries_a_tx_id_bound_to_its_nonce_and_creator() {
        let mut transient = BTreeMap::new();
        transient.insert("secret".to_string(), b"x".to_vec());
        let p = create_chaincode_proposal(
            HeaderType::EndorserTransaction,
            "mychannel",
            &cis(),
            b"creator".to_vec(),
            transient,
        );
        let header: Header = decode("Header", &p.proposal.header).unwrap();
        let ch: ChannelHeader = decode("ChannelHeader", &header.channel_header).unwrap();
        let sh: SignatureHeader = decode("SignatureHeader", &header.signature_header).unwrap();
        assert_eq!(ch.tx_id, p.tx_id);
        assert_eq!(ch.channel_id, "mychannel");
        check_tx_id(&ch.tx_id, &sh.nonce, &sh.creator).unwrap();
        let ext: ChaincodeHeaderExtension = decode("ext", &ch.extension).unwrap();
        assert_eq!(ext.chaincode_id.unwrap().name, "mycc");
        let payload: ChaincodeProposalPayload = decode("payload", &p.proposal.payload).unwrap();
        assert_eq!(payload.transient_map.len(), 1);
        let stripped: ChaincodeProposalPayload =
            decode("payload", &proposal_payload_for_tx(&payload)).unwrap();
        assert!(stripped.transient_map.is_empty());
        assert_eq!(stripped.input, payload.input);
        let binding = compute_proposal_binding(&p.proposal).unwrap();
        let mut expected = Sha256::new();
        expected.update(&sh.nonce);
        expected.update(b"creator");
        expected.update([0u8; 8]);
        assert_eq!(binding, expected.finalize().to_vec());
    }
}
