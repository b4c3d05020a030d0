//! A network made only by our own binaries, no vectors: `cryptogen generate` makes an
//! orderer org and two peer orgs, `configtxgen` makes the system channel genesis block
//! (solo) and channel creation transactions from a configtx.yaml pointing at that material,
//! `orderer` serves on loopback; channels are created by Broadcast of a creation request
//! signed by an org admin, transactions are cut by count and by timeout, and after a
//! restart the very same blocks are delivered again. Bad inputs: a creation for a
//! consortium the system channel does not know, and Deliver by an identity outside the
//! channel.

use crate::support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use fabric::msp::SigningIdentity;
use fabric::protos::common::{Block, Status};
use fabric::protos::orderer::atomic_broadcast_client::AtomicBroadcastClient;
use fabric::protos::orderer::seek_info::SeekBehavior;
use fabric::protos::orderer::seek_position::Type as Seek;
use fabric::protos::orderer::{SeekNewest, SeekOldest};
use prost::Message;
use support::orderer::{
    at, broadcast, connect, deliver, msp_signer, seek, signed_update, spawn_orderer, tx, tx_count,
};
use tonic::transport::Channel;

const CRYPTO_CONFIG: &str = "\
OrdererOrgs:
  - Name: Orderer
    Domain: example.com
    Specs:
      - Hostname: orderer
PeerOrgs:
  - Name: Org1
    Domain: org1.example.com
    EnableNodeOUs: true
    Template: {Count: 1}
    Users: {Count: 1}
  - Name: Org2
    Domain: org2.example.com
    EnableNodeOUs: true
    Template: {Count: 1}
    Users: {Count: 1}
";

const CONFIGTX: &str = r#"
Organizations:
  - &OrdererOrg
    Name: OrdererOrg
    ID: OrdererMSP
    MSPDir: crypto/ordererOrganizations/example.com/msp
    Policies:
      Readers: {Type: Signature, Rule: "OR('OrdererMSP.member')"}
      Writers: {Type: Signature, Rule: "OR('OrdererMSP.member')"}
      Admins: {Type: Signature, Rule: "OR('OrdererMSP.admin')"}
  - &Org1
    Name: Org1MSP
    ID: Org1MSP
    MSPDir: crypto/peerOrganizations/org1.example.com/msp
    Policies:
      Readers: {Type: Signature, Rule: "OR('Org1MSP.admin', 'Org1MSP.peer', 'Org1MSP.client')"}
      Writers: {Type: Signature, Rule: "OR('Org1MSP.admin', 'Org1MSP.client')"}
      Admins: {Type: Signature, Rule: "OR('Org1MSP.admin')"}
    AnchorPeers:
      - {Host: 127.0.0.1, Port: 7051}
  - &Org2
    Name: Org2MSP
    ID: Org2MSP
    MSPDir: crypto/peerOrganizations/org2.example.com/msp
    Policies:
      Readers: {Type: Signature, Rule: "OR('Org2MSP.admin', 'Org2MSP.peer', 'Org2MSP.client')"}
      Writers: {Type: Signature, Rule: "OR('Org2MSP.admin', 'Org2MSP.client')"}
      Admins: {Type: Signature, Rule: "OR('Org2MSP.admin')"}
Capabilities:
  Channel: &ChannelCapabilities {V1_4_3: true}
  Orderer: &OrdererCapabilities {V1_4_2: true}
  Application: &ApplicationCapabilities {V1_4_2: true}
Application: &ApplicationDefaults
  Organizations:
  Policies:
    Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
    Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Admins: {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
  Capabilities:
    <<: *ApplicationCapabilities
Orderer: &OrdererDefaults
  OrdererType: solo
  Addresses: [127.0.0.1:7050]
  BatchTimeout: 1s
  BatchSize:
    MaxMessageCount: 10
    AbsoluteMaxBytes: 99 MB
    PreferredMaxBytes: 512 KB
  Organizations:
  Policies:
    Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
    Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Admins: {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
    BlockValidation: {Type: ImplicitMeta, Rule: "ANY Writers"}
Channel: &ChannelDefaults
  Policies:
    Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
    Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Admins: {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
  Capabilities:
    <<: *ChannelCapabilities
Profiles:
  SystemGenesis:
    <<: *ChannelDefaults
    Orderer:
      <<: *OrdererDefaults
      Organizations: [*OrdererOrg]
      Capabilities:
        <<: *OrdererCapabilities
    Consortiums:
      SampleConsortium:
        Organizations: [*Org1, *Org2]
  TwoOrgsChannel:
    <<: *ChannelDefaults
    Consortium: SampleConsortium
    Application:
      <<: *ApplicationDefaults
      Organizations: [*Org1, *Org2]
  Org1Channel:
    <<: *ChannelDefaults
    Consortium: SampleConsortium
    Application:
      <<: *ApplicationDefaults
      Organizations: [*Org1]
  UnknownConsortiumChannel:
    <<: *ChannelDefaults
    Consortium: NoSuchConsortium
    Application:
      <<: *ApplicationDefaults
      Organizations: [*Org1]
"#;

const SYSTEM: &str = "syschannel";

/// Runs one of our tool binaries in `dir`, failing the test with its stderr on failure.
fn run_tool(exe: &str, dir: &Path, args: &[&str]) {
    let out = Command::new(exe)
        .args(args)
        .current_dir(dir)
        .env_remove("FABRIC_CFG_PATH")
        .output()
        .unwrap_or_else(|e| panic!("run {exe}: {e}"));
    assert!(
        out.status.success(),
        "{exe} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// cryptogen material, the genesis block and three channel creation transactions in `dir`.
fn make_network(dir: &Path) {
    std::fs::write(dir.join("crypto-config.yaml"), CRYPTO_CONFIG).unwrap();
    run_tool(
        env!("CARGO_BIN_EXE_cryptogen"),
        dir,
        &["generate", "--config=crypto-config.yaml", "--output=crypto"],
    );
    std::fs::write(dir.join("configtx.yaml"), CONFIGTX).unwrap();
    let configtxgen = env!("CARGO_BIN_EXE_configtxgen");
    let path = dir.to_str().unwrap();
    run_tool(
        configtxgen,
        dir,
        &[
            "-configPath",
            path,
            "-profile",
            "SystemGenesis",
            "-channelID",
            SYSTEM,
            "-outputBlock",
            "genesis.block",
        ],
    );
    for (profile, channel) in [
        ("TwoOrgsChannel", "mychannel"),
        ("Org1Channel", "org1only"),
        ("UnknownConsortiumChannel", "lost"),
    ] {
        run_tool(
            configtxgen,
            dir,
            &[
                "-configPath",
                path,
                "-profile",
                profile,
                "-channelID",
                channel,
                "-outputCreateChannelTx",
                &format!("{channel}.tx"),
            ],
        );
    }
}

struct Identities {
    orderer_admin: std::sync::Arc<dyn SigningIdentity>,
    org1_admin: std::sync::Arc<dyn SigningIdentity>,
    org1_user: std::sync::Arc<dyn SigningIdentity>,
    org2_admin: std::sync::Arc<dyn SigningIdentity>,
}

fn identities(crypto: &Path) -> Identities {
    let user = |org: &str, name: &str, id: &str| {
        let dir = crypto.join(org).join("users").join(name).join("msp");
        msp_signer(&dir, id)
    };
    Identities {
        orderer_admin: user(
            "ordererOrganizations/example.com",
            "Admin@example.com",
            "OrdererMSP",
        ),
        org1_admin: user(
            "peerOrganizations/org1.example.com",
            "Admin@org1.example.com",
            "Org1MSP",
        ),
        org1_user: user(
            "peerOrganizations/org1.example.com",
            "User1@org1.example.com",
            "Org1MSP",
        ),
        org2_admin: user(
            "peerOrganizations/org2.example.com",
            "Admin@org2.example.com",
            "Org2MSP",
        ),
    }
}

fn newest() -> Seek {
    Seek::Newest(SeekNewest {})
}

fn oldest() -> Seek {
    Seek::Oldest(SeekOldest {})
}

/// Every block of `channel`, oldest to newest, as `who` may read them.
async fn all_blocks(
    c: &mut AtomicBroadcastClient<Channel>,
    who: &dyn SigningIdentity,
    channel: &str,
) -> Vec<Block> {
    let request = seek(
        who,
        channel,
        oldest(),
        newest(),
        SeekBehavior::FailIfNotReady,
    );
    let (blocks, status) = deliver(c, request).await;
    assert_eq!(status, Status::Success as i32, "deliver {channel}");
    blocks
}

/// Block `n` of `channel`, waiting for it to be written.
async fn block(
    c: &mut AtomicBroadcastClient<Channel>,
    who: &dyn SigningIdentity,
    channel: &str,
    n: u64,
) -> Block {
    let request = seek(who, channel, at(n), at(n), SeekBehavior::BlockUntilReady);
    let (mut blocks, status) = deliver(c, request).await;
    assert_eq!(
        status,
        Status::Success as i32,
        "deliver {channel} block {n}"
    );
    blocks.remove(0)
}

/// Broadcasts a channel creation request and, like `peer channel create`, asks for the new
/// channel's genesis block until the channel exists.
async fn create_channel(
    c: &mut AtomicBroadcastClient<Channel>,
    dir: &Path,
    channel: &str,
    admin: &dyn SigningIdentity,
) -> Block {
    let request = std::fs::read(dir.join(format!("{channel}.tx"))).unwrap();
    let reply = broadcast(c, vec![signed_update(&request, admin)]).await;
    assert_eq!(reply, vec![(Status::Success as i32, String::new())]);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let request = seek(admin, channel, at(0), at(0), SeekBehavior::BlockUntilReady);
        let (mut blocks, status) = deliver(c, request).await;
        if status == Status::Success as i32 {
            return blocks.remove(0);
        }
        assert_eq!(status, Status::NotFound as i32);
        assert!(
            Instant::now() < deadline,
            "channel {channel} never appeared"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn application_orgs(genesis: &Block) -> Vec<String> {
    let group = support::config_group(genesis);
    let app = group
        .groups
        .get("Application")
        .expect("an Application group");
    app.groups.keys().cloned().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cryptogen_configtxgen_and_orderer_make_a_working_network() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    make_network(dir);
    let crypto = dir.join("crypto");
    let ids = identities(&crypto);
    let orderer_msp =
        crypto.join("ordererOrganizations/example.com/orderers/orderer.example.com/msp");
    let ledger = dir.join("ledger");
    let start = || {
        spawn_orderer(
            &dir.join("genesis.block"),
            &orderer_msp,
            "OrdererMSP",
            &ledger,
        )
    };

    let mut orderer = start();
    let mut c = connect(&mut orderer).await;
    let sys_genesis = block(&mut c, ids.orderer_admin.as_ref(), SYSTEM, 0).await;
    assert_eq!(
        sys_genesis.encode_to_vec(),
        std::fs::read(dir.join("genesis.block")).unwrap()
    );

    let genesis = create_channel(&mut c, dir, "mychannel", ids.org1_admin.as_ref()).await;
    assert_eq!(application_orgs(&genesis), ["Org1MSP", "Org2MSP"]);
    assert!(genesis.header.as_ref().unwrap().previous_hash.is_empty());

    // Cut by count (MaxMessageCount 10), then by the 1 s BatchTimeout.
    let ok = |n| vec![(Status::Success as i32, String::new()); n];
    let envs = (0..10)
        .map(|i| tx(ids.org1_user.as_ref(), "mychannel", i))
        .collect();
    assert_eq!(broadcast(&mut c, envs).await, ok(10));
    let first = block(&mut c, ids.org1_user.as_ref(), "mychannel", 1).await;
    assert_eq!(tx_count(&first), 10);
    let sent = Instant::now();
    let envs = (10..13)
        .map(|i| tx(ids.org2_admin.as_ref(), "mychannel", i))
        .collect();
    assert_eq!(broadcast(&mut c, envs).await, ok(3));
    let second = block(&mut c, ids.org2_admin.as_ref(), "mychannel", 2).await;
    assert_eq!(tx_count(&second), 3);
    assert!(
        sent.elapsed() >= Duration::from_millis(900),
        "cut before the batch timeout"
    );

    bad_inputs(&mut c, dir, &ids).await;

    let before_sys = all_blocks(&mut c, ids.orderer_admin.as_ref(), SYSTEM).await;
    let before_app = all_blocks(&mut c, ids.org1_admin.as_ref(), "mychannel").await;
    assert_eq!(before_sys.len(), 3, "genesis and two channel creations");
    assert_eq!(before_app.len(), 3);

    // Restart on the same ledger: byte-equal blocks, and the chain goes on.
    drop(c);
    drop(orderer);
    let mut orderer = start();
    let mut c = connect(&mut orderer).await;
    let bytes =
        |blocks: &[Block]| -> Vec<Vec<u8>> { blocks.iter().map(|b| b.encode_to_vec()).collect() };
    let after_sys = all_blocks(&mut c, ids.orderer_admin.as_ref(), SYSTEM).await;
    let after_app = all_blocks(&mut c, ids.org1_admin.as_ref(), "mychannel").await;
    assert_eq!(bytes(&after_sys), bytes(&before_sys));
    assert_eq!(bytes(&after_app), bytes(&before_app));
    let envs = (0..10)
        .map(|i| tx(ids.org1_admin.as_ref(), "mychannel", 100 + i))
        .collect();
    assert_eq!(broadcast(&mut c, envs).await, ok(10));
    let next = block(&mut c, ids.org1_admin.as_ref(), "mychannel", 3).await;
    assert_eq!(tx_count(&next), 10);
    let header = next.header.as_ref().unwrap();
    assert_eq!(
        header.previous_hash,
        fabric::protoutil::block_header_hash(before_app[2].header.as_ref().unwrap())
    );
}

async fn bad_inputs(c: &mut AtomicBroadcastClient<Channel>, dir: &Path, ids: &Identities) {
    // A consortium the system channel does not define: Fabric's templator refuses it.
    let request = std::fs::read(dir.join("lost.tx")).unwrap();
    let reply = broadcast(c, vec![signed_update(&request, ids.org1_admin.as_ref())]).await;
    assert_eq!(
        reply,
        vec![(
            Status::BadRequest as i32,
            "Unknown consortium name: NoSuchConsortium".to_string()
        )]
    );
    let request = seek(
        ids.org1_admin.as_ref(),
        "lost",
        at(0),
        at(0),
        SeekBehavior::FailIfNotReady,
    );
    assert_eq!(deliver(c, request).await, (vec![], Status::NotFound as i32));

    // A channel of Org1 alone: Org2's admin may neither read nor write it.
    let genesis = create_channel(c, dir, "org1only", ids.org1_admin.as_ref()).await;
    assert_eq!(application_orgs(&genesis), ["Org1MSP"]);
    let request = seek(
        ids.org2_admin.as_ref(),
        "org1only",
        at(0),
        at(0),
        SeekBehavior::FailIfNotReady,
    );
    assert_eq!(
        deliver(c, request).await,
        (vec![], Status::Forbidden as i32)
    );
    let reply = broadcast(c, vec![tx(ids.org2_admin.as_ref(), "org1only", 1)]).await;
    assert_eq!(reply[0].0, Status::Forbidden as i32, "{reply:?}");
    // Nor may a peer org's admin read the system channel.
    let request = seek(
        ids.org2_admin.as_ref(),
        SYSTEM,
        at(0),
        at(0),
        SeekBehavior::FailIfNotReady,
    );
    assert_eq!(
        deliver(c, request).await,
        (vec![], Status::Forbidden as i32)
    );
}
