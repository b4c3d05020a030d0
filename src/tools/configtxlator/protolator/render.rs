//! Protobuf message → JSON tree, in the shape Fabric's `DeepMarshalJSON` gives.
//!
//! Every field is first rendered as jsonpb does with `OrigName` and `EmitDefaults` (proto
//! field names, enums by name, 64-bit integers as strings, bytes as base64, unset messages as
//! `null`, empty lists and maps as `[]` / `{}`, oneof members only when set); fields that a
//! [`Context`] classifies are then replaced by the recursive rendering of the message they
//! hold.

use base64::Engine as _;
use prost_reflect::{
    DescriptorPool, DynamicMessage, FieldDescriptor, Kind, MapKey, ReflectMessage, Value,
};
use serde_json::{Map, Number, Value as Json};

use super::rules::{Context, Key, Stage, TIMESTAMP};
use super::ProtolatorError;

/// Renders `msg` as the JSON object protolator prints for it in `ctx`.
pub(super) fn render(
    ctx: &Context,
    msg: &DynamicMessage,
    path: &str,
) -> Result<Map<String, Json>, ProtolatorError> {
    let mut out = Map::new();
    for field in msg.descriptor().fields() {
        let in_oneof = field
            .containing_oneof()
            .is_some_and(|oneof| !oneof.is_synthetic());
        if in_oneof && !msg.has_field(&field) {
            continue;
        }
        let json = match ctx.classify(msg, &field) {
            None => plain_field(msg, &field),
            Some(stage) => {
                let child = format!("{path}.{}", field.name());
                special_field(ctx, stage, msg, &field, &child)?
            }
        };
        out.insert(field.name().to_string(), json);
    }
    Ok(out)
}

/// A classified field: each element becomes the rendering of the message it holds.
fn special_field(
    ctx: &Context,
    stage: Stage,
    msg: &DynamicMessage,
    field: &FieldDescriptor,
    path: &str,
) -> Result<Json, ProtolatorError> {
    let value = msg.get_field(field);
    let fail = |reason: String| ProtolatorError::at(path, reason);
    let pool = msg.descriptor().parent_pool().clone();
    let pool = &pool;
    if field.is_map() {
        let entries = value
            .as_map()
            .ok_or_else(|| fail("expected a map".into()))?;
        let mut sorted: Vec<_> = entries.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        let mut out = Map::new();
        for (key, element) in sorted {
            let key = map_key_string(key);
            let element_ctx = ctx
                .element(stage, msg, field, Key::Map(&key))
                .map_err(&fail)?;
            let child = format!("{path}[{key}]");
            out.insert(key, element_json(&element_ctx, element, pool, &child)?);
        }
        return Ok(Json::Object(out));
    }
    if field.is_list() {
        let items = value
            .as_list()
            .ok_or_else(|| fail("expected a list".into()))?;
        let mut out = Vec::with_capacity(items.len());
        for (index, element) in items.iter().enumerate() {
            let element_ctx = ctx.element(stage, msg, field, Key::Index).map_err(&fail)?;
            let child = format!("{path}[{index}]");
            out.push(element_json(&element_ctx, element, pool, &child)?);
        }
        return Ok(Json::Array(out));
    }
    let absent = match value.as_ref() {
        Value::Message(_) => !msg.has_field(field),
        Value::Bytes(bytes) => bytes.is_empty(),
        _ => false,
    };
    if absent {
        return Ok(Json::Null);
    }
    let element_ctx = ctx.element(stage, msg, field, Key::Single).map_err(&fail)?;
    element_json(&element_ctx, &value, pool, path)
}

/// One element of a classified field: a message rendered in its context, or bytes decoded as
/// the context's message type and rendered.
fn element_json(
    ctx: &Context,
    value: &Value,
    pool: &DescriptorPool,
    path: &str,
) -> Result<Json, ProtolatorError> {
    match value {
        Value::Message(inner) => Ok(Json::Object(render(ctx, inner, path)?)),
        Value::Bytes(bytes) => {
            let desc = super::message_descriptor(pool, ctx.message_name())?;
            let inner = DynamicMessage::decode(desc, bytes.as_ref()).map_err(|e| {
                ProtolatorError::at(
                    path,
                    format!("cannot unmarshal {}: {e}", ctx.message_name()),
                )
            })?;
            Ok(Json::Object(render(ctx, &inner, path)?))
        }
        _ => Err(ProtolatorError::at(
            path,
            "expected a message or bytes field".into(),
        )),
    }
}

/// A field rendered exactly as jsonpb renders it.
pub(super) fn plain_field(msg: &DynamicMessage, field: &FieldDescriptor) -> Json {
    let value = msg.get_field(field);
    if field.is_map() {
        let value_kind = match field.kind() {
            Kind::Message(entry) => entry.map_entry_value_field().kind(),
            _ => return Json::Null,
        };
        let mut out = Map::new();
        if let Some(entries) = value.as_map() {
            for (key, element) in entries {
                out.insert(map_key_string(key), plain_value(element, &value_kind));
            }
        }
        return Json::Object(out);
    }
    if field.is_list() {
        let kind = field.kind();
        let items = value.as_list().unwrap_or_default();
        return Json::Array(items.iter().map(|v| plain_value(v, &kind)).collect());
    }
    // Go marshals a nil message pointer and a nil byte slice (an absent proto3 bytes field)
    // as null.
    if matches!(field.kind(), Kind::Message(_) | Kind::Bytes) && !msg.has_field(field) {
        return Json::Null;
    }
    plain_value(&value, &field.kind())
}

/// One value as jsonpb prints it.
fn plain_value(value: &Value, kind: &Kind) -> Json {
    match value {
        Value::Bool(b) => Json::Bool(*b),
        Value::I32(v) => Json::Number((*v).into()),
        Value::U32(v) => Json::Number((*v).into()),
        Value::I64(v) => Json::String(v.to_string()),
        Value::U64(v) => Json::String(v.to_string()),
        Value::F32(v) => float_json(f64::from(*v)),
        Value::F64(v) => float_json(*v),
        Value::String(s) => Json::String(s.clone()),
        Value::Bytes(b) => Json::String(base64::engine::general_purpose::STANDARD.encode(b)),
        Value::EnumNumber(number) => match kind {
            Kind::Enum(desc) => match desc.get_value(*number) {
                Some(v) => Json::String(v.name().to_string()),
                None => Json::Number((*number).into()),
            },
            _ => Json::Number((*number).into()),
        },
        Value::Message(m) => plain_message(m),
        Value::List(items) => Json::Array(items.iter().map(|v| plain_value(v, kind)).collect()),
        Value::Map(_) => Json::Null,
    }
}

/// A message as jsonpb prints it (no protolator expansion), timestamps as RFC 3339 text.
fn plain_message(msg: &DynamicMessage) -> Json {
    if msg.descriptor().full_name() == TIMESTAMP {
        return Json::String(timestamp_text(msg));
    }
    let mut out = Map::new();
    for field in msg.descriptor().fields() {
        let in_oneof = field
            .containing_oneof()
            .is_some_and(|oneof| !oneof.is_synthetic());
        if in_oneof && !msg.has_field(&field) {
            continue;
        }
        out.insert(field.name().to_string(), plain_field(msg, &field));
    }
    Json::Object(out)
}

fn float_json(v: f64) -> Json {
    if v.is_nan() {
        Json::String("NaN".into())
    } else if v.is_infinite() {
        Json::String(if v > 0.0 { "Infinity" } else { "-Infinity" }.into())
    } else {
        Number::from_f64(v).map_or(Json::Null, Json::Number)
    }
}

/// jsonpb's timestamp text: UTC, `Z`, fractional seconds trimmed to 0, 3, 6 or 9 digits.
fn timestamp_text(msg: &DynamicMessage) -> String {
    let seconds = match msg.get_field_by_name("seconds").as_deref() {
        Some(Value::I64(s)) => *s,
        _ => 0,
    };
    let nanos = match msg.get_field_by_name("nanos").as_deref() {
        Some(Value::I32(n)) => *n,
        _ => 0,
    };
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp(seconds) else {
        return format!("{seconds}.{nanos:09}");
    };
    let mut text = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    if nanos != 0 {
        let mut fraction = format!("{nanos:09}");
        while fraction.len() > 3 && fraction.ends_with("000") {
            fraction.truncate(fraction.len() - 3);
        }
        text.push('.');
        text.push_str(&fraction);
    }
    text.push('Z');
    text
}

/// jsonpb prints every map key as a JSON string.
fn map_key_string(key: &MapKey) -> String {
    match key {
        MapKey::Bool(b) => b.to_string(),
        MapKey::I32(v) => v.to_string(),
        MapKey::I64(v) => v.to_string(),
        MapKey::U32(v) => v.to_string(),
        MapKey::U64(v) => v.to_string(),
        MapKey::String(s) => s.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timestamp(seconds: i64, nanos: i32) -> DynamicMessage {
        let pool = DescriptorPool::decode(crate::protos::FILE_DESCRIPTOR_SET).unwrap();
        let desc = pool.get_message_by_name(TIMESTAMP).unwrap();
        let mut msg = DynamicMessage::new(desc);
        msg.set_field_by_name("seconds", Value::I64(seconds));
        msg.set_field_by_name("nanos", Value::I32(nanos));
        msg
    }

    #[test]
    fn timestamps_trim_fraction_in_groups_of_three() {
        assert_eq!(timestamp_text(&timestamp(0, 0)), "1970-01-01T00:00:00Z");
        assert_eq!(
            timestamp_text(&timestamp(1_700_000_000, 971_449_889)),
            "2023-11-14T22:13:20.971449889Z"
        );
        assert_eq!(
            timestamp_text(&timestamp(60, 500_000_000)),
            "1970-01-01T00:01:00.500Z"
        );
        assert_eq!(
            timestamp_text(&timestamp(60, 1_000)),
            "1970-01-01T00:01:00.000001Z"
        );
    }
}
