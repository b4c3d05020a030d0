//! orderer.yaml keys against Fabric v1.4.12's key table
//! (tests/vectors/config-keys/orderer-keys.tsv): sampleconfig/orderer.yaml and an empty
//! orderer.yaml both give Fabric's default for every key, the sample spells every key out,
//! and an ORDERER_* variable overrides every scalar key.

use crate::support;

use std::path::{Path, PathBuf};

use fabric::config::{ConfigSource, Environment};
use fabric::orderer::localconfig::TopLevel;
use support::typed::{check_defaults, d, i, os, override_for, s, Typed};

fn actual(c: &TopLevel, key: &str) -> Option<Typed> {
    actual_general(c, key).or_else(|| actual_rest(c, key))
}

fn actual_general(c: &TopLevel, key: &str) -> Option<Typed> {
    let g = &c.general;
    let cl = &g.cluster;
    let p11 = &g.bccsp.pkcs11;
    Some(match key.strip_prefix("General.")? {
        "LedgerType" => s(&g.ledger_type),
        "ListenAddress" => s(&g.listen_address),
        "ListenPort" => i(g.listen_port.into()),
        "TLS.Enabled" => Typed::Bool(g.tls.enabled),
        "TLS.PrivateKey" => s(&g.tls.private_key),
        "TLS.Certificate" => s(&g.tls.certificate),
        "TLS.RootCAs" => Typed::Strs(Some(g.tls.root_cas.clone())),
        "TLS.ClientAuthRequired" => Typed::Bool(g.tls.client_auth_required),
        "TLS.ClientRootCAs" => Typed::Strs(g.tls.client_root_cas.clone()),
        "Keepalive.ServerMinInterval" => d(g.keepalive.server_min_interval),
        "Keepalive.ServerInterval" => d(g.keepalive.server_interval),
        "Keepalive.ServerTimeout" => d(g.keepalive.server_timeout),
        "Cluster.SendBufferSize" => i(cl.send_buffer_size),
        "Cluster.ClientCertificate" => os(&cl.client_certificate),
        "Cluster.ClientPrivateKey" => os(&cl.client_private_key),
        "Cluster.ListenPort" => Typed::Int(cl.listen_port),
        "Cluster.ListenAddress" => os(&cl.listen_address),
        "Cluster.ServerCertificate" => os(&cl.server_certificate),
        "Cluster.ServerPrivateKey" => os(&cl.server_private_key),
        "GenesisMethod" => s(&g.genesis_method),
        "GenesisProfile" => s(&g.genesis_profile),
        "GenesisFile" => s(&g.genesis_file),
        "LocalMSPDir" => s(&g.local_msp_dir),
        "LocalMSPID" => s(&g.local_msp_id),
        "Profile.Enabled" => Typed::Bool(g.profile.enabled),
        "Profile.Address" => s(&g.profile.address),
        "BCCSP.Default" => s(&g.bccsp.default),
        "BCCSP.SW.Hash" => s(&g.bccsp.sw.hash),
        "BCCSP.SW.Security" => i(g.bccsp.sw.security),
        "BCCSP.SW.FileKeyStore.KeyStore" => os(&g.bccsp.sw.file_key_store),
        "BCCSP.PKCS11.Library" => os(&p11.library),
        "BCCSP.PKCS11.Label" => os(&p11.label),
        "BCCSP.PKCS11.Pin" => os(&p11.pin),
        "BCCSP.PKCS11.Hash" => os(&p11.hash),
        "BCCSP.PKCS11.Security" => Typed::Int(p11.security),
        "BCCSP.PKCS11.FileKeyStore.KeyStore" => os(&p11.file_key_store),
        "Authentication.TimeWindow" => d(g.authentication.time_window),
        _ => return None,
    })
}

fn actual_rest(c: &TopLevel, key: &str) -> Option<Typed> {
    let k = &c.kafka;
    let r = &k.retry;
    let ops = &c.operations.tls;
    let sd = &c.metrics.statsd;
    Some(match key {
        "FileLedger.Location" => s(&c.file_ledger.location),
        "FileLedger.Prefix" => s(&c.file_ledger.prefix),
        "RAMLedger.HistorySize" => i(c.ram_ledger.history_size),
        "Kafka.Retry.ShortInterval" => d(r.short_interval),
        "Kafka.Retry.ShortTotal" => d(r.short_total),
        "Kafka.Retry.LongInterval" => d(r.long_interval),
        "Kafka.Retry.LongTotal" => d(r.long_total),
        "Kafka.Retry.NetworkTimeouts.DialTimeout" => d(r.dial_timeout),
        "Kafka.Retry.NetworkTimeouts.ReadTimeout" => d(r.read_timeout),
        "Kafka.Retry.NetworkTimeouts.WriteTimeout" => d(r.write_timeout),
        "Kafka.Retry.Metadata.RetryBackoff" => d(r.metadata_retry_backoff),
        "Kafka.Retry.Metadata.RetryMax" => i(r.metadata_retry_max),
        "Kafka.Retry.Producer.RetryBackoff" => d(r.producer_retry_backoff),
        "Kafka.Retry.Producer.RetryMax" => i(r.producer_retry_max),
        "Kafka.Retry.Consumer.RetryBackoff" => d(r.consumer_retry_backoff),
        "Kafka.Topic.ReplicationFactor" => i(k.topic_replication_factor),
        "Kafka.Verbose" => Typed::Bool(k.verbose),
        "Kafka.TLS.Enabled" => Typed::Bool(k.tls.enabled),
        "Kafka.TLS.PrivateKey" => os(&k.tls.private_key),
        "Kafka.TLS.Certificate" => os(&k.tls.certificate),
        "Kafka.TLS.RootCAs" => Typed::Strs(k.tls.root_cas.clone()),
        "Kafka.SASLPlain.Enabled" => Typed::Bool(k.sasl_plain.enabled),
        "Kafka.SASLPlain.User" => os(&k.sasl_plain.user),
        "Kafka.SASLPlain.Password" => os(&k.sasl_plain.password),
        "Kafka.Version" => os(&k.version),
        "Debug.BroadcastTraceDir" => os(&c.debug.broadcast_trace_dir),
        "Debug.DeliverTraceDir" => os(&c.debug.deliver_trace_dir),
        "Operations.ListenAddress" => s(&c.operations.listen_address),
        "Operations.TLS.Enabled" => Typed::Bool(ops.enabled),
        "Operations.TLS.Certificate" => os(&ops.certificate),
        "Operations.TLS.PrivateKey" => os(&ops.private_key),
        "Operations.TLS.ClientAuthRequired" => Typed::Bool(ops.client_auth_required),
        "Operations.TLS.ClientRootCAs" => Typed::Strs(Some(ops.client_root_cas.clone())),
        "Metrics.Provider" => s(&c.metrics.provider),
        "Metrics.Statsd.Network" => s(&sd.network),
        "Metrics.Statsd.Address" => s(&sd.address),
        "Metrics.Statsd.WriteInterval" => d(sd.write_interval),
        "Metrics.Statsd.Prefix" => os(&sd.prefix),
        "Consensus.WALDir" => s(&c.consensus.wal_dir),
        "Consensus.SnapDir" => s(&c.consensus.snap_dir),
        _ => return None,
    })
}

fn no_env() -> Environment {
    Environment::new(Vec::<(String, String)>::new(), "/")
}

fn sample_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sampleconfig/orderer.yaml")
}

fn load_yaml(yaml: &str, env: Environment) -> TopLevel {
    let src = ConfigSource::from_yaml(yaml, Path::new("/cfg/orderer.yaml"), "ORDERER", env)
        .expect("parse");
    TopLevel::from_source(&src).expect("typed")
}

#[test]
fn sampleconfig_orderer_yaml_has_every_fabric_default() {
    let v = support::vectors_dir();
    let keys = support::config_keys(&v, "orderer-keys.tsv");
    assert!(keys.len() >= 77, "tsv has {} keys", keys.len());
    let src = ConfigSource::from_file(&sample_path(), "ORDERER", no_env()).unwrap();
    let config = TopLevel::from_source(&src).unwrap();
    check_defaults(|k| actual(&config, k), &keys, "sampleconfig/orderer.yaml");
}

#[test]
fn sampleconfig_orderer_yaml_spells_out_every_key() {
    let v = support::vectors_dir();
    let text = std::fs::read_to_string(sample_path()).unwrap();
    let tree: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    for (key, _) in support::config_keys(&v, "orderer-keys.tsv") {
        let mut node = &tree;
        for part in key.split('.') {
            node = node
                .get(part)
                .unwrap_or_else(|| panic!("sampleconfig/orderer.yaml lacks {key}"));
        }
    }
}

#[test]
fn empty_orderer_yaml_gives_the_same_defaults() {
    let v = support::vectors_dir();
    let keys = support::config_keys(&v, "orderer-keys.tsv");
    let empty = load_yaml("", no_env());
    check_defaults(|k| actual(&empty, k), &keys, "empty orderer.yaml");
    let src = ConfigSource::from_file(&sample_path(), "ORDERER", no_env()).unwrap();
    let mut sample = TopLevel::from_source(&src).unwrap();
    sample.config_dir = empty.config_dir.clone();
    assert_eq!(sample, empty);
}

#[test]
fn orderer_env_overrides_every_key_even_when_absent_from_the_file() {
    let v = support::vectors_dir();
    let defaults = load_yaml("", no_env());
    let sample = std::fs::read_to_string(sample_path()).unwrap();
    let mut checked = 0;
    for (key, _) in support::config_keys(&v, "orderer-keys.tsv") {
        let current = actual(&defaults, &key).expect("typed field");
        let (text, want) = override_for(&current).expect("orderer keys are scalars");
        let var = format!("ORDERER_{}", key.replace('.', "_").to_uppercase());
        let env = Environment::new([(var.clone(), text)], "/");
        for yaml in ["", sample.as_str()] {
            let config = load_yaml(yaml, env.clone());
            assert_eq!(actual(&config, &key), Some(want.clone()), "{var}");
        }
        checked += 1;
    }
    assert!(checked >= 77, "only {checked} keys overridden");
}

#[test]
fn the_orderer_finds_orderer_yaml_through_fabric_cfg_path() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let env = Environment::new([("FABRIC_CFG_PATH", "sampleconfig")], root);
    let (src, config) = TopLevel::load(env).unwrap();
    assert_eq!(
        src.config_file_used(),
        root.join("sampleconfig/orderer.yaml")
    );
    assert_eq!(config.local_msp_dir(), root.join("sampleconfig/msp"));
}
