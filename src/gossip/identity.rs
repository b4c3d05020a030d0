//! The identity mapper (Fabric's `gossip/identity`): PKI-ID → identity of every peer met,
//! each checked by the message crypto service when it is put (valid, of a known MSP, its
//! PKI-ID the one computed from it). Identities are dropped when they expire, when they
//! were not used for [`USAGE_THRESHOLD`] (except ours), and when a suspicion check finds
//! them no longer valid (revoked); the `on_purge` callback hears of each.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::Notify;

use super::api::{CryptoError, MessageCryptoService, SecurityAdvisor};
use super::common::{OrgId, PeerIdentity, PeerIdentityInfo, PkiId};

/// How long an identity may go unused before it is purged (Fabric's `usageThreshold`).
pub const USAGE_THRESHOLD: Duration = Duration::from_secs(60 * 60);

/// Why an identity was not stored, found or used; the texts are Fabric's.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("PKIID is nil")]
    NilPkiId,
    #[error("identity is nil")]
    NilIdentity,
    #[error("failed classifying identity: {0}")]
    Classify(#[source] CryptoError),
    #[error(transparent)]
    Invalid(CryptoError),
    #[error("identity doesn't match the computed pkiID")]
    PkiIdMismatch,
    #[error("identity expired")]
    Expired,
    #[error("PKIID wasn't found")]
    NotFound,
    #[error(transparent)]
    Crypto(CryptoError),
}

/// Called with each purged identity.
pub type PurgeTrigger = Box<dyn Fn(&PkiId, &PeerIdentity) + Send + Sync>;

/// Decides which stored identities to re-validate (Fabric's `api.PeerSuspector`).
pub type PeerSuspector<'a> = &'a dyn Fn(&PeerIdentity) -> bool;

struct Stored {
    identity: PeerIdentity,
    org: Option<OrgId>,
    last_access: Instant,
    expires_at: Option<SystemTime>,
}

struct Inner {
    mcs: Arc<dyn MessageCryptoService>,
    sa: Arc<dyn SecurityAdvisor>,
    self_pki_id: PkiId,
    identities: Mutex<HashMap<PkiId, Stored>>,
    on_purge: PurgeTrigger,
    usage_threshold: Duration,
    /// Wakes the purge task (an earlier expiration, or the stop).
    wake: Notify,
    stopped: std::sync::atomic::AtomicBool,
}

/// Fabric's `identity.Mapper`.
pub struct IdentityMapper {
    inner: Arc<Inner>,
}

impl IdentityMapper {
    /// A mapper holding our own identity, with its purge task running (inside tokio).
    pub fn new(
        mcs: Arc<dyn MessageCryptoService>,
        sa: Arc<dyn SecurityAdvisor>,
        self_identity: PeerIdentity,
        on_purge: PurgeTrigger,
    ) -> Result<Self, IdentityError> {
        Self::with_usage_threshold(mcs, sa, self_identity, on_purge, USAGE_THRESHOLD)
    }

    /// As [`IdentityMapper::new`], purging identities unused for `usage_threshold`.
    pub fn with_usage_threshold(
        mcs: Arc<dyn MessageCryptoService>,
        sa: Arc<dyn SecurityAdvisor>,
        self_identity: PeerIdentity,
        on_purge: PurgeTrigger,
        usage_threshold: Duration,
    ) -> Result<Self, IdentityError> {
        let self_pki_id = mcs.pki_id_of_cert(&self_identity);
        let inner = Arc::new(Inner {
            mcs,
            sa,
            self_pki_id: self_pki_id.clone(),
            identities: Mutex::new(HashMap::new()),
            on_purge,
            usage_threshold,
            wake: Notify::new(),
            stopped: Default::default(),
        });
        let mapper = IdentityMapper { inner };
        mapper.put(self_pki_id, self_identity)?;
        tokio::spawn(purge_loop(mapper.inner.clone()));
        Ok(mapper)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<PkiId, Stored>> {
        self.inner
            .identities
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Stores `identity` under `pki_id` after the MCS validated it and computed the same
    /// PKI-ID (Fabric's `Put`); an identity already stored is kept as is.
    pub fn put(&self, pki_id: PkiId, identity: PeerIdentity) -> Result<(), IdentityError> {
        if pki_id.is_empty() {
            return Err(IdentityError::NilPkiId);
        }
        if identity.is_empty() {
            return Err(IdentityError::NilIdentity);
        }
        let mcs = &self.inner.mcs;
        let expires_at = mcs.expiration(&identity).map_err(IdentityError::Classify)?;
        mcs.validate_identity(&identity)
            .map_err(IdentityError::Invalid)?;
        if mcs.pki_id_of_cert(&identity) != pki_id {
            return Err(IdentityError::PkiIdMismatch);
        }
        if expires_at.is_some_and(|t| t <= SystemTime::now()) {
            return Err(IdentityError::Expired);
        }
        let org = self.inner.sa.org_by_peer_identity(&identity);
        let mut ids = self.lock();
        if ids.contains_key(&pki_id) {
            return Ok(());
        }
        ids.insert(
            pki_id,
            Stored {
                identity,
                org,
                last_access: Instant::now(),
                expires_at,
            },
        );
        drop(ids);
        if expires_at.is_some() {
            self.inner.wake.notify_one();
        }
        Ok(())
    }

    /// The identity of `pki_id` (Fabric's `Get`); counts as a use.
    pub fn get(&self, pki_id: &PkiId) -> Result<PeerIdentity, IdentityError> {
        let mut ids = self.lock();
        let stored = ids.get_mut(pki_id).ok_or(IdentityError::NotFound)?;
        stored.last_access = Instant::now();
        Ok(stored.identity.clone())
    }

    /// Signs with our identity.
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, IdentityError> {
        self.inner.mcs.sign(msg).map_err(IdentityError::Crypto)
    }

    /// Checks `signature` over `message` by the identity stored under `pki_id`.
    pub fn verify(
        &self,
        pki_id: &PkiId,
        signature: &[u8],
        message: &[u8],
    ) -> Result<(), IdentityError> {
        let identity = self.get(pki_id)?;
        self.inner
            .mcs
            .verify(&identity, signature, message)
            .map_err(IdentityError::Crypto)
    }

    /// The PKI-ID of an identity (Fabric's `GetPKIidOfCert`).
    pub fn pki_id_of_cert(&self, identity: &[u8]) -> PkiId {
        self.inner.mcs.pki_id_of_cert(identity)
    }

    /// Our PKI-ID.
    pub fn self_pki_id(&self) -> &PkiId {
        &self.inner.self_pki_id
    }

    /// Purges identities unused for the usage threshold or expired, and re-validates those
    /// `is_suspected` chooses, purging the ones no longer valid (Fabric's `SuspectPeers`).
    pub fn suspect_peers(&self, is_suspected: PeerSuspector<'_>) {
        self.inner.purge(is_suspected);
    }

    /// Every stored identity with its organization (Fabric's `IdentityInfo`).
    pub fn identity_info(&self) -> Vec<PeerIdentityInfo> {
        self.lock()
            .iter()
            .map(|(pki_id, s)| PeerIdentityInfo {
                pki_id: pki_id.clone(),
                identity: s.identity.clone(),
                organization: s.org.clone().unwrap_or_default(),
            })
            .collect()
    }

    /// Ends the purge task.
    pub fn stop(&self) {
        self.inner
            .stopped
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.inner.wake.notify_one();
    }
}

impl Drop for IdentityMapper {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Inner {
    fn purge(&self, is_suspected: PeerSuspector<'_>) {
        let now = Instant::now();
        let wall = SystemTime::now();
        let candidates: Vec<(PkiId, PeerIdentity, bool)> = {
            let ids = self.identities.lock().unwrap_or_else(|e| e.into_inner());
            ids.iter()
                .filter(|(id, _)| **id != self.self_pki_id)
                .map(|(id, s)| {
                    let stale = now.duration_since(s.last_access) >= self.usage_threshold
                        || s.expires_at.is_some_and(|t| t <= wall);
                    (id.clone(), s.identity.clone(), stale)
                })
                .collect()
        };
        for (pki_id, identity, stale) in candidates {
            let revoked =
                !stale && is_suspected(&identity) && self.mcs.validate_identity(&identity).is_err();
            if stale || revoked {
                self.delete(&pki_id);
            }
        }
    }

    fn delete(&self, pki_id: &PkiId) {
        let removed = self
            .identities
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(pki_id);
        if let Some(s) = removed {
            tracing::debug!(target: "gossip.identity", "Purging identity of {pki_id}");
            (self.on_purge)(pki_id, &s.identity);
        }
    }

    /// When the next identity expires, if any does.
    fn next_expiration(&self) -> Option<SystemTime> {
        let ids = self.identities.lock().unwrap_or_else(|e| e.into_inner());
        ids.iter()
            .filter(|(id, _)| **id != self.self_pki_id)
            .filter_map(|(_, s)| s.expires_at)
            .min()
    }
}

/// Purges every tenth of the usage threshold, and at each expiration.
async fn purge_loop(inner: Arc<Inner>) {
    let period = (inner.usage_threshold / 10).max(Duration::from_millis(100));
    let mut next_tick = tokio::time::Instant::now() + period;
    loop {
        if inner.stopped.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        let mut wake_at = next_tick;
        if let Some(t) = inner.next_expiration() {
            let left = t
                .duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO);
            // a millisecond past the expiration, as Fabric's timer
            wake_at = wake_at.min(tokio::time::Instant::now() + left + Duration::from_millis(1));
        }
        tokio::select! {
            _ = tokio::time::sleep_until(wake_at) => {}
            _ = inner.wake.notified() => continue,
        }
        if tokio::time::Instant::now() >= next_tick {
            next_tick = tokio::time::Instant::now() + period;
        }
        inner.purge(&|_| false);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use sha2::{Digest, Sha256};
    use std::collections::HashSet;

    /// An MCS over fake identities: an identity is valid unless listed as revoked, its
    /// PKI-ID is its SHA-256, it expires when told, signatures are the message reversed
    /// followed by the identity.
    #[derive(Default)]
    pub(crate) struct FakeMcs {
        pub revoked: Mutex<HashSet<Vec<u8>>>,
        pub expiry: Mutex<HashMap<Vec<u8>, SystemTime>>,
        pub me: Vec<u8>,
    }

    pub(crate) fn fake_sig(identity: &[u8], msg: &[u8]) -> Vec<u8> {
        msg.iter().rev().chain(identity).copied().collect()
    }

    impl MessageCryptoService for FakeMcs {
        fn pki_id_of_cert(&self, identity: &[u8]) -> PkiId {
            PkiId(Sha256::digest(identity).to_vec())
        }
        fn verify_block(&self, _: &str, _: u64, _: &[u8]) -> Result<(), CryptoError> {
            Ok(())
        }
        fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, CryptoError> {
            Ok(fake_sig(&self.me, msg))
        }
        fn verify(&self, identity: &[u8], sig: &[u8], msg: &[u8]) -> Result<(), CryptoError> {
            self.validate_identity(identity)?;
            (fake_sig(identity, msg) == sig)
                .then_some(())
                .ok_or_else(|| CryptoError::Invalid("bad signature".into()))
        }
        fn verify_by_channel(
            &self,
            _: &str,
            identity: &[u8],
            sig: &[u8],
            msg: &[u8],
        ) -> Result<(), CryptoError> {
            self.verify(identity, sig, msg)
        }
        fn validate_identity(&self, identity: &[u8]) -> Result<(), CryptoError> {
            if identity.starts_with(b"foreign") || self.revoked.lock().unwrap().contains(identity) {
                return Err(CryptoError::Invalid("unknown or revoked identity".into()));
            }
            Ok(())
        }
        fn expiration(&self, identity: &[u8]) -> Result<Option<SystemTime>, CryptoError> {
            Ok(self.expiry.lock().unwrap().get(identity).copied())
        }
    }

    pub(crate) struct FakeSa;
    impl SecurityAdvisor for FakeSa {
        fn org_by_peer_identity(&self, identity: &PeerIdentity) -> Option<OrgId> {
            identity.split(|b| *b == b'.').next().map(<[u8]>::to_vec)
        }
    }

    fn mapper(mcs: Arc<FakeMcs>, purged: Arc<Mutex<Vec<PkiId>>>, th: Duration) -> IdentityMapper {
        let me = mcs.me.clone();
        IdentityMapper::with_usage_threshold(
            mcs,
            Arc::new(FakeSa),
            me,
            Box::new(move |id, _| purged.lock().unwrap().push(id.clone())),
            th,
        )
        .unwrap()
    }

    fn fake_mcs() -> Arc<FakeMcs> {
        Arc::new(FakeMcs {
            me: b"org1.me".to_vec(),
            ..FakeMcs::default()
        })
    }

    #[tokio::test]
    async fn put_checks_the_pki_id_and_the_identity() {
        let mcs = fake_mcs();
        let m = mapper(mcs.clone(), Default::default(), USAGE_THRESHOLD);
        let id = b"org2.peer".to_vec();
        let pki = mcs.pki_id_of_cert(&id);
        assert!(matches!(
            m.put(PkiId(vec![1]), id.clone()),
            Err(IdentityError::PkiIdMismatch)
        ));
        assert!(matches!(
            m.put(PkiId::default(), id.clone()),
            Err(IdentityError::NilPkiId)
        ));
        let foreign = b"foreign.peer".to_vec();
        assert!(matches!(
            m.put(mcs.pki_id_of_cert(&foreign), foreign),
            Err(IdentityError::Invalid(_))
        ));
        assert!(matches!(m.get(&pki), Err(IdentityError::NotFound)));
        m.put(pki.clone(), id.clone()).unwrap();
        assert_eq!(m.get(&pki).unwrap(), id);
        let sig = fake_sig(&id, b"hello");
        m.verify(&pki, &sig, b"hello").unwrap();
        assert!(m.verify(&pki, &sig, b"other").is_err());
        let mut info = m.identity_info();
        info.sort_by(|a, b| a.organization.cmp(&b.organization));
        assert_eq!(info.len(), 2);
        assert_eq!(info[1].organization, b"org2".to_vec());
        assert_eq!(info[1].pki_id, pki);
    }

    #[tokio::test]
    async fn expired_identities_are_refused_and_purged_when_they_expire() {
        let mcs = fake_mcs();
        let purged = Arc::new(Mutex::new(Vec::new()));
        let m = mapper(mcs.clone(), purged.clone(), USAGE_THRESHOLD);
        let old = b"org2.old".to_vec();
        mcs.expiry
            .lock()
            .unwrap()
            .insert(old.clone(), SystemTime::now() - Duration::from_secs(1));
        assert!(matches!(
            m.put(mcs.pki_id_of_cert(&old), old),
            Err(IdentityError::Expired)
        ));
        let soon = b"org2.soon".to_vec();
        let pki = mcs.pki_id_of_cert(&soon);
        mcs.expiry
            .lock()
            .unwrap()
            .insert(soon.clone(), SystemTime::now() + Duration::from_millis(200));
        m.put(pki.clone(), soon).unwrap();
        tokio::time::timeout(Duration::from_secs(10), async {
            while m.get(&pki).is_ok() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("the identity is purged once it expired");
        assert_eq!(*purged.lock().unwrap(), vec![pki]);
    }

    #[tokio::test]
    async fn suspected_revoked_and_unused_identities_are_purged_but_never_ours() {
        let mcs = fake_mcs();
        let purged = Arc::new(Mutex::new(Vec::new()));
        let m = mapper(mcs.clone(), purged.clone(), Duration::from_secs(3600));
        let a = b"org2.a".to_vec();
        let b = b"org2.b".to_vec();
        m.put(mcs.pki_id_of_cert(&a), a.clone()).unwrap();
        m.put(mcs.pki_id_of_cert(&b), b.clone()).unwrap();
        mcs.revoked.lock().unwrap().insert(a.clone());
        mcs.revoked.lock().unwrap().insert(b.clone());
        // only `a` is suspected
        m.suspect_peers(&|id: &PeerIdentity| id == &a);
        assert!(m.get(&mcs.pki_id_of_cert(&a)).is_err());
        assert!(m.get(&mcs.pki_id_of_cert(&b)).is_ok());
        assert_eq!(*purged.lock().unwrap(), vec![mcs.pki_id_of_cert(&a)]);

        let m = mapper(mcs.clone(), purged.clone(), Duration::ZERO);
        let c = b"org2.c".to_vec();
        m.put(mcs.pki_id_of_cert(&c), c.clone()).unwrap();
        m.suspect_peers(&|_| false);
        assert!(m.get(&mcs.pki_id_of_cert(&c)).is_err(), "unused: purged");
        assert!(m.get(m.self_pki_id()).is_ok(), "ours stays");
    }
}
