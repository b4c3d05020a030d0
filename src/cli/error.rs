//! What can go wrong in a `peer` command, each variant rendered as one line for the user.

use std::path::PathBuf;

/// Which kind of node a client tried to reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// A peer (endorser, deliver, admin services).
    Peer,
    /// An ordering service node (broadcast, deliver).
    Orderer,
}

impl NodeKind {
    fn hint(self) -> &'static str {
        match self {
            NodeKind::Peer => "is `peer node start` running there?",
            NodeKind::Orderer => "is the orderer running there?",
        }
    }
}

impl std::fmt::Display for NodeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NodeKind::Peer => "peer",
            NodeKind::Orderer => "orderer",
        })
    }
}

/// Errors of the `peer` command line. `Display` is the line printed after `Error: `.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The command line itself is wrong (missing or conflicting values).
    #[error("{0}")]
    Usage(String),

    /// core.yaml could not be found or read.
    #[error("{0}")]
    Config(String),

    /// The local MSP could not be set up.
    #[error("cannot run peer because {0}")]
    Crypto(String),

    /// A file named on the command line or in core.yaml could not be read.
    #[error("cannot read {what} {path}: {reason}")]
    ReadFile {
        what: &'static str,
        path: PathBuf,
        reason: String,
    },

    /// An address or TLS setting for a client connection is unusable.
    #[error("cannot connect to the {kind} at {address}: {reason}")]
    Endpoint {
        kind: NodeKind,
        address: String,
        reason: String,
    },

    /// Nothing answered at the address.
    #[error("cannot reach the {kind} at {address}: {reason} ({hint})", hint = kind.hint())]
    Unreachable {
        kind: NodeKind,
        address: String,
        reason: String,
    },

    /// The node answered the call with an error status.
    #[error("the {kind} at {address} refused the request: {message} (gRPC code {code})")]
    Rpc {
        kind: NodeKind,
        address: String,
        code: String,
        message: String,
    },

    /// The node answered, but its answer says the request failed or cannot be read.
    #[error("{command}: {problem}")]
    BadResponse {
        command: &'static str,
        problem: String,
    },

    /// A request could not be built or signed, or an input file is not what it must be.
    #[error("{command}: {problem}")]
    Request {
        command: &'static str,
        problem: String,
    },

    /// A file could not be written.
    #[error("cannot write {what} {path}: {reason}")]
    WriteFile {
        what: &'static str,
        path: PathBuf,
        reason: String,
    },

    /// The command exists, but the machinery it needs is not in this build yet.
    #[error("{command}: {missing}")]
    NotAvailable {
        command: &'static str,
        missing: &'static str,
    },

    /// The peer node could not start or stopped with an error.
    #[error("{0}")]
    Node(String),

    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(String),
}

impl CliError {
    /// A usage error with the given text.
    pub fn usage(text: impl Into<String>) -> Self {
        CliError::Usage(text.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreachable_peer_line_names_the_fix() {
        let e = CliError::Unreachable {
            kind: NodeKind::Peer,
            address: "127.0.0.1:7051".into(),
            reason: "connection refused".into(),
        };
        assert_eq!(
            e.to_string(),
            "cannot reach the peer at 127.0.0.1:7051: connection refused \
             (is `peer node start` running there?)"
        );
    }
}
