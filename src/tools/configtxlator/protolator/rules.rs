//! Which fields of which messages protolator expands, and into what.
//!
//! Fabric attaches this knowledge to its Go types (the `*ext.go` / `configuration.go` files
//! under `protos/`): bytes fields that hold a marshaled message of a fixed type ("statically
//! opaque"), bytes fields whose type depends on a sibling field ("variably opaque"), and
//! message fields whose own expansion depends on where they sit in the config tree
//! ("dynamic"). A [`Context`] names the Go type a message is rendered as — a plain message,
//! or one of Fabric's wrappers such as the orderer org config group — and answers, field by
//! field, which of those rules applies.

use prost_reflect::{DynamicMessage, FieldDescriptor, Kind, ReflectMessage, Value};

use crate::protos::common;

/// Fully qualified name of the well-known timestamp type, which jsonpb prints as a string and
/// protolator never recurses into.
pub(super) const TIMESTAMP: &str = "google.protobuf.Timestamp";

/// The kind of config group a `common.ConfigGroup` is, by its place in the channel tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum GroupScope {
    Channel,
    Consortiums,
    Consortium,
    ConsortiumOrg,
    Orderer,
    OrdererOrg,
    Application,
    ApplicationOrg,
}

/// The group a `common.ConfigValue` sits in, which decides how its `value` is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ValueScope {
    Channel,
    Consortium,
    ConsortiumOrg,
    Orderer,
    OrdererOrg,
    Application,
    ApplicationOrg,
}

/// The Go type a message is rendered as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Context {
    /// A message with only the rules of its own type.
    Plain(String),
    /// A `common.ConfigGroup` wrapped by its position in the channel config.
    Group(GroupScope),
    /// A `common.ConfigValue` wrapped by its group and its key.
    Value(ValueScope, String),
    /// An `rwset.NsReadWriteSet` inside a transaction rwset of the given data model.
    NsReadWriteSet(i32),
    /// An `rwset.CollectionHashedReadWriteSet` of the given data model.
    CollectionHashedReadWriteSet(i32),
}

/// The rule that applies to a field; the order is the order fields are filled in when
/// going from JSON back to protobuf (a variably opaque field reads siblings set earlier).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Stage {
    /// A message field expanded with its own type's rules.
    Nested,
    /// Bytes holding a marshaled message of a fixed type.
    StaticOpaque,
    /// Bytes holding a marshaled message whose type depends on the containing message.
    VariableOpaque,
    /// A message field whose rules depend on where it sits.
    Dynamic,
}

/// Which element of a field a rule is asked about.
#[derive(Debug, Clone, Copy)]
pub(super) enum Key<'a> {
    Single,
    Index,
    Map(&'a str),
}

/// `TxReadWriteSet.DataModel.KV`, the only data model Fabric v1.4 defines.
const DATA_MODEL_KV: i32 = 0;

impl Context {
    /// A plain context for a message type name.
    pub(super) fn plain(name: &str) -> Self {
        Context::Plain(name.to_string())
    }

    /// The protobuf message type this context renders.
    pub(super) fn message_name(&self) -> &str {
        match self {
            Context::Plain(name) => name,
            Context::Group(_) => "common.ConfigGroup",
            Context::Value(..) => "common.ConfigValue",
            Context::NsReadWriteSet(_) => "rwset.NsReadWriteSet",
            Context::CollectionHashedReadWriteSet(_) => "rwset.CollectionHashedReadWriteSet",
        }
    }

    /// The rule for `field` of `msg`, or `None` when jsonpb renders the field as it is.
    pub(super) fn classify(&self, msg: &DynamicMessage, field: &FieldDescriptor) -> Option<Stage> {
        // Fabric's reflection walk does not see oneof members; jsonpb prints them plainly.
        if field
            .containing_oneof()
            .is_some_and(|oneof| !oneof.is_synthetic())
        {
            return None;
        }
        if let Some(stage) = self.hooked(msg, field.name()) {
            return Some(stage);
        }
        let element = if field.is_map() {
            match field.kind() {
                Kind::Message(entry) => {
                    if !matches!(entry.map_entry_key_field().kind(), Kind::String) {
                        return None;
                    }
                    entry.map_entry_value_field().kind()
                }
                _ => return None,
            }
        } else {
            field.kind()
        };
        match element {
            Kind::Message(m) if m.full_name() != TIMESTAMP => Some(Stage::Nested),
            _ => None,
        }
    }

    /// The fields Fabric's Go types declare as opaque or dynamic.
    fn hooked(&self, msg: &DynamicMessage, field: &str) -> Option<Stage> {
        use Stage::{Dynamic, StaticOpaque, VariableOpaque};
        match self {
            Context::Plain(name) => match (name.as_str(), field) {
                ("common.Envelope", "payload")
                | ("common.Header", "channel_header" | "signature_header")
                | ("common.SignatureHeader", "creator")
                | ("common.BlockData", "data")
                | ("common.ConfigUpdateEnvelope", "config_update")
                | ("common.ConfigSignature", "signature_header")
                | ("common.ConfigUpdate", "isolated_data")
                | ("protos.ChaincodeProposalPayload", "input")
                | ("protos.ChaincodeAction", "results" | "events")
                | ("protos.ProposalResponsePayload", "extension")
                | ("protos.TransactionAction", "header" | "payload")
                | ("protos.ChaincodeActionPayload", "chaincode_proposal_payload")
                | ("protos.ChaincodeEndorsedAction", "proposal_response_payload") => {
                    Some(StaticOpaque)
                }
                ("common.Payload", "data")
                | ("common.Policy", "value")
                | ("msp.MSPConfig", "config")
                | ("common.MSPPrincipal", "principal")
                | ("orderer.ConsensusType", "metadata") => Some(VariableOpaque),
                ("common.Config", "channel_group")
                | ("common.ConfigUpdate", "read_set" | "write_set") => Some(Dynamic),
                ("rwset.TxReadWriteSet", "ns_rwset")
                    if int_field(msg, "data_model") == DATA_MODEL_KV =>
                {
                    Some(Dynamic)
                }
                _ => None,
            },
            Context::Group(_) => matches!(field, "groups" | "values").then_some(Dynamic),
            Context::Value(..) => (field == "value").then_some(VariableOpaque),
            Context::NsReadWriteSet(model) => match field {
                "rwset" => Some(StaticOpaque),
                "collection_hashed_rwset" if *model == DATA_MODEL_KV => Some(Dynamic),
                _ => None,
            },
            Context::CollectionHashedReadWriteSet(_) => (field == "rwset").then_some(StaticOpaque),
        }
    }

    /// The context one element of a classified field is rendered with.
    pub(super) fn element(
        &self,
        stage: Stage,
        msg: &DynamicMessage,
        field: &FieldDescriptor,
        key: Key<'_>,
    ) -> Result<Context, String> {
        match stage {
            Stage::Nested => {
                let kind = if field.is_map() {
                    match field.kind() {
                        Kind::Message(entry) => entry.map_entry_value_field().kind(),
                        other => other,
                    }
                } else {
                    field.kind()
                };
                match kind {
                    Kind::Message(m) => Ok(Context::plain(m.full_name())),
                    _ => Err(format!("field {} is not a message", field.name())),
                }
            }
            Stage::StaticOpaque | Stage::VariableOpaque => {
                self.opaque_type(msg, field.name(), key).map(Context::plain)
            }
            Stage::Dynamic => self.dynamic(msg, field.name(), key),
        }
    }

    /// The message type marshaled inside an opaque bytes field.
    fn opaque_type(
        &self,
        msg: &DynamicMessage,
        field: &str,
        key: Key<'_>,
    ) -> Result<&'static str, String> {
        match self {
            Context::Plain(name) => plain_opaque_type(name, msg, field, key),
            Context::Value(scope, name) => config_value_type(*scope, name),
            Context::NsReadWriteSet(model) | Context::CollectionHashedReadWriteSet(model) => {
                if *model != DATA_MODEL_KV {
                    return Err(format!("unknown data model type: {model}"));
                }
                Ok(if matches!(self, Context::NsReadWriteSet(_)) {
                    "kvrwset.KVRWSet"
                } else {
                    "kvrwset.HashedRWSet"
                })
            }
            Context::Group(_) => Err(format!("not a marshaled field: {field}")),
        }
    }

    /// The wrapper a dynamic field's element is rendered as.
    fn dynamic(&self, msg: &DynamicMessage, field: &str, key: Key<'_>) -> Result<Context, String> {
        let key_name = match key {
            Key::Map(k) => k,
            _ => "",
        };
        match (self, field) {
            (Context::Plain(_), "channel_group" | "read_set" | "write_set") => {
                Ok(Context::Group(GroupScope::Channel))
            }
            (Context::Plain(_), "ns_rwset") => {
                Ok(Context::NsReadWriteSet(int_field(msg, "data_model")))
            }
            (Context::NsReadWriteSet(model), "collection_hashed_rwset") => {
                Ok(Context::CollectionHashedReadWriteSet(*model))
            }
            (Context::Group(scope), "groups") => sub_group(*scope, key_name).map(Context::Group),
            (Context::Group(scope), "values") => {
                value_scope(*scope).map(|s| Context::Value(s, key_name.to_string()))
            }
            _ => Err(format!("not a dynamic field: {field}")),
        }
    }
}

/// Opaque fields of plain (unwrapped) messages.
fn plain_opaque_type(
    name: &str,
    msg: &DynamicMessage,
    field: &str,
    key: Key<'_>,
) -> Result<&'static str, String> {
    Ok(match (name, field) {
        ("common.Envelope", "payload") => "common.Payload",
        ("common.Header", "channel_header") => "common.ChannelHeader",
        ("common.Header", "signature_header")
        | ("common.ConfigSignature", "signature_header")
        | ("protos.TransactionAction", "header") => "common.SignatureHeader",
        ("common.SignatureHeader", "creator") => "msp.SerializedIdentity",
        ("common.BlockData", "data") => "common.Envelope",
        ("common.ConfigUpdateEnvelope", "config_update") => "common.ConfigUpdate",
        ("common.ConfigUpdate", "isolated_data") => {
            let key = if let Key::Map(k) = key { k } else { "" };
            return Err(format!("Unknown map key: {key}"));
        }
        ("protos.ChaincodeProposalPayload", "input") => "protos.ChaincodeInvocationSpec",
        ("protos.ChaincodeAction", "results") => "rwset.TxReadWriteSet",
        ("protos.ChaincodeAction", "events") => "protos.ChaincodeEvent",
        ("protos.ProposalResponsePayload", "extension") => "protos.ChaincodeAction",
        ("protos.TransactionAction", "payload") => "protos.ChaincodeActionPayload",
        ("protos.ChaincodeActionPayload", "chaincode_proposal_payload") => {
            "protos.ChaincodeProposalPayload"
        }
        ("protos.ChaincodeEndorsedAction", "proposal_response_payload") => {
            "protos.ProposalResponsePayload"
        }
        ("common.Payload", "data") => return payload_data_type(msg),
        ("common.Policy", "value") => return policy_value_type(int_field(msg, "type")),
        ("msp.MSPConfig", "config") => match int_field(msg, "type") {
            0 => "msp.FabricMSPConfig",
            1 => "msp.IdemixMSPConfig",
            other => return Err(format!("unable to decode MSP type: {other}")),
        },
        ("common.MSPPrincipal", "principal") => {
            return principal_type(int_field(msg, "principal_classification"))
        }
        ("orderer.ConsensusType", "metadata") => match string_field(msg, "type").as_str() {
            "etcdraft" => "etcdraft.ConfigMetadata",
            _ => "google.protobuf.Empty",
        },
        _ => return Err(format!("not a marshaled field: {field}")),
    })
}

/// `Payload.data` is typed by the header type in the payload's channel header.
fn payload_data_type(payload: &DynamicMessage) -> Result<&'static str, String> {
    let missing = || "cannot determine payload type when header is missing".to_string();
    let field = payload
        .descriptor()
        .get_field_by_name("header")
        .ok_or_else(missing)?;
    if !payload.has_field(&field) {
        return Err(missing());
    }
    let header = payload.get_field(&field);
    let header = header.as_message().ok_or_else(missing)?;
    let raw = bytes_field(header, "channel_header");
    let channel_header = <common::ChannelHeader as prost::Message>::decode(raw.as_slice())
        .map_err(|e| format!("corrupt channel header: {e}"))?;
    use common::HeaderType as H;
    let t = channel_header.r#type;
    Ok(match H::try_from(t) {
        Ok(H::Config) => "common.ConfigEnvelope",
        Ok(H::OrdererTransaction) => "common.Envelope",
        Ok(H::ConfigUpdate) => "common.ConfigUpdateEnvelope",
        Ok(H::Message) => "common.ConfigValue",
        Ok(H::EndorserTransaction) => "protos.Transaction",
        _ => return Err(format!("decoding type {t} is unimplemented")),
    })
}

fn policy_value_type(policy_type: i32) -> Result<&'static str, String> {
    use common::policy::PolicyType;
    match PolicyType::try_from(policy_type) {
        Ok(PolicyType::Signature) => Ok("common.SignaturePolicyEnvelope"),
        Ok(PolicyType::ImplicitMeta) => Ok("common.ImplicitMetaPolicy"),
        _ => Err(format!("unable to decode policy type: {policy_type}")),
    }
}

fn principal_type(classification: i32) -> Result<&'static str, String> {
    use common::msp_principal::Classification;
    match Classification::try_from(classification) {
        Ok(Classification::Role) => Ok("common.MSPRole"),
        Ok(Classification::OrganizationUnit) => Ok("common.OrganizationUnit"),
        Ok(Classification::Identity) => Ok("msp.SerializedIdentity"),
        _ => Err(format!("unable to decode MSP type: {classification}")),
    }
}

/// What a config value holds, by the group it sits in and its key.
fn config_value_type(scope: ValueScope, name: &str) -> Result<&'static str, String> {
    use ValueScope as S;
    let found = match (scope, name) {
        (S::Channel, "HashingAlgorithm") => Some("common.HashingAlgorithm"),
        (S::Channel, "BlockDataHashingStructure") => Some("common.BlockDataHashingStructure"),
        (S::Channel, "OrdererAddresses") | (S::OrdererOrg, "Endpoints") => {
            Some("common.OrdererAddresses")
        }
        (S::Channel, "Consortium") => Some("common.Consortium"),
        (S::Channel | S::Orderer | S::Application, "Capabilities") => Some("common.Capabilities"),
        (S::Consortium, "ChannelCreationPolicy") => Some("common.Policy"),
        (S::ConsortiumOrg | S::OrdererOrg | S::ApplicationOrg, "MSP") => Some("msp.MSPConfig"),
        (S::Orderer, "ConsensusType") => Some("orderer.ConsensusType"),
        (S::Orderer, "BatchSize") => Some("orderer.BatchSize"),
        (S::Orderer, "BatchTimeout") => Some("orderer.BatchTimeout"),
        (S::Orderer, "KafkaBrokers") => Some("orderer.KafkaBrokers"),
        (S::Orderer, "ChannelRestrictions") => Some("orderer.ChannelRestrictions"),
        (S::Application, "ACLs") => Some("protos.ACLs"),
        (S::ApplicationOrg, "AnchorPeers") => Some("protos.AnchorPeers"),
        _ => None,
    };
    found.ok_or_else(|| {
        let group = match scope {
            S::Channel => "Channel",
            S::Consortium => "Consortium",
            S::ConsortiumOrg => "Consortium Org",
            S::Orderer => "Orderer",
            S::OrdererOrg => "Orderer Org",
            S::Application => "Application",
            S::ApplicationOrg => "Application Org",
        };
        format!("unknown {group} ConfigValue name: {name}")
    })
}

/// The kind of a sub-group, by its parent and its key.
fn sub_group(parent: GroupScope, key: &str) -> Result<GroupScope, String> {
    use GroupScope as G;
    match parent {
        G::Channel => match key {
            "Consortiums" => Ok(G::Consortiums),
            "Orderer" => Ok(G::Orderer),
            "Application" => Ok(G::Application),
            _ => Err(format!("unknown channel ConfigGroup sub-group: {key}")),
        },
        G::Consortiums => Ok(G::Consortium),
        G::Consortium => Ok(G::ConsortiumOrg),
        G::Orderer => Ok(G::OrdererOrg),
        G::Application => Ok(G::ApplicationOrg),
        G::ConsortiumOrg => Err("ConsortiumOrg groups do not support sub groups".into()),
        G::OrdererOrg => Err("the orderer orgs do not support sub-groups".into()),
        G::ApplicationOrg => Err("The application orgs do not support sub-groups".into()),
    }
}

/// The scope of the values of a group.
fn value_scope(group: GroupScope) -> Result<ValueScope, String> {
    use GroupScope as G;
    use ValueScope as S;
    Ok(match group {
        G::Channel => S::Channel,
        G::Consortiums => return Err("Consortiums currently support no config values".into()),
        G::Consortium => S::Consortium,
        G::ConsortiumOrg => S::ConsortiumOrg,
        G::Orderer => S::Orderer,
        G::OrdererOrg => S::OrdererOrg,
        G::Application => S::Application,
        G::ApplicationOrg => S::ApplicationOrg,
    })
}

/// An int32 or enum field's number (0 when absent).
pub(super) fn int_field(msg: &DynamicMessage, name: &str) -> i32 {
    match msg.get_field_by_name(name).as_deref() {
        Some(Value::I32(v)) | Some(Value::EnumNumber(v)) => *v,
        _ => 0,
    }
}

fn string_field(msg: &DynamicMessage, name: &str) -> String {
    match msg.get_field_by_name(name).as_deref() {
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    }
}

fn bytes_field(msg: &DynamicMessage, name: &str) -> Vec<u8> {
    match msg.get_field_by_name(name).as_deref() {
        Some(Value::Bytes(b)) => b.to_vec(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_values_resolve_by_name_and_unknown_names_fail() {
        assert_eq!(
            config_value_type(ValueScope::Channel, "HashingAlgorithm"),
            Ok("common.HashingAlgorithm")
        );
        assert_eq!(
            config_value_type(ValueScope::OrdererOrg, "Endpoints"),
            Ok("common.OrdererAddresses")
        );
        let err = config_value_type(ValueScope::Application, "BatchSize").unwrap_err();
        assert_eq!(err, "unknown Application ConfigValue name: BatchSize");
    }

    #[test]
    fn channel_sub_groups_follow_fabric_tree() {
        assert_eq!(
            sub_group(GroupScope::Channel, "Orderer"),
            Ok(GroupScope::Orderer)
        );
        assert_eq!(
            sub_group(GroupScope::Orderer, "OrdererOrg"),
            Ok(GroupScope::OrdererOrg)
        );
        assert!(sub_group(GroupScope::Channel, "Bogus").is_err());
        assert!(sub_group(GroupScope::ApplicationOrg, "x").is_err());
        assert!(value_scope(GroupScope::Consortiums).is_err());
    }

    #[test]
    fn policy_and_principal_types_by_number() {
        assert_eq!(policy_value_type(1), Ok("common.SignaturePolicyEnvelope"));
        assert_eq!(policy_value_type(3), Ok("common.ImplicitMetaPolicy"));
        assert!(policy_value_type(2).is_err());
        assert_eq!(principal_type(0), Ok("common.MSPRole"));
        assert_eq!(principal_type(2), Ok("msp.SerializedIdentity"));
        assert!(principal_type(7).is_err());
    }
}
