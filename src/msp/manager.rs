//! The MSP manager of a channel (Fabric's `mspManagerImpl`): the channel's MSPs by id, and
//! identity deserialization dispatched on the serialized identity's MSP id.

use std::collections::BTreeMap;
use std::sync::Arc;

use prost::Message;

use super::bccspmsp::X509Msp;
use super::{Identity, IdentityDeserializer, MspError};
use crate::protos::msp::SerializedIdentity;

/// The MSPs of one channel, keyed by MSP id.
#[derive(Debug, Clone, Default)]
pub struct MspManager {
    msps: BTreeMap<String, X509Msp>,
}

impl MspManager {
    /// A manager over `msps`; a later MSP with the same id replaces an earlier one, as in Fabric.
    pub fn new(msps: impl IntoIterator<Item = X509Msp>) -> Self {
        let msps = msps
            .into_iter()
            .map(|m| (m.identifier().to_string(), m))
            .collect();
        MspManager { msps }
    }

    /// The managed MSPs by id.
    pub fn msps(&self) -> &BTreeMap<String, X509Msp> {
        &self.msps
    }

    /// The MSP with this id, if the channel has it.
    pub fn msp(&self, msp_id: &str) -> Option<&X509Msp> {
        self.msps.get(msp_id)
    }

    /// Fabric's `IsWellFormed`: some MSP of the channel recognises the identity's form.
    pub fn is_well_formed(&self, identity: &SerializedIdentity) -> Result<(), MspError> {
        match self.msps.values().next() {
            Some(msp) => msp.is_well_formed(identity),
            None => Err(MspError::MalformedIdentity(
                "no MSP provider recognizes the identity".into(),
            )),
        }
    }
}

impl IdentityDeserializer for MspManager {
    fn deserialize_identity(&self, serialized: &[u8]) -> Result<Arc<dyn Identity>, MspError> {
        let sid = SerializedIdentity::decode(serialized).map_err(|e| {
            MspError::MalformedIdentity(format!("could not decode a SerializedIdentity: {e}"))
        })?;
        let msp = self
            .msps
            .get(&sid.mspid)
            .ok_or_else(|| MspError::UnknownMsp(sid.mspid.clone()))?;
        Ok(msp.deserialize_identity_shared(&sid.id_bytes)?)
    }
}
