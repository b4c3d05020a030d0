//! The block files of one channel: `blockfile_000000`, `blockfile_000001`, … each a run of
//! records `uvarint(len) ‖ serialized block`, as Fabric's fsblkstorage writes them. Appends
//! are fsynced; scanning stops at the first record that is not complete (a torn tail).

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::serialization::{block_info, get_uvarint};
use crate::ledger::{LedgerError, LedgerResult};
use crate::protos::common::BlockHeader;

/// Name prefix of every block file (Fabric's `blockfilePrefix`).
pub const BLOCKFILE_PREFIX: &str = "blockfile_";

/// The path of block file `num` in `dir` (six digits, as Fabric).
pub fn blockfile_path(dir: &Path, num: u32) -> PathBuf {
    dir.join(format!("{BLOCKFILE_PREFIX}{num:06}"))
}

pub(crate) fn io_err(path: &Path, source: std::io::Error) -> LedgerError {
    LedgerError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The highest block file number in `dir`, if any file exists.
pub fn last_file_num(dir: &Path) -> LedgerResult<Option<u32>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(dir, e)),
    };
    let mut last = None;
    for entry in entries {
        let entry = entry.map_err(|e| io_err(dir, e))?;
        let name = entry.file_name();
        let Some(num) = name
            .to_str()
            .and_then(|n| n.strip_prefix(BLOCKFILE_PREFIX))
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        last = last.max(Some(num));
    }
    Ok(last)
}

/// Reads `len` bytes at `offset` of block file `num`.
pub fn read_at(dir: &Path, num: u32, offset: u64, len: usize) -> LedgerResult<Vec<u8>> {
    let path = blockfile_path(dir, num);
    let file = File::open(&path).map_err(|e| io_err(&path, e))?;
    let mut buf = vec![0u8; len];
    file.read_exact_at(&mut buf, offset)
        .map_err(|e| io_err(&path, e))?;
    Ok(buf)
}

/// The append end of the current block file.
pub struct BlockfileWriter {
    path: PathBuf,
    file: File,
}

impl BlockfileWriter {
    /// Opens (creating) block file `num` and cuts it to `size`: whatever lies beyond the
    /// last block the index knows is dropped before new blocks are written.
    pub fn open(dir: &Path, num: u32, size: u64) -> LedgerResult<Self> {
        let path = blockfile_path(dir, num);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|e| io_err(&path, e))?;
        let mut w = BlockfileWriter { path, file };
        w.truncate(size)?;
        Ok(w)
    }

    /// Appends the bytes at `offset` (the known end of the file) and fsyncs.
    pub fn append(&mut self, offset: u64, bytes: &[u8]) -> LedgerResult<()> {
        let path = &self.path;
        self.file
            .seek(SeekFrom::Start(offset))
            .map_err(|e| io_err(path, e))?;
        self.file.write_all(bytes).map_err(|e| io_err(path, e))?;
        self.file.sync_data().map_err(|e| io_err(path, e))
    }

    /// Cuts the file to `size` bytes (durably).
    pub fn truncate(&mut self, size: u64) -> LedgerResult<()> {
        let path = &self.path;
        self.file.set_len(size).map_err(|e| io_err(path, e))?;
        self.file.sync_all().map_err(|e| io_err(path, e))
    }
}

/// One complete block found in a block file.
#[derive(Debug, Clone)]
pub struct ScannedBlock {
    pub header: BlockHeader,
    pub file_num: u32,
    /// Offset of the record (its length prefix) in the file.
    pub record_offset: u64,
    /// Offset of the serialized block bytes (after the prefix).
    pub offset: u64,
    pub len: usize,
    pub tx_offsets: Vec<super::serialization::TxOffset>,
}

impl ScannedBlock {
    pub fn end(&self) -> u64 {
        self.offset + self.len as u64
    }
}

/// The complete blocks of file `num` from `start`, and where the last complete one ends
/// (anything after that end is a torn record).
pub fn scan_file(dir: &Path, num: u32, start: u64) -> LedgerResult<(Vec<ScannedBlock>, u64)> {
    let path = blockfile_path(dir, num);
    let mut file = File::open(&path).map_err(|e| io_err(&path, e))?;
    let size = file.metadata().map_err(|e| io_err(&path, e))?.len();
    if start > size {
        return Err(LedgerError::Corrupt(format!(
            "block file {} is {size} bytes but the index says it holds {start}; restore the \
             file or reset the ledger",
            path.display()
        )));
    }
    file.seek(SeekFrom::Start(start))
        .map_err(|e| io_err(&path, e))?;
    let mut rest = Vec::with_capacity((size - start) as usize);
    file.read_to_end(&mut rest).map_err(|e| io_err(&path, e))?;
    let mut blocks = Vec::new();
    let mut pos = 0usize;
    loop {
        let mut cur = &rest[pos..];
        let Ok(len) = get_uvarint(&mut cur) else {
            break;
        };
        let prefix = rest.len() - pos - cur.len();
        let Ok(len) = usize::try_from(len) else { break };
        if len == 0 || len > cur.len() {
            break;
        }
        let Ok((header, tx_offsets)) = block_info(&cur[..len]) else {
            break;
        };
        blocks.push(ScannedBlock {
            header,
            file_num: num,
            record_offset: start + pos as u64,
            offset: start + (pos + prefix) as u64,
            len,
            tx_offsets,
        });
        pos += prefix + len;
    }
    Ok((blocks, start + pos as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_and_last_number() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(last_file_num(dir.path()).unwrap(), None);
        assert_eq!(last_file_num(&dir.path().join("missing")).unwrap(), None);
        assert!(blockfile_path(dir.path(), 3).ends_with("blockfile_000003"));
        std::fs::write(blockfile_path(dir.path(), 0), b"").unwrap();
        std::fs::write(blockfile_path(dir.path(), 12), b"").unwrap();
        std::fs::write(dir.path().join("other"), b"").unwrap();
        assert_eq!(last_file_num(dir.path()).unwrap(), Some(12));
    }

    #[test]
    fn scan_stops_at_a_torn_record() {
        use super::super::serialization::{put_uvarint, serialize_block};
        let dir = tempfile::tempdir().unwrap();
        let mut w = BlockfileWriter::open(dir.path(), 0, 0).unwrap();
        let mut end = 0u64;
        for n in 0..3u64 {
            let mut block = crate::protoutil::new_block(n, vec![]);
            block.data.as_mut().unwrap().data.push(vec![1, 2, 3]);
            let (bytes, _) = serialize_block(&block);
            let mut rec = Vec::new();
            put_uvarint(bytes.len() as u64, &mut rec);
            rec.extend_from_slice(&bytes);
            let cut = if n == 2 { rec.len() - 4 } else { rec.len() };
            w.append(end, &rec[..cut]).unwrap();
            end += cut as u64;
        }
        let (blocks, good_end) = scan_file(dir.path(), 0, 0).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[1].header.number, 1);
        assert_eq!(good_end, blocks[1].end());
        assert!(good_end < end);
        let (tail, tail_end) = scan_file(dir.path(), 0, blocks[1].record_offset).unwrap();
        assert_eq!((tail.len(), tail_end), (1, good_end));
        assert!(scan_file(dir.path(), 0, end + 1).is_err());
    }
}
