//! The solo consenter (Fabric's `orderer/consensus/solo`): one thread per channel takes
//! messages in arrival order, batches normal messages with the block cutter, cuts a pending
//! batch when BatchTimeout passes, and writes each config message in a block of its own
//! (after cutting whatever is pending).
//!
//! The chain is an actor: its queue is bounded (one batch deep, `BatchSize.MaxMessageCount`
//! when the chain starts), so [`Chain::order`] waits while the thread is busy signing and
//! writing, as Fabric's solo blocks the Broadcast sender. The thread runs a single-threaded
//! runtime of its own for the queue and the batch timer; the block writes block only it.

use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::{Chain, ChainError, Consenter, ConsenterSupport, Enqueue, SupportError};
use crate::orderer::blockcutter::Receiver;
use crate::protos::common::Envelope;

const LOG: &str = "orderer.consensus.solo";

/// The most messages a chain's queue holds, whatever MaxMessageCount says.
const MAX_QUEUE: usize = 10_000;

/// The solo consenter.
#[derive(Debug, Default)]
pub struct SoloConsenter;

impl Consenter for SoloConsenter {
    fn handle_chain(
        &self,
        support: Arc<dyn ConsenterSupport>,
        _metadata: &[u8],
    ) -> Result<Arc<dyn Chain>, ChainError> {
        Ok(Arc::new(SoloChain::new(support)))
    }
}

enum Message {
    Normal { env: Envelope, config_seq: u64 },
    Config { env: Envelope, config_seq: u64 },
}

/// What the thread takes when the chain starts.
struct Pending {
    rx: mpsc::Receiver<Message>,
    support: Arc<dyn ConsenterSupport>,
}

/// A solo chain: a bounded queue in front of one ordering thread.
pub struct SoloChain {
    channel_id: String,
    tx: mpsc::Sender<Message>,
    pending: Mutex<Option<Pending>>,
    stop: watch::Sender<bool>,
    errored: watch::Sender<bool>,
    failure: Arc<Mutex<Option<Arc<SupportError>>>>,
}

impl SoloChain {
    /// A chain whose queue holds one batch (the current MaxMessageCount, at least one).
    pub fn new(support: Arc<dyn ConsenterSupport>) -> Self {
        let depth = support.batch_size().max_message_count as usize;
        Self::with_queue_depth(support, depth)
    }

    /// A chain whose queue holds `depth` messages (clamped to 1..=10,000).
    pub fn with_queue_depth(support: Arc<dyn ConsenterSupport>, depth: usize) -> Self {
        let (tx, rx) = mpsc::channel(depth.clamp(1, MAX_QUEUE));
        SoloChain {
            channel_id: support.channel_id(),
            tx,
            pending: Mutex::new(Some(Pending { rx, support })),
            stop: watch::channel(false).0,
            errored: watch::channel(false).0,
            failure: Arc::default(),
        }
    }

    /// How many messages the queue holds at most.
    pub fn queue_capacity(&self) -> usize {
        self.tx.max_capacity()
    }

    /// Why the chain refuses messages now that its queue is closed.
    fn refusal(&self) -> ChainError {
        match self
            .failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
        {
            Some(source) => ChainError::Failed {
                channel: self.channel_id.clone(),
                source,
            },
            None => ChainError::Halted(self.channel_id.clone()),
        }
    }

    async fn send(&self, msg: Message) -> Result<(), ChainError> {
        if *self.stop.borrow() || *self.errored.borrow() {
            return Err(self.refusal());
        }
        // The thread closes the queue when it stops, which also wakes senders waiting
        // for room.
        self.tx.send(msg).await.map_err(|_| self.refusal())
    }
}

impl Chain for SoloChain {
    fn order(&self, env: Envelope, config_seq: u64) -> Enqueue<'_> {
        Box::pin(self.send(Message::Normal { env, config_seq }))
    }

    fn configure(&self, env: Envelope, config_seq: u64) -> Enqueue<'_> {
        Box::pin(self.send(Message::Config { env, config_seq }))
    }

    fn errored(&self) -> watch::Receiver<bool> {
        self.errored.subscribe()
    }

    /// Starts the ordering thread (the first call does; later calls do nothing).
    fn start(&self) -> Result<(), ChainError> {
        let taken = self
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let Some(Pending { rx, support }) = taken else {
            return Ok(());
        };
        let actor = Actor {
            rx,
            support,
            stop: self.stop.subscribe(),
        };
        let errored = self.errored.clone();
        let failure = self.failure.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("solo-{}", self.channel_id))
            .spawn(move || {
                let outcome = actor.run_on_own_runtime();
                if let Err(e) = outcome {
                    *failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(e));
                }
                errored.send_replace(true);
            });
        spawned.map(|_| ()).map_err(|e| ChainError::Spawn {
            channel: self.channel_id.clone(),
            source: Arc::new(e),
        })
    }

    fn halt(&self) {
        self.stop.send_replace(true);
        // A chain never started has no thread to report its end.
        if self
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .is_some()
        {
            self.errored.send_replace(true);
        }
    }
}

/// The ordering thread's state.
struct Actor {
    rx: mpsc::Receiver<Message>,
    support: Arc<dyn ConsenterSupport>,
    stop: watch::Receiver<bool>,
}

impl Actor {
    /// Runs the ordering loop on a single-threaded runtime owned by this thread; returns the
    /// write error that halted the chain, if any.
    fn run_on_own_runtime(mut self) -> Result<(), SupportError> {
        let channel = self.support.channel_id();
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                tracing::error!(target: LOG, "[channel: {channel}] halting: no runtime for the chain: {e}");
                return Ok(());
            }
        };
        let result = runtime.block_on(self.run());
        self.rx.close();
        match &result {
            Ok(()) => tracing::debug!(target: LOG, "Exiting chain {channel}"),
            Err(e) => tracing::error!(target: LOG,
                "[channel: {channel}] halting: a block could not be written: {}",
                super::with_causes(e)),
        }
        result
    }

    /// The ordering loop; returns when the chain is halted (after ordering what was already
    /// queued) or a block cannot be written.
    async fn run(&mut self) -> Result<(), SupportError> {
        let support = self.support.as_ref();
        let mut cutter = support.block_cutter();
        let mut deadline: Option<Instant> = None;
        loop {
            let timer = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                _ = self.stop.wait_for(|s| *s) => break,
                msg = self.rx.recv() => match msg {
                    None => return Ok(()),
                    Some(msg) => handle(msg, &mut cutter, &mut deadline, support)?,
                },
                _ = timer => {
                    deadline = None;
                    let batch = cutter.cut();
                    if !batch.is_empty() {
                        tracing::debug!(target: LOG, "Batch timer expired, creating block");
                        support.write_block(support.create_next_block(&batch))?;
                    }
                }
            }
        }
        // Halted: refuse new messages, order the ones already accepted (at most one batch).
        self.rx.close();
        while let Some(msg) = self.rx.recv().await {
            handle(msg, &mut cutter, &mut deadline, support)?;
        }
        Ok(())
    }
}

fn handle(
    msg: Message,
    cutter: &mut Receiver,
    deadline: &mut Option<Instant>,
    support: &dyn ConsenterSupport,
) -> Result<(), SupportError> {
    let seq = support.sequence();
    match msg {
        Message::Normal { env, config_seq } => {
            if config_seq < seq {
                if let Err(e) = support.process_normal_msg(&env) {
                    tracing::warn!(target: LOG, "Discarding bad normal message: {e}");
                    return Ok(());
                }
            }
            let ordered = cutter.ordered(env, &support.batch_size());
            for batch in ordered.batches {
                support.write_block(support.create_next_block(&batch))?;
            }
            match (deadline.is_some(), ordered.pending) {
                (true, false) => *deadline = None,
                (false, true) => *deadline = Some(Instant::now() + support.batch_timeout()),
                _ => {}
            }
            Ok(())
        }
        Message::Config { env, config_seq } => {
            let env = if config_seq < seq {
                match support.process_config_msg(&env) {
                    Ok(env) => env,
                    Err(e) => {
                        tracing::warn!(target: LOG, "Discarding bad config message: {e}");
                        return Ok(());
                    }
                }
            } else {
                env
            };
            let batch = cutter.cut();
            if !batch.is_empty() {
                support.write_block(support.create_next_block(&batch))?;
            }
            support.write_config_block(support.create_next_block(&[env]))?;
            *deadline = None;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::SupportError;
    use super::*;
    use crate::orderer::blockwriter::BlockWriterError;
    use crate::orderer::ledger::LedgerError;
    use crate::protos::common::Block;
    use crate::protos::orderer::BatchSize;
    use std::sync::Condvar;
    use std::time::Duration;

    /// Records the blocks a chain writes: each as (is_config, payloads). Writes can be held
    /// (the thread blocks in `write_block` until released) or made to fail.
    #[derive(Default)]
    struct Recorder {
        blocks: Mutex<Vec<(bool, Vec<Vec<u8>>)>>,
        seq: Mutex<u64>,
        reject: Mutex<bool>,
        fail: Mutex<bool>,
        held: (Mutex<bool>, Condvar),
        notify: tokio::sync::Notify,
    }

    impl Recorder {
        fn hold(&self, on: bool) {
            *self.held.0.lock().unwrap() = on;
            self.held.1.notify_all();
        }

        fn record(&self, config: bool, block: Block) -> Result<(), SupportError> {
            let mut held = self.held.0.lock().unwrap();
            while *held {
                held = self.held.1.wait(held).unwrap();
            }
            if *self.fail.lock().unwrap() {
                let io = std::io::Error::other("disk full");
                return Err(SupportError::Write(BlockWriterError::Ledger(
                    LedgerError::Io {
                        path: "/ledger/chains/test/blockfile".into(),
                        source: io,
                    },
                )));
            }
            self.blocks
                .lock()
                .unwrap()
                .push((config, block.data.unwrap().data));
            self.notify.notify_one();
            Ok(())
        }
    }

    impl ConsenterSupport for Recorder {
        fn channel_id(&self) -> String {
            "test".into()
        }
        fn batch_size(&self) -> BatchSize {
            BatchSize {
                max_message_count: 3,
                absolute_max_bytes: 1000,
                preferred_max_bytes: 100,
            }
        }
        fn batch_timeout(&self) -> Duration {
            Duration::from_millis(200)
        }
        fn sequence(&self) -> u64 {
            *self.seq.lock().unwrap()
        }
        fn process_normal_msg(&self, _: &Envelope) -> Result<(), SupportError> {
            match *self.reject.lock().unwrap() {
                true => Err(SupportError::Rejected("now forbidden".into())),
                false => Ok(()),
            }
        }
        fn process_config_msg(&self, env: &Envelope) -> Result<Envelope, SupportError> {
            Ok(env.clone())
        }
        fn create_next_block(&self, messages: &[Envelope]) -> Block {
            Block {
                data: Some(crate::protos::common::BlockData {
                    data: messages.iter().map(|m| m.payload.clone()).collect(),
                }),
                ..Default::default()
            }
        }
        fn write_block(&self, block: Block) -> Result<(), SupportError> {
            self.record(false, block)
        }
        fn write_config_block(&self, block: Block) -> Result<(), SupportError> {
            self.record(true, block)?;
            *self.seq.lock().unwrap() += 1;
            Ok(())
        }
    }

    fn env(p: &str) -> Envelope {
        Envelope {
            payload: p.as_bytes().to_vec(),
            signature: Vec::new(),
        }
    }

    async fn wait_blocks(r: &Recorder, n: usize) -> Vec<(bool, Vec<Vec<u8>>)> {
        tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                let notified = r.notify.notified();
                if r.blocks.lock().unwrap().len() >= n {
                    return r.blocks.lock().unwrap().clone();
                }
                notified.await;
            }
        })
        .await
        .expect("blocks were written in time")
    }

    async fn wait_errored(chain: &dyn Chain) {
        let mut errored = chain.errored();
        tokio::time::timeout(Duration::from_secs(5), errored.wait_for(|e| *e))
            .await
            .expect("the chain stopped in time")
            .unwrap();
    }

    fn start() -> (Arc<Recorder>, Arc<dyn Chain>) {
        let r = Arc::new(Recorder::default());
        let chain = SoloConsenter.handle_chain(r.clone(), &[]).unwrap();
        chain.start().unwrap();
        (r, chain)
    }

    #[tokio::test]
    async fn cuts_by_count_then_by_timeout() {
        let (r, chain) = start();
        for p in ["a", "b", "c", "d"] {
            chain.order(env(p), 0).await.unwrap();
        }
        let first = wait_blocks(&r, 1).await;
        assert_eq!(
            first[0].1,
            vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]
        );
        let started = std::time::Instant::now();
        let both = wait_blocks(&r, 2).await;
        assert_eq!(both[1], (false, vec![b"d".to_vec()]));
        assert!(started.elapsed() >= Duration::from_millis(100));
        chain.halt();
    }

    #[tokio::test]
    async fn config_messages_get_their_own_block_after_the_pending_batch() {
        let (r, chain) = start();
        chain.order(env("a"), 0).await.unwrap();
        chain.configure(env("cfg"), 0).await.unwrap();
        chain.order(env("b"), 1).await.unwrap();
        let blocks = wait_blocks(&r, 3).await;
        assert_eq!(blocks[0], (false, vec![b"a".to_vec()]));
        assert_eq!(blocks[1], (true, vec![b"cfg".to_vec()]));
        assert_eq!(blocks[2], (false, vec![b"b".to_vec()]));
        chain.halt();
    }

    #[tokio::test]
    async fn stale_messages_are_revalidated_and_dropped_when_bad() {
        let (r, chain) = start();
        *r.seq.lock().unwrap() = 2;
        *r.reject.lock().unwrap() = true;
        chain.order(env("old"), 1).await.unwrap();
        chain.order(env("new"), 2).await.unwrap();
        let blocks = wait_blocks(&r, 1).await;
        assert_eq!(blocks[0], (false, vec![b"new".to_vec()]));
        chain.halt();
    }

    #[tokio::test]
    async fn a_halted_chain_refuses_and_reports_errored() {
        let (_r, chain) = start();
        chain.halt();
        assert!(matches!(
            chain.order(env("x"), 0).await,
            Err(ChainError::Halted(_))
        ));
        wait_errored(chain.as_ref()).await;
    }

    #[test]
    fn the_queue_is_one_batch_deep() {
        let r = Arc::new(Recorder::default());
        assert_eq!(SoloChain::new(r.clone()).queue_capacity(), 3);
        assert_eq!(
            SoloChain::with_queue_depth(r.clone(), 0).queue_capacity(),
            1
        );
        assert_eq!(
            SoloChain::with_queue_depth(r, usize::MAX).queue_capacity(),
            MAX_QUEUE
        );
    }

    /// While the thread is busy writing a block, the queue fills up to one batch and the
    /// next sender waits until the write finishes.
    #[tokio::test]
    async fn a_sender_waits_for_room_while_a_block_is_written() {
        let (r, chain) = start();
        r.hold(true);
        for p in ["a", "b", "c"] {
            chain.order(env(p), 0).await.unwrap();
        }
        // The thread takes a, b, c and blocks writing their block; three more fill the queue.
        let room = async {
            for p in ["d", "e", "f"] {
                chain.order(env(p), 0).await.unwrap();
            }
        };
        tokio::time::timeout(Duration::from_secs(5), room)
            .await
            .expect("the queue holds one batch");
        let mut waiting = chain.order(env("g"), 0);
        let early = tokio::time::timeout(Duration::from_millis(300), &mut waiting).await;
        assert!(early.is_err(), "a full queue makes the sender wait");
        r.hold(false);
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("room once the block is written")
            .unwrap();
        let blocks = wait_blocks(&r, 2).await;
        assert_eq!(
            blocks[1].1,
            vec![b"d".to_vec(), b"e".to_vec(), b"f".to_vec()]
        );
        chain.halt();
    }

    /// A ledger error halts the chain: it reports errored, and later messages are refused
    /// with the write error as the cause.
    #[tokio::test]
    async fn a_write_error_halts_the_chain_and_says_why() {
        let (r, chain) = start();
        *r.fail.lock().unwrap() = true;
        for p in ["a", "b", "c"] {
            chain.order(env(p), 0).await.unwrap();
        }
        wait_errored(chain.as_ref()).await;
        let refused = chain.order(env("d"), 0).await.unwrap_err();
        let ChainError::Failed { source, .. } = &refused else {
            panic!("expected a failed chain, got {refused:?}");
        };
        assert!(matches!(source.as_ref(), SupportError::Write(_)));
        assert!(super::super::with_causes(&refused).contains("disk full"));
    }

    /// Halting while a block is being written: the block in flight and the messages already
    /// queued are written, then the thread ends; waiting senders are refused.
    #[tokio::test]
    async fn a_halt_finishes_the_block_in_flight_and_what_was_queued() {
        let (r, chain) = start();
        r.hold(true);
        for p in ["a", "b", "c", "d", "e", "f"] {
            chain.order(env(p), 0).await.unwrap();
        }
        let waiting = chain.order(env("g"), 0);
        chain.halt();
        r.hold(false);
        assert!(
            waiting.await.is_err(),
            "a halted chain refuses waiting senders"
        );
        wait_errored(chain.as_ref()).await;
        let blocks = r.blocks.lock().unwrap().clone();
        assert_eq!(blocks.len(), 2, "{blocks:?}");
        assert_eq!(
            blocks[1].1,
            vec![b"d".to_vec(), b"e".to_vec(), b"f".to_vec()]
        );
    }
}
