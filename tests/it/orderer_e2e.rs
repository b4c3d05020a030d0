//! The real `orderer` binary on a loopback port, bootstrapped from Fabric's vector genesis
//! block (system channel `syschannel`, solo, batch of 10 or 2 s) with the vector orderer
//! MSP: envelopes broadcast over gRPC are cut into blocks by count and by timeout and
//! delivered back; bad inputs get Fabric's statuses while the orderer keeps serving; after
//! a restart the same blocks are delivered again and the chain continues.

use crate::support;

use support::orderer::{
    at, broadcast, connect, deliver, free_port, mutual_tls_env, seek, spawn_vector_orderer, tx,
    tx_count, vector_user, OrdererProcess, VECTOR_ORDERER_ORG,
};

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fabric::crypto::SwOpts;
use fabric::msp::{load_local_msp, SigningIdentity};
use fabric::protos::common::{Block, Envelope, HeaderType, LastConfig, Status};
use fabric::protos::orderer::atomic_broadcast_client::AtomicBroadcastClient;
use fabric::protos::orderer::seek_info::SeekBehavior;
use fabric::protos::orderer::seek_position::Type as Seek;
use fabric::protos::orderer::{SeekNewest, SeekOldest};
use fabric::protoutil::create_signed_envelope;
use tonic::transport::Channel;

const CHANNEL: &str = "syschannel";
const ORDERER_ORG: &str = VECTOR_ORDERER_ORG;
const ORG1: &str = "network/crypto-config/peerOrganizations/org1.example.com";

type Orderer = OrdererProcess;

fn start_orderer(vectors: &Path, ledger: &Path) -> Orderer {
    start_orderer_with(vectors, ledger, &[], "http")
}

/// The vector orderer with prometheus metrics, `extra` settings and `scheme` in its address.
fn start_orderer_with(
    vectors: &Path,
    ledger: &Path,
    extra: &[(&str, PathBuf)],
    scheme: &str,
) -> Orderer {
    let mut extra = extra.to_vec();
    extra.push(("ORDERER_METRICS_PROVIDER", PathBuf::from("prometheus")));
    let mut orderer = spawn_vector_orderer(vectors, ledger, free_port(), &extra);
    orderer.addr = orderer.addr.replacen("http", scheme, 1);
    orderer
}

fn ok(n: usize) -> Vec<(i32, String)> {
    vec![(Status::Success as i32, String::new()); n]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcast_deliver_bad_inputs_and_restart() {
    let v = support::vectors_dir();
    let ledger = tempfile::tempdir().unwrap();
    let admin = vector_user(&v, ORDERER_ORG, "Admin@example.com", "OrdererMSP");
    let org1 = vector_user(&v, ORG1, "Admin@org1.example.com", "Org1MSP");
    let mut orderer = start_orderer(&v, ledger.path());
    let mut c = connect(&mut orderer).await;

    // Cut by count: the genesis config's MaxMessageCount is 10.
    let envs: Vec<_> = (0..10).map(|i| tx(admin.as_ref(), CHANNEL, i)).collect();
    assert_eq!(broadcast(&mut c, envs).await, ok(10));
    let (blocks, status) = deliver(
        &mut c,
        seek(
            admin.as_ref(),
            CHANNEL,
            at(1),
            at(1),
            SeekBehavior::BlockUntilReady,
        ),
    )
    .await;
    assert_eq!(status, Status::Success as i32);
    assert_eq!(tx_count(&blocks[0]), 10);

    // Cut by timeout: 3 messages wait for the 2 s BatchTimeout.
    let envs: Vec<_> = (10..13).map(|i| tx(admin.as_ref(), CHANNEL, i)).collect();
    assert_eq!(broadcast(&mut c, envs).await, ok(3));
    let (blocks, status) = deliver(
        &mut c,
        seek(
            admin.as_ref(),
            CHANNEL,
            at(2),
            at(2),
            SeekBehavior::BlockUntilReady,
        ),
    )
    .await;
    assert_eq!(status, Status::Success as i32);
    assert_eq!(tx_count(&blocks[0]), 3);

    bad_inputs(&mut c, &admin, &org1).await;

    // Still serving after all that.
    assert_eq!(
        broadcast(&mut c, vec![tx(admin.as_ref(), CHANNEL, 99)]).await,
        ok(1)
    );
    let (before, status) = deliver(
        &mut c,
        seek(
            admin.as_ref(),
            CHANNEL,
            Seek::Oldest(SeekOldest {}),
            at(3),
            SeekBehavior::BlockUntilReady,
        ),
    )
    .await;
    assert_eq!(status, Status::Success as i32);
    assert_eq!(before.len(), 4);
    let genesis = std::fs::read(v.join("network/artifacts/genesis.block")).unwrap();
    assert_eq!(prost::Message::encode_to_vec(&before[0]), genesis);

    // Restart on the same ledger: the same blocks, and the chain goes on at block 4.
    drop(c);
    drop(orderer);
    let mut orderer = start_orderer(&v, ledger.path());
    let mut c = connect(&mut orderer).await;
    let (after, status) = deliver(
        &mut c,
        seek(
            admin.as_ref(),
            CHANNEL,
            Seek::Oldest(SeekOldest {}),
            Seek::Newest(SeekNewest {}),
            SeekBehavior::BlockUntilReady,
        ),
    )
    .await;
    assert_eq!(status, Status::Success as i32);
    assert_eq!(after, before);
    let envs: Vec<_> = (0..10)
        .map(|i| tx(admin.as_ref(), CHANNEL, 100 + i))
        .collect();
    assert_eq!(broadcast(&mut c, envs).await, ok(10));
    let (blocks, status) = deliver(
        &mut c,
        seek(
            admin.as_ref(),
            CHANNEL,
            at(4),
            at(4),
            SeekBehavior::BlockUntilReady,
        ),
    )
    .await;
    assert_eq!(status, Status::Success as i32);
    assert_eq!(blocks[0].header.as_ref().unwrap().number, 4);
}

async fn bad_inputs(
    c: &mut AtomicBroadcastClient<Channel>,
    admin: &Arc<dyn SigningIdentity>,
    org1: &Arc<dyn SigningIdentity>,
) {
    let mut unsigned = tx(admin.as_ref(), CHANNEL, 1);
    unsigned.signature.clear();
    let garbage = Envelope {
        payload: vec![0xff; 7],
        signature: vec![],
    };
    let config = create_signed_envelope(
        HeaderType::Config,
        CHANNEL,
        Some(admin.as_ref()),
        &LastConfig { index: 0 },
        0,
        0,
        vec![],
    )
    .unwrap();
    let mut huge = tx(admin.as_ref(), CHANNEL, 2);
    huge.signature = vec![0; 99 * 1024 * 1024];
    let replies = broadcast(
        c,
        vec![
            unsigned,
            tx(org1.as_ref(), CHANNEL, 3),
            tx(admin.as_ref(), "nochannel", 4),
            garbage,
            config,
            huge,
        ],
    )
    .await;
    let statuses: Vec<i32> = replies.iter().map(|r| r.0).collect();
    assert_eq!(
        statuses,
        vec![
            Status::Forbidden as i32,
            Status::Forbidden as i32,
            Status::NotFound as i32,
            Status::BadRequest as i32,
            Status::BadRequest as i32,
            Status::BadRequest as i32,
        ],
        "{replies:?}"
    );
    assert!(
        replies[0].1.ends_with(": permission denied"),
        "{}",
        replies[0].1
    );
    assert_eq!(replies[2].1, "channel does not exist");
    assert_eq!(
        replies[4].1,
        "message is of type that cannot be processed directly"
    );
    assert!(
        replies[5]
            .1
            .contains("exceeds maximum allowed 103809024 bytes"),
        "{}",
        replies[5].1
    );

    let (blocks, status) = deliver(
        c,
        seek(
            admin.as_ref(),
            "nochannel",
            at(0),
            at(0),
            SeekBehavior::BlockUntilReady,
        ),
    )
    .await;
    assert_eq!((blocks.len(), status), (0, Status::NotFound as i32));
    let (blocks, status) = deliver(
        c,
        seek(
            org1.as_ref(),
            CHANNEL,
            at(0),
            at(0),
            SeekBehavior::BlockUntilReady,
        ),
    )
    .await;
    assert_eq!((blocks.len(), status), (0, Status::Forbidden as i32));
    let (blocks, status) = deliver(
        c,
        seek(
            admin.as_ref(),
            CHANNEL,
            at(50),
            at(50),
            SeekBehavior::FailIfNotReady,
        ),
    )
    .await;
    assert_eq!((blocks.len(), status), (0, Status::NotFound as i32));
    let (blocks, status) = deliver(
        c,
        seek(
            admin.as_ref(),
            CHANNEL,
            at(2),
            at(1),
            SeekBehavior::BlockUntilReady,
        ),
    )
    .await;
    assert_eq!((blocks.len(), status), (0, Status::BadRequest as i32));
}

/// A configtxgen config update of the vectors signed by `signer` as `peer channel
/// create/update` does.
fn signed_update(vectors: &Path, name: &str, signer: &dyn SigningIdentity) -> Envelope {
    let bytes = std::fs::read(vectors.join("network/artifacts").join(name)).unwrap();
    support::orderer::signed_update(&bytes, signer)
}

/// The config carried by a config block (or the CONFIG inside an ORDERER_TRANSACTION).
fn block_config(block: &Block) -> fabric::protos::common::Config {
    use fabric::protoutil::{decode, envelope_from_block_data, payload};
    let env = envelope_from_block_data(&block.data.as_ref().unwrap().data[0]).unwrap();
    let ce: fabric::protos::common::ConfigEnvelope =
        decode("ConfigEnvelope", &payload(&env).unwrap().data).unwrap();
    ce.config.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_creation_anchor_update_and_transactions() {
    let v = support::vectors_dir();
    let ledger = tempfile::tempdir().unwrap();
    let admin = vector_user(&v, ORDERER_ORG, "Admin@example.com", "OrdererMSP");
    let org1 = vector_user(&v, ORG1, "Admin@org1.example.com", "Org1MSP");
    let mut orderer = start_orderer(&v, ledger.path());
    let mut c = connect(&mut orderer).await;

    // configtxgen's channel creation transaction, signed by Org1's admin.
    assert_eq!(
        broadcast(
            &mut c,
            vec![signed_update(&v, "mychannel.tx", org1.as_ref())]
        )
        .await,
        ok(1)
    );
    let newest = || Seek::Newest(SeekNewest {});
    // Like `peer channel create`, ask for block 0 until the channel exists: it is created
    // when the system channel writes the creation, just after SUCCESS is answered.
    let deadline = Instant::now() + Duration::from_secs(10);
    let (blocks, status) = loop {
        let (blocks, status) = deliver(
            &mut c,
            seek(
                org1.as_ref(),
                "mychannel",
                at(0),
                at(0),
                SeekBehavior::BlockUntilReady,
            ),
        )
        .await;
        if status != Status::NotFound as i32 || Instant::now() > deadline {
            break (blocks, status);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(status, Status::Success as i32);
    // The new channel's config is exactly the one Fabric's orderer made from the same request.
    let fabric_genesis = support::vector_block(&v, "ledger/mychannel/ordered", "mychannel", 0);
    assert_eq!(block_config(&blocks[0]), block_config(&fabric_genesis));
    assert_eq!(blocks[0].metadata, fabric_genesis.metadata);
    assert_eq!(
        blocks[0].header.as_ref().unwrap().previous_hash,
        Vec::<u8>::new()
    );
    // The system channel recorded the creation without moving its last config.
    let (sys, _) = deliver(
        &mut c,
        seek(
            admin.as_ref(),
            CHANNEL,
            at(1),
            newest(),
            SeekBehavior::FailIfNotReady,
        ),
    )
    .await;
    assert_eq!(
        fabric::orderer::blockwriter::last_config_index(&sys[0]).unwrap(),
        0
    );

    // An anchor peer update is a config block of its own and becomes the last config.
    assert_eq!(
        broadcast(
            &mut c,
            vec![signed_update(&v, "Org1MSPanchors.tx", org1.as_ref())]
        )
        .await,
        ok(1)
    );
    let (blocks, status) = deliver(
        &mut c,
        seek(
            org1.as_ref(),
            "mychannel",
            at(1),
            at(1),
            SeekBehavior::BlockUntilReady,
        ),
    )
    .await;
    assert_eq!(status, Status::Success as i32);
    assert_eq!(
        fabric::orderer::blockwriter::last_config_index(&blocks[0]).unwrap(),
        1
    );
    let fabric_update = support::vector_block(&v, "ledger/mychannel/ordered", "mychannel", 1);
    assert_eq!(block_config(&blocks[0]), block_config(&fabric_update));

    // Org1 may write to the application channel; the same request twice is stale.
    let envs: Vec<_> = (0..10).map(|i| tx(org1.as_ref(), "mychannel", i)).collect();
    assert_eq!(broadcast(&mut c, envs).await, ok(10));
    let (blocks, status) = deliver(
        &mut c,
        seek(
            org1.as_ref(),
            "mychannel",
            at(2),
            at(2),
            SeekBehavior::BlockUntilReady,
        ),
    )
    .await;
    assert_eq!(status, Status::Success as i32);
    assert_eq!(tx_count(&blocks[0]), 10);
    let again = broadcast(
        &mut c,
        vec![signed_update(&v, "mychannel.tx", org1.as_ref())],
    )
    .await;
    assert_eq!(again[0].0, Status::BadRequest as i32, "{again:?}");

    // A restart reopens both channels.
    drop(c);
    drop(orderer);
    let mut orderer = start_orderer(&v, ledger.path());
    let mut c = connect(&mut orderer).await;
    let (blocks, status) = deliver(
        &mut c,
        seek(
            org1.as_ref(),
            "mychannel",
            Seek::Oldest(SeekOldest {}),
            newest(),
            SeekBehavior::BlockUntilReady,
        ),
    )
    .await;
    assert_eq!(status, Status::Success as i32);
    assert_eq!(blocks.len(), 3);
}

async fn tls_client(
    o: &mut Orderer,
    ca: &Path,
    client: Option<(&Path, &Path)>,
) -> Result<AtomicBroadcastClient<Channel>, tonic::transport::Error> {
    use tonic::transport::{Certificate, ClientTlsConfig, Identity};
    let mut tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(std::fs::read(ca).unwrap()))
        .domain_name("orderer.example.com");
    if let Some((cert, key)) = client {
        tls = tls.identity(Identity::from_pem(
            std::fs::read(cert).unwrap(),
            std::fs::read(key).unwrap(),
        ));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = o.child.try_wait().unwrap() {
            panic!("the orderer exited early: {status}");
        }
        let endpoint = Channel::from_shared(o.addr.clone())
            .unwrap()
            .tls_config(tls.clone())?;
        match endpoint.connect().await {
            Ok(ch) => return Ok(AtomicBroadcastClient::new(ch)),
            Err(e) if Instant::now() > deadline => return Err(e),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_admits_only_clients_with_a_trusted_certificate() {
    let v = support::vectors_dir();
    let ledger = tempfile::tempdir().unwrap();
    let server_tls = v.join(ORDERER_ORG).join("orderers/orderer.example.com/tls");
    let client_tls = v.join(ORDERER_ORG).join("users/Admin@example.com/tls");
    let extra = mutual_tls_env(&server_tls, &client_tls.join("ca.crt"));
    let mut orderer = start_orderer_with(&v, ledger.path(), &extra, "https");
    let admin = vector_user(&v, ORDERER_ORG, "Admin@example.com", "OrdererMSP");
    let ca = server_tls.join("ca.crt");
    let mut c = tls_client(
        &mut orderer,
        &ca,
        Some((
            &client_tls.join("client.crt"),
            &client_tls.join("client.key"),
        )),
    )
    .await
    .expect("a client with a trusted certificate connects");
    assert_eq!(
        broadcast(&mut c, vec![tx(admin.as_ref(), CHANNEL, 1)]).await,
        ok(1)
    );

    // Without a client certificate the handshake (or the first call) fails.
    let refused = match tls_client(&mut orderer, &ca, None).await {
        Err(_) => true,
        Ok(mut anonymous) => anonymous
            .broadcast(tokio_stream::iter(vec![tx(admin.as_ref(), CHANNEL, 2)]))
            .await
            .is_err(),
    };
    assert!(refused, "a client without a certificate was served");
}

/// One HTTP/1.1 request to the operations endpoint: (status code, body).
fn http(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    let code = reply[9..12].parse().unwrap();
    let body = reply.split_once("\r\n\r\n").unwrap().1.to_string();
    (code, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operations_endpoint_serves_health_logspec_and_metrics() {
    let v = support::vectors_dir();
    let ledger = tempfile::tempdir().unwrap();
    let mut orderer = start_orderer(&v, ledger.path());
    let _client = connect(&mut orderer).await;
    let ops = orderer.operations.clone();
    let (code, body) = http(&ops, "GET", "/healthz", "");
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("\"status\":\"OK\""), "{body}");
    assert_eq!(
        http(&ops, "GET", "/logspec", "").1.trim(),
        "{\"spec\":\"warn\"}"
    );
    let (code, _) = http(
        &ops,
        "PUT",
        "/logspec",
        "{\"spec\":\"common.deliver=debug:info\"}",
    );
    assert_eq!(code, 204);
    assert_eq!(
        http(&ops, "GET", "/logspec", "").1.trim(),
        "{\"spec\":\"common.deliver=debug:info\"}"
    );
    let (code, body) = http(&ops, "GET", "/metrics", "");
    assert_eq!(code, 200);
    assert!(
        body.contains("fabric_version{version=\"1.4.12\"} 1"),
        "{body}"
    );
}

#[test]
fn orderer_version_and_bad_commands() {
    let out = Command::new(env!("CARGO_BIN_EXE_orderer"))
        .arg("version")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("orderer:\n Version: 1.4.12\n"), "{text}");
    assert!(text.contains(" OS/Arch: "), "{text}");
    let out = Command::new(env!("CARGO_BIN_EXE_orderer"))
        .arg("nonsense")
        .output()
        .unwrap();
    assert!(!out.status.success());
    // A start without a usable config says what is wrong in one line and exits non-zero.
    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_orderer"))
        .arg("start")
        .env_clear()
        .env("FABRIC_CFG_PATH", empty.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("could not find orderer.yaml"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

/// With nothing but sampleconfig (GenesisMethod provisional, profile SampleInsecureSolo,
/// the SampleOrg MSP), the orderer makes its own genesis block and serves SampleOrg.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sample_config_starts_with_a_provisional_genesis_block() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ledger = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_orderer"))
        .env_clear()
        .env("FABRIC_CFG_PATH", root.join("sampleconfig"))
        .env("FABRIC_LOGGING_SPEC", "warning")
        .env("ORDERER_GENERAL_LISTENPORT", port.to_string())
        .env(
            "ORDERER_OPERATIONS_LISTENADDRESS",
            format!("127.0.0.1:{}", free_port()),
        )
        .env("ORDERER_FILELEDGER_LOCATION", ledger.path())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut orderer = Orderer {
        child,
        addr: format!("http://127.0.0.1:{port}"),
        operations: String::new(),
    };
    let mut c = connect(&mut orderer).await;
    let sample = load_local_msp(
        &root.join("sampleconfig/msp"),
        "SampleOrg",
        &SwOpts::default(),
    )
    .unwrap()
    .default_signing_identity()
    .unwrap();
    let (blocks, status) = deliver(
        &mut c,
        seek(
            sample.as_ref(),
            "testchainid",
            at(0),
            at(0),
            SeekBehavior::FailIfNotReady,
        ),
    )
    .await;
    assert_eq!(status, Status::Success as i32);
    assert_eq!(blocks[0].header.as_ref().unwrap().number, 0);
    assert_eq!(
        broadcast(&mut c, vec![tx(sample.as_ref(), "testchainid", 7)]).await,
        ok(1)
    );
    let (blocks, status) = deliver(
        &mut c,
        seek(
            sample.as_ref(),
            "testchainid",
            at(1),
            at(1),
            SeekBehavior::BlockUntilReady,
        ),
    )
    .await;
    assert_eq!(status, Status::Success as i32);
    assert_eq!(tx_count(&blocks[0]), 1);
}
