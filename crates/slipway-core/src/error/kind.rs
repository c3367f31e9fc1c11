//! What went wrong, as data: each `ErrorKind` is one of Slipway's own sentences with its
//! parameters. Front ends translate it (the app's UI has a string per kind in every
//! language); the English sentence is rendered from it once, in `english.rs`.

use super::parts::{
    Attempt, BuildLimit, Hint, IgnoreProblem, Operation, PathPurpose, PatternProblem, Peer,
    ReferenceProblem, TarCut,
};
use crate::images::Refusal;
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
    /// A TLS file (CA, client certificate or key) of the engine at `host` cannot be read.
    TlsFileUnreadable {
        host: String,
        path: String,
    },
    /// A TLS file holds no PEM certificate or key Slipway can use (detail: why).
    TlsFileInvalid {
        host: String,
        path: String,
    },
    /// The engine asked for a client certificate and Slipway had none to send.
    EngineWantsCertificate {
        host: String,
    },
    /// The engine refused the client certificate Slipway sent (not signed by a CA it trusts).
    EngineRefusedCertificate {
        host: String,
    },
    /// The engine's own certificate is not trusted (unknown CA, another name, expired).
    EngineCertificateUntrusted {
        host: String,
    },
    /// The engine speaks TLS and Slipway asked in plain HTTP.
    EngineWantsTls {
        host: String,
    },
    /// The TLS handshake failed otherwise (not a TLS server, nothing in common).
    TlsHandshakeFailed {
        host: String,
    },
    /// An engine settings file (a Docker context, Podman's connections) that is there but
    /// not what its tool writes (detail: the parser's words); it is skipped.
    EngineSettingsInvalid {
        path: String,
    },
    /// `--context` / `DOCKER_CONTEXT` names no discovered engine.
    UnknownEngine {
        name: String,
    },
    /// `engines ls` gave the engine this long to answer.
    EngineProbeTimeout {
        host: String,
        seconds: u32,
    },
    /// An engine added by hand needs a name.
    EngineNameEmpty,
    /// Another engine added by hand has this name.
    EngineNameTaken {
        name: String,
    },
    /// A Docker context, a Podman connection or a well-known socket has this name already.
    EngineNameInUse {
        name: String,
        host: String,
    },
    /// Remove or edit: no engine of this name was added by hand.
    NoManualEngine {
        name: String,
    },
    /// The file of engines added by hand did not parse: kept aside, `count` entries kept.
    ManualEnginesDamaged {
        path: String,
        kept_at: String,
        count: u32,
    },
    /// The app has no engine right now.
    NotConnected,
    /// The app lost the engine it had and tries again.
    LostEngine {
        host: String,
    },
    EngineUnreachable {
        host: String,
    },
    // ssh:// engines; the detail is ssh's own complaint.
    /// The remote refused every key offered (agent or identity file).
    SshAuthRefused {
        host: String,
    },
    /// The remote's host key is not the one known for it (or unknown, and not accepted).
    SshHostKeyRejected {
        host: String,
    },
    /// ssh could not reach the remote (refused, no route, no such host).
    SshUnreachable {
        host: String,
    },
    /// Logged in, but the remote has no `docker` to run `docker system dial-stdio`.
    SshNoDocker {
        host: String,
    },
    /// ssh failed some other way.
    SshFailed {
        host: String,
    },
    /// ssh neither connected nor gave up within the bound.
    SshTimeout {
        host: String,
        seconds: u32,
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
    /// A copy whose destination never said "Loaded image".
    NothingCopied {
        destination: String,
    },
    /// The destination said it loaded the copy, but the image is not there.
    CopiedImageMissing {
        image: String,
        destination: String,
    },
    /// `images cp` arguments: a source is `ENGINE::IMAGE` (or `IMAGE`), the destination `ENGINE::`.
    CopySourceNotUnderstood {
        argument: String,
    },
    CopyDestinationNotUnderstood {
        argument: String,
    },
    CopyFromSeveralEngines {
        first: String,
        other: String,
    },
    /// A copy to the engine it copies from.
    CopyToItself {
        host: String,
    },
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
    /// The registry wanted a login and none was sent (none in the Docker config).
    RegistryWantsLogin {
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
        seconds: u32,
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
    /// `--memory`, `--shm-size`: a size like 512m or 4g.
    BadByteSize {
        flag: String,
        value: String,
    },
    BadLabel {
        item: String,
    },
    /// Some of the previewed images were not deleted (kept since, gone, failed).
    PruneIncomplete {
        count: u32,
        images: Vec<String>,
    },

    // The build and its context (checked before the engine is called).
    ContextMissing {
        path: String,
    },
    ContextUnopenable {
        path: String,
    },
    ContextIsAFile {
        path: String,
    },
    ContextUnreadable {
        path: String,
    },
    /// No Dockerfile given, and none at the context's default place.
    NoDockerfileInContext {
        path: String,
    },
    /// The Dockerfile given is at none of the places looked at.
    DockerfileMissing {
        path: String,
        looked_at: Vec<String>,
    },
    DockerfileUnresolvable {
        path: String,
    },
    DockerfileUnreadable {
        path: String,
    },
    DockerfileIsAFolder {
        path: String,
    },
    DockerfileNotRegular {
        path: String,
    },
    DockerfileEmpty {
        path: String,
    },
    /// A `.dockerignore` line that is not a pattern (the file is the error's context).
    BadIgnorePattern {
        line: u32,
        pattern: String,
        issue: IgnoreProblem,
    },
    /// A folder in the context that cannot be listed.
    CannotList {
        path: String,
    },
    /// A symlink in the context whose target cannot be read.
    CannotReadLink {
        path: String,
    },
    /// A context file that got shorter while it was sent.
    ContextFileShrank {
        path: String,
    },
    /// The thread that packs the context could not start or broke down.
    ContextPackingFailed,
    BuildLimitOutOfRange {
        resource: BuildLimit,
    },
    /// The engine ended the build without the image ID: it did not finish.
    BuildWithoutId {
        peer: Peer,
    },
    /// `--builder buildkit` on an engine without BuildKit (Podman, Docker before API 1.39).
    BuildKitUnavailable {
        peer: Peer,
    },

    // Clean-up, pins, removal.
    KeepNeedsAll,
    NothingTicked,
    /// Skipped by a prune: pinned since the preview.
    PinnedSince {
        pattern: String,
    },
    /// Skipped by a prune: it got this tag after the preview.
    TaggedSince {
        tag: String,
    },
    /// Skipped by a prune: a container uses it since the preview.
    UsedSince {
        container: String,
    },
    /// Skipped by a prune: cancelled before its turn.
    CancelledBeforeRemoval,
    /// Skipped by a prune: the engine no longer has it.
    AlreadyGone,
    ImagePinned {
        image: String,
        pattern: String,
    },
    /// The engine broke off a prune: what was done before, and why it stopped.
    PruneStopped {
        asked: u32,
        deleted: Vec<String>,
        untagged: Vec<String>,
        cause: super::Error,
    },
    /// A removal the plan refuses.
    RemoveRefused {
        image: String,
        refusal: Refusal,
    },
    /// Clean-up and delete are off until a damaged pins file is answered (detail: the parser).
    PinsDamaged {
        file: String,
        kept_at: String,
        recovered: Vec<String>,
    },
    NoConfigFolder {
        variable: String,
    },
    NotPinned {
        pattern: String,
    },
    NoPinsDamage,
    NotAPin {
        pattern: String,
    },
    BadKeepStorage {
        #[cfg_attr(feature = "specta", specta(type = f64))]
        bytes: i64,
    },
    /// Podman has no BuildKit cache to prune (its build steps are images).
    NoBuildCacheOnPodman,
    /// A sentence with what to do next on the command line (the CLI's own words).
    WithHint {
        cause: super::Error,
        hint: Hint,
    },

    // Slipway's own files (pins, settings, history).
    FileLocked {
        path: String,
        millis: u32,
    },
    CannotCreateFolderFor {
        path: String,
    },
    CannotLock {
        path: String,
    },
    CannotKeepAside {
        path: String,
    },
    NoFreeNameAside {
        path: String,
    },

    // The app.
    TaskStoppedUnexpectedly,
    NoDataFolder,
    NoSettingsFolder,

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

impl ErrorKind {
    /// The operation a sentence begins with ("{operation}: the engine at … stopped"), if any.
    pub(crate) fn leading_operation(&mut self) -> Option<&mut Operation> {
        use ErrorKind::*;
        match self {
            ConnectTimeout { operation, .. }
            | HeadersTimeout { operation, .. }
            | ConnectionBroke { operation, .. }
            | EngineNotHttp { operation, .. }
            | EngineStopped { operation, .. }
            | EngineSlow { operation, .. } => Some(operation),
            _ => None,
        }
    }
}

/// Whole seconds for a limit in a sentence (rounded up: "1 s" rather than "0 s").
pub(crate) fn whole_seconds(d: std::time::Duration) -> u32 {
    (d.as_secs_f64().ceil().min(f64::from(u32::MAX)) as u32).max(1)
}
