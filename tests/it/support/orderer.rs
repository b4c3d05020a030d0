//! Driving a spawned `orderer` binary over gRPC on loopback: start it on a genesis block
//! and an MSP, connect, Broadcast envelopes, Deliver blocks.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fabric::crypto::SwOpts;
use fabric::msp::{load_local_msp, SigningIdentity};
use fabric::protos::common::{Block, ConfigUpdateEnvelope, Envelope, HeaderType, LastConfig};
use fabric::protos::orderer::atomic_broadcast_client::AtomicBroadcastClient;
use fabric::protos::orderer::seek_info::SeekBehavior;
use fabric::protos::orderer::seek_position::Type as Seek;
use fabric::protos::orderer::{deliver_response, SeekInfo, SeekPosition, SeekSpecified};
use fabric::protoutil::{channel_header, create_signed_envelope, decode, payload};
use tonic::transport::Channel;

/// A running orderer; killed when dropped, however the test ends.
pub struct OrdererProcess {
    pub child: Child,
    /// `http://127.0.0.1:<port>`
    pub addr: String,
    /// The operations endpoint, `127.0.0.1:<port>`.
    pub operations: String,
}

impl Drop for OrdererProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Spawns `orderer start` from sampleconfig's orderer.yaml, bootstrapped from `genesis`
/// (GenesisMethod file) with the local MSP `msp_dir`/`msp_id`, its ledger in `ledger`.
pub fn spawn_orderer(
    genesis: &Path,
    msp_dir: &Path,
    msp_id: &str,
    ledger: &Path,
) -> OrdererProcess {
    spawn_orderer_with(genesis, msp_dir, msp_id, ledger, free_port(), &[])
}

/// [`spawn_orderer`] listening on `port`, with `extra` environment variables set first (so
/// TLS settings, say, can be added; the listen, MSP and ledger settings here win).
pub fn spawn_orderer_with(
    genesis: &Path,
    msp_dir: &Path,
    msp_id: &str,
    ledger: &Path,
    port: u16,
    extra: &[(&str, PathBuf)],
) -> OrdererProcess {
    let operations = format!("127.0.0.1:{}", free_port());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let child = Command::new(env!("CARGO_BIN_EXE_orderer"))
        .arg("start")
        .env_clear()
        .envs(extra.iter().map(|(k, v)| (k.to_string(), v.clone())))
        .env("FABRIC_CFG_PATH", root.join("sampleconfig"))
        .env("FABRIC_LOGGING_SPEC", "warning")
        .env("ORDERER_GENERAL_LISTENADDRESS", "127.0.0.1")
        .env("ORDERER_GENERAL_LISTENPORT", port.to_string())
        .env("ORDERER_OPERATIONS_LISTENADDRESS", &operations)
        .env("ORDERER_GENERAL_GENESISMETHOD", "file")
        .env("ORDERER_GENERAL_GENESISFILE", genesis)
        .env("ORDERER_GENERAL_LOCALMSPDIR", msp_dir)
        .env("ORDERER_GENERAL_LOCALMSPID", msp_id)
        .env("ORDERER_FILELEDGER_LOCATION", ledger)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the orderer binary");
    OrdererProcess {
        child,
        addr: format!("http://127.0.0.1:{port}"),
        operations,
    }
}

/// The vectors' orderer organisation (crypto-config folder).
pub const VECTOR_ORDERER_ORG: &str = "network/crypto-config/ordererOrganizations/example.com";

/// [`spawn_orderer_with`] on the Fabric vectors' network: their genesis block (system
/// channel `syschannel`) and orderer.example.com's MSP.
pub fn spawn_vector_orderer(
    vectors: &Path,
    ledger: &Path,
    port: u16,
    extra: &[(&str, PathBuf)],
) -> OrdererProcess {
    spawn_orderer_with(
        &vectors.join("network/artifacts/genesis.block"),
        &vectors
            .join(VECTOR_ORDERER_ORG)
            .join("orderers/orderer.example.com/msp"),
        "OrdererMSP",
        ledger,
        port,
        extra,
    )
}

/// The orderer settings for mutual TLS with the server TLS folder `server_tls` (cryptogen's
/// `server.crt`, `server.key`, `ca.crt`), admitting clients whose certificates chain to
/// `client_ca`; pass as `extra` to [`spawn_orderer_with`].
pub fn mutual_tls_env(server_tls: &Path, client_ca: &Path) -> Vec<(&'static str, PathBuf)> {
    vec![
        ("ORDERER_GENERAL_TLS_ENABLED", PathBuf::from("true")),
        (
            "ORDERER_GENERAL_TLS_CERTIFICATE",
            server_tls.join("server.crt"),
        ),
        (
            "ORDERER_GENERAL_TLS_PRIVATEKEY",
            server_tls.join("server.key"),
        ),
        ("ORDERER_GENERAL_TLS_ROOTCAS", server_tls.join("ca.crt")),
        (
            "ORDERER_GENERAL_TLS_CLIENTAUTHREQUIRED",
            PathBuf::from("true"),
        ),
        ("ORDERER_GENERAL_TLS_CLIENTROOTCAS", client_ca.to_path_buf()),
    ]
}

/// The signing identity of user `name` of the vectors' organisation folder `org`
/// (e.g. `("…/org1.example.com", "Admin@org1.example.com", "Org1MSP")`).
pub fn vector_user(
    vectors: &Path,
    org: &str,
    name: &str,
    msp_id: &str,
) -> Arc<dyn SigningIdentity> {
    msp_signer(
        &vectors.join(org).join("users").join(name).join("msp"),
        msp_id,
    )
}

/// Connects to an orderer on the loopback `port` once it listens (up to 30 s); for an
/// orderer that may be restarting, where there is no one process to watch.
pub async fn connect_port(port: u16) -> AtomicBroadcastClient<Channel> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(c) = AtomicBroadcastClient::connect(format!("http://127.0.0.1:{port}")).await {
            return c.max_decoding_message_size(200 << 20);
        }
        assert!(Instant::now() < deadline, "the orderer did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Connects once the orderer listens (fails the test if it exits or takes over 30 s).
pub async fn connect(o: &mut OrdererProcess) -> AtomicBroadcastClient<Channel> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = o.child.try_wait().unwrap() {
            panic!("the orderer exited early: {status}");
        }
        if let Ok(c) = AtomicBroadcastClient::connect(o.addr.clone()).await {
            return c
                .max_decoding_message_size(200 << 20)
                .max_encoding_message_size(200 << 20);
        }
        assert!(
            Instant::now() < deadline,
            "the orderer did not start listening"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The signing identity of the MSP folder `msp_dir`.
pub fn msp_signer(msp_dir: &Path, msp_id: &str) -> Arc<dyn SigningIdentity> {
    load_local_msp(msp_dir, msp_id, &SwOpts::default())
        .unwrap_or_else(|e| panic!("load MSP {}: {e}", msp_dir.display()))
        .default_signing_identity()
        .unwrap()
}

/// A small signed ENDORSER_TRANSACTION envelope; `i` makes each one distinct.
pub fn tx(signer: &dyn SigningIdentity, channel: &str, i: u64) -> Envelope {
    create_signed_envelope(
        HeaderType::EndorserTransaction,
        channel,
        Some(signer),
        &LastConfig { index: i },
        0,
        0,
        vec![],
    )
    .unwrap()
}

/// Broadcasts `envs` on one stream and returns each (status, info) answer.
pub async fn broadcast(
    c: &mut AtomicBroadcastClient<Channel>,
    envs: Vec<Envelope>,
) -> Vec<(i32, String)> {
    let n = envs.len();
    let mut stream = c
        .broadcast(tokio_stream::iter(envs))
        .await
        .unwrap()
        .into_inner();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let r = stream
            .message()
            .await
            .unwrap()
            .expect("a response per envelope");
        out.push((r.status, r.info));
    }
    out
}

/// Block `n` as a seek position.
pub fn at(n: u64) -> Seek {
    Seek::Specified(SeekSpecified { number: n })
}

/// A signed DELIVER_SEEK_INFO envelope for `start..=stop`.
pub fn seek(
    signer: &dyn SigningIdentity,
    channel: &str,
    start: Seek,
    stop: Seek,
    behavior: SeekBehavior,
) -> Envelope {
    let pos = |t| Some(SeekPosition { r#type: Some(t) });
    let info = SeekInfo {
        start: pos(start),
        stop: pos(stop),
        behavior: behavior as i32,
        error_response: 0,
    };
    create_signed_envelope(
        HeaderType::DeliverSeekInfo,
        channel,
        Some(signer),
        &info,
        0,
        0,
        vec![],
    )
    .unwrap()
}

/// Delivers for one seek request: the blocks received and the closing status.
pub async fn deliver(c: &mut AtomicBroadcastClient<Channel>, env: Envelope) -> (Vec<Block>, i32) {
    let mut stream = c
        .deliver(tokio_stream::iter(vec![env]))
        .await
        .unwrap()
        .into_inner();
    let mut blocks = Vec::new();
    loop {
        let r = tokio::time::timeout(Duration::from_secs(20), stream.message())
            .await
            .expect("deliver answered in time")
            .unwrap()
            .expect("a status ends the reply");
        match r.r#type.unwrap() {
            deliver_response::Type::Block(b) => blocks.push(b),
            deliver_response::Type::Status(s) => return (blocks, s),
        }
    }
}

/// configtxgen's unsigned config update envelope (`bytes`) signed by `signer` as
/// `peer channel create/update` does: a config signature, then the signed envelope.
pub fn signed_update(bytes: &[u8], signer: &dyn SigningIdentity) -> Envelope {
    let env: Envelope = decode("Envelope", bytes).unwrap();
    let p = payload(&env).unwrap();
    let channel = channel_header(&p).unwrap().channel_id;
    let mut update: ConfigUpdateEnvelope = decode("ConfigUpdateEnvelope", &p.data).unwrap();
    fabric::protoutil::sign_config_update(&mut update, signer).unwrap();
    create_signed_envelope(
        HeaderType::ConfigUpdate,
        &channel,
        Some(signer),
        &update,
        0,
        0,
        vec![],
    )
    .unwrap()
}

/// The number of transactions in a block.
pub fn tx_count(b: &Block) -> usize {
    b.data.as_ref().map_or(0, |d| d.data.len())
}
