use super::*;
use crate::ledger::kvstore::RedbStore;

fn db() -> (tempfile::TempDir, VersionedDb, Arc<dyn KvStore>) {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn KvStore> = Arc::new(RedbStore::open(&dir.path().join("db")).unwrap());
    (dir, VersionedDb::new(store.clone()), store)
}

#[test]
fn order_preserving_numbers_match_fabric() {
    assert_eq!(encode_order_preserving_u64(0), vec![0]);
    assert_eq!(encode_order_preserving_u64(1), vec![1, 1]);
    assert_eq!(encode_order_preserving_u64(256), vec![2, 1, 0]);
    assert_eq!(encode_order_preserving_u64(u64::MAX), {
        let mut v = vec![8];
        v.extend([0xff; 8]);
        v
    });
    for n in [0u64, 1, 255, 256, 65535, 1 << 40, u64::MAX] {
        let b = encode_order_preserving_u64(n);
        assert_eq!(decode_order_preserving_u64(&b).unwrap(), (n, b.len()));
    }
    let mut prev = encode_order_preserving_u64(0);
    for n in [1u64, 2, 255, 256, 70000, 1 << 33] {
        let b = encode_order_preserving_u64(n);
        assert!(b > prev, "{n}");
        prev = b;
    }
    assert!(decode_order_preserving_u64(&[9, 1]).is_err());
    assert!(decode_order_preserving_u64(&[3, 1]).is_err());
    assert!(decode_order_preserving_u64(&[]).is_err());
}

#[test]
fn values_round_trip_and_bad_bytes_are_corrupt() {
    let v = encode_value(Height::new(7, 3), b"meta", b"value");
    let d = decode_value(&v).unwrap();
    assert_eq!(d.version, Height::new(7, 3));
    assert_eq!(d.metadata, b"meta");
    assert_eq!(d.value, b"value");
    assert!(matches!(decode_value(&[1]), Err(LedgerError::Corrupt(_))));
    assert!(matches!(
        decode_value(&[0, 0, 9, 1]),
        Err(LedgerError::Corrupt(_))
    ));
}

#[test]
fn commit_get_range_and_savepoint() {
    let (_d, db, store) = db();
    assert_eq!(db.savepoint().unwrap(), None);
    let mut batch = UpdateBatch::new();
    let h = Height::new(1, 0);
    for k in [
        "b",
        "a",
        "c",
        "\u{0}color~name\u{0}blue\u{0}m1\u{0}",
        "a\u{0}x",
    ] {
        batch.put("cc", k.as_bytes(), k.as_bytes().to_vec(), vec![], h);
    }
    batch.put("cc2", b"a", b"other".to_vec(), b"m".to_vec(), h);
    batch.put("", b"cfg", b"config".to_vec(), vec![], h);
    let mut wb = WriteBatch::new();
    db.commit_ops(&batch, Height::new(1, 0), &mut wb);
    store.write(wb, true).unwrap();
    assert_eq!(db.savepoint().unwrap(), Some(Height::new(1, 0)));

    let snap = db.snapshot().unwrap();
    let got = snap.get_state("cc2", b"a").unwrap().unwrap();
    assert_eq!(
        (got.value, got.metadata),
        (b"other".to_vec(), b"m".to_vec())
    );
    assert_eq!(snap.get_state("cc", b"zz").unwrap(), None);
    assert_eq!(snap.get_version("", b"cfg").unwrap(), Some(h));

    let keys = |start: &str, end: &str| {
        let mut it = snap.range("cc", start.as_bytes(), end.as_bytes()).unwrap();
        let mut out = Vec::new();
        while let Some(kv) = it.next_kv().unwrap() {
            out.push(String::from_utf8(kv.key).unwrap());
        }
        out
    };
    assert_eq!(
        keys("", ""),
        vec![
            "\u{0}color~name\u{0}blue\u{0}m1\u{0}",
            "a",
            "a\u{0}x",
            "b",
            "c"
        ]
    );
    assert_eq!(keys("a", "c"), vec!["a", "a\u{0}x", "b"]);
    assert_eq!(keys("c", "a"), Vec::<String>::new());
    assert_eq!(keys("b", ""), vec!["b", "c"]);

    let mut batch = UpdateBatch::new();
    batch.delete("cc", b"b", Height::new(2, 0));
    let mut wb = WriteBatch::new();
    db.commit_ops(&batch, Height::new(2, 1), &mut wb);
    store.write(wb, true).unwrap();
    assert_eq!(
        keys("", ""),
        vec![
            "\u{0}color~name\u{0}blue\u{0}m1\u{0}",
            "a",
            "a\u{0}x",
            "b",
            "c"
        ],
        "old snapshot is stable"
    );
    let snap = db.snapshot().unwrap();
    assert_eq!(snap.get_state("cc", b"b").unwrap(), None);
    assert_eq!(db.savepoint().unwrap(), Some(Height::new(2, 1)));
}

#[test]
fn update_batch_ranges_follow_key_order() {
    let mut b = UpdateBatch::new();
    let h = Height::new(3, 1);
    for k in ["k3", "k1", "k2"] {
        b.put("ns", k.as_bytes(), vec![1], vec![], h);
    }
    b.delete("ns", b"k4", h);
    let keys: Vec<_> = b
        .range("ns", b"k2", b"")
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(keys, vec![b"k2".to_vec(), b"k3".to_vec(), b"k4".to_vec()]);
    assert!(b.range("ns", b"k3", b"k1").is_empty());
    assert!(b.range("other", b"", b"").is_empty());
    assert!(b.exists("ns", b"k4"));
    assert_eq!(b.get("ns", b"k4").unwrap().value, None);
}
