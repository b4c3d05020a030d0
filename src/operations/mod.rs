//! The operations HTTP endpoint (Fabric's `core/operations`), shared by the orderer
//! (Operations.ListenAddress) and the peer (operations.listenAddress): `GET /healthz`,
//! `GET`/`PUT /logspec`, `GET /version` and, with the prometheus metrics provider,
//! `GET /metrics` (the [`metrics::Metrics`] registry). Plain HTTP/1.1, one request per
//! connection.

pub mod metrics;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::flogging::Logging;
use metrics::Metrics;

/// The largest request accepted (head and body).
const MAX_REQUEST: usize = 64 * 1024;

/// Why the operations endpoint could not start.
#[derive(Debug, thiserror::Error)]
pub enum OperationsError {
    #[error("failed to listen on {addr} for operations: {source}; check Operations.ListenAddress")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
    #[error(
        "TLS on the operations endpoint is not supported by this build yet; set Operations.TLS.Enabled (orderer) or operations.tls.enabled (peer) to false"
    )]
    TlsUnsupported,
}

/// The operations endpoint, bound and ready to serve.
pub struct OperationsSystem {
    listener: TcpListener,
    routes: Routes,
}

#[derive(Clone)]
struct Routes {
    logging: Option<Logging>,
    /// The registry /metrics shows; `None` unless the provider is prometheus.
    metrics: Option<Arc<Metrics>>,
}

/// An HTTP answer: status code, reason, JSON or text body.
#[derive(Debug, PartialEq)]
pub struct Reply {
    pub code: u16,
    pub content_type: &'static str,
    pub body: String,
}

impl OperationsSystem {
    /// Binds `listen_address`; `logging` backs /logspec, `metrics_provider` decides /metrics
    /// (over a registry of its own).
    pub async fn bind(
        listen_address: &str,
        tls_enabled: bool,
        metrics_provider: &str,
        logging: Option<Logging>,
    ) -> Result<Self, OperationsError> {
        Self::bind_with_metrics(
            listen_address,
            tls_enabled,
            metrics_provider,
            logging,
            Metrics::new(),
        )
        .await
    }

    /// As [`OperationsSystem::bind`], showing `metrics` (the registry the node's components
    /// update) on /metrics when the provider is prometheus. Sets `fabric_version`.
    pub async fn bind_with_metrics(
        listen_address: &str,
        tls_enabled: bool,
        metrics_provider: &str,
        logging: Option<Logging>,
        metrics: Arc<Metrics>,
    ) -> Result<Self, OperationsError> {
        if tls_enabled {
            return Err(OperationsError::TlsUnsupported);
        }
        let listener =
            TcpListener::bind(listen_address)
                .await
                .map_err(|source| OperationsError::Listen {
                    addr: listen_address.to_string(),
                    source,
                })?;
        match metrics_provider {
            "prometheus" | "disabled" => {}
            other => tracing::warn!(
                target: "operations.runner",
                "Unknown provider type: {other}; metrics disabled"
            ),
        }
        metrics
            .gauge(metrics::FABRIC_VERSION)
            .set(&[crate::metadata::FABRIC_VERSION], 1.0);
        Ok(OperationsSystem {
            listener,
            routes: Routes {
                logging,
                metrics: (metrics_provider == "prometheus").then_some(metrics),
            },
        })
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// Serves until `shutdown` completes.
    pub async fn serve(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => return,
                accepted = self.listener.accept() => {
                    if let Ok((stream, _)) = accepted {
                        let routes = self.routes.clone();
                        tokio::spawn(async move { serve_connection(stream, &routes).await });
                    }
                }
            }
        }
    }
}

async fn serve_connection(mut stream: TcpStream, routes: &Routes) {
    let reply = match read_request(&mut stream).await {
        Ok((method, path, body)) => routes.handle(&method, &path, &body),
        Err(reason) => error_reply(400, &reason),
    };
    let reason = match reply.code {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Service Unavailable",
    };
    let head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        reply.code,
        reply.content_type,
        reply.body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(reply.body.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Reads one request: method, path and body (by Content-Length).
async fn read_request(stream: &mut TcpStream) -> Result<(String, String, Vec<u8>), String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > MAX_REQUEST {
            return Err("request too large".into());
        }
        let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("incomplete request".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split_whitespace();
    let method = first.next().unwrap_or_default().to_string();
    let path = first.next().unwrap_or_default().to_string();
    let length = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    if length > MAX_REQUEST {
        return Err("request body too large".into());
    }
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Ok((method, path, body))
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
            "/version" => version(method),
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
fn version(method: &str) -> Reply {
    if method != "GET" {
        return error_reply(400, &format!("invalid request method: {method}"));
    }
    let commit = option_env!("FABRIC_COMMIT").unwrap_or("development build");
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
        }
    }

    #[test]
    fn version_is_fabric_shaped() {
        let r = routes(false).handle("GET", "/version", b"");
        assert_eq!(r.code, 200);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["Version"], "1.4.12");
        assert!(v["CommitSHA"].is_string());
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
    fn metrics_only_with_prometheus() {
        assert_eq!(routes(false).handle("GET", "/metrics", b"").code, 404);
        let m = routes(true).handle("GET", "/metrics", b"");
        assert_eq!(m.code, 200);
        assert!(m.body.contains("fabric_version{version=\"1.4.12\"} 1"));
        assert_eq!(routes(true).handle("GET", "/nothing", b"").code, 404);
    }
}
