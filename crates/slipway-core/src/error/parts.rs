//! The typed pieces error kinds are made of: what Slipway was doing (`Operation`), who went
//! silent (`Peer`), why a reference or pattern is not one, what a path is for.

use serde::{Deserialize, Serialize};

/// A saved tar that ended early: the engine and the bytes it sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TarCut {
    pub host: String,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub bytes: u64,
}

/// One engine address tried while connecting, and why it did not answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Attempt {
    pub host: String,
    pub error: super::Error,
}

/// Who went silent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Peer {
    Engine { host: String },
    Registry { registry: String },
}

/// What Slipway was doing when it failed ("Pulling x:1"), for error sentences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Operation {
    Pull {
        reference: String,
    },
    Push {
        reference: String,
    },
    Save {
        images: Vec<String>,
        path: String,
    },
    Load {
        path: String,
    },
    Import {
        path: String,
    },
    /// Copying images from one engine to another (both named: either side can fail).
    Copy {
        images: Vec<String>,
        source: String,
        destination: String,
    },
    Build,
    /// The build ended without an image (the cause follows).
    NothingBuilt,
    /// The engine's build failed (at a step, when one had started).
    BuildFailed,
    BuildFailedAt {
        step: String,
    },
    ReadContext,
    /// A file the sentence after it is about.
    File {
        path: String,
    },
    /// Deleting a previewed image in a prune.
    Delete {
        image: String,
    },
    /// The save a prune makes before it deletes: when it fails, nothing is deleted.
    SaveBeforeDelete,
    KeepStallTimeout,
    Tag {
        source: String,
        target: String,
    },
    Remove {
        image: String,
    },
    Search {
        term: String,
    },
    AskRegistry {
        reference: String,
    },
    ListTags {
        repository: String,
    },
    /// A raw request (`GET /images/json`): technical, shown as is.
    Request {
        method: String,
        path: String,
    },
    /// A phrase not typed yet (shown as is, in English).
    Text {
        text: String,
    },
}

/// Why a reference is not valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReferenceProblem {
    NameTooLong,
    /// Fine as written, too long as the engine counts it (`docker.io/library/…`).
    FullNameTooLong {
        length: u32,
        start: String,
    },
    PortNotNumber {
        port: String,
    },
    BadHost {
        host: String,
    },
    BadNamePart {
        part: String,
    },
    EmptyNamePart,
    TagBadStart {
        tag: String,
    },
    TagTooLong {
        tag: String,
    },
    TagBadChars {
        tag: String,
    },
    BadDigest {
        digest: String,
    },
}

/// Why a `reference=` pattern is not one (Go's `path.Match` syntax).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PatternProblem {
    LoneBackslash,
    UnclosedClass,
    BadClass,
}

/// What a path field in the app is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PathPurpose {
    SaveFile,
    LoadFile,
    ImportFile,
    ContextFolder,
    Dockerfile,
    Other { text: String },
}

impl From<&str> for PathPurpose {
    /// The phrases the app's commands pass today.
    fn from(what: &str) -> Self {
        match what {
            "a file to save to" => Self::SaveFile,
            "a tar file to load" => Self::LoadFile,
            "a tarball to import" => Self::ImportFile,
            "a build context folder" => Self::ContextFolder,
            "a Dockerfile" => Self::Dockerfile,
            other => Self::Other { text: other.into() },
        }
    }
}

impl From<&str> for Operation {
    fn from(text: &str) -> Self {
        Self::Text { text: text.into() }
    }
}

impl From<String> for Operation {
    fn from(text: String) -> Self {
        Self::Text { text }
    }
}

impl From<&String> for Operation {
    fn from(text: &String) -> Self {
        Self::Text { text: text.clone() }
    }
}

impl From<&Operation> for Operation {
    fn from(op: &Operation) -> Self {
        op.clone()
    }
}

/// Why a `.dockerignore` line is not a pattern (moby's rules).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum IgnoreProblem {
    ExceptionWithoutPattern,
    TrailingBackslash,
    UnclosedClass,
    ReversedRange {
        range: String,
    },
    BadClass,
    /// What the glob library said (its own words).
    Glob {
        text: String,
    },
}

/// A build resource limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BuildLimit {
    Memory,
    CpuShares,
    SharedMemory,
}

/// What to do next, on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Hint {
    /// `pins recover`, `pins reset` or `--ignore-pins`.
    PinsWayOut,
    /// `--delete-containers`.
    DeleteContainers,
}
