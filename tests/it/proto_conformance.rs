//! Wire conformance of proto/: our .proto files, compiled by build.rs, must describe exactly
//! the messages, enums and services of Fabric v1.4.12 (the vector descriptor set recorded from
//! Fabric itself). Any difference is reported with its path, e.g.
//! `peer/proposal.proto: message protos.Proposal: field payload: number 2 != 3`.

use crate::support;

use std::collections::BTreeMap;

use fabric::protos::FILE_DESCRIPTOR_SET;
use prost::Message;
use prost_types::{
    field_descriptor_proto::Label, field_descriptor_proto::Type, DescriptorProto,
    EnumDescriptorProto, FileDescriptorProto, FileDescriptorSet, ServiceDescriptorProto,
};

/// Files of Fabric's set that are not Fabric's own wire format.
fn is_foreign(name: &str) -> bool {
    name.starts_with("google/") || name.contains("idemix")
}

fn decode_set(bytes: &[u8]) -> BTreeMap<String, FileDescriptorProto> {
    FileDescriptorSet::decode(bytes)
        .expect("descriptor set decodes")
        .file
        .into_iter()
        .map(|f| (f.name().to_string(), f))
        .collect()
}

struct Diffs(Vec<String>);

impl Diffs {
    fn check<T: PartialEq + std::fmt::Debug>(
        &mut self,
        path: &str,
        what: &str,
        ours: T,
        theirs: T,
    ) {
        if ours != theirs {
            self.0.push(format!(
                "{path}: {what}: ours {ours:?} != Fabric's {theirs:?}"
            ));
        }
    }
}

fn compare_enum(
    d: &mut Diffs,
    path: &str,
    ours: &EnumDescriptorProto,
    theirs: &EnumDescriptorProto,
) {
    let path = format!("{path}: enum {}", theirs.name());
    let values = |e: &EnumDescriptorProto| -> Vec<(String, i32)> {
        e.value
            .iter()
            .map(|v| (v.name().to_string(), v.number()))
            .collect()
    };
    d.check(&path, "values", values(ours), values(theirs));
}

fn field_signature(
    message: &DescriptorProto,
    f: &prost_types::FieldDescriptorProto,
) -> (i32, Label, Type, String, Option<String>, String) {
    let oneof = f
        .oneof_index
        .map(|i| message.oneof_decl[i as usize].name().to_string());
    (
        f.number(),
        f.label(),
        f.r#type(),
        f.type_name().to_string(),
        oneof,
        f.json_name().to_string(),
    )
}

fn compare_message(d: &mut Diffs, path: &str, ours: &DescriptorProto, theirs: &DescriptorProto) {
    let path = format!("{path}.{}", theirs.name());
    let map_entry = |m: &DescriptorProto| m.options.as_ref().and_then(|o| o.map_entry);
    d.check(
        &path,
        "map_entry option",
        map_entry(ours),
        map_entry(theirs),
    );
    let names = |m: &DescriptorProto| -> Vec<String> {
        m.field.iter().map(|f| f.name().to_string()).collect()
    };
    d.check(&path, "field names in order", names(ours), names(theirs));
    for tf in &theirs.field {
        match ours.field.iter().find(|f| f.name() == tf.name()) {
            None => d.0.push(format!("{path}: field {} missing", tf.name())),
            Some(of) => d.check(
                &format!("{path}: field {}", tf.name()),
                "(number, label, type, type_name, oneof, json_name)",
                field_signature(ours, of),
                field_signature(theirs, tf),
            ),
        }
    }
    let oneofs = |m: &DescriptorProto| -> Vec<String> {
        m.oneof_decl.iter().map(|o| o.name().to_string()).collect()
    };
    d.check(&path, "oneofs", oneofs(ours), oneofs(theirs));
    compare_children(
        d,
        &path,
        &ours.nested_type,
        &theirs.nested_type,
        &ours.enum_type,
        &theirs.enum_type,
    );
}

fn compare_children(
    d: &mut Diffs,
    path: &str,
    our_msgs: &[DescriptorProto],
    their_msgs: &[DescriptorProto],
    our_enums: &[EnumDescriptorProto],
    their_enums: &[EnumDescriptorProto],
) {
    let msg_names = |ms: &[DescriptorProto]| -> Vec<String> {
        ms.iter().map(|m| m.name().to_string()).collect()
    };
    d.check(
        path,
        "messages in order",
        msg_names(our_msgs),
        msg_names(their_msgs),
    );
    for tm in their_msgs {
        if let Some(om) = our_msgs.iter().find(|m| m.name() == tm.name()) {
            compare_message(d, path, om, tm);
        }
    }
    let enum_names = |es: &[EnumDescriptorProto]| -> Vec<String> {
        es.iter().map(|e| e.name().to_string()).collect()
    };
    d.check(
        path,
        "enums in order",
        enum_names(our_enums),
        enum_names(their_enums),
    );
    for te in their_enums {
        if let Some(oe) = our_enums.iter().find(|e| e.name() == te.name()) {
            compare_enum(d, path, oe, te);
        }
    }
}

fn compare_service(
    d: &mut Diffs,
    path: &str,
    ours: &ServiceDescriptorProto,
    theirs: &ServiceDescriptorProto,
) {
    let path = format!("{path}: service {}", theirs.name());
    let methods = |s: &ServiceDescriptorProto| -> Vec<(String, String, String, bool, bool)> {
        s.method
            .iter()
            .map(|m| {
                (
                    m.name().to_string(),
                    m.input_type().to_string(),
                    m.output_type().to_string(),
                    m.client_streaming(),
                    m.server_streaming(),
                )
            })
            .collect()
    };
    d.check(
        &path,
        "methods (name, input, output, client stream, server stream)",
        methods(ours),
        methods(theirs),
    );
}

/// Our one service beyond Fabric v1.4.12: Fabric 2.x's chaincode-as-a-service `Chaincode`
/// (`Connect`, a stream of ChaincodeMessage each way) in peer/chaincode_shim.proto, allowed
/// only with exactly that shape.
fn is_extension_service(file: &str, s: &ServiceDescriptorProto) -> bool {
    file == "peer/chaincode_shim.proto"
        && s.name() == "Chaincode"
        && s.method.len() == 1
        && s.method[0].name() == "Connect"
        && s.method[0].input_type() == ".protos.ChaincodeMessage"
        && s.method[0].output_type() == ".protos.ChaincodeMessage"
        && s.method[0].client_streaming()
        && s.method[0].server_streaming()
}

fn compare_file(d: &mut Diffs, ours: &FileDescriptorProto, theirs: &FileDescriptorProto) {
    let path = theirs.name().to_string();
    d.check(&path, "package", ours.package(), theirs.package());
    d.check(&path, "syntax", ours.syntax(), theirs.syntax());
    let deps = |f: &FileDescriptorProto| {
        let mut v = f.dependency.clone();
        v.sort();
        v
    };
    let (od, td) = (deps(ours), deps(theirs));
    d.check(&path, "imports", od, td);
    let opt = |f: &FileDescriptorProto| {
        f.options
            .as_ref()
            .map(|o| (o.go_package().to_string(), o.java_package().to_string()))
            .unwrap_or_default()
    };
    d.check(&path, "(go_package, java_package)", opt(ours), opt(theirs));
    let scope = format!("{path}: {}", theirs.package());
    compare_children(
        d,
        &scope,
        &ours.message_type,
        &theirs.message_type,
        &ours.enum_type,
        &theirs.enum_type,
    );
    let svc_names = |f: &FileDescriptorProto| -> Vec<String> {
        f.service
            .iter()
            .filter(|s| !is_extension_service(f.name(), s))
            .map(|s| s.name().to_string())
            .collect()
    };
    d.check(&path, "services", svc_names(ours), svc_names(theirs));
    for ts in &theirs.service {
        if let Some(os) = ours.service.iter().find(|s| s.name() == ts.name()) {
            compare_service(d, &path, os, ts);
        }
    }
}

fn count_messages(ms: &[DescriptorProto]) -> usize {
    ms.iter().map(|m| 1 + count_messages(&m.nested_type)).sum()
}

#[test]
fn our_protos_match_fabric_v1_4_12_element_by_element() {
    let vectors = support::vectors_dir();
    let theirs = decode_set(&std::fs::read(vectors.join("descriptors/fabric-v1.4.12.pb")).unwrap());
    let ours = decode_set(FILE_DESCRIPTOR_SET);
    let mut d = Diffs(Vec::new());
    let mut compared = 0;
    for (name, tf) in theirs.iter().filter(|(n, _)| !is_foreign(n)) {
        match ours.get(name) {
            None => d.0.push(format!("{name}: missing from proto/")),
            Some(of) => {
                compare_file(&mut d, of, tf);
                compared += 1;
            }
        }
    }
    for name in ours.keys().filter(|n| !is_foreign(n)) {
        if !theirs.contains_key(name) {
            d.0.push(format!("{name}: not in Fabric v1.4.12"));
        }
    }
    assert!(
        d.0.is_empty(),
        "{} differences:\n{}",
        d.0.len(),
        d.0.join("\n")
    );
    assert!(compared >= 36, "only {compared} files compared");
    let messages: usize = theirs
        .values()
        .map(|f| count_messages(&f.message_type))
        .sum();
    assert!(
        messages > 240,
        "Fabric's set decoded to only {messages} messages"
    );
}

#[test]
fn a_deliberate_difference_is_reported_with_its_path() {
    // The comparison itself must be able to fail: renumber one field and expect one report.
    let ours = decode_set(FILE_DESCRIPTOR_SET);
    let theirs = ours["common/common.proto"].clone();
    let mut altered = theirs.clone();
    let envelope = altered
        .message_type
        .iter_mut()
        .find(|m| m.name() == "Envelope")
        .unwrap();
    envelope.field[1].number = Some(7);
    let mut d = Diffs(Vec::new());
    compare_file(&mut d, &altered, &theirs);
    assert_eq!(d.0.len(), 1, "{:?}", d.0);
    assert!(
        d.0[0].contains("common.Envelope: field signature"),
        "{}",
        d.0[0]
    );
}
