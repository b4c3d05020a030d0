//! `peer channel signconfigtx`, offline: check that a file holds a CONFIG_UPDATE envelope,
//! add the local MSP's `ConfigSignature` to its `ConfigUpdateEnvelope`, and wrap the result
//! in a new CONFIG_UPDATE envelope signed by the same identity (as Fabric's
//! `sanityCheckAndSignConfigTx`).

use prost::Message;

use crate::msp::SigningIdentity;
use crate::protos::common::{ConfigUpdateEnvelope, Envelope, HeaderType};
use crate::protoutil::{create_signed_envelope, sign_config_update};

use super::CliError;

const COMMAND: &str = "peer channel signconfigtx";

fn invalid(problem: impl Into<String>) -> CliError {
    CliError::Request {
        command: COMMAND,
        problem: problem.into(),
    }
}

/// The channel and config update envelope inside a CONFIG_UPDATE envelope.
pub fn open_config_update(envelope: &Envelope) -> Result<(String, ConfigUpdateEnvelope), CliError> {
    let payload = crate::protoutil::payload(envelope)
        .map_err(|e| invalid(format!("the file is not a config update transaction: {e}")))?;
    let channel = crate::protoutil::channel_header(&payload).map_err(|e| {
        invalid(format!(
            "the config update transaction has a bad header: {e}"
        ))
    })?;
    if channel.r#type != HeaderType::ConfigUpdate as i32 {
        let name = HeaderType::try_from(channel.r#type)
            .map(|t| t.as_str_name().to_string())
            .unwrap_or_else(|_| channel.r#type.to_string());
        return Err(invalid(format!(
            "the file holds a {name} envelope, not a CONFIG_UPDATE (make it with configtxgen \
             -outputCreateChannelTx or configtxlator)"
        )));
    }
    if channel.channel_id.is_empty() {
        return Err(invalid("the config update transaction names no channel"));
    }
    let update = ConfigUpdateEnvelope::decode(payload.data.as_slice())
        .map_err(|e| invalid(format!("the config update envelope is malformed: {e}")))?;
    Ok((channel.channel_id, update))
}

/// Signs the config update transaction in `bytes` and returns the new envelope's bytes.
pub fn sign_config_tx(bytes: &[u8], signer: &dyn SigningIdentity) -> Result<Vec<u8>, CliError> {
    let envelope = Envelope::decode(bytes)
        .map_err(|e| invalid(format!("the file is not a config update transaction: {e}")))?;
    let (channel_id, mut update) = open_config_update(&envelope)?;
    sign_config_update(&mut update, signer)
        .map_err(|e| invalid(format!("cannot sign the config update: {e}")))?;
    let signed = create_signed_envelope(
        HeaderType::ConfigUpdate,
        &channel_id,
        Some(signer),
        &update,
        0,
        0,
        Vec::new(),
    )
    .map_err(|e| invalid(format!("cannot sign the envelope: {e}")))?;
    Ok(signed.encode_to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::common::{Payload, SignatureHeader};
    use crate::protoutil::{make_channel_header, make_payload_header};

    fn envelope(header_type: HeaderType, channel: &str, data: Vec<u8>) -> Envelope {
        let ch = make_channel_header(header_type, 0, channel, 0);
        Envelope {
            payload: Payload {
                header: Some(make_payload_header(&ch, &SignatureHeader::default())),
                data,
            }
            .encode_to_vec(),
            signature: vec![],
        }
    }

    #[test]
    fn only_config_updates_with_a_channel_pass() {
        let update = ConfigUpdateEnvelope {
            config_update: vec![1, 2, 3],
            signatures: vec![],
        };
        let good = envelope(HeaderType::ConfigUpdate, "mych", update.encode_to_vec());
        let (ch, got) = open_config_update(&good).unwrap();
        assert_eq!((ch.as_str(), got), ("mych", update.clone()));
        let err = open_config_update(&envelope(HeaderType::Config, "mych", vec![]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("holds a CONFIG envelope"), "{err}");
        let err = open_config_update(&envelope(HeaderType::ConfigUpdate, "", vec![]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("names no channel"), "{err}");
        let err = sign_config_tx(&[0xff, 0xff], &NoSigner)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a config update transaction"), "{err}");
    }

    #[derive(Debug)]
    struct NoSigner;

    impl crate::msp::Identity for NoSigner {
        fn identifier(&self) -> crate::msp::IdentityIdentifier {
            crate::msp::IdentityIdentifier {
                msp_id: "none".into(),
                id: "none".into(),
            }
        }
        fn msp_identifier(&self) -> &str {
            "none"
        }
        fn expires_at(&self) -> Option<std::time::SystemTime> {
            None
        }
        fn validate(&self) -> Result<(), crate::msp::MspError> {
            Ok(())
        }
        fn organizational_units(&self) -> Vec<crate::msp::OuIdentifier> {
            vec![]
        }
        fn verify(&self, _: &[u8], _: &[u8]) -> Result<(), crate::msp::MspError> {
            Err(crate::msp::MspError::BadSignature("none".into()))
        }
        fn serialize(&self) -> Vec<u8> {
            vec![]
        }
        fn satisfies_principal(
            &self,
            _: &crate::protos::common::MspPrincipal,
        ) -> Result<(), crate::msp::MspError> {
            Ok(())
        }
    }

    impl SigningIdentity for NoSigner {
        fn sign(&self, _: &[u8]) -> Result<Vec<u8>, crate::msp::MspError> {
            Err(crate::msp::MspError::Signing("no key".into()))
        }
        fn public(&self) -> std::sync::Arc<dyn crate::msp::Identity> {
            std::sync::Arc::new(NoSigner)
        }
    }
}
