//! The endorsers query (Fabric's `discovery/endorsement`): from the endorsement policies of
//! the chaincodes of an interest, the principal sets that satisfy all of them; from the live
//! peers of the channel that run the chaincodes at their instantiated version (and belong to
//! the collections asked for), the groups of peers per principal and the layouts (how many
//! peers of each group) that can be satisfied.

use std::collections::{BTreeMap, HashMap, HashSet};

use prost::Message;

use super::inquire::{self, ComparablePrincipalSet, PrincipalSet};
use super::support::{ChaincodeMetadata, Support};
use crate::gossip::common::{NetworkMember, PeerIdentity};
use crate::protos::common::collection_config::Payload as CollectionPayload;
use crate::protos::common::collection_policy_config::Payload as PolicyPayload;
use crate::protos::common::{CollectionConfigPackage, MspPrincipal, SignaturePolicyEnvelope};
use crate::protos::discovery::{
    ChaincodeCall, ChaincodeInterest, EndorsementDescriptor, Layout, Peer, Peers,
};

/// Why no descriptor could be computed; Fabric's texts.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EndorsementError {
    #[error("No metadata was found for chaincode {chaincode} in channel {channel}")]
    NoMetadata { chaincode: String, channel: String },
    #[error("policy not found")]
    PolicyNotFound,
    #[error("failed creating a comparable principal set")]
    NotComparable,
    #[error(
        "chaincode isn't installed on sufficient organizations required by the endorsement policy"
    )]
    InsufficientOrgs,
    #[error("no principal sets remained after filtering")]
    NoPrincipalSets,
    #[error("cannot satisfy any principal combination")]
    Unsatisfiable,
    #[error("invalid collection bytes: {0}")]
    CollectionBytes(String),
    #[error("expected a static collection but got {0} instead")]
    NotStatic(String),
    #[error("MemberOrgsPolicy of {0} is nil")]
    NoMemberOrgsPolicy(String),
    #[error("policy of {0} is nil")]
    NoPolicy(String),
    #[error(
        "collection {collection} doesn't exist in collection config for chaincode {chaincode}"
    )]
    NoCollection {
        collection: String,
        chaincode: String,
    },
}

/// The peers of the channel that have every chaincode of `interest` at its instantiated
/// version and belong to the collections asked for (Fabric's `PeersAuthorizedByCriteria`).
pub fn peers_authorized_by_criteria(
    support: &dyn Support,
    channel: &str,
    interest: Option<&ChaincodeInterest>,
) -> Result<Vec<NetworkMember>, EndorsementError> {
    let peers = support.peers_of_channel(channel);
    let Some(interest) = interest.filter(|i| !i.chaincodes.is_empty()) else {
        return Ok(peers);
    };
    let identities: HashMap<Vec<u8>, PeerIdentity> = support
        .identity_info()
        .into_iter()
        .map(|i| (i.pki_id.0, i.identity))
        .collect();
    let mut metadata = Vec::new();
    let mut collection_sets: Vec<Vec<PrincipalSet>> = Vec::new();
    for call in &interest.chaincodes {
        let md = support
            .chaincode_metadata(channel, &call.name, !call.collection_names.is_empty())
            .ok_or_else(|| EndorsementError::NoMetadata {
                chaincode: call.name.clone(),
                channel: channel.to_string(),
            })?;
        if !call.collection_names.is_empty() {
            let by_name = principals_from_collection_config(&md.collections_config)?;
            collection_sets.push(sets_of_call(&by_name, call)?);
        }
        metadata.push(md);
    }
    Ok(peers
        .into_iter()
        .filter(|m| has_chaincodes(m, &metadata))
        .filter(|m| {
            if collection_sets.is_empty() {
                return true;
            }
            let Some(identity) = identities.get(m.pki_id.as_bytes()) else {
                return false;
            };
            collection_sets
                .iter()
                .flatten()
                .all(|set| authorized_by(support, channel, set, identity))
        })
        .collect())
}

/// Whether the member announces every chaincode at its instantiated version.
fn has_chaincodes(member: &NetworkMember, metadata: &[ChaincodeMetadata]) -> bool {
    let Some(props) = &member.properties else {
        return false;
    };
    metadata.iter().all(|md| {
        props
            .chaincodes
            .iter()
            .any(|cc| cc.name == md.name && cc.version == md.version)
    })
}

fn authorized_by(
    support: &dyn Support,
    channel: &str,
    set: &PrincipalSet,
    identity: &[u8],
) -> bool {
    set.iter()
        .any(|p| support.satisfies_principal(channel, identity, p).is_ok())
}

/// The member organizations' principals of each static collection.
fn principals_from_collection_config(
    bytes: &[u8],
) -> Result<BTreeMap<String, PrincipalSet>, EndorsementError> {
    let mut out = BTreeMap::new();
    if bytes.is_empty() {
        return Ok(out);
    }
    let package = CollectionConfigPackage::decode(bytes)
        .map_err(|e| EndorsementError::CollectionBytes(e.to_string()))?;
    for config in package.config {
        let Some(CollectionPayload::StaticCollectionConfig(stat)) = config.payload else {
            return Err(EndorsementError::NotStatic(format!("{config:?}")));
        };
        let policy = stat
            .member_orgs_policy
            .ok_or_else(|| EndorsementError::NoMemberOrgsPolicy(stat.name.clone()))?;
        let Some(PolicyPayload::SignaturePolicy(sig)) = policy.payload else {
            return Err(EndorsementError::NoPolicy(stat.name));
        };
        out.insert(stat.name, sig.identities);
    }
    Ok(out)
}

fn sets_of_call(
    by_name: &BTreeMap<String, PrincipalSet>,
    call: &ChaincodeCall,
) -> Result<Vec<PrincipalSet>, EndorsementError> {
    call.collection_names
        .iter()
        .map(|col| {
            by_name
                .get(col)
                .cloned()
                .ok_or_else(|| EndorsementError::NoCollection {
                    collection: col.clone(),
                    chaincode: call.name.clone(),
                })
        })
        .collect()
}

/// The principal sets that satisfy every chaincode's policy of the interest.
fn principal_sets(
    support: &dyn Support,
    channel: &str,
    interest: &ChaincodeInterest,
) -> Result<Vec<PrincipalSet>, EndorsementError> {
    let mut per_chaincode: Vec<Vec<ComparablePrincipalSet>> = Vec::new();
    for call in &interest.chaincodes {
        let policy = policy_of(support, channel, &call.name).ok_or_else(|| {
            tracing::debug!(target: "discovery.endorsement", "Policy for chaincode '{}' doesn't exist", call.name);
            EndorsementError::PolicyNotFound
        })?;
        let sets: Vec<ComparablePrincipalSet> = inquire::satisfied_by(&policy)
            .iter()
            .map(|s| inquire::comparable_set(s).ok_or(EndorsementError::NotComparable))
            .collect::<Result<_, _>>()?;
        if sets.is_empty() {
            return Err(EndorsementError::InsufficientOrgs);
        }
        per_chaincode.push(sets);
    }
    let mut iter = per_chaincode.into_iter();
    let mut merged = iter.next().ok_or(EndorsementError::NoPrincipalSets)?;
    for next in iter {
        merged = inquire::merge(merged, next);
    }
    Ok(merged
        .into_iter()
        .map(|s| s.into_iter().map(|c| c.principal().clone()).collect())
        .collect())
}

/// Fabric's `PolicyByChaincode`: the chaincode's endorsement policy when it is well formed.
fn policy_of(
    support: &dyn Support,
    channel: &str,
    chaincode: &str,
) -> Option<SignaturePolicyEnvelope> {
    let Some(md) = support.chaincode_metadata(channel, chaincode, false) else {
        tracing::info!(target: "discovery.DiscoverySupport", "Chaincode {chaincode} wasn't found");
        return None;
    };
    let policy = match SignaturePolicyEnvelope::decode(md.policy.as_slice()) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(target: "discovery.DiscoverySupport", "Failed unmarshaling policy for chaincode {chaincode}: {e}");
            return None;
        }
    };
    if policy.identities.is_empty() || policy.rule.is_none() {
        tracing::warn!(target: "discovery.DiscoverySupport", "Invalid policy of chaincode {chaincode}: either its identities or its rule are empty");
        return None;
    }
    Some(policy)
}

type PrincipalKey = (i32, Vec<u8>);

fn key_of(p: &MspPrincipal) -> PrincipalKey {
    (p.principal_classification, p.principal.clone())
}

/// The principals of the sets as groups G0, G1, ... in the order they first appear.
fn principal_groups(sets: &[PrincipalSet]) -> Vec<(PrincipalKey, String)> {
    let mut groups: Vec<(PrincipalKey, String)> = Vec::new();
    for p in sets.iter().flatten() {
        let k = key_of(p);
        if !groups.iter().any(|(g, _)| *g == k) {
            let name = format!("G{}", groups.len());
            groups.push((k, name));
        }
    }
    groups
}

/// The live channel members with chaincode and their identities.
struct Candidates<'a> {
    /// The channel members (state info) by PKI-ID.
    channel: HashMap<Vec<u8>, &'a NetworkMember>,
    /// The alive members (alive message) that are channel members.
    alive: Vec<NetworkMember>,
    identities: HashMap<Vec<u8>, PeerIdentity>,
}

impl Candidates<'_> {
    fn identity(&self, m: &NetworkMember) -> &[u8] {
        self.identities
            .get(m.pki_id.as_bytes())
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The alive members that satisfy each group's principal (Fabric's principal-peer graph).
    fn satisfying(
        &self,
        support: &dyn Support,
        channel: &str,
        groups: &[(PrincipalKey, String)],
    ) -> BTreeMap<String, Vec<&NetworkMember>> {
        groups
            .iter()
            .map(|((cls, bytes), name)| {
                let principal = MspPrincipal {
                    principal_classification: *cls,
                    principal: bytes.clone(),
                };
                let members = self
                    .alive
                    .iter()
                    .filter(|m| {
                        support
                            .satisfies_principal(channel, self.identity(m), &principal)
                            .is_ok()
                    })
                    .collect();
                (name.clone(), members)
            })
            .collect()
    }

    fn peer(&self, m: &NetworkMember) -> Peer {
        Peer {
            identity: self.identity(m).to_vec(),
            state_info: self
                .channel
                .get(m.pki_id.as_bytes())
                .and_then(|c| c.envelope.clone()),
            membership_info: m.envelope.clone(),
        }
    }
}

/// One layout per principal set whose groups have enough satisfying peers.
fn layouts_of(
    sets: &[PrincipalSet],
    groups: &[(PrincipalKey, String)],
    satisfying: &BTreeMap<String, Vec<&NetworkMember>>,
) -> Vec<Layout> {
    let group_of = |k: &PrincipalKey| -> String {
        groups
            .iter()
            .find(|(g, _)| g == k)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    let mut layouts = Vec::new();
    for set in sets {
        let mut quantities: BTreeMap<String, u32> = BTreeMap::new();
        for p in set {
            *quantities.entry(group_of(&key_of(p))).or_default() += 1;
        }
        let satisfied = quantities
            .iter()
            .all(|(g, n)| satisfying.get(g).map_or(0, Vec::len) >= *n as usize);
        if satisfied {
            layouts.push(Layout {
                quantities_by_group: quantities,
            });
        }
    }
    layouts
}

/// The endorsement descriptor of an interest on a channel (Fabric's `PeersForEndorsement`).
pub fn peers_for_endorsement(
    support: &dyn Support,
    channel: &str,
    interest: &ChaincodeInterest,
) -> Result<EndorsementDescriptor, EndorsementError> {
    let channel_members = peers_authorized_by_criteria(support, channel, Some(interest))?;
    let by_id: HashMap<Vec<u8>, &NetworkMember> = channel_members
        .iter()
        .map(|m| (m.pki_id.0.clone(), m))
        .collect();
    let alive: Vec<NetworkMember> = support
        .peers()
        .into_iter()
        .filter(|m| by_id.contains_key(m.pki_id.as_bytes()))
        .collect();
    let identities = support
        .identity_info()
        .into_iter()
        .filter(|i| alive.iter().any(|m| m.pki_id == i.pki_id))
        .map(|i| (i.pki_id.0, i.identity))
        .collect();
    let candidates = Candidates {
        channel: by_id,
        alive,
        identities,
    };
    let sets = principal_sets(support, channel, interest).map_err(|e| {
        tracing::warn!(target: "discovery.endorsement", "Principal set computation failed: {e}");
        e
    })?;
    let groups = principal_groups(&sets);
    let satisfying = candidates.satisfying(support, channel, &groups);
    let layouts = layouts_of(&sets, &groups, &satisfying);
    if layouts.is_empty() {
        return Err(EndorsementError::Unsatisfiable);
    }
    let included: HashSet<&String> = layouts
        .iter()
        .flat_map(|l| l.quantities_by_group.keys())
        .collect();
    let endorsers_by_groups = satisfying
        .iter()
        .filter(|(g, _)| included.contains(g))
        .map(|(g, members)| {
            let peers = members.iter().map(|m| candidates.peer(m)).collect();
            (g.clone(), Peers { peers })
        })
        .collect();
    Ok(EndorsementDescriptor {
        chaincode: interest.chaincodes[0].name.clone(),
        endorsers_by_groups,
        layouts,
    })
}

/// An interest as Go's protobuf text prints it in Fabric's error
/// (`chaincodes:<name:"mycc" collection_names:"c1" > `).
pub fn interest_text(interest: &ChaincodeInterest) -> String {
    let mut out = String::new();
    for cc in &interest.chaincodes {
        out.push_str("chaincodes:<");
        if !cc.name.is_empty() {
            out.push_str(&format!("name:{:?} ", cc.name));
        }
        for c in &cc.collection_names {
            out.push_str(&format!("collection_names:{c:?} "));
        }
        out.push_str("> ");
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::discovery::support::{MembershipSource, SupportError};
    use crate::gossip::common::{PeerIdentityInfo, PkiId};
    use crate::policy::cauthdsl::builder::role_principal;
    use crate::policy::{from_string, SignedData};
    use crate::protos::common::msp_role::MspRoleType;
    use crate::protos::common::{
        CollectionConfig, CollectionPolicyConfig, MspRole, StaticCollectionConfig,
    };
    use crate::protos::discovery::ConfigResult;
    use crate::protos::gossip::{Chaincode, Envelope, Properties};

    /// A channel of fake peers: identity bytes are `"<msp>/<name>"`, a principal is satisfied
    /// by the MSP of a ROLE principal.
    /// A fake peer: its MSP, its name, and its chaincodes (name, version).
    pub(crate) type FakePeer = (String, String, Vec<(String, String)>);

    #[derive(Default)]
    pub(crate) struct FakeNetwork {
        pub peers: Vec<FakePeer>,
        pub chaincodes: BTreeMap<String, ChaincodeMetadata>,
        pub denied: Mutex<Vec<String>>,
    }

    impl FakeNetwork {
        pub fn peer(mut self, msp: &str, name: &str, ccs: &[(&str, &str)]) -> Self {
            let ccs = ccs
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect();
            self.peers.push((msp.into(), name.into(), ccs));
            self
        }

        pub fn chaincode(mut self, name: &str, version: &str, policy: &str) -> Self {
            let policy = from_string(policy).unwrap().encode_to_vec();
            self.chaincodes.insert(
                name.into(),
                ChaincodeMetadata {
                    name: name.into(),
                    version: version.into(),
                    policy,
                    ..Default::default()
                },
            );
            self
        }

        fn identity(msp: &str, name: &str) -> Vec<u8> {
            format!("{msp}/{name}").into_bytes()
        }
    }

    impl MembershipSource for FakeNetwork {
        fn channel_exists(&self, channel: &str) -> bool {
            channel == "ch"
        }
        fn peers_of_channel(&self, _: &str) -> Vec<NetworkMember> {
            self.peers
                .iter()
                .map(|(msp, name, ccs)| NetworkMember {
                    pki_id: PkiId(Self::identity(msp, name)),
                    properties: Some(Properties {
                        ledger_height: 5,
                        left_channel: false,
                        chaincodes: ccs
                            .iter()
                            .map(|(n, v)| Chaincode {
                                name: n.clone(),
                                version: v.clone(),
                                metadata: Vec::new(),
                            })
                            .collect(),
                    }),
                    envelope: Some(Envelope {
                        payload: b"state".to_vec(),
                        ..Default::default()
                    }),
                    ..Default::default()
                })
                .collect()
        }
        fn peers(&self) -> Vec<NetworkMember> {
            self.peers
                .iter()
                .map(|(msp, name, _)| NetworkMember {
                    endpoint: format!("{name}:7051"),
                    pki_id: PkiId(Self::identity(msp, name)),
                    envelope: Some(Envelope {
                        payload: b"alive".to_vec(),
                        ..Default::default()
                    }),
                    ..Default::default()
                })
                .collect()
        }
        fn identity_info(&self) -> Vec<PeerIdentityInfo> {
            self.peers
                .iter()
                .map(|(msp, name, _)| PeerIdentityInfo {
                    pki_id: PkiId(Self::identity(msp, name)),
                    identity: Self::identity(msp, name),
                    organization: msp.clone().into_bytes(),
                })
                .collect()
        }
    }

    impl Support for FakeNetwork {
        fn eligible_for_service(
            &self,
            channel: &str,
            data: &SignedData,
        ) -> Result<(), SupportError> {
            if data.identity == b"intruder" {
                self.denied.lock().unwrap().push(channel.to_string());
                return Err(SupportError::AccessDenied(
                    "signature set did not satisfy policy".into(),
                ));
            }
            Ok(())
        }
        fn config_sequence(&self, _: &str) -> u64 {
            0
        }
        fn config(&self, _: &str) -> Result<ConfigResult, SupportError> {
            Ok(ConfigResult::default())
        }
        fn satisfies_principal(
            &self,
            _: &str,
            identity: &[u8],
            p: &MspPrincipal,
        ) -> Result<(), SupportError> {
            let role = MspRole::decode(p.principal.as_slice())
                .map_err(|e| SupportError::Principal(e.to_string()))?;
            let msp = String::from_utf8_lossy(identity);
            match msp.split_once('/') {
                Some((m, _)) if m == role.msp_identifier => Ok(()),
                _ => Err(SupportError::Principal("not of that MSP".into())),
            }
        }
        fn chaincode_metadata(&self, _: &str, cc: &str, _: bool) -> Option<ChaincodeMetadata> {
            self.chaincodes.get(cc).cloned()
        }
    }

    fn interest(names: &[&str]) -> ChaincodeInterest {
        ChaincodeInterest {
            chaincodes: names
                .iter()
                .map(|n| ChaincodeCall {
                    name: n.to_string(),
                    collection_names: Vec::new(),
                })
                .collect(),
        }
    }

    fn endpoints(d: &EndorsementDescriptor, group: &str) -> Vec<String> {
        d.endorsers_by_groups[group]
            .peers
            .iter()
            .map(|p| String::from_utf8_lossy(&p.identity).into_owned())
            .collect()
    }

    #[test]
    fn and_policy_needs_one_peer_of_each_org() {
        let net = FakeNetwork::default()
            .peer("Org1MSP", "p0", &[("cc", "1.0")])
            .peer("Org1MSP", "p1", &[("cc", "1.0")])
            .peer("Org2MSP", "p0", &[("cc", "1.0")])
            .chaincode("cc", "1.0", "AND('Org1MSP.member', 'Org2MSP.member')");
        let d = peers_for_endorsement(&net, "ch", &interest(&["cc"])).unwrap();
        assert_eq!(d.chaincode, "cc");
        assert_eq!(d.layouts.len(), 1);
        assert_eq!(
            d.layouts[0].quantities_by_group,
            BTreeMap::from([("G0".into(), 1), ("G1".into(), 1)])
        );
        assert_eq!(endpoints(&d, "G0"), ["Org1MSP/p0", "Org1MSP/p1"]);
        assert_eq!(endpoints(&d, "G1"), ["Org2MSP/p0"]);
        let p = &d.endorsers_by_groups["G0"].peers[0];
        assert_eq!(p.state_info.as_ref().unwrap().payload, b"state");
        assert_eq!(p.membership_info.as_ref().unwrap().payload, b"alive");
    }

    #[test]
    fn peers_without_the_chaincode_version_do_not_count() {
        let net = FakeNetwork::default()
            .peer("Org1MSP", "p0", &[("cc", "0.9")])
            .peer("Org2MSP", "p0", &[("cc", "1.0")])
            .chaincode("cc", "1.0", "OR('Org1MSP.member', 'Org2MSP.member')");
        let d = peers_for_endorsement(&net, "ch", &interest(&["cc"])).unwrap();
        assert_eq!(d.layouts.len(), 1);
        let only = d.endorsers_by_groups.values().next().unwrap();
        assert_eq!(only.peers.len(), 1);
        let and = FakeNetwork::default()
            .peer("Org1MSP", "p0", &[("cc", "0.9")])
            .peer("Org2MSP", "p0", &[("cc", "1.0")])
            .chaincode("cc", "1.0", "AND('Org1MSP.member', 'Org2MSP.member')");
        assert_eq!(
            peers_for_endorsement(&and, "ch", &interest(&["cc"])).unwrap_err(),
            EndorsementError::Unsatisfiable
        );
    }

    #[test]
    fn not_instantiated_is_fabrics_error() {
        let net = FakeNetwork::default().peer("Org1MSP", "p0", &[]);
        let err = peers_for_endorsement(&net, "ch", &interest(&["nope"])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "No metadata was found for chaincode nope in channel ch"
        );
        assert_eq!(
            interest_text(&interest(&["nope"])),
            "chaincodes:<name:\"nope\" > "
        );
        let with = ChaincodeInterest {
            chaincodes: vec![
                ChaincodeCall {
                    name: "a".into(),
                    collection_names: vec!["c1".into(), "c2".into()],
                },
                ChaincodeCall {
                    name: "b".into(),
                    collection_names: vec![],
                },
            ],
        };
        assert_eq!(
            interest_text(&with),
            "chaincodes:<name:\"a\" collection_names:\"c1\" collection_names:\"c2\" > chaincodes:<name:\"b\" > "
        );
    }

    #[test]
    fn chaincode_to_chaincode_merges_both_policies() {
        let net = FakeNetwork::default()
            .peer("Org1MSP", "p0", &[("a", "1"), ("b", "1")])
            .peer("Org2MSP", "p0", &[("a", "1"), ("b", "1")])
            .chaincode("a", "1", "OR('Org1MSP.member', 'Org2MSP.member')")
            .chaincode("b", "1", "AND('Org1MSP.member', 'Org2MSP.member')");
        let d = peers_for_endorsement(&net, "ch", &interest(&["a", "b"])).unwrap();
        assert_eq!(d.chaincode, "a");
        // Both orgs are needed by b, and that also satisfies a.
        assert_eq!(d.layouts.len(), 1);
        assert_eq!(d.layouts[0].quantities_by_group.values().sum::<u32>(), 2);
    }

    #[test]
    fn collections_restrict_to_member_orgs() {
        let member_orgs = CollectionPolicyConfig {
            payload: Some(PolicyPayload::SignaturePolicy(SignaturePolicyEnvelope {
                identities: vec![role_principal("Org1MSP", MspRoleType::Member)],
                ..from_string("OR('Org1MSP.member')").unwrap()
            })),
        };
        let package = CollectionConfigPackage {
            config: vec![CollectionConfig {
                payload: Some(CollectionPayload::StaticCollectionConfig(
                    StaticCollectionConfig {
                        name: "private".into(),
                        member_orgs_policy: Some(member_orgs),
                        ..Default::default()
                    },
                )),
            }],
        };
        let mut net = FakeNetwork::default()
            .peer("Org1MSP", "p0", &[("cc", "1")])
            .peer("Org2MSP", "p0", &[("cc", "1")])
            .chaincode("cc", "1", "OR('Org1MSP.member', 'Org2MSP.member')");
        net.chaincodes.get_mut("cc").unwrap().collections_config = package.encode_to_vec();
        let with = ChaincodeInterest {
            chaincodes: vec![ChaincodeCall {
                name: "cc".into(),
                collection_names: vec!["private".into()],
            }],
        };
        let d = peers_for_endorsement(&net, "ch", &with).unwrap();
        assert_eq!(d.layouts.len(), 1);
        let all: Vec<String> = d
            .endorsers_by_groups
            .keys()
            .flat_map(|g| endpoints(&d, g))
            .collect();
        assert_eq!(all, ["Org1MSP/p0"]);
        let missing = ChaincodeInterest {
            chaincodes: vec![ChaincodeCall {
                name: "cc".into(),
                collection_names: vec!["other".into()],
            }],
        };
        assert_eq!(
            peers_for_endorsement(&net, "ch", &missing)
                .unwrap_err()
                .to_string(),
            "collection other doesn't exist in collection config for chaincode cc"
        );
    }
}
