//! A plain identity mapper over the message crypto service (Fabric's `identity.Mapper`
//! without expiration), used by tests and until the node binds comm's mapper.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::gossip::api::{MessageCryptoService, SecurityAdvisor};
use crate::gossip::common::{PeerIdentity, PeerIdentityInfo, PkiId};
use crate::gossip::gossip::{IdentityError, IdentityMapper};

/// PKI-ID → identity, each validated by the MCS when put.
pub struct SimpleIdentityMapper {
    mcs: Arc<dyn MessageCryptoService>,
    sa: Arc<dyn SecurityAdvisor>,
    ids: Mutex<HashMap<PkiId, PeerIdentity>>,
}

impl SimpleIdentityMapper {
    pub fn new(mcs: Arc<dyn MessageCryptoService>, sa: Arc<dyn SecurityAdvisor>) -> Self {
        SimpleIdentityMapper {
            mcs,
            sa,
            ids: Mutex::default(),
        }
    }
}

impl IdentityMapper for SimpleIdentityMapper {
    fn put(&self, pki_id: PkiId, identity: PeerIdentity) -> Result<(), IdentityError> {
        if self.mcs.pki_id_of_cert(&identity) != pki_id {
            return Err(IdentityError::Mismatch(pki_id));
        }
        self.mcs
            .validate_identity(&identity)
            .map_err(|source| IdentityError::Invalid {
                pki_id: pki_id.clone(),
                source,
            })?;
        self.ids.lock().unwrap().insert(pki_id, identity);
        Ok(())
    }

    fn get(&self, pki_id: &PkiId) -> Option<PeerIdentity> {
        self.ids.lock().unwrap().get(pki_id).cloned()
    }

    fn identity_info(&self) -> Vec<PeerIdentityInfo> {
        self.ids
            .lock()
            .unwrap()
            .iter()
            .filter_map(|(id, identity)| {
                Some(PeerIdentityInfo {
                    pki_id: id.clone(),
                    identity: identity.clone(),
                    organization: self.sa.org_by_peer_identity(identity)?,
                })
            })
            .collect()
    }
}
