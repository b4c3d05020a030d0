//! Reaching a channel's orderers: their endpoints from the channel config, the TLS roots
//! their orgs publish, the gRPC connection, and the signed SeekInfo request.

use rand::seq::SliceRandom;
use sha2::{Digest, Sha256};
use tonic::transport::Channel;

use super::{ClientTls, DeliverClientConfig, DeliverClientError};
use crate::channelconfig::Bundle;
use crate::comm::{self, client::ClientKeepalive, ClientConfig, MAX_MESSAGE_SIZE};
use crate::msp::SigningIdentity;
use crate::protos::common::{Envelope, HeaderType};
use crate::protos::msp::FabricMspConfig;
use crate::protos::orderer::atomic_broadcast_client::AtomicBroadcastClient;
use crate::protos::orderer::seek_info::SeekBehavior;
use crate::protos::orderer::seek_position::Type as Seek;
use crate::protos::orderer::{SeekInfo, SeekOldest, SeekPosition, SeekSpecified};
use crate::protoutil::{create_signed_envelope, decode};

/// The orderer endpoints of a channel, shuffled: the orderer orgs' own endpoints when any
/// org has some (V1_4_2 and later), else the channel's global OrdererAddresses.
pub fn orderer_endpoints(bundle: &Bundle) -> Vec<String> {
    let mut endpoints: Vec<String> = bundle
        .orderer_config()
        .map(|o| {
            o.organizations()
                .values()
                .flat_map(|org| org.endpoints().iter().cloned())
                .collect()
        })
        .unwrap_or_default();
    if endpoints.is_empty() {
        endpoints = bundle.channel_config().orderer_addresses().to_vec();
    }
    endpoints.shuffle(&mut rand::thread_rng());
    endpoints
}

/// The TLS root and intermediate certificates of the channel's orderer orgs (PEM).
pub fn orderer_tls_roots(bundle: &Bundle) -> Vec<Vec<u8>> {
    let Some(orderer) = bundle.orderer_config() else {
        return Vec::new();
    };
    let mut roots = Vec::new();
    for org in orderer.organizations().values() {
        let raw = &org.organization().msp_config().config;
        if let Ok(msp) = decode::<FabricMspConfig>("FabricMSPConfig", raw) {
            roots.extend(msp.tls_root_certs);
            roots.extend(msp.tls_intermediate_certs);
        }
    }
    roots
}

/// Opens a gRPC connection to `endpoint` (`host:port`), with TLS when configured (the
/// channel's orderer TLS roots and the configured ones).
pub async fn connect(
    endpoint: &str,
    config: &DeliverClientConfig,
    channel_roots: &[Vec<u8>],
) -> Result<AtomicBroadcastClient<Channel>, DeliverClientError> {
    let bad = |reason: String| DeliverClientError::Connect {
        endpoint: endpoint.to_string(),
        reason,
    };
    let client = ClientConfig {
        tls: config
            .tls
            .as_ref()
            .map(|tls| client_tls(tls, channel_roots)),
        connect_timeout: config.conn_timeout,
        request_timeout: None,
        keepalive: Some(ClientKeepalive {
            interval: config.keepalive_interval,
            timeout: config.keepalive_timeout,
        }),
    };
    let ep = client.endpoint(endpoint).map_err(|e| bad(describe(&e)))?;
    let channel = tokio::time::timeout(config.conn_timeout, ep.connect())
        .await
        .map_err(|_| bad(format!("no connection within {:?}", config.conn_timeout)))?
        .map_err(|e| bad(describe(&e)))?;
    Ok(AtomicBroadcastClient::new(channel)
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE))
}

fn client_tls(tls: &ClientTls, channel_roots: &[Vec<u8>]) -> comm::ClientTls {
    let roots = channel_roots.iter().chain(tls.root_cas.iter());
    comm::ClientTls {
        roots: comm::pem_bundle(roots.map(Vec::as_slice)),
        identity: tls.client_identity.clone(),
        server_name_override: None,
    }
}

/// An error and its causes on one line.
fn describe(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// SHA-256 of the client certificate's DER, for the channel header's TLS binding.
pub fn tls_cert_hash(tls: Option<&ClientTls>) -> Vec<u8> {
    let Some((cert, _)) = tls.and_then(|t| t.client_identity.as_ref()) else {
        return Vec::new();
    };
    let mut reader = cert.as_slice();
    let first = rustls_pemfile::certs(&mut reader).next();
    match first {
        Some(Ok(der)) => Sha256::digest(der.as_ref()).to_vec(),
        _ => Vec::new(),
    }
}

/// The signed request for every block from `start` on, waiting for new ones (Fabric's
/// `blocksRequester`: oldest when the ledger is empty, else from its height, to MaxUint64).
pub fn seek_request(
    channel_id: &str,
    signer: &dyn SigningIdentity,
    start: u64,
    tls_cert_hash: Vec<u8>,
) -> Result<Envelope, DeliverClientError> {
    let start = if start == 0 {
        Seek::Oldest(SeekOldest {})
    } else {
        Seek::Specified(SeekSpecified { number: start })
    };
    let info = SeekInfo {
        start: Some(SeekPosition {
            r#type: Some(start),
        }),
        stop: Some(SeekPosition {
            r#type: Some(Seek::Specified(SeekSpecified { number: u64::MAX })),
        }),
        behavior: SeekBehavior::BlockUntilReady as i32,
        error_response: 0,
    };
    create_signed_envelope(
        HeaderType::DeliverSeekInfo,
        channel_id,
        Some(signer),
        &info,
        0,
        0,
        tls_cert_hash,
    )
    .map_err(|e| DeliverClientError::Sign(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::peer::config_bundle_of;
    use crate::protoutil::payload;

    fn vector_bundle() -> Bundle {
        let path = crate::test_vectors::dir().join("ledger/mychannel/committed/mychannel_0.block");
        let block = decode("Block", &std::fs::read(path).unwrap()).unwrap();
        config_bundle_of(&block).unwrap()
    }

    #[test]
    fn endpoints_and_tls_roots_come_from_the_channel_config() {
        let bundle = vector_bundle();
        assert_eq!(
            orderer_endpoints(&bundle),
            vec!["127.0.0.1:7050".to_string()]
        );
        let roots = orderer_tls_roots(&bundle);
        assert_eq!(roots.len(), 1, "OrdererMSP publishes one TLS root CA");
        assert!(roots[0].starts_with(b"-----BEGIN CERTIFICATE-----"));
    }

    #[test]
    fn the_request_starts_at_the_ledger_height_and_never_stops() {
        let msp = crate::test_vectors::dir().join(
            "network/crypto-config/peerOrganizations/org1.example.com/peers/peer0.org1.example.com/msp",
        );
        let signer = crate::msp::load_local_msp(&msp, "Org1MSP", &crate::crypto::SwOpts::default())
            .unwrap()
            .default_signing_identity()
            .unwrap();
        let seek = |start| {
            let env = seek_request("mychannel", signer.as_ref(), start, vec![7]).unwrap();
            signer.verify(&env.payload, &env.signature).unwrap();
            let p = payload(&env).unwrap();
            let chdr = crate::protoutil::channel_header(&p).unwrap();
            assert_eq!(chdr.tls_cert_hash, vec![7]);
            assert_eq!(chdr.r#type, HeaderType::DeliverSeekInfo as i32);
            decode::<SeekInfo>("SeekInfo", &p.data).unwrap()
        };
        let from_zero = seek(0);
        assert!(matches!(
            from_zero.start.unwrap().r#type,
            Some(Seek::Oldest(_))
        ));
        let from_five = seek(5);
        assert!(matches!(
            from_five.start.unwrap().r#type,
            Some(Seek::Specified(SeekSpecified { number: 5 }))
        ));
        assert!(matches!(
            from_five.stop.unwrap().r#type,
            Some(Seek::Specified(SeekSpecified { number: u64::MAX }))
        ));
        assert_eq!(from_five.behavior, SeekBehavior::BlockUntilReady as i32);
    }

    #[test]
    fn the_tls_binding_is_the_hash_of_the_client_certificate() {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let pem = cert.cert.pem().into_bytes();
        let tls = ClientTls {
            client_identity: Some((pem, Vec::new())),
            root_cas: Vec::new(),
        };
        let want = Sha256::digest(cert.cert.der().as_ref()).to_vec();
        assert_eq!(tls_cert_hash(Some(&tls)), want);
        assert!(tls_cert_hash(None).is_empty());
    }
}
