//! The CLI's conversations with an ordering service and with a peer's deliver service, as
//! Fabric's `peer/common` broadcast and deliver clients: Broadcast one envelope and read its
//! status; Deliver one block (oldest, newest or a number) with a signed SeekInfo envelope,
//! bound to our TLS client certificate when we present one.

use prost::Message;
use tonic::transport::Channel;

use super::client::{connect, ClientSettings};
use super::error::{CliError, NodeKind};
use super::rpc::rpc_error;
use crate::msp::SigningIdentity;
use crate::protos::common::{Block, Envelope, HeaderType, Status};
use crate::protos::orderer::atomic_broadcast_client::AtomicBroadcastClient;
use crate::protos::orderer::{
    deliver_response, seek_info, seek_position, SeekInfo, SeekNewest, SeekOldest, SeekPosition,
    SeekSpecified,
};
use crate::protos::protos::deliver_client::DeliverClient as PeerDeliverClient;
use crate::protos::protos::deliver_response as peer_deliver_response;
use crate::protoutil::create_signed_envelope;

/// Which block to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeekTarget {
    Oldest,
    Newest,
    Specified(u64),
}

impl SeekTarget {
    fn position(self) -> SeekPosition {
        let r#type = match self {
            SeekTarget::Oldest => seek_position::Type::Oldest(SeekOldest {}),
            SeekTarget::Newest => seek_position::Type::Newest(SeekNewest {}),
            SeekTarget::Specified(number) => {
                seek_position::Type::Specified(SeekSpecified { number })
            }
        };
        SeekPosition {
            r#type: Some(r#type),
        }
    }
}

/// The SHA-256 of our TLS client certificate (DER) when the connection presents one; Fabric
/// puts it in the channel header of deliver requests.
pub fn tls_cert_hash(target: &ClientSettings) -> Result<Vec<u8>, CliError> {
    let Some((cert, _)) = target
        .tls
        .as_ref()
        .and_then(|t| t.client_cert_and_key.as_ref())
    else {
        return Ok(Vec::new());
    };
    let pem = std::fs::read(cert).map_err(|e| CliError::ReadFile {
        what: "the TLS client certificate file",
        path: cert.clone(),
        reason: super::client::describe_io(&e),
    })?;
    let der = rustls_pemfile::certs(&mut pem.as_slice())
        .next()
        .and_then(Result::ok)
        .ok_or_else(|| CliError::ReadFile {
            what: "the TLS client certificate file",
            path: cert.clone(),
            reason: "it holds no PEM certificate".into(),
        })?;
    Ok(crate::crypto::sha256(der.as_ref()).to_vec())
}

/// The signed DELIVER_SEEK_INFO envelope for one block of `channel`.
pub fn seek_envelope(
    command: &'static str,
    channel: &str,
    target: SeekTarget,
    best_effort: bool,
    signer: &dyn SigningIdentity,
    tls_cert_hash: Vec<u8>,
) -> Result<Envelope, CliError> {
    let position = target.position();
    let info = SeekInfo {
        start: Some(position),
        stop: Some(position),
        behavior: seek_info::SeekBehavior::BlockUntilReady as i32,
        error_response: if best_effort {
            seek_info::SeekErrorResponse::BestEffort as i32
        } else {
            seek_info::SeekErrorResponse::Strict as i32
        },
    };
    create_signed_envelope(
        HeaderType::DeliverSeekInfo,
        channel,
        Some(signer),
        &info,
        0,
        0,
        tls_cert_hash,
    )
    .map_err(|e| CliError::Request {
        command,
        problem: format!("cannot sign the deliver request: {e}"),
    })
}

/// The signed seek for every block from the newest on (what `--waitForEvent` listens with).
pub fn seek_from_newest(
    command: &'static str,
    channel: &str,
    signer: &dyn SigningIdentity,
    tls_cert_hash: Vec<u8>,
) -> Result<Envelope, CliError> {
    let info = SeekInfo {
        start: Some(SeekTarget::Newest.position()),
        stop: Some(SeekTarget::Specified(u64::MAX).position()),
        behavior: seek_info::SeekBehavior::BlockUntilReady as i32,
        error_response: seek_info::SeekErrorResponse::Strict as i32,
    };
    create_signed_envelope(
        HeaderType::DeliverSeekInfo,
        channel,
        Some(signer),
        &info,
        0,
        0,
        tls_cert_hash,
    )
    .map_err(|e| CliError::Request {
        command,
        problem: format!("cannot sign the deliver request: {e}"),
    })
}

/// Broadcasts one envelope to the orderer; anything but SUCCESS is one line with Fabric's
/// wording ("got unexpected status: BAD_REQUEST -- ...").
pub async fn broadcast(
    command: &'static str,
    target: &ClientSettings,
    env: Envelope,
) -> Result<(), CliError> {
    let channel = connect(target).await?;
    let failed = |s: tonic::Status| rpc_error(target.kind, &target.address, &s);
    let mut client = AtomicBroadcastClient::new(channel)
        .max_decoding_message_size(crate::comm::MAX_MESSAGE_SIZE)
        .max_encoding_message_size(crate::comm::MAX_MESSAGE_SIZE);
    let mut replies = client
        .broadcast(tokio_stream::iter(vec![env]))
        .await
        .map_err(failed)?
        .into_inner();
    let reply = replies
        .message()
        .await
        .map_err(failed)?
        .ok_or_else(|| CliError::BadResponse {
            command,
            problem: "the orderer closed the broadcast stream without answering".into(),
        })?;
    if reply.status == Status::Success as i32 {
        return Ok(());
    }
    let status = Status::try_from(reply.status)
        .map(|s| s.as_str_name().to_string())
        .unwrap_or_else(|_| reply.status.to_string());
    Err(CliError::BadResponse {
        command,
        problem: format!("got unexpected status: {status} -- {}", reply.info),
    })
}

/// One deliver response, from either service.
enum Answer {
    Block(Box<Block>),
    Status(i32),
}

fn status_name(code: i32) -> String {
    Status::try_from(code)
        .map(|s| s.as_str_name().to_string())
        .unwrap_or_else(|_| code.to_string())
}

/// Asks `target` (an orderer, or a peer's Deliver service) for one block.
pub async fn fetch_block(
    command: &'static str,
    target: &ClientSettings,
    env: Envelope,
) -> Result<Block, CliError> {
    let channel = connect(target).await?;
    let answer = match target.kind {
        NodeKind::Orderer => first_orderer_answer(target, channel, env).await?,
        NodeKind::Peer => first_peer_answer(target, channel, env).await?,
    };
    match answer {
        Some(Answer::Block(block)) => {
            let number = block.header.as_ref().map_or(0, |h| h.number);
            tracing::info!(target: "cli.common", "Received block: {number}");
            Ok(*block)
        }
        Some(Answer::Status(code)) => {
            tracing::info!(target: "cli.common", "Got status: &{{{}}}", status_name(code));
            Err(CliError::BadResponse {
                command,
                problem: format!("can't read the block: &{{{}}}", status_name(code)),
            })
        }
        None => Err(CliError::BadResponse {
            command,
            problem: format!(
                "the {} closed the deliver stream without a block",
                target.kind
            ),
        }),
    }
}

async fn first_orderer_answer(
    target: &ClientSettings,
    channel: Channel,
    env: Envelope,
) -> Result<Option<Answer>, CliError> {
    let mut client = AtomicBroadcastClient::new(channel)
        .max_decoding_message_size(crate::comm::MAX_MESSAGE_SIZE);
    let replies = client.deliver(tokio_stream::iter(vec![env])).await;
    first_answer(target, replies, |r| match r.r#type {
        Some(deliver_response::Type::Block(b)) => Answer::Block(Box::new(b)),
        Some(deliver_response::Type::Status(s)) => Answer::Status(s),
        None => Answer::Status(Status::Unknown as i32),
    })
    .await
}

async fn first_peer_answer(
    target: &ClientSettings,
    channel: Channel,
    env: Envelope,
) -> Result<Option<Answer>, CliError> {
    let mut client =
        PeerDeliverClient::new(channel).max_decoding_message_size(crate::comm::MAX_MESSAGE_SIZE);
    let replies = client.deliver(tokio_stream::iter(vec![env])).await;
    first_answer(target, replies, |r| match r.r#type {
        Some(peer_deliver_response::Type::Block(b)) => Answer::Block(Box::new(b)),
        Some(peer_deliver_response::Type::Status(s)) => Answer::Status(s),
        _ => Answer::Status(Status::Unknown as i32),
    })
    .await
}

/// The first reply of a Deliver stream (orderer's or peer's), as an [`Answer`].
async fn first_answer<R>(
    target: &ClientSettings,
    replies: Result<tonic::Response<tonic::Streaming<R>>, tonic::Status>,
    answer: impl Fn(R) -> Answer,
) -> Result<Option<Answer>, CliError> {
    let failed = |s: tonic::Status| rpc_error(target.kind, &target.address, &s);
    let mut replies = replies.map_err(failed)?.into_inner();
    Ok(replies.message().await.map_err(failed)?.map(answer))
}

/// Writes a block file (the marshalled `common.Block`), as Fabric does with mode 0644.
pub fn write_block(path: &std::path::Path, block: &Block) -> Result<(), CliError> {
    std::fs::write(path, block.encode_to_vec()).map_err(|e| CliError::WriteFile {
        what: "the block file",
        path: path.to_path_buf(),
        reason: super::client::describe_io(&e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seek_positions_are_fabric_shaped() {
        assert_eq!(
            SeekTarget::Specified(7).position().r#type,
            Some(seek_position::Type::Specified(SeekSpecified { number: 7 }))
        );
        assert!(matches!(
            SeekTarget::Oldest.position().r#type,
            Some(seek_position::Type::Oldest(_))
        ));
    }

    #[test]
    fn no_client_certificate_no_hash() {
        let plain = ClientSettings {
            kind: NodeKind::Orderer,
            address: "127.0.0.1:7050".into(),
            tls: None,
            conn_timeout: std::time::Duration::from_secs(1),
        };
        assert!(tls_cert_hash(&plain).unwrap().is_empty());
    }
}
