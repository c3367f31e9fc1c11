//! The one error type every Slipway front end shows.
//!
//! Whatever fails — bad input, the engine, the network, a stream — ends up as
//! `{"error":{"code":<HTTP status>,"message":"..", ..}}`, with a message a person can act on.
//! Slipway's own sentences are typed (`kind`, see `kind.rs`) so front ends can translate
//! them; `message` is always the English rendering (`english.rs`), for the CLI and JSON;
//! `detail` keeps the engine's (or the OS's) raw text where there is one; `context` says
//! what Slipway was doing, outermost first.

mod english;
mod kind;
mod parts;
mod status;

pub use kind::ErrorKind;
pub(crate) use kind::whole_seconds;
pub use parts::{
    Attempt, BuildLimit, Hint, IgnoreProblem, Operation, PathPurpose, PatternProblem, Peer,
    ReferenceProblem, TarCut,
};

use serde::{Deserialize, Serialize};
use std::fmt;

/// An error with an HTTP status code and a human sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Error {
    pub code: u16,
    /// The whole sentence in English (context, kind and detail rendered).
    pub message: String,
    /// Slipway's own sentence as data; none for text that is only the engine's.
    /// (Boxed: errors travel in every `Result`, and most have no kind or a small one.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Box<ErrorKind>>,
    /// The engine's (or the system's) raw text, untranslated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// What Slipway was doing, outermost first ("Pulling x:1").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<Operation>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The wire shape: `{"error":{"code":..,"message":..}}`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ErrorBody {
    pub error: Error,
}

impl Error {
    /// A sentence without a kind: prefer `Error::of` for Slipway's own sentences and
    /// `Error::raw` for the engine's text.
    pub fn new(code: u16, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            kind: None,
            detail: None,
            context: Vec::new(),
        }
    }

    /// One of Slipway's own sentences, with the kind's usual status.
    pub fn of(kind: ErrorKind) -> Self {
        let mut e = Self::new(kind.status(), String::new());
        e.kind = Some(Box::new(kind));
        e.render();
        e
    }

    /// Text that is not Slipway's (the engine's answer, the system's error), kept as is.
    pub fn raw(code: u16, text: impl Into<String>) -> Self {
        let text = text.into();
        let mut e = Self::new(code, text.clone());
        e.detail = Some(text);
        e
    }

    /// Another status than the kind's usual one.
    pub fn with_code(mut self, code: u16) -> Self {
        self.code = code;
        self
    }

    /// Add the engine's raw text to a kind's sentence.
    pub fn with_detail(mut self, detail: impl fmt::Display) -> Self {
        let d = detail.to_string();
        let d = d.trim();
        self.detail = (!d.is_empty()).then(|| d.to_owned());
        self.render();
        self
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

    /// Something that cannot happen did (a serializer failed, a thread panicked).
    pub fn unexpected(detail: impl fmt::Display) -> Self {
        Self::of(ErrorKind::Unexpected).with_detail(detail)
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
    pub fn cancelled(what: impl Into<Operation>) -> Self {
        Self::of(ErrorKind::Cancelled {
            operation: what.into(),
        })
    }

    /// Say what we were doing (a phrase), in front of the sentence, keeping the code.
    /// Prefer `during` with a typed `Operation`, which front ends can translate.
    pub fn context(self, what: impl fmt::Display) -> Self {
        self.during(Operation::Text {
            text: what.to_string(),
        })
    }

    /// Say what we were doing, in front of the sentence, keeping the code.
    pub fn during(mut self, what: impl Into<Operation>) -> Self {
        if self.kind.is_none() && self.detail.is_none() {
            // A sentence without a kind becomes the detail the context is put in front of.
            self.detail = Some(std::mem::take(&mut self.message));
        }
        self.context.insert(0, what.into());
        self.render();
        self
    }

    /// Say `new` where `old` was said (else in front): "The build failed at Step 2/2: …"
    /// rather than "The build failed at Step 2/2: The build: …".
    pub fn instead_of(mut self, old: &Operation, new: impl Into<Operation>) -> Self {
        let new = new.into();
        // A sentence that starts with its own operation ("The build: the engine … stopped")
        // says the new one there.
        if let Some(op) = self
            .kind
            .as_deref_mut()
            .and_then(ErrorKind::leading_operation)
            .filter(|op| **op == *old)
        {
            *op = new;
            self.render();
            return self;
        }
        if let Some(i) = self.context.iter().position(|op| op == old) {
            self.context.remove(i);
        }
        self.during(new)
    }

    /// The sentence without the context: the kind's, else the raw text.
    fn sentence(&self) -> Option<String> {
        match (self.kind.as_deref(), &self.detail) {
            (Some(k), d) => Some(k.english(d.as_deref())),
            (None, Some(d)) => Some(d.clone()),
            (None, None) => None,
        }
    }

    /// `message` from the parts (kind, detail, context); a kindless message stays as given.
    fn render(&mut self) {
        let Some(mut text) = self.sentence() else {
            return;
        };
        for op in self.context.iter().rev() {
            text = format!("{op}: {text}");
        }
        self.message = text;
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "error": self })
    }

    /// The kind, if this is one of Slipway's own sentences.
    pub fn kind(&self) -> Option<&ErrorKind> {
        self.kind.as_deref()
    }

    pub fn is_not_found(&self) -> bool {
        self.code == 404
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Self::of(kind)
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
        Self::raw(code, e.to_string())
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
            } => Self::raw(status_code, engine_message(&message)),
            B::DockerStreamError { error } => Self::raw(status_for_stream_message(&error), error),
            B::RequestTimeoutError => Self::of(ErrorKind::EngineTimeout),
            B::JsonDataError { message, .. } => {
                Self::of(ErrorKind::UnreadableAnswer).with_detail(message)
            }
            B::JsonSerdeError { err } => Self::of(ErrorKind::UnreadableAnswer).with_detail(err),
            // A transport of ours (TLS) carries its own typed error through bollard.
            B::IOError { err } if crate::engine::tls::carried(&err).is_some() => {
                crate::engine::tls::carried(&err).unwrap_or_else(|| Error::unexpected(err))
            }
            // bollard's I/O errors are the engine connection's (a body that broke off comes
            // as an `Other` error "error reading a body from connection"): the engine is
            // unavailable, whatever the kind.
            B::IOError { err } => match err.kind() {
                std::io::ErrorKind::TimedOut => Self::of(ErrorKind::EngineTimeout).with_detail(err),
                _ => Self::of(ErrorKind::EngineConnectionFailed).with_detail(err),
            },
            B::HyperResponseError { err } => {
                if err.is_timeout() {
                    Self::of(ErrorKind::EngineTimeout).with_detail(err)
                } else {
                    Self::of(ErrorKind::EngineConnectionFailed).with_detail(err)
                }
            }
            B::HyperLegacyError { err } => {
                Self::of(ErrorKind::EngineConnectionFailed).with_detail(err)
            }
            other => Self::raw(500, other.to_string()),
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

    #[test]
    fn a_kind_renders_its_english_sentence_into_message() {
        let e = Error::of(ErrorKind::ImageNotFound {
            image: "nope:1".into(),
        });
        assert_eq!((e.code, e.message.as_str()), (404, "No such image: nope:1"));
        let e = Error::cancelled(Operation::Pull {
            reference: "x:1".into(),
        });
        assert_eq!(
            (e.code, e.message.as_str()),
            (499, "Pulling x:1 was cancelled.")
        );
        let e = Error::of(ErrorKind::Stalled {
            operation: Operation::Save {
                images: vec!["a:1".into(), "b:2".into()],
                path: "/t/x.tar".into(),
            },
            peer: Peer::Engine {
                host: "unix:///e.sock".into(),
            },
            seconds: 3,
        });
        assert_eq!(e.code, 504);
        assert_eq!(
            e.message,
            "Saving a:1, b:2 to /t/x.tar stalled: the engine at unix:///e.sock sent nothing for 3 s (the stall timeout); it may be frozen or overloaded."
        );
    }

    #[test]
    fn the_engines_detail_and_the_context_are_part_of_the_english_message() {
        let e = Error::of(ErrorKind::RegistryHasNoImage {
            registry: "127.0.0.1:5000".into(),
        })
        .with_detail("manifest unknown")
        .during(Operation::Pull {
            reference: "127.0.0.1:5000/x:1".into(),
        });
        assert_eq!(
            e.message,
            "Pulling 127.0.0.1:5000/x:1: the registry 127.0.0.1:5000 has no such image (manifest unknown)"
        );
        assert_eq!(e.detail.as_deref(), Some("manifest unknown"));
        // The engine's own text keeps its sentence, and gets the context in front.
        let e = Error::raw(409, "conflict: image is in use").during(Operation::Remove {
            image: "x:1".into(),
        });
        assert_eq!(e.message, "Removing x:1: conflict: image is in use");
        assert_eq!(e.kind, None);
        assert_eq!(e.detail.as_deref(), Some("conflict: image is in use"));
    }

    #[test]
    fn a_failed_build_step_says_the_build_once() {
        let failed = || Operation::BuildFailedAt {
            step: "Step 2/2 : RUN x".into(),
        };
        let stopped = Error::of(ErrorKind::EngineStopped {
            operation: Operation::Build,
            host: "unix:///e".into(),
        })
        .instead_of(&Operation::Build, failed());
        assert_eq!(
            stopped.message,
            "The build failed at Step 2/2 : RUN x: the engine at unix:///e stopped answering; it may have stopped."
        );
        assert!(stopped.context.is_empty());
        let raw = Error::raw(500, "exit code 1")
            .during(Operation::Build)
            .instead_of(&Operation::Build, failed());
        assert_eq!(
            raw.message,
            "The build failed at Step 2/2 : RUN x: exit code 1"
        );
    }

    #[test]
    fn json_keeps_code_and_message_and_adds_the_kind_beside_them() {
        let e = Error::of(ErrorKind::EmptyFile {
            path: "/t/empty.tar".into(),
        });
        let v = e.to_json();
        assert_eq!(v.as_object().unwrap().len(), 1, "{v}");
        assert_eq!(v["error"]["code"], 400);
        assert_eq!(
            v["error"]["message"],
            "/t/empty.tar is empty (0 bytes): there is no image in it."
        );
        assert_eq!(
            v["error"]["kind"],
            serde_json::json!({"type": "empty_file", "path": "/t/empty.tar"})
        );
        // What the app sends is what history reads back.
        let back: Error = serde_json::from_value(v["error"].clone()).unwrap();
        assert_eq!(back, e);
        // Old records (only code and message) still read.
        let old: Error =
            serde_json::from_value(serde_json::json!({"code": 404, "message": "gone"})).unwrap();
        assert_eq!((old.code, old.kind), (404, None));
    }

    #[test]
    fn a_failed_connect_names_every_address_tried_with_its_own_cause() {
        let tried = vec![
            Attempt {
                host: "unix:///a.sock".into(),
                error: Error::of(ErrorKind::NoSocket {
                    path: "/a.sock".into(),
                }),
            },
            Attempt {
                host: "unix:///b.sock".into(),
                error: Error::of(ErrorKind::EngineDidNotAnswer {
                    host: "unix:///b.sock".into(),
                })
                .with_detail("connection refused"),
            },
        ];
        let e = Error::of(ErrorKind::NoEngine { tried });
        assert_eq!(e.code, 503);
        assert!(
            e.message.starts_with(
                "No container engine answered. Tried: unix:///a.sock (There is no socket at /a.sock.); unix:///b.sock (The engine at unix:///b.sock did not answer: connection refused)."
            ),
            "{}",
            e.message
        );
    }

    #[test]
    fn nested_causes_and_hints_keep_the_cli_sentences() {
        let cause = Error::of(ErrorKind::EngineStopped {
            operation: Operation::Delete {
                image: "b:1".into(),
            },
            host: "unix:///e".into(),
        });
        let e = Error::of(ErrorKind::PruneStopped {
            asked: 3,
            deleted: vec!["sha256:aa".into()],
            untagged: vec!["a:1".into()],
            cause,
        });
        assert_eq!(e.code, 503, "the cause's status");
        assert_eq!(
            e.message,
            "The prune stopped: 1 of 3 images were deleted (sha256:aa), untagged: a:1; then Deleting b:1: the engine at unix:///e stopped answering; it may have stopped."
        );
        let damaged = Error::of(ErrorKind::PinsDamaged {
            file: "/c/pins.json".into(),
            kept_at: "/c/pins.json.broken-1".into(),
            recovered: vec!["keep".into()],
        })
        .with_detail("EOF while parsing");
        let e = Error::of(ErrorKind::WithHint {
            cause: damaged,
            hint: Hint::PinsWayOut,
        });
        assert_eq!(e.code, 423);
        assert_eq!(
            e.message,
            "Clean-up and delete are off: the pins file /c/pins.json was damaged (EOF while parsing) and is kept as /c/pins.json.broken-1, 1 pin recovered from it (keep). Keep the recovered pins or start without them first. Run `slipway-cli pins recover` to keep the recovered pins, `slipway-cli pins reset` to start without them, or add --ignore-pins to this command."
        );
    }

    #[test]
    fn bollard_connection_errors_get_kinds() {
        let e: Error = bollard::errors::Error::RequestTimeoutError.into();
        assert_eq!(e.code, 504);
        assert_eq!(e.kind.as_deref(), Some(&ErrorKind::EngineTimeout));
    }
}
