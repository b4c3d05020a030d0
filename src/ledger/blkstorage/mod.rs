//! Block storage (Fabric's `common/ledger/blkstorage/fsblkstorage`): per channel, append-only
//! block files in Fabric's own layout (see [`blockfile`], [`serialization`]) and an index by
//! number, hash and tx id in the channel's [`KvStore`] (see [`index`]).
//!
//! A block is stored in two steps so that its index can share one atomic batch with state
//! and history: [`BlockStore::append`] writes and fsyncs the block to its file and returns a
//! [`PendingBlock`]; the caller puts [`BlockStore::index_ops`] into its batch, writes the
//! batch, then calls [`BlockStore::committed`] (or [`BlockStore::abandon`] when the batch
//! failed). Readers only see blocks below the committed height, so a block whose batch is
//! not yet written is invisible. On open, complete blocks found in the files beyond the
//! checkpoint (a crash between the file append and the batch) are reported by
//! [`BlockStore::unindexed_blocks`] for the ledger to re-index; a torn record is cut off.

pub mod blockfile;
pub mod index;
pub mod serialization;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use prost::Message;

use self::blockfile::{
    blockfile_path, io_err, last_file_num, read_at, scan_file, BlockfileWriter, ScannedBlock,
};
use self::index::{CheckpointInfo, FileLoc, TxEntry};
use self::serialization::{deserialize_block, put_uvarint, serialize_block, TxOffset};
use crate::ledger::kvstore::{KvStore, WriteBatch};
use crate::ledger::{LedgerError, LedgerResult};
use crate::protos::common::{Block, BlockHeader, BlockchainInfo, Envelope};
use crate::protos::peer::{ProcessedTransaction, TxValidationCode};
use crate::protoutil::{block_header_hash, BlockMetadataIndex};

/// Default size at which a block file is closed and the next one started (Fabric's
/// `ledger.blockchain.maxBlockfileSize` default, 64 MiB).
pub const DEFAULT_MAX_BLOCKFILE_SIZE: u64 = 64 * 1024 * 1024;

/// The message Fabric gives for a lookup that finds nothing (`ErrNotFoundInIndex`).
pub const NOT_FOUND_IN_INDEX: &str = "Entry not found in index";

/// Block store settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockStoreConfig {
    pub max_blockfile_size: u64,
}

impl Default for BlockStoreConfig {
    fn default() -> Self {
        BlockStoreConfig {
            max_blockfile_size: DEFAULT_MAX_BLOCKFILE_SIZE,
        }
    }
}

/// A block written to its file whose index entries are not committed yet.
#[derive(Debug)]
pub struct PendingBlock {
    number: u64,
    hash: Vec<u8>,
    previous_hash: Vec<u8>,
    loc: FileLoc,
    txs: Vec<TxOffset>,
    codes: Vec<u8>,
    before: CheckpointInfo,
    after: CheckpointInfo,
}

impl PendingBlock {
    pub fn number(&self) -> u64 {
        self.number
    }
}

/// Where the next block goes.
struct WriterState {
    writer: BlockfileWriter,
    /// End of the file being appended (equal to the checkpoint when nothing is pending).
    end: CheckpointInfo,
    last_hash: Vec<u8>,
}

/// One channel's block store.
pub struct BlockStore {
    dir: PathBuf,
    store: Arc<dyn KvStore>,
    conf: BlockStoreConfig,
    info: RwLock<BlockchainInfo>,
    writer: Mutex<WriterState>,
    unindexed: Mutex<Vec<ScannedBlock>>,
}

impl BlockStore {
    /// Opens the block files in `dir` (created when missing) with their index in `store`.
    pub fn open(dir: &Path, store: Arc<dyn KvStore>, conf: BlockStoreConfig) -> LedgerResult<Self> {
        std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
        let cp = match store.get(&index::checkpoint_key())? {
            Some(b) => CheckpointInfo::from_bytes(&b)?,
            None => CheckpointInfo::default(),
        };
        let (unindexed, end) = scan_beyond_checkpoint(dir, &cp)?;
        let writer = BlockfileWriter::open(dir, end.file_num, end.file_size)?;
        let mut info = BlockchainInfo::default();
        if let Some(last) = cp.last_block {
            let header = read_header_at(dir, &store, last)?;
            info = BlockchainInfo {
                height: last + 1,
                current_block_hash: block_header_hash(&header),
                previous_block_hash: header.previous_hash,
            };
        }
        let last_hash = match unindexed.last() {
            Some(b) => block_header_hash(&b.header),
            None => info.current_block_hash.clone(),
        };
        if !unindexed.is_empty() {
            tracing::info!(target: "fsblkstorage",
                "found {} block(s) in {} beyond the index (after a crash); they will be re-indexed",
                unindexed.len(), dir.display());
        }
        Ok(BlockStore {
            dir: dir.to_path_buf(),
            store,
            conf,
            info: RwLock::new(info),
            writer: Mutex::new(WriterState {
                writer,
                end,
                last_hash,
            }),
            unindexed: Mutex::new(unindexed),
        })
    }

    /// The folder holding this channel's block files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Height and hashes of the committed chain.
    pub fn blockchain_info(&self) -> BlockchainInfo {
        self.info.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn height(&self) -> u64 {
        self.info.read().unwrap_or_else(|p| p.into_inner()).height
    }

    /// Writes `block` (with its final metadata) to the block file and fsyncs it. The block
    /// must follow the last appended one (number and previous hash, as Fabric checks).
    pub fn append(&self, block: &Block) -> LedgerResult<PendingBlock> {
        if !self
            .unindexed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
        {
            return Err(LedgerError::InvalidRequest(
                "blocks found beyond the index must be re-indexed before new blocks are added"
                    .into(),
            ));
        }
        let header = block
            .header
            .as_ref()
            .ok_or_else(|| LedgerError::InvalidBlock("block has no header".into()))?;
        let mut w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let expected = w.end.height();
        if header.number != expected {
            return Err(LedgerError::InvalidBlock(format!(
                "block number should have been {expected} but was {}",
                header.number
            )));
        }
        if header.previous_hash != w.last_hash {
            return Err(LedgerError::InvalidBlock(format!(
                "unexpected Previous block hash. Expected PreviousHash = [{}], PreviousHash \
                 referred in the latest block= [{}]",
                hex::encode(&w.last_hash),
                hex::encode(&header.previous_hash)
            )));
        }
        check_header_hashable(header)?;
        let (bytes, txs) = serialize_block(block);
        let mut record = Vec::with_capacity(bytes.len() + 10);
        put_uvarint(bytes.len() as u64, &mut record);
        let prefix = record.len() as u64;
        record.extend_from_slice(&bytes);
        let before = w.end;
        let mut start = before;
        if start.file_size > 0
            && start.file_size + record.len() as u64 > self.conf.max_blockfile_size
        {
            start.file_num += 1;
            start.file_size = 0;
            w.writer = BlockfileWriter::open(&self.dir, start.file_num, 0)?;
        }
        if let Err(e) = w.writer.append(start.file_size, &record) {
            let _ = w.writer.truncate(start.file_size);
            return Err(e);
        }
        let after = CheckpointInfo {
            file_num: start.file_num,
            file_size: start.file_size + record.len() as u64,
            last_block: Some(header.number),
        };
        let hash = block_header_hash(header);
        w.end = after;
        w.last_hash = hash.clone();
        Ok(PendingBlock {
            number: header.number,
            hash,
            previous_hash: header.previous_hash.clone(),
            loc: FileLoc {
                file_num: start.file_num,
                offset: start.file_size + prefix,
                len: bytes.len() as u64,
            },
            txs,
            codes: transactions_filter(block),
            before,
            after,
        })
    }

    /// The index entries and the new checkpoint for a pending block, added to `wb`.
    pub fn index_ops(&self, pending: &PendingBlock, wb: &mut WriteBatch) -> LedgerResult<()> {
        let loc = pending.loc;
        wb.put(index::block_num_key(pending.number), loc.to_bytes());
        let mut num = Vec::with_capacity(10);
        put_uvarint(pending.number, &mut num);
        wb.put(index::block_hash_key(&pending.hash), num);
        let snapshot = self.store.snapshot()?;
        let mut seen = std::collections::HashSet::new();
        for (tx_num, tx) in pending.txs.iter().enumerate() {
            if tx.tx_id.is_empty() || !seen.insert(tx.tx_id.as_str()) {
                continue;
            }
            let key = index::tx_id_key(&tx.tx_id);
            if snapshot.get(&key)?.is_some() {
                tracing::debug!(target: "fsblkstorage",
                    "txid [{}] is a duplicate of a previous tx; not indexed again", tx.tx_id);
                continue;
            }
            let entry = TxEntry {
                block_num: pending.number,
                tx_num: tx_num as u64,
                code: pending
                    .codes
                    .get(tx_num)
                    .copied()
                    .unwrap_or(TxValidationCode::NotValidated as u8),
                envelope: FileLoc {
                    file_num: loc.file_num,
                    offset: loc.offset + tx.offset as u64,
                    len: tx.len as u64,
                },
            };
            wb.put(key, entry.to_bytes());
        }
        wb.put(index::checkpoint_key(), pending.after.to_bytes());
        Ok(())
    }

    /// Makes a pending block visible, once the batch holding its index is written.
    pub fn committed(&self, pending: PendingBlock) {
        let mut info = self.info.write().unwrap_or_else(|p| p.into_inner());
        *info = BlockchainInfo {
            height: pending.number + 1,
            current_block_hash: pending.hash,
            previous_block_hash: pending.previous_hash,
        };
    }

    /// Drops a pending block whose batch could not be written: the file is cut back.
    pub fn abandon(&self, pending: PendingBlock) -> LedgerResult<()> {
        let mut w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        if pending.after.file_num != pending.before.file_num {
            let path = blockfile_path(&self.dir, pending.after.file_num);
            std::fs::remove_file(&path).map_err(|e| io_err(&path, e))?;
        }
        w.writer =
            BlockfileWriter::open(&self.dir, pending.before.file_num, pending.before.file_size)?;
        w.end = pending.before;
        w.last_hash = self.blockchain_info().current_block_hash;
        Ok(())
    }

    /// Appends and indexes a block on its own (one durable batch with only the index).
    pub fn add_block(&self, block: &Block) -> LedgerResult<()> {
        let pending = self.append(block)?;
        let mut wb = WriteBatch::new();
        self.index_ops(&pending, &mut wb)?;
        match self.store.write(wb, true) {
            Ok(()) => {
                self.committed(pending);
                Ok(())
            }
            Err(e) => {
                self.abandon(pending)?;
                Err(e.into())
            }
        }
    }

    /// Numbers of the complete blocks found in the files beyond the index at open.
    pub fn unindexed_blocks(&self) -> Vec<u64> {
        let u = self.unindexed.lock().unwrap_or_else(|p| p.into_inner());
        u.iter().map(|b| b.header.number).collect()
    }

    /// The next block found beyond the index at open, read back with a pending entry to
    /// commit as [`append`](Self::append) would have returned it; `None` when all are done.
    pub fn next_unindexed(&self) -> LedgerResult<Option<(Block, PendingBlock)>> {
        let u = self.unindexed.lock().unwrap_or_else(|p| p.into_inner());
        let Some(scanned) = u.first() else {
            return Ok(None);
        };
        let bytes = read_at(&self.dir, scanned.file_num, scanned.offset, scanned.len)?;
        let block = deserialize_block(&bytes).map_err(|e| LedgerError::Corrupt(e.to_string()))?;
        let info = self.blockchain_info();
        let before = self.checkpoint_before(&info);
        let pending = PendingBlock {
            number: scanned.header.number,
            hash: block_header_hash(&scanned.header),
            previous_hash: scanned.header.previous_hash.clone(),
            loc: FileLoc {
                file_num: scanned.file_num,
                offset: scanned.offset,
                len: scanned.len as u64,
            },
            txs: scanned.tx_offsets.clone(),
            codes: transactions_filter(&block),
            before,
            after: CheckpointInfo {
                file_num: scanned.file_num,
                file_size: scanned.end(),
                last_block: Some(scanned.header.number),
            },
        };
        Ok(Some((block, pending)))
    }

    /// Marks the first unindexed block as re-indexed (after its batch is written).
    pub fn reindexed(&self, pending: PendingBlock) {
        let mut u = self.unindexed.lock().unwrap_or_else(|p| p.into_inner());
        if u.first().map(|b| b.header.number) == Some(pending.number) {
            u.remove(0);
        }
        drop(u);
        self.committed(pending);
    }

    fn checkpoint_before(&self, info: &BlockchainInfo) -> CheckpointInfo {
        match self.store.get(&index::checkpoint_key()) {
            Ok(Some(b)) => CheckpointInfo::from_bytes(&b).unwrap_or_default(),
            _ => CheckpointInfo {
                last_block: info.height.checked_sub(1),
                ..CheckpointInfo::default()
            },
        }
    }

    fn block_loc(&self, number: u64) -> LedgerResult<FileLoc> {
        if number >= self.height() {
            return Err(not_found());
        }
        let b = self
            .store
            .get(&index::block_num_key(number))?
            .ok_or_else(not_found)?;
        FileLoc::decode(&mut b.as_slice())
    }

    fn read_block(&self, loc: FileLoc) -> LedgerResult<Block> {
        let bytes = read_at(&self.dir, loc.file_num, loc.offset, to_usize(loc.len)?)?;
        deserialize_block(&bytes).map_err(|e| LedgerError::Corrupt(e.to_string()))
    }

    /// The block with this number; `u64::MAX` is the last block.
    pub fn block_by_number(&self, number: u64) -> LedgerResult<Block> {
        let number = if number == u64::MAX {
            self.height().checked_sub(1).ok_or_else(not_found)?
        } else {
            number
        };
        self.read_block(self.block_loc(number)?)
    }

    /// The serialized (Fabric block file) bytes of a block.
    pub fn block_bytes_by_number(&self, number: u64) -> LedgerResult<Vec<u8>> {
        let loc = self.block_loc(number)?;
        read_at(&self.dir, loc.file_num, loc.offset, to_usize(loc.len)?)
    }

    /// The block whose header hashes to `hash`.
    pub fn block_by_hash(&self, hash: &[u8]) -> LedgerResult<Block> {
        let b = self
            .store
            .get(&index::block_hash_key(hash))?
            .ok_or_else(not_found)?;
        let number = serialization::get_uvarint(&mut b.as_slice())
            .map_err(|e| LedgerError::Corrupt(e.to_string()))?;
        self.block_by_number(number)
    }

    fn tx_entry(&self, tx_id: &str) -> LedgerResult<Option<TxEntry>> {
        let Some(b) = self.store.get(&index::tx_id_key(tx_id))? else {
            return Ok(None);
        };
        let entry = TxEntry::from_bytes(&b)?;
        Ok((entry.block_num < self.height()).then_some(entry))
    }

    /// The envelope of the transaction with this id.
    pub fn tx_by_id(&self, tx_id: &str) -> LedgerResult<Envelope> {
        let entry = self.tx_entry(tx_id)?.ok_or_else(not_found)?;
        let loc = entry.envelope;
        let bytes = read_at(&self.dir, loc.file_num, loc.offset, to_usize(loc.len)?)?;
        Envelope::decode(bytes.as_slice()).map_err(|e| {
            LedgerError::Corrupt(format!(
                "transaction [{tx_id}] envelope cannot be decoded: {e}"
            ))
        })
    }

    /// The transaction with this id and its validation code (Fabric's
    /// `ProcessedTransaction`).
    pub fn processed_tx_by_id(&self, tx_id: &str) -> LedgerResult<ProcessedTransaction> {
        let code = self.tx_validation_code_by_id(tx_id)?;
        Ok(ProcessedTransaction {
            transaction_envelope: Some(self.tx_by_id(tx_id)?),
            validation_code: code as i32,
        })
    }

    /// The block holding the transaction with this id.
    pub fn block_by_tx_id(&self, tx_id: &str) -> LedgerResult<Block> {
        let entry = self.tx_entry(tx_id)?.ok_or_else(not_found)?;
        self.block_by_number(entry.block_num)
    }

    /// The validation code recorded for the transaction with this id.
    pub fn tx_validation_code_by_id(&self, tx_id: &str) -> LedgerResult<TxValidationCode> {
        let entry = self.tx_entry(tx_id)?.ok_or_else(not_found)?;
        Ok(TxValidationCode::try_from(i32::from(entry.code))
            .unwrap_or(TxValidationCode::InvalidOtherReason))
    }

    /// Whether a transaction with this id is in a committed block.
    pub fn tx_id_exists(&self, tx_id: &str) -> LedgerResult<bool> {
        Ok(self.tx_entry(tx_id)?.is_some())
    }

    /// The envelope of transaction `tx_num` of block `block_num` (for history queries).
    pub fn tx_envelope(&self, block_num: u64, tx_num: u64) -> LedgerResult<Envelope> {
        let bytes = self.block_bytes_by_number(block_num)?;
        let env = serialization::envelope_at(&bytes, tx_num)
            .map_err(|e| LedgerError::Corrupt(e.to_string()))?
            .ok_or_else(not_found)?;
        Envelope::decode(env).map_err(|e| {
            LedgerError::Corrupt(format!(
                "transaction [{block_num}:{tx_num}] envelope cannot be decoded: {e}"
            ))
        })
    }
}

fn not_found() -> LedgerError {
    LedgerError::NotFound(NOT_FOUND_IN_INDEX.to_string())
}

fn to_usize(len: u64) -> LedgerResult<usize> {
    usize::try_from(len).map_err(|_| LedgerError::Corrupt(format!("entry length {len} too large")))
}

/// Block numbers above i64::MAX cannot be hashed the way Fabric hashes headers.
fn check_header_hashable(header: &BlockHeader) -> LedgerResult<()> {
    if i64::try_from(header.number).is_err() {
        return Err(LedgerError::InvalidBlock(format!(
            "block number {} is beyond what a block header can encode",
            header.number
        )));
    }
    Ok(())
}

/// The block's TRANSACTIONS_FILTER bytes (empty when the block has none).
pub fn transactions_filter(block: &Block) -> Vec<u8> {
    block
        .metadata
        .as_ref()
        .and_then(|m| {
            m.metadata
                .get(BlockMetadataIndex::TransactionsFilter as usize)
        })
        .cloned()
        .unwrap_or_default()
}

fn read_header_at(dir: &Path, store: &Arc<dyn KvStore>, number: u64) -> LedgerResult<BlockHeader> {
    let b = store.get(&index::block_num_key(number))?.ok_or_else(|| {
        LedgerError::Corrupt(format!(
            "the block index has no entry for its last block {number}; reset the ledger"
        ))
    })?;
    let loc = FileLoc::decode(&mut b.as_slice())?;
    let bytes = read_at(dir, loc.file_num, loc.offset, to_usize(loc.len)?)?;
    let (header, _) =
        serialization::block_info(&bytes).map_err(|e| LedgerError::Corrupt(e.to_string()))?;
    Ok(header)
}

/// Scans the block files from the checkpoint on: the complete blocks found there (in
/// order, numbered on from the checkpoint) and the end after the last of them. A torn or
/// out-of-sequence record is cut off and later files are removed.
fn scan_beyond_checkpoint(
    dir: &Path,
    cp: &CheckpointInfo,
) -> LedgerResult<(Vec<ScannedBlock>, CheckpointInfo)> {
    let last_file = last_file_num(dir)?.unwrap_or(0).max(cp.file_num);
    let mut found = Vec::new();
    let mut end = *cp;
    let mut expected = cp.height();
    for num in cp.file_num..=last_file {
        let path = blockfile_path(dir, num);
        if !path.exists() {
            if num == cp.file_num && cp.file_size > 0 {
                return Err(LedgerError::Corrupt(format!(
                    "block file {} named by the index is missing; restore it or reset the ledger",
                    path.display()
                )));
            }
            continue;
        }
        let start = if num == cp.file_num { cp.file_size } else { 0 };
        let (blocks, scanned_end) = scan_file(dir, num, start)?;
        let mut good_end = start;
        let mut stopped = false;
        for b in blocks {
            if b.header.number != expected {
                stopped = true;
                break;
            }
            expected += 1;
            good_end = b.end();
            found.push(b);
        }
        let size = std::fs::metadata(&path)
            .map_err(|e| io_err(&path, e))?
            .len();
        if good_end > start || num == cp.file_num {
            end = CheckpointInfo {
                file_num: num,
                file_size: good_end,
                last_block: expected.checked_sub(1),
            };
        }
        if stopped || scanned_end < size {
            cut_tail(dir, num, good_end, last_file)?;
            break;
        }
    }
    Ok((found, end))
}

fn cut_tail(dir: &Path, num: u32, at: u64, last_file: u32) -> LedgerResult<()> {
    tracing::warn!(target: "fsblkstorage",
        "cutting a torn block record off {} at offset {at}", blockfile_path(dir, num).display());
    BlockfileWriter::open(dir, num, at)?;
    for later in num + 1..=last_file {
        let path = blockfile_path(dir, later);
        if path.exists() {
            std::fs::remove_file(&path).map_err(|e| io_err(&path, e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
