//! TLS to a `tcp://` or `https://` engine, Docker's way, for bollard and the raw requests alike
//! (one connection per request, made here with rustls).
//!
//! Which files: an engine's own TLS files (a Docker context's `ca.pem`/`cert.pem`/`key.pem`,
//! `SkipTLSVerify`) win; else the docker CLI's environment: `DOCKER_TLS_VERIFY` (TLS, server
//! checked), `DOCKER_TLS` (TLS, server not checked), an `https://` address (TLS, checked),
//! with the files of `DOCKER_CERT_PATH` (default `~/.docker`) that exist.
//!
//! What can go wrong is said in the engine's name: a TLS file missing or not PEM (400, naming
//! the file), the engine wanting a client certificate (401) or refusing ours (403), the
//! engine's certificate not trusted (502). With TLS 1.3 the engine judges our certificate
//! after the handshake, so its refusal arrives at the first read: `TlsConnection` turns that
//! read error into the same typed error, carried through hyper and bollard (`carried`).
//! Paths are logged, never the contents of a key.

use crate::engine::discovery::TlsFiles;
use crate::error::{Error, ErrorKind, Result};
use bollard::{API_DEFAULT_VERSION, BollardRequest, Docker};
use rustls::pki_types::ServerName;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

mod config;
use config::client_config;
#[cfg(test)]
use config::{build_config, read_certificates, read_key};
#[cfg(test)]
use std::path::Path;

/// Docker's port for TLS when the address has none.
const DEFAULT_TLS_PORT: u16 = 2376;
/// A TLS connection (TCP and handshake) to bollard's engines gets this long, like raw ones.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the TLS material of one engine is (paths only) and whether its certificate is checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct TlsSettings {
    pub(crate) ca: Option<PathBuf>,
    pub(crate) cert: Option<PathBuf>,
    pub(crate) key: Option<PathBuf>,
    pub(crate) verify: bool,
}

impl TlsSettings {
    fn sends_certificate(&self) -> bool {
        self.cert.is_some() && self.key.is_some()
    }
}

/// Whether `host` is reached over TLS, and with what: `files` (the engine's own) win, else the
/// docker CLI's environment. `None`: plain HTTP (or not a TCP address at all).
pub(crate) fn settings_for(host: &str, files: Option<&TlsFiles>) -> Result<Option<TlsSettings>> {
    settings_from(host, files, |name| std::env::var(name).ok())
}

fn settings_from(
    host: &str,
    files: Option<&TlsFiles>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<TlsSettings>> {
    let https = host.starts_with("https://");
    if !https && !host.starts_with("tcp://") {
        return Ok(None);
    }
    if let Some(f) = files {
        return Ok(Some(TlsSettings {
            ca: f.ca.as_ref().map(PathBuf::from),
            cert: f.cert.as_ref().map(PathBuf::from),
            key: f.key.as_ref().map(PathBuf::from),
            verify: !f.skip_verify,
        }));
    }
    let set = |name: &str| env(name).is_some_and(|v| !v.is_empty());
    let verify = set("DOCKER_TLS_VERIFY") || (https && !set("DOCKER_TLS"));
    if !verify && !set("DOCKER_TLS") && !https {
        return Ok(None);
    }
    let dir = env("DOCKER_CERT_PATH")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| PathBuf::from(h).join(".docker")))
        .ok_or_else(|| Error::of(ErrorKind::NoCertPath))?;
    // Like the docker CLI: the default files that are there.
    let file = |n: &str| Some(dir.join(n)).filter(|p| p.exists());
    Ok(Some(TlsSettings {
        ca: file("ca.pem"),
        cert: file("cert.pem"),
        key: file("key.pem"),
        verify,
    }))
}

/// Whether an error is one of TLS's own (kept as is, never folded into "did not answer").
pub(crate) fn is_tls_failure(e: &Error) -> bool {
    use ErrorKind::*;
    matches!(
        e.kind(),
        Some(
            TlsFileUnreadable { .. }
                | TlsFileInvalid { .. }
                | EngineWantsCertificate { .. }
                | EngineRefusedCertificate { .. }
                | EngineCertificateUntrusted { .. }
                | TlsHandshakeFailed { .. }
                | EngineWantsTls { .. }
                | NoCertPath
        )
    )
}

/// A plain HTTP request reached a TLS engine (Go answers 400 "Client sent an HTTP request
/// to an HTTPS server."): say how to reach it.
pub(crate) fn plain_to_tls(host: &str, e: Error) -> Error {
    if e.code == 400 && e.message.contains("HTTP request to an HTTPS server") {
        let detail = e.message.clone();
        Error::of(ErrorKind::EngineWantsTls {
            host: host.to_owned(),
        })
        .with_detail(detail)
    } else {
        e
    }
}

/// A Slipway error that travelled inside an `io::Error` (through hyper or bollard).
pub(crate) fn carried(e: &(dyn std::error::Error + 'static)) -> Option<Error> {
    let mut at = Some(e);
    while let Some(err) = at {
        if let Some(ours) = err.downcast_ref::<Error>() {
            return Some(ours.clone());
        }
        if let Some(ours) = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<Error>())
        {
            return Some(ours.clone());
        }
        at = err.source();
    }
    None
}

/// The rustls error inside an I/O error (tokio-rustls wraps them so).
fn rustls_cause(e: &std::io::Error) -> Option<&rustls::Error> {
    e.get_ref()?.downcast_ref::<rustls::Error>()
}

/// What a TLS failure means for the user, in the engine's name.
fn classify(e: &rustls::Error, host: &str, sent_certificate: bool) -> Error {
    use rustls::AlertDescription as A;
    let host = host.to_owned();
    let kind = match e {
        rustls::Error::AlertReceived(A::CertificateRequired) => {
            ErrorKind::EngineWantsCertificate { host }
        }
        rustls::Error::AlertReceived(
            A::BadCertificate
            | A::UnknownCA
            | A::CertificateUnknown
            | A::UnsupportedCertificate
            | A::CertificateRevoked
            | A::CertificateExpired
            | A::AccessDenied,
        ) => {
            if sent_certificate {
                ErrorKind::EngineRefusedCertificate { host }
            } else {
                ErrorKind::EngineWantsCertificate { host }
            }
        }
        rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented => {
            ErrorKind::EngineCertificateUntrusted { host }
        }
        _ => ErrorKind::TlsHandshakeFailed { host },
    };
    Error::of(kind).with_detail(e)
}

fn io_failure(e: std::io::Error, host: &str, sent_certificate: bool) -> Error {
    match rustls_cause(&e) {
        Some(tls) => classify(tls, host, sent_certificate),
        None => Error::of(ErrorKind::EngineUnreachable {
            host: host.to_owned(),
        })
        .with_detail(e),
    }
}

/// `host:port` to dial and the name the engine's certificate must carry (a DNS name or an IP).
fn address(host: &str) -> Result<(String, ServerName<'static>)> {
    let bad = || {
        Error::of(ErrorKind::EngineAddressNotUnderstood {
            host: host.to_owned(),
        })
    };
    let rest = host
        .strip_prefix("tcp://")
        .or_else(|| host.strip_prefix("https://"))
        .ok_or_else(bad)?;
    let authority = rest.split('/').next().unwrap_or_default();
    let (name, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (ip, after) = v6.split_once(']').ok_or_else(bad)?;
        (ip, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (authority, None),
        }
    };
    let port: u16 = match port {
        Some(p) => p.parse().map_err(|_| bad())?,
        None => DEFAULT_TLS_PORT,
    };
    if name.is_empty() {
        return Err(bad());
    }
    let server = ServerName::try_from(name.to_owned()).map_err(|_| bad())?;
    let dial = if name.contains(':') {
        format!("[{name}]:{port}")
    } else {
        format!("{name}:{port}")
    };
    Ok((dial, server))
}

/// A TLS connection to an engine whose read and write errors name the engine.
///
/// A refusal that arrives before the request was written (the engine judged our certificate
/// right after a TLS 1.3 handshake) is held until it has been: hyper then reports it as the
/// request's own failure, not as a connection that "was not ready".
pub(crate) struct TlsConnection {
    inner: tokio_rustls::client::TlsStream<TcpStream>,
    host: String,
    sent_certificate: bool,
    wrote: bool,
    held: Option<std::io::Error>,
    reader: Option<Waker>,
}

impl TlsConnection {
    /// A TLS alert becomes the typed error, carried in the I/O error hyper passes on.
    fn typed(&self, e: std::io::Error) -> std::io::Error {
        match rustls_cause(&e) {
            Some(tls) => std::io::Error::other(classify(tls, &self.host, self.sent_certificate)),
            None => e,
        }
    }

    fn wrote_something(&mut self) {
        self.wrote = true;
        if let Some(reader) = self.reader.take() {
            reader.wake();
        }
    }
}

impl AsyncRead for TlsConnection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.held.is_none() {
            match Pin::new(&mut self.inner).poll_read(cx, buf) {
                Poll::Ready(Err(e)) => {
                    let e = self.typed(e);
                    self.held = Some(e);
                }
                other => return other,
            }
        }
        if self.wrote
            && let Some(e) = self.held.take()
        {
            return Poll::Ready(Err(e));
        }
        self.reader = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl AsyncWrite for TlsConnection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if self.held.is_some() {
            // The connection is lost; the held error is what the reader will say.
            self.wrote_something();
            return Poll::Ready(Ok(buf.len()));
        }
        match Pin::new(&mut self.inner).poll_write(cx, buf) {
            Poll::Ready(Err(e)) => Poll::Ready(Err(self.typed(e))),
            Poll::Ready(Ok(n)) => {
                self.wrote_something();
                Poll::Ready(Ok(n))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        if self.held.is_some() {
            return Poll::Ready(Ok(()));
        }
        match Pin::new(&mut self.inner).poll_flush(cx) {
            Poll::Ready(Err(e)) => Poll::Ready(Err(self.typed(e))),
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Dial the engine and make the TLS handshake.
#[tracing::instrument(level = "debug", skip(settings), fields(verify = settings.verify, ca = ?settings.ca, cert = ?settings.cert, key = ?settings.key))]
pub(crate) async fn connect(host: &str, settings: &TlsSettings) -> Result<TlsConnection> {
    let config = client_config(host, settings)?;
    let (dial, server) = address(host)?;
    let sent_certificate = settings.sends_certificate();
    let tcp = TcpStream::connect(&dial)
        .await
        .map_err(|e| io_failure(e, host, sent_certificate))?;
    // The handshake and a request are several small writes: Nagle's wait for the engine's
    // (delayed) ACK would add ~40 ms to each request.
    tcp.set_nodelay(true)
        .map_err(|e| io_failure(e, host, sent_certificate))?;
    let inner = tokio_rustls::TlsConnector::from(config)
        .connect(server, tcp)
        .await
        .map_err(|e| io_failure(e, host, sent_certificate))?;
    Ok(TlsConnection {
        inner,
        host: host.to_owned(),
        sent_certificate,
        wrote: false,
        held: None,
        reader: None,
    })
}

/// A bollard client whose requests go over `connect` (one connection each, like bollard's
/// own TLS client, but with these files, skip-verify, and errors in the engine's name).
pub(crate) fn bollard_client(host: &str, settings: TlsSettings, timeout: u64) -> Result<Docker> {
    let (dial, _) = address(host)?;
    // Files are read now, so a missing one is said at once rather than at the first call.
    client_config(host, &settings)?;
    let target = Arc::new((host.to_owned(), settings));
    let transport = move |request: BollardRequest| {
        let target = Arc::clone(&target);
        async move {
            send(&target.0, &target.1, request)
                .await
                .map_err(|e| bollard::errors::Error::IOError {
                    err: std::io::Error::other(e),
                })
        }
    };
    Docker::connect_with_custom_transport(
        transport,
        Some(format!("https://{dial}")),
        timeout,
        API_DEFAULT_VERSION,
    )
    .map_err(|e| {
        Error::of(ErrorKind::EngineAddressUnusable {
            host: host.to_owned(),
        })
        .with_detail(e)
    })
}

async fn send(
    host: &str,
    settings: &TlsSettings,
    request: BollardRequest,
) -> Result<http::Response<hyper::body::Incoming>> {
    let io = tokio::time::timeout(CONNECT_TIMEOUT, connect(host, settings))
        .await
        .map_err(|_| {
            Error::of(ErrorKind::EngineUnreachable {
                host: host.to_owned(),
            })
            .with_detail(format!(
                "no TLS connection within {} s",
                CONNECT_TIMEOUT.as_secs()
            ))
        })??;
    let broken = |e: hyper::Error| {
        carried(&e).unwrap_or_else(|| Error::of(ErrorKind::EngineConnectionFailed).with_detail(e))
    };
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(io))
            .await
            .map_err(broken)?;
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::debug!(error = %e, "TLS engine connection ended with an error");
        }
    });
    // bollard writes absolute URIs; on a connection of our own the target is the path.
    let (mut parts, body) = request.into_parts();
    if let Some(authority) = parts.uri.authority()
        && let Ok(value) = http::HeaderValue::from_str(authority.as_str())
    {
        parts.headers.entry(http::header::HOST).or_insert(value);
    }
    let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    parts.uri = target.parse().map_err(Error::unexpected)?;
    sender
        .send_request(http::Request::from_parts(parts, body))
        .await
        .map_err(broken)
}

#[cfg(test)]
mod handshake_tests;
#[cfg(test)]
mod tests;
