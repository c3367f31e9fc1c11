//! What went wrong, as data: each `ErrorKind` is one of Slipway's own sentences with its
//! parameters. Front ends translate it (the app's UI has a string per kind in every
//! language); the English sentence is rendered from it once, in `english.rs`.

use serde::{Deserialize, Serialize};

/// One of Slipway's own error sentences, with what it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ErrorKind {
    // The engine: finding and reaching it.
    /// No candidate answered; each attempt with its own error.
    NoEngine {
        tried: Vec<Attempt>,
    },
    NoSocket {
        path: String,
    },
    EngineDidNotAnswer {
        host: String,
    },
    EngineAddressUnusable {
        host: String,
    },
    EngineAddressNotUnderstood {
        host: String,
    },
    NoCertPath,
    /// The app has no engine right now.
    NotConnected,
    /// The app lost the engine it had and tries again.
    LostEngine {
        host: String,
    },
    EngineUnreachable {
        host: String,
    },
    ConnectTimeout {
        operation: Operation,
        host: String,
        seconds: u32,
    },
    HeadersTimeout {
        operation: Operation,
        host: String,
        seconds: u32,
    },
    /// The answer broke off before its end (the engine died, the connection dropped).
    ConnectionBroke {
        operation: Operation,
        host: String,
    },
    /// What came back is not HTTP at all.
    EngineNotHttp {
        operation: Operation,
        host: String,
    },
    /// HTTP, but not the JSON the endpoint sends.
    EngineUnreadable {
        host: String,
    },
    /// Unreadable data from the engine, where the engine's address is not known.
    UnreadableAnswer,
    EngineStopped {
        operation: Operation,
        host: String,
    },
    EngineSlow {
        operation: Operation,
        host: String,
    },
    EngineTimeout,
    EngineConnectionFailed,
    /// An internal signal (a raw request cannot go to this address); never shown.
    RawUnsupported {
        host: String,
    },
    /// No bytes for the stall timeout.
    Stalled {
        operation: Operation,
        peer: Peer,
        seconds: u32,
    },
    Cancelled {
        operation: Operation,
    },
    /// A bug or an impossible state; the detail says what.
    Unexpected,

    // Files.
    NothingToSave,
    TarCutShort(TarCut),
    NothingLoaded {
        path: String,
    },
    ImportWithoutId,
    NotAFileName {
        path: String,
    },
    FolderMissing {
        path: String,
    },
    NoSpace {
        path: String,
    },
    CannotWrite {
        path: String,
    },
    CannotRead {
        path: String,
    },
    NotARegularFile {
        path: String,
    },
    EmptyFile {
        path: String,
    },
    UnreadableContextFile {
        path: String,
    },
    /// A save that may not replace what is there.
    FileExists {
        path: String,
    },
    // A file to read that is not a regular one (a FIFO would hang the read).
    FolderNotFile {
        path: String,
    },
    NamedPipe {
        path: String,
    },
    SocketFile {
        path: String,
    },
    DeviceFile {
        path: String,
    },
    // The Dockerfile the app's build form reads.
    NoDockerfileAt {
        path: String,
    },
    /// Outside the chosen context and not named like a Dockerfile: not read.
    OutsideContext {
        path: String,
        context: String,
    },
    DockerfileTooBig {
        path: String,
        #[cfg_attr(feature = "specta", specta(type = f64))]
        bytes: u64,
        #[cfg_attr(feature = "specta", specta(type = f64))]
        limit: u64,
    },
    DockerfileNotText {
        path: String,
    },

    // Pull, push, registries, credentials.
    PulledImageMissing,
    PushWithoutDigest {
        host: String,
    },
    RegistryHasNoImage {
        registry: String,
    },
    RegistryUnreachable {
        registry: String,
    },
    CredentialsRefused {
        registry: String,
    },
    RegistrySlow {
        registry: String,
    },
    RegistryNeedsLogin {
        registry: String,
        repository: String,
    },
    NotInRegistry {
        registry: String,
        repository: String,
    },
    RegistryAnswered {
        registry: String,
        status: u16,
    },
    CredentialLookupFailed {
        registry: String,
    },
    CredentialHelperTimeout {
        registry: String,
        seconds: u32,
    },
    DockerConfigInvalid {
        path: String,
    },
    CredentialHelperNotRun {
        program: String,
    },
    CredentialHelperStuck {
        program: String,
    },
    CredentialHelperFailed {
        program: String,
    },
    PasswordNotOnStdin,

    // Images, references, filters.
    ImageNotFound {
        image: String,
    },
    TagHasDigest {
        target: String,
    },
    EmptySearch,
    NoSearchApi,
    EmptyReference,
    InvalidReference {
        input: String,
        problem: ReferenceProblem,
    },
    BadFilter {
        filter: String,
    },
    FilterTakesBool {
        filter: String,
    },
    FilterNeedsImage {
        filter: String,
    },
    LabelWithoutKey {
        label: String,
    },
    ReferenceFilterEmpty,
    BadPattern {
        pattern: String,
        why: PatternProblem,
    },
    SearchLimit {
        limit: i32,
    },
    BadDuration {
        value: String,
    },
    DurationTooLong {
        value: String,
        hours: u32,
    },
    UntilTooFar {
        value: String,
    },
    UntilInFuture {
        value: String,
    },
    DryRunWithoutUntil,
    UnknownFilter {
        key: String,
        known: Vec<String>,
    },
    BadUntil {
        value: String,
    },
    BadSearchFilter {
        filter: String,
    },
    StarsNotNumber {
        value: String,
    },
    BadPruneFilter {
        filter: String,
    },
    BadBuildArg {
        item: String,
    },
    BadLabel {
        item: String,
    },
    /// Some of the previewed images were not deleted (kept since, gone, failed).
    PruneIncomplete {
        count: u32,
        images: Vec<String>,
    },

    // Paths typed in the app.
    ChoosePath {
        purpose: PathPurpose,
    },
    HomeNotSet,
    NotAbsolute {
        path: String,
    },
    IsAFolder {
        path: String,
    },
    ParentMissing {
        path: String,
    },
    NotAFolder {
        path: String,
    },
    ChoiceNotSaved,
    /// The app's stall timeout setting.
    StallTimeoutOutOfRange {
        seconds: u32,
        min: u32,
        max: u32,
    },
}

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
    Build,
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

impl ErrorKind {
    /// The HTTP-like status this kind has unless the caller knows better.
    pub fn status(&self) -> u16 {
        use ErrorKind::*;
        match self {
            NoEngine { .. }
            | NoSocket { .. }
            | EngineDidNotAnswer { .. }
            | EngineAddressUnusable { .. }
            | NotConnected
            | LostEngine { .. }
            | EngineUnreachable { .. }
            | ConnectionBroke { .. }
            | EngineStopped { .. }
            | EngineConnectionFailed => 503,
            ConnectTimeout { .. }
            | HeadersTimeout { .. }
            | EngineSlow { .. }
            | EngineTimeout
            | Stalled { .. }
            | RegistrySlow { .. }
            | CredentialHelperTimeout { .. }
            | CredentialHelperStuck { .. } => 504,
            EngineNotHttp { .. }
            | EngineUnreadable { .. }
            | UnreadableAnswer
            | TarCutShort(_)
            | ImportWithoutId
            | PulledImageMissing
            | PushWithoutDigest { .. }
            | RegistryUnreachable { .. }
            | RegistryAnswered { .. } => 502,
            RawUnsupported { .. } => 501,
            Cancelled { .. } => 499,
            FileExists { .. } => 409,
            OutsideContext { .. } => 403,
            NoSpace { .. } => 507,
            CredentialsRefused { .. } | RegistryNeedsLogin { .. } => 401,
            ImageNotFound { .. }
            | RegistryHasNoImage { .. }
            | NotInRegistry { .. }
            | NoSearchApi => 404,
            Unexpected
            | CannotWrite { .. }
            | CredentialLookupFailed { .. }
            | CredentialHelperFailed { .. }
            | ChoiceNotSaved
            | PruneIncomplete { .. } => 500,
            EngineAddressNotUnderstood { .. }
            | NoCertPath
            | NothingToSave
            | NothingLoaded { .. }
            | NotAFileName { .. }
            | FolderMissing { .. }
            | CannotRead { .. }
            | NotARegularFile { .. }
            | EmptyFile { .. }
            | UnreadableContextFile { .. }
            | FolderNotFile { .. }
            | NamedPipe { .. }
            | SocketFile { .. }
            | DeviceFile { .. }
            | NoDockerfileAt { .. }
            | DockerfileTooBig { .. }
            | DockerfileNotText { .. }
            | StallTimeoutOutOfRange { .. }
            | DockerConfigInvalid { .. }
            | CredentialHelperNotRun { .. }
            | PasswordNotOnStdin
            | TagHasDigest { .. }
            | EmptySearch
            | EmptyReference
            | InvalidReference { .. }
            | BadFilter { .. }
            | UnknownFilter { .. }
            | FilterTakesBool { .. }
            | FilterNeedsImage { .. }
            | LabelWithoutKey { .. }
            | ReferenceFilterEmpty
            | BadPattern { .. }
            | SearchLimit { .. }
            | BadDuration { .. }
            | DurationTooLong { .. }
            | UntilTooFar { .. }
            | UntilInFuture { .. }
            | DryRunWithoutUntil
            | BadUntil { .. }
            | BadSearchFilter { .. }
            | StarsNotNumber { .. }
            | BadPruneFilter { .. }
            | BadBuildArg { .. }
            | BadLabel { .. }
            | ChoosePath { .. }
            | HomeNotSet
            | NotAbsolute { .. }
            | IsAFolder { .. }
            | ParentMissing { .. }
            | NotAFolder { .. } => 400,
        }
    }
}

/// Whole seconds for a limit in a sentence (rounded up: "1 s" rather than "0 s").
pub(crate) fn whole_seconds(d: std::time::Duration) -> u32 {
    (d.as_secs_f64().ceil().min(f64::from(u32::MAX)) as u32).max(1)
}
