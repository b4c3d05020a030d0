//! The file ledger: each channel's blocks in `<Location>/chains/<channel>/blocks`, as
//! length-prefixed, checksummed records. Every append is fsynced before it is acknowledged;
//! on open the file is scanned, a torn or corrupt tail (a crash mid-write) is cut off, and
//! the chain is checked, so a restart resumes exactly after the last durable block.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use prost::Message;
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use super::{BlockLedger, LedgerError, LedgerRef};
use crate::protos::common::Block;
use crate::protoutil::block_header_hash;

/// Name of the folder holding one folder per channel (as Fabric's file ledger).
pub const CHAINS_DIR: &str = "chains";
/// Name of a channel's block file.
pub const BLOCK_FILE: &str = "blocks";
/// Bytes of a record's header: u32 big-endian length, then the first 4 bytes of the
/// SHA-256 of the block bytes.
const RECORD_HEADER: u64 = 8;

/// Opens the ledgers of all channels under one folder (Fabric's `fileledger.Factory`).
pub struct FileLedgerFactory {
    root: PathBuf,
    ledgers: Mutex<BTreeMap<String, Arc<FileLedger>>>,
}

impl FileLedgerFactory {
    /// A factory over `location` (`FileLedger.Location`); the folder is created if needed.
    pub fn new(location: &Path) -> Result<Self, LedgerError> {
        let root = location.join(CHAINS_DIR);
        std::fs::create_dir_all(&root).map_err(|e| io(&root, e))?;
        Ok(FileLedgerFactory {
            root,
            ledgers: Mutex::new(BTreeMap::new()),
        })
    }

    /// The ledger of `channel`, opened (and created when new) on first use.
    pub fn get_or_create(&self, channel: &str) -> Result<LedgerRef, LedgerError> {
        if channel.is_empty() || channel.contains(['/', '\\']) || channel.starts_with('.') {
            return Err(LedgerError::BadChannelName(channel.to_string()));
        }
        let mut ledgers = self.ledgers.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(l) = ledgers.get(channel) {
            return Ok(l.clone());
        }
        let ledger = Arc::new(FileLedger::open(&self.root.join(channel))?);
        ledgers.insert(channel.to_string(), ledger.clone());
        Ok(ledger)
    }

    /// The channels that have a ledger folder, sorted.
    pub fn channel_ids(&self) -> Result<Vec<String>, LedgerError> {
        let mut ids = Vec::new();
        for entry in std::fs::read_dir(&self.root).map_err(|e| io(&self.root, e))? {
            let entry = entry.map_err(|e| io(&self.root, e))?;
            if entry.path().join(BLOCK_FILE).is_file() {
                ids.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        ids.sort();
        Ok(ids)
    }
}

struct State {
    file: File,
    /// Offset of each block's record.
    offsets: Vec<u64>,
    /// End of the last complete record.
    end: u64,
    last_hash: Vec<u8>,
}

/// One channel's ledger in one file.
pub struct FileLedger {
    path: PathBuf,
    state: Mutex<State>,
    height: watch::Sender<u64>,
}

impl FileLedger {
    /// Opens (or creates) the ledger in `dir`, recovering from a torn last write.
    pub fn open(dir: &Path) -> Result<Self, LedgerError> {
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let path = dir.join(BLOCK_FILE);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| io(&path, e))?;
        let (offsets, end, last_hash) = scan(&file, &path)?;
        let len = file.metadata().map_err(|e| io(&path, e))?.len();
        if len > end {
            tracing::warn!(target: "fsblkstorage",
                "Truncating {} bytes of an incomplete block record at the end of {}",
                len - end, path.display());
            file.set_len(end).map_err(|e| io(&path, e))?;
            file.sync_all().map_err(|e| io(&path, e))?;
        }
        let (height, _) = watch::channel(offsets.len() as u64);
        Ok(FileLedger {
            path,
            state: Mutex::new(State {
                file,
                offsets,
                end,
                last_hash,
            }),
            height,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn read_record(&self, file: &File, offset: u64) -> Result<Block, LedgerError> {
        let (block, _) = read_record_at(file, offset, &self.path)?
            .ok_or_else(|| corrupt(&self.path, "record is incomplete"))?;
        Ok(block)
    }
}

impl BlockLedger for FileLedger {
    fn height(&self) -> u64 {
        self.lock().offsets.len() as u64
    }

    fn append(&self, block: &Block) -> Result<(), LedgerError> {
        let header = block.header.as_ref().ok_or(LedgerError::NoHeader)?;
        let mut st = self.lock();
        let expected = st.offsets.len() as u64;
        if header.number != expected {
            return Err(LedgerError::OutOfOrder {
                expected,
                got: header.number,
            });
        }
        if expected > 0 && header.previous_hash != st.last_hash {
            return Err(LedgerError::PreviousHash {
                number: header.number,
                expected: hex::encode(&st.last_hash),
                got: hex::encode(&header.previous_hash),
            });
        }
        let bytes = block.encode_to_vec();
        let mut record = Vec::with_capacity(bytes.len() + RECORD_HEADER as usize);
        record.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        record.extend_from_slice(&checksum(&bytes));
        record.extend_from_slice(&bytes);
        let offset = st.end;
        let write = |f: &mut File| -> std::io::Result<()> {
            f.seek(SeekFrom::Start(offset))?;
            f.write_all(&record)?;
            f.sync_data()
        };
        if let Err(e) = write(&mut st.file) {
            // Leave the file as it was so the next append starts on a record boundary.
            let _ = st.file.set_len(offset);
            return Err(io(&self.path, e));
        }
        st.end = offset + record.len() as u64;
        st.offsets.push(offset);
        st.last_hash = block_header_hash(header);
        let height = st.offsets.len() as u64;
        drop(st);
        self.height.send_replace(height);
        Ok(())
    }

    fn block(&self, number: u64) -> Result<Option<Block>, LedgerError> {
        let st = self.lock();
        let Some(&offset) = st.offsets.get(number as usize) else {
            return Ok(None);
        };
        let file = st.file.try_clone().map_err(|e| io(&self.path, e))?;
        drop(st);
        self.read_record(&file, offset).map(Some)
    }

    fn watch_height(&self) -> watch::Receiver<u64> {
        self.height.subscribe()
    }
}

fn checksum(bytes: &[u8]) -> [u8; 4] {
    let digest = Sha256::digest(bytes);
    [digest[0], digest[1], digest[2], digest[3]]
}

/// Reads the record at `offset`: `None` when it is torn (short or failing its checksum).
fn read_record_at(
    file: &File,
    offset: u64,
    path: &Path,
) -> Result<Option<(Block, u64)>, LedgerError> {
    let mut head = [0u8; RECORD_HEADER as usize];
    if !read_exact_at(file, &mut head, offset).map_err(|e| io(path, e))? {
        return Ok(None);
    }
    let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
    let mut bytes = vec![0u8; len];
    if !read_exact_at(file, &mut bytes, offset + RECORD_HEADER).map_err(|e| io(path, e))? {
        return Ok(None);
    }
    if checksum(&bytes) != head[4..] {
        return Ok(None);
    }
    let block = Block::decode(bytes.as_slice()).map_err(|e| corrupt(path, &e.to_string()))?;
    Ok(Some((block, offset + RECORD_HEADER + len as u64)))
}

/// Like `read_exact_at` but reports a short read as `false` instead of an error.
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<bool> {
    let mut done = 0;
    while done < buf.len() {
        match file.read_at(&mut buf[done..], offset + done as u64)? {
            0 => return Ok(false),
            n => done += n,
        }
    }
    Ok(true)
}

type Scan = (Vec<u64>, u64, Vec<u8>);

/// Walks every complete record, checking numbering and the hash chain.
fn scan(file: &File, path: &Path) -> Result<Scan, LedgerError> {
    let mut offsets = Vec::new();
    let mut offset = 0;
    let mut last_hash = Vec::new();
    while let Some((block, next)) = read_record_at(file, offset, path)? {
        let header = block
            .header
            .as_ref()
            .ok_or_else(|| corrupt(path, "a block has no header"))?;
        let expected = offsets.len() as u64;
        if header.number != expected {
            return Err(corrupt(
                path,
                &format!(
                    "block {} found where block {expected} belongs",
                    header.number
                ),
            ));
        }
        if expected > 0 && header.previous_hash != last_hash {
            return Err(corrupt(
                path,
                &format!("block {expected} does not chain to block {}", expected - 1),
            ));
        }
        last_hash = block_header_hash(header);
        offsets.push(offset);
        offset = next;
    }
    Ok((offsets, offset, last_hash))
}

fn io(path: &Path, source: std::io::Error) -> LedgerError {
    LedgerError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn corrupt(path: &Path, reason: &str) -> LedgerError {
    LedgerError::Corrupt {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::BlockIterator;
    use super::*;
    use crate::protos::common::BlockData;
    use crate::protoutil::{block_data_hash, new_block};

    fn chain(n: u64) -> Vec<Block> {
        let mut blocks: Vec<Block> = Vec::new();
        for i in 0..n {
            let prev = blocks
                .last()
                .map(|b| block_header_hash(b.header.as_ref().unwrap()))
                .unwrap_or_default();
            let mut b = new_block(i, prev);
            b.data = Some(BlockData {
                data: vec![format!("tx{i}").into_bytes()],
            });
            b.header.as_mut().unwrap().data_hash = block_data_hash(b.data.as_ref().unwrap());
            blocks.push(b);
        }
        blocks
    }

    #[test]
    fn append_read_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let blocks = chain(5);
        {
            let l = FileLedger::open(dir.path()).unwrap();
            for b in &blocks {
                l.append(b).unwrap();
            }
            assert_eq!(l.height(), 5);
            assert_eq!(l.block(3).unwrap().unwrap(), blocks[3]);
            assert!(l.block(5).unwrap().is_none());
        }
        let l = FileLedger::open(dir.path()).unwrap();
        assert_eq!(l.height(), 5);
        for (i, b) in blocks.iter().enumerate() {
            assert_eq!(&l.block(i as u64).unwrap().unwrap(), b);
        }
        // Reopened, the chain continues where it stopped.
        let more = chain(6);
        l.append(&more[5]).unwrap();
        assert_eq!(l.height(), 6);
    }

    #[test]
    fn out_of_order_and_broken_chain_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let l = FileLedger::open(dir.path()).unwrap();
        let blocks = chain(3);
        let err = l.append(&blocks[1]).unwrap_err();
        assert!(matches!(
            err,
            LedgerError::OutOfOrder {
                expected: 0,
                got: 1
            }
        ));
        l.append(&blocks[0]).unwrap();
        let mut forged = blocks[1].clone();
        forged.header.as_mut().unwrap().previous_hash = vec![1; 32];
        let err = l.append(&forged).unwrap_err();
        assert!(
            matches!(err, LedgerError::PreviousHash { number: 1, .. }),
            "{err}"
        );
        assert_eq!(l.height(), 1);
    }

    #[test]
    fn a_torn_tail_is_truncated_and_nothing_durable_is_lost() {
        let dir = tempfile::tempdir().unwrap();
        let blocks = chain(4);
        {
            let l = FileLedger::open(dir.path()).unwrap();
            for b in &blocks[..3] {
                l.append(b).unwrap();
            }
        }
        let path = dir.path().join(BLOCK_FILE);
        let full = std::fs::metadata(&path).unwrap().len();
        // Simulate a crash in the middle of writing block 3: half a record.
        let bytes = blocks[3].encode_to_vec();
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&(bytes.len() as u32).to_be_bytes()).unwrap();
        f.write_all(&checksum(&bytes)).unwrap();
        f.write_all(&bytes[..bytes.len() / 2]).unwrap();
        drop(f);
        let l = FileLedger::open(dir.path()).unwrap();
        assert_eq!(l.height(), 3);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), full);
        l.append(&blocks[3]).unwrap();
        drop(l);
        let l = FileLedger::open(dir.path()).unwrap();
        assert_eq!(l.height(), 4);
        assert_eq!(l.block(3).unwrap().unwrap(), blocks[3]);
    }

    #[test]
    fn a_corrupt_tail_record_fails_its_checksum_and_is_cut() {
        let dir = tempfile::tempdir().unwrap();
        let blocks = chain(2);
        {
            let l = FileLedger::open(dir.path()).unwrap();
            l.append(&blocks[0]).unwrap();
            l.append(&blocks[1]).unwrap();
        }
        let path = dir.path().join(BLOCK_FILE);
        let mut data = std::fs::read(&path).unwrap();
        let last = data.len() - 1;
        data[last] ^= 0xff;
        std::fs::write(&path, &data).unwrap();
        assert_eq!(FileLedger::open(dir.path()).unwrap().height(), 1);
    }

    #[test]
    fn factory_keeps_one_folder_per_channel() {
        let dir = tempfile::tempdir().unwrap();
        let f = FileLedgerFactory::new(dir.path()).unwrap();
        f.get_or_create("mychannel")
            .unwrap()
            .append(&chain(1)[0])
            .unwrap();
        f.get_or_create("syschannel")
            .unwrap()
            .append(&chain(1)[0])
            .unwrap();
        assert_eq!(f.channel_ids().unwrap(), vec!["mychannel", "syschannel"]);
        assert!(dir
            .path()
            .join("chains/mychannel")
            .join(BLOCK_FILE)
            .is_file());
        assert!(matches!(
            f.get_or_create("../x"),
            Err(LedgerError::BadChannelName(_))
        ));
        let again = FileLedgerFactory::new(dir.path()).unwrap();
        assert_eq!(again.get_or_create("mychannel").unwrap().height(), 1);
    }

    #[tokio::test]
    async fn the_iterator_waits_for_the_next_block() {
        let dir = tempfile::tempdir().unwrap();
        let l: LedgerRef = Arc::new(FileLedger::open(dir.path()).unwrap());
        let blocks = chain(3);
        l.append(&blocks[0]).unwrap();
        let mut it = BlockIterator::new(l.clone(), 0);
        assert_eq!(it.next().await.unwrap().unwrap(), blocks[0]);
        assert!(!it.ready());
        let writer = {
            let l = l.clone();
            let blocks = blocks.clone();
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                l.append(&blocks[1]).unwrap();
                l.append(&blocks[2]).unwrap();
            })
        };
        assert_eq!(it.next().await.unwrap().unwrap(), blocks[1]);
        assert_eq!(it.next().await.unwrap().unwrap(), blocks[2]);
        writer.await.unwrap();
    }
}
