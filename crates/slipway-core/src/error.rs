//! The one error type every Slipway front end shows.
//!
//! Whatever fails — bad input, the engine, the network, a stream — ends up as
//! `{"error":{"code":<HTTP status>,"message":".."}}`, with a message a person can act on.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An error with an HTTP status code and a human sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Error {
    pub code: u16,
    pub message: String,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The wire shape: `{"error":{"code":..,"message":..}}`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ErrorBody {
    pub error: Error,
}

impl Error {
    pub fn new(code: u16, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// Invalid input, caught before any engine call.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(409, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, message)
    }

    /// The engine could not be reached at all.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(503, message)
    }

    pub fn timeout(message: impl Into<String>) -> Self {
        Self::new(504, message)
    }

    /// The operation was cancelled by the user.
    /// 499 is nginx's "client closed request": there is no standard status for it.
    pub fn cancelled(what: &str) -> Self {
        Self::new(499, format!("{what} was cancelled."))
    }

    /// Prefix the message with what we were doing, keeping the code.
    pub fn context(mut self, what: impl fmt::Display) -> Self {
        self.message = format!("{what}: {}", self.message);
        self
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "error": { "code": self.code, "message": self.message } })
    }

    pub fn is_not_found(&self) -> bool {
        self.code == 404
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (code {})", self.message, self.code)
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        let code = match e.kind() {
            std::io::ErrorKind::NotFound => 404,
            std::io::ErrorKind::PermissionDenied => 403,
            std::io::ErrorKind::TimedOut => 504,
            // 507 Insufficient Storage: the disk is full.
            std::io::ErrorKind::StorageFull => 507,
            _ => 500,
        };
        Self::new(code, e.to_string())
    }
}

/// Engines wrap their message in JSON (`{"message":".."}`); show the sentence, not the JSON.
fn engine_message(raw: &str) -> String {
    let trimmed = raw.trim();
    serde_json::from_str::<serde_json::Value>(trimmed)
        .ok()
        .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
        .unwrap_or_else(|| trimmed.to_owned())
}

/// Sort a message from inside a progress stream (HTTP 200 already sent) into a status.
/// Podman, for example, answers a pull of a missing image with 200 and an error line.
pub fn status_for_stream_message(message: &str) -> u16 {
    let m = message.to_ascii_lowercase();
    if m.contains("unauthorized")
        || m.contains("authentication required")
        || m.contains("no basic auth credentials")
        || m.contains("incorrect username or password")
    {
        401
    } else if m.contains("denied") || m.contains("forbidden") {
        403
    } else if m.contains("connection refused")
        // Before "no such": "lookup x: no such host" is the network, not a missing image.
        || m.contains("no such host")
        || m.contains("dial tcp")
        || m.contains("i/o timeout")
        || m.contains("server gave http response to https client")
    {
        502
    } else if m.contains("not found")
        || m.contains("manifest unknown")
        || m.contains("does not exist")
        || m.contains("no such")
        || m.contains("repository name not known")
    {
        404
    } else if m.contains("timeout") || m.contains("deadline exceeded") {
        504
    } else {
        500
    }
}

impl From<bollard::errors::Error> for Error {
    fn from(e: bollard::errors::Error) -> Self {
        use bollard::errors::Error as B;
        match e {
            B::DockerResponseServerError {
                status_code,
                message,
            } => Self::new(status_code, engine_message(&message)),
            B::DockerStreamError { error } => Self::new(status_for_stream_message(&error), error),
            B::RequestTimeoutError => Self::timeout(
                "The engine did not answer in time. It may be busy; try again or raise the timeout.",
            ),
            B::JsonDataError { message, .. } => Self::new(
                502,
                format!("The engine sent data Slipway could not read: {message}"),
            ),
            B::JsonSerdeError { err } => Self::new(
                502,
                format!("The engine sent data Slipway could not read: {err}"),
            ),
            // bollard's I/O errors are the engine connection's (a body that broke off comes
            // as an `Other` error "error reading a body from connection"): the engine is
            // unavailable, whatever the kind.
            B::IOError { err } => match err.kind() {
                std::io::ErrorKind::TimedOut => Self::timeout(err.to_string()),
                _ => Self::unavailable(format!("The connection to the engine failed: {err}")),
            },
            B::HyperResponseError { err } => {
                if err.is_timeout() {
                    Self::timeout(err.to_string())
                } else {
                    Self::unavailable(format!("The connection to the engine failed: {err}"))
                }
            }
            B::HyperLegacyError { err } => {
                Self::unavailable(format!("The connection to the engine failed: {err}"))
            }
            other => Self::internal(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape_is_the_documented_one_so_front_ends_can_parse_it() {
        let e = Error::not_found("No such image: nope:1");
        assert_eq!(
            e.to_json(),
            serde_json::json!({"error":{"code":404,"message":"No such image: nope:1"}})
        );
    }

    #[test]
    fn engine_json_messages_are_unwrapped_so_people_read_a_sentence() {
        let e: Error = bollard::errors::Error::DockerResponseServerError {
            status_code: 409,
            message: r#"{"message":"conflict: unable to remove repository reference"}"#.into(),
        }
        .into();
        assert_eq!(e.code, 409);
        assert_eq!(e.message, "conflict: unable to remove repository reference");
    }

    #[test]
    fn stream_errors_get_a_status_a_ui_can_branch_on() {
        assert_eq!(
            status_for_stream_message("unauthorized: authentication required"),
            401
        );
        assert_eq!(
            status_for_stream_message("manifest unknown: manifest unknown"),
            404
        );
        assert_eq!(
            status_for_stream_message(
                "Get \"http://127.0.0.1:1/v2/\": dial tcp 127.0.0.1:1: connect: connection refused"
            ),
            502
        );
        assert_eq!(
            status_for_stream_message("The command '/bin/sh -c false' returned a non-zero code: 1"),
            500
        );
    }

    #[test]
    fn context_keeps_the_code_so_callers_can_still_branch() {
        let e = Error::not_found("gone").context("Removing x");
        assert_eq!(e.code, 404);
        assert_eq!(e.message, "Removing x: gone");
    }
}
