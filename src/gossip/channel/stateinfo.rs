//! The state info of a channel's peers (Fabric's `stateInfoCache`): the latest state info per
//! peer, admitted only from peers whose organization is in the channel and whose signature
//! verifies against the channel's MSPs.

use std::collections::HashMap;

use super::{Inner, LOG};
use crate::gossip::comm::SignedGossipMessage;
use crate::gossip::common::{OrgId, PkiId};
use crate::gossip::msgstore::MessageStore;
use crate::protos::gossip::gossip_message::Content;

pub(super) struct StateInfoCache {
    store: MessageStore,
    by_id: HashMap<PkiId, SignedGossipMessage>,
}

impl Default for StateInfoCache {
    fn default() -> Self {
        StateInfoCache {
            store: MessageStore::new(0, None),
            by_id: HashMap::new(),
        }
    }
}

pub(super) fn state_info_pki_id(m: &SignedGossipMessage) -> PkiId {
    match &m.message.content {
        Some(Content::StateInfo(si)) => PkiId(si.pki_id.clone()),
        _ => PkiId::default(),
    }
}

impl StateInfoCache {
    pub(super) fn check_valid(&self, m: &SignedGossipMessage) -> bool {
        self.store.check_valid(m)
    }

    fn add_verified(&mut self, m: &SignedGossipMessage) -> bool {
        let (added, removed) = self.store.add(m.clone());
        for old in removed {
            self.by_id.remove(&state_info_pki_id(&old));
        }
        if added {
            self.by_id.insert(state_info_pki_id(m), m.clone());
        }
        added
    }

    pub(super) fn msg_by_id(&self, id: &PkiId) -> Option<SignedGossipMessage> {
        self.by_id.get(id).cloned()
    }

    pub(super) fn get(&self) -> Vec<SignedGossipMessage> {
        self.store.get()
    }

    /// Removes the state info of peers `gone` selects; returns their PKI-IDs.
    pub(super) fn purge(&mut self, gone: impl Fn(&PkiId) -> bool) -> Vec<PkiId> {
        let removed = self.store.purge(|m| gone(&state_info_pki_id(m)));
        let ids: Vec<PkiId> = removed.iter().map(state_info_pki_id).collect();
        for id in &ids {
            self.by_id.remove(id);
        }
        ids
    }
}

impl Inner {
    /// Fabric's `verifyStateInfoMsg`: from ourselves, or from a known peer of an organization
    /// of the channel (`orgs` when given) whose signature the channel's MSPs accept.
    pub(super) fn verify_state_info(
        &self,
        m: &SignedGossipMessage,
        orgs: Option<&[OrgId]>,
    ) -> bool {
        let id = state_info_pki_id(m);
        if id == self.pki_id {
            return true;
        }
        let Some(identity) = self.adapter.identity_by_pki_id(&id) else {
            tracing::warn!(target: LOG, "Identity for peer {id} doesn't exist");
            return false;
        };
        let org = self.adapter.org_of_peer(&id).unwrap_or_default();
        let in_chan = match orgs {
            Some(orgs) => orgs.contains(&org),
            None => self.is_org_in_channel(&org),
        };
        if !in_chan {
            tracing::warn!(
                target: LOG,
                "peer {id}'s organization({}) isn't in the channel {}",
                String::from_utf8_lossy(&org),
                String::from_utf8_lossy(&self.chain_id)
            );
            return false;
        }
        let Some(env) = &m.envelope else {
            return false;
        };
        let channel = String::from_utf8_lossy(&self.chain_id);
        if let Err(e) =
            self.mcs
                .verify_by_channel(&channel, &identity, &env.signature, &env.payload)
        {
            tracing::warn!(target: LOG, "Peer {id} isn't eligible for channel {channel} : {e}");
            return false;
        }
        true
    }

    /// Adds a state info if newer than the one held and verified (Fabric's cache `Add`).
    pub(super) fn state_info_add(&self, m: &SignedGossipMessage) -> bool {
        if !self.state_info.lock().unwrap().check_valid(m) {
            return false;
        }
        if !self.verify_state_info(m, None) {
            return false;
        }
        self.state_info.lock().unwrap().add_verified(m)
    }

    /// Drops the state info no longer valid for the channel's new organizations.
    pub(super) fn state_info_revalidate(&self, orgs: &[OrgId]) {
        let all = self.state_info.lock().unwrap().get();
        let invalid: Vec<PkiId> = all
            .iter()
            .filter(|m| !self.verify_state_info(m, Some(orgs)))
            .map(state_info_pki_id)
            .collect();
        if !invalid.is_empty() {
            self.state_info
                .lock()
                .unwrap()
                .purge(|id| invalid.contains(id));
        }
    }
}
