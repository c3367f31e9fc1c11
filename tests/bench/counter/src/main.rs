//! `request-counter --listen SOCK --upstream SOCK --log FILE`
//!
//! Sits in front of an engine's unix socket and appends one line per HTTP request it forwards
//! (`METHOD PATH`) to FILE, flushed at once, so a bench or test counts what a command asked of
//! the engine: `wc -l` before and after. Keep-alive connections carry several requests, so
//! request heads are parsed (bodies passed by `Content-Length` or chunked framing); answers
//! and upgraded streams (attach, hijacked sessions) are copied byte for byte.
//!
//! `--connections FILE` (optional) also appends one `CONNECT` line per accepted connection,
//! so requests per connection tell whether a client keeps its connections alive.
//!
//! `FILE.answers` gets one line each time the engine starts answering a request (its first
//! bytes after the head went out; an `/events` stream at once): a bench waiting for "quiet"
//! waits until every request has been answered — Podman's list of 1,000 images takes 10 s,
//! silence in the log meanwhile.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};

type Log = Arc<Mutex<std::fs::File>>;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                eprintln!(
                    "usage: request-counter --listen SOCK --upstream SOCK --log FILE [--connections FILE]"
                );
                std::process::exit(2)
            })
    };
    let (listen, upstream, log) = (value("--listen"), value("--upstream"), value("--log"));
    let connections = args.iter().any(|a| a == "--connections").then(|| {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(value("--connections"))
            .expect("open the connections log");
        Arc::new(Mutex::new(file))
    });
    let _ = std::fs::remove_file(&listen);
    let listener = UnixListener::bind(&listen).expect("bind the listening socket");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .expect("open the log");
    let mut answers_path = log.into_os_string();
    answers_path.push(".answers");
    let log: Log = Arc::new(Mutex::new(file));
    let answers: Log = Arc::new(Mutex::new(
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&answers_path)
            .expect("open the answers log"),
    ));
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        if let Some(file) = &connections
            && let Ok(mut f) = file.lock()
        {
            let _ = writeln!(f, "CONNECT");
        }
        let (upstream, log, answers) = (upstream.clone(), log.clone(), answers.clone());
        tokio::spawn(async move {
            if let Ok(engine) = UnixStream::connect(&upstream).await {
                let _ = relay(client, engine, log, answers).await;
            }
        });
    }
}

async fn relay(
    client: UnixStream,
    engine: UnixStream,
    log: Log,
    answers: Log,
) -> std::io::Result<()> {
    let (mut from_client, mut to_client) = client.into_split();
    let (mut from_engine, mut to_engine) = engine.into_split();
    // Requests of this connection sent and not answered yet. HTTP/1.1 without pipelining:
    // the next request goes out after the last answer, so bytes from the engine while one
    // is waiting are its answer starting.
    let waiting = Arc::new(AtomicBool::new(false));
    let (answered, answers_log) = (waiting.clone(), answers.clone());
    let copy = tokio::spawn(async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match from_engine.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if answered.swap(false, Ordering::SeqCst) {
                note_answer(&answers_log);
            }
            if to_client.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = to_client.shutdown().await;
    });
    let asked = forward_requests(&mut from_client, &mut to_engine, &log, &answers, &waiting).await;
    let _ = to_engine.shutdown().await;
    let _ = copy.await;
    asked
}

/// Forward request after request, logging each head; after an upgrade, everything raw.
async fn forward_requests<R, W>(
    from: &mut R,
    to: &mut W,
    log: &Log,
    answers: &Log,
    waiting: &AtomicBool,
) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut buf: Vec<u8> = Vec::with_capacity(8192);
    loop {
        // Read until a whole head is in the buffer.
        let (head_len, line, body) = loop {
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut req = httparse::Request::new(&mut headers);
            if let httparse::Status::Complete(n) = req.parse(&buf).map_err(invalid)? {
                let line = format!("{} {}", req.method.unwrap_or("?"), req.path.unwrap_or("?"));
                break (n, line, Body::of(req.headers));
            }
            if read_more(from, &mut buf).await? == 0 {
                return Ok(()); // the client closed between requests
            }
        };
        {
            let mut f = log.lock().expect("log lock");
            let _ = writeln!(f, "{line}");
            let _ = f.flush();
        }
        // An event stream answers only when something happens (Podman sends no headers
        // before the first event): counted as answered once asked.
        if line.contains("/events") {
            note_answer(answers);
        } else {
            waiting.store(true, Ordering::SeqCst);
        }
        to.write_all(&buf[..head_len]).await?;
        buf.drain(..head_len);
        match body {
            Body::Upgrade => {
                to.write_all(&buf).await?;
                tokio::io::copy(from, to).await?;
                return Ok(());
            }
            Body::Length(n) => pass_exact(from, to, &mut buf, n).await?,
            Body::Chunked => pass_chunked(from, to, &mut buf).await?,
        }
    }
}

fn note_answer(answers: &Log) {
    if let Ok(mut f) = answers.lock() {
        let _ = writeln!(f, "ANSWER");
        let _ = f.flush();
    }
}

enum Body {
    Length(u64),
    Chunked,
    Upgrade,
}

impl Body {
    fn of(headers: &[httparse::Header]) -> Body {
        let value = |name: &str| {
            headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case(name))
                .map(|h| String::from_utf8_lossy(h.value).to_ascii_lowercase())
        };
        if value("upgrade").is_some() {
            return Body::Upgrade;
        }
        if value("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
            return Body::Chunked;
        }
        Body::Length(
            value("content-length")
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0),
        )
    }
}

async fn read_more<R: AsyncRead + Unpin>(
    from: &mut R,
    buf: &mut Vec<u8>,
) -> std::io::Result<usize> {
    let mut chunk = [0u8; 65536];
    let n = from.read(&mut chunk).await?;
    buf.extend_from_slice(&chunk[..n]);
    Ok(n)
}

/// Pass `n` body bytes: first what is buffered, then straight from the client.
async fn pass_exact<R, W>(
    from: &mut R,
    to: &mut W,
    buf: &mut Vec<u8>,
    n: u64,
) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let buffered = (buf.len() as u64).min(n) as usize;
    to.write_all(&buf[..buffered]).await?;
    buf.drain(..buffered);
    let rest = n - buffered as u64;
    if rest > 0 {
        let copied = tokio::io::copy(&mut from.take(rest), to).await?;
        if copied < rest {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
    }
    Ok(())
}

/// Pass a chunked body: size lines, chunks, the last chunk and its trailers.
async fn pass_chunked<R, W>(from: &mut R, to: &mut W, buf: &mut Vec<u8>) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    loop {
        let line_end = loop {
            if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
                break i;
            }
            if read_more(from, buf).await? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
        };
        let size_text = String::from_utf8_lossy(&buf[..line_end]).to_string();
        let size = u64::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(invalid)?;
        let line: Vec<u8> = buf.drain(..line_end + 2).collect();
        to.write_all(&line).await?;
        if size == 0 {
            // Trailers, ended by an empty line.
            loop {
                let end = loop {
                    if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
                        break i;
                    }
                    if read_more(from, buf).await? == 0 {
                        return Err(std::io::ErrorKind::UnexpectedEof.into());
                    }
                };
                let trailer: Vec<u8> = buf.drain(..end + 2).collect();
                to.write_all(&trailer).await?;
                if end == 0 {
                    return Ok(());
                }
            }
        }
        pass_exact(from, to, buf, size + 2).await?; // the chunk and its CRLF
    }
}

fn invalid(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string())
}
