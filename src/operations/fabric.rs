//! Fabric v1.4.12's metric options for the subsystems this node implements, with the
//! names, label names, help texts and histogram buckets of Fabric's `metrics.CounterOpts`,
//! `GaugeOpts` and `HistogramOpts` (as listed in Fabric's docs/source/metrics_reference.rst
//! at v1.4.12). Histograms without buckets in Fabric use the Prometheus defaults.

use super::metrics::{HistogramOpts, MetricOpts};

/// The buckets of Fabric's kvledger and blkstorage histograms.
pub const LEDGER_BUCKETS: &[f64] = &[0.005, 0.01, 0.015, 0.05, 0.1, 1.0, 10.0];

/// `blockcutter_block_fill_duration` (histogram; orderer).
pub const BLOCKCUTTER_BLOCK_FILL_DURATION: HistogramOpts = HistogramOpts {
    opts: MetricOpts {
        label_names: &["channel"],
        ..MetricOpts::new(
            "blockcutter",
            "",
            "block_fill_duration",
            "The time from first transaction enqueing to the block being cut in seconds.",
        )
    },
    buckets: &[],
};

/// `broadcast_enqueue_duration` (histogram; orderer).
pub const BROADCAST_ENQUEUE_DURATION: HistogramOpts = HistogramOpts {
    opts: MetricOpts {
        label_names: &["channel", "type", "status"],
        ..MetricOpts::new(
            "broadcast",
            "",
            "enqueue_duration",
            "The time to enqueue a transaction in seconds.",
        )
    },
    buckets: &[],
};

/// `broadcast_processed_count` (counter; orderer).
pub const BROADCAST_PROCESSED_COUNT: MetricOpts = MetricOpts {
    label_names: &["channel", "type", "status"],
    ..MetricOpts::new(
        "broadcast",
        "",
        "processed_count",
        "The number of transactions processed.",
    )
};

/// `broadcast_validate_duration` (histogram; orderer).
pub const BROADCAST_VALIDATE_DURATION: HistogramOpts = HistogramOpts {
    opts: MetricOpts {
        label_names: &["channel", "type", "status"],
        ..MetricOpts::new(
            "broadcast",
            "",
            "validate_duration",
            "The time to validate a transaction in seconds.",
        )
    },
    buckets: &[],
};

/// `chaincode_execute_timeouts` (counter; peer).
pub const CHAINCODE_EXECUTE_TIMEOUTS: MetricOpts = MetricOpts {
    label_names: &["chaincode"],
    ..MetricOpts::new(
        "chaincode",
        "",
        "execute_timeouts",
        "The number of chaincode executions (Init or Invoke) that have timed out.",
    )
};

/// `chaincode_launch_duration` (histogram; peer).
pub const CHAINCODE_LAUNCH_DURATION: HistogramOpts = HistogramOpts {
    opts: MetricOpts {
        label_names: &["chaincode", "success"],
        ..MetricOpts::new(
            "chaincode",
            "",
            "launch_duration",
            "The time to launch a chaincode.",
        )
    },
    buckets: &[],
};

/// `chaincode_launch_failures` (counter; peer).
pub const CHAINCODE_LAUNCH_FAILURES: MetricOpts = MetricOpts {
    label_names: &["chaincode"],
    ..MetricOpts::new(
        "chaincode",
        "",
        "launch_failures",
        "The number of chaincode launches that have failed.",
    )
};

/// `chaincode_launch_timeouts` (counter; peer).
pub const CHAINCODE_LAUNCH_TIMEOUTS: MetricOpts = MetricOpts {
    label_names: &["chaincode"],
    ..MetricOpts::new(
        "chaincode",
        "",
        "launch_timeouts",
        "The number of chaincode launches that have timed out.",
    )
};

/// `chaincode_shim_request_duration` (histogram; peer).
pub const CHAINCODE_SHIM_REQUEST_DURATION: HistogramOpts = HistogramOpts {
    opts: MetricOpts {
        label_names: &["type", "channel", "chaincode", "success"],
        ..MetricOpts::new(
            "chaincode",
            "",
            "shim_request_duration",
            "The time to complete chaincode shim requests.",
        )
    },
    buckets: &[],
};

/// `chaincode_shim_requests_completed` (counter; peer).
pub const CHAINCODE_SHIM_REQUESTS_COMPLETED: MetricOpts = MetricOpts {
    label_names: &["type", "channel", "chaincode", "success"],
    ..MetricOpts::new(
        "chaincode",
        "",
        "shim_requests_completed",
        "The number of chaincode shim requests completed.",
    )
};

/// `chaincode_shim_requests_received` (counter; peer).
pub const CHAINCODE_SHIM_REQUESTS_RECEIVED: MetricOpts = MetricOpts {
    label_names: &["type", "channel", "chaincode"],
    ..MetricOpts::new(
        "chaincode",
        "",
        "shim_requests_received",
        "The number of chaincode shim requests received.",
    )
};

/// `deliver_blocks_sent` (counter; orderer and peer).
pub const DELIVER_BLOCKS_SENT: MetricOpts = MetricOpts {
    label_names: &["channel", "filtered"],
    ..MetricOpts::new(
        "deliver",
        "",
        "blocks_sent",
        "The number of blocks sent by the deliver service.",
    )
};

/// `deliver_requests_completed` (counter; orderer and peer).
pub const DELIVER_REQUESTS_COMPLETED: MetricOpts = MetricOpts {
    label_names: &["channel", "filtered", "success"],
    ..MetricOpts::new(
        "deliver",
        "",
        "requests_completed",
        "The number of deliver requests that have been completed.",
    )
};

/// `deliver_requests_received` (counter; orderer and peer).
pub const DELIVER_REQUESTS_RECEIVED: MetricOpts = MetricOpts {
    label_names: &["channel", "filtered"],
    ..MetricOpts::new(
        "deliver",
        "",
        "requests_received",
        "The number of deliver requests that have been received.",
    )
};

/// `deliver_streams_closed` (counter; orderer and peer).
pub const DELIVER_STREAMS_CLOSED: MetricOpts = MetricOpts {
    ..MetricOpts::new(
        "deliver",
        "",
        "streams_closed",
        "The number of GRPC streams that have been closed for the deliver service.",
    )
};

/// `deliver_streams_opened` (counter; orderer and peer).
pub const DELIVER_STREAMS_OPENED: MetricOpts = MetricOpts {
    ..MetricOpts::new(
        "deliver",
        "",
        "streams_opened",
        "The number of GRPC streams that have been opened for the deliver service.",
    )
};

/// `endorser_chaincode_instantiation_failures` (counter; peer).
pub const ENDORSER_CHAINCODE_INSTANTIATION_FAILURES: MetricOpts = MetricOpts {
    label_names: &["channel", "chaincode"],
    ..MetricOpts::new(
        "endorser",
        "",
        "chaincode_instantiation_failures",
        "The number of chaincode instantiations or upgrade that have failed.",
    )
};

/// `endorser_duplicate_transaction_failures` (counter; peer).
pub const ENDORSER_DUPLICATE_TRANSACTION_FAILURES: MetricOpts = MetricOpts {
    label_names: &["channel", "chaincode"],
    ..MetricOpts::new(
        "endorser",
        "",
        "duplicate_transaction_failures",
        "The number of failed proposals due to duplicate transaction ID.",
    )
};

/// `endorser_endorsement_failures` (counter; peer).
pub const ENDORSER_ENDORSEMENT_FAILURES: MetricOpts = MetricOpts {
    label_names: &["channel", "chaincode", "chaincodeerror"],
    ..MetricOpts::new(
        "endorser",
        "",
        "endorsement_failures",
        "The number of failed endorsements.",
    )
};

/// `endorser_proposal_acl_failures` (counter; peer).
pub const ENDORSER_PROPOSAL_ACL_FAILURES: MetricOpts = MetricOpts {
    label_names: &["channel", "chaincode"],
    ..MetricOpts::new(
        "endorser",
        "",
        "proposal_acl_failures",
        "The number of proposals that failed ACL checks.",
    )
};

/// `endorser_proposal_duration` (histogram; peer).
pub const ENDORSER_PROPOSAL_DURATION: HistogramOpts = HistogramOpts {
    opts: MetricOpts {
        label_names: &["channel", "chaincode", "success"],
        ..MetricOpts::new(
            "endorser",
            "",
            "proposal_duration",
            "The time to complete a proposal.",
        )
    },
    buckets: &[],
};

/// `endorser_proposal_validation_failures` (counter; peer).
pub const ENDORSER_PROPOSAL_VALIDATION_FAILURES: MetricOpts = MetricOpts {
    ..MetricOpts::new(
        "endorser",
        "",
        "proposal_validation_failures",
        "The number of proposals that have failed initial validation.",
    )
};

/// `endorser_proposals_received` (counter; peer).
pub const ENDORSER_PROPOSALS_RECEIVED: MetricOpts = MetricOpts {
    ..MetricOpts::new(
        "endorser",
        "",
        "proposals_received",
        "The number of proposals received.",
    )
};

/// `endorser_successful_proposals` (counter; peer).
pub const ENDORSER_SUCCESSFUL_PROPOSALS: MetricOpts = MetricOpts {
    ..MetricOpts::new(
        "endorser",
        "",
        "successful_proposals",
        "The number of successful proposals.",
    )
};

/// `grpc_comm_conn_closed` (counter; orderer and peer).
pub const GRPC_COMM_CONN_CLOSED: MetricOpts = MetricOpts {
    ..MetricOpts::new(
        "grpc",
        "comm",
        "conn_closed",
        "gRPC connections closed. Open minus closed is the active number of connections.",
    )
};

/// `grpc_comm_conn_opened` (counter; orderer and peer).
pub const GRPC_COMM_CONN_OPENED: MetricOpts = MetricOpts {
    ..MetricOpts::new(
        "grpc",
        "comm",
        "conn_opened",
        "gRPC connections opened. Open minus closed is the active number of connections.",
    )
};

/// `grpc_server_stream_messages_received` (counter; orderer and peer).
pub const GRPC_SERVER_STREAM_MESSAGES_RECEIVED: MetricOpts = MetricOpts {
    label_names: &["service", "method"],
    ..MetricOpts::new(
        "grpc",
        "server",
        "stream_messages_received",
        "The number of stream messages received.",
    )
};

/// `grpc_server_stream_messages_sent` (counter; orderer and peer).
pub const GRPC_SERVER_STREAM_MESSAGES_SENT: MetricOpts = MetricOpts {
    label_names: &["service", "method"],
    ..MetricOpts::new(
        "grpc",
        "server",
        "stream_messages_sent",
        "The number of stream messages sent.",
    )
};

/// `grpc_server_stream_request_duration` (histogram; orderer and peer).
pub const GRPC_SERVER_STREAM_REQUEST_DURATION: HistogramOpts = HistogramOpts {
    opts: MetricOpts {
        label_names: &["service", "method", "code"],
        ..MetricOpts::new(
            "grpc",
            "server",
            "stream_request_duration",
            "The time to complete a stream request.",
        )
    },
    buckets: &[],
};

/// `grpc_server_stream_requests_completed` (counter; orderer and peer).
pub const GRPC_SERVER_STREAM_REQUESTS_COMPLETED: MetricOpts = MetricOpts {
    label_names: &["service", "method", "code"],
    ..MetricOpts::new(
        "grpc",
        "server",
        "stream_requests_completed",
        "The number of stream requests completed.",
    )
};

/// `grpc_server_stream_requests_received` (counter; orderer and peer).
pub const GRPC_SERVER_STREAM_REQUESTS_RECEIVED: MetricOpts = MetricOpts {
    label_names: &["service", "method"],
    ..MetricOpts::new(
        "grpc",
        "server",
        "stream_requests_received",
        "The number of stream requests received.",
    )
};

/// `grpc_server_unary_request_duration` (histogram; orderer and peer).
pub const GRPC_SERVER_UNARY_REQUEST_DURATION: HistogramOpts = HistogramOpts {
    opts: MetricOpts {
        label_names: &["service", "method", "code"],
        ..MetricOpts::new(
            "grpc",
            "server",
            "unary_request_duration",
            "The time to complete a unary request.",
        )
    },
    buckets: &[],
};

/// `grpc_server_unary_requests_completed` (counter; orderer and peer).
pub const GRPC_SERVER_UNARY_REQUESTS_COMPLETED: MetricOpts = MetricOpts {
    label_names: &["service", "method", "code"],
    ..MetricOpts::new(
        "grpc",
        "server",
        "unary_requests_completed",
        "The number of unary requests completed.",
    )
};

/// `grpc_server_unary_requests_received` (counter; orderer and peer).
pub const GRPC_SERVER_UNARY_REQUESTS_RECEIVED: MetricOpts = MetricOpts {
    label_names: &["service", "method"],
    ..MetricOpts::new(
        "grpc",
        "server",
        "unary_requests_received",
        "The number of unary requests received.",
    )
};

/// `ledger_block_processing_time` (histogram; peer).
pub const LEDGER_BLOCK_PROCESSING_TIME: HistogramOpts = HistogramOpts {
    opts: MetricOpts {
        label_names: &["channel"],
        ..MetricOpts::new(
            "ledger",
            "",
            "block_processing_time",
            "Time taken in seconds for ledger block processing.",
        )
    },
    buckets: LEDGER_BUCKETS,
};

/// `ledger_blockchain_height` (gauge; orderer and peer).
pub const LEDGER_BLOCKCHAIN_HEIGHT: MetricOpts = MetricOpts {
    label_names: &["channel"],
    ..MetricOpts::new(
        "ledger",
        "",
        "blockchain_height",
        "Height of the chain in blocks.",
    )
};

/// `ledger_blockstorage_and_pvtdata_commit_time` (histogram; peer).
pub const LEDGER_BLOCKSTORAGE_AND_PVTDATA_COMMIT_TIME: HistogramOpts = HistogramOpts {
    opts: MetricOpts {
        label_names: &["channel"],
        ..MetricOpts::new(
            "ledger",
            "",
            "blockstorage_and_pvtdata_commit_time",
            "Time taken in seconds for committing the block and private data to storage.",
        )
    },
    buckets: LEDGER_BUCKETS,
};

/// `ledger_blockstorage_commit_time` (histogram; orderer and peer).
pub const LEDGER_BLOCKSTORAGE_COMMIT_TIME: HistogramOpts = HistogramOpts {
    opts: MetricOpts {
        label_names: &["channel"],
        ..MetricOpts::new(
            "ledger",
            "",
            "blockstorage_commit_time",
            "Time taken in seconds for committing the block to storage.",
        )
    },
    buckets: LEDGER_BUCKETS,
};

/// `ledger_statedb_commit_time` (histogram; peer).
pub const LEDGER_STATEDB_COMMIT_TIME: HistogramOpts = HistogramOpts {
    opts: MetricOpts {
        label_names: &["channel"],
        ..MetricOpts::new(
            "ledger",
            "",
            "statedb_commit_time",
            "Time taken in seconds for committing block changes to state db.",
        )
    },
    buckets: LEDGER_BUCKETS,
};

/// `ledger_transaction_count` (counter; peer).
pub const LEDGER_TRANSACTION_COUNT: MetricOpts = MetricOpts {
    label_names: &[
        "channel",
        "transaction_type",
        "chaincode",
        "validation_code",
    ],
    ..MetricOpts::new(
        "ledger",
        "",
        "transaction_count",
        "Number of transactions processed.",
    )
};

/// `logging_entries_checked` (counter; orderer and peer).
pub const LOGGING_ENTRIES_CHECKED: MetricOpts = MetricOpts {
    label_names: &["level"],
    ..MetricOpts::new(
        "logging",
        "",
        "entries_checked",
        "Number of log entries checked against the active logging level",
    )
};

/// `logging_entries_written` (counter; orderer and peer).
pub const LOGGING_ENTRIES_WRITTEN: MetricOpts = MetricOpts {
    label_names: &["level"],
    ..MetricOpts::new(
        "logging",
        "",
        "entries_written",
        "Number of log entries that are written",
    )
};
