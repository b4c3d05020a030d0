//! Commit observation: a DeliverFiltered stream per committing peer, from its newest block
//! on; each reported transaction this run waits for is handed its validation code (the
//! first peer to report it wins).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;
use tonic::transport::Channel;

use super::connect::status_line;
use super::stats::Stats;
use super::BenchError;
use crate::msp::SigningIdentity;
use crate::protos::common::{Envelope, HeaderType};
use crate::protos::orderer::{
    seek_info, seek_position, SeekInfo, SeekNewest, SeekPosition, SeekSpecified,
};
use crate::protos::peer::deliver_client::DeliverClient;
use crate::protos::peer::{deliver_response, TxValidationCode};
use crate::protoutil::create_signed_envelope;

/// Transactions waiting for their commit, by tx id.
#[derive(Debug, Default)]
pub struct Waiters {
    waiting: Mutex<HashMap<String, oneshot::Sender<i32>>>,
    /// Blocks and transactions the first committer reported after it was ready.
    pub blocks: AtomicU64,
    pub transactions: AtomicU64,
}

impl Waiters {
    /// Waits for `tx_id`'s validation code.
    pub fn register(&self, tx_id: String) -> oneshot::Receiver<i32> {
        let (tx, rx) = oneshot::channel();
        self.lock().insert(tx_id, tx);
        rx
    }

    /// Stops waiting for `tx_id` (it failed before its commit).
    pub fn forget(&self, tx_id: &str) {
        self.lock().remove(tx_id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, oneshot::Sender<i32>>> {
        self.waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The name of a validation code (`MVCC_READ_CONFLICT`).
pub fn code_name(code: i32) -> String {
    TxValidationCode::try_from(code)
        .map(|c| c.as_str_name().to_string())
        .unwrap_or_else(|_| code.to_string())
}

/// The signed request for every block of `channel` from the newest on.
pub fn seek_from_newest(
    signer: &dyn SigningIdentity,
    channel: &str,
    tls_cert_hash: Vec<u8>,
) -> Result<Envelope, BenchError> {
    let info = SeekInfo {
        start: Some(SeekPosition {
            r#type: Some(seek_position::Type::Newest(SeekNewest {})),
        }),
        stop: Some(SeekPosition {
            r#type: Some(seek_position::Type::Specified(SeekSpecified {
                number: u64::MAX,
            })),
        }),
        behavior: seek_info::SeekBehavior::BlockUntilReady as i32,
        error_response: seek_info::SeekErrorResponse::Strict as i32,
    };
    create_signed_envelope(
        HeaderType::DeliverSeekInfo,
        channel,
        Some(signer),
        &info,
        0,
        0,
        tls_cert_hash,
    )
    .map_err(BenchError::Build)
}

/// One peer's stream.
pub struct Watch {
    pub name: String,
    pub address: String,
    /// Counts every transaction as committed itself (`observe` mode) and the block totals.
    pub primary: bool,
}

impl Watch {
    /// Opens the stream and waits for its first block (the newest, which is skipped): after
    /// that nothing this run submits can be missed. Then a task reads it until it ends.
    pub async fn start(
        self,
        channel: Channel,
        seek: Envelope,
        waiters: Arc<Waiters>,
        stats: Arc<Stats>,
        count_all: bool,
    ) -> Result<tokio::task::JoinHandle<()>, BenchError> {
        let probe = |reason: String| BenchError::Probe {
            name: self.name.clone(),
            address: self.address.clone(),
            reason: format!("DeliverFiltered: {reason}"),
        };
        let mut client = DeliverClient::new(channel);
        let opened = tokio::time::timeout(
            Duration::from_secs(10),
            client.deliver_filtered(tokio_stream::iter(vec![seek])),
        )
        .await
        .map_err(|_| probe("no answer within 10s".into()))?;
        let mut stream = opened.map_err(|s| probe(status_line(&s)))?.into_inner();
        match stream.message().await {
            Ok(Some(r)) => match r.r#type {
                Some(deliver_response::Type::FilteredBlock(_)) => {}
                Some(deliver_response::Type::Status(code)) => {
                    return Err(probe(format!("the peer answered status {code}; is the channel right, and may the client read it?")))
                }
                _ => return Err(probe("an unexpected answer".into())),
            },
            Ok(None) => return Err(probe("the stream ended at once".into())),
            Err(s) => return Err(probe(status_line(&s))),
        }
        Ok(tokio::spawn(async move {
            loop {
                match stream.message().await {
                    Ok(Some(r)) => self.on_response(r.r#type, &waiters, &stats, count_all),
                    Ok(None) => break,
                    Err(s) => {
                        stats.error(format!(
                            "observe: {} stream failed: {:?}",
                            self.name,
                            s.code()
                        ));
                        break;
                    }
                }
            }
        }))
    }

    fn on_response(
        &self,
        r: Option<deliver_response::Type>,
        waiters: &Waiters,
        stats: &Stats,
        count_all: bool,
    ) {
        let Some(deliver_response::Type::FilteredBlock(block)) = r else {
            return;
        };
        if self.primary {
            waiters.blocks.fetch_add(1, Ordering::Relaxed);
            let n = block.filtered_transactions.len() as u64;
            waiters.transactions.fetch_add(n, Ordering::Relaxed);
        }
        let mut waiting = waiters.lock();
        for tx in block.filtered_transactions {
            if count_all && self.primary {
                if tx.tx_validation_code == TxValidationCode::Valid as i32 {
                    Stats::add(&stats.committed_valid);
                } else {
                    stats.invalid(&code_name(tx.tx_validation_code));
                }
                stats.finished(Duration::ZERO);
            } else if let Some(w) = waiting.remove(&tx.txid) {
                let _ = w.send(tx.tx_validation_code);
            }
        }
    }
}
