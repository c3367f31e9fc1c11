//! Minimal raw HTTP/1.0 requests to the engine, for the answers bollard's models (written for
//! the newest API) lose: `/system/df` on API 1.41, inspect's `Parent`, the layer `id` of push
//! progress, Podman's plain `error` lines and search fields, `/auth`, `keep-storage`.
//! Only plain unix sockets and tcp; elsewhere (TLS, ssh, pipes) callers get a 501 and fall back.

use crate::engine::Engine;
use crate::error::{Error, Result};
use futures_util::StreamExt;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

/// Line-delimited JSON from a streaming endpoint (pull, push), read as it arrives.
pub(crate) type JsonLines =
    std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<serde_json::Value>> + Send>>;

trait Connection: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Connection for T {}

/// Answers to small requests come within this; streams have no limit (they are cancelled).
const ANSWER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

impl Engine {
    /// Send one request and return the connection positioned after the response headers.
    /// HTTP/1.0: the engine closes the connection after the body, no chunking to undo.
    async fn send(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, String)],
        body: &str,
    ) -> Result<(u16, BufReader<Box<dyn Connection>>)> {
        let mut request = format!(
            "{method} /v{}{path_and_query} HTTP/1.0\r\nHost: engine\r\nUser-Agent: slipway\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            self.info.api_version,
            body.len()
        );
        for (k, v) in headers {
            request.push_str(&format!("{k}: {v}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(body);
        let mut conn = BufReader::new(self.connect_raw().await?);
        conn.get_mut().write_all(request.as_bytes()).await?;
        let status = read_head(&mut conn).await?;
        Ok((status, conn))
    }

    async fn connect_raw(&self) -> Result<Box<dyn Connection>> {
        let host = &self.info.host;
        #[cfg(unix)]
        if let Some(path) = host.strip_prefix("unix://") {
            return Ok(Box::new(tokio::net::UnixStream::connect(path).await?));
        }
        let tls = std::env::var("DOCKER_TLS_VERIFY").is_ok_and(|v| !v.is_empty() && v != "0");
        if let Some(addr) = host
            .strip_prefix("tcp://")
            .or_else(|| host.strip_prefix("http://"))
            && !tls
        {
            return Ok(Box::new(tokio::net::TcpStream::connect(addr).await?));
        }
        Err(Error::new(
            501,
            format!("raw requests are not made to {host}"),
        ))
    }

    /// `path_and_query` (without the version prefix) and its parsed JSON answer.
    #[tracing::instrument(level = "debug", skip(self, body))]
    pub(crate) async fn raw_json(
        &self,
        method: &str,
        path_and_query: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value> {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let (status, mut conn) = self.send(method, path_and_query, &[], &body).await?;
        let mut answer = Vec::new();
        tokio::time::timeout(ANSWER_TIMEOUT, conn.read_to_end(&mut answer))
            .await
            .map_err(|_| {
                Error::timeout("The engine did not finish answering within 5 minutes.")
            })??;
        parse_body(status, &answer)
    }

    /// `POST` to a streaming endpoint and yield each JSON line as it arrives.
    #[tracing::instrument(level = "debug", skip(self, headers))]
    pub(crate) async fn raw_stream(
        &self,
        path_and_query: &str,
        headers: &[(&str, String)],
    ) -> Result<JsonLines> {
        let (status, mut conn) = self.send("POST", path_and_query, headers, "").await?;
        if !(200..300).contains(&status) {
            let mut answer = Vec::new();
            conn.read_to_end(&mut answer).await?;
            return Err(engine_error(status, &answer));
        }
        let lines = tokio_util::codec::FramedRead::new(conn, tokio_util::codec::LinesCodec::new());
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

/// Read the status line and headers; return the status.
async fn read_head<R: tokio::io::AsyncBufRead + Unpin>(reader: &mut R) -> Result<u16> {
    let mut line = String::new();
    reader.read_line(&mut line).await?;
    let status = parse_status(&line)?;
    loop {
        line.clear();
        if reader.read_line(&mut line).await? == 0 || line.trim().is_empty() {
            return Ok(status);
        }
    }
}

fn parse_status(status_line: &str) -> Result<u16> {
    status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::new(502, "The engine sent no HTTP status."))
}

/// A body as JSON on success, else the engine's error.
fn parse_body<T: serde::de::DeserializeOwned>(status: u16, body: &[u8]) -> Result<T> {
    if !(200..300).contains(&status) {
        return Err(engine_error(status, body));
    }
    serde_json::from_slice(body).map_err(|e| {
        Error::new(
            502,
            format!("The engine sent JSON Slipway could not read: {e}"),
        )
    })
}

/// The engine's `{"message"}` as the error's sentence, keeping its status.
fn engine_error(status: u16, body: &[u8]) -> Error {
    let text = String::from_utf8_lossy(body);
    let message = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
        .unwrap_or_else(|| text.trim().to_owned());
    Error::new(status, message)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_body_is_parsed() {
        let v: serde_json::Value = parse_body(200, b"{\"a\":1}").unwrap();
        assert_eq!(v["a"], 1);
    }

    #[test]
    fn engine_errors_keep_their_status_and_sentence() {
        let e =
            parse_body::<serde_json::Value>(404, b"{\"message\":\"page not found\"}").unwrap_err();
        assert_eq!((e.code, e.message.as_str()), (404, "page not found"));
    }

    #[test]
    fn status_comes_from_the_status_line() {
        assert_eq!(parse_status("HTTP/1.0 409 Conflict\r\n").unwrap(), 409);
        assert_eq!(parse_status("garbage").unwrap_err().code, 502);
    }

    #[test]
    fn query_values_are_escaped_so_filters_survive() {
        assert_eq!(query_escape("a b/{\"x\"}"), "a%20b%2F%7B%22x%22%7D");
    }
}
