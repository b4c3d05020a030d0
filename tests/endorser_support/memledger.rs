//! An in-memory `PeerLedger` / `LedgerProvider` test double for the endorser's integration
//! test and benchmark (shared by `#[path]`): blocks in a vector, lookups by scanning.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use fabric::ledger::{
    CommitResult, HistoryQueryExecutor, LedgerError, LedgerProvider, LedgerResult, PeerLedger,
    QueryExecutor, TxSimulator,
};
use fabric::protos::common::{Block, BlockchainInfo};
use fabric::protos::peer::{ProcessedTransaction, TxValidationCode};
use fabric::protoutil::{block_header_hash, envelope_from_block_data, payload};
use fabric::scc::cscc::channel_id_of;

pub struct MemLedger {
    id: String,
    blocks: Mutex<Vec<Block>>,
    height: tokio::sync::watch::Sender<u64>,
}

fn tx_ids(block: &Block) -> Vec<String> {
    let Some(data) = &block.data else {
        return vec![];
    };
    data.data
        .iter()
        .filter_map(|d| envelope_from_block_data(d).ok())
        .filter_map(|e| payload(&e).ok())
        .filter_map(|p| fabric::protoutil::channel_header(&p).ok())
        .map(|c| c.tx_id)
        .collect()
}

impl MemLedger {
    fn find_tx(&self, tx_id: &str) -> Option<(Block, usize)> {
        if tx_id.is_empty() {
            return None;
        }
        let blocks = self.blocks.lock().unwrap();
        blocks.iter().find_map(|b| {
            tx_ids(b)
                .iter()
                .position(|t| t == tx_id)
                .map(|i| (b.clone(), i))
        })
    }
    fn not_found(what: String) -> LedgerError {
        LedgerError::NotFound(what)
    }
}

impl PeerLedger for MemLedger {
    fn ledger_id(&self) -> &str {
        &self.id
    }
    fn get_blockchain_info(&self) -> LedgerResult<BlockchainInfo> {
        let blocks = self.blocks.lock().unwrap();
        let last = blocks
            .last()
            .and_then(|b| b.header.clone())
            .unwrap_or_default();
        Ok(BlockchainInfo {
            height: blocks.len() as u64,
            current_block_hash: block_header_hash(&last),
            previous_block_hash: last.previous_hash,
        })
    }
    fn get_block_by_number(&self, number: u64) -> LedgerResult<Block> {
        let blocks = self.blocks.lock().unwrap();
        let found = if number == u64::MAX {
            blocks.last()
        } else {
            blocks.get(number as usize)
        };
        found
            .cloned()
            .ok_or_else(|| Self::not_found(format!("no such block number [{number}] in index")))
    }
    fn get_block_by_hash(&self, hash: &[u8]) -> LedgerResult<Block> {
        let blocks = self.blocks.lock().unwrap();
        blocks
            .iter()
            .find(|b| block_header_hash(b.header.as_ref().unwrap()) == hash)
            .cloned()
            .ok_or_else(|| Self::not_found("no such block hash in index".into()))
    }
    fn get_transaction_by_id(&self, tx_id: &str) -> LedgerResult<ProcessedTransaction> {
        let (block, i) = self
            .find_tx(tx_id)
            .ok_or_else(|| Self::not_found(format!("no such transaction ID [{tx_id}] in index")))?;
        let envelope = envelope_from_block_data(&block.data.unwrap().data[i]).unwrap();
        Ok(ProcessedTransaction {
            transaction_envelope: Some(envelope),
            validation_code: TxValidationCode::Valid as i32,
        })
    }
    fn get_block_by_tx_id(&self, tx_id: &str) -> LedgerResult<Block> {
        self.find_tx(tx_id)
            .map(|(b, _)| b)
            .ok_or_else(|| Self::not_found(format!("no such transaction ID [{tx_id}] in index")))
    }
    fn get_tx_validation_code_by_tx_id(&self, tx_id: &str) -> LedgerResult<TxValidationCode> {
        self.get_transaction_by_id(tx_id)
            .map(|_| TxValidationCode::Valid)
    }
    fn tx_id_exists(&self, tx_id: &str) -> LedgerResult<bool> {
        Ok(self.find_tx(tx_id).is_some())
    }
    fn new_tx_simulator(&self, _tx_id: &str) -> LedgerResult<Box<dyn TxSimulator>> {
        Err(LedgerError::InvalidRequest(
            "the test ledger does not simulate".into(),
        ))
    }
    fn new_query_executor(&self) -> LedgerResult<Box<dyn QueryExecutor>> {
        Err(LedgerError::InvalidRequest(
            "the test ledger does not query state".into(),
        ))
    }
    fn new_history_query_executor(&self) -> LedgerResult<Box<dyn HistoryQueryExecutor>> {
        Err(LedgerError::InvalidRequest(
            "the test ledger has no history".into(),
        ))
    }
    fn commit(&self, block: Block) -> LedgerResult<CommitResult> {
        let mut blocks = self.blocks.lock().unwrap();
        let number = blocks.len() as u64;
        let count = block.data.as_ref().map_or(0, |d| d.data.len());
        blocks.push(block);
        self.height.send_replace(number + 1);
        Ok(CommitResult {
            block_number: number,
            tx_validation_codes: vec![TxValidationCode::Valid; count],
        })
    }
    fn height_watch(&self) -> tokio::sync::watch::Receiver<u64> {
        self.height.subscribe()
    }
}

#[derive(Default)]
pub struct MemProvider {
    ledgers: Mutex<BTreeMap<String, Arc<MemLedger>>>,
}

impl LedgerProvider for MemProvider {
    fn create(&self, genesis_block: &Block) -> LedgerResult<Arc<dyn PeerLedger>> {
        let id = channel_id_of(genesis_block).map_err(LedgerError::InvalidBlock)?;
        let mut ledgers = self.ledgers.lock().unwrap();
        if ledgers.contains_key(&id) {
            return Err(LedgerError::LedgerExists(id));
        }
        let ledger = Arc::new(MemLedger {
            id: id.clone(),
            blocks: Mutex::new(Vec::new()),
            height: tokio::sync::watch::channel(0).0,
        });
        ledger.commit(genesis_block.clone())?;
        ledgers.insert(id, ledger.clone());
        Ok(ledger)
    }
    fn open(&self, ledger_id: &str) -> LedgerResult<Arc<dyn PeerLedger>> {
        let ledgers = self.ledgers.lock().unwrap();
        ledgers
            .get(ledger_id)
            .map(|l| l.clone() as Arc<dyn PeerLedger>)
            .ok_or_else(|| LedgerError::LedgerNotFound(ledger_id.to_string()))
    }
    fn exists(&self, ledger_id: &str) -> LedgerResult<bool> {
        Ok(self.ledgers.lock().unwrap().contains_key(ledger_id))
    }
    fn list(&self) -> LedgerResult<Vec<String>> {
        Ok(self.ledgers.lock().unwrap().keys().cloned().collect())
    }
}
