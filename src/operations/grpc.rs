//! Fabric's gRPC server metrics (`common/grpcmetrics` and `core/comm`'s connection
//! counters) for a tonic server: a tower layer ([`GrpcMetricsLayer`]) that counts calls
//! received and completed, their duration and status code, and the messages of streaming
//! calls; and [`count_connections`], which counts connections opened and closed over the
//! server's incoming stream.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_stream::{Stream, StreamExt};
use tonic::transport::server::Connected;
use tower_layer::Layer;
use tower_service::Service;

use super::fabric::{
    GRPC_COMM_CONN_CLOSED, GRPC_COMM_CONN_OPENED, GRPC_SERVER_STREAM_MESSAGES_RECEIVED,
    GRPC_SERVER_STREAM_MESSAGES_SENT, GRPC_SERVER_STREAM_REQUESTS_COMPLETED,
    GRPC_SERVER_STREAM_REQUESTS_RECEIVED, GRPC_SERVER_STREAM_REQUEST_DURATION,
    GRPC_SERVER_UNARY_REQUESTS_COMPLETED, GRPC_SERVER_UNARY_REQUESTS_RECEIVED,
    GRPC_SERVER_UNARY_REQUEST_DURATION,
};
use super::metrics::{Counter, Histogram, Metrics};

/// The streaming methods of every service this project serves (all bidirectional); any
/// other method is unary. A test checks the table against the proto files.
const STREAMING_METHODS: &[&str] = &[
    "/protos.Deliver/Deliver",
    "/protos.Deliver/DeliverFiltered",
    "/protos.ChaincodeSupport/Register",
    // Chaincode as a service: served by chaincodes (the Rust shim's server mode).
    "/protos.Chaincode/Connect",
    "/gossip.Gossip/GossipStream",
    "/orderer.AtomicBroadcast/Broadcast",
    "/orderer.AtomicBroadcast/Deliver",
    "/orderer.Cluster/Step",
];

/// Go's `codes.Code.String()` for a gRPC status number.
fn code_name(code: &str) -> &'static str {
    const NAMES: [&str; 17] = [
        "OK",
        "Canceled",
        "Unknown",
        "InvalidArgument",
        "DeadlineExceeded",
        "NotFound",
        "AlreadyExists",
        "PermissionDenied",
        "ResourceExhausted",
        "FailedPrecondition",
        "Aborted",
        "OutOfRange",
        "Unimplemented",
        "Internal",
        "Unavailable",
        "DataLoss",
        "Unauthenticated",
    ];
    code.trim()
        .parse::<usize>()
        .ok()
        .and_then(|n| NAMES.get(n).copied())
        .unwrap_or("Unknown")
}

/// One kind of call's counters.
#[derive(Clone)]
struct CallMetrics {
    received: Counter,
    completed: Counter,
    duration: Histogram,
}

#[derive(Clone)]
struct GrpcMetrics {
    unary: CallMetrics,
    stream: CallMetrics,
    messages_received: Counter,
    messages_sent: Counter,
}

/// The tower layer counting `grpc_server_*` around every call of a tonic server.
#[derive(Clone)]
pub struct GrpcMetricsLayer {
    metrics: Arc<GrpcMetrics>,
}

impl GrpcMetricsLayer {
    pub fn new(metrics: &Metrics) -> Self {
        GrpcMetricsLayer {
            metrics: Arc::new(GrpcMetrics {
                unary: CallMetrics {
                    received: metrics.counter(GRPC_SERVER_UNARY_REQUESTS_RECEIVED),
                    completed: metrics.counter(GRPC_SERVER_UNARY_REQUESTS_COMPLETED),
                    duration: metrics.histogram(GRPC_SERVER_UNARY_REQUEST_DURATION),
                },
                stream: CallMetrics {
                    received: metrics.counter(GRPC_SERVER_STREAM_REQUESTS_RECEIVED),
                    completed: metrics.counter(GRPC_SERVER_STREAM_REQUESTS_COMPLETED),
                    duration: metrics.histogram(GRPC_SERVER_STREAM_REQUEST_DURATION),
                },
                messages_received: metrics.counter(GRPC_SERVER_STREAM_MESSAGES_RECEIVED),
                messages_sent: metrics.counter(GRPC_SERVER_STREAM_MESSAGES_SENT),
            }),
        }
    }
}

impl<S> Layer<S> for GrpcMetricsLayer {
    type Service = GrpcMetricsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GrpcMetricsService {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

/// A service counted by [`GrpcMetricsLayer`].
#[derive(Clone)]
pub struct GrpcMetricsService<S> {
    inner: S,
    metrics: Arc<GrpcMetrics>,
}

/// One call in flight: recorded as completed (with its code and duration) when its
/// response body ends or is dropped.
struct Call {
    calls: CallMetrics,
    service: String,
    method: String,
    started: Instant,
    code: Option<&'static str>,
}

impl Drop for Call {
    fn drop(&mut self) {
        // No status seen: the client went away before the call ended (Go's Canceled).
        let code = self.code.unwrap_or("Canceled");
        let labels = [self.service.as_str(), self.method.as_str(), code];
        self.calls.completed.add(&labels, 1.0);
        self.calls
            .duration
            .observe_duration(&labels, self.started.elapsed());
    }
}

impl<S, ResBody> Service<http::Request<tonic::body::Body>> for GrpcMetricsService<S>
where
    S: Service<http::Request<tonic::body::Body>, Response = http::Response<ResBody>>,
    S::Future: Send + 'static,
    ResBody: Body<Data = Bytes>,
{
    type Response = http::Response<CountedBody<ResBody>>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        let path = request.uri().path().to_string();
        let (service, method) = split_method(&path);
        let streaming = STREAMING_METHODS.contains(&path.as_str());
        let m = &self.metrics;
        let calls = if streaming { &m.stream } else { &m.unary };
        calls.received.add(&[&service, &method], 1.0);
        let request = if streaming {
            let counter = (
                m.messages_received.clone(),
                [service.clone(), method.clone()],
            );
            request.map(|body| tonic::body::Body::new(CountedBody::new(body, Some(counter), None)))
        } else {
            request
        };
        let call = Call {
            calls: calls.clone(),
            service,
            method,
            started: Instant::now(),
            code: None,
        };
        let sent = streaming.then(|| {
            let labels = [call.service.clone(), call.method.clone()];
            (m.messages_sent.clone(), labels)
        });
        let future = self.inner.call(request);
        Box::pin(async move {
            let mut call = call;
            let response = future.await?;
            // A trailers-only answer carries its status in the headers.
            if let Some(code) = response.headers().get("grpc-status") {
                call.code = Some(code_name(code.to_str().unwrap_or_default()));
            }
            Ok(response.map(|body| CountedBody::new(body, sent, Some(call))))
        })
    }
}

/// `/package.Service/Method` as Fabric's grpcmetrics labels it: ("package.Service", "Method").
fn split_method(path: &str) -> (String, String) {
    let trimmed = path.trim_start_matches('/');
    match trimmed.split_once('/') {
        Some((service, method)) => (service.to_string(), method.to_string()),
        None => ("unknown".to_string(), trimmed.to_string()),
    }
}

/// Counts the gRPC messages in a byte stream (5-byte header: flag, big-endian length).
#[derive(Debug, Default)]
struct Framing {
    header: [u8; 5],
    have: usize,
    remaining: u64,
}

impl Framing {
    /// Feeds bytes; returns how many messages began in them.
    fn feed(&mut self, mut data: &[u8]) -> u64 {
        let mut messages = 0;
        while !data.is_empty() {
            if self.remaining > 0 {
                let take = (self.remaining as usize).min(data.len());
                data = &data[take..];
                self.remaining -= take as u64;
                continue;
            }
            let take = (5 - self.have).min(data.len());
            self.header[self.have..self.have + take].copy_from_slice(&data[..take]);
            self.have += take;
            data = &data[take..];
            if self.have == 5 {
                let len = [
                    self.header[1],
                    self.header[2],
                    self.header[3],
                    self.header[4],
                ];
                self.remaining = u32::from_be_bytes(len) as u64;
                self.have = 0;
                messages += 1;
            }
        }
        messages
    }
}

pin_project! {
    /// A body whose messages are counted (streams) and whose end completes its call.
    pub struct CountedBody<B> {
        #[pin]
        inner: B,
        framing: Framing,
        messages: Option<(Counter, [String; 2])>,
        call: Option<Call>,
    }
}

impl<B> CountedBody<B> {
    fn new(inner: B, messages: Option<(Counter, [String; 2])>, call: Option<Call>) -> Self {
        CountedBody {
            inner,
            framing: Framing::default(),
            messages,
            call,
        }
    }
}

impl<B: Body<Data = Bytes>> Body for CountedBody<B> {
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let this = self.project();
        let polled = this.inner.poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let (Some(data), Some((counter, labels))) = (frame.data_ref(), &this.messages) {
                    let n = this.framing.feed(data);
                    if n > 0 {
                        counter.add(&[&labels[0], &labels[1]], n as f64);
                    }
                }
                if let (Some(trailers), Some(call)) = (frame.trailers_ref(), this.call.as_mut()) {
                    if let Some(code) = trailers.get("grpc-status") {
                        call.code = Some(code_name(code.to_str().unwrap_or_default()));
                    }
                }
            }
            Poll::Ready(None) => {
                // The call is over: record it now rather than when the body is dropped.
                this.call.take();
            }
            _ => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

pin_project! {
    /// An accepted connection counted in `grpc_comm_conn_closed` when dropped.
    pub struct CountedConnection<IO> {
        #[pin]
        inner: IO,
        closed: Counter,
    }

    impl<IO> PinnedDrop for CountedConnection<IO> {
        fn drop(this: Pin<&mut Self>) {
            this.closed.add(&[], 1.0);
        }
    }
}

/// Counts `grpc_comm_conn_opened` for every connection `incoming` yields and
/// `grpc_comm_conn_closed` when each is dropped.
pub fn count_connections<S, IO, E>(
    incoming: S,
    metrics: &Metrics,
) -> impl Stream<Item = Result<CountedConnection<IO>, E>>
where
    S: Stream<Item = Result<IO, E>>,
{
    let opened = metrics.counter(GRPC_COMM_CONN_OPENED);
    let closed = metrics.counter(GRPC_COMM_CONN_CLOSED);
    incoming.map(move |accepted| {
        accepted.map(|inner| {
            opened.add(&[], 1.0);
            CountedConnection {
                inner,
                closed: closed.clone(),
            }
        })
    })
}

impl<IO: Connected> Connected for CountedConnection<IO> {
    type ConnectInfo = IO::ConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.inner.connect_info()
    }
}

impl<IO: AsyncRead> AsyncRead for CountedConnection<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        self.project().inner.poll_read(cx, buf)
    }
}

impl<IO: AsyncWrite> AsyncWrite for CountedConnection<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.project().inner.poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_counts_messages_split_and_merged_across_frames() {
        let mut f = Framing::default();
        // Two messages (3 and 0 bytes) in one chunk, then one split inside its header.
        assert_eq!(f.feed(&[0, 0, 0, 0, 3, 1, 2, 3, 0, 0, 0, 0, 0]), 2);
        assert_eq!(f.feed(&[0, 0, 0]), 0);
        assert_eq!(f.feed(&[0, 2, 9]), 1);
        assert_eq!(f.feed(&[9]), 0);
        assert_eq!(f.feed(&[0, 0, 0, 0, 1, 7]), 1);
    }

    #[test]
    fn names_and_codes_as_fabric_labels_them() {
        assert_eq!(
            split_method("/protos.Endorser/ProcessProposal"),
            ("protos.Endorser".to_string(), "ProcessProposal".to_string())
        );
        assert_eq!(code_name("0"), "OK");
        assert_eq!(code_name("7"), "PermissionDenied");
        assert_eq!(code_name("16"), "Unauthenticated");
        assert_eq!(code_name("99"), "Unknown");
    }

    #[test]
    fn the_streaming_table_lists_every_stream_rpc_of_the_protos() {
        let protos = [
            ("protos", include_str!("../../proto/peer/events.proto")),
            (
                "protos",
                include_str!("../../proto/peer/chaincode_shim.proto"),
            ),
            ("gossip", include_str!("../../proto/gossip/message.proto")),
            ("orderer", include_str!("../../proto/orderer/ab.proto")),
            ("orderer", include_str!("../../proto/orderer/cluster.proto")),
        ];
        let mut found = Vec::new();
        for (package, text) in protos {
            let mut service = "";
            for line in text.lines().map(str::trim) {
                if let Some(rest) = line.strip_prefix("service ") {
                    service = rest.split_whitespace().next().unwrap_or_default();
                }
                if let Some(rest) = line.strip_prefix("rpc ") {
                    if rest.contains("stream ") {
                        let method = rest.split('(').next().unwrap_or_default().trim();
                        found.push(format!("/{package}.{service}/{method}"));
                    }
                }
            }
        }
        found.sort();
        let mut table: Vec<String> = STREAMING_METHODS.iter().map(|s| s.to_string()).collect();
        table.sort();
        assert_eq!(found, table);
    }
}
