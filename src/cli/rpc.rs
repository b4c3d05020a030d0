//! The one place the CLI makes gRPC calls: a connection to a peer with one blocking method
//! per RPC the commands use. Requests are built and responses read elsewhere, in plain
//! functions; a gRPC failure becomes one [`CliError`] line naming the node and the reason.

use tonic::transport::Channel;

use super::client::{connect, ClientSettings};
use super::error::{CliError, NodeKind};
use crate::protos::common::Envelope;
use crate::protos::protos::admin_client::AdminClient;
use crate::protos::protos::endorser_client::EndorserClient;
use crate::protos::protos::{
    LogLevelResponse, LogSpecResponse, ProposalResponse, ServerStatus, SignedProposal,
};

/// A live connection to one node, with the small runtime that drives it.
pub struct NodeConnection {
    runtime: tokio::runtime::Runtime,
    channel: Channel,
    target: ClientSettings,
}

/// A current-thread runtime for one command's requests.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Runtime(e.to_string()))
}

impl NodeConnection {
    /// Connects, waiting at most the target's connection timeout.
    pub fn open(target: ClientSettings) -> Result<Self, CliError> {
        let runtime = runtime()?;
        let channel = runtime.block_on(connect(&target))?;
        Ok(NodeConnection {
            runtime,
            channel,
            target,
        })
    }

    /// The node this connection reaches.
    pub fn target(&self) -> &ClientSettings {
        &self.target
    }

    fn failed(&self, status: tonic::Status) -> CliError {
        rpc_error(self.target.kind, &self.target.address, &status)
    }

    fn admin(&self) -> AdminClient<Channel> {
        AdminClient::new(self.channel.clone())
    }

    /// Admin.GetStatus.
    pub fn get_status(&self, env: Envelope) -> Result<ServerStatus, CliError> {
        let call = async { self.admin().get_status(env).await };
        self.runtime
            .block_on(call)
            .map(tonic::Response::into_inner)
            .map_err(|s| self.failed(s))
    }

    /// Admin.GetModuleLogLevel.
    pub fn get_module_log_level(&self, env: Envelope) -> Result<LogLevelResponse, CliError> {
        let call = async { self.admin().get_module_log_level(env).await };
        self.runtime
            .block_on(call)
            .map(tonic::Response::into_inner)
            .map_err(|s| self.failed(s))
    }

    /// Admin.SetModuleLogLevel.
    pub fn set_module_log_level(&self, env: Envelope) -> Result<LogLevelResponse, CliError> {
        let call = async { self.admin().set_module_log_level(env).await };
        self.runtime
            .block_on(call)
            .map(tonic::Response::into_inner)
            .map_err(|s| self.failed(s))
    }

    /// Admin.RevertLogLevels.
    pub fn revert_log_levels(&self, env: Envelope) -> Result<(), CliError> {
        let call = async { self.admin().revert_log_levels(env).await };
        self.runtime
            .block_on(call)
            .map(|_| ())
            .map_err(|s| self.failed(s))
    }

    /// Admin.GetLogSpec.
    pub fn get_log_spec(&self, env: Envelope) -> Result<LogSpecResponse, CliError> {
        let call = async { self.admin().get_log_spec(env).await };
        self.runtime
            .block_on(call)
            .map(tonic::Response::into_inner)
            .map_err(|s| self.failed(s))
    }

    /// Admin.SetLogSpec.
    pub fn set_log_spec(&self, env: Envelope) -> Result<LogSpecResponse, CliError> {
        let call = async { self.admin().set_log_spec(env).await };
        self.runtime
            .block_on(call)
            .map(tonic::Response::into_inner)
            .map_err(|s| self.failed(s))
    }

    /// Endorser.ProcessProposal.
    pub fn process_proposal(&self, signed: SignedProposal) -> Result<ProposalResponse, CliError> {
        let call = async {
            EndorserClient::new(self.channel.clone())
                .process_proposal(signed)
                .await
        };
        self.runtime
            .block_on(call)
            .map(tonic::Response::into_inner)
            .map_err(|s| self.failed(s))
    }
}

/// One line for a failed call: a node that went away reads like an unreachable one, any
/// other status names the node, the gRPC code and the node's message.
pub fn rpc_error(kind: NodeKind, address: &str, status: &tonic::Status) -> CliError {
    let message = status.message().lines().next().unwrap_or("").trim();
    match status.code() {
        tonic::Code::Unavailable => CliError::Unreachable {
            kind,
            address: address.to_string(),
            reason: if message.is_empty() {
                "the connection was lost".into()
            } else {
                message.to_lowercase()
            },
        },
        code => CliError::Rpc {
            kind,
            address: address.to_string(),
            code: format!("{code:?}"),
            message: if message.is_empty() {
                "no message".into()
            } else {
                message.to_string()
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_become_one_line() {
        let e = rpc_error(
            NodeKind::Peer,
            "127.0.0.1:7051",
            &tonic::Status::unknown("access denied"),
        );
        assert_eq!(
            e.to_string(),
            "the peer at 127.0.0.1:7051 refused the request: access denied (gRPC code Unknown)"
        );
        let e = rpc_error(
            NodeKind::Peer,
            "127.0.0.1:7051",
            &tonic::Status::unavailable(""),
        );
        assert!(e
            .to_string()
            .starts_with("cannot reach the peer at 127.0.0.1:7051: the connection was lost"));
    }
}
