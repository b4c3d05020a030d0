//! Channels in process, from the sample configuration only (no vectors): a system channel
//! made by our configtxgen encoder, channel creation through the Broadcast handler, the
//! Orderer/ChannelRestrictions MaxCount limit, and the registrar reopening every channel.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fabric::config::Environment;
use fabric::crypto::SwOpts;
use fabric::msp::{load_local_msp, SigningIdentity};
use fabric::orderer::broadcast::BroadcastHandler;
use fabric::orderer::consensus::solo::SoloConsenter;
use fabric::orderer::ledger::FileLedgerFactory;
use fabric::orderer::multichannel::Registrar;
use fabric::protos::common::{ConfigUpdateEnvelope, Envelope, HeaderType, Status};
use fabric::protoutil::{create_signed_envelope, decode, payload, sign_config_update};
use fabric::tools::configtxgen::encoder::{
    genesis_block, make_channel_creation_transaction, new_channel_group,
};
use fabric::tools::configtxgen::localconfig::load_profile;

fn sampleconfig() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sampleconfig")
}

fn sample_signer() -> Arc<dyn SigningIdentity> {
    load_local_msp(&sampleconfig().join("msp"), "SampleOrg", &SwOpts::default())
        .unwrap()
        .default_signing_identity()
        .unwrap()
}

/// A channel creation request for `channel`, signed by `signer` as `peer channel create`.
fn create_request(channel: &str, signer: &dyn SigningIdentity) -> Envelope {
    let env = Environment::new(Vec::<(String, String)>::new(), "/");
    let profile = load_profile("SampleSingleMSPChannel", Some(&sampleconfig()), &env).unwrap();
    let unsigned = make_channel_creation_transaction(channel, &profile).unwrap();
    let mut update: ConfigUpdateEnvelope =
        decode("ConfigUpdateEnvelope", &payload(&unsigned).unwrap().data).unwrap();
    sign_config_update(&mut update, signer).unwrap();
    create_signed_envelope(
        HeaderType::ConfigUpdate,
        channel,
        Some(signer),
        &update,
        0,
        0,
        vec![],
    )
    .unwrap()
}

fn registrar(ledger: &Path, max_channels: u64) -> Arc<Registrar> {
    let env = Environment::new(Vec::<(String, String)>::new(), "/");
    let mut profile = load_profile("SampleInsecureSolo", Some(&sampleconfig()), &env).unwrap();
    profile.orderer.as_mut().unwrap().max_channels = max_channels;
    let genesis = genesis_block("syschannel", new_channel_group(&profile).unwrap());
    let r = Arc::new(Registrar::new(
        FileLedgerFactory::new(ledger).unwrap(),
        sample_signer(),
        Arc::new(SoloConsenter),
    ));
    r.initialize(Some(&genesis)).unwrap();
    r
}

async fn wait_for_channel(r: &Registrar, channel: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while r.get_chain(channel).is_none() {
        assert!(
            Instant::now() < deadline,
            "channel {channel} was not created"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn channels_are_created_up_to_the_limit_and_reopened() {
    let dir = tempfile::tempdir().unwrap();
    let signer = sample_signer();
    {
        let r = registrar(dir.path(), 1);
        let handler = BroadcastHandler::new(r.clone());
        let reply = handler
            .process_message(create_request("ch1", signer.as_ref()), "test")
            .await;
        assert_eq!(reply.status, Status::Success as i32, "{}", reply.info);
        wait_for_channel(&r, "ch1").await;
        // Fabric refuses once the channels already there (system channel included) exceed
        // MaxCount: with MaxCount 1, ch1 is created (1 channel existed), ch2 is not.
        let reply = handler
            .process_message(create_request("ch2", signer.as_ref()), "test")
            .await;
        assert_eq!(reply.status, Status::BadRequest as i32);
        assert_eq!(
            reply.info,
            "channel creation would exceed maximimum number of channels: 1"
        );
        r.halt();
        assert!(
            r.halted(Duration::from_secs(10)).await,
            "the chains stopped"
        );
    }
    let r = registrar(dir.path(), 1);
    assert_eq!(r.channel_ids(), vec!["ch1", "syschannel"]);
    assert_eq!(r.system_channel_id().as_deref(), Some("syschannel"));
    assert_eq!(r.get_chain("ch1").unwrap().ledger().height(), 1);
    r.halt();
}

#[tokio::test]
async fn without_a_limit_many_channels_are_created() {
    let dir = tempfile::tempdir().unwrap();
    let signer = sample_signer();
    let r = registrar(dir.path(), 0);
    let handler = BroadcastHandler::new(r.clone());
    for ch in ["a1", "a2", "a3"] {
        let reply = handler
            .process_message(create_request(ch, signer.as_ref()), "test")
            .await;
        assert_eq!(reply.status, Status::Success as i32, "{}", reply.info);
        wait_for_channel(&r, ch).await;
    }
    r.halt();
}

/// A system channel config update, signed by the sample admin, that sets the orderer's
/// BatchTimeout to `timeout` (one more config sequence).
fn batch_timeout_update(r: &Registrar, timeout: &str, signer: &dyn SigningIdentity) -> Envelope {
    use fabric::protos::orderer::BatchTimeout;
    use prost::Message;
    let system = r.get_chain("syschannel").unwrap().bundle();
    let original = system.config_proto().clone();
    let mut updated = original.clone();
    let orderer = updated
        .channel_group
        .as_mut()
        .unwrap()
        .groups
        .get_mut("Orderer")
        .unwrap();
    orderer.values.get_mut("BatchTimeout").unwrap().value = BatchTimeout {
        timeout: timeout.into(),
    }
    .encode_to_vec();
    let update =
        fabric::tools::configtxlator::compute_update("syschannel", &original, &updated).unwrap();
    let mut envelope = ConfigUpdateEnvelope {
        config_update: fabric::protoutil::marshal("common.ConfigUpdate", &update),
        signatures: vec![],
    };
    sign_config_update(&mut envelope, signer).unwrap();
    create_signed_envelope(
        HeaderType::ConfigUpdate,
        "syschannel",
        Some(signer),
        &envelope,
        0,
        0,
        vec![],
    )
    .unwrap()
}

/// Fabric's solo chain re-validates a config message ordered under an older config
/// sequence. A channel creation checked at sequence 0 that reaches the chain after a system
/// channel config update (sequence 1) is re-run through the channel creation path and the
/// channel is created, not dropped.
#[tokio::test]
async fn a_channel_creation_validated_before_a_config_change_is_reprocessed() {
    let dir = tempfile::tempdir().unwrap();
    let signer = sample_signer();
    let r = registrar(dir.path(), 0);
    let system = r.get_chain("syschannel").unwrap();
    let (creation, seq) = system
        .process_config_update(&create_request("late", signer.as_ref()))
        .unwrap();
    assert_eq!(seq, 0);
    // Another update of the same value, also checked at sequence 0: stale once the first
    // one is applied.
    let (stale, stale_seq) = system
        .process_config_update(&batch_timeout_update(&r, "4s", signer.as_ref()))
        .unwrap();
    assert_eq!(stale_seq, 0);

    let handler = BroadcastHandler::new(r.clone());
    let reply = handler
        .process_message(batch_timeout_update(&r, "3s", signer.as_ref()), "test")
        .await;
    assert_eq!(reply.status, Status::Success as i32, "{}", reply.info);
    let deadline = Instant::now() + Duration::from_secs(10);
    while system.bundle().sequence() == 0 {
        assert!(
            Instant::now() < deadline,
            "the config update was not applied"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The stale update (its write set at the old version) is re-validated and dropped; the
    // stale creation is re-validated and ordered. The chain takes them in this order.
    let chain = system.chain().unwrap();
    chain.configure(stale, stale_seq).await.unwrap();
    chain.configure(creation, seq).await.unwrap();
    wait_for_channel(&r, "late").await;
    let height = system.ledger().height();
    assert_eq!(
        height, 3,
        "genesis, the config update, the channel creation"
    );
    assert_eq!(system.bundle().sequence(), 1);
    let timeout = system.bundle().orderer_config().unwrap().batch_timeout();
    assert_eq!(timeout, Duration::from_secs(3));
    r.halt();
}
