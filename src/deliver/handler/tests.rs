use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use super::*;
use crate::protos::common::HeaderType;
use crate::protos::orderer::{SeekNewest, SeekOldest, SeekSpecified};
use crate::protoutil::{create_signed_envelope, new_block};

/// An in-memory chain whose blocks the test appends.
struct MemChain {
    blocks: Mutex<Vec<Block>>,
    height: watch::Sender<u64>,
    sequence: AtomicU64,
    errored: watch::Sender<bool>,
}

impl MemChain {
    fn new(n: u64) -> Arc<Self> {
        let chain = Arc::new(MemChain {
            blocks: Mutex::new(Vec::new()),
            height: watch::channel(0).0,
            sequence: AtomicU64::new(0),
            errored: watch::channel(false).0,
        });
        for _ in 0..n {
            chain.append();
        }
        chain
    }

    fn append(&self) {
        let mut blocks = self.blocks.lock().unwrap();
        let number = blocks.len() as u64;
        blocks.push(new_block(number, vec![]));
        self.height.send_replace(number + 1);
    }
}

impl BlockReader for MemChain {
    fn height(&self) -> u64 {
        self.blocks.lock().unwrap().len() as u64
    }
    fn block(&self, number: u64) -> Result<Option<Block>, ReadError> {
        Ok(self.blocks.lock().unwrap().get(number as usize).cloned())
    }
    fn watch_height(&self) -> watch::Receiver<u64> {
        self.height.subscribe()
    }
}

struct MemChainRef(Arc<MemChain>);

impl Chain for MemChainRef {
    fn sequence(&self) -> u64 {
        self.0.sequence.load(Ordering::SeqCst)
    }
    fn reader(&self) -> Arc<dyn BlockReader> {
        self.0.clone()
    }
    fn errored(&self) -> Option<watch::Receiver<bool>> {
        Some(self.0.errored.subscribe())
    }
}

struct Manager(Arc<MemChain>);

impl ChainManager for Manager {
    fn get_chain(&self, channel_id: &str) -> Option<Arc<dyn Chain>> {
        (channel_id == "ch").then(|| Arc::new(MemChainRef(self.0.clone())) as Arc<dyn Chain>)
    }
}

/// Allows while `allow` is set; counts the checks.
#[derive(Default)]
struct Checker {
    deny: AtomicBool,
    checks: AtomicU64,
}

impl PolicyChecker for Checker {
    fn check_policy(&self, _: &Envelope, _: &str) -> Result<(), AccessError> {
        self.checks.fetch_add(1, Ordering::SeqCst);
        if self.deny.load(Ordering::SeqCst) {
            Err(AccessError::Denied("denied".into()))
        } else {
            Ok(())
        }
    }
}

#[derive(Debug, PartialEq)]
enum Out {
    Status(Status),
    Block(u64),
}

struct Sender;

impl ResponseSender for Sender {
    type Response = Out;
    fn status_response(&self, status: Status) -> Out {
        Out::Status(status)
    }
    fn block_response(&self, block: Block) -> Out {
        Out::Block(block.header.unwrap().number)
    }
}

fn pos(t: Seek) -> Option<SeekPosition> {
    Some(SeekPosition { r#type: Some(t) })
}

fn at(n: u64) -> Seek {
    Seek::Specified(SeekSpecified { number: n })
}

fn request(channel: &str, start: Seek, stop: Seek, behavior: SeekBehavior) -> Envelope {
    let info = SeekInfo {
        start: pos(start),
        stop: pos(stop),
        behavior: behavior as i32,
        error_response: 0,
    };
    create_signed_envelope(
        HeaderType::DeliverSeekInfo,
        channel,
        None,
        &info,
        0,
        0,
        vec![],
    )
    .unwrap()
}

fn handler(chain: &Arc<MemChain>) -> Handler {
    Handler::new(
        Arc::new(Manager(chain.clone())),
        Duration::from_secs(900),
        |_| None,
        &Metrics::new(),
    )
}

/// Runs one request to its status and returns everything sent.
async fn run(h: &Handler, checker: &Arc<Checker>, env: Envelope) -> Vec<Out> {
    let (tx, mut rx) = mpsc::channel(100);
    let server = Server {
        policy_checker: checker.clone(),
        sender: &Sender,
        out: &tx,
    };
    h.handle_request(&env, &server).await.unwrap();
    drop(tx);
    let mut out = Vec::new();
    while let Some(o) = rx.recv().await {
        out.push(o);
    }
    out
}

fn blocks(range: std::ops::RangeInclusive<u64>, status: Status) -> Vec<Out> {
    range.map(Out::Block).chain([Out::Status(status)]).collect()
}

#[tokio::test]
async fn seek_positions_select_the_blocks() {
    let chain = MemChain::new(5);
    let h = handler(&chain);
    let c = Arc::new(Checker::default());
    let ready = SeekBehavior::BlockUntilReady;
    let oldest = || Seek::Oldest(SeekOldest {});
    let newest = || Seek::Newest(SeekNewest {});
    assert_eq!(
        run(&h, &c, request("ch", oldest(), newest(), ready)).await,
        blocks(0..=4, Status::Success)
    );
    assert_eq!(
        run(&h, &c, request("ch", newest(), newest(), ready)).await,
        blocks(4..=4, Status::Success)
    );
    assert_eq!(
        run(&h, &c, request("ch", at(2), oldest(), ready)).await,
        blocks(2..=2, Status::Success)
    );
    assert_eq!(
        run(&h, &c, request("ch", at(1), at(3), ready)).await,
        blocks(1..=3, Status::Success)
    );
}

#[tokio::test]
async fn bad_requests_get_fabric_statuses() {
    let chain = MemChain::new(3);
    let h = handler(&chain);
    let c = Arc::new(Checker::default());
    let ready = SeekBehavior::BlockUntilReady;
    let status = |s| vec![Out::Status(s)];
    assert_eq!(
        run(&h, &c, request("ch", at(3), at(2), ready)).await,
        status(Status::BadRequest)
    );
    assert_eq!(
        run(&h, &c, request("other", at(0), at(0), ready)).await,
        status(Status::NotFound)
    );
    let garbage = Envelope {
        payload: vec![0xff, 0xff],
        signature: vec![],
    };
    assert_eq!(run(&h, &c, garbage).await, status(Status::BadRequest));
    // Blocks 1 and 2 exist, 3 does not: FAIL_IF_NOT_READY sends what is there, then NOT_FOUND.
    assert_eq!(
        run(
            &h,
            &c,
            request("ch", at(1), at(5), SeekBehavior::FailIfNotReady)
        )
        .await,
        blocks(1..=2, Status::NotFound)
    );
    // An absurd start is NOT_FOUND at once, whatever the stop and behavior (Fabric's file
    // ledger iterator), not a stream waiting forever for block 2^64-1.
    assert_eq!(
        run(&h, &c, request("ch", at(u64::MAX), at(u64::MAX), ready)).await,
        status(Status::NotFound)
    );
    assert_eq!(
        run(&h, &c, request("ch", at(4), at(0), ready)).await,
        status(Status::NotFound)
    );
    c.deny.store(true, Ordering::SeqCst);
    assert_eq!(
        run(&h, &c, request("ch", at(0), at(0), ready)).await,
        status(Status::Forbidden)
    );
}

#[tokio::test]
async fn stale_timestamps_are_bad_requests() {
    let chain = MemChain::new(1);
    let h = handler(&chain);
    let mut env = request("ch", at(0), at(0), SeekBehavior::BlockUntilReady);
    let mut p = payload(&env).unwrap();
    let mut chdr = channel_header(&p).unwrap();
    chdr.timestamp.as_mut().unwrap().seconds -= 3600;
    p.header.as_mut().unwrap().channel_header = prost::Message::encode_to_vec(&chdr);
    env.payload = prost::Message::encode_to_vec(&p);
    assert_eq!(
        run(&h, &Arc::default(), env).await,
        vec![Out::Status(Status::BadRequest)]
    );
}

#[tokio::test]
async fn waits_for_future_blocks_and_rechecks_access_on_config_change() {
    let chain = MemChain::new(1);
    let h = Arc::new(handler(&chain));
    let c = Arc::new(Checker::default());
    let env = request("ch", at(0), at(10), SeekBehavior::BlockUntilReady);
    let (tx, mut rx) = mpsc::channel(100);
    let task = {
        let (h, c) = (h.clone(), c.clone());
        tokio::spawn(async move {
            let server = Server {
                policy_checker: c,
                sender: &Sender,
                out: &tx,
            };
            h.handle_request(&env, &server).await.unwrap()
        })
    };
    assert_eq!(rx.recv().await, Some(Out::Block(0)));
    chain.append();
    assert_eq!(rx.recv().await, Some(Out::Block(1)));
    // Same config: no new check. A config change is checked again and now denied.
    assert_eq!(c.checks.load(Ordering::SeqCst), 1);
    c.deny.store(true, Ordering::SeqCst);
    chain.sequence.store(1, Ordering::SeqCst);
    chain.append();
    assert_eq!(rx.recv().await, Some(Out::Status(Status::Forbidden)));
    assert_eq!(task.await.unwrap(), Status::Forbidden);
    assert_eq!(c.checks.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn consenter_error_ends_the_stream_unless_best_effort() {
    let chain = MemChain::new(1);
    let h = handler(&chain);
    let c = Arc::new(Checker::default());
    chain.errored.send_replace(true);
    let env = request("ch", at(0), at(0), SeekBehavior::BlockUntilReady);
    assert_eq!(
        run(&h, &c, env).await,
        vec![Out::Status(Status::ServiceUnavailable)]
    );
    let info = SeekInfo {
        start: pos(at(0)),
        stop: pos(at(0)),
        behavior: SeekBehavior::BlockUntilReady as i32,
        error_response: SeekErrorResponse::BestEffort as i32,
    };
    let env = create_signed_envelope(HeaderType::DeliverSeekInfo, "ch", None, &info, 0, 0, vec![])
        .unwrap();
    assert_eq!(run(&h, &c, env).await, blocks(0..=0, Status::Success));
}

#[tokio::test]
async fn a_stream_ends_after_the_first_failed_request() {
    let chain = MemChain::new(2);
    let h = handler(&chain);
    let c = Arc::new(Checker::default());
    let ready = SeekBehavior::BlockUntilReady;
    let requests = vec![
        request("ch", at(0), at(0), ready),
        request("nope", at(0), at(0), ready),
        request("ch", at(1), at(1), ready),
    ];
    let (tx, mut rx) = mpsc::channel(100);
    let server = Server {
        policy_checker: c,
        sender: &Sender,
        out: &tx,
    };
    h.handle(tokio_stream::iter(requests), &server).await;
    drop(tx);
    let mut out = Vec::new();
    while let Some(o) = rx.recv().await {
        out.push(o);
    }
    assert_eq!(
        out,
        vec![
            Out::Block(0),
            Out::Status(Status::Success),
            Out::Status(Status::NotFound)
        ]
    );
}

/// Serves `requests` as one stream on a task, its answers into a queue of `depth`.
fn spawn_stream(
    h: &Arc<Handler>,
    requests: Vec<Envelope>,
    depth: usize,
) -> (mpsc::Receiver<Out>, tokio::task::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(depth);
    let h = h.clone();
    let task = tokio::spawn(async move {
        let server = Server {
            policy_checker: Arc::new(Checker::default()),
            sender: &Sender,
            out: &tx,
        };
        h.handle(tokio_stream::iter(requests), &server).await;
    });
    (rx, task)
}

/// A stream whose client never reads fills its own queue and waits there; another stream
/// over the same handler is served in full meanwhile.
#[tokio::test]
async fn a_slow_reader_holds_only_its_own_stream() {
    let chain = MemChain::new(50);
    let h = Arc::new(handler(&chain));
    let ready = SeekBehavior::BlockUntilReady;
    let (_stalled, slow) = spawn_stream(&h, vec![request("ch", at(0), at(49), ready)], 2);
    let (mut rx, fast) = spawn_stream(&h, vec![request("ch", at(0), at(49), ready)], 2);
    let mut got = Vec::new();
    let read_all = async {
        while let Some(o) = rx.recv().await {
            got.push(o);
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read_all)
        .await
        .expect("the second stream is not held by the first");
    assert_eq!(got, blocks(0..=49, Status::Success));
    fast.await.unwrap();
    assert!(!slow.is_finished(), "the slow stream waits for room");
    slow.abort();
}

/// The shutdown signal ends a stream that waits for future blocks, and one whose client
/// does not read.
#[tokio::test]
async fn the_shutdown_signal_ends_open_streams() {
    let chain = MemChain::new(3);
    let (stop, stopped) = watch::channel(false);
    let h = Arc::new(handler(&chain).with_shutdown(stopped));
    let ready = SeekBehavior::BlockUntilReady;
    let (mut waiting_rx, waiting) =
        spawn_stream(&h, vec![request("ch", at(0), at(100), ready)], 10);
    let (_stalled, stalled) = spawn_stream(&h, vec![request("ch", at(0), at(2), ready)], 1);
    for n in 0..3 {
        assert_eq!(waiting_rx.recv().await, Some(Out::Block(n)));
    }
    stop.send_replace(true);
    let both = async {
        waiting.await.unwrap();
        stalled.await.unwrap();
    };
    tokio::time::timeout(Duration::from_secs(5), both)
        .await
        .expect("both streams ended on the shutdown signal");
    assert_eq!(
        waiting_rx.recv().await,
        None,
        "the stream ended without a status"
    );
}

/// A block that cannot be read ends the request with SERVICE_UNAVAILABLE.
#[tokio::test]
async fn a_read_error_is_service_unavailable() {
    struct Broken;
    impl BlockReader for Broken {
        fn height(&self) -> u64 {
            1
        }
        fn block(&self, number: u64) -> Result<Option<Block>, ReadError> {
            Err(ReadError {
                number,
                source: "checksum mismatch".into(),
            })
        }
        fn watch_height(&self) -> watch::Receiver<u64> {
            watch::channel(1).1
        }
    }
    struct BrokenChain;
    impl Chain for BrokenChain {
        fn sequence(&self) -> u64 {
            0
        }
        fn reader(&self) -> Arc<dyn BlockReader> {
            Arc::new(Broken)
        }
        fn errored(&self) -> Option<watch::Receiver<bool>> {
            None
        }
    }
    struct One;
    impl ChainManager for One {
        fn get_chain(&self, _: &str) -> Option<Arc<dyn Chain>> {
            Some(Arc::new(BrokenChain))
        }
    }
    let h = Handler::new(
        Arc::new(One),
        Duration::from_secs(900),
        |_| None,
        &Metrics::new(),
    );
    let env = request("ch", at(0), at(0), SeekBehavior::BlockUntilReady);
    assert_eq!(
        run(&h, &Arc::default(), env).await,
        vec![Out::Status(Status::ServiceUnavailable)]
    );
}

#[test]
fn stop_positions_follow_fabric() {
    let p = |t| SeekPosition { r#type: Some(t) };
    let n = |number| p(at(number));
    let newest = p(Seek::Newest(SeekNewest {}));
    let oldest = p(Seek::Oldest(SeekOldest {}));
    assert_eq!(stop_number(&n(3), &oldest, 3, 10), Some(3));
    assert_eq!(stop_number(&n(3), &newest, 3, 10), Some(9));
    assert_eq!(stop_number(&newest, &newest, 9, 10), Some(9));
    assert_eq!(stop_number(&n(3), &n(5), 3, 10), Some(5));
    assert_eq!(stop_number(&n(3), &n(2), 3, 10), None);
    assert_eq!(stop_number(&n(3), &SeekPosition::default(), 3, 10), None);
    assert_eq!(start_number(&oldest, 10), Some(0));
    assert_eq!(start_number(&newest, 10), Some(9));
    assert_eq!(start_number(&SeekPosition::default(), 10), None);
    assert_eq!(start_number(&n(10), 10), Some(10));
    assert_eq!(start_number(&n(11), 10), None);
}

#[tokio::test]
async fn streams_requests_and_blocks_are_counted_as_fabric_counts_them() {
    let chain = MemChain::new(3);
    let metrics = Metrics::new();
    let h = Handler::new(
        Arc::new(Manager(chain.clone())),
        Duration::from_secs(900),
        |_| None,
        &metrics,
    );
    let c = Arc::new(Checker::default());
    let ready = SeekBehavior::BlockUntilReady;
    let requests = vec![
        request("ch", at(0), at(1), ready),
        // An unknown channel is not counted as a request (Fabric counts after GetChain).
        request("nope", at(0), at(0), ready),
    ];
    let (tx, mut rx) = mpsc::channel(100);
    let server = Server {
        policy_checker: c.clone(),
        sender: &Sender,
        out: &tx,
    };
    h.handle(tokio_stream::iter(requests), &server).await;
    c.deny.store(true, Ordering::SeqCst);
    h.handle_request(&request("ch", at(2), at(2), ready), &server)
        .await
        .unwrap();
    drop(tx);
    while rx.recv().await.is_some() {}
    let m = DeliverMetrics::new(&metrics);
    assert_eq!(m.streams_opened.value(&[]), Some(1.0));
    assert_eq!(m.streams_closed.value(&[]), Some(1.0));
    assert_eq!(m.requests_received.value(&["ch", "false"]), Some(2.0));
    assert_eq!(m.requests_received.value(&["nope", "false"]), None);
    let completed = |success| m.requests_completed.value(&["ch", "false", success]);
    assert_eq!(completed("true"), Some(1.0));
    assert_eq!(completed("false"), Some(1.0));
    assert_eq!(m.blocks_sent.value(&["ch", "false"]), Some(2.0));
}
