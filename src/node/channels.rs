//! The per-channel work of a running peer: a deliver client pulling blocks from the
//! channel's orderers into a [`CommitterSink`] (validate with the committer, commit to the
//! ledger, update metrics). Started for every channel found at start and for every channel
//! joined later (cscc's after-join hook); stopped together at shutdown.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use prost::Message;

use crate::committer::LedgerCommitter;
use crate::deliver::client::{BlockSink, DeliverClient, DeliverClientConfig};
use crate::msp::SigningIdentity;
use crate::operations::metrics::{Counter, Gauge, MetricOpts, Metrics};
use crate::peer::Channel;
use crate::protos::common::{Block, HeaderType};
use crate::protos::protos::ChaincodeHeaderExtension;
use crate::protoutil::{channel_header, envelope_from_block_data, payload};

/// `ledger_transaction_count` (Fabric's kvledger metric).
pub const TRANSACTION_COUNT: MetricOpts = MetricOpts {
    namespace: "ledger",
    subsystem: "",
    name: "transaction_count",
    help: "Number of transactions processed.",
    label_names: &[
        "channel",
        "transaction_type",
        "chaincode",
        "validation_code",
    ],
};

/// `ledger_blockchain_height{channel}` (Fabric's kvledger metric).
pub const BLOCKCHAIN_HEIGHT: MetricOpts = MetricOpts {
    namespace: "ledger",
    subsystem: "",
    name: "blockchain_height",
    help: "Height of the chain in blocks.",
    label_names: &["channel"],
};

/// Where a channel's verified blocks go: the committer, then the metrics.
pub struct CommitterSink {
    channel: Arc<Channel>,
    committer: LedgerCommitter,
    height: Gauge,
    transactions: Counter,
    timings: super::metrics::LedgerTimingMetrics,
}

impl CommitterSink {
    pub fn new(channel: Arc<Channel>, committer: LedgerCommitter, metrics: &Metrics) -> Self {
        CommitterSink {
            channel,
            committer,
            height: metrics.gauge(BLOCKCHAIN_HEIGHT),
            transactions: metrics.counter(TRANSACTION_COUNT),
            timings: super::metrics::LedgerTimingMetrics::new(metrics),
        }
    }
}

/// (transaction type, chaincode) of one transaction in a block, for the metric labels.
fn tx_labels(data: &[u8]) -> (String, String) {
    let Ok(chdr) = envelope_from_block_data(data)
        .and_then(|e| payload(&e))
        .and_then(|p| channel_header(&p))
    else {
        return ("UNKNOWN".into(), String::new());
    };
    let kind = HeaderType::try_from(chdr.r#type)
        .map(|t| t.as_str_name().to_string())
        .unwrap_or_else(|_| chdr.r#type.to_string());
    let chaincode = if chdr.r#type == HeaderType::EndorserTransaction as i32 {
        ChaincodeHeaderExtension::decode(chdr.extension.as_slice())
            .ok()
            .and_then(|x| x.chaincode_id)
            .map(|id| id.name)
            .unwrap_or_default()
    } else {
        String::new()
    };
    (kind, chaincode)
}

impl BlockSink for CommitterSink {
    fn deliver_block(&self, block: Block) -> Result<(), String> {
        let number = block.header.as_ref().map_or(0, |h| h.number);
        let labels: Vec<(String, String)> = block
            .data
            .as_ref()
            .map(|d| d.data.iter().map(|tx| tx_labels(tx)).collect())
            .unwrap_or_default();
        let id = self.channel.id().to_string();
        let result = self
            .committer
            .store_block(&self.channel, block)
            .map_err(|e| e.to_string())?;
        self.height.set(&[&id], (number + 1) as f64);
        self.timings.observe(&id, &result.timings);
        for ((kind, chaincode), code) in labels.iter().zip(&result.tx_validation_codes) {
            self.transactions
                .add(&[&id, kind, chaincode, code.as_str_name()], 1.0);
        }
        Ok(())
    }
}

/// The deliver clients of all channels.
pub struct ChannelServices {
    committer: LedgerCommitter,
    signer: Arc<dyn SigningIdentity>,
    deliver_config: DeliverClientConfig,
    metrics: Arc<Metrics>,
    runtime: tokio::runtime::Handle,
    clients: Mutex<BTreeMap<String, DeliverClient>>,
}

impl ChannelServices {
    /// Must be created inside the tokio runtime the deliver clients will run on.
    pub fn new(
        committer: LedgerCommitter,
        signer: Arc<dyn SigningIdentity>,
        deliver_config: DeliverClientConfig,
        metrics: Arc<Metrics>,
    ) -> Self {
        ChannelServices {
            committer,
            signer,
            deliver_config,
            metrics,
            runtime: tokio::runtime::Handle::current(),
            clients: Mutex::new(BTreeMap::new()),
        }
    }

    /// Starts pulling blocks for `channel` (once; a second call for it does nothing).
    pub fn start_channel(&self, channel: &Arc<Channel>) {
        let id = channel.id().to_string();
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if clients.contains_key(&id) {
            return;
        }
        let height = *channel.ledger().height_watch().borrow();
        self.metrics
            .gauge(BLOCKCHAIN_HEIGHT)
            .set(&[&id], height as f64);
        let sink = Arc::new(CommitterSink::new(
            channel.clone(),
            self.committer.clone(),
            &self.metrics,
        ));
        let _guard = self.runtime.enter();
        let client = DeliverClient::start(
            &id,
            channel.clone(),
            sink,
            self.signer.clone(),
            self.deliver_config.clone(),
        );
        tracing::info!(target: "peer", "Deliver client started for channel [{id}] at height {height}");
        clients.insert(id, client);
    }

    /// Stops every deliver client and waits for them.
    pub async fn stop_all(&self) {
        let clients = std::mem::take(&mut *self.clients.lock().unwrap_or_else(|e| e.into_inner()));
        for (id, client) in clients {
            client.stop().await;
            tracing::debug!(target: "peer", "Deliver client for channel [{id}] stopped");
        }
    }
}
