//! The Broadcast handler (Fabric's `orderer/common/broadcast`), free of gRPC: each envelope
//! is routed to its channel, checked, and handed to the channel's consenter; the answer is
//! Fabric's status and info text.
//!
//! The checks (signature, Writers policy, config update validation) run on tokio's blocking
//! pool, not on the async runtime; handing the message to the chain waits for room in the
//! chain's bounded queue, so a client broadcasting faster than the chain writes blocks is
//! slowed down. A stream's messages are handled one at a time, answered in order.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::consensus::{with_causes, Chain, ChainError};
use super::msgprocessor::ProcessError;
use super::multichannel::{Registrar, RouteError};
use crate::operations::fabric::{
    BROADCAST_ENQUEUE_DURATION, BROADCAST_PROCESSED_COUNT, BROADCAST_VALIDATE_DURATION,
};
use crate::operations::metrics::{Counter, Histogram, Metrics};
use crate::protos::common::{Envelope, HeaderType, Status};
use crate::protos::orderer::BroadcastResponse;

const LOG: &str = "orderer.common.broadcast";

/// Why a broadcast message was not ordered; each kind maps to the status Broadcast answers
/// with ([`BroadcastError::status`]), and its text is Fabric's info text.
#[derive(Debug, thiserror::Error)]
pub enum BroadcastError {
    /// The message could not be routed to a channel (bad header, unknown channel, a type
    /// clients may not send).
    #[error("{source}")]
    Route {
        channel: Option<String>,
        #[source]
        source: ProcessError,
    },
    /// The channel's checks refused the message.
    #[error("{source}")]
    Refused {
        channel: String,
        #[source]
        source: ProcessError,
    },
    /// The channel has no running consenter.
    #[error("the channel's consenter is not running")]
    NoConsenter { channel: String },
    /// The consenter refused the message (halted or failed).
    #[error("{source}")]
    Consenter {
        channel: String,
        #[source]
        source: ChainError,
    },
    /// The check of the message did not finish (its worker panicked or the orderer is
    /// stopping).
    #[error("the message could not be checked")]
    Aborted {
        #[source]
        source: tokio::task::JoinError,
    },
}

impl BroadcastError {
    /// The Broadcast status for this error (Fabric's `ClassifyError` and consenter errors).
    pub fn status(&self) -> Status {
        match self {
            BroadcastError::Route { source, .. } => match source {
                ProcessError::ChannelDoesNotExist => Status::NotFound,
                _ => Status::BadRequest,
            },
            BroadcastError::Refused { source, .. } => source.status(),
            BroadcastError::NoConsenter { .. }
            | BroadcastError::Consenter { .. }
            | BroadcastError::Aborted { .. } => Status::ServiceUnavailable,
        }
    }

    /// The channel the message was for, when its header could be read.
    pub fn channel(&self) -> &str {
        match self {
            BroadcastError::Route { channel, .. } => channel.as_deref().unwrap_or("unknown"),
            BroadcastError::Refused { channel, .. }
            | BroadcastError::NoConsenter { channel }
            | BroadcastError::Consenter { channel, .. } => channel,
            BroadcastError::Aborted { .. } => "unknown",
        }
    }
}

/// A checked message ready for its chain.
struct Checked {
    channel: String,
    chain: Arc<dyn Chain>,
    env: Envelope,
    config_seq: u64,
    is_config: bool,
}

/// Fabric's `broadcast.Metrics`, labelled by channel, header type and answer status.
#[derive(Clone)]
pub struct BroadcastMetrics {
    validate_duration: Histogram,
    enqueue_duration: Histogram,
    processed_count: Counter,
}

impl BroadcastMetrics {
    pub fn new(metrics: &Metrics) -> Self {
        BroadcastMetrics {
            validate_duration: metrics.histogram(BROADCAST_VALIDATE_DURATION),
            enqueue_duration: metrics.histogram(BROADCAST_ENQUEUE_DURATION),
            processed_count: metrics.counter(BROADCAST_PROCESSED_COUNT),
        }
    }

    /// Fabric's `MetricsTracker.Record`: the validation time (up to now when the message
    /// never got past validation), the enqueue time when enqueueing began, and one
    /// processed message.
    fn record(&self, tracker: &Tracker, status: Status) {
        let labels = [
            tracker.labels.channel.as_str(),
            tracker.labels.tx_type.as_str(),
            status.as_str_name(),
        ];
        let validated = tracker
            .validated
            .unwrap_or_else(|| tracker.started.elapsed());
        self.validate_duration.observe_duration(&labels, validated);
        if let Some(enqueue_started) = tracker.enqueue_started {
            self.enqueue_duration
                .observe_duration(&labels, enqueue_started.elapsed());
        }
        self.processed_count.add(&labels, 1.0);
    }
}

/// The channel and header type of a message, once its header was read ("" before).
#[derive(Default)]
struct Labels {
    channel: String,
    tx_type: String,
}

/// When one message's validation and enqueueing began and ended (Fabric's
/// `MetricsTracker`).
struct Tracker {
    labels: Labels,
    started: Instant,
    validated: Option<Duration>,
    enqueue_started: Option<Instant>,
}

impl Tracker {
    fn start() -> Self {
        Tracker {
            labels: Labels::default(),
            started: Instant::now(),
            validated: None,
            enqueue_started: None,
        }
    }
}

/// Go's `HeaderType.String()`: the Fabric name, or the number when unknown.
fn header_type_name(t: i32) -> String {
    HeaderType::try_from(t).map_or_else(|_| t.to_string(), |h| h.as_str_name().to_string())
}

/// Handles the envelopes of Broadcast streams.
pub struct BroadcastHandler {
    registrar: Arc<Registrar>,
    metrics: BroadcastMetrics,
}

fn response(status: Status, info: impl Into<String>) -> BroadcastResponse {
    BroadcastResponse {
        status: status as i32,
        info: info.into(),
    }
}

impl BroadcastHandler {
    /// A handler whose broadcast metrics go to a registry of its own; the orderer hands
    /// in its node's registry with [`BroadcastHandler::with_metrics`].
    pub fn new(registrar: Arc<Registrar>) -> Self {
        BroadcastHandler {
            registrar,
            metrics: BroadcastMetrics::new(&Metrics::new()),
        }
    }

    /// Counts the broadcast metrics in `metrics` (the node's registry).
    pub fn with_metrics(mut self, metrics: &Metrics) -> Self {
        self.metrics = BroadcastMetrics::new(metrics);
        self
    }

    /// Validates and enqueues one message, answering with Fabric's status and info text;
    /// `addr` names the client in logs.
    pub async fn process_message(&self, env: Envelope, addr: &str) -> BroadcastResponse {
        let mut tracker = Tracker::start();
        let answer = match self.order_tracked(env, &mut tracker).await {
            Ok(()) => response(Status::Success, ""),
            Err(e) => {
                log_refusal(&e, addr);
                response(e.status(), e.to_string())
            }
        };
        let status = Status::try_from(answer.status).unwrap_or(Status::Unknown);
        self.metrics.record(&tracker, status);
        answer
    }

    /// Checks one message off the async runtime, then waits for room in its chain's queue.
    pub async fn order(&self, env: Envelope) -> Result<(), BroadcastError> {
        let mut tracker = Tracker::start();
        self.order_tracked(env, &mut tracker).await
    }

    async fn order_tracked(
        &self,
        env: Envelope,
        tracker: &mut Tracker,
    ) -> Result<(), BroadcastError> {
        let registrar = self.registrar.clone();
        let (labels, checked) = tokio::task::spawn_blocking(move || {
            let mut labels = Labels::default();
            let checked = check(&registrar, env, &mut labels);
            (labels, checked)
        })
        .await
        .map_err(|source| BroadcastError::Aborted { source })?;
        tracker.labels = labels;
        let checked = checked?;
        tracker.validated = Some(tracker.started.elapsed());
        tracker.enqueue_started = Some(Instant::now());
        let Checked {
            channel,
            chain,
            env,
            config_seq,
            is_config,
        } = checked;
        let enqueued = match is_config {
            false => chain.order(env, config_seq).await,
            true => chain.configure(env, config_seq).await,
        };
        enqueued.map_err(|source| BroadcastError::Consenter { channel, source })
    }
}

/// Routes and checks a message (signature, policies, config update): the blocking part.
/// `labels` gets the message's channel and header type once its header is read.
fn check(
    registrar: &Registrar,
    env: Envelope,
    labels: &mut Labels,
) -> Result<Checked, BroadcastError> {
    let routed =
        registrar
            .broadcast_channel_support(&env)
            .map_err(|RouteError { channel_id, error }| {
                labels.channel = channel_id.clone().unwrap_or_default();
                BroadcastError::Route {
                    channel: channel_id,
                    source: error,
                }
            })?;
    let (chdr, is_config, support) = (routed.header, routed.is_config, routed.support);
    labels.channel = chdr.channel_id.clone();
    labels.tx_type = header_type_name(chdr.r#type);
    let channel = chdr.channel_id;
    let refused = |channel: &str, source| BroadcastError::Refused {
        channel: channel.to_string(),
        source,
    };
    let Some(chain) = support.chain() else {
        return Err(BroadcastError::NoConsenter { channel });
    };
    if !is_config {
        if support.channel_id() != channel {
            // Normal messages for a channel this orderer does not have reach the system
            // channel, which refuses them.
            return Err(refused(&channel, ProcessError::ChannelDoesNotExist));
        }
        let config_seq = support
            .process_normal(&env)
            .map_err(|e| refused(&channel, e))?;
        return Ok(Checked {
            channel,
            chain,
            env,
            config_seq,
            is_config,
        });
    }
    let (config, config_seq) = support
        .process_config_update(&env)
        .map_err(|e| refused(&channel, e))?;
    Ok(Checked {
        channel,
        chain,
        env: config,
        config_seq,
        is_config,
    })
}

fn log_refusal(e: &BroadcastError, addr: &str) {
    let channel = e.channel();
    match e {
        BroadcastError::Route { source, .. } => tracing::warn!(target: LOG,
            "[channel: {channel}] Could not get message processor for serving {addr}: {source}"),
        BroadcastError::Consenter { .. } => tracing::warn!(target: LOG,
            "[channel: {channel}] Rejecting broadcast of message from {addr} with SERVICE_UNAVAILABLE: rejected by Consenter: {}",
            with_causes(e)),
        _ => tracing::warn!(target: LOG,
            "[channel: {channel}] Rejecting broadcast of message from {addr} because of error: {}",
            with_causes(e)),
    }
}
