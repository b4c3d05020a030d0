//! core.yaml keys against Fabric v1.4.12's key table (tests/vectors/config-keys/core-keys.tsv):
//! our sampleconfig/core.yaml and an empty core.yaml must both give Fabric's defaults for
//! every key, and a CORE_* variable must override every scalar key. Also the search order,
//! path resolution and error messages of the configuration loader.

use std::path::{Path, PathBuf};

use fabric::config::{ConfigError, ConfigSource, CoreConfig, Environment};
use serde_json::Value as Json;

use crate::support;

use support::typed::{b, check_defaults, d, i, os, override_for, s, Typed};
use support::vectors_dir as vectors;

/// The typed value of `key` in `c`, or None when the test does not know the key.
fn actual(c: &CoreConfig, key: &str) -> Option<Typed> {
    actual_peer(c, key)
        .or_else(|| actual_gossip(c, key))
        .or_else(|| actual_rest(c, key))
}

fn actual_peer(c: &CoreConfig, key: &str) -> Option<Typed> {
    let p = &c.peer;
    let sw = &p.bccsp.sw;
    let p11 = &p.bccsp.pkcs11;
    let h = &p.handlers;
    Some(match key {
        "peer.id" => s(&p.id),
        "peer.networkId" => s(&p.network_id),
        "peer.listenAddress" => s(&p.listen_address),
        "peer.address" => s(&p.address),
        "peer.addressAutoDetect" => b(p.address_auto_detect),
        "peer.gomaxprocs" => i(p.gomaxprocs),
        "peer.keepalive.minInterval" => d(p.keepalive.min_interval),
        "peer.keepalive.client.interval" => d(p.keepalive.client.interval),
        "peer.keepalive.client.timeout" => d(p.keepalive.client.timeout),
        "peer.keepalive.deliveryClient.interval" => d(p.keepalive.delivery_client.interval),
        "peer.keepalive.deliveryClient.timeout" => d(p.keepalive.delivery_client.timeout),
        "peer.tls.enabled" => b(p.tls.enabled),
        "peer.tls.clientAuthRequired" => b(p.tls.client_auth_required),
        "peer.tls.cert.file" => s(&p.tls.cert_file),
        "peer.tls.key.file" => s(&p.tls.key_file),
        "peer.tls.rootcert.file" => s(&p.tls.rootcert_file),
        "peer.tls.clientRootCAs.files" => Typed::Strs(Some(p.tls.client_root_cas_files.clone())),
        "peer.tls.clientKey.file" => os(&p.tls.client_key_file),
        "peer.tls.clientCert.file" => os(&p.tls.client_cert_file),
        "peer.authentication.timewindow" => d(p.authentication_timewindow),
        "peer.fileSystemPath" => s(&p.file_system_path),
        "peer.BCCSP.Default" => s(&p.bccsp.default),
        "peer.BCCSP.SW.Hash" => s(&sw.hash),
        "peer.BCCSP.SW.Security" => i(sw.security),
        "peer.BCCSP.SW.FileKeyStore.KeyStore" => os(&sw.file_key_store),
        "peer.BCCSP.PKCS11.Library" => os(&p11.library),
        "peer.BCCSP.PKCS11.Label" => os(&p11.label),
        "peer.BCCSP.PKCS11.Pin" => os(&p11.pin),
        "peer.BCCSP.PKCS11.Hash" => os(&p11.hash),
        "peer.BCCSP.PKCS11.Security" => Typed::Int(p11.security),
        "peer.BCCSP.PKCS11.FileKeyStore.KeyStore" => os(&p11.file_key_store),
        "peer.mspConfigPath" => s(&p.msp_config_path),
        "peer.localMspId" => s(&p.local_msp_id),
        "peer.client.connTimeout" => d(p.client_conn_timeout),
        "peer.deliveryclient.reconnectTotalTimeThreshold" => {
            d(p.deliveryclient.reconnect_total_time_threshold)
        }
        "peer.deliveryclient.connTimeout" => d(p.deliveryclient.conn_timeout),
        "peer.deliveryclient.reConnectBackoffThreshold" => {
            d(p.deliveryclient.re_connect_backoff_threshold)
        }
        "peer.deliveryclient.addressOverrides" => {
            Typed::Present(p.deliveryclient.address_overrides.is_some())
        }
        "peer.localMspType" => s(&p.local_msp_type),
        "peer.profile.enabled" => b(p.profile.enabled),
        "peer.profile.listenAddress" => s(&p.profile.listen_address),
        "peer.adminService" => os(&p.admin_service.listen_address),
        "peer.handlers.authFilters" => Typed::Handlers(h.auth_filters.clone()),
        "peer.handlers.decorators" => Typed::Handlers(h.decorators.clone()),
        "peer.handlers.endorsers.escc.name" => s(&h.endorsers.get("escc")?.name),
        "peer.handlers.endorsers.escc.library" => os(&h.endorsers.get("escc")?.library),
        "peer.handlers.validators.vscc.name" => s(&h.validators.get("vscc")?.name),
        "peer.handlers.validators.vscc.library" => os(&h.validators.get("vscc")?.library),
        "peer.validatorPoolSize" => Typed::Int(p.validator_pool_size),
        "peer.discovery.enabled" => b(p.discovery.enabled),
        "peer.discovery.authCacheEnabled" => b(p.discovery.auth_cache_enabled),
        "peer.discovery.authCacheMaxSize" => i(p.discovery.auth_cache_max_size),
        "peer.discovery.authCachePurgeRetentionRatio" => {
            Typed::Float(p.discovery.auth_cache_purge_retention_ratio)
        }
        "peer.discovery.orgMembersAllowedAccess" => b(p.discovery.org_members_allowed_access),
        _ => return None,
    })
}

fn actual_gossip(c: &CoreConfig, key: &str) -> Option<Typed> {
    let g = &c.peer.gossip;
    let name = key.strip_prefix("peer.gossip.")?;
    Some(match name {
        "bootstrap" => Typed::Strs(Some(g.bootstrap.clone())),
        "useLeaderElection" => b(g.use_leader_election),
        "orgLeader" => b(g.org_leader),
        "membershipTrackerInterval" => d(g.membership_tracker_interval),
        "endpoint" => os(&g.endpoint),
        "maxBlockCountToStore" => i(g.max_block_count_to_store),
        "maxPropagationBurstLatency" => d(g.max_propagation_burst_latency),
        "maxPropagationBurstSize" => i(g.max_propagation_burst_size),
        "propagateIterations" => i(g.propagate_iterations),
        "propagatePeerNum" => i(g.propagate_peer_num),
        "pullInterval" => d(g.pull_interval),
        "pullPeerNum" => i(g.pull_peer_num),
        "requestStateInfoInterval" => d(g.request_state_info_interval),
        "publishStateInfoInterval" => d(g.publish_state_info_interval),
        "stateInfoRetentionInterval" => Typed::Dur(g.state_info_retention_interval),
        "publishCertPeriod" => d(g.publish_cert_period),
        "skipBlockVerification" => b(g.skip_block_verification),
        "dialTimeout" => d(g.dial_timeout),
        "connTimeout" => d(g.conn_timeout),
        "recvBuffSize" => i(g.recv_buff_size),
        "sendBuffSize" => i(g.send_buff_size),
        "digestWaitTime" => d(g.digest_wait_time),
        "requestWaitTime" => d(g.request_wait_time),
        "responseWaitTime" => d(g.response_wait_time),
        "aliveTimeInterval" => d(g.alive_time_interval),
        "aliveExpirationTimeout" => d(g.alive_expiration_timeout),
        "reconnectInterval" => d(g.reconnect_interval),
        "maxConnectionAttempts" => i(g.max_connection_attempts),
        "msgExpirationFactor" => i(g.msg_expiration_factor),
        "externalEndpoint" => os(&g.external_endpoint),
        "election.startupGracePeriod" => d(g.election.startup_grace_period),
        "election.membershipSampleInterval" => d(g.election.membership_sample_interval),
        "election.leaderAliveThreshold" => d(g.election.leader_alive_threshold),
        "election.leaderElectionDuration" => d(g.election.leader_election_duration),
        "pvtData.pullRetryThreshold" => d(g.pvt_data.pull_retry_threshold),
        "pvtData.transientstoreMaxBlockRetention" => {
            i(g.pvt_data.transientstore_max_block_retention)
        }
        "pvtData.pushAckTimeout" => d(g.pvt_data.push_ack_timeout),
        "pvtData.btlPullMargin" => i(g.pvt_data.btl_pull_margin),
        "pvtData.reconcileBatchSize" => i(g.pvt_data.reconcile_batch_size),
        "pvtData.reconcileSleepInterval" => d(g.pvt_data.reconcile_sleep_interval),
        "pvtData.reconciliationEnabled" => b(g.pvt_data.reconciliation_enabled),
        "pvtData.skipPullingInvalidTransactionsDuringCommit" => {
            b(g.pvt_data.skip_pulling_invalid_transactions_during_commit)
        }
        "state.enabled" => b(g.state.enabled),
        "state.checkInterval" => d(g.state.check_interval),
        "state.responseTimeout" => d(g.state.response_timeout),
        "state.batchSize" => i(g.state.batch_size),
        "state.blockBufferSize" => i(g.state.block_buffer_size),
        "state.maxRetries" => i(g.state.max_retries),
        _ => return None,
    })
}

fn actual_rest(c: &CoreConfig, key: &str) -> Option<Typed> {
    let dk = &c.vm.docker;
    let hc = &dk.host_config;
    let cc = &c.chaincode;
    let st = &c.ledger.state;
    let cdb = &st.couch_db_config;
    let ops = &c.operations;
    let sd = &c.metrics.statsd;
    Some(match key {
        "vm.endpoint" => s(&c.vm.endpoint),
        "vm.docker.tls.enabled" => b(dk.tls.enabled),
        "vm.docker.tls.ca.file" => s(&dk.tls.ca_file),
        "vm.docker.tls.cert.file" => s(&dk.tls.cert_file),
        "vm.docker.tls.key.file" => s(&dk.tls.key_file),
        "vm.docker.attachStdout" => b(dk.attach_stdout),
        "vm.docker.hostConfig.NetworkMode" => s(&hc.network_mode),
        "vm.docker.hostConfig.Dns" => Typed::Strs(hc.dns.clone()),
        "vm.docker.hostConfig.LogConfig.Type" => s(&hc.log_config.log_type),
        "vm.docker.hostConfig.LogConfig.Config.max-size" => {
            s(hc.log_config.config.get("max-size")?)
        }
        "vm.docker.hostConfig.LogConfig.Config.max-file" => {
            s(hc.log_config.config.get("max-file")?)
        }
        "vm.docker.hostConfig.Memory" => i(hc.memory),
        "chaincode.id.path" => os(&cc.id_path),
        "chaincode.id.name" => os(&cc.id_name),
        "chaincode.builder" => s(&cc.builder),
        "chaincode.pull" => b(cc.pull),
        "chaincode.golang.runtime" => s(&cc.golang_runtime),
        "chaincode.golang.dynamicLink" => b(cc.golang_dynamic_link),
        "chaincode.car.runtime" => s(&cc.car_runtime),
        "chaincode.java.runtime" => s(&cc.java_runtime),
        "chaincode.node.runtime" => s(&cc.node_runtime),
        "chaincode.startuptimeout" => d(cc.startuptimeout),
        "chaincode.executetimeout" => d(cc.executetimeout),
        "chaincode.mode" => s(&cc.mode),
        "chaincode.keepalive" => i(cc.keepalive),
        "chaincode.system.cscc" => s(cc.system.get("cscc")?),
        "chaincode.system.lscc" => s(cc.system.get("lscc")?),
        "chaincode.system.qscc" => s(cc.system.get("qscc")?),
        "chaincode.systemPlugins" => Typed::Present(cc.system_plugins.is_some()),
        "chaincode.logging.level" => s(&cc.logging.level),
        "chaincode.logging.shim" => s(&cc.logging.shim),
        "chaincode.logging.format" => s(&cc.logging.format),
        "ledger.blockchain" => Typed::Present(c.ledger.blockchain.is_some()),
        "ledger.state.stateDatabase" => s(&st.state_database),
        "ledger.state.totalQueryLimit" => i(st.total_query_limit),
        "ledger.state.couchDBConfig.couchDBAddress" => s(&cdb.couch_db_address),
        "ledger.state.couchDBConfig.username" => os(&cdb.username),
        "ledger.state.couchDBConfig.password" => os(&cdb.password),
        "ledger.state.couchDBConfig.maxRetries" => i(cdb.max_retries),
        "ledger.state.couchDBConfig.maxRetriesOnStartup" => i(cdb.max_retries_on_startup),
        "ledger.state.couchDBConfig.requestTimeout" => d(cdb.request_timeout),
        "ledger.state.couchDBConfig.internalQueryLimit" => i(cdb.internal_query_limit),
        "ledger.state.couchDBConfig.maxBatchUpdateSize" => i(cdb.max_batch_update_size),
        "ledger.state.couchDBConfig.warmIndexesAfterNBlocks" => i(cdb.warm_indexes_after_n_blocks),
        "ledger.state.couchDBConfig.createGlobalChangesDB" => b(cdb.create_global_changes_db),
        "ledger.history.enableHistoryDatabase" => b(c.ledger.enable_history_database),
        "operations.listenAddress" => s(&ops.listen_address),
        "operations.tls.enabled" => b(ops.tls.enabled),
        "operations.tls.cert.file" => os(&ops.tls.cert_file),
        "operations.tls.key.file" => os(&ops.tls.key_file),
        "operations.tls.clientAuthRequired" => b(ops.tls.client_auth_required),
        "operations.tls.clientRootCAs.files" => {
            Typed::Strs(Some(ops.tls.client_root_cas_files.clone()))
        }
        "metrics.provider" => s(&c.metrics.provider),
        "metrics.statsd.network" => s(&sd.network),
        "metrics.statsd.address" => s(&sd.address),
        "metrics.statsd.writeInterval" => d(sd.write_interval),
        "metrics.statsd.prefix" => os(&sd.prefix),
        _ => return None,
    })
}

fn core_keys(vectors: &Path) -> Vec<(String, Json)> {
    support::config_keys(vectors, "core-keys.tsv")
}

fn no_env() -> Environment {
    Environment::new(Vec::<(String, String)>::new(), "/")
}

fn sample_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sampleconfig/core.yaml")
}

fn load_yaml(yaml: &str, env: Environment) -> Result<CoreConfig, ConfigError> {
    let src = ConfigSource::from_yaml(yaml, Path::new("/cfg/core.yaml"), "CORE", env)?;
    CoreConfig::from_source(&src)
}

#[test]
fn sampleconfig_core_yaml_has_every_fabric_default() {
    let v = vectors();
    let keys = core_keys(&v);
    assert!(keys.len() >= 159, "tsv has {} keys", keys.len());
    let src = ConfigSource::from_file(&sample_path(), "CORE", no_env()).unwrap();
    let config = CoreConfig::from_source(&src).unwrap();
    check_defaults(|k| actual(&config, k), &keys, "sampleconfig/core.yaml");
}

#[test]
fn sampleconfig_core_yaml_spells_out_every_key() {
    let v = vectors();
    let src = ConfigSource::from_file(&sample_path(), "CORE", no_env()).unwrap();
    let text = std::fs::read_to_string(sample_path()).unwrap();
    let tree: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    for (key, json) in core_keys(&v) {
        // Every key is written in the file (null ones as empty values).
        let mut node = &tree;
        for part in key.split('.') {
            node = node
                .get(part)
                .unwrap_or_else(|| panic!("sampleconfig/core.yaml lacks {key}"));
        }
        if !json.is_null() {
            assert!(src.is_set(&key), "{key} is empty in sampleconfig/core.yaml");
        }
    }
}

#[test]
fn empty_core_yaml_gives_the_same_defaults() {
    let v = vectors();
    let keys = core_keys(&v);
    let empty = load_yaml("", no_env()).unwrap();
    check_defaults(|k| actual(&empty, k), &keys, "empty core.yaml");

    let src = ConfigSource::from_file(&sample_path(), "CORE", no_env()).unwrap();
    let mut sample = CoreConfig::from_source(&src).unwrap();
    sample.config_dir = empty.config_dir.clone();
    assert_eq!(sample, empty);
}

#[test]
fn core_env_overrides_every_scalar_key_even_when_absent_from_the_file() {
    let v = vectors();
    let defaults = load_yaml("", no_env()).unwrap();
    let mut checked = 0;
    for (key, _) in core_keys(&v) {
        let current = actual(&defaults, &key).expect("typed field");
        let Some((text, want)) = override_for(&current) else {
            continue;
        };
        // peer.adminService is a section; its one setting is listenAddress.
        let env_key = match key.as_str() {
            "peer.adminService" => "peer.adminService.listenAddress",
            other => other,
        };
        let var = format!("CORE_{}", env_key.replace('.', "_").to_uppercase());
        let env = Environment::new([(var.clone(), text)], "/");
        for yaml in ["", &std::fs::read_to_string(sample_path()).unwrap()] {
            let config = load_yaml(yaml, env.clone()).unwrap();
            assert_eq!(actual(&config, &key), Some(want.clone()), "{var}");
        }
        checked += 1;
    }
    assert!(checked >= 150, "only {checked} keys overridden");
}

#[test]
fn explicit_overrides_win_over_env() {
    let env = Environment::new([("CORE_PEER_ADDRESS", "env:7051")], "/");
    let mut src = ConfigSource::from_yaml(
        "peer:\n  address: file:7051\n",
        Path::new("/c/core.yaml"),
        "CORE",
        env,
    )
    .unwrap();
    assert_eq!(
        CoreConfig::from_source(&src).unwrap().peer.address,
        "env:7051"
    );
    src.set("peer.address", "flag:7051");
    assert_eq!(
        CoreConfig::from_source(&src).unwrap().peer.address,
        "flag:7051"
    );
}

fn write_core(dir: &Path, id: &str) {
    std::fs::write(
        dir.join("core.yaml"),
        format!("peer:\n  id: {id}\n  mspConfigPath: msp\n"),
    )
    .unwrap();
}

#[test]
fn fabric_cfg_path_wins_and_is_the_only_folder_searched() {
    let cwd = tempfile::tempdir().unwrap();
    let cfg = tempfile::tempdir().unwrap();
    write_core(cwd.path(), "from-cwd");

    let env = Environment::new(Vec::<(String, String)>::new(), cwd.path());
    let (src, config) = CoreConfig::load(env).unwrap();
    assert_eq!(config.peer.id, "from-cwd");
    assert_eq!(src.config_file_used(), cwd.path().join("core.yaml"));

    let only_cfg = Environment::new(
        [("FABRIC_CFG_PATH", cfg.path().to_str().unwrap())],
        cwd.path(),
    );
    let err = CoreConfig::load(only_cfg.clone()).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "could not find core.yaml in [{}]; set FABRIC_CFG_PATH to the folder holding it",
            cfg.path().display()
        )
    );

    write_core(cfg.path(), "from-cfg-path");
    let (_, config) = CoreConfig::load(only_cfg).unwrap();
    assert_eq!(config.peer.id, "from-cfg-path");
}

#[test]
fn relative_fabric_cfg_path_and_paths_resolve_against_the_config_folder() {
    let cwd = tempfile::tempdir().unwrap();
    std::fs::create_dir(cwd.path().join("conf")).unwrap();
    write_core(&cwd.path().join("conf"), "x");
    let env = Environment::new([("FABRIC_CFG_PATH", "conf")], cwd.path());
    let (src, config) = CoreConfig::load(env).unwrap();
    assert_eq!(config.msp_config_path(), cwd.path().join("conf/msp"));
    assert_eq!(
        src.get_path("peer.mspConfigPath").unwrap(),
        Some(cwd.path().join("conf/msp"))
    );
    assert_eq!(
        config.peer_bccsp().unwrap().keystore_path,
        Some(cwd.path().join("conf/msp/keystore"))
    );
    assert_eq!(
        config.resolve_path("/abs/tls/ca.crt"),
        PathBuf::from("/abs/tls/ca.crt")
    );
}

#[test]
fn missing_fabric_cfg_path_folder_is_reported() {
    let env = Environment::new([("FABRIC_CFG_PATH", "/definitely/not/here")], "/");
    let err = CoreConfig::load(env).unwrap_err().to_string();
    assert!(
        err.starts_with("FABRIC_CFG_PATH /definitely/not/here does not exist"),
        "{err}"
    );
}

#[test]
fn bad_duration_names_key_and_value() {
    let env = Environment::new([("CORE_PEER_KEEPALIVE_MININTERVAL", "abc")], "/");
    let err = load_yaml("", env).unwrap_err().to_string();
    assert_eq!(err, "peer.keepalive.minInterval: invalid duration \"abc\"");
    let err = load_yaml("peer:\n  gossip:\n    dialTimeout: 3 seconds\n", no_env()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "peer.gossip.dialTimeout: invalid duration \"3 seconds\""
    );
}

#[test]
fn bad_yaml_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("core.yaml"),
        "peer:\n  id: a\n  tls: [unclosed\n",
    )
    .unwrap();
    let env = Environment::new([("FABRIC_CFG_PATH", dir.path().to_str().unwrap())], "/");
    let err = CoreConfig::load(env).unwrap_err().to_string();
    let file = dir.path().join("core.yaml");
    assert!(
        err.starts_with(&format!(
            "config file {} is not valid YAML at line",
            file.display()
        )),
        "{err}"
    );
}
