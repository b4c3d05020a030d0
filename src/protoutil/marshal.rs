//! Protobuf encoding byte for byte as Fabric's Go code marshals (golang/protobuf with
//! `SetDeterministic(true)`, Fabric's `MostlyDeterministicMarshal`): fields in field-number
//! order, proto3 defaults left out, repeated scalars packed, map entries sorted by key and
//! always carrying both their key and their value.
//!
//! prost differs from Go only in that last point: inside a map entry it leaves out a key or
//! a value that equals its default (an empty `ConfigGroup` in a read set, an empty
//! `Capability`), where Go writes `12 00`. Hashes, signatures and file sizes of config
//! artifacts depend on it, so everything Fabric would marshal with maps goes through
//! [`marshal`].

use prost::encoding::{encode_key, encode_varint, WireType};
use prost::Message;
use prost_reflect::{
    DescriptorPool, DynamicMessage, FieldDescriptor, Kind, MapKey, ReflectMessage, Value,
};

use super::ProtoutilError;

/// `message`'s bytes exactly as Go marshals it; `full_name` is its name in Fabric's schema
/// (`common.ConfigUpdate`). Equal to `encode_to_vec` for messages without map fields.
pub fn try_marshal(full_name: &str, message: &impl Message) -> Result<Vec<u8>, ProtoutilError> {
    let pool = DescriptorPool::decode(crate::protos::FILE_DESCRIPTOR_SET)
        .map_err(|e| ProtoutilError::Invalid(format!("built-in descriptors unreadable: {e}")))?;
    let descriptor = pool
        .get_message_by_name(full_name)
        .ok_or_else(|| ProtoutilError::Invalid(format!("unknown message type {full_name}")))?;
    let dynamic = DynamicMessage::decode(descriptor, message.encode_to_vec().as_slice()).map_err(
        |source| ProtoutilError::Decode {
            what: "message for Go marshaling",
            source,
        },
    )?;
    Ok(marshal_dynamic(&dynamic))
}

/// [`try_marshal`] for the crate's own types, whose names are fixed in the code: the
/// failures it can report (a corrupt built-in descriptor set, a misspelt type name) are
/// build defects that the unit tests below rule out; should one happen anyway the prost
/// encoding (same message, map entries without defaults) is returned and logged.
pub fn marshal(full_name: &str, message: &impl Message) -> Vec<u8> {
    try_marshal(full_name, message).unwrap_or_else(|e| {
        tracing::error!(target: "protoutil", "Go-compatible marshal of {full_name} failed ({e}); using the plain encoding");
        message.encode_to_vec()
    })
}

/// A dynamic (reflected) message's bytes, as Go marshals it.
pub fn marshal_dynamic(msg: &DynamicMessage) -> Vec<u8> {
    let mut buf = Vec::new();
    encode_into(msg, &mut buf);
    buf
}

fn encode_into(msg: &DynamicMessage, buf: &mut Vec<u8>) {
    let mut fields: Vec<FieldDescriptor> = msg.descriptor().fields().collect();
    fields.sort_by_key(FieldDescriptor::number);
    for field in fields {
        if msg.has_field(&field) {
            encode_field(&field, &msg.get_field(&field), buf);
        }
    }
}

fn encode_field(field: &FieldDescriptor, value: &Value, buf: &mut Vec<u8>) {
    let tag = field.number();
    let kind = field.kind();
    match value {
        Value::Map(entries) => {
            let Kind::Message(entry) = &kind else { return };
            let key_kind = entry.map_entry_key_field().kind();
            let value_kind = entry.map_entry_value_field().kind();
            let mut sorted: Vec<(&MapKey, &Value)> = entries.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(b.0));
            for (key, element) in sorted {
                let mut body = Vec::new();
                encode_single(1, &key_kind, &map_key_value(key), &mut body);
                encode_single(2, &value_kind, element, &mut body);
                encode_key(tag, WireType::LengthDelimited, buf);
                encode_varint(body.len() as u64, buf);
                buf.extend_from_slice(&body);
            }
        }
        Value::List(items) if field.is_packed() => {
            let mut body = Vec::new();
            for item in items {
                encode_raw(&kind, item, &mut body);
            }
            encode_key(tag, WireType::LengthDelimited, buf);
            encode_varint(body.len() as u64, buf);
            buf.extend_from_slice(&body);
        }
        Value::List(items) => {
            for item in items {
                encode_single(tag, &kind, item, buf);
            }
        }
        single => encode_single(tag, &kind, single, buf),
    }
}

/// Key and value of one field occurrence.
fn encode_single(tag: u32, kind: &Kind, value: &Value, buf: &mut Vec<u8>) {
    encode_key(tag, wire_type(kind), buf);
    encode_raw(kind, value, buf);
}

fn wire_type(kind: &Kind) -> WireType {
    match kind {
        Kind::Double | Kind::Fixed64 | Kind::Sfixed64 => WireType::SixtyFourBit,
        Kind::Float | Kind::Fixed32 | Kind::Sfixed32 => WireType::ThirtyTwoBit,
        Kind::String | Kind::Bytes | Kind::Message(_) => WireType::LengthDelimited,
        _ => WireType::Varint,
    }
}

/// A value without its key (as it also appears inside a packed list).
fn encode_raw(kind: &Kind, value: &Value, buf: &mut Vec<u8>) {
    match (kind, value) {
        (Kind::Sint32, Value::I32(v)) => {
            encode_varint(u64::from(((v << 1) ^ (v >> 31)) as u32), buf)
        }
        (Kind::Sint64, Value::I64(v)) => encode_varint(((v << 1) ^ (v >> 63)) as u64, buf),
        (Kind::Sfixed32, Value::I32(v)) => buf.extend_from_slice(&v.to_le_bytes()),
        (Kind::Sfixed64, Value::I64(v)) => buf.extend_from_slice(&v.to_le_bytes()),
        (Kind::Fixed32, Value::U32(v)) => buf.extend_from_slice(&v.to_le_bytes()),
        (Kind::Fixed64, Value::U64(v)) => buf.extend_from_slice(&v.to_le_bytes()),
        (_, Value::F32(v)) => buf.extend_from_slice(&v.to_le_bytes()),
        (_, Value::F64(v)) => buf.extend_from_slice(&v.to_le_bytes()),
        (_, Value::I32(v)) | (_, Value::EnumNumber(v)) => encode_varint(i64::from(*v) as u64, buf),
        (_, Value::I64(v)) => encode_varint(*v as u64, buf),
        (_, Value::U32(v)) => encode_varint(u64::from(*v), buf),
        (_, Value::U64(v)) => encode_varint(*v, buf),
        (_, Value::Bool(v)) => encode_varint(u64::from(*v), buf),
        (_, Value::String(s)) => {
            encode_varint(s.len() as u64, buf);
            buf.extend_from_slice(s.as_bytes());
        }
        (_, Value::Bytes(b)) => {
            encode_varint(b.len() as u64, buf);
            buf.extend_from_slice(b);
        }
        (_, Value::Message(m)) => {
            let body = marshal_dynamic(m);
            encode_varint(body.len() as u64, buf);
            buf.extend_from_slice(&body);
        }
        (_, Value::List(_) | Value::Map(_)) => {}
    }
}

fn map_key_value(key: &MapKey) -> Value {
    match key {
        MapKey::Bool(v) => Value::Bool(*v),
        MapKey::I32(v) => Value::I32(*v),
        MapKey::I64(v) => Value::I64(*v),
        MapKey::U32(v) => Value::U32(*v),
        MapKey::U64(v) => Value::U64(*v),
        MapKey::String(s) => Value::String(s.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::common;
    use prost_reflect::DescriptorPool;

    fn dynamic(name: &str, bytes: &[u8]) -> DynamicMessage {
        let pool = DescriptorPool::decode(crate::protos::FILE_DESCRIPTOR_SET).unwrap();
        DynamicMessage::decode(pool.get_message_by_name(name).unwrap(), bytes).unwrap()
    }

    #[test]
    fn plain_messages_encode_like_prost() {
        let header = common::ChannelHeader {
            r#type: 3,
            version: 1,
            channel_id: "mychannel".into(),
            tx_id: "abc".into(),
            epoch: 7,
            ..Default::default()
        };
        let bytes = header.encode_to_vec();
        assert_eq!(
            marshal_dynamic(&dynamic("common.ChannelHeader", &bytes)),
            bytes
        );
    }

    #[test]
    fn map_entries_are_sorted_and_keep_empty_values() {
        let mut group = common::ConfigGroup::default();
        group
            .groups
            .insert("b".into(), common::ConfigGroup::default());
        group
            .groups
            .insert("a".into(), common::ConfigGroup::default());
        let out = marshal_dynamic(&dynamic("common.ConfigGroup", &group.encode_to_vec()));
        // field 2, entry {1: "a", 2: <empty group>} then "b"
        assert_eq!(
            out,
            [0x12, 5, 0x0a, 1, b'a', 0x12, 0, 0x12, 5, 0x0a, 1, b'b', 0x12, 0]
        );
        // The typed entry point gives the same bytes; prost alone leaves the values out.
        assert_eq!(marshal("common.ConfigGroup", &group), out);
        assert_eq!(
            group.encode_to_vec(),
            [0x12, 3, 0x0a, 1, b'a', 0x12, 3, 0x0a, 1, b'b']
        );
    }

    #[test]
    fn unknown_names_are_reported_and_fall_back_to_prost() {
        let header = common::ChannelHeader {
            channel_id: "c".into(),
            ..Default::default()
        };
        let err = try_marshal("common.NoSuchMessage", &header).unwrap_err();
        assert_eq!(err.to_string(), "unknown message type common.NoSuchMessage");
        assert_eq!(
            marshal("common.NoSuchMessage", &header),
            header.encode_to_vec()
        );
    }

    #[test]
    fn negative_int32_in_a_oneof_is_sign_extended() {
        let envelope = common::SignaturePolicy {
            r#type: Some(common::signature_policy::Type::SignedBy(-1)),
        };
        let bytes = envelope.encode_to_vec();
        assert_eq!(
            marshal_dynamic(&dynamic("common.SignaturePolicy", &bytes)),
            bytes
        );
    }
}
