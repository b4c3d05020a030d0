//! JSON tree → protobuf message, the inverse of [`super::render`] (Fabric's
//! `DeepUnmarshalJSON`).
//!
//! The classified fields are taken out of the tree, the rest is read as jsonpb reads it
//! (either field-name spelling, integers quoted or not, enums by name or number, base64
//! bytes, unknown fields rejected), then the classified fields are filled in stage order so
//! that a variably opaque field can look at the siblings it depends on.

use prost_reflect::{
    DescriptorPool, DeserializeOptions, DynamicMessage, FieldDescriptor, Kind, MapKey,
    MessageDescriptor, ReflectMessage, Value,
};
use serde_json::{Map, Value as Json};
use std::collections::HashMap;

use super::rules::{Context, Key, Stage};
use super::ProtolatorError;

/// Builds the message `ctx` describes from its JSON object.
pub(super) fn populate(
    ctx: &Context,
    desc: MessageDescriptor,
    tree: &Map<String, Json>,
    path: &str,
) -> Result<DynamicMessage, ProtolatorError> {
    // Fabric classifies fields on the freshly allocated message, before anything is read.
    let blank = DynamicMessage::new(desc.clone());
    let mut special: Vec<(Stage, FieldDescriptor, &Json)> = Vec::new();
    let mut rest = Map::new();
    for (name, value) in tree {
        let stage = desc
            .get_field_by_name(name)
            .and_then(|field| ctx.classify(&blank, &field).map(|stage| (stage, field)));
        match stage {
            Some((stage, field)) => special.push((stage, field, value)),
            None => {
                rest.insert(name.clone(), value.clone());
            }
        }
    }
    let options = DeserializeOptions::new().deny_unknown_fields(true);
    let mut msg = DynamicMessage::deserialize_with_options(desc, Json::Object(rest), &options)
        .map_err(|e| {
            ProtolatorError::at(path, format!("bad JSON for {}: {e}", ctx.message_name()))
        })?;
    special.sort_by_key(|(stage, field, _)| (*stage, field.number()));
    for (stage, field, value) in special {
        let child = format!("{path}.{}", field.name());
        if let Some(value) = special_value(ctx, stage, &msg, &field, value, &child)? {
            msg.set_field(&field, value);
        }
    }
    Ok(msg)
}

/// The protobuf value of one classified field, or `None` for a JSON `null` singular field.
fn special_value(
    ctx: &Context,
    stage: Stage,
    msg: &DynamicMessage,
    field: &FieldDescriptor,
    json: &Json,
    path: &str,
) -> Result<Option<Value>, ProtolatorError> {
    let fail = |reason: String| ProtolatorError::at(path, reason);
    let pool = msg.descriptor().parent_pool().clone();
    if field.is_map() {
        let object = json
            .as_object()
            .ok_or_else(|| fail("expected a JSON object of messages".into()))?;
        let value_kind = match field.kind() {
            Kind::Message(entry) => entry.map_entry_value_field().kind(),
            other => other,
        };
        let mut out = HashMap::new();
        for (key, element) in object {
            let element_ctx = ctx
                .element(stage, msg, field, Key::Map(key))
                .map_err(&fail)?;
            let child = format!("{path}[{key}]");
            let value = element_value(&element_ctx, &value_kind, element, &pool, &child)?;
            out.insert(MapKey::String(key.clone()), value);
        }
        return Ok(Some(Value::Map(out)));
    }
    if field.is_list() {
        let items = json
            .as_array()
            .ok_or_else(|| fail("expected a JSON array of messages".into()))?;
        let kind = field.kind();
        let mut out = Vec::with_capacity(items.len());
        for (index, element) in items.iter().enumerate() {
            let element_ctx = ctx.element(stage, msg, field, Key::Index).map_err(&fail)?;
            let child = format!("{path}[{index}]");
            out.push(element_value(&element_ctx, &kind, element, &pool, &child)?);
        }
        return Ok(Some(Value::List(out)));
    }
    if json.is_null() {
        return Ok(None);
    }
    let element_ctx = ctx.element(stage, msg, field, Key::Single).map_err(&fail)?;
    element_value(&element_ctx, &field.kind(), json, &pool, path).map(Some)
}

/// One element: a message built in its context, or such a message marshaled to bytes.
fn element_value(
    ctx: &Context,
    kind: &Kind,
    json: &Json,
    pool: &DescriptorPool,
    path: &str,
) -> Result<Value, ProtolatorError> {
    let object = json.as_object().ok_or_else(|| {
        ProtolatorError::at(
            path,
            format!("expected a JSON object for {}", ctx.message_name()),
        )
    })?;
    match kind {
        Kind::Message(desc) => Ok(Value::Message(populate(ctx, desc.clone(), object, path)?)),
        Kind::Bytes => {
            let desc = super::message_descriptor(pool, ctx.message_name())?;
            let inner = populate(ctx, desc, object, path)?;
            Ok(Value::Bytes(
                crate::protoutil::marshal_dynamic(&inner).into(),
            ))
        }
        _ => Err(ProtolatorError::at(
            path,
            "expected a message or bytes field".into(),
        )),
    }
}
