//! A channel's committer as an actor: one OS thread per channel fed by a bounded queue of
//! blocks (Fabric's gossip state provider's payload buffer feeding `StoreBlock`).
//!
//! The thread pipelines: while block N is committed to the ledger (MVCC, block store,
//! state, history, fsync) on this thread, block N+1 is already being validated on the
//! peer's validation pool. What N+1's validation read from the ledger (lscc definitions,
//! validation parameters, tx ids) is read again once N is committed; if any answer changed,
//! N+1 is validated again from scratch, so its verdict is the one it would get validating
//! after N. MVCC runs in the ledger commit, after N's commit, so it always sees N's writes.
//! A block carrying a config transaction is committed (and its bundle installed) before the
//! next block is touched: the next block validates against the new config.

use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::{mpsc, oneshot};

use super::txvalidator::{PendingValidation, ValidatedBlock};
use super::{CommitterError, TxValidator};
use crate::ledger::CommitResult;
use crate::peer::Channel;
use crate::protos::common::Block;

/// Blocks a channel's committer queue holds before a sender waits for room.
pub const QUEUE_DEPTH: usize = 4;

/// The answer for one block: its final validation codes once committed.
pub type CommitReply = oneshot::Receiver<Result<CommitResult, CommitterError>>;

/// Told about every block the actor commits (metrics), on the actor's thread.
pub trait CommitObserver: Send + Sync {
    /// `block` is about to be committed; the returned function runs once it is.
    fn committing(&self, block: &Block) -> Box<dyn FnOnce(&CommitResult) + Send>;
}

struct Job {
    block: Block,
    reply: oneshot::Sender<Result<CommitResult, CommitterError>>,
}

/// The handle of a running channel committer. Dropping every handle (or [`stop`]) lets the
/// actor commit what is queued and end.
///
/// [`stop`]: ChannelCommitter::stop
pub struct ChannelCommitter {
    sender: mpsc::Sender<Job>,
    thread: JoinHandle<()>,
}

impl ChannelCommitter {
    /// Starts the actor of `channel` (its thread is named after the channel).
    pub fn start(
        channel: Arc<Channel>,
        validator: TxValidator,
        observer: Option<Arc<dyn CommitObserver>>,
    ) -> Result<Self, CommitterError> {
        let (sender, receiver) = mpsc::channel(QUEUE_DEPTH);
        let actor = Actor {
            channel,
            validator,
            observer,
        };
        let thread = std::thread::Builder::new()
            .name(format!("committer-{}", actor.channel.id()))
            .spawn(move || actor.run(receiver))
            .map_err(CommitterError::Thread)?;
        Ok(ChannelCommitter { sender, thread })
    }

    /// Queues `block`, waiting for room (a slow committer slows the sender down).
    pub async fn submit(&self, block: Block) -> Result<CommitReply, CommitterError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Job { block, reply })
            .await
            .map_err(|_| CommitterError::Stopped)?;
        Ok(answer)
    }

    /// [`submit`](Self::submit) for callers outside async code (blocks the thread).
    pub fn submit_blocking(&self, block: Block) -> Result<CommitReply, CommitterError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .blocking_send(Job { block, reply })
            .map_err(|_| CommitterError::Stopped)?;
        Ok(answer)
    }

    /// Stops taking blocks, lets the actor commit what is queued and waits for it (on a
    /// blocking thread, not the runtime's workers).
    pub async fn stop(self) {
        drop(self.sender);
        let thread = self.thread;
        let _ = tokio::task::spawn_blocking(move || thread.join()).await;
    }

    /// [`stop`](Self::stop) for callers outside async code.
    pub fn stop_blocking(self) {
        drop(self.sender);
        let _ = self.thread.join();
    }
}

struct Actor {
    channel: Arc<Channel>,
    validator: TxValidator,
    observer: Option<Arc<dyn CommitObserver>>,
}

type Reply = oneshot::Sender<Result<CommitResult, CommitterError>>;

impl Actor {
    fn run(self, mut receiver: mpsc::Receiver<Job>) {
        let mut ready: Option<(ValidatedBlock, Reply)> = None;
        loop {
            // A config block changes what the next block validates against.
            if ready
                .as_ref()
                .is_some_and(|(v, _)| v.validation.new_config.is_some())
            {
                if let Some((block, reply)) = ready.take() {
                    self.commit(block, reply);
                }
            }
            let job = if ready.is_none() {
                match receiver.blocking_recv() {
                    Some(job) => Some(job),
                    None => break,
                }
            } else {
                receiver.try_recv().ok()
            };
            let overlapped = ready.is_some();
            let pending = job.and_then(|job| self.start_validation(job, overlapped));
            if let Some((block, reply)) = ready.take() {
                self.commit(block, reply);
            }
            ready = pending.and_then(|(pending, reply)| self.finish(pending, reply, overlapped));
        }
        if let Some((block, reply)) = ready {
            self.commit(block, reply);
        }
    }

    fn error(&self, block_number: u64, source: super::TxValidatorError) -> CommitterError {
        CommitterError::Validation {
            channel_id: self.channel.id().to_string(),
            block_number,
            source,
        }
    }

    /// Queues the block's validation on the pool, logging its reads when a commit runs
    /// meanwhile.
    fn start_validation(&self, job: Job, overlapped: bool) -> Option<(PendingValidation, Reply)> {
        let number = job.block.header.as_ref().map_or(0, |h| h.number);
        let ledger = self.channel.ledger().clone();
        match self
            .validator
            .start(ledger, self.channel.bundle(), job.block, overlapped)
        {
            Ok(pending) => Some((pending, job.reply)),
            Err(e) => {
                let _ = job.reply.send(Err(self.error(number, e)));
                None
            }
        }
    }

    /// Waits for the validation; a block validated during the previous commit whose reads
    /// changed is validated again.
    fn finish(
        &self,
        pending: PendingValidation,
        reply: Reply,
        overlapped: bool,
    ) -> Option<(ValidatedBlock, Reply)> {
        let number = pending.number();
        let validated = pending.wait().and_then(|v| {
            if !overlapped || v.reads_still_current(self.channel.ledger().as_ref()).unwrap_or(false) {
                return Ok(v);
            }
            tracing::debug!(target: "committer", "[{}] block [{}] read state the previous block changed; validating it again", self.channel.id(), v.number());
            let ledger = self.channel.ledger().clone();
            self.validator
                .start(ledger, self.channel.bundle(), v.block, false)?
                .wait()
        });
        match validated {
            Ok(v) => Some((v, reply)),
            Err(e) => {
                let _ = reply.send(Err(self.error(number, e)));
                None
            }
        }
    }

    fn commit(&self, validated: ValidatedBlock, reply: Reply) {
        let number = validated.number();
        let after = self
            .observer
            .as_ref()
            .map(|o| o.committing(&validated.block));
        let result = self
            .channel
            .ledger()
            .commit(validated.block)
            .map_err(|source| CommitterError::Commit {
                channel_id: self.channel.id().to_string(),
                block_number: number,
                source,
            });
        if let Ok(result) = &result {
            if let Some(config) = validated.validation.new_config {
                tracing::info!(target: "committer", "[{}] config block {number} committed, channel config now at sequence {}", self.channel.id(), config.sequence());
                self.channel.set_bundle(config);
            }
            if let Some(after) = after {
                after(result);
            }
        }
        let _ = reply.send(result);
    }
}

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;
    use crate::committer::testutil::{block_of, endorser_tx, Network};
    use crate::ledger::kvledger::KvLedgerProvider;
    use crate::peer::Peer;
    use crate::protos::common::Envelope;
    use crate::protos::kvrwset::{KvRead, KvWrite, KvrwSet, Version};
    use crate::protos::peer::TxValidationCode as Code;
    use crate::protos::rwset::{NsReadWriteSet, TxReadWriteSet};
    use crate::protoutil::{block_data_hash, block_header_hash, BlockMetadataIndex};
    use crate::scc::vscc::ChaincodeData;

    /// `block` chained after `previous` (data hash and previous hash set).
    fn chained(previous: &Block, mut block: Block) -> Block {
        let data_hash = block_data_hash(block.data.as_ref().unwrap());
        let header = block.header.as_mut().unwrap();
        header.previous_hash = block_header_hash(previous.header.as_ref().unwrap());
        header.data_hash = data_hash;
        block
    }

    fn kv_rwset(reads: &[(&str, u64)], writes: &[(&str, &[u8])]) -> Vec<u8> {
        let kv = KvrwSet {
            reads: reads
                .iter()
                .map(|(k, block_num)| KvRead {
                    key: k.to_string(),
                    version: Some(Version {
                        block_num: *block_num,
                        tx_num: 0,
                    }),
                })
                .collect(),
            writes: writes
                .iter()
                .map(|(k, v)| KvWrite {
                    key: k.to_string(),
                    is_delete: false,
                    value: v.to_vec(),
                })
                .collect(),
            ..Default::default()
        };
        TxReadWriteSet {
            data_model: 0,
            ns_rwset: vec![NsReadWriteSet {
                namespace: "mycc".into(),
                rwset: kv.encode_to_vec(),
                collection_hashed_rwset: vec![],
            }],
        }
        .encode_to_vec()
    }

    fn invoke(net: &Network, results: Vec<u8>) -> Envelope {
        let (p1, p2) = (net.peer(1), net.peer(2));
        endorser_tx(
            net.user(1).as_ref(),
            &[p1.as_ref(), p2.as_ref()],
            "mycc",
            "1.0",
            &[b"invoke"],
            results,
        )
    }

    /// A channel on a real ledger whose block 1 defines `mycc` (committed straight to the
    /// ledger with a valid filter) and a committer actor for it.
    fn channel_with_mycc(net: &Network, dir: &std::path::Path) -> (Arc<Channel>, Block) {
        let provider = KvLedgerProvider::open_default(dir).unwrap();
        let peer = Peer::new(Arc::new(provider));
        let channel = peer.create_channel_from_block(&net.genesis).unwrap();
        let cd = ChaincodeData {
            name: "mycc".into(),
            version: "1.0".into(),
            escc: "escc".into(),
            vscc: "vscc".into(),
            policy: crate::policy::from_string("AND('Org1MSP.peer','Org2MSP.peer')")
                .unwrap()
                .encode_to_vec(),
            ..Default::default()
        };
        let results = crate::committer::testutil::rwset("lscc", &[("mycc", &cd.encode_to_vec())]);
        let peer1 = net.peer(1);
        let deploy = endorser_tx(
            net.admin(1).as_ref(),
            &[peer1.as_ref()],
            "lscc",
            "1.4.12",
            &[b"deploy"],
            results,
        );
        let mut block = chained(&net.genesis, block_of(1, &[deploy]));
        let metadata = block.metadata.as_mut().unwrap();
        metadata
            .metadata
            .resize(BlockMetadataIndex::CommitHash as usize + 1, vec![]);
        metadata.metadata[BlockMetadataIndex::TransactionsFilter as usize] = vec![0];
        channel.ledger().commit(block.clone()).unwrap();
        (channel, block)
    }

    fn codes(reply: CommitReply) -> Result<Vec<Code>, CommitterError> {
        reply
            .blocking_recv()
            .expect("the actor answers")
            .map(|r| r.tx_validation_codes)
    }

    #[test]
    fn mvcc_of_the_next_block_sees_the_writes_of_the_block_committed_meanwhile() {
        let net = Network::new("V1_4_2");
        let dir = tempfile::tempdir().unwrap();
        let (channel, b1) = channel_with_mycc(&net, dir.path());
        let committer =
            ChannelCommitter::start(channel.clone(), TxValidator::new(2), None).unwrap();
        // block 2 writes k, block 3 overwrites it, block 4 read k as block 2 left it
        let b2 = chained(
            &b1,
            block_of(2, &[invoke(&net, kv_rwset(&[], &[("k", b"v2")]))]),
        );
        let b3 = chained(
            &b2,
            block_of(3, &[invoke(&net, kv_rwset(&[("k", 2)], &[("k", b"v3")]))]),
        );
        let b4 = chained(
            &b3,
            block_of(
                4,
                &[
                    invoke(&net, kv_rwset(&[("k", 2)], &[("k", b"v4")])),
                    invoke(&net, kv_rwset(&[], &[("other", b"x")])),
                ],
            ),
        );
        let replies: Vec<CommitReply> = [b2, b3, b4]
            .into_iter()
            .map(|b| committer.submit_blocking(b).unwrap())
            .collect();
        let results: Vec<Vec<Code>> = replies.into_iter().map(|r| codes(r).unwrap()).collect();
        assert_eq!(
            results,
            [
                vec![Code::Valid],
                vec![Code::Valid],
                vec![Code::MvccReadConflict, Code::Valid]
            ]
        );
        committer.stop_blocking();
        let state = channel.ledger().new_query_executor().unwrap();
        assert_eq!(state.get_state("mycc", "k").unwrap(), Some(b"v3".to_vec()));
    }

    #[test]
    fn a_duplicate_of_a_tx_in_the_block_committed_meanwhile_is_refused() {
        let net = Network::new("V1_4_2");
        let dir = tempfile::tempdir().unwrap();
        let (channel, b1) = channel_with_mycc(&net, dir.path());
        let committer = ChannelCommitter::start(channel, TxValidator::new(2), None).unwrap();
        let tx = invoke(&net, kv_rwset(&[], &[("k", b"v")]));
        let b2 = chained(&b1, block_of(2, std::slice::from_ref(&tx)));
        let b3 = chained(&b2, block_of(3, &[tx]));
        let r2 = committer.submit_blocking(b2).unwrap();
        let r3 = committer.submit_blocking(b3).unwrap();
        assert_eq!(codes(r2).unwrap(), [Code::Valid]);
        assert_eq!(codes(r3).unwrap(), [Code::DuplicateTxid]);
        committer.stop_blocking();
    }

    #[test]
    fn the_block_after_a_config_block_validates_against_the_new_config() {
        let net = Network::new("V1_4_2");
        let dir = tempfile::tempdir().unwrap();
        let (channel, b1) = channel_with_mycc(&net, dir.path());
        let committer =
            ChannelCommitter::start(channel.clone(), TxValidator::new(2), None).unwrap();
        // The same config update twice: against the genesis config both would be the next
        // config; against the config block 2 installs, block 3's is stale.
        let update = net.anchor_peer_config_tx(&channel.bundle());
        let b2 = chained(&b1, block_of(2, std::slice::from_ref(&update)));
        let b3 = chained(&b2, block_of(3, &[update]));
        let r2 = committer.submit_blocking(b2).unwrap();
        let r3 = committer.submit_blocking(b3).unwrap();
        assert_eq!(codes(r2).unwrap(), [Code::Valid]);
        let err = codes(r3).unwrap_err();
        assert!(
            matches!(
                err,
                CommitterError::Validation {
                    block_number: 3,
                    source: crate::committer::TxValidatorError::Config(_),
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(channel.bundle().sequence(), 1);
        committer.stop_blocking();
    }
}
