//! Requests to a peer's admin service and how their answers are shown, as Fabric's
//! `peer node status` and `peer logging` do: every admin call carries a `common.Envelope`
//! of type PEER_ADMIN_OPERATION with no channel, whose payload (an `AdminOperation`) is
//! signed by the local MSP's signer.

use crate::msp::SigningIdentity;
use crate::protos::common::{Envelope, HeaderType};
use crate::protos::protos::server_status::StatusCode;
use crate::protos::protos::{
    admin_operation, AdminOperation, LogLevelRequest, LogSpecRequest, ServerStatus,
};
use crate::protoutil::create_signed_envelope;

use super::CliError;

/// Wraps an admin operation in a signed PEER_ADMIN_OPERATION envelope.
pub fn admin_envelope(
    command: &'static str,
    operation: &AdminOperation,
    signer: &dyn SigningIdentity,
) -> Result<Envelope, CliError> {
    create_signed_envelope(
        HeaderType::PeerAdminOperation,
        "",
        Some(signer),
        operation,
        0,
        0,
        Vec::new(),
    )
    .map_err(|e| CliError::Request {
        command,
        problem: format!("cannot sign the admin request: {e}"),
    })
}

/// The operation of GetModuleLogLevel / SetModuleLogLevel.
pub fn log_level_operation(logger: &str, level: &str) -> AdminOperation {
    AdminOperation {
        content: Some(admin_operation::Content::LogReq(LogLevelRequest {
            log_module: logger.to_string(),
            log_level: level.to_string(),
        })),
    }
}

/// The operation of SetLogSpec.
pub fn log_spec_operation(spec: &str) -> AdminOperation {
    AdminOperation {
        content: Some(admin_operation::Content::LogSpecReq(LogSpecRequest {
            log_spec: spec.to_string(),
        })),
    }
}

/// A status the way Fabric's `peer node status` prints it: the message in protobuf's
/// compact text form, "status:STARTED " (each field is followed by a space; a zero value
/// is left out, so UNDEFINED prints as an empty line).
pub fn status_text(status: &ServerStatus) -> String {
    match StatusCode::try_from(status.status) {
        Ok(StatusCode::Undefined) => String::new(),
        Ok(code) => format!("status:{} ", code.as_str_name()),
        Err(_) => format!("status:{} ", status.status),
    }
}

/// What `peer node status` prints when it could not ask the peer.
pub fn unknown_status_text() -> String {
    status_text(&ServerStatus {
        status: StatusCode::Unknown as i32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_match_go_text_format() {
        let started = ServerStatus {
            status: StatusCode::Started as i32,
        };
        assert_eq!(status_text(&started), "status:STARTED ");
        assert_eq!(unknown_status_text(), "status:UNKNOWN ");
        assert_eq!(status_text(&ServerStatus { status: 0 }), "");
        assert_eq!(status_text(&ServerStatus { status: 42 }), "status:42 ");
    }

    #[test]
    fn operations_carry_their_arguments() {
        match log_level_operation("gossip", "debug").content {
            Some(admin_operation::Content::LogReq(r)) => {
                assert_eq!(
                    (r.log_module.as_str(), r.log_level.as_str()),
                    ("gossip", "debug")
                )
            }
            other => panic!("unexpected {other:?}"),
        }
        match log_spec_operation("info").content {
            Some(admin_operation::Content::LogSpecReq(r)) => assert_eq!(r.log_spec, "info"),
            other => panic!("unexpected {other:?}"),
        }
    }
}
