//! Key-level metadata as stored beside a value (Fabric's `storageutil`): the entries of a
//! `KVMetadataWrite` (with no key), marshalled.

use std::collections::BTreeMap;

use prost::Message;

use crate::ledger::{LedgerError, LedgerResult};
use crate::protos::kvrwset::{KvMetadataEntry, KvMetadataWrite};

pub fn serialize_metadata(entries: &[KvMetadataEntry]) -> Vec<u8> {
    KvMetadataWrite {
        key: String::new(),
        entries: entries.to_vec(),
    }
    .encode_to_vec()
}

/// No bytes means no metadata.
pub fn deserialize_metadata(bytes: &[u8]) -> LedgerResult<BTreeMap<String, Vec<u8>>> {
    if bytes.is_empty() {
        return Ok(BTreeMap::new());
    }
    let m = KvMetadataWrite::decode(bytes)
        .map_err(|e| LedgerError::Corrupt(format!("stored key metadata: {e}")))?;
    Ok(m.entries.into_iter().map(|e| (e.name, e.value)).collect())
}
