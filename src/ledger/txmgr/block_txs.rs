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

/// An envelope's payload and channel header.
pub fn envelope_header(env_bytes: &[u8]) -> Result<(Payload, ChannelHeader), String> {
    let env = Envelope::decode(env_bytes).map_err(|e| format!("malformed Envelope: {e}"))?;
    payload_header(&env)
}

/// An envelope's payload and channel header.
pub fn payload_header(env: &Envelope) -> Result<(Payload, ChannelHeader), String> {
    let payload =
        Payload::decode(env.payload.as_slice()).map_err(|e| format!("malformed Payload: {e}"))?;
    let header = payload.header.as_ref().ok_or("payload header is missing")?;
    let chdr = ChannelHeader::decode(header.channel_header.as_slice())
        .map_err(|e| format!("malformed ChannelHeader: {e}"))?;
    Ok((payload, chdr))
}

/// The chaincode action of an endorser transaction's first action (Fabric's
/// `GetActionFromEnvelope`).
pub fn chaincode_action(payload: &Payload) -> Result<ChaincodeAction, String> {
    let tx = Transaction::decode(payload.data.as_slice())
        .map_err(|e| format!("malformed Transaction: {e}"))?;
    let action = tx
        .actions
        .first()
        .ok_or("at least one TransactionAction required")?;
    let cap = ChaincodeActionPayload::decode(action.payload.as_slice())
        .map_err(|e| format!("malformed ChaincodeActionPayload: {e}"))?;
    let endorsed = cap
        .action
        .as_ref()
        .filter(|a| !a.proposal_response_payload.is_empty())
        .ok_or("no payload in ChaincodeActionPayload")?;
    let prp = ProposalResponsePayload::decode(endorsed.proposal_response_payload.as_slice())
        .map_err(|e| format!("malformed ProposalResponsePayload: {e}"))?;
    if prp.extension.is_empty() {
        return Err("response payload is missing extension".into());
    }
    ChaincodeAction::decode(prp.extension.as_slice())
        .map_err(|e| format!("malformed ChaincodeAction: {e}"))
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
