//! The peer's admin service (Fabric's `core/admin`): status and live log levels. Every call
//! carries a `common.Envelope` of type PEER_ADMIN_OPERATION whose payload is an
//! `AdminOperation`; it must be recent (within 15 minutes of our clock) and signed by an
//! admin of the local MSP (Fabric's `SignedByAnyAdmin(localMspId)` local policy).
//!
//! [`AdminServer`] is the domain (no gRPC); [`AdminService`] is the thin tonic adapter.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::flogging::Logging;
use crate::policy::{Policy, SignedData};
use crate::protos::common::{Envelope, HeaderType};
use crate::protos::protos::admin_server::Admin;
use crate::protos::protos::server_status::StatusCode;
use crate::protos::protos::{
    admin_operation, AdminOperation, LogLevelRequest, LogLevelResponse, LogSpecResponse,
    ServerStatus,
};
use crate::protoutil::{channel_header, decode, payload};

/// How far a request's timestamp may be from our clock (Fabric's `timeDiff`).
pub const TIME_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Why an admin request was refused; the texts are Fabric's.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AdminError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("empty timestamp")]
    EmptyTimestamp,
    #[error("bad request, cannot extract signed data: {0}")]
    SignedData(String),
    #[error("access denied")]
    AccessDenied,
    #[error("request is nil")]
    NilRequest,
    #[error("error setting log spec to '{spec}': {reason}")]
    InvalidSpec { spec: String, reason: String },
}

/// The admin service's domain: validation against the local admin policy and the live
/// logging system.
pub struct AdminServer {
    policy: Arc<dyn Policy>,
    logging: Logging,
    spec_at_startup: String,
}

impl AdminServer {
    /// `policy` decides who is an admin (the local MSP's admins); `logging` is the process's
    /// logging system, whose spec now is what RevertLogLevels returns to.
    pub fn new(policy: Arc<dyn Policy>, logging: Logging) -> Self {
        let spec_at_startup = logging.spec();
        AdminServer {
            policy,
            logging,
            spec_at_startup,
        }
    }

    /// Checks an admin request: its shape, its time and its signer. `remote` names the
    /// client in the warnings logged for refused requests.
    pub fn validate(&self, env: &Envelope, remote: &str) -> Result<AdminOperation, AdminError> {
        let (op, signed) = validate_structure(env, remote, SystemTime::now())?;
        if let Err(e) = self.policy.evaluate(&signed) {
            tracing::warn!(target: "server", "Request from {remote} unauthorized due to authentication: {e}");
            return Err(AdminError::AccessDenied);
        }
        Ok(op)
    }

    pub fn get_status(&self, env: &Envelope, remote: &str) -> Result<ServerStatus, AdminError> {
        self.validate(env, remote)?;
        Ok(ServerStatus {
            status: StatusCode::Started as i32,
        })
    }

    pub fn get_module_log_level(
        &self,
        env: &Envelope,
        remote: &str,
    ) -> Result<LogLevelResponse, AdminError> {
        let request = log_request(self.validate(env, remote)?)?;
        let level = self.logging.module_level(&request.log_module);
        Ok(LogLevelResponse {
            log_module: request.log_module,
            log_level: level.capital_name().to_string(),
        })
    }

    pub fn set_module_log_level(
        &self,
        env: &Envelope,
        remote: &str,
    ) -> Result<LogLevelResponse, AdminError> {
        let request = log_request(self.validate(env, remote)?)?;
        let spec = format!(
            "{}:{}={}",
            self.logging.spec(),
            request.log_module,
            request.log_level
        );
        self.logging
            .set_spec(&spec)
            .map_err(|e| AdminError::InvalidSpec {
                spec: spec.clone(),
                reason: e.to_string(),
            })?;
        Ok(LogLevelResponse {
            log_module: request.log_module,
            log_level: request.log_level.to_uppercase(),
        })
    }

    pub fn revert_log_levels(&self, env: &Envelope, remote: &str) -> Result<(), AdminError> {
        self.validate(env, remote)?;
        if let Err(e) = self.logging.set_spec(&self.spec_at_startup) {
            tracing::error!(target: "server", "cannot revert to the start-up log spec: {e}");
        }
        Ok(())
    }

    pub fn get_log_spec(
        &self,
        env: &Envelope,
        remote: &str,
    ) -> Result<LogSpecResponse, AdminError> {
        self.validate(env, remote)?;
        Ok(LogSpecResponse {
            log_spec: self.logging.spec(),
            error: String::new(),
        })
    }

    /// As Fabric: a bad spec is reported in the response's `error`, not as a failed call.
    pub fn set_log_spec(
        &self,
        env: &Envelope,
        remote: &str,
    ) -> Result<LogSpecResponse, AdminError> {
        let op = self.validate(env, remote)?;
        let Some(admin_operation::Content::LogSpecReq(request)) = op.content else {
            return Err(AdminError::NilRequest);
        };
        let error = match self.logging.set_spec(&request.log_spec) {
            Ok(()) => String::new(),
            Err(e) => e.to_string(),
        };
        Ok(LogSpecResponse {
            log_spec: request.log_spec,
            error,
        })
    }
}

fn log_request(op: AdminOperation) -> Result<LogLevelRequest, AdminError> {
    match op.content {
        Some(admin_operation::Content::LogReq(r)) => Ok(r),
        _ => Err(AdminError::NilRequest),
    }
}

/// The structural checks (Fabric's `validateStructure`): a PEER_ADMIN_OPERATION envelope
/// carrying an AdminOperation, stamped within [`TIME_WINDOW`] of `now`.
pub fn validate_structure(
    env: &Envelope,
    remote: &str,
    now: SystemTime,
) -> Result<(AdminOperation, Vec<SignedData>), AdminError> {
    let bad = |reason: String| {
        tracing::warn!(target: "server", "Request from {remote} is badly formed: {reason}");
        AdminError::BadRequest(reason)
    };
    let payload = payload(env).map_err(|e| bad(e.to_string()))?;
    if payload.header.is_none() {
        return Err(bad("envelope must have a Header".into()));
    }
    let chdr = channel_header(&payload).map_err(|e| bad(e.to_string()))?;
    if chdr.r#type != HeaderType::PeerAdminOperation as i32 {
        let name = HeaderType::try_from(chdr.r#type)
            .map(|t| t.as_str_name().to_string())
            .unwrap_or_else(|_| chdr.r#type.to_string());
        return Err(bad(format!(
            "invalid type {name}, expected PEER_ADMIN_OPERATION"
        )));
    }
    let op: AdminOperation = decode("AdminOperation", &payload.data).map_err(|e| {
        bad(format!(
            "error unmarshaling message for type PEER_ADMIN_OPERATION: {e}"
        ))
    })?;
    let Some(ts) = chdr.timestamp else {
        tracing::warn!(target: "server", "Request from {remote} has no timestamp");
        return Err(AdminError::EmptyTimestamp);
    };
    let request_nanos = i128::from(ts.seconds) * 1_000_000_000 + i128::from(ts.nanos);
    let now_nanos = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128);
    if (request_nanos - now_nanos).unsigned_abs() > TIME_WINDOW.as_nanos() {
        tracing::warn!(target: "server", "Request from {remote} unauthorized due to incorrect time: {}s since the epoch", ts.seconds);
        return Err(AdminError::AccessDenied);
    }
    let signed =
        SignedData::from_envelope(env).map_err(|e| AdminError::SignedData(e.to_string()))?;
    Ok((op, signed))
}

/// The tonic `protos.Admin` service over an [`AdminServer`].
#[derive(Clone)]
pub struct AdminService {
    inner: Arc<AdminServer>,
}

impl AdminService {
    pub fn new(inner: Arc<AdminServer>) -> Self {
        AdminService { inner }
    }
}

fn remote_of<T>(request: &tonic::Request<T>) -> String {
    request
        .remote_addr()
        .map_or_else(|| "unknown".to_string(), |a| a.to_string())
}

fn to_status(e: AdminError) -> tonic::Status {
    match e {
        AdminError::InvalidSpec { .. } => tonic::Status::invalid_argument(e.to_string()),
        other => tonic::Status::unknown(other.to_string()),
    }
}

type Reply<T> = Result<tonic::Response<T>, tonic::Status>;

#[tonic::async_trait]
impl Admin for AdminService {
    async fn get_status(&self, request: tonic::Request<Envelope>) -> Reply<ServerStatus> {
        let remote = remote_of(&request);
        self.inner
            .get_status(request.get_ref(), &remote)
            .map(tonic::Response::new)
            .map_err(to_status)
    }

    async fn start_server(&self, request: tonic::Request<Envelope>) -> Reply<ServerStatus> {
        // As Fabric: the server is already running, so StartServer reports its status.
        self.get_status(request).await
    }

    async fn get_module_log_level(
        &self,
        request: tonic::Request<Envelope>,
    ) -> Reply<LogLevelResponse> {
        let remote = remote_of(&request);
        self.inner
            .get_module_log_level(request.get_ref(), &remote)
            .map(tonic::Response::new)
            .map_err(to_status)
    }

    async fn set_module_log_level(
        &self,
        request: tonic::Request<Envelope>,
    ) -> Reply<LogLevelResponse> {
        let remote = remote_of(&request);
        self.inner
            .set_module_log_level(request.get_ref(), &remote)
            .map(tonic::Response::new)
            .map_err(to_status)
    }

    async fn revert_log_levels(&self, request: tonic::Request<Envelope>) -> Reply<()> {
        let remote = remote_of(&request);
        self.inner
            .revert_log_levels(request.get_ref(), &remote)
            .map(tonic::Response::new)
            .map_err(to_status)
    }

    async fn get_log_spec(&self, request: tonic::Request<Envelope>) -> Reply<LogSpecResponse> {
        let remote = remote_of(&request);
        self.inner
            .get_log_spec(request.get_ref(), &remote)
            .map(tonic::Response::new)
            .map_err(to_status)
    }

    async fn set_log_spec(&self, request: tonic::Request<Envelope>) -> Reply<LogSpecResponse> {
        let remote = remote_of(&request);
        self.inner
            .set_log_spec(request.get_ref(), &remote)
            .map(tonic::Response::new)
            .map_err(to_status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flogging::LoggingConfig;
    use crate::policy::PolicyError;
    use crate::protos::common::{ChannelHeader, Header, Payload};
    use prost::Message;

    /// Admits exactly one identity.
    struct OnlyIdentity(Vec<u8>);

    impl Policy for OnlyIdentity {
        fn evaluate(&self, signed: &[SignedData]) -> Result<(), PolicyError> {
            if signed.iter().any(|s| s.identity == self.0) {
                Ok(())
            } else {
                Err(PolicyError::Unsatisfied)
            }
        }
    }

    fn envelope(kind: HeaderType, seconds: i64, creator: &[u8], op: &AdminOperation) -> Envelope {
        let chdr = ChannelHeader {
            r#type: kind as i32,
            timestamp: Some(prost_types::Timestamp { seconds, nanos: 0 }),
            ..Default::default()
        };
        let shdr = crate::protoutil::make_signature_header(creator.to_vec(), vec![1; 24]);
        let payload = Payload {
            header: Some(Header {
                channel_header: chdr.encode_to_vec(),
                signature_header: shdr.encode_to_vec(),
            }),
            data: op.encode_to_vec(),
        };
        Envelope {
            payload: payload.encode_to_vec(),
            signature: vec![9],
        }
    }

    fn now_secs() -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    }

    fn server() -> AdminServer {
        let config =
            LoggingConfig::from_lookup(|k| (k == "FABRIC_LOGGING_SPEC").then(|| "info".into()));
        let logging = Logging::new(&config, Box::new(std::io::sink())).unwrap();
        AdminServer::new(Arc::new(OnlyIdentity(b"admin".to_vec())), logging)
    }

    fn level_op(module: &str, level: &str) -> AdminOperation {
        AdminOperation {
            content: Some(admin_operation::Content::LogReq(LogLevelRequest {
                log_module: module.into(),
                log_level: level.into(),
            })),
        }
    }

    #[test]
    fn admin_gets_status_others_are_denied() {
        let s = server();
        let ok = envelope(
            HeaderType::PeerAdminOperation,
            now_secs(),
            b"admin",
            &AdminOperation::default(),
        );
        assert_eq!(
            s.get_status(&ok, "t").unwrap().status,
            StatusCode::Started as i32
        );
        let stranger = envelope(
            HeaderType::PeerAdminOperation,
            now_secs(),
            b"member",
            &AdminOperation::default(),
        );
        assert_eq!(
            s.get_status(&stranger, "t").unwrap_err(),
            AdminError::AccessDenied
        );
    }

    #[test]
    fn wrong_type_stale_time_and_garbage_are_refused() {
        let s = server();
        let op = AdminOperation::default();
        let wrong = envelope(HeaderType::Config, now_secs(), b"admin", &op);
        assert_eq!(
            s.get_status(&wrong, "t").unwrap_err().to_string(),
            "bad request: invalid type CONFIG, expected PEER_ADMIN_OPERATION"
        );
        let stale = envelope(
            HeaderType::PeerAdminOperation,
            now_secs() - 16 * 60,
            b"admin",
            &op,
        );
        assert_eq!(
            s.get_status(&stale, "t").unwrap_err(),
            AdminError::AccessDenied
        );
        let future = envelope(
            HeaderType::PeerAdminOperation,
            now_secs() + 16 * 60,
            b"admin",
            &op,
        );
        assert_eq!(
            s.get_status(&future, "t").unwrap_err(),
            AdminError::AccessDenied
        );
        let garbage = Envelope {
            payload: vec![0xff, 0xff],
            signature: vec![],
        };
        assert!(matches!(
            s.get_status(&garbage, "t"),
            Err(AdminError::BadRequest(_))
        ));
    }

    #[test]
    fn log_levels_change_live_and_revert() {
        let s = server();
        let set = envelope(
            HeaderType::PeerAdminOperation,
            now_secs(),
            b"admin",
            &level_op("gossip", "debug"),
        );
        let r = s.set_module_log_level(&set, "t").unwrap();
        assert_eq!(
            (r.log_module.as_str(), r.log_level.as_str()),
            ("gossip", "DEBUG")
        );
        let get = envelope(
            HeaderType::PeerAdminOperation,
            now_secs(),
            b"admin",
            &level_op("gossip.comm", ""),
        );
        assert_eq!(
            s.get_module_log_level(&get, "t").unwrap().log_level,
            "DEBUG"
        );
        let bad = envelope(
            HeaderType::PeerAdminOperation,
            now_secs(),
            b"admin",
            &level_op("gossip", "chatty"),
        );
        assert!(matches!(
            s.set_module_log_level(&bad, "t"),
            Err(AdminError::InvalidSpec { .. })
        ));
        let plain = envelope(
            HeaderType::PeerAdminOperation,
            now_secs(),
            b"admin",
            &AdminOperation::default(),
        );
        assert!(s
            .get_log_spec(&plain, "t")
            .unwrap()
            .log_spec
            .contains("gossip=debug"));
        s.revert_log_levels(&plain, "t").unwrap();
        assert_eq!(s.get_log_spec(&plain, "t").unwrap().log_spec, "info");
        assert_eq!(
            s.get_module_log_level(&plain, "t").unwrap_err(),
            AdminError::NilRequest
        );
    }

    #[test]
    fn set_log_spec_reports_a_bad_spec_in_the_response() {
        let s = server();
        let op = AdminOperation {
            content: Some(admin_operation::Content::LogSpecReq(
                crate::protos::protos::LogSpecRequest {
                    log_spec: "nonsense=loud".into(),
                },
            )),
        };
        let env = envelope(HeaderType::PeerAdminOperation, now_secs(), b"admin", &op);
        let r = s.set_log_spec(&env, "t").unwrap();
        assert!(!r.error.is_empty());
        assert_eq!(r.log_spec, "nonsense=loud");
    }
}
