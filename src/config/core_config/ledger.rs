//! `ledger.*`: state database and history database settings.

use std::time::Duration;

use serde_yaml::Value;

use super::keys::Keys;
use crate::config::ConfigError;

/// `ledger`.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerConfig {
    /// `ledger.blockchain`: an empty section Fabric reserves and never reads.
    pub blockchain: Option<Value>,
    pub state: LedgerStateConfig,
    /// `ledger.history.enableHistoryDatabase`.
    pub enable_history_database: bool,
}

/// `ledger.state`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerStateConfig {
    /// "goleveldb" or "CouchDB".
    pub state_database: String,
    pub total_query_limit: i64,
    pub couch_db_config: CouchDbConfig,
}

/// `ledger.state.couchDBConfig`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouchDbConfig {
    pub couch_db_address: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub max_retries: i64,
    pub max_retries_on_startup: i64,
    pub request_timeout: Duration,
    pub internal_query_limit: i64,
    pub max_batch_update_size: i64,
    pub warm_indexes_after_n_blocks: i64,
    pub create_global_changes_db: bool,
}

impl LedgerConfig {
    pub(crate) fn read(k: &Keys) -> Result<Self, ConfigError> {
        let c = |name: &str| format!("ledger.state.couchDBConfig.{name}");
        Ok(LedgerConfig {
            blockchain: k.raw("ledger.blockchain"),
            state: LedgerStateConfig {
                state_database: k.string("ledger.state.stateDatabase", "goleveldb")?,
                total_query_limit: k.int("ledger.state.totalQueryLimit", 100_000)?,
                couch_db_config: CouchDbConfig {
                    couch_db_address: k.string(&c("couchDBAddress"), "127.0.0.1:5984")?,
                    username: k.opt_string(&c("username"))?,
                    password: k.opt_string(&c("password"))?,
                    max_retries: k.int(&c("maxRetries"), 3)?,
                    max_retries_on_startup: k.int(&c("maxRetriesOnStartup"), 12)?,
                    request_timeout: k.duration(&c("requestTimeout"), Duration::from_secs(35))?,
                    internal_query_limit: k.int(&c("internalQueryLimit"), 1000)?,
                    max_batch_update_size: k.int(&c("maxBatchUpdateSize"), 1000)?,
                    warm_indexes_after_n_blocks: k.int(&c("warmIndexesAfterNBlocks"), 1)?,
                    create_global_changes_db: k.bool(&c("createGlobalChangesDB"), false)?,
                },
            },
            enable_history_database: k.bool("ledger.history.enableHistoryDatabase", true)?,
        })
    }
}
