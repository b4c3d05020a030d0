//! Minimal helpers over gossip messages (a subset of Fabric's `protoext`) that membership,
//! channels and pull need: signing into an envelope, the secret envelope, kind predicates,
//! tag rules and the invalidation policy of message stores. Kept crate-private so the lead
//! can fold them into `protoext` when it lands.

use prost::Message;

use super::comm::SignedGossipMessage;
use super::common::PkiId;
use crate::protos::gossip::{
    gossip_message::{Content, Tag},
    secret, Envelope, GossipMessage, PeerTime, PullMsgType, Secret, SecretEnvelope,
};

/// Why a message could not be signed or verified.
#[derive(Debug, thiserror::Error)]
pub enum MsgError {
    #[error("message is not signed")]
    NotSigned,
    #[error("cannot decode gossip message: {0}")]
    Decode(#[source] prost::DecodeError),
    #[error("signing failed: {0}")]
    Sign(#[source] crate::gossip::api::CryptoError),
    #[error("signature does not verify: {0}")]
    Verify(#[source] crate::gossip::api::CryptoError),
    #[error("illegal tag {tag:?} for {kind}")]
    IllegalTag { tag: Tag, kind: &'static str },
    #[error("no identity known for PKI-ID {0}")]
    UnknownIdentity(PkiId),
}

/// Signs `msg` with `signer`, keeping a secret envelope already present (Fabric's `Sign`).
pub(crate) fn sign_with<F>(
    msg: GossipMessage,
    secret: Option<SecretEnvelope>,
    signer: F,
) -> Result<SignedGossipMessage, MsgError>
where
    F: FnOnce(&[u8]) -> Result<Vec<u8>, crate::gossip::api::CryptoError>,
{
    let payload = msg.encode_to_vec();
    let signature = signer(&payload).map_err(MsgError::Sign)?;
    Ok(SignedGossipMessage {
        message: msg,
        envelope: Some(Envelope {
            payload,
            signature,
            secret_envelope: secret,
        }),
    })
}

/// An envelope without a signature (Fabric's `NoopSign`), for point-to-point messages.
pub(crate) fn noop_sign(msg: GossipMessage) -> SignedGossipMessage {
    let payload = msg.encode_to_vec();
    SignedGossipMessage {
        message: msg,
        envelope: Some(Envelope {
            payload,
            signature: Vec::new(),
            secret_envelope: None,
        }),
    }
}

/// Adds a signed secret (the internal endpoint) to an envelope (Fabric's `SignSecret`).
pub(crate) fn sign_secret<F>(
    env: &mut Envelope,
    internal_endpoint: &str,
    signer: F,
) -> Result<(), MsgError>
where
    F: FnOnce(&[u8]) -> Result<Vec<u8>, crate::gossip::api::CryptoError>,
{
    let payload = Secret {
        content: Some(secret::Content::InternalEndpoint(
            internal_endpoint.to_string(),
        )),
    }
    .encode_to_vec();
    let signature = signer(&payload).map_err(MsgError::Sign)?;
    env.secret_envelope = Some(SecretEnvelope { payload, signature });
    Ok(())
}

/// The internal endpoint a secret envelope carries ("" when none or malformed).
pub(crate) fn internal_endpoint(env: Option<&Envelope>) -> String {
    let Some(secret) = env.and_then(|e| e.secret_envelope.as_ref()) else {
        return String::new();
    };
    match Secret::decode(secret.payload.as_slice()) {
        Ok(Secret {
            content: Some(secret::Content::InternalEndpoint(ep)),
        }) => ep,
        _ => String::new(),
    }
}

/// Decodes an envelope into a signed message (Fabric's `ToGossipMessage`).
pub(crate) fn from_envelope(env: &Envelope) -> Result<SignedGossipMessage, MsgError> {
    let message = GossipMessage::decode(env.payload.as_slice()).map_err(MsgError::Decode)?;
    Ok(SignedGossipMessage {
        message,
        envelope: Some(env.clone()),
    })
}

/// Whether the message carries a payload and a signature (Fabric's `IsSigned`).
pub(crate) fn is_signed(m: &SignedGossipMessage) -> bool {
    m.envelope
        .as_ref()
        .is_some_and(|e| !e.payload.is_empty() && !e.signature.is_empty())
}

/// Verifies the envelope's signature (and its secret's) under `identity` (Fabric's `Verify`).
pub(crate) fn verify_with<F>(
    m: &SignedGossipMessage,
    identity: &[u8],
    verify: F,
) -> Result<(), MsgError>
where
    F: Fn(&[u8], &[u8], &[u8]) -> Result<(), crate::gossip::api::CryptoError>,
{
    let env = m.envelope.as_ref().ok_or(MsgError::NotSigned)?;
    if !is_signed(m) {
        return Err(MsgError::NotSigned);
    }
    verify(identity, &env.signature, &env.payload).map_err(MsgError::Verify)?;
    if let Some(secret) = &env.secret_envelope {
        verify(identity, &secret.signature, &secret.payload).map_err(MsgError::Verify)?;
    }
    Ok(())
}

pub(crate) fn tag_of(m: &GossipMessage) -> Tag {
    Tag::try_from(m.tag).unwrap_or(Tag::Undefined)
}

pub(crate) fn is_alive(m: &GossipMessage) -> bool {
    matches!(m.content, Some(Content::AliveMsg(_)))
}
pub(crate) fn is_data(m: &GossipMessage) -> bool {
    matches!(m.content, Some(Content::DataMsg(_)))
}
pub(crate) fn is_state_info(m: &GossipMessage) -> bool {
    matches!(m.content, Some(Content::StateInfo(_)))
}
pub(crate) fn is_leadership(m: &GossipMessage) -> bool {
    matches!(m.content, Some(Content::LeadershipMsg(_)))
}
pub(crate) fn is_identity(m: &GossipMessage) -> bool {
    matches!(m.content, Some(Content::PeerIdentity(_)))
}
pub(crate) fn is_discovery(m: &GossipMessage) -> bool {
    matches!(
        m.content,
        Some(Content::AliveMsg(_) | Content::MemReq(_) | Content::MemRes(_))
    )
}

/// The pull message type of a hello / digest / request / update, `None` for other kinds.
pub(crate) fn pull_msg_type(m: &GossipMessage) -> Option<PullMsgType> {
    let t = match &m.content {
        Some(Content::Hello(h)) => h.msg_type,
        Some(Content::DataDig(d)) => d.msg_type,
        Some(Content::DataReq(r)) => r.msg_type,
        Some(Content::DataUpdate(u)) => u.msg_type,
        _ => return None,
    };
    Some(PullMsgType::try_from(t).unwrap_or(PullMsgType::Undefined))
}

/// Messages that belong to one channel (Fabric's `IsChannelRestricted`).
pub(crate) fn is_channel_restricted(m: &GossipMessage) -> bool {
    matches!(tag_of(m), Tag::ChanAndOrg | Tag::ChanOnly | Tag::ChanOrOrg)
}

/// Messages that stay inside the organization (Fabric's `IsOrgRestricted`).
pub(crate) fn is_org_restricted(m: &GossipMessage) -> bool {
    matches!(tag_of(m), Tag::ChanAndOrg | Tag::OrgOnly)
}

/// Whether the tag suits the message kind (Fabric's `IsTagLegal`).
pub(crate) fn check_tag(m: &GossipMessage) -> Result<(), MsgError> {
    let tag = tag_of(m);
    let want = |kind: &'static str, ok: bool| {
        if ok {
            Ok(())
        } else {
            Err(MsgError::IllegalTag { tag, kind })
        }
    };
    if tag == Tag::Undefined {
        return want("any message", false);
    }
    match &m.content {
        Some(Content::DataMsg(_)) => want("a data message", tag == Tag::ChanAndOrg),
        Some(Content::AliveMsg(_) | Content::MemReq(_) | Content::MemRes(_)) => {
            want("a membership message", tag == Tag::Empty)
        }
        Some(Content::PeerIdentity(_)) => want("an identity message", tag == Tag::OrgOnly),
        Some(
            Content::Hello(_) | Content::DataDig(_) | Content::DataReq(_) | Content::DataUpdate(_),
        ) => match pull_msg_type(m) {
            Some(PullMsgType::BlockMsg) => want("a block pull message", tag == Tag::ChanAndOrg),
            Some(PullMsgType::IdentityMsg) => want("an identity pull message", tag == Tag::Empty),
            _ => want("a pull message of unknown type", false),
        },
        Some(
            Content::StateInfo(_)
            | Content::StateInfoPullReq(_)
            | Content::StateSnapshot(_)
            | Content::StateRequest(_)
            | Content::StateResponse(_),
        ) => want("a state message", tag == Tag::ChanOrOrg),
        Some(Content::LeadershipMsg(_)) => want("a leadership message", tag == Tag::ChanAndOrg),
        _ => want("an unknown message", false),
    }
}

/// What adding a message to a store does to a message already there
/// (Fabric's `common.InvalidationResult`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Invalidation {
    NoAction,
    /// The new message invalidates the stored one.
    Invalidates,
    /// The new message is invalidated by the stored one.
    Invalidated,
}

fn compare_timestamps(this: Option<&PeerTime>, that: Option<&PeerTime>) -> Invalidation {
    let (a, b) = (
        this.cloned().unwrap_or_default(),
        that.cloned().unwrap_or_default(),
    );
    if a.inc_num == b.inc_num {
        if a.seq_num > b.seq_num {
            return Invalidation::Invalidates;
        }
        return Invalidation::Invalidated;
    }
    if a.inc_num < b.inc_num {
        return Invalidation::Invalidated;
    }
    Invalidation::Invalidates
}

/// Fabric's `NewGossipMessageComparator(maxBlocks)`: how `this` (new) relates to `that`.
pub(crate) fn compare(max_blocks: u64, this: &GossipMessage, that: &GossipMessage) -> Invalidation {
    match (&this.content, &that.content) {
        (Some(Content::AliveMsg(a)), Some(Content::AliveMsg(b))) => {
            let id = |m: &crate::protos::gossip::AliveMessage| {
                m.membership
                    .as_ref()
                    .map(|x| x.pki_id.clone())
                    .unwrap_or_default()
            };
            if id(a) != id(b) {
                return Invalidation::NoAction;
            }
            compare_timestamps(a.timestamp.as_ref(), b.timestamp.as_ref())
        }
        (Some(Content::DataMsg(a)), Some(Content::DataMsg(b))) => {
            let s = |m: &crate::protos::gossip::DataMessage| {
                m.payload.as_ref().map_or(0, |p| p.seq_num)
            };
            let (x, y) = (s(a), s(b));
            if x == y {
                return Invalidation::Invalidated;
            }
            if x.abs_diff(y) <= max_blocks {
                return Invalidation::NoAction;
            }
            if x > y {
                Invalidation::Invalidates
            } else {
                Invalidation::Invalidated
            }
        }
        (Some(Content::StateInfo(a)), Some(Content::StateInfo(b))) => {
            if a.pki_id != b.pki_id {
                return Invalidation::NoAction;
            }
            compare_timestamps(a.timestamp.as_ref(), b.timestamp.as_ref())
        }
        (Some(Content::PeerIdentity(a)), Some(Content::PeerIdentity(b))) => {
            if a.pki_id == b.pki_id {
                Invalidation::Invalidated
            } else {
                Invalidation::NoAction
            }
        }
        (Some(Content::LeadershipMsg(a)), Some(Content::LeadershipMsg(b))) => {
            if a.pki_id != b.pki_id {
                return Invalidation::NoAction;
            }
            compare_timestamps(a.timestamp.as_ref(), b.timestamp.as_ref())
        }
        _ => Invalidation::NoAction,
    }
}

/// The PKI-ID an alive message announces (empty when malformed).
pub(crate) fn alive_pki_id(m: &GossipMessage) -> PkiId {
    match &m.content {
        Some(Content::AliveMsg(a)) => PkiId(
            a.membership
                .as_ref()
                .map(|x| x.pki_id.clone())
                .unwrap_or_default(),
        ),
        _ => PkiId::default(),
    }
}

/// A random nonce (Fabric's `util.RandomUInt64`).
pub(crate) fn random_nonce() -> u64 {
    rand::random()
}

/// The current time in nanoseconds since the epoch, Fabric's incarnation numbers.
pub(crate) fn now_nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::gossip::{AliveMessage, DataMessage, Member, Payload};

    fn alive(pki: &[u8], inc: u64, seq: u64) -> GossipMessage {
        GossipMessage {
            tag: Tag::Empty as i32,
            content: Some(Content::AliveMsg(AliveMessage {
                membership: Some(Member {
                    pki_id: pki.to_vec(),
                    ..Default::default()
                }),
                timestamp: Some(PeerTime {
                    inc_num: inc,
                    seq_num: seq,
                }),
                identity: vec![],
            })),
            ..Default::default()
        }
    }

    fn block(seq: u64) -> GossipMessage {
        GossipMessage {
            tag: Tag::ChanAndOrg as i32,
            content: Some(Content::DataMsg(DataMessage {
                payload: Some(Payload {
                    seq_num: seq,
                    ..Default::default()
                }),
            })),
            ..Default::default()
        }
    }

    #[test]
    fn newer_alive_invalidates_older_of_the_same_peer_only() {
        assert_eq!(
            compare(0, &alive(b"a", 1, 2), &alive(b"a", 1, 1)),
            Invalidation::Invalidates
        );
        assert_eq!(
            compare(0, &alive(b"a", 1, 1), &alive(b"a", 1, 1)),
            Invalidation::Invalidated
        );
        assert_eq!(
            compare(0, &alive(b"a", 1, 9), &alive(b"a", 2, 1)),
            Invalidation::Invalidated
        );
        assert_eq!(
            compare(0, &alive(b"a", 1, 9), &alive(b"b", 0, 1)),
            Invalidation::NoAction
        );
    }

    #[test]
    fn blocks_are_kept_within_the_window() {
        assert_eq!(compare(10, &block(5), &block(5)), Invalidation::Invalidated);
        assert_eq!(compare(10, &block(15), &block(5)), Invalidation::NoAction);
        assert_eq!(
            compare(10, &block(16), &block(5)),
            Invalidation::Invalidates
        );
        assert_eq!(
            compare(10, &block(5), &block(16)),
            Invalidation::Invalidated
        );
    }

    #[test]
    fn sign_and_secret_round_trip() {
        let signer = |m: &[u8]| Ok(m.iter().rev().copied().collect::<Vec<u8>>());
        let mut s = sign_with(alive(b"a", 1, 1), None, signer).unwrap();
        sign_secret(s.envelope.as_mut().unwrap(), "10.0.0.1:7051", signer).unwrap();
        assert_eq!(internal_endpoint(s.envelope.as_ref()), "10.0.0.1:7051");
        let back = from_envelope(s.envelope.as_ref().unwrap()).unwrap();
        assert_eq!(back.message, s.message);
        let check = |_: &[u8], sig: &[u8], m: &[u8]| {
            if sig.iter().rev().copied().collect::<Vec<u8>>() == m {
                Ok(())
            } else {
                Err(crate::gossip::api::CryptoError::Invalid("bad".into()))
            }
        };
        verify_with(&s, b"id", check).unwrap();
        s.envelope
            .as_mut()
            .unwrap()
            .secret_envelope
            .as_mut()
            .unwrap()
            .signature
            .push(0);
        assert!(verify_with(&s, b"id", check).is_err());
        assert!(!is_signed(&noop_sign(alive(b"a", 1, 1))));
    }

    #[test]
    fn tags_follow_fabric() {
        assert!(check_tag(&alive(b"a", 1, 1)).is_ok());
        assert!(check_tag(&block(1)).is_ok());
        let mut bad = block(1);
        bad.tag = Tag::Empty as i32;
        assert!(check_tag(&bad).is_err());
    }
}
