//! Turns a block's transactions into read-write sets for validation (Fabric's
//! `valimpl.preprocessProtoBlock` and the peer's config-tx processor): transactions already
//! invalid are skipped; an endorser transaction's rwset comes from its chaincode action
//! (`NIL_TXACTION` when there is none, `INVALID_OTHER_REASON` when the rwset does not
//! decode); a config transaction writes the channel config into the peer namespace `""`
//! under `resourcesconfigtx.CHANNEL_CONFIG_KEY`; other types write nothing.

use prost::Message;

use crate::ledger::{LedgerError, LedgerResult};
use crate::protos::common::{Block, ChannelHeader, ConfigEnvelope, Envelope, HeaderType, Payload};
use crate::protos::peer::{
    ChaincodeAction, ChaincodeActionPayload, ProposalResponsePayload, Transaction, TxValidationCode,
};

use super::rwset::TxRwSet;
use super::rwset_builder::RwSetBuilder;

/// The state key under which the peer keeps a channel's latest config.
pub const CHANNEL_CONFIG_KEY: &str = "resourcesconfigtx.CHANNEL_CONFIG_KEY";
/// The namespace of the peer's own state (channel config).
pub const PEER_NAMESPACE: &str = "";

/// A still-valid transaction of a block with its read-write set.
pub struct BlockTx {
    pub index: usize,
    pub tx_id: String,
    pub rwset: TxRwSet,
}

/// Why an envelope's header or chaincode action cannot be read (Fabric's texts).
#[derive(Debug, thiserror::Error)]
pub enum TxDecodeError {
    /// A message of the envelope does not decode; `what` names its type.
    #[error("malformed {what}: {source}")]
    Malformed {
        what: &'static str,
        #[source]
        source: prost::DecodeError,
    },
    #[error("payload header is missing")]
    MissingPayloadHeader,
    #[error("at least one TransactionAction required")]
    NoActions,
    #[error("no payload in ChaincodeActionPayload")]
    NoActionPayload,
    #[error("response payload is missing extension")]
    NoExtension,
}

fn decode_as<M: Message + Default>(what: &'static str, bytes: &[u8]) -> Result<M, TxDecodeError> {
    M::decode(bytes).map_err(|source| TxDecodeError::Malformed { what, source })
}

/// An envelope's payload and channel header.
pub fn envelope_header(env_bytes: &[u8]) -> Result<(Payload, ChannelHeader), TxDecodeError> {
    let env: Envelope = decode_as("Envelope", env_bytes)?;
    payload_header(&env)
}

/// An envelope's payload and channel header.
pub fn payload_header(env: &Envelope) -> Result<(Payload, ChannelHeader), TxDecodeError> {
    let payload: Payload = decode_as("Payload", &env.payload)?;
    let header = payload
        .header
        .as_ref()
        .ok_or(TxDecodeError::MissingPayloadHeader)?;
    let chdr = decode_as("ChannelHeader", &header.channel_header)?;
    Ok((payload, chdr))
}

/// The chaincode action of an endorser transaction's first action (Fabric's
/// `GetActionFromEnvelope`).
pub fn chaincode_action(payload: &Payload) -> Result<ChaincodeAction, TxDecodeError> {
    let tx: Transaction = decode_as("Transaction", &payload.data)?;
    let action = tx.actions.first().ok_or(TxDecodeError::NoActions)?;
    let cap: ChaincodeActionPayload = decode_as("ChaincodeActionPayload", &action.payload)?;
    let endorsed = cap
        .action
        .as_ref()
        .filter(|a| !a.proposal_response_payload.is_empty())
        .ok_or(TxDecodeError::NoActionPayload)?;
    let prp: ProposalResponsePayload = decode_as(
        "ProposalResponsePayload",
        &endorsed.proposal_response_payload,
    )?;
    if prp.extension.is_empty() {
        return Err(TxDecodeError::NoExtension);
    }
    decode_as("ChaincodeAction", &prp.extension)
}

/// The block's number and its transactions, which must match `codes` one for one.
pub fn numbered_data<'a>(
    block: &'a Block,
    codes: &[TxValidationCode],
) -> LedgerResult<(u64, &'a [Vec<u8>])> {
    let number = block.header.as_ref().map_or(0, |h| h.number);
    let data = block
        .data
        .as_ref()
        .map(|d| d.data.as_slice())
        .unwrap_or_default();
    if data.len() != codes.len() {
        return Err(LedgerError::InvalidBlock(format!(
            "block [{number}] has {} transactions but {} validation codes",
            data.len(),
            codes.len()
        )));
    }
    Ok((number, data))
}

/// The read-write sets of the block's transactions that are still valid in `codes`; marks
/// the ones whose action or rwset cannot be read.
pub fn preprocess(block: &Block, codes: &mut [TxValidationCode]) -> LedgerResult<Vec<BlockTx>> {
    let (number, data) = numbered_data(block, codes)?;
    let mut txs = Vec::new();
    for (index, env_bytes) in data.iter().enumerate() {
        if codes[index] != TxValidationCode::Valid {
            continue;
        }
        let (payload, chdr) = envelope_header(env_bytes).map_err(|e| {
            LedgerError::InvalidBlock(format!("block [{number}] transaction [{index}]: {e}"))
        })?;
        let rwset = if chdr.r#type == HeaderType::EndorserTransaction as i32 {
            match endorser_rwset(&payload) {
                Ok(rwset) => rwset,
                Err(code) => {
                    tracing::warn!(target: "valimpl", "Block [{number}] Transaction index [{index}] TxId [{}] marked as invalid. Reason code [{}]", chdr.tx_id, code.as_str_name());
                    codes[index] = code;
                    continue;
                }
            }
        } else if chdr.r#type == HeaderType::Config as i32 {
            config_rwset(&payload).map_err(|e| {
                LedgerError::InvalidBlock(format!(
                    "block [{number}] config transaction [{index}]: {e}"
                ))
            })?
        } else {
            continue;
        };
        txs.push(BlockTx {
            index,
            tx_id: chdr.tx_id,
            rwset,
        });
    }
    Ok(txs)
}

fn endorser_rwset(payload: &Payload) -> Result<TxRwSet, TxValidationCode> {
    let action = chaincode_action(payload).map_err(|_| TxValidationCode::NilTxaction)?;
    TxRwSet::from_proto_bytes(&action.results).map_err(|_| TxValidationCode::InvalidOtherReason)
}

/// What the peer's config-tx processor simulates for a CONFIG transaction.
fn config_rwset(payload: &Payload) -> Result<TxRwSet, String> {
    let env = ConfigEnvelope::decode(payload.data.as_slice())
        .map_err(|e| format!("malformed ConfigEnvelope: {e}"))?;
    let config = env.config.ok_or("channel config found nil")?;
    let mut b = RwSetBuilder::new();
    b.add_to_write_set(PEER_NAMESPACE, CHANNEL_CONFIG_KEY, config.encode_to_vec());
    TxRwSet::from_proto(&b.tx_read_write_set()).map_err(|e| e.to_string())
}
