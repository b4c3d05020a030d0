//! The peer's deliver client (Fabric's `core/deliverservice` and its `blocksprovider`): per
//! channel a task pulls blocks from the channel's orderers. It connects to one of the
//! endpoints the channel config names (shuffled; the next one on failure; reconnecting
//! with exponential backoff capped by `peer.deliveryclient.reConnectBackoffThreshold` and
//! giving up after `reconnectTotalTimeThreshold`), asks with a signed SeekInfo for every
//! block from the ledger height on, verifies each block ([`verify_block`], on a blocking
//! thread: it is signature work) and hands it to a [`BlockSink`], waiting for room in the
//! sink's queue. It does not wait for each block's commit: it checks the receipts as they
//! come in, waits for a config block's commit before verifying the next block (the next
//! block's signers are checked against the config it installs), and waits for every
//! outstanding commit before reconnecting, so the next request starts at the ledger height.

mod connect;
mod verify;

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use connect::{connect, orderer_endpoints, orderer_tls_roots, seek_request, tls_cert_hash};
pub use verify::{verify_block, VerifyError};

use crate::channelconfig::Bundle;
use crate::config::CoreConfig;
use crate::msp::SigningIdentity;
use crate::protos::common::{Block, HeaderType, Status};
use crate::protos::orderer::deliver_response;

const LOG: &str = "deliveryClient";

/// How many BAD_REQUEST / FORBIDDEN answers in a row end the client (Fabric's
/// `wrongStatusThreshold`).
pub const WRONG_STATUS_THRESHOLD: u32 = 10;

/// Why a sink did not take or did not commit a block.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("the committer has stopped")]
    Stopped,
    #[error("{0}")]
    Rejected(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The receipt of a block handed to a sink: resolves once the block is committed (or
/// refused).
pub struct Committed(Pin<Box<dyn Future<Output = Result<(), SinkError>> + Send + Sync>>);

impl Committed {
    pub fn new(done: impl Future<Output = Result<(), SinkError>> + Send + Sync + 'static) -> Self {
        Committed(Box::pin(done))
    }

    /// A receipt for a block already committed (or refused).
    pub fn ready(result: Result<(), SinkError>) -> Self {
        Committed::new(std::future::ready(result))
    }

    pub async fn wait(self) -> Result<(), SinkError> {
        self.0.await
    }

    /// The outcome if it is known now (a receipt must not be asked again once it answered).
    fn poll_now(&mut self) -> Option<Result<(), SinkError>> {
        match self
            .0
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(result) => Some(result),
            Poll::Pending => None,
        }
    }
}

/// What [`BlockSink::deliver_block`] returns: waits for room, then gives the receipt.
pub type SinkFuture<'a> = Pin<Box<dyn Future<Output = Result<Committed, SinkError>> + Send + 'a>>;

/// Where verified blocks go (the channel's committer, in a peer).
pub trait BlockSink: Send + Sync {
    /// Takes `block`, waiting while the sink's queue is full.
    fn deliver_block(&self, block: Block) -> SinkFuture<'_>;
}

/// What the client needs to know of its channel: where the ledger is (Fabric's
/// `LedgerInfo`) and the config in force (endpoints, TLS roots, BlockValidation).
pub trait ChannelState: Send + Sync {
    fn ledger_height(&self) -> Result<u64, crate::ledger::LedgerError>;
    fn bundle(&self) -> Arc<Bundle>;
}

impl ChannelState for crate::peer::Channel {
    fn ledger_height(&self) -> Result<u64, crate::ledger::LedgerError> {
        Ok(*self.ledger().height_watch().borrow())
    }
    fn bundle(&self) -> Arc<Bundle> {
        crate::peer::Channel::bundle(self)
    }
}

/// Why the deliver client could not be set up or a connection failed.
#[derive(Debug, thiserror::Error)]
pub enum DeliverClientError {
    #[error("could not read {path}: {reason}; check peer.tls.*")]
    TlsFile { path: String, reason: String },
    #[error("could not connect to orderer {endpoint}: {reason}")]
    Connect { endpoint: String, reason: String },
    #[error("could not sign the deliver request: {0}")]
    Sign(String),
    #[error("channel {0} names no orderer endpoint")]
    NoEndpoints(String),
}

/// TLS towards orderers (`peer.tls.*`).
#[derive(Debug, Clone, Default)]
pub struct ClientTls {
    /// Client certificate and key (PEM) for mutual TLS.
    pub client_identity: Option<(Vec<u8>, Vec<u8>)>,
    /// `peer.tls.rootcert.file`, trusted besides the orderer orgs' TLS roots.
    pub root_cas: Vec<Vec<u8>>,
}

/// `peer.deliveryclient.*`, `peer.keepalive.deliveryClient.*` and `peer.tls.*`.
#[derive(Debug, Clone)]
pub struct DeliverClientConfig {
    pub conn_timeout: Duration,
    pub reconnect_backoff_threshold: Duration,
    pub reconnect_total_time_threshold: Duration,
    pub keepalive_interval: Duration,
    pub keepalive_timeout: Duration,
    /// `None` when `peer.tls.enabled` is false.
    pub tls: Option<ClientTls>,
    /// `peer.deliveryclient.addressOverrides`: endpoints of the channel config replaced by
    /// others (with their own TLS roots when given).
    pub address_overrides: Vec<AddressOverride>,
}

/// One `peer.deliveryclient.addressOverrides` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressOverride {
    pub from: String,
    pub to: String,
    /// PEM of `caCertsFile` (empty when not set or TLS is off).
    pub ca_certs: Vec<u8>,
}

impl Default for DeliverClientConfig {
    /// Fabric's defaults.
    fn default() -> Self {
        DeliverClientConfig {
            conn_timeout: Duration::from_secs(3),
            reconnect_backoff_threshold: Duration::from_secs(3600),
            reconnect_total_time_threshold: Duration::from_secs(3600),
            keepalive_interval: Duration::from_secs(60),
            keepalive_timeout: Duration::from_secs(20),
            tls: None,
            address_overrides: Vec::new(),
        }
    }
}

impl DeliverClientConfig {
    /// Reads the settings from core.yaml; the client certificate is
    /// `peer.tls.clientCert.file` / `clientKey.file`, else the peer's own TLS pair.
    pub fn from_core(core: &CoreConfig) -> Result<Self, DeliverClientError> {
        let p = &core.peer;
        let dc = &p.deliveryclient;
        let nonzero = |d: Duration, default: Duration| if d.is_zero() { default } else { d };
        let defaults = DeliverClientConfig::default();
        let read = |path: &str| {
            let full = core.resolve_path(path);
            std::fs::read(&full).map_err(|e| DeliverClientError::TlsFile {
                path: full.display().to_string(),
                reason: e.to_string(),
            })
        };
        let tls = if p.tls.enabled {
            let cert = p
                .tls
                .client_cert_file
                .as_deref()
                .unwrap_or(&p.tls.cert_file);
            let key = p.tls.client_key_file.as_deref().unwrap_or(&p.tls.key_file);
            let client_identity = if cert.is_empty() || key.is_empty() {
                None
            } else {
                Some((read(cert)?, read(key)?))
            };
            let root_cas = match p.tls.rootcert_file.as_str() {
                "" => Vec::new(),
                f => vec![read(f)?],
            };
            Some(ClientTls {
                client_identity,
                root_cas,
            })
        } else {
            None
        };
        let mut address_overrides = Vec::new();
        for o in dc.address_overrides.iter().flatten() {
            let ca_certs = if tls.is_some() && !o.ca_certs_file.is_empty() {
                read(&o.ca_certs_file)?
            } else {
                Vec::new()
            };
            address_overrides.push(AddressOverride {
                from: o.from.clone(),
                to: o.to.clone(),
                ca_certs,
            });
        }
        Ok(DeliverClientConfig {
            address_overrides,
            conn_timeout: nonzero(dc.conn_timeout, defaults.conn_timeout),
            reconnect_backoff_threshold: nonzero(
                dc.re_connect_backoff_threshold,
                defaults.reconnect_backoff_threshold,
            ),
            reconnect_total_time_threshold: nonzero(
                dc.reconnect_total_time_threshold,
                defaults.reconnect_total_time_threshold,
            ),
            keepalive_interval: nonzero(
                p.keepalive.delivery_client.interval,
                defaults.keepalive_interval,
            ),
            keepalive_timeout: nonzero(
                p.keepalive.delivery_client.timeout,
                defaults.keepalive_timeout,
            ),
            tls,
        })
    }

    /// The wait before reconnect attempt `attempt` (0-based): 500 ms doubling, capped.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let step = Duration::from_millis(500).saturating_mul(1u32 << attempt.min(20));
        step.min(self.reconnect_backoff_threshold)
    }
}

/// A running deliver client; [`DeliverClient::stop`] ends it.
pub struct DeliverClient {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl DeliverClient {
    /// Starts pulling blocks of `channel_id` (must run inside tokio).
    pub fn start(
        channel_id: &str,
        state: Arc<dyn ChannelState>,
        sink: Arc<dyn BlockSink>,
        signer: Arc<dyn SigningIdentity>,
        config: DeliverClientConfig,
    ) -> Self {
        let (stop, stopped) = watch::channel(false);
        let provider = BlocksProvider {
            channel_id: channel_id.to_string(),
            state,
            sink,
            signer,
            config,
            stopped,
            receipts: VecDeque::new(),
        };
        DeliverClient {
            stop,
            task: tokio::spawn(provider.run()),
        }
    }

    /// Whether the client has given up (or was stopped).
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Stops the client and waits for its task to end.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Why one connection ended.
enum Ended {
    /// Stop was asked for.
    Stopped,
    /// Something went wrong; try again (maybe elsewhere) after a backoff.
    Retry,
    /// The orderer refused the request (BAD_REQUEST / FORBIDDEN).
    Refused,
}

struct BlocksProvider {
    channel_id: String,
    state: Arc<dyn ChannelState>,
    sink: Arc<dyn BlockSink>,
    signer: Arc<dyn SigningIdentity>,
    config: DeliverClientConfig,
    stopped: watch::Receiver<bool>,
    /// Receipts of the blocks handed to the sink whose commit outcome is not known yet.
    receipts: VecDeque<(u64, Committed)>,
}

/// Whether the block carries a config transaction (a config block holds just that one).
fn carries_config(block: &Block) -> bool {
    let first = block.data.as_ref().and_then(|d| d.data.first());
    first
        .and_then(|tx| crate::protoutil::envelope_from_block_data(tx).ok())
        .and_then(|e| crate::protoutil::payload(&e).ok())
        .and_then(|p| crate::protoutil::channel_header(&p).ok())
        .is_some_and(|h| h.r#type == HeaderType::Config as i32)
}

impl BlocksProvider {
    async fn run(mut self) {
        let mut next = 0u64;
        let mut attempt = 0u32;
        let mut failing_since: Option<Instant> = None;
        let mut refusals = 0u32;
        let mut endpoints: Vec<String> = Vec::new();
        loop {
            if endpoints.is_empty() {
                endpoints = orderer_endpoints(&self.state.bundle());
            }
            let Some(endpoint) = endpoints.pop() else {
                tracing::error!(target: LOG, "[{}] {}", self.channel_id,
                    DeliverClientError::NoEndpoints(self.channel_id.clone()));
                return;
            };
            let before = next;
            match self.connection(&endpoint, &mut next).await {
                Ended::Stopped => return,
                Ended::Refused => refusals += 1,
                Ended::Retry => refusals = 0,
            }
            if next > before {
                attempt = 0;
                failing_since = None;
            }
            if refusals > WRONG_STATUS_THRESHOLD {
                tracing::error!(target: LOG,
                    "[{}] Wrong statuses threshold passed, stopping block provider", self.channel_id);
                return;
            }
            let since = *failing_since.get_or_insert_with(Instant::now);
            if since.elapsed() >= self.config.reconnect_total_time_threshold {
                tracing::error!(target: LOG,
                    "[{}] Could not reach any orderer for {:?} (peer.deliveryclient.reconnectTotalTimeThreshold), giving up",
                    self.channel_id, self.config.reconnect_total_time_threshold);
                return;
            }
            let wait = self.config.backoff(attempt);
            attempt = attempt.saturating_add(1);
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.stopped.wait_for(|s| *s) => return,
            }
        }
    }

    /// One connection to one orderer: request blocks from `next` on and take them until
    /// the stream ends, fails, or a block does not verify.
    async fn connection(&mut self, endpoint: &str, next: &mut u64) -> Ended {
        let channel = self.channel_id.clone();
        // Every block handed on is committed or refused before asking again.
        self.settle().await;
        match self.state.ledger_height() {
            Ok(height) => *next = height,
            Err(e) => {
                tracing::error!(target: LOG, "Can't get ledger height for channel {channel} from committer [{e}]");
                return Ended::Retry;
            }
        }
        let bundle = self.state.bundle();
        let mut roots = orderer_tls_roots(&bundle);
        let mut target = endpoint;
        if let Some(o) = self
            .config
            .address_overrides
            .iter()
            .find(|o| o.from == endpoint)
        {
            tracing::debug!(target: LOG, "[{channel}] Overriding orderer endpoint {endpoint} with {}", o.to);
            target = &o.to;
            if !o.ca_certs.is_empty() {
                roots = vec![o.ca_certs.clone()];
            }
        }
        let target = target.to_string();
        let endpoint = target.as_str();
        let mut stream = match self.open(endpoint, &roots, *next).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(target: LOG, "[{channel}] {e}");
                return Ended::Retry;
            }
        };
        loop {
            let message = tokio::select! {
                m = stream.message() => m,
                _ = self.stopped.wait_for(|s| *s) => return Ended::Stopped,
            };
            if !self.receipts_ok() {
                return Ended::Retry;
            }
            let response = match message {
                Ok(Some(r)) => r,
                Ok(None) => {
                    tracing::warn!(target: LOG, "[{channel}] The orderer {endpoint} closed the stream");
                    return Ended::Retry;
                }
                Err(e) => {
                    tracing::warn!(target: LOG, "[{channel}] Receive error from {endpoint}: {}", e.message());
                    return Ended::Retry;
                }
            };
            match response.r#type {
                Some(deliver_response::Type::Block(block)) => {
                    let mut stopped = self.stopped.clone();
                    let taken = tokio::select! {
                        taken = self.take_block(block, *next) => taken,
                        _ = stopped.wait_for(|s| *s) => return Ended::Stopped,
                    };
                    if !taken {
                        return Ended::Retry;
                    }
                    *next += 1;
                }
                Some(deliver_response::Type::Status(s)) => return self.on_status(s, endpoint),
                None => {
                    tracing::warn!(target: LOG, "[{channel}] Received an empty response from {endpoint}");
                    return Ended::Retry;
                }
            }
        }
    }

    async fn open(
        &self,
        endpoint: &str,
        roots: &[Vec<u8>],
        start: u64,
    ) -> Result<tonic::Streaming<crate::protos::orderer::DeliverResponse>, DeliverClientError> {
        let mut client = connect::connect(endpoint, &self.config, roots).await?;
        let hash = tls_cert_hash(self.config.tls.as_ref());
        let request = seek_request(&self.channel_id, self.signer.as_ref(), start, hash)?;
        if start == 0 {
            tracing::info!(target: LOG, "Starting deliver with oldest block for channel {}", self.channel_id);
        } else {
            tracing::info!(target: LOG, "Starting deliver with block [{start}] for channel {}", self.channel_id);
        }
        let response = client
            .deliver(tokio_stream::iter(vec![request]))
            .await
            .map_err(|e| DeliverClientError::Connect {
                endpoint: endpoint.to_string(),
                reason: e.message().to_string(),
            })?;
        Ok(response.into_inner())
    }

    /// Verifies a block (on a blocking thread) and hands it on; `false` when it was
    /// refused. After a config block, waits for its commit.
    async fn take_block(&mut self, block: Block, expected: u64) -> bool {
        let channel = self.channel_id.clone();
        let number = block.header.as_ref().map_or(0, |h| h.number);
        let bundle = self.state.bundle();
        let verified = {
            let channel = channel.clone();
            tokio::task::spawn_blocking(move || {
                verify_block(&bundle, &channel, expected, &block).map(|()| block)
            })
            .await
        };
        let block = match verified {
            Ok(Ok(block)) => block,
            Ok(Err(e)) => {
                tracing::error!(target: LOG,
                    "[{channel}] Error verifying block with sequence number {number}, due to {e}");
                return false;
            }
            Err(e) => {
                tracing::error!(target: LOG, "[{channel}] Block [{number}] verification did not finish: {e}");
                return false;
            }
        };
        let size = prost::Message::encoded_len(&block);
        tracing::debug!(target: LOG, "[{channel}] Got block [{number}] of size {} KB from ordering service", size / 1024);
        let config = carries_config(&block);
        let receipt = match self.sink.deliver_block(block).await {
            Ok(receipt) => receipt,
            Err(e) => {
                tracing::error!(target: LOG, "[{channel}] Block [{number}] was not taken: {e}");
                return false;
            }
        };
        if config {
            if let Err(e) = receipt.wait().await {
                tracing::error!(target: LOG, "[{channel}] Block [{number}] was not committed: {e}");
                return false;
            }
            return true;
        }
        self.receipts.push_back((number, receipt));
        self.receipts_ok()
    }

    /// Drops the receipts that have answered; `false` if a block was not committed.
    fn receipts_ok(&mut self) -> bool {
        while let Some((number, receipt)) = self.receipts.front_mut() {
            let number = *number;
            match receipt.poll_now() {
                None => return true,
                Some(result) => {
                    self.receipts.pop_front();
                    if let Err(e) = result {
                        tracing::error!(target: LOG, "[{}] Block [{number}] was not committed: {e}", self.channel_id);
                        return false;
                    }
                }
            }
        }
        true
    }

    /// Waits for every outstanding receipt.
    async fn settle(&mut self) {
        while let Some((number, receipt)) = self.receipts.pop_front() {
            if let Err(e) = receipt.wait().await {
                tracing::error!(target: LOG, "[{}] Block [{number}] was not committed: {e}", self.channel_id);
            }
        }
    }

    fn on_status(&self, status: i32, endpoint: &str) -> Ended {
        let channel = &self.channel_id;
        let name = Status::try_from(status).map_or("UNKNOWN", |s| s.as_str_name());
        if status == Status::Success as i32 {
            tracing::warn!(target: LOG,
                "[{channel}] ERROR! Received success for a seek that should never complete");
            return Ended::Retry;
        }
        if status == Status::BadRequest as i32 || status == Status::Forbidden as i32 {
            tracing::error!(target: LOG, "[{channel}] Got error {name} from {endpoint}");
            return Ended::Refused;
        }
        tracing::warn!(target: LOG, "[{channel}] Got error {name} from {endpoint}");
        Ended::Retry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_half_a_second_up_to_the_threshold() {
        let config = DeliverClientConfig {
            reconnect_backoff_threshold: Duration::from_secs(3),
            ..DeliverClientConfig::default()
        };
        let waits: Vec<u64> = (0..6)
            .map(|a| config.backoff(a).as_millis() as u64)
            .collect();
        assert_eq!(waits, vec![500, 1000, 2000, 3000, 3000, 3000]);
        assert_eq!(config.backoff(1000), Duration::from_secs(3));
    }
}
