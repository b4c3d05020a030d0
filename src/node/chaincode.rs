//! The peer's chaincode runtime wiring: the launcher's settings from core.yaml
//! (`chaincode.externalBuilders`, `chaincode.golang.gopath`, timeouts, logging), the
//! chaincode CA when `peer.tls.enabled`, and the chaincode listener's server settings
//! (TLS with client certificates of that CA, plaintext in dev mode or without TLS).

use std::path::PathBuf;
use std::sync::Arc;

use serde_yaml::Value;

use super::NodeError;
use crate::chaincode::accesscontrol::{Authenticator, Ca};
use crate::chaincode::launcher::{ExternalBuilderConfig, LauncherConfig};
use crate::comm::{ServerConfig, ServerTls};
use crate::config::{ConfigError, ConfigSource, CoreConfig};

const EXTERNAL_BUILDERS: &str = "chaincode.externalBuilders";

/// The launcher keys core.yaml's typed view does not carry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LaunchSettings {
    /// `chaincode.externalBuilders` (paths resolved against the config folder).
    pub external_builders: Vec<ExternalBuilderConfig>,
    /// `chaincode.golang.gopath`.
    pub go_path: Option<String>,
}

fn builder_error(detail: String) -> ConfigError {
    ConfigError::value(EXTERNAL_BUILDERS, detail)
}

fn text(map: &serde_yaml::Mapping, key: &str) -> Option<String> {
    match map.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => serde_yaml::to_string(other)
            .ok()
            .map(|s| s.trim().to_string()),
    }
}

impl LaunchSettings {
    /// Reads the keys; `chaincode.externalBuilders` is a list of {path, name,
    /// propagateEnvironment} (from CORE_CHAINCODE_EXTERNALBUILDERS: the same list as YAML).
    pub fn from_source(source: &ConfigSource, config: &CoreConfig) -> Result<Self, ConfigError> {
        let mut external_builders = Vec::new();
        let raw = match source.get(EXTERNAL_BUILDERS) {
            Some(Value::String(s)) => serde_yaml::from_str(&s)
                .map_err(|e| builder_error(format!("not a YAML list: {e}")))?,
            Some(v) => v,
            None => Value::Sequence(Vec::new()),
        };
        let Value::Sequence(items) = raw else {
            return Err(builder_error(
                "expected a list of {path, name, propagateEnvironment}".into(),
            ));
        };
        for item in items {
            let Value::Mapping(m) = item else {
                return Err(builder_error(
                    "each builder is a map with path and name".into(),
                ));
            };
            let (Some(path), Some(name)) = (text(&m, "path"), text(&m, "name")) else {
                return Err(builder_error("each builder needs a path and a name".into()));
            };
            let propagate_environment = match m.get("propagateenvironment") {
                Some(Value::Sequence(vars)) => vars
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            };
            external_builders.push(ExternalBuilderConfig {
                path: config.resolve_path(&path),
                name,
                propagate_environment,
            });
        }
        Ok(LaunchSettings {
            external_builders,
            go_path: source
                .get_string("chaincode.golang.gopath")?
                .filter(|p| !p.is_empty()),
        })
    }

    /// The launcher's config for a peer with `config` whose chaincodes dial `address`.
    pub fn launcher_config(&self, config: &CoreConfig, address: &str) -> LauncherConfig {
        let c = &config.chaincode;
        LauncherConfig {
            startup_timeout: c.startuptimeout,
            external_builders: self.external_builders.clone(),
            go_path: self.go_path.clone(),
            log_level: c.logging.level.clone(),
            shim_log_level: c.logging.shim.clone(),
            log_format: c.logging.format.clone(),
            mspid: config.peer.local_msp_id.clone(),
            ..LauncherConfig::new(&super::file_system_path(config), address)
        }
    }
}

/// The chaincode CA and authenticator when chaincodes talk TLS to this peer
/// (`peer.tls.enabled`, not in dev mode).
pub fn authenticator(config: &CoreConfig) -> Result<Option<Arc<Authenticator>>, NodeError> {
    if !config.peer.tls.enabled || config.chaincode.mode == "dev" {
        return Ok(None);
    }
    let ca = Ca::new().map_err(|e| NodeError::ChaincodeTls(e.to_string()))?;
    Ok(Some(Arc::new(Authenticator::new(ca))))
}

/// The chaincode listener's server settings: TLS with a certificate of the chaincode CA for
/// the listener's host, requiring client certificates of that CA; plaintext without one.
pub fn listener_config(
    base: &ServerConfig,
    authenticator: Option<&Arc<Authenticator>>,
    address: &str,
) -> Result<ServerConfig, NodeError> {
    let Some(auth) = authenticator else {
        return Ok(ServerConfig {
            tls: None,
            ..base.clone()
        });
    };
    let host = crate::comm::host_of(address).to_string();
    let mut hosts = vec![host];
    for h in ["localhost", "127.0.0.1"] {
        if !hosts.iter().any(|x| x == h) {
            hosts.push(h.to_string());
        }
    }
    let pair = auth
        .ca()
        .server_cert(&hosts)
        .map_err(|e| NodeError::ChaincodeTls(e.to_string()))?;
    Ok(ServerConfig {
        tls: Some(ServerTls {
            cert: pair.cert.into_bytes(),
            key: pair.key.into_bytes(),
            client_roots: Some(auth.ca().cert_pem().as_bytes().to_vec()),
        }),
        ..base.clone()
    })
}

/// Where the launcher keeps builds, runs and logs (for messages).
pub fn chaincodes_dir(config: &CoreConfig) -> PathBuf {
    super::file_system_path(config).join("chaincodes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Environment;

    fn settings(yaml: &str, env: &[(&str, &str)]) -> Result<LaunchSettings, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let env = Environment::new(env.iter().copied(), dir.path());
        let src = ConfigSource::from_yaml(yaml, &dir.path().join("core.yaml"), "CORE", env)?;
        let core = CoreConfig::from_source(&src)?;
        LaunchSettings::from_source(&src, &core).map(|mut s| {
            for b in &mut s.external_builders {
                b.path = b
                    .path
                    .strip_prefix(dir.path())
                    .unwrap_or(&b.path)
                    .to_path_buf();
            }
            s
        })
    }

    #[test]
    fn external_builders_are_read_in_order_with_relative_paths_resolved() {
        let s = settings(
            "chaincode:\n  externalBuilders:\n    - path: /opt/b1\n      name: one\n      propagateEnvironment: [HOME, GOPATH]\n    - path: builders/two\n      name: two\n  golang:\n    gopath: /go\n",
            &[],
        )
        .unwrap();
        assert_eq!(s.external_builders.len(), 2);
        assert_eq!(s.external_builders[0].path, PathBuf::from("/opt/b1"));
        assert_eq!(
            s.external_builders[0].propagate_environment,
            ["HOME", "GOPATH"]
        );
        assert_eq!(s.external_builders[1].path, PathBuf::from("builders/two"));
        assert_eq!(s.go_path.as_deref(), Some("/go"));
        let none = settings("", &[]).unwrap();
        assert!(none.external_builders.is_empty() && none.go_path.is_none());
        let env = settings(
            "",
            &[("CORE_CHAINCODE_EXTERNALBUILDERS", "[{path: /x, name: x}]")],
        )
        .unwrap();
        assert_eq!(env.external_builders[0].name, "x");
        let err =
            settings("chaincode:\n  externalBuilders:\n    - name: nopath\n", &[]).unwrap_err();
        assert!(
            err.to_string().contains("chaincode.externalBuilders"),
            "{err}"
        );
    }

    mod tls {
        use super::super::*;
        use crate::chaincode::{ChaincodeSupport, SupportConfig};
        use crate::comm::{ClientConfig, ClientTls};
        use crate::protos::peer::chaincode_message::Type;
        use crate::protos::peer::chaincode_support_client::ChaincodeSupportClient;
        use crate::protos::peer::{ChaincodeId, ChaincodeMessage};
        use prost::Message;
        use std::time::Duration;

        /// Serves the chaincode listener with TLS from `auth` on a loopback port.
        async fn listener(auth: &Arc<Authenticator>) -> (String, Arc<ChaincodeSupport>) {
            let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let address = tcp.local_addr().unwrap().to_string();
            let support = Arc::new(
                ChaincodeSupport::new(
                    SupportConfig::default(),
                    Arc::new(crate::scc::Registry::new()),
                )
                .authenticating_with(auth.clone()),
            );
            let config = listener_config(&ServerConfig::default(), Some(auth), &address).unwrap();
            let router = config.builder().unwrap().add_service(support.service());
            tokio::spawn(router.serve_with_incoming(config.incoming(tcp)));
            (address, support)
        }

        /// Dials with `identity` (PEM cert, key) trusting the chaincode CA, sends REGISTER
        /// as `cname` and returns the first answer's type (or the error).
        async fn register(
            auth: &Authenticator,
            address: &str,
            identity: Option<(Vec<u8>, Vec<u8>)>,
            cname: &str,
        ) -> Result<i32, String> {
            let client = ClientConfig {
                tls: Some(ClientTls {
                    roots: auth.ca().cert_pem().as_bytes().to_vec(),
                    identity,
                    server_name_override: None,
                }),
                ..ClientConfig::plaintext(Duration::from_secs(5))
            };
            let channel = client
                .endpoint(address)
                .unwrap()
                .connect()
                .await
                .map_err(|e| format!("connect: {e}"))?;
            let (tx, rx) = tokio::sync::mpsc::channel(4);
            tx.send(ChaincodeMessage {
                r#type: Type::Register as i32,
                payload: ChaincodeId {
                    name: cname.into(),
                    ..Default::default()
                }
                .encode_to_vec(),
                ..Default::default()
            })
            .await
            .unwrap();
            let mut stream = ChaincodeSupportClient::new(channel)
                .register(tokio_stream::wrappers::ReceiverStream::new(rx))
                .await
                .map_err(|s| format!("register: {}", s.message()))?
                .into_inner();
            let first = stream
                .message()
                .await
                .map_err(|s| s.message().to_string())?;
            drop(tx);
            first.map(|m| m.r#type).ok_or_else(|| "stream ended".into())
        }

        #[tokio::test]
        async fn register_is_bound_to_the_certificate_issued_for_the_chaincode() {
            let auth = Arc::new(Authenticator::new(Ca::new().unwrap()));
            let (address, support) = listener(&auth).await;
            let issued = auth.generate("mycc").unwrap();
            let identity = Some((issued.cert.into_bytes(), issued.key.into_bytes()));

            // Its own certificate, another chaincode's name: refused.
            let err = register(&auth, &address, identity.clone(), "other:1.0")
                .await
                .unwrap_err();
            assert!(
                err.contains(
                    "TLS is active but chaincode other has a certificate not issued for it"
                ),
                "{err}"
            );
            assert!(support.registry().handler("other:1.0").is_none());

            // A certificate of another CA: the TLS handshake fails, nothing registers.
            let stranger = rcgen::generate_simple_self_signed(vec!["mycc".into()]).unwrap();
            let err = register(
                &auth,
                &address,
                Some((
                    stranger.cert.pem().into_bytes(),
                    stranger.signing_key.serialize_pem().into_bytes(),
                )),
                "mycc:1.0",
            )
            .await
            .unwrap_err();
            assert!(!err.is_empty());
            // No certificate at all: refused too.
            assert!(register(&auth, &address, None, "mycc:1.0").await.is_err());
            assert!(support.registry().handler("mycc:1.0").is_none());

            // The issued certificate for its chaincode: REGISTERED.
            let kind = register(&auth, &address, identity, "mycc:1.0")
                .await
                .unwrap();
            assert_eq!(kind, Type::Registered as i32);
        }
    }
}
