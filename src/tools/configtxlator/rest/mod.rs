//! `configtxlator start`: Fabric's configtxlator REST server (v1.4
//! `common/tools/configtxlator/rest`), with its routes, status codes and error bodies:
//!
//! - `POST /protolator/decode/{msgName}`: protobuf body → deep JSON (200), unknown message
//!   name → 404 `message name not found`, undecodable body → 400 with the reason;
//! - `POST /protolator/encode/{msgName}`: deep JSON body → protobuf (200), 404 / 400 as above;
//! - `POST /configtxlator/compute/update-from-configs`: multipart form with the files
//!   `original` and `updated` (marshaled `common.Config`) and the value `channel` → the
//!   marshaled `common.ConfigUpdate` (200), any problem → 400 naming the field.
//!
//! Any other path is 404 `404 page not found`, another method on a known path 405; with
//! `--CORS` origins the gorilla CORS rules apply (POST only, header Content-Type).
//! [`Rest::handle`] is the whole behaviour over plain values; [`RestServer`] carries it
//! over HTTP/1.1 (hyper) on a TCP listener.

pub mod multipart;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use prost::Message;
use tokio::net::TcpListener;

use super::protolator::{to_go_json, Protolator, ProtolatorError};
use super::update::compute_update;
use crate::protos::common::Config;

const TARGET: &str = "configtxlator";
const TEXT: &str = "text/plain; charset=utf-8";
const BINARY: &str = "application/octet-stream";
/// Request headers a CORS preflight may always name (gorilla's defaults).
const DEFAULT_CORS_HEADERS: [&str; 4] = ["Accept", "Accept-Language", "Content-Language", "Origin"];
/// Methods a CORS preflight need not be told about (gorilla's defaults).
const DEFAULT_CORS_METHODS: [&str; 3] = ["GET", "HEAD", "POST"];

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum RestError {
    #[error("Could not bind to address '{addr}': {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Protolator(#[from] ProtolatorError),
    #[error("Error starting server:[{0}]")]
    Serve(std::io::Error),
}

/// One HTTP request, as the handlers see it.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: String,
    /// The path without the query string.
    pub path: String,
    /// The raw query string (after `?`), if any.
    pub query: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        let body = body.into();
        let headers = if body.is_empty() {
            Vec::new()
        } else {
            vec![("Content-Type", content_type.to_string())]
        };
        Response {
            status,
            headers,
            body,
        }
    }

    /// A text error body, one line ending in a newline as Go's `fmt.Fprintln` writes it.
    fn text(status: u16, line: impl std::fmt::Display) -> Self {
        Response::new(status, TEXT, format!("{line}\n"))
    }

    fn empty(status: u16) -> Self {
        Response::new(status, TEXT, Vec::new())
    }

    /// The value of header `name`, if set.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The REST service: the router, its handlers and the CORS policy.
#[derive(Debug, Clone)]
pub struct Rest {
    protolator: Protolator,
    cors: Vec<String>,
}

impl Rest {
    /// A service allowing the CORS origins `cors` (none: no CORS handling at all).
    pub fn new(cors: Vec<String>) -> Result<Self, ProtolatorError> {
        Ok(Rest {
            protolator: Protolator::new()?,
            cors,
        })
    }

    /// Answers one request.
    pub fn handle(&self, req: &Request) -> Response {
        if self.cors.is_empty() {
            return self.route(req);
        }
        self.with_cors(req)
    }

    /// gorilla/handlers' CORS wrapper with AllowedMethods POST and AllowedHeaders
    /// Content-Type.
    fn with_cors(&self, req: &Request) -> Response {
        let origin = req.header("origin").unwrap_or_default();
        let allowed = !origin.is_empty() && self.cors.iter().any(|o| o == origin || o == "*");
        let preflight = req.method == "OPTIONS";
        if !allowed {
            return if preflight {
                Response::empty(200)
            } else {
                self.route(req)
            };
        }
        let mut extra: Vec<(&'static str, String)> = Vec::new();
        if preflight {
            let Some(method) = req.header("access-control-request-method") else {
                return Response::empty(400);
            };
            if method != "POST" {
                return Response::empty(405);
            }
            let mut headers = Vec::new();
            let requested = req.header("access-control-request-headers").unwrap_or("");
            for name in requested
                .split(',')
                .map(canonical_header)
                .filter(|h| !h.is_empty())
            {
                if DEFAULT_CORS_HEADERS.contains(&name.as_str()) {
                    continue;
                }
                if name != "Content-Type" {
                    return Response::empty(403);
                }
                headers.push(name);
            }
            if !headers.is_empty() {
                extra.push(("Access-Control-Allow-Headers", headers.join(",")));
            }
            if !DEFAULT_CORS_METHODS.contains(&method) {
                extra.push(("Access-Control-Allow-Methods", method.to_string()));
            }
        }
        if self.cors.len() > 1 {
            extra.push(("Vary", "Origin".into()));
        }
        let returned = if self.cors.iter().any(|o| o == "*") {
            "*".to_string()
        } else {
            origin.to_string()
        };
        extra.push(("Access-Control-Allow-Origin", returned));
        let mut response = if preflight {
            Response::empty(200)
        } else {
            self.route(req)
        };
        response.headers.extend(extra);
        response
    }

    /// The router: Fabric's three POST routes.
    fn route(&self, req: &Request) -> Response {
        let segments: Vec<&str> = req.path.split('/').collect();
        let post = req.method == "POST";
        match segments.as_slice() {
            ["", "protolator", op @ ("decode" | "encode"), name] if !name.is_empty() => {
                if !post {
                    return Response::empty(405);
                }
                if *op == "decode" {
                    self.decode(name, &req.body)
                } else {
                    self.encode(name, &req.body)
                }
            }
            ["", "configtxlator", "compute", "update-from-configs"] => {
                if !post {
                    return Response::empty(405);
                }
                self.compute_update(req)
            }
            _ => Response::text(404, "404 page not found"),
        }
    }

    fn decode(&self, name: &str, body: &[u8]) -> Response {
        if !self.protolator.knows(name) {
            return Response::text(404, "message name not found");
        }
        match self.protolator.decode_to_json(name, body) {
            Ok(json) => Response::new(200, TEXT, to_go_json(&json)),
            Err(e) => Response::text(400, e),
        }
    }

    fn encode(&self, name: &str, body: &[u8]) -> Response {
        if !self.protolator.knows(name) {
            return Response::text(404, "message name not found");
        }
        let json: serde_json::Value = match serde_json::from_slice(body) {
            Ok(json) => json,
            Err(e) => return Response::text(400, format!("error decoding input: {e}")),
        };
        match self.protolator.encode_from_json(name, &json) {
            Ok(bytes) => Response::new(200, BINARY, bytes),
            Err(e) => Response::text(400, e),
        }
    }

    fn compute_update(&self, req: &Request) -> Response {
        let parts = multipart::boundary(req.header("content-type"))
            .and_then(|b| multipart::parse(&req.body, &b));
        let config = |field: &str| -> Result<Config, String> {
            let parts = parts
                .as_ref()
                .map_err(|e| format!("error reading field bytes: {e}"))?;
            let file = parts
                .iter()
                .find(|p| p.is_file && p.name == field)
                .ok_or("error reading field bytes: http: no such file")?;
            Config::decode(file.data.as_slice())
                .map_err(|e| format!("error unmarshaling field bytes: {e}"))
        };
        let original = match config("original") {
            Ok(c) => c,
            Err(e) => return Response::text(400, format!("Error with field 'original': {e}")),
        };
        let updated = match config("updated") {
            Ok(c) => c,
            Err(e) => return Response::text(400, format!("Error with field 'updated': {e}")),
        };
        let channel = form_value(req, parts.as_deref().unwrap_or_default(), "channel");
        match compute_update(&channel, &original, &updated) {
            Ok(update) => Response::new(
                200,
                BINARY,
                crate::protoutil::marshal("common.ConfigUpdate", &update),
            ),
            Err(e) => Response::text(400, format!("Error computing update: {e}")),
        }
    }
}

/// Go's `FormValue`: the URL query first, then the form's non-file values.
fn form_value(req: &Request, parts: &[multipart::Part], name: &str) -> String {
    let from_query = req.query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == name).then(|| v.to_string())
    });
    from_query
        .or_else(|| {
            parts
                .iter()
                .find(|p| !p.is_file && p.name == name)
                .map(|p| String::from_utf8_lossy(&p.data).into_owned())
        })
        .unwrap_or_default()
}

/// `content-type` → `Content-Type`, as Go's `CanonicalHeaderKey`.
fn canonical_header(name: &str) -> String {
    name.trim()
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => {
                    first.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase()
                }
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// The REST service bound to its address.
pub struct RestServer {
    listener: TcpListener,
    rest: Arc<Rest>,
}

impl RestServer {
    /// Binds `hostname:port` (port 0 picks a free one).
    pub async fn bind(hostname: &str, port: u16, cors: Vec<String>) -> Result<Self, RestError> {
        let addr = format!("{hostname}:{port}");
        let listener = TcpListener::bind(&addr)
            .await
            .map_err(|source| RestError::Bind { addr, source })?;
        Ok(RestServer {
            listener,
            rest: Arc::new(Rest::new(cors)?),
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// Serves until `shutdown` completes.
    pub async fn serve(self, shutdown: impl Future<Output = ()>) -> Result<(), RestError> {
        if let Some(addr) = self.local_addr() {
            if self.rest.cors.is_empty() {
                tracing::info!(target: TARGET, "Serving HTTP requests on {addr}");
            } else {
                tracing::info!(target: TARGET, "Serving HTTP requests on {addr} with CORS {:?}", self.rest.cors);
            }
        }
        tokio::pin!(shutdown);
        loop {
            let (stream, _) = tokio::select! {
                _ = &mut shutdown => return Ok(()),
                accepted = self.listener.accept() => accepted.map_err(RestError::Serve)?,
            };
            let rest = self.rest.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    let rest = rest.clone();
                    async move { Ok::<_, Infallible>(respond(&rest, req).await) }
                });
                let io = hyper_util::rt::TokioIo::new(stream);
                if let Err(e) = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await
                {
                    tracing::debug!(target: TARGET, "connection ended: {e}");
                }
            });
        }
    }
}

/// Reads a hyper request fully, runs the handler, and builds the hyper response.
async fn respond(rest: &Rest, req: hyper::Request<Incoming>) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let response = match body.collect().await {
        Ok(collected) => rest.handle(&Request {
            method: parts.method.as_str().to_string(),
            path: parts.uri.path().to_string(),
            query: parts.uri.query().unwrap_or_default().to_string(),
            headers: parts
                .headers
                .iter()
                .map(|(k, v)| {
                    let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
                    (k.as_str().to_string(), value)
                })
                .collect(),
            body: collected.to_bytes().to_vec(),
        }),
        Err(e) => Response::text(400, e),
    };
    let mut builder = hyper::Response::builder().status(response.status);
    for (name, value) in &response.headers {
        builder = builder.header(*name, value.as_str());
    }
    builder
        .body(Full::new(Bytes::from(response.body)))
        .unwrap_or_else(|_| hyper::Response::new(Full::new(Bytes::new())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(path: &str, body: &[u8]) -> Request {
        Request {
            method: "POST".into(),
            path: path.into(),
            body: body.to_vec(),
            ..Default::default()
        }
    }

    fn rest(cors: &[&str]) -> Rest {
        Rest::new(cors.iter().map(|s| s.to_string()).collect()).unwrap()
    }

    #[test]
    fn routes_and_statuses() {
        let r = rest(&[]);
        let envelope = crate::protos::common::Envelope {
            payload: vec![],
            signature: vec![1, 2],
        };
        let ok = r.handle(&post(
            "/protolator/decode/common.Envelope",
            &envelope.encode_to_vec(),
        ));
        assert_eq!(ok.status, 200);
        let json = String::from_utf8(ok.body).unwrap();
        assert_eq!(
            json,
            "{\n\t\"payload\": null,\n\t\"signature\": \"AQI=\"\n}\n"
        );
        let back = r.handle(&post("/protolator/encode/common.Envelope", json.as_bytes()));
        assert_eq!((back.status, back.body), (200, envelope.encode_to_vec()));
        let missing = r.handle(&post("/protolator/decode/common.Nope", b""));
        assert_eq!(
            (missing.status, missing.body),
            (404, b"message name not found\n".to_vec())
        );
        let bad = r.handle(&post("/protolator/decode/common.Envelope", b"\xff\xff"));
        assert_eq!(bad.status, 400);
        let bad = r.handle(&post("/protolator/encode/common.Envelope", b"{nope"));
        assert_eq!(bad.status, 400);
        assert!(String::from_utf8(bad.body)
            .unwrap()
            .starts_with("error decoding input"));
        let nowhere = r.handle(&post("/protolator/decode", b""));
        assert_eq!(
            (nowhere.status, nowhere.body),
            (404, b"404 page not found\n".to_vec())
        );
        let get = Request {
            method: "GET".into(),
            ..post("/protolator/decode/common.Envelope", b"")
        };
        assert_eq!(r.handle(&get).status, 405);
    }

    #[test]
    fn compute_update_names_the_bad_field() {
        let r = rest(&[]);
        let resp = r.handle(&post("/configtxlator/compute/update-from-configs", b""));
        assert_eq!(resp.status, 400);
        assert_eq!(
            String::from_utf8(resp.body).unwrap(),
            "Error with field 'original': error reading field bytes: request Content-Type isn't multipart/form-data\n"
        );
        let mut req = post(
            "/configtxlator/compute/update-from-configs",
            b"--b\r\nContent-Disposition: form-data; name=\"original\"; filename=\"o\"\r\n\r\n\r\n--b--\r\n",
        );
        req.headers.push((
            "content-type".into(),
            "multipart/form-data; boundary=b".into(),
        ));
        let resp = r.handle(&req);
        assert_eq!(
            String::from_utf8(resp.body).unwrap(),
            "Error with field 'updated': error reading field bytes: http: no such file\n"
        );
    }

    #[test]
    fn cors_follows_gorilla() {
        let r = rest(&["*"]);
        let mut pre = Request {
            method: "OPTIONS".into(),
            path: "/protolator/decode/common.Block".into(),
            headers: vec![
                ("origin".into(), "http://a.example".into()),
                ("access-control-request-method".into(), "POST".into()),
                (
                    "access-control-request-headers".into(),
                    "content-type".into(),
                ),
            ],
            ..Default::default()
        };
        let resp = r.handle(&pre);
        assert_eq!(resp.status, 200);
        assert_eq!(resp.header("Access-Control-Allow-Origin"), Some("*"));
        assert_eq!(
            resp.header("Access-Control-Allow-Headers"),
            Some("Content-Type")
        );
        pre.headers[2].1 = "x-secret".into();
        assert_eq!(r.handle(&pre).status, 403);
        pre.headers[1].1 = "PUT".into();
        assert_eq!(r.handle(&pre).status, 405);
        let named = rest(&["http://a.example", "http://b.example"]);
        let mut req = post("/nowhere", b"");
        req.headers
            .push(("origin".into(), "http://b.example".into()));
        let resp = named.handle(&req);
        assert_eq!(resp.status, 404);
        assert_eq!(
            resp.header("Access-Control-Allow-Origin"),
            Some("http://b.example")
        );
        assert_eq!(resp.header("Vary"), Some("Origin"));
        req.headers[0].1 = "http://evil.example".into();
        assert_eq!(
            named.handle(&req).header("Access-Control-Allow-Origin"),
            None
        );
        assert_eq!(canonical_header(" x-custom-HEADER "), "X-Custom-Header");
    }
}
