//! Checking what Broadcast receives before it is ordered (Fabric's `msgprocessor`):
//! classification by header type, the filters every message passes (not empty, creator
//! not expired, not over AbsoluteMaxBytes, signed by someone the channel's Writers policy
//! admits), and config updates turned into the config envelope to order.

mod filters;
mod standard;
mod systemchannel;

pub use filters::apply_filters;
pub use standard::{process_config_update_msg, process_normal_msg};
pub use systemchannel::{new_channel_config, process_channel_creation};

use crate::protos::common::{ChannelHeader, HeaderType, Status};

/// `/Channel/Writers`: who may submit to a channel.
pub const CHANNEL_WRITERS: &str = "/Channel/Writers";
/// `/Channel/Readers`: who may read a channel's blocks.
pub const CHANNEL_READERS: &str = "/Channel/Readers";
/// `/Channel/Orderer/Writers`: who may submit while the channel is in maintenance mode.
pub const ORDERER_WRITERS: &str = "/Channel/Orderer/Writers";

/// How a message is processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Classification {
    /// Transactions and anything else not about config.
    Normal,
    /// CONFIG_UPDATE: a request to change (or create) a channel's config.
    ConfigUpdate,
    /// CONFIG or ORDERER_TRANSACTION: produced by the orderer, never accepted from clients.
    Config,
}

/// Classifies a message by its channel header type.
pub fn classify(chdr: &ChannelHeader) -> Classification {
    match HeaderType::try_from(chdr.r#type) {
        Ok(HeaderType::ConfigUpdate) => Classification::ConfigUpdate,
        Ok(HeaderType::Config) | Ok(HeaderType::OrdererTransaction) => Classification::Config,
        _ => Classification::Normal,
    }
}

/// Why a message was refused; each maps to the status Broadcast answers with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProcessError {
    /// The message names a channel this orderer does not have.
    #[error("channel does not exist")]
    ChannelDoesNotExist,
    /// The creator is not admitted by the policy (`<policy error>: permission denied`).
    #[error("{0}: permission denied")]
    PermissionDenied(String),
    /// The channel only accepts consensus-type migration traffic right now.
    #[error("maintenance mode")]
    MaintenanceMode,
    /// Anything else wrong with the message.
    #[error("{0}")]
    BadRequest(String),
}

impl ProcessError {
    /// The Broadcast status for this error (Fabric's `ClassifyError`).
    pub fn status(&self) -> Status {
        match self {
            ProcessError::ChannelDoesNotExist => Status::NotFound,
            ProcessError::PermissionDenied(_) => Status::Forbidden,
            ProcessError::MaintenanceMode => Status::ServiceUnavailable,
            ProcessError::BadRequest(_) => Status::BadRequest,
        }
    }

    /// Prefixes the reason with context, keeping the classification.
    pub fn context(self, what: &str) -> Self {
        match self {
            ProcessError::PermissionDenied(e) => {
                ProcessError::PermissionDenied(format!("{what}: {e}"))
            }
            ProcessError::BadRequest(e) => ProcessError::BadRequest(format!("{what}: {e}")),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(t: HeaderType) -> ChannelHeader {
        ChannelHeader {
            r#type: t as i32,
            ..Default::default()
        }
    }

    #[test]
    fn messages_are_classified_by_header_type() {
        assert_eq!(
            classify(&header(HeaderType::ConfigUpdate)),
            Classification::ConfigUpdate
        );
        assert_eq!(
            classify(&header(HeaderType::Config)),
            Classification::Config
        );
        assert_eq!(
            classify(&header(HeaderType::OrdererTransaction)),
            Classification::Config
        );
        for t in [
            HeaderType::EndorserTransaction,
            HeaderType::Message,
            HeaderType::DeliverSeekInfo,
        ] {
            assert_eq!(classify(&header(t)), Classification::Normal);
        }
        let unknown = ChannelHeader {
            r#type: 99,
            ..Default::default()
        };
        assert_eq!(classify(&unknown), Classification::Normal);
    }

    #[test]
    fn errors_map_to_fabrics_statuses_and_texts() {
        assert_eq!(ProcessError::ChannelDoesNotExist.status(), Status::NotFound);
        assert_eq!(
            ProcessError::MaintenanceMode.status(),
            Status::ServiceUnavailable
        );
        let denied = ProcessError::PermissionDenied("policy failed".into());
        assert_eq!(denied.status(), Status::Forbidden);
        assert_eq!(denied.to_string(), "policy failed: permission denied");
        let wrapped = denied.context("config update did not pass initial checks");
        assert_eq!(wrapped.status(), Status::Forbidden);
        assert_eq!(
            wrapped.to_string(),
            "config update did not pass initial checks: policy failed: permission denied"
        );
        assert_eq!(
            ProcessError::BadRequest("x".into()).status(),
            Status::BadRequest
        );
        assert_eq!(
            ProcessError::ChannelDoesNotExist.context("y").to_string(),
            "channel does not exist"
        );
    }

    #[test]
    fn expiry_is_read_from_the_creator_certificate() {
        use prost::Message;
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/sampleconfig/msp/signcerts");
        let pem = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| std::fs::read(e.unwrap().path()).unwrap())
            .next()
            .unwrap();
        let sid = crate::protos::msp::SerializedIdentity {
            mspid: "SampleOrg".into(),
            id_bytes: pem,
        };
        let expiry =
            crate::msp::cert::expires_at(&sid.encode_to_vec()).expect("an X.509 identity expires");
        assert!(expiry > std::time::SystemTime::now());
        assert_eq!(crate::msp::cert::expires_at(b"not an identity"), None);
    }
}
