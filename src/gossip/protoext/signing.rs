//! Signing and verifying gossip messages (Fabric's `SignedGossipMessage.Sign`, `Verify`,
//! `NoopSign`, `Envelope.ToGossipMessage`, `SignSecret`, `SecretEnvelope.InternalEndpoint`).

use prost::Message;

use super::{CauseError, ProtoextError};
use crate::gossip::comm::SignedGossipMessage;
use crate::protos::gossip::{secret, Envelope, GossipMessage, Secret, SecretEnvelope};

impl SignedGossipMessage {
    /// Signs the message: the envelope's payload becomes the marshalled `GossipMessage` and
    /// its signature `signer`'s signature over it. A secret envelope already attached is
    /// kept, as Fabric does.
    pub fn sign<F, E>(&mut self, signer: F) -> Result<&Envelope, ProtoextError>
    where
        F: FnOnce(&[u8]) -> Result<Vec<u8>, E>,
        E: Into<CauseError>,
    {
        let secret_envelope = self.envelope.take().and_then(|e| e.secret_envelope);
        let payload = self.message.encode_to_vec();
        let signature = signer(&payload).map_err(|e| ProtoextError::Sign(e.into()))?;
        Ok(self.envelope.insert(Envelope {
            payload,
            signature,
            secret_envelope,
        }))
    }

    /// `message` signed by `signer` (Fabric's `(&SignedGossipMessage{GossipMessage: m}).Sign`).
    pub fn signed<F, E>(message: GossipMessage, signer: F) -> Result<Self, ProtoextError>
    where
        F: FnOnce(&[u8]) -> Result<Vec<u8>, E>,
        E: Into<CauseError>,
    {
        let mut signed = SignedGossipMessage::unsigned(message);
        signed.sign(signer)?;
        Ok(signed)
    }

    /// The message in an envelope without a signature (Fabric's `NoopSign`): for messages
    /// whose content is signed on its own, or forwarded as they came.
    pub fn noop_sign(message: GossipMessage) -> SignedGossipMessage {
        let mut signed = SignedGossipMessage::unsigned(message);
        signed
            .sign(|_| Ok::<_, std::convert::Infallible>(Vec::new()))
            .expect("an infallible signer");
        signed
    }

    /// Whether the message carries a payload and a signature (Fabric's `IsSigned`).
    pub fn is_signed(&self) -> bool {
        self.envelope
            .as_ref()
            .is_some_and(|e| !e.payload.is_empty() && !e.signature.is_empty())
    }

    /// Checks the envelope's signature, and the secret envelope's when present, with
    /// `verify(identity, signature, message)` (Fabric's `Verify`).
    pub fn verify<F, E>(&self, identity: &[u8], mut verify: F) -> Result<(), ProtoextError>
    where
        F: FnMut(&[u8], &[u8], &[u8]) -> Result<(), E>,
        E: Into<CauseError>,
    {
        let env = self
            .envelope
            .as_ref()
            .ok_or(ProtoextError::MissingEnvelope)?;
        if env.payload.is_empty() {
            return Err(ProtoextError::EmptyPayload);
        }
        if env.signature.is_empty() {
            return Err(ProtoextError::EmptySignature);
        }
        verify(identity, &env.signature, &env.payload)
            .map_err(|e| ProtoextError::Verify(e.into()))?;
        if let Some(secret) = &env.secret_envelope {
            if secret.payload.is_empty() {
                return Err(ProtoextError::EmptyPayload);
            }
            if secret.signature.is_empty() {
                return Err(ProtoextError::EmptySignature);
            }
            verify(identity, &secret.signature, &secret.payload)
                .map_err(|e| ProtoextError::Verify(e.into()))?;
        }
        Ok(())
    }

    /// The message an envelope carries, the envelope kept (Fabric's `ToGossipMessage`).
    pub fn from_envelope(envelope: Envelope) -> Result<SignedGossipMessage, ProtoextError> {
        let message =
            GossipMessage::decode(envelope.payload.as_slice()).map_err(ProtoextError::Decode)?;
        Ok(SignedGossipMessage {
            message,
            envelope: Some(envelope),
        })
    }
}

/// Attaches `secret` to `envelope`, signed by `signer` (Fabric's `Envelope.SignSecret`).
pub fn sign_secret<F, E>(
    envelope: &mut Envelope,
    signer: F,
    secret: &Secret,
) -> Result<(), ProtoextError>
where
    F: FnOnce(&[u8]) -> Result<Vec<u8>, E>,
    E: Into<CauseError>,
{
    let payload = secret.encode_to_vec();
    let signature = signer(&payload).map_err(|e| ProtoextError::Sign(e.into()))?;
    envelope.secret_envelope = Some(SecretEnvelope { payload, signature });
    Ok(())
}

/// The internal endpoint a secret envelope carries; empty when there is none or it does
/// not decode (Fabric's `SecretEnvelope.InternalEndpoint`).
pub fn internal_endpoint(secret_envelope: Option<&SecretEnvelope>) -> String {
    let Some(s) = secret_envelope else {
        return String::new();
    };
    match Secret::decode(s.payload.as_slice()) {
        Ok(Secret {
            content: Some(secret::Content::InternalEndpoint(endpoint)),
        }) => endpoint,
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::gossip::gossip_message::{Content, Tag};
    use crate::protos::gossip::{AliveMessage, Member};

    fn alive() -> GossipMessage {
        GossipMessage {
            nonce: 7,
            tag: Tag::Empty as i32,
            content: Some(Content::AliveMsg(AliveMessage {
                membership: Some(Member {
                    endpoint: "p0:7051".into(),
                    ..Member::default()
                }),
                ..AliveMessage::default()
            })),
            ..GossipMessage::default()
        }
    }

    fn xor_sign(key: u8) -> impl Fn(&[u8]) -> Result<Vec<u8>, String> {
        move |m| Ok(m.iter().map(|b| b ^ key).collect())
    }

    fn xor_verify(key: u8) -> impl FnMut(&[u8], &[u8], &[u8]) -> Result<(), String> {
        move |_id, sig, msg| {
            let expected: Vec<u8> = msg.iter().map(|b| b ^ key).collect();
            (expected == sig)
                .then_some(())
                .ok_or("bad signature".into())
        }
    }

    #[test]
    fn sign_puts_the_marshalled_message_in_the_payload() {
        let mut m = SignedGossipMessage::unsigned(alive());
        m.sign(xor_sign(1)).unwrap();
        let env = m.envelope.clone().unwrap();
        assert_eq!(env.payload, alive().encode_to_vec());
        assert!(m.is_signed());
        m.verify(b"id", xor_verify(1)).unwrap();
        assert!(matches!(
            m.verify(b"id", xor_verify(2)),
            Err(ProtoextError::Verify(_))
        ));
        let back = SignedGossipMessage::from_envelope(env).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn resigning_keeps_the_secret_envelope_and_both_are_verified() {
        let mut m = SignedGossipMessage::unsigned(alive());
        m.sign(xor_sign(1)).unwrap();
        let secret = Secret {
            content: Some(secret::Content::InternalEndpoint("10.0.0.1:7051".into())),
        };
        sign_secret(m.envelope.as_mut().unwrap(), xor_sign(1), &secret).unwrap();
        m.message.nonce = 8;
        m.sign(xor_sign(1)).unwrap();
        let env = m.envelope.as_ref().unwrap();
        assert_eq!(
            internal_endpoint(env.secret_envelope.as_ref()),
            "10.0.0.1:7051"
        );
        m.verify(b"id", xor_verify(1)).unwrap();
        m.envelope
            .as_mut()
            .unwrap()
            .secret_envelope
            .as_mut()
            .unwrap()
            .signature[0] ^= 0xff;
        assert!(m.verify(b"id", xor_verify(1)).is_err());
    }

    #[test]
    fn noop_signed_messages_are_not_signed_and_do_not_verify() {
        let m = SignedGossipMessage::noop_sign(alive());
        assert!(!m.is_signed());
        assert_eq!(
            m.envelope.as_ref().unwrap().payload,
            alive().encode_to_vec()
        );
        assert!(matches!(
            m.verify(b"id", xor_verify(1)),
            Err(ProtoextError::EmptySignature)
        ));
        assert!(matches!(
            SignedGossipMessage::unsigned(alive()).verify(b"id", xor_verify(1)),
            Err(ProtoextError::MissingEnvelope)
        ));
    }

    #[test]
    fn garbage_envelopes_do_not_decode_and_secrets_default_to_empty() {
        let env = Envelope {
            payload: vec![0xff, 0xff, 0xff],
            ..Envelope::default()
        };
        assert!(matches!(
            SignedGossipMessage::from_envelope(env),
            Err(ProtoextError::Decode(_))
        ));
        assert_eq!(internal_endpoint(None), "");
        let junk = SecretEnvelope {
            payload: vec![0xff],
            signature: vec![1],
        };
        assert_eq!(internal_endpoint(Some(&junk)), "");
    }
}
