//! The query system chaincode (Fabric's `core/scc/qscc`): chain info, blocks by number, hash
//! or tx id, and processed transactions, each behind the channel ACL `qscc/<Function>`.
//! Arguments: `[function, channel id, (number | hash | tx id)]`.

use std::sync::Arc;

use prost::Message;

use super::{error, success, InvocationContext, SystemChaincode};
use crate::aclmgmt::{AclProvider, AclSubject};
use crate::ledger::PeerLedger;
use crate::peer::Peer;
use crate::protos::peer::Response;

pub const GET_CHAIN_INFO: &str = "GetChainInfo";
pub const GET_BLOCK_BY_NUMBER: &str = "GetBlockByNumber";
pub const GET_BLOCK_BY_HASH: &str = "GetBlockByHash";
pub const GET_TRANSACTION_BY_ID: &str = "GetTransactionByID";
pub const GET_BLOCK_BY_TX_ID: &str = "GetBlockByTxID";

/// Fabric's `LedgerQuerier`.
pub struct Qscc {
    peer: Arc<Peer>,
    acl: Arc<dyn AclProvider>,
}

impl Qscc {
    /// qscc over the peer's channels; the channel queried is the one named in `args[1]`
    /// (the CLI sends these proposals without a channel).
    pub fn new(peer: Arc<Peer>, acl: Arc<dyn AclProvider>) -> Self {
        Qscc { peer, acl }
    }
}

impl SystemChaincode for Qscc {
    fn name(&self) -> &'static str {
        "qscc"
    }
    fn invokable_external(&self) -> bool {
        true
    }
    fn invokable_cc2cc(&self) -> bool {
        true
    }

    fn invoke(&self, ctx: &mut InvocationContext<'_>) -> Response {
        let args = ctx.args;
        if args.len() < 2 {
            return error(format!("Incorrect number of arguments, {}", args.len()));
        }
        let function = ctx.arg_str(0);
        let channel_id = ctx.arg_str(1);
        if function != GET_CHAIN_INFO && args.len() < 3 {
            return error(format!("missing 3rd argument for {function}"));
        }
        let Some(ledger) = self.peer.channel(&channel_id).map(|c| c.ledger().clone()) else {
            return error(format!("Invalid chain ID, {channel_id}"));
        };
        let resource = format!("qscc/{function}");
        if let Err(e) = self.acl.check_acl(
            &resource,
            &channel_id,
            AclSubject::Proposal(ctx.signed_proposal),
        ) {
            return error(format!(
                "access denied for [{function}][{channel_id}]: [{e}]"
            ));
        }
        let ledger = ledger.as_ref();
        match function.as_str() {
            GET_TRANSACTION_BY_ID => transaction_by_id(ledger, &args[2]),
            GET_BLOCK_BY_NUMBER => block_by_number(ledger, &args[2]),
            GET_BLOCK_BY_HASH => block_by_hash(ledger, &args[2]),
            GET_CHAIN_INFO => chain_info(ledger),
            GET_BLOCK_BY_TX_ID => block_by_tx_id(ledger, &args[2]),
            other => error(format!("Requested function {other} not found.")),
        }
    }
}

fn transaction_by_id(ledger: &dyn PeerLedger, tx_id: &[u8]) -> Response {
    let tx_id = String::from_utf8_lossy(tx_id);
    match ledger.get_transaction_by_id(&tx_id) {
        Ok(tx) => success(tx.encode_to_vec()),
        Err(e) => error(format!(
            "Failed to get transaction with id {tx_id}, error {e}"
        )),
    }
}

fn block_by_number(ledger: &dyn PeerLedger, number: &[u8]) -> Response {
    let text = String::from_utf8_lossy(number);
    let number = match text.parse::<u64>() {
        Ok(n) => n,
        Err(_) => {
            return error(format!(
                "Failed to parse block number with error strconv.ParseUint: parsing {text:?}: invalid syntax"
            ))
        }
    };
    match ledger.get_block_by_number(number) {
        Ok(block) => success(block.encode_to_vec()),
        Err(e) => error(format!("Failed to get block number {number}, error {e}")),
    }
}

fn block_by_hash(ledger: &dyn PeerLedger, hash: &[u8]) -> Response {
    match ledger.get_block_by_hash(hash) {
        Ok(block) => success(block.encode_to_vec()),
        Err(e) => error(format!(
            "Failed to get block hash {}, error {e}",
            String::from_utf8_lossy(hash)
        )),
    }
}

fn chain_info(ledger: &dyn PeerLedger) -> Response {
    match ledger.get_blockchain_info() {
        Ok(info) => success(info.encode_to_vec()),
        Err(e) => error(format!("Failed to get block info with error {e}")),
    }
}

fn block_by_tx_id(ledger: &dyn PeerLedger, tx_id: &[u8]) -> Response {
    let tx_id = String::from_utf8_lossy(tx_id);
    match ledger.get_block_by_tx_id(&tx_id) {
        Ok(block) => success(block.encode_to_vec()),
        Err(e) => error(format!("Failed to get block for txID {tx_id}, error {e}")),
    }
}
