//! Nonces, headers and decoding with errors that name what was malformed.

use prost::Message;
use prost_types::Timestamp;
use rand::RngCore;

use super::ProtoutilError;
use crate::protos::common::{
    ChannelHeader, Envelope, Header, HeaderType, Payload, SignatureHeader,
};

/// Fabric's nonce length in bytes (common/crypto NonceSize).
pub const NONCE_SIZE: usize = 24;

/// A fresh random nonce from the operating system's CSPRNG.
pub fn create_nonce() -> Vec<u8> {
    let mut nonce = vec![0u8; NONCE_SIZE];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    nonce
}

/// A random (version 4) UUID in its 8-4-4-4-12 text form (Fabric's `util.GenerateUUID`:
/// operations request ids, chaincode query iterator ids).
pub fn generate_uuid() -> String {
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The current UTC time with nanoseconds, as Fabric stamps proposals.
pub fn utc_timestamp() -> Timestamp {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp {
        seconds: now.as_secs() as i64,
        nanos: now.subsec_nanos() as i32,
    }
}

/// A channel header stamped with the current time in whole seconds, as Fabric's
/// MakeChannelHeader does for config and other non-proposal envelopes.
pub fn make_channel_header(
    header_type: HeaderType,
    version: i32,
    channel_id: &str,
    epoch: u64,
) -> ChannelHeader {
    ChannelHeader {
        r#type: header_type as i32,
        version,
        timestamp: Some(Timestamp {
            seconds: utc_timestamp().seconds,
            nanos: 0,
        }),
        channel_id: channel_id.to_string(),
        epoch,
        ..Default::default()
    }
}

pub fn make_signature_header(creator: Vec<u8>, nonce: Vec<u8>) -> SignatureHeader {
    SignatureHeader { creator, nonce }
}

pub fn make_payload_header(channel: &ChannelHeader, signature: &SignatureHeader) -> Header {
    Header {
        channel_header: channel.encode_to_vec(),
        signature_header: signature.encode_to_vec(),
    }
}

/// Decodes `bytes` as `T`, naming `what` in the error ("malformed Payload: ...").
pub fn decode<T: Message + Default>(what: &'static str, bytes: &[u8]) -> Result<T, ProtoutilError> {
    T::decode(bytes).map_err(|source| ProtoutilError::Decode { what, source })
}

/// The payload of an envelope.
pub fn payload(envelope: &Envelope) -> Result<Payload, ProtoutilError> {
    decode("Payload", &envelope.payload)
}

/// The channel header of a payload; an absent header is an error.
pub fn channel_header(payload: &Payload) -> Result<ChannelHeader, ProtoutilError> {
    let header = payload
        .header
        .as_ref()
        .ok_or(ProtoutilError::Missing("payload header"))?;
    decode("ChannelHeader", &header.channel_header)
}

/// The signature header of a payload; an absent header is an error.
pub fn signature_header(payload: &Payload) -> Result<SignatureHeader, ProtoutilError> {
    let header = payload
        .header
        .as_ref()
        .ok_or(ProtoutilError::Missing("payload header"))?;
    decode("SignatureHeader", &header.signature_header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_random_version_4() {
        let id = generate_uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!("89ab".contains(&id[19..20]));
        assert_ne!(id, generate_uuid());
    }

    #[test]
    fn nonces_are_fresh_and_sized() {
        let (a, b) = (create_nonce(), create_nonce());
        assert_eq!(a.len(), NONCE_SIZE);
        assert_ne!(a, b);
    }

    #[test]
    fn headers_round_trip_through_a_payload() {
        let ch = make_channel_header(HeaderType::Config, 1, "mychannel", 0);
        let sh = make_signature_header(b"creator".to_vec(), b"nonce".to_vec());
        let p = Payload {
            header: Some(make_payload_header(&ch, &sh)),
            data: vec![],
        };
        assert_eq!(channel_header(&p).unwrap(), ch);
        assert_eq!(signature_header(&p).unwrap(), sh);
        assert_eq!(ch.timestamp.unwrap().nanos, 0);
    }

    #[test]
    fn garbage_is_a_named_decode_error() {
        let env = Envelope {
            payload: vec![0xff, 0xff, 0xff],
            signature: vec![],
        };
        let err = payload(&env).unwrap_err().to_string();
        assert!(err.starts_with("malformed Payload:"), "{err}");
        let headerless = Payload::default();
        assert_eq!(
            channel_header(&headerless).unwrap_err().to_string(),
            "payload header is missing"
        );
    }
}
