//! Raw requests to the engine, for the answers bollard's models (written for the newest API)
//! lose: `/system/df` on API 1.41, inspect's `Parent`, the layer `id` of push progress,
//! Podman's plain `error` lines and search fields, `/auth`, `keep-storage`. The transport is
//! `http.rs` (HTTP/1.1, chunked, stall-guarded; TLS through `tls.rs`); callers get a 501
//! where it cannot go (ssh, pipes) and fall back to bollard.

use crate::engine::Engine;
pub(crate) use crate::engine::http::JsonLines;
use crate::engine::http::json_lines;
use crate::engine::http::unreadable;
use crate::error::{Error, Operation, Result};
use futures_util::StreamExt;

impl Engine {
    /// `path_and_query` (without the version prefix) and its parsed JSON answer.
    #[tracing::instrument(level = "debug", skip(self, body))]
    pub(crate) async fn raw_json(
        &self,
        method: &str,
        path_and_query: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value> {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let path = path_and_query.split('?').next().unwrap_or_default();
        let what = Operation::Request {
            method: method.to_owned(),
            path: path.to_owned(),
        };
        let (status, mut answer) = self
            .exchange(method, path_and_query, &[], body.into(), &what)
            .await?;
        let mut bytes = Vec::new();
        while let Some(chunk) = answer.next().await {
            bytes.extend_from_slice(&chunk?);
        }
        parse_body(status, &bytes, &self.info.host).map_err(|e| match e.kind {
            Some(_) => e.during(what),
            None => e,
        })
    }

    /// `POST` to a streaming endpoint and yield each JSON line as it arrives. The stream
    /// fails (never just ends) when the connection breaks or stalls; `what` names the
    /// operation in those errors.
    #[tracing::instrument(level = "debug", skip(self, headers))]
    pub(crate) async fn raw_stream(
        &self,
        path_and_query: &str,
        headers: &[(&str, String)],
        what: impl Into<Operation> + std::fmt::Debug,
    ) -> Result<JsonLines<'static>> {
        let what = what.into();
        let (status, mut body) = self
            .exchange("POST", path_and_query, headers, Default::default(), &what)
            .await?;
        if !(200..300).contains(&status) {
            let mut answer = Vec::new();
            while let Some(chunk) = body.next().await {
                answer.extend_from_slice(&chunk?);
            }
            return Err(engine_error(status, &answer));
        }
        Ok(json_lines(body, &self.info.host))
    }
}

/// A body as JSON on success, else the engine's error; a body that is not JSON names the
/// engine at `host`.
fn parse_body<T: serde::de::DeserializeOwned>(status: u16, body: &[u8], host: &str) -> Result<T> {
    if !(200..300).contains(&status) {
        return Err(engine_error(status, body));
    }
    serde_json::from_slice(body).map_err(|e| unreadable(host, e, &String::from_utf8_lossy(body)))
}

/// The engine's `{"message"}` as the error's sentence, keeping its status.
fn engine_error(status: u16, body: &[u8]) -> Error {
    let text = String::from_utf8_lossy(body);
    let message = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
        .unwrap_or_else(|| text.trim().to_owned());
    Error::raw(status, message)
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
        let v: serde_json::Value = parse_body(200, b"{\"a\":1}", "unix:///e.sock").unwrap();
        assert_eq!(v["a"], 1);
    }

    #[test]
    fn engine_errors_keep_their_status_and_sentence() {
        let e =
            parse_body::<serde_json::Value>(404, b"{\"message\":\"page not found\"}", "unix:///e")
                .unwrap_err();
        assert_eq!((e.code, e.message.as_str()), (404, "page not found"));
    }

    #[test]
    fn query_values_are_escaped_so_filters_survive() {
        assert_eq!(query_escape("a b/{\"x\"}"), "a%20b%2F%7B%22x%22%7D");
    }
}
