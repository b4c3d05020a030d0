//! Fabric's protolator: protobuf messages to and from "deep" JSON, where bytes fields that
//! hold marshaled messages (envelope payloads, headers, config values, policies, MSP configs,
//! proposal responses, read-write sets, ...) are shown as the JSON of those messages rather
//! than as base64.
//!
//! The JSON shape is Fabric v1.4's exactly: see [`rules`] for which fields are expanded and
//! into what, [`render`] for the jsonpb conventions, and [`to_go_json`] for the text layout
//! `configtxlator proto_decode` prints.

mod gojson;
mod populate;
mod render;
mod rules;

pub use gojson::to_go_json;

use prost_reflect::{DescriptorPool, DynamicMessage, MessageDescriptor};
use serde_json::Value;

use rules::Context;

/// What went wrong translating between protobuf and JSON.
#[derive(Debug, thiserror::Error)]
pub enum ProtolatorError {
    /// The message type name is not one of Fabric's (use e.g. `common.Block`).
    #[error("message of type {0} unknown (use a full name such as common.Block or common.Config)")]
    UnknownType(String),
    /// The top-level bytes are not a valid message of the requested type.
    #[error("error unmarshaling {type_name}: {reason}")]
    Unmarshal { type_name: String, reason: String },
    /// The top-level JSON document is not an object.
    #[error("error decoding input: the JSON document for {0} must be an object")]
    NotAnObject(String),
    /// A field deeper in the tree could not be translated.
    #[error("{path}: {reason}")]
    Field { path: String, reason: String },
    /// The compiled-in descriptor set is unreadable (a build problem).
    #[error("the built-in protobuf descriptors are unreadable: {0}")]
    Descriptors(String),
}

impl ProtolatorError {
    pub(crate) fn at(path: &str, reason: String) -> Self {
        ProtolatorError::Field {
            path: path.to_string(),
            reason,
        }
    }
}

/// Translator over the Fabric v1.4 protobuf schema.
#[derive(Debug, Clone)]
pub struct Protolator {
    pool: DescriptorPool,
}

impl Protolator {
    /// A translator over the descriptors compiled into this crate.
    pub fn new() -> Result<Self, ProtolatorError> {
        let pool = DescriptorPool::decode(crate::protos::FILE_DESCRIPTOR_SET)
            .map_err(|e| ProtolatorError::Descriptors(e.to_string()))?;
        Ok(Self { pool })
    }

    /// Whether `message_type` (e.g. `common.Block`) is a known message.
    pub fn knows(&self, message_type: &str) -> bool {
        self.pool.get_message_by_name(message_type).is_some()
    }

    /// `configtxlator proto_decode`: the deep JSON of `bytes` read as `message_type`.
    pub fn decode_to_json(
        &self,
        message_type: &str,
        bytes: &[u8],
    ) -> Result<Value, ProtolatorError> {
        let desc = message_descriptor(&self.pool, message_type)?;
        let msg = DynamicMessage::decode(desc, bytes).map_err(|e| ProtolatorError::Unmarshal {
            type_name: message_type.to_string(),
            reason: e.to_string(),
        })?;
        let tree = render::render(&Context::plain(message_type), &msg, message_type)?;
        Ok(Value::Object(tree))
    }

    /// The deep JSON of a consortium member org's config group (`bytes`: a marshaled
    /// `common.ConfigGroup`), as Fabric prints a `DynamicConsortiumOrgGroup`
    /// (`configtxgen -printOrg`): its MSP value shown as an `msp.MSPConfig`.
    pub fn consortium_org_group_to_json(&self, bytes: &[u8]) -> Result<Value, ProtolatorError> {
        let name = "common.ConfigGroup";
        let desc = message_descriptor(&self.pool, name)?;
        let msg = DynamicMessage::decode(desc, bytes).map_err(|e| ProtolatorError::Unmarshal {
            type_name: name.to_string(),
            reason: e.to_string(),
        })?;
        let ctx = Context::Group(rules::GroupScope::ConsortiumOrg);
        Ok(Value::Object(render::render(&ctx, &msg, name)?))
    }

    /// `configtxlator proto_encode`: the bytes of the message `json` describes.
    pub fn encode_from_json(
        &self,
        message_type: &str,
        json: &Value,
    ) -> Result<Vec<u8>, ProtolatorError> {
        let desc = message_descriptor(&self.pool, message_type)?;
        let tree = json
            .as_object()
            .ok_or_else(|| ProtolatorError::NotAnObject(message_type.to_string()))?;
        let msg = populate::populate(&Context::plain(message_type), desc, tree, message_type)?;
        Ok(crate::protoutil::marshal_dynamic(&msg))
    }
}

/// [`Protolator::decode_to_json`] with a fresh translator.
pub fn decode_to_json(message_type: &str, bytes: &[u8]) -> Result<Value, ProtolatorError> {
    Protolator::new()?.decode_to_json(message_type, bytes)
}

/// [`Protolator::encode_from_json`] with a fresh translator.
pub fn encode_from_json(message_type: &str, json: &Value) -> Result<Vec<u8>, ProtolatorError> {
    Protolator::new()?.encode_from_json(message_type, json)
}

fn message_descriptor(
    pool: &DescriptorPool,
    name: &str,
) -> Result<MessageDescriptor, ProtolatorError> {
    pool.get_message_by_name(name)
        .ok_or_else(|| ProtolatorError::UnknownType(name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::{common, msp};
    use prost::Message as _;
    use serde_json::json;

    fn envelope() -> common::Envelope {
        let creator = msp::SerializedIdentity {
            mspid: "Org1MSP".into(),
            id_bytes: b"cert".to_vec(),
        };
        let header = common::Header {
            channel_header: common::ChannelHeader {
                r#type: common::HeaderType::ConfigUpdate as i32,
                channel_id: "mychannel".into(),
                ..Default::default()
            }
            .encode_to_vec(),
            signature_header: common::SignatureHeader {
                creator: creator.encode_to_vec(),
                nonce: vec![1, 2, 3],
            }
            .encode_to_vec(),
        };
        let update = common::ConfigUpdateEnvelope {
            config_update: common::ConfigUpdate {
                channel_id: "mychannel".into(),
                ..Default::default()
            }
            .encode_to_vec(),
            signatures: vec![],
        };
        let payload = common::Payload {
            header: Some(header),
            data: update.encode_to_vec(),
        };
        common::Envelope {
            payload: payload.encode_to_vec(),
            signature: vec![9],
        }
    }

    #[test]
    fn envelope_expands_nested_messages() {
        let json = decode_to_json("common.Envelope", &envelope().encode_to_vec()).unwrap();
        assert_eq!(json["signature"], json!("CQ=="));
        let payload = &json["payload"];
        assert_eq!(payload["header"]["channel_header"]["type"], json!(2));
        assert_eq!(payload["header"]["channel_header"]["epoch"], json!("0"));
        assert_eq!(
            payload["header"]["channel_header"]["timestamp"],
            Value::Null
        );
        assert_eq!(
            payload["header"]["signature_header"]["creator"]["mspid"],
            json!("Org1MSP")
        );
        let update = &payload["data"]["config_update"];
        assert_eq!(update["channel_id"], json!("mychannel"));
        assert_eq!(update["read_set"], Value::Null);
        assert_eq!(update["isolated_data"], json!({}));
        assert_eq!(payload["data"]["signatures"], json!([]));
    }

    #[test]
    fn encode_inverts_decode() {
        let bytes = envelope().encode_to_vec();
        let json = decode_to_json("common.Envelope", &bytes).unwrap();
        assert_eq!(encode_from_json("common.Envelope", &json).unwrap(), bytes);
    }

    #[test]
    fn bad_inputs_give_errors() {
        assert!(matches!(
            decode_to_json("common.Nope", b""),
            Err(ProtolatorError::UnknownType(_))
        ));
        assert!(matches!(
            decode_to_json("common.Envelope", &[0x0a, 0x05, 1]),
            Err(ProtolatorError::Unmarshal { .. })
        ));
        let err =
            encode_from_json("common.Envelope", &json!({"payload": {"bogus": 1}})).unwrap_err();
        assert!(err.to_string().contains("common.Envelope.payload"), "{err}");
        assert!(encode_from_json("common.Envelope", &json!([1])).is_err());
        let unknown_value = json!({"channel_group": {"values": {"Nope": {"value": {}}}}});
        let err = encode_from_json("common.Config", &unknown_value).unwrap_err();
        assert!(
            err.to_string()
                .contains("unknown Channel ConfigValue name: Nope"),
            "{err}"
        );
    }
}
