//! Batching of pushed messages (Fabric's `batchingEmitter`): messages are emitted together
//! when `maxPropagationBurstSize` of them are waiting or every `maxPropagationBurstLatency`,
//! each `propagateIterations` times. The buffer never holds more than a burst.

use std::sync::Mutex;

use crate::gossip::comm::SignedGossipMessage;
use crate::gossip::common::PkiId;

/// A message to push, and the peer it must not go back to (its sender).
#[derive(Clone, Debug)]
pub(crate) struct Emitted {
    pub(crate) msg: SignedGossipMessage,
    pub(crate) exclude: Option<PkiId>,
}

impl Emitted {
    pub(crate) fn allows(&self, id: &PkiId) -> bool {
        self.exclude.as_ref() != Some(id)
    }
}

type Emit = Box<dyn Fn(Vec<Emitted>) + Send + Sync>;

pub(crate) struct Batcher {
    buf: Mutex<Vec<(Emitted, u32)>>,
    burst: usize,
    iterations: u32,
    emit: Emit,
}

impl Batcher {
    pub(crate) fn new(iterations: u32, burst: usize, emit: Emit) -> Batcher {
        Batcher {
            buf: Mutex::default(),
            burst: burst.max(1),
            iterations,
            emit,
        }
    }

    pub(crate) fn add(&self, e: Emitted) {
        if self.iterations == 0 {
            return;
        }
        let full = {
            let mut buf = self.buf.lock().unwrap();
            buf.push((e, self.iterations));
            buf.len() >= self.burst
        };
        if full {
            self.flush();
        }
    }

    /// Emits what waits, and keeps each message for its remaining iterations.
    pub(crate) fn flush(&self) {
        let batch: Vec<Emitted> = {
            let mut buf = self.buf.lock().unwrap();
            if buf.is_empty() {
                return;
            }
            let batch = buf.iter().map(|(e, _)| e.clone()).collect();
            buf.iter_mut().for_each(|(_, n)| *n -= 1);
            buf.retain(|(_, n)| *n > 0);
            batch
        };
        (self.emit)(batch);
    }

    #[cfg(test)]
    pub(crate) fn size(&self) -> usize {
        self.buf.lock().unwrap().len()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::protos::gossip::GossipMessage;

    fn msg(n: u64) -> Emitted {
        Emitted {
            msg: SignedGossipMessage {
                message: GossipMessage {
                    nonce: n,
                    ..Default::default()
                },
                envelope: None,
            },
            exclude: None,
        }
    }

    #[test]
    fn emits_at_burst_size_and_repeats_each_message_for_its_iterations() {
        let seen = Arc::new(Mutex::new(Vec::<Vec<u64>>::new()));
        let s = seen.clone();
        let b = Batcher::new(
            2,
            3,
            Box::new(move |batch| {
                s.lock()
                    .unwrap()
                    .push(batch.iter().map(|e| e.msg.message.nonce).collect())
            }),
        );
        b.add(msg(1));
        b.add(msg(2));
        assert!(seen.lock().unwrap().is_empty());
        b.add(msg(3));
        assert_eq!(*seen.lock().unwrap(), vec![vec![1, 2, 3]]);
        assert_eq!(b.size(), 3);
        b.flush();
        assert_eq!(b.size(), 0);
        b.flush();
        assert_eq!(seen.lock().unwrap().len(), 2);
    }
}
