//! What kind a gossip message is, and whether its tag is legal for that kind (Fabric's
//! `GossipMessage.Is*`, `GetPullMsgType`, `IsTagLegal`).

use super::ProtoextError;
use crate::gossip::common::PkiId;
use crate::protos::gossip::gossip_message::{Content, Tag};
use crate::protos::gossip::{GossipMessage, PullMsgType};

/// Fabric's name of a tag value (`GossipMessage_Tag_name`); empty for unknown values.
pub fn tag_name(tag: i32) -> &'static str {
    Tag::try_from(tag).map_or("", |t| t.as_str_name())
}

fn pull_type_name(t: i32) -> &'static str {
    PullMsgType::try_from(t).map_or("", |t| t.as_str_name())
}

/// Kind predicates of a gossip message.
pub trait GossipMessageExt {
    fn is_alive_msg(&self) -> bool;
    fn is_data_msg(&self) -> bool;
    fn is_state_info_pull_request_msg(&self) -> bool;
    fn is_state_info_snapshot(&self) -> bool;
    fn is_state_info_msg(&self) -> bool;
    /// Hello, digest, request or update of the pull mechanism.
    fn is_pull_msg(&self) -> bool;
    fn is_remote_state_message(&self) -> bool;
    /// The pull phase's message type (`PullMsgType::Undefined` for other messages).
    fn pull_msg_type(&self) -> PullMsgType;
    fn is_channel_restricted(&self) -> bool;
    fn is_org_restricted(&self) -> bool;
    fn is_identity_msg(&self) -> bool;
    fn is_data_req(&self) -> bool;
    fn is_private_data_msg(&self) -> bool;
    fn is_ack(&self) -> bool;
    fn is_data_update(&self) -> bool;
    fn is_hello_msg(&self) -> bool;
    fn is_digest_msg(&self) -> bool;
    fn is_leadership_msg(&self) -> bool;
    fn is_conn_msg(&self) -> bool;
    fn is_mem_req(&self) -> bool;
    fn is_mem_res(&self) -> bool;
    /// An alive message, a membership request or response (Fabric's `IsDiscoveryMsg`).
    fn is_discovery_msg(&self) -> bool;
    /// The PKI-ID an alive message announces (empty for other messages).
    fn alive_pki_id(&self) -> PkiId;
    /// Fabric's `IsTagLegal`: the tag the message's kind requires.
    fn is_tag_legal(&self) -> Result<(), ProtoextError>;
}

fn tag_should_be(tag: Tag) -> ProtoextError {
    ProtoextError::IllegalTag(format!("Tag should be {}", tag.as_str_name()))
}

impl GossipMessageExt for GossipMessage {
    fn is_alive_msg(&self) -> bool {
        matches!(self.content, Some(Content::AliveMsg(_)))
    }
    fn is_data_msg(&self) -> bool {
        matches!(self.content, Some(Content::DataMsg(_)))
    }
    fn is_state_info_pull_request_msg(&self) -> bool {
        matches!(self.content, Some(Content::StateInfoPullReq(_)))
    }
    fn is_state_info_snapshot(&self) -> bool {
        matches!(self.content, Some(Content::StateSnapshot(_)))
    }
    fn is_state_info_msg(&self) -> bool {
        matches!(self.content, Some(Content::StateInfo(_)))
    }
    fn is_pull_msg(&self) -> bool {
        matches!(
            self.content,
            Some(
                Content::DataReq(_)
                    | Content::DataUpdate(_)
                    | Content::Hello(_)
                    | Content::DataDig(_)
            )
        )
    }
    fn is_remote_state_message(&self) -> bool {
        matches!(
            self.content,
            Some(Content::StateRequest(_) | Content::StateResponse(_))
        )
    }
    fn pull_msg_type(&self) -> PullMsgType {
        let raw = match &self.content {
            Some(Content::Hello(m)) => m.msg_type,
            Some(Content::DataDig(m)) => m.msg_type,
            Some(Content::DataReq(m)) => m.msg_type,
            Some(Content::DataUpdate(m)) => m.msg_type,
            _ => return PullMsgType::Undefined,
        };
        PullMsgType::try_from(raw).unwrap_or(PullMsgType::Undefined)
    }
    fn is_channel_restricted(&self) -> bool {
        [Tag::ChanAndOrg, Tag::ChanOnly, Tag::ChanOrOrg]
            .iter()
            .any(|t| *t as i32 == self.tag)
    }
    fn is_org_restricted(&self) -> bool {
        self.tag == Tag::ChanAndOrg as i32 || self.tag == Tag::OrgOnly as i32
    }
    fn is_identity_msg(&self) -> bool {
        matches!(self.content, Some(Content::PeerIdentity(_)))
    }
    fn is_data_req(&self) -> bool {
        matches!(self.content, Some(Content::DataReq(_)))
    }
    fn is_private_data_msg(&self) -> bool {
        matches!(self.content, Some(Content::PrivateData(_)))
    }
    fn is_ack(&self) -> bool {
        matches!(self.content, Some(Content::Ack(_)))
    }
    fn is_data_update(&self) -> bool {
        matches!(self.content, Some(Content::DataUpdate(_)))
    }
    fn is_hello_msg(&self) -> bool {
        matches!(self.content, Some(Content::Hello(_)))
    }
    fn is_digest_msg(&self) -> bool {
        matches!(self.content, Some(Content::DataDig(_)))
    }
    fn is_leadership_msg(&self) -> bool {
        matches!(self.content, Some(Content::LeadershipMsg(_)))
    }
    fn is_conn_msg(&self) -> bool {
        matches!(self.content, Some(Content::Conn(_)))
    }
    fn is_mem_req(&self) -> bool {
        matches!(self.content, Some(Content::MemReq(_)))
    }
    fn is_mem_res(&self) -> bool {
        matches!(self.content, Some(Content::MemRes(_)))
    }
    fn is_discovery_msg(&self) -> bool {
        self.is_alive_msg() || self.is_mem_req() || self.is_mem_res()
    }
    fn alive_pki_id(&self) -> PkiId {
        match &self.content {
            Some(Content::AliveMsg(a)) => PkiId(
                a.membership
                    .as_ref()
                    .map(|m| m.pki_id.clone())
                    .unwrap_or_default(),
            ),
            _ => PkiId::default(),
        }
    }

    fn is_tag_legal(&self) -> Result<(), ProtoextError> {
        let is = |t: Tag| self.tag == t as i32;
        let require = |t: Tag| if is(t) { Ok(()) } else { Err(tag_should_be(t)) };
        if is(Tag::Undefined) {
            return Err(ProtoextError::IllegalTag("Undefined tag".into()));
        }
        if self.is_data_msg() {
            return require(Tag::ChanAndOrg);
        }
        if self.is_discovery_msg() {
            return require(Tag::Empty);
        }
        if self.is_identity_msg() {
            return require(Tag::OrgOnly);
        }
        if self.is_pull_msg() {
            return match self.pull_msg_type() {
                PullMsgType::BlockMsg => require(Tag::ChanAndOrg),
                PullMsgType::IdentityMsg => require(Tag::Empty),
                PullMsgType::Undefined => Err(ProtoextError::IllegalTag(format!(
                    "Invalid PullMsgType: {}",
                    pull_type_name(PullMsgType::Undefined as i32)
                ))),
            };
        }
        if self.is_state_info_msg()
            || self.is_state_info_pull_request_msg()
            || self.is_state_info_snapshot()
            || self.is_remote_state_message()
        {
            return require(Tag::ChanOrOrg);
        }
        if self.is_leadership_msg() {
            return require(Tag::ChanAndOrg);
        }
        Err(ProtoextError::IllegalTag(format!(
            "Unknown message type: {}",
            super::display::MessageSummary(self)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::gossip::*;

    fn msg(tag: Tag, content: Content) -> GossipMessage {
        GossipMessage {
            tag: tag as i32,
            content: Some(content),
            ..GossipMessage::default()
        }
    }

    fn hello(t: PullMsgType) -> Content {
        Content::Hello(GossipHello {
            msg_type: t as i32,
            ..GossipHello::default()
        })
    }

    #[test]
    fn tags_legal_as_fabric_says() {
        let legal = [
            msg(Tag::ChanAndOrg, Content::DataMsg(DataMessage::default())),
            msg(Tag::Empty, Content::AliveMsg(AliveMessage::default())),
            msg(Tag::Empty, Content::MemReq(MembershipRequest::default())),
            msg(Tag::Empty, Content::MemRes(MembershipResponse::default())),
            msg(Tag::OrgOnly, Content::PeerIdentity(PeerIdentity::default())),
            msg(Tag::ChanAndOrg, hello(PullMsgType::BlockMsg)),
            msg(Tag::Empty, hello(PullMsgType::IdentityMsg)),
            msg(Tag::ChanOrOrg, Content::StateInfo(StateInfo::default())),
            msg(
                Tag::ChanOrOrg,
                Content::StateInfoPullReq(StateInfoPullRequest::default()),
            ),
            msg(
                Tag::ChanOrOrg,
                Content::StateSnapshot(StateInfoSnapshot::default()),
            ),
            msg(
                Tag::ChanOrOrg,
                Content::StateRequest(RemoteStateRequest::default()),
            ),
            msg(
                Tag::ChanAndOrg,
                Content::LeadershipMsg(LeadershipMessage::default()),
            ),
        ];
        for m in &legal {
            m.is_tag_legal().unwrap_or_else(|e| panic!("{m:?}: {e}"));
        }
        let wrong = |m: GossipMessage| m.is_tag_legal().unwrap_err().to_string();
        assert_eq!(
            wrong(msg(Tag::Empty, Content::DataMsg(DataMessage::default()))),
            "Tag should be CHAN_AND_ORG"
        );
        assert_eq!(
            wrong(msg(
                Tag::Undefined,
                Content::DataMsg(DataMessage::default())
            )),
            "Undefined tag"
        );
        assert_eq!(
            wrong(msg(Tag::ChanAndOrg, hello(PullMsgType::IdentityMsg))),
            "Tag should be EMPTY"
        );
        assert_eq!(
            wrong(msg(Tag::Empty, hello(PullMsgType::Undefined))),
            "Invalid PullMsgType: UNDEFINED"
        );
        assert_eq!(
            wrong(msg(
                Tag::ChanAndOrg,
                Content::StateInfo(StateInfo::default())
            )),
            "Tag should be CHAN_OR_ORG"
        );
        assert!(
            wrong(msg(Tag::Empty, Content::Empty(Empty {}))).starts_with("Unknown message type")
        );
    }

    #[test]
    fn kinds_and_restrictions() {
        let m = msg(Tag::ChanAndOrg, hello(PullMsgType::BlockMsg));
        assert!(m.is_pull_msg() && m.is_hello_msg() && !m.is_data_msg());
        assert_eq!(m.pull_msg_type(), PullMsgType::BlockMsg);
        assert!(m.is_channel_restricted() && m.is_org_restricted());
        let s = msg(Tag::ChanOrOrg, Content::StateInfo(StateInfo::default()));
        assert!(s.is_channel_restricted() && !s.is_org_restricted());
        assert_eq!(s.pull_msg_type(), PullMsgType::Undefined);
        let o = msg(Tag::OrgOnly, Content::PeerIdentity(PeerIdentity::default()));
        assert!(!o.is_channel_restricted() && o.is_org_restricted());
        assert_eq!(tag_name(Tag::ChanOrOrg as i32), "CHAN_OR_ORG");
    }
}
