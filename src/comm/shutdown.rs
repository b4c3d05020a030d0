//! Stopping a node: the stop signal its servers and long-lived streams watch, a service
//! wrapper that ends every open response stream when it fires (chaincode Register,
//! Deliver, Broadcast: a stream answered with status UNAVAILABLE, so clients let go and
//! the drain can finish), and SIGINT/SIGTERM handling where a second signal exits at once.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::sync::watch;
use tonic::body::Body;
use tonic::codegen::{http, Bytes, Service};
use tonic::server::NamedService;

/// The side that stops.
#[derive(Debug)]
pub struct StopHandle(watch::Sender<bool>);

/// The side that waits for the stop (cheap to clone).
#[derive(Debug, Clone)]
pub struct Stop(watch::Receiver<bool>);

/// A new stop signal, not fired.
pub fn stop_channel() -> (StopHandle, Stop) {
    let (tx, rx) = watch::channel(false);
    (StopHandle(tx), Stop(rx))
}

impl StopHandle {
    /// Fires the stop (again is harmless).
    pub fn stop(&self) {
        self.0.send_replace(true);
    }

    /// Another waiter.
    pub fn subscribe(&self) -> Stop {
        Stop(self.0.subscribe())
    }
}

impl Stop {
    /// Whether the stop fired.
    pub fn is_stopped(&self) -> bool {
        *self.0.borrow()
    }

    /// Completes once the stop fired (or its handle is gone).
    pub async fn stopped(&mut self) {
        let _ = self.0.wait_for(|s| *s).await;
    }

    /// [`Stop::stopped`] as an owned future, for `serve_with_incoming_shutdown`.
    pub async fn into_stopped(mut self) {
        self.stopped().await
    }
}

/// A gRPC service whose response streams end, with status UNAVAILABLE, when the stop
/// fires; unary answers and streams that already ended are not touched.
#[derive(Debug, Clone)]
pub struct EndStreamsOnStop<S> {
    inner: S,
    stop: Stop,
}

/// Wraps `service` so its open response streams end when `stop` fires.
pub fn end_streams_on_stop<S>(service: S, stop: Stop) -> EndStreamsOnStop<S> {
    EndStreamsOnStop {
        inner: service,
        stop,
    }
}

impl<S: NamedService> NamedService for EndStreamsOnStop<S> {
    const NAME: &'static str = S::NAME;
}

impl<S> Service<http::Request<Body>> for EndStreamsOnStop<S>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let call = self.inner.call(request);
        let stop = self.stop.clone();
        Box::pin(async move {
            let response = call.await?;
            Ok(response.map(|body| Body::new(StopBody::new(body, stop))))
        })
    }
}

/// A response body that, when the stop fires while it waits for its next frame, ends with
/// grpc-status UNAVAILABLE instead.
struct StopBody {
    inner: Body,
    stop: Pin<Box<dyn Future<Output = ()> + Send>>,
    ended: bool,
}

impl StopBody {
    fn new(inner: Body, stop: Stop) -> Self {
        StopBody {
            inner,
            stop: Box::pin(stop.into_stopped()),
            ended: false,
        }
    }

    fn shutdown_trailers() -> http::HeaderMap {
        let mut trailers = http::HeaderMap::new();
        trailers.insert(
            "grpc-status",
            http::HeaderValue::from(tonic::Code::Unavailable as i32),
        );
        trailers.insert(
            "grpc-message",
            http::HeaderValue::from_static("the node is shutting down"),
        );
        trailers
    }
}

impl http_body::Body for StopBody {
    type Data = Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, tonic::Status>>> {
        if self.ended {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(None) => {
                self.ended = true;
                Poll::Ready(None)
            }
            Poll::Ready(frame) => Poll::Ready(frame),
            Poll::Pending => match self.stop.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    self.ended = true;
                    let trailers = Self::shutdown_trailers();
                    Poll::Ready(Some(Ok(http_body::Frame::trailers(trailers))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.ended || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// A stop signal of the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
}

impl Signal {
    /// The signal number.
    pub fn number(self) -> i32 {
        match self {
            Signal::Interrupt => 2,
            Signal::Terminate => 15,
        }
    }

    /// Go's name of the signal, as Fabric logs it.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "interrupt",
            Signal::Terminate => "terminated",
        }
    }
}

/// Completes on the next SIGINT or SIGTERM.
pub async fn next_signal() -> std::io::Result<Signal> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    Ok(tokio::select! {
        _ = int.recv() => Signal::Interrupt,
        _ = term.recv() => Signal::Terminate,
    })
}

/// From now on, a SIGINT or SIGTERM ends the process at once (exit status 1): the stop
/// already asked for is draining and the user does not want to wait.
pub fn exit_on_next_signal() {
    tokio::spawn(async {
        if let Ok(signal) = next_signal().await {
            tracing::warn!(target: "comm", "Received signal: {} ({}) while stopping; exiting now", signal.number(), signal.name());
            std::process::exit(1);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn an_open_stream_ends_unavailable_on_stop_and_a_finished_one_is_kept() {
        let (handle, stop) = stop_channel();
        let (tx, rx) =
            tokio::sync::mpsc::channel::<Result<http_body::Frame<Bytes>, tonic::Status>>(1);
        let open = http_body_util::StreamBody::new(tokio_stream::wrappers::ReceiverStream::new(rx));
        let mut body = StopBody::new(Body::new(open), stop.clone());
        tx.send(Ok(http_body::Frame::data(Bytes::from_static(b"x"))))
            .await
            .unwrap();
        let first = body.frame().await.unwrap().unwrap();
        assert_eq!(first.into_data().unwrap(), Bytes::from_static(b"x"));
        handle.stop();
        let last = body.frame().await.unwrap().unwrap();
        let trailers = last.into_trailers().unwrap();
        assert_eq!(trailers["grpc-status"], "14");
        assert!(body.frame().await.is_none());

        let done = StopBody::new(
            Body::new(http_body_util::Full::new(Bytes::from_static(b"y"))),
            stop,
        );
        let collected = done.collect().await.unwrap();
        assert!(collected.trailers().is_none());
        assert_eq!(collected.to_bytes(), Bytes::from_static(b"y"));
    }
}
