//! One line per message for logs (Fabric's `SignedGossipMessage.String`): sizes and kinds,
//! never whole blocks or certificates.

use std::fmt;

use super::kinds::tag_name;
use crate::gossip::comm::{ConnectionInfo, SignedGossipMessage};
use crate::protos::gossip::gossip_message::Content;
use crate::protos::gossip::{GossipMessage, PullMsgType};

/// A gossip message shown on one line: channel, nonce, tag and what it carries.
pub struct MessageSummary<'a>(pub &'a GossipMessage);

fn pull_type(t: i32) -> &'static str {
    PullMsgType::try_from(t).map_or("", |t| t.as_str_name())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn content(c: &Content) -> String {
    match c {
        Content::AliveMsg(a) => {
            let (endpoint, pki) = a
                .membership
                .as_ref()
                .map(|m| (m.endpoint.as_str(), hex(&m.pki_id)))
                .unwrap_or_default();
            let ts = a.timestamp.as_ref().map(|t| (t.inc_num, t.seq_num));
            format!("AliveMessage: endpoint {endpoint:?}, PKI-ID {pki}, timestamp {ts:?}")
        }
        Content::MemReq(r) => format!("MembershipRequest: {} known", r.known.len()),
        Content::MemRes(r) => format!(
            "MembershipResponse with Alive: {}, Dead: {}",
            r.alive.len(),
            r.dead.len()
        ),
        Content::DataMsg(d) => match &d.payload {
            Some(p) => format!(
                "Block message: {{Data: {} bytes, seq: {}}}",
                p.data.len(),
                p.seq_num
            ),
            None => "DataMessage without payload".into(),
        },
        Content::Hello(h) => format!("GossipHello: {}, nonce {}", pull_type(h.msg_type), h.nonce),
        Content::DataDig(d) => format!(
            "DataDigest: {}, {} digests, nonce {}",
            pull_type(d.msg_type),
            d.digests.len(),
            d.nonce
        ),
        Content::DataReq(d) => format!(
            "DataRequest: {}, {} digests, nonce {}",
            pull_type(d.msg_type),
            d.digests.len(),
            d.nonce
        ),
        Content::DataUpdate(u) => format!(
            "DataUpdate: Type: {}, items: {}, nonce: {}",
            pull_type(u.msg_type),
            u.data.len(),
            u.nonce
        ),
        Content::Empty(_) => "Empty".into(),
        Content::Conn(c) => format!(
            "ConnEstablish: PKI-ID {}, identity {} bytes, TLS cert hash {}",
            hex(&c.pki_id),
            c.identity.len(),
            hex(&c.tls_cert_hash)
        ),
        Content::StateInfo(s) => format!(
            "StateInfo: PKI-ID {}, height {:?}",
            hex(&s.pki_id),
            s.properties.as_ref().map(|p| p.ledger_height)
        ),
        Content::StateSnapshot(s) => format!("StateInfoSnapshot with {} items", s.elements.len()),
        Content::StateInfoPullReq(_) => "StateInfoPullRequest".into(),
        Content::StateRequest(r) => format!(
            "RemoteStateRequest: [{}, {}]",
            r.start_seq_num, r.end_seq_num
        ),
        Content::StateResponse(r) => format!("StateResponse with {} items", r.payloads.len()),
        Content::LeadershipMsg(l) => format!(
            "LeadershipMessage: PKI-ID {}, declaration {}",
            hex(&l.pki_id),
            l.is_declaration
        ),
        Content::PeerIdentity(p) => format!(
            "PeerIdentity: PKI-ID {}, cert {} bytes",
            hex(&p.pki_id),
            p.cert.len()
        ),
        Content::Ack(a) => format!("Acknowledgement: error {:?}", a.error),
        Content::PrivateReq(r) => format!("RemotePvtDataRequest: {} digests", r.digests.len()),
        Content::PrivateRes(r) => format!("RemotePvtDataResponse: {} elements", r.elements.len()),
        Content::PrivateData(_) => "PrivateDataMessage".into(),
    }
}

impl fmt::Display for MessageSummary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        let what = m.content.as_ref().map_or("no content".into(), content);
        write!(
            f,
            "Channel: {}, nonce: {}, tag: {} {what}",
            String::from_utf8_lossy(&m.channel),
            m.nonce,
            tag_name(m.tag)
        )
    }
}

impl fmt::Display for SignedGossipMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "GossipMessage: {}, Envelope: ",
            MessageSummary(&self.message)
        )?;
        match &self.envelope {
            None => write!(f, "No envelope"),
            Some(e) => {
                write!(
                    f,
                    "{} bytes, Signature: {} bytes",
                    e.payload.len(),
                    e.signature.len()
                )?;
                if let Some(s) = &e.secret_envelope {
                    write!(
                        f,
                        " Secret payload: {} bytes, Secret Signature: {} bytes",
                        s.payload.len(),
                        s.signature.len()
                    )?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for ConnectionInfo {
    /// Fabric's `ConnectionInfo.String`: the endpoint and the PKI-ID.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.endpoint, self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::gossip::gossip_message::Tag;
    use crate::protos::gossip::{DataMessage, Payload};

    #[test]
    fn one_line_with_sizes_not_contents() {
        let m = GossipMessage {
            channel: b"mychannel".to_vec(),
            nonce: 3,
            tag: Tag::ChanAndOrg as i32,
            content: Some(Content::DataMsg(DataMessage {
                payload: Some(Payload {
                    seq_num: 5,
                    data: vec![0; 1000],
                    ..Payload::default()
                }),
            })),
        };
        let s = SignedGossipMessage::noop_sign(m).to_string();
        assert!(!s.contains('\n'));
        assert!(s.starts_with(
            "GossipMessage: Channel: mychannel, nonce: 3, tag: CHAN_AND_ORG Block message: {Data: 1000 bytes, seq: 5}, Envelope: "
        ), "{s}");
        assert!(s.ends_with("bytes, Signature: 0 bytes"), "{s}");
    }
}
