//! The configuration system chaincode (Fabric's `core/scc/cscc`): JoinChain (local MSP
//! admins only), GetChannels (local MSP members), and per channel GetConfigBlock,
//! GetConfigTree and SimulateConfigTreeUpdate behind their ACLs.

use std::sync::Arc;

use prost::Message;

use super::{error, success, InvocationContext, SystemChaincode};
use crate::aclmgmt::policy_checker::{LOCAL_ADMINS, LOCAL_MEMBERS};
use crate::aclmgmt::resources::{
    CSCC_GET_CONFIG_BLOCK, CSCC_GET_CONFIG_TREE, CSCC_SIMULATE_CONFIG_TREE_UPDATE,
};
use crate::aclmgmt::{AclProvider, AclSubject, PolicyChecker};
use crate::ledger::LedgerError;
use crate::peer::{last_config_index, Channel, Peer, PeerError};
use crate::protos::common::{
    Block, BlockMetadata, BlockMetadataIndex, ConfigEnvelope, Envelope, HeaderType, Payload,
};
use crate::protos::peer::{
    ChannelInfo, ChannelQueryResponse, ConfigTree, Response, TxValidationCode,
};
use crate::protoutil::{channel_header, envelope_from_block_data, payload, ProtoutilError};

pub const JOIN_CHAIN: &str = "JoinChain";
pub const GET_CONFIG_BLOCK: &str = "GetConfigBlock";
pub const GET_CHANNELS: &str = "GetChannels";
pub const GET_CONFIG_TREE: &str = "GetConfigTree";
pub const SIMULATE_CONFIG_TREE_UPDATE: &str = "SimulateConfigTreeUpdate";

/// Called with each channel this peer joins (the node starts its deliver client there).
pub type JoinHook = Arc<dyn Fn(&Arc<Channel>) + Send + Sync>;

/// Fabric's `PeerConfiger`.
pub struct Cscc {
    peer: Arc<Peer>,
    acl: Arc<dyn AclProvider>,
    checker: PolicyChecker,
    after_join: Option<JoinHook>,
}

impl Cscc {
    /// cscc over the peer's channels; `checker` does the local MSP checks; `after_join` runs
    /// after a successful JoinChain.
    pub fn new(
        peer: Arc<Peer>,
        acl: Arc<dyn AclProvider>,
        checker: PolicyChecker,
        after_join: Option<JoinHook>,
    ) -> Self {
        Cscc {
            peer,
            acl,
            checker,
            after_join,
        }
    }

    fn join_chain(&self, ctx: &InvocationContext<'_>) -> Response {
        let raw = &ctx.args[1];
        if raw.is_empty() {
            return error("Cannot join the channel <nil> configuration block provided");
        }
        let mut block = match Block::decode(raw.as_slice()) {
            Ok(b) => b,
            Err(e) => {
                return error(format!(
                    "Failed to reconstruct the genesis block, error unmarshaling Block: {e}"
                ))
            }
        };
        let channel_id = match channel_id_of(&block) {
            Ok(id) => id,
            Err(e) => {
                return error(format!(
                    "\"JoinChain\" request failed to extract channel id from the block due to [{e}]"
                ))
            }
        };
        if let Err(e) = validate_config_block(&block) {
            return error(format!(
                "\"JoinChain\" for chainID = {channel_id} failed because of validation of configuration block, because of {e}"
            ));
        }
        if let Err(e) = self
            .checker
            .check_policy_no_channel(LOCAL_ADMINS, ctx.signed_proposal)
        {
            return error(format!(
                "access denied for [{JOIN_CHAIN}][{channel_id}]: [{e}]"
            ));
        }
        mark_all_valid(&mut block);
        match self.peer.create_channel_from_block(&block) {
            Ok(channel) => {
                tracing::info!(target: "cscc", "joined channel {channel_id}");
                if let Some(hook) = &self.after_join {
                    hook(&channel);
                }
                success(Vec::new())
            }
            Err(PeerError::Ledger(LedgerError::LedgerExists(_))) => {
                error("cannot create ledger from genesis block: LedgerID already exists")
            }
            Err(e) => error(format!("cannot create ledger from genesis block: {e}")),
        }
    }

    fn check_channel_acl(&self, resource: &str, ctx: &InvocationContext<'_>) -> Option<Response> {
        let channel_id = ctx.arg_str(1);
        let function = ctx.arg_str(0);
        self.acl
            .check_acl(
                resource,
                &channel_id,
                AclSubject::Proposal(ctx.signed_proposal),
            )
            .err()
            .map(|e| error(format!("access denied for [{function}][{channel_id}]: {e}")))
    }

    fn get_config_block(&self, channel_id: &str) -> Response {
        let Some(channel) = self.peer.channel(channel_id) else {
            return error(format!("Unknown chain ID, {channel_id}"));
        };
        match current_config_block(&channel) {
            Ok(block) => success(block.encode_to_vec()),
            Err(e) => error(e.to_string()),
        }
    }

    fn get_config_tree(&self, channel_id: &str) -> Response {
        let Some(channel) = self.peer.channel(channel_id) else {
            return error(format!("Unknown chain ID, {channel_id}"));
        };
        let tree = ConfigTree {
            channel_config: Some(channel.bundle().config_proto().clone()),
            resources_config: None,
        };
        success(tree.encode_to_vec())
    }

    fn simulate_config_tree_update(&self, channel_id: &str, envelope: &[u8]) -> Response {
        if envelope.is_empty() {
            return error("Config delta bytes must not be nil");
        }
        let envelope = match Envelope::decode(envelope) {
            Ok(e) => e,
            Err(e) => return error(e.to_string()),
        };
        let header_type = Payload::decode(envelope.payload.as_slice())
            .map_err(|e| format!("failed unmarshaling payload: {e}"))
            .and_then(|p| {
                channel_header(&p).map_err(|e| format!("failed unmarshaling payload header: {e}"))
            })
            .map(|h| h.r#type);
        match header_type {
            Ok(t) if t == HeaderType::ConfigUpdate as i32 => {}
            Ok(t) => return error(format!("invalid payload header type: {t}")),
            Err(e) => return error(e),
        }
        let Some(channel) = self.peer.channel(channel_id) else {
            return error(format!("Unknown chain ID, {channel_id}"));
        };
        match channel
            .bundle()
            .validator()
            .propose_config_update(&envelope)
        {
            Ok(_) => success(b"Simulation is successful".to_vec()),
            Err(e) => error(e.to_string()),
        }
    }

    fn get_channels(&self, ctx: &InvocationContext<'_>) -> Response {
        if let Err(e) = self
            .checker
            .check_policy_no_channel(LOCAL_MEMBERS, ctx.signed_proposal)
        {
            return error(format!("access denied for [{GET_CHANNELS}]: {e}"));
        }
        let answer = ChannelQueryResponse {
            channels: self
                .peer
                .channel_ids()
                .into_iter()
                .map(|channel_id| ChannelInfo { channel_id })
                .collect(),
        };
        success(answer.encode_to_vec())
    }
}

impl SystemChaincode for Cscc {
    fn name(&self) -> &'static str {
        "cscc"
    }
    fn invokable_external(&self) -> bool {
        true
    }
    fn invokable_cc2cc(&self) -> bool {
        false
    }

    fn invoke(&self, ctx: &mut InvocationContext<'_>) -> Response {
        let args = ctx.args;
        if args.is_empty() {
            return error(format!("Incorrect number of arguments, {}", args.len()));
        }
        let function = ctx.arg_str(0);
        if function != GET_CHANNELS && args.len() < 2 {
            return error(format!("Incorrect number of arguments, {}", args.len()));
        }
        tracing::debug!(target: "cscc", "Invoke function: {function}");
        match function.as_str() {
            JOIN_CHAIN => self.join_chain(ctx),
            GET_CONFIG_BLOCK => self
                .check_channel_acl(CSCC_GET_CONFIG_BLOCK, ctx)
                .unwrap_or_else(|| self.get_config_block(&ctx.arg_str(1))),
            GET_CONFIG_TREE => self
                .check_channel_acl(CSCC_GET_CONFIG_TREE, ctx)
                .unwrap_or_else(|| self.get_config_tree(&ctx.arg_str(1))),
            SIMULATE_CONFIG_TREE_UPDATE => self
                .check_channel_acl(CSCC_SIMULATE_CONFIG_TREE_UPDATE, ctx)
                .unwrap_or_else(|| {
                    let delta = args.get(2).map(Vec::as_slice).unwrap_or_default();
                    self.simulate_config_tree_update(&ctx.arg_str(1), delta)
                }),
            GET_CHANNELS => self.get_channels(ctx),
            other => error(format!("Requested function {other} not found.")),
        }
    }
}

/// Why a block is not a usable config block, or the channel's config block cannot be read
/// (Fabric's texts).
#[derive(Debug, thiserror::Error)]
pub enum CsccError {
    #[error("failed to retrieve channel id - block is empty")]
    EmptyBlock,
    #[error("failed to retrieve channel id - payload header is empty")]
    EmptyPayloadHeader,
    /// The first transaction's envelope, payload or channel header does not decode.
    #[error("{0}")]
    Malformed(#[source] ProtoutilError),
    #[error("Failed to block has no transaction")]
    NoTransaction,
    #[error("Failed to {0}")]
    Envelope(#[source] ProtoutilError),
    #[error("Bad configuration envelope: {0}")]
    BadEnvelope(#[source] ProtoutilError),
    #[error("Bad configuration envelope: invalid type {got}, expected {expected}")]
    NotConfig { got: i32, expected: i32 },
    #[error("Bad configuration envelope: {0}")]
    BadConfigEnvelope(#[source] prost::DecodeError),
    #[error("Nil config envelope Config")]
    NilConfig,
    #[error("Nil channel group")]
    NilChannelGroup,
    #[error("No channel configuration groups are available")]
    NoGroups,
    #[error("Invalid configuration block, missing Application configuration group")]
    NoApplication,
    #[error("{0}")]
    Ledger(#[source] LedgerError),
    #[error("{0}")]
    Peer(#[source] PeerError),
}

/// The channel id in the header of a block's first transaction (Fabric's
/// `GetChainIDFromBlock`).
pub fn channel_id_of(block: &Block) -> Result<String, CsccError> {
    let first = block
        .data
        .as_ref()
        .and_then(|d| d.data.first())
        .ok_or(CsccError::EmptyBlock)?;
    let envelope = envelope_from_block_data(first).map_err(CsccError::Malformed)?;
    let payload = payload(&envelope).map_err(CsccError::Malformed)?;
    if payload.header.is_none() {
        return Err(CsccError::EmptyPayloadHeader);
    }
    Ok(channel_header(&payload)
        .map_err(CsccError::Malformed)?
        .channel_id)
}

/// Fabric's `validateConfigBlock`: the first envelope is a CONFIG whose config has a channel
/// group with an Application group.
pub fn validate_config_block(block: &Block) -> Result<(), CsccError> {
    let first = block
        .data
        .as_ref()
        .and_then(|d| d.data.first())
        .ok_or(CsccError::NoTransaction)?;
    let envelope = envelope_from_block_data(first).map_err(CsccError::Envelope)?;
    let payload = payload(&envelope).map_err(CsccError::BadEnvelope)?;
    let header = channel_header(&payload).map_err(CsccError::BadEnvelope)?;
    if header.r#type != HeaderType::Config as i32 {
        return Err(CsccError::NotConfig {
            got: header.r#type,
            expected: HeaderType::Config as i32,
        });
    }
    let config_envelope =
        ConfigEnvelope::decode(payload.data.as_slice()).map_err(CsccError::BadConfigEnvelope)?;
    let config = config_envelope.config.ok_or(CsccError::NilConfig)?;
    let group = config.channel_group.ok_or(CsccError::NilChannelGroup)?;
    if group.groups.is_empty() {
        return Err(CsccError::NoGroups);
    }
    if !group.groups.contains_key("Application") {
        return Err(CsccError::NoApplication);
    }
    Ok(())
}

/// Sets every transaction of a block VALID when it carries no validation flags yet (a
/// genesis block as the orderer delivered it).
fn mark_all_valid(block: &mut Block) {
    let count = block.data.as_ref().map_or(0, |d| d.data.len());
    let metadata = block.metadata.get_or_insert_with(BlockMetadata::default);
    let index = BlockMetadataIndex::TransactionsFilter as usize;
    if metadata.metadata.len() <= index {
        metadata.metadata.resize(index + 1, Vec::new());
    }
    if metadata.metadata[index].is_empty() {
        metadata.metadata[index] = vec![TxValidationCode::Valid as u8; count];
    }
}

/// The channel's current config block, found through the LAST_CONFIG metadata of its last
/// block.
pub fn current_config_block(channel: &Channel) -> Result<Block, CsccError> {
    let ledger = channel.ledger();
    let last = ledger
        .get_block_by_number(u64::MAX)
        .map_err(CsccError::Ledger)?;
    let index = last_config_index(&last).map_err(CsccError::Peer)?;
    ledger.get_block_by_number(index).map_err(CsccError::Ledger)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::common::BlockData;

    #[test]
    fn empty_blocks_have_no_channel_id_and_are_not_config_blocks() {
        let block = Block {
            data: Some(BlockData { data: vec![] }),
            ..Default::default()
        };
        assert_eq!(
            channel_id_of(&block).unwrap_err().to_string(),
            "failed to retrieve channel id - block is empty"
        );
        assert!(validate_config_block(&block).is_err());
    }

    #[test]
    fn genesis_blocks_get_a_valid_filter() {
        let mut block = Block {
            data: Some(BlockData {
                data: vec![vec![1], vec![2]],
            }),
            ..Default::default()
        };
        mark_all_valid(&mut block);
        let md = block.metadata.unwrap().metadata;
        assert_eq!(
            md[BlockMetadataIndex::TransactionsFilter as usize],
            vec![0, 0]
        );
    }
}
