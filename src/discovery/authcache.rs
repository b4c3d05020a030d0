//! Fabric's discovery authorization cache (`discovery/authcache.go`): per channel, the result
//! of the access check of each signed request, dropped when the channel's config sequence
//! changes, purged down to `authCachePurgeRetentionRatio` of `authCacheMaxSize` when full.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::crypto::sha256;
use crate::policy::SignedData;

use super::support::{Support, SupportError};

/// `peer.discovery.authCache*`.
#[derive(Clone, Debug, PartialEq)]
pub struct AuthCacheConfig {
    pub enabled: bool,
    pub max_size: usize,
    pub purge_retention_ratio: f64,
}

impl Default for AuthCacheConfig {
    fn default() -> Self {
        AuthCacheConfig {
            enabled: true,
            max_size: 1000,
            purge_retention_ratio: 0.75,
        }
    }
}

/// One cached outcome: `None` allowed, `Some(text)` refused with that reason.
type Outcome = Option<String>;

#[derive(Default)]
struct AccessCache {
    last_sequence: u64,
    entries: HashMap<[u8; 32], Outcome>,
}

/// The cache in front of [`Support::eligible_for_service`].
pub struct AuthCache {
    config: AuthCacheConfig,
    channels: Mutex<HashMap<String, Arc<Mutex<AccessCache>>>>,
}

fn key_of(data: &SignedData) -> [u8; 32] {
    let mut buf =
        Vec::with_capacity(data.data.len() + data.identity.len() + data.signature.len() + 24);
    for part in [&data.data, &data.identity, &data.signature] {
        buf.extend_from_slice(&(part.len() as u64).to_be_bytes());
        buf.extend_from_slice(part);
    }
    sha256(&buf)
}

impl AuthCache {
    pub fn new(config: AuthCacheConfig) -> Self {
        AuthCache {
            config,
            channels: Mutex::new(HashMap::new()),
        }
    }

    /// Number of cached outcomes for `channel` (tests and metrics).
    pub fn len(&self, channel: &str) -> usize {
        let channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        channels.get(channel).map_or(0, |c| {
            c.lock().unwrap_or_else(|e| e.into_inner()).entries.len()
        })
    }

    /// As [`Support::eligible_for_service`], through the cache when it is enabled.
    pub fn eligible_for_service(
        &self,
        support: &dyn Support,
        channel: &str,
        data: &SignedData,
    ) -> Result<(), SupportError> {
        if !self.config.enabled {
            return support.eligible_for_service(channel, data);
        }
        let cache = {
            let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
            channels.entry(channel.to_string()).or_default().clone()
        };
        let key = key_of(data);
        let seq = support.config_sequence(channel);
        {
            let mut c = cache.lock().unwrap_or_else(|e| e.into_inner());
            if c.last_sequence == seq {
                if let Some(outcome) = c.entries.get(&key) {
                    return to_result(outcome.clone());
                }
            } else {
                c.last_sequence = seq;
                c.entries.clear();
            }
            self.purge_if_needed(&mut c);
        }
        let result = support.eligible_for_service(channel, data);
        let outcome: Outcome = result.as_ref().err().map(|e| e.to_string());
        if seq == support.config_sequence(channel) {
            let mut c = cache.lock().unwrap_or_else(|e| e.into_inner());
            if c.last_sequence == seq {
                c.entries.insert(key, outcome);
            }
        }
        result
    }

    fn purge_if_needed(&self, cache: &mut AccessCache) {
        let max = self.config.max_size;
        if cache.entries.len() < max {
            return;
        }
        let keep = (self.config.purge_retention_ratio * max as f64) as usize;
        let evict = max.saturating_sub(keep).max(1);
        let victims: Vec<[u8; 32]> = cache.entries.keys().take(evict).copied().collect();
        for k in victims {
            cache.entries.remove(&k);
        }
    }
}

fn to_result(outcome: Outcome) -> Result<(), SupportError> {
    match outcome {
        None => Ok(()),
        Some(reason) => Err(SupportError::AccessDenied(reason)),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

    use super::*;
    use crate::discovery::support::{ChaincodeMetadata, MembershipSource};
    use crate::gossip::common::{NetworkMember, PeerIdentityInfo};
    use crate::protos::common::MspPrincipal;
    use crate::protos::discovery::ConfigResult;

    #[derive(Default)]
    struct Counting {
        calls: AtomicUsize,
        sequence: AtomicU64,
    }

    impl MembershipSource for Counting {
        fn channel_exists(&self, _: &str) -> bool {
            true
        }
        fn peers_of_channel(&self, _: &str) -> Vec<NetworkMember> {
            Vec::new()
        }
        fn peers(&self) -> Vec<NetworkMember> {
            Vec::new()
        }
        fn identity_info(&self) -> Vec<PeerIdentityInfo> {
            Vec::new()
        }
    }

    impl Support for Counting {
        fn eligible_for_service(&self, _: &str, data: &SignedData) -> Result<(), SupportError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            if data.identity == b"bad" {
                return Err(SupportError::AccessDenied("no".into()));
            }
            Ok(())
        }
        fn config_sequence(&self, _: &str) -> u64 {
            self.sequence.load(Ordering::SeqCst)
        }
        fn config(&self, _: &str) -> Result<ConfigResult, SupportError> {
            Ok(ConfigResult::default())
        }
        fn satisfies_principal(
            &self,
            _: &str,
            _: &[u8],
            _: &MspPrincipal,
        ) -> Result<(), SupportError> {
            Ok(())
        }
        fn chaincode_metadata(&self, _: &str, _: &str, _: bool) -> Option<ChaincodeMetadata> {
            None
        }
    }

    fn data(identity: &[u8], n: u8) -> SignedData {
        SignedData {
            data: vec![n],
            identity: identity.to_vec(),
            signature: vec![n],
        }
    }

    #[test]
    fn cached_until_the_config_changes() {
        let s = Counting::default();
        let cache = AuthCache::new(AuthCacheConfig::default());
        cache
            .eligible_for_service(&s, "ch", &data(b"good", 1))
            .unwrap();
        cache
            .eligible_for_service(&s, "ch", &data(b"good", 1))
            .unwrap();
        assert!(cache
            .eligible_for_service(&s, "ch", &data(b"bad", 1))
            .is_err());
        assert!(cache
            .eligible_for_service(&s, "ch", &data(b"bad", 1))
            .is_err());
        assert_eq!(s.calls.load(Ordering::SeqCst), 2);
        s.sequence.store(1, Ordering::SeqCst);
        cache
            .eligible_for_service(&s, "ch", &data(b"good", 1))
            .unwrap();
        assert_eq!(s.calls.load(Ordering::SeqCst), 3);
        assert_eq!(cache.len("ch"), 1);
    }

    #[test]
    fn disabled_cache_always_asks() {
        let s = Counting::default();
        let cache = AuthCache::new(AuthCacheConfig {
            enabled: false,
            ..AuthCacheConfig::default()
        });
        for _ in 0..3 {
            cache
                .eligible_for_service(&s, "ch", &data(b"good", 1))
                .unwrap();
        }
        assert_eq!(s.calls.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn full_cache_is_purged_to_the_retention_ratio() {
        let s = Counting::default();
        let cache = AuthCache::new(AuthCacheConfig {
            enabled: true,
            max_size: 8,
            purge_retention_ratio: 0.5,
        });
        for n in 0..8 {
            cache
                .eligible_for_service(&s, "ch", &data(b"good", n))
                .unwrap();
        }
        assert_eq!(cache.len("ch"), 8);
        cache
            .eligible_for_service(&s, "ch", &data(b"good", 100))
            .unwrap();
        // 8 entries + 1 would exceed 8: 4 evicted, then the new one added.
        assert_eq!(cache.len("ch"), 5);
    }
}
