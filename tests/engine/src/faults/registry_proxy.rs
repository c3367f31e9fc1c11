//! The fault suite's registry proxy: a small HTTP/1.1 proxy on 127.0.0.1 in front of the
//! harness's registry that injects one fault at a time — a status for manifests, blob
//! downloads that stall after their headers or drop mid-body, 401 for everything — and
//! meters (and can throttle) blob bytes both ways, so a test can wait until a transfer is
//! really under way before it strikes.

use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, BodyStream, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// Forward everything; blob bodies (downloads and uploads) at most `throttle` bytes/s.
    Pass { throttle: Option<u64> },
    /// Manifest requests answer this status.
    ManifestStatus(u16),
    /// Blob downloads send their headers, then nothing, forever.
    StallBlobs,
    /// Blob downloads stop after this many body bytes and the connection drops.
    DropBlobsAfter(u64),
    /// Every request answers 401 with a Basic challenge.
    Unauthorized,
}

type ProxyBody = UnsyncBoxBody<Bytes, std::io::Error>;

struct State {
    upstream: String,
    fault: Mutex<Fault>,
    blob_down: AtomicU64,
    blob_up: AtomicU64,
}

pub struct RegistryProxy {
    /// `127.0.0.1:PORT`, to use as the registry part of image names.
    pub addr: String,
    state: Arc<State>,
    accept: tokio::task::JoinHandle<()>,
}

impl Drop for RegistryProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl RegistryProxy {
    pub async fn start(upstream: &str, fault: Fault) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let state = Arc::new(State {
            upstream: upstream.to_owned(),
            fault: Mutex::new(fault),
            blob_down: AtomicU64::new(0),
            blob_up: AtomicU64::new(0),
        });
        let serving = state.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((conn, _)) = listener.accept().await else {
                    return;
                };
                let state = serving.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| handle(state.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(conn), service)
                        .await;
                });
            }
        });
        Self {
            addr,
            state,
            accept,
        }
    }

    pub fn set(&self, fault: Fault) {
        *self.state.fault.lock().unwrap() = fault;
    }

    /// Blob body bytes sent to the engine so far (downloads).
    pub fn blob_bytes_down(&self) -> u64 {
        self.state.blob_down.load(Ordering::Relaxed)
    }

    /// Blob body bytes received from the engine so far (uploads).
    pub fn blob_bytes_up(&self) -> u64 {
        self.state.blob_up.load(Ordering::Relaxed)
    }

    /// Wait until `ready` holds (polled every 5 ms); panics after `limit` naming `what`.
    pub async fn wait_until(&self, what: &str, limit: Duration, ready: impl Fn(&Self) -> bool) {
        let deadline = Instant::now() + limit;
        while !ready(self) {
            assert!(Instant::now() < deadline, "timed out waiting until {what}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

fn full(status: u16, headers: &[(&str, &str)], body: &'static str) -> Response<ProxyBody> {
    let mut r = Response::builder().status(status);
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    r.header("Content-Type", "application/json")
        .body(
            Full::new(Bytes::from_static(body.as_bytes()))
                .map_err(|e| match e {})
                .boxed_unsync(),
        )
        .unwrap()
}

async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<ProxyBody>, std::io::Error> {
    let fault = state.fault.lock().unwrap().clone();
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    match &fault {
        Fault::Unauthorized => {
            return Ok(full(
                401,
                &[("WWW-Authenticate", "Basic realm=\"slipway-faults\"")],
                r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#,
            ));
        }
        Fault::ManifestStatus(code) if path.contains("/manifests/") => {
            return Ok(full(
                *code,
                &[],
                r#"{"errors":[{"code":"UNKNOWN","message":"injected by the fault proxy"}]}"#,
            ));
        }
        _ => {}
    }
    let throttle = match fault {
        Fault::Pass { throttle } => throttle,
        _ => None,
    };
    let blob_get = method == hyper::Method::GET && path.contains("/blobs/sha256:");
    let upload = path.contains("/blobs/uploads/")
        && (method == hyper::Method::PATCH || method == hyper::Method::PUT);
    let (parts, body) = req.into_parts();
    let body = if upload {
        metered(body, state.clone(), Direction::Up, throttle)
    } else {
        body.map_err(std::io::Error::other).boxed_unsync()
    };
    let upstream = tokio::net::TcpStream::connect(&state.upstream).await?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(upstream))
            .await
            .map_err(std::io::Error::other)?;
    tokio::spawn(conn);
    let response = sender
        .send_request(Request::from_parts(parts, body))
        .await
        .map_err(std::io::Error::other)?;
    let (parts, body) = response.into_parts();
    if !blob_get || !parts.status.is_success() {
        return Ok(Response::from_parts(
            parts,
            body.map_err(std::io::Error::other).boxed_unsync(),
        ));
    }
    let body = match fault {
        Fault::StallBlobs => {
            drop(body);
            let silent = futures_util::stream::pending::<Result<Frame<Bytes>, std::io::Error>>();
            BodyExt::boxed_unsync(StreamBody::new(silent))
        }
        Fault::DropBlobsAfter(n) => cut_after(body, state.clone(), n),
        _ => metered(body, state.clone(), Direction::Down, throttle),
    };
    Ok(Response::from_parts(parts, body))
}

#[derive(Clone, Copy)]
enum Direction {
    Up,
    Down,
}

/// Count (and pace) the data frames of a blob body.
fn metered(
    body: Incoming,
    state: Arc<State>,
    direction: Direction,
    throttle: Option<u64>,
) -> ProxyBody {
    let frames = BodyStream::new(body).then(move |frame| {
        let state = state.clone();
        async move {
            let frame = frame.map_err(std::io::Error::other)?;
            if let Some(data) = frame.data_ref() {
                let n = data.len() as u64;
                let counter = match direction {
                    Direction::Up => &state.blob_up,
                    Direction::Down => &state.blob_down,
                };
                counter.fetch_add(n, Ordering::Relaxed);
                if let Some(rate) = throttle {
                    tokio::time::sleep(Duration::from_secs_f64(n as f64 / rate as f64)).await;
                }
            }
            Ok(frame)
        }
    });
    BodyExt::boxed_unsync(StreamBody::new(frames))
}

/// The first `limit` bytes of a download, then an error: hyper drops the connection with the
/// body incomplete (its Content-Length promised more).
fn cut_after(body: Incoming, state: Arc<State>, limit: u64) -> ProxyBody {
    let sent = Arc::new(AtomicU64::new(0));
    let frames = BodyStream::new(body)
        .map(move |frame| {
            let frame = frame.map_err(std::io::Error::other)?;
            let Ok(data) = frame.into_data() else {
                return Ok(None);
            };
            let before = sent.load(Ordering::Relaxed);
            if before >= limit {
                return Err(std::io::Error::other(
                    "fault proxy: connection dropped mid-blob",
                ));
            }
            let keep = data.slice(..data.len().min((limit - before) as usize));
            sent.fetch_add(keep.len() as u64, Ordering::Relaxed);
            state
                .blob_down
                .fetch_add(keep.len() as u64, Ordering::Relaxed);
            Ok(Some(Frame::data(keep)))
        })
        .filter_map(|r| async move { r.transpose() });
    BodyExt::boxed_unsync(StreamBody::new(frames))
}
