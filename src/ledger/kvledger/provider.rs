//! [`KvLedgerProvider`] (Fabric's `kvledger.Provider` with its `idStore`): creates ledgers
//! from genesis blocks, opens and lists them. The ledger id store keeps `"l" ‖ id` →
//! genesis block and an "under construction" flag naming a ledger being created; a crash
//! during create is settled on the next start (rolled back when the genesis block was not
//! committed, completed when it was).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};

use prost::Message;

use super::components::{HistoryManager, StateManager};
use super::{chain_dir, channel_store_path, id_store_path, KvLedger};
use crate::ledger::blkstorage::{BlockStore, BlockStoreConfig};
use crate::ledger::kvstore::{KvStore, RedbStore, WriteBatch};
use crate::ledger::{LedgerError, LedgerProvider, LedgerResult, PeerLedger};
use crate::protos::common::{Block, ChannelHeader, Envelope, Payload};

const UNDER_CONSTRUCTION_KEY: &[u8] = b"underConstructionLedgerKey";
const LEDGER_KEY_PREFIX: u8 = b'l';

/// Builds the state and history side of a channel over the channel's store.
pub trait LedgerComponents: Send + Sync {
    fn state(
        &self,
        ledger_id: &str,
        store: Arc<dyn KvStore>,
    ) -> LedgerResult<Arc<dyn StateManager>>;
    fn history(
        &self,
        ledger_id: &str,
        store: Arc<dyn KvStore>,
    ) -> LedgerResult<Arc<dyn HistoryManager>>;
}

/// The ledgers under one `peer.fileSystemPath`.
pub struct KvLedgerProvider {
    fs_path: PathBuf,
    ids: RedbStore,
    components: Arc<dyn LedgerComponents>,
    conf: BlockStoreConfig,
    open: Mutex<HashMap<String, Weak<KvLedger>>>,
}

/// The channel id a genesis block is for (from its first envelope's channel header).
pub fn channel_id_of_block(block: &Block) -> LedgerResult<String> {
    let env = block
        .data
        .as_ref()
        .and_then(|d| d.data.first())
        .ok_or_else(|| {
            LedgerError::InvalidBlock("failed to retrieve channel id - block is empty".into())
        })?;
    let bad =
        |what: &str| LedgerError::InvalidBlock(format!("failed to retrieve channel id: {what}"));
    let env = Envelope::decode(env.as_slice()).map_err(|_| bad("bad envelope"))?;
    let payload = Payload::decode(env.payload.as_slice()).map_err(|_| bad("bad payload"))?;
    let header = payload.header.ok_or_else(|| bad("payload has no header"))?;
    let chdr = ChannelHeader::decode(header.channel_header.as_slice())
        .map_err(|_| bad("bad channel header"))?;
    Ok(chdr.channel_id)
}

fn ledger_key(id: &str) -> Vec<u8> {
    let mut k = vec![LEDGER_KEY_PREFIX];
    k.extend_from_slice(id.as_bytes());
    k
}

impl KvLedgerProvider {
    /// Opens the provider under `fs_path` (`peer.fileSystemPath`) and settles a ledger
    /// left under construction by a crash.
    pub fn new(
        fs_path: &Path,
        components: Arc<dyn LedgerComponents>,
        conf: BlockStoreConfig,
    ) -> LedgerResult<Self> {
        let ids = RedbStore::open(&id_store_path(fs_path)).map_err(|e| {
            LedgerError::InvalidRequest(format!(
                "{e}; as another peer node command is executing, wait for that command to \
                 complete its execution or terminate it before retrying"
            ))
        })?;
        let provider = KvLedgerProvider {
            fs_path: fs_path.to_path_buf(),
            ids,
            components,
            conf,
            open: Mutex::new(HashMap::new()),
        };
        provider.recover_under_construction()?;
        Ok(provider)
    }

    /// The provider with the peer's own state and history databases.
    pub fn open_default(fs_path: &Path) -> LedgerResult<Self> {
        Self::new(
            fs_path,
            Arc::new(super::DefaultComponents),
            BlockStoreConfig::default(),
        )
    }

    fn recover_under_construction(&self) -> LedgerResult<()> {
        let Some(id) = self.ids.get(UNDER_CONSTRUCTION_KEY)? else {
            return Ok(());
        };
        let id = String::from_utf8_lossy(&id).into_owned();
        tracing::info!(target: "kvledger", "ledger [{id}] found as under construction");
        let ledger = self.open_internal(&id)?;
        let height = ledger.block_store().height();
        match height {
            0 => {
                drop(ledger);
                self.cleanup(&id)?;
                let mut wb = WriteBatch::new();
                wb.delete(UNDER_CONSTRUCTION_KEY);
                self.ids.write(wb, true)?;
            }
            1 => {
                let genesis = ledger.block_store().block_by_number(0)?;
                self.mark_created(&id, &genesis)?;
            }
            h => {
                return Err(LedgerError::Corrupt(format!(
                    "data inconsistency: under construction flag is set for ledger [{id}] \
                     while the height of the blockchain is [{h}]"
                )))
            }
        }
        Ok(())
    }

    fn open_internal(&self, id: &str) -> LedgerResult<Arc<KvLedger>> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(l) = open.get(id).and_then(Weak::upgrade) {
            return Ok(l);
        }
        let store: Arc<dyn KvStore> =
            Arc::new(RedbStore::open(&channel_store_path(&self.fs_path, id))?);
        let blocks = BlockStore::open(&chain_dir(&self.fs_path, id), store.clone(), self.conf)?;
        let state = self.components.state(id, store.clone())?;
        let history = self.components.history(id, store.clone())?;
        let ledger = Arc::new(KvLedger::open(id, store, blocks, state, history)?);
        open.insert(id.to_string(), Arc::downgrade(&ledger));
        Ok(ledger)
    }

    fn cleanup(&self, id: &str) -> LedgerResult<()> {
        self.open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
        for path in [chain_dir(&self.fs_path, id)] {
            if path.exists() {
                std::fs::remove_dir_all(&path).map_err(|e| super::reset::io(&path, e))?;
            }
        }
        let store = channel_store_path(&self.fs_path, id);
        if store.exists() {
            std::fs::remove_file(&store).map_err(|e| super::reset::io(&store, e))?;
        }
        Ok(())
    }

    fn mark_created(&self, id: &str, genesis: &Block) -> LedgerResult<()> {
        let mut wb = WriteBatch::new();
        wb.put(ledger_key(id), genesis.encode_to_vec());
        wb.delete(UNDER_CONSTRUCTION_KEY);
        self.ids.write(wb, true)?;
        Ok(())
    }

    /// Creates the ledger, commits the genesis block, and returns it as a [`KvLedger`].
    pub fn create_kv_ledger(&self, genesis_block: &Block) -> LedgerResult<Arc<KvLedger>> {
        let id = channel_id_of_block(genesis_block)?;
        if self.exists(&id)? {
            return Err(LedgerError::LedgerExists(id));
        }
        let mut wb = WriteBatch::new();
        wb.put(UNDER_CONSTRUCTION_KEY, id.as_bytes());
        self.ids.write(wb, true)?;
        let created = self
            .open_internal(&id)
            .and_then(|l| l.commit_genesis(genesis_block.clone()).map(|_| l));
        match created {
            Ok(ledger) => {
                self.mark_created(&id, genesis_block)?;
                tracing::info!(target: "kvledger", "Created ledger [{id}] with genesis block");
                Ok(ledger)
            }
            Err(e) => {
                self.cleanup(&id)?;
                let mut wb = WriteBatch::new();
                wb.delete(UNDER_CONSTRUCTION_KEY);
                self.ids.write(wb, true)?;
                Err(e)
            }
        }
    }

    /// Opens an existing ledger as a [`KvLedger`] (the same instance while it is in use).
    pub fn open_kv_ledger(&self, ledger_id: &str) -> LedgerResult<Arc<KvLedger>> {
        if !self.exists(ledger_id)? {
            return Err(LedgerError::LedgerNotFound(ledger_id.to_string()));
        }
        self.open_internal(ledger_id)
    }
}

impl LedgerProvider for KvLedgerProvider {
    fn create(&self, genesis_block: &Block) -> LedgerResult<Arc<dyn PeerLedger>> {
        Ok(self.create_kv_ledger(genesis_block)?)
    }

    fn open(&self, ledger_id: &str) -> LedgerResult<Arc<dyn PeerLedger>> {
        Ok(self.open_kv_ledger(ledger_id)?)
    }

    fn exists(&self, ledger_id: &str) -> LedgerResult<bool> {
        Ok(self.ids.get(&ledger_key(ledger_id))?.is_some())
    }

    fn list(&self) -> LedgerResult<Vec<String>> {
        let snap = self.ids.snapshot()?;
        let mut ids = Vec::new();
        for item in snap.range(&[LEDGER_KEY_PREFIX], &[LEDGER_KEY_PREFIX + 1])? {
            let (k, _) = item?;
            ids.push(String::from_utf8_lossy(&k[1..]).into_owned());
        }
        Ok(ids)
    }
}
