//! Filtered blocks (Fabric's `blockEvent.toFilteredBlock`): per transaction only its id,
//! header type and validation code (from the block's TRANSACTIONS_FILTER), and for endorser
//! transactions the chaincode events without their payloads.

use crate::protos::common::{Block, BlockMetadataIndex, HeaderType};
use crate::protos::peer::filtered_transaction::Data;
use crate::protos::peer::{
    ChaincodeAction, ChaincodeActionPayload, ChaincodeEvent, FilteredBlock,
    FilteredChaincodeAction, FilteredTransaction, FilteredTransactionActions,
    ProposalResponsePayload, Transaction, TransactionAction,
};
use crate::protoutil::{channel_header, decode, envelope_from_block_data, payload};

const LOG: &str = "common.deliverevents";

/// Why a block could not be filtered.
#[derive(Debug, thiserror::Error)]
#[error("cannot make the filtered block of block {block}: {reason}")]
pub struct FilterError {
    pub block: u64,
    pub reason: String,
}

/// The filtered form of a committed block.
pub fn filtered_block(block: &Block) -> Result<FilteredBlock, FilterError> {
    let number = block.header.as_ref().map_or(0, |h| h.number);
    let fail = |reason: String| FilterError {
        block: number,
        reason,
    };
    let flags: &[u8] = block
        .metadata
        .as_ref()
        .and_then(|m| {
            m.metadata
                .get(BlockMetadataIndex::TransactionsFilter as usize)
        })
        .map_or(&[], Vec::as_slice);
    let mut filtered = FilteredBlock {
        number,
        ..FilteredBlock::default()
    };
    let data = block.data.as_ref().map_or(&[][..], |d| d.data.as_slice());
    for (index, bytes) in data.iter().enumerate() {
        let Ok(env) = envelope_from_block_data(bytes) else {
            tracing::error!(target: LOG, "error getting tx {index} from block {number}");
            continue;
        };
        let p = payload(&env)
            .map_err(|e| fail(format!("could not extract payload from envelope: {e}")))?;
        if p.header.is_none() {
            tracing::debug!(target: LOG, "transaction payload header is nil, {index}, block num {number}");
            continue;
        }
        let chdr = channel_header(&p).map_err(|e| fail(e.to_string()))?;
        let code = flags.get(index).copied().ok_or_else(|| {
            fail(format!(
                "the TRANSACTIONS_FILTER has no flag for transaction {index}"
            ))
        })?;
        filtered.channel_id = chdr.channel_id.clone();
        let mut tx = FilteredTransaction {
            txid: chdr.tx_id,
            r#type: chdr.r#type,
            tx_validation_code: i32::from(code),
            data: None,
        };
        if chdr.r#type == HeaderType::EndorserTransaction as i32 {
            let t: Transaction = decode("Transaction", &p.data).map_err(|e| {
                fail(format!(
                    "error unmarshal transaction payload for block event: {e}"
                ))
            })?;
            let actions = filtered_actions(&t.actions).map_err(fail)?;
            tx.data = Some(Data::TransactionActions(actions));
        }
        filtered.filtered_transactions.push(tx);
    }
    Ok(filtered)
}

/// The chaincode events of a transaction's actions, payloads left out.
fn filtered_actions(actions: &[TransactionAction]) -> Result<FilteredTransactionActions, String> {
    let mut out = FilteredTransactionActions::default();
    for action in actions {
        let cap: ChaincodeActionPayload = decode("ChaincodeActionPayload", &action.payload)
            .map_err(|e| {
                format!("error unmarshal transaction action payload for block event: {e}")
            })?;
        let Some(endorsed) = cap.action else {
            tracing::debug!(target: LOG, "chaincode action, the payload action is nil, skipping");
            continue;
        };
        let prp: ProposalResponsePayload = decode(
            "ProposalResponsePayload",
            &endorsed.proposal_response_payload,
        )
        .map_err(|e| format!("error unmarshal proposal response payload for block event: {e}"))?;
        let cc_action: ChaincodeAction = decode("ChaincodeAction", &prp.extension)
            .map_err(|e| format!("error unmarshal chaincode action for block event: {e}"))?;
        let event: ChaincodeEvent = decode("ChaincodeEvent", &cc_action.events)
            .map_err(|e| format!("error unmarshal chaincode event for block event: {e}"))?;
        if !event.chaincode_id.is_empty() {
            out.chaincode_actions.push(FilteredChaincodeAction {
                chaincode_event: Some(ChaincodeEvent {
                    payload: Vec::new(),
                    ..event
                }),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;
    use crate::protos::common::{BlockData, BlockMetadata, Envelope, Header, Payload};
    use crate::protoutil::make_channel_header;

    fn endorser_tx(event: &ChaincodeEvent) -> Vec<u8> {
        let action = ChaincodeAction {
            events: event.encode_to_vec(),
            ..ChaincodeAction::default()
        };
        let prp = ProposalResponsePayload {
            proposal_hash: vec![],
            extension: action.encode_to_vec(),
        };
        let cap = ChaincodeActionPayload {
            chaincode_proposal_payload: vec![],
            action: Some(crate::protos::peer::ChaincodeEndorsedAction {
                proposal_response_payload: prp.encode_to_vec(),
                endorsements: vec![],
            }),
        };
        let tx = Transaction {
            actions: vec![TransactionAction {
                header: vec![],
                payload: cap.encode_to_vec(),
            }],
        };
        let mut chdr = make_channel_header(HeaderType::EndorserTransaction, 0, "ch", 0);
        chdr.tx_id = "tx1".into();
        let p = Payload {
            header: Some(Header {
                channel_header: chdr.encode_to_vec(),
                signature_header: vec![],
            }),
            data: tx.encode_to_vec(),
        };
        Envelope {
            payload: p.encode_to_vec(),
            signature: vec![],
        }
        .encode_to_vec()
    }

    fn block(data: Vec<Vec<u8>>, flags: Vec<u8>) -> Block {
        let mut b = crate::protoutil::new_block(7, vec![]);
        b.data = Some(BlockData { data });
        b.metadata = Some(BlockMetadata {
            metadata: vec![vec![], vec![], flags],
        });
        b
    }

    #[test]
    fn events_lose_their_payload() {
        let event = ChaincodeEvent {
            chaincode_id: "mycc".into(),
            tx_id: "tx1".into(),
            event_name: "evt".into(),
            payload: b"secret".to_vec(),
        };
        let fb = filtered_block(&block(vec![endorser_tx(&event)], vec![11])).unwrap();
        assert_eq!(fb.channel_id, "ch");
        assert_eq!(fb.number, 7);
        let tx = &fb.filtered_transactions[0];
        assert_eq!((tx.txid.as_str(), tx.tx_validation_code), ("tx1", 11));
        let Some(Data::TransactionActions(a)) = &tx.data else {
            panic!("no actions")
        };
        let got = a.chaincode_actions[0].chaincode_event.as_ref().unwrap();
        assert_eq!(got.event_name, "evt");
        assert!(got.payload.is_empty());
    }

    #[test]
    fn actions_without_events_are_left_out_and_a_missing_flag_is_an_error() {
        let none = endorser_tx(&ChaincodeEvent::default());
        let fb = filtered_block(&block(vec![none.clone()], vec![0])).unwrap();
        let Some(Data::TransactionActions(a)) = &fb.filtered_transactions[0].data else {
            panic!("no actions")
        };
        assert!(a.chaincode_actions.is_empty());
        assert!(filtered_block(&block(vec![none], vec![])).is_err());
    }
}
