//! Backpressure in the real `orderer` binary on loopback: a client that floods Broadcast is
//! paced by the chain (its answers trail the blocks written) and the orderer's memory stays
//! bounded; a Deliver client that never reads holds only its own stream.
//!
//! The orderer runs sampleconfig's SampleInsecureSolo profile with BatchSize.MaxMessageCount
//! lowered to [`BATCH`], so the chain writes (signs and fsyncs) a block every few messages
//! and its queue is [`BATCH`] deep; envelopes carry [`PAD`] bytes so memory growth from
//! queued messages would show in VmRSS.

use crate::support;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use fabric::config::Environment;
use fabric::msp::SigningIdentity;
use fabric::protos::common::{Envelope, HeaderType};
use fabric::protos::orderer::seek_info::SeekBehavior;
use fabric::protos::orderer::seek_position::Type as Seek;
use fabric::protos::orderer::{SeekNewest, SeekOldest};
use fabric::protoutil::create_signed_envelope;
use fabric::tools::configtxgen::encoder::{genesis_block, new_channel_group};
use fabric::tools::configtxgen::localconfig::load_profile;
use support::orderer::{
    at, broadcast, connect, deliver, msp_signer, seek, spawn_orderer, tx_count, OrdererProcess,
};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

const CHANNEL: &str = "syschannel";
/// BatchSize.MaxMessageCount of the test chain (and so its queue depth).
const BATCH: u32 = 10;
/// Filler bytes in each envelope.
const PAD: usize = 4096;

fn sample_msp() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sampleconfig/msp")
}

/// Writes the system channel's genesis block (SampleInsecureSolo with MaxMessageCount
/// `batch`) into `dir` and returns its path.
fn sample_genesis(dir: &Path, batch: u32) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let env = Environment::new(
        [(
            "FABRIC_CFG_PATH",
            root.join("sampleconfig").display().to_string(),
        )],
        root,
    );
    let mut profile = load_profile("SampleInsecureSolo", None, &env).expect("sample profile");
    profile
        .orderer
        .as_mut()
        .expect("an orderer section")
        .batch_size
        .max_message_count = batch;
    let block = genesis_block(CHANNEL, new_channel_group(&profile).expect("channel group"));
    let path = dir.join("genesis.block");
    std::fs::write(&path, prost::Message::encode_to_vec(&block)).unwrap();
    path
}

/// Starts the orderer on a fresh ledger under `dir`.
fn start(dir: &Path) -> OrdererProcess {
    let genesis = sample_genesis(dir, BATCH);
    spawn_orderer(&genesis, &sample_msp(), "SampleOrg", &dir.join("ledger"))
}

/// A signed transaction carrying [`PAD`] filler bytes; `i` makes each distinct.
fn padded_tx(signer: &dyn SigningIdentity, i: u64) -> Envelope {
    let filler = Envelope {
        payload: vec![(i % 251) as u8; PAD],
        signature: i.to_le_bytes().to_vec(),
    };
    create_signed_envelope(
        HeaderType::EndorserTransaction,
        CHANNEL,
        Some(signer),
        &filler,
        0,
        0,
        vec![],
    )
    .unwrap()
}

/// A few distinct padded envelopes, reused round-robin (the orderer does not dedupe).
fn envelopes(signer: &dyn SigningIdentity) -> Arc<Vec<Envelope>> {
    Arc::new((0..64).map(|i| padded_tx(signer, i)).collect())
}

/// The process's resident set in KiB (VmRSS of /proc/PID/status).
fn vm_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

/// Broadcasts `n` envelopes on one stream, all expected to succeed.
async fn fill(o: &mut OrdererProcess, envs: &[Envelope], n: usize) {
    let mut c = connect(o).await;
    let batch: Vec<Envelope> = envs.iter().cycle().take(n).cloned().collect();
    for (status, info) in broadcast(&mut c, batch).await {
        assert_eq!(status, 200, "{info}");
    }
}

/// The number of the newest block.
async fn newest_block(o: &mut OrdererProcess, signer: &dyn SigningIdentity) -> u64 {
    let mut c = connect(o).await;
    let newest = || Seek::Newest(SeekNewest {});
    let env = seek(
        signer,
        CHANNEL,
        newest(),
        newest(),
        SeekBehavior::FailIfNotReady,
    );
    let (blocks, status) = deliver(&mut c, env).await;
    assert_eq!(status, 200);
    blocks[0].header.as_ref().unwrap().number
}

/// The transactions in blocks `first..=last`.
async fn txs_in(
    o: &mut OrdererProcess,
    signer: &dyn SigningIdentity,
    first: u64,
    last: u64,
) -> u64 {
    let mut c = connect(o).await;
    let env = seek(
        signer,
        CHANNEL,
        at(first),
        at(last),
        SeekBehavior::FailIfNotReady,
    );
    let (blocks, status) = deliver(&mut c, env).await;
    assert_eq!(status, 200);
    blocks.iter().map(|b| tx_count(b) as u64).sum()
}

/// 20,000 envelopes on one stream, sent as fast as the stream takes them, never waiting
/// for answers. The orderer takes a message only once the previous one is queued for the
/// chain, so the client is slowed to the chain's pace: the envelopes sent but not yet
/// answered stay few, and when the last answer arrives the chain has written all but what
/// one queue and one batch hold. The orderer's resident memory grows by far less than the
/// data sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_flood_is_paced_by_the_chain_and_memory_stays_bounded() {
    const FLOOD: u64 = 20_000;
    let dir = tempfile::tempdir().unwrap();
    let mut o = start(dir.path());
    let signer = msp_signer(&sample_msp(), "SampleOrg");
    let envs = envelopes(signer.as_ref());
    fill(&mut o, &envs, BATCH as usize).await;
    let pid = o.child.id();
    let rss_before = vm_rss_kib(pid);

    let sent = Arc::new(AtomicU64::new(0));
    let (tx, rx) = mpsc::channel(1);
    let producer = {
        let (envs, sent) = (envs.clone(), sent.clone());
        tokio::spawn(async move {
            for i in 0..FLOOD as usize {
                if tx.send(envs[i % envs.len()].clone()).await.is_err() {
                    return;
                }
                sent.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    let mut client = connect(&mut o).await;
    let mut answers = client
        .broadcast(ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    let (mut answered, mut max_in_flight, mut max_rss) = (0u64, 0u64, rss_before);
    while answered < FLOOD {
        let r = tokio::time::timeout(Duration::from_secs(60), answers.message())
            .await
            .expect("the orderer keeps answering")
            .unwrap()
            .expect("an answer per envelope");
        assert_eq!(r.status, 200, "{}", r.info);
        answered += 1;
        max_in_flight = max_in_flight.max(sent.load(Ordering::SeqCst).saturating_sub(answered));
        if answered % 500 == 0 {
            max_rss = max_rss.max(vm_rss_kib(pid));
        }
    }
    let newest = newest_block(&mut o, signer.as_ref()).await;
    max_rss = max_rss.max(vm_rss_kib(pid));
    producer.await.unwrap();

    let written = txs_in(&mut o, signer.as_ref(), 1, newest).await;
    let total = FLOOD + u64::from(BATCH);
    let unwritten = total - written;
    let sent_kib = FLOOD * PAD as u64 / 1024;
    let growth = max_rss.saturating_sub(rss_before);
    eprintln!(
        "flood: {FLOOD} envelopes ({sent_kib} KiB); most sent but unanswered {max_in_flight}; \
         unwritten at the last answer {unwritten}; VmRSS {rss_before} KiB -> max {max_rss} KiB \
         (+{growth} KiB)"
    );
    // Queue (BATCH) + the block being written (BATCH) + the cutter's pending batch.
    assert!(
        unwritten <= 3 * u64::from(BATCH),
        "answers ran ahead of the chain: {unwritten} of {total} not yet written at the last answer"
    );
    // HTTP/2 windows and one message per stage; nowhere near the flood.
    assert!(
        max_in_flight < 2_000,
        "{max_in_flight} envelopes were taken without being answered"
    );
    assert!(
        growth < sent_kib / 4,
        "the orderer grew by {growth} KiB for {sent_kib} KiB broadcast"
    );
}

/// Deliver clients that open a stream from the oldest block and never read do not stall
/// another client's Broadcast and Deliver, and their streams hold little memory: each waits
/// on its own bounded queue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_deliver_readers_hold_only_their_own_streams() {
    const LEDGER: usize = 5_000;
    const READERS: usize = 4;
    let dir = tempfile::tempdir().unwrap();
    let mut o = start(dir.path());
    let signer = msp_signer(&sample_msp(), "SampleOrg");
    let envs = envelopes(signer.as_ref());
    fill(&mut o, &envs, LEDGER).await;
    let tip = newest_block(&mut o, signer.as_ref()).await;
    let pid = o.child.id();
    let rss_before = vm_rss_kib(pid);

    // Each slow reader has its own connection and asks for everything, forever.
    let mut stalled = Vec::new();
    for _ in 0..READERS {
        let mut c = connect(&mut o).await;
        let env = seek(
            signer.as_ref(),
            CHANNEL,
            Seek::Oldest(SeekOldest {}),
            at(u64::MAX),
            SeekBehavior::BlockUntilReady,
        );
        let stream = c
            .deliver(tokio_stream::iter(vec![env]))
            .await
            .unwrap()
            .into_inner();
        stalled.push((c, stream));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    let other = async {
        fill(&mut o, &envs, 100).await;
        txs_in(&mut o, signer.as_ref(), tip + 1, tip + 10).await
    };
    let delivered = tokio::time::timeout(Duration::from_secs(60), other)
        .await
        .expect("another client's Broadcast and Deliver are not stalled");
    assert_eq!(delivered, 100);

    let rss_after = vm_rss_kib(pid);
    let ledger_kib = (LEDGER * PAD / 1024) as u64;
    let growth = rss_after.saturating_sub(rss_before);
    eprintln!(
        "{READERS} stalled readers of a {ledger_kib} KiB ledger: VmRSS {rss_before} KiB -> \
         {rss_after} KiB (+{growth} KiB)"
    );
    assert!(
        growth < ledger_kib,
        "{READERS} stalled readers grew the orderer by {growth} KiB (ledger {ledger_kib} KiB)"
    );
    assert!(o.child.try_wait().unwrap().is_none(), "the orderer is up");
    drop(stalled);
}
