//! The solo consenter (Fabric's `orderer/consensus/solo`): one tokio task per channel takes
//! messages in arrival order, batches normal messages with the block cutter, cuts a pending
//! batch when BatchTimeout passes, and writes each config message in a block of its own
//! (after cutting whatever is pending).

use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::{Chain, ChainError, Consenter, ConsenterSupport};
use crate::orderer::blockcutter::Receiver;
use crate::protos::common::Envelope;

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

struct Pending {
    rx: mpsc::UnboundedReceiver<Message>,
    support: Arc<dyn ConsenterSupport>,
}

/// A solo chain: a queue in front of one ordering task.
pub struct SoloChain {
    channel_id: String,
    tx: Mutex<Option<mpsc::UnboundedSender<Message>>>,
    pending: Mutex<Option<Pending>>,
    errored: watch::Sender<bool>,
}

impl SoloChain {
    pub fn new(support: Arc<dyn ConsenterSupport>) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let (errored, _) = watch::channel(false);
        SoloChain {
            channel_id: support.channel_id(),
            tx: Mutex::new(Some(tx)),
            pending: Mutex::new(Some(Pending { rx, support })),
            errored,
        }
    }

    fn send(&self, msg: Message) -> Result<(), ChainError> {
        let tx = self.tx.lock().unwrap_or_else(|p| p.into_inner());
        match tx.as_ref() {
            Some(tx) if !*self.errored.borrow() => tx
                .send(msg)
                .map_err(|_| ChainError::Halted(self.channel_id.clone())),
            _ => Err(ChainError::Halted(self.channel_id.clone())),
        }
    }
}

impl Chain for SoloChain {
    fn order(&self, env: Envelope, config_seq: u64) -> Result<(), ChainError> {
        self.send(Message::Normal { env, config_seq })
    }

    fn configure(&self, env: Envelope, config_seq: u64) -> Result<(), ChainError> {
        self.send(Message::Config { env, config_seq })
    }

    fn errored(&self) -> watch::Receiver<bool> {
        self.errored.subscribe()
    }

    /// Spawns the ordering task on the current tokio runtime (call it once).
    fn start(&self) {
        let taken = self
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(Pending { rx, support }) = taken {
            let errored = self.errored.clone();
            tokio::spawn(async move {
                run(rx, support.as_ref()).await;
                errored.send_replace(true);
            });
        }
    }

    fn halt(&self) {
        // Dropping the sender ends the task once it has drained what was accepted.
        self.tx.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

/// The ordering loop; returns when the chain is halted or a block cannot be written.
async fn run(mut rx: mpsc::UnboundedReceiver<Message>, support: &dyn ConsenterSupport) {
    let channel = support.channel_id();
    let mut cutter = Receiver::new();
    let mut deadline: Option<Instant> = None;
    loop {
        let timer = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        let result = tokio::select! {
            msg = rx.recv() => match msg {
                None => {
                    tracing::debug!(target: "orderer.consensus.solo", "Exiting chain {channel}");
                    return;
                }
                Some(msg) => handle(msg, &mut cutter, &mut deadline, support),
            },
            _ = timer => {
                deadline = None;
                let batch = cutter.cut();
                if batch.is_empty() {
                    Ok(())
                } else {
                    tracing::debug!(target: "orderer.consensus.solo", "Batch timer expired, creating block");
                    support.write_block(support.create_next_block(&batch))
                }
            }
        };
        if let Err(e) = result {
            tracing::error!(target: "orderer.consensus.solo",
                "[channel: {channel}] halting: a block could not be written: {e}");
            return;
        }
    }
}

fn handle(
    msg: Message,
    cutter: &mut Receiver,
    deadline: &mut Option<Instant>,
    support: &dyn ConsenterSupport,
) -> Result<(), super::SupportError> {
    let seq = support.sequence();
    match msg {
        Message::Normal { env, config_seq } => {
            if config_seq < seq {
                if let Err(e) = support.process_normal_msg(&env) {
                    tracing::warn!(target: "orderer.consensus.solo",
                        "Discarding bad normal message: {e}");
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
                        tracing::warn!(target: "orderer.consensus.solo",
                            "Discarding bad config message: {e}");
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
    use crate::protos::common::Block;
    use crate::protos::orderer::BatchSize;
    use std::time::Duration;

    /// Records the blocks a chain writes: each as (is_config, payloads).
    #[derive(Default)]
    struct Recorder {
        blocks: Mutex<Vec<(bool, Vec<Vec<u8>>)>>,
        seq: Mutex<u64>,
        reject: Mutex<bool>,
        notify: tokio::sync::Notify,
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
            self.blocks
                .lock()
                .unwrap()
                .push((false, block.data.unwrap().data));
            self.notify.notify_one();
            Ok(())
        }
        fn write_config_block(&self, block: Block) -> Result<(), SupportError> {
            self.blocks
                .lock()
                .unwrap()
                .push((true, block.data.unwrap().data));
            *self.seq.lock().unwrap() += 1;
            self.notify.notify_one();
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
                if r.blocks.lock().unwrap().len() >= n {
                    return r.blocks.lock().unwrap().clone();
                }
                r.notify.notified().await;
            }
        })
        .await
        .expect("blocks were written in time")
    }

    fn start() -> (Arc<Recorder>, Arc<dyn Chain>) {
        let r = Arc::new(Recorder::default());
        let chain = SoloConsenter.handle_chain(r.clone(), &[]).unwrap();
        chain.start();
        (r, chain)
    }

    #[tokio::test]
    async fn cuts_by_count_then_by_timeout() {
        let (r, chain) = start();
        for p in ["a", "b", "c", "d"] {
            chain.order(env(p), 0).unwrap();
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
        chain.order(env("a"), 0).unwrap();
        chain.configure(env("cfg"), 0).unwrap();
        chain.order(env("b"), 1).unwrap();
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
        chain.order(env("old"), 1).unwrap();
        chain.order(env("new"), 2).unwrap();
        let blocks = wait_blocks(&r, 1).await;
        assert_eq!(blocks[0], (false, vec![b"new".to_vec()]));
        chain.halt();
    }

    #[tokio::test]
    async fn a_halted_chain_refuses_and_reports_errored() {
        let (_r, chain) = start();
        let mut errored = chain.errored();
        chain.halt();
        assert!(matches!(
            chain.order(env("x"), 0),
            Err(ChainError::Halted(_))
        ));
        tokio::time::timeout(Duration::from_secs(5), errored.wait_for(|e| *e))
            .await
            .unwrap()
            .unwrap();
    }
}
