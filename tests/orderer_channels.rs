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
        let reply = handler.process_message(&create_request("ch1", signer.as_ref()), "test");
        assert_eq!(reply.status, Status::Success as i32, "{}", reply.info);
        wait_for_channel(&r, "ch1").await;
        // Fabric refuses once the channels already there (system channel included) exceed
        // MaxCount: with MaxCount 1, ch1 is created (1 channel existed), ch2 is not.
        let reply = handler.process_message(&create_request("ch2", signer.as_ref()), "test");
        assert_eq!(reply.status, Status::BadRequest as i32);
        assert_eq!(
            reply.info,
            "channel creation would exceed maximimum number of channels: 1"
        );
        r.halt();
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
        let reply = handler.process_message(&create_request(ch, signer.as_ref()), "test");
        assert_eq!(reply.status, Status::Success as i32, "{}", reply.info);
        wait_for_channel(&r, ch).await;
    }
    r.halt();
}
