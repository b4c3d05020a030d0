//! The orderer's hot path: batching (block cutter), block creation + signing + durable
//! append (block writer over the file ledger), and, when FABRIC_VECTORS is set, the whole
//! Broadcast handler (header parsing, filters, Writers policy, enqueue) on the vector
//! system channel with the vector orderer's MSP.
//!
//! Run: `cargo bench --bench broadcast -- --warm-up-time 1 --measurement-time 3`

use std::path::Path;
use std::sync::Arc;

use criterion::{
    black_box, criterion_group, criterion_main, BatchSize as Batch, Criterion, Throughput,
};
use fabric::crypto::SwOpts;
use fabric::msp::{load_local_msp, SigningIdentity};
use fabric::orderer::blockcutter::Receiver;
use fabric::orderer::blockwriter::BlockWriter;
use fabric::orderer::broadcast::BroadcastHandler;
use fabric::orderer::consensus::solo::SoloConsenter;
use fabric::orderer::ledger::{FileLedger, FileLedgerFactory, LedgerRef};
use fabric::orderer::multichannel::Registrar;
use fabric::protos::common::{Envelope, HeaderType, LastConfig};
use fabric::protos::orderer::BatchSize;
use fabric::protoutil::{create_signed_envelope, decode, new_block};

fn sample_signer() -> Arc<dyn SigningIdentity> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sampleconfig/msp");
    load_local_msp(&dir, "SampleOrg", &SwOpts::default())
        .expect("the sample MSP loads")
        .default_signing_identity()
        .expect("a signing identity")
}

fn envelope(signer: &dyn SigningIdentity, channel: &str, i: u64) -> Envelope {
    create_signed_envelope(
        HeaderType::EndorserTransaction,
        channel,
        Some(signer),
        &LastConfig { index: i },
        0,
        0,
        Vec::new(),
    )
    .expect("sign")
}

fn block_cutter(c: &mut Criterion) {
    let signer = sample_signer();
    let env = envelope(signer.as_ref(), "bench", 0);
    let size = BatchSize {
        max_message_count: 500,
        absolute_max_bytes: 10 << 20,
        preferred_max_bytes: 2 << 20,
    };
    let mut group = c.benchmark_group("blockcutter");
    group.throughput(Throughput::Elements(1));
    group.bench_function("ordered", |b| {
        let mut r = Receiver::new();
        b.iter(|| black_box(r.ordered(env.clone(), &size)))
    });
    group.finish();
}

fn block_writer(c: &mut Criterion) {
    let signer = sample_signer();
    let batch: Vec<Envelope> = (0..10)
        .map(|i| envelope(signer.as_ref(), "bench", i))
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let ledger: LedgerRef = Arc::new(FileLedger::open(dir.path()).expect("ledger"));
    ledger.append(&new_block(0, Vec::new())).expect("genesis");
    let mut writer = BlockWriter::new("bench", ledger, signer).expect("writer");
    let mut group = c.benchmark_group("blockwriter");
    group.throughput(Throughput::Elements(batch.len() as u64));
    group.sample_size(20);
    group.bench_function("create, sign and fsync a 10-transaction block", |b| {
        b.iter(|| {
            let block = writer.create_next_block(&batch);
            writer.write_block(block, None).expect("write")
        })
    });
    group.finish();
}

fn broadcast_handler(c: &mut Criterion) {
    let Some(vectors) = std::env::var_os("FABRIC_VECTORS").map(std::path::PathBuf::from) else {
        eprintln!("skipped broadcast_handler: FABRIC_VECTORS is not set");
        return;
    };
    let org = vectors.join("network/crypto-config/ordererOrganizations/example.com");
    let load = |dir: &Path| {
        load_local_msp(dir, "OrdererMSP", &SwOpts::default())
            .expect("vector MSP")
            .default_signing_identity()
            .expect("signer")
    };
    let orderer = load(&org.join("orderers/orderer.example.com/msp"));
    let admin = load(&org.join("users/Admin@example.com/msp"));
    let genesis = decode(
        "Block",
        &std::fs::read(vectors.join("network/artifacts/genesis.block")).expect("genesis"),
    )
    .expect("block");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let _guard = runtime.enter();
    let dir = tempfile::tempdir().expect("temp dir");
    let factory = FileLedgerFactory::new(dir.path()).expect("factory");
    let registrar = Arc::new(Registrar::new(factory, orderer, Arc::new(SoloConsenter)));
    registrar.initialize(Some(&genesis)).expect("bootstrap");
    let handler = BroadcastHandler::new(registrar.clone());
    let mut group = c.benchmark_group("broadcast");
    group.throughput(Throughput::Elements(1));
    group.bench_function("process_message (filters, Writers policy, enqueue)", |b| {
        b.iter_batched(
            || envelope(admin.as_ref(), "syschannel", 1),
            |env| {
                let r = handler.process_message(&env, "bench");
                assert_eq!(r.status, 200, "{}", r.info);
            },
            Batch::SmallInput,
        )
    });
    group.finish();
    registrar.halt();
}

criterion_group!(benches, block_cutter, block_writer, broadcast_handler);
criterion_main!(benches);
