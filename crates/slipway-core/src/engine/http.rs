//! HTTP/1.1 to the engine with hyper, connections kept alive (`pool.rs`): chunked bodies are decoded,
//! so a body that ends before its last chunk (the engine died, the connection dropped) is an
//! error naming the operation and the engine — never the normal end of a stream, as it was
//! with HTTP/1.0 where the end of a body was simply the connection closing.
//!
//! Every request has a connect timeout and waits for the response headers at most the stall
//! timeout; its body stream fails after the stall timeout without bytes.
//! Unix sockets, tcp, tcp with TLS (`tls.rs`) and ssh (`ssh.rs`); elsewhere (pipes) callers get a 501 and use
//! bollard, whose streams get the same stall guard (see `stall.rs`).

use crate::engine::Engine;
use crate::engine::pool::{AbortOnDrop, Live, Pool};
use crate::engine::stall::{self, Activity, Guarded, StallInfo};
use crate::error::{Error, ErrorKind, Operation, Peer, Result, whole_seconds};
use bytes::Bytes;
use futures_util::Stream;
use http_body_util::Full;
use hyper::body::Body;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};

/// A socket that does not accept within this is not an engine worth waiting for.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

trait Connection: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Connection for T {}

/// The response body as it arrives, with the stall guard; the connection lives as long as it
/// does (dropping it before its end closes the connection, which is how the engine learns to
/// stop; read to the end, the connection goes back to the engine's pool).
pub(crate) type BodyStream = Guarded<Body1>;

/// Data frames of one response. An early end of the body is an error naming the engine.
pub(crate) struct Body1 {
    body: hyper::body::Incoming,
    failure: Failure,
    live: Option<Live>,
    pool: Pool,
}

/// What to say when the connection breaks.
#[derive(Clone)]
struct Failure {
    what: Operation,
    host: String,
}

impl Failure {
    fn broken(&self, e: &hyper::Error) -> Error {
        let (operation, host) = (self.what.clone(), self.host.clone());
        // A TLS engine refusing our certificate at the first read (TLS 1.3), in its own words.
        if let Some(typed) = super::tls::carried(e) {
            return typed.during(operation);
        }
        // Bytes that are not HTTP at all: whatever listens there is no engine (or a broken one).
        let kind = if e.is_parse() || e.is_parse_status() {
            ErrorKind::EngineNotHttp { operation, host }
        } else {
            ErrorKind::ConnectionBroke { operation, host }
        };
        Error::of(kind).with_detail(e)
    }
}

impl Stream for Body1 {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            return match Pin::new(&mut self.body).poll_frame(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(None) => {
                    if let Some(live) = self.live.take() {
                        self.pool.give(live);
                    }
                    Poll::Ready(None)
                }
                Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(self.failure.broken(&e)))),
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) if data.is_empty() => continue,
                    Ok(data) => Poll::Ready(Some(Ok(data))),
                    // Trailers: nothing for us.
                    Err(_) => continue,
                },
            };
        }
    }
}

/// Line-delimited JSON from a streaming endpoint (pull, push), read as it arrives.
pub(crate) type JsonLines<'a> = Pin<Box<dyn Stream<Item = Result<serde_json::Value>> + Send + 'a>>;

/// Split a byte stream into JSON values, one per line; a last line without `\n` counts.
/// A line that is not JSON is an error naming the engine at `host`.
pub(crate) fn json_lines<S>(bytes: S, host: &str) -> JsonLines<'static>
where
    S: Stream<Item = Result<Bytes>> + Unpin + Send + 'static,
{
    let host = host.to_owned();
    Box::pin(futures_util::stream::unfold(
        (bytes, Vec::<u8>::new(), false),
        move |(mut bytes, mut buf, mut ended)| {
            let host = host.clone();
            async move {
                loop {
                    if let Some(at) = buf.iter().position(|b| *b == b'\n') {
                        let line: Vec<u8> = buf.drain(..=at).collect();
                        if let Some(v) = parse_line(&line, &host) {
                            return Some((v, (bytes, buf, ended)));
                        }
                        continue;
                    }
                    if ended {
                        let rest = std::mem::take(&mut buf);
                        return parse_line(&rest, &host).map(|v| (v, (bytes, buf, ended)));
                    }
                    match futures_util::StreamExt::next(&mut bytes).await {
                        Some(Ok(chunk)) => buf.extend_from_slice(&chunk),
                        Some(Err(e)) => {
                            // An error ends the stream: nothing after it is trustworthy.
                            buf.clear();
                            ended = true;
                            return Some((Err(e), (bytes, buf, ended)));
                        }
                        None => ended = true,
                    }
                }
            }
        },
    ))
}

fn parse_line(line: &[u8], host: &str) -> Option<Result<serde_json::Value>> {
    let text = String::from_utf8_lossy(line);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    Some(serde_json::from_str(text).map_err(|e| unreadable(host, e, text)))
}

/// The engine answered something that is not the JSON it should be: name the engine, and
/// show what came (shortened) with the parser's complaint.
pub(crate) fn unreadable(host: &str, e: serde_json::Error, text: &str) -> Error {
    let mut shown: String = text.chars().take(80).collect();
    if shown.len() < text.len() {
        shown.push('…');
    }
    Error::of(ErrorKind::EngineUnreadable {
        host: host.to_owned(),
    })
    .with_detail(format!("{e}: {shown:?}"))
}

impl Engine {
    pub(crate) fn as_peer(&self) -> Peer {
        Peer::Engine {
            host: self.info.host.clone(),
        }
    }

    pub(crate) fn stall_info(&self, what: impl Into<Operation>) -> StallInfo {
        StallInfo {
            what: what.into(),
            peer: self.as_peer(),
            limit: self.stall,
        }
    }

    /// Send one request; return the status and the body stream. `what` names the operation
    /// in every error (connect, headers, broken or stalled body).
    pub(crate) async fn exchange(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, String)],
        body: Bytes,
        what: &Operation,
    ) -> Result<(u16, BodyStream)> {
        let (status, _, body) = self
            .exchange_with_headers(method, path_and_query, true, headers, body, what)
            .await?;
        Ok((status, body))
    }

    /// [`Self::exchange`] that also returns the response headers; `versioned: false` sends
    /// the path without the `/vX.Y` prefix (before the API version is known).
    pub(crate) async fn exchange_with_headers(
        &self,
        method: &str,
        path_and_query: &str,
        versioned: bool,
        headers: &[(&str, String)],
        body: Bytes,
        what: &Operation,
    ) -> Result<(u16, http::HeaderMap, BodyStream)> {
        let host = &self.info.host;
        let failure = Failure {
            what: what.clone(),
            host: host.clone(),
        };
        // Only requests that change nothing go over an idle connection: one the engine closed
        // meanwhile fails before an answer, and only those may simply be sent again.
        let mut pooled = match method {
            "GET" | "HEAD" => self.pool.take().await,
            _ => None,
        };
        loop {
            let reused = pooled.is_some();
            let mut live = match pooled.take() {
                Some(live) => live,
                None => self.open(what, &failure).await?,
            };
            let mut request = http::Request::builder()
                .method(method)
                .uri(match versioned {
                    true => format!("/v{}{path_and_query}", self.info.api_version),
                    false => path_and_query.to_owned(),
                })
                .header(http::header::HOST, "engine")
                .header(http::header::USER_AGENT, "slipway")
                .header(http::header::CONTENT_TYPE, "application/json");
            for (k, v) in headers {
                request = request.header(*k, v);
            }
            let request = request
                .body(Full::new(body.clone()))
                .map_err(|e| Error::unexpected(e).during(what))?;
            let info = self.stall_info(what);
            let response = tokio::time::timeout(self.stall, live.sender.send_request(request))
                .await
                .map_err(|_| {
                    Error::of(ErrorKind::HeadersTimeout {
                        operation: what.clone(),
                        host: host.clone(),
                        seconds: whole_seconds(self.stall),
                    })
                })?;
            let response = match response {
                Ok(r) => r,
                Err(e) if reused => {
                    tracing::debug!(error = %e, "idle engine connection was closed; a new one");
                    continue;
                }
                Err(e) => return Err(failure.broken(&e)),
            };
            let status = response.status().as_u16();
            let response_headers = response.headers().clone();
            let body = Body1 {
                body: response.into_body(),
                failure,
                live: Some(live),
                pool: self.pool.clone(),
            };
            return Ok((
                status,
                response_headers,
                stall::guard(body, Activity::new(), info),
            ));
        }
    }

    /// A new connection to the engine, HTTP/1.1 handshake done.
    async fn open(&self, what: &Operation, failure: &Failure) -> Result<Live> {
        let connect_limit = CONNECT_TIMEOUT.min(self.stall);
        let io = tokio::time::timeout(connect_limit, self.connect_raw())
            .await
            .map_err(|_| {
                Error::of(ErrorKind::ConnectTimeout {
                    operation: what.clone(),
                    host: self.info.host.clone(),
                    seconds: whole_seconds(connect_limit),
                })
            })??;
        let (sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(io))
                .await
                .map_err(|e| failure.broken(&e))?;
        let conn = AbortOnDrop(tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "engine connection ended with an error");
            }
        }));
        Ok(Live {
            sender,
            _conn: conn,
        })
    }

    async fn connect_raw(&self) -> Result<Box<dyn Connection>> {
        let host = &self.info.host;
        let refused = |e: std::io::Error| {
            Error::of(ErrorKind::EngineUnreachable { host: host.clone() }).with_detail(e)
        };
        #[cfg(unix)]
        if let Some(path) = host.strip_prefix("unix://") {
            return Ok(Box::new(
                tokio::net::UnixStream::connect(path)
                    .await
                    .map_err(refused)?,
            ));
        }
        if host.starts_with("ssh://") {
            return Ok(Box::new(super::ssh::dial(
                host,
                self.transport.identity.as_deref(),
            )?));
        }
        if let Some(tls) = super::tls::settings_for(host, self.transport.tls.as_ref())? {
            return Ok(Box::new(super::tls::connect(host, &tls).await?));
        }
        if let Some(addr) = host
            .strip_prefix("tcp://")
            .or_else(|| host.strip_prefix("http://"))
        {
            return Ok(Box::new(
                tokio::net::TcpStream::connect(addr)
                    .await
                    .map_err(refused)?,
            ));
        }
        Err(Error::of(ErrorKind::RawUnsupported { host: host.clone() }))
    }

    /// A bollard stream (TLS/ssh fallbacks, and the typed build/load/import/save calls) with
    /// its errors naming the operation and the engine, and the stall guard; `activity` is
    /// shared with the upload body, if there is one.
    pub(crate) fn watched<'a, T: 'a>(
        &self,
        stream: impl Stream<Item = std::result::Result<T, bollard::errors::Error>> + Send + 'a,
        activity: Activity,
        what: impl Into<Operation>,
    ) -> Guarded<Pin<Box<dyn Stream<Item = Result<T>> + Send + 'a>>> {
        let this = self.clone();
        let named: Operation = what.into();
        let info = self.stall_info(&named);
        let stream = futures_util::StreamExt::map(stream, move |item| {
            item.map_err(|e| this.lost(&named, Error::from(e)))
        });
        stall::guard(Box::pin(stream), activity, info)
    }

    /// Name the engine in an error from a bollard call that lost the engine (503), waited
    /// too long (504) or could not read its answer; other errors get `what` in front.
    pub(crate) fn lost(&self, what: impl Into<Operation>, e: Error) -> Error {
        let (operation, host) = (what.into(), self.info.host.clone());
        let named = e.message.contains(&host);
        // The engine's own words, not our sentence around them.
        let detail = e.detail.clone().unwrap_or_else(|| e.message.clone());
        let detail = (e.kind.is_none() || e.detail.is_some()).then_some(detail);
        match e.code {
            503 if !named => Error::of(ErrorKind::EngineStopped { operation, host })
                .with_detail(detail.unwrap_or_default()),
            504 if !named => Error::of(ErrorKind::EngineSlow { operation, host })
                .with_detail(detail.unwrap_or_default()),
            503 | 504 => e,
            _ if e.kind() == Some(&ErrorKind::UnreadableAnswer) => {
                Error::of(ErrorKind::EngineUnreadable { host })
                    .with_detail(detail.unwrap_or_default())
                    .with_code(e.code)
                    .during(operation)
            }
            _ => e.during(operation),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    fn bytes(parts: &[&'static str]) -> impl Stream<Item = Result<Bytes>> + Unpin + Send {
        futures_util::stream::iter(
            parts
                .iter()
                .map(|p| Ok(Bytes::from_static(p.as_bytes())))
                .collect::<Vec<_>>(),
        )
    }

    #[tokio::test]
    async fn lines_split_across_chunks_are_joined_and_blank_lines_skipped() {
        let got: Vec<_> = json_lines(
            bytes(&["{\"a\":", "1}\n\n{\"b\"", ":2}\r\n{\"c\":3}"]),
            "unix:///e.sock",
        )
        .collect()
        .await;
        let got: Vec<serde_json::Value> = got.into_iter().map(|r| r.unwrap()).collect();
        assert_eq!(
            got,
            vec![
                serde_json::json!({"a":1}),
                serde_json::json!({"b":2}),
                serde_json::json!({"c":3})
            ]
        );
    }

    /// A fake engine on a unix socket: answers one connection with `script` (raw bytes,
    /// then close, or stay silent with `hang`).
    struct FakeEngine {
        _dir: tempfile::TempDir,
        engine: Engine,
    }

    async fn fake_engine(script: &'static [u8], hang: bool) -> FakeEngine {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("e.sock");
        let listener = tokio::net::UnixListener::bind(&sock).unwrap();
        tokio::spawn(async move {
            let (mut conn, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 4096];
            let _ = conn.read(&mut request).await;
            conn.write_all(script).await.unwrap();
            if hang {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
        });
        let engine = Engine::unconnected(&format!("unix://{}", sock.display()))
            .with_stall_timeout(Duration::from_secs(1));
        FakeEngine { _dir: dir, engine }
    }

    #[tokio::test]
    async fn a_whole_chunked_stream_ends_normally() {
        let script = concat!(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            "f\r\n{\"status\":\"a\"}\n\r\n",
            "f\r\n{\"status\":\"b\"}\n\r\n",
            "0\r\n\r\n"
        );
        let fake = fake_engine(script.as_bytes(), true).await;
        let lines: Vec<_> = fake
            .engine
            .raw_stream("/images/create", &[], "Pulling x:1")
            .await
            .unwrap()
            .collect()
            .await;
        let statuses: Vec<String> = lines
            .into_iter()
            .map(|l| l.unwrap()["status"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(statuses, ["a", "b"]);
    }

    /// The bug this transport fixes: with HTTP/1.0, an engine dying mid-stream looked like
    /// the end of the stream and a push was reported done.
    #[tokio::test]
    async fn a_stream_cut_before_its_last_chunk_is_an_error_naming_the_operation_and_engine() {
        let script = concat!(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            "f\r\n{\"status\":\"a\"}\n\r\n",
            "40\r\n{\"status\":\"Pushing\""
        );
        let fake = fake_engine(script.as_bytes(), false).await;
        let lines: Vec<_> = fake
            .engine
            .raw_stream("/images/x/push", &[], "Pushing x:1")
            .await
            .unwrap()
            .collect()
            .await;
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].is_ok());
        let e = lines[1].as_ref().unwrap_err();
        assert_eq!(e.code, 503);
        assert!(e.message.starts_with("Pushing x:1:"), "{}", e.message);
        assert!(e.message.contains(&fake.engine.info.host), "{}", e.message);
    }

    #[tokio::test]
    async fn a_stream_that_goes_silent_fails_with_504_within_the_stall_bound() {
        let script = concat!(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            "f\r\n{\"status\":\"a\"}\n\r\n"
        );
        let fake = fake_engine(script.as_bytes(), true).await;
        let mut lines = fake
            .engine
            .raw_stream("/images/create", &[], "Pulling x:1")
            .await
            .unwrap();
        assert!(lines.next().await.unwrap().is_ok());
        let started = std::time::Instant::now();
        let e = lines.next().await.unwrap().unwrap_err();
        let waited = started.elapsed();
        assert_eq!(e.code, 504);
        assert!(
            waited >= Duration::from_millis(900) && waited < Duration::from_secs(3),
            "{waited:?}"
        );
        assert!(e.message.contains("Pulling x:1 stalled"), "{}", e.message);
        assert!(e.message.contains("1 s"), "{}", e.message);
        assert!(lines.next().await.is_none());
    }

    #[tokio::test]
    async fn an_engine_that_accepts_but_never_answers_is_a_504_not_a_hang() {
        let fake = fake_engine(b"", true).await;
        let started = std::time::Instant::now();
        let e = fake
            .engine
            .raw_json("GET", "/images/json", None)
            .await
            .unwrap_err();
        assert_eq!(e.code, 504);
        assert!(started.elapsed() < Duration::from_secs(3));
        assert!(
            e.message.contains("did not answer within 1 s"),
            "{}",
            e.message
        );
    }

    #[tokio::test]
    async fn a_json_answer_cut_short_is_an_error_not_half_a_document() {
        let script = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"Id\":\"sha256:";
        let fake = fake_engine(script.as_bytes(), false).await;
        let e = fake
            .engine
            .raw_json("GET", "/images/x/json", None)
            .await
            .unwrap_err();
        assert_eq!(e.code, 503, "{}", e.message);
        assert!(e.message.contains("GET /images/x/json"), "{}", e.message);
    }

    /// Something that is not an engine listens there (an ssh daemon, a web server).
    #[tokio::test]
    async fn an_answer_that_is_not_http_names_the_engine_address() {
        let fake = fake_engine(b"SSH-2.0-OpenSSH_9.2\r\n", false).await;
        let e = fake
            .engine
            .raw_json("GET", "/images/json", None)
            .await
            .unwrap_err();
        assert_eq!(e.code, 502, "{}", e.message);
        assert!(
            matches!(e.kind(), Some(ErrorKind::EngineNotHttp { host, .. }) if *host == fake.engine.info.host),
            "{e:?}"
        );
        assert!(e.message.contains(&fake.engine.info.host), "{}", e.message);
        assert!(e.detail.is_some(), "the parser's complaint is kept: {e:?}");
    }

    #[tokio::test]
    async fn http_with_something_else_than_json_names_the_engine_and_what_came() {
        let script = "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n<html>hello</html>\r\n";
        let fake = fake_engine(script.as_bytes(), false).await;
        let e = fake
            .engine
            .raw_json("GET", "/images/json", None)
            .await
            .unwrap_err();
        assert_eq!(e.code, 502);
        let host = &fake.engine.info.host;
        assert_eq!(
            e.kind(),
            Some(&ErrorKind::EngineUnreadable { host: host.clone() })
        );
        assert!(
            e.message.starts_with("GET /images/json: The engine at "),
            "{}",
            e.message
        );
        assert!(e.message.contains("<html>hello"), "{}", e.message);

        let script = concat!(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            "f\r\n{\"status\":\"a\"}\n\r\n",
            "6\r\nnot js\r\n",
            "0\r\n\r\n"
        );
        let fake = fake_engine(script.as_bytes(), true).await;
        let lines: Vec<_> = fake
            .engine
            .raw_stream("/images/create", &[], "Pulling x:1")
            .await
            .unwrap()
            .collect()
            .await;
        let e = lines.last().unwrap().as_ref().unwrap_err();
        assert!(e.message.contains(&fake.engine.info.host), "{}", e.message);
        assert!(e.message.contains("not js"), "{}", e.message);
    }

    #[tokio::test]
    async fn a_missing_socket_is_a_503_naming_the_engine() {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("gone.sock");
        let listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        let host = format!("unix://{}", sock.display());
        let engine = Engine::unconnected(&host);
        // The engine died: its socket file is there, nobody listens.
        drop(listener);
        let e = engine.raw_json("GET", "/_ping", None).await.unwrap_err();
        assert_eq!(e.code, 503);
        assert!(e.message.contains(&host), "{}", e.message);
    }

    #[tokio::test]
    async fn engine_errors_keep_their_status_on_streams() {
        let script =
            "HTTP/1.1 404 Not Found\r\nContent-Length: 28\r\n\r\n{\"message\":\"no such image\"}\n";
        let fake = fake_engine(script.as_bytes(), true).await;
        let e = fake
            .engine
            .raw_stream("/images/x/push", &[], "Pushing x:1")
            .await
            .err()
            .unwrap();
        assert_eq!((e.code, e.message.as_str()), (404, "no such image"));
    }

    #[tokio::test]
    async fn an_error_ends_the_lines_even_with_a_partial_line_buffered() {
        let parts = futures_util::stream::iter(vec![
            Ok(Bytes::from_static(b"{\"a\":1}\n{\"half")),
            Err(Error::unavailable("broke")),
            Ok(Bytes::from_static(b"\"}\n")),
        ]);
        let got: Vec<_> = json_lines(parts, "unix:///e.sock").collect().await;
        assert_eq!(got.len(), 2);
        assert!(got[0].is_ok());
        assert_eq!(got[1].as_ref().unwrap_err().code, 503);
    }
}
