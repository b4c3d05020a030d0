//! The operations HTTP endpoint (Fabric's `core/operations`), shared by the orderer
//! (Operations.ListenAddress) and the peer (operations.listenAddress): `GET /healthz`,
//! `GET`/`PUT /logspec`, `GET /version` and, with the prometheus metrics provider,
//! `GET /metrics` (the [`metrics::Metrics`] registry). HTTP/1.1 on hyper, one request per
//! connection, with a header-read and a request timeout, a bounded number of connections,
//! and TLS from `operations.tls.*` / `Operations.TLS`: with TLS on, /logspec and /metrics
//! need a verified client certificate (Fabric's `middleware.RequireCert`), /healthz and
//! /version do not.

pub mod fabric;
pub mod grpc;
pub mod logging;
pub mod metrics;
pub mod process;
mod server;
pub mod tls;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::net::TcpListener;

use crate::config::CoreConfig;
use crate::flogging::Logging;
use metrics::Metrics;
pub use tls::{TlsError, TlsOptions};

/// The largest request body accepted.
const MAX_REQUEST: usize = 64 * 1024;

/// Why the operations endpoint could not start.
#[derive(Debug, thiserror::Error)]
pub enum OperationsError {
    #[error("failed to listen on {addr} for operations: {source}; check Operations.ListenAddress")]
    Listen {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Tls(#[from] TlsError),
}

/// How long a client may take and how many may be connected at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// From accepting a connection to the end of the request head (TLS handshake included).
    pub header_read_timeout: Duration,
    /// Reading the request body.
    pub request_timeout: Duration,
    /// The whole life of a connection, answer included (Fabric's WriteTimeout).
    pub connection_timeout: Duration,
    /// Connections served at once; more wait in the listen backlog.
    pub max_connections: usize,
}

impl Default for Limits {
    /// Fabric's http.Server: ReadTimeout 10 s, WriteTimeout 2 min.
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(10),
            connection_timeout: Duration::from_secs(120),
            max_connections: 64,
        }
    }
}

/// What the endpoint is told by the node's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationsOptions {
    pub listen_address: String,
    /// `None` when TLS is off.
    pub tls: Option<TlsOptions>,
    /// `metrics.provider` / `Metrics.Provider`: /metrics is served for "prometheus".
    pub metrics_provider: String,
    pub limits: Limits,
    /// The commit `/version` reports as `CommitSHA` (the binary's build stamp).
    pub commit: String,
}

impl OperationsOptions {
    /// Plain HTTP on `listen_address` with the default limits.
    pub fn new(listen_address: &str, metrics_provider: &str) -> Self {
        OperationsOptions {
            listen_address: listen_address.to_string(),
            tls: None,
            metrics_provider: metrics_provider.to_string(),
            limits: Limits::default(),
            commit: crate::metadata::BuildInfo::default().commit().to_string(),
        }
    }

    /// The peer's `operations.*` and `metrics.provider`, file paths resolved against the
    /// config folder.
    pub fn from_core(config: &CoreConfig) -> Self {
        let t = &config.operations.tls;
        let resolve = |p: &Option<String>| config.resolve_path(p.as_deref().unwrap_or_default());
        OperationsOptions {
            tls: t.enabled.then(|| TlsOptions {
                cert_file: resolve(&t.cert_file),
                key_file: resolve(&t.key_file),
                client_auth_required: t.client_auth_required,
                client_root_cas: t
                    .client_root_cas_files
                    .iter()
                    .map(|f| config.resolve_path(f))
                    .collect(),
            }),
            ..Self::new(&config.operations.listen_address, &config.metrics.provider)
        }
    }
}

/// The operations endpoint, bound and ready to serve.
pub struct OperationsSystem {
    listener: TcpListener,
    routes: Arc<Routes>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    limits: Limits,
}

struct Routes {
    logging: Option<Logging>,
    /// The registry /metrics shows; `None` unless the provider is prometheus.
    metrics: Option<Arc<Metrics>>,
    /// `CommitSHA` of /version.
    commit: String,
}

/// An HTTP answer: status code, content type (empty for none), body.
#[derive(Debug, PartialEq)]
pub struct Reply {
    pub code: u16,
    pub content_type: &'static str,
    pub body: String,
}

impl OperationsSystem {
    /// Binds the listen address and loads the TLS material; `logging` backs /logspec,
    /// `metrics` (the registry the node's components update) is shown on /metrics when the
    /// provider is prometheus. Sets `fabric_version`.
    pub async fn bind(
        options: OperationsOptions,
        logging: Option<Logging>,
        metrics: Arc<Metrics>,
    ) -> Result<Self, OperationsError> {
        let tls = match &options.tls {
            Some(t) => Some(tokio_rustls::TlsAcceptor::from(t.server_config()?)),
            None => None,
        };
        let listener = TcpListener::bind(&options.listen_address)
            .await
            .map_err(|source| OperationsError::Listen {
                addr: options.listen_address.clone(),
                source,
            })?;
        match options.metrics_provider.as_str() {
            "prometheus" | "disabled" => {}
            other => tracing::warn!(
                target: "operations.runner",
                "Unknown provider type: {other}; metrics disabled"
            ),
        }
        metrics
            .gauge(metrics::FABRIC_VERSION)
            .set(&[crate::metadata::FABRIC_VERSION], 1.0);
        let prometheus = options.metrics_provider == "prometheus";
        if let Some(logging) = &logging {
            logging.set_observer(Arc::new(logging::LoggingMetrics::new(&metrics)));
        }
        Ok(OperationsSystem {
            listener,
            routes: Arc::new(Routes {
                logging,
                metrics: prometheus.then_some(metrics),
                commit: options.commit,
            }),
            tls,
            limits: options.limits,
        })
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// Serves until `shutdown` completes; then open connections get a short grace to
    /// finish their answer and are dropped.
    pub async fn serve(self, shutdown: impl Future<Output = ()>) {
        server::serve(self.listener, self.tls, self.routes, self.limits, shutdown).await
    }
}

fn json_reply(code: u16, value: serde_json::Value) -> Reply {
    Reply {
        code,
        content_type: "application/json",
        body: format!("{value}\n"),
    }
}

fn error_reply(code: u16, error: &str) -> Reply {
    json_reply(code, json!({ "error": error }))
}

impl Routes {
    /// Whether `path` is served only to a client with a verified certificate when TLS is
    /// on (Fabric's `handlerChain(h, TLS.Enabled)` for /logspec and /metrics).
    fn needs_client_cert(&self, path: &str) -> bool {
        path == "/logspec" || (path == "/metrics" && self.metrics.is_some())
    }

    fn handle(&self, method: &str, path: &str, body: &[u8]) -> Reply {
        let path = path.split('?').next().unwrap_or_default();
        match path {
            "/healthz" => healthz(method),
            "/logspec" => match &self.logging {
                Some(logging) => logspec(logging, method, body),
                None => error_reply(404, "logging is not managed by this process"),
            },
            "/metrics" => match &self.metrics {
                Some(metrics) => Reply {
                    code: 200,
                    content_type: "text/plain; version=0.0.4",
                    body: metrics.render(),
                },
                None => not_found(),
            },
            "/version" => version(method, &self.commit),
            _ => not_found(),
        }
    }
}

fn not_found() -> Reply {
    Reply {
        code: 404,
        content_type: "text/plain; charset=utf-8",
        body: "404 page not found\n".into(),
    }
}

/// `GET /version`: Fabric's `{"CommitSHA":...,"Version":...}`.
fn version(method: &str, commit: &str) -> Reply {
    if method != "GET" {
        return error_reply(400, &format!("invalid request method: {method}"));
    }
    json_reply(
        200,
        json!({ "CommitSHA": commit, "Version": crate::metadata::FABRIC_VERSION }),
    )
}

fn rfc3339_now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The orderer registers no health checkers for solo, so a running orderer is healthy.
fn healthz(method: &str) -> Reply {
    if method != "GET" {
        return Reply {
            code: 405,
            content_type: "text/plain; charset=utf-8",
            body: String::new(),
        };
    }
    json_reply(200, json!({ "status": "OK", "time": rfc3339_now() }))
}

fn logspec(logging: &Logging, method: &str, body: &[u8]) -> Reply {
    match method {
        "GET" => json_reply(200, json!({ "spec": logging.spec() })),
        "PUT" => {
            let parsed: Result<serde_json::Value, _> = serde_json::from_slice(body);
            let spec = match parsed {
                Ok(v) => v
                    .get("spec")
                    .and_then(|s| s.as_str())
                    .unwrap_or("")
                    .to_string(),
                Err(e) => return error_reply(400, &e.to_string()),
            };
            match logging.set_spec(&spec) {
                Ok(()) => Reply {
                    code: 204,
                    content_type: "application/json",
                    body: String::new(),
                },
                Err(e) => error_reply(400, &e.to_string()),
            }
        }
        other => error_reply(400, &format!("invalid request method: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flogging::LoggingConfig;

    fn routes(prometheus: bool) -> Routes {
        let config = LoggingConfig::from_lookup(|_| None);
        let logging = Logging::new(&config, Box::new(std::io::sink())).unwrap();
        let metrics = Metrics::new();
        metrics
            .gauge(metrics::FABRIC_VERSION)
            .set(&[crate::metadata::FABRIC_VERSION], 1.0);
        Routes {
            logging: Some(logging),
            metrics: prometheus.then_some(metrics),
            commit: "abc1234".into(),
        }
    }

    #[test]
    fn version_is_fabric_shaped() {
        let r = routes(false).handle("GET", "/version", b"");
        assert_eq!(r.code, 200);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["Version"], "1.4.12");
        assert_eq!(v["CommitSHA"], "abc1234");
        assert_eq!(v.as_object().unwrap().len(), 2);
    }

    #[test]
    fn healthz_answers_ok_to_get_only() {
        let r = routes(false).handle("GET", "/healthz", b"");
        assert_eq!(r.code, 200);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["status"], "OK");
        assert!(v["time"].as_str().unwrap().ends_with('Z'));
        assert_eq!(routes(false).handle("POST", "/healthz", b"").code, 405);
    }

    #[test]
    fn logspec_reads_and_changes_the_spec() {
        let r = routes(false);
        let put = r.handle(
            "PUT",
            "/logspec",
            br#"{"spec":"orderer.common.broadcast=debug:warning"}"#,
        );
        assert_eq!(put.code, 204);
        let got = r.handle("GET", "/logspec", b"");
        assert_eq!(got.code, 200);
        let v: serde_json::Value = serde_json::from_str(&got.body).unwrap();
        assert_eq!(v["spec"], "orderer.common.broadcast=debug:warn");
        let bad = r.handle("PUT", "/logspec", br#"{"spec":"chatty"}"#);
        assert_eq!(bad.code, 400);
        assert!(bad.body.contains("error"));
        assert_eq!(r.handle("PUT", "/logspec", b"{nope").code, 400);
        assert_eq!(r.handle("DELETE", "/logspec", b"").code, 400);
    }

    #[test]
    fn logspec_and_metrics_are_the_secured_routes() {
        assert!(routes(true).needs_client_cert("/logspec"));
        assert!(routes(true).needs_client_cert("/metrics"));
        assert!(!routes(false).needs_client_cert("/metrics"));
        assert!(!routes(true).needs_client_cert("/healthz"));
        assert!(!routes(true).needs_client_cert("/version"));
    }

    #[test]
    fn metrics_only_with_prometheus() {
        assert_eq!(routes(false).handle("GET", "/metrics", b"").code, 404);
        let m = routes(true).handle("GET", "/metrics", b"");
        assert_eq!(m.code, 200);
        assert!(m.body.contains("fabric_version{version=\"1.4.12\"} 1"));
        assert_eq!(routes(true).handle("GET", "/nothing", b"").code, 404);
    }
}
