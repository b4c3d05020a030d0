//! Deterministic protobuf encoding of dynamic messages, byte for byte as Go's
//! `proto.Buffer.SetDeterministic(true)` marshals (Fabric's `MostlyDeterministicMarshal`):
//! fields in field-number order, proto3 defaults left out, repeated scalars packed, map
//! entries sorted by key and always carrying both their key and their value.

use prost::encoding::{encode_key, encode_varint, WireType};
use prost_reflect::{DynamicMessage, FieldDescriptor, Kind, MapKey, ReflectMessage, Value};

/// The message's bytes.
pub(crate) fn encode(msg: &DynamicMessage) -> Vec<u8> {
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
            let body = encode(m);
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
    use prost::Message as _;
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
        assert_eq!(encode(&dynamic("common.ChannelHeader", &bytes)), bytes);
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
        let out = encode(&dynamic("common.ConfigGroup", &group.encode_to_vec()));
        // field 2, entry {1: "a", 2: <empty group>} then "b"
        assert_eq!(
            out,
            [0x12, 5, 0x0a, 1, b'a', 0x12, 0, 0x12, 5, 0x0a, 1, b'b', 0x12, 0]
        );
    }

    #[test]
    fn negative_int32_in_a_oneof_is_sign_extended() {
        let envelope = common::SignaturePolicy {
            r#type: Some(common::signature_policy::Type::SignedBy(-1)),
        };
        let bytes = envelope.encode_to_vec();
        assert_eq!(encode(&dynamic("common.SignaturePolicy", &bytes)), bytes);
    }
}
