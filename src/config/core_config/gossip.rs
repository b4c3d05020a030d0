//! `peer.gossip.*`: membership, dissemination, election, private data and state transfer.

use std::time::Duration;

use super::keys::Keys;
use crate::config::ConfigError;

const fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// `peer.gossip`.
#[derive(Debug, Clone, PartialEq)]
pub struct GossipConfig {
    pub bootstrap: Vec<String>,
    pub use_leader_election: bool,
    pub org_leader: bool,
    pub membership_tracker_interval: Duration,
    /// Overrides the endpoint the peer announces inside its organization.
    pub endpoint: Option<String>,
    pub max_block_count_to_store: i64,
    pub max_propagation_burst_latency: Duration,
    pub max_propagation_burst_size: i64,
    pub propagate_iterations: i64,
    pub propagate_peer_num: i64,
    pub pull_interval: Duration,
    pub pull_peer_num: i64,
    pub request_state_info_interval: Duration,
    pub publish_state_info_interval: Duration,
    pub state_info_retention_interval: Option<Duration>,
    pub publish_cert_period: Duration,
    pub skip_block_verification: bool,
    pub dial_timeout: Duration,
    pub conn_timeout: Duration,
    pub recv_buff_size: i64,
    pub send_buff_size: i64,
    pub digest_wait_time: Duration,
    pub request_wait_time: Duration,
    pub response_wait_time: Duration,
    pub alive_time_interval: Duration,
    pub alive_expiration_timeout: Duration,
    pub reconnect_interval: Duration,
    pub max_connection_attempts: i64,
    pub msg_expiration_factor: i64,
    /// The endpoint announced to other organizations; unset keeps the peer private.
    pub external_endpoint: Option<String>,
    pub election: ElectionConfig,
    pub pvt_data: PvtDataConfig,
    pub state: StateConfig,
}

/// `peer.gossip.election`.
#[derive(Debug, Clone, PartialEq)]
pub struct ElectionConfig {
    pub startup_grace_period: Duration,
    pub membership_sample_interval: Duration,
    pub leader_alive_threshold: Duration,
    pub leader_election_duration: Duration,
}

/// `peer.gossip.pvtData`.
#[derive(Debug, Clone, PartialEq)]
pub struct PvtDataConfig {
    pub pull_retry_threshold: Duration,
    pub transientstore_max_block_retention: i64,
    pub push_ack_timeout: Duration,
    pub btl_pull_margin: i64,
    pub reconcile_batch_size: i64,
    pub reconcile_sleep_interval: Duration,
    pub reconciliation_enabled: bool,
    pub skip_pulling_invalid_transactions_during_commit: bool,
}

/// `peer.gossip.state`.
#[derive(Debug, Clone, PartialEq)]
pub struct StateConfig {
    pub enabled: bool,
    pub check_interval: Duration,
    pub response_timeout: Duration,
    pub batch_size: i64,
    pub block_buffer_size: i64,
    pub max_retries: i64,
}

impl GossipConfig {
    pub(crate) fn read(k: &Keys) -> Result<Self, ConfigError> {
        let p = "peer.gossip";
        let key = |name: &str| format!("{p}.{name}");
        Ok(GossipConfig {
            bootstrap: k.strings(&key("bootstrap"), &["127.0.0.1:7051"])?,
            use_leader_election: k.bool(&key("useLeaderElection"), true)?,
            org_leader: k.bool(&key("orgLeader"), false)?,
            membership_tracker_interval: k.duration(&key("membershipTrackerInterval"), secs(5))?,
            endpoint: k.opt_string(&key("endpoint"))?,
            max_block_count_to_store: k.int(&key("maxBlockCountToStore"), 100)?,
            max_propagation_burst_latency: k.duration(
                &key("maxPropagationBurstLatency"),
                Duration::from_millis(10),
            )?,
            max_propagation_burst_size: k.int(&key("maxPropagationBurstSize"), 10)?,
            propagate_iterations: k.int(&key("propagateIterations"), 1)?,
            propagate_peer_num: k.int(&key("propagatePeerNum"), 3)?,
            pull_interval: k.duration(&key("pullInterval"), secs(4))?,
            pull_peer_num: k.int(&key("pullPeerNum"), 3)?,
            request_state_info_interval: k.duration(&key("requestStateInfoInterval"), secs(4))?,
            publish_state_info_interval: k.duration(&key("publishStateInfoInterval"), secs(4))?,
            state_info_retention_interval: k.opt_duration(&key("stateInfoRetentionInterval"))?,
            publish_cert_period: k.duration(&key("publishCertPeriod"), secs(10))?,
            skip_block_verification: k.bool(&key("skipBlockVerification"), false)?,
            dial_timeout: k.duration(&key("dialTimeout"), secs(3))?,
            conn_timeout: k.duration(&key("connTimeout"), secs(2))?,
            recv_buff_size: k.int(&key("recvBuffSize"), 20)?,
            send_buff_size: k.int(&key("sendBuffSize"), 200)?,
            digest_wait_time: k.duration(&key("digestWaitTime"), secs(1))?,
            request_wait_time: k.duration(&key("requestWaitTime"), Duration::from_millis(1500))?,
            response_wait_time: k.duration(&key("responseWaitTime"), secs(2))?,
            alive_time_interval: k.duration(&key("aliveTimeInterval"), secs(5))?,
            alive_expiration_timeout: k.duration(&key("aliveExpirationTimeout"), secs(25))?,
            reconnect_interval: k.duration(&key("reconnectInterval"), secs(25))?,
            max_connection_attempts: k.int(&key("maxConnectionAttempts"), 120)?,
            msg_expiration_factor: k.int(&key("msgExpirationFactor"), 20)?,
            external_endpoint: k.opt_string(&key("externalEndpoint"))?,
            election: ElectionConfig::read(k)?,
            pvt_data: PvtDataConfig::read(k)?,
            state: StateConfig::read(k)?,
        })
    }
}

impl ElectionConfig {
    fn read(k: &Keys) -> Result<Self, ConfigError> {
        let key = |name: &str| format!("peer.gossip.election.{name}");
        Ok(ElectionConfig {
            startup_grace_period: k.duration(&key("startupGracePeriod"), secs(15))?,
            membership_sample_interval: k.duration(&key("membershipSampleInterval"), secs(1))?,
            leader_alive_threshold: k.duration(&key("leaderAliveThreshold"), secs(10))?,
            leader_election_duration: k.duration(&key("leaderElectionDuration"), secs(5))?,
        })
    }
}

impl PvtDataConfig {
    fn read(k: &Keys) -> Result<Self, ConfigError> {
        let key = |name: &str| format!("peer.gossip.pvtData.{name}");
        Ok(PvtDataConfig {
            pull_retry_threshold: k.duration(&key("pullRetryThreshold"), secs(60))?,
            transientstore_max_block_retention: k
                .int(&key("transientstoreMaxBlockRetention"), 1000)?,
            push_ack_timeout: k.duration(&key("pushAckTimeout"), secs(3))?,
            btl_pull_margin: k.int(&key("btlPullMargin"), 10)?,
            reconcile_batch_size: k.int(&key("reconcileBatchSize"), 10)?,
            reconcile_sleep_interval: k.duration(&key("reconcileSleepInterval"), secs(60))?,
            reconciliation_enabled: k.bool(&key("reconciliationEnabled"), true)?,
            skip_pulling_invalid_transactions_during_commit: k
                .bool(&key("skipPullingInvalidTransactionsDuringCommit"), false)?,
        })
    }
}

impl StateConfig {
    fn read(k: &Keys) -> Result<Self, ConfigError> {
        let key = |name: &str| format!("peer.gossip.state.{name}");
        Ok(StateConfig {
            enabled: k.bool(&key("enabled"), true)?,
            check_interval: k.duration(&key("checkInterval"), secs(10))?,
            response_timeout: k.duration(&key("responseTimeout"), secs(3))?,
            batch_size: k.int(&key("batchSize"), 10)?,
            block_buffer_size: k.int(&key("blockBufferSize"), 100)?,
            max_retries: k.int(&key("maxRetries"), 3)?,
        })
    }
}
