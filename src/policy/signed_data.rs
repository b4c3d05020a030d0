//! Fabric's `common.SignedData`: one signature, the identity that made it and the bytes it
//! covers, as policies consume them; and the two ways Fabric derives them from messages
//! (`Envelope.AsSignedData`, `ConfigUpdateEnvelope.AsSignedData`).

use prost::Message;

use super::PolicyError;
use crate::protos::common::{ConfigUpdateEnvelope, Envelope, Payload, SignatureHeader};

/// A signature over `data` made by the serialized identity `identity`
/// (`msp.SerializedIdentity` bytes).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SignedData {
    pub data: Vec<u8>,
    pub identity: Vec<u8>,
    pub signature: Vec<u8>,
}

impl SignedData {
    /// The single signed datum of an envelope: the payload bytes, signed by the creator of
    /// the payload's signature header.
    pub fn from_envelope(envelope: &Envelope) -> Result<Vec<SignedData>, PolicyError> {
        let payload = Payload::decode(envelope.payload.as_slice()).map_err(|e| {
            PolicyError::SignedData(format!("envelope payload is not a common.Payload: {e}"))
        })?;
        let header = payload
            .header
            .ok_or_else(|| PolicyError::SignedData("envelope payload has no header".into()))?;
        let signature_header = SignatureHeader::decode(header.signature_header.as_slice())
            .map_err(|e| {
                PolicyError::SignedData(format!(
                    "payload signature header is not a common.SignatureHeader: {e}"
                ))
            })?;
        Ok(vec![SignedData {
            data: envelope.payload.clone(),
            identity: signature_header.creator,
            signature: envelope.signature.clone(),
        }])
    }

    /// One signed datum per config signature: each covers its signature header followed by
    /// the config update bytes.
    pub fn from_config_update_envelope(
        envelope: &ConfigUpdateEnvelope,
    ) -> Result<Vec<SignedData>, PolicyError> {
        envelope
            .signatures
            .iter()
            .enumerate()
            .map(|(index, config_signature)| {
                let header = SignatureHeader::decode(config_signature.signature_header.as_slice())
                    .map_err(|e| {
                        PolicyError::SignedData(format!(
                            "config signature {index} has a malformed signature header: {e}"
                        ))
                    })?;
                let mut data = Vec::with_capacity(
                    config_signature.signature_header.len() + envelope.config_update.len(),
                );
                data.extend_from_slice(&config_signature.signature_header);
                data.extend_from_slice(&envelope.config_update);
                Ok(SignedData {
                    data,
                    identity: header.creator,
                    signature: config_signature.signature.clone(),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::common::{ConfigSignature, Header};

    fn signature_header(creator: &[u8]) -> Vec<u8> {
        SignatureHeader {
            creator: creator.to_vec(),
            nonce: b"nonce".to_vec(),
        }
        .encode_to_vec()
    }

    #[test]
    fn envelope_yields_payload_creator_and_signature() {
        let payload = Payload {
            header: Some(Header {
                channel_header: vec![],
                signature_header: signature_header(b"creator"),
            }),
            data: b"data".to_vec(),
        }
        .encode_to_vec();
        let envelope = Envelope {
            payload: payload.clone(),
            signature: b"sig".to_vec(),
        };
        let signed = SignedData::from_envelope(&envelope).unwrap();
        assert_eq!(
            signed,
            vec![SignedData {
                data: payload,
                identity: b"creator".to_vec(),
                signature: b"sig".to_vec(),
            }]
        );
    }

    #[test]
    fn envelope_without_header_is_an_error() {
        let envelope = Envelope {
            payload: Payload::default().encode_to_vec(),
            signature: vec![],
        };
        let err = SignedData::from_envelope(&envelope).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot extract signed data: envelope payload has no header"
        );
        let garbage = Envelope {
            payload: vec![0xff, 0xff],
            signature: vec![],
        };
        assert!(SignedData::from_envelope(&garbage).is_err());
    }

    #[test]
    fn config_update_signatures_cover_header_then_update() {
        let header_a = signature_header(b"alice");
        let header_b = signature_header(b"bob");
        let envelope = ConfigUpdateEnvelope {
            config_update: b"update".to_vec(),
            signatures: vec![
                ConfigSignature {
                    signature_header: header_a.clone(),
                    signature: b"sa".to_vec(),
                },
                ConfigSignature {
                    signature_header: header_b.clone(),
                    signature: b"sb".to_vec(),
                },
            ],
        };
        let signed = SignedData::from_config_update_envelope(&envelope).unwrap();
        assert_eq!(signed.len(), 2);
        assert_eq!(signed[0].data, [header_a.as_slice(), b"update"].concat());
        assert_eq!(signed[0].identity, b"alice");
        assert_eq!(signed[1].data, [header_b.as_slice(), b"update"].concat());
        assert_eq!(signed[1].signature, b"sb");
    }
}
