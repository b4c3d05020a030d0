//! The identity caches of an X.509 MSP (Fabric's `msp/cache`): deserialized identities by
//! their certificate bytes, successful validations by identity id, and principal verdicts
//! by (identity id, principal). Each cache holds at most [`CACHE_SIZE`] entries and evicts
//! with the second-chance (clock) policy Fabric uses.
//!
//! The caches live in the MSP instance, so they never outlive its configuration: a channel
//! config update builds a new bundle, hence new MSPs with empty caches (this is how a new
//! CRL takes effect). A failed validation is never remembered, so an invalid or revoked
//! identity is checked again every time; principal verdicts, negative ones included, are
//! remembered as Fabric does (they depend only on the certificate and the MSP config).

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use super::bccspmsp::MspCore;
use super::x509identity::X509Identity;
use super::MspError;
use crate::protos::common::MspPrincipal;

/// Entries per cache, as Fabric's deserialize, validate and satisfies-principal caches.
pub(crate) const CACHE_SIZE: usize = 100;

struct Slot<K, V> {
    key: K,
    value: V,
    referenced: AtomicBool,
}

struct Table<K, V> {
    index: HashMap<K, usize>,
    slots: Vec<Slot<K, V>>,
    hand: usize,
}

/// A bounded map with second-chance eviction. Lookups take a shared lock and mark the entry
/// referenced with an atomic store, so parallel validator workers do not serialize on reads.
pub(crate) struct SecondChanceCache<K, V> {
    capacity: usize,
    table: RwLock<Table<K, V>>,
}

impl<K: Hash + Eq + Clone, V: Clone> SecondChanceCache<K, V> {
    pub(crate) fn new(capacity: usize) -> Self {
        SecondChanceCache {
            capacity: capacity.max(1),
            table: RwLock::new(Table {
                index: HashMap::with_capacity(capacity),
                slots: Vec::with_capacity(capacity),
                hand: 0,
            }),
        }
    }

    /// The cached value for `key`, marking it recently used.
    pub(crate) fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let table = self.table.read().unwrap_or_else(|e| e.into_inner());
        let slot = &table.slots[*table.index.get(key)?];
        slot.referenced.store(true, Ordering::Relaxed);
        Some(slot.value.clone())
    }

    /// Stores `value` under `key`; when full, the first entry not used since the hand last
    /// passed it makes room.
    pub(crate) fn insert(&self, key: K, value: V) {
        let mut table = self.table.write().unwrap_or_else(|e| e.into_inner());
        let table = &mut *table;
        if let Some(&i) = table.index.get(&key) {
            table.slots[i].value = value;
            table.slots[i].referenced.store(true, Ordering::Relaxed);
            return;
        }
        let slot = Slot {
            key: key.clone(),
            value,
            referenced: AtomicBool::new(true),
        };
        if table.slots.len() < self.capacity {
            table.index.insert(key, table.slots.len());
            table.slots.push(slot);
            return;
        }
        loop {
            let hand = table.hand;
            table.hand = (hand + 1) % self.capacity;
            if !table.slots[hand].referenced.swap(false, Ordering::Relaxed) {
                let victim = std::mem::replace(&mut table.slots[hand], slot);
                table.index.remove(&victim.key);
                table.index.insert(key, hand);
                return;
            }
        }
    }

    /// How many entries are cached.
    pub(crate) fn len(&self) -> usize {
        self.table
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .slots
            .len()
    }
}

/// The three caches of one MSP instance.
pub(crate) struct MspCaches {
    /// PEM certificate bytes of a serialized identity -> the identity.
    pub(crate) deserialized: SecondChanceCache<Vec<u8>, Arc<X509Identity>>,
    /// Ids of identities that validated.
    validated: SecondChanceCache<String, ()>,
    /// Identity id, principal classification and principal bytes -> verdict.
    principals: SecondChanceCache<Vec<u8>, Result<(), MspError>>,
}

impl MspCaches {
    pub(crate) fn new() -> Self {
        MspCaches {
            deserialized: SecondChanceCache::new(CACHE_SIZE),
            validated: SecondChanceCache::new(CACHE_SIZE),
            principals: SecondChanceCache::new(CACHE_SIZE),
        }
    }
}

impl Default for MspCaches {
    fn default() -> Self {
        MspCaches::new()
    }
}

impl std::fmt::Debug for MspCaches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MspCaches")
            .field("deserialized", &self.deserialized.len())
            .field("validated", &self.validated.len())
            .field("principals", &self.principals.len())
            .finish()
    }
}

fn principal_key(id: &X509Identity, principal: &MspPrincipal) -> Vec<u8> {
    let id = &id.id().id;
    let mut key = Vec::with_capacity(id.len() + 4 + principal.principal.len());
    key.extend_from_slice(id.as_bytes());
    key.extend_from_slice(&principal.principal_classification.to_le_bytes());
    key.extend_from_slice(&principal.principal);
    key
}

impl MspCore {
    /// [`MspCore::validate_identity`] remembering successes.
    pub(crate) fn validate_identity_cached(&self, id: &X509Identity) -> Result<(), MspError> {
        let key = id.id().id.as_str();
        if self.caches.validated.get(key).is_some() {
            return Ok(());
        }
        self.validate_identity(id)?;
        self.caches.validated.insert(key.to_string(), ());
        Ok(())
    }

    /// [`MspCore::satisfies_principal`] remembering every verdict.
    pub(crate) fn satisfies_principal_cached(
        &self,
        id: &X509Identity,
        principal: &MspPrincipal,
    ) -> Result<(), MspError> {
        let key = principal_key(id, principal);
        if let Some(verdict) = self.caches.principals.get(key.as_slice()) {
            return verdict;
        }
        let verdict = self.satisfies_principal(id, principal);
        self.caches.principals.insert(key, verdict.clone());
        verdict
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_with_second_chance_eviction() {
        let cache: SecondChanceCache<u32, u32> = SecondChanceCache::new(3);
        for k in 0..3 {
            cache.insert(k, k * 10);
        }
        assert_eq!(cache.len(), 3);
        // The hand clears every reference bit, then evicts 0; 1 and 2 stay unreferenced.
        cache.insert(3, 30);
        assert_eq!(cache.len(), 3);
        assert_eq!(cache.get(&0), None);
        // 1 gets a second chance by being read; 2 is the next victim.
        assert_eq!(cache.get(&1), Some(10));
        cache.insert(4, 40);
        assert_eq!(cache.get(&2), None);
        assert_eq!(cache.get(&1), Some(10));
        assert_eq!(cache.get(&3), Some(30));
        assert_eq!(cache.get(&4), Some(40));
        // Re-inserting a present key replaces its value in place.
        cache.insert(4, 41);
        assert_eq!(cache.get(&4), Some(41));
        assert_eq!(cache.len(), 3);
    }

    #[test]
    fn many_keys_never_exceed_the_bound() {
        let cache: SecondChanceCache<Vec<u8>, usize> = SecondChanceCache::new(CACHE_SIZE);
        for i in 0..1000usize {
            cache.insert(i.to_le_bytes().to_vec(), i);
            assert_eq!(cache.get(i.to_le_bytes().as_slice()), Some(i));
        }
        assert_eq!(cache.len(), CACHE_SIZE);
    }

    #[test]
    fn shared_between_threads() {
        let cache: SecondChanceCache<u32, u32> = SecondChanceCache::new(16);
        std::thread::scope(|s| {
            for t in 0..4u32 {
                let cache = &cache;
                s.spawn(move || {
                    for i in 0..200u32 {
                        let k = (i + t) % 32;
                        if let Some(v) = cache.get(&k) {
                            assert_eq!(v, k * 2);
                        } else {
                            cache.insert(k, k * 2);
                        }
                    }
                });
            }
        });
        assert!(cache.len() <= 16);
    }

    mod verdicts {
        use prost::Message;

        use crate::msp::chain::tests::{ca, issue, Ca};
        use crate::msp::{Identity, IdentityDeserializer, MspVersion, X509Msp};
        use crate::protos::common::msp_principal::Classification;
        use crate::protos::common::msp_role::MspRoleType;
        use crate::protos::common::{MspPrincipal, MspRole};
        use crate::protos::msp::{FabricMspConfig, MspConfig, SerializedIdentity};

        struct Org {
            root: Ca,
            inter: Ca,
            admin: Ca,
        }

        fn org() -> Org {
            let root = ca("root");
            let inter = issue(&root, "inter", true, &[]);
            let admin = issue(&inter, "admin", false, &[]);
            Org { root, inter, admin }
        }

        fn msp(org: &Org, revoked: &[&Ca]) -> X509Msp {
            let mut conf = FabricMspConfig {
                name: "SampleOrg".into(),
                root_certs: vec![org.root.cert.to_pem()],
                intermediate_certs: vec![org.inter.cert.to_pem()],
                admins: vec![org.admin.cert.to_pem()],
                ..Default::default()
            };
            if !revoked.is_empty() {
                conf.revocation_list = vec![crl(&org.inter, revoked)];
            }
            let config = MspConfig {
                r#type: 0,
                config: conf.encode_to_vec(),
            };
            X509Msp::new(&config, MspVersion::V1_4_3, None).unwrap()
        }

        /// A CRL of `issuer` listing the serials of `revoked`.
        fn crl(issuer: &Ca, revoked: &[&Ca]) -> Vec<u8> {
            let now = time::OffsetDateTime::now_utc();
            let params = rcgen::CertificateRevocationListParams {
                this_update: now - time::Duration::hours(1),
                next_update: now + time::Duration::days(1),
                crl_number: rcgen::SerialNumber::from(1u64),
                issuing_distribution_point: None,
                revoked_certs: revoked
                    .iter()
                    .map(|r| rcgen::RevokedCertParams {
                        serial_number: rcgen::SerialNumber::from(r.cert.serial.clone()),
                        revocation_time: now - time::Duration::minutes(5),
                        reason_code: None,
                        invalidity_date: None,
                    })
                    .collect(),
                key_identifier_method: issuer.params.key_identifier_method.clone(),
            };
            let signer = rcgen::Issuer::from_params(&issuer.params, &issuer.key);
            params
                .signed_by(&signer)
                .unwrap()
                .pem()
                .unwrap()
                .into_bytes()
        }

        fn serialized(who: &Ca) -> Vec<u8> {
            SerializedIdentity {
                mspid: "SampleOrg".into(),
                id_bytes: who.cert.to_pem(),
            }
            .encode_to_vec()
        }

        fn role(r: MspRoleType, msp_id: &str) -> MspPrincipal {
            MspPrincipal {
                principal_classification: Classification::Role as i32,
                principal: MspRole {
                    msp_identifier: msp_id.into(),
                    role: r as i32,
                }
                .encode_to_vec(),
            }
        }

        fn principals() -> Vec<MspPrincipal> {
            vec![
                role(MspRoleType::Member, "SampleOrg"),
                role(MspRoleType::Admin, "SampleOrg"),
                role(MspRoleType::Peer, "SampleOrg"),
                role(MspRoleType::Member, "OtherOrg"),
            ]
        }

        fn verdict(r: &Result<(), crate::msp::MspError>) -> Result<(), String> {
            r.as_ref().map(|_| ()).map_err(|e| e.to_string())
        }

        /// Asks every question twice through the caches and once without them; all
        /// answers must agree.
        fn assert_cached_equals_uncached(m: &X509Msp, who: &Ca) -> Result<(), String> {
            let plain = m.deserialize_identity_bytes(&who.cert.to_pem()).unwrap();
            let uncached_valid = verdict(&m.core.validate_identity(&plain));
            for round in 0..2 {
                let id = m.deserialize_identity(&serialized(who)).unwrap();
                assert_eq!(id.identifier(), plain.identifier(), "round {round}");
                assert_eq!(verdict(&id.validate()), uncached_valid, "round {round}");
                for p in principals() {
                    assert_eq!(
                        verdict(&id.satisfies_principal(&p)),
                        verdict(&m.core.satisfies_principal(&plain, &p)),
                        "round {round}"
                    );
                }
            }
            uncached_valid
        }

        #[test]
        fn cache_gives_the_uncached_verdicts_and_revoked_stays_invalid() {
            let org = org();
            let user = issue(&org.inter, "user", false, &[]);
            let revoked = issue(&org.inter, "revoked", false, &[]);
            let m = msp(&org, &[&revoked]);
            assert!(assert_cached_equals_uncached(&m, &user).is_ok());
            assert!(assert_cached_equals_uncached(&m, &org.admin).is_ok());
            let err = assert_cached_equals_uncached(&m, &revoked).unwrap_err();
            assert!(err.contains("revoked"), "{err}");
            // Failed validations are not remembered: only the valid ids are cached.
            assert_eq!(m.core.caches.validated.len(), 2);
            assert!(m
                .core
                .caches
                .validated
                .get(revoked_id(&m, &revoked).as_str())
                .is_none());
        }

        fn revoked_id(m: &X509Msp, who: &Ca) -> String {
            m.deserialize_identity_bytes(&who.cert.to_pem())
                .unwrap()
                .identifier()
                .id
        }

        #[test]
        fn deserialization_is_shared_and_failures_are_not_cached() {
            let org = org();
            let user = issue(&org.inter, "user", false, &[]);
            let m = msp(&org, &[]);
            let a = m.deserialize_identity_shared(&user.cert.to_pem()).unwrap();
            let b = m.deserialize_identity_shared(&user.cert.to_pem()).unwrap();
            assert!(std::sync::Arc::ptr_eq(&a, &b));
            let stranger = issue(&ca("other root"), "stranger", false, &[]);
            for _ in 0..2 {
                assert!(m.deserialize_identity(&serialized(&stranger)).is_err());
            }
            assert!(m.deserialize_identity(b"not an identity").is_err());
            assert_eq!(m.core.caches.deserialized.len(), 1);
        }

        #[test]
        fn a_new_config_starts_with_fresh_caches() {
            let org = org();
            let user = issue(&org.inter, "user", false, &[]);
            let before = msp(&org, &[]);
            let member = role(MspRoleType::Member, "SampleOrg");
            let id = before.deserialize_identity(&serialized(&user)).unwrap();
            id.validate().unwrap();
            id.satisfies_principal(&member).unwrap();
            // The CRL arrives with a config update: a new MSP, which knows nothing cached.
            let after = msp(&org, &[&user]);
            let id = after.deserialize_identity(&serialized(&user)).unwrap();
            assert!(id.validate().is_err());
            assert!(id.satisfies_principal(&member).is_err());
            assert!(id.validate().is_err());
            // The old configuration keeps its own (still correct for it) verdicts.
            let old = before.deserialize_identity(&serialized(&user)).unwrap();
            assert!(old.validate().is_ok());
        }
    }
}
