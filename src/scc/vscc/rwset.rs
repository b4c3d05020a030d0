//! A transaction's read-write set with its nested messages decoded (Fabric's
//! `rwsetutil.TxRwSet.FromProtoBytes`): the namespaces' `KVRWSet`s and the collections'
//! `HashedRWSet`s are carried as bytes inside `TxReadWriteSet` and decoded here.

use prost::Message;

use crate::protos::kvrwset::{HashedRwSet, KvrwSet};
use crate::protos::rwset::TxReadWriteSet;

/// The hashed read-write set of one private data collection.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CollHashedRwSet {
    pub name: String,
    pub hashed: HashedRwSet,
    pub pvt_rwset_hash: Vec<u8>,
}

/// The read-write set of one namespace (chaincode).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NsRwSet {
    pub namespace: String,
    pub kv: KvrwSet,
    pub collections: Vec<CollHashedRwSet>,
}

/// A decoded transaction read-write set, namespaces in their order in the transaction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TxRwSet {
    pub ns: Vec<NsRwSet>,
}

impl TxRwSet {
    /// Decodes a marshalled `rwset.TxReadWriteSet` and every nested set.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, prost::DecodeError> {
        let tx = TxReadWriteSet::decode(bytes)?;
        let ns = tx
            .ns_rwset
            .into_iter()
            .map(|ns| {
                let collections = ns
                    .collection_hashed_rwset
                    .into_iter()
                    .map(|c| {
                        Ok(CollHashedRwSet {
                            hashed: HashedRwSet::decode(c.hashed_rwset.as_slice())?,
                            name: c.collection_name,
                            pvt_rwset_hash: c.pvt_rwset_hash,
                        })
                    })
                    .collect::<Result<Vec<_>, prost::DecodeError>>()?;
                Ok(NsRwSet {
                    kv: KvrwSet::decode(ns.rwset.as_slice())?,
                    namespace: ns.namespace,
                    collections,
                })
            })
            .collect::<Result<Vec<_>, prost::DecodeError>>()?;
        Ok(TxRwSet { ns })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::kvrwset::{KvWrite, KvWriteHash};
    use crate::protos::rwset::{CollectionHashedReadWriteSet, NsReadWriteSet};

    #[test]
    fn decodes_nested_sets_and_refuses_garbage() {
        let kv = KvrwSet {
            writes: vec![KvWrite {
                key: "a".into(),
                is_delete: false,
                value: b"1".to_vec(),
            }],
            ..Default::default()
        };
        let hashed = HashedRwSet {
            hashed_writes: vec![KvWriteHash {
                key_hash: vec![9],
                ..Default::default()
            }],
            ..Default::default()
        };
        let tx = TxReadWriteSet {
            data_model: 0,
            ns_rwset: vec![NsReadWriteSet {
                namespace: "mycc".into(),
                rwset: kv.encode_to_vec(),
                collection_hashed_rwset: vec![CollectionHashedReadWriteSet {
                    collection_name: "c".into(),
                    hashed_rwset: hashed.encode_to_vec(),
                    pvt_rwset_hash: vec![],
                }],
            }],
        };
        let parsed = TxRwSet::from_bytes(&tx.encode_to_vec()).unwrap();
        assert_eq!(parsed.ns[0].namespace, "mycc");
        assert_eq!(parsed.ns[0].kv, kv);
        assert_eq!(parsed.ns[0].collections[0].hashed, hashed);

        let mut bad = tx.clone();
        bad.ns_rwset[0].rwset = vec![0xff, 0xff];
        assert!(TxRwSet::from_bytes(&bad.encode_to_vec()).is_err());
    }
}
