//! Queries to the peer's system chaincodes (cscc, qscc) as the CLI sends them: a chaincode
//! proposal of type ENDORSER_TRANSACTION with no channel, signed by the local MSP, and the
//! reading of the proposal response (status 200 with a protobuf payload).

use std::collections::BTreeMap;

use prost::Message;

use crate::msp::SigningIdentity;
use crate::protos::common::{BlockchainInfo, HeaderType};
use crate::protos::protos::{
    chaincode_spec, ChaincodeId, ChaincodeInput, ChaincodeInvocationSpec, ChaincodeSpec,
    ChannelQueryResponse, ProposalResponse, SignedProposal,
};
use crate::protoutil::{create_chaincode_proposal, sign_proposal};

use super::CliError;

/// cscc's function that joins the peer to a channel, given its genesis block.
pub const CSCC_JOIN_CHAIN: &str = "JoinChain";
/// cscc's function that lists the channels a peer has joined.
pub const CSCC_GET_CHANNELS: &str = "GetChannels";
/// qscc's function that returns a channel's height and block hashes.
pub const QSCC_GET_CHAIN_INFO: &str = "GetChainInfo";

/// The invocation of system chaincode `name` with `args` (a GOLANG chaincode spec, as the
/// Fabric CLI sends it).
pub fn invocation(name: &str, args: &[&[u8]]) -> ChaincodeInvocationSpec {
    ChaincodeInvocationSpec {
        chaincode_spec: Some(ChaincodeSpec {
            r#type: chaincode_spec::Type::Golang as i32,
            chaincode_id: Some(ChaincodeId {
                name: name.to_string(),
                ..Default::default()
            }),
            input: Some(ChaincodeInput {
                args: args.iter().map(|a| a.to_vec()).collect(),
                ..Default::default()
            }),
            ..Default::default()
        }),
    }
}

/// A signed, channel-less proposal invoking `cis`, and its transaction id.
pub fn signed_query(
    command: &'static str,
    cis: &ChaincodeInvocationSpec,
    signer: &dyn SigningIdentity,
) -> Result<(SignedProposal, String), CliError> {
    let proposal = create_chaincode_proposal(
        HeaderType::EndorserTransaction,
        "",
        cis,
        signer.serialize(),
        BTreeMap::new(),
    );
    let signed = sign_proposal(&proposal.proposal, signer).map_err(|e| CliError::Request {
        command,
        problem: format!("cannot sign the proposal: {e}"),
    })?;
    Ok((signed, proposal.tx_id))
}

/// The payload of a successful response; anything but status 200 is one line with the
/// status and the peer's message.
pub fn response_payload<'a>(
    command: &'static str,
    response: &'a ProposalResponse,
) -> Result<&'a [u8], CliError> {
    match &response.response {
        Some(r) if r.status == 200 => Ok(&r.payload),
        Some(r) => Err(CliError::BadResponse {
            command,
            problem: format!(
                "the peer answered with status {}: {}",
                r.status,
                if r.message.is_empty() {
                    "no message"
                } else {
                    &r.message
                }
            ),
        }),
        None => Err(CliError::BadResponse {
            command,
            problem: "the peer's proposal response has no response".into(),
        }),
    }
}

fn decode<T: Message + Default>(
    command: &'static str,
    what: &str,
    payload: &[u8],
) -> Result<T, CliError> {
    T::decode(payload).map_err(|e| CliError::BadResponse {
        command,
        problem: format!("cannot read the {what} in the peer's response: {e}"),
    })
}

/// The channel names in a cscc GetChannels response payload.
pub fn channels(command: &'static str, payload: &[u8]) -> Result<Vec<String>, CliError> {
    let answer: ChannelQueryResponse = decode(command, "channel list", payload)?;
    Ok(answer.channels.into_iter().map(|c| c.channel_id).collect())
}

/// The BlockchainInfo in a qscc GetChainInfo response payload.
pub fn chain_info(command: &'static str, payload: &[u8]) -> Result<BlockchainInfo, CliError> {
    decode(command, "blockchain info", payload)
}

/// BlockchainInfo as Go's encoding/json writes the generated struct: fields in declaration
/// order, zero values left out, byte strings in standard base64.
pub fn chain_info_json(info: &BlockchainInfo) -> String {
    use base64::Engine as _;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut fields = Vec::new();
    if info.height != 0 {
        fields.push(format!("\"height\":{}", info.height));
    }
    if !info.current_block_hash.is_empty() {
        fields.push(format!(
            "\"currentBlockHash\":\"{}\"",
            b64(&info.current_block_hash)
        ));
    }
    if !info.previous_block_hash.is_empty() {
        fields.push(format!(
            "\"previousBlockHash\":\"{}\"",
            b64(&info.previous_block_hash)
        ));
    }
    format!("{{{}}}", fields.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::protos::Response;

    #[test]
    fn chain_info_json_is_go_shaped() {
        let info = BlockchainInfo {
            height: 14,
            current_block_hash: vec![0xfb, 0xff],
            previous_block_hash: vec![],
        };
        assert_eq!(
            chain_info_json(&info),
            "{\"height\":14,\"currentBlockHash\":\"+/8=\"}"
        );
        assert_eq!(chain_info_json(&BlockchainInfo::default()), "{}");
    }

    #[test]
    fn non_200_is_one_line_with_status_and_message() {
        let resp = ProposalResponse {
            response: Some(Response {
                status: 500,
                message: "channel does not exist".into(),
                payload: vec![],
            }),
            ..Default::default()
        };
        let err = response_payload("peer channel getinfo", &resp)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "peer channel getinfo: the peer answered with status 500: channel does not exist"
        );
        let ok = ProposalResponse {
            response: Some(Response {
                status: 200,
                message: String::new(),
                payload: vec![1, 2],
            }),
            ..Default::default()
        };
        assert_eq!(response_payload("x", &ok).unwrap(), &[1, 2]);
    }

    #[test]
    fn invocation_names_the_system_chaincode() {
        let cis = invocation("qscc", &[QSCC_GET_CHAIN_INFO.as_bytes(), b"mychannel"]);
        let spec = cis.chaincode_spec.unwrap();
        assert_eq!(spec.chaincode_id.unwrap().name, "qscc");
        assert_eq!(
            spec.input.unwrap().args,
            vec![b"GetChainInfo".to_vec(), b"mychannel".to_vec()]
        );
        assert_eq!(spec.r#type, chaincode_spec::Type::Golang as i32);
    }
}
