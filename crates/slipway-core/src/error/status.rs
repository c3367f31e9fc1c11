//! The HTTP-like status of each error kind.

use super::kind::ErrorKind;

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
            | SshUnreachable { .. }
            | ConnectionBroke { .. }
            | EngineStopped { .. }
            | EngineConnectionFailed => 503,
            ConnectTimeout { .. }
            | EngineProbeTimeout { .. }
            | SshTimeout { .. }
            | HeadersTimeout { .. }
            | EngineSlow { .. }
            | EngineTimeout
            | Stalled { .. }
            | RegistrySlow { .. }
            | CredentialHelperTimeout { .. }
            | CredentialHelperStuck { .. } => 504,
            SshAuthRefused { .. } => 401,
            SshHostKeyRejected { .. } => 403,
            EngineNotHttp { .. }
            | SshNoDocker { .. }
            | SshFailed { .. }
            | EngineUnreadable { .. }
            | UnreadableAnswer
            | TarCutShort(_)
            | ImportWithoutId
            | NothingCopied { .. }
            | CopiedImageMissing { .. }
            | PulledImageMissing
            | PushWithoutDigest { .. }
            | RegistryUnreachable { .. }
            | RegistryAnswered { .. } => 502,
            // What stopped it decides.
            PruneStopped { cause, .. } | WithHint { cause, .. } => cause.code,
            RemoveRefused { refusal, .. } => refusal.status(),
            PinsDamaged { .. } => 423,
            BuildWithoutId { .. } => 502,
            BuildKitUnavailable { .. } => 400,
            CancelledBeforeRemoval => 499,
            AlreadyGone | NotPinned { .. } => 404,
            PinnedSince { .. }
            | TaggedSince { .. }
            | UsedSince { .. }
            | ImagePinned { .. }
            | NoPinsDamage
            | FileLocked { .. } => 409,
            ContextPackingFailed
            | NoConfigFolder { .. }
            | CannotCreateFolderFor { .. }
            | CannotLock { .. }
            | CannotKeepAside { .. }
            | NoFreeNameAside { .. }
            | TaskStoppedUnexpectedly
            | NoDataFolder
            | NoSettingsFolder => 500,
            ContextMissing { .. }
            | ContextUnopenable { .. }
            | ContextIsAFile { .. }
            | ContextUnreadable { .. }
            | NoDockerfileInContext { .. }
            | DockerfileMissing { .. }
            | DockerfileUnresolvable { .. }
            | DockerfileUnreadable { .. }
            | DockerfileIsAFolder { .. }
            | DockerfileNotRegular { .. }
            | DockerfileEmpty { .. }
            | BadIgnorePattern { .. }
            | CannotList { .. }
            | CannotReadLink { .. }
            | ContextFileShrank { .. }
            | BuildLimitOutOfRange { .. }
            | KeepNeedsAll
            | NothingTicked
            | NotAPin { .. }
            | BadKeepStorage { .. } => 400,
            RawUnsupported { .. } | NoBuildCacheOnPodman => 501,
            TlsFileUnreadable { .. } | TlsFileInvalid { .. } | EngineWantsTls { .. } => 400,
            EngineWantsCertificate { .. } => 401,
            EngineRefusedCertificate { .. } => 403,
            EngineCertificateUntrusted { .. } | TlsHandshakeFailed { .. } => 502,
            Cancelled { .. } => 499,
            FileExists { .. } => 409,
            OutsideContext { .. } => 403,
            NoSpace { .. } => 507,
            CredentialsRefused { .. } | RegistryNeedsLogin { .. } | RegistryWantsLogin { .. } => {
                401
            }
            ImageNotFound { .. }
            | RegistryHasNoImage { .. }
            | NotInRegistry { .. }
            | NoSearchApi
            | NoManualEngine { .. }
            | UnknownEngine { .. } => 404,
            EngineNameTaken { .. } | EngineNameInUse { .. } => 409,
            ManualEnginesDamaged { .. } => 500,
            Unexpected
            | CannotWrite { .. }
            | CredentialLookupFailed { .. }
            | CredentialHelperFailed { .. }
            | ChoiceNotSaved
            | PruneIncomplete { .. } => 500,
            EngineAddressNotUnderstood { .. }
            | EngineSettingsInvalid { .. }
            | EngineNameEmpty
            | NoCertPath
            | NothingToSave
            | NothingLoaded { .. }
            | CopyToItself { .. }
            | CopySourceNotUnderstood { .. }
            | CopyDestinationNotUnderstood { .. }
            | CopyFromSeveralEngines { .. }
            | NotAFileName { .. }
            | FolderMissing { .. }
            | CannotRead { .. }
            | NotARegularFile { .. }
            | EmptyFile { .. }
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
            | BadUntil { .. }
            | BadSearchFilter { .. }
            | StarsNotNumber { .. }
            | BadPruneFilter { .. }
            | BadBuildArg { .. }
            | BadByteSize { .. }
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
