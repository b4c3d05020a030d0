//! The orderer's hot path: batching (block cutter), block creation + signing + durable
//! append (block writer over the file ledger), and, with the reference vectors (tests/vectors,
//! or FABRIC_VECTORS), the whole Broadcast handler (header parsing, filters, Writers policy, enqueue) on the vector
//! system channel with the vector orderer's MSP.
//!
//! `end_to_end` is the whole ordering path as a client sees it: the orderer server
//! in process on a loopback port (sampleconfig orderer.yaml, provisional genesis from
//! SampleInsecureSolo: solo, BatchSize MaxMessageCount 500), 2,000 small signed envelopes
//! broadcast on one gRPC stream, timed from the first send until Deliver hands back the last
//! block holding them (envelopes per second = the reported element throughput).
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
    let vectors = std::env::var_os("FABRIC_VECTORS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors"));
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
                let r = runtime.block_on(handler.process_message(env, "bench"));
                assert_eq!(r.status, 200, "{}", r.info);
            },
            Batch::SmallInput,
        )
    });
    group.finish();
    registrar.halt();
}

/// How many envelopes one end-to-end round broadcasts.
const ROUND: u64 = 2_000;

/// The orderer of sampleconfig, serving on an ephemeral loopback port until `stop` fires.
async fn start_sample_orderer(
    ledger: &Path,
    stop: tokio::sync::oneshot::Receiver<()>,
) -> (String, tokio::task::JoinHandle<()>) {
    use fabric::config::Environment;
    use fabric::orderer::localconfig::TopLevel;
    use fabric::orderer::server::OrdererServer;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let env = Environment::new(
        [
            (
                "FABRIC_CFG_PATH",
                root.join("sampleconfig").display().to_string(),
            ),
            ("ORDERER_GENERAL_LISTENADDRESS", "127.0.0.1".to_string()),
            ("ORDERER_GENERAL_LISTENPORT", "0".to_string()),
            (
                "ORDERER_OPERATIONS_LISTENADDRESS",
                "127.0.0.1:0".to_string(),
            ),
            ("ORDERER_FILELEDGER_LOCATION", ledger.display().to_string()),
        ],
        root,
    );
    let (source, config) = TopLevel::load(env).expect("sampleconfig orderer.yaml");
    let server = OrdererServer::new(&config, source.environment(), None, &Default::default())
        .await
        .expect("the orderer starts");
    let addr = format!("http://{}", server.local_addr().expect("bound"));
    let task = tokio::spawn(async move {
        server
            .serve(async {
                let _ = stop.await;
            })
            .await
            .expect("serve");
    });
    (addr, task)
}

/// One round: broadcasts `envs` and waits until Deliver returns the blocks `first..=last`.
async fn round(
    client: &mut fabric::protos::orderer::atomic_broadcast_client::AtomicBroadcastClient<
        tonic::transport::Channel,
    >,
    envs: Vec<Envelope>,
    seek: Envelope,
) -> usize {
    use fabric::protos::orderer::deliver_response::Type;
    let n = envs.len();
    let mut acks = client
        .broadcast(tokio_stream::iter(envs))
        .await
        .expect("broadcast stream")
        .into_inner();
    let mut blocks = client
        .deliver(tokio_stream::iter(vec![seek]))
        .await
        .expect("deliver stream")
        .into_inner();
    for _ in 0..n {
        let ack = acks
            .message()
            .await
            .expect("ack")
            .expect("an ack per envelope");
        assert_eq!(ack.status, 200, "{}", ack.info);
    }
    let mut delivered = 0;
    while let Some(reply) = blocks.message().await.expect("deliver reply") {
        match reply.r#type.expect("a block or a status") {
            Type::Block(b) => delivered += b.data.map_or(0, |d| d.data.len()),
            Type::Status(s) => {
                assert_eq!(s, 200, "deliver status");
                break;
            }
        }
    }
    delivered
}

fn seek_blocks(signer: &dyn SigningIdentity, channel: &str, first: u64, last: u64) -> Envelope {
    use fabric::protos::orderer::seek_position::Type as Seek;
    use fabric::protos::orderer::{seek_info::SeekBehavior, SeekInfo, SeekPosition, SeekSpecified};
    let pos = |number| {
        Some(SeekPosition {
            r#type: Some(Seek::Specified(SeekSpecified { number })),
        })
    };
    let info = SeekInfo {
        start: pos(first),
        stop: pos(last),
        behavior: SeekBehavior::BlockUntilReady as i32,
        error_response: 0,
    };
    create_signed_envelope(
        HeaderType::DeliverSeekInfo,
        channel,
        Some(signer),
        &info,
        0,
        0,
        Vec::new(),
    )
    .expect("sign")
}

fn end_to_end(c: &mut Criterion) {
    let signer = sample_signer();
    let channel = "testchainid";
    let envs: Vec<Envelope> = (0..ROUND)
        .map(|i| envelope(signer.as_ref(), channel, i))
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let ledger = tempfile::tempdir().expect("temp dir");
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let (addr, server) = runtime.block_on(start_sample_orderer(ledger.path(), stopped));
    let mut client = runtime.block_on(async {
        fabric::protos::orderer::atomic_broadcast_client::AtomicBroadcastClient::connect(addr)
            .await
            .expect("connect")
            .max_decoding_message_size(200 << 20)
    });
    // MaxMessageCount 500 in sampleconfig: a round fills exactly four blocks.
    let blocks_per_round = ROUND / 500;
    let mut next_block = 1;
    let mut group = c.benchmark_group("orderer");
    group.throughput(Throughput::Elements(ROUND));
    group.sample_size(10);
    group.bench_function(
        "end_to_end: broadcast 2000 signed envelopes until delivered",
        |b| {
            b.iter_custom(|iters| {
                let mut total = std::time::Duration::ZERO;
                for _ in 0..iters {
                    let last = next_block + blocks_per_round - 1;
                    let seek = seek_blocks(signer.as_ref(), channel, next_block, last);
                    let batch = envs.clone();
                    let started = std::time::Instant::now();
                    let delivered = runtime.block_on(round(&mut client, batch, seek));
                    total += started.elapsed();
                    assert_eq!(delivered as u64, ROUND);
                    next_block = last + 1;
                }
                total
            })
        },
    );
    group.finish();
    let _ = stop.send(());
    runtime.block_on(server).expect("the server stops");
}

criterion_group!(
    benches,
    block_cutter,
    block_writer,
    broadcast_handler,
    end_to_end
);
criterion_main!(benches);
