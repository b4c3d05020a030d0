use std::collections::BTreeMap;

use prost::Message;

use super::*;
use crate::ledger::kvstore::RedbStore;
use crate::ledger::LedgerError;
use crate::protos::common::{
    BlockData, BlockHeader, ChannelHeader, Envelope, Header, HeaderType, Payload,
};
use crate::protos::kvrwset::{range_query_info::ReadsInfo, KvrwSet, RangeQueryInfo};
use crate::protos::peer::{
    ChaincodeAction, ChaincodeActionPayload, ChaincodeEndorsedAction, ProposalResponsePayload,
    Transaction, TransactionAction,
};
use crate::protos::rwset::TxReadWriteSet;

pub(crate) struct Env {
    pub _dir: tempfile::TempDir,
    pub store: Arc<dyn KvStore>,
    pub mgr: LockBasedTxMgr,
}

pub(crate) fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn KvStore> = Arc::new(RedbStore::open(&dir.path().join("db")).unwrap());
    let mgr = LockBasedTxMgr::new("ch", store.clone()).unwrap();
    Env {
        _dir: dir,
        store,
        mgr,
    }
}

/// An endorser transaction envelope carrying `results` as its chaincode action's rwset.
pub(crate) fn endorser_tx(tx_id: &str, results: &TxReadWriteSet) -> Vec<u8> {
    let action = ChaincodeAction {
        results: results.encode_to_vec(),
        ..Default::default()
    };
    let prp = ProposalResponsePayload {
        proposal_hash: vec![1],
        extension: action.encode_to_vec(),
    };
    let cap = ChaincodeActionPayload {
        chaincode_proposal_payload: vec![],
        action: Some(ChaincodeEndorsedAction {
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
    envelope(HeaderType::EndorserTransaction, tx_id, tx.encode_to_vec())
}

pub(crate) fn envelope(t: HeaderType, tx_id: &str, data: Vec<u8>) -> Vec<u8> {
    let chdr = ChannelHeader {
        r#type: t as i32,
        tx_id: tx_id.to_string(),
        channel_id: "ch".into(),
        timestamp: Some(prost_types::Timestamp {
            seconds: 1_700_000_000,
            nanos: 5,
        }),
        ..Default::default()
    };
    let payload = Payload {
        header: Some(Header {
            channel_header: chdr.encode_to_vec(),
            signature_header: vec![],
        }),
        data,
    };
    Envelope {
        payload: payload.encode_to_vec(),
        signature: vec![],
    }
    .encode_to_vec()
}

pub(crate) fn block(number: u64, txs: Vec<Vec<u8>>) -> Block {
    Block {
        header: Some(BlockHeader {
            number,
            ..Default::default()
        }),
        data: Some(BlockData { data: txs }),
        metadata: None,
    }
}

fn writes(ns: &str, kvs: &[(&str, &str)]) -> TxReadWriteSet {
    let sim_env = env();
    let sim = sim_env.mgr.new_tx_simulator("w").unwrap();
    for (k, v) in kvs {
        sim.set_state(ns, k, v.as_bytes().to_vec()).unwrap();
    }
    sim.get_tx_simulation_results().unwrap()
}

/// Validates and commits the block; returns the final codes.
fn commit(e: &Env, b: &Block) -> Vec<TxValidationCode> {
    let mut codes = vec![TxValidationCode::Valid; b.data.as_ref().unwrap().data.len()];
    let p = e.mgr.validate_and_prepare(b, &mut codes).unwrap();
    let mut wb = WriteBatch::new();
    e.mgr.commit_ops(&p, &mut wb).unwrap();
    e.store.write(wb, true).unwrap();
    codes
}

fn kv(rw: &TxReadWriteSet, ns: &str) -> KvrwSet {
    let n = rw.ns_rwset.iter().find(|n| n.namespace == ns).unwrap();
    KvrwSet::decode(n.rwset.as_slice()).unwrap()
}

#[test]
fn simulator_records_committed_versions_without_read_your_writes() {
    let e = env();
    commit(
        &e,
        &block(
            1,
            vec![endorser_tx("t1", &writes("cc", &[("a", "1"), ("b", "2")]))],
        ),
    );
    let sim = e.mgr.new_tx_simulator("t2").unwrap();
    sim.set_state("cc", "a", b"10".to_vec()).unwrap();
    assert_eq!(
        sim.get_state("cc", "a").unwrap().unwrap(),
        b"1",
        "committed value"
    );
    assert_eq!(sim.get_state("cc", "zz").unwrap(), None);
    assert_eq!(
        sim.get_state_multiple_keys("cc", &["b".into(), "c".into()])
            .unwrap(),
        vec![Some(b"2".to_vec()), None]
    );
    sim.delete_state("cc", "b").unwrap();
    sim.get_state("other", "x").unwrap();
    let rw = sim.get_tx_simulation_results().unwrap();
    let names: Vec<_> = rw.ns_rwset.iter().map(|n| n.namespace.as_str()).collect();
    assert_eq!(names, ["cc", "other"]);
    let cc = kv(&rw, "cc");
    let reads: Vec<_> = cc
        .reads
        .iter()
        .map(|r| (r.key.as_str(), rwset_builder::read_version(r)))
        .collect();
    assert_eq!(
        reads,
        [
            ("a", Some(Height::new(1, 0))),
            ("b", Some(Height::new(1, 0))),
            ("c", None),
            ("zz", None)
        ]
    );
    let w: Vec<_> = cc
        .writes
        .iter()
        .map(|w| (w.key.as_str(), w.is_delete))
        .collect();
    assert_eq!(w, [("a", false), ("b", true)]);
    assert!(matches!(
        sim.get_state("cc", "a"),
        Err(LedgerError::SimulatorDone)
    ));
    assert!(matches!(
        sim.set_state("cc", "a", vec![1]),
        Err(LedgerError::SimulatorDone)
    ));
    assert!(matches!(
        sim.get_tx_simulation_results(),
        Err(LedgerError::SimulatorDone)
    ));
}

#[test]
fn query_executor_sees_a_snapshot() {
    let e = env();
    commit(
        &e,
        &block(1, vec![endorser_tx("t1", &writes("cc", &[("a", "1")]))]),
    );
    let qe = e.mgr.new_query_executor().unwrap();
    commit(
        &e,
        &block(
            2,
            vec![endorser_tx("t2", &writes("cc", &[("a", "2"), ("b", "3")]))],
        ),
    );
    assert_eq!(qe.get_state("cc", "a").unwrap().unwrap(), b"1");
    let mut it = qe.get_state_range_scan_iterator("cc", "", "").unwrap();
    assert_eq!(it.next().unwrap().unwrap().key, "a");
    assert!(it.next().unwrap().is_none());
    let qe = e.mgr.new_query_executor().unwrap();
    assert_eq!(qe.get_state("cc", "b").unwrap().unwrap(), b"3");
    assert_eq!(e.mgr.last_savepoint().unwrap(), Some(Height::new(2, 0)));
}

fn keys(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| (format!("k{i:03}"), format!("v{i}")))
        .collect()
}

fn commit_keys(e: &Env, num: u64, n: usize) {
    let kvs = keys(n);
    let refs: Vec<_> = kvs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    commit(
        e,
        &block(num, vec![endorser_tx("init", &writes("cc", &refs))]),
    );
}

#[test]
fn range_query_infos_follow_fabric() {
    let e = env();
    commit_keys(&e, 1, 5);
    let sim = e.mgr.new_tx_simulator("t").unwrap();
    let mut partial = sim
        .get_state_range_scan_iterator("cc", "k001", "k004")
        .unwrap();
    assert_eq!(partial.next().unwrap().unwrap().key, "k001");
    assert_eq!(partial.next().unwrap().unwrap().key, "k002");
    let mut full = sim.get_state_range_scan_iterator("cc", "k003", "").unwrap();
    while full.next().unwrap().is_some() {}
    let _untouched = sim.get_state_range_scan_iterator("cc", "a", "b").unwrap();
    drop(partial);
    let rw = sim.get_tx_simulation_results().unwrap();
    let infos = kv(&rw, "cc").range_queries_info;
    let shape: Vec<_> = infos
        .iter()
        .map(|q| (q.start_key.as_str(), q.end_key.as_str(), q.itr_exhausted))
        .collect();
    assert_eq!(
        shape,
        [
            ("k001", "k002", false),
            ("k003", "", true),
            ("a", "", false)
        ]
    );
    let raw = |q: &RangeQueryInfo| match &q.reads_info {
        Some(ReadsInfo::RawReads(r)) => r.kv_reads.iter().map(|r| r.key.clone()).collect(),
        _ => Vec::<String>::new(),
    };
    assert_eq!(raw(&infos[0]), ["k001", "k002"]);
    assert_eq!(raw(&infos[1]), ["k003", "k004"]);
    assert_eq!(infos[2].reads_info, None);
    assert!(
        kv(&rw, "cc").reads.is_empty(),
        "range reads are not point reads"
    );
}

#[test]
fn large_range_is_summarized_and_phantoms_are_caught() {
    let e = env();
    commit_keys(&e, 1, 120);
    let simulate = |e: &Env| {
        let sim = e.mgr.new_tx_simulator("t").unwrap();
        let mut it = sim.get_state_range_scan_iterator("cc", "", "").unwrap();
        while it.next().unwrap().is_some() {}
        sim.set_state("cc", "out", b"x".to_vec()).unwrap();
        sim.get_tx_simulation_results().unwrap()
    };
    let rw = simulate(&e);
    let info = &kv(&rw, "cc").range_queries_info[0];
    let Some(ReadsInfo::ReadsMerkleHashes(summary)) = &info.reads_info else {
        panic!("expected a merkle summary, got {:?}", info.reads_info);
    };
    assert_eq!((summary.max_degree, summary.max_level), (50, 1));
    assert_eq!(summary.max_level_hashes.len(), 3);

    // Unchanged state: valid. The same rwset after a key in range changed: phantom.
    let mut codes = vec![TxValidationCode::Valid];
    let b = block(2, vec![endorser_tx("t", &rw)]);
    e.mgr.validate_and_prepare(&b, &mut codes).unwrap();
    assert_eq!(codes, [TxValidationCode::Valid]);

    let both = block(
        2,
        vec![
            endorser_tx("w", &writes("cc", &[("k050", "new")])),
            endorser_tx("t", &rw),
        ],
    );
    let mut codes = vec![TxValidationCode::Valid; 2];
    e.mgr.validate_and_prepare(&both, &mut codes).unwrap();
    assert_eq!(
        codes,
        [
            TxValidationCode::Valid,
            TxValidationCode::PhantomReadConflict
        ]
    );

    commit(
        &e,
        &block(
            2,
            vec![endorser_tx("w", &writes("cc", &[("k119a", "tail")]))],
        ),
    );
    assert_eq!(
        commit(&e, &block(3, vec![endorser_tx("t", &rw)])),
        [TxValidationCode::PhantomReadConflict]
    );
}

#[test]
fn raw_range_phantoms_inserts_deletes_and_partial_end_key() {
    let e = env();
    commit_keys(&e, 1, 4);
    let sim = e.mgr.new_tx_simulator("t").unwrap();
    let mut it = sim.get_state_range_scan_iterator("cc", "k000", "").unwrap();
    it.next().unwrap();
    it.next().unwrap(); // stops at k001: the info covers [k000, k001]
    let partial = sim.get_tx_simulation_results().unwrap();
    let sim = e.mgr.new_tx_simulator("t").unwrap();
    let mut it = sim
        .get_state_range_scan_iterator("cc", "k001", "k003")
        .unwrap();
    while it.next().unwrap().is_some() {}
    let exhausted = sim.get_tx_simulation_results().unwrap();

    let check = |earlier: TxReadWriteSet, rw: &TxReadWriteSet| {
        let b = block(2, vec![endorser_tx("e", &earlier), endorser_tx("t", rw)]);
        let mut codes = vec![TxValidationCode::Valid; 2];
        e.mgr.validate_and_prepare(&b, &mut codes).unwrap();
        codes[1]
    };
    use TxValidationCode::{PhantomReadConflict as Phantom, Valid};
    // Writes outside the covered ranges do not matter.
    assert_eq!(check(writes("cc", &[("k002", "x")]), &partial), Valid);
    assert_eq!(check(writes("cc", &[("k003", "x")]), &exhausted), Valid);
    // An update of the served end key, an insert and a delete inside the range do.
    assert_eq!(check(writes("cc", &[("k001", "x")]), &partial), Phantom);
    assert_eq!(check(writes("cc", &[("k0005", "x")]), &partial), Phantom);
    assert_eq!(check(writes("cc", &[("k002", "")]), &exhausted), Phantom);
    assert_eq!(check(writes("cc", &[("k0015", "x")]), &exhausted), Phantom);
    assert_eq!(check(writes("other", &[("k0015", "x")]), &exhausted), Valid);
}

#[test]
fn mvcc_conflicts_by_version_and_by_earlier_tx_in_block() {
    let e = env();
    commit(
        &e,
        &block(
            1,
            vec![endorser_tx(
                "t1",
                &writes("cc", &[("a", "1"), ("gone", "x")]),
            )],
        ),
    );
    commit(
        &e,
        &block(2, vec![endorser_tx("t2", &writes("cc", &[("gone", "")]))]),
    );
    let sim = e.mgr.new_tx_simulator("r").unwrap();
    assert_eq!(
        sim.get_state("cc", "gone").unwrap(),
        None,
        "deleted key reads as missing"
    );
    sim.get_state("cc", "a").unwrap();
    sim.set_state("cc", "c", b"3".to_vec()).unwrap();
    let reader = sim.get_tx_simulation_results().unwrap();
    let gone = &kv(&reader, "cc").reads[1];
    assert_eq!((gone.key.as_str(), gone.version), ("gone", None));

    // Earlier tx in the same block writes a key read later: conflict, even with same value.
    let b = block(
        3,
        vec![
            endorser_tx("w", &writes("cc", &[("a", "1")])),
            endorser_tx("r", &reader),
        ],
    );
    let mut codes = vec![TxValidationCode::Valid; 2];
    let p = e.mgr.validate_and_prepare(&b, &mut codes).unwrap();
    assert_eq!(
        codes,
        [TxValidationCode::Valid, TxValidationCode::MvccReadConflict]
    );
    assert!(
        !p.updates().pub_updates.exists("cc", b"c"),
        "invalid tx writes nothing"
    );

    // An invalid earlier tx does not count; the reader is valid and writes at (3, 1).
    let mut codes = vec![
        TxValidationCode::EndorsementPolicyFailure,
        TxValidationCode::Valid,
    ];
    let p = e.mgr.validate_and_prepare(&b, &mut codes).unwrap();
    assert_eq!(
        codes,
        [
            TxValidationCode::EndorsementPolicyFailure,
            TxValidationCode::Valid
        ]
    );
    assert_eq!(
        p.updates().pub_updates.get("cc", b"c").unwrap().version,
        Height::new(3, 1)
    );
    assert_eq!(p.savepoint(), Height::new(3, 1));

    // Committed version moved on: conflict.
    commit(
        &e,
        &block(3, vec![endorser_tx("w", &writes("cc", &[("a", "2")]))]),
    );
    assert_eq!(
        commit(&e, &block(4, vec![endorser_tx("r", &reader)])),
        [TxValidationCode::MvccReadConflict]
    );
}

#[test]
fn metadata_writes_keep_value_and_value_writes_keep_metadata() {
    let e = env();
    commit(
        &e,
        &block(1, vec![endorser_tx("t1", &writes("cc", &[("k", "v1")]))]),
    );
    let sim = e.mgr.new_tx_simulator("m").unwrap();
    let mut m = BTreeMap::new();
    m.insert("VALIDATION_PARAMETER".to_string(), b"policy".to_vec());
    sim.set_state_metadata("cc", "k", m.clone()).unwrap();
    sim.set_state_metadata("cc", "missing", m.clone()).unwrap();
    assert_eq!(
        commit(
            &e,
            &block(
                2,
                vec![endorser_tx("m", &sim.get_tx_simulation_results().unwrap())]
            )
        ),
        [TxValidationCode::Valid]
    );

    let qe = e.mgr.new_query_executor().unwrap();
    assert_eq!(qe.get_state("cc", "k").unwrap().unwrap(), b"v1");
    assert_eq!(qe.get_state_metadata("cc", "k").unwrap(), m);
    assert_eq!(qe.get_state("cc", "missing").unwrap(), None);

    commit(
        &e,
        &block(3, vec![endorser_tx("t3", &writes("cc", &[("k", "v2")]))]),
    );
    let sim = e.mgr.new_tx_simulator("q").unwrap();
    assert_eq!(
        sim.get_state_metadata("cc", "k").unwrap(),
        m,
        "value write kept metadata"
    );
    let rw = sim.get_tx_simulation_results().unwrap();
    assert_eq!(
        kv(&rw, "cc").reads[0].key,
        "k",
        "metadata read is recorded as a read"
    );

    let sim = e.mgr.new_tx_simulator("d").unwrap();
    sim.delete_state_metadata("cc", "k").unwrap();
    commit(
        &e,
        &block(
            4,
            vec![endorser_tx("d", &sim.get_tx_simulation_results().unwrap())],
        ),
    );
    let qe = e.mgr.new_query_executor().unwrap();
    assert!(qe.get_state_metadata("cc", "k").unwrap().is_empty());
    assert_eq!(qe.get_state("cc", "k").unwrap().unwrap(), b"v2");
}

#[test]
fn unreadable_transactions_are_marked_and_mismatched_codes_rejected() {
    let e = env();
    let no_action = envelope(
        HeaderType::EndorserTransaction,
        "x",
        Transaction::default().encode_to_vec(),
    );
    let bad_rwset = {
        let mut rw = writes("cc", &[("a", "1")]);
        rw.ns_rwset[0].rwset = vec![0xff, 0xff];
        endorser_tx("y", &rw)
    };
    let other = envelope(HeaderType::PeerAdminOperation, "z", vec![]);
    let b = block(1, vec![no_action, bad_rwset, other]);
    let mut codes = vec![TxValidationCode::Valid; 3];
    let p = e.mgr.validate_and_prepare(&b, &mut codes).unwrap();
    assert_eq!(
        codes,
        [
            TxValidationCode::NilTxaction,
            TxValidationCode::InvalidOtherReason,
            TxValidationCode::Valid
        ]
    );
    assert!(p.update_batch_bytes().is_empty());
    let mut short = vec![TxValidationCode::Valid];
    let err = e.mgr.validate_and_prepare(&b, &mut short).unwrap_err();
    assert!(
        err.to_string()
            .contains("3 transactions but 1 validation codes"),
        "{err}"
    );
    let garbage = block(2, vec![vec![0xff, 0x01]]);
    let mut codes = vec![TxValidationCode::Valid];
    assert!(matches!(
        e.mgr.validate_and_prepare(&garbage, &mut codes),
        Err(LedgerError::InvalidBlock(_))
    ));
}

#[test]
fn config_transactions_store_the_channel_config() {
    use crate::protos::common::{Config, ConfigEnvelope};
    let e = env();
    let cfg = Config {
        sequence: 3,
        ..Default::default()
    };
    let env_bytes = envelope(
        HeaderType::Config,
        "",
        ConfigEnvelope {
            config: Some(cfg.clone()),
            last_update: None,
        }
        .encode_to_vec(),
    );
    let mut codes = vec![TxValidationCode::Valid];
    let p = e
        .mgr
        .validate_and_prepare(&block(0, vec![env_bytes]), &mut codes)
        .unwrap();
    assert!(
        p.update_batch_bytes().is_empty(),
        "the peer namespace is not hashed"
    );
    let mut wb = WriteBatch::new();
    e.mgr.commit_ops(&p, &mut wb).unwrap();
    e.store.write(wb, true).unwrap();
    let qe = e.mgr.new_query_executor().unwrap();
    let stored = qe
        .get_state("", block_txs::CHANNEL_CONFIG_KEY)
        .unwrap()
        .unwrap();
    assert_eq!(Config::decode(stored.as_slice()).unwrap(), cfg);
    assert_eq!(e.mgr.last_savepoint().unwrap(), Some(Height::new(0, 0)));
}

#[test]
fn recommit_without_validation_applies_valid_txs_and_managers_are_shareable() {
    fn shareable<T: Send + Sync>() {}
    shareable::<LockBasedTxMgr>();
    shareable::<PreparedUpdates>();
    let e = env();
    commit(
        &e,
        &block(1, vec![endorser_tx("t1", &writes("cc", &[("a", "1")]))]),
    );
    let sim = e.mgr.new_tx_simulator("r").unwrap();
    sim.get_state("cc", "a").unwrap();
    sim.set_state("cc", "b", b"2".to_vec()).unwrap();
    let stale = sim.get_tx_simulation_results().unwrap();
    commit(
        &e,
        &block(2, vec![endorser_tx("t2", &writes("cc", &[("a", "9")]))]),
    );
    let b = block(
        3,
        vec![
            endorser_tx("r", &stale),
            endorser_tx("x", &writes("cc", &[("c", "3")])),
        ],
    );
    let codes = [TxValidationCode::Valid, TxValidationCode::MvccReadConflict];
    let p = e.mgr.prepare_without_validation(&b, &codes).unwrap();
    assert_eq!(
        p.updates().pub_updates.get("cc", b"b").unwrap().version,
        Height::new(3, 0)
    );
    assert!(!p.updates().pub_updates.exists("cc", b"c"));
    assert_eq!(p.savepoint(), Height::new(3, 1));
}
