//! The client identity and the transactions it builds: proposals, envelopes, and
//! self-endorsed envelopes for `order` mode. All of it is CPU work, called from the
//! blocking pool.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::config::Client;
use super::BenchError;
use crate::crypto::SwOpts;
use crate::msp::{load_local_msp, SigningIdentity};
use crate::protos::common::{Envelope, HeaderType};
use crate::protos::protos::{
    chaincode_spec, ChaincodeAction, ChaincodeId, ChaincodeInput, ChaincodeInvocationSpec,
    ChaincodeSpec, Proposal, ProposalResponse, Response, SignedProposal,
};
use crate::protoutil::{
    create_chaincode_proposal, create_proposal_response, create_signed_tx, sign_proposal,
};

/// Loads the client's signing identity from its MSP folder.
pub fn load(client: &Client) -> Result<Arc<dyn SigningIdentity>, BenchError> {
    let wrap = |source| BenchError::Msp {
        msp_id: client.msp_id.clone(),
        dir: client.msp_dir.clone(),
        source,
    };
    let msp = load_local_msp(&client.msp_dir, &client.msp_id, &SwOpts::default()).map_err(wrap)?;
    msp.default_signing_identity().map_err(wrap)
}

/// A signed proposal and what assembling its transaction needs.
#[derive(Debug, Clone)]
pub struct SignedTx {
    pub tx_id: String,
    pub proposal: Proposal,
    pub signed: SignedProposal,
}

/// Builds and signs the proposal invoking `chaincode` with `args` on `channel`.
pub fn proposal(
    signer: &dyn SigningIdentity,
    channel: &str,
    chaincode: &str,
    args: Vec<Vec<u8>>,
) -> Result<SignedTx, BenchError> {
    let cis = ChaincodeInvocationSpec {
        chaincode_spec: Some(ChaincodeSpec {
            r#type: chaincode_spec::Type::Undefined as i32,
            chaincode_id: Some(ChaincodeId {
                name: chaincode.to_string(),
                ..Default::default()
            }),
            input: Some(ChaincodeInput {
                args,
                ..Default::default()
            }),
            ..Default::default()
        }),
    };
    let p = create_chaincode_proposal(
        HeaderType::EndorserTransaction,
        channel,
        &cis,
        signer.serialize(),
        BTreeMap::new(),
    );
    let signed = sign_proposal(&p.proposal, signer).map_err(BenchError::Build)?;
    Ok(SignedTx {
        tx_id: p.tx_id,
        proposal: p.proposal,
        signed,
    })
}

/// The transaction envelope of `tx` endorsed by `responses` (Fabric's `CreateSignedTx`:
/// mismatched payloads or an unsuccessful first response are errors).
pub fn envelope(
    signer: &dyn SigningIdentity,
    tx: &SignedTx,
    responses: &[ProposalResponse],
) -> Result<Envelope, BenchError> {
    create_signed_tx(&tx.proposal, signer, responses).map_err(BenchError::Build)
}

/// An envelope of `tx` endorsed by the client itself with an empty read-write set: what
/// `order` mode broadcasts (the orderer checks the envelope's signature against the
/// channel's Writers, not the endorsements).
pub fn self_endorsed(signer: &dyn SigningIdentity, tx: &SignedTx) -> Result<Envelope, BenchError> {
    let action = ChaincodeAction {
        response: Some(Response {
            status: 200,
            ..Default::default()
        }),
        ..Default::default()
    };
    let response =
        create_proposal_response(&tx.proposal, &action, signer).map_err(BenchError::Build)?;
    envelope(signer, tx, &[response])
}

/// The arguments as the chaincode gets them: the function first.
pub fn chaincode_args(function: &str, args: Vec<String>) -> Vec<Vec<u8>> {
    std::iter::once(function.as_bytes().to_vec())
        .chain(args.into_iter().map(String::into_bytes))
        .collect()
}
