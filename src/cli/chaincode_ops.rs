//! What the `peer chaincode` commands send and how they read the answers, as Fabric's
//! `peer/chaincode`: proposals (lscc install / deploy / upgrade / getinstalledchaincodes /
//! getchaincodes, or the user chaincode itself), endorsements from one or more peers, the
//! signed transaction broadcast to the orderer, and `--waitForEvent` through each peer's
//! DeliverFiltered stream.

use std::collections::BTreeMap;

use prost::Message;

use super::client::{connect, ClientSettings};
use super::rpc::{rpc_error, NodeConnection};
use super::{ordering, CliError};
use crate::chaincode::platforms::Language;
use crate::msp::SigningIdentity;
use crate::protos::common::{HeaderType, Status};
use crate::protos::protos::deliver_client::DeliverClient as PeerDeliverClient;
use crate::protos::protos::{
    deliver_response, ChaincodeDeploymentSpec, ChaincodeId, ChaincodeInfo, ChaincodeInput,
    ChaincodeInvocationSpec, ChaincodeQueryResponse, ChaincodeSpec, Proposal, ProposalResponse,
    SignedProposal, TxValidationCode,
};
use crate::protoutil::{create_chaincode_proposal, create_signed_tx, sign_proposal};
use crate::scc::lscc::CdsPackage;

/// The parsed `-c/--ctor` JSON: `Function` (if any) first, then every `Args` item as bytes.
pub fn ctor_args(ctor: &str) -> Result<Vec<Vec<u8>>, CliError> {
    let value: serde_json::Value = serde_json::from_str(ctor)
        .map_err(|e| CliError::usage(format!("chaincode argument error: {e}")))?;
    let map = value.as_object().ok_or_else(|| {
        CliError::usage("chaincode argument error: -c/--ctor must be a JSON object")
    })?;
    let field = |name: &str| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    };
    let mut args = Vec::new();
    if let Some(f) = field("function") {
        let f = f.as_str().ok_or_else(|| {
            CliError::usage("chaincode argument error: Function must be a string")
        })?;
        args.push(f.as_bytes().to_vec());
    }
    if let Some(list) = field("args") {
        let list = list
            .as_array()
            .ok_or_else(|| CliError::usage("chaincode argument error: Args must be a list"))?;
        for item in list {
            let s = item.as_str().ok_or_else(|| {
                CliError::usage("chaincode argument error: every Args item must be a string")
            })?;
            args.push(s.as_bytes().to_vec());
        }
    }
    Ok(args)
}

/// A chaincode spec as Fabric's `getChaincodeSpec` builds it; `-l` is case-insensitive
/// and our `rust` and `ccaas` languages are typed CAR (see [`crate::chaincode::platforms`]).
pub fn chaincode_spec(
    lang: &str,
    name: &str,
    version: &str,
    path: &str,
    args: Vec<Vec<u8>>,
) -> Result<ChaincodeSpec, CliError> {
    let language = Language::parse(lang).map_err(|e| CliError::usage(e.to_string()))?;
    Ok(ChaincodeSpec {
        r#type: language.spec_type() as i32,
        chaincode_id: Some(ChaincodeId {
            path: path.to_string(),
            name: name.to_string(),
            version: version.to_string(),
        }),
        input: Some(ChaincodeInput {
            args,
            ..Default::default()
        }),
        timeout: 0,
    })
}

/// Fabric's `getChaincodeDeploymentSpec` with a code package: the spec plus the package
/// its platform makes of the spec's path.
pub fn deployment_spec(
    command: &'static str,
    lang: &str,
    spec: ChaincodeSpec,
) -> Result<ChaincodeDeploymentSpec, CliError> {
    let language = Language::parse(lang).map_err(|e| CliError::usage(e.to_string()))?;
    let path = spec
        .chaincode_id
        .as_ref()
        .map(|id| id.path.clone())
        .unwrap_or_default();
    let code_package = language
        .deployment_payload(&path)
        .map_err(|e| CliError::Request {
            command,
            problem: format!("error getting chaincode package bytes: {e}"),
        })?;
    Ok(ChaincodeDeploymentSpec {
        chaincode_spec: Some(spec),
        code_package,
        ..Default::default()
    })
}

/// Writes a package file all at once (a temporary file in the same folder, then renamed),
/// with Fabric's mode 0700.
pub fn write_package_file(path: &std::path::Path, bytes: &[u8]) -> Result<(), CliError> {
    use std::os::unix::fs::OpenOptionsExt;
    let failed = |e: std::io::Error| CliError::WriteFile {
        what: "the chaincode package",
        path: path.to_path_buf(),
        reason: super::client::describe_io(&e),
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let file_name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o700)
        .open(&tmp)
        .and_then(|mut f| {
            std::io::Write::write_all(&mut f, bytes)?;
            f.sync_all()
        })
        .and_then(|_| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(failed(e));
    }
    Ok(())
}

/// A signed proposal invoking `cis` on `channel` (empty for peer-level calls).
pub fn signed_proposal(
    command: &'static str,
    channel: &str,
    cis: &ChaincodeInvocationSpec,
    transient: BTreeMap<String, Vec<u8>>,
    signer: &dyn SigningIdentity,
) -> Result<(Proposal, SignedProposal, String), CliError> {
    let proposal = create_chaincode_proposal(
        HeaderType::EndorserTransaction,
        channel,
        cis,
        signer.serialize(),
        transient,
    );
    let signed = sign_proposal(&proposal.proposal, signer).map_err(|e| CliError::Request {
        command,
        problem: format!("cannot sign the proposal: {e}"),
    })?;
    Ok((proposal.proposal, signed, proposal.tx_id))
}

/// The `--transient` JSON object of base64 values.
pub fn transient_map(json: Option<&str>) -> Result<BTreeMap<String, Vec<u8>>, CliError> {
    use base64::Engine as _;
    let Some(json) = json.filter(|j| !j.is_empty()) else {
        return Ok(BTreeMap::new());
    };
    let map: BTreeMap<String, String> = serde_json::from_str(json)
        .map_err(|e| CliError::usage(format!("error parsing transient string: {e}")))?;
    map.into_iter()
        .map(|(k, v)| {
            base64::engine::general_purpose::STANDARD
                .decode(v.as_bytes())
                .map(|b| (k.clone(), b))
                .map_err(|e| {
                    CliError::usage(format!("the --transient value of {k:?} is not base64: {e}"))
                })
        })
        .collect()
}

/// The response text Fabric prints with `%v`: `status:200 message:"..." payload:"..."`.
pub fn response_text(response: &ProposalResponse) -> String {
    match &response.response {
        None => "<nil>".into(),
        Some(r) => {
            let mut parts = vec![format!("status:{}", r.status)];
            if !r.message.is_empty() {
                parts.push(format!("message:{:?}", r.message));
            }
            if !r.payload.is_empty() {
                parts.push(format!("payload:{:?}", String::from_utf8_lossy(&r.payload)));
            }
            parts.join(" ") + " "
        }
    }
}

/// Sends the proposal to every peer; every answer must be endorsed with status 200.
pub fn endorse(
    command: &'static str,
    peers: &[ClientSettings],
    signed: &SignedProposal,
) -> Result<Vec<ProposalResponse>, CliError> {
    let mut responses = Vec::new();
    for target in peers {
        let connection = NodeConnection::open(target.clone())?;
        let response = connection.process_proposal(signed.clone())?;
        let status = response.response.as_ref().map_or(0, |r| r.status);
        if status != Status::Success as i32 || response.endorsement.is_none() {
            return Err(CliError::BadResponse {
                command,
                problem: format!(
                    "endorsement failure by the peer at {}: {}",
                    target.address,
                    response_text(&response)
                ),
            });
        }
        responses.push(response);
    }
    Ok(responses)
}

/// Assembles the transaction from the endorsements and broadcasts it.
pub fn submit(
    command: &'static str,
    orderer: &ClientSettings,
    proposal: &Proposal,
    responses: &[ProposalResponse],
    signer: &dyn SigningIdentity,
) -> Result<(), CliError> {
    let env = create_signed_tx(proposal, signer, responses).map_err(|e| CliError::Request {
        command,
        problem: format!("could not assemble transaction: {e}"),
    })?;
    super::rpc::runtime()?.block_on(ordering::broadcast(command, orderer, env))
}

/// Waits, on each peer's DeliverFiltered stream (from its newest block on), until the
/// transaction is committed; a commit with a code other than VALID is an error.
pub fn wait_for_event(
    command: &'static str,
    peers: &[ClientSettings],
    channel: &str,
    tx_id: &str,
    timeout: std::time::Duration,
    signer: &dyn SigningIdentity,
) -> Result<(), CliError> {
    let runtime = super::rpc::runtime()?;
    for target in peers {
        let hash = ordering::tls_cert_hash(target)?;
        let seek = ordering::seek_from_newest(command, channel, signer, hash)?;
        let wait = wait_on_peer(command, target, seek, tx_id);
        runtime
            .block_on(async { tokio::time::timeout(timeout, wait).await })
            .map_err(|_| CliError::BadResponse {
                command,
                problem: format!(
                    "timed out waiting for txid on all peers (the peer at {} did not report {tx_id} within {timeout:?})",
                    target.address
                ),
            })??;
    }
    Ok(())
}

async fn wait_on_peer(
    command: &'static str,
    target: &ClientSettings,
    seek: crate::protos::common::Envelope,
    tx_id: &str,
) -> Result<(), CliError> {
    let failed = |s: tonic::Status| rpc_error(target.kind, &target.address, &s);
    let channel = connect(target).await?;
    let mut stream = PeerDeliverClient::new(channel)
        .deliver_filtered(tokio_stream::iter(vec![seek]))
        .await
        .map_err(failed)?
        .into_inner();
    while let Some(reply) = stream.message().await.map_err(failed)? {
        match reply.r#type {
            Some(deliver_response::Type::FilteredBlock(block)) => {
                for tx in block.filtered_transactions {
                    if tx.txid != tx_id {
                        continue;
                    }
                    if tx.tx_validation_code == TxValidationCode::Valid as i32 {
                        tracing::info!(target: "chaincodeCmd", "txid [{tx_id}] committed with status (VALID) at {}", target.address);
                        return Ok(());
                    }
                    let code = TxValidationCode::try_from(tx.tx_validation_code)
                        .map(|c| c.as_str_name().to_string())
                        .unwrap_or_else(|_| tx.tx_validation_code.to_string());
                    return Err(CliError::BadResponse {
                        command,
                        problem: format!("transaction invalidated with status ({code})"),
                    });
                }
            }
            Some(deliver_response::Type::Status(code)) => {
                return Err(CliError::BadResponse {
                    command,
                    problem: format!(
                        "deliver completed with status ({}) before txid received",
                        Status::try_from(code)
                            .map(|s| s.as_str_name().to_string())
                            .unwrap_or_else(|_| code.to_string())
                    ),
                });
            }
            _ => {}
        }
    }
    Err(CliError::BadResponse {
        command,
        problem: "the peer closed the event stream before the transaction was committed".into(),
    })
}

/// A chaincode package file as `peer chaincode install` accepts it (Fabric's
/// `getPackageFromFile`): a marshalled `ChaincodeDeploymentSpec`, or a signed package
/// (CHAINCODE_PACKAGE envelope from `peer chaincode package -s`). Returns the bytes and
/// what they hold.
pub fn read_package(path: &std::path::Path) -> Result<(Vec<u8>, CdsPackage), CliError> {
    let bytes = std::fs::read(path).map_err(|e| CliError::ReadFile {
        what: "the chaincode package",
        path: path.to_path_buf(),
        reason: super::client::describe_io(&e),
    })?;
    let package = CdsPackage::from_bytes(&bytes).map_err(|e| CliError::Request {
        command: "peer chaincode install",
        problem: format!(
            "{} is not a chaincode package made by `peer chaincode package` ({e})",
            path.display()
        ),
    })?;
    Ok((bytes, package))
}

/// One chaincode as Fabric's `ccInfo.String()` prints it: non-empty fields as
/// `Name: value`, bytes in hex, joined by ", ".
pub fn chaincode_info_line(info: &ChaincodeInfo) -> String {
    let fields = [
        ("Name", info.name.clone()),
        ("Version", info.version.clone()),
        ("Path", info.path.clone()),
        ("Input", info.input.clone()),
        ("Escc", info.escc.clone()),
        ("Vscc", info.vscc.clone()),
        ("Id", hex::encode(&info.id)),
    ];
    fields
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The chaincodes of an lscc getinstalledchaincodes / getchaincodes answer.
pub fn chaincode_list(
    command: &'static str,
    response: &ProposalResponse,
) -> Result<Vec<ChaincodeInfo>, CliError> {
    let r = response
        .response
        .as_ref()
        .ok_or_else(|| CliError::BadResponse {
            command,
            problem: "Proposal response had nil 'response'".into(),
        })?;
    if r.status != Status::Success as i32 {
        return Err(CliError::BadResponse {
            command,
            problem: format!("Bad response: {} - {}", r.status, r.message),
        });
    }
    let answer = ChaincodeQueryResponse::decode(r.payload.as_slice()).map_err(|e| {
        CliError::BadResponse {
            command,
            problem: format!("cannot read the chaincode list: {e}"),
        }
    })?;
    Ok(answer.chaincodes)
}

/// How `peer chaincode query` prints a payload: `--raw` as Go prints a byte slice,
/// `--hex` as hex, otherwise as text.
pub fn query_output(payload: &[u8], raw: bool, hex_out: bool) -> String {
    if raw {
        let items: Vec<String> = payload.iter().map(u8::to_string).collect();
        format!("[{}]\n", items.join(" "))
    } else if hex_out {
        format!("{}\n", hex::encode(payload))
    } else {
        format!("{}\n", String::from_utf8_lossy(payload))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::protos::Response;

    #[test]
    fn ctor_becomes_function_then_args() {
        assert_eq!(
            ctor_args(r#"{"Function":"init","Args":["a","100"]}"#).unwrap(),
            vec![b"init".to_vec(), b"a".to_vec(), b"100".to_vec()]
        );
        assert_eq!(
            ctor_args(r#"{"args":["query","a"]}"#).unwrap(),
            vec![b"query".to_vec(), b"a".to_vec()]
        );
        assert!(ctor_args(r#"{"Args":[1]}"#).is_err());
    }

    #[test]
    fn list_lines_are_fabric_text() {
        let info = ChaincodeInfo {
            name: "mycc".into(),
            version: "1.0".into(),
            path: "github.com/cc".into(),
            escc: "escc".into(),
            vscc: "vscc".into(),
            id: vec![0xab, 0x01],
            ..Default::default()
        };
        assert_eq!(
            chaincode_info_line(&info),
            "Name: mycc, Version: 1.0, Path: github.com/cc, Escc: escc, Vscc: vscc, Id: ab01"
        );
    }

    #[test]
    fn query_output_forms() {
        assert_eq!(query_output(b"90", false, false), "90\n");
        assert_eq!(query_output(b"90", true, false), "[57 48]\n");
        assert_eq!(query_output(b"90", false, true), "3930\n");
    }

    #[test]
    fn bad_status_is_fabric_line() {
        let resp = ProposalResponse {
            response: Some(Response {
                status: 500,
                message: "no".into(),
                payload: vec![],
            }),
            ..Default::default()
        };
        assert_eq!(
            chaincode_list("peer chaincode list", &resp)
                .unwrap_err()
                .to_string(),
            "peer chaincode list: Bad response: 500 - no"
        );
        assert_eq!(response_text(&resp), "status:500 message:\"no\" ");
    }

    #[test]
    fn transient_values_are_base64() {
        let m = transient_map(Some(r#"{"k":"aGk="}"#)).unwrap();
        assert_eq!(m["k"], b"hi");
        assert!(transient_map(Some(r#"{"k":"%%"}"#)).is_err());
        assert!(transient_map(None).unwrap().is_empty());
    }
}

/// Fabric's `getCollectionConfigFromBytes`: a JSON array of collections (`name`, `policy`,
/// `requiredPeerCount`, `maxPeerCount`, `blockToLive`, `memberOnlyRead`; keys matched
/// case-insensitively as Go's encoding/json does) as a marshalled `CollectionConfigPackage`.
pub fn collection_config_package(json: &[u8]) -> Result<Vec<u8>, CliError> {
    use crate::protos::common::{
        collection_config, collection_policy_config, CollectionConfig, CollectionConfigPackage,
        CollectionPolicyConfig, StaticCollectionConfig,
    };
    let parse_err =
        |e: String| CliError::usage(format!("could not parse the collection configuration: {e}"));
    let items: Vec<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_slice(json).map_err(|e| parse_err(e.to_string()))?;
    let mut config = Vec::with_capacity(items.len());
    for item in &items {
        let field = |key: &str| {
            item.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v)
        };
        let text = |key: &str| -> Result<String, CliError> {
            match field(key) {
                None | Some(serde_json::Value::Null) => Ok(String::new()),
                Some(serde_json::Value::String(s)) => Ok(s.clone()),
                Some(v) => Err(parse_err(format!("{key} must be a string, not {v}"))),
            }
        };
        let int = |key: &str, max: u64| -> Result<u64, CliError> {
            match field(key) {
                None | Some(serde_json::Value::Null) => Ok(0),
                Some(v) => v.as_u64().filter(|n| *n <= max).ok_or_else(|| {
                    parse_err(format!("{key} must be a number from 0 to {max}, not {v}"))
                }),
            }
        };
        let policy_text = text("policy")?;
        let policy = crate::policy::from_string(&policy_text)
            .map_err(|e| CliError::usage(format!("invalid policy {policy_text}: {e}")))?;
        let member_only_read = match field("memberOnlyRead") {
            None | Some(serde_json::Value::Null) => false,
            Some(serde_json::Value::Bool(b)) => *b,
            Some(v) => {
                return Err(parse_err(format!(
                    "memberOnlyRead must be true or false, not {v}"
                )))
            }
        };
        config.push(CollectionConfig {
            payload: Some(collection_config::Payload::StaticCollectionConfig(
                StaticCollectionConfig {
                    name: text("name")?,
                    member_orgs_policy: Some(CollectionPolicyConfig {
                        payload: Some(collection_policy_config::Payload::SignaturePolicy(policy)),
                    }),
                    required_peer_count: int("requiredPeerCount", i32::MAX as u64)? as i32,
                    maximum_peer_count: int("maxPeerCount", i32::MAX as u64)? as i32,
                    block_to_live: int("blockToLive", u64::MAX)?,
                    member_only_read,
                },
            )),
        });
    }
    Ok(CollectionConfigPackage { config }.encode_to_vec())
}

#[cfg(test)]
mod collection_tests {
    use super::*;
    use crate::protos::common::{collection_config, CollectionConfigPackage};

    #[test]
    fn a_collections_file_becomes_fabrics_package() {
        let json =
            br#"[{"name":"collectionMarbles","policy":"OR('Org1MSP.member','Org2MSP.member')",
            "requiredPeerCount":0,"MaxPeerCount":3,"blockToLive":1000000,"memberOnlyRead":true}]"#;
        let bytes = collection_config_package(json).unwrap();
        let package = CollectionConfigPackage::decode(bytes.as_slice()).unwrap();
        let Some(collection_config::Payload::StaticCollectionConfig(c)) =
            &package.config[0].payload
        else {
            panic!("static collection config")
        };
        assert_eq!(
            (
                c.name.as_str(),
                c.maximum_peer_count,
                c.block_to_live,
                c.member_only_read
            ),
            ("collectionMarbles", 3, 1_000_000, true)
        );
    }

    #[test]
    fn bad_files_are_one_clear_line() {
        let err = collection_config_package(b"{}").unwrap_err().to_string();
        assert!(
            err.contains("could not parse the collection configuration"),
            "{err}"
        );
        let err = collection_config_package(br#"[{"name":"c","policy":"NOPE("}]"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("invalid policy NOPE("), "{err}");
        let err = collection_config_package(
            br#"[{"name":"c","policy":"OR('A.member')","maxPeerCount":-1}]"#,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("maxPeerCount"), "{err}");
    }
}
