//! A minimal raw HTTP/1.0 request to the engine, for the few endpoints whose shape changed
//! between API versions so that bollard's models (written for the newest API) read nothing:
//! `/system/df` on API 1.41 and `keep-storage` build-cache prune.
//! Only plain unix sockets and tcp: callers fall back to computing where this is refused.

use crate::engine::Engine;
use crate::error::{Error, Result};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

impl Engine {
    /// `GET`/`POST` `path_and_query` (without the version prefix) and parse the JSON answer.
    #[tracing::instrument(level = "debug", skip(self, body))]
    pub(crate) async fn raw_json(
        &self,
        method: &str,
        path_and_query: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value> {
        let target = format!("/v{}{path_and_query}", self.info.api_version);
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let request = format!(
            "{method} {target} HTTP/1.0\r\nHost: engine\r\nUser-Agent: slipway\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let host = &self.info.host;
        let response = if let Some(path) = host.strip_prefix("unix://") {
            #[cfg(unix)]
            {
                let stream = tokio::net::UnixStream::connect(path).await?;
                exchange(stream, &request).await?
            }
            #[cfg(not(unix))]
            {
                let _ = path;
                return Err(Error::new(501, "unix sockets are not available here"));
            }
        } else if let Some(addr) = host
            .strip_prefix("tcp://")
            .or_else(|| host.strip_prefix("http://"))
        {
            if std::env::var("DOCKER_TLS_VERIFY").is_ok_and(|v| !v.is_empty() && v != "0") {
                return Err(Error::new(501, "raw requests are not made over TLS"));
            }
            let stream = tokio::net::TcpStream::connect(addr).await?;
            exchange(stream, &request).await?
        } else {
            return Err(Error::new(
                501,
                format!("raw requests are not made to {host}"),
            ));
        };
        parse_response(&response)
    }
}

/// Line-delimited JSON from a streaming endpoint (pull, push), read as it arrives.
pub(crate) type JsonLines =
    std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<serde_json::Value>> + Send>>;

impl Engine {
    /// `POST` to a streaming endpoint and yield each JSON line. Raw because bollard's models
    /// drop fields we need: the layer `id` of push progress and Podman's plain `error` lines.
    /// Returns 501 where the transport is not a plain socket, so callers can fall back.
    #[tracing::instrument(level = "debug", skip(self, headers))]
    pub(crate) async fn raw_stream(
        &self,
        path_and_query: &str,
        headers: &[(&str, String)],
    ) -> Result<JsonLines> {
        let target = format!("/v{}{path_and_query}", self.info.api_version);
        let mut request = format!(
            "POST {target} HTTP/1.0\r\nHost: engine\r\nUser-Agent: slipway\r\nContent-Length: 0\r\n"
        );
        for (k, v) in headers {
            request.push_str(&format!("{k}: {v}\r\n"));
        }
        request.push_str("\r\n");
        let host = &self.info.host;
        let io: Box<dyn AsyncReadWrite> = if let Some(path) = host.strip_prefix("unix://") {
            #[cfg(unix)]
            {
                Box::new(tokio::net::UnixStream::connect(path).await?)
            }
            #[cfg(not(unix))]
            {
                let _ = path;
                return Err(Error::new(501, "unix sockets are not available here"));
            }
        } else if let Some(addr) = host
            .strip_prefix("tcp://")
            .or_else(|| host.strip_prefix("http://"))
            && !std::env::var("DOCKER_TLS_VERIFY").is_ok_and(|v| !v.is_empty() && v != "0")
        {
            Box::new(tokio::net::TcpStream::connect(addr).await?)
        } else {
            return Err(Error::new(
                501,
                format!("raw requests are not made to {host}"),
            ));
        };
        let mut reader = tokio::io::BufReader::new(io);
        reader.get_mut().write_all(request.as_bytes()).await?;
        let status = read_head(&mut reader).await?;
        if !(200..300).contains(&status) {
            let mut body = Vec::new();
            reader.read_to_end(&mut body).await?;
            let mut raw = format!("HTTP/1.0 {status} X\r\n\r\n").into_bytes();
            raw.extend(body);
            return Err(parse_response(&raw).unwrap_err());
        }
        let lines =
            tokio_util::codec::FramedRead::new(reader, tokio_util::codec::LinesCodec::new());
        use futures_util::StreamExt;
        Ok(Box::pin(lines.filter_map(|line| async move {
            match line {
                Ok(l) if l.trim().is_empty() => None,
                Ok(l) => Some(serde_json::from_str(&l).map_err(|e| {
                    Error::new(
                        502,
                        format!("The engine sent a line Slipway could not read: {e}"),
                    )
                })),
                Err(e) => Some(Err(Error::new(
                    502,
                    format!("The engine stream broke off: {e}"),
                ))),
            }
        })))
    }
}

trait AsyncReadWrite: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> AsyncReadWrite for T {}

/// Read the status line and headers; return the status.
async fn read_head<R: tokio::io::AsyncBufRead + Unpin>(reader: &mut R) -> Result<u16> {
    use tokio::io::AsyncBufReadExt;
    let mut line = String::new();
    reader.read_line(&mut line).await?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::new(502, "The engine sent no HTTP status."))?;
    loop {
        line.clear();
        if reader.read_line(&mut line).await? == 0 || line.trim().is_empty() {
            return Ok(status);
        }
    }
}

/// Percent-encode a query value.
pub(crate) fn query_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    request: &str,
) -> Result<Vec<u8>> {
    stream.write_all(request.as_bytes()).await?;
    let mut buf = Vec::new();
    // HTTP/1.0: the engine closes the connection after the body, no chunking to undo.
    tokio::time::timeout(
        std::time::Duration::from_secs(300),
        stream.read_to_end(&mut buf),
    )
    .await
    .map_err(|_| Error::timeout("The engine did not finish answering within 5 minutes."))??;
    Ok(buf)
}

fn parse_response(raw: &[u8]) -> Result<serde_json::Value> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| Error::new(502, "The engine sent an incomplete HTTP answer."))?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let body = &raw[split + 4..];
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::new(502, "The engine sent no HTTP status."))?;
    if !(200..300).contains(&status) {
        let text = String::from_utf8_lossy(body);
        let message = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
            .unwrap_or_else(|| text.trim().to_owned());
        return Err(Error::new(status, message));
    }
    serde_json::from_slice(body).map_err(|e| {
        Error::new(
            502,
            format!("The engine sent JSON Slipway could not read: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_body_is_parsed() {
        let v =
            parse_response(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"a\":1}")
                .unwrap();
        assert_eq!(v["a"], 1);
    }

    #[test]
    fn engine_errors_keep_their_status_and_sentence() {
        let e = parse_response(b"HTTP/1.0 404 Not Found\r\n\r\n{\"message\":\"page not found\"}")
            .unwrap_err();
        assert_eq!((e.code, e.message.as_str()), (404, "page not found"));
    }
}
