//! The state provider over in-memory peers (timeouts only bound "it happened").

use std::sync::Arc;
use std::time::Duration;

use super::testutil::*;
use super::*;

const BOUND: Duration = Duration::from_secs(20);

fn config() -> Configuration {
    Configuration {
        anti_entropy_interval: Duration::from_millis(50),
        response_timeout: Duration::from_millis(500),
        batch_size: 10,
        max_block_distance: 100,
        max_retries: 3,
        channel_buffer_size: 100,
        enable_state_transfer: true,
        metrics: None,
        verify_gossiped_blocks: true,
    }
}

fn start(
    hub: &Arc<Hub>,
    id: u8,
    ledger: &Arc<FakeLedger>,
    config: Configuration,
) -> GossipStateProvider {
    GossipStateProvider::start(
        CHANNEL,
        FakeGossip::join(hub, id),
        Arc::new(FakeMcs),
        ledger.clone(),
        config,
    )
    .unwrap()
}

fn numbers(ledger: &FakeLedger) -> Vec<u64> {
    ledger
        .blocks()
        .iter()
        .map(|b| b.header.as_ref().unwrap().number)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gossiped_blocks_are_committed_in_order_once_a_gap_is_filled() {
    let hub = Arc::new(Hub::default());
    let ledger = FakeLedger::with_height(1);
    let metrics = StateMetrics::new(&crate::operations::metrics::Metrics::new());
    let provider = start(
        &hub,
        2,
        &ledger,
        Configuration {
            enable_state_transfer: false,
            metrics: Some(metrics.clone()),
            ..config()
        },
    );
    assert_eq!(hub.published_height(2), Some(1));
    for n in [3, 2, 4] {
        hub.gossip(1, &data_message(&block(n, false)));
    }
    // Nothing can be committed before block 1; once it comes, 1..=4 go in order.
    hub.gossip(1, &data_message(&block(1, false)));
    ledger.wait_for_height(5, BOUND).await;
    assert_eq!(numbers(&ledger), vec![0, 1, 2, 3, 4]);
    tokio::time::timeout(BOUND, async {
        while hub.published_height(2) != Some(5) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the new height is published");
    assert_eq!(metrics.height.value(&[CHANNEL]), Some(5.0));
    assert_eq!(metrics.payload_buffer_size.value(&[CHANNEL]), Some(0.0));
    assert_eq!(metrics.commit_duration.count(&[CHANNEL]), Some(4));
    provider.stop(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_block_with_a_bad_signature_is_not_committed() {
    let hub = Arc::new(Hub::default());
    let ledger = FakeLedger::with_height(1);
    let provider = start(
        &hub,
        2,
        &ledger,
        Configuration {
            enable_state_transfer: false,
            ..config()
        },
    );
    // Data messages are handled in arrival order: the forged block 1 is refused first.
    hub.gossip(1, &data_message(&block(1, true)));
    hub.gossip(1, &data_message(&block(1, false)));
    hub.gossip(1, &data_message(&block(2, false)));
    ledger.wait_for_height(3, BOUND).await;
    let blocks = ledger.blocks();
    assert!(
        !blocks.iter().any(is_forged),
        "a forged block was committed"
    );
    assert_eq!(numbers(&ledger), vec![0, 1, 2]);
    provider.stop(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_verification_gossiped_blocks_are_taken_as_the_gossip_layer_checked_them() {
    let hub = Arc::new(Hub::default());
    let ledger = FakeLedger::with_height(1);
    let cfg = Configuration {
        enable_state_transfer: false,
        verify_gossiped_blocks: false,
        ..config()
    };
    let provider = start(&hub, 2, &ledger, cfg);
    // The fake crypto service would refuse it; with verification off it is not asked.
    hub.gossip(1, &data_message(&block(1, true)));
    ledger.wait_for_height(2, BOUND).await;
    assert!(is_forged(&ledger.blocks()[1]));
    provider.stop(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gossiped_blocks_too_far_ahead_are_dropped() {
    let hub = Arc::new(Hub::default());
    let ledger = FakeLedger::with_height(1);
    let cfg = Configuration {
        enable_state_transfer: false,
        max_block_distance: 5,
        ..config()
    };
    let provider = start(&hub, 2, &ledger, cfg);
    hub.gossip(1, &data_message(&block(6, false)));
    for n in 1..=5 {
        hub.gossip(1, &data_message(&block(n, false)));
    }
    ledger.wait_for_height(6, BOUND).await;
    // Block 6 was 5 ahead of height 1 when it came: dropped, so the ledger stops at 6.
    assert_eq!(provider.shared.payloads.size(), 0);
    assert_eq!(provider.shared.payloads.next(), 6);
    provider.stop(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_transfer_fetches_the_missing_range_in_batches() {
    let hub = Arc::new(Hub::default());
    let ahead = FakeLedger::with_height(26);
    let behind = FakeLedger::with_height(1);
    let a = start(
        &hub,
        1,
        &ahead,
        Configuration {
            enable_state_transfer: false,
            ..config()
        },
    );
    let b = start(&hub, 2, &behind, config());
    behind.wait_for_height(26, BOUND).await;
    assert_eq!(numbers(&behind), (0..26).collect::<Vec<u64>>());
    let requests = hub.requests();
    assert!(!requests.is_empty());
    for (from, start, end) in &requests {
        assert_eq!(*from, 2, "only the peer behind asks");
        assert!(
            end >= start && end - start <= 10,
            "request [{start}, {end}] exceeds the batch"
        );
    }
    // Every response stays within one batch (start..=start+10).
    for (from, m) in hub.sent.lock().unwrap().iter() {
        if let Some(Content::StateResponse(r)) = &m.content {
            assert_eq!(*from, 1);
            assert!(!r.payloads.is_empty() && r.payloads.len() <= 11);
        }
    }
    assert_eq!(requests[0].1, 1, "the transfer starts at our height");
    a.stop(Duration::from_secs(5)).await;
    b.stop(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_beyond_the_batch_size_is_not_answered_but_a_valid_one_is() {
    let hub = Arc::new(Hub::default());
    let ledger = FakeLedger::with_height(30);
    let provider = start(
        &hub,
        1,
        &ledger,
        Configuration {
            enable_state_transfer: false,
            ..config()
        },
    );
    let asker = FakeGossip::join(&hub, 9);
    let mut inbox = asker.accept_state(CHANNEL);
    let to = [RemotePeer {
        endpoint: "peer1".into(),
        pki_id: crate::gossip::common::PkiId(vec![1]),
    }];
    asker.send(transfer::state_request(CHANNEL, 0, 20), &to);
    let valid = transfer::state_request(CHANNEL, 25, 35);
    asker.send(valid.clone(), &to);
    // Requests are answered in order: the first answer is the valid request's.
    let answer = tokio::time::timeout(BOUND, inbox.recv())
        .await
        .expect("an answer")
        .unwrap();
    let m = &answer.message().message;
    assert_eq!(m.nonce, valid.nonce);
    let Some(Content::StateResponse(r)) = &m.content else {
        panic!("not a state response: {m:?}");
    };
    let got: Vec<u64> = r.payloads.iter().map(|p| p.seq_num).collect();
    assert_eq!(
        got,
        vec![25, 26, 27, 28, 29],
        "only the blocks the ledger has"
    );
    provider.stop(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_block_in_a_state_response_is_not_committed() {
    let hub = Arc::new(Hub::default());
    let behind = FakeLedger::with_height(1);
    let b = start(
        &hub,
        2,
        &behind,
        Configuration {
            enable_state_transfer: false,
            ..config()
        },
    );
    // A hand-made transfer: block 1 forged, block 2 genuine.
    let request = transfer::state_request(CHANNEL, 1, 2);
    let response = GossipMessage {
        nonce: request.nonce,
        channel: CHANNEL.as_bytes().to_vec(),
        tag: crate::protos::gossip::gossip_message::Tag::ChanOrOrg as i32,
        content: Some(Content::StateResponse(
            crate::protos::gossip::RemoteStateResponse {
                payloads: [block(1, true), block(2, false)]
                    .iter()
                    .map(|b| Payload {
                        seq_num: b.header.as_ref().unwrap().number,
                        data: prost::Message::encode_to_vec(b),
                        private_data: Vec::new(),
                    })
                    .collect(),
            },
        )),
    };
    let msg: Arc<dyn ReceivedMessage> =
        Arc::new(Direct(crate::gossip::comm::SignedGossipMessage {
            message: response,
            envelope: None,
        }));
    let verdict = b.shared.handle_state_response(&msg, 1).await;
    assert!(
        matches!(verdict, Err(StateError::Verify { seq_num: 1, .. })),
        "{verdict:?}"
    );
    assert_eq!(
        b.shared.payloads.size(),
        0,
        "nothing after the forged block is buffered"
    );
    assert_eq!(behind.ledger_height().unwrap(), 1);
    b.stop(Duration::from_secs(5)).await;
}

/// A received message with no connection behind it.
#[derive(Debug)]
struct Direct(crate::gossip::comm::SignedGossipMessage);

impl ReceivedMessage for Direct {
    fn message(&self) -> &crate::gossip::comm::SignedGossipMessage {
        &self.0
    }
    fn respond(&self, _msg: GossipMessage) {}
    fn connection_info(&self) -> &crate::gossip::comm::ConnectionInfo {
        unreachable!("not asked in this test")
    }
    fn ack(&self, _err: Option<String>) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_block_added_by_the_deliver_client_gets_a_receipt_once_committed() {
    let hub = Arc::new(Hub::default());
    let ledger = FakeLedger::with_height(1);
    let provider = start(
        &hub,
        1,
        &ledger,
        Configuration {
            enable_state_transfer: false,
            ..config()
        },
    );
    let first = provider.add_block(block(1, false)).await.unwrap();
    let second = provider.add_block(block(2, false)).await.unwrap();
    tokio::time::timeout(BOUND, async {
        first.wait().await.unwrap();
        second.wait().await.unwrap();
    })
    .await
    .expect("both committed");
    assert_eq!(provider.height(), 3);
    // A block already committed gets its receipt at once.
    let again = provider.add_block(block(1, false)).await.unwrap();
    tokio::time::timeout(BOUND, again.wait())
        .await
        .unwrap()
        .unwrap();
    provider.stop(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn an_empty_ledger_is_refused() {
    let hub = Arc::new(Hub::default());
    let ledger = FakeLedger::with_height(0);
    let started = GossipStateProvider::start(
        CHANNEL,
        FakeGossip::join(&hub, 1),
        Arc::new(FakeMcs),
        ledger,
        config(),
    );
    assert!(matches!(started, Err(StateError::EmptyLedger(_))));
}

#[test]
fn the_acceptors_choose_the_channels_data_and_state_messages() {
    let data = data_message(&block(1, false));
    assert!(is_data_message_for(CHANNEL, &data));
    assert!(!is_data_message_for("other", &data));
    assert!(!is_remote_state_message_for(CHANNEL, &data));
    let request = transfer::state_request(CHANNEL, 1, 2);
    assert!(is_remote_state_message_for(CHANNEL, &request));
    assert!(!is_remote_state_message_for("other", &request));
    assert!(!is_data_message_for(CHANNEL, &request));
}
