//! Chaincode as a service (Fabric 2.x): the chaincode listens, the peer dials it and opens
//! `protos.Chaincode/Connect`; the chaincode sends REGISTER first on that stream and the
//! protocol goes on exactly as over `ChaincodeSupport.Register`.

use std::pin::Pin;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_stream::{Stream, StreamExt};
use tonic::transport::{Certificate, Identity, Server, ServerTlsConfig};

use crate::error::StartError;
use crate::handler::{chat, register_message, Handler, OUTBOUND_QUEUE};
use crate::proto::protos::chaincode_server::{
    Chaincode as ChaincodeService, ChaincodeServer as Svc,
};
use crate::proto::protos::ChaincodeMessage;
use crate::start::MAX_MESSAGE_SIZE;
use crate::Chaincode;

/// TLS of the chaincode's server (PEM).
#[derive(Clone, Debug)]
pub struct ServerTls {
    pub key_pem: Vec<u8>,
    pub cert_pem: Vec<u8>,
    /// When set, peers must present a certificate issued by one of these CAs.
    pub client_ca_pem: Option<Vec<u8>>,
}

/// A chaincode server (Go's `shim.ChaincodeServer`).
#[derive(Clone, Debug)]
pub struct ChaincodeServer {
    /// `host:port` to listen on.
    pub address: String,
    /// The id the chaincode registers with (the package id / `name:version`).
    pub chaincode_id: String,
    pub tls: Option<ServerTls>,
}

impl ChaincodeServer {
    /// The server this process is configured as, when CHAINCODE_SERVER_ADDRESS is set (the
    /// names of Fabric's external chaincode samples): CHAINCODE_ID (or
    /// CORE_CHAINCODE_ID_NAME), and unless CHAINCODE_TLS_DISABLED is `true`, TLS from the
    /// PEM files CHAINCODE_TLS_KEY and CHAINCODE_TLS_CERT when both are set, with client
    /// authentication against CHAINCODE_CLIENT_CA_CERT when that is set.
    pub fn from_env() -> Result<Option<Self>, StartError> {
        Self::from_sources(|k| std::env::var(k).ok())
    }

    /// [`Self::from_env`] from a variable lookup.
    pub fn from_sources(env: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, StartError> {
        let Some(address) = env("CHAINCODE_SERVER_ADDRESS").filter(|a| !a.is_empty()) else {
            return Ok(None);
        };
        let chaincode_id = env("CHAINCODE_ID")
            .or_else(|| env("CORE_CHAINCODE_ID_NAME"))
            .filter(|s| !s.is_empty())
            .ok_or(StartError::NoChaincodeId)?;
        let disabled =
            env("CHAINCODE_TLS_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let tls = match (env("CHAINCODE_TLS_KEY"), env("CHAINCODE_TLS_CERT")) {
            (Some(key), Some(cert)) if !disabled => Some(ServerTls {
                key_pem: crate::start::read(&key)?,
                cert_pem: crate::start::read(&cert)?,
                client_ca_pem: env("CHAINCODE_CLIENT_CA_CERT")
                    .map(|p| crate::start::read(&p))
                    .transpose()?,
            }),
            _ => None,
        };
        Ok(Some(ChaincodeServer {
            address,
            chaincode_id,
            tls,
        }))
    }

    /// Serves `chaincode` until the process ends or the listener fails (blocking, on a
    /// runtime of its own).
    pub fn start(self, chaincode: impl Chaincode) -> Result<(), StartError> {
        crate::setup_logging();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(StartError::Runtime)?;
        runtime.block_on(self.serve(Arc::new(chaincode), std::future::pending()))
    }

    /// Serves `chaincode` until `shutdown` completes.
    pub async fn serve(
        self,
        chaincode: Arc<dyn Chaincode>,
        shutdown: impl std::future::Future<Output = ()> + Send,
    ) -> Result<(), StartError> {
        let listener = tokio::net::TcpListener::bind(&self.address)
            .await
            .map_err(|source| StartError::Listen {
                address: self.address.clone(),
                source,
            })?;
        self.serve_on(listener, chaincode, shutdown).await
    }

    /// [`Self::serve`] on a listener already bound (tests bind port 0).
    pub async fn serve_on(
        self,
        listener: tokio::net::TcpListener,
        chaincode: Arc<dyn Chaincode>,
        shutdown: impl std::future::Future<Output = ()> + Send,
    ) -> Result<(), StartError> {
        let address = self.address.clone();
        let serve_err = |source| StartError::Serve {
            address: address.clone(),
            source,
        };
        let mut server = Server::builder();
        if let Some(tls) = &self.tls {
            let mut config =
                ServerTlsConfig::new().identity(Identity::from_pem(&tls.cert_pem, &tls.key_pem));
            if let Some(ca) = &tls.client_ca_pem {
                config = config.client_ca_root(Certificate::from_pem(ca));
            }
            server = server.tls_config(config).map_err(serve_err)?;
        }
        let service = ConnectService {
            chaincode_id: self.chaincode_id.clone(),
            chaincode,
        };
        let svc = Svc::new(service)
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE);
        tracing::info!(
            "chaincode {} serving on {}",
            self.chaincode_id,
            self.address
        );
        server
            .add_service(svc)
            .serve_with_incoming_shutdown(
                tokio_stream::wrappers::TcpListenerStream::new(listener),
                shutdown,
            )
            .await
            .map_err(serve_err)
    }
}

struct ConnectService {
    chaincode_id: String,
    chaincode: Arc<dyn Chaincode>,
}

type Outbound = Pin<Box<dyn Stream<Item = Result<ChaincodeMessage, tonic::Status>> + Send>>;

#[tonic::async_trait]
impl ChaincodeService for ConnectService {
    type ConnectStream = Outbound;

    async fn connect(
        &self,
        request: tonic::Request<tonic::Streaming<ChaincodeMessage>>,
    ) -> Result<tonic::Response<Self::ConnectStream>, tonic::Status> {
        let (tx, rx) = mpsc::channel(OUTBOUND_QUEUE);
        tx.send(register_message(&self.chaincode_id))
            .await
            .map_err(|_| tonic::Status::internal("REGISTER could not be queued"))?;
        let (handler, chaincode) = (Arc::new(Handler::new(tx)), self.chaincode.clone());
        let inbound = request.into_inner();
        tokio::spawn(async move {
            if let Err(e) = chat(handler, inbound, chaincode).await {
                tracing::info!("peer stream ended: {e}");
            }
        });
        let outbound = tokio_stream::wrappers::ReceiverStream::new(rx).map(Ok);
        Ok(tonic::Response::new(Box::pin(outbound)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_settings_come_from_the_external_chaincode_variables() {
        let none = ChaincodeServer::from_sources(|_| None).unwrap();
        assert!(none.is_none());
        let vars = |k: &str| match k {
            "CHAINCODE_SERVER_ADDRESS" => Some("0.0.0.0:9999".to_string()),
            "CHAINCODE_ID" => Some("mycc:1.0".to_string()),
            "CHAINCODE_TLS_KEY" => Some("/nonexistent/key.pem".to_string()),
            "CHAINCODE_TLS_CERT" => Some("/nonexistent/cert.pem".to_string()),
            _ => None,
        };
        let err = ChaincodeServer::from_sources(vars).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/key.pem"), "{err}");
        let plain = ChaincodeServer::from_sources(|k| match k {
            "CHAINCODE_TLS_DISABLED" => Some("TRUE".into()),
            other => vars(other),
        })
        .unwrap()
        .unwrap();
        assert_eq!(
            (plain.address.as_str(), plain.chaincode_id.as_str()),
            ("0.0.0.0:9999", "mycc:1.0")
        );
        assert!(plain.tls.is_none());
        let err = ChaincodeServer::from_sources(|k| {
            (k == "CHAINCODE_SERVER_ADDRESS").then(|| "h:1".to_string())
        })
        .unwrap_err();
        assert!(matches!(err, StartError::NoChaincodeId));
    }
}
