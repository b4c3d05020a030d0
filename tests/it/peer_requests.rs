//! The first real client requests of the `peer` binary, each sent to an in-process fake peer
//! on 127.0.0.1 that checks what Fabric's peer checks before answering: the header type,
//! the transaction id, and the creator's signature (the creator deserialized and verified
//! through `fabric::msp` over the vector Org1 MSP). Also `peer channel signconfigtx` over
//! the vector channel creation transaction.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use fabric::msp::config::get_verifying_msp_config;
use fabric::msp::{Identity, IdentityDeserializer, MspVersion, X509Msp};
use fabric::protos::common::{
    BlockchainInfo, ConfigUpdateEnvelope, Envelope, Header, HeaderType, Payload,
};
use fabric::protos::protos::admin_server::{Admin, AdminServer};
use fabric::protos::protos::endorser_server::{Endorser, EndorserServer};
use fabric::protos::protos::{
    admin_operation, server_status::StatusCode, AdminOperation, ChaincodeInvocationSpec,
    ChaincodeProposalPayload, ChannelInfo, ChannelQueryResponse, LogLevelResponse, LogSpecResponse,
    Proposal, ProposalResponse, Response, ServerStatus, SignedProposal,
};
use fabric::protoutil::{channel_header, check_tx_id, payload, signature_header};
use prost::Message;
use tonic::{Request, Status};

const PEER: &str = env!("CARGO_BIN_EXE_peer");

fn org1_dir(vectors: &Path) -> PathBuf {
    vectors.join("network/crypto-config/peerOrganizations/org1.example.com")
}

/// A verifying (key-less) Org1 MSP, as a channel would hold it.
fn org1_msp(vectors: &Path) -> X509Msp {
    let conf = get_verifying_msp_config(&org1_dir(vectors).join("msp"), "Org1MSP").unwrap();
    X509Msp::new(&conf, MspVersion::V1_4_3, None).unwrap()
}

/// Deserializes `creator` with the Org1 MSP, validates it and checks `signature` over
/// `signed`; any failure is the status a real peer would answer with.
fn verify_creator(
    msp: &X509Msp,
    creator: &[u8],
    signed: &[u8],
    signature: &[u8],
) -> Result<Arc<dyn Identity>, Status> {
    let identity = msp
        .deserialize_identity(creator)
        .map_err(|e| Status::permission_denied(format!("bad creator: {e}")))?;
    identity
        .validate()
        .map_err(|e| Status::permission_denied(format!("invalid creator: {e}")))?;
    identity
        .verify(signed, signature)
        .map_err(|e| Status::permission_denied(format!("bad signature: {e}")))?;
    Ok(identity)
}

/// What the fake peer saw: one line per accepted request.
type Seen = Arc<Mutex<Vec<String>>>;

struct FakeAdmin {
    msp: X509Msp,
    seen: Seen,
}

impl FakeAdmin {
    /// Fabric's admin validation: a PEER_ADMIN_OPERATION envelope with a timestamp, no
    /// channel, signed by a valid identity; returns the operation.
    fn check(&self, name: &str, env: &Envelope) -> Result<AdminOperation, Status> {
        let payload = payload(env).map_err(|e| Status::invalid_argument(e.to_string()))?;
        let ch = channel_header(&payload).map_err(|e| Status::invalid_argument(e.to_string()))?;
        if ch.r#type != HeaderType::PeerAdminOperation as i32 {
            return Err(Status::invalid_argument(format!(
                "bad header type {}",
                ch.r#type
            )));
        }
        if ch.timestamp.is_none() || !ch.channel_id.is_empty() {
            return Err(Status::invalid_argument("bad channel header"));
        }
        let sh = signature_header(&payload).map_err(|e| Status::invalid_argument(e.to_string()))?;
        if sh.nonce.is_empty() {
            return Err(Status::invalid_argument("no nonce"));
        }
        verify_creator(&self.msp, &sh.creator, &env.payload, &env.signature)?;
        let op = AdminOperation::decode(payload.data.as_slice())
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        self.seen.lock().unwrap().push(format!("{name} {op:?}"));
        Ok(op)
    }
}

fn log_req(op: &AdminOperation) -> Result<(String, String), Status> {
    match &op.content {
        Some(admin_operation::Content::LogReq(r)) => {
            Ok((r.log_module.clone(), r.log_level.clone()))
        }
        _ => Err(Status::unknown("request is nil")),
    }
}

#[tonic::async_trait]
impl Admin for FakeAdmin {
    async fn get_status(
        &self,
        r: Request<Envelope>,
    ) -> Result<tonic::Response<ServerStatus>, Status> {
        self.check("GetStatus", r.get_ref())?;
        Ok(tonic::Response::new(ServerStatus {
            status: StatusCode::Started as i32,
        }))
    }
    async fn start_server(
        &self,
        r: Request<Envelope>,
    ) -> Result<tonic::Response<ServerStatus>, Status> {
        self.check("StartServer", r.get_ref())?;
        Err(Status::unimplemented("not used by the CLI"))
    }
    async fn get_module_log_level(
        &self,
        r: Request<Envelope>,
    ) -> Result<tonic::Response<LogLevelResponse>, Status> {
        let (module, _) = log_req(&self.check("GetModuleLogLevel", r.get_ref())?)?;
        Ok(tonic::Response::new(LogLevelResponse {
            log_module: module,
            log_level: "DEBUG".into(),
        }))
    }
    async fn set_module_log_level(
        &self,
        r: Request<Envelope>,
    ) -> Result<tonic::Response<LogLevelResponse>, Status> {
        let (module, level) = log_req(&self.check("SetModuleLogLevel", r.get_ref())?)?;
        Ok(tonic::Response::new(LogLevelResponse {
            log_module: module,
            log_level: level.to_uppercase(),
        }))
    }
    async fn revert_log_levels(&self, r: Request<Envelope>) -> Result<tonic::Response<()>, Status> {
        self.check("RevertLogLevels", r.get_ref())?;
        Ok(tonic::Response::new(()))
    }
    async fn get_log_spec(
        &self,
        r: Request<Envelope>,
    ) -> Result<tonic::Response<LogSpecResponse>, Status> {
        self.check("GetLogSpec", r.get_ref())?;
        Ok(tonic::Response::new(LogSpecResponse {
            log_spec: "gossip=warn:info".into(),
            error: String::new(),
        }))
    }
    async fn set_log_spec(
        &self,
        r: Request<Envelope>,
    ) -> Result<tonic::Response<LogSpecResponse>, Status> {
        let op = self.check("SetLogSpec", r.get_ref())?;
        let spec = match op.content {
            Some(admin_operation::Content::LogSpecReq(s)) => s.log_spec,
            _ => return Err(Status::unknown("request is nil")),
        };
        let error = if spec.contains("loud") {
            format!("invalid logging specification '{spec}': bad segment 'loud'")
        } else {
            String::new()
        };
        Ok(tonic::Response::new(LogSpecResponse {
            log_spec: spec,
            error,
        }))
    }
}

struct FakeEndorser {
    msp: X509Msp,
    seen: Seen,
}

fn answer(status: i32, message: &str, payload: Vec<u8>) -> ProposalResponse {
    ProposalResponse {
        version: 1,
        response: Some(Response {
            status,
            message: message.into(),
            payload,
        }),
        ..Default::default()
    }
}

impl FakeEndorser {
    /// The endorser's checks on a signed proposal; returns the invocation.
    fn check(&self, sp: &SignedProposal) -> Result<ChaincodeInvocationSpec, Status> {
        let bad = |e: String| Status::invalid_argument(e);
        let proposal =
            Proposal::decode(sp.proposal_bytes.as_slice()).map_err(|e| bad(e.to_string()))?;
        let header = Header::decode(proposal.header.as_slice()).map_err(|e| bad(e.to_string()))?;
        let as_payload = Payload {
            header: Some(header),
            data: vec![],
        };
        let ch = channel_header(&as_payload).map_err(|e| bad(e.to_string()))?;
        let sh = signature_header(&as_payload).map_err(|e| bad(e.to_string()))?;
        if ch.r#type != HeaderType::EndorserTransaction as i32 {
            return Err(bad(format!("bad header type {}", ch.r#type)));
        }
        check_tx_id(&ch.tx_id, &sh.nonce, &sh.creator).map_err(|e| bad(e.to_string()))?;
        verify_creator(&self.msp, &sh.creator, &sp.proposal_bytes, &sp.signature)?;
        let cpp = ChaincodeProposalPayload::decode(proposal.payload.as_slice())
            .map_err(|e| bad(e.to_string()))?;
        let cis = ChaincodeInvocationSpec::decode(cpp.input.as_slice())
            .map_err(|e| bad(e.to_string()))?;
        self.seen
            .lock()
            .unwrap()
            .push(format!("proposal {}", ch.tx_id));
        Ok(cis)
    }
}

#[tonic::async_trait]
impl Endorser for FakeEndorser {
    async fn process_proposal(
        &self,
        r: Request<SignedProposal>,
    ) -> Result<tonic::Response<ProposalResponse>, Status> {
        let cis = self.check(r.get_ref())?;
        let spec = cis.chaincode_spec.unwrap_or_default();
        let name = spec.chaincode_id.unwrap_or_default().name;
        let args = spec.input.unwrap_or_default().args;
        let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
        let resp = match (name.as_str(), args.as_slice()) {
            ("cscc", [b"GetChannels"]) => answer(
                200,
                "",
                ChannelQueryResponse {
                    channels: ["mychannel", "yourchannel"]
                        .iter()
                        .map(|c| ChannelInfo {
                            channel_id: (*c).into(),
                        })
                        .collect(),
                }
                .encode_to_vec(),
            ),
            ("qscc", [b"GetChainInfo", b"mychannel"]) => answer(
                200,
                "",
                BlockchainInfo {
                    height: 14,
                    current_block_hash: vec![1, 2, 3],
                    previous_block_hash: vec![0xff; 4],
                }
                .encode_to_vec(),
            ),
            ("qscc", [b"GetChainInfo", _]) => answer(
                500,
                "Failed to get block info with error chain not found",
                vec![],
            ),
            _ => answer(500, "unexpected invocation", vec![]),
        };
        Ok(tonic::Response::new(resp))
    }
}

/// Which service a fake peer serves (the CLI reaches both at peer.address; one test needs
/// only one of them).
#[derive(Clone, Copy)]
enum Service {
    Admin,
    Endorser,
}

/// A fake peer serving one service on 127.0.0.1; stopped when dropped.
struct FakePeer {
    address: String,
    seen: Seen,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl FakePeer {
    fn start(vectors: &Path, service: Service) -> FakePeer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let seen: Seen = Arc::default();
        let incoming = runtime
            .block_on(async {
                tonic::transport::server::TcpIncoming::bind("127.0.0.1:0".parse().unwrap())
            })
            .unwrap();
        let address = incoming.local_addr().unwrap().to_string();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let admin = FakeAdmin {
            msp: org1_msp(vectors),
            seen: seen.clone(),
        };
        let endorser = FakeEndorser {
            msp: org1_msp(vectors),
            seen: seen.clone(),
        };
        let server = tonic::transport::Server::builder();
        let shutdown = async {
            let _ = stopped.await;
        };
        runtime.spawn(async move {
            let served = match service {
                Service::Admin => {
                    server
                        .serve_with_incoming_shutdown(AdminServer::new(admin), incoming, shutdown)
                        .await
                }
                Service::Endorser => {
                    server
                        .serve_with_incoming_shutdown(
                            EndorserServer::new(endorser),
                            incoming,
                            shutdown,
                        )
                        .await
                }
            };
            served.expect("fake peer");
        });
        FakePeer {
            address,
            seen,
            stop: Some(stop),
            runtime: Some(runtime),
        }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for FakePeer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(std::time::Duration::from_secs(5));
        }
    }
}

/// A FABRIC_CFG_PATH folder: core.yaml pointing at `address` and a copy of Org1's admin MSP.
fn config_dir(vectors: &Path, address: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    support::copy_dir(
        &org1_dir(vectors).join("users/Admin@org1.example.com/msp"),
        &dir.path().join("msp"),
    );
    let yaml = format!(
        "peer:\n  address: {address}\n  mspConfigPath: msp\n  localMspId: Org1MSP\n  tls:\n    enabled: false\n"
    );
    std::fs::write(dir.path().join("core.yaml"), yaml).unwrap();
    dir
}

fn run_peer(cfg: &Path, args: &[&str]) -> Output {
    Command::new(PEER)
        .args(args)
        .env("FABRIC_CFG_PATH", cfg)
        .env_remove("CORE_PEER_ADDRESS")
        .env_remove("CORE_PEER_MSPCONFIGPATH")
        .env_remove("CORE_PEER_LOCALMSPID")
        .env_remove("FABRIC_LOGGING_FORMAT")
        .env("FABRIC_LOGGING_SPEC", "info")
        .output()
        .expect("run peer")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn node_status_asks_the_admin_service() {
    let v = support::vectors_dir();
    let fake = FakePeer::start(&v, Service::Admin);
    let cfg = config_dir(&v, &fake.address);
    let out = run_peer(cfg.path(), &["node", "status"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "status:STARTED \n");
    assert_eq!(fake.seen().len(), 1);
    assert!(fake.seen()[0].starts_with("GetStatus"), "{:?}", fake.seen());
}

#[test]
fn logging_commands_use_the_admin_rpcs() {
    let v = support::vectors_dir();
    let fake = FakePeer::start(&v, Service::Admin);
    let cfg = config_dir(&v, &fake.address);
    let cases: [(&[&str], &str, &str); 5] = [
        (
            &["logging", "getlevel", "gossip"],
            "GetModuleLogLevel",
            "Current log level for logger 'gossip': DEBUG",
        ),
        (
            &["logging", "setlevel", "gossip", "warning"],
            "SetModuleLogLevel",
            "Log level set for logger name/prefix 'gossip': WARNING",
        ),
        (
            &["logging", "revertlevels"],
            "RevertLogLevels",
            "Logging spec reverted to the peer's spec at startup.",
        ),
        (
            &["logging", "getlogspec"],
            "GetLogSpec",
            "Current logging spec: gossip=warn:info",
        ),
        (
            &["logging", "setlogspec", "msp=debug:info"],
            "SetLogSpec",
            "Current logging spec set to: msp=debug:info",
        ),
    ];
    for (i, (args, rpc, line)) in cases.iter().enumerate() {
        let out = run_peer(cfg.path(), args);
        let err = text(&out.stderr);
        assert!(out.status.success(), "{args:?}: {err}");
        assert!(
            err.contains("[cli.logging]") && err.contains(line),
            "{args:?}: {err}"
        );
        assert!(out.stdout.is_empty(), "{args:?} wrote to stdout");
        assert!(fake.seen()[i].starts_with(rpc), "{:?}", fake.seen());
    }
    assert!(fake.seen()[1].contains("\"warning\""), "{:?}", fake.seen());
    let out = run_peer(cfg.path(), &["logging", "setlogspec", "gossip=loud"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "Error: peer logging setlogspec: the peer rejected the spec: invalid logging \
         specification 'gossip=loud': bad segment 'loud'\n"
    );
}

#[test]
fn channel_list_sends_a_signed_cscc_proposal() {
    let v = support::vectors_dir();
    let fake = FakePeer::start(&v, Service::Endorser);
    let cfg = config_dir(&v, &fake.address);
    let out = run_peer(cfg.path(), &["channel", "list"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "Channels peers has joined: \nmychannel\nyourchannel\n"
    );
    assert_eq!(fake.seen().len(), 1, "{:?}", fake.seen());
}

#[test]
fn channel_getinfo_prints_fabric_json_or_the_bad_status() {
    let v = support::vectors_dir();
    let fake = FakePeer::start(&v, Service::Endorser);
    let cfg = config_dir(&v, &fake.address);
    let out = run_peer(cfg.path(), &["channel", "getinfo", "-c", "mychannel"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "Blockchain info: {\"height\":14,\"currentBlockHash\":\"AQID\",\"previousBlockHash\":\"/////w==\"}\n"
    );
    let out = run_peer(cfg.path(), &["channel", "getinfo", "-c", "nochannel"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "Error: peer channel getinfo: the peer answered with status 500: Failed to get block \
         info with error chain not found\n"
    );
}

#[test]
fn a_foreign_signer_is_refused_in_one_line() {
    let v = support::vectors_dir();
    let fake = FakePeer::start(&v, Service::Endorser);
    let cfg = tempfile::tempdir().unwrap();
    support::copy_dir(
        &v.join("network/crypto-config/peerOrganizations/org2.example.com/users/Admin@org2.example.com/msp"),
        &cfg.path().join("msp"),
    );
    let yaml = format!(
        "peer:\n  address: {}\n  mspConfigPath: msp\n  localMspId: Org2MSP\n",
        fake.address
    );
    std::fs::write(cfg.path().join("core.yaml"), yaml).unwrap();
    let out = run_peer(cfg.path(), &["channel", "list"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.starts_with(&format!(
            "Error: the peer at {} refused the request: bad creator: ",
            fake.address
        )) && err.ends_with("(gRPC code PermissionDenied)\n")
            && err.lines().count() == 1,
        "{err}"
    );
    assert!(fake.seen().is_empty());
}

#[test]
fn signconfigtx_adds_a_verifiable_signature() {
    let v = support::vectors_dir();
    let cfg = config_dir(&v, "127.0.0.1:7051");
    let tx = cfg.path().join("mychannel.tx");
    std::fs::copy(v.join("network/artifacts/mychannel.tx"), &tx).unwrap();
    let before = Envelope::decode(std::fs::read(&tx).unwrap().as_slice()).unwrap();
    let before_update =
        ConfigUpdateEnvelope::decode(payload(&before).unwrap().data.as_slice()).unwrap();

    let out = run_peer(
        cfg.path(),
        &["channel", "signconfigtx", "-f", tx.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));

    let msp = org1_msp(&v);
    let after = Envelope::decode(std::fs::read(&tx).unwrap().as_slice()).unwrap();
    let after_payload = payload(&after).unwrap();
    let ch = channel_header(&after_payload).unwrap();
    assert_eq!(ch.r#type, HeaderType::ConfigUpdate as i32);
    assert_eq!(ch.channel_id, "mychannel");
    let sh = signature_header(&after_payload).unwrap();
    verify_creator(&msp, &sh.creator, &after.payload, &after.signature)
        .expect("envelope signature");

    let update = ConfigUpdateEnvelope::decode(after_payload.data.as_slice()).unwrap();
    assert_eq!(update.config_update, before_update.config_update);
    assert_eq!(update.signatures.len(), before_update.signatures.len() + 1);
    assert_eq!(
        update.signatures[..before_update.signatures.len()],
        before_update.signatures[..]
    );
    let added = update.signatures.last().unwrap();
    let added_header =
        fabric::protos::common::SignatureHeader::decode(added.signature_header.as_slice()).unwrap();
    let mut signed = added.signature_header.clone();
    signed.extend_from_slice(&update.config_update);
    verify_creator(&msp, &added_header.creator, &signed, &added.signature)
        .expect("config signature");
    let mut tampered = signed.clone();
    *tampered.last_mut().unwrap() ^= 1;
    assert!(verify_creator(&msp, &added_header.creator, &tampered, &added.signature).is_err());

    // A block is not a config update: one clear line, file untouched.
    let block = cfg.path().join("genesis.block");
    std::fs::copy(v.join("network/artifacts/genesis.block"), &block).unwrap();
    let original = std::fs::read(&block).unwrap();
    let out = run_peer(
        cfg.path(),
        &["channel", "signconfigtx", "-f", block.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("Error: peer channel signconfigtx: ") && err.lines().count() == 1,
        "{err}"
    );
    assert_eq!(std::fs::read(&block).unwrap(), original);
}
